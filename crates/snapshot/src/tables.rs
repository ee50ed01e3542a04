//! The snapshot's tables as Arrow record batches: one flat row per entity, sorted by id (then dataset and source
//! position), so the same release always gives the same rows in the same order.

use crate::manifest::Manifest;
use crate::{Error, Result};
use arrow_array::{ArrayRef, BooleanArray, Float64Array, RecordBatch, StringArray, UInt32Array};
use ecoref_model::{CORRECTION_PREFIX, Classification, Dataset, Direction, EntityId, FlowKind, SCORE_SCALE_KEY};
use ecoref_store::{ExchangeCells, IdMigration, MethodContent};
use ecoref_transform::{ExchangeLink, FlowMapping};
use std::sync::Arc;

/// Every table a snapshot of this format writes from the release's data, in manifest order. Computed tables
/// (`process_impacts`, see [`PROCESS_IMPACTS`]) follow them.
pub const TABLES: [&str; 12] = [
    "processes",
    "exchanges",
    "flows",
    "flow_properties",
    "units",
    "methods",
    "factors",
    "normalization_weighting",
    "id_migrations",
    "links",
    "flow_mappings",
    "lcia_results",
];

/// The computed table of aggregated impacts (every process × every indicator), added by the compute side.
pub const PROCESS_IMPACTS: &str = "process_impacts";

/// One dataset of a release as a snapshot needs it: its processes without their exchanges, and the exchanges
/// as [`ExchangeCells`] (what the tables hold, a fraction of the model's size).
#[derive(Debug, Clone)]
pub struct SnapshotDataset {
    /// `source@N`.
    pub label: String,
    /// The dataset; its processes' `exchanges` are empty (they are in [`SnapshotDataset::exchanges`]).
    pub dataset: Dataset,
    /// The exchanges of `dataset.processes[i]` at `[i]`, in exchange order.
    pub exchanges: Vec<Vec<ExchangeCells>>,
}

impl SnapshotDataset {
    /// Splits a whole dataset's exchanges off into cells.
    pub fn new(label: impl Into<String>, mut dataset: Dataset) -> Self {
        let exchanges = ExchangeCells::take_from(&mut dataset);
        Self { label: label.into(), dataset, exchanges }
    }

    /// The exchanges of process `i` (none when out of range).
    fn exchanges_of(&self, i: usize) -> &[ExchangeCells] {
        self.exchanges.get(i).map_or(&[], Vec::as_slice)
    }
}

/// What a snapshot is built from: the manifest without its file list, the release's datasets, its method
/// content, its id migrations, links and flow mappings. [`SnapshotData::into_tables`] turns it into the tables.
#[derive(Debug, Clone)]
pub struct SnapshotData {
    pub manifest_base: Manifest,
    pub datasets: Vec<SnapshotDataset>,
    pub method: Option<MethodContent>,
    pub id_migrations: Vec<IdMigration>,
    /// The links each dataset (`source@N`) was validated with at publication.
    pub links: Vec<(String, Vec<ExchangeLink>)>,
    /// The elementary-flow mapping of each dataset onto the method's flows.
    pub flow_mappings: Vec<(String, FlowMapping)>,
}

/// What [`crate::write_snapshot`] writes: the manifest without its file list and every table, the data tables
/// of [`TABLES`] first, then computed ones (e.g. `process_impacts`) in the order they were added.
#[derive(Debug, Clone)]
pub struct SnapshotTables {
    pub manifest_base: Manifest,
    pub tables: Vec<(String, RecordBatch)>,
}

impl SnapshotTables {
    /// The table named `name`, if built.
    pub fn get(&self, name: &str) -> Option<&RecordBatch> {
        self.tables.iter().find(|(table, _)| table == name).map(|(_, batch)| batch)
    }
}

type Opt = Option<String>;

