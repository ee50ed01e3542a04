//! The endpoints. Each resolves the release (name or tag) from the current catalog, does its work in memory, and
//! converts the result into the API's own types (`dto`), withholding per-indicator values of restricted data from
//! callers without a valid token.

use crate::AppState;
use crate::auth::Access;
use crate::catalog::{Release, Resolved, truncate};
use crate::dto::{
    DiffQuery, Energy, Health, Index, Indicator, IndicatorValue, InputFile, ItemContribution, ItemInput, Method,
    ProcessContribution, ProcessDetail, ProcessDetailQuery, ProcessPage, ProcessQuery, ProcessSummary, ProductInput,
    ReleaseDetail, ReleaseList, ReleaseSummary, ScoreResponse, SingleScore, SnapshotFile, Source,
};
use crate::error::ApiError;
use crate::search::Query;
use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use ecoref_score::{Item, LoadedRelease, Product};
use std::collections::BTreeMap;

type ApiResult<T> = Result<T, ApiError>;

/// Query strings through [`ApiError`] (axum's own rejection is plain text).
fn query<T>(query: Result<axum::extract::Query<T>, QueryRejection>) -> ApiResult<T> {
    Ok(query?.0)
}

/// A page size and offset from a query, within the limits.
fn page(state: &AppState, limit: Option<i64>, offset: Option<i64>) -> ApiResult<(usize, usize)> {
    let limits = &state.config().limits;
    let limit = match limit {
        None => limits.default_page_size.min(limits.max_page_size),
        Some(n) if n < 1 => return Err(ApiError::InvalidParameter(format!("limit {n}: must be at least 1"))),
        Some(n) if n as u64 > limits.max_page_size as u64 => {
            return Err(ApiError::InvalidParameter(format!(
                "limit {n} is above the page size limit of {}",
                limits.max_page_size
            )));
        }
        Some(n) => n as usize,
    };
    let offset = match offset {
        None => 0,
        Some(n) if n < 0 => return Err(ApiError::InvalidParameter(format!("offset {n}: must be at least 0"))),
        Some(n) => usize::try_from(n).unwrap_or(usize::MAX),
    };
    Ok((limit, offset))
}

fn resolve(state: &AppState, name: &str) -> ApiResult<Resolved> {
    state.catalog().resolve(name)
}

#[utoipa::path(
    get, path = "/health", tag = "service",
    summary = "Liveness: the server answers, with how many releases it serves",
    responses((status = 200, description = "The server is up", body = Health)),
)]
pub(crate) async fn health(State(state): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        n_releases: state.catalog().releases.len(),
    })
}

#[utoipa::path(
    get, path = "/", tag = "service",
    summary = "Where the documentation and the OpenAPI document are",
    responses((status = 200, description = "Links", body = Index)),
)]
pub(crate) async fn index() -> Json<Index> {
    Json(Index {
        name: "ecoref".to_owned(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        docs: "/docs".to_owned(),
        openapi: "/openapi.json".to_owned(),
        releases: "/releases".to_owned(),
    })
}

fn release_summary(release: &Release, tags: Vec<String>) -> ReleaseSummary {
    let loaded = &release.loaded;
    let manifest = loaded.manifest();
    ReleaseSummary {
        name: loaded.name().to_owned(),
        manifest_sha256: loaded.manifest_sha256().to_owned(),
        published_at: manifest.release.published_at.clone(),
        published_by: manifest.release.published_by.clone(),
        notes: manifest.release.notes.clone(),
        method: manifest.method.as_ref().map(|m| m.label.clone()),
        n_processes: loaded.processes().len(),
        n_indicators: loaded.indicators().len(),
        weighting_sets: release.weighting_sets.clone(),
        restricted: release.any_restricted,
        tags,
    }
}

#[utoipa::path(
    get, path = "/releases", tag = "releases",
    summary = "Every release served, and the tags",
    responses((status = 200, description = "Releases by name, oldest name first", body = ReleaseList)),
)]
pub(crate) async fn list_releases(State(state): State<AppState>) -> Json<ReleaseList> {
    let catalog = state.catalog();
    let releases = catalog.releases.values().map(|r| release_summary(r, catalog.tags_of(r.name()))).collect();
    Json(ReleaseList { releases, tags: catalog.tags.clone() })
}

