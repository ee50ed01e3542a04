//! Multi-output processes into single-output processes, by the allocation factors the source gives
//! (`Process.allocation`: SimaPro allocation %, EcoSpold2/ILCD factors) or by a chosen exchange property
//! (EcoSpold2 `price`, `dry mass`…).
//!
//! Ids: the single-output process made for product exchange `e` of process `p` has id `<p.id>#<e.flow.id>` (same
//! version), keeps `p`'s name and location, and records `allocated_from` = `p.id`, `allocation_fraction` and
//! `allocation_basis` in its metadata. Every non-product exchange is scaled by the fraction (amount and
//! mean amount); the other products are dropped. Run linking after allocation: consumers then find the new
//! process by its reference flow.

use ecoref_model::{Dataset, Diagnostic, EntityId, Exchange, ExchangeKind, Process};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// Options of [`compute_allocation`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllocationOptions {
    /// Use only `Process.allocation` factors whose method equals this (case-insensitive); `None`: any.
    pub method: Option<String>,
    /// When a process has no allocation factors, allocate by this exchange property (matched on the property
    /// id or its name, case-insensitive): fraction = amount × property / Σ over products.
    pub property: Option<String>,
}

impl AllocationOptions {
    /// Stable text of every option.
    pub fn describe(&self) -> String {
        format!("method={};property={}", self.method.as_deref().unwrap_or("-"), self.property.as_deref().unwrap_or("-"))
    }
}

/// One multi-output process split into single-output processes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Allocated {
    pub original: EntityId,
    /// (new process id, fraction), in product order.
    pub products: Vec<(EntityId, f64)>,
    /// `source-factors` or `property:<name>`.
    pub basis: String,
}

/// What [`compute_allocation`] produces.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AllocationOutput {
    /// The dataset with every allocated process replaced by its single-output processes (canonicalized).
    pub dataset: Dataset,
    pub allocated: Vec<Allocated>,
    /// Multi-output processes kept as they were, because they could not be allocated.
    pub not_allocated: Vec<EntityId>,
    /// `allocation.no-factors`, `allocation.missing-factor` (warnings),
    /// `allocation.factors-do-not-sum-to-one` (warning).
    pub diagnostics: Vec<Diagnostic>,
}

/// The products of a process: its reference exchanges.
pub fn products(process: &Process) -> Vec<&Exchange> {
    process.exchanges.iter().filter(|e| e.is_reference).collect()
}

/// Splits every process with two or more reference products; others are copied unchanged.
pub fn compute_allocation(dataset: &Dataset, options: &AllocationOptions) -> AllocationOutput {
    let mut out = AllocationOutput {
        dataset: Dataset { processes: Vec::new(), ..dataset.clone() },
        ..AllocationOutput::default()
    };
    for process in &dataset.processes {
        let products = products(process);
        if products.len() < 2 {
            out.dataset.processes.push(process.clone());
            continue;
        }
        match fractions(process, &products, options) {
            Ok((fractions, basis)) => {
                let sum: f64 = fractions.iter().sum();
                if (sum - 1.0).abs() > 1e-6 {
                    out.diagnostics.push(
                        Diagnostic::warning(
                            "allocation.factors-do-not-sum-to-one",
                            format!(
                                "process {} ({}): allocation factors ({basis}) sum to {sum}, not 1; allocated as given",
                                process.id, process.name
                            ),
                        )
                        .for_entity(process.id.id.clone()),
                    );
                }
                let mut allocated =
                    Allocated { original: process.id.clone(), products: Vec::new(), basis: basis.clone() };
                for (product, fraction) in products.iter().zip(&fractions) {
                    let single = single_output(process, product, *fraction, &basis);
                    allocated.products.push((single.id.clone(), *fraction));
                    out.dataset.processes.push(single);
                }
                out.allocated.push(allocated);
            }
            Err(refusal) => {
                out.diagnostics
                    .push(Diagnostic::warning(refusal.code, refusal.message).for_entity(process.id.id.clone()));
                out.not_allocated.push(process.id.clone());
                out.dataset.processes.push(process.clone());
            }
        }
    }
    out.dataset.canonicalize();
    out
}

