//! Test bodies shared by both backends: each `check_*` takes a fresh, migrated store.

pub(crate) use crate::release_checks::{
    check_diff_of_dataset_versions, check_method_versions, check_release_lifecycle, check_tags,
};
use crate::support::{amount_bits, awkward_dataset, execute_raw, new_run, read_fixture};
use ecoref_model::{Counts, Dataset, Diagnostic};
use ecoref_store::{Error, ExchangeCells, InputFile, LoadOptions, LoadOutcome, NewRun, Store};
use std::collections::BTreeMap;
use std::time::Duration;

fn expected_rows(counts: &Counts) -> BTreeMap<&'static str, u64> {
    BTreeMap::from([
        ("process", counts.processes),
        ("exchange", counts.exchanges),
        ("lcia_result", counts.lcia_results),
        ("flow", counts.flows),
        ("flow_property", counts.flow_properties),
        ("unit_group", counts.unit_groups),
        ("unit", counts.units),
        ("lcia_method", counts.lcia_methods),
        ("characterization_factor", counts.characterization_factors),
        ("source", counts.sources),
        ("contact", counts.contacts),
        ("normalization_weighting_set", counts.normalization_weighting_sets),
    ])
}

fn flow_property_factors(dataset: &Dataset) -> i64 {
    dataset.flows.iter().map(|f| f.flow_properties.len() as i64).sum()
}

async fn load_new(store: &Store, source: &str, dataset: &Dataset, diagnostics: &[Diagnostic]) -> LoadOutcome {
    let run = store.start_run(&new_run(source, &dataset.content_hash().0)).await.unwrap();
    store.load(run, source, dataset, diagnostics, 0, &LoadOptions::default()).await.unwrap()
}

pub(crate) async fn check_load_fills_every_table(store: &Store) {
    let (dataset, diagnostics, n_rejected) = read_fixture();
    let run_spec = new_run("tiangong", "ab".repeat(32).as_str());
    let run = store.start_run(&run_spec).await.unwrap();
    let started = std::time::Instant::now();
    let outcome =
        store.load(run, "tiangong", &dataset, &diagnostics, n_rejected, &LoadOptions::default()).await.unwrap();
    let seconds = started.elapsed().as_secs_f64();
    let counts = dataset.counts();
    eprintln!(
        "{}: loaded {} rows in {seconds:.3} s ({:.0} rows/s)",
        store.backend(),
        counts.total_rows() + flow_property_factors(&dataset) as u64,
        (counts.total_rows() as f64 + flow_property_factors(&dataset) as f64) / seconds
    );
    let LoadOutcome::Loaded { dataset_version, version_number, counts: loaded } = outcome else {
        panic!("expected a new version, got {outcome:?}")
    };
    assert_eq!(version_number, 1);
    assert_eq!(loaded, counts);

    let rows = store.count_rows().await.unwrap();
    for (table, n) in expected_rows(&counts) {
        assert_eq!(rows[table] as u64, n, "rows of {table}");
    }
    assert_eq!(rows["flow_flow_property"], flow_property_factors(&dataset));
    assert_eq!(rows["dataset_version"], 1);
    assert_eq!(rows["import_run"], 1);
    assert_eq!(rows["import_diagnostic"], diagnostics.len() as i64);

    let runs = store.list_runs(10).await.unwrap();
    assert_eq!(runs.len(), 1);
    let summary = &runs[0];
    assert_eq!(summary.id, run);
    assert_eq!(summary.status, "succeeded");
    assert_eq!(summary.counts, Some(counts));
    assert_eq!(summary.dataset_version, Some(dataset_version));
    assert_eq!(summary.n_diagnostics, diagnostics.len() as i64);
    assert_eq!(summary.n_rejected, n_rejected as i64);
    assert_eq!(summary.inputs, run_spec.inputs);
    assert_eq!(summary.idempotency_key, run_spec.idempotency_key());
    assert!(summary.finished_at.as_deref().is_some_and(|t| t.ends_with('Z') && t >= summary.started_at.as_str()));
    assert_eq!(store.run_diagnostics(run).await.unwrap(), diagnostics);

    let versions = store.list_dataset_versions().await.unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!(versions[0].id, dataset_version);
    assert_eq!(versions[0].content_hash, dataset.content_hash().0);
    assert_eq!(versions[0].counts, counts);
    assert_eq!(versions[0].created_by_run, run);
}