#[utoipa::path(
    get, path = "/releases/{release}", tag = "releases",
    summary = "A release: manifest, sources with provenance and licence class, method, indicators, files",
    params(("release" = String, Path, description = "Release name or tag (e.g. `latest`)", example = "latest")),
    responses(
        (status = 200, description = "The release", body = ReleaseDetail),
        (status = 404, description = "No such release or tag", body = crate::error::ErrorBody),
    ),
)]
pub(crate) async fn show_release(
    State(state): State<AppState>,
    name: Result<Path<String>, PathRejection>,
) -> ApiResult<Json<ReleaseDetail>> {
    let resolved = resolve(&state, &name?.0)?;
    let release = &resolved.release;
    let manifest = release.loaded.manifest();
    let sources = manifest
        .sources
        .iter()
        .map(|s| Source {
            dataset: s.dataset.clone(),
            source_name: s.source_name.clone(),
            version_number: s.version_number,
            content_hash: s.content_hash.clone(),
            licence_class: s.licence_class.clone(),
            counts: counts_map(&s.counts),
            reader: s.import_run.as_ref().map(|r| format!("{} {}", r.reader_name, r.reader_version)),
            inputs: s
                .import_run
                .iter()
                .flat_map(|r| &r.inputs)
                .map(|i| InputFile { name: i.name.clone(), sha256: i.sha256.clone(), size_bytes: i.size_bytes })
                .collect(),
        })
        .collect();
    let method = manifest.method.as_ref().map(|m| Method {
        label: m.label.clone(),
        name: m.name.clone(),
        version: m.version.clone(),
        methodology: m.methodology.clone(),
        dataset: m.dataset.clone(),
        weights: m.weights.clone(),
        content_hash: m.content_hash.clone(),
        n_indicators: m.n_indicators,
        n_factors: m.n_factors,
    });
    let files = manifest
        .files
        .iter()
        .map(|f| SnapshotFile {
            name: f.name.clone(),
            table: f.table.clone(),
            sha256: f.sha256.clone(),
            rows: f.rows,
            bytes: f.bytes,
        })
        .collect();
    let catalog = state.catalog();
    Ok(Json(ReleaseDetail {
        release: release_summary(release, catalog.tags_of(release.name())),
        resolved_from_tag: resolved.via_tag.clone(),
        format_version: manifest.format_version,
        ecoref_version: manifest.ecoref_version.clone(),
        created_by: manifest.release.created_by.clone(),
        sources,
        method,
        indicators: indicators(&release.loaded),
        files,
    }))
}

/// Entity counts as a name → count map (whatever fields the model's `Counts` has).
fn counts_map<T: serde::Serialize>(counts: &T) -> BTreeMap<String, u64> {
    match serde_json::to_value(counts) {
        Ok(serde_json::Value::Object(map)) => map.into_iter().filter_map(|(k, v)| Some((k, v.as_u64()?))).collect(),
        _ => BTreeMap::new(),
    }
}

fn indicators(loaded: &LoadedRelease) -> Vec<Indicator> {
    loaded
        .indicators()
        .iter()
        .map(|i| Indicator { id: i.id.clone(), name: i.name.clone(), unit: i.unit.clone() })
        .collect()
}

pub(crate) fn process_summary(loaded: &LoadedRelease, process: usize) -> ProcessSummary {
    let p = &loaded.processes()[process];
    ProcessSummary {
        id: p.id.clone(),
        name: p.name.clone(),
        location: p.location.clone(),
        dataset: p.dataset.clone(),
        unit: p.unit.clone(),
        classification: p.classification.clone(),
        process_type: p.process_type.clone(),
        restricted: p.restricted,
    }
}

