//! The OpenAPI 3.1 document, generated from the handlers' annotations and the `dto` types, serialized once.

use crate::dto;
use crate::error::{ErrorBody, ErrorDetail};
use crate::handlers;
use std::sync::OnceLock;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ecoref API",
        description = "LCA reference data over published release snapshots: releases, process search, product \
                       scores, diffs. Detailed indicators of restricted-licence sources need a bearer token; \
                       everyone gets single scores. Errors are {\"error\": {\"code\", \"message\"}}.",
        license(name = "MIT OR Apache-2.0", identifier = "MIT OR Apache-2.0"),
    ),
    paths(
        handlers::health,
        handlers::index,
        handlers::list_releases,
        handlers::show_release,
        handlers::search_processes,
        handlers::show_process,
        handlers::score,
        handlers::diff,
        handlers::openapi,
        handlers::docs_page,
    ),
    components(schemas(ErrorBody, ErrorDetail, dto::ItemInput)),
    modifiers(&BearerScheme),
    tags(
        (name = "releases", description = "Published releases, their manifests and diffs"),
        (name = "processes", description = "Process search and detail"),
        (name = "scores", description = "Scoring products"),
        (name = "service", description = "Health, documentation"),
    ),
)]
struct ApiDoc;

/// Declares the `bearer` security scheme the operations refer to.
struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A token from `ecoref token create`: `Authorization: Bearer ecoref_…`"))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI document as JSON text (built on first use).
pub fn openapi_json() -> &'static str {
    static JSON: OnceLock<String> = OnceLock::new();
    JSON.get_or_init(|| {
        let mut doc = ApiDoc::openapi();
        doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
        doc.to_pretty_json().expect("the OpenAPI document serializes to JSON")
    })
}