/// A non-null string column, from borrowed or owned values (no intermediate `Vec<String>`).
fn text<S: AsRef<str>>(values: impl Iterator<Item = S>) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(values))
}
/// A nullable string column.
fn opt<S: AsRef<str>>(values: impl Iterator<Item = Option<S>>) -> ArrayRef {
    Arc::new(values.collect::<StringArray>())
}
fn f64s(values: Vec<Option<f64>>) -> ArrayRef {
    Arc::new(Float64Array::from(values))
}
fn bools(values: Vec<bool>) -> ArrayRef {
    Arc::new(BooleanArray::from(values))
}
fn u32s(values: Vec<u32>) -> ArrayRef {
    Arc::new(UInt32Array::from(values))
}

fn batch(table: &str, columns: Vec<(&str, ArrayRef, bool)>) -> Result<RecordBatch> {
    RecordBatch::try_from_iter_with_nullable(columns)
        .map_err(|source| Error::Arrow { file: format!("{table}.parquet"), source })
}

fn classification(classes: &[Classification]) -> Opt {
    classes.first().map(|c| c.path.join(" / "))
}

fn direction(d: Option<Direction>) -> Option<&'static str> {
    d.map(Direction::as_str)
}

fn flow_kind(k: Option<FlowKind>) -> Opt {
    k.map(|k| k.as_str().to_owned())
}

fn position(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

/// Sorts rows by `key` (stable, so equal keys keep source order) and turns them into columns with `columns`.
fn sorted<R, K: Ord>(mut rows: Vec<R>, key: impl Fn(&R) -> K) -> Vec<R> {
    rows.sort_by_key(|r| key(r));
    rows
}

/// One top-level entity of a release: its dataset label (`source@N`), its position in that dataset's list, the
/// entity itself.
struct Row<'a, T>(&'a str, u32, &'a T, &'a SnapshotDataset);

impl SnapshotData {
    /// Every entity of one list across the release's datasets, sorted by id and version, then dataset and source
    /// position (stable, so equal keys keep source order).
    fn top_level<'a, T>(&'a self, list: fn(&Dataset) -> &[T], id: fn(&T) -> &EntityId) -> Vec<Row<'a, T>> {
        let rows = self.datasets.iter().flat_map(|d| {
            list(&d.dataset).iter().enumerate().map(move |(i, e)| Row(d.label.as_str(), position(i), e, d))
        });
        sorted(rows.collect(), |r| (&id(r.2).id, &id(r.2).version, r.0, r.1))
    }
}

