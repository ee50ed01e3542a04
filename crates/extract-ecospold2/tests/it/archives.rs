//! Containers: the same release as a directory, a zip and a 7z archive reads the same; the 7z fixture checked in
//! under tests/fixtures/ecospold2/fake_db.7z is made by `7z a` (see PROVENANCE.md) and this file's builder.

use crate::support::{self, dump, fixture};
use ecoref_extract_ecospold2::{ReadOptions, read_7z, read_path, read_path_with_progress, read_zip};
use std::io::Cursor;
use std::path::Path;

/// The fake_db release files as (name relative to the release, bytes), sorted.
fn release_files() -> Vec<(String, Vec<u8>)> {
    let root = fixture("ecospold2matrix_fake_db");
    let mut files = Vec::new();
    for sub in ["MasterData", "datasets"] {
        for entry in std::fs::read_dir(root.join(sub)).expect("dir") {
            let path = entry.expect("entry").path();
            let name = format!("{sub}/{}", path.file_name().expect("name").to_string_lossy());
            files.push((name, std::fs::read(&path).expect("read")));
        }
    }
    files.sort();
    files
}

/// Builds a 7z archive of `files` with sevenz-rust2's writer (LZMA2, solid).
fn build_7z(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut writer = sevenz_rust2::ArchiveWriter::new(Cursor::new(Vec::new())).expect("7z writer");
    for (name, bytes) in files {
        let entry = sevenz_rust2::ArchiveEntry::new_file(name);
        writer.push_archive_entry(entry, Some(Cursor::new(bytes.clone()))).expect("push entry");
    }
    writer.finish().expect("finish 7z").into_inner()
}

/// Builds a zip of `files`, in reverse order (the reader sorts entries by name).
fn build_zip(files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let entries: Vec<(&str, &[u8])> =
        files.iter().rev().map(|(name, bytes)| (name.as_str(), bytes.as_slice())).collect();
    support::build_zip(&entries)
}

/// The dump without diagnostics (whose file names name the container).
fn content(out: &ecoref_extract_ecospold2::ReadOutput) -> String {
    dump(out).lines().filter(|l| !l.starts_with("diagnostic")).collect::<Vec<_>>().join("\n")
}

#[test]
fn directory_zip_and_7z_of_one_release_read_the_same() {
    let from_dir = read_path(&fixture("ecospold2matrix_fake_db"), &ReadOptions::default()).expect("dir");
    let files = release_files();
    let from_zip = read_zip("fake.zip", Cursor::new(build_zip(&files)), &ReadOptions::default()).expect("zip");
    let from_7z = read_7z("fake.7z", Cursor::new(build_7z(&files)), &ReadOptions::default()).expect("7z");
    assert_eq!(from_dir.dataset.counts().processes, 3);
    assert_eq!(content(&from_dir), content(&from_zip));
    assert_eq!(content(&from_dir), content(&from_7z));
    assert_eq!(from_dir.dataset, from_7z.dataset);
    assert_eq!(from_7z.n_entries_read, 6);
}

#[test]
fn checked_in_7z_made_by_p7zip_reads_like_the_directory() {
    let path = fixture("fake_db.7z");
    let mut n_progress = 0;
    let from_7z = read_path_with_progress(&path, &ReadOptions::default(), &mut |_| n_progress += 1).expect("7z");
    let from_dir = read_path(&fixture("ecospold2matrix_fake_db"), &ReadOptions::default()).expect("dir");
    assert_eq!(from_7z.dataset, from_dir.dataset);
    assert_eq!(n_progress, 7);
    assert!(Path::new(&path).metadata().expect("size").len() < 20_000);
}

#[test]
fn corrupt_7z_is_an_error() {
    let mut bytes = build_7z(&release_files());
    let len = bytes.len();
    for b in bytes.iter_mut().skip(40).take(len.saturating_sub(80)) {
        *b ^= 0x5a;
    }
    assert!(read_7z("corrupt.7z", Cursor::new(bytes), &ReadOptions::default()).is_err());
    assert!(read_7z("tiny.7z", Cursor::new(b"7z\xbc\xaf\x27\x1c".to_vec()), &ReadOptions::default()).is_err());
}
