//! The diff of two loaded releases: processes paired by id (following the newer release's id migrations), then
//! metadata and per-unit impacts compared. Pure: two immutable releases in, a [`Diff`] out.

use crate::auth::Access;
use crate::catalog::Release;
use crate::dto::{Diff, FieldChange, ProcessChange, ProcessSummary, ValueChange};
use std::collections::HashMap;

/// Relative change below which a value counts as unchanged, by default: well above float noise, far below any
/// change a person would care about.
pub(crate) const DEFAULT_THRESHOLD: f64 = 1e-9;

/// (to − from) / max(|from|, |to|), 0 when both are 0.
fn relative_change(from: f64, to: f64) -> f64 {
    let scale = from.abs().max(to.abs());
    if scale == 0.0 { 0.0 } else { (to - from) / scale }
}

fn moved(from: f64, to: f64, threshold: f64) -> bool {
    if !from.is_finite() || !to.is_finite() {
        return from.to_bits() != to.to_bits();
    }
    relative_change(from, to).abs() > threshold
}

fn value_change(id: &str, from: f64, to: f64) -> ValueChange {
    let finite = |v: f64| if v.is_finite() { v } else { 0.0 };
    ValueChange {
        id: id.to_owned(),
        from: finite(from),
        to: finite(to),
        relative_change: finite(relative_change(from, to)),
    }
}

/// Compares `from` with `to`; each list (added, removed, changed) is cut to the page `[offset, offset+limit)`.
pub(crate) fn compute_diff(
    from: &Release,
    to: &Release,
    threshold: f64,
    access: Access,
    limit: usize,
    offset: usize,
) -> Diff {
    let (a, b) = (&from.loaded, &to.loaded);
    // Indicators pair by id.
    let b_indicator: HashMap<&str, usize> =
        b.indicators().iter().enumerate().map(|(k, i)| (i.id.as_str(), k)).collect();
    let a_ids: std::collections::HashSet<&str> = a.indicators().iter().map(|i| i.id.as_str()).collect();
    let indicator_pairs: Vec<(usize, usize, &str)> = a
        .indicators()
        .iter()
        .enumerate()
        .filter_map(|(k, i)| b_indicator.get(i.id.as_str()).map(|&kb| (k, kb, i.id.as_str())))
        .collect();
    let indicators_added = b.indicators().iter().filter(|i| !a_ids.contains(i.id.as_str())).map(|i| i.id.clone());
    let indicators_removed =
        a.indicators().iter().filter(|i| !b_indicator.contains_key(i.id.as_str())).map(|i| i.id.clone());

    let mut matched = vec![false; b.processes().len()];
    let mut removed = Vec::new();
    let mut changed = Vec::new();
    let mut n_unchanged = 0;
    for (i, pa) in a.processes().iter().enumerate() {
        let Some(j) = b.find_process(&pa.id) else {
            removed.push(i);
            continue;
        };
        matched[j] = true;
        let pb = &b.processes()[j];
        let mut fields = Vec::new();
        let mut field = |name: &str, x: Option<&String>, y: Option<&String>| {
            if x != y {
                fields.push(FieldChange { field: name.to_owned(), from: x.cloned(), to: y.cloned() });
            }
        };
        field("id", Some(&pa.id), Some(&pb.id));
        field("name", Some(&pa.name), Some(&pb.name));
        field("location", pa.location.as_ref(), pb.location.as_ref());
        field("unit", pa.unit.as_ref(), pb.unit.as_ref());
        field("classification", pa.classification.as_ref(), pb.classification.as_ref());
        field("process_type", pa.process_type.as_ref(), pb.process_type.as_ref());

        let (ia, ib) = (a.process_impacts(i), b.process_impacts(j));
        let indicator_changes: Vec<ValueChange> = indicator_pairs
            .iter()
            .filter_map(|&(ka, kb, id)| {
                let (x, y) = (ia.get(ka).copied()?, ib.get(kb).copied()?);
                moved(x, y, threshold).then(|| value_change(id, x, y))
            })
            .collect();
        let scores_b: HashMap<String, f64> = b.process_single_scores(j).into_iter().collect();
        let score_changes: Vec<ValueChange> = a
            .process_single_scores(i)
            .into_iter()
            .filter_map(|(name, x)| {
                let y = *scores_b.get(&name)?;
                moved(x, y, threshold).then(|| value_change(&name, x, y))
            })
            .collect();
        if fields.is_empty() && indicator_changes.is_empty() && score_changes.is_empty() {
            n_unchanged += 1;
            continue;
        }
        let restricted = pa.restricted || pb.restricted;
        let show = access.shows_indicators(restricted);
        changed.push(ProcessChange {
            id: pb.id.clone(),
            from_id: (pa.id != pb.id).then(|| pa.id.clone()),
            name: pb.name.clone(),
            restricted,
            fields,
            single_scores: score_changes,
            indicators_hidden: !show,
            indicators: show.then_some(indicator_changes),
        });
    }
    let added: Vec<usize> = matched.iter().enumerate().filter(|(_, m)| !**m).map(|(j, _)| j).collect();
    let summaries = |release: &Release, indices: &[usize]| -> Vec<ProcessSummary> {
        indices.iter().skip(offset).take(limit).map(|&p| crate::handlers::process_summary(&release.loaded, p)).collect()
    };
    Diff {
        from: a.name().to_owned(),
        to: b.name().to_owned(),
        threshold,
        n_added: added.len(),
        n_removed: removed.len(),
        n_changed: changed.len(),
        n_unchanged,
        indicators_added: indicators_added.collect(),
        indicators_removed: indicators_removed.collect(),
        limit,
        offset,
        added: summaries(to, &added),
        removed: summaries(from, &removed),
        changed: changed.into_iter().skip(offset).take(limit).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_changes_and_the_threshold() {
        assert_eq!(relative_change(0.0, 0.0), 0.0);
        assert_eq!(relative_change(1.0, 2.0), 0.5);
        assert_eq!(relative_change(2.0, 1.0), -0.5);
        assert_eq!(relative_change(0.0, 3.0), 1.0);
        assert!(!moved(1.0, 1.0 + 1e-12, 1e-9));
        assert!(moved(1.0, 1.0 + 1e-6, 1e-9));
        assert!(moved(1.0, 1.0 + 1e-12, 0.0), "threshold 0 reports any change");
        assert!(!moved(f64::NAN, f64::NAN, 0.0));
        assert!(moved(1.0, f64::INFINITY, 1e-9));
        let change = value_change("x", 1.0, f64::INFINITY);
        assert!(change.to.is_finite() && change.relative_change.is_finite());
    }
}
