//! The API's request and response bodies, with their OpenAPI schemas. They are the API's contract, owned here
//! and converted from the scoring crate's types, so the wire format changes only when this file does.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

/// `GET /health`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct Health {
    #[schema(example = "ok")]
    pub(crate) status: String,
    /// The ecoref version of the server.
    #[schema(example = "0.1.0")]
    pub(crate) version: String,
    /// Releases served now.
    pub(crate) n_releases: usize,
}

/// `GET /`: where to go next.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct Index {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) docs: String,
    pub(crate) openapi: String,
    pub(crate) releases: String,
}

/// `GET /releases`: every release served, and every tag with the release it points to.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ReleaseList {
    pub(crate) releases: Vec<ReleaseSummary>,
    /// Tag → release name (a tag resolves like a release name in every path).
    pub(crate) tags: BTreeMap<String, String>,
}

/// One release, in a list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ReleaseSummary {
    #[schema(example = "2026.2")]
    pub(crate) name: String,
    /// sha256 of the snapshot's `manifest.json`: the identity every result cites.
    pub(crate) manifest_sha256: String,
    pub(crate) published_at: Option<String>,
    pub(crate) published_by: Option<String>,
    pub(crate) notes: Option<String>,
    /// The LCIA method as `name@version`.
    pub(crate) method: Option<String>,
    pub(crate) n_processes: usize,
    pub(crate) n_indicators: usize,
    /// Names of the single scores (normalization-weighting sets), e.g. `ecs`, `pef`.
    pub(crate) weighting_sets: Vec<String>,
    /// True when a source of the release is restricted: detailed indicators of its processes need a token.
    pub(crate) restricted: bool,
    /// Tags pointing to this release.
    pub(crate) tags: Vec<String>,
}

/// `GET /releases/{release}`: the release with its manifest (sources, method, files) and indicators.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ReleaseDetail {
    pub(crate) release: ReleaseSummary,
    /// The tag the path named, when it was a tag.
    pub(crate) resolved_from_tag: Option<String>,
    pub(crate) format_version: u32,
    pub(crate) ecoref_version: String,
    pub(crate) created_by: String,
    pub(crate) sources: Vec<Source>,
    pub(crate) method: Option<Method>,
    pub(crate) indicators: Vec<Indicator>,
    pub(crate) files: Vec<SnapshotFile>,
}

/// A dataset version of the release, with its provenance.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct Source {
    /// `source@N`.
    #[schema(example = "agribalyse@3")]
    pub(crate) dataset: String,
    pub(crate) source_name: String,
    pub(crate) version_number: i64,
    /// sha256 of the dataset version's canonical content.
    pub(crate) content_hash: String,
    /// `open` or `restricted`.
    #[schema(example = "open")]
    pub(crate) licence_class: String,
    /// Entity counts (processes, flows, …).
    pub(crate) counts: BTreeMap<String, u64>,
    /// The reader that imported it (`name version`).
    pub(crate) reader: Option<String>,
    /// The imported files, pinned by sha256.
    pub(crate) inputs: Vec<InputFile>,
}

/// An imported file.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct InputFile {
    pub(crate) name: String,
    pub(crate) sha256: String,
    pub(crate) size_bytes: u64,
}

/// The release's LCIA method.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct Method {
    /// `name@version`.
    #[schema(example = "ef@3.1")]
    pub(crate) label: String,
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) methodology: Option<String>,
    pub(crate) dataset: String,
    pub(crate) weights: Option<String>,
    pub(crate) content_hash: String,
    pub(crate) n_indicators: i64,
    pub(crate) n_factors: i64,
}

/// An impact indicator (category) of the method.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct Indicator {
    pub(crate) id: String,
    #[schema(example = "Climate change")]
    pub(crate) name: String,
    #[schema(example = "kg CO2 eq")]
    pub(crate) unit: Option<String>,
}

/// A file of the snapshot.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct SnapshotFile {
    pub(crate) name: String,
    pub(crate) table: String,
    pub(crate) sha256: String,
    pub(crate) rows: u64,
    pub(crate) bytes: u64,
}

/// Query of `GET /releases/{release}/processes`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProcessQuery {
    /// Words that must all occur in the process name or id (case-insensitive).
    #[param(example = "coal")]
    pub(crate) q: Option<String>,
    /// Classification prefix, segment by segment, case-insensitive: `Energy` matches `Energy / Hard coal`.
    pub(crate) category: Option<String>,
    /// Location code, exact and case-insensitive (`FR`, `GLO`).
    pub(crate) location: Option<String>,
    /// Source name (or `source@N`) the process comes from, e.g. `agribalyse`.
    pub(crate) scope: Option<String>,
    /// Page size (default 50, at most the server's page size limit, 500 unless configured).
    #[param(minimum = 1, maximum = 500)]
    pub(crate) limit: Option<i64>,
    /// How many matches to skip.
    #[param(minimum = 0)]
    pub(crate) offset: Option<i64>,
}

