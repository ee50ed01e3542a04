//! Reads of the real fixtures: counts, references, exact amounts, units, EPD modules, versions, prefixes.

use crate::support::{TIANGONG_ZIP, build_zip, fixture, warnings, zip_entry_text};
use ecoref_extract_ilcd::{ReadOptions, ReadOutput, read_path, read_xml, read_zip};
use ecoref_model::{Direction, ExchangeKind, FlowKind, Severity};
use std::collections::BTreeMap;
use std::io::Cursor;

fn read_tiangong() -> ReadOutput {
    read_path(&fixture(TIANGONG_ZIP), &ReadOptions::default()).expect("tiangong subset reads")
}

#[test]
fn tiangong_subset_counts() {
    let out = read_tiangong();
    let counts = out.dataset.counts();
    assert_eq!(counts.processes, 9);
    assert_eq!(counts.flows, 297);
    assert_eq!(counts.flow_properties, 17);
    assert_eq!(counts.unit_groups, 8);
    assert_eq!(counts.lcia_methods, 4);
    assert_eq!(counts.sources, 17);
    assert_eq!(counts.contacts, 16);
    assert_eq!(out.n_rejected, 0);
    assert_eq!(out.n_entries_read, 372);
    let factors: BTreeMap<&str, usize> =
        out.dataset.lcia_methods.iter().map(|m| (m.id.id.as_str(), m.factors.len())).collect();
    let expected: BTreeMap<&str, usize> = [
        ("14af9ca7-aa1d-4832-b1d9-ab05a06dcb12", 12),
        ("6209b35f-9447-40b5-b68c-a1099e3674a0", 1099),
        ("706261af-a357-4cc0-a50a-f3033fcbd556", 13),
        ("b53ec18f-7377-4ad3-86eb-cc3f4f276b2b", 29),
    ]
    .into_iter()
    .collect();
    assert_eq!(factors, expected);
    let flow_kinds = |kind| out.dataset.flows.iter().filter(|f| f.kind == Some(kind)).count();
    assert_eq!(
        (flow_kinds(FlowKind::Product), flow_kinds(FlowKind::Elementary), flow_kinds(FlowKind::Waste)),
        (199, 96, 2)
    );
    // The category and location files are skipped with one summary, not per file.
    let skipped: Vec<_> = out.diagnostics.iter().filter(|d| d.code == "ilcd.not-loaded").collect();
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0].severity, Severity::Info);
    assert!(skipped[0].message.starts_with("4 file(s)"), "{}", skipped[0].message);
    assert!(out.diagnostics.iter().all(|d| d.severity != Severity::Error));
}

#[test]
fn tiangong_subset_reports_each_unresolved_reference_with_its_referencing_entity() {
    let out = read_tiangong();
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("tiangong_subset/subset_manifest.json")).expect("manifest"),
    )
    .expect("manifest json");
    let missing = manifest["missing_refs"].as_array().expect("missing_refs");
    assert_eq!(missing.len(), 6);
    let referencing: Vec<&str> = out
        .dataset
        .processes
        .iter()
        .map(|p| p.id.id.as_str())
        .chain(out.dataset.lcia_methods.iter().map(|m| m.id.id.as_str()))
        .collect();
    for path in missing {
        let path = path.as_str().expect("path");
        let id = path.rsplit('/').next().and_then(|f| f.strip_suffix(".xml")).expect("id in path");
        let found: Vec<_> = out
            .diagnostics
            .iter()
            .filter(|d| {
                d.severity == Severity::Warning
                    && (d.code == "ilcd.dangling-reference" || d.code == "ilcd.invalid-uuid")
                    && d.message.contains(id)
                    && d.location.entity.as_deref().is_some_and(|e| referencing.contains(&e) && d.message.contains(e))
            })
            .collect();
        assert_eq!(found.len(), 1, "{id}: {found:?}");
        let expected_code =
            if id.contains(' ') || id == "catalyzer" { "ilcd.invalid-uuid" } else { "ilcd.dangling-reference" };
        assert_eq!(found[0].code, expected_code, "{id}");
        assert!(found[0].location.file.as_deref().is_some_and(|f| f.contains(".zip!ILCD/")), "{:?}", found[0]);
        assert!(found[0].location.line.is_some());
    }
    // Exchanges with flows that are not in the input are unresolved.
    let unresolved: Vec<&str> = out
        .dataset
        .processes
        .iter()
        .flat_map(|p| &p.exchanges)
        .filter(|e| e.kind == Some(ExchangeKind::Unresolved))
        .map(|e| e.flow.id.as_str())
        .collect();
    for id in
        ["vitrified brick", "catalyzer", "a7874ebf-7f49-4391-a02d-061c4f976c8d", "f184f1bd-335d-47b6-a04e-5916dcc7d7f7"]
    {
        assert!(unresolved.contains(&id), "{id} not unresolved: {unresolved:?}");
    }
}