pub(crate) async fn check_second_load_is_unchanged(store: &Store) {
    let (dataset, diagnostics, _) = read_fixture();
    let first = load_new(store, "tiangong", &dataset, &diagnostics).await;
    let before = store.count_rows().await.unwrap();

    // Different input bytes (another key), same content: the load is a no-op that says so.
    let run = store.start_run(&new_run("tiangong", &"cd".repeat(32))).await.unwrap();
    let second = store.load(run, "tiangong", &dataset, &diagnostics, 0, &LoadOptions::default()).await.unwrap();
    assert_eq!(second, LoadOutcome::Unchanged { dataset_version: first.dataset_version(), version_number: 1 });
    let after = store.count_rows().await.unwrap();
    for (table, n) in &after {
        let expected = match table.as_str() {
            "import_run" | "import_input" => before[table] + 1,
            "import_diagnostic" => before[table] + diagnostics.len() as i64,
            _ => before[table],
        };
        assert_eq!(*n, expected, "rows of {table}");
    }
    let summary = &store.list_runs(1).await.unwrap()[0];
    assert_eq!(summary.status, "unchanged");
    assert_eq!(summary.dataset_version, Some(first.dataset_version()));
    assert!(summary.note.as_deref().unwrap().contains("tiangong@1"), "{:?}", summary.note);

    // Same key again: the caller can skip reading altogether.
    let same = new_run("tiangong", &"cd".repeat(32));
    let reusable = store.find_reusable_run(&same.idempotency_key()).await.unwrap().expect("reusable run");
    assert_eq!(reusable.id, run);
    assert!(store.find_reusable_run("no such key").await.unwrap().is_none());
    let third = store.start_run(&same).await.unwrap();
    store.finish_unchanged(third, first.dataset_version(), "inputs identical to run 2").await.unwrap();
    let summary = &store.list_runs(1).await.unwrap()[0];
    assert_eq!((summary.id, summary.status.as_str()), (third, "unchanged"));
    assert_eq!(summary.note.as_deref(), Some("inputs identical to run 2"));
    assert_eq!(store.find_reusable_run(&same.idempotency_key()).await.unwrap().unwrap().id, third);
    assert!(matches!(
        store.finish_unchanged(third, first.dataset_version(), "again").await,
        Err(Error::RunNotRunning { .. })
    ));
}

pub(crate) async fn check_round_trip(store: &Store) {
    for (source, dataset) in [("tiangong", read_fixture().0), ("awkward", awkward_dataset("x"))] {
        let outcome = load_new(store, source, &dataset, &[]).await;
        let read = store.load_dataset(outcome.dataset_version()).await.unwrap();
        assert_eq!(read.content_hash(), dataset.content_hash(), "{source}: content hash");
        assert_eq!(amount_bits(&read), amount_bits(&dataset), "{source}: amounts to the bit");
        assert_eq!(read, dataset, "{source}: whole dataset");

        // The lean reading: processes without exchanges, and the exchanges' plain columns, in the same order.
        let dv = outcome.dataset_version();
        let mut without = dataset.clone();
        let expected = ExchangeCells::take_from(&mut without);
        assert!(expected.iter().map(Vec::len).sum::<usize>() > 0, "{source}: the fixture has exchanges");
        assert_eq!(store.load_dataset_without_exchanges(dv).await.unwrap(), without, "{source}: without exchanges");
        assert_eq!(store.read_exchange_cells(dv).await.unwrap(), expected, "{source}: exchange cells");
        for per_query in [1, 2, 3] {
            let cells = store.read_exchange_cells_by(dv, per_query).await.unwrap();
            assert_eq!(cells, expected, "{source}: exchange cells, {per_query} process(es) per query");
        }
    }
    let missing = ecoref_store::DatasetVersionId(999);
    assert!(matches!(store.load_dataset(missing).await, Err(Error::DatasetVersionNotFound(_))));
    assert!(matches!(store.read_exchange_cells(missing).await, Err(Error::DatasetVersionNotFound(_))));
}

