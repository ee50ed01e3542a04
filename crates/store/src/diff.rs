//! Diffs between two releases or dataset versions: pure functions over the model, no I/O.
//!
//! Processes pair up by id, then through the newer side's id migrations, then heuristically (same name and
//! location under a new id, unique on both sides); a pair with another name is a rename. Exchanges pair up by
//! (internal id, flow, direction, occurrence), factors by (flow, direction, location, occurrence), NW entries by
//! category. Every list is sorted, so equal inputs give byte-identical reports.

use crate::release::{IdMigration, MethodContent, resolve_id};
use ecoref_model::{CharacterizationFactor, Exchange, LciaMethod, NormalizationWeightingSet, Process};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One side of a diff, as [`crate::Store::load_diff_side`] reads it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DiffSide {
    /// `release-name` or `source@N`.
    pub label: String,
    pub processes: Vec<Process>,
    /// `name@version` of the method, or what the method content is.
    pub method_label: Option<String>,
    pub method: MethodContent,
    pub migrations: Vec<IdMigration>,
}

/// Options of [`compute_diff`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DiffOptions {
    /// Relative change of an aggregated LCIA result above which it is reported (0.01 = 1 %).
    pub threshold: f64,
}

impl Default for DiffOptions {
    fn default() -> Self {
        DiffOptions { threshold: 0.01 }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ProcessRef {
    pub id: String,
    pub name: String,
    pub location: Option<String>,
}

impl ProcessRef {
    fn of(process: &Process) -> Self {
        ProcessRef { id: process.id.id.clone(), name: process.name.clone(), location: process.location.clone() }
    }
}

/// A process that changed id or name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Rename {
    pub old: ProcessRef,
    pub new: ProcessRef,
    /// `id migration: <reason>`, `same name and location, new id` or `same id, new name`.
    pub rule: String,
}

/// An id migration the diff suggests recording (`ecoref release migrate`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ProposedMigration {
    pub old_id: String,
    pub new_id: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, PartialOrd, Serialize)]
pub struct ExchangeRef {
    pub internal_id: String,
    pub flow_id: String,
    pub flow: Option<String>,
    pub direction: Option<String>,
    pub amount: Option<f64>,
    pub unit: Option<String>,
}

impl ExchangeRef {
    fn of(exchange: &Exchange) -> Self {
        ExchangeRef {
            internal_id: exchange.internal_id.clone(),
            flow_id: exchange.flow.id.clone(),
            flow: exchange.flow.description.clone(),
            direction: exchange.direction.map(|d| d.as_str().to_owned()),
            amount: exchange.amount,
            unit: exchange.unit.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, PartialOrd, Serialize)]
pub struct AmountChange {
    pub internal_id: String,
    pub flow_id: String,
    pub flow: Option<String>,
    pub old: Option<f64>,
    pub new: Option<f64>,
    /// (new − old) / |old|; `None` when old is 0 or either is missing.
    pub relative: Option<f64>,
}

/// An exchange whose fields other than the amount changed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ExchangeFieldsChange {
    pub internal_id: String,
    pub flow_id: String,
    pub fields: Vec<String>,
}

/// A process field (or `metadata.<key>`) whose value changed; values as compact JSON.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub old: String,
    pub new: String,
}

/// What changed inside a process present on both sides (under its new id).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProcessChange {
    pub id: String,
    pub name: String,
    pub exchanges_added: Vec<ExchangeRef>,
    pub exchanges_removed: Vec<ExchangeRef>,
    pub amounts_changed: Vec<AmountChange>,
    pub exchanges_changed: Vec<ExchangeFieldsChange>,
    pub fields_changed: Vec<FieldChange>,
}

