//! Link sets, flow mapping sets, methods with weights from a second dataset, and what a published release was
//! validated with, shared by both backends. The link tables of the three acceptance releases are read back from the
//! database and compared with the transform crate's golden files.

use crate::support::{execute_raw, new_run, read_fixture};
use ecoref_model::{Dataset, Diagnostic};
use ecoref_store::{
    DatasetVersionId, Error, LoadOptions, MethodVersionId, NewFlowMappingSet, NewLinkSet, NewMethodVersion, NewRelease,
    RegisterOutcome, Store, ValidationInput, ValidationReport, link_set_inputs_key,
};
use ecoref_transform::{
    LinkOptions, LinkOutput, MappingOptions, TRANSFORM_VERSION, compute_flow_mapping, compute_links,
    compute_unmapped_shares, flows_from_factor_references,
};
use std::path::{Path, PathBuf};

fn fixture(rel: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures")).join(rel)
}

fn golden(name: &str) -> String {
    let path = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../transform/tests/golden")).join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

async fn load(store: &Store, source: &str, dataset: &Dataset, diagnostics: &[Diagnostic]) -> DatasetVersionId {
    let run = store.start_run(&new_run(source, &dataset.content_hash().0)).await.unwrap();
    store.load(run, source, dataset, diagnostics, 0, &LoadOptions::default()).await.unwrap().dataset_version()
}

/// Links the dataset version as the CLI does (read back from the database) and stores the link set.
async fn link_and_save(
    store: &Store,
    dv: DatasetVersionId,
    deps: &[(DatasetVersionId, &str)],
) -> (LinkOutput, ecoref_store::SaveOutcome<ecoref_store::LinkSetSummary>) {
    let dataset = store.load_dataset(dv).await.unwrap();
    let mut dep_datasets = Vec::new();
    for (dep, label) in deps {
        dep_datasets.push((*label, store.load_dataset(*dep).await.unwrap()));
    }
    let refs: Vec<(&str, &Dataset)> = dep_datasets.iter().map(|(l, d)| (*l, d)).collect();
    let options = LinkOptions::default();
    let output = compute_links(&dataset, &refs, &options);
    let saved = store
        .save_link_set(&NewLinkSet {
            dataset_version: dv,
            dependencies: deps.iter().map(|(d, _)| *d).collect(),
            options: options.describe(),
            transform_version: TRANSFORM_VERSION.to_owned(),
            output: &output,
            created_by: "tester".into(),
        })
        .await
        .unwrap();
    (output, saved)
}

fn method(name: &str, version: &str, dv: DatasetVersionId) -> NewMethodVersion {
    NewMethodVersion {
        name: name.into(),
        version: version.into(),
        methodology: None,
        dataset_version: dv,
        weights: None,
        weight_sets: Vec::new(),
        created_by: "tester".into(),
    }
}

/// The TianGong subset: stored once, re-saving is a no-op, the stored table renders as the golden TSV, rows are
/// insert-only.
pub(crate) async fn check_link_sets(store: &Store) {
    let (dataset, diagnostics, _) = read_fixture();
    let dv = load(store, "tiangong", &dataset, &diagnostics).await;
    let (output, saved) = link_and_save(store, dv, &[]).await;
    assert!(saved.inserted);
    let summary = &saved.summary;
    assert_eq!(summary.dataset, "tiangong@1");
    assert_eq!((summary.n_technosphere, summary.n_linked, summary.n_unlinked), (184, 1, 183));
    assert_eq!(summary.transform_version, TRANSFORM_VERSION);
    assert_eq!(summary.options, LinkOptions::default().describe());

    let (_, again) = link_and_save(store, dv, &[]).await;
    assert!(!again.inserted, "an identical link set is not stored twice");
    assert_eq!(again.summary.id, summary.id);
    let rows = store.count_rows().await.unwrap();
    assert_eq!(rows["link_set"], 1);
    assert_eq!(rows["link_set_link"], 1);
    assert_eq!(rows["link_set_unresolved"], 183);

    let stored = store.load_link_set(summary.id).await.unwrap();
    assert_eq!(stored.output, output);
    assert_eq!(stored.output.table.to_tsv(), golden("tiangong_subset.links.tsv"));
    assert_eq!(stored.output.unresolved_to_tsv(), golden("tiangong_subset.unresolved.tsv"));
    assert!(stored.output.diagnostics.iter().any(|d| d.code == "link.dangling-reference-product"));

    let key = link_set_inputs_key(dv, &[], &LinkOptions::default().describe(), TRANSFORM_VERSION);
    assert_eq!(store.find_link_set(&key).await.unwrap().map(|s| s.id), Some(summary.id));
    assert_eq!(store.find_link_set("nope").await.unwrap(), None);
    assert_eq!(store.list_link_sets(Some(dv)).await.unwrap().len(), 1);

    for (sql, needle) in [
        ("UPDATE link_set SET n_linked = 0", "link_set rows are insert-only"),
        ("DELETE FROM link_set_link", "link_set_link rows are insert-only"),
        ("UPDATE link_set_unresolved SET flow_name = 'x'", "link_set_unresolved rows are insert-only"),
    ] {
        let error = execute_raw(store, sql).await.expect_err(sql);
        assert!(error.contains(needle), "{sql}: {error}");
    }
    assert_eq!(store.count_rows().await.unwrap(), rows);
}

/// The EcoSpold2 fake database and the Ecobalyse SimaPro export, read by their readers, loaded, linked from the
/// database: the stored link tables render exactly as the transform crate's golden files.
pub(crate) async fn check_link_tables_of_the_acceptance_releases(store: &Store) {
    let fake = ecoref_extract_ecospold2::read_path(
        &fixture("ecospold2/ecospold2matrix_fake_db"),
        &ecoref_extract_ecospold2::ReadOptions::default(),
    )
    .unwrap();
    let dv = load(store, "fake-db", &fake.dataset, &fake.diagnostics).await;
    let (_, saved) = link_and_save(store, dv, &[]).await;
    let stored = store.load_link_set(saved.summary.id).await.unwrap();
    assert_eq!(stored.output.table.to_tsv(), golden("ecospold2matrix_fake_db.links.tsv"));
    assert_eq!(stored.output.unresolved_to_tsv(), golden("ecospold2matrix_fake_db.unresolved.tsv"));
    assert_eq!((saved.summary.n_technosphere, saved.summary.n_linked), (4, 4));

    let export = ecoref_extract_simapro::read_path(
        &fixture("simapro_csv/ecobalyse_export/simapro_export.csv"),
        &ecoref_extract_simapro::ReadOptions::default(),
    )
    .unwrap();
    let dv = load(store, "ecobalyse-export", &export.dataset, &export.diagnostics).await;
    let (output, saved) = link_and_save(store, dv, &[]).await;
    let stored = store.load_link_set(saved.summary.id).await.unwrap();
    assert_eq!(stored.output, output);
    assert_eq!(stored.output.table.to_tsv(), golden("ecobalyse_export.links.tsv"));
    assert_eq!(stored.output.unresolved_to_tsv(), golden("ecobalyse_export.unresolved.tsv"));
    assert!(saved.summary.n_unlinked > 0);
}

/// A provider found in a dependency dataset version keeps its dataset through the database.
pub(crate) async fn check_link_set_with_a_dependency(store: &Store) {
    let (dataset, _, _) = read_fixture();
    let tiangong = load(store, "tiangong", &dataset, &[]).await;
    // The consumer: one process of the subset alone, its own reference product dropped, so that the provider of
    // its self-loop is found in the full subset.
    let mut alone = dataset.clone();
    alone.processes.retain(|p| p.id.id == "01a45edf-ef15-43d2-a31b-75a15701ed31");
    alone.processes.truncate(1);
    for p in &mut alone.processes {
        p.exchanges.retain(|e| !e.is_reference);
    }
    alone.canonicalize();
    let consumer = load(store, "consumer", &alone, &[]).await;
    let (output, saved) = link_and_save(store, consumer, &[(tiangong, "tiangong@1")]).await;
    assert_eq!(saved.summary.dependencies, ["tiangong@1"]);
    let from_dependency: Vec<_> =
        output.table.links.iter().filter(|l| l.provider_dataset.as_deref() == Some("tiangong@1")).collect();
    assert!(!from_dependency.is_empty(), "{}", output.table.to_tsv());
    let stored = store.load_link_set(saved.summary.id).await.unwrap();
    assert_eq!(stored.output, output);
    // Other dependencies, other inputs: another link set.
    let (_, alone_saved) = link_and_save(store, consumer, &[]).await;
    assert!(alone_saved.inserted);
    assert_ne!(alone_saved.summary.id, saved.summary.id);
}

/// EF 3.1 characterization from the ILCD method data sets with Ecobalyse's `ecs` weights from `impacts.json`:
/// one method version; other weights under the same version are refused.
pub(crate) async fn check_method_with_weights_from_another_dataset(store: &Store) {
    let ilcd = ecoref_extract_ilcd::read_path(
        &fixture("ilcd/tiangong_lciamethods/6209b35f-9447-40b5-b68c-a1099e3674a0.xml"),
        &Default::default(),
    )
    .unwrap();
    let ef = load(store, "ef-ilcd", &ilcd.dataset, &[]).await;
    let impacts = |file: &str| {
        let bytes = std::fs::read(fixture(&format!("ecobalyse/{file}"))).unwrap();
        ecoref_extract_ecobalyse::read_impacts_bytes(file, &bytes).unwrap()
    };
    let ecs_only = impacts("impacts.json");
    assert_eq!(ecs_only.normalization_weighting_sets.len(), 1);
    let with_pef = impacts("impacts-with-pef-2025-12.json");
    let w1 = load(store, "ecobalyse-impacts", &ecs_only, &[]).await;
    let w2 = load(store, "ecobalyse-impacts", &with_pef, &[]).await;

    let mut new = method("ef31-ecs", "1", ef);
    new.weights = Some(w1);
    new.weight_sets = vec!["ECS".into()];
    let registered = store.register_method_version(&new).await.unwrap();
    let RegisterOutcome::Registered(summary) = &registered else { panic!("{registered:?}") };
    assert_eq!((summary.n_indicators, summary.n_nw_sets), (1, 1));
    assert_eq!(summary.dataset, "ef-ilcd@1");
    assert_eq!(summary.weights.as_deref(), Some("ecobalyse-impacts@1"));
    let content = store.load_method_content(summary.id).await.unwrap();
    assert_eq!(content.indicators, ilcd.dataset.lcia_methods);
    assert_eq!(content.nw_sets, ecs_only.normalization_weighting_sets);
    assert_eq!(content.content_hash().0, summary.content_hash);
    let cch = content.nw_sets[0].entries.iter().find(|e| e.category == "cch").expect("cch weighted");
    assert_eq!((cch.normalization, cch.weighting), (Some(7553.08), Some(0.2106)));

    // The same ecs weights from the newer impacts file are the same content: unchanged.
    new.weights = Some(w2);
    let again = store.register_method_version(&new).await.unwrap();
    assert!(matches!(again, RegisterOutcome::Unchanged(_)), "{again:?}");
    // The PEF weights under the same version are other content: refused.
    new.weight_sets = vec!["pef".into()];
    let error = store.register_method_version(&new).await.unwrap_err();
    assert!(matches!(error, Error::MethodVersionConflict { .. }), "{error}");
    new.weight_sets = vec!["nope".into()];
    let error = store.register_method_version(&new).await.unwrap_err();
    assert!(error.to_string().contains("no normalization-weighting set named nope: available: ecs, pef"), "{error}");
    new.version = "1-pef".into();
    new.weight_sets = vec!["pef".into()];
    assert!(matches!(store.register_method_version(&new).await.unwrap(), RegisterOutcome::Registered(_)));
}

/// Methods from SimaPro method files and Brightway LCIA JSON register like ILCD ones, with their NW sets.
pub(crate) async fn check_methods_from_simapro_and_brightway(store: &Store) {
    let simapro = ecoref_extract_simapro::read_path(
        &fixture("simapro_csv/bw_simapro_csv_fixtures/method.csv"),
        &ecoref_extract_simapro::ReadOptions::default(),
    )
    .unwrap();
    assert!(!simapro.dataset.lcia_methods.is_empty());
    let dv = load(store, "simapro-method", &simapro.dataset, &[]).await;
    let registered = store.register_method_version(&method("simapro-method", "1", dv)).await.unwrap();
    let m = registered.method();
    assert_eq!(m.n_indicators as usize, simapro.dataset.lcia_methods.len());
    assert_eq!(m.n_nw_sets as usize, simapro.dataset.normalization_weighting_sets.len());
    let content = store.load_method_content(m.id).await.unwrap();
    assert_eq!(content.nw_sets, simapro.dataset.normalization_weighting_sets);

    let brightway = ecoref_extract_brightway::read_path(
        &fixture("brightway/bw2io_lcia_json/lcia_39_ecoinvent.zip"),
        &ecoref_extract_brightway::ReadOptions::default(),
    )
    .unwrap();
    let dv = load(store, "brightway-lcia", &brightway.dataset, &[]).await;
    let mut new = method("ef-bw", "3.1", dv);
    new.methodology = brightway
        .dataset
        .lcia_methods
        .iter()
        .find(|m| m.id.id.starts_with("EF v3.1 |"))
        .and_then(|m| m.methodologies.first().cloned());
    let registered = store.register_method_version(&new).await.unwrap();
    assert!(registered.method().n_indicators > 0);
    assert!(registered.method().n_factors > 0);
}

async fn register(store: &Store, new: NewMethodVersion) -> MethodVersionId {
    store.register_method_version(&new).await.unwrap().method().id
}

/// The TianGong subset's elementary flows mapped onto its own EF indicators (same ids): stored once, read back
/// equal; a release published with a link set and a flow mapping set keeps them, frozen.
pub(crate) async fn check_flow_mapping_sets_and_release_inputs(store: &Store) {
    let (dataset, _, _) = read_fixture();
    let dv = load(store, "tiangong", &dataset, &[]).await;
    let method_id = register(store, method("tiangong-ef", "1", dv)).await;
    let content = store.load_method_content(method_id).await.unwrap();
    let stored_dataset = store.load_dataset(dv).await.unwrap();
    let mut targets: Vec<_> = stored_dataset.flows.clone();
    let synthesized = flows_from_factor_references(&content.indicators, &targets);
    targets.extend(synthesized.iter().cloned());
    let options = MappingOptions::default();
    let mapping = compute_flow_mapping(&stored_dataset.flows, &targets, &options);
    let losses = compute_unmapped_shares(&stored_dataset, &mapping, &content.indicators, &targets);
    let new = NewFlowMappingSet {
        dataset_version: dv,
        method_version: method_id,
        options: options.describe(),
        transform_version: TRANSFORM_VERSION.to_owned(),
        mapping: &mapping,
        impact_losses: &losses,
        n_source_flows: stored_dataset.flows.len() as u64,
        n_target_flows: targets.len() as u64,
        n_target_synthesized: synthesized.len() as u64,
        created_by: "tester".into(),
    };
    let saved = store.save_flow_mapping_set(&new).await.unwrap();
    assert!(saved.inserted);
    assert_eq!(saved.summary.method, "tiangong-ef@1");
    assert!(saved.summary.n_mapped > 0, "{:?}", saved.summary);
    assert_eq!(saved.summary.impact_losses, losses);
    let again = store.save_flow_mapping_set(&new).await.unwrap();
    assert!(!again.inserted);
    assert_eq!(again.summary.id, saved.summary.id);
    let stored = store.load_flow_mapping_set(saved.summary.id).await.unwrap();
    assert_eq!(stored.mapping, mapping);
    assert_eq!(stored.mapping.to_tsv(), mapping.to_tsv());

    // A release validated with these sets records them; once published they are frozen with it.
    let (_, link_set) = link_and_save(store, dv, &[]).await;
    let release = NewRelease {
        name: "r".into(),
        datasets: vec![dv],
        method: Some(method_id),
        notes: None,
        created_by: "tester".into(),
    };
    store.create_release(&release).await.unwrap();
    let input = ValidationInput {
        dataset_version: dv,
        dataset: "tiangong@1".into(),
        link_set: link_set.summary.id,
        flow_mapping_set: Some(saved.summary.id),
    };
    // A report that names another method's mapping is refused.
    let other_method =
        register(store, NewMethodVersion { version: "2".into(), ..method("tiangong-ef", "1", dv) }).await;
    let other_losses = Vec::new();
    let other = store
        .save_flow_mapping_set(&NewFlowMappingSet { method_version: other_method, impact_losses: &other_losses, ..new })
        .await
        .unwrap();
    let wrong = ValidationReport {
        validator: "test".into(),
        inputs: vec![ValidationInput { flow_mapping_set: Some(other.summary.id), ..input.clone() }],
        ..ValidationReport::default()
    };
    let error = store.publish_release("r", &wrong, "tester").await.unwrap_err();
    assert!(error.to_string().contains("not tiangong@1 onto tiangong-ef@1"), "{error}");
    let report =
        ValidationReport { validator: "test".into(), inputs: vec![input.clone()], ..ValidationReport::default() };
    store.publish_release("r", &report, "tester").await.unwrap();
    let detail = store.read_release("r").await.unwrap().unwrap();
    assert_eq!(detail.validated_with, [input]);
    assert_eq!(detail.validation.as_ref().map(|v| v.inputs.len()), Some(1));
    let before = store.count_rows().await.unwrap();
    for (sql, needle) in [
        ("UPDATE release_validation_input SET flow_mapping_set_id = NULL", "update of its release_validation_input"),
        ("DELETE FROM release_validation_input", "delete of its release_validation_input"),
        ("DELETE FROM flow_mapping_entry", "flow_mapping_entry rows are insert-only"),
        ("UPDATE flow_mapping_set SET n_mapped = 0", "flow_mapping_set rows are insert-only"),
    ] {
        let error = execute_raw(store, sql).await.expect_err(sql);
        assert!(error.contains(needle), "{sql}: {error}");
    }
    assert_eq!(store.count_rows().await.unwrap(), before);
}