/// One page of a process search, in name order.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ProcessPage {
    pub(crate) release: String,
    pub(crate) items: Vec<ProcessSummary>,
    /// Matches in all pages.
    pub(crate) total: usize,
    pub(crate) limit: usize,
    pub(crate) offset: usize,
    /// The offset of the next page, absent on the last one.
    pub(crate) next_offset: Option<usize>,
}

/// A process's metadata.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ProcessSummary {
    pub(crate) id: String,
    #[schema(example = "Coal extraction")]
    pub(crate) name: String,
    #[schema(example = "GLO")]
    pub(crate) location: Option<String>,
    /// `source@N` it comes from.
    pub(crate) dataset: String,
    /// Unit of its reference product (what one "unit" of the process is).
    pub(crate) unit: Option<String>,
    /// Classification path, segments joined by ` / `.
    pub(crate) classification: Option<String>,
    pub(crate) process_type: Option<String>,
    /// True when its source, or a supplier upstream, is restricted: detailed indicators need a token.
    pub(crate) restricted: bool,
}

/// Query of `GET /releases/{release}/processes/{process_id}`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProcessDetailQuery {
    /// How many upstream contributions to return (default 10, at most 100 unless configured).
    #[param(minimum = 0, maximum = 100)]
    pub(crate) top: Option<i64>,
}

/// `GET /releases/{release}/processes/{process_id}`: metadata, impacts per unit of the process, single scores,
/// and the upstream processes that contribute most.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ProcessDetail {
    pub(crate) release: String,
    pub(crate) manifest_sha256: String,
    /// The id asked for, when an id migration of the release led to another process.
    pub(crate) requested_id: Option<String>,
    pub(crate) process: ProcessSummary,
    /// True when per-indicator values are withheld (restricted data, no valid token).
    pub(crate) indicators_hidden: bool,
    /// Impacts per unit of the process, one per indicator; absent when hidden.
    pub(crate) indicators: Option<Vec<IndicatorValue>>,
    pub(crate) single_scores: Vec<SingleScore>,
    pub(crate) top_contributions: Vec<ProcessContribution>,
}

/// One indicator's value.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct IndicatorValue {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) unit: Option<String>,
    pub(crate) value: f64,
}

/// One single score (a normalization-weighting set applied to the indicators).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct SingleScore {
    /// The set's name, e.g. `ecs` or `pef`.
    pub(crate) name: String,
    pub(crate) value: f64,
}

/// An upstream process's share of one unit of a process (the process itself included).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ProcessContribution {
    pub(crate) process_id: String,
    pub(crate) process_name: String,
    pub(crate) location: Option<String>,
    /// How much of its product one unit of the process requires.
    pub(crate) supply: f64,
    /// Its single scores' contributions, by set.
    pub(crate) single_scores: Vec<SingleScore>,
    /// Its contribution to each indicator, in the release's indicator order; absent when hidden.
    pub(crate) indicators: Option<Vec<f64>>,
}

/// `POST /releases/{release}/score`: a product, i.e. a bill of items.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "T-shirt",
    "items": [
        {"process": "b2340802-bde9-56e4-984f-37110706225e", "amount": 0.25},
        {"name": "Coal extraction", "amount": 1.5, "unit": "kg"}
    ]
}))]
pub(crate) struct ProductInput {
    pub(crate) name: Option<String>,
    /// Country substituted for electricity and heat of every item that does not say otherwise.
    pub(crate) country: Option<String>,
    pub(crate) items: Vec<ItemInput>,
}

/// One item of a product: a process (by `process` id, or by `name` and optional `location`), the country's
/// electricity or heat (`energy`), or a sub-assembly (`items`, multiplied by `amount`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ItemInput {
    /// The process id (id migrations of the release are followed).
    pub(crate) process: Option<String>,
    /// The process name, when no id is given (with `location` when several share the name).
    pub(crate) name: Option<String>,
    pub(crate) location: Option<String>,
    /// The country's electricity or heat (see `country`), instead of a process.
    pub(crate) energy: Option<Energy>,
    /// Amount in `unit` (default: the process's own unit); for a sub-assembly, how many of it. Default 1.
    #[serde(default = "one")]
    #[schema(default = 1.0)]
    pub(crate) amount: f64,
    pub(crate) unit: Option<String>,
    /// Country substitution for this item and its sub-items.
    pub(crate) country: Option<String>,
    /// Sub-assembly: items that make up one unit of this item.
    #[serde(default)]
    #[schema(no_recursion)]
    pub(crate) items: Vec<ItemInput>,
}

