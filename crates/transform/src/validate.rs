//! Validation report of one dataset version: counts, unlinked and ambiguous exchanges, unmapped flows (with the
//! impact share they miss, given a method), unit problems, negative or zero reference products, and cycles
//! without production, rendered as Markdown and JSON.

use crate::allocation::{Allocated, AllocationOptions, compute_allocation};
use crate::error::{Error, Result};
use crate::link::LinkOutput;
use crate::mapping::{FlowMapping, ImpactLoss, UnmappedFlow};
use crate::units::UnitTable;
use ecoref_model::{Counts, Dataset, EntityId, ExchangeKind};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt::Write as _;

/// One unit problem: an exchange whose amount cannot be expressed in the unit it must be compared with.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UnitProblem {
    pub process: EntityId,
    pub exchange: String,
    /// `missing-unit` or `no-conversion`.
    pub kind: String,
    pub message: String,
}

/// A process whose reference product amount is zero, negative or missing.
#[derive(Debug, Clone, PartialEq, PartialOrd, Serialize, Deserialize)]
pub struct ReferenceProblem {
    pub process: EntityId,
    pub exchange: String,
    pub amount: Option<f64>,
}

/// Everything the validation found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationReport {
    pub counts: Counts,
    pub n_technosphere: u64,
    pub n_linked: u64,
    pub n_unlinked: u64,
    pub n_ambiguous: u64,
    /// `process / exchange: flow` of each unlinked or ambiguous exchange.
    pub unresolved: Vec<String>,
    pub unmapped: Vec<UnmappedFlow>,
    pub impact_losses: Vec<ImpactLoss>,
    pub unit_problems: Vec<UnitProblem>,
    /// Reference products with an amount ≤ 0 (legitimate for EcoSpold2 waste treatment, listed for review) or
    /// none.
    pub reference_problems: Vec<ReferenceProblem>,
    /// Strongly connected components of the link graph (same dataset) in which no process has a positive
    /// reference output, each sorted.
    pub cycles_without_production: Vec<Vec<EntityId>>,
    /// Multi-output processes (several reference products) and how each would be allocated with the source's
    /// own factors: `(process, products with fraction)`.
    #[serde(default)]
    pub allocatable: Vec<Allocated>,
    /// Multi-output processes that cannot be allocated with what the source gives.
    #[serde(default)]
    pub not_allocatable: Vec<EntityId>,
}

/// Inputs of the validation besides the dataset; each part is optional.
#[derive(Debug, Clone, Copy, Default)]
pub struct ValidationInputs<'a> {
    pub links: Option<&'a LinkOutput>,
    pub mapping: Option<&'a FlowMapping>,
    pub impact_losses: Option<&'a [ImpactLoss]>,
    pub units: Option<&'a UnitTable>,
}

