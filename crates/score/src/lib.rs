//! Scoring from a release snapshot, with no database: the LCA system (A, B, Q) built from the snapshot's tables,
//! every process's aggregated impacts (computed when the snapshot is written, stored in it, read back here),
//! product bills scored as sparse dot products over those impacts, contributions from one solve.
//!
//! - [`add_process_impacts`]: at `snapshot write`, computes `M = Q B A⁻¹` and adds the `process_impacts` table;
//! - [`LoadedRelease::open`]: reads and verifies a snapshot, rebuilds its index and reads the impacts;
//! - [`LoadedRelease::score`]: a [`Product`] → indicators, single scores, per-item contributions, result hash.
//!
//! Results are bit-reproducible: fixed index orders, sums in item order, and a hash of the exact bytes.

mod columns;
mod impacts;
mod product;
mod system;
mod units;

pub use columns::Tables;
pub use impacts::{
    IMPACTS_EXPORT_HASH_OF, ImpactsReport, add_process_impacts, compute_process_impacts, impacts_export_hash,
    impacts_wide_batch, tables_of,
};
pub use product::{BillFormat, Countries, Energy, Item, Product, ProductError};
pub use system::{BuildReport, IndicatorInfo, Model, ProcessInfo, build};

use ecoref_compute::{Factorized, ImpactMatrix, System, WeightingSet, result_hash, single_score};
use ecoref_snapshot::Manifest;
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Name and version of this engine, cited by every result.
pub const ENGINE: &str = concat!("ecoref-score ", env!("CARGO_PKG_VERSION"));

/// Errors of reading a snapshot or building its system.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("snapshot: {0}")]
    Snapshot(String),
    #[error(transparent)]
    Read(#[from] ecoref_snapshot::Error),
    #[error("compute: {0}")]
    Compute(ecoref_compute::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A published release loaded from its snapshot, ready to score. Immutable; share it between threads.
#[derive(Debug)]
pub struct LoadedRelease {
    dir: PathBuf,
    manifest: Manifest,
    manifest_sha256: String,
    model: Model,
    system: System,
    impacts: ImpactMatrix,
    /// Lower-case process name → processes, for lookups by name.
    by_name: HashMap<String, Vec<usize>>,
    countries: Option<Countries>,
    factorized: OnceLock<std::result::Result<Factorized, String>>,
}

/// One indicator's value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorValue {
    pub id: String,
    pub name: String,
    pub unit: Option<String>,
    pub value: f64,
}

/// One single score (normalized and weighted sum).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SingleScore {
    pub name: String,
    pub value: f64,
}

/// What one leaf item of a bill contributes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemContribution {
    /// `items[0].items[2]`.
    pub path: String,
    pub process_id: String,
    pub process_name: String,
    pub location: Option<String>,
    /// Amount in the process's unit, after multiplying through the sub-assemblies.
    pub amount: f64,
    pub unit: Option<String>,
    /// Set when country substitution replaced the process the bill named.
    pub substituted_from: Option<String>,
    /// One value per indicator, in the release's indicator order.
    pub indicators: Vec<f64>,
    /// One value per single score, in [`ScoreResult::single_scores`] order.
    pub single_scores: Vec<f64>,
}

/// The score of a product on a release.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreResult {
    pub release: String,
    /// sha256 of the snapshot's manifest.json: the exact data scored.
    pub manifest_sha256: String,
    pub engine: String,
    pub product: Option<String>,
    pub indicators: Vec<IndicatorValue>,
    pub single_scores: Vec<SingleScore>,
    pub contributions: Vec<ItemContribution>,
    /// A process of a restricted source is involved (directly or upstream).
    pub restricted: bool,
    /// sha256 of the country table used for substitution, if any.
    pub countries_sha256: Option<String>,
    /// sha256 of the result's numbers, little-endian, in order: indicators, single scores, then each
    /// contribution's amount and single scores (its indicators are that amount times impacts pinned by
    /// `manifest_sha256`). Equal hashes mean bit-identical results.
    pub result_hash: String,
}

/// An upstream process's share of a process's impacts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    pub process_id: String,
    pub process_name: String,
    pub location: Option<String>,
    /// How much of its product one unit of the scored process requires.
    pub supply: f64,
    /// Its direct impacts times that supply, one per indicator.
    pub indicators: Vec<f64>,
    pub single_scores: Vec<f64>,
}