#[test]
fn tiangong_subset_reference_flows() {
    let out = read_tiangong();
    let empty = out.dataset.process("58977630-5a02-4f30-9976-6000c30bad96").expect("process");
    assert_eq!(empty.reference_exchanges().count(), 0);
    let two = out.dataset.process("30ea30c0-81d1-4a2f-92bd-659c88750888").expect("process");
    assert_eq!(two.reference_exchanges().count(), 2);
    let with_two: Vec<_> = out.dataset.processes.iter().filter(|p| p.reference_exchanges().count() == 2).collect();
    assert_eq!(with_two.len(), 1);
    // Reference exchanges are matched by dataSetInternalID, not position.
    let text = zip_entry_text(TIANGONG_ZIP, "ILCD/processes/30ea30c0-81d1-4a2f-92bd-659c88750888.xml");
    let mut wanted: Vec<String> = text
        .split("<referenceToReferenceFlow>")
        .skip(1)
        .filter_map(|s| s.split('<').next())
        .map(|s| s.trim().to_owned())
        .collect();
    wanted.sort();
    let mut got: Vec<String> = two.reference_exchanges().map(|e| e.internal_id.clone()).collect();
    got.sort();
    assert_eq!(got, wanted);
    for p in &out.dataset.processes {
        for e in p.reference_exchanges() {
            assert!(matches!(
                e.kind,
                Some(ExchangeKind::Production | ExchangeKind::Unresolved | ExchangeKind::Biosphere)
            ));
        }
    }
}

/// Independent scan of `<exchange>` blocks: internal id → the text of resultingAmount, else meanAmount.
fn scan_amounts(text: &str) -> BTreeMap<String, Option<String>> {
    let between = |s: &str, open: &str, close: &str| -> Option<String> {
        let start = s.find(open)? + open.len();
        let end = s[start..].find(close)? + start;
        Some(s[start..end].trim().to_owned())
    };
    text.split("<exchange ")
        .skip(1)
        .map(|block| {
            let block = block.split("</exchange>").next().unwrap_or_default();
            let id = between(block, "dataSetInternalID=\"", "\"").expect("internal id");
            let amount = between(block, "<resultingAmount>", "</resultingAmount>")
                .or_else(|| between(block, "<meanAmount>", "</meanAmount>"));
            (id, amount)
        })
        .collect()
}

#[test]
fn tiangong_181_exchange_process_keeps_every_amount_bit_exact() {
    let out = read_tiangong();
    let process = out.dataset.process("01a45edf-ef15-43d2-a31b-75a15701ed31").expect("process");
    assert_eq!(process.exchanges.len(), 181);
    let text = zip_entry_text(TIANGONG_ZIP, "ILCD/processes/01a45edf-ef15-43d2-a31b-75a15701ed31.xml");
    let expected = scan_amounts(&text);
    assert_eq!(expected.len(), 181);
    for exchange in &process.exchanges {
        let want = expected[&exchange.internal_id].as_deref().map(|t| t.parse::<f64>().expect("number"));
        assert_eq!(exchange.amount.map(f64::to_bits), want.map(f64::to_bits), "exchange {}", exchange.internal_id);
    }
    assert_eq!(process.name, "Recreational services| CEEIO | 2018");
    assert_eq!(process.location.as_deref(), Some("CN"));
    assert_eq!(process.process_type.as_deref(), Some("LCI result"));
    assert_eq!(process.reference_year.as_deref(), Some("2018"));
    assert_eq!(
        process.classifications[0].path,
        ["CEEIO", "2018 Chinese Environmentally Extended Input-Output (CEEIO) Database"]
    );
    assert!(process.metadata.contains_key("technology_description"));
}

#[test]
fn tiangong_missing_amounts_are_warnings_and_none() {
    let out = read_tiangong();
    let missing: Vec<_> = out
        .dataset
        .processes
        .iter()
        .flat_map(|p| p.exchanges.iter().map(move |e| (p, e)))
        .filter(|(_, e)| e.amount.is_none())
        .collect();
    let n_warnings = warnings(&out, "ilcd.missing-amount").count();
    assert_eq!(missing.len(), n_warnings);
    for d in warnings(&out, "ilcd.missing-amount") {
        let entity = d.location.entity.as_deref().expect("entity");
        assert!(d.message.contains(entity));
        assert!(d.location.element.as_deref().is_some_and(|e| e.contains("exchange[@dataSetInternalID=")));
    }
}