pub(crate) async fn check_failed_load_leaves_nothing(store: &Store) {
    let (dataset, diagnostics, _) = read_fixture();
    let run = store.start_run(&new_run("tiangong", &"ef".repeat(32))).await.unwrap();
    let before = store.count_rows().await.unwrap();
    let half = dataset.counts().total_rows() / 2;
    let options = LoadOptions { fail_after_rows: Some(half), ..LoadOptions::default() };
    let error = store.load(run, "tiangong", &dataset, &diagnostics, 0, &options).await.unwrap_err();
    assert!(matches!(error, Error::InjectedFault(n) if n == half), "{error}");
    assert_eq!(store.count_rows().await.unwrap(), before, "nothing of the failed load remains");
    assert_eq!(store.list_runs(1).await.unwrap()[0].status, "running");

    store.fail_run(run, &error.to_string(), &[]).await.unwrap();
    assert_eq!(store.count_rows().await.unwrap(), before, "failing the run adds no row");
    let summary = &store.list_runs(1).await.unwrap()[0];
    assert_eq!(summary.status, "failed");
    assert_eq!(summary.error.as_deref(), Some(format!("injected fault after {half} rows").as_str()));
    assert!(summary.finished_at.is_some() && summary.dataset_version.is_none());
    assert!(matches!(store.fail_run(run, "twice", &[]).await, Err(Error::RunNotRunning { .. })));
    assert!(matches!(
        store.load(run, "tiangong", &dataset, &[], 0, &LoadOptions::default()).await,
        Err(Error::RunNotRunning { .. })
    ));

    // The connection that carried the aborted load is fine, and the failed attempt used no version number.
    let outcome = load_new(store, "tiangong", &dataset, &diagnostics).await;
    assert!(matches!(outcome, LoadOutcome::Loaded { version_number: 1, .. }), "{outcome:?}");
}