/// An elementary flow's share of a process's impacts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowContribution {
    /// `<flow id> (input|output)`, or `lcia-result:<indicator> (output)` for aggregated results.
    pub flow: String,
    /// Its amount in the life cycle inventory of one unit of the process.
    pub amount: f64,
    pub indicators: Vec<f64>,
    pub single_scores: Vec<f64>,
}

/// One resolved leaf of a bill.
struct Leaf {
    path: String,
    activity: usize,
    amount: f64,
    substituted_from: Option<String>,
}

impl LoadedRelease {
    /// Reads and verifies the snapshot in `dir` and loads its process impacts.
    pub fn open(dir: &Path) -> Result<LoadedRelease> {
        let snapshot = ecoref_snapshot::read_snapshot(dir)?;
        LoadedRelease::from_tables(dir, snapshot.manifest, snapshot.manifest_sha256, &snapshot.tables)
    }

    /// Loads from tables already read (and verified).
    pub fn from_tables(dir: &Path, manifest: Manifest, manifest_sha256: String, tables: &Tables) -> Result<Self> {
        let (model, system) = build(tables, &manifest)?;
        let impacts = impacts::read_process_impacts(tables, &model, &manifest)?;
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
        for (j, p) in model.processes.iter().enumerate() {
            by_name.entry(p.name.to_lowercase()).or_default().push(j);
        }
        Ok(LoadedRelease {
            dir: dir.to_owned(),
            manifest,
            manifest_sha256,
            model,
            system,
            impacts,
            by_name,
            countries: None,
            factorized: OnceLock::new(),
        })
    }

