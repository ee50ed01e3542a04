//! Unit conversion through unit groups and flow properties; unknown conversions are errors naming the exchange.

use crate::support::{dataset, input, producer, read_ilcd};
use ecoref_model::{Dataset, EntityId, Flow, FlowProperty, FlowPropertyFactor, Reference, Unit, UnitGroup};
use ecoref_transform::{Error, UnitTable};
use proptest::prelude::*;

fn group(id: &str, units: &[(&str, f64)]) -> UnitGroup {
    UnitGroup {
        id: EntityId::new(id, None),
        name: id.to_owned(),
        units: units
            .iter()
            .enumerate()
            .map(|(i, (name, factor))| Unit {
                internal_id: i.to_string(),
                name: (*name).to_owned(),
                factor: Some(*factor),
                is_reference: *factor == 1.0,
                comment: None,
            })
            .collect(),
        ..UnitGroup::default()
    }
}

fn units_dataset() -> Dataset {
    let mut data = dataset(vec![], vec![]);
    data.unit_groups = vec![
        group("mass", &[("kg", 1.0), ("t", 1000.0), ("g", 0.001), ("lb av", 0.45359237)]),
        group("energy", &[("MJ", 1.0), ("kWh", 3.6)]),
    ];
    data.flow_properties = vec![
        FlowProperty {
            id: EntityId::new("p-mass", None),
            unit_group: Some(Reference::to("mass")),
            ..FlowProperty::default()
        },
        FlowProperty {
            id: EntityId::new("p-energy", None),
            unit_group: Some(Reference::to("energy")),
            ..FlowProperty::default()
        },
    ];
    let factor = |property: &str, value: f64, reference: bool| FlowPropertyFactor {
        internal_id: property.to_owned(),
        flow_property: Reference::to(property),
        mean_value: Some(value),
        is_reference: reference,
    };
    data.flows = vec![Flow {
        id: EntityId::new("diesel", None),
        name: "Diesel".to_owned(),
        flow_properties: vec![factor("p-mass", 1.0, true), factor("p-energy", 42.8, false)],
        ..Flow::default()
    }];
    data
}

#[test]
fn conversions_go_through_unit_groups_and_flow_properties() {
    let data = units_dataset();
    let table = UnitTable::from_dataset(&data);
    assert_eq!(table.factor("t", "kg"), Some(1000.0));
    assert_eq!(table.factor("kilogram", "kg"), Some(1.0));
    assert_eq!(table.factor("kWh", "MJ"), Some(3.6));
    assert_eq!(table.factor("kg", "MJ"), None);
    // 2 t of diesel carry 2000 × 42.8 MJ.
    assert_eq!(table.convert_flow_amount(data.flow("diesel"), 2.0, "t", "MJ"), Some(2000.0 * 42.8));
}

#[test]
fn an_unknown_conversion_is_an_error_naming_the_exchange_never_a_factor_of_one() {
    let data = units_dataset();
    let table = UnitTable::from_dataset(&data);
    let mut process = producer("p", "out", "kg", None, 1.0);
    process.exchanges.push(input("7", "steel", "kg", 2.0));
    let exchange = &process.exchanges[1];
    assert_eq!(table.convert_exchange(&data, &process, exchange, "t").expect("kg → t"), 0.002);
    let error = table.convert_exchange(&data, &process, exchange, "m2").expect_err("kg → m2");
    assert!(matches!(error, Error::UnknownConversion { .. }));
    assert_eq!(error.to_string(), "process p, exchange 7: no known conversion from unit \"kg\" to unit \"m2\"");
}

#[test]
fn ilcd_unit_groups_of_the_tiangong_subset_convert() {
    let read = read_ilcd("ilcd/tiangong_subset/tiangong_subset_ILCD.zip");
    let table = UnitTable::from_dataset(&read.dataset);
    assert!(!table.is_empty());
    // Two mass groups disagree: the ILCD one (t = 1000 kg) and TianGong's ad38d542 whose meanValue is written
    // the other way round (t = 0.001). Without a group, "t → kg" is refused rather than guessed.
    assert_eq!(table.factor("t", "kg"), None);
    assert_eq!(table.factor_in_group("93a60a57-a4c8-11da-a746-0800200c9a66", "t", "kg"), Some(1000.0));
    assert_eq!(table.factor_in_group("ad38d542-3fe9-439d-9b95-2f5f7752acaf", "t", "kg"), Some(0.001));
    assert_eq!(table.factor("kWh", "MJ"), None);
    assert_eq!(table.factor("m3", "l"), Some(1000.0));
}

proptest! {
    #[test]
    fn conversions_round_trip(amount in -1e12f64..1e12, from in 0usize..4, to in 0usize..4) {
        let names = ["kg", "t", "g", "lb av"];
        let table = UnitTable::from_dataset(&units_dataset());
        let (from, to) = (names[from], names[to]);
        let there = table.convert_flow_amount(None, amount, from, to).expect("same group");
        let back = table.convert_flow_amount(None, there, to, from).expect("same group");
        prop_assert!((back - amount).abs() <= 1e-12 * amount.abs().max(1.0), "{amount} {from}→{to}→{from} = {back}");
    }
}
