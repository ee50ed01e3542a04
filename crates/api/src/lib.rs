//! The HTTP JSON API over release snapshots: every published release side by side, read-only and stateless, so
//! replicas scale it out behind any load balancer.
//!
//! - [`app`] builds the router from an [`AppState`] (tests call it with `oneshot`, no server needed);
//! - [`AppState::reload_snapshots`] loads the snapshots of a directory (verified, changed ones only);
//!   [`AppState::set_tags`] and [`AppState::set_token_hashes`] take what the caller read from the database;
//! - [`serve`] runs the router on a listener until a shutdown signal, letting requests in flight finish.
//!
//! Invariants: this crate speaks HTTP and nothing else — no SQL (tags and token hashes are pushed in by the
//! `ecoref serve` glue), no scoring maths (that is `ecoref-score`). Detailed indicators of data involving a
//! restricted-licence source are only returned to a valid token; everyone gets single scores. Errors are
//! `{"error": {"code", "message"}}` and never carry an internal detail.

mod auth;
mod catalog;
mod diff;
mod dto;
mod error;
mod handlers;
mod middleware;
mod openapi;
mod search;

pub use auth::{RandomError, TOKEN_PREFIX, generate_token, hash_token};
pub use catalog::ReloadReport;
pub use error::{ApiError, ErrorBody, ErrorDetail};
pub use middleware::REQUEST_ID_HEADER;
pub use openapi::openapi_json;

use auth::TokenCache;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method, header};
use axum::routing::{get, post};
use catalog::Catalog;
use ecoref_score::Countries;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, RwLock, RwLockReadGuard};
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Limits that keep one request from taking more than its share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body accepted (413 above).
    pub max_body_bytes: usize,
    /// Most items in a product, sub-assembly items included (422 above).
    pub max_items: usize,
    /// Deepest nesting of sub-assemblies (422 above; a flat product has depth 1).
    pub max_depth: usize,
    /// Largest page of a process search or diff list (400 above).
    pub max_page_size: usize,
    /// Page size when the request does not say.
    pub default_page_size: usize,
    /// Most top contributions of a process (400 above).
    pub max_top: usize,
    /// Time for one request, body reading included (503 `timeout` after).
    pub request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 256 * 1024,
            max_items: 1000,
            max_depth: 8,
            max_page_size: 500,
            default_page_size: 50,
            max_top: 100,
            request_timeout: Duration::from_secs(10),
        }
    }
}

/// Which browser origins may call the API (CORS).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Cors {
    /// No CORS headers: browsers on other origins are refused (the default).
    #[default]
    Off,
    /// Any origin (`*`); credentials are not involved (tokens travel in `Authorization`).
    Any,
    /// These origins only (`https://app.example.org`).
    Origins(Vec<String>),
}

/// The server's configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub limits: Limits,
    pub cors: Cors,
    /// How long the cached token hashes stay valid without a refresh; after that no token is accepted (fails
    /// closed while the database is unreachable).
    pub token_max_age: Duration,
    /// The country table for `energy` items and country substitution, applied to every release (results cite
    /// its sha256); without it such items are refused.
    pub countries: Option<Arc<Countries>>,
}

impl Default for Config {
    fn default() -> Self {
        Config { limits: Limits::default(), cors: Cors::Off, token_max_age: Duration::from_secs(60), countries: None }
    }
}

/// The state shared by every request: configuration, the catalog of releases and tags, the token cache.
#[derive(Debug, Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: Config,
    catalog: RwLock<Arc<Catalog>>,
    /// Loaded releases with the sha256 of their manifest bytes, for reloads.
    loaded: RwLock<catalog::Loaded>,
    tokens: RwLock<TokenCache>,
    request_ids: middleware::RequestIds,
    /// Bounds the computations that take a whole solve or a pass over two releases (top contributions, diffs)
    /// to one per CPU, so that a burst of them queues (within the time limit) instead of starving the rest.
    heavy: tokio::sync::Semaphore,
}