/// Builds the report of `dataset` from the results of linking and mapping.
pub fn compute_validation_report(dataset: &Dataset, inputs: ValidationInputs<'_>) -> ValidationReport {
    let mut report = ValidationReport {
        counts: dataset.counts(),
        n_technosphere: 0,
        n_linked: 0,
        n_unlinked: 0,
        n_ambiguous: 0,
        unresolved: Vec::new(),
        unmapped: inputs.mapping.map(|m| m.unmapped.clone()).unwrap_or_default(),
        impact_losses: inputs.impact_losses.map(<[ImpactLoss]>::to_vec).unwrap_or_default(),
        unit_problems: Vec::new(),
        reference_problems: Vec::new(),
        cycles_without_production: Vec::new(),
        allocatable: Vec::new(),
        not_allocatable: Vec::new(),
    };
    let allocation = compute_allocation(dataset, &AllocationOptions::default());
    report.allocatable = allocation.allocated;
    report.not_allocatable = allocation.not_allocated;
    if let Some(links) = inputs.links {
        report.n_technosphere = links.n_technosphere;
        report.n_linked = links.n_linked();
        report.n_unlinked = links.n_unlinked();
        report.n_ambiguous = links.n_ambiguous();
        report.unresolved = links
            .unresolved
            .iter()
            .map(|u| {
                let status = if u.ambiguous { "ambiguous" } else { "unlinked" };
                format!("{} / {}: {} ({status})", u.process, u.exchange, u.flow_name)
            })
            .collect();
        report.cycles_without_production = cycles_without_production(dataset, links);
    }
    let processes: HashMap<&str, &ecoref_model::Process> =
        dataset.processes.iter().map(|p| (p.id.id.as_str(), p)).collect();
    // First flow of each id, as `Dataset::flow` finds it, without a linear scan per link.
    let mut flows: HashMap<&str, &ecoref_model::Flow> = HashMap::new();
    for flow in &dataset.flows {
        flows.entry(flow.id.id.as_str()).or_insert(flow);
    }
    for process in &dataset.processes {
        for exchange in process.reference_exchanges() {
            if !exchange.amount.is_some_and(|a| a > 0.0) {
                report.reference_problems.push(ReferenceProblem {
                    process: process.id.clone(),
                    exchange: exchange.internal_id.clone(),
                    amount: exchange.amount,
                });
            }
        }
        for exchange in &process.exchanges {
            if exchange.amount.is_some() && exchange.unit.as_deref().is_none_or(|u| u.trim().is_empty()) {
                report.unit_problems.push(UnitProblem {
                    process: process.id.clone(),
                    exchange: exchange.internal_id.clone(),
                    kind: "missing-unit".to_owned(),
                    message: format!("exchange of flow {} has an amount but no unit", exchange.flow.id),
                });
            }
        }
    }
    if let (Some(links), Some(units)) = (inputs.links, inputs.units) {
        for link in links.table.links.iter().filter(|l| l.provider_dataset.is_none()) {
            let (Some(process), Some(provider)) =
                (processes.get(link.process.id.as_str()), processes.get(link.provider.id.as_str()))
            else {
                continue;
            };
            let Some(exchange) = process.exchanges.iter().find(|e| e.internal_id == link.exchange) else { continue };
            let provided_unit =
                provider.reference_exchanges().find(|r| r.flow.id == exchange.flow.id).and_then(|r| r.unit.as_deref());
            let (Some(from), Some(to)) = (exchange.unit.as_deref(), provided_unit) else { continue };
            if units.convert_flow_amount(flows.get(exchange.flow.id.as_str()).copied(), 1.0, from, to).is_none() {
                report.unit_problems.push(UnitProblem {
                    process: process.id.clone(),
                    exchange: exchange.internal_id.clone(),
                    kind: "no-conversion".to_owned(),
                    message: format!("no known conversion from {from:?} to the provider {}'s {to:?}", provider.id),
                });
            }
        }
    }
    report.unit_problems.sort();
    report
}

/// Strongly connected components (Tarjan, iterative) of the same-dataset link graph, consumer → provider, that
/// are cycles (more than one process, or a self-link) and where no process has a positive reference output.
pub fn cycles_without_production(dataset: &Dataset, links: &LinkOutput) -> Vec<Vec<EntityId>> {
    let mut ids: Vec<&EntityId> = dataset.processes.iter().map(|p| &p.id).collect();
    ids.sort();
    let index: HashMap<&str, usize> = ids.iter().enumerate().map(|(i, id)| (id.id.as_str(), i)).collect();
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); ids.len()];
    for link in links.table.links.iter().filter(|l| l.provider_dataset.is_none()) {
        if let (Some(&from), Some(&to)) = (index.get(link.process.id.as_str()), index.get(link.provider.id.as_str()))
            && let Some(list) = edges.get_mut(from)
        {
            list.push(to);
        }
    }
    for list in &mut edges {
        list.sort_unstable();
        list.dedup();
    }
    let producing: HashMap<&str, bool> = dataset
        .processes
        .iter()
        .map(|p| {
            let positive = p.reference_exchanges().any(|e| e.amount.is_some_and(|a| a > 0.0))
                || p.exchanges
                    .iter()
                    .any(|e| e.kind == Some(ExchangeKind::Production) && e.amount.is_some_and(|a| a > 0.0));
            (p.id.id.as_str(), positive)
        })
        .collect();
    let mut out = Vec::new();
    for component in strongly_connected_components(&edges) {
        let is_cycle = match component.as_slice() {
            [only] => edges.get(*only).is_some_and(|e| e.contains(only)),
            _ => true,
        };
        if !is_cycle {
            continue;
        }
        let members: Vec<&EntityId> = component.iter().filter_map(|&i| ids.get(i).copied()).collect();
        if members.iter().any(|id| producing.get(id.id.as_str()).copied().unwrap_or(false)) {
            continue;
        }
        let mut members: Vec<EntityId> = members.into_iter().cloned().collect();
        members.sort();
        out.push(members);
    }
    out.sort();
    out
}

