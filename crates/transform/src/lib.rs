//! Pure transforms on the canonical model: technosphere linking, elementary-flow mapping between nomenclatures,
//! unit conversion, allocation of multi-output processes and validation reports.
//!
//! Invariants:
//! - pure and synchronous: no I/O, no clock, no randomness; the same inputs give the same output, byte for byte
//!   in every text rendering (everything is sorted);
//! - never a silent pick: an ambiguous link or mapping is a diagnostic listing its candidates, an unknown unit
//!   conversion is an [`Error`] naming the exchange, never a factor of 1;
//! - knows nothing about files, SQL or readers: it takes [`ecoref_model::Dataset`]s and returns plain data
//!   (serde-serializable, so the store can version mappings and link tables).
//!
//! Order of use on an import: [`compute_allocation`] (multi-output → single-output), [`compute_links`],
//! [`compute_flow_mapping`] against a method's flows, [`compute_unmapped_shares`], then
//! [`compute_validation_report`].

mod allocation;
mod error;
mod link;
mod mapping;
pub mod text;
mod units;
mod validate;

pub use allocation::{Allocated, AllocationOptions, AllocationOutput, compute_allocation, products};
pub use error::{Error, Result};
pub use link::{
    ACTIVITY_ID_KEY, Candidate, ExchangeLink, Fallback, LinkOptions, LinkOutput, LinkRule, LinkTable,
    UnresolvedExchange, compute_links, needs_provider,
};
pub use mapping::{
    BUILTIN_SYNONYMS, FactorComparison, FactorPair, FlowMapping, FlowMappingEntry, ImpactLoss, MappingOptions,
    MappingRule, UnmappedFlow, compare_factors, compute_flow_mapping, compute_unmapped_shares,
    flows_from_factor_references,
};
pub use units::UnitTable;
pub use validate::{
    ReferenceProblem, UnitProblem, ValidationInputs, ValidationReport, compute_validation_report,
    cycles_without_production,
};

/// Version of the transforms; bumped whenever an output for the same input changes.
pub const TRANSFORM_VERSION: &str = "0.1.0";
