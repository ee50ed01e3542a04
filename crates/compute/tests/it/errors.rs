//! Validation errors name the matrix entry or the activity.

use ecoref_compute::{Error, MatrixName, System, factorize, score_product};

fn system(technosphere: Vec<(usize, usize, f64)>) -> System {
    let n = technosphere.iter().map(|&(r, c, _)| r.max(c) + 1).max().unwrap_or(0);
    System {
        activities: (0..n).map(|i| format!("act{i}")).collect(),
        flows: vec!["co2".into()],
        categories: vec!["gwp".into()],
        technosphere,
        biosphere: vec![(0, 0, 1.0)],
        characterization: vec![(0, 0, 1.0)],
    }
}

#[test]
fn empty_column_names_the_activity() {
    let mut s = system(vec![(0, 0, 1.0), (0, 1, -0.5)]);
    s.activities.push("act2".into());
    let err = factorize(&s).unwrap_err();
    assert_eq!(err, Error::EmptyColumn { activity_idx: 2, activity: "act2".into() });
    assert_eq!(err.to_string(), "technosphere column of activity 2 (\"act2\") is empty");
}

#[test]
fn singular_loop_names_the_activity() {
    // Two activities that each produce one unit while using one unit of the other.
    let s = system(vec![(0, 0, 1.0), (1, 1, 1.0), (0, 1, -1.0), (1, 0, -1.0)]);
    match factorize(&s).unwrap_err() {
        Error::Singular { n_block, activity, .. } => {
            assert_eq!(n_block, 2);
            assert!(activity.starts_with("act"));
        }
        other => panic!("unexpected {other}"),
    }
}

#[test]
fn zero_production_is_singular() {
    let s = system(vec![(0, 0, 0.0), (1, 1, 1.0), (0, 1, -1.0)]);
    assert_eq!(factorize(&s).unwrap_err(), Error::Singular { activity_idx: 0, activity: "act0".into(), n_block: 1 });
}

#[test]
fn out_of_range_and_non_finite_entries_are_errors() {
    let mut s = system(vec![(0, 0, 1.0)]);
    s.biosphere.push((3, 0, 1.0));
    assert!(matches!(
        factorize(&s).unwrap_err(),
        Error::IndexOutOfRange { matrix: MatrixName::Biosphere, entry: 1, row: 3, .. }
    ));
    let s = system(vec![(0, 0, f64::NAN)]);
    assert!(matches!(factorize(&s).unwrap_err(), Error::NotFinite { matrix: MatrixName::Technosphere, .. }));
}

#[test]
fn wrong_lengths_and_items_are_errors() {
    let f = factorize(&system(vec![(0, 0, 2.0)])).unwrap();
    assert!(matches!(f.solve(&[1.0, 2.0]).unwrap_err(), Error::LengthMismatch { what: "demand", .. }));
    assert!(matches!(f.process_contributions(&[]).unwrap_err(), Error::LengthMismatch { what: "supply", .. }));
    assert!(matches!(f.flow_contributions(&[1.0; 9]).unwrap_err(), Error::LengthMismatch { what: "inventory", .. }));
    let matrix = f.all_process_impacts();
    assert_eq!(score_product(&matrix, &[(0, 3.0)]).unwrap(), vec![1.5]);
    assert!(matches!(score_product(&matrix, &[(1, 1.0)]).unwrap_err(), Error::ItemOutOfRange { item: 0, .. }));
}

#[test]
fn off_diagonal_pivot_in_a_loop() {
    // Producers on the anti-diagonal of a loop: the LU must pivot off the (zero) diagonal.
    let s = system(vec![(0, 0, 0.0), (1, 0, 1.0), (0, 1, 1.0), (1, 1, 0.0)]);
    let f = factorize(&s).unwrap();
    let supply = f.solve(&[1.0, 2.0]).unwrap();
    assert_eq!(supply, vec![2.0, 1.0]);
}
