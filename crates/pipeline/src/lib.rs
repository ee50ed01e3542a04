//! Declarative import pipelines (`pipelines/<name>.toml`): the pieces `ecoref pipeline run|plan|list` is built
//! from. The cli wires them to the import, link, map, validate and release code it already has.
//!
//! - [`spec`]: pipeline files, parsed strictly (unknown keys are errors) and validated without I/O;
//! - [`plan`]: what a run would do, with the equivalent `ecoref` commands;
//! - [`fetch`]: downloads into a content-addressed cache, resumed, retried, verified by sha256 before use;
//! - [`lock`]: one run at a time per database;
//! - [`report`]: the run report (JSON and Markdown) and the run's final status.
//!
//! Invariants: no SQL here (the store takes the lock and records runs); credentials are read from the
//! environment when a request is sent and never enter a message, a log line, a report or the database.

mod error;
pub mod fetch;
pub mod lock;
pub mod plan;
pub mod report;
pub mod spec;

pub use error::{Error, Result};
pub use fetch::{Cache, Fetched, Fetcher};
pub use plan::{Plan, check_inputs, compute_plan, input_path};
pub use report::Report;
pub use spec::{Format, Input, Pipeline, Source, find_pipeline, list_pipelines, parse_pipeline, read_pipeline};
