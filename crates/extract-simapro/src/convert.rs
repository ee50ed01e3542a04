//! Semantic layer: blocks → model entities (processes, exchanges, flows, unit groups, LCIA methods,
//! normalization-weighting sets, sources), parameters evaluated at the end of the file.

use crate::blocks::Block;
use crate::expr::{Definition, EvalError, Scope, parse_number};
use crate::header::Header;
use crate::names::{self, Cas};
use crate::text::{Record, SplitProblem};
use crate::{GlobalParameter, ParameterLevel, ReadOptions};
use ecoref_model::{
    AllocationFactor, CharacterizationFactor, Classification, Dataset, Diagnostic, Direction, EntityId, Exchange,
    ExchangeKind, Flow, FlowKind, FlowProperty, LciaMethod, Metadata, NormalizationWeighting,
    NormalizationWeightingSet, Parameter, Process, Reference, Severity, Source, Uncertainty, Unit, UnitGroup,
};
use std::collections::{BTreeMap, HashMap, HashSet};

/// A value that waits for parameters: an exchange amount or an allocation share.
#[derive(Debug)]
enum Pending {
    Amount { process: usize, exchange: usize, line: u64 },
    Allocation { process: usize, allocation: usize, text: String, line: u64 },
}

#[derive(Debug)]
struct GlobalDefinition {
    level: ParameterLevel,
    parameter: Parameter,
    definition: Option<Definition>,
    line: u64,
}

/// Substance data from the reference blocks (`Airborne emissions`, …): unit, CAS, comment.
#[derive(Debug, Clone)]
struct Substance {
    unit: String,
    cas: String,
    comment: String,
    line: u64,
}

/// What [`Collector::finish`] gives back.
#[derive(Debug)]
pub(crate) struct Finished {
    pub(crate) dataset: Dataset,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) n_rejected: u64,
    pub(crate) parameters: Vec<GlobalParameter>,
}

/// Accumulates entities and diagnostics over the blocks of one file.
#[derive(Debug)]
pub(crate) struct Collector {
    file: String,
    decimal: char,
    include_waste_scenarios: bool,
    project: Option<String>,
    libraries: Vec<String>,
    dataset: Dataset,
    flows: BTreeMap<String, Flow>,
    unit_groups: BTreeMap<String, UnitGroup>,
    substances: HashMap<(String, String), Substance>,
    process_ids: HashSet<String>,
    process_scopes: Vec<Vec<(String, Option<Definition>, u64)>>,
    globals: Vec<GlobalDefinition>,
    pending: Vec<Pending>,
    diagnostics: Vec<Diagnostic>,
    n_rejected: u64,
}

fn metadata_key(keyword: &str) -> String {
    keyword.trim().to_lowercase().replace([' ', '-', '/'], "_")
}

fn lower(text: &str) -> String {
    text.trim().to_lowercase()
}

impl Collector {
    pub(crate) fn new(file: &str, options: &ReadOptions, header: &Header) -> Self {
        Collector {
            file: file.to_owned(),
            decimal: header.decimal,
            include_waste_scenarios: options.include_waste_scenarios,
            project: header.project.clone().filter(|p| !p.is_empty()),
            libraries: header.libraries.clone(),
            dataset: Dataset::default(),
            flows: BTreeMap::new(),
            unit_groups: BTreeMap::new(),
            substances: HashMap::new(),
            process_ids: HashSet::new(),
            process_scopes: Vec::new(),
            globals: Vec::new(),
            pending: Vec::new(),
            diagnostics: Vec::new(),
            n_rejected: 0,
        }
    }

    fn diag(&mut self, severity: Severity, code: &str, message: String, line: u64, entity: Option<&str>) {
        let mut d = Diagnostic::new(severity, code, message).in_file(&self.file).at_line(line, None);
        if let Some(entity) = entity {
            d = d.for_entity(entity);
        }
        self.diagnostics.push(d);
    }

    pub(crate) fn split_problem(&mut self, problem: SplitProblem) {
        self.diag(Severity::Warning, "simapro.unterminated-quote", problem.message, problem.line, None);
    }

    pub(crate) fn encoding_fallback(&mut self, first_line: u64, n_lines: u64) {
        let message = format!(
            "{n_lines} line(s) are not valid utf-8 and were decoded as windows-1252 (first: line {first_line})"
        );
        self.diag(Severity::Info, "simapro.windows-1252", message, first_line, None);
    }

    pub(crate) fn missing_header(&mut self, line: u64) {
        let message = format!("line {line}: no header; read with `;` separator and `.` decimal mark");
        self.diag(Severity::Warning, "simapro.missing-header", message, line, None);
    }

    pub(crate) fn unknown_block(&mut self, record: &Record) {
        let message = format!("line {}: unknown block `{}` skipped to its End", record.line, record.first());
        self.diag(Severity::Error, "simapro.unknown-block", message, record.line, None);
        self.n_rejected += 1;
    }

