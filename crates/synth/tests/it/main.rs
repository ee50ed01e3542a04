//! The generated files import with every ecoref reader with the counts the generator reports (issue 5
//! acceptance, ecoref side; the Brightway side is checked by `cargo xtask bench`).

use ecoref_model::{Dataset, ExchangeKind};
use ecoref_synth::{Format, Params, Sizes, System, generate, write_format, write_manifest};
use std::path::Path;

fn small() -> System {
    generate(&Params::with_size(300, 7))
}

fn write_all(system: &System, dir: &Path) {
    for format in Format::ALL {
        write_format(system, format, dir).unwrap_or_else(|e| panic!("writing {}: {e}", format.as_str()));
    }
    write_manifest(system, dir).expect("manifest");
}

fn assert_process_counts(reader: &str, dataset: &Dataset, sizes: &Sizes) {
    let counts = dataset.counts();
    assert_eq!(counts.processes, sizes.n_activities, "{reader}: processes");
    assert_eq!(counts.exchanges, sizes.n_exchanges(), "{reader}: exchanges");
    let n_reference: u64 = dataset.processes.iter().map(|p| p.reference_exchanges().count() as u64).sum();
    assert_eq!(n_reference, sizes.n_production, "{reader}: reference products");
}

#[test]
fn sizes_follow_the_parameters() {
    let system = generate(&Params::with_size(2_000, 1));
    let sizes = system.sizes();
    assert_eq!(sizes.n_activities, 2_000);
    let per_activity = sizes.n_technosphere as f64 / 2_000.0;
    assert!((10.0..18.0).contains(&per_activity), "technosphere per activity {per_activity}");
    let per_activity = sizes.n_biosphere as f64 / 2_000.0;
    assert!((16.0..24.0).contains(&per_activity), "biosphere per activity {per_activity}");
    assert_eq!(sizes.n_indicators, 25);
    // columns sum well below 1: the technosphere matrix is diagonally dominant
    for (idx, a) in system.activities.iter().enumerate() {
        let sum: f64 = a.technosphere.iter().map(|i| i.amount).sum();
        assert!(sum < 0.81, "{}: inputs sum to {sum}", a.name);
        assert!(a.technosphere.iter().all(|i| i.provider as usize != idx), "{}: no self input", a.name);
    }
}

#[test]
fn hubs_are_used_by_many_activities() {
    let system = generate(&Params::with_size(3_000, 1));
    let mut users = vec![0usize; system.activities.len()];
    for a in &system.activities {
        for input in &a.technosphere {
            users[input.provider as usize] += 1;
        }
    }
    let max = users.iter().max().copied().unwrap_or(0);
    assert!(max > 1_000, "the busiest hub has {max} users");
}

#[test]
fn same_seed_same_bytes() {
    let a = small();
    let b = small();
    for idx in [0, 150, 299] {
        assert_eq!(ecoref_synth::ecospold2_dataset_text(&a, idx), ecoref_synth::ecospold2_dataset_text(&b, idx));
    }
    let other = generate(&Params::with_size(300, 8));
    assert_ne!(ecoref_synth::ecospold2_dataset_text(&a, 0), ecoref_synth::ecospold2_dataset_text(&other, 0));
}

#[test]
fn every_reader_counts_what_was_generated() {
    let system = small();
    let sizes = system.sizes();
    let dir = tempfile::tempdir().expect("temp dir");
    write_all(&system, dir.path());

    // EcoSpold2 release: processes, exchanges, flows from MasterData, providers linked
    let es2 = ecoref_extract_ecospold2::read_path(&Format::Ecospold2.path_in(dir.path()), &Default::default())
        .expect("ecospold2 reads");
    assert_eq!(es2.n_rejected, 0);
    assert_process_counts("ecospold2", &es2.dataset, &sizes);
    assert_eq!(es2.dataset.counts().flows, sizes.n_elementary_flows + sizes.n_products);
    let first = &system.activities[40];
    let process = es2.dataset.process(&system.dataset_id(first)).expect("process by ecoinvent id");
    let technosphere: Vec<_> =
        process.exchanges.iter().filter(|e| e.kind == Some(ExchangeKind::Technosphere)).collect();
    assert_eq!(technosphere.len(), first.technosphere.len());
    for (exchange, input) in technosphere.iter().zip(&first.technosphere) {
        assert_eq!(exchange.amount, Some(input.amount), "amounts are bit-exact");
        let provider = &system.activities[input.provider as usize];
        assert_eq!(exchange.provider.as_ref().map(|r| r.id.clone()), Some(system.dataset_id(provider)));
        // ecoinvent repeats its product's properties on every intermediate exchange: price for all, masses and
        // carbon shares for products counted in kg
        let is_mass = system.units[system.products[provider.product].unit].name == "kg";
        assert_eq!(exchange.properties.len(), if is_mass { 5 } else { 1 }, "{:?}", exchange.properties);
        let price = &exchange.properties[0];
        assert_eq!(price.property.description.as_deref(), Some("price"));
        assert_eq!(price.unit.as_deref(), Some("EUR2005"));
        assert_eq!(price.amount, Some((5 + (provider.product % 97) * 37) as f64 / 100.0));
    }

    // ILCD zip: processes, exchanges, flows, the 25 indicators with their factors
    let ilcd = ecoref_extract_ilcd::read_path(&Format::Ilcd.path_in(dir.path()), &Default::default()).expect("ilcd");
    assert_eq!(ilcd.n_rejected, 0);
    assert_process_counts("ilcd", &ilcd.dataset, &sizes);
    let counts = ilcd.dataset.counts();
    assert_eq!(counts.flows, sizes.n_elementary_flows + sizes.n_products);
    assert_eq!(counts.lcia_methods, sizes.n_indicators);
    assert_eq!(counts.characterization_factors, sizes.n_characterization_factors);

    // SimaPro CSV: processes file and method file
    let simapro_dir = Format::Simapro.path_in(dir.path());
    let simapro = ecoref_extract_simapro::read_path(&simapro_dir.join("processes.csv"), &Default::default())
        .expect("simapro processes");
    assert_eq!(simapro.n_rejected, 0);
    assert_process_counts("simapro", &simapro.dataset, &sizes);
    let method =
        ecoref_extract_simapro::read_path(&simapro_dir.join("method.csv"), &Default::default()).expect("method");
    assert_eq!(method.dataset.counts().lcia_methods, sizes.n_indicators);
    assert_eq!(method.dataset.counts().characterization_factors, sizes.n_characterization_factors);

    // Brightway CSV
    let brightway_dir = Format::Brightway.path_in(dir.path());
    let brightway =
        ecoref_extract_brightway::read_path(&brightway_dir.join("lci.csv"), &Default::default()).expect("brightway");
    assert_eq!(brightway.n_rejected, 0);
    assert_process_counts("brightway", &brightway.dataset, &sizes);
    let lcia = ecoref_extract_brightway::read_path(&brightway_dir.join("lcia/00.csv"), &Default::default())
        .expect("brightway lcia");
    assert_eq!(lcia.dataset.counts().characterization_factors, system.indicators[0].factors.len() as u64);
}
