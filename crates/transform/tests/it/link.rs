//! Technosphere linking on real releases (golden link tables) and on hand-built datasets (rules, ambiguity,
//! dependencies, determinism).

use crate::support::{check_golden, dataset, fixture, input, producer, product, read_ilcd};
use ecoref_model::{Dataset, Diagnostic, Reference};
use ecoref_transform::{LinkOptions, LinkOutput, LinkRule, compute_links};
use proptest::prelude::*;

fn codes(output: &LinkOutput, code: &str) -> Vec<Diagnostic> {
    output.diagnostics.iter().filter(|d| d.code == code).cloned().collect()
}

#[test]
fn tiangong_subset_link_table_is_exact_and_reports_the_dangling_references() {
    let read = read_ilcd("ilcd/tiangong_subset/tiangong_subset_ILCD.zip");
    let output = compute_links(&read.dataset, &[], &LinkOptions::default());
    check_golden("tiangong_subset.links.tsv", &output.table.to_tsv());
    check_golden("tiangong_subset.unresolved.tsv", &output.unresolved_to_tsv());
    // The four flows the subset does not ship (two of them not even UUIDs): the two inputs are unlinked, the two
    // reference products are reported as dangling.
    for dangling in ["catalyzer", "a7874ebf-7f49-4391-a02d-061c4f976c8d"] {
        assert!(output.unresolved.iter().any(|u| u.flow == dangling && !u.ambiguous), "{dangling} should be unlinked");
        assert!(codes(&output, "link.unlinked").iter().any(|d| d.message.contains(dangling)));
    }
    let products = codes(&output, "link.dangling-reference-product");
    for dangling in ["vitrified brick", "f184f1bd-335d-47b6-a04e-5916dcc7d7f7"] {
        assert!(products.iter().any(|d| d.message.contains(dangling)), "{dangling} should be reported");
    }
    assert_eq!(products.len(), 2);
    assert_eq!(output.n_linked() + output.n_unlinked() + output.n_ambiguous(), output.n_technosphere);
    assert_eq!(codes(&output, "link.unlinked").len() as u64, output.n_unlinked());
    assert!(output.table.links.iter().all(|l| l.rule == LinkRule::ReferenceFlow && l.provider_dataset.is_none()));
}

#[test]
fn ecospold2matrix_fake_db_links_every_exchange_to_its_activity_link() {
    let read = ecoref_extract_ecospold2::read_path(
        &fixture("ecospold2/ecospold2matrix_fake_db"),
        &ecoref_extract_ecospold2::ReadOptions::default(),
    )
    .expect("read fake db");
    let output = compute_links(&read.dataset, &[], &LinkOptions::default());
    check_golden("ecospold2matrix_fake_db.links.tsv", &output.table.to_tsv());
    check_golden("ecospold2matrix_fake_db.unresolved.tsv", &output.unresolved_to_tsv());
    assert_eq!((output.n_technosphere, output.n_linked()), (4, 4));
    // extract-ecospold2 already writes the provider as `<activityLinkId>_<product>`, the provider's process id.
    assert!(output.table.links.iter().all(|l| matches!(l.rule, LinkRule::ProviderId | LinkRule::ActivityLink)));
    assert!(output.diagnostics.is_empty(), "{:?}", output.diagnostics);
}

#[test]
fn ecobalyse_simapro_export_links_by_product_name_and_lists_what_it_does_not_ship() {
    let read = ecoref_extract_simapro::read_path(
        &fixture("simapro_csv/ecobalyse_export/simapro_export.csv"),
        &ecoref_extract_simapro::ReadOptions::default(),
    )
    .expect("read ecobalyse export");
    let output = compute_links(&read.dataset, &[], &LinkOptions::default());
    check_golden("ecobalyse_export.links.tsv", &output.table.to_tsv());
    check_golden("ecobalyse_export.unresolved.tsv", &output.unresolved_to_tsv());
    assert_eq!(output.n_linked() + output.n_unlinked() + output.n_ambiguous(), output.n_technosphere);
    assert!(output.n_linked() > 0);
    // The ecoinvent processes the export only names (electricity, transport…) are not in it: unlinked.
    assert!(output.unresolved.iter().any(|u| u.flow_name.starts_with("Electricity, low voltage {FR}| market for")));
    assert!(codes(&output, "link.dangling-provider").is_empty());
    assert_eq!(codes(&output, "link.unlinked").len() as u64, output.n_unlinked());
}

#[test]
fn provider_rules_come_first_then_reference_flow_then_product_name() {
    let mut consumer = producer("consumer", "out", "kg", None, 1.0);
    consumer.exchanges.push(Exchange { provider: Some(Reference::to("p1")), ..input("1", "steel", "kg", 2.0) });
    consumer.exchanges.push(input("2", "steel", "kg", 3.0));
    consumer.exchanges.push(input("3", "steel-by-name", "kg", 3.0));
    let mut activity = producer("act_steel", "steel", "kg", None, 1.0);
    activity.metadata.insert("activity_id".to_owned(), "act".to_owned());
    let mut by_activity = consumer.clone();
    by_activity.id.id = "consumer2".to_owned();
    by_activity.exchanges = vec![Exchange { provider: Some(Reference::to("act")), ..input("1", "steel", "kg", 2.0) }];
    let flows = vec![
        product("steel", "Steel"),
        product("steel-by-name", "Steel, hot rolled"),
        product("hr", "Steel, hot rolled"),
    ];
    let data = dataset(
        vec![
            consumer,
            by_activity,
            producer("p1", "steel", "kg", None, 1.0),
            activity,
            producer("hot", "hr", "kg", None, 1.0),
        ],
        flows,
    );
    let output = compute_links(&data, &[], &LinkOptions::default());
    let rule_of = |p: &str, e: &str| output.table.find(p, e).map(|l| (l.provider.id.clone(), l.rule));
    assert_eq!(rule_of("consumer", "1"), Some(("p1".to_owned(), LinkRule::ProviderId)));
    assert_eq!(rule_of("consumer2", "1"), Some(("act_steel".to_owned(), LinkRule::ActivityLink)));
    // Two processes produce "steel": ambiguous, both listed, no pick.
    assert_eq!(rule_of("consumer", "2"), None);
    let ambiguous = codes(&output, "link.ambiguous");
    assert_eq!(ambiguous.len(), 1);
    assert!(ambiguous[0].message.contains("act_steel") && ambiguous[0].message.contains("p1"));
    assert_eq!(rule_of("consumer", "3"), Some(("hot".to_owned(), LinkRule::ProductName)));
}