#[utoipa::path(
    get, path = "/releases/{release}/processes", tag = "processes",
    summary = "Search processes by text, category, location and source, one page at a time, in name order",
    params(
        ("release" = String, Path, description = "Release name or tag", example = "latest"),
        ProcessQuery,
    ),
    responses(
        (status = 200, description = "One page of matches", body = ProcessPage),
        (status = 400, description = "Invalid query parameter (e.g. limit above the page size limit)", body = crate::error::ErrorBody),
        (status = 404, description = "No such release or tag", body = crate::error::ErrorBody),
    ),
)]
pub(crate) async fn search_processes(
    State(state): State<AppState>,
    name: Result<Path<String>, PathRejection>,
    params: Result<axum::extract::Query<ProcessQuery>, QueryRejection>,
) -> ApiResult<Json<ProcessPage>> {
    let params = query(params)?;
    let resolved = resolve(&state, &name?.0)?;
    let (limit, offset) = page(&state, params.limit, params.offset)?;
    let query = Query::new(
        params.q.as_deref(),
        params.category.as_deref(),
        params.location.as_deref(),
        params.scope.as_deref(),
    );
    let release = &resolved.release;
    let (total, indices) = release.search.search(&query, offset, limit);
    let items: Vec<ProcessSummary> = indices.into_iter().map(|i| process_summary(&release.loaded, i)).collect();
    let next = offset.saturating_add(items.len());
    Ok(Json(ProcessPage {
        release: release.name().to_owned(),
        next_offset: (next < total && !items.is_empty()).then_some(next),
        items,
        total,
        limit,
        offset,
    }))
}

/// Logs an internal failure with its detail and answers a generic `500`.
fn internal(what: &str, error: &dyn std::fmt::Display) -> ApiError {
    tracing::error!(error = %error, "{what} failed.");
    ApiError::Internal
}

/// Single-score values paired with the release's set names.
fn named_scores(names: &[String], values: Vec<f64>) -> Vec<SingleScore> {
    names
        .iter()
        .zip(values)
        .map(|(name, value)| SingleScore { name: name.clone(), value: finite_or_zero(value) })
        .collect()
}

fn single_scores(scores: Vec<(String, f64)>) -> Vec<SingleScore> {
    scores.into_iter().map(|(name, value)| SingleScore { name, value: finite_or_zero(value) }).collect()
}

/// JSON has no NaN or infinity (serde_json would write `null`, which breaks the schema and the client). Scores
/// computed from client input are refused when not finite (see [`score`]); values read from the stored matrix
/// are finite by construction, and this keeps the response valid should one not be.
fn finite_or_zero(value: f64) -> f64 {
    if value.is_finite() { value } else { 0.0 }
}

