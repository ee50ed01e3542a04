//! Elementary-flow mapping: EF 3.1 climate change from ILCD (TianGong) against the ecoinvent 3.9 implementation
//! in Brightway's LCIA JSON (read by extract-brightway), through a name + compartment mapping; ecoinvent's
//! biosphere list checks the Brightway side's names and compartments.

use crate::support::{check_golden, dataset, fixture, input, producer, read_ilcd};
use ecoref_model::{
    CharacterizationFactor, Direction, EntityId, Exchange, ExchangeKind, Flow, FlowKind, LciaMethod, Reference,
};
use ecoref_transform::{
    FlowMapping, MappingOptions, MappingRule, compare_factors, compute_flow_mapping, compute_unmapped_shares,
    flows_from_factor_references,
};

const EF31_CLIMATE_CHANGE: &str = "ilcd/tiangong_lciamethods/6209b35f-9447-40b5-b68c-a1099e3674a0.xml";

/// ecoinvent 3.9 biosphere flows (`name;compartment;subcompartment;unit;uuid`), as the target nomenclature.
fn ecoinvent_biosphere() -> Vec<Flow> {
    let text = std::fs::read_to_string(fixture("transform/flows_biosphere_39.csv")).expect("read csv");
    text.lines()
        .filter_map(|line| {
            let mut fields = line.rsplitn(5, ';');
            let (uuid, unit, sub, compartment, name) =
                (fields.next()?, fields.next()?, fields.next()?, fields.next()?, fields.next()?);
            Some(Flow {
                id: EntityId::new(uuid.trim(), None),
                name: name.to_owned(),
                kind: Some(FlowKind::Elementary),
                compartment: vec![compartment.to_owned(), sub.to_owned()],
                reference_unit: Some(unit.to_owned()),
                ..Flow::default()
            })
        })
        .collect()
}

#[test]
fn ef31_climate_change_from_ilcd_and_from_brightway_agree_where_their_nomenclatures_meet() {
    let ilcd = read_ilcd(EF31_CLIMATE_CHANGE);
    let method = ilcd.dataset.lcia_methods.first().expect("one method").clone();
    assert_eq!(method.factors.len(), 1099);
    let ecoinvent = ecoinvent_biosphere();
    assert_eq!(ecoinvent.len(), 4711);
    let lcia_json = ecoref_extract_brightway::read_path(
        &fixture("brightway/bw2io_lcia_json/lcia_39_ecoinvent.zip"),
        &ecoref_extract_brightway::ReadOptions::default(),
    )
    .expect("read lcia json");
    let brightway = lcia_json
        .dataset
        .lcia_methods
        .iter()
        .find(|m| m.id.id == "EF v3.1 | climate change | global warming potential (GWP100)")
        .expect("EF 3.1 climate change in Brightway")
        .clone();
    assert_eq!(brightway.factors.len(), 223);
    // Brightway's flows (biosphere3/<uuid>, named and categorized as in the JSON) agree with ecoinvent's
    // biosphere list: each maps by name and compartment onto the flow with the same UUID.
    let bw_flows: Vec<Flow> = lcia_json
        .dataset
        .flows
        .iter()
        .filter(|f| brightway.factors.iter().any(|cf| cf.flow.id == f.id.id))
        .cloned()
        .collect();
    let bw_to_ecoinvent = compute_flow_mapping(&bw_flows, &ecoinvent, &MappingOptions::default());
    assert!(bw_to_ecoinvent.unmapped.is_empty(), "{:?}", bw_to_ecoinvent.unmapped);
    for entry in &bw_to_ecoinvent.entries {
        assert_eq!(entry.source_flow.strip_prefix("biosphere3/"), Some(entry.target_flow.as_str()));
    }

    // The ILCD factors name their flows only by UUID and short description: synthesize the flows from it,
    // then map them onto every flow Brightway's LCIA JSON names (ecoinvent nomenclature).
    let ef_flows = flows_from_factor_references(std::slice::from_ref(&method), &ilcd.dataset.flows);
    let mapping = compute_flow_mapping(&ef_flows, &lcia_json.dataset.flows, &MappingOptions::default());
    check_golden("ef31_climate_change.mapping.tsv", &mapping.to_tsv());
    let comparison = compare_factors(&method, &brightway, &mapping, &ef_flows, 1e-9);
    check_golden("ef31_climate_change.comparison.txt", &comparison.to_text());

    // The main greenhouse gases meet in every air compartment with the same factor.
    for name in ["carbon dioxide (fossil)", "methane (fossil)", "nitrous oxide", "sulphur hexafluoride"] {
        let matched = comparison.matched.iter().filter(|p| p.source_name.eq_ignore_ascii_case(name)).count();
        assert!(matched >= 4, "{name}: {matched} matched factors");
    }
    assert!(comparison.matched.len() > comparison.differ.len());
    assert_eq!(
        comparison.matched.len()
            + comparison.differ.len()
            + comparison.missing_in_target.len()
            + comparison.unmapped.len(),
        1099
    );
}

