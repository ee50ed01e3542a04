//! The aggregated impacts of every process (`M = Q B A⁻¹`, every process × every indicator): computed when a
//! snapshot is written, stored as its `process_impacts` table, read back by scoring.

use crate::columns::{Table, Tables};
use crate::system::{Model, build};
use crate::{Error, Result};
use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use ecoref_compute::{FactorStats, ImpactMatrix};
use ecoref_snapshot::{Manifest, PROCESS_IMPACTS, SnapshotTables};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

/// What computing the process impacts of a release did.
#[derive(Debug, Clone, Serialize)]
pub struct ImpactsReport {
    pub build: crate::BuildReport,
    pub n_activities: usize,
    pub n_blocks: usize,
    pub largest_block: usize,
    pub seconds_build: f64,
    pub seconds_factorize: f64,
    pub seconds_all_process_impacts: f64,
    /// sha256 of the impact matrix values (activity-major, little-endian).
    pub matrix_hash: String,
}

/// Builds the system of `tables`, factorizes it and computes every process's aggregated impacts.
pub fn compute_process_impacts(tables: &Tables, manifest: &Manifest) -> Result<(Model, ImpactMatrix, ImpactsReport)> {
    let started = Instant::now();
    let (model, system) = build(tables, manifest)?;
    let seconds_build = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let factorized = ecoref_compute::factorize(&system).map_err(Error::Compute)?;
    let seconds_factorize = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let mut matrix = factorized.all_process_impacts();
    if model.treats_waste.iter().any(|w| *w) {
        // Per unit of waste treated: the column of a demand of −1.
        let k = matrix.n_categories();
        let mut values = matrix.as_activity_major().to_vec();
        for (j, _) in model.treats_waste.iter().enumerate().filter(|(_, w)| **w) {
            for v in &mut values[j * k..(j + 1) * k] {
                *v = -*v;
            }
        }
        matrix = ImpactMatrix::from_activity_major(k, matrix.n_activities(), values).map_err(Error::Compute)?;
    }
    let seconds_all = started.elapsed().as_secs_f64();
    let FactorStats { n_activities, n_blocks, largest_block, .. } = factorized.stats();
    let report = ImpactsReport {
        build: model.report.clone(),
        n_activities,
        n_blocks,
        largest_block,
        seconds_build,
        seconds_factorize,
        seconds_all_process_impacts: seconds_all,
        matrix_hash: matrix.hash().0,
    };
    Ok((model, matrix, report))
}

/// The tables of `data` as [`Tables`] (each one batch, shared, not copied), to build a system before the snapshot
/// is written.
pub fn tables_of(data: &SnapshotTables) -> Tables {
    data.tables.iter().map(|(name, batch)| (name.clone(), vec![batch.clone()])).collect()
}

/// Computes the process impacts of a release about to be snapshotted and adds them to `data` as the
/// `process_impacts` table. A release without a method gets no table (the manifest says so).
pub fn add_process_impacts(data: &mut SnapshotTables) -> Result<Option<ImpactsReport>> {
    // The `methods` table holds the release method's indicators: none, no method to compute with.
    if data.get("methods").is_none_or(|methods| methods.num_rows() == 0) {
        data.manifest_base.tables_not_written = vec![format!("{PROCESS_IMPACTS} (the release has no method)")];
        return Ok(None);
    }
    let tables = tables_of(data);
    let (model, matrix, report) = compute_process_impacts(&tables, &data.manifest_base)?;
    data.tables.push((PROCESS_IMPACTS.to_owned(), impacts_batch(&model, &matrix)?));
    Ok(Some(report))
}

/// One row per (process, indicator), in process then indicator order.
fn impacts_batch(model: &Model, matrix: &ImpactMatrix) -> Result<RecordBatch> {
    let k = model.indicators.len();
    let n = model.processes.len();
    let mut process_id = Vec::with_capacity(n * k);
    let mut dataset = Vec::with_capacity(n * k);
    let mut indicator = Vec::with_capacity(n * k);
    let mut value = Vec::with_capacity(n * k);
    for (j, process) in model.processes.iter().enumerate() {
        let impacts = matrix.activity(j).unwrap_or(&[]);
        for (c, info) in model.indicators.iter().enumerate() {
            process_id.push(process.id.clone());
            dataset.push(process.dataset.clone());
            indicator.push(info.id.clone());
            value.push(impacts.get(c).copied().unwrap_or(0.0));
        }
    }
    let columns: Vec<(&str, ArrayRef, bool)> = vec![
        ("process_id", Arc::new(StringArray::from(process_id)), false),
        ("dataset", Arc::new(StringArray::from(dataset)), false),
        ("indicator_id", Arc::new(StringArray::from(indicator)), false),
        ("value", Arc::new(Float64Array::from(value)), false),
    ];
    RecordBatch::try_from_iter_with_nullable(columns)
        .map_err(|e| Error::Snapshot(format!("{PROCESS_IMPACTS}.parquet: {e}")))
}

