//! Reads of the real fixtures: counts against Brightway's reference counts, identities, links, exact amounts,
//! uncertainty, openLCA exports, MasterData and the defective USLCI export.

use crate::support::{errors, fixture, with_code};
use ecoref_extract_ecospold2::{ReadOptions, ReadOutput, read_bytes, read_path};
use ecoref_model::{Direction, ExchangeKind, FlowKind, Severity};

fn read(rel: &str) -> ReadOutput {
    read_path(&fixture(rel), &ReadOptions::default()).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn kinds(output: &ReadOutput) -> (usize, usize, usize) {
    let count =
        |kind| output.dataset.processes.iter().flat_map(|p| &p.exchanges).filter(|e| e.kind == Some(kind)).count();
    (count(ExchangeKind::Production), count(ExchangeKind::Technosphere), count(ExchangeKind::Biosphere))
}

#[test]
fn pyecospold_both_files_match_brightway_counts() {
    let mut n_processes = 0;
    let mut n_exchanges = 0;
    let mut by_kind = (0, 0, 0);
    for rel in ["pyecospold_ecoinvent/v2_1.xml", "pyecospold_ecoinvent/v2_2.spold"] {
        let out = read(rel);
        assert!(errors(&out).is_empty(), "{rel}: {:?}", errors(&out));
        let counts = out.dataset.counts();
        n_processes += counts.processes;
        n_exchanges += counts.exchanges;
        let k = kinds(&out);
        by_kind = (by_kind.0 + k.0, by_kind.1 + k.1, by_kind.2 + k.2);
    }
    assert_eq!((n_processes, n_exchanges), (2, 80));
    assert_eq!(by_kind, (2, 40, 38));
    // The same read as one directory.
    let dir = read("pyecospold_ecoinvent");
    assert_eq!((dir.dataset.counts().processes, dir.dataset.counts().exchanges), (2, 80));
}

#[test]
fn v2_2_keeps_identity_links_amounts_uncertainty_and_pedigree() {
    let out = read("pyecospold_ecoinvent/v2_2.spold");
    let process = &out.dataset.processes[0];
    assert_eq!(process.id.id, "ffed8e5b-8ecb-4a93-bc79-a1404afd9fcd_118a9202-6b68-44aa-82b5-2c2bf5bc02cf");
    assert_eq!(process.metadata["activity_id"], "ffed8e5b-8ecb-4a93-bc79-a1404afd9fcd");
    assert_eq!(process.metadata["reference_product_id"], "118a9202-6b68-44aa-82b5-2c2bf5bc02cf");
    assert_eq!(process.metadata["data_set_kind"], "childActivityDataset");
    assert_eq!(process.name, "formic acid production, methyl formate route");
    assert_eq!(process.location.as_deref(), Some("RER"));
    assert!(
        process.classifications.iter().any(|c| c.system.as_deref() == Some("ISIC rev.4 ecoinvent")
            && c.path == ["2011:Manufacture of basic chemicals"])
    );
    let reference: Vec<_> = process.reference_exchanges().collect();
    assert_eq!(reference.len(), 1);
    assert_eq!(reference[0].kind, Some(ExchangeKind::Production));
    assert_eq!(reference[0].unit.as_deref(), Some("kg"));
    let water =
        process.exchanges.iter().find(|e| e.internal_id == "2592e17c-df72-4446-91f5-fa1f1e0e8042").expect("water");
    assert_eq!(water.amount, Some(0.6));
    assert_eq!(water.direction, Some(Direction::Input));
    assert_eq!(water.kind, Some(ExchangeKind::Technosphere));
    assert_eq!(
        water.provider.as_ref().map(|p| p.id.as_str()),
        Some("cd1f547f-577f-4e1b-bd23-fb73d53497eb_360e2eb0-f81c-4e4b-ba6b-c7a690f31275")
    );
    assert_eq!(water.metadata["activity_link_id"], "cd1f547f-577f-4e1b-bd23-fb73d53497eb");
    assert_eq!(water.metadata["variable_name"], "water_deionised_input");
    assert_eq!(water.metadata["pedigree"], "(1,3,5,3,1)");
    let u = water.uncertainty.as_ref().expect("lognormal");
    assert_eq!(u.distribution, "lognormal");
    assert_eq!(u.parameters["mu"], -0.51);
    assert_eq!(u.parameters["variance"], 0.03);
    assert_eq!(u.parameters["varianceWithPedigreeUncertainty"], 0.0707);
    assert_eq!(water.properties.len(), 7);
    assert_eq!(water.properties[1].property.description.as_deref(), Some("water in wet mass"));
    assert_eq!(water.comment.as_deref(), Some("EcoSpold01Location=CH\nLiterature value."));
    // The flow of an exchange: CAS without zero padding.
    let flow = out.dataset.flow("360e2eb0-f81c-4e4b-ba6b-c7a690f31275").expect("water flow");
    assert_eq!(flow.cas.as_deref(), Some("7732-18-5"));
    assert_eq!(flow.kind, Some(FlowKind::Product));
}

#[test]
fn amounts_are_bit_exact() {
    let out = read("pyecospold_ecoinvent/v2_2.spold");
    let text = std::fs::read_to_string(fixture("pyecospold_ecoinvent/v2_2.spold")).expect("read");
    let process = &out.dataset.processes[0];
    for exchange in &process.exchanges {
        let start = text.find(&format!("id=\"{}\"", exchange.internal_id)).expect("exchange in text");
        let rest = &text[start..];
        let amount = rest.split("amount=\"").nth(1).and_then(|a| a.split('"').next()).expect("amount");
        assert_eq!(exchange.amount.map(f64::to_bits), amount.parse::<f64>().ok().map(f64::to_bits), "{amount}");
    }
}

#[test]
fn bw2io_fixture_matches_brightway_counts() {
    let out = read("bw2io_fixture");
    let counts = out.dataset.counts();
    // Two files with the same (activity, product) identity: Brightway counts both, file by file.
    let plain =
        read("bw2io_fixture/00000_11111111-2222-3333-4444-555555555555_66666666-7777-8888-9999-000000000000.spold");
    let synonyms = read(
        "bw2io_fixture/00000_11111111-2222-3333-4444-555555555555_66666666-7777-8888-9999-000000000000_with_synonyms.spold",
    );
    let total = |o: &ReadOutput| (o.dataset.counts().processes, o.dataset.counts().exchanges);
    assert_eq!((total(&plain).0 + total(&synonyms).0, total(&plain).1 + total(&synonyms).1), (2, 6));
    assert!(synonyms.dataset.processes[0].metadata.contains_key("synonyms"));
    // Read together, the second file with the same identity is a rejected duplicate.
    assert_eq!(counts.processes, 1);
    assert_eq!(out.n_rejected, 1);
    assert_eq!(with_code(&out, "ecospold2.duplicate-data-set").len(), 1);
}

#[test]
fn olca_sample_matches_brightway_counts_and_keeps_every_uncertainty_kind() {
    let out = read("olca_ecospold2_testres/sample_ecospold2.xml");
    let counts = out.dataset.counts();
    assert_eq!((counts.processes, counts.exchanges), (1, 5));
    let process = &out.dataset.processes[0];
    let distributions: Vec<&str> =
        process.exchanges.iter().filter_map(|e| e.uncertainty.as_ref()).map(|u| u.distribution.as_str()).collect();
    assert_eq!(distributions, ["lognormal", "triangular", "normal", "uniform", "undefined"]);
    let triangular = process.exchanges[1].uncertainty.as_ref().expect("triangular");
    assert_eq!((triangular.minimum, triangular.maximum), (Some(2.0), Some(5.0)));
    assert_eq!(triangular.parameters["mostLikelyValue"], 25.0);
    let pentanol = &process.exchanges[0];
    assert_eq!(pentanol.formula.as_deref(), Some("23 + SUM(8;2)"));
    assert_eq!(pentanol.metadata["variable_name"], "p");
    assert!(!process.parameters.is_empty());
    let time = (process.metadata["time_period_start"].as_str(), process.metadata["time_period_end"].as_str());
    assert_eq!(time, ("2013-01-01", "2014-12-31"));
    assert_eq!(process.metadata["technology_level"], "3");
    let peat = out.dataset.flow("c5035ce2-5ee5-431f-a287-4b25da42be74").expect("peat");
    assert_eq!(peat.compartment, ["natural resource", "biotic"]);
    assert_eq!(peat.kind, Some(FlowKind::Elementary));
}

#[test]
fn every_olca_test_resource_reads_or_is_diagnosed() {
    let out = read("olca_ecospold2_testres");
    // sample_child_ecospold2.xml and sample_ecospold2.xml have one identity: the second in name order is a
    // rejected duplicate; text_variables_test.spold has no flowData.
    assert_eq!(out.dataset.counts().processes, 1);
    let duplicates = with_code(&out, "ecospold2.duplicate-data-set");
    assert_eq!(errors(&out), duplicates);
    assert_eq!(duplicates.len(), 1);
    assert!(duplicates[0].message.contains("sample_ecospold2.xml"), "{}", duplicates[0].message);
    assert_eq!(out.n_rejected, 1);
    assert_eq!(with_code(&out, "ecospold2.empty-flow-data").len(), 1);
    assert!(!out.dataset.sources.is_empty());
    assert!(!out.dataset.contacts.is_empty());
}

#[test]
fn masterdata_elementary_exchanges_alone() {
    let out = read("ecoinvent_masterdata/ElementaryExchanges_ei3.9.xml");
    let flows = &out.dataset.flows;
    assert_eq!(flows.len(), 4709);
    assert!(flows.iter().all(|f| f.kind == Some(FlowKind::Elementary)));
    assert!(out.diagnostics.is_empty(), "{:?}", &out.diagnostics[..out.diagnostics.len().min(3)]);
    let butanediol = out.dataset.flow("38a622c6-f086-4763-a952-7c6b3b1c42ba").expect("1,4-butanediol");
    assert_eq!(butanediol.cas.as_deref(), Some("110-63-4"));
    assert_eq!(butanediol.formula.as_deref(), Some("C4H10O2"));
    assert!(butanediol.synonyms.iter().any(|s| s == "Butylene glycol"));
    assert_eq!(butanediol.compartment.len(), 2);
    assert_eq!(butanediol.reference_unit.as_deref(), Some("kg"));
    assert!(flows.iter().filter_map(|f| f.cas.as_deref()).all(|cas| !cas.starts_with('0')));
}

#[test]
fn fake_db_release_links_every_provider() {
    let out = read("ecospold2matrix_fake_db");
    assert_eq!(out.dataset.counts().processes, 3);
    assert_eq!(out.n_rejected, 0);
    assert!(with_code(&out, "ecospold2.unresolved-provider").is_empty(), "{:?}", out.diagnostics);
    let ids: Vec<&str> = out.dataset.processes.iter().map(|p| p.id.id.as_str()).collect();
    let mut n_links = 0;
    for exchange in out.dataset.processes.iter().flat_map(|p| &p.exchanges) {
        if let Some(provider) = &exchange.provider {
            n_links += 1;
            assert!(ids.contains(&provider.id.as_str()), "{} not read", provider.id);
        }
    }
    assert_eq!(n_links, 4);
    // MasterData names fill the flows; the ALL_FAKE text file is summarised as not loaded.
    let straw = out.dataset.flow("692b4f7e-9e79-4f69-b22f-b66f68f2FAKE").expect("straw");
    assert_eq!(straw.name, "straw, organic");
    let not_loaded = with_code(&out, "ecospold2.not-loaded");
    assert_eq!(not_loaded.len(), 1);
    assert_eq!(not_loaded[0].severity, Severity::Info);
}

#[test]
fn uslci_defective_export_imports_69_and_reports_702_empty() {
    let out = read("uslci_openlca_export_defective/uslci_fy18_q3_01_olca1_7_2.ecospold2.zip");
    assert_eq!(out.dataset.counts().processes, 69);
    let empty = with_code(&out, "ecospold2.empty-flow-data");
    assert_eq!(empty.len(), 702);
    assert!(empty.iter().all(|d| d.severity == Severity::Warning && d.location.entity.is_some()));
    assert_eq!(out.n_rejected, 0);
    assert_eq!(out.n_entries_read, 771);
    // openLCA files carry their flows inline (usedUserMasterData) and never an activityLinkId.
    assert!(out.dataset.processes.iter().flat_map(|p| &p.exchanges).all(|e| e.provider.is_none()));
    assert!(out.dataset.flows.iter().all(|f| !f.name.is_empty()));
}

#[test]
fn volca_edge_cases_are_diagnosed() {
    let no_ref = read("volca_synthetic_edge/no-ref-uuid_product-a-uuid.spold");
    assert_eq!(no_ref.dataset.processes[0].id.id, "no-ref-uuid");
    assert_eq!(with_code(&no_ref, "ecospold2.missing-reference-product").len(), 1);

    let units = read("volca_synthetic_edge/unknown-units-uuid_standard-product-uuid.spold");
    let unknown: Vec<String> = with_code(&units, "ecospold2.unknown-unit").iter().map(|d| d.message.clone()).collect();
    assert_eq!(unknown.len(), 4, "{unknown:?}");
    assert_eq!(with_code(&units, "ecospold2.missing-unit").len(), 1);

    let zero = read("volca_synthetic_edge/zero-neg-uuid_normal-product-uuid.spold");
    let amounts: Vec<f64> = zero.dataset.processes[0].exchanges.iter().filter_map(|e| e.amount).collect();
    assert!(amounts.contains(&-2.5) && amounts.contains(&0.0) && amounts.contains(&1.23456789e-15));

    let multi = read("volca_synthetic_edge/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee_lumber-uuid.spold");
    let process = &multi.dataset.processes[0];
    assert_eq!(process.id.id, "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee_lumber-uuid");
    assert_eq!(process.exchanges.iter().filter(|e| e.direction == Some(Direction::Output)).count(), 6);

    let edge = read("volca_synthetic_edge/xml-edge-uuid_xml-test-product-uuid.spold");
    let process = &edge.dataset.processes[0];
    assert_eq!(with_code(&edge, "ecospold2.unnamed-flow").len(), 2);
    let in1 = process.exchanges.iter().find(|e| e.internal_id == "in-1").expect("in-1");
    assert_eq!(in1.direction, Some(Direction::Input));
    assert_eq!(with_code(&edge, "ecospold2.unexpected-group").len(), 1);
}

#[test]
fn ecospold1_file_under_an_ecospold2_name_is_rejected_clearly() {
    let v1 = br#"<?xml version="1.0"?><ecoSpold xmlns="http://www.EcoInvent.org/EcoSpold01"><dataset number="1"/></ecoSpold>"#;
    let out = read_bytes("Activities/x.spold", v1, &ReadOptions::default()).expect("reads");
    assert_eq!(out.n_rejected, 1);
    let d = with_code(&out, "ecospold2.ecospold1-file");
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].severity, Severity::Error);
    assert!(d[0].message.contains("Activities/x.spold") && d[0].message.contains("EcoSpold 1"));
}