#[utoipa::path(
    get, path = "/releases/{release}/processes/{process_id}", tag = "processes",
    summary = "A process: metadata, impacts per unit (token needed for restricted data), single scores, top contributions",
    description = "Ids containing `/` (Brightway's `database/code`) must be percent-encoded (`%2F`). An id that an \
                   id migration of the release renamed leads to the new process (`requested_id` says so).",
    params(
        ("release" = String, Path, description = "Release name or tag", example = "latest"),
        ("process_id" = String, Path, description = "Process id (percent-encoded)"),
        ProcessDetailQuery,
    ),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The process", body = ProcessDetail),
        (status = 400, description = "Invalid query parameter", body = crate::error::ErrorBody),
        (status = 401, description = "The bearer token is invalid or revoked", body = crate::error::ErrorBody),
        (status = 404, description = "No such release, tag or process", body = crate::error::ErrorBody),
    ),
)]
pub(crate) async fn show_process(
    State(state): State<AppState>,
    access: Access,
    path: Result<Path<(String, String)>, PathRejection>,
    params: Result<axum::extract::Query<ProcessDetailQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let Path((name, process_id)) = path?;
    let params = query(params)?;
    let resolved = resolve(&state, &name)?;
    let max_top = state.config().limits.max_top;
    let top = match params.top {
        None => 10.min(max_top),
        Some(n) if n < 0 => return Err(ApiError::InvalidParameter(format!("top {n}: must be at least 0"))),
        Some(n) if n as u64 > max_top as u64 => {
            return Err(ApiError::InvalidParameter(format!("top {n} is above the limit of {max_top}")));
        }
        Some(n) => n as usize,
    };
    let loaded = &resolved.release.loaded;
    let Some(process) = loaded.find_process(&process_id) else {
        return Err(ApiError::NotFound(format!(
            "release {} has no process {}",
            loaded.name(),
            truncate(&process_id, 100)
        )));
    };
    let summary = process_summary(loaded, process);
    let show = access.shows_indicators(summary.restricted);
    let values = loaded.process_impacts(process);
    let indicators = show.then(|| {
        loaded
            .indicators()
            .iter()
            .zip(values)
            .map(|(i, v)| IndicatorValue {
                id: i.id.clone(),
                name: i.name.clone(),
                unit: i.unit.clone(),
                value: finite_or_zero(*v),
            })
            .collect()
    });
    let names = &resolved.release.weighting_sets;
    let contributions = if top == 0 {
        Vec::new()
    } else {
        // A solve of the whole system (and a factorization on first use): bounded like every heavy computation.
        let _permit = state.heavy_permit().await?;
        let release = resolved.release.clone();
        tokio::task::spawn_blocking(move || release.loaded.top_contributions(process, top))
            .await
            .map_err(|error| internal("top contributions task", &error))?
            .map_err(|error| internal("top contributions", &error))?
    };
    let top_contributions = contributions
        .into_iter()
        .map(|c| ProcessContribution {
            process_id: c.process_id,
            process_name: c.process_name,
            location: c.location,
            supply: finite_or_zero(c.supply),
            single_scores: named_scores(names, c.single_scores),
            // A contributor is upstream of the process: when any is restricted, so is the process.
            indicators: show.then(|| c.indicators.into_iter().map(finite_or_zero).collect()),
        })
        .collect();
    let detail = ProcessDetail {
        release: loaded.name().to_owned(),
        manifest_sha256: loaded.manifest_sha256().to_owned(),
        requested_id: (summary.id != process_id).then_some(process_id),
        indicators_hidden: !show,
        indicators,
        single_scores: single_scores(loaded.process_single_scores(process)),
        top_contributions,
        process: summary,
    };
    Ok(vary_on_authorization(json_response(&detail, 4096)))
}

/// `value` as a JSON response, serialized into a buffer of `capacity` bytes up front (a score is several KiB: no
/// regrowing and copying on the way).
fn json_response<T: serde::Serialize>(value: &T, capacity: usize) -> Response {
    let mut buffer = Vec::with_capacity(capacity);
    match serde_json::to_writer(&mut buffer, value) {
        Ok(()) => ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], buffer).into_response(),
        Err(error) => internal("serializing a response", &error).into_response(),
    }
}

/// Responses that depend on the token say so to caches.
fn vary_on_authorization(mut response: Response) -> Response {
    response.headers_mut().append(header::VARY, HeaderValue::from_static("authorization"));
    response
}

fn into_item(input: ItemInput) -> Item {
    Item {
        process: input.process,
        name: input.name,
        location: input.location,
        energy: input.energy.map(|e| match e {
            Energy::Electricity => ecoref_score::Energy::Electricity,
            Energy::Heat => ecoref_score::Energy::Heat,
        }),
        amount: input.amount,
        unit: input.unit,
        country: input.country,
        items: input.items.into_iter().map(into_item).collect(),
    }
}

/// The product of a score request. Parsed with plain serde_json (no path tracking on the fast path); only a body
/// that fails is parsed again by axum's `Json`, whose error names the failing field (`items[2].amount`).
pub(crate) struct ProductBody(ProductInput);

/// `application/json` or `application/<anything>+json`, parameters (`; charset=utf-8`) allowed.
fn is_json_content_type(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else { return false };
    let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    essence
        .strip_prefix("application/")
        .is_some_and(|subtype| subtype == "json" || (subtype.ends_with("+json") && !subtype.contains('/')))
}

