//! Every real fixture imports (or is refused precisely), with Brightway's reference counts where known.

use crate::support::{codes, fixture, read};
use ecoref_extract_simapro::{Error, ReadOptions, read_path};
use ecoref_model::{Direction, ExchangeKind, FlowKind, Severity};

#[test]
fn every_fixture_imports_or_is_refused_precisely() {
    let mut n_files = 0;
    for dir in ["bw2io_fixtures", "bw_simapro_csv_fixtures", "olca_simapro_csv_testres", "ecobalyse_export"] {
        let mut entries: Vec<_> =
            std::fs::read_dir(fixture(dir)).expect("dir").map(|e| e.expect("entry").path()).collect();
        entries.sort();
        for path in entries {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
            if name == "LICENSES" {
                continue;
            }
            n_files += 1;
            match read_path(&path, &ReadOptions::default()) {
                Ok(output) => assert_eq!(output.n_rejected, codes(&output, Severity::Error).len() as u64, "{name}"),
                // Only bw2io's deliberately invalid file (`Joe's LCA Software` header) is refused.
                Err(e) => {
                    assert_eq!(name, "invalid.txt", "{e}");
                    assert!(matches!(e, Error::NotSimaPro { .. }));
                }
            }
        }
    }
    assert_eq!(n_files, 42);
}

#[test]
fn process_csv_has_brightways_counts_and_every_section() {
    let output = read("bw_simapro_csv_fixtures/process.csv");
    let counts = output.dataset.counts();
    assert_eq!((counts.processes, counts.exchanges), (1, 13));
    assert_eq!(output.n_rejected, 0);
    assert!(output.diagnostics.is_empty(), "{:?}", output.diagnostics);
    let process = &output.dataset.processes[0];
    assert_eq!(process.id.id, "DefaultX25250700002");
    assert_eq!(process.metadata.get("platform_id").map(String::as_str), Some("298f6b5c-46f5-11ec-81d3-0242ac130003"));
    let product = process.exchanges.iter().find(|e| e.is_reference).expect("product");
    assert_eq!((product.amount, product.kind), (Some(0.5), Some(ExchangeKind::Production)));
    assert_eq!(process.allocation.len(), 1);
    assert_eq!(process.allocation[0].fraction, 1.0);
    let avoided = process.exchanges.iter().find(|e| e.metadata.contains_key("avoided")).expect("avoided");
    assert_eq!((avoided.kind, avoided.direction), (Some(ExchangeKind::Technosphere), Some(Direction::Output)));
    assert_eq!(avoided.provider.as_ref().map(|p| p.id.as_str()), Some("Wool, at field/US"));
    let n_bio = process.exchanges.iter().filter(|e| e.kind == Some(ExchangeKind::Biosphere)).count();
    assert_eq!(n_bio, 8);
    let electricity = process.exchanges.iter().find(|e| e.unit.as_deref() == Some("kWh")).expect("kWh");
    assert_eq!(electricity.amount, Some("0.1".parse::<f64>().expect("f64")));
    // Expression amounts: calc_param = input_param ^ 2 = 23.4².
    let calc = process.parameters.iter().find(|p| p.name == "calc_param").expect("calc_param");
    assert_eq!(calc.value, Some(23.4f64.powf(2.0)));
    // Uncertainty in every form.
    let distributions: Vec<&str> =
        process.exchanges.iter().filter_map(|e| e.uncertainty.as_ref()).map(|u| u.distribution.as_str()).collect();
    for d in ["undefined", "log-normal", "normal", "triangular", "uniform"] {
        assert!(distributions.contains(&d), "{d}");
    }
    // Substance blocks give CAS; Units give unit groups; project and database parameters are evaluated.
    let camphor = output.dataset.flows.iter().find(|f| f.name == "(1r,4r)-(+)-Camphor").expect("flow");
    assert_eq!(camphor.cas.as_deref(), Some("464-49-3"));
    assert_eq!(camphor.compartment, vec!["Water".to_owned(), "lake".to_owned()]);
    let mass = output.dataset.unit_groups.iter().find(|g| g.name == "Mass").expect("Mass");
    assert_eq!(mass.reference_unit().map(|u| u.name.as_str()), Some("kg"));
    assert_eq!(mass.units.iter().find(|u| u.name == "g").and_then(|u| u.factor), Some(0.001));
    let proj = output.parameters.iter().find(|p| p.parameter.name == "proj_calc_param").expect("param");
    assert_eq!(proj.parameter.value, Some(4.0));
    assert_eq!(output.dataset.sources.len(), 1);
}

#[test]
fn process_identifiers_and_waste_scenario_counts_match_brightway() {
    let ids = read("bw_simapro_csv_fixtures/process_identifiers.csv");
    let c = ids.dataset.counts();
    assert_eq!((c.processes, c.exchanges), (3, 39));
    let mut names: Vec<&str> = ids.dataset.processes.iter().map(|p| p.id.id.as_str()).collect();
    names.sort();
    assert_eq!(names, vec!["1", "2", "3"], "empty `Process identifier`: the PlatformId is the id");
    for rel in ["bw_simapro_csv_fixtures/waste_scenario.csv", "olca_simapro_csv_testres/waste_scenario.csv"] {
        let output = read(rel);
        let c = output.dataset.counts();
        assert_eq!((c.processes, c.exchanges), (2, 4), "{rel}");
        assert_eq!(codes(&output, Severity::Warning), vec!["simapro.waste-scenario-skipped"]);
        let treatment = &output.dataset.processes[0];
        let reference = treatment.exchanges.iter().find(|e| e.is_reference).expect("reference");
        assert_eq!(reference.direction, Some(Direction::Input));
        assert_eq!(reference.metadata.get("waste_treatment").map(String::as_str), Some("true"));
    }
    let options = ReadOptions { include_waste_scenarios: true, ..ReadOptions::default() };
    let all = read_path(&fixture("bw_simapro_csv_fixtures/waste_scenario.csv"), &options).expect("read");
    assert_eq!((all.dataset.counts().processes, all.dataset.counts().exchanges), (3, 7));
}