    /// Uses `countries` for electricity and heat substitution.
    pub fn with_countries(mut self, countries: Countries) -> Self {
        self.countries = Some(countries);
        self
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn name(&self) -> &str {
        &self.manifest.release.name
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    pub fn manifest_sha256(&self) -> &str {
        &self.manifest_sha256
    }

    /// Processes, sorted by id (then dataset).
    pub fn processes(&self) -> &[ProcessInfo] {
        &self.model.processes
    }

    /// The process of an id, following the release's id migrations.
    pub fn find_process(&self, id: &str) -> Option<usize> {
        self.model.find(id)
    }

    pub fn indicators(&self) -> &[IndicatorInfo] {
        &self.model.indicators
    }

    /// Names of the single scores, in result order.
    pub fn weighting_sets(&self) -> Vec<String> {
        self.model.weighting_sets.iter().map(|s| s.name.clone()).collect()
    }

    /// What building the system left out.
    pub fn build_report(&self) -> &BuildReport {
        &self.model.report
    }

    /// The aggregated impacts of one unit of a process, one per indicator.
    pub fn process_impacts(&self, process: usize) -> &[f64] {
        self.impacts.activity(process).unwrap_or(&[])
    }

    /// The whole impact matrix (activity-major).
    pub fn impact_matrix(&self) -> &ImpactMatrix {
        &self.impacts
    }

    /// Single scores of one unit of a process.
    pub fn process_single_scores(&self, process: usize) -> Vec<(String, f64)> {
        let scores = self.single_scores_of(self.process_impacts(process));
        self.model.weighting_sets.iter().zip(scores).map(|(s, v)| (s.name.clone(), v)).collect()
    }

    /// Single scores of one impact vector. Ecobalyse publishes its `ecs` single score as an indicator while the
    /// detailed indicators stay hidden (zero): when the weighted sum is 0 and the method has an indicator named
    /// like the set, that indicator is the score.
    fn single_scores_of(&self, impacts: &[f64]) -> Vec<f64> {
        self.model.weighting_sets.iter().map(|set| self.set_score(set, impacts)).collect()
    }

    /// The single score of one set ([`LoadedRelease::single_scores_of`]).
    fn set_score(&self, set: &WeightingSet, impacts: &[f64]) -> f64 {
        let score = single_score(impacts, set);
        if score != 0.0 {
            return score;
        }
        self.model
            .indicators
            .iter()
            .position(|i| i.id == set.name)
            .and_then(|k| impacts.get(k).copied())
            .unwrap_or(score)
    }

    /// The factorized technosphere, built on first use (for contributions).
    fn factorized(&self) -> std::result::Result<&Factorized, String> {
        self.factorized
            .get_or_init(|| ecoref_compute::factorize(&self.system).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The `n` upstream processes (the process itself included) with the largest share of one unit of `process`,
    /// ranked by the first single score (or the first indicator when there is none), largest absolute first.
    pub fn top_contributions(&self, process: usize, n: usize) -> Result<Vec<Contribution>> {
        let factorized = self.factorized().map_err(Error::Snapshot)?;
        let Some(demand) = self.unit_demand(process) else {
            return Ok(Vec::new());
        };
        let supply = factorized.solve(&demand).map_err(Error::Compute)?;
        let by_process = factorized.process_contributions(&supply).map_err(Error::Compute)?;
        let processes = &self.model.processes;
        let ranked = self.rank(&by_process, |i| supply[i] != 0.0, |a, b| processes[a].id.cmp(&processes[b].id), n);
        Ok(ranked
            .into_iter()
            .map(|(i, indicators)| {
                let p = &processes[i];
                Contribution {
                    process_id: p.id.clone(),
                    process_name: p.name.clone(),
                    location: p.location.clone(),
                    supply: supply[i],
                    single_scores: self.single_scores_of(&indicators),
                    indicators,
                }
            })
            .collect())
    }

    /// The `n` elementary flows with the largest share of one unit of `process`, ranked as
    /// [`LoadedRelease::top_contributions`] ranks processes.
    pub fn top_flow_contributions(&self, process: usize, n: usize) -> Result<Vec<FlowContribution>> {
        let factorized = self.factorized().map_err(Error::Snapshot)?;
        let Some(demand) = self.unit_demand(process) else {
            return Ok(Vec::new());
        };
        let supply = factorized.solve(&demand).map_err(Error::Compute)?;
        let inventory = factorized.lci(&supply).map_err(Error::Compute)?;
        let by_flow = factorized.flow_contributions(&inventory).map_err(Error::Compute)?;
        let flows = &self.system.flows;
        let ranked = self.rank(&by_flow, |_| true, |a, b| flows[a].cmp(&flows[b]), n);
        Ok(ranked
            .into_iter()
            .map(|(f, indicators)| FlowContribution {
                flow: flows[f].clone(),
                amount: inventory[f],
                single_scores: self.single_scores_of(&indicators),
                indicators,
            })
            .collect())
    }

    /// The demand of one unit of `process` (−1 for a waste treatment: one unit of waste treated); `None` when
    /// out of range.
    fn unit_demand(&self, process: usize) -> Option<Vec<f64>> {
        let treats_waste = *self.model.treats_waste.get(process)?;
        let mut demand = vec![0.0; self.model.processes.len()];
        demand[process] = if treats_waste { -1.0 } else { 1.0 };
        Some(demand)
    }

    /// The `n` columns of `contributions` (among those `include` keeps, and not all zero) with the largest
    /// |first single score| (|first indicator| without weighting sets), ties in `tie` order, with their
    /// indicators. Only the kept columns get their rows built.
    fn rank(
        &self,
        contributions: &ecoref_compute::Contributions,
        include: impl Fn(usize) -> bool,
        tie: impl Fn(usize, usize) -> std::cmp::Ordering,
        n: usize,
    ) -> Vec<(usize, Vec<f64>)> {
        let k = self.model.indicators.len();
        let column = |i: usize, out: &mut Vec<f64>| {
            out.clear();
            out.extend((0..k).map(|c| contributions.category(c).and_then(|row| row.get(i)).copied().unwrap_or(0.0)));
        };
        let mut indicators = Vec::with_capacity(k);
        let mut keyed: Vec<(f64, usize)> = Vec::new();
        for i in (0..contributions.n_columns()).filter(|&i| include(i)) {
            column(i, &mut indicators);
            if indicators.iter().all(|v| *v == 0.0) {
                continue;
            }
            let key = match self.model.weighting_sets.first() {
                Some(set) => self.set_score(set, &indicators),
                None => indicators.first().copied().unwrap_or(0.0),
            };
            keyed.push((key.abs(), i));
        }
        keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| tie(a.1, b.1)));
        keyed.truncate(n);
        keyed
            .into_iter()
            .map(|(_, i)| {
                let mut values = Vec::with_capacity(k);
                column(i, &mut values);
                (i, values)
            })
            .collect()
    }

    /// Scores a bill: every leaf resolved (id, name + location, country substitution), its amount converted to
    /// the process's unit and multiplied through its sub-assemblies, then `Σ amount × M[:, process]` in item order.
    pub fn score(&self, product: &Product) -> std::result::Result<ScoreResult, ProductError> {
        let mut leaves = Vec::new();
        self.resolve_items(&product.items, "items", 1.0, product.country.as_deref(), &mut leaves)?;
        let k = self.model.indicators.len();
        let mut total = vec![0.0f64; k];
        let mut contributions = Vec::with_capacity(leaves.len());
        let mut restricted = false;
        for leaf in leaves {
            let column = self.process_impacts(leaf.activity);
            let values: Vec<f64> = column.iter().map(|v| leaf.amount * v).collect();
            for (sum, v) in total.iter_mut().zip(&values) {
                *sum += v;
            }
            let p = &self.model.processes[leaf.activity];
            restricted |= p.restricted;
            contributions.push(ItemContribution {
                path: leaf.path,
                process_id: p.id.clone(),
                process_name: p.name.clone(),
                location: p.location.clone(),
                amount: leaf.amount,
                unit: p.unit.clone(),
                substituted_from: leaf.substituted_from,
                single_scores: self.single_scores_of(&values),
                indicators: values,
            });
        }
        // The product's single scores are the sums of its items' (each item's own rule, see `single_scores_of`).
        let mut scores = vec![0.0f64; self.model.weighting_sets.len()];
        for c in &contributions {
            for (sum, v) in scores.iter_mut().zip(&c.single_scores) {
                *sum += v;
            }
        }
        let single_scores: Vec<SingleScore> = self
            .model
            .weighting_sets
            .iter()
            .zip(scores)
            .map(|(s, value)| SingleScore { name: s.name.clone(), value })
            .collect();
        let mut numbers: Vec<f64> = total.clone();
        numbers.extend(single_scores.iter().map(|s| s.value));
        for c in &contributions {
            // Each item's indicators are its amount times stored impacts the manifest sha256 pins: its amount
            // and single scores identify them, and keep the hash cheap.
            numbers.push(c.amount);
            numbers.extend(&c.single_scores);
        }
        let indicators = self
            .model
            .indicators
            .iter()
            .zip(&total)
            .map(|(i, v)| IndicatorValue { id: i.id.clone(), name: i.name.clone(), unit: i.unit.clone(), value: *v })
            .collect();
        Ok(ScoreResult {
            release: self.name().to_owned(),
            manifest_sha256: self.manifest_sha256.clone(),
            engine: ENGINE.to_owned(),
            product: product.name.clone(),
            indicators,
            single_scores,
            contributions,
            restricted,
            countries_sha256: self.countries.as_ref().and_then(|c| c.sha256.clone()),
            result_hash: result_hash(&numbers).0,
        })
    }

    fn resolve_items(
        &self,
        items: &[Item],
        prefix: &str,
        multiplier: f64,
        country: Option<&str>,
        leaves: &mut Vec<Leaf>,
    ) -> std::result::Result<(), ProductError> {
        for (position, item) in items.iter().enumerate() {
            let path = format!("{prefix}[{position}]");
            let invalid = |message: String| ProductError::Invalid { path: path.clone(), message };
            if !item.amount.is_finite() {
                return Err(invalid(format!("amount {} is not a finite number", item.amount)));
            }
            let amount = multiplier * item.amount;
            let country = item.country.as_deref().or(country);
            if !item.items.is_empty() {
                if item.process.is_some() || item.energy.is_some() {
                    return Err(invalid("a sub-assembly (with `items`) names no `process` or `energy`".to_owned()));
                }
                self.resolve_items(&item.items, &format!("{path}.items"), amount, country, leaves)?;
                continue;
            }
            let (activity, substituted_from) = self.resolve_process(item, &path, country)?;
            let process = &self.model.processes[activity];
            let amount = match (&item.unit, &process.unit) {
                (Some(from), Some(to)) => {
                    let factor = self.model.units.factor(from, to).ok_or_else(|| ProductError::Unit {
                        path: path.clone(),
                        from: from.clone(),
                        to: to.clone(),
                        process: process.id.clone(),
                    })?;
                    amount * factor
                }
                (Some(from), None) => {
                    return Err(ProductError::Unit {
                        path,
                        from: from.clone(),
                        to: "(none: the process has no reference unit)".to_owned(),
                        process: process.id.clone(),
                    });
                }
                (None, _) => amount,
            };
            leaves.push(Leaf { path, activity, amount, substituted_from });
        }
        Ok(())
    }

    /// The process of a leaf item, and the id it replaced when country substitution applied.
    fn resolve_process(
        &self,
        item: &Item,
        path: &str,
        country: Option<&str>,
    ) -> std::result::Result<(usize, Option<String>), ProductError> {
        let invalid = |message: String| ProductError::Invalid { path: path.to_owned(), message };
        if let Some(energy) = item.energy {
            if item.process.is_some() || item.name.is_some() {
                return Err(invalid("an `energy` item names no `process` or `name`".to_owned()));
            }
            let countries = self
                .countries
                .as_ref()
                .ok_or_else(|| invalid("`energy` needs a country table (ecoref score --countries)".to_owned()))?;
            let country =
                country.ok_or_else(|| invalid("`energy` needs a `country` on the item or the product".to_owned()))?;
            let id = countries
                .energy(country, energy)
                .ok_or_else(|| invalid(format!("the country table has no {energy:?} process for {country}")))?;
            return Ok((self.find_by_id(id, path)?, None));
        }
        let activity = match (&item.process, &item.name) {
            (Some(id), _) => self.find_by_id(id, path)?,
            (None, Some(name)) => self.find_by_name(name, item.location.as_deref(), path)?,
            (None, None) => return Err(invalid("an item names a `process`, a `name`, an `energy` or `items`".into())),
        };
        // Country substitution: a country's electricity or heat process becomes the requested country's.
        if let (Some(country), Some(countries)) = (item.country.as_deref().or(country), &self.countries) {
            let id = &self.model.processes[activity].id;
            if let Some(energy) = countries.energy_of(id)
                && let Some(replacement) = countries.energy(country, energy)
                && replacement != id
            {
                return Ok((self.find_by_id(replacement, path)?, Some(id.clone())));
            }
        }
        Ok((activity, None))
    }

    fn find_by_id(&self, id: &str, path: &str) -> std::result::Result<usize, ProductError> {
        self.model.find(id).ok_or_else(|| {
            let mut ranked: Vec<(f64, &ProcessInfo)> =
                self.model.processes.iter().map(|p| (strsim::jaro_winkler(id, &p.id), p)).collect();
            ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id)));
            ProductError::Unknown {
                path: path.to_owned(),
                reference: format!("with id {id}"),
                release: self.name().to_owned(),
                suggestions: ranked.iter().take(5).map(|(_, p)| describe(p)).collect(),
            }
        })
    }

    fn find_by_name(&self, name: &str, location: Option<&str>, path: &str) -> std::result::Result<usize, ProductError> {
        let key = name.trim().to_lowercase();
        let reference = match location {
            Some(l) => format!("named {name:?} in {l}"),
            None => format!("named {name:?}"),
        };
        let candidates: Vec<usize> = self
            .by_name
            .get(&key)
            .map(|all| {
                all.iter()
                    .copied()
                    .filter(|&j| location.is_none_or(|l| self.model.processes[j].location.as_deref() == Some(l)))
                    .collect()
            })
            .unwrap_or_default();
        match candidates.as_slice() {
            [one] => Ok(*one),
            [] => {
                let mut ranked: Vec<(f64, &ProcessInfo)> = self
                    .model
                    .processes
                    .iter()
                    .map(|p| {
                        let mut similarity = strsim::jaro_winkler(&key, &p.name.to_lowercase());
                        if location.is_some() && p.location.as_deref() == location {
                            similarity += 0.05;
                        }
                        (similarity, p)
                    })
                    .collect();
                ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id)));
                Err(ProductError::Unknown {
                    path: path.to_owned(),
                    reference,
                    release: self.name().to_owned(),
                    suggestions: ranked.iter().take(5).map(|(_, p)| describe(p)).collect(),
                })
            }
            many => Err(ProductError::Ambiguous {
                path: path.to_owned(),
                reference,
                candidates: many.iter().map(|&j| describe(&self.model.processes[j])).collect(),
            }),
        }
    }
}

/// `name [location] (id)`, how suggestions name a process.
fn describe(p: &ProcessInfo) -> String {
    match &p.location {
        Some(l) => format!("{} [{l}] ({})", p.name, p.id),
        None => format!("{} ({})", p.name, p.id),
    }
}