    pub(crate) fn add_block(&mut self, block: Block) {
        if block.unterminated {
            let message = format!("line {}: block `{}` has no End line", block.line, block.keyword);
            self.diag(Severity::Warning, "simapro.missing-end", message, block.line, None);
        }
        match block.keyword.as_str() {
            "process" | "waste scenario" => self.add_process(&block, false),
            "product stage" => self.add_process(&block, true),
            "method" => self.add_method(&block),
            "system description" => self.add_source(&block, "system description"),
            "literature reference" => self.add_source(&block, "literature reference"),
            "quantities" => self.add_quantities(&block),
            "units" => self.add_units(&block),
            "database input parameters" => self.add_globals(&block, ParameterLevel::Database, false),
            "database calculated parameters" => self.add_globals(&block, ParameterLevel::Database, true),
            "project input parameters" => self.add_globals(&block, ParameterLevel::Project, false),
            "project calculated parameters" => self.add_globals(&block, ParameterLevel::Project, true),
            _ => self.add_substances(&block),
        }
    }

    /// A number, or the text of an expression to evaluate later.
    fn amount_of(&self, text: &str) -> (Option<f64>, Option<String>) {
        match parse_number(text, self.decimal) {
            Some(value) => (Some(value), None),
            None if text.trim().is_empty() => (None, None),
            None => (None, Some(text.trim().to_owned())),
        }
    }

    fn uncertainty(&mut self, fields: [&str; 4], line: u64, entity: Option<&str>) -> Option<Uncertainty> {
        let [name, f1, f2, f3] = fields;
        let decimal = self.decimal;
        let number = |t: &str| parse_number(t, decimal);
        let mut u = Uncertainty::default();
        match lower(name).as_str() {
            "" => return None,
            "undefined" => u.distribution = "undefined".into(),
            "lognormal" | "log-normal" => {
                u.distribution = "log-normal".into();
                match number(f1) {
                    Some(gsd2) if gsd2 > 0.0 => {
                        u.parameters.insert("gsd_squared".into(), gsd2);
                        let sigma = gsd2.sqrt().ln();
                        if sigma > 0.0 {
                            u.parameters.insert("sigma".into(), sigma);
                        } else {
                            let message = format!("line {line}: lognormal gsd² {f1} is not above 1");
                            self.diag(Severity::Warning, "simapro.invalid-uncertainty", message, line, entity);
                        }
                    }
                    _ => {
                        let message = format!("line {line}: lognormal gsd² `{f1}` is not a positive number");
                        self.diag(Severity::Warning, "simapro.invalid-uncertainty", message, line, entity);
                    }
                }
            }
            "normal" => {
                u.distribution = "normal".into();
                if let Some(value) = number(f1) {
                    u.parameters.insert("sd2_or_2sd".into(), value);
                }
            }
            "triangle" | "triangular" => u.distribution = "triangular".into(),
            "uniform" => u.distribution = "uniform".into(),
            other => {
                let message = format!("line {line}: unknown uncertainty type `{other}`; uncertainty dropped");
                self.diag(Severity::Warning, "simapro.unknown-uncertainty", message, line, entity);
                return None;
            }
        }
        if matches!(u.distribution.as_str(), "triangular" | "uniform") {
            u.minimum = number(f2);
            u.maximum = number(f3);
        }
        Some(u)
    }

    fn product_flow(&mut self, name: &str, unit: &str, kind: FlowKind) -> Reference {
        let flow = self.flows.entry(name.to_owned()).or_insert_with(|| {
            let mut flow = Flow {
                id: EntityId::new(name, None),
                name: name.to_owned(),
                kind: Some(kind),
                reference_unit: Some(unit.to_owned()).filter(|u| !u.is_empty()),
                ..Flow::default()
            };
            if let Some(parts) = names::split_name(name) {
                flow.location = Some(parts.location);
            }
            flow
        });
        if flow.reference_unit.is_none() && !unit.is_empty() {
            flow.reference_unit = Some(unit.to_owned());
        }
        Reference::to(name)
    }

    fn elementary_flow(&mut self, name: &str, compartment: &str, subcompartment: &str, unit: &str) -> Reference {
        let id = names::elementary_flow_id(name, compartment, subcompartment);
        let flow = self.flows.entry(id.clone()).or_insert_with(|| Flow {
            id: EntityId::new(id.clone(), None),
            name: name.to_owned(),
            kind: Some(FlowKind::Elementary),
            compartment: vec![compartment.to_owned(), names::canonical_subcompartment(subcompartment)],
            reference_unit: Some(unit.to_owned()).filter(|u| !u.is_empty()),
            ..Flow::default()
        });
        if flow.reference_unit.is_none() && !unit.is_empty() {
            flow.reference_unit = Some(unit.to_owned());
        }
        Reference { id, version: None, description: Some(name.to_owned()) }
    }

