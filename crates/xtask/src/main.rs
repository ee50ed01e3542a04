//! `cargo xtask <task>`: the two README commands (`demo`, `test`) and the fuzz runner, in plain Rust so a
//! fresh machine needs nothing but cargo.

mod bench;
mod bench_release;

use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Duration;

const DEFAULT_TEST_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("demo") => demo(&args[1..]),
        Some("test") => test(&args[1..]),
        Some("fuzz") => fuzz(&args[1..]),
        Some("bench") => bench::bench(&args[1..]),
        _ => {
            eprintln!(
                "usage: cargo xtask <task>\n\n\
                 tasks:\n  \
                 demo            build ecoref and import the bundled ILCD sample into .ecoref/\n  \
                 test            fmt check, clippy, then every test (PostgreSQL ones when a server answers)\n  \
                 fuzz T [SECS]   run the cargo-fuzz target T (needs the nightly toolchain and cargo-fuzz)\n  \
                 bench [--size N] [--seed S] [--skip-brightway] [--skip-brightway-csv] [--skip-postgres] [--no-doc]\n                  \
                 generated ecoinvent-scale system: ecoref import vs psql \\copy and Brightway; appends docs/benchmarks.md"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn run(command: &mut Command) -> Result<(), String> {
    eprintln!("xtask: running {command:?}");
    let status = command.status().map_err(|e| format!("cannot start {command:?}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{command:?} failed with {status}")) }
}

fn demo(extra: &[String]) -> Result<(), String> {
    run(cargo().args(["run", "--quiet", "--package", "ecoref-cli", "--bin", "ecoref", "--", "demo"]).args(extra))
}

fn test(extra: &[String]) -> Result<(), String> {
    if cargo().args(["fmt", "--version"]).output().is_ok_and(|o| o.status.success()) {
        run(cargo().args(["fmt", "--all", "--check"]))?;
    } else {
        eprintln!("xtask: rustfmt is not installed (rustup component add rustfmt): format check skipped");
    }
    if cargo().args(["clippy", "--version"]).output().is_ok_and(|o| o.status.success()) {
        run(cargo().args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"]))?;
    } else {
        eprintln!("xtask: clippy is not installed (rustup component add clippy): lint step skipped");
    }

    let database_url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_TEST_DATABASE_URL.to_string());
    let postgres = match postgres_reachable(&database_url) {
        Ok(()) => {
            eprintln!("xtask: PostgreSQL answers at {}: the PostgreSQL tests run", redact(&database_url));
            true
        }
        Err(why) => {
            eprintln!(
                "xtask: PostgreSQL is NOT reachable at {} ({why}): the PostgreSQL tests (every test under a \
                 `postgres::` module) are SKIPPED; only SQLite is covered. Start a server or set DATABASE_URL.",
                redact(&database_url)
            );
            false
        }
    };

    let nextest = cargo().args(["nextest", "--version"]).output().is_ok_and(|o| o.status.success());
    let mut command = cargo();
    if nextest {
        command.args(["nextest", "run", "--workspace", "--no-fail-fast"]);
        if !postgres {
            command.args(["-E", "not test(/postgres::/)"]);
        }
        command.args(extra);
    } else {
        command.args(["test", "--workspace", "--no-fail-fast"]).args(extra);
        if !postgres {
            command.args(["--", "--skip", "postgres::"]);
        }
    }
    if postgres {
        command.env("DATABASE_URL", &database_url);
    }
    run(&mut command)?;
    if !postgres {
        eprintln!("xtask: reminder: the PostgreSQL tests were skipped (no server at {})", redact(&database_url));
    }
    Ok(())
}

fn fuzz(extra: &[String]) -> Result<(), String> {
    let target = extra.first().ok_or("fuzz needs a target name (see fuzz/README.md: ilcd_xml, product_bill, …)")?;
    let seconds = extra.get(1).map(String::as_str).unwrap_or("60");
    // The corpus persists between runs (gitignored), so each run starts where the last one stopped.
    let corpus = format!("corpus/{target}");
    std::fs::create_dir_all(Path::new("fuzz").join(&corpus)).map_err(|e| format!("fuzz/{corpus}: {e}"))?;
    run(Command::new("cargo").current_dir("fuzz").args([
        "+nightly",
        "fuzz",
        "run",
        target,
        "-j",
        "1",
        &corpus,
        "--",
        &format!("-max_total_time={seconds}"),
    ]))
}

/// A TCP connection to the URL's host and port within two seconds.
fn postgres_reachable(url: &str) -> Result<(), String> {
    let rest = url.split_once("://").map(|(_, r)| r).ok_or("not a URL")?;
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    let host_port = authority.rsplit_once('@').map(|(_, h)| h).unwrap_or(authority);
    let host_port = if host_port.contains(':') { host_port.to_string() } else { format!("{host_port}:5432") };
    let addresses = host_port.to_socket_addrs().map_err(|e| format!("cannot resolve {host_port}: {e}"))?;
    let mut last_error = format!("{host_port} has no address");
    for address in addresses {
        match TcpStream::connect_timeout(&address, Duration::from_secs(2)) {
            Ok(_) => return Ok(()),
            Err(e) => last_error = format!("{address}: {e}"),
        }
    }
    Err(last_error)
}

fn redact(url: &str) -> String {
    match (url.split_once("://"), url.rsplit_once('@')) {
        (Some((scheme, rest)), Some((_, host))) if rest.contains(':') && rest.find(':') < rest.rfind('@') => {
            let user = rest.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{host}")
        }
        _ => url.to_string(),
    }
}
