//! Scratch (temporary): times `read_path_packed` on a path.
use std::time::Instant;
fn main() {
    let path = std::path::PathBuf::from(std::env::args().nth(1).expect("path"));
    let t = Instant::now();
    let out = ecoref_extract_ecospold2::read_path_packed(&path, &Default::default()).expect("reads");
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let hwm = status.lines().find(|l| l.starts_with("VmHWM")).unwrap_or_default().to_owned();
    eprintln!(
        "read {:.2} s {:?} packed {} MB {hwm}",
        t.elapsed().as_secs_f64(),
        out.dataset.counts().exchanges,
        out.dataset.packed_bytes() / 1_000_000
    );
}