#[test]
fn rules_apply_in_priority_order_with_their_confidence() {
    let flow = |id: &str, name: &str, cas: Option<&str>, compartment: &[&str]| Flow {
        id: EntityId::new(id, None),
        name: name.to_owned(),
        kind: Some(FlowKind::Elementary),
        cas: cas.map(str::to_owned),
        compartment: compartment.iter().map(|s| (*s).to_owned()).collect(),
        ..Flow::default()
    };
    let source = vec![
        flow("same", "Whatever", None, &["Air", "(unspecified)"]),
        flow("cas", "Benzene, pure", Some("000071-43-2"), &["Air", "high. pop."]),
        flow("name", "Methane (fossil)", None, &["Emissions to urban air close to ground"]),
        flow("syn", "nitrous oxide", None, &["Emissions to air, unspecified"]),
        flow("medium", "Ammonia", None, &["Emissions to air, indoor"]),
        flow("twice", "Lead", None, &["Emissions to air, unspecified"]),
        flow("none", "Unobtainium", None, &["Emissions to air, unspecified"]),
    ];
    let target = vec![
        flow("same", "Other name", None, &["air"]),
        flow("t-benzene", "Benzene", Some("71-43-2"), &["air", "urban air close to ground"]),
        flow("t-methane", "Methane, fossil", None, &["air", "urban air close to ground"]),
        flow("t-n2o", "Dinitrogen monoxide", None, &["air", "unspecified"]),
        flow("t-nh3", "Ammonia", None, &["air", "unspecified"]),
        flow("t-lead-1", "Lead", None, &["air", "unspecified"]),
        flow("t-lead-2", "Lead", None, &["air"]),
    ];
    let mapping = compute_flow_mapping(&source, &target, &MappingOptions::default());
    let rule = |s: &str| mapping.target_of(s).map(|e| (e.target_flow.as_str(), e.rule));
    assert_eq!(rule("same"), Some(("same", MappingRule::SameId)));
    assert_eq!(rule("cas"), Some(("t-benzene", MappingRule::CasCompartment)));
    assert_eq!(rule("name"), Some(("t-methane", MappingRule::NameCompartment)));
    assert_eq!(rule("syn"), Some(("t-n2o", MappingRule::SynonymCompartment)));
    assert_eq!(rule("medium"), Some(("t-nh3", MappingRule::NameMedium)));
    assert_eq!(mapping.target_of("cas").map(|e| e.confidence), Some(0.9));
    let unmapped: Vec<(&str, &str)> = mapping.unmapped.iter().map(|u| (u.flow.as_str(), u.reason.as_str())).collect();
    assert_eq!(unmapped, [("none", "no-match"), ("twice", "ambiguous:name-compartment")]);
    assert_eq!(mapping.unmapped[1].candidates, ["t-lead-1", "t-lead-2"]);
    // Mappings are plain data the store can version.
    let json = serde_json::to_string(&mapping).expect("serialize");
    let back: FlowMapping = serde_json::from_str(&json).expect("deserialize");
    assert_eq!(back, mapping);
}

#[test]
fn unmapped_flows_report_the_share_of_the_impact_they_miss() {
    let biosphere = |id: &str, amount: f64| Exchange {
        internal_id: id.to_owned(),
        flow: Reference::to(id),
        direction: Some(Direction::Output),
        kind: Some(ExchangeKind::Biosphere),
        amount: Some(amount),
        unit: Some("kg".to_owned()),
        ..Exchange::default()
    };
    let mut process = producer("p", "out", "kg", None, 1.0);
    process.exchanges.push(input("i", "x", "kg", 1.0));
    process.exchanges.push(biosphere("co2", 3.0));
    process.exchanges.push(biosphere("ch4-odd", 1.0));
    process.exchanges.push(biosphere("mystery", 5.0));
    let flow = |id: &str, name: &str, compartment: &str| Flow {
        id: EntityId::new(id, None),
        name: name.to_owned(),
        kind: Some(FlowKind::Elementary),
        compartment: vec![compartment.to_owned()],
        ..Flow::default()
    };
    let data = dataset(
        vec![process],
        vec![
            flow("co2", "Carbon dioxide, fossil", "air"),
            flow("ch4-odd", "Methane, fossil", "water"),
            flow("mystery", "Mystery", "air"),
        ],
    );
    let targets = vec![
        flow("t-co2", "Carbon dioxide (fossil)", "Emissions to air, unspecified"),
        flow("t-ch4", "methane (fossil)", "Emissions to air, unspecified"),
    ];
    let factor = |id: &str, value: f64| CharacterizationFactor {
        flow: Reference::to(id),
        direction: Some(Direction::Output),
        value,
        ..CharacterizationFactor::default()
    };
    let method = LciaMethod {
        id: EntityId::new("gwp", None),
        name: "GWP".to_owned(),
        factors: vec![factor("t-co2", 1.0), factor("t-ch4", 29.8)],
        ..LciaMethod::default()
    };
    let mapping = compute_flow_mapping(&data.flows, &targets, &MappingOptions::default());
    assert_eq!(mapping.entries.len(), 1);
    let losses = compute_unmapped_shares(&data, &mapping, &[method], &targets);
    let loss = &losses[0];
    assert_eq!(loss.characterized, 3.0);
    assert_eq!(loss.lost_estimate, 29.8);
    assert!((loss.share_lost - 29.8 / 32.8).abs() < 1e-12);
    assert_eq!((loss.n_flows_lost, loss.n_flows_without_estimate), (1, 1));
}