impl axum::extract::FromRequest<AppState> for ProductBody {
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &AppState) -> Result<ProductBody, ApiError> {
        if !is_json_content_type(request.headers()) {
            return Err(ApiError::UnsupportedMediaType(
                "the body must be JSON with content-type: application/json".to_owned(),
            ));
        }
        let bytes = axum::body::Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::BodyTooLarge(state.config().limits.max_body_bytes)
            } else {
                ApiError::InvalidBody("the request body could not be read".to_owned())
            }
        })?;
        match serde_json::from_slice(&bytes) {
            Ok(input) => Ok(ProductBody(input)),
            Err(_) => match Json::<ProductInput>::from_bytes(&bytes) {
                Ok(Json(input)) => Ok(ProductBody(input)),
                Err(rejection) => Err(ApiError::from(rejection)),
            },
        }
    }
}

/// Items and nesting depth of a product, counted before any conversion.
fn measure(items: &[ItemInput], depth: usize, n_items: &mut usize, max_depth: &mut usize) {
    if !items.is_empty() {
        *max_depth = (*max_depth).max(depth);
    }
    for item in items {
        *n_items += 1;
        measure(&item.items, depth + 1, n_items, max_depth);
    }
}

#[utoipa::path(
    post, path = "/releases/{release}/score", tag = "scores",
    summary = "Score a product against a release: impacts, single scores, contributions per item, result hash",
    description = "Without a valid token, a product involving a restricted source gets its single scores only.",
    params(("release" = String, Path, description = "Release name or tag", example = "latest")),
    request_body(content = ProductInput, content_type = "application/json"),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The score", body = ScoreResponse),
        (status = 400, description = "The body is not valid JSON or not a product", body = crate::error::ErrorBody),
        (status = 401, description = "The bearer token is invalid or revoked", body = crate::error::ErrorBody),
        (status = 404, description = "No such release or tag", body = crate::error::ErrorBody),
        (status = 413, description = "The body is larger than the limit", body = crate::error::ErrorBody),
        (status = 415, description = "The body is not application/json", body = crate::error::ErrorBody),
        (status = 422, description = "Too many items, too deep, or an item that does not resolve (the message names \
                                      its path and suggests matches)", body = crate::error::ErrorBody),
    ),
)]
pub(crate) async fn score(
    State(state): State<AppState>,
    access: Access,
    name: Result<Path<String>, PathRejection>,
    ProductBody(input): ProductBody,
) -> ApiResult<Response> {
    let limits = &state.config().limits;
    let resolved = resolve(&state, &name?.0)?;
    let (mut n_items, mut depth) = (0, 0);
    measure(&input.items, 1, &mut n_items, &mut depth);
    if n_items > limits.max_items {
        return Err(ApiError::TooManyItems { found: n_items, limit: limits.max_items });
    }
    if depth > limits.max_depth {
        return Err(ApiError::TooDeep { found: depth, limit: limits.max_depth });
    }
    let product =
        Product { name: input.name, country: input.country, items: input.items.into_iter().map(into_item).collect() };
    let loaded = &resolved.release.loaded;
    let result = loaded.score(&product).map_err(|e| ApiError::InvalidProduct(e.to_string()))?;
    let show = access.shows_indicators(result.restricted);
    let all_finite = result.indicators.iter().all(|i| i.value.is_finite())
        && result.single_scores.iter().all(|s| s.value.is_finite());
    if !all_finite {
        return Err(ApiError::InvalidProduct(
            "the result is not a finite number: check the amounts for overflow".to_owned(),
        ));
    }
    let names = &resolved.release.weighting_sets;
    let response = ScoreResponse {
        release: result.release,
        manifest_sha256: result.manifest_sha256,
        engine: result.engine,
        product: result.product,
        restricted: result.restricted,
        indicators_hidden: !show,
        indicators: show.then(|| {
            result
                .indicators
                .into_iter()
                .map(|i| IndicatorValue { id: i.id, name: i.name, unit: i.unit, value: i.value })
                .collect()
        }),
        single_scores: result.single_scores.into_iter().map(|s| SingleScore { name: s.name, value: s.value }).collect(),
        contributions: result
            .contributions
            .into_iter()
            .map(|c| ItemContribution {
                path: c.path,
                process_id: c.process_id,
                process_name: c.process_name,
                location: c.location,
                amount: finite_or_zero(c.amount),
                unit: c.unit,
                substituted_from: c.substituted_from,
                single_scores: named_scores(names, c.single_scores),
                indicators: show.then(|| c.indicators.into_iter().map(finite_or_zero).collect()),
            })
            .collect(),
        countries_sha256: result.countries_sha256,
        result_hash: result.result_hash,
    };
    // About 24 bytes per number and 200 per item besides.
    let capacity = 1024 + response.contributions.len() * (200 + 24 * loaded.indicators().len());
    Ok(vary_on_authorization(json_response(&response, capacity)))
}

