//! Shared helpers: reading the CSV test systems and checking golden files.

use ecoref_compute::System;
use std::path::{Path, PathBuf};

pub(crate) fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read_triplets(path: &Path) -> Vec<(usize, usize, f64)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .skip(1)
        .filter(|line| !line.is_empty())
        .map(|line| {
            let mut fields = line.split(',');
            let mut next = || fields.next().unwrap_or_else(|| panic!("{}: short line {line:?}", path.display()));
            let row = next().parse().expect("row");
            let col = next().parse().expect("col");
            let value = next().parse().expect("value");
            (row, col, value)
        })
        .collect()
}

/// Reads a system written by `examples/write_test_systems.rs`.
pub(crate) fn read_system(name: &str) -> System {
    let dir = crate_dir().join("tests/bw2calc/systems").join(name);
    let shape = std::fs::read_to_string(dir.join("shape.csv")).expect("shape.csv");
    let sizes: Vec<usize> =
        shape.lines().nth(1).expect("shape row").split(',').map(|s| s.parse().expect("size")).collect();
    let [n_activities, n_flows, n_categories] = sizes[..] else { panic!("bad shape {shape:?}") };
    System {
        activities: (0..n_activities).map(|i| format!("activity-{i}")).collect(),
        flows: (0..n_flows).map(|i| format!("flow-{i}")).collect(),
        categories: (0..n_categories).map(|i| format!("category-{i}")).collect(),
        technosphere: read_triplets(&dir.join("technosphere.csv")),
        biosphere: read_triplets(&dir.join("biosphere.csv")),
        characterization: read_triplets(&dir.join("characterization.csv")),
    }
}

/// Compares `actual` with the golden file, or rewrites it when `UPDATE_EXPECT=1`.
pub(crate) fn check_golden(relative: &str, actual: &str) {
    let path = crate_dir().join(relative);
    if std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, actual).expect("write golden");
        return;
    }
    let expected =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_EXPECT=1)", path.display()));
    if expected != actual {
        let first = expected.lines().zip(actual.lines()).position(|(a, b)| a != b);
        panic!(
            "{} differs (first differing line {first:?}); rerun with UPDATE_EXPECT=1 and review the diff",
            path.display()
        );
    }
}