#[test]
fn tiangong_units_are_resolved_through_flow_property_and_unit_group() {
    let out = read_tiangong();
    let mut n_kg = 0;
    for process in &out.dataset.processes {
        for exchange in &process.exchanges {
            if let Some(flow) = out.dataset.flow(&exchange.flow.id) {
                assert_eq!(exchange.unit, flow.reference_unit, "exchange {} of {}", exchange.internal_id, process.id);
                let expected_kind = match (flow.kind, exchange.is_reference) {
                    (Some(FlowKind::Elementary), _) => ExchangeKind::Biosphere,
                    (_, true) => ExchangeKind::Production,
                    _ => ExchangeKind::Technosphere,
                };
                assert_eq!(exchange.kind, Some(expected_kind));
                n_kg += usize::from(exchange.unit.as_deref() == Some("kg"));
            }
        }
    }
    assert!(n_kg > 0, "no mass-based exchange resolved to kg");
    let mass = out.dataset.flow_properties.iter().find(|p| p.name == "Mass").expect("mass property");
    assert_eq!(mass.reference_unit.as_deref(), Some("kg"));
    let climate =
        out.dataset.lcia_methods.iter().find(|m| m.id.id == "6209b35f-9447-40b5-b68c-a1099e3674a0").expect("method");
    assert_eq!(climate.name, "Climate change");
    assert!(climate.methodologies.iter().any(|m| m == "Environmental Footprint"));
}

#[test]
fn lcia_factors_keep_both_directions_of_one_flow() {
    let doc = r#"<m:LCIAMethodDataSet xmlns:m="http://lca.jrc.it/ILCD/LCIAMethod" xmlns:c="http://lca.jrc.it/ILCD/Common">
  <m:LCIAMethodInformation><m:dataSetInformation><c:UUID>14af9ca7-aa1d-4832-b1d9-ab05a06dcb12</c:UUID>
    <c:name xml:lang="de">Klima</c:name><c:name xml:lang="en">Climate change-LULUC</c:name>
    <m:methodology>EF 3.1</m:methodology><m:impactCategory>Climate change</m:impactCategory></m:dataSetInformation>
  </m:LCIAMethodInformation>
  <m:characterisationFactors>
    <m:factor><m:referenceToFlowDataSet refObjectId="adcb79f3-89cf-45fb-b0b2-65558cb2af26" version="03.01.004"/>
      <m:exchangeDirection>Output</m:exchangeDirection><m:meanValue>1</m:meanValue></m:factor>
    <m:factor><m:referenceToFlowDataSet refObjectId="adcb79f3-89cf-45fb-b0b2-65558cb2af26"/>
      <m:exchangeDirection>Input</m:exchangeDirection><m:meanValue>-1</m:meanValue><m:location/></m:factor>
  </m:characterisationFactors>
</m:LCIAMethodDataSet>"#;
    let out = read_xml("luluc.xml", doc.as_bytes(), &ReadOptions::default()).expect("reads");
    let method = &out.dataset.lcia_methods[0];
    assert_eq!(method.name, "Climate change-LULUC");
    assert_eq!(method.methodologies, ["EF 3.1"]);
    let factors: Vec<_> = method.factors.iter().map(|f| (f.direction, f.value, f.location.clone())).collect();
    assert_eq!(factors, [(Some(Direction::Output), 1.0, None), (Some(Direction::Input), -1.0, None)]);
    // Missing factor flows are summarized in one warning per method, not one per factor.
    assert_eq!(warnings(&out, "ilcd.dangling-reference").count(), 1);
}

#[test]
fn every_fixture_reads_without_error() {
    let root = fixture("");
    let mut n_read = 0;
    for folder in std::fs::read_dir(&root).expect("fixtures") {
        let folder = folder.expect("entry").path();
        if !folder.is_dir() {
            continue;
        }
        // The folder itself, then each file in it.
        read_path(&folder, &ReadOptions::default()).unwrap_or_else(|e| panic!("{}: {e}", folder.display()));
        for file in std::fs::read_dir(&folder).expect("folder") {
            let file = file.expect("entry").path();
            let is_input = file.is_dir() || file.extension().is_some_and(|e| e == "xml" || e == "zip");
            if is_input {
                let out =
                    read_path(&file, &ReadOptions::default()).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
                assert_eq!(out.n_rejected, 0, "{}", file.display());
                n_read += 1;
            }
        }
    }
    assert!(n_read >= 20, "{n_read}");
}