/// The leading columns of every top-level table: id, version, dataset, position.
fn key_columns<T>(rows: &[Row<'_, T>], id: fn(&T) -> &EntityId) -> Vec<(&'static str, ArrayRef, bool)> {
    vec![
        ("id", text(rows.iter().map(|r| id(r.2).id.as_str())), false),
        ("version", opt(rows.iter().map(|r| id(r.2).version.as_deref())), true),
        ("dataset", text(rows.iter().map(|r| r.0)), false),
        ("position", u32s(rows.iter().map(|r| r.1).collect()), false),
    ]
}

impl SnapshotData {
    /// Every table of [`TABLES`], built from the data, which is dropped once they are (the tables are all that
    /// a snapshot writes or computes from).
    pub fn into_tables(self) -> Result<SnapshotTables> {
        let built: Vec<(&str, RecordBatch)> = vec![
            ("processes", self.processes()?),
            ("exchanges", self.exchanges()?),
            ("flows", self.flows()?),
            ("flow_properties", self.flow_properties()?),
            ("units", self.units()?),
            ("methods", self.methods()?),
            ("factors", self.factors()?),
            ("normalization_weighting", self.normalization_weighting()?),
            ("id_migrations", self.id_migrations()?),
            ("links", self.links()?),
            ("flow_mappings", self.flow_mappings()?),
            ("lcia_results", self.lcia_results()?),
        ];
        debug_assert!(built.iter().map(|(name, _)| *name).eq(TABLES));
        let tables = built.into_iter().map(|(name, batch)| (name.to_owned(), batch)).collect();
        Ok(SnapshotTables { manifest_base: self.manifest_base, tables })
    }

    /// One row per linked technosphere exchange: the consumer (dataset, process, exchange) and its provider.
    fn links(&self) -> Result<RecordBatch> {
        let rows = self.links.iter().flat_map(|(label, links)| links.iter().map(move |l| (label.as_str(), l)));
        let rows = sorted(rows.collect(), |(label, l)| (*label, &l.process, &l.exchange));
        batch(
            "links",
            vec![
                ("dataset", text(rows.iter().map(|r| r.0)), false),
                ("process_id", text(rows.iter().map(|r| r.1.process.id.as_str())), false),
                ("process_version", opt(rows.iter().map(|r| r.1.process.version.as_deref())), true),
                ("exchange", text(rows.iter().map(|r| r.1.exchange.as_str())), false),
                ("flow_id", text(rows.iter().map(|r| r.1.flow.as_str())), false),
                ("provider_id", text(rows.iter().map(|r| r.1.provider.id.as_str())), false),
                ("provider_version", opt(rows.iter().map(|r| r.1.provider.version.as_deref())), true),
                ("provider_dataset", text(rows.iter().map(|r| r.1.provider_dataset.as_deref().unwrap_or(r.0))), false),
                ("rule", text(rows.iter().map(|r| r.1.rule.as_str())), false),
            ],
        )
    }

    /// One row per mapped elementary flow of a dataset: its flow and the method flow the factors name.
    fn flow_mappings(&self) -> Result<RecordBatch> {
        let rows = self.flow_mappings.iter().flat_map(|(label, m)| m.entries.iter().map(move |e| (label.as_str(), e)));
        let rows = sorted(rows.collect(), |(label, e)| (*label, &e.source_flow));
        batch(
            "flow_mappings",
            vec![
                ("dataset", text(rows.iter().map(|r| r.0)), false),
                ("source_flow", text(rows.iter().map(|r| r.1.source_flow.as_str())), false),
                ("target_flow", text(rows.iter().map(|r| r.1.target_flow.as_str())), false),
                ("rule", text(rows.iter().map(|r| r.1.rule.as_str())), false),
                ("confidence", f64s(rows.iter().map(|r| Some(r.1.confidence)).collect()), false),
            ],
        )
    }

    /// Aggregated LCIA results the sources publish per process (Ecobalyse, EF aggregated data sets).
    fn lcia_results(&self) -> Result<RecordBatch> {
        struct Row<'a>(&'a str, &'a ecoref_model::Process, u32, &'a ecoref_model::LciaResult);
        let rows = self.datasets.iter().flat_map(|d| {
            d.dataset.processes.iter().flat_map(move |p| {
                p.lcia_results.iter().enumerate().map(move |(i, r)| Row(d.label.as_str(), p, position(i), r))
            })
        });
        let rows = sorted(rows.collect(), |r| (&r.1.id.id, &r.1.id.version, r.0, r.2));
        batch(
            "lcia_results",
            vec![
                ("process_id", text(rows.iter().map(|r| r.1.id.id.as_str())), false),
                ("process_version", opt(rows.iter().map(|r| r.1.id.version.as_deref())), true),
                ("dataset", text(rows.iter().map(|r| r.0)), false),
                ("position", u32s(rows.iter().map(|r| r.2).collect()), false),
                ("method_id", text(rows.iter().map(|r| r.3.method.id.as_str())), false),
                ("method_name", opt(rows.iter().map(|r| r.3.method.description.as_deref())), true),
                ("amount", f64s(rows.iter().map(|r| r.3.amount).collect()), true),
            ],
        )
    }

    fn processes(&self) -> Result<RecordBatch> {
        let id: fn(&ecoref_model::Process) -> &EntityId = |e| &e.id;
        let rows = self.top_level(|d| &d.processes, id);
        fn exchanges<'a>(r: &Row<'a, ecoref_model::Process>) -> &'a [ExchangeCells] {
            r.3.exchanges_of(r.1 as usize)
        }
        fn reference<'a>(r: &Row<'a, ecoref_model::Process>) -> Option<&'a str> {
            exchanges(r).iter().find(|e| e.is_reference).map(|e| e.flow_id.as_str())
        }
        batch(
            "processes",
            [
                key_columns(&rows, id),
                vec![
                    ("name", text(rows.iter().map(|r| r.2.name.as_str())), false),
                    ("location", opt(rows.iter().map(|r| r.2.location.as_deref())), true),
                    ("process_type", opt(rows.iter().map(|r| r.2.process_type.as_deref())), true),
                    ("reference_year", opt(rows.iter().map(|r| r.2.reference_year.as_deref())), true),
                    ("classification", opt(rows.iter().map(|r| classification(&r.2.classifications))), true),
                    ("reference_flow_id", opt(rows.iter().map(reference)), true),
                    ("n_exchanges", u32s(rows.iter().map(|r| position(exchanges(r).len())).collect()), false),
                ],
            ]
            .concat(),
        )
    }

    fn exchanges(&self) -> Result<RecordBatch> {
        struct Row<'a>(&'a str, &'a ecoref_model::Process, u32, &'a ExchangeCells);
        let rows = self.datasets.iter().flat_map(|d| {
            d.dataset.processes.iter().enumerate().flat_map(move |(p, process)| {
                d.exchanges_of(p).iter().enumerate().map(move |(i, e)| Row(d.label.as_str(), process, position(i), e))
            })
        });
        let rows = sorted(rows.collect(), |r| (&r.1.id.id, &r.1.id.version, r.0, r.2));
        batch(
            "exchanges",
            vec![
                ("process_id", text(rows.iter().map(|r| r.1.id.id.as_str())), false),
                ("process_version", opt(rows.iter().map(|r| r.1.id.version.as_deref())), true),
                ("dataset", text(rows.iter().map(|r| r.0)), false),
                ("position", u32s(rows.iter().map(|r| r.2).collect()), false),
                ("internal_id", text(rows.iter().map(|r| r.3.internal_id.as_str())), false),
                ("flow_id", text(rows.iter().map(|r| r.3.flow_id.as_str())), false),
                ("flow_version", opt(rows.iter().map(|r| r.3.flow_version.as_deref())), true),
                ("direction", opt(rows.iter().map(|r| r.3.direction.as_deref())), true),
                ("kind", opt(rows.iter().map(|r| r.3.kind.as_deref())), true),
                ("is_reference", bools(rows.iter().map(|r| r.3.is_reference).collect()), false),
                ("amount", f64s(rows.iter().map(|r| r.3.amount).collect()), true),
                ("unit", opt(rows.iter().map(|r| r.3.unit.as_deref())), true),
                ("provider_id", opt(rows.iter().map(|r| r.3.provider_id.as_deref())), true),
                ("location", opt(rows.iter().map(|r| r.3.location.as_deref())), true),
            ],
        )
    }

    fn flows(&self) -> Result<RecordBatch> {
        let id: fn(&ecoref_model::Flow) -> &EntityId = |e| &e.id;
        let rows = self.top_level(|d| &d.flows, id);
        fn reference_property(f: &ecoref_model::Flow) -> Option<&str> {
            f.reference_flow_property().map(|p| p.flow_property.id.as_str())
        }
        batch(
            "flows",
            [
                key_columns(&rows, id),
                vec![
                    ("name", text(rows.iter().map(|r| r.2.name.as_str())), false),
                    ("kind", opt(rows.iter().map(|r| flow_kind(r.2.kind))), true),
                    ("cas", opt(rows.iter().map(|r| r.2.cas.as_deref())), true),
                    ("compartment", opt(rows.iter().map(|r| compartment(&r.2.compartment))), true),
                    ("location", opt(rows.iter().map(|r| r.2.location.as_deref())), true),
                    ("reference_flow_property_id", opt(rows.iter().map(|r| reference_property(r.2))), true),
                    ("reference_unit", opt(rows.iter().map(|r| r.2.reference_unit.as_deref())), true),
                ],
            ]
            .concat(),
        )
    }

    fn flow_properties(&self) -> Result<RecordBatch> {
        let id: fn(&ecoref_model::FlowProperty) -> &EntityId = |e| &e.id;
        let rows = self.top_level(|d| &d.flow_properties, id);
        batch(
            "flow_properties",
            [
                key_columns(&rows, id),
                vec![
                    ("name", text(rows.iter().map(|r| r.2.name.as_str())), false),
                    ("unit_group_id", opt(rows.iter().map(|r| r.2.unit_group.as_ref().map(|g| g.id.as_str()))), true),
                    ("reference_unit", opt(rows.iter().map(|r| r.2.reference_unit.as_deref())), true),
                ],
            ]
            .concat(),
        )
    }

    fn units(&self) -> Result<RecordBatch> {
        struct Row<'a>(&'a str, &'a ecoref_model::UnitGroup, u32, &'a ecoref_model::Unit);
        let rows = self.datasets.iter().flat_map(|d| {
            d.dataset.unit_groups.iter().flat_map(move |g| {
                g.units.iter().enumerate().map(move |(i, u)| Row(d.label.as_str(), g, position(i), u))
            })
        });
        let rows = sorted(rows.collect(), |r| (&r.1.id.id, &r.1.id.version, r.0, r.2));
        batch(
            "units",
            vec![
                ("unit_group_id", text(rows.iter().map(|r| r.1.id.id.as_str())), false),
                ("unit_group_version", opt(rows.iter().map(|r| r.1.id.version.as_deref())), true),
                ("dataset", text(rows.iter().map(|r| r.0)), false),
                ("position", u32s(rows.iter().map(|r| r.2).collect()), false),
                ("unit_group_name", text(rows.iter().map(|r| r.1.name.as_str())), false),
                ("name", text(rows.iter().map(|r| r.3.name.as_str())), false),
                ("factor", f64s(rows.iter().map(|r| r.3.factor).collect()), true),
                ("is_reference", bools(rows.iter().map(|r| r.3.is_reference).collect()), false),
            ],
        )
    }

    fn indicators(&self) -> Vec<&ecoref_model::LciaMethod> {
        let mut indicators: Vec<&ecoref_model::LciaMethod> =
            self.method.iter().flat_map(|m| m.indicators.iter()).collect();
        indicators.sort_by(|a, b| a.id.cmp(&b.id));
        indicators
    }

    /// The release method's indicators (not every LCIA method data set of the datasets).
    fn methods(&self) -> Result<RecordBatch> {
        let rows = self.indicators();
        batch(
            "methods",
            vec![
                ("id", text(rows.iter().map(|m| m.id.id.as_str())), false),
                ("version", opt(rows.iter().map(|m| m.id.version.as_deref())), true),
                ("name", text(rows.iter().map(|m| m.name.as_str())), false),
                ("methodologies", text(rows.iter().map(|m| m.methodologies.join("; "))), false),
                ("impact_category", opt(rows.iter().map(|m| m.impact_category.as_deref())), true),
                ("impact_indicator", opt(rows.iter().map(|m| m.impact_indicator.as_deref())), true),
                ("unit", opt(rows.iter().map(|m| m.unit.as_deref())), true),
                ("n_factors", u32s(rows.iter().map(|m| position(m.factors.len())).collect()), false),
            ],
        )
    }

    fn factors(&self) -> Result<RecordBatch> {
        struct Row<'a>(&'a ecoref_model::LciaMethod, u32, &'a ecoref_model::CharacterizationFactor);
        let rows = self
            .indicators()
            .into_iter()
            .flat_map(|m| m.factors.iter().enumerate().map(move |(i, f)| Row(m, position(i), f)));
        let rows = sorted(rows.collect(), |r| (&r.0.id, &r.2.flow.id, r.2.direction, &r.2.location, r.1));
        batch(
            "factors",
            vec![
                ("method_id", text(rows.iter().map(|r| r.0.id.id.as_str())), false),
                ("method_version", opt(rows.iter().map(|r| r.0.id.version.as_deref())), true),
                ("position", u32s(rows.iter().map(|r| r.1).collect()), false),
                ("flow_id", text(rows.iter().map(|r| r.2.flow.id.as_str())), false),
                ("flow_version", opt(rows.iter().map(|r| r.2.flow.version.as_deref())), true),
                ("flow_name", opt(rows.iter().map(|r| r.2.flow.description.as_deref())), true),
                ("direction", opt(rows.iter().map(|r| direction(r.2.direction))), true),
                ("location", opt(rows.iter().map(|r| r.2.location.as_deref())), true),
                ("value", f64s(rows.iter().map(|r| Some(r.2.value)).collect()), false),
            ],
        )
    }

    fn normalization_weighting(&self) -> Result<RecordBatch> {
        struct Row<'a>(&'a ecoref_model::NormalizationWeightingSet, u32, &'a ecoref_model::NormalizationWeighting);
        let rows = self.method.iter().flat_map(|m| {
            m.nw_sets.iter().flat_map(|s| s.entries.iter().enumerate().map(move |(i, e)| Row(s, position(i), e)))
        });
        let rows = sorted(rows.collect(), |r| (&r.0.name, &r.0.method, &r.2.category, r.1));
        batch(
            "normalization_weighting",
            vec![
                ("set_name", text(rows.iter().map(|r| r.0.name.as_str())), false),
                ("method", opt(rows.iter().map(|r| r.0.method.as_deref())), true),
                ("position", u32s(rows.iter().map(|r| r.1).collect()), false),
                ("category", text(rows.iter().map(|r| r.2.category.as_str())), false),
                ("normalization", f64s(rows.iter().map(|r| r.2.normalization).collect()), true),
                ("normalization_is_factor", bools(rows.iter().map(|r| r.2.normalization_is_factor).collect()), false),
                ("weighting", f64s(rows.iter().map(|r| r.2.weighting).collect()), true),
                ("scale", f64s(rows.iter().map(|r| Some(set_scale(r.0))).collect()), false),
                ("correction", opt(rows.iter().map(|r| set_correction(r.0, &r.2.category))), true),
            ],
        )
    }

    fn id_migrations(&self) -> Result<RecordBatch> {
        let rows = sorted(self.id_migrations.iter().collect(), |m| (&m.old_id, &m.new_id));
        batch(
            "id_migrations",
            vec![
                ("old_id", text(rows.iter().map(|m| m.old_id.as_str())), false),
                ("new_id", text(rows.iter().map(|m| m.new_id.as_str())), false),
                ("reason", text(rows.iter().map(|m| m.reason.as_str())), false),
            ],
        )
    }
}

/// The set's score scale (metadata [`SCORE_SCALE_KEY`], 1 when absent or unreadable).
fn set_scale(set: &ecoref_model::NormalizationWeightingSet) -> f64 {
    set.metadata
        .get(SCORE_SCALE_KEY)
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite())
        .unwrap_or(1.0)
}

/// The correction formula of one category of the set (metadata `correction.<category>`).
fn set_correction(set: &ecoref_model::NormalizationWeightingSet, category: &str) -> Opt {
    set.metadata.get(&format!("{CORRECTION_PREFIX}{category}")).cloned()
}

fn compartment(path: &[String]) -> Opt {
    (!path.is_empty()).then(|| path.join(" / "))
}
