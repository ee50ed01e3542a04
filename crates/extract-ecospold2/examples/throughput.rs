//! Throughput benchmark: replicates `v2_2.spold` N times with distinct activity and product ids into a temporary
//! ecoinvent-style release (`datasets/<activity>_<product>.spold`), reads it as a directory and as a zip, and
//! prints MB/s and activities/s.
//!
//! `cargo run --release -p ecoref-extract-ecospold2 --example throughput -- [N=2000]`

use ecoref_extract_ecospold2::{ReadOptions, read_path};
use std::io::Write;
use std::path::Path;
use std::time::Instant;

const ACTIVITY: &str = "ffed8e5b-8ecb-4a93-bc79-a1404afd9fcd";
const PRODUCT: &str = "118a9202-6b68-44aa-82b5-2c2bf5bc02cf";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = std::env::args().nth(1).map(|a| a.parse()).transpose()?.unwrap_or(2000);
    let template = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/ecospold2/pyecospold_ecoinvent/v2_2.spold"),
    )?;
    let temp = tempfile::tempdir()?;
    let datasets = temp.path().join("release/datasets");
    std::fs::create_dir_all(&datasets)?;
    let zip_path = temp.path().join("release.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path)?);
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut n_bytes = 0u64;
    for i in 0..n {
        let activity = format!("{:08x}-8ecb-4a93-bc79-a1404afd9fcd", i);
        let product = format!("{:08x}-6b68-44aa-82b5-2c2bf5bc02cf", i);
        let text = template.replace(ACTIVITY, &activity).replace(PRODUCT, &product);
        n_bytes += text.len() as u64;
        let name = format!("{activity}_{product}.spold");
        std::fs::write(datasets.join(&name), &text)?;
        zip.start_file(format!("datasets/{name}"), options)?;
        zip.write_all(text.as_bytes())?;
    }
    zip.finish()?;
    let mb = n_bytes as f64 / 1e6;
    println!("input: {n} data sets, {mb:.1} MB of XML");
    for (label, path) in [("directory", temp.path().join("release")), ("zip", zip_path)] {
        let start = Instant::now();
        let out = read_path(&path, &ReadOptions::default())?;
        let seconds = start.elapsed().as_secs_f64();
        let counts = out.dataset.counts();
        assert_eq!(counts.processes, n as u64);
        println!(
            "{label:>9}: {seconds:.2} s, {:.0} MB/s, {:.0} activities/s, {:.0} exchanges/s ({} exchanges, {} flows)",
            mb / seconds,
            n as f64 / seconds,
            counts.exchanges as f64 / seconds,
            counts.exchanges,
            counts.flows
        );
    }
    Ok(())
}