#[utoipa::path(
    get, path = "/releases/{release}/diff/{other}", tag = "releases",
    summary = "What changed between two releases: processes added, removed, changed (metadata and impacts)",
    params(
        ("release" = String, Path, description = "The older release (name or tag)", example = "2026.1"),
        ("other" = String, Path, description = "The newer release (name or tag)", example = "latest"),
        DiffQuery,
    ),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The diff", body = crate::dto::Diff),
        (status = 400, description = "Invalid query parameter", body = crate::error::ErrorBody),
        (status = 401, description = "The bearer token is invalid or revoked", body = crate::error::ErrorBody),
        (status = 404, description = "No such release or tag", body = crate::error::ErrorBody),
    ),
)]
pub(crate) async fn diff(
    State(state): State<AppState>,
    access: Access,
    path: Result<Path<(String, String)>, PathRejection>,
    params: Result<axum::extract::Query<DiffQuery>, QueryRejection>,
) -> ApiResult<Response> {
    let Path((from, to)) = path?;
    let params = query(params)?;
    let from = resolve(&state, &from)?.release;
    let to = resolve(&state, &to)?.release;
    let threshold = match params.threshold {
        None => crate::diff::DEFAULT_THRESHOLD,
        Some(t) if t.is_finite() && t >= 0.0 => t,
        Some(t) => return Err(ApiError::InvalidParameter(format!("threshold {t} must be a number ≥ 0"))),
    };
    let (limit, offset) = page(&state, params.limit, params.offset)?;
    let _permit = state.heavy_permit().await?;
    let diff =
        tokio::task::spawn_blocking(move || crate::diff::compute_diff(&from, &to, threshold, access, limit, offset))
            .await
            .map_err(|error| internal("diff task", &error))?;
    Ok(vary_on_authorization(json_response(&diff, 16 * 1024)))
}

#[utoipa::path(
    get, path = "/openapi.json", tag = "service",
    summary = "This API's OpenAPI 3.1 document",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object)),
)]
pub(crate) async fn openapi() -> Response {
    let mut response = crate::openapi::openapi_json().to_owned().into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

const DOCS_HTML: &str = include_str!("docs/index.html");
const DOCS_JS: &str = include_str!("docs/docs.js");
const DOCS_CSS: &str = include_str!("docs/docs.css");

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'self'; frame-ancestors 'none'; base-uri 'none'"),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

#[utoipa::path(
    get, path = "/docs", tag = "service",
    summary = "Interactive documentation (served from the binary, no network access needed)",
    responses((status = 200, description = "An HTML page", content_type = "text/html")),
)]
pub(crate) async fn docs_page() -> Response {
    asset(DOCS_HTML, "text/html; charset=utf-8")
}

pub(crate) async fn docs_script() -> Response {
    asset(DOCS_JS, "text/javascript; charset=utf-8")
}

pub(crate) async fn docs_style() -> Response {
    asset(DOCS_CSS, "text/css; charset=utf-8")
}

pub(crate) async fn route_not_found(OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::RouteNotFound(truncate(uri.path(), 200))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types_are_recognised() {
        let check = |value: &str| {
            let mut headers = axum::http::HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(value).unwrap());
            is_json_content_type(&headers)
        };
        for ok in ["application/json", "Application/JSON; charset=utf-8", "application/problem+json"] {
            assert!(check(ok), "{ok}");
        }
        for bad in ["text/plain", "application/jsonx", "application/x/+json", "json", "text/json"] {
            assert!(!check(bad), "{bad}");
        }
        assert!(!is_json_content_type(&axum::http::HeaderMap::new()));
    }
}