impl AppState {
    /// A state with no release, no tag and no valid token yet.
    pub fn new(config: Config) -> AppState {
        let tokens = RwLock::new(TokenCache::new(config.token_max_age));
        AppState {
            inner: Arc::new(Inner {
                config,
                catalog: RwLock::new(Arc::new(Catalog::default())),
                loaded: RwLock::new(BTreeMap::new()),
                tokens,
                request_ids: middleware::RequestIds::new(),
                heavy: tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())),
            }),
        }
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Loads the snapshots under `dir` (each subdirectory with a `manifest.json`), keeping releases whose
    /// manifest did not change. Blocking (it reads and verifies files): call it from `spawn_blocking` in a
    /// server. An unreadable directory is an error; a snapshot that fails is reported and left out.
    pub fn reload_snapshots(&self, dir: &Path) -> Result<ReloadReport, std::io::Error> {
        let previous = self.inner.loaded.read().unwrap_or_else(|e| e.into_inner()).clone();
        let (loaded, report) = catalog::load_dir(dir, &previous, self.config().countries.as_deref())?;
        let releases = loaded.iter().map(|(name, (release, _))| (name.clone(), Arc::clone(release))).collect();
        *self.inner.loaded.write().unwrap_or_else(|e| e.into_inner()) = loaded;
        let tags = self.catalog().tags.clone();
        self.set_catalog(Catalog { releases, tags });
        Ok(report)
    }

    /// Replaces the tags (tag → release name), as read from the database.
    pub fn set_tags(&self, tags: BTreeMap<String, String>) {
        let releases = self.catalog().releases.clone();
        self.set_catalog(Catalog { releases, tags });
    }

    /// Replaces the valid token hashes (lowercase hex sha256, as stored) and marks the cache fresh; returns how
    /// many were taken.
    pub fn set_token_hashes(&self, hashes: impl IntoIterator<Item = String>) -> usize {
        self.inner.tokens.write().unwrap_or_else(|e| e.into_inner()).replace(hashes)
    }

    /// Names of the releases served now.
    pub fn release_names(&self) -> Vec<String> {
        self.catalog().releases.keys().cloned().collect()
    }

    fn set_catalog(&self, catalog: Catalog) {
        *self.inner.catalog.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(catalog);
    }

    /// The current catalog (cheap: one `Arc` clone under a read lock).
    pub(crate) fn catalog(&self) -> Arc<Catalog> {
        Arc::clone(&self.inner.catalog.read().unwrap_or_else(|e| e.into_inner()))
    }

    pub(crate) fn token_cache(&self) -> RwLockReadGuard<'_, TokenCache> {
        self.inner.tokens.read().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn request_ids(&self) -> &middleware::RequestIds {
        &self.inner.request_ids
    }

    /// A permit for a heavy computation (waits for one; the request's time limit still applies).
    pub(crate) async fn heavy_permit(&self) -> Result<tokio::sync::SemaphorePermit<'_>, ApiError> {
        self.inner.heavy.acquire().await.map_err(|_| ApiError::Internal)
    }
}

/// The whole API as a router: routes, documentation, and every layer (request id and log, CORS, time limit,
/// body limit, JSON errors, panics as `500`).
pub fn app(state: AppState) -> Router {
    let limits = &state.config().limits;
    let routes = Router::new()
        .route("/health", get(handlers::health))
        .route("/releases", get(handlers::list_releases))
        .route("/releases/{release}", get(handlers::show_release))
        .route("/releases/{release}/processes", get(handlers::search_processes))
        .route("/releases/{release}/processes/{process_id}", get(handlers::show_process))
        .route("/releases/{release}/score", post(handlers::score))
        .route("/releases/{release}/diff/{other}", get(handlers::diff))
        .route("/openapi.json", get(handlers::openapi))
        .route("/", get(handlers::index))
        .route("/docs", get(handlers::docs_page))
        .route("/docs/docs.js", get(handlers::docs_script))
        .route("/docs/docs.css", get(handlers::docs_style))
        .fallback(handlers::route_not_found)
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::json_errors))
        .layer(axum::middleware::from_fn_with_state(state.clone(), middleware::time_limit))
        .layer(CatchPanicLayer::custom(middleware::panic_response));
    let routes = match cors_layer(&state.config().cors) {
        Some(cors) => routes.layer(cors),
        None => routes,
    };
    routes.layer(axum::middleware::from_fn_with_state(state.clone(), middleware::request_id_and_log)).with_state(state)
}

fn cors_layer(cors: &Cors) -> Option<CorsLayer> {
    let origin = match cors {
        Cors::Off => return None,
        Cors::Any => AllowOrigin::any(),
        Cors::Origins(origins) => {
            AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect::<Vec<_>>())
        }
    };
    Some(
        CorsLayer::new()
            .allow_origin(origin)
            .allow_methods([Method::GET, Method::POST, Method::OPTIONS])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::HeaderName::from_static("x-request-id"),
            ])
            .expose_headers([header::HeaderName::from_static("x-request-id")])
            .max_age(Duration::from_secs(3600)),
    )
}

/// Serves `app` on `listener` until `shutdown` completes, then stops accepting and lets requests in flight
/// finish (graceful shutdown).
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
