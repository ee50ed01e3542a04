//! In-process cost of the API's handlers, without HTTP: the router called with `oneshot` in a loop.
//!
//! `cargo run --release -p ecoref-api --example router_bench -- <snapshots dir> <product.json> [n]` prints the mean
//! time per request of `POST /releases/<release>/score` with the product, of a process search and of `/health`
//! (the release is the first snapshot of the directory), and the time of `LoadedRelease::score` alone, so that a
//! load benchmark's figures can be split into handler time and HTTP/network time (docs/benchmarks.md, API).

use axum::body::Body;
use axum::http::Request;
use ecoref_api::{AppState, Config};
use http_body_util::BodyExt;
use std::time::Instant;
use tower::ServiceExt;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(product)) = (args.next(), args.next()) else {
        eprintln!("usage: router_bench <snapshots dir> <product.json> [n]");
        std::process::exit(2);
    };
    let n: u32 = args.next().and_then(|n| n.parse().ok()).unwrap_or(20_000);
    let product = std::fs::read_to_string(&product).expect("read the product");
    let state = AppState::new(Config::default());
    let report = state.reload_snapshots(std::path::Path::new(&dir)).expect("read the snapshots");
    let release = report.loaded.first().cloned().expect("a snapshot");
    let app = ecoref_api::app(state);
    // The scoring alone, for comparison: parse the bill, score it, serialize the result.
    let loaded = ecoref_score::LoadedRelease::open(&std::path::Path::new(&dir).join(&release)).expect("open");
    let bill = ecoref_score::Product::parse(&product, ecoref_score::BillFormat::Json).expect("bill");
    let started = Instant::now();
    for _ in 0..n {
        std::hint::black_box(loaded.score(std::hint::black_box(&bill)).expect("score"));
    }
    println!("LoadedRelease::score: {:?} per product", started.elapsed() / n);
    let started = Instant::now();
    for _ in 0..n {
        let bill = ecoref_score::Product::parse(&product, ecoref_score::BillFormat::Json).expect("bill");
        std::hint::black_box(serde_json::to_vec(&loaded.score(&bill).expect("score")).expect("json"));
    }
    println!("parse + score + serialize (score crate types): {:?} per product", started.elapsed() / n);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let score_uri = format!("/releases/{release}/score");
    let search_uri = format!("/releases/{release}/processes?q=coton&limit=20");
    runtime.block_on(async {
        for (name, make) in [
            (
                "score",
                Box::new(|| {
                    Request::post(&score_uri)
                        .header("content-type", "application/json")
                        .body(Body::from(product.clone()))
                        .unwrap()
                }) as Box<dyn Fn() -> Request<Body>>,
            ),
            ("search", Box::new(|| Request::get(&search_uri).body(Body::empty()).unwrap())),
            ("health", Box::new(|| Request::get("/health").body(Body::empty()).unwrap())),
        ] {
            let mut bytes = 0;
            let started = Instant::now();
            for _ in 0..n {
                let response = app.clone().oneshot(make()).await.expect("infallible");
                assert!(response.status().is_success(), "{}", response.status());
                bytes = response.into_body().collect().await.expect("body").to_bytes().len();
            }
            let per = started.elapsed() / n;
            println!("{name}: {per:?} per request in-process ({bytes} bytes of response)");
        }
    });
}
