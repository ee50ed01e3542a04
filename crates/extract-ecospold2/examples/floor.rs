//! The floor of the two passes an EcoSpold2 import makes over its input (docs/benchmarks.md, issue 3, eighth
//! pass): read every file and sha256 it (what the import does before its run starts), then read every file and
//! run quick-xml's tokenizer over it, keeping nothing (the least any parse can do). Both passes run on as many
//! threads as the import uses (up to 4, taking the files in turn), so their times set against the import's
//! phases say how much of each phase is the unavoidable part.
//!
//! ```text
//! cargo run --release -p ecoref-extract-ecospold2 --example floor -- <release directory>
//! ```

use ecoref_extract_support::{WalkStep, walk_dir};
use quick_xml::events::Event;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(root) = std::env::args_os().nth(1) else {
        return Err("usage: floor <directory of .spold files>".into());
    };
    // Every file below the root, as the reader walks a release directory (sorted by path).
    let files = walk_dir(Path::new(&root), "the release", u64::MAX, |_, _, file_type| {
        if file_type.is_dir() { WalkStep::Descend } else { WalkStep::Take }
    })
    .map_err(ecoref_extract_ecospold2::Error::from)?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4);
    println!("{} files, {threads} threads", files.len());

    let cpu = cpu_seconds();
    let (seconds, bytes) = on_threads(&files, threads, |bytes| {
        std::hint::black_box(Sha256::digest(bytes));
        Ok(())
    })?;
    report("read + sha256", seconds, bytes, cpu);

    let cpu = cpu_seconds();
    let (seconds, bytes) = on_threads(&files, threads, |bytes| {
        let mut reader = quick_xml::Reader::from_reader(bytes);
        let mut events = 0u64;
        loop {
            match reader.read_event()? {
                Event::Eof => break,
                event => {
                    std::hint::black_box(&event);
                    events += 1;
                }
            }
        }
        std::hint::black_box(events);
        Ok(())
    })?;
    report("read + tokenize (quick-xml events)", seconds, bytes, cpu);
    Ok(())
}

/// Reads every file and hands its bytes to `work` on `threads` threads; the wall time and the bytes read.
fn on_threads<W>(files: &[PathBuf], threads: usize, work: W) -> Result<(f64, u64), Box<dyn std::error::Error>>
where
    W: Fn(&[u8]) -> Result<(), quick_xml::Error> + Sync,
{
    let work = &work;
    let next = AtomicUsize::new(0);
    let start = Instant::now();
    let totals: Vec<Result<u64, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut total = 0u64;
                    while let Some(path) = files.get(next.fetch_add(1, Ordering::Relaxed)) {
                        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
                        work(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
                        total += bytes.len() as u64;
                    }
                    Ok(total)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("a thread panicked".to_owned()))).collect()
    });
    let seconds = start.elapsed().as_secs_f64();
    let mut bytes = 0;
    for total in totals {
        bytes += total?;
    }
    Ok((seconds, bytes))
}

/// Prints a pass's wall time, throughput and CPU time (user + system, all threads, when Linux tells it).
fn report(pass: &str, seconds: f64, bytes: u64, cpu_before: Option<f64>) {
    let mb = bytes as f64 / 1e6;
    let cpu = match (cpu_before, cpu_seconds()) {
        (Some(before), Some(after)) => format!(", CPU {:.2} s", after - before),
        _ => String::new(),
    };
    println!("{pass}: {seconds:.2} s for {mb:.0} MB ({:.0} MB/s){cpu}", mb / seconds);
}

/// User + system CPU time of this process so far, from `/proc/self/stat` (in clock ticks of 1/100 s, the
/// Linux default); `None` elsewhere.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces): utime and stime are the
    // 12th and 13th.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
    Some((ticks(11)? + ticks(12)?) as f64 / 100.0)
}