pub(crate) async fn check_immutability(store: &Store) {
    let dataset = awkward_dataset("x");
    load_new(store, "awkward", &dataset, &[Diagnostic::warning("test.code", "a warning")]).await;
    let running = store.start_run(&new_run("awkward", &"00".repeat(32))).await.unwrap();
    let before = store.count_rows().await.unwrap();
    let refused: [(&'static str, &str); 12] = [
        ("UPDATE exchange SET amount = 42", "exchange rows are insert-only: update refused"),
        ("DELETE FROM exchange", "exchange rows are insert-only: delete refused"),
        ("UPDATE process SET name = 'renamed'", "process rows are insert-only: update refused"),
        ("DELETE FROM process", "process rows are insert-only: delete refused"),
        ("UPDATE dataset_version SET version_number = 7", "dataset_version rows are insert-only: update refused"),
        ("DELETE FROM dataset_version", "dataset_version rows are insert-only: delete refused"),
        ("UPDATE characterization_factor SET value = 0", "characterization_factor rows are insert-only"),
        ("UPDATE import_diagnostic SET message = 'x'", "import_diagnostic rows are insert-only"),
        ("UPDATE import_run SET error = 'rewritten' WHERE status = 'succeeded'", "is finished"),
        ("DELETE FROM import_run WHERE status = 'succeeded'", "is finished"),
        ("UPDATE import_run SET note = 'still running' WHERE status = 'running'", "an update must finish the run"),
        (
            "UPDATE import_run SET status = 'failed', finished_at = started_at, source_name = 'other' \
             WHERE status = 'running'",
            "provenance columns are immutable",
        ),
    ];
    for (sql, message) in refused {
        let error = execute_raw(store, sql).await.expect_err(sql);
        assert!(error.contains(message), "{sql}: {error}");
    }
    assert_eq!(store.count_rows().await.unwrap(), before);
    // A running run may be finished, once.
    store.fail_run(running, "stopped by the test", &[]).await.unwrap();
    let error = execute_raw(store, "UPDATE import_run SET error = 'again' WHERE status = 'failed'").await;
    assert!(error.expect_err("finished run").contains("is finished"));
}

pub(crate) async fn check_version_numbers_per_source(store: &Store) {
    let a1 = load_new(store, "alpha", &awkward_dataset("a1"), &[]).await;
    let a2 = load_new(store, "alpha", &awkward_dataset("a2"), &[]).await;
    let b1 = load_new(store, "beta", &awkward_dataset("b1"), &[]).await;
    let a3 = load_new(store, "alpha", &awkward_dataset("a3"), &[]).await;
    let numbers = [&a1, &a2, &b1, &a3].map(|o| o.version_number());
    assert_eq!(numbers, [1, 2, 1, 3]);
    let versions = store.list_dataset_versions().await.unwrap();
    let listed: Vec<(String, i64)> = versions.iter().map(|v| (v.source_name.clone(), v.version_number)).collect();
    assert_eq!(listed, [("alpha".into(), 1), ("alpha".into(), 2), ("beta".into(), 1), ("alpha".into(), 3)]);
}

pub(crate) async fn check_concurrent_loads_serialize(store: &Store) {
    let first = awkward_dataset("first");
    let second = awkward_dataset("second");
    let run1 = store.start_run(&new_run("gamma", &"01".repeat(32))).await.unwrap();
    let run2 = store.start_run(&new_run("gamma", &"02".repeat(32))).await.unwrap();
    let slow = LoadOptions { pause_after_rows: Some((3, Duration::from_millis(400))), ..LoadOptions::default() };
    let fast = LoadOptions::default();
    let (one, two) = tokio::join!(store.load(run1, "gamma", &first, &[], 0, &slow), async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        store.load(run2, "gamma", &second, &[], 0, &fast).await
    });
    let (one, two) = (one.unwrap(), two.unwrap());
    // The second load waited for the first: numbers follow start order and versions do not share rows.
    assert_eq!((one.version_number(), two.version_number()), (1, 2));
    for (outcome, dataset) in [(&one, &first), (&two, &second)] {
        let read = store.load_dataset(outcome.dataset_version()).await.unwrap();
        assert_eq!(read.content_hash(), dataset.content_hash());
    }
    // Same content from two runs at once: one version, the other run is unchanged.
    let run3 = store.start_run(&new_run("delta", &"03".repeat(32))).await.unwrap();
    let run4 = store.start_run(&new_run("delta", &"04".repeat(32))).await.unwrap();
    let third = awkward_dataset("third");
    let (three, four) = tokio::join!(
        store.load(run3, "delta", &third, &[], 0, &slow),
        store.load(run4, "delta", &third, &[], 0, &fast)
    );
    let mut outcomes = [three.unwrap(), four.unwrap()];
    outcomes.sort_by_key(|o| matches!(o, LoadOutcome::Unchanged { .. }));
    assert!(matches!(outcomes[0], LoadOutcome::Loaded { version_number: 1, .. }), "{outcomes:?}");
    assert!(matches!(outcomes[1], LoadOutcome::Unchanged { version_number: 1, .. }), "{outcomes:?}");
}

pub(crate) async fn check_find_processes(store: &Store) {
    let (dataset, _, _) = read_fixture();
    let v1 = load_new(store, "tiangong", &dataset, &[]).await.dataset_version();
    let mut changed = dataset.clone();
    changed.processes[0].name.push_str(" (revised)");
    let v2 = load_new(store, "tiangong", &changed, &[]).await.dataset_version();

    let target = &dataset.processes[0];
    let prefix: String = target.id.id.chars().take(8).collect();
    let found = store.find_processes(&prefix, None).await.unwrap();
    let expected_per_version = dataset.processes.iter().filter(|p| p.id.id.starts_with(&prefix)).count();
    assert_eq!(found.len(), 2 * expected_per_version);
    assert_eq!(found[0].dataset_version, v2, "latest version first");
    assert_eq!(found[0].version_number, 2);
    assert_eq!(found.last().unwrap().dataset_version, v1);
    assert!(found.iter().all(|p| p.id.starts_with(&prefix) && p.source_name == "tiangong"));
    let hit = found.iter().find(|p| p.id == target.id.id && p.dataset_version == v1).unwrap();
    assert_eq!(hit.name, target.name);
    assert_eq!(hit.location, target.location);
    assert_eq!(hit.version, target.id.version);
    assert_eq!(hit.n_exchanges, target.exchanges.len() as i64);

    let exact = store.find_processes(&target.id.id, Some(v1)).await.unwrap();
    assert_eq!(exact.len(), 1);
    assert_eq!(exact[0].dataset_version, v1);
    assert!(store.find_processes(&prefix[..3], None).await.unwrap().is_empty(), "3 characters are not a prefix");
    assert!(store.find_processes("zzzz", None).await.unwrap().is_empty());

    // Exact short ids still match; prefixes are taken literally (no LIKE wildcards).
    let awkward = load_new(store, "awkward", &awkward_dataset("y"), &[]).await.dataset_version();
    assert_eq!(store.find_processes("0000aaaa", Some(awkward)).await.unwrap().len(), 1);
    assert!(store.find_processes("0000%", None).await.unwrap().is_empty());
    assert!(store.find_processes("0000_aaa", None).await.unwrap().is_empty());
}