/// Why a process cannot be allocated: a diagnostic code and message.
struct Refusal {
    code: &'static str,
    message: String,
}

impl Refusal {
    fn missing_factor(message: String) -> Self {
        Refusal { code: "allocation.missing-factor", message }
    }
}

/// The fraction of each product (in product order) and the basis, or the diagnostic saying why there is none.
fn fractions(
    process: &Process,
    products: &[&Exchange],
    options: &AllocationOptions,
) -> Result<(Vec<f64>, String), Refusal> {
    let method_ok = |m: &Option<String>| match (&options.method, m) {
        (None, _) => true,
        (Some(wanted), Some(m)) => wanted.eq_ignore_ascii_case(m.trim()),
        (Some(_), None) => false,
    };
    let factors: Vec<_> = process.allocation.iter().filter(|f| method_ok(&f.method)).collect();
    if !factors.is_empty() {
        let mut fractions = Vec::with_capacity(products.len());
        for product in products {
            let found: Vec<f64> =
                factors.iter().filter(|f| f.product == product.internal_id).map(|f| f.fraction).collect();
            match found.as_slice() {
                [fraction] if fraction.is_finite() => fractions.push(*fraction),
                _ => {
                    return Err(Refusal::missing_factor(format!(
                        "process {} ({}): product exchange {} has {} allocation factors, expected one; \
                             process not allocated",
                        process.id,
                        process.name,
                        product.internal_id,
                        found.len()
                    )));
                }
            }
        }
        return Ok((fractions, "source-factors".to_owned()));
    }
    if let Some(property) = &options.property {
        let mut values = Vec::with_capacity(products.len());
        for product in products {
            let value = product
                .properties
                .iter()
                .find(|p| {
                    p.property.id.eq_ignore_ascii_case(property)
                        || p.property.description.as_deref().is_some_and(|d| d.trim().eq_ignore_ascii_case(property))
                })
                .and_then(|p| p.amount)
                .zip(product.amount)
                .map(|(p, a)| p * a);
            match value {
                Some(v) if v.is_finite() => values.push(v),
                _ => {
                    return Err(Refusal::missing_factor(format!(
                        "process {} ({}): product exchange {} has no amount or no property {property:?}; \
                             process not allocated",
                        process.id, process.name, product.internal_id
                    )));
                }
            }
        }
        let total: f64 = values.iter().sum();
        if total == 0.0 || !total.is_finite() {
            return Err(Refusal::missing_factor(format!(
                "process {} ({}): the products' {property:?} values sum to {total}; process not allocated",
                process.id, process.name
            )));
        }
        return Ok((values.iter().map(|v| v / total).collect(), format!("property:{property}")));
    }
    let mut message = format!(
        "process {} ({}) has {} reference products and no allocation factors",
        process.id,
        process.name,
        products.len()
    );
    if options.method.is_some() {
        let _ = write!(message, " for method {:?}", options.method.as_deref().unwrap_or_default());
    }
    message.push_str(" and no allocation property was chosen; process not allocated");
    Err(Refusal { code: "allocation.no-factors", message })
}

fn single_output(process: &Process, product: &Exchange, fraction: f64, basis: &str) -> Process {
    let mut single = process.clone();
    single.id = EntityId::new(format!("{}#{}", process.id.id, product.flow.id), process.id.version.clone());
    single.allocation.clear();
    single.exchanges = process
        .exchanges
        .iter()
        .filter_map(|e| {
            if e.is_reference {
                return (e.internal_id == product.internal_id && e.flow == product.flow).then(|| e.clone());
            }
            let mut scaled = e.clone();
            scaled.amount = e.amount.map(|a| a * fraction);
            scaled.mean_amount = e.mean_amount.map(|a| a * fraction);
            if scaled.kind == Some(ExchangeKind::Production) {
                scaled.kind = Some(ExchangeKind::Technosphere);
            }
            Some(scaled)
        })
        .collect();
    single.metadata.insert("allocated_from".to_owned(), process.id.to_string());
    single.metadata.insert("allocation_fraction".to_owned(), fraction.to_string());
    single.metadata.insert("allocation_basis".to_owned(), basis.to_owned());
    single
}