#[test]
fn ecobalyse_export_imports_all_84_processes_despite_lowercase_undefined() {
    let output = read("ecobalyse_export/simapro_export.csv");
    assert_eq!(output.dataset.processes.len(), 84);
    assert_eq!(output.n_rejected, 0);
    let broiler =
        output.dataset.processes.iter().find(|p| p.name.starts_with("Broiler, organic, at farm gate")).expect("p");
    assert_eq!(broiler.location.as_deref(), Some("FR"));
    let electricity = broiler
        .exchanges
        .iter()
        .find(|e| e.flow.id.starts_with("Electricity, low voltage {FR}| market for"))
        .expect("electricity");
    assert_eq!(electricity.location.as_deref(), Some("FR"));
    assert_eq!(electricity.uncertainty.as_ref().map(|u| u.distribution.as_str()), Some("undefined"));
    assert_eq!(electricity.provider.as_ref().map(|p| p.id.as_str()), Some(electricity.flow.id.as_str()));
    let n_no_product =
        codes(&output, Severity::Warning).iter().filter(|c| **c == "simapro.no-reference-product").count();
    assert_eq!(n_no_product, 8, "8 processes have an empty Products section");
}

#[test]
fn method_csv_factors_damage_categories_and_normalization() {
    let output = read("bw_simapro_csv_fixtures/method.csv");
    let c = output.dataset.counts();
    assert_eq!((c.lcia_methods, c.characterization_factors, c.normalization_weighting_sets), (27, 54, 1));
    let invalid_cas: Vec<_> = output.diagnostics.iter().filter(|d| d.code == "simapro.invalid-cas").collect();
    assert_eq!(invalid_cas.len(), 3);
    assert!(invalid_cas[0].message.contains("10/8/5595"));
    let method =
        output.dataset.lcia_methods.iter().find(|m| m.name == "Climate change, human health, long term").expect("m");
    assert_eq!(method.methodologies, vec!["IMPACTWorld+ (Continental Latin America_Damage 1.431)".to_owned()]);
    assert_eq!(method.metadata.get("damage_category:Human health").map(String::as_str), Some("1.00E+00"));
    assert!(method.metadata.get("method.comment").is_some_and(|c| c.contains("\n")));
    let set = &output.dataset.normalization_weighting_sets[0];
    assert!(set.entries.iter().all(|e| e.normalization_is_factor));
    assert_eq!(set.entries[0].normalization, Some(13.7));
    // Exchanges and factors meet on the same elementary flow id.
    let process = read("bw_simapro_csv_fixtures/process.csv");
    let citronellol_air =
        ecoref_extract_simapro::elementary_flow_id("(+-)-Citronellol", "Emissions to air", "low. pop.");
    assert!(process.dataset.flow(&citronellol_air).is_some());
    assert!(method_factor_flow_ids(&output).contains(&citronellol_air));
    let flow = output.dataset.flow(&citronellol_air).expect("flow");
    assert_eq!((flow.kind, flow.cas.as_deref()), (Some(FlowKind::Elementary), Some("26489-01-0")));
}

fn method_factor_flow_ids(output: &ecoref_extract_simapro::ReadOutput) -> Vec<String> {
    output.dataset.lcia_methods.iter().flat_map(|m| m.factors.iter().map(|f| f.flow.id.clone())).collect()
}

#[test]
fn decimal_comma_expressions_headers_and_legacy_files() {
    let waste = read("bw_simapro_csv_fixtures/waste.csv");
    let treated = waste.dataset.processes[0].exchanges.iter().find(|e| e.formula.is_some()).expect("formula");
    assert_eq!(treated.amount, Some(1034.0 * 0.6684 * 0.59 * 0.03));
    let translated = read("bw_simapro_csv_fixtures/header_translations.csv");
    assert_eq!(translated.header.kind.as_deref(), Some("processes"));
    assert_eq!(translated.header.libraries, vec!["AGRIBALYSE - Unit".to_owned()]);
    assert_eq!(translated.header.decimal, ',');
    let tab = read("bw_simapro_csv_fixtures/damagecategory.txt");
    assert_eq!(tab.header.separator, '\t');
    assert_eq!(tab.dataset.lcia_methods.len(), 4);
    let legacy = read("bw2io_fixtures/simple.txt");
    assert!(legacy.header.legacy);
    assert_eq!(legacy.dataset.processes.len(), 2);
    let fish =
        legacy.dataset.processes.iter().flat_map(|p| &p.exchanges).find(|e| e.flow.id == "Fish food").expect("x");
    assert_eq!((fish.unit.as_deref(), fish.amount), (Some("p"), Some(1.0)));
    let new_order = read("bw_simapro_csv_fixtures/new-order.csv");
    let zinc =
        new_order.dataset.processes[0].exchanges.iter().find(|e| e.flow.description.as_deref() == Some("Zinc oxide"));
    assert_eq!(zinc.and_then(|e| e.unit.as_deref()), Some("kg"));
    let stages = read("bw_simapro_csv_fixtures/stages.csv");
    let n_stages = stages
        .dataset
        .processes
        .iter()
        .filter(|p| p.metadata.get("block").map(String::as_str) == Some("product stage"))
        .count();
    assert_eq!(
        (stages.dataset.processes.len(), n_stages),
        (11, 5),
        "5 product stages + 6 of 7 processes (1 waste scenario skipped)"
    );
}