pub(crate) async fn check_load_process(store: &Store) {
    let (dataset, _, _) = read_fixture();
    let dv = load_new(store, "tiangong", &dataset, &[]).await.dataset_version();
    assert!(store.load_process(dv, "no-such-process").await.unwrap().is_none());
    let mut n_resolved_from_flow = 0;
    for process in &dataset.processes {
        let detail = store.load_process(dv, &process.id.id).await.unwrap().expect("process found");
        assert_eq!(&detail.process, process);
        assert_eq!(detail.summary.n_exchanges, process.exchanges.len() as i64);
        assert_eq!(detail.exchanges.len(), process.exchanges.len());
        for (row, exchange) in detail.exchanges.iter().zip(&process.exchanges) {
            assert_eq!(&row.exchange, exchange, "source order");
            let flow = dataset.flow(&exchange.flow.id);
            assert_eq!(row.flow_name, flow.map(|f| f.name.clone()));
            assert_eq!(row.flow_kind, flow.and_then(|f| f.kind).map(|k| k.as_str().to_owned()));
            let expected_unit = exchange.unit.clone().or_else(|| flow.and_then(|f| f.reference_unit.clone()));
            assert_eq!(row.unit, expected_unit);
            if exchange.unit.is_none() && row.unit.is_some() {
                n_resolved_from_flow += 1;
            }
        }
    }
    eprintln!("{}: {n_resolved_from_flow} exchange units resolved via the flow table", store.backend());

    // An exchange without a unit takes its flow's reference unit; a missing flow leaves both empty.
    let awkward = load_new(store, "awkward", &awkward_dataset("z"), &[]).await.dataset_version();
    let detail = store.load_process(awkward, "process-z").await.unwrap().unwrap();
    assert_eq!(detail.process.id.version.as_deref(), Some("01.00.000"), "first of two same-id processes");
    let units: Vec<Option<&str>> = detail.exchanges.iter().map(|r| r.unit.as_deref()).collect();
    assert_eq!(units, [Some("kg"), Some("kg"), Some("kg"), None, Some("kg")]);
    assert_eq!(detail.exchanges[1].flow_kind.as_deref(), Some("elementary"));
    assert_eq!(detail.exchanges[3].flow_name, None);
    assert_eq!(detail.process.lcia_results.len(), 1);
}

pub(crate) async fn check_abandoned_runs(store: &Store) {
    // A run that holds its liveness lock is alive, whatever its age.
    let alive = store.start_run(&new_run("alive", &"ab".repeat(32))).await.unwrap();
    let liveness = store.hold_run(alive, "check alive").await.unwrap();
    // A run without it (its process was killed) is abandoned, once older than the grace.
    let dead = store.start_run(&new_run("dead", &"cd".repeat(32))).await.unwrap();
    assert!(store.fail_abandoned_runs("finder", Duration::from_secs(3600)).await.unwrap().is_empty(), "grace");
    // Start times have millisecond precision (SQLite rounds them): let the runs be measurably old.
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(store.fail_abandoned_runs("test finder", Duration::ZERO).await.unwrap(), vec![dead]);
    let runs = store.list_runs(10).await.unwrap();
    let run = |id| runs.iter().find(|r| r.id == id).unwrap().clone();
    assert_eq!(run(alive).status, "running");
    assert_eq!(run(dead).status, "failed");
    let error = run(dead).error.unwrap_or_default();
    assert!(error.contains("abandoned") && error.contains("test finder"), "{error}");
    assert!(matches!(store.hold_run(alive, "twice").await, Err(Error::RunLock { .. })), "one holder at a time");
    // Its process ended: abandoned too; a finished run is never touched again.
    liveness.release().await.unwrap();
    assert_eq!(store.fail_abandoned_runs("finder", Duration::ZERO).await.unwrap(), vec![alive]);
    assert!(store.fail_abandoned_runs("finder", Duration::ZERO).await.unwrap().is_empty());
}

