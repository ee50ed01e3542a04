//! Scratch profiler (temporary): times read, content hash and load of an EcoSpold2 release.
use ecoref_store::{InputFile, LoadOptions, NewRun, Store};
use std::time::Instant;

fn rss_mib() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status.lines().filter(|l| l.starts_with("VmHWM") || l.starts_with("VmRSS")).collect::<Vec<_>>().join(" ")
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args.next().ok_or("url")?;
    let path = std::path::PathBuf::from(args.next().ok_or("path")?);
    let t = Instant::now();
    let out = ecoref_extract_ecospold2::read_path_packed(&path, &Default::default())?;
    eprintln!(
        "read {:.2} s, packed {} MB, {}",
        t.elapsed().as_secs_f64(),
        out.dataset.packed_bytes() / 1_000_000,
        rss_mib()
    );
    let store = Store::connect(&url).await?;
    let salt = format!("{:x}", std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_nanos());
    let run = store
        .start_run(&NewRun {
            source_name: "bench".into(),
            pipeline: None,
            reader_name: "x".into(),
            reader_version: "0".into(),
            options: String::new(),
            inputs: vec![InputFile { name: salt.clone(), sha256: salt, size_bytes: 0, url: None, licence_class: None }],
        })
        .await?;
    let t = Instant::now();
    let outcome = store.load(run, "bench", &out.dataset, &out.diagnostics, 0, &LoadOptions::default()).await?;
    eprintln!("load {:.2} s {:?} {}", t.elapsed().as_secs_f64(), outcome.dataset_version(), rss_mib());
    Ok(())
}