    fn add_process(&mut self, block: &Block, product_stage: bool) {
        let mut process = Process::default();
        let mut metadata = Metadata::new();
        if product_stage {
            metadata.insert("block".into(), "product stage".into());
        }
        let mut identifier = String::new();
        let mut platform_id = String::new();
        let mut process_name = String::new();
        for section in &block.sections {
            let key = section.key();
            if crate::blocks::is_table_section(&key) || key.is_empty() {
                continue;
            }
            let text = section.text();
            match key.as_str() {
                "process identifier" => identifier = text.trim().to_owned(),
                "platformid" => platform_id = text.trim().to_owned(),
                "process name" => process_name = text.trim().to_owned(),
                "type" => process.process_type = Some(text.clone()).filter(|t| !t.is_empty()),
                "comment" => process.description = Some(text.clone()).filter(|t| !t.is_empty()),
                _ => {}
            }
            if !text.is_empty() {
                metadata.insert(metadata_key(&section.keyword), text);
            }
        }
        let is_waste_scenario = block.keyword == "waste scenario"
            || metadata.get("category_type").is_some_and(|c| lower(c) == "waste scenario")
            || block.sections.iter().any(|s| s.key() == "waste scenario");
        let first_product = block
            .sections
            .iter()
            .filter(|s| matches!(s.key().as_str(), "products" | "waste treatment" | "waste scenario"))
            .flat_map(|s| s.rows.iter())
            .map(|r| r.first().to_owned())
            .find(|n| !n.is_empty());
        if process_name.is_empty() {
            process_name = first_product.clone().unwrap_or_default();
        }
        if process_name.is_empty() {
            let message = format!("line {}: process has neither a name nor a product; rejected", block.line);
            self.diag(Severity::Error, "simapro.process-without-product", message, block.line, Some(&identifier));
            self.n_rejected += 1;
            return;
        }
        let id = self.process_id(&identifier, &platform_id, &process_name, block);
        if is_waste_scenario && !self.include_waste_scenarios {
            let message = format!(
                "line {}: waste scenario `{process_name}` not imported (include_waste_scenarios is off)",
                block.line
            );
            self.diag(Severity::Warning, "simapro.waste-scenario-skipped", message, block.line, Some(&id));
            return;
        }
        process.id = EntityId::new(id.clone(), None);
        process.name = process_name.clone();
        if !platform_id.is_empty() {
            metadata.insert("platform_id".into(), platform_id);
        }
        let located = names::split_name(&process_name).or_else(|| first_product.as_deref().and_then(names::split_name));
        if let Some(parts) = located {
            process.location = Some(parts.location.clone());
            metadata.insert("name.product".into(), parts.product);
            metadata.insert("name.location".into(), parts.location);
            for (key, value) in [
                ("name.activity", parts.activity),
                ("name.system_model", parts.system_model),
                ("name.suffix", parts.suffix),
            ] {
                if let Some(value) = value {
                    metadata.insert(key.into(), value);
                }
            }
        }
        if let Some(project) = &self.project {
            metadata.insert("header.project".into(), project.clone());
        }
        if !self.libraries.is_empty() {
            metadata.insert("header.libraries".into(), self.libraries.join("\n"));
        }
        let process_idx = self.dataset.processes.len();
        let mut scope_defs = Vec::new();
        let allocation_method = metadata.get("multiple_output_allocation").cloned();
        for section in &block.sections {
            let key = section.key();
            for row in &section.rows {
                if !crate::blocks::is_table_section(&key) || row.is_blank() {
                    continue;
                }
                self.add_row(
                    &mut process,
                    &key,
                    row,
                    product_stage,
                    &id,
                    process_idx,
                    allocation_method.as_deref(),
                    &mut scope_defs,
                );
            }
        }
        if !process.exchanges.iter().any(|e| e.is_reference) {
            let message = format!("line {}: process `{process_name}` has no product row", block.line);
            self.diag(Severity::Warning, "simapro.no-reference-product", message, block.line, Some(&id));
        }
        process.metadata = metadata;
        self.process_scopes.push(scope_defs);
        self.dataset.processes.push(process);
    }