/// A release directory's run records one input per file (ecoinvent: 25,000), written in bulk: several batches on
/// both backends, read back in order with every field, and the idempotency key of the same inputs finds the run.
pub(crate) async fn check_many_inputs(store: &Store) {
    let mut run_spec = new_run("many", "cd".repeat(32).as_str());
    run_spec.inputs = (0..2_345u64)
        .map(|i| InputFile {
            name: format!("datasets/{i:05}_x.spold"),
            sha256: format!("{i:064x}"),
            size_bytes: 1_000 + i,
            url: (i % 3 == 0).then(|| format!("https://example.org/{i}")),
            licence_class: (i % 2 == 0).then(|| "restricted".to_owned()),
        })
        .collect();
    let run = store.start_run(&run_spec).await.unwrap();
    let summary = store.find_run(run).await.unwrap().expect("the run is recorded");
    assert_eq!(summary.inputs, run_spec.inputs);
    assert_eq!(summary.status, "running");

    let huge = InputFile { size_bytes: u64::MAX, ..run_spec.inputs[0].clone() };
    let refused = NewRun { inputs: vec![huge], ..run_spec.clone() };
    let error = store.start_run(&refused).await.unwrap_err().to_string();
    assert!(error.contains("datasets/00000_x.spold") && error.contains("does not fit"), "{error}");
    assert_eq!(store.list_runs(10).await.unwrap().len(), 1, "a refused run leaves no row");
}

/// An exchange row must name a process row of its dataset version, whoever inserts it: a foreign key on SQLite, a
/// check per statement on PostgreSQL (sql/postgres/0006). A statement with one orphan among valid rows is refused
/// whole; valid rows pass.
pub(crate) async fn check_exchange_needs_its_process(store: &Store) {
    let dataset = awkward_dataset("x");
    load_new(store, "awkward", &dataset, &[]).await;
    let versions = store.list_dataset_versions().await.unwrap();
    assert_eq!(versions.iter().map(|v| v.id.0).collect::<Vec<_>>(), vec![1], "the statements below name version 1");
    let before = store.count_rows().await.unwrap();
    let orphans: [&'static str; 3] = [
        "INSERT INTO exchange (dataset_version_id, process_ordinal, ordinal, internal_id, flow_id, is_reference, \
         detail) VALUES (1, 999, 0, 'orphan', 'f', false, '{}')",
        "INSERT INTO exchange (dataset_version_id, process_ordinal, ordinal, internal_id, flow_id, is_reference, \
         detail) VALUES (2, 0, 900, 'other version', 'f', false, '{}')",
        "INSERT INTO exchange (dataset_version_id, process_ordinal, ordinal, internal_id, flow_id, is_reference, \
         detail) VALUES (1, 0, 900, 'valid', 'f', false, '{}'), (1, 999, 901, 'orphan', 'f', false, '{}')",
    ];
    for sql in orphans {
        let error = execute_raw(store, sql).await.expect_err(sql).to_lowercase();
        assert!(error.contains("foreign key") || error.contains("names no process row"), "{sql}: {error}");
    }
    assert_eq!(store.count_rows().await.unwrap(), before, "refused statements insert nothing");
    let valid = "INSERT INTO exchange (dataset_version_id, process_ordinal, ordinal, internal_id, flow_id, \
                 is_reference, detail) VALUES (1, 0, 900, 'valid', 'f', false, '{}'), (1, 0, 901, 'also', 'f', false, '{}')";
    assert_eq!(execute_raw(store, valid).await.unwrap(), 2);
}
