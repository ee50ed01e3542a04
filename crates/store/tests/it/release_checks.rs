//! Release test bodies shared by both backends: method versions, draft and published releases, tags, id
//! migrations, diffs. Each `check_*` takes a fresh, migrated store.

use crate::support::{awkward_dataset, execute_raw, new_run, read_fixture};
use ecoref_model::Dataset;
use ecoref_store::{
    DatasetVersionId, DiffOptions, DiffTarget, Error, IdMigration, LoadOptions, NewMethodVersion, NewRelease,
    RegisterOutcome, ReleaseEdit, Store, UnlinkedExchange, ValidationReport, compute_diff,
};

async fn load(store: &Store, source: &str, dataset: &Dataset) -> DatasetVersionId {
    let run = store.start_run(&new_run(source, &dataset.content_hash().0)).await.unwrap();
    store.load(run, source, dataset, &[], 0, &LoadOptions::default()).await.unwrap().dataset_version()
}

fn method(name: &str, version: &str, methodology: Option<&str>, dv: DatasetVersionId) -> NewMethodVersion {
    NewMethodVersion {
        name: name.into(),
        version: version.into(),
        methodology: methodology.map(String::from),
        dataset_version: dv,
        weights: None,
        weight_sets: Vec::new(),
        created_by: "tester".into(),
    }
}

fn release(name: &str, datasets: &[DatasetVersionId], method: Option<ecoref_store::MethodVersionId>) -> NewRelease {
    NewRelease {
        name: name.into(),
        datasets: datasets.to_vec(),
        method,
        notes: Some("first cut".into()),
        created_by: "tester".into(),
    }
}

fn clean_report() -> ValidationReport {
    ValidationReport { validator: "test".into(), n_processes: 3, ..ValidationReport::default() }
}