/// Tarjan's algorithm without recursion; components are returned in discovery order.
fn strongly_connected_components(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = edges.len();
    let mut index_of = vec![usize::MAX; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut components = Vec::new();
    let mut next = 0usize;
    for root in 0..n {
        if index_of.get(root).copied() != Some(usize::MAX) {
            continue;
        }
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        while let Some(top) = work.last_mut() {
            let (v, edge_i) = *top;
            if edge_i == 0 && index_of[v] == usize::MAX {
                index_of[v] = next;
                low[v] = next;
                next += 1;
                stack.push(v);
                on_stack[v] = true;
            }
            if let Some(&w) = edges[v].get(edge_i) {
                top.1 += 1;
                if index_of[w] == usize::MAX {
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index_of[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index_of[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                components.push(component);
            }
        }
    }
    components
}

impl ValidationReport {
    /// JSON rendering (pretty, stable field order).
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|source| Error::Json { what: "validation report", source })
    }

    /// Markdown rendering for a reviewer.
    pub fn to_markdown(&self) -> String {
        let c = &self.counts;
        let mut out = String::from("# Validation report\n\n## Counts\n\n| entity | count |\n|---|---|\n");
        for (name, n) in [
            ("processes", c.processes),
            ("exchanges", c.exchanges),
            ("flows", c.flows),
            ("flow properties", c.flow_properties),
            ("unit groups", c.unit_groups),
            ("LCIA methods", c.lcia_methods),
            ("characterization factors", c.characterization_factors),
        ] {
            let _ = writeln!(out, "| {name} | {n} |");
        }
        let _ = write!(
            out,
            "\n## Linking\n\n{} technosphere exchanges: {} linked, {} unlinked, {} ambiguous.\n",
            self.n_technosphere, self.n_linked, self.n_unlinked, self.n_ambiguous
        );
        list(&mut out, &self.unresolved);
        let _ = write!(out, "\n## Unmapped elementary flows\n\n{} unmapped.\n", self.unmapped.len());
        let lines: Vec<String> = self
            .unmapped
            .iter()
            .map(|u| format!("{} {} [{}]: {}", u.flow, u.name, u.compartment.as_deref().unwrap_or("?"), u.reason))
            .collect();
        list(&mut out, &lines);
        if !self.impact_losses.is_empty() {
            out.push_str("\n| method | characterized | lost (estimate) | share lost | flows lost | flows without estimate |\n|---|---|---|---|---|---|\n");
            for l in &self.impact_losses {
                let _ = writeln!(
                    out,
                    "| {} | {:.6e} | {:.6e} | {:.2} % | {} | {} |",
                    l.method_name,
                    l.characterized,
                    l.lost_estimate,
                    l.share_lost * 100.0,
                    l.n_flows_lost,
                    l.n_flows_without_estimate
                );
            }
        }
        let _ = write!(out, "\n## Unit problems\n\n{} problems.\n", self.unit_problems.len());
        let lines: Vec<String> = self
            .unit_problems
            .iter()
            .map(|u| format!("{} / {}: {} ({})", u.process, u.exchange, u.message, u.kind))
            .collect();
        list(&mut out, &lines);
        let _ = write!(
            out,
            "\n## Zero, negative or missing reference products\n\n{} found.\n",
            self.reference_problems.len()
        );
        let lines: Vec<String> = self
            .reference_problems
            .iter()
            .map(|r| {
                format!(
                    "{} / {}: {}",
                    r.process,
                    r.exchange,
                    r.amount.map_or("no amount".to_owned(), |a| a.to_string())
                )
            })
            .collect();
        list(&mut out, &lines);
        let _ = write!(out, "\n## Cycles without production\n\n{} found.\n", self.cycles_without_production.len());
        let lines: Vec<String> = self
            .cycles_without_production
            .iter()
            .map(|c| c.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
            .collect();
        list(&mut out, &lines);
        let _ = write!(
            out,
            "\n## Multi-output processes\n\n{} allocatable with the source's factors, {} not allocatable.\n",
            self.allocatable.len(),
            self.not_allocatable.len()
        );
        let mut lines: Vec<String> = self
            .allocatable
            .iter()
            .map(|a| {
                let shares: Vec<String> = a.products.iter().map(|(id, f)| format!("{} = {f}", id.id)).collect();
                format!("{}: {}", a.original, shares.join(", "))
            })
            .collect();
        lines.extend(self.not_allocatable.iter().map(|id| format!("{id}: not allocatable")));
        list(&mut out, &lines);
        out
    }
}

fn list(out: &mut String, lines: &[String]) {
    if lines.is_empty() {
        return;
    }
    out.push('\n');
    for line in lines {
        let _ = writeln!(out, "- {line}");
    }
}