use ecoref_model::Exchange;

#[test]
fn fallbacks_use_name_unit_location_then_name_unit_and_then_dependencies() {
    let mut consumer = producer("consumer", "out", "kg", Some("FR"), 1.0);
    consumer.exchanges.push(Exchange { location: Some("FR".to_owned()), ..input("1", "local-elec", "kWh", 2.0) });
    consumer.exchanges.push(input("2", "local-gas", "MJ", 2.0));
    consumer.exchanges.push(input("3", "local-water", "kg", 2.0));
    consumer.exchanges.push(input("4", "local-water-wrong-unit", "m3", 2.0));
    let own = dataset(
        vec![consumer],
        vec![
            product("local-elec", "electricity, low  voltage"),
            product("local-gas", "natural gas"),
            product("local-water", "tap water"),
            product("local-water-wrong-unit", "Tap  water"),
        ],
    );
    let dep = dataset(
        vec![
            producer("elec-fr", "e-fr", "kWh", Some("FR"), 1.0),
            producer("elec-de", "e-de", "kWh", Some("DE"), 1.0),
            producer("gas", "g", "MJ", Some("RER"), 1.0),
            producer("water", "w", "kg", Some("CH"), 1.0),
        ],
        vec![
            product("e-fr", "Electricity, low voltage"),
            product("e-de", "Electricity, low voltage"),
            product("g", "Natural gas"),
            product("w", "Tap water"),
        ],
    );
    let output = compute_links(&own, &[("ecoinvent@3.9", &dep)], &LinkOptions::default());
    let link = |e: &str| {
        output.table.find("consumer", e).map(|l| (l.provider.id.as_str(), l.rule, l.provider_dataset.as_deref()))
    };
    assert_eq!(link("1"), Some(("elec-fr", LinkRule::NameUnitLocation, Some("ecoinvent@3.9"))));
    assert_eq!(link("2"), Some(("gas", LinkRule::NameUnit, Some("ecoinvent@3.9"))));
    assert_eq!(link("3"), Some(("water", LinkRule::NameUnit, Some("ecoinvent@3.9"))));
    assert_eq!(link("4"), None);
    let unlinked = codes(&output, "link.unlinked");
    assert_eq!(unlinked.len(), 1);
    assert!(unlinked[0].message.contains("ecoinvent@3.9:water"), "hint lists the same-name provider: {}", unlinked[0]);
    // Without fallbacks, nothing links by name.
    let strict = compute_links(&own, &[("ecoinvent@3.9", &dep)], &LinkOptions { fallbacks: vec![] });
    assert_eq!(strict.n_linked(), 0);
    assert_eq!(strict.n_unlinked(), 4);
}

#[test]
fn a_named_provider_that_does_not_exist_is_reported_even_when_another_rule_links() {
    let mut consumer = producer("consumer", "out", "kg", None, 1.0);
    consumer.exchanges.push(Exchange { provider: Some(Reference::to("gone")), ..input("1", "steel", "kg", 2.0) });
    let data = dataset(vec![consumer, producer("p1", "steel", "kg", None, 1.0)], vec![]);
    let output = compute_links(&data, &[], &LinkOptions::default());
    assert_eq!(output.table.find("consumer", "1").map(|l| l.rule), Some(LinkRule::ReferenceFlow));
    assert_eq!(codes(&output, "link.dangling-provider").len(), 1);
}

fn shuffled_dataset(order: &[usize]) -> Dataset {
    let mut processes = Vec::new();
    for i in 0..6usize {
        let mut p = producer(&format!("p{i}"), &format!("f{i}"), "kg", Some(if i % 2 == 0 { "FR" } else { "DE" }), 1.0);
        for j in 0..6usize {
            if j != i {
                p.exchanges.push(input(&format!("x{j}"), &format!("f{}", j % 4), "kg", j as f64));
            }
        }
        processes.push(p);
    }
    let processes: Vec<_> = order.iter().filter_map(|&i| processes.get(i).cloned()).collect();
    Dataset { processes, ..Dataset::default() }
}

proptest! {
    #[test]
    fn linking_does_not_depend_on_input_order(order in Just((0..6usize).collect::<Vec<_>>()).prop_shuffle()) {
        let reference = compute_links(&shuffled_dataset(&[0, 1, 2, 3, 4, 5]), &[], &LinkOptions::default());
        let shuffled = compute_links(&shuffled_dataset(&order), &[], &LinkOptions::default());
        prop_assert_eq!(reference.table.to_tsv(), shuffled.table.to_tsv());
        prop_assert_eq!(reference.unresolved_to_tsv(), shuffled.unresolved_to_tsv());
        prop_assert_eq!(reference.diagnostics, shuffled.diagnostics);
    }
}
