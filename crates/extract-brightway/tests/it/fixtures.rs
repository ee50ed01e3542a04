//! Reads of the real fixtures: counts against Brightway's (bw2io 0.9.17) reference counts, ids, providers,
//! exact amounts, uncertainty, formulas, lexical edge cases.

use crate::support::{errors, fixture, read, with_code};
use ecoref_extract_brightway::{ReadOptions, read_bytes, read_path_with_progress};
use ecoref_model::{Direction, ExchangeKind, FlowKind, Severity};

/// (file, processes, exchanges, non-process nodes read as flows). Brightway's ExcelImporter counts the
/// latter as activities: sample_parameterized 9 / 20 and with_products 5 / 4.
const LCI_COUNTS: [(&str, u64, u64, u64); 18] = [
    ("premise_inventories/lci-hydrogen-electrolysis.xlsx", 25, 407, 0),
    ("premise_inventories/lci-ammonia.xlsx", 16, 255, 0),
    ("bw2io_examples/example.xlsx", 3, 9, 0),
    ("bw2io_examples/example.csv", 3, 13, 0),
    ("bw2io_examples/sample_parameterized_database.xlsx", 8, 20, 1),
    ("bw2io_csv/complicated.csv", 2, 3, 0),
    ("bw2io_excel/basic_all_cutoff.xlsx", 0, 0, 0),
    ("bw2io_excel/basic_example.xlsx", 3, 9, 0),
    ("bw2io_excel/basic_example_with_reference_product.xlsx", 3, 9, 0),
    ("bw2io_excel/blank_lines.xlsx", 3, 9, 0),
    ("bw2io_excel/complicated-modified.xlsx", 2, 3, 0),
    ("bw2io_excel/empty.xlsx", 0, 0, 0),
    ("bw2io_excel/export-complicated.xlsx", 2, 3, 0),
    ("bw2io_excel/modified.xlsx", 2, 3, 0),
    ("bw2io_excel/sample_activities_with_variables.xlsx", 2, 3, 0),
    ("bw2io_excel/with_formulas.xlsx", 0, 0, 0),
    ("bw2io_excel/with_products.xlsx", 3, 4, 2),
    ("bw2io_bw2package/bw2_compat_test.bw2package", 2, 5, 0),
];

#[test]
fn every_lci_fixture_matches_brightway_counts() {
    for (rel, n_processes, n_exchanges, n_node_flows) in LCI_COUNTS {
        let out = read(rel);
        let counts = out.dataset.counts();
        assert_eq!((counts.processes, counts.exchanges), (n_processes, n_exchanges), "{rel}");
        let node_flows =
            out.dataset.flows.iter().filter(|f| !f.metadata.contains_key("brightway.derived-from")).count() as u64;
        assert_eq!(node_flows, n_node_flows, "{rel}");
        assert_eq!(out.n_rejected, 0, "{rel}");
        assert!(errors(&out).is_empty(), "{rel}: {:?}", errors(&out));
    }
}

#[test]
fn lcia_json_has_762_methods_and_227223_factors() {
    let out = read("bw2io_lcia_json/lcia_39_ecoinvent.zip");
    let counts = out.dataset.counts();
    assert_eq!((counts.lcia_methods, counts.characterization_factors), (762, 227_223));
    assert_eq!(out.n_rejected, 0);
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let m = out
        .dataset
        .lcia_methods
        .iter()
        .find(|m| m.id.id == "CML v4.8 2016 no LT | acidification no LT | acidification (incl. fate, average Europe total, A&B) no LT")
        .expect("first method");
    assert_eq!(m.methodologies, ["CML v4.8 2016 no LT"]);
    assert_eq!(m.impact_category.as_deref(), Some("acidification no LT"));
    assert_eq!(m.unit.as_deref(), Some("kg SO2-Eq"));
    assert_eq!(m.factors[0].flow.id, "biosphere3/9990b51b-7023-4700-bca0-1a32ef921f74");
    assert_eq!(m.factors[0].value, 1.6);
    assert_eq!(m.factors[2].value.to_bits(), "0.783673469".parse::<f64>().map(f64::to_bits).unwrap_or(0));
    let flow = out.dataset.flow("biosphere3/9990b51b-7023-4700-bca0-1a32ef921f74").expect("flow from factors");
    assert_eq!((flow.name.as_str(), flow.kind), ("Ammonia", Some(FlowKind::Elementary)));
    assert_eq!(flow.compartment, ["air", "urban air close to ground"]);
}

