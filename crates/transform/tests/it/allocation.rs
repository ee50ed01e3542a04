//! Allocation of multi-output processes by source factors or by an exchange property.

use crate::support::{dataset, input, producer};
use ecoref_model::{AllocationFactor, Direction, Exchange, ExchangeKind, PropertyValue, Reference};
use ecoref_transform::{AllocationOptions, compute_allocation};

fn co_product(internal_id: &str, flow: &str, amount: f64, price: Option<f64>) -> Exchange {
    Exchange {
        internal_id: internal_id.to_owned(),
        flow: Reference::to(flow),
        direction: Some(Direction::Output),
        kind: Some(ExchangeKind::Production),
        is_reference: true,
        amount: Some(amount),
        unit: Some("kg".to_owned()),
        properties: price
            .map(|p| {
                vec![PropertyValue {
                    property: Reference {
                        id: "price-id".to_owned(),
                        version: None,
                        description: Some("price".to_owned()),
                    },
                    amount: Some(p),
                    unit: Some("EUR2005".to_owned()),
                    is_defining: false,
                }]
            })
            .unwrap_or_default(),
        ..Exchange::default()
    }
}

#[test]
fn source_factors_and_properties_split_multi_output_processes() {
    // SimaPro-style: 60 % / 40 % given by the source.
    let mut by_factors = producer("mill", "flour", "kg", None, 1.0);
    by_factors.exchanges =
        vec![co_product("1", "flour", 0.8, None), co_product("2", "bran", 0.2, None), input("3", "wheat", "kg", 1.0)];
    by_factors.allocation = vec![
        AllocationFactor { product: "1".to_owned(), method: Some("economic".to_owned()), fraction: 0.6 },
        AllocationFactor { product: "2".to_owned(), method: Some("economic".to_owned()), fraction: 0.4 },
    ];
    // EcoSpold2-style: by price: 2 × 3 vs 1 × 6 → 50 % / 50 %.
    let mut by_price = producer("refinery", "petrol", "kg", None, 1.0);
    by_price.exchanges = vec![
        co_product("a", "petrol", 2.0, Some(3.0)),
        co_product("b", "diesel", 1.0, Some(6.0)),
        input("c", "crude", "kg", 4.0),
    ];
    // No factors, no property on one product: listed, kept as is.
    let mut stuck = producer("stuck", "x", "kg", None, 1.0);
    stuck.exchanges = vec![co_product("a", "x", 1.0, Some(1.0)), co_product("b", "y", 1.0, None)];
    let single = producer("single", "z", "kg", None, 1.0);
    let data = dataset(vec![by_factors, by_price, stuck, single], vec![]);

    let output = compute_allocation(&data, &AllocationOptions { method: None, property: Some("price".to_owned()) });
    let ids: Vec<&str> = output.dataset.processes.iter().map(|p| p.id.id.as_str()).collect();
    assert_eq!(ids, ["mill#bran", "mill#flour", "refinery#diesel", "refinery#petrol", "single", "stuck"]);
    let wheat = |id: &str| {
        output
            .dataset
            .process(id)
            .and_then(|p| p.exchanges.iter().find(|e| e.internal_id == "3"))
            .and_then(|e| e.amount)
    };
    assert_eq!(wheat("mill#flour"), Some(0.6));
    assert_eq!(wheat("mill#bran"), Some(0.4));
    let petrol = output.dataset.process("refinery#petrol").expect("petrol");
    assert_eq!(petrol.reference_exchanges().count(), 1);
    assert_eq!(petrol.exchanges.iter().find(|e| e.internal_id == "c").and_then(|e| e.amount), Some(2.0));
    assert_eq!(petrol.metadata.get("allocation_basis").map(String::as_str), Some("property:price"));
    assert_eq!(output.not_allocated.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["stuck"]);
    assert_eq!(output.diagnostics.len(), 1);
    assert_eq!(output.diagnostics[0].code, "allocation.missing-factor");

    // Without a property, the refinery cannot be allocated either.
    let strict = compute_allocation(&data, &AllocationOptions::default());
    assert_eq!(strict.not_allocated.len(), 2);
    assert!(strict.diagnostics.iter().any(|d| d.code == "allocation.no-factors"));
}