/// Reads the `process_impacts` table back into a matrix in the model's process and indicator order; every
/// (process, indicator) must be there exactly once.
pub(crate) fn read_process_impacts(tables: &Tables, model: &Model, manifest: &Manifest) -> Result<ImpactMatrix> {
    if !tables.contains_key(PROCESS_IMPACTS) {
        return Err(crate::system::missing_impacts(manifest));
    }
    let table = Table::get(tables, PROCESS_IMPACTS)?;
    let process = table.strings("process_id")?;
    let dataset = table.strings("dataset")?;
    let indicator = table.strings("indicator_id")?;
    let value = table.opt_f64s("value")?;
    let k = model.indicators.len();
    let n = model.processes.len();
    let activity: HashMap<(&str, &str), usize> =
        model.processes.iter().enumerate().map(|(j, p)| ((p.dataset.as_str(), p.id.as_str()), j)).collect();
    let category: BTreeMap<&str, usize> =
        model.indicators.iter().enumerate().map(|(c, i)| (i.id.as_str(), c)).collect();
    let mut values = vec![f64::NAN; n * k];
    for row in 0..process.len() {
        let bad = |what: &str| Error::Snapshot(format!("{PROCESS_IMPACTS}.parquet: row {row}: {what}"));
        let j = *activity
            .get(&(dataset[row], process[row]))
            .ok_or_else(|| bad(&format!("unknown process {}:{}", dataset[row], process[row])))?;
        let c = *category.get(indicator[row]).ok_or_else(|| bad(&format!("unknown indicator {}", indicator[row])))?;
        values[j * k + c] = value[row].ok_or_else(|| bad("null value"))?;
    }
    if let Some(missing) = values.iter().position(|v| v.is_nan()) {
        return Err(Error::Snapshot(format!(
            "{PROCESS_IMPACTS}.parquet: no value for process {} and indicator {}",
            model.processes[missing / k.max(1)].id,
            model.indicators[missing % k.max(1)].id
        )));
    }
    ImpactMatrix::from_activity_major(k, n, values).map_err(Error::Compute)
}

/// What [`impacts_export_hash`] hashes, said in every export that carries it.
pub const IMPACTS_EXPORT_HASH_OF: &str = "sha256 of the exported numbers as little-endian f64, process by process (in export order), each process's \
     indicators then its single scores";

/// The result hash of the `ecoref impacts` export of `release`: [`IMPACTS_EXPORT_HASH_OF`], with the hash
/// function of every other result ([`ecoref_compute::result_hash`]).
pub fn impacts_export_hash(release: &crate::LoadedRelease) -> String {
    let mut values = Vec::with_capacity(release.processes().len() * (release.indicators().len() + 1));
    for j in 0..release.processes().len() {
        values.extend_from_slice(release.process_impacts(j));
        values.extend(release.process_single_scores(j).iter().map(|(_, v)| *v));
    }
    ecoref_compute::result_hash(&values).0
}

/// Every process × every indicator as one wide table: process id, dataset, name, location, unit, then one
/// column per indicator (named by indicator id) and one per single score (`score:<name>`).
pub fn impacts_wide_batch(release: &crate::LoadedRelease) -> Result<RecordBatch> {
    let processes = release.processes();
    let text = |f: &dyn Fn(&crate::ProcessInfo) -> Option<String>| -> ArrayRef {
        Arc::new(StringArray::from(processes.iter().map(f).collect::<Vec<_>>()))
    };
    let mut columns: Vec<(String, ArrayRef, bool)> = vec![
        ("process_id".to_owned(), text(&|p| Some(p.id.clone())), false),
        ("dataset".to_owned(), text(&|p| Some(p.dataset.clone())), false),
        ("name".to_owned(), text(&|p| Some(p.name.clone())), false),
        ("location".to_owned(), text(&|p| p.location.clone()), true),
        ("unit".to_owned(), text(&|p| p.unit.clone()), true),
    ];
    for (c, indicator) in release.indicators().iter().enumerate() {
        let values: Vec<f64> = (0..processes.len()).map(|j| release.process_impacts(j)[c]).collect();
        columns.push((indicator.id.clone(), Arc::new(Float64Array::from(values)), false));
    }
    for (s, name) in release.weighting_sets().iter().enumerate() {
        let values: Vec<f64> = (0..processes.len()).map(|j| release.process_single_scores(j)[s].1).collect();
        columns.push((format!("score:{name}"), Arc::new(Float64Array::from(values)), false));
    }
    RecordBatch::try_from_iter_with_nullable(columns.iter().map(|(n, a, null)| (n.as_str(), a.clone(), *null)))
        .map_err(|e| Error::Snapshot(format!("impacts table: {e}")))
}