#[test]
fn epd_single_xml_keeps_module_amounts() {
    let out = read_path(&fixture("ilcdlib_epd/environdec_single_xml.xml"), &ReadOptions::default()).expect("reads");
    let process = &out.dataset.processes[0];
    let adpe = process
        .lcia_results
        .iter()
        .find(|r| r.method.id == "f7c73bb9-ab1a-4249-9c6d-379a0de6f67e")
        .expect("ADPE result");
    let module = |name: &str| adpe.modules.iter().find(|m| m.module == name).expect("module").amount;
    assert_eq!(module("A1-A3").map(f64::to_bits), Some(3.76e-6_f64.to_bits()));
    assert_eq!(module("B2"), None);
    assert_eq!(module("C3"), Some(0.0));
    assert_eq!(adpe.modules.len(), 15);
    assert_eq!(adpe.unit_group.as_ref().map(|u| u.id.as_str()), Some("54ccd2d9-a32a-4fc2-923d-f2c8c93e89d4"));
    assert_eq!(adpe.unit_group.as_ref().and_then(|u| u.description.as_deref()), Some("kg Sb-Äqv."));
    assert!(process.exchanges.iter().any(|e| !e.modules.is_empty()), "exchange modules");
    // The methods are not shipped: warnings, not failures.
    assert!(
        warnings(&out, "ilcd.dangling-reference").any(|d| d.message.contains("f7c73bb9-ab1a-4249-9c6d-379a0de6f67e"))
    );
}

#[test]
fn epd_zips_with_versioned_file_names() {
    for name in ["ilcdlib_epd/environdec_with_dependencies.zip", "ilcdlib_epd/epditaly_with_dependencies.zip"] {
        let out = read_path(&fixture(name), &ReadOptions::default()).expect("reads");
        assert_eq!(out.dataset.processes.len(), 1, "{name}");
        assert_eq!(out.dataset.flows.len(), 19, "{name}");
        let process = &out.dataset.processes[0];
        assert!(!process.lcia_results.is_empty(), "{name}");
        assert!(process.lcia_results.iter().any(|r| !r.modules.is_empty()), "{name}");
        assert!(process.id.version.is_some());
        let not_loaded: Vec<_> = out.diagnostics.iter().filter(|d| d.code == "ilcd.not-loaded").collect();
        assert!(not_loaded.iter().any(|d| d.message.contains("external_docs")), "{not_loaded:?}");
    }
}

#[test]
fn volca_synthetic_edge_cases() {
    let out = read_path(&fixture("volca_synthetic/ILCD"), &ReadOptions::default()).expect("reads");
    let no_basename = out.dataset.process("99999999-9999-9999-9999-999999999999").expect("process");
    assert_eq!(no_basename.name, "");
    assert!(
        warnings(&out, "ilcd.missing-name")
            .any(|d| d.location.entity.as_deref() == Some("99999999-9999-9999-9999-999999999999"))
    );
    assert_eq!(no_basename.exchanges[0].amount, Some(1.0));
    assert!(no_basename.exchanges[0].is_reference);
    let mean = out.dataset.process("55555555-1234-1234-1234-123456789abc").expect("process");
    assert_eq!(mean.name, "Mean Amount Process");
    assert_eq!(mean.exchanges[0].amount, Some(42.0));
    assert_eq!(mean.exchanges[0].mean_amount, Some(42.0));
    let co2 = out.dataset.flow("aaaaaaaa-0000-0000-0000-000000000003").expect("flow");
    assert_eq!(co2.compartment, ["Emissions", "Emissions to air"]);
    assert_eq!(co2.cas.as_deref(), Some("124-38-9"));
}

fn flow_xml(uuid: &str, version: &str, name: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<flowDataSet xmlns="http://lca.jrc.it/ILCD/Flow" xmlns:common="http://lca.jrc.it/ILCD/Common" version="1.1">
  <flowInformation><dataSetInformation><common:UUID>{uuid}</common:UUID>
    <name><baseName xml:lang="en">{name}</baseName></name></dataSetInformation></flowInformation>
  <modellingAndValidation><LCIMethod><typeOfDataSet>Product flow</typeOfDataSet></LCIMethod></modellingAndValidation>
  <administrativeInformation><publicationAndOwnership><common:dataSetVersion>{version}</common:dataSetVersion>
  </publicationAndOwnership></administrativeInformation>
</flowDataSet>"#
    )
}