/// An aggregated LCIA result (stored with the process) that moved by more than the threshold, appeared or
/// disappeared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImpactChange {
    pub process_id: String,
    pub process: String,
    pub indicator_id: String,
    pub indicator: Option<String>,
    pub old: Option<f64>,
    pub new: Option<f64>,
    pub relative: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct IndicatorRef {
    pub id: String,
    pub name: String,
    pub unit: Option<String>,
    pub n_factors: usize,
}

impl IndicatorRef {
    fn of(method: &LciaMethod) -> Self {
        IndicatorRef {
            id: method.id.id.clone(),
            name: method.name.clone(),
            unit: method.unit.clone(),
            n_factors: method.factors.len(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, PartialOrd, Serialize)]
pub struct FactorRef {
    pub flow_id: String,
    pub flow: Option<String>,
    pub direction: Option<String>,
    pub location: Option<String>,
    pub value: f64,
}

impl FactorRef {
    fn of(factor: &CharacterizationFactor) -> Self {
        FactorRef {
            flow_id: factor.flow.id.clone(),
            flow: factor.flow.description.clone(),
            direction: factor.direction.map(|d| d.as_str().to_owned()),
            location: factor.location.clone(),
            value: factor.value,
        }
    }
}

#[derive(Debug, Clone, PartialEq, PartialOrd, Serialize)]
pub struct FactorChange {
    pub flow_id: String,
    pub flow: Option<String>,
    pub direction: Option<String>,
    pub location: Option<String>,
    pub old: f64,
    pub new: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorChange {
    pub id: String,
    pub name: String,
    pub unit_old: Option<String>,
    pub unit_new: Option<String>,
    pub factors_added: Vec<FactorRef>,
    pub factors_removed: Vec<FactorRef>,
    pub factors_changed: Vec<FactorChange>,
}

#[derive(Debug, Clone, PartialEq, PartialOrd, Serialize)]
pub struct NwEntryChange {
    pub category: String,
    pub normalization_old: Option<f64>,
    pub normalization_new: Option<f64>,
    pub weighting_old: Option<f64>,
    pub weighting_new: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NwSetChange {
    pub name: String,
    pub categories_added: Vec<String>,
    pub categories_removed: Vec<String>,
    pub entries_changed: Vec<NwEntryChange>,
}

/// How the methods of the two sides differ.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MethodDiff {
    pub a: Option<String>,
    pub b: Option<String>,
    pub indicators_added: Vec<IndicatorRef>,
    pub indicators_removed: Vec<IndicatorRef>,
    pub indicators_changed: Vec<IndicatorChange>,
    pub nw_sets_added: Vec<String>,
    pub nw_sets_removed: Vec<String>,
    pub nw_sets_changed: Vec<NwSetChange>,
}

impl MethodDiff {
    pub fn is_empty(&self) -> bool {
        self.indicators_added.is_empty()
            && self.indicators_removed.is_empty()
            && self.indicators_changed.is_empty()
            && self.nw_sets_added.is_empty()
            && self.nw_sets_removed.is_empty()
            && self.nw_sets_changed.is_empty()
    }
}

/// Counts first, for the head of a report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DiffSummary {
    pub n_processes_a: usize,
    pub n_processes_b: usize,
    pub n_added: usize,
    pub n_removed: usize,
    pub n_renamed: usize,
    pub n_changed: usize,
    pub n_amounts_changed: usize,
    pub n_impact_changes: usize,
    pub method_changed: bool,
    pub n_indicators_added: usize,
    pub n_indicators_removed: usize,
    pub n_indicators_changed: usize,
    pub n_factors_changed: usize,
    pub n_nw_sets_changed: usize,
}

/// Everything that differs from `a` to `b`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReleaseDiff {
    pub a: String,
    pub b: String,
    pub threshold: f64,
    pub summary: DiffSummary,
    pub added: Vec<ProcessRef>,
    pub removed: Vec<ProcessRef>,
    pub renamed: Vec<Rename>,
    pub changed: Vec<ProcessChange>,
    pub impacts: Vec<ImpactChange>,
    pub method: MethodDiff,
    /// Heuristic id renames not yet recorded as id migrations.
    pub proposed_migrations: Vec<ProposedMigration>,
}

/// Compares `a` (older) with `b` (newer).
pub fn compute_diff(a: &DiffSide, b: &DiffSide, options: &DiffOptions) -> ReleaseDiff {
    let (old, new) = (first_by(&a.processes, |p| p.id.id.clone()), first_by(&b.processes, |p| p.id.id.clone()));
    let mut pairs: Vec<(&Process, &Process, Option<String>)> = Vec::new();
    let mut only_old: BTreeSet<&str> = BTreeSet::new();
    for (id, p) in &old {
        match new.get(id) {
            Some(q) => pairs.push((p, q, None)),
            None => {
                only_old.insert(id);
            }
        }
    }
    let mut only_new: BTreeSet<&str> = new.keys().filter(|id| !old.contains_key(*id)).map(String::as_str).collect();

    // Recorded id migrations (the newer side's first).
    let migrations: Vec<IdMigration> = b.migrations.iter().chain(&a.migrations).cloned().collect();
    for old_id in only_old.clone() {
        let target = resolve_id(&migrations, old_id);
        if target != old_id && only_new.contains(target.as_str()) {
            let reason = migrations.iter().find(|m| m.old_id == old_id).map_or("", |m| m.reason.as_str());
            pairs.push((old[old_id], new[&target], Some(format!("id migration: {reason}"))));
            only_old.remove(old_id);
            only_new.remove(target.as_str());
        }
    }

    // Heuristic: same name and location under a new id, unique on both sides.
    let group = |ids: &BTreeSet<&str>, map: &BTreeMap<String, &Process>| {
        let mut groups: BTreeMap<(String, Option<String>), Vec<String>> = BTreeMap::new();
        for id in ids {
            let p = map[*id];
            groups.entry((p.name.clone(), p.location.clone())).or_default().push((*id).to_owned());
        }
        groups
    };
    let (old_groups, new_groups) = (group(&only_old, &old), group(&only_new, &new));
    let mut proposed_migrations = Vec::new();
    for (key, old_ids) in &old_groups {
        if let (Some(new_ids), [old_id]) = (new_groups.get(key), old_ids.as_slice())
            && let [new_id] = new_ids.as_slice()
        {
            pairs.push((old[old_id], new[new_id], Some("same name and location, new id".to_owned())));
            proposed_migrations.push(ProposedMigration {
                old_id: old_id.clone(),
                new_id: new_id.clone(),
                reason: "same name and location".to_owned(),
            });
            only_old.remove(old_id.as_str());
            only_new.remove(new_id.as_str());
        }
    }

    let mut renamed = Vec::new();
    let mut changed = Vec::new();
    let mut impacts = Vec::new();
    for (p, q, rule) in &pairs {
        let rule = rule.clone().or_else(|| (p.name != q.name).then(|| "same id, new name".to_owned()));
        if let Some(rule) = rule {
            renamed.push(Rename { old: ProcessRef::of(p), new: ProcessRef::of(q), rule });
        }
        if let Some(change) = compare_processes(p, q) {
            changed.push(change);
        }
        impacts.extend(compare_impacts(p, q, options.threshold));
    }
    renamed.sort();
    changed.sort_by(|x, y| x.id.cmp(&y.id));
    impacts.sort_by(|x, y| (&x.process_id, &x.indicator_id).cmp(&(&y.process_id, &y.indicator_id)));
    proposed_migrations.sort();
    let added: Vec<ProcessRef> = only_new.iter().map(|id| ProcessRef::of(new[*id])).collect();
    let removed: Vec<ProcessRef> = only_old.iter().map(|id| ProcessRef::of(old[*id])).collect();
    let mut method = compare_methods(&a.method, &b.method);
    method.a = a.method_label.clone();
    method.b = b.method_label.clone();

    let summary = DiffSummary {
        n_processes_a: old.len(),
        n_processes_b: new.len(),
        n_added: added.len(),
        n_removed: removed.len(),
        n_renamed: renamed.len(),
        n_changed: changed.len(),
        n_amounts_changed: changed.iter().map(|c| c.amounts_changed.len()).sum(),
        n_impact_changes: impacts.len(),
        method_changed: !method.is_empty(),
        n_indicators_added: method.indicators_added.len(),
        n_indicators_removed: method.indicators_removed.len(),
        n_indicators_changed: method.indicators_changed.len(),
        n_factors_changed: method
            .indicators_changed
            .iter()
            .map(|c| c.factors_added.len() + c.factors_removed.len() + c.factors_changed.len())
            .sum(),
        n_nw_sets_changed: method.nw_sets_added.len() + method.nw_sets_removed.len() + method.nw_sets_changed.len(),
    };
    ReleaseDiff {
        a: a.label.clone(),
        b: b.label.clone(),
        threshold: options.threshold,
        summary,
        added,
        removed,
        renamed,
        changed,
        impacts,
        method,
        proposed_migrations,
    }
}

/// Keys items by `key`; the first item of a key wins.
fn first_by<T>(items: &[T], key: impl Fn(&T) -> String) -> BTreeMap<String, &T> {
    let mut map = BTreeMap::new();
    for item in items {
        map.entry(key(item)).or_insert(item);
    }
    map
}

/// Keys items by `key` plus an occurrence counter, so repeated keys pair up in order.
fn keyed<T, K: Ord>(items: &[T], key: impl Fn(&T) -> K) -> BTreeMap<(K, usize), &T> {
    let mut seen: BTreeMap<K, usize> = BTreeMap::new();
    let mut map = BTreeMap::new();
    for item in items {
        let k = key(item);
        let n = seen.get(&k).copied().unwrap_or(0);
        map.insert((key(item), n), item);
        seen.insert(k, n + 1);
    }
    map
}

fn relative(old: Option<f64>, new: Option<f64>) -> Option<f64> {
    match (old, new) {
        (Some(o), Some(n)) if o != 0.0 => Some((n - o) / o.abs()),
        _ => None,
    }
}

fn same_bits(a: Option<f64>, b: Option<f64>) -> bool {
    a.map(f64::to_bits) == b.map(f64::to_bits)
}

/// Top-level JSON fields of `a` and `b` that differ (skipping `skip`); `metadata` compares key by key.
fn changed_fields(a: &impl Serialize, b: &impl Serialize, skip: &[&str]) -> Vec<FieldChange> {
    let (serde_json::Value::Object(a), serde_json::Value::Object(b)) =
        (serde_json::to_value(a).unwrap_or_default(), serde_json::to_value(b).unwrap_or_default())
    else {
        return Vec::new();
    };
    let null = serde_json::Value::Null;
    let keys: BTreeSet<&String> = a.keys().chain(b.keys()).filter(|k| !skip.contains(&k.as_str())).collect();
    let mut changes = Vec::new();
    for key in keys {
        let (x, y) = (a.get(key).unwrap_or(&null), b.get(key).unwrap_or(&null));
        if x == y {
            continue;
        }
        if key == "metadata"
            && let (Some(x), Some(y)) = (x.as_object(), y.as_object())
        {
            let inner: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in inner {
                let (u, v) = (x.get(k).unwrap_or(&null), y.get(k).unwrap_or(&null));
                if u != v {
                    changes.push(FieldChange {
                        field: format!("metadata.{k}"),
                        old: u.to_string(),
                        new: v.to_string(),
                    });
                }
            }
            continue;
        }
        changes.push(FieldChange { field: key.clone(), old: x.to_string(), new: y.to_string() });
    }
    changes
}

fn compare_processes(p: &Process, q: &Process) -> Option<ProcessChange> {
    let key = |e: &Exchange| (e.internal_id.clone(), e.flow.id.clone(), e.direction.map(|d| d.as_str()));
    let (old, new) = (keyed(&p.exchanges, key), keyed(&q.exchanges, key));
    let mut change = ProcessChange {
        id: q.id.id.clone(),
        name: q.name.clone(),
        exchanges_added: new.iter().filter(|(k, _)| !old.contains_key(*k)).map(|(_, e)| ExchangeRef::of(e)).collect(),
        exchanges_removed: old.iter().filter(|(k, _)| !new.contains_key(*k)).map(|(_, e)| ExchangeRef::of(e)).collect(),
        amounts_changed: Vec::new(),
        exchanges_changed: Vec::new(),
        fields_changed: Vec::new(),
    };
    for (k, e) in &old {
        let Some(f) = new.get(k) else { continue };
        if !same_bits(e.amount, f.amount) {
            change.amounts_changed.push(AmountChange {
                internal_id: f.internal_id.clone(),
                flow_id: f.flow.id.clone(),
                flow: f.flow.description.clone().or_else(|| e.flow.description.clone()),
                old: e.amount,
                new: f.amount,
                relative: relative(e.amount, f.amount),
            });
        }
        let fields: Vec<String> = changed_fields(*e, *f, &["amount"]).into_iter().map(|c| c.field).collect::<Vec<_>>();
        if !fields.is_empty() {
            change.exchanges_changed.push(ExchangeFieldsChange {
                internal_id: f.internal_id.clone(),
                flow_id: f.flow.id.clone(),
                fields,
            });
        }
    }
    change.fields_changed = changed_fields(p, q, &["id", "name", "exchanges", "lcia_results"]);
    if p.id.version != q.id.version {
        let text = |v: &Option<String>| serde_json::to_string(v).unwrap_or_default();
        change
            .fields_changed
            .insert(0, FieldChange { field: "version".to_owned(), old: text(&p.id.version), new: text(&q.id.version) });
    }
    let empty = change.exchanges_added.is_empty()
        && change.exchanges_removed.is_empty()
        && change.amounts_changed.is_empty()
        && change.exchanges_changed.is_empty()
        && change.fields_changed.is_empty();
    (!empty).then_some(change)
}

fn compare_impacts(p: &Process, q: &Process, threshold: f64) -> Vec<ImpactChange> {
    let by_method = |r: &ecoref_model::LciaResult| r.method.id.clone();
    let (old, new) = (first_by(&p.lcia_results, by_method), first_by(&q.lcia_results, by_method));
    let ids: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let mut changes = Vec::new();
    for id in ids {
        let (o, n) = (old.get(id), new.get(id));
        let (old_amount, new_amount) = (o.and_then(|r| r.amount), n.and_then(|r| r.amount));
        let rel = relative(old_amount, new_amount);
        let report = match rel {
            Some(r) => r.abs() > threshold,
            None => !same_bits(old_amount, new_amount),
        };
        if report {
            changes.push(ImpactChange {
                process_id: q.id.id.clone(),
                process: q.name.clone(),
                indicator_id: id.clone(),
                indicator: n.or(o).and_then(|r| r.method.description.clone()),
                old: old_amount,
                new: new_amount,
                relative: rel,
            });
        }
    }
    changes
}

fn compare_methods(a: &MethodContent, b: &MethodContent) -> MethodDiff {
    let by_id = |m: &LciaMethod| m.id.id.clone();
    let (old, new) = (first_by(&a.indicators, by_id), first_by(&b.indicators, by_id));
    let mut diff = MethodDiff {
        indicators_added: new.iter().filter(|(k, _)| !old.contains_key(*k)).map(|(_, m)| IndicatorRef::of(m)).collect(),
        indicators_removed: old
            .iter()
            .filter(|(k, _)| !new.contains_key(*k))
            .map(|(_, m)| IndicatorRef::of(m))
            .collect(),
        ..MethodDiff::default()
    };
    for (id, m) in &old {
        let Some(n) = new.get(id) else { continue };
        let key = |f: &CharacterizationFactor| (f.flow.id.clone(), f.direction.map(|d| d.as_str()), f.location.clone());
        let (fo, fn_) = (keyed(&m.factors, key), keyed(&n.factors, key));
        let change = IndicatorChange {
            id: id.clone(),
            name: n.name.clone(),
            unit_old: m.unit.clone(),
            unit_new: n.unit.clone(),
            factors_added: fn_.iter().filter(|(k, _)| !fo.contains_key(*k)).map(|(_, f)| FactorRef::of(f)).collect(),
            factors_removed: fo.iter().filter(|(k, _)| !fn_.contains_key(*k)).map(|(_, f)| FactorRef::of(f)).collect(),
            factors_changed: fo
                .iter()
                .filter_map(|(k, f)| {
                    let g = fn_.get(k)?;
                    (f.value.to_bits() != g.value.to_bits()).then(|| FactorChange {
                        flow_id: g.flow.id.clone(),
                        flow: g.flow.description.clone(),
                        direction: g.direction.map(|d| d.as_str().to_owned()),
                        location: g.location.clone(),
                        old: f.value,
                        new: g.value,
                    })
                })
                .collect(),
        };
        if change.unit_old != change.unit_new
            || !change.factors_added.is_empty()
            || !change.factors_removed.is_empty()
            || !change.factors_changed.is_empty()
        {
            diff.indicators_changed.push(change);
        }
    }
    let by_name = |s: &NormalizationWeightingSet| s.name.clone();
    let (old, new) = (first_by(&a.nw_sets, by_name), first_by(&b.nw_sets, by_name));
    diff.nw_sets_added = new.keys().filter(|k| !old.contains_key(*k)).cloned().collect();
    diff.nw_sets_removed = old.keys().filter(|k| !new.contains_key(*k)).cloned().collect();
    for (name, s) in &old {
        let Some(t) = new.get(name) else { continue };
        let (eo, en) = (keyed(&s.entries, |e| e.category.clone()), keyed(&t.entries, |e| e.category.clone()));
        let change = NwSetChange {
            name: name.clone(),
            categories_added: en.keys().filter(|k| !eo.contains_key(*k)).map(|k| k.0.clone()).collect(),
            categories_removed: eo.keys().filter(|k| !en.contains_key(*k)).map(|k| k.0.clone()).collect(),
            entries_changed: eo
                .iter()
                .filter_map(|(k, e)| {
                    let f = en.get(k)?;
                    let same = same_bits(e.normalization, f.normalization)
                        && same_bits(e.weighting, f.weighting)
                        && e.normalization_is_factor == f.normalization_is_factor;
                    (!same).then(|| NwEntryChange {
                        category: e.category.clone(),
                        normalization_old: e.normalization,
                        normalization_new: f.normalization,
                        weighting_old: e.weighting,
                        weighting_new: f.weighting,
                    })
                })
                .collect(),
        };
        if !change.categories_added.is_empty()
            || !change.categories_removed.is_empty()
            || !change.entries_changed.is_empty()
        {
            diff.nw_sets_changed.push(change);
        }
    }
    diff
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecoref_model::{EntityId, LciaResult, NormalizationWeighting, Reference};

    fn process(id: &str, name: &str, amounts: &[f64], gwp: f64) -> Process {
        Process {
            id: EntityId::new(id, None),
            name: name.into(),
            location: Some("FR".into()),
            exchanges: amounts
                .iter()
                .enumerate()
                .map(|(i, a)| Exchange {
                    internal_id: i.to_string(),
                    flow: Reference::to(format!("flow-{i}")),
                    amount: Some(*a),
                    ..Exchange::default()
                })
                .collect(),
            lcia_results: vec![LciaResult {
                method: Reference::to("gwp"),
                amount: Some(gwp),
                unit_group: None,
                modules: vec![],
                uncertainty: None,
            }],
            ..Process::default()
        }
    }

    fn side(label: &str, processes: Vec<Process>, weighting: f64, cf: f64) -> DiffSide {
        DiffSide {
            label: label.into(),
            processes,
            method_label: Some(format!("m@{label}")),
            method: MethodContent {
                indicators: vec![LciaMethod {
                    id: EntityId::new("gwp", None),
                    name: "Climate change".into(),
                    factors: vec![CharacterizationFactor {
                        flow: Reference::to("co2"),
                        direction: None,
                        value: cf,
                        location: None,
                        data_derivation: None,
                    }],
                    ..LciaMethod::default()
                }],
                nw_sets: vec![NormalizationWeightingSet {
                    name: "pef".into(),
                    method: None,
                    entries: vec![NormalizationWeighting {
                        category: "gwp".into(),
                        normalization: Some(7550.0),
                        normalization_is_factor: false,
                        weighting: Some(weighting),
                    }],
                    metadata: Default::default(),
                }],
            },
            migrations: vec![],
        }
    }

    #[test]
    fn diff_pairs_by_id_migration_and_heuristics_and_reports_impacts_and_method_changes() {
        let a = side(
            "a",
            vec![
                process("p1", "steel", &[1.0, 2.0], 10.0),
                process("p2", "wool", &[1.0], 5.0),
                process("p3", "cotton", &[1.0], 1.0),
                process("p4", "linen", &[1.0], 1.0),
                process("p5", "gone", &[1.0], 1.0),
            ],
            0.2106,
            1.0,
        );
        let mut b = side(
            "b",
            vec![
                process("p1", "steel", &[1.0, 2.5], 10.05),
                process("p2", "wool, raw", &[1.0], 6.0),
                process("p3-new", "cotton", &[1.0], 1.0),
                process("p4-new", "linen (EU)", &[1.0], 1.0),
                process("p6", "new", &[1.0], 1.0),
            ],
            0.25,
            1.1,
        );
        b.migrations.push(IdMigration {
            old_id: "p4".into(),
            new_id: "p4-new".into(),
            reason: "split".into(),
            created_by: "t".into(),
        });
        let diff = compute_diff(&a, &b, &DiffOptions { threshold: 0.01 });
        assert_eq!(diff.added.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["p6"]);
        assert_eq!(diff.removed.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(), ["p5"]);
        let renames: Vec<(&str, &str, &str)> =
            diff.renamed.iter().map(|r| (r.old.id.as_str(), r.new.id.as_str(), r.rule.as_str())).collect();
        assert_eq!(
            renames,
            [
                ("p2", "p2", "same id, new name"),
                ("p3", "p3-new", "same name and location, new id"),
                ("p4", "p4-new", "id migration: split")
            ]
        );
        assert_eq!(diff.proposed_migrations.len(), 1);
        assert_eq!(diff.changed.len(), 1);
        assert_eq!(diff.changed[0].amounts_changed[0].relative, Some(0.25));
        // 10 → 10.05 is 0.5 %, under the threshold; 5 → 6 is 20 %.
        assert_eq!(diff.impacts.len(), 1);
        assert_eq!(diff.impacts[0].process_id, "p2");
        assert_eq!(diff.method.indicators_changed[0].factors_changed.len(), 1);
        assert_eq!(diff.method.nw_sets_changed[0].entries_changed[0].weighting_new, Some(0.25));
        assert!(diff.summary.method_changed);
        // Deterministic, and the identity diff is empty.
        assert_eq!(diff, compute_diff(&a, &b, &DiffOptions { threshold: 0.01 }));
        let same = compute_diff(&a, &a, &DiffOptions::default());
        assert_eq!(same.summary, DiffSummary { n_processes_a: 5, n_processes_b: 5, ..DiffSummary::default() });
    }
}