async fn refused(store: &Store, cases: &[(&'static str, &[&str])]) {
    let before = store.count_rows().await.unwrap();
    for (sql, needles) in cases {
        let error = execute_raw(store, sql).await.expect_err(sql);
        for needle in *needles {
            assert!(error.contains(needle), "{sql}: {error}");
        }
    }
    assert_eq!(store.count_rows().await.unwrap(), before, "a refused statement changed rows");
}

pub(crate) async fn check_method_versions(store: &Store) {
    let v1 = load(store, "awkward", &awkward_dataset("m")).await;
    let first = store.register_method_version(&method("ef", "3.1", Some("ef 3.1"), v1)).await.unwrap();
    let RegisterOutcome::Registered(registered) = &first else { panic!("expected registered, got {first:?}") };
    assert_eq!((registered.n_indicators, registered.n_factors, registered.n_nw_sets), (1, 2, 1));
    assert_eq!(registered.label(), "ef@3.1");
    assert_eq!(registered.dataset, "awkward@1");

    // The same content again is a no-op.
    let again = store.register_method_version(&method("ef", "3.1", Some("EF 3.1"), v1)).await.unwrap();
    assert_eq!(again, RegisterOutcome::Unchanged(registered.clone()));

    // A changed factor under the same version is refused; under a new version it is a new method.
    let mut changed = awkward_dataset("m");
    changed.lcia_methods[0].factors[0].value = 1.5;
    let v2 = load(store, "awkward", &changed).await;
    let error = store.register_method_version(&method("ef", "3.1", Some("EF 3.1"), v2)).await.unwrap_err();
    assert!(matches!(error, Error::MethodVersionConflict { .. }), "{error}");
    assert!(error.to_string().contains("ef@3.1 is already registered with other content"), "{error}");
    let next = store.register_method_version(&method("ef", "3.2", Some("EF 3.1"), v2)).await.unwrap();
    assert!(matches!(next, RegisterOutcome::Registered(_)));
    assert_ne!(next.method().content_hash, registered.content_hash);

    let error = store.register_method_version(&method("ef", "9", Some("ReCiPe"), v1)).await.unwrap_err();
    assert!(matches!(error, Error::EmptyMethod { .. }), "{error}");
    let content = store.load_method_content(registered.id).await.unwrap();
    assert_eq!(content.indicators, awkward_dataset("m").lcia_methods);
    assert_eq!(content.nw_sets, awkward_dataset("m").normalization_weighting_sets);
    assert_eq!(content.content_hash().0, registered.content_hash);
    assert_eq!(store.list_method_versions().await.unwrap().len(), 2);

    refused(
        store,
        &[
            ("UPDATE lcia_method_version SET content_hash = 'x'", &["lcia_method_version rows are insert-only"]),
            ("DELETE FROM lcia_method_version_indicator", &["insert-only: delete refused"]),
            ("DELETE FROM lcia_method_version_nw_set", &["insert-only: delete refused"]),
        ],
    )
    .await;
}

pub(crate) async fn check_release_lifecycle(store: &Store) {
    let a1 = load(store, "alpha", &awkward_dataset("a1")).await;
    let a2 = load(store, "alpha", &awkward_dataset("a2")).await;
    let b1 = load(store, "beta", &awkward_dataset("b1")).await;
    let m = store.register_method_version(&method("ef", "3.1", None, a1)).await.unwrap().method().id;

    let draft = store.create_release(&release("r1", &[a1], None)).await.unwrap();
    assert_eq!(draft.status, "draft");
    assert_eq!(draft.datasets.iter().map(|d| d.label()).collect::<Vec<_>>(), ["alpha@1"]);
    assert!(matches!(store.create_release(&release("r1", &[a1], None)).await, Err(Error::ReleaseExists(_))));
    assert!(matches!(store.create_release(&release("r2", &[a1, a2], None)).await, Err(Error::SourceTwice { .. })));
    assert!(matches!(store.create_release(&release("bad name", &[a1], None)).await, Err(Error::InvalidName { .. })));

    // A draft may change: datasets, method, notes.
    let edit = ReleaseEdit {
        add_datasets: vec![a2, b1],
        remove_datasets: vec![a1],
        method: Some(Some(m)),
        notes: Some(Some("second cut".into())),
    };
    let edited = store.edit_release("r1", &edit).await.unwrap();
    assert_eq!(edited.datasets.iter().map(|d| d.label()).collect::<Vec<_>>(), ["alpha@2", "beta@1"]);
    assert_eq!(edited.method.as_ref().map(|m| m.label()).as_deref(), Some("ef@3.1"));
    assert_eq!(edited.notes.as_deref(), Some("second cut"));
    let twice = ReleaseEdit { add_datasets: vec![a1], ..ReleaseEdit::default() };
    assert!(matches!(store.edit_release("r1", &twice).await, Err(Error::SourceTwice { .. })));

    let migration = |old: &str, new: &str| IdMigration {
        old_id: old.into(),
        new_id: new.into(),
        reason: "renamed upstream".into(),
        created_by: "tester".into(),
    };
    store.add_id_migration("r1", &migration("p-old", "p-mid")).await.unwrap();
    store.add_id_migration("r1", &migration("p-mid", "p-new")).await.unwrap();
    store.add_id_migration("r1", &migration("p-mid", "p-new")).await.unwrap();
    assert!(matches!(
        store.add_id_migration("r1", &migration("p-mid", "p-other")).await,
        Err(Error::IdMigrationConflict { .. })
    ));
    assert_eq!(store.resolve_process_id("r1", "p-old").await.unwrap(), "p-new");
    assert_eq!(store.resolve_process_id("r1", "p-unrelated").await.unwrap(), "p-unrelated");

    // Publishing validates.
    let mut bad = clean_report();
    bad.unlinked.push(UnlinkedExchange {
        process_id: "p".into(),
        exchange: "3".into(),
        flow_id: "f".into(),
        flow_name: None,
    });
    bad.unmapped_flows = vec!["co2".into(), "ch4".into()];
    bad.accepted_unmapped_flows = vec!["ch4".into()];
    let error = store.publish_release("r1", &bad, "tester").await.unwrap_err();
    assert!(
        error.to_string().contains("1 unlinked technosphere exchange (first: process p exchange 3 flow f)"),
        "{error}"
    );
    assert!(error.to_string().contains("1 elementary flow neither mapped nor accepted (first: co2)"), "{error}");
    let no_method = store.create_release(&release("r0", &[b1], None)).await.unwrap();
    let error = store.publish_release(&no_method.name, &clean_report(), "tester").await.unwrap_err();
    assert!(error.to_string().contains("no LCIA method"), "{error}");
    // A draft is mutable in the database too.
    execute_raw(store, "UPDATE release SET notes = 'still a draft' WHERE name = 'r0'").await.unwrap();

    let mut ok = clean_report();
    ok.unmapped_flows = vec!["ch4".into()];
    ok.accepted_unmapped_flows = vec!["ch4".into()];
    let published = store.publish_release("r1", &ok, "publisher").await.unwrap();
    assert!(published.is_published());
    assert_eq!(published.published_by.as_deref(), Some("publisher"));
    assert!(published.published_at.is_some());
    let detail = store.read_release("r1").await.unwrap().unwrap();
    assert_eq!(detail.validation, Some(ok.clone()));
    assert_eq!(detail.id_migrations.len(), 2);

    // Published is final, through the store…
    assert!(matches!(store.edit_release("r1", &edit).await, Err(Error::ReleasePublished(_))));
    assert!(matches!(store.add_id_migration("r1", &migration("x", "y")).await, Err(Error::ReleasePublished(_))));
    let error = store.publish_release("r1", &ok, "again").await.unwrap_err();
    assert_eq!(error.to_string(), "release r1 is published and cannot change: create a new release");
    // …and in the database, whoever asks.
    refused(
        store,
        &[
            (
                "UPDATE release SET notes = 'rewritten' WHERE name = 'r1'",
                &["release", "is published", "update refused"],
            ),
            ("UPDATE release SET status = 'draft' WHERE name = 'r1'", &["is published", "update refused"]),
            ("DELETE FROM release WHERE name = 'r1'", &["is published", "delete refused"]),
            ("DELETE FROM release_dataset", &["is published", "release_dataset rows refused"]),
            ("UPDATE release_dataset SET dataset_version_id = dataset_version_id", &["is published"]),
            (
                "INSERT INTO release_dataset (release_id, dataset_version_id) \
                 SELECT r.id, d.id FROM release r, dataset_version d WHERE r.name = 'r1' AND d.version_number = 1 \
                 AND d.source_name = 'alpha'",
                &["is published", "insert of its release_dataset rows refused"],
            ),
            ("DELETE FROM release_id_migration", &["is published", "release_id_migration rows refused"]),
            ("UPDATE release_id_migration SET new_id = 'elsewhere'", &["is published"]),
        ],
    )
    .await;
    let listed = store.list_releases().await.unwrap();
    assert_eq!(
        listed.iter().map(|r| (r.name.as_str(), r.status.as_str())).collect::<Vec<_>>(),
        [("r1", "published"), ("r0", "draft")]
    );
    assert_eq!(listed[1].notes.as_deref(), Some("still a draft"));
}

pub(crate) async fn check_tags(store: &Store) {
    let a1 = load(store, "alpha", &awkward_dataset("t1")).await;
    let a2 = load(store, "alpha", &awkward_dataset("t2")).await;
    let m = store.register_method_version(&method("ef", "3.1", None, a1)).await.unwrap().method().id;
    for (name, dv) in [("v1", a1), ("v2", a2)] {
        store.create_release(&release(name, &[dv], Some(m))).await.unwrap();
    }
    assert!(matches!(store.set_tag("latest", "v1", "tester").await, Err(Error::ReleaseNotPublished(_))));
    refused(
        store,
        &[(
            "INSERT INTO release_tag_event (tag, release_id, set_by) SELECT 'latest', id, 'x' FROM release \
             WHERE name = 'v1'",
            &["published"],
        )],
    )
    .await;
    for name in ["v1", "v2"] {
        store.publish_release(name, &clean_report(), "tester").await.unwrap();
    }
    let first = store.set_tag("latest", "v1", "alice").await.unwrap();
    assert!(first.moved && first.previous.is_none());
    let same = store.set_tag("latest", "v1", "alice").await.unwrap();
    assert!(!same.moved);
    let moved = store.set_tag("latest", "v2", "bob").await.unwrap();
    assert_eq!((moved.moved, moved.previous.as_deref()), (true, Some("v1")));
    store.set_tag("regulatory-textile", "v1", "carol").await.unwrap();

    let tags = store.list_tags().await.unwrap();
    let listed: Vec<(&str, &str, &str, i64)> =
        tags.iter().map(|t| (t.tag.as_str(), t.release.as_str(), t.set_by.as_str(), t.n_moves)).collect();
    assert_eq!(listed, [("latest", "v2", "bob", 2), ("regulatory-textile", "v1", "carol", 1)]);
    let history = store.tag_history(Some("latest")).await.unwrap();
    assert_eq!(history.iter().map(|e| e.release.as_str()).collect::<Vec<_>>(), ["v1", "v2"]);
    let v1 = store.read_release("v1").await.unwrap().unwrap().summary;
    assert_eq!(v1.tags, ["regulatory-textile"]);
    assert!(matches!(store.set_tag("bad tag", "v1", "x").await, Err(Error::InvalidName { .. })));
    refused(
        store,
        &[
            ("UPDATE release_tag_event SET release_id = release_id", &["release_tag_event rows are insert-only"]),
            ("DELETE FROM release_tag_event", &["release_tag_event rows are insert-only"]),
        ],
    )
    .await;
}

/// The tiangong fixture against a copy with three amounts changed, one process renamed and one removed.
pub(crate) async fn check_diff_of_dataset_versions(store: &Store) {
    let (dataset, _, _) = read_fixture();
    let mut changed = dataset.clone();
    let mut n_amounts = 0;
    for process in changed.processes.iter_mut().take(3) {
        let exchange = process.exchanges.iter_mut().find(|e| e.amount.is_some_and(|a| a != 0.0)).unwrap();
        exchange.amount = exchange.amount.map(|a| a * 2.0);
        n_amounts += 1;
    }
    changed.processes[3].name.push_str(" (renamed)");
    let removed = changed.processes.remove(4);
    let v1 = load(store, "tiangong", &dataset).await;
    let v2 = load(store, "tiangong", &changed).await;
    let a = store.load_diff_side(&DiffTarget::Dataset(v1)).await.unwrap();
    let b = store.load_diff_side(&DiffTarget::Dataset(v2)).await.unwrap();
    let diff = compute_diff(&a, &b, &DiffOptions::default());
    assert_eq!((diff.a.as_str(), diff.b.as_str()), ("tiangong@1", "tiangong@2"));
    assert_eq!(diff.summary.n_amounts_changed, n_amounts);
    assert_eq!(diff.changed.len(), 3);
    assert!(diff.changed.iter().all(|c| c.amounts_changed.len() == 1 && c.fields_changed.is_empty()));
    assert_eq!(diff.renamed.len(), 1);
    assert_eq!(diff.renamed[0].rule, "same id, new name");
    assert_eq!(diff.removed.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), [removed.id.id.as_str()]);
    assert!(diff.added.is_empty() && diff.impacts.is_empty() && !diff.summary.method_changed);
}