#[test]
fn lcia_tables_read_as_one_method_named_after_the_file() {
    for rel in ["bw2io_csv/lcia.csv", "bw2io_excel/lcia.xlsx"] {
        let out = read(rel);
        assert_eq!(out.dataset.lcia_methods.len(), 1, "{rel}");
        let m = &out.dataset.lcia_methods[0];
        assert_eq!(m.id.id, "lcia");
        assert_eq!(m.factors.len(), 2);
        assert_eq!(m.factors[0].flow.id, r#"["Aluminium","Resource::in ground",""]"#);
        assert_eq!((m.factors[0].value, m.factors[1].value), (42.0, 1_000_000.0));
    }
}

#[test]
fn cr_only_csv_keeps_multiline_comments_and_exact_amounts() {
    let out = read("bw2io_examples/example.csv");
    let p = out.dataset.process("BW2 CSV example/d80f3c8f5d04d518ab02b13aca9ab7c8").expect("acetic acid by code");
    assert_eq!(p.name, "Acetic acid, at plant");
    assert!(p.description.as_deref().is_some_and(|d| d.contains("\rImportant note")), "{:?}", p.description);
    assert_eq!(p.classifications[0].path, ["Chemical Manufacturing", "All Other Basic Organic Chemical Mnf."]);
    let methanol = &p.exchanges[1];
    assert_eq!(methanol.amount.map(f64::to_bits), Some("4.00E-05".parse::<f64>().map(f64::to_bits).unwrap_or(0)));
    assert_eq!(methanol.kind, Some(ExchangeKind::Biosphere));
    assert_eq!(methanol.flow.id, r#"["Methanol","air","kilogram"]"#);
    // A provider named only by its fields: the name key, and the match fields for the linker.
    let input = &p.exchanges[3];
    assert_eq!(input.kind, Some(ExchangeKind::Technosphere));
    assert_eq!(input.direction, Some(Direction::Input));
    let provider = input.provider.as_ref().expect("provider");
    assert_eq!(provider.id, r#"["US LCI","Methanol, at plant","","RNA","kilogram"]"#);
    assert_eq!(input.metadata.get("match.name").map(String::as_str), Some("Methanol, at plant"));
    assert_eq!(input.metadata.get("match.location").map(String::as_str), Some("RNA"));
    // `(Unknown)` is missing, as bw2io's csv_drop_unknown makes it.
    assert_eq!(input.unit.as_deref(), Some("kilogram"));
    assert_eq!(p.exchanges[4].unit, None);
}

#[test]
fn bom_is_stripped_from_the_first_header() {
    let out = read("bw2io_csv/lcia.csv");
    assert_eq!(out.dataset.lcia_methods[0].factors.len(), 2);
}

#[test]
fn skip_sheets_and_cutoff_columns_are_honoured() {
    let out = read("bw2io_examples/example.xlsx");
    assert_eq!(with_code(&out, "brightway.sheet-skipped").len(), 1);
    // cutoff 10: columns J and after are dropped, so `shape`, `minimum` and `maximum` are never read.
    let p = out.dataset.process("BW2 Excel example/d80f3c8f5d04d518ab02b13aca9ab7c8").expect("acetic acid");
    assert!(p.exchanges.iter().all(|e| !e.metadata.contains_key("shape")));
    let all_cut = read("bw2io_excel/basic_all_cutoff.xlsx");
    assert!(all_cut.dataset.is_empty());
}

#[test]
fn premise_inventory_links_by_name_and_keeps_reference_products() {
    let out = read("premise_inventories/lci-ammonia.xlsx");
    let p = out
        .dataset
        .processes
        .iter()
        .find(|p| p.name == "carbon dioxide capture, from flue gas emissions, using monoethanolamine")
        .expect("process");
    assert!(p.id.id.starts_with(r#"["ammonia","carbon dioxide capture"#), "{}", p.id.id);
    let production: Vec<_> = p.reference_exchanges().collect();
    assert_eq!(production.len(), 1);
    assert_eq!(production[0].provider.as_ref().map(|r| r.id.as_str()), Some(p.id.id.as_str()).map(|_| {
        r#"["new_activities","carbon dioxide capture, from flue gas emissions, using monoethanolamine","carbon dioxide capture, from flue gas emissions, using monoethanolamine","GLO","kilogram"]"#
    }));
    let waste = p.exchanges.iter().find(|e| e.amount.is_some_and(|a| a < 0.0)).expect("negative input");
    assert_eq!(waste.amount, Some(-0.0024500000000000004));
    assert_eq!(waste.flow.id, "spent solvent mixture");
    assert_eq!(waste.metadata.get("match.reference product").map(String::as_str), Some("spent solvent mixture"));
}

#[test]
fn parameters_and_formulas_are_kept() {
    let out = read("bw2io_excel/sample_activities_with_variables.xlsx");
    let p = out.dataset.process("PCB/mpcb").expect("mounted board");
    assert_eq!(p.parameters.len(), 1);
    assert_eq!(p.parameters[0].name, "PCB_mass_total");
    assert_eq!(p.parameters[0].value, Some(0.6));
    assert_eq!(p.exchanges[0].formula.as_deref(), Some("PCB_area * 2"));
    assert_eq!(with_code(&out, "brightway.not-loaded").len(), 1);
}

#[test]
fn parameterized_database_reads_uncertainty() {
    let out = read("bw2io_examples/sample_parameterized_database.xlsx");
    let co2 = out.dataset.flow("Mobility example/CO2").expect("CO2 node as an elementary flow");
    assert_eq!(co2.kind, Some(FlowKind::Elementary));
    let car = out.dataset.processes.iter().find(|p| p.name == "Electric car").expect("electric car");
    assert_eq!(car.exchanges.len(), 3);
}

#[test]
fn workbook_without_database_section_is_a_warning() {
    for rel in ["bw2io_excel/with_formulas.xlsx", "bw2io_excel/empty.xlsx"] {
        let out = read(rel);
        assert!(out.dataset.is_empty(), "{rel}");
        assert_eq!(with_code(&out, "brightway.no-database-section").len(), 1, "{rel}");
    }
}

#[test]
fn bw2package_keys_become_ids_and_providers() {
    let out = read("bw2io_bw2package/bw2_compat_test.bw2package");
    let p = out.dataset.process("partial_respiration_db/7599062216496486961").expect("process by key");
    assert_eq!(p.name, "partial_respiration");
    let bio = p.exchanges.iter().filter(|e| e.kind == Some(ExchangeKind::Biosphere)).count();
    assert_eq!(bio, 3);
    let production = p.exchanges.iter().find(|e| e.kind == Some(ExchangeKind::Production)).expect("production");
    assert_eq!(production.provider.as_ref().map(|r| r.id.as_str()), Some("partial_respiration_db/3866902554231372371"));
    assert_eq!(production.amount, Some(0.5));
}

#[test]
fn project_directory_reads_without_python() {
    let mut n_progress = 0;
    let out = read_path_with_progress(&fixture("bw_project"), &ReadOptions::default(), &mut |_| n_progress += 1)
        .expect("project reads");
    assert!(n_progress > 0);
    let counts = out.dataset.counts();
    assert_eq!((counts.processes, counts.exchanges, counts.flows), (2, 8, 2));
    assert_eq!((counts.lcia_methods, counts.characterization_factors), (1, 2));
    assert!(out.diagnostics.is_empty(), "{:?}", out.diagnostics);
    let p = out.dataset.process("tiny-tech/electricity").expect("electricity");
    assert_eq!(p.description.as_deref(), Some("a ünicode comment"));
    assert_eq!(p.classifications[0].system.as_deref(), Some("ISIC rev.4 ecoinvent"));
    let co2 = p.exchanges.iter().find(|e| e.flow.id == "tiny-biosphere/co2").expect("co2");
    assert_eq!(co2.amount, Some(0.9731234567890123));
    let u = co2.uncertainty.as_ref().expect("lognormal");
    assert_eq!(u.distribution, "log-normal");
    assert_eq!(u.parameters.get("scale"), Some(&0.1));
    let coal = out.dataset.process("tiny-tech/coal").expect("coal");
    let substitution = coal
        .exchanges
        .iter()
        .find(|e| e.metadata.get("brightway.type").map(String::as_str) == Some("substitution"))
        .expect("substitution");
    assert_eq!(
        (substitution.kind, substitution.direction),
        (Some(ExchangeKind::Technosphere), Some(Direction::Output))
    );
    let method = &out.dataset.lcia_methods[0];
    assert_eq!(method.id.id, "tiny method | climate change | GWP100");
    assert_eq!(method.factors[1].flow.id, "tiny-biosphere/ch4");
    assert_eq!(method.factors[1].value, 29.7);
    let ch4 = out.dataset.flow("tiny-biosphere/ch4").expect("ch4 node");
    assert_eq!(ch4.cas.as_deref(), Some("74-82-8"));
}

#[test]
fn databases_db_alone_reads_activities() {
    let out = read("bw_project/lci/databases.db");
    assert_eq!(out.dataset.counts().processes, 2);
}

#[test]
fn read_bytes_matches_read_path() {
    for rel in
        ["bw2io_examples/example.csv", "bw2io_examples/example.xlsx", "bw2io_bw2package/bw2_compat_test.bw2package"]
    {
        let bytes = std::fs::read(fixture(rel)).expect("fixture");
        let from_bytes =
            read_bytes(&fixture(rel).display().to_string(), &bytes, &ReadOptions::default()).expect("reads");
        assert_eq!(from_bytes.dataset, read(rel).dataset, "{rel}");
    }
}

#[test]
fn diagnostics_name_the_file() {
    let out = read("bw2io_excel/with_formulas.xlsx");
    assert!(
        out.diagnostics.iter().all(|d| d.location.file.as_deref().is_some_and(|f| f.ends_with("with_formulas.xlsx")))
    );
    assert!(out.diagnostics.iter().all(|d| d.severity != Severity::Error));
}