#[test]
fn newest_version_wins_and_identical_duplicates_dedup_silently() {
    let uuid = "11111111-2222-3333-4444-555555555555";
    let v2 = flow_xml(uuid, "02.00.000", "new");
    let v1 = flow_xml(uuid, "01.00.000", "old");
    let v10 = flow_xml(uuid, "01.10.000", "older than 2");
    let zip = build_zip(&[
        ("ILCD/flows/a.xml", v2.as_bytes()),
        ("ILCD/flows/b.xml", v1.as_bytes()),
        ("ILCD/flows/c.xml", v10.as_bytes()),
        ("ILCD/flows/d.xml", v2.as_bytes()),
    ]);
    let out = read_zip("versions.zip", Cursor::new(zip), &ReadOptions::default()).expect("reads");
    assert_eq!(out.dataset.flows.len(), 1);
    assert_eq!(out.dataset.flows[0].id.version.as_deref(), Some("02.00.000"));
    assert_eq!(out.dataset.flows[0].name, "new");
    let infos: Vec<_> = out.diagnostics.iter().filter(|d| d.code == "ilcd.superseded-version").collect();
    assert_eq!(infos.len(), 2, "{infos:?}");
    assert!(infos.iter().all(|d| d.severity == Severity::Info));
    assert!(!out.diagnostics.iter().any(|d| d.code == "ilcd.conflicting-duplicate"));
}

/// Gives every unprefixed element tag the prefix `f:`.
fn prefix_elements(text: &str, prefix: &str) -> String {
    let mut out = String::with_capacity(text.len() + 1024);
    let mut rest = text;
    while let Some(pos) = rest.find('<') {
        out.push_str(&rest[..=pos]);
        rest = &rest[pos + 1..];
        let (slash, after) = match rest.strip_prefix('/') {
            Some(after) => ("/", after),
            None => ("", rest),
        };
        let name_end = after.find(|c: char| c.is_whitespace() || c == '>' || c == '/').unwrap_or(after.len());
        let name = &after[..name_end];
        if name.starts_with(|c: char| c.is_ascii_alphabetic()) && !name.contains(':') {
            out.push_str(slash);
            out.push_str(prefix);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[test]
fn namespace_prefixes_do_not_matter() {
    let name = "ILCD/flows/0138cf08-4438-417a-a910-a30cfbecdf16.xml";
    let original = zip_entry_text(TIANGONG_ZIP, name);
    let options = ReadOptions::default();
    let base = read_xml("flow.xml", original.as_bytes(), &options).expect("reads");
    let flow = &base.dataset.flows[0];
    assert_eq!(flow.name, "Electricity and heat production and supply Sectors - CN");
    assert_eq!(flow.flow_properties.len(), 1);

    let prefixed = prefix_elements(&original, "f:")
        .replace("xmlns=\"http://lca.jrc.it/ILCD/Flow\"", "xmlns:f=\"http://lca.jrc.it/ILCD/Flow\"")
        .replace("common:", "c:")
        .replace("xmlns:common=", "xmlns:c=");
    assert!(prefixed.contains("<f:flowDataSet") && prefixed.contains("<c:UUID>"), "{prefixed}");
    let out = read_xml("prefixed.xml", prefixed.as_bytes(), &options).expect("prefixed reads");
    assert_eq!(&out.dataset.flows[0], flow);

    // Common elements in a default namespace of their own.
    let mut defaulted = String::new();
    let mut rest = original.as_str();
    while let Some(pos) = rest.find("<common:") {
        defaulted.push_str(&rest[..pos]);
        let after = &rest[pos + "<common:".len()..];
        let name_end = after.find(|c: char| c.is_whitespace() || c == '>' || c == '/').unwrap_or(after.len());
        defaulted.push('<');
        defaulted.push_str(&after[..name_end]);
        defaulted.push_str(" xmlns=\"http://lca.jrc.it/ILCD/Common\"");
        rest = &after[name_end..];
    }
    defaulted.push_str(rest);
    let defaulted = defaulted.replace("</common:", "</");
    let out = read_xml("defaulted.xml", defaulted.as_bytes(), &options).expect("default-namespace reads");
    assert_eq!(&out.dataset.flows[0], flow);
}
