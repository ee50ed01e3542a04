//! The API's one error type: every failure is `{"error": {"code", "message"}}` with the right status, and the
//! message never carries an internal detail (no file path, no error chain, no SQL). Internal failures are logged
//! with the request id and answered with a generic message.

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// Errors answered to clients.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// A release, tag or process that does not exist; the message names it and may suggest others.
    #[error("{0}")]
    NotFound(String),
    /// No route at this path.
    #[error("no route {0}: see /openapi.json or /docs")]
    RouteNotFound(String),
    #[error("method {0} is not allowed here")]
    MethodNotAllowed(String),
    /// A query or path parameter is invalid.
    #[error("{0}")]
    InvalidParameter(String),
    /// The body is not valid JSON, or not a product.
    #[error("{0}")]
    InvalidBody(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("the request body is larger than the limit of {0} bytes")]
    BodyTooLarge(usize),
    #[error("the product has {found} items, more than the limit of {limit}")]
    TooManyItems { found: usize, limit: usize },
    #[error("the product nests sub-assemblies {found} levels deep, more than the limit of {limit}")]
    TooDeep { found: usize, limit: usize },
    /// The product references a process that does not resolve (the message names the item path).
    #[error("{0}")]
    InvalidProduct(String),
    #[error("{0}")]
    InvalidToken(String),
    #[error("the request took longer than the limit of {0} ms")]
    Timeout(u128),
    /// Something broke inside the server; details are in the server log under the request id only.
    #[error("internal error: the server log has the details under this request's x-request-id")]
    Internal,
}

impl ApiError {
    /// The HTTP status of each error.
    pub fn status_code(&self) -> StatusCode {
        match self {
            ApiError::NotFound(_) | ApiError::RouteNotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::InvalidParameter(_) | ApiError::InvalidBody(_) => StatusCode::BAD_REQUEST,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::BodyTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::TooManyItems { .. } | ApiError::TooDeep { .. } | ApiError::InvalidProduct(_) => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::InvalidToken(_) => StatusCode::UNAUTHORIZED,
            ApiError::Timeout(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable, machine-readable code of each error.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::NotFound(_) => "not_found",
            ApiError::RouteNotFound(_) => "route_not_found",
            ApiError::MethodNotAllowed(_) => "method_not_allowed",
            ApiError::InvalidParameter(_) => "invalid_parameter",
            ApiError::InvalidBody(_) => "invalid_body",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::BodyTooLarge(_) => "body_too_large",
            ApiError::TooManyItems { .. } => "too_many_items",
            ApiError::TooDeep { .. } => "too_deep",
            ApiError::InvalidProduct(_) => "invalid_product",
            ApiError::InvalidToken(_) => "invalid_token",
            ApiError::Timeout(_) => "timeout",
            ApiError::Internal => "internal",
        }
    }

    /// The JSON body of the error.
    pub fn body(&self) -> ErrorBody {
        ErrorBody { error: ErrorDetail { code: self.code().to_owned(), message: self.to_string() } }
    }
}

/// `{"error": {"code", "message"}}`: the body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong: a stable code and a message for humans.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code: `not_found`, `invalid_parameter`, `invalid_body`, `body_too_large`,
    /// `too_many_items`, `too_deep`, `invalid_product`, `invalid_token`, `timeout`, …
    #[schema(example = "not_found")]
    pub code: String,
    #[schema(example = "no release or tag named 2031.1; available: 2026.1, 2026.2, latest")]
    pub message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status_code(), Json(self.body())).into_response();
        if let ApiError::InvalidToken(_) = self {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"ecoref\", error=\"invalid_token\""),
            );
        }
        response
    }
}

/// The first line of a rejection's text without axum's `Failed to …: ` prefix: serde's message with its path.
fn rejection_detail(text: &str) -> String {
    let line = text.lines().next().unwrap_or("");
    let detail = line.split_once(": ").map_or(line, |(_, detail)| detail);
    let chars: Vec<char> = detail.chars().collect();
    if chars.len() <= 300 {
        return detail.to_owned();
    }
    // A deep path (`items[0].items[0]…`) must not push serde's reason out of the message: keep both ends.
    let head: String = chars[..100].iter().collect();
    let tail: String = chars[chars.len() - 200..].iter().collect();
    format!("{head}…{tail}")
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match &rejection {
            JsonRejection::MissingJsonContentType(_) => {
                ApiError::UnsupportedMediaType("the body must be JSON with content-type: application/json".to_owned())
            }
            JsonRejection::BytesRejection(_) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                // The limit itself is filled in by the caller, which knows it.
                ApiError::BodyTooLarge(0)
            }
            JsonRejection::JsonDataError(error) => ApiError::InvalidBody(format!(
                "the body is not a valid product: {}",
                rejection_detail(&error.body_text())
            )),
            JsonRejection::JsonSyntaxError(error) => {
                ApiError::InvalidBody(format!("the body is not valid JSON: {}", rejection_detail(&error.body_text())))
            }
            _ => ApiError::InvalidBody("the request body could not be read".to_owned()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::InvalidParameter(format!("invalid query string: {}", rejection_detail(&rejection.body_text())))
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::InvalidParameter(format!("invalid path: {}", rejection_detail(&rejection.body_text())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_a_status_code_and_json_body() {
        let cases = [
            (ApiError::NotFound("no release x".into()), 404, "not_found"),
            (ApiError::InvalidParameter("limit".into()), 400, "invalid_parameter"),
            (ApiError::BodyTooLarge(10), 413, "body_too_large"),
            (ApiError::TooManyItems { found: 3, limit: 2 }, 422, "too_many_items"),
            (ApiError::TooDeep { found: 9, limit: 8 }, 422, "too_deep"),
            (ApiError::InvalidToken("bad".into()), 401, "invalid_token"),
            (ApiError::Timeout(5), 503, "timeout"),
            (ApiError::Internal, 500, "internal"),
        ];
        for (error, status, code) in cases {
            assert_eq!(error.status_code().as_u16(), status, "{error:?}");
            let body = serde_json::to_value(error.body()).unwrap();
            assert_eq!(body["error"]["code"], code);
            assert_eq!(body["error"]["message"], error.to_string());
        }
    }

    #[test]
    fn rejection_detail_keeps_serde_message_and_both_ends_of_long_paths() {
        let text = "Failed to deserialize the JSON body into the target type: items[0].amount: invalid type: \
                    string \"x\", expected f64 at line 1 column 30";
        assert_eq!(
            rejection_detail(text),
            "items[0].amount: invalid type: string \"x\", expected f64 at line 1 column 30"
        );
        let deep =
            format!("Failed to parse: {}: recursion limit exceeded at line 1 column 1281", "items[0].".repeat(100));
        let detail = rejection_detail(&deep);
        assert!(detail.starts_with("items[0].") && detail.ends_with("recursion limit exceeded at line 1 column 1281"));
        assert_eq!(detail.chars().count(), 301);
    }
}