fn one() -> f64 {
    1.0
}

/// Which energy an item takes from its country.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Energy {
    Electricity,
    Heat,
}

/// The score of a product: impacts, single scores, contributions per item, and the hash of the exact result.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ScoreResponse {
    pub(crate) release: String,
    /// sha256 of the snapshot's manifest.json: the exact data scored.
    pub(crate) manifest_sha256: String,
    /// The scoring engine and its version.
    pub(crate) engine: String,
    /// The product's name, as given.
    pub(crate) product: Option<String>,
    /// True when a restricted source is involved.
    pub(crate) restricted: bool,
    /// True when per-indicator values are withheld (restricted, no valid token).
    pub(crate) indicators_hidden: bool,
    /// Total impacts, one per indicator; absent when hidden.
    pub(crate) indicators: Option<Vec<IndicatorValue>>,
    pub(crate) single_scores: Vec<SingleScore>,
    /// One entry per leaf item, in bill order.
    pub(crate) contributions: Vec<ItemContribution>,
    /// sha256 of the country table used for substitution, if any.
    pub(crate) countries_sha256: Option<String>,
    /// sha256 of every number of the full result (indicators, single scores, each contribution's), bit for bit:
    /// the same product on the same release always gives the same hash.
    pub(crate) result_hash: String,
}

/// What one leaf item of the product contributes.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ItemContribution {
    /// Where the item is in the product, e.g. `items[2].items[0]`.
    pub(crate) path: String,
    pub(crate) process_id: String,
    pub(crate) process_name: String,
    pub(crate) location: Option<String>,
    /// Amount in the process's unit, multiplied through the sub-assemblies.
    pub(crate) amount: f64,
    pub(crate) unit: Option<String>,
    /// The process the bill named, when country substitution replaced it.
    pub(crate) substituted_from: Option<String>,
    pub(crate) single_scores: Vec<SingleScore>,
    /// The item's impact per indicator, in the release's indicator order; absent when hidden.
    pub(crate) indicators: Option<Vec<f64>>,
}

/// Query of `GET /releases/{release}/diff/{other}`.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct DiffQuery {
    /// Relative change below which a value counts as unchanged (default 1e-9).
    #[param(minimum = 0.0)]
    pub(crate) threshold: Option<f64>,
    /// Page size of each list (added, removed, changed); default 50, at most the page size limit.
    #[param(minimum = 1, maximum = 500)]
    pub(crate) limit: Option<i64>,
    /// How many entries of each list to skip.
    #[param(minimum = 0)]
    pub(crate) offset: Option<i64>,
}

/// `GET /releases/{release}/diff/{other}`: what changed from `from` to `to`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct Diff {
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) threshold: f64,
    pub(crate) n_added: usize,
    pub(crate) n_removed: usize,
    pub(crate) n_changed: usize,
    pub(crate) n_unchanged: usize,
    /// Indicators only in `to`, or only in `from`, by id.
    pub(crate) indicators_added: Vec<String>,
    pub(crate) indicators_removed: Vec<String>,
    pub(crate) limit: usize,
    pub(crate) offset: usize,
    pub(crate) added: Vec<ProcessSummary>,
    pub(crate) removed: Vec<ProcessSummary>,
    pub(crate) changed: Vec<ProcessChange>,
}

/// A process present on both sides whose metadata or impacts changed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ProcessChange {
    /// The id in `to`.
    pub(crate) id: String,
    /// The id in `from`, when an id migration renamed it.
    pub(crate) from_id: Option<String>,
    pub(crate) name: String,
    pub(crate) restricted: bool,
    /// Metadata fields that changed.
    pub(crate) fields: Vec<FieldChange>,
    pub(crate) single_scores: Vec<ValueChange>,
    /// True when per-indicator changes are withheld (restricted, no valid token).
    pub(crate) indicators_hidden: bool,
    /// Indicators whose value moved by more than the threshold; absent when hidden.
    pub(crate) indicators: Option<Vec<ValueChange>>,
}

/// A metadata field before and after.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct FieldChange {
    pub(crate) field: String,
    pub(crate) from: Option<String>,
    pub(crate) to: Option<String>,
}

/// A value before and after (an indicator by id, or a single score by name).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct ValueChange {
    pub(crate) id: String,
    pub(crate) from: f64,
    pub(crate) to: f64,
    /// (to − from) / max(|from|, |to|); 0 when both are 0.
    pub(crate) relative_change: f64,
}