    fn process_id(&mut self, identifier: &str, platform_id: &str, name: &str, block: &Block) -> String {
        let products: Vec<String> = block
            .sections
            .iter()
            .filter(|s| matches!(s.key().as_str(), "products" | "waste treatment" | "waste scenario"))
            .flat_map(|s| s.rows.iter().map(|r| r.first().to_owned()))
            .collect();
        let base = if !identifier.is_empty() {
            identifier.to_owned()
        } else if !platform_id.is_empty() {
            platform_id.to_owned()
        } else {
            format!("simapro-process-{}", names::short_hash(&format!("{name}\u{1f}{}", products.join("\u{1f}"))))
        };
        if self.process_ids.insert(base.clone()) {
            return base;
        }
        let mut n = 2;
        loop {
            let candidate = format!("{base}#{n}");
            if self.process_ids.insert(candidate.clone()) {
                let message =
                    format!("line {}: process id `{base}` is used twice; this one is `{candidate}`", block.line);
                self.diag(Severity::Warning, "simapro.duplicate-process-id", message, block.line, Some(&candidate));
                return candidate;
            }
            n += 1;
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn add_row(
        &mut self,
        process: &mut Process,
        key: &str,
        row: &Record,
        product_stage: bool,
        id: &str,
        process_idx: usize,
        allocation_method: Option<&str>,
        scope_defs: &mut Vec<(String, Option<Definition>, u64)>,
    ) {
        let f = |i: usize| row.field(i);
        let name = f(0).to_owned();
        if name.is_empty() {
            let message = format!("line {}: row without a name in section `{key}` skipped", row.line);
            self.diag(Severity::Warning, "simapro.empty-name", message, row.line, Some(id));
            return;
        }
        if key == "input parameters" || key == "calculated parameters" {
            let calculated = key == "calculated parameters";
            let (parameter, definition) = self.parameter(row, calculated, Some(id));
            scope_defs.push((parameter.name.clone(), definition, row.line));
            process.parameters.push(parameter);
            return;
        }
        let mut exchange = Exchange { internal_id: (process.exchanges.len() + 1).to_string(), ..Exchange::default() };
        let mut metadata = Metadata::new();
        metadata.insert("section".into(), key.to_owned());
        let compartment = names::canonical_compartment(key);
        let (unit, amount_text, dist_at);
        if let Some(compartment) = compartment {
            // name;subcompartment;unit;amount;distribution;f1;f2;f3;comment;platform id
            let subcompartment = f(1);
            (unit, amount_text) = swap_legacy(f(2), f(3), self.decimal);
            dist_at = 4;
            exchange.flow = self.elementary_flow(&name, compartment, subcompartment, &unit);
            exchange.kind = Some(ExchangeKind::Biosphere);
            exchange.direction = Some(if compartment == "Raw" { Direction::Input } else { Direction::Output });
            exchange.comment = Some(f(8).to_owned()).filter(|c| !c.is_empty());
            if !f(9).is_empty() {
                metadata.insert("platform_id".into(), f(9).to_owned());
            }
        } else {
            match key {
                "products" | "waste treatment" | "waste scenario" => {
                    let (u, a) = swap_legacy(f(1), f(2), self.decimal);
                    unit = u;
                    amount_text = a;
                    dist_at = usize::MAX;
                    let waste = key != "products";
                    exchange.kind = Some(ExchangeKind::Production);
                    exchange.is_reference = true;
                    exchange.direction = Some(if waste { Direction::Input } else { Direction::Output });
                    exchange.flow =
                        self.product_flow(&name, &unit, if waste { FlowKind::Waste } else { FlowKind::Product });
                    let (category, comment, waste_type);
                    if key == "products" && !product_stage {
                        // name;unit;amount;allocation%;waste type;category;comment
                        let allocation = f(3).trim().trim_end_matches('%').trim().to_owned();
                        if !allocation.is_empty() {
                            let allocation_idx = process.allocation.len();
                            let fraction = parse_number(&allocation, self.decimal).map(|p| p / 100.0);
                            if fraction.is_none() {
                                self.pending.push(Pending::Allocation {
                                    process: process_idx,
                                    allocation: allocation_idx,
                                    text: allocation.clone(),
                                    line: row.line,
                                });
                            }
                            process.allocation.push(AllocationFactor {
                                product: exchange.internal_id.clone(),
                                method: allocation_method.map(str::to_owned),
                                fraction: fraction.unwrap_or(f64::NAN),
                            });
                        }
                        waste_type = f(4);
                        category = f(5);
                        comment = f(6);
                    } else if key == "products" {
                        // product stage: name;unit;amount;category;comment
                        waste_type = "";
                        category = f(3);
                        comment = f(4);
                    } else {
                        // name;unit;amount;waste type;category;comment
                        waste_type = f(3);
                        category = f(4);
                        comment = f(5);
                        metadata.insert("waste_treatment".into(), "true".into());
                    }
                    if !waste_type.is_empty() {
                        metadata.insert("waste_type".into(), waste_type.to_owned());
                    }
                    if !category.is_empty() {
                        let path: Vec<String> = category.split('\\').map(str::to_owned).collect();
                        let classification = Classification { system: Some("SimaPro".into()), path };
                        if !process.classifications.contains(&classification) {
                            process.classifications.push(classification);
                        }
                    }
                    exchange.comment = Some(comment.to_owned()).filter(|c| !c.is_empty());
                }
                "separated waste" | "remaining waste" => {
                    // name;waste type;percent;comment (waste scenarios)
                    unit = "%".to_owned();
                    amount_text = f(2).to_owned();
                    dist_at = usize::MAX;
                    exchange.kind = Some(ExchangeKind::Technosphere);
                    exchange.direction = Some(Direction::Output);
                    exchange.flow = self.product_flow(&name, "", FlowKind::Waste);
                    exchange.provider = Some(Reference::to(&name));
                    if !f(1).is_empty() {
                        metadata.insert("waste_type".into(), f(1).to_owned());
                    }
                    exchange.comment = Some(f(3).to_owned()).filter(|c| !c.is_empty());
                }
                _ => {
                    // name;unit;amount;distribution;f1;f2;f3;comment
                    let (u, a) = swap_legacy(f(1), f(2), self.decimal);
                    unit = u;
                    amount_text = a;
                    dist_at = 3;
                    let waste = key == "waste to treatment";
                    exchange.kind = Some(ExchangeKind::Technosphere);
                    exchange.direction =
                        Some(if waste || key == "avoided products" { Direction::Output } else { Direction::Input });
                    if key == "avoided products" {
                        metadata.insert("avoided".into(), "true".into());
                    }
                    exchange.flow =
                        self.product_flow(&name, &unit, if waste { FlowKind::Waste } else { FlowKind::Product });
                    exchange.provider = Some(Reference::to(&name));
                    exchange.location = names::split_name(&name).map(|p| p.location);
                    exchange.comment = Some(f(7).to_owned()).filter(|c| !c.is_empty());
                }
            }
        }
        if dist_at != usize::MAX {
            let fields = [f(dist_at), f(dist_at + 1), f(dist_at + 2), f(dist_at + 3)];
            exchange.uncertainty = self.uncertainty(fields, row.line, Some(id));
        }
        exchange.unit = Some(unit).filter(|u| !u.is_empty());
        let (amount, formula) = self.amount_of(&amount_text);
        exchange.amount = amount;
        if formula.is_some() {
            self.pending.push(Pending::Amount {
                process: process_idx,
                exchange: process.exchanges.len(),
                line: row.line,
            });
        } else if amount.is_none() {
            let message = format!("line {}: `{name}` has no amount", row.line);
            self.diag(Severity::Warning, "simapro.missing-amount", message, row.line, Some(id));
        }
        exchange.formula = formula;
        exchange.metadata = metadata;
        process.exchanges.push(exchange);
    }

    /// `name;value;distribution;f1;f2;f3;hidden;comment` or `name;expression;comment`.
    fn parameter(&mut self, row: &Record, calculated: bool, entity: Option<&str>) -> (Parameter, Option<Definition>) {
        let mut parameter = Parameter { name: row.first().to_owned(), ..Parameter::default() };
        let text = row.field(1);
        let definition = if calculated {
            parameter.formula = Some(text.to_owned()).filter(|t| !t.is_empty());
            parameter.comment = Some(row.field(2).to_owned()).filter(|c| !c.is_empty());
            parameter.formula.clone().map(Definition::Expression)
        } else {
            let fields = [row.field(2), row.field(3), row.field(4), row.field(5)];
            parameter.uncertainty = self.uncertainty(fields, row.line, entity);
            parameter.comment = Some(row.field(7).to_owned()).filter(|c| !c.is_empty());
            match parse_number(text, self.decimal) {
                Some(value) => {
                    parameter.value = Some(value);
                    Some(Definition::Value(value))
                }
                None if text.is_empty() => None,
                None => {
                    parameter.formula = Some(text.to_owned());
                    Some(Definition::Expression(text.to_owned()))
                }
            }
        };
        if definition.is_none() {
            let message = format!("line {}: parameter `{}` has no value", row.line, parameter.name);
            self.diag(Severity::Warning, "simapro.missing-amount", message, row.line, entity);
        }
        (parameter, definition)
    }

    fn add_globals(&mut self, block: &Block, level: ParameterLevel, calculated: bool) {
        for section in &block.sections {
            for row in &section.rows {
                if row.first().is_empty() {
                    continue;
                }
                let (parameter, definition) = self.parameter(row, calculated, None);
                self.globals.push(GlobalDefinition { level, parameter, definition, line: row.line });
            }
        }
    }

    fn add_quantities(&mut self, block: &Block) {
        for row in block.sections.iter().flat_map(|s| s.rows.iter()) {
            let name = row.first();
            if name.is_empty() {
                continue;
            }
            let group = self.unit_group(name);
            group.metadata.insert("dimension".into(), row.field(1).to_owned());
        }
    }

    fn unit_group(&mut self, quantity: &str) -> &mut UnitGroup {
        self.unit_groups.entry(quantity.to_owned()).or_insert_with(|| UnitGroup {
            id: EntityId::new(quantity, None),
            name: quantity.to_owned(),
            ..UnitGroup::default()
        })
    }

    /// `name;quantity;factor;reference unit`.
    fn add_units(&mut self, block: &Block) {
        let decimal = self.decimal;
        for row in block.sections.iter().flat_map(|s| s.rows.iter()) {
            let (name, quantity, factor_text, reference) = (row.first(), row.field(1), row.field(2), row.field(3));
            if name.is_empty() || quantity.is_empty() {
                let message = format!("line {}: unit row needs a name and a quantity", row.line);
                self.diag(Severity::Warning, "simapro.invalid-unit", message, row.line, None);
                continue;
            }
            let factor = parse_number(factor_text, decimal);
            if factor.is_none() {
                let message = format!(
                    "line {}: unit `{name}` has a conversion factor `{factor_text}` that is not a number",
                    row.line
                );
                self.diag(Severity::Warning, "simapro.invalid-unit", message, row.line, None);
            }
            let group = self.unit_group(quantity);
            if !reference.is_empty() {
                group.metadata.insert("reference_unit".into(), reference.to_owned());
            }
            if group.units.iter().any(|u| u.name == name) {
                continue;
            }
            group.units.push(Unit {
                internal_id: name.to_owned(),
                name: name.to_owned(),
                factor,
                is_reference: name == reference,
                comment: None,
            });
        }
    }

    /// Reference substance blocks: `name;unit;CAS;comment;platform id`.
    fn add_substances(&mut self, block: &Block) {
        let Some(compartment) = names::canonical_compartment(&block.keyword) else { return };
        for row in block.sections.iter().flat_map(|s| s.rows.iter()) {
            if row.first().is_empty() {
                continue;
            }
            let substance = Substance {
                unit: row.field(1).to_owned(),
                cas: row.field(2).to_owned(),
                comment: row.field(3).to_owned(),
                line: row.line,
            };
            self.substances.entry((compartment.to_owned(), lower(row.first()))).or_insert(substance);
        }
    }

    fn add_source(&mut self, block: &Block, kind: &str) {
        let mut metadata = Metadata::new();
        let mut name = String::new();
        for section in &block.sections {
            let text = section.text();
            if section.key() == "name" {
                name = text.trim().to_owned();
            }
            if !text.is_empty() && !section.keyword.is_empty() {
                metadata.insert(metadata_key(&section.keyword), text);
            }
        }
        if name.is_empty() {
            let message = format!("line {}: {kind} without a name; rejected", block.line);
            self.diag(Severity::Error, "simapro.source-without-name", message, block.line, None);
            self.n_rejected += 1;
            return;
        }
        let prefix = if kind == "system description" { "system-description" } else { "literature" };
        let id = format!("{prefix}:{name}");
        if self.dataset.sources.iter().any(|s| s.id.id == id) {
            return;
        }
        let citation = metadata.get("description").cloned().filter(|d| !d.is_empty() && d != "\"\"");
        self.dataset.sources.push(Source {
            id: EntityId::new(id, None),
            name,
            citation,
            publication_type: Some(kind.to_owned()),
            metadata,
        });
    }

    fn add_method(&mut self, block: &Block) {
        let mut method_meta = Metadata::new();
        let mut method_name = String::new();
        let mut categories: Vec<LciaMethod> = Vec::new();
        let mut damage: Option<(String, String)> = None;
        let mut sets: Vec<NormalizationWeightingSet> = Vec::new();
        let mut pending_header: Option<String> = None;
        let decimal = self.decimal;
        for section in &block.sections {
            let key = section.key();
            let first_row = section.rows.first();
            match key.as_str() {
                "impact category" => {
                    let Some(row) = first_row else { continue };
                    categories.push(LciaMethod {
                        name: row.first().to_owned(),
                        impact_category: Some(row.first().to_owned()),
                        unit: Some(row.field(1).to_owned()).filter(|u| !u.is_empty()),
                        metadata: Metadata::from([("line".to_owned(), row.line.to_string())]),
                        ..LciaMethod::default()
                    });
                }
                "substances" => {
                    for row in &section.rows {
                        let factor = self.factor(row, decimal, &method_name);
                        match (factor, categories.last_mut()) {
                            (Some(factor), Some(category)) => category.factors.push(factor),
                            (Some(_), None) => {
                                let message = format!("line {}: substance row before any impact category", row.line);
                                self.diag(Severity::Warning, "simapro.orphan-row", message, row.line, None);
                            }
                            (None, _) => {}
                        }
                    }
                }
                "damage category" => {
                    damage = first_row.map(|r| (r.first().to_owned(), r.field(1).to_owned()));
                }
                "impact categories" => {
                    let Some((damage_name, damage_unit)) = damage.clone() else { continue };
                    for row in &section.rows {
                        if let Some(category) = categories.iter_mut().find(|c| c.name == row.first()) {
                            category.metadata.insert(format!("damage_category:{damage_name}"), row.field(1).to_owned());
                            category
                                .metadata
                                .insert(format!("damage_category_unit:{damage_name}"), damage_unit.clone());
                        } else {
                            let message = format!(
                                "line {}: damage category `{damage_name}` names unknown impact category `{}`",
                                row.line,
                                row.first()
                            );
                            self.diag(Severity::Warning, "simapro.unknown-impact-category", message, row.line, None);
                        }
                    }
                }
                "normalization-weighting set" => {
                    let name = first_row.map(|r| r.first().to_owned()).unwrap_or_default();
                    sets.push(NormalizationWeightingSet { name, ..NormalizationWeightingSet::default() });
                }
                "normalization" | "weighting" => {
                    let Some(set) = sets.last_mut() else { continue };
                    for row in &section.rows {
                        let value = parse_number(row.field(1), decimal);
                        if value.is_none() {
                            let message = format!("line {}: {key} value `{}` is not a number", row.line, row.field(1));
                            self.diagnostics.push(
                                Diagnostic::warning("simapro.invalid-number", message)
                                    .in_file(&self.file)
                                    .at_line(row.line, None),
                            );
                        }
                        let idx = match set.entries.iter().position(|e| e.category == row.first()) {
                            Some(idx) => idx,
                            None => {
                                set.entries.push(NormalizationWeighting {
                                    category: row.first().to_owned(),
                                    normalization_is_factor: true,
                                    ..NormalizationWeighting::default()
                                });
                                set.entries.len() - 1
                            }
                        };
                        if let Some(entry) = set.entries.get_mut(idx) {
                            if key == "normalization" {
                                entry.normalization = value;
                            } else {
                                entry.weighting = value;
                            }
                        }
                    }
                }
                _ => {
                    let text = section.text();
                    if key == "name" {
                        method_name = text.trim().to_owned();
                    }
                    if !section.keyword.is_empty() {
                        method_meta.insert(metadata_key(&section.keyword), text);
                    } else if pending_header.is_none() {
                        pending_header = Some(text);
                    }
                }
            }
        }
        if method_name.is_empty() {
            let message = format!("line {}: method without a name; rejected", block.line);
            self.diag(Severity::Error, "simapro.method-without-name", message, block.line, None);
            self.n_rejected += 1;
            return;
        }
        for mut category in categories {
            category.id = EntityId::new(format!("{method_name}::{}", category.name), None);
            category.methodologies = vec![method_name.clone()];
            let line = category.metadata.remove("line").unwrap_or_default();
            for (key, value) in &method_meta {
                category.metadata.insert(format!("method.{key}"), value.clone());
            }
            if self.dataset.lcia_methods.iter().any(|m| m.id == category.id) {
                let message =
                    format!("line {line}: impact category `{}` appears twice; second one dropped", category.name);
                let d = Diagnostic::error("simapro.duplicate-impact-category", message).in_file(&self.file);
                self.diagnostics.push(d);
                self.n_rejected += 1;
                continue;
            }
            self.dataset.lcia_methods.push(category);
        }
        for mut set in sets {
            set.method = Some(method_name.clone());
            self.dataset.normalization_weighting_sets.push(set);
        }
    }

    /// `compartment;subcompartment;substance;CAS;factor;unit`.
    fn factor(&mut self, row: &Record, decimal: char, method: &str) -> Option<CharacterizationFactor> {
        let (compartment_text, subcompartment, name) = (row.first(), row.field(1), row.field(2));
        let Some(compartment) = names::canonical_compartment(compartment_text) else {
            let message = format!("line {}: unknown compartment `{compartment_text}`; factor skipped", row.line);
            self.diag(Severity::Warning, "simapro.unknown-compartment", message, row.line, Some(method));
            return None;
        };
        let Some(value) = parse_number(row.field(4), decimal) else {
            let message = format!("line {}: factor `{}` for `{name}` is not a number; skipped", row.line, row.field(4));
            self.diag(Severity::Warning, "simapro.invalid-number", message, row.line, Some(method));
            return None;
        };
        let unit = row.field(5);
        let flow = self.elementary_flow(name, compartment, subcompartment, unit);
        self.apply_cas(&flow.id, row.field(3), row.line);
        if let Some(reference_unit) = self.flows.get(&flow.id).and_then(|f| f.reference_unit.clone())
            && !unit.is_empty()
            && reference_unit != unit
        {
            let message =
                format!("line {}: factor for `{name}` is per {unit} but the flow's unit is {reference_unit}", row.line);
            self.diag(Severity::Warning, "simapro.unit-mismatch", message, row.line, Some(method));
        }
        Some(CharacterizationFactor { flow, value, ..CharacterizationFactor::default() })
    }

    fn apply_cas(&mut self, flow_id: &str, raw: &str, line: u64) {
        let cas = names::normalize_cas(raw);
        let Some(flow) = self.flows.get_mut(flow_id) else { return };
        if flow.cas.is_some() || flow.metadata.contains_key("cas_raw") {
            return;
        }
        let name = flow.name.clone();
        match cas {
            Cas::None => {}
            Cas::Valid(cas) => flow.cas = Some(cas),
            Cas::BadCheckDigit(cas) => {
                flow.cas = Some(cas.clone());
                let message = format!("line {line}: cas `{raw}` of `{name}` has a wrong check digit");
                self.diag(Severity::Warning, "simapro.cas-check-digit", message, line, Some(flow_id));
            }
            Cas::Corrupted => {
                flow.metadata.insert("cas_raw".into(), raw.to_owned());
                let message = format!("line {line}: cas `{raw}` of `{name}` is not a cas number (excel-corrupted?)");
                self.diag(Severity::Warning, "simapro.invalid-cas", message, line, Some(flow_id));
            }
        }
    }

    pub(crate) fn finish(mut self) -> Finished {
        // Database and project parameters, then each process's own.
        let mut global = Scope::new(self.decimal);
        let globals = std::mem::take(&mut self.globals);
        for g in &globals {
            if let Some(definition) = &g.definition
                && !global.define(&g.parameter.name, definition.clone())
            {
                let message =
                    format!("line {}: parameter `{}` is defined twice; first one kept", g.line, g.parameter.name);
                self.diag(Severity::Warning, "simapro.duplicate-parameter", message, g.line, None);
            }
        }
        let mut parameters = Vec::new();
        for mut g in globals {
            if g.definition.is_some() {
                match global.resolve(&g.parameter.name) {
                    Ok(value) => g.parameter.value = Some(value),
                    Err(e) => self.eval_problem(&e, &g.parameter.name, g.line, None),
                }
            }
            parameters.push(GlobalParameter { level: g.level, parameter: g.parameter });
        }
        let scopes = std::mem::take(&mut self.process_scopes);
        let mut pending_by_process: HashMap<usize, Vec<Pending>> = HashMap::new();
        for p in std::mem::take(&mut self.pending) {
            let idx = match &p {
                Pending::Amount { process, .. } | Pending::Allocation { process, .. } => *process,
            };
            pending_by_process.entry(idx).or_default().push(p);
        }
        let mut problems = Vec::new();
        for (idx, defs) in scopes.into_iter().enumerate() {
            let Some(process) = self.dataset.processes.get_mut(idx) else { continue };
            let mut scope = Scope::child(&mut global);
            for (name, definition, line) in &defs {
                if let Some(definition) = definition
                    && !scope.define(name, definition.clone())
                {
                    problems.push((
                        EvalError::Syntax(format!("parameter `{name}` is defined twice")),
                        name.clone(),
                        *line,
                        process.id.id.clone(),
                    ));
                }
            }
            for (parameter, (_, definition, line)) in process.parameters.iter_mut().zip(&defs) {
                if definition.is_some() {
                    match scope.resolve(&parameter.name) {
                        Ok(value) => parameter.value = Some(value),
                        Err(e) => problems.push((e, parameter.name.clone(), *line, process.id.id.clone())),
                    }
                }
            }
            for p in pending_by_process.remove(&idx).unwrap_or_default() {
                match p {
                    Pending::Amount { exchange, line, .. } => {
                        let Some(exchange) = process.exchanges.get_mut(exchange) else { continue };
                        let Some(formula) = exchange.formula.clone() else { continue };
                        match scope.evaluate(&formula) {
                            Ok(value) => exchange.amount = Some(value),
                            Err(e) => problems.push((e, formula, line, process.id.id.clone())),
                        }
                    }
                    Pending::Allocation { allocation, text, line, .. } => match scope.evaluate(&text) {
                        Ok(value) => {
                            if let Some(a) = process.allocation.get_mut(allocation) {
                                a.fraction = value / 100.0;
                            }
                        }
                        Err(e) => problems.push((e, text, line, process.id.id.clone())),
                    },
                }
            }
        }
        for (e, what, line, entity) in problems {
            self.eval_problem(&e, &what, line, Some(&entity));
        }
        // Invalid allocation shares (unevaluable) are dropped rather than kept as NaN.
        for process in &mut self.dataset.processes {
            process.allocation.retain(|a| a.fraction.is_finite());
        }
        self.apply_substances();
        self.dataset.flows = std::mem::take(&mut self.flows).into_values().collect();
        let groups: Vec<UnitGroup> = std::mem::take(&mut self.unit_groups).into_values().collect();
        for group in &groups {
            let reference = group
                .metadata
                .get("reference_unit")
                .cloned()
                .or_else(|| group.reference_unit().map(|u| u.name.clone()));
            self.dataset.flow_properties.push(FlowProperty {
                id: group.id.clone(),
                name: group.name.clone(),
                unit_group: Some(Reference::to(group.id.id.clone())),
                reference_unit: reference,
                ..FlowProperty::default()
            });
        }
        self.dataset.unit_groups = groups;
        self.dataset.canonicalize();
        Finished { dataset: self.dataset, diagnostics: self.diagnostics, n_rejected: self.n_rejected, parameters }
    }

    fn eval_problem(&mut self, e: &EvalError, what: &str, line: u64, entity: Option<&str>) {
        let code = match e {
            EvalError::Cycle(_) => "simapro.parameter-cycle",
            EvalError::UnknownParameter(_) => "simapro.unknown-parameter",
            _ => "simapro.invalid-expression",
        };
        let message = format!("line {line}: cannot evaluate `{what}`: {e}");
        self.diag(Severity::Warning, code, message, line, entity);
    }

    /// Fills CAS, unit and comment of elementary flows from the substance blocks.
    fn apply_substances(&mut self) {
        let substances = std::mem::take(&mut self.substances);
        let ids: Vec<(String, String, String)> = self
            .flows
            .values()
            .filter(|f| f.kind == Some(FlowKind::Elementary))
            .filter_map(|f| f.compartment.first().map(|c| (f.id.id.clone(), c.clone(), lower(&f.name))))
            .collect();
        for (id, compartment, name) in ids {
            let Some(substance) = substances.get(&(compartment, name)) else { continue };
            self.apply_cas(&id, &substance.cas, substance.line);
            if let Some(flow) = self.flows.get_mut(&id) {
                if flow.reference_unit.is_none() && !substance.unit.is_empty() {
                    flow.reference_unit = Some(substance.unit.clone());
                }
                if !substance.comment.is_empty() {
                    flow.metadata.insert("comment".into(), substance.comment.clone());
                }
            }
        }
    }
}

/// Legacy files write `name;amount;unit`: swap when the unit column is a number and the amount column is not.
fn swap_legacy(unit: &str, amount: &str, decimal: char) -> (String, String) {
    if parse_number(unit, decimal).is_some() && !amount.is_empty() && parse_number(amount, decimal).is_none() {
        (amount.to_owned(), unit.to_owned())
    } else {
        (unit.to_owned(), amount.to_owned())
    }
}
