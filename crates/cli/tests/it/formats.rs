//! Every reader through the CLI: each fixture file of a format imports (exit 0, or 1 when data sets were
//! rejected) or is refused as a whole (exit 2) leaving no row, and a second import of the same file is a no-op.

use crate::support::{Db, count_entity_rows, ecoref, repo_root};
use std::path::PathBuf;

/// One format's fixtures: the `ecoref import` subcommand, the fixture folder, which inputs to take, and the
/// inputs (relative to the folder) that must be refused as a whole.
pub(crate) struct FormatFixtures {
    pub(crate) subcommand: &'static str,
    pub(crate) folder: &'static str,
    pub(crate) inputs: fn(&std::path::Path) -> bool,
    pub(crate) refused: &'static [&'static str],
    /// An input whose re-import must be reported unchanged.
    pub(crate) reimport: &'static str,
    /// Directories (relative to the folder) imported as one input each.
    pub(crate) directories: &'static [&'static str],
    /// File names to fill with garbage: each must be refused with exit 2, naming the file, leaving no row.
    pub(crate) garbage: &'static [&'static str],
}

pub(crate) const SIMAPRO: FormatFixtures = FormatFixtures {
    subcommand: "simapro",
    folder: "tests/fixtures/simapro_csv",
    inputs: |p| matches!(p.extension().and_then(|e| e.to_str()), Some("csv") | Some("txt")),
    // Their header names another program ("Joe's LCA Software"): not SimaPro files.
    refused: &["bw2io_fixtures/invalid.txt", "bw_simapro_csv_fixtures/invalid.txt"],
    reimport: "ecobalyse_export/simapro_export.csv",
    directories: &[],
    garbage: &["garbage.csv"],
};

pub(crate) const BRIGHTWAY: FormatFixtures = FormatFixtures {
    subcommand: "brightway",
    folder: "tests/fixtures/brightway",
    inputs: |p| {
        !p.components().any(|c| c.as_os_str() == "bw_project")
            && matches!(p.extension().and_then(|e| e.to_str()), Some("csv" | "xlsx" | "bw2package" | "zip"))
    },
    refused: &[],
    reimport: "bw2io_lcia_json/lcia_39_ecoinvent.zip",
    directories: &["bw_project"],
    garbage: &["garbage.xlsx", "garbage.zip", "garbage.bw2package"],
};

fn extension_in(path: &std::path::Path, extensions: &[&str]) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| extensions.contains(&e))
}

pub(crate) const ECOSPOLD2: FormatFixtures = FormatFixtures {
    subcommand: "ecospold2",
    folder: "tests/fixtures/ecospold2",
    // The fake release is imported as one directory (datasets/ + MasterData/), like ecoinvent ships it.
    inputs: |p| {
        !p.components().any(|c| c.as_os_str() == "ecospold2matrix_fake_db")
            && extension_in(p, &["spold", "xml", "zip", "7z"])
    },
    refused: &[],
    reimport: "uslci_openlca_export_defective/uslci_fy18_q3_01_olca1_7_2.ecospold2.zip",
    directories: &["ecospold2matrix_fake_db", "volca_synthetic_edge"],
    garbage: &["garbage.zip", "garbage.7z", "garbage.spold"],
};

pub(crate) const JSONLD: FormatFixtures = FormatFixtures {
    subcommand: "jsonld",
    folder: "tests/fixtures/olca_jsonld",
    inputs: |p| extension_in(p, &["zip"]),
    refused: &[],
    reimport: "bw2io_fixture_beef-cattle-finishing.zip",
    directories: &["bw2io_fixture_AWARE", "flcac_ipcc_method", "olca_schema_examples"],
    garbage: &["garbage.zip"],
};

pub(crate) const ECOBALYSE: FormatFixtures = FormatFixtures {
    subcommand: "ecobalyse",
    folder: "tests/fixtures/ecobalyse",
    inputs: |p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("processes")),
    refused: &[],
    reimport: "processes.json",
    directories: &[],
    garbage: &["processes.json"],
};

fn files_under(folder: &std::path::Path, keep: fn(&std::path::Path) -> bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![folder.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read fixture folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if keep(&path) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

pub(crate) async fn check_format_fixtures(db: &Db, format: &FormatFixtures) {
    let folder = repo_root().join(format.folder);
    let mut inputs = files_under(&folder, format.inputs);
    inputs.extend(format.directories.iter().map(|d| folder.join(d)));
    assert!(!inputs.is_empty(), "no fixtures under {}", folder.display());
    for (i, path) in inputs.iter().enumerate() {
        let relative = path.strip_prefix(&folder).expect("under folder").to_string_lossy().into_owned();
        let source = format!("{}-{i}", format.subcommand);
        let before = count_entity_rows(db).await;
        let out = ecoref(db, &["import", format.subcommand, path.to_str().expect("utf-8"), "--source", &source]);
        if format.refused.contains(&relative.as_str()) {
            assert_eq!(out.code, 2, "{relative} should be refused: {}\n{}", out.stdout, out.stderr);
            assert!(out.stderr.contains(&relative), "{relative}: error does not name the file: {}", out.stderr);
            assert_eq!(count_entity_rows(db).await, before, "{relative} was refused but wrote rows");
        } else {
            assert!(out.code == 0 || out.code == 1, "{relative}: exit {}\n{}\n{}", out.code, out.stdout, out.stderr);
        }
    }
    let scratch = tempfile::tempdir().expect("tempdir");
    for name in format.garbage {
        let path = scratch.path().join(name);
        // Deterministic junk: not a valid container, document or table of any format.
        let junk: Vec<u8> = (0u32..4096).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        std::fs::write(&path, &junk).expect("write garbage");
        let before = count_entity_rows(db).await;
        let out = ecoref(db, &["import", format.subcommand, path.to_str().expect("utf-8"), "--source", "garbage"]);
        assert_eq!(out.code, 2, "{name}: {}\n{}", out.stdout, out.stderr);
        assert!(out.stderr.contains(name), "{name}: error does not name the file: {}", out.stderr);
        assert_eq!(count_entity_rows(db).await, before, "{name} wrote rows");
    }
    let path = folder.join(format.reimport);
    let args = ["import", format.subcommand, path.to_str().expect("utf-8"), "--source", "again"];
    let first = ecoref(db, &args);
    assert!(first.code == 0 || first.code == 1, "{}", first.stderr);
    let rows = count_entity_rows(db).await;
    let second = ecoref(db, &args);
    assert!(second.stdout.contains("unchanged"), "{}", second.stdout);
    assert_eq!(count_entity_rows(db).await, rows);
}
