//! `ecoref serve`: the HTTP API (crate ecoref-api) over the snapshots of a directory, with tags and token hashes
//! read from the database and refreshed in the background; listens on `$PORT`, stops gracefully on SIGTERM or
//! ctrl-c.

use crate::Outcome;
use anyhow::{Context, Result, bail};
use clap::Args;
use ecoref_api::{AppState, Config, Cors, Limits};
use ecoref_score::Countries;
use ecoref_store::Store;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Address to listen on (0.0.0.0 to accept connections from other machines).
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (the PaaS convention `$PORT`; 0 picks a free one and prints it).
    #[arg(long, env = "PORT", default_value_t = 8080)]
    port: u16,
    /// Directory of snapshots (`<dir>/<release>/manifest.json`), as written by `ecoref snapshot write`.
    #[arg(long, default_value = "snapshots")]
    snapshots: PathBuf,
    /// Seconds between checks of the snapshots directory for new, changed or removed snapshots (0: never).
    #[arg(long, default_value_t = 10)]
    reload_secs: u64,
    /// Seconds between reads of the valid token hashes and the tags from the database.
    #[arg(long, default_value_t = 5)]
    refresh_secs: u64,
    /// Seconds the cached token hashes stay valid without a successful refresh; after that no token is accepted.
    #[arg(long, default_value_t = 60)]
    token_max_age_secs: u64,
    /// Serve without a database: no tags, no tokens (everyone sees single scores only for restricted data).
    #[arg(long)]
    no_database: bool,
    /// Country table for `energy` items and country substitution (Ecobalyse countries.json, or a JSON/TOML table
    /// `{ FR = { electricity = "<id>", heat = "<id>" } }`), applied to every release.
    #[arg(long)]
    countries: Option<PathBuf>,
    /// Browser origin allowed to call the API (CORS); repeat for several; `*` for any. Default: none.
    #[arg(long = "cors-origin")]
    cors_origins: Vec<String>,
    /// Largest request body, in bytes.
    #[arg(long, default_value_t = Limits::default().max_body_bytes)]
    max_body_bytes: usize,
    /// Most items in a product (sub-assembly items included).
    #[arg(long, default_value_t = Limits::default().max_items)]
    max_items: usize,
    /// Deepest nesting of sub-assemblies in a product.
    #[arg(long, default_value_t = Limits::default().max_depth)]
    max_depth: usize,
    /// Largest page of a search or diff.
    #[arg(long, default_value_t = Limits::default().max_page_size)]
    max_page_size: usize,
    /// Time limit per request, in milliseconds.
    #[arg(long, default_value_t = Limits::default().request_timeout.as_millis() as u64)]
    request_timeout_ms: u64,
}

impl ServeArgs {
    fn config(&self) -> Result<Config> {
        let cors = if self.cors_origins.is_empty() {
            Cors::Off
        } else if self.cors_origins.iter().any(|o| o == "*") {
            Cors::Any
        } else {
            Cors::Origins(self.cors_origins.clone())
        };
        let defaults = Limits::default();
        let countries = match &self.countries {
            Some(path) => Some(Arc::new(
                Countries::from_path(path)
                    .with_context(|| format!("cannot read the country table {}", path.display()))?,
            )),
            None => None,
        };
        Ok(Config {
            limits: Limits {
                max_body_bytes: self.max_body_bytes,
                max_items: self.max_items,
                max_depth: self.max_depth,
                max_page_size: self.max_page_size.max(1),
                default_page_size: defaults.default_page_size.min(self.max_page_size.max(1)),
                max_top: defaults.max_top,
                request_timeout: Duration::from_millis(self.request_timeout_ms.max(1)),
            },
            cors,
            token_max_age: Duration::from_secs(self.token_max_age_secs),
            countries,
        })
    }
}

pub(crate) async fn run(database_url: &str, args: &ServeArgs) -> Result<Outcome> {
    if !args.snapshots.is_dir() {
        bail!(
            "the snapshots directory {} does not exist: write snapshots with `ecoref snapshot write <release> --out {}`",
            args.snapshots.display(),
            args.snapshots.display()
        );
    }
    let state = AppState::new(args.config()?);
    reload(&state, &args.snapshots).await?;
    let store = if args.no_database {
        tracing::warn!("Serving without a database: no tags and no tokens.");
        None
    } else {
        let store = crate::connect(database_url).await?;
        refresh(&state, &store).await.context("cannot read tokens and tags from the database")?;
        Some(store)
    };

    let mut background = tokio::task::JoinSet::new();
    if args.reload_secs > 0 {
        let (state, dir, every) = (state.clone(), args.snapshots.clone(), Duration::from_secs(args.reload_secs));
        background.spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                if let Err(error) = reload(&state, &dir).await {
                    tracing::warn!(error = format!("{error:#}"), "Cannot reload the snapshots.");
                }
            }
        });
    }
    if let Some(store) = store {
        let (state, every) = (state.clone(), Duration::from_secs(args.refresh_secs.max(1)));
        background.spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.tick().await;
            loop {
                ticks.tick().await;
                if let Err(error) = refresh(&state, &store).await {
                    tracing::warn!(
                        error = format!("{error:#}"),
                        "Cannot refresh tokens and tags; the cached tokens expire after their maximum age."
                    );
                }
            }
        });
    }

    let address = format!("{}:{}", args.host, args.port);
    let listener =
        tokio::net::TcpListener::bind(&address).await.with_context(|| format!("cannot listen on {address}"))?;
    let local = listener.local_addr().context("cannot read the listening address")?;
    tracing::info!(address = %local, releases = ?state.release_names(), "Listening.");
    println!("ecoref serve: listening on http://{local} ({} releases)", state.release_names().len());
    ecoref_api::serve(listener, ecoref_api::app(state), shutdown_signal()).await.context("the server failed")?;
    background.shutdown().await;
    tracing::info!("Stopped.");
    Ok(Outcome::Ok)
}

/// Reloads the snapshots directory off the async threads and logs what changed.
async fn reload(state: &AppState, dir: &Path) -> Result<()> {
    let (state, dir) = (state.clone(), dir.to_owned());
    let report = tokio::task::spawn_blocking(move || {
        state.reload_snapshots(&dir).with_context(|| format!("cannot read the snapshots directory {}", dir.display()))
    })
    .await
    .context("the snapshot loader stopped")??;
    for (path, reason) in &report.failed {
        tracing::warn!(snapshot = %path.display(), reason, "Snapshot not served.");
    }
    if report.changed() {
        tracing::info!(loaded = ?report.loaded, removed = ?report.removed, kept = report.kept.len(), "Snapshots loaded.");
    }
    Ok(())
}

/// Reads the valid token hashes and the tags from the database into the state.
async fn refresh(state: &AppState, store: &Store) -> Result<()> {
    let hashes = store.active_api_token_hashes().await?;
    let tags: BTreeMap<String, String> = store.list_tags().await?.into_iter().map(|t| (t.tag, t.release)).collect();
    let n_tokens = state.set_token_hashes(hashes);
    tracing::debug!(n_tokens, n_tags = tags.len(), "Tokens and tags refreshed.");
    state.set_tags(tags);
    Ok(())
}

/// Completes on ctrl-c or SIGTERM (what a PaaS sends before stopping a process).
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "Cannot listen for ctrl-c.");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "Cannot listen for SIGTERM.");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("Shutting down: finishing the requests in flight.");
}
