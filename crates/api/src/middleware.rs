//! Cross-cutting layers: the request id and request log, the time limit per request, JSON for panics and for the
//! errors axum answers by itself (unknown route, wrong method, oversized body).

use crate::AppState;
use crate::error::ApiError;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::any::Any;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// The header carrying the request id, in and out.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// Makes request ids: a random prefix per process (so replicas do not collide) and a counter.
#[derive(Debug)]
pub(crate) struct RequestIds {
    prefix: String,
    next: AtomicU64,
}

impl RequestIds {
    pub(crate) fn new() -> RequestIds {
        let mut bytes = [0u8; 4];
        // Without OS randomness the ids are still unique per process; only cross-replica uniqueness weakens.
        let _ = getrandom::fill(&mut bytes);
        RequestIds { prefix: bytes.iter().map(|b| format!("{b:02x}")).collect(), next: AtomicU64::new(1) }
    }

    fn make(&self) -> String {
        format!("{}-{:x}", self.prefix, self.next.fetch_add(1, Ordering::Relaxed))
    }
}

/// A client's request id is kept when it is 1 to 64 characters of `A-Za-z0-9._-` (safe in logs); otherwise a
/// new one is made.
fn acceptable_request_id(value: &HeaderValue) -> Option<&str> {
    let text = value.to_str().ok()?;
    let ok = !text.is_empty()
        && text.len() <= 64
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    ok.then_some(text)
}

/// Sets the request id (kept or made), logs one line per request with it, and returns it in the response.
pub(crate) async fn request_id_and_log(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = match request.headers().get(REQUEST_ID_HEADER).and_then(acceptable_request_id) {
        Some(id) => id.to_owned(),
        None => state.request_ids().make(),
    };
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let status = response.status().as_u16();
    let latency_us = started.elapsed().as_micros() as u64;
    if status >= 500 {
        tracing::warn!(request_id = %id, %method, path, status, latency_us, "Request failed.");
    } else {
        tracing::info!(request_id = %id, %method, path, status, latency_us, "Request.");
    }
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID_HEADER, value);
    }
    response
}

/// Answers `503 timeout` when the request (body reading included) takes longer than the configured limit.
pub(crate) async fn time_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let limit = state.config().limits.request_timeout;
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::Timeout(limit.as_millis()).into_response(),
    }
}

/// Rewrites the bodiless or plain-text errors that axum and its layers produce by themselves (413 from the body
/// limit, 405) into the JSON error format; JSON responses pass untouched.
pub(crate) async fn json_errors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_json(&response) {
        return response;
    }
    let error = match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::BodyTooLarge(state.config().limits.max_body_bytes),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::MethodNotAllowed(method.to_string()),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ApiError::UnsupportedMediaType("the body must be JSON with content-type: application/json".to_owned())
        }
        StatusCode::NOT_FOUND => ApiError::RouteNotFound(String::new()),
        s if s.is_server_error() => ApiError::Internal,
        _ => ApiError::InvalidParameter(format!("the request was refused ({status})")),
    };
    let mut rewritten = error.into_response();
    for name in [header::ALLOW, header::VARY] {
        if let Some(value) = response.headers().get(&name) {
            rewritten.headers_mut().insert(name, value.clone());
        }
    }
    rewritten
}

fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// Turns a panic in a handler into `500 internal`, logging the panic message (never sent to the client).
pub(crate) fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response<Body> {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = message, "Handler panicked.");
    ApiError::Internal.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_safe_request_ids_are_kept() {
        for ok in ["abc", "0f3a-12", "client.id_1", &"a".repeat(64)] {
            assert_eq!(acceptable_request_id(&HeaderValue::from_str(ok).unwrap()), Some(ok));
        }
        for bad in ["", "has space", "new\u{7f}line", "quote\"", &"a".repeat(65), "é"] {
            if let Ok(value) = HeaderValue::from_str(bad) {
                assert_eq!(acceptable_request_id(&value), None, "{bad:?}");
            }
        }
        let ids = RequestIds::new();
        let (a, b) = (ids.make(), ids.make());
        assert_ne!(a, b);
        assert!(acceptable_request_id(&HeaderValue::from_str(&a).unwrap()).is_some());
    }
}
