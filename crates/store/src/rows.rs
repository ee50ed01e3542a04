//! Row building shared by both backends: a dataset is turned into typed cells once (PostgreSQL COPY and SQLite
//! prepared inserts consume the same rows), and rows read back are turned into the model again.
//!
//! Every entity table has `dataset_version_id`, an optional `<parent>_ordinal`, its own `ordinal` (position in
//! the source list), typed key columns, and `detail`: the JSON of every model field that has no column. Row
//! building goes through `serde_json::Value`, so a field added to the model lands in `detail` without a
//! migration and nothing the model holds is lost.

use crate::error::{Error, Result};
use ecoref_model::{Dataset, Diagnostic, Flow, LciaMethod, Process, UnitGroup};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// One value of a row, in the types both backends bind natively.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Bool(bool),
    Text(String),
}

/// SQL type of a column, as far as reading and writing need to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ColumnType {
    Int,
    Real,
    Bool,
    Text,
    /// JSON held as text (`json` on PostgreSQL, `TEXT` on SQLite).
    Json,
}

/// Decodes one row read back by `types` (JSON columns selected as text); the same on both backends.
pub(crate) fn decode_row<R: sqlx::Row>(row: &R, types: &[ColumnType]) -> std::result::Result<Vec<Cell>, sqlx::Error>
where
    usize: sqlx::ColumnIndex<R>,
    for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<f64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<bool>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let mut cells = Vec::with_capacity(types.len());
    for (i, ty) in types.iter().enumerate() {
        let cell = match ty {
            ColumnType::Int => row.try_get::<Option<i64>, _>(i)?.map(Cell::Int),
            ColumnType::Real => row.try_get::<Option<f64>, _>(i)?.map(Cell::Real),
            ColumnType::Bool => row.try_get::<Option<bool>, _>(i)?.map(Cell::Bool),
            ColumnType::Text | ColumnType::Json => row.try_get::<Option<String>, _>(i)?.map(Cell::Text),
        };
        cells.push(cell.unwrap_or(Cell::Null));
    }
    Ok(cells)
}

/// A model field with a column of its own.
#[derive(Debug, Clone, Copy)]
enum Field {
    /// The `EntityId` under JSON key `id`: columns `id`, `version`.
    EntityId,
    Text(&'static str),
    Real(&'static str),
    Bool(&'static str),
    /// A `Reference` (or `Option<Reference>`) under this key: columns `<key>_id`, `<key>_version`,
    /// `<key>_description`; a missing reference has a NULL id.
    Reference(&'static str),
}

/// The shape of one entity table.
#[derive(Debug)]
pub(crate) struct Table {
    pub(crate) name: &'static str,
    /// `<parent>_ordinal` for child tables (exchanges of a process, units of a unit group, …).
    pub(crate) parent_column: Option<&'static str>,
    fields: &'static [Field],
    /// JSON keys stored in child tables, left out of `detail`.
    children: &'static [&'static str],
}

impl Table {
    /// Column names and types in row order.
    pub(crate) fn columns(&self) -> Vec<(String, ColumnType)> {
        let mut columns = vec![("dataset_version_id".to_owned(), ColumnType::Int)];
        if let Some(parent) = self.parent_column {
            columns.push((parent.to_owned(), ColumnType::Int));
        }
        columns.push(("ordinal".to_owned(), ColumnType::Int));
        for field in self.fields {
            match *field {
                Field::EntityId => {
                    columns.push(("id".to_owned(), ColumnType::Text));
                    columns.push(("version".to_owned(), ColumnType::Text));
                }
                Field::Text(key) => columns.push((key.to_owned(), ColumnType::Text)),
                Field::Real(key) => columns.push((key.to_owned(), ColumnType::Real)),
                Field::Bool(key) => columns.push((key.to_owned(), ColumnType::Bool)),
                Field::Reference(key) => {
                    for suffix in ["id", "version", "description"] {
                        columns.push((format!("{key}_{suffix}"), ColumnType::Text));
                    }
                }
            }
        }
        columns.push(("detail".to_owned(), ColumnType::Json));
        columns
    }

    pub(crate) fn column_names(&self) -> Vec<String> {
        self.columns().into_iter().map(|(name, _)| name).collect()
    }
}

use Field::{Bool, EntityId, Real, Reference, Text};

pub(crate) const UNIT_GROUP: Table =
    Table { name: "unit_group", parent_column: None, fields: &[EntityId, Text("name")], children: &["units"] };
pub(crate) const UNIT: Table = Table {
    name: "unit",
    parent_column: Some("unit_group_ordinal"),
    fields: &[Text("internal_id"), Text("name"), Real("factor"), Bool("is_reference"), Text("comment")],
    children: &[],
};
pub(crate) const FLOW_PROPERTY: Table = Table {
    name: "flow_property",
    parent_column: None,
    fields: &[EntityId, Text("name"), Reference("unit_group"), Text("reference_unit")],
    children: &[],
};
pub(crate) const FLOW: Table = Table {
    name: "flow",
    parent_column: None,
    fields: &[
        EntityId,
        Text("name"),
        Text("kind"),
        Text("cas"),
        Text("formula"),
        Text("ec_number"),
        Text("location"),
        Text("reference_unit"),
    ],
    children: &["flow_properties"],
};
pub(crate) const FLOW_FLOW_PROPERTY: Table = Table {
    name: "flow_flow_property",
    parent_column: Some("flow_ordinal"),
    fields: &[Text("internal_id"), Reference("flow_property"), Real("mean_value"), Bool("is_reference")],
    children: &[],
};
pub(crate) const PROCESS: Table = Table {
    name: "process",
    parent_column: None,
    fields: &[
        EntityId,
        Text("name"),
        Text("location"),
        Text("process_type"),
        Text("reference_year"),
        Text("description"),
    ],
    children: &["exchanges", "lcia_results"],
};
pub(crate) const EXCHANGE: Table = Table {
    name: "exchange",
    parent_column: Some("process_ordinal"),
    fields: &[
        Text("internal_id"),
        Reference("flow"),
        Text("direction"),
        Text("kind"),
        Bool("is_reference"),
        Real("amount"),
        Real("mean_amount"),
        Text("unit"),
        Text("formula"),
        Reference("provider"),
        Text("location"),
        Text("data_derivation"),
        Text("comment"),
    ],
    children: &[],
};
pub(crate) const LCIA_RESULT: Table = Table {
    name: "lcia_result",
    parent_column: Some("process_ordinal"),
    fields: &[Reference("method"), Real("amount"), Reference("unit_group")],
    children: &[],
};
pub(crate) const LCIA_METHOD: Table = Table {
    name: "lcia_method",
    parent_column: None,
    fields: &[
        EntityId,
        Text("name"),
        Text("impact_category"),
        Text("impact_indicator"),
        Reference("reference_quantity"),
        Text("unit"),
    ],
    children: &["factors"],
};
pub(crate) const CHARACTERIZATION_FACTOR: Table = Table {
    name: "characterization_factor",
    parent_column: Some("lcia_method_ordinal"),
    fields: &[Reference("flow"), Text("direction"), Real("value"), Text("location"), Text("data_derivation")],
    children: &[],
};
pub(crate) const SOURCE: Table = Table {
    name: "source",
    parent_column: None,
    fields: &[EntityId, Text("name"), Text("citation"), Text("publication_type")],
    children: &[],
};
pub(crate) const CONTACT: Table = Table {
    name: "contact",
    parent_column: None,
    fields: &[EntityId, Text("name"), Text("short_name"), Text("email"), Text("www")],
    children: &[],
};
/// Entries (a few dozen per set) stay in `detail`: they are always read together with their set.
pub(crate) const NORMALIZATION_WEIGHTING_SET: Table = Table {
    name: "normalization_weighting_set",
    parent_column: None,
    fields: &[Text("name"), Text("method")],
    children: &[],
};

/// Entity tables in insertion order (parents before children).
pub(crate) const ENTITY_TABLES: [&Table; 13] = [
    &UNIT_GROUP,
    &UNIT,
    &FLOW_PROPERTY,
    &FLOW,
    &FLOW_FLOW_PROPERTY,
    &PROCESS,
    &EXCHANGE,
    &LCIA_RESULT,
    &LCIA_METHOD,
    &CHARACTERIZATION_FACTOR,
    &SOURCE,
    &CONTACT,
    &NORMALIZATION_WEIGHTING_SET,
];

/// Every table of the schema, for [`crate::Store::count_rows`].
pub(crate) const ALL_TABLES: [&str; 32] = [
    "import_run",
    "import_input",
    "import_diagnostic",
    "dataset_version",
    "unit_group",
    "unit",
    "flow_property",
    "flow",
    "flow_flow_property",
    "process",
    "exchange",
    "lcia_result",
    "lcia_method",
    "characterization_factor",
    "source",
    "contact",
    "normalization_weighting_set",
    "lcia_method_version",
    "lcia_method_version_indicator",
    "lcia_method_version_nw_set",
    "release",
    "release_dataset",
    "release_id_migration",
    "release_tag_event",
    "link_set",
    "link_set_dependency",
    "link_set_link",
    "link_set_unresolved",
    "flow_mapping_set",
    "flow_mapping_entry",
    "flow_mapping_unmapped",
    "release_validation_input",
];

/// A stream of rows for one table.
pub(crate) type Rows<'a> = Box<dyn Iterator<Item = Result<Vec<Cell>>> + Send + 'a>;

/// The rows of one entity table for `dataset`, in source order.
pub(crate) fn entity_rows<'a>(table: &'static Table, dataset: &'a Dataset, dataset_version_id: i64) -> Rows<'a> {
    let dv = dataset_version_id;
    match table.name {
        "unit_group" => top_level(table, dv, dataset.unit_groups.iter().map(unit_group_header)),
        "unit" => children(table, dv, &dataset.unit_groups, |g: &UnitGroup| &g.units),
        "flow_property" => top_level(table, dv, dataset.flow_properties.iter()),
        "flow" => top_level(table, dv, dataset.flows.iter().map(flow_header)),
        "flow_flow_property" => children(table, dv, &dataset.flows, |f: &Flow| &f.flow_properties),
        "process" => top_level(table, dv, dataset.processes.iter().map(process_header)),
        "exchange" => children(table, dv, &dataset.processes, |p: &Process| &p.exchanges),
        "lcia_result" => children(table, dv, &dataset.processes, |p: &Process| &p.lcia_results),
        "lcia_method" => top_level(table, dv, dataset.lcia_methods.iter().map(lcia_method_header)),
        "characterization_factor" => children(table, dv, &dataset.lcia_methods, |m: &LciaMethod| &m.factors),
        "source" => top_level(table, dv, dataset.sources.iter()),
        "contact" => top_level(table, dv, dataset.contacts.iter()),
        "normalization_weighting_set" => top_level(table, dv, dataset.normalization_weighting_sets.iter()),
        other => unreachable!("no entity table named {other}"),
    }
}

fn top_level<'a, T, I>(table: &'static Table, dv: i64, entities: I) -> Rows<'a>
where
    T: Serialize,
    I: Iterator<Item = T> + Send + 'a,
{
    Box::new(entities.enumerate().map(move |(ordinal, entity)| build_row(table, dv, None, ordinal, &entity)))
}

fn children<'a, P, C>(table: &'static Table, dv: i64, parents: &'a [P], list: fn(&P) -> &Vec<C>) -> Rows<'a>
where
    P: Sync,
    C: Serialize + Sync + 'a,
{
    Box::new(parents.iter().enumerate().flat_map(move |(parent, p)| {
        list(p).iter().enumerate().map(move |(ordinal, child)| build_row(table, dv, Some(parent), ordinal, child))
    }))
}

fn ordinal_cell(ordinal: usize) -> Cell {
    // A list longer than i64::MAX cannot exist in memory.
    Cell::Int(i64::try_from(ordinal).expect("ordinal fits in i64"))
}

fn build_row<T: Serialize>(
    table: &'static Table,
    dv: i64,
    parent: Option<usize>,
    ordinal: usize,
    entity: &T,
) -> Result<Vec<Cell>> {
    let encode = |detail: String| Error::Encode { table: table.name, detail };
    let mut map = match serde_json::to_value(entity).map_err(|e| encode(e.to_string()))? {
        Value::Object(map) => map,
        other => return Err(encode(format!("expected a JSON object, got {other}"))),
    };
    let mut row = Vec::with_capacity(4 + table.fields.len() * 2);
    row.push(Cell::Int(dv));
    if let Some(parent) = parent {
        row.push(ordinal_cell(parent));
    }
    row.push(ordinal_cell(ordinal));
    for field in table.fields {
        match *field {
            Field::EntityId => {
                let mut id = take_object(&mut map, "id").map_err(encode)?.unwrap_or_default();
                row.push(text_cell(id.remove("id"), "id").map_err(encode)?);
                row.push(text_cell(id.remove("version"), "version").map_err(encode)?);
            }
            Field::Text(key) => row.push(text_cell(map.remove(key), key).map_err(encode)?),
            Field::Real(key) => row.push(match map.remove(key) {
                None | Some(Value::Null) => Cell::Null,
                Some(Value::Number(n)) => n.as_f64().map_or(Cell::Null, Cell::Real),
                Some(other) => return Err(encode(format!("{key}: expected a number, got {other}"))),
            }),
            Field::Bool(key) => row.push(match map.remove(key) {
                Some(Value::Bool(b)) => Cell::Bool(b),
                None | Some(Value::Null) => Cell::Null,
                Some(other) => return Err(encode(format!("{key}: expected a boolean, got {other}"))),
            }),
            Field::Reference(key) => match take_object(&mut map, key).map_err(encode)? {
                Some(mut reference) => {
                    row.push(text_cell(reference.remove("id"), "id").map_err(encode)?);
                    row.push(text_cell(reference.remove("version"), "version").map_err(encode)?);
                    row.push(text_cell(reference.remove("description"), "description").map_err(encode)?);
                }
                None => row.extend([Cell::Null, Cell::Null, Cell::Null]),
            },
        }
    }
    for key in table.children {
        map.remove(*key);
    }
    row.push(Cell::Text(Value::Object(map).to_string()));
    Ok(row)
}

fn take_object(map: &mut Map<String, Value>, key: &str) -> Result<Option<Map<String, Value>>, String> {
    match map.remove(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(object)) => Ok(Some(object)),
        Some(other) => Err(format!("{key}: expected an object, got {other}")),
    }
}

fn text_cell(value: Option<Value>, key: &str) -> Result<Cell, String> {
    match value {
        None | Some(Value::Null) => Ok(Cell::Null),
        Some(Value::String(text)) => Ok(Cell::Text(text)),
        Some(other) => Err(format!("{key}: expected a string, got {other}")),
    }
}

// Parents are serialized without their children (which have tables of their own). The exhaustive
// destructuring makes a new model field a compile error here rather than a silent omission.

fn unit_group_header(g: &UnitGroup) -> UnitGroup {
    let UnitGroup { id, name, units: _, classifications, metadata } = g;
    UnitGroup {
        id: id.clone(),
        name: name.clone(),
        units: Vec::new(),
        classifications: classifications.clone(),
        metadata: metadata.clone(),
    }
}

fn flow_header(f: &Flow) -> Flow {
    let Flow {
        id,
        name,
        kind,
        cas,
        formula,
        ec_number,
        synonyms,
        compartment,
        classifications,
        location,
        flow_properties: _,
        reference_unit,
        metadata,
    } = f;
    Flow {
        id: id.clone(),
        name: name.clone(),
        kind: *kind,
        cas: cas.clone(),
        formula: formula.clone(),
        ec_number: ec_number.clone(),
        synonyms: synonyms.clone(),
        compartment: compartment.clone(),
        classifications: classifications.clone(),
        location: location.clone(),
        flow_properties: Vec::new(),
        reference_unit: reference_unit.clone(),
        metadata: metadata.clone(),
    }
}

fn process_header(p: &Process) -> Process {
    let Process {
        id,
        name,
        location,
        process_type,
        reference_year,
        classifications,
        description,
        parameters,
        exchanges: _,
        lcia_results: _,
        allocation,
        metadata,
    } = p;
    Process {
        id: id.clone(),
        name: name.clone(),
        location: location.clone(),
        process_type: process_type.clone(),
        reference_year: reference_year.clone(),
        classifications: classifications.clone(),
        description: description.clone(),
        parameters: parameters.clone(),
        exchanges: Vec::new(),
        lcia_results: Vec::new(),
        allocation: allocation.clone(),
        metadata: metadata.clone(),
    }
}

fn lcia_method_header(m: &LciaMethod) -> LciaMethod {
    let LciaMethod {
        id,
        name,
        methodologies,
        impact_category,
        impact_indicator,
        reference_quantity,
        unit,
        factors: _,
        metadata,
    } = m;
    LciaMethod {
        id: id.clone(),
        name: name.clone(),
        methodologies: methodologies.clone(),
        impact_category: impact_category.clone(),
        impact_indicator: impact_indicator.clone(),
        reference_quantity: reference_quantity.clone(),
        unit: unit.clone(),
        factors: Vec::new(),
        metadata: metadata.clone(),
    }
}

/// Columns of `import_diagnostic`, in row order.
pub(crate) const DIAGNOSTIC_COLUMNS: [&str; 10] =
    ["run_id", "seq", "severity", "code", "message", "file", "line_number", "column_number", "element", "entity"];

/// Column types of `import_diagnostic`, matching [`DIAGNOSTIC_COLUMNS`].
pub(crate) const DIAGNOSTIC_TYPES: [ColumnType; 10] = [
    ColumnType::Int,
    ColumnType::Int,
    ColumnType::Text,
    ColumnType::Text,
    ColumnType::Text,
    ColumnType::Text,
    ColumnType::Int,
    ColumnType::Int,
    ColumnType::Text,
    ColumnType::Text,
];

pub(crate) fn diagnostic_rows(run_id: i64, diagnostics: &[Diagnostic]) -> Rows<'_> {
    fn opt_text(text: &Option<String>) -> Cell {
        text.as_ref().map_or(Cell::Null, |t| Cell::Text(t.clone()))
    }
    fn opt_int(n: Option<u64>) -> Result<Cell> {
        match n {
            None => Ok(Cell::Null),
            Some(n) => i64::try_from(n).map(Cell::Int).map_err(|_| Error::Encode {
                table: "import_diagnostic",
                detail: format!("line or column {n} does not fit in a signed 64-bit integer"),
            }),
        }
    }
    Box::new(diagnostics.iter().enumerate().map(move |(seq, d)| {
        Ok(vec![
            Cell::Int(run_id),
            ordinal_cell(seq),
            Cell::Text(d.severity.as_str().to_owned()),
            Cell::Text(d.code.clone()),
            Cell::Text(d.message.clone()),
            opt_text(&d.location.file),
            opt_int(d.location.line)?,
            opt_int(d.location.column)?,
            opt_text(&d.location.element),
            opt_text(&d.location.entity),
        ])
    }))
}

/// Turns `import_diagnostic` rows (read with [`DIAGNOSTIC_TYPES`]) back into diagnostics.
pub(crate) fn diagnostic_from_row(row: Vec<Cell>) -> Result<Diagnostic> {
    let corrupt = |detail: String| Error::Corrupt { table: "import_diagnostic", detail };
    let mut cells = CellCursor(row.into_iter().skip(2));
    let severity_text = cells.next_text().map_err(corrupt)?.unwrap_or_default();
    let severity = ecoref_model::Severity::parse(&severity_text)
        .ok_or_else(|| corrupt(format!("unknown severity {severity_text:?}")))?;
    let code = cells.next_text().map_err(corrupt)?.unwrap_or_default();
    let message = cells.next_text().map_err(corrupt)?.unwrap_or_default();
    let file = cells.next_text().map_err(corrupt)?;
    let line = cells.next_int().map_err(corrupt)?;
    let column = cells.next_int().map_err(corrupt)?;
    let element = cells.next_text().map_err(corrupt)?;
    let entity = cells.next_text().map_err(corrupt)?;
    let as_u64 = |n: Option<i64>| n.and_then(|n| u64::try_from(n).ok());
    Ok(Diagnostic {
        severity,
        code,
        message,
        location: ecoref_model::Location { file, line: as_u64(line), column: as_u64(column), element, entity },
    })
}

struct CellCursor<I: Iterator<Item = Cell>>(I);

impl<I: Iterator<Item = Cell>> CellCursor<I> {
    fn next_text(&mut self) -> Result<Option<String>, String> {
        match self.0.next() {
            Some(Cell::Text(t)) => Ok(Some(t)),
            Some(Cell::Null) | None => Ok(None),
            Some(other) => Err(format!("expected text, got {other:?}")),
        }
    }

    fn next_int(&mut self) -> Result<Option<i64>, String> {
        match self.0.next() {
            Some(Cell::Int(n)) => Ok(Some(n)),
            Some(Cell::Null) | None => Ok(None),
            Some(other) => Err(format!("expected an integer, got {other:?}")),
        }
    }
}

/// An entity read back, with its place: the parent's ordinal (child tables) and its own.
#[derive(Debug)]
pub(crate) struct ReadEntity<T> {
    pub(crate) parent: Option<i64>,
    pub(crate) entity: T,
}

/// Turns rows read with [`Table::columns`] back into entities.
pub(crate) fn entities_from_rows<T: DeserializeOwned>(
    table: &'static Table,
    rows: Vec<Vec<Cell>>,
) -> Result<Vec<ReadEntity<T>>> {
    rows.into_iter().map(|row| entity_from_row(table, row)).collect()
}

fn entity_from_row<T: DeserializeOwned>(table: &'static Table, row: Vec<Cell>) -> Result<ReadEntity<T>> {
    let corrupt = |detail: String| Error::Corrupt { table: table.name, detail };
    let mut cells = row.into_iter();
    let _dataset_version = cells.next();
    let parent = match table.parent_column {
        Some(_) => match cells.next() {
            Some(Cell::Int(n)) => Some(n),
            other => return Err(corrupt(format!("parent ordinal: expected an integer, got {other:?}"))),
        },
        None => None,
    };
    let _ordinal = cells.next();
    let mut typed = Map::new();
    for field in table.fields {
        match *field {
            Field::EntityId => {
                let id = cell_value(cells.next());
                let version = cell_value(cells.next());
                typed.insert("id".to_owned(), object([("id", id), ("version", version)]));
            }
            Field::Text(key) | Field::Real(key) | Field::Bool(key) => {
                typed.insert(key.to_owned(), cell_value(cells.next()));
            }
            Field::Reference(key) => {
                let id = cell_value(cells.next());
                let version = cell_value(cells.next());
                let description = cell_value(cells.next());
                let reference = if id.is_null() {
                    Value::Null
                } else {
                    object([("id", id), ("version", version), ("description", description)])
                };
                typed.insert(key.to_owned(), reference);
            }
        }
    }
    let detail = match cells.next() {
        Some(Cell::Text(json)) => json,
        other => return Err(corrupt(format!("detail: expected JSON text, got {other:?}"))),
    };
    let mut map = match serde_json::from_str::<Value>(&detail) {
        Ok(Value::Object(map)) => map,
        Ok(other) => return Err(corrupt(format!("detail: expected a JSON object, got {other}"))),
        Err(e) => return Err(corrupt(format!("detail: {e}"))),
    };
    map.extend(typed);
    for key in table.children {
        map.insert((*key).to_owned(), Value::Array(Vec::new()));
    }
    let entity = serde_json::from_value(Value::Object(map)).map_err(|e| corrupt(e.to_string()))?;
    Ok(ReadEntity { parent, entity })
}

fn object<const N: usize>(entries: [(&str, Value); N]) -> Value {
    Value::Object(entries.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

fn cell_value(cell: Option<Cell>) -> Value {
    match cell {
        None | Some(Cell::Null) => Value::Null,
        Some(Cell::Int(n)) => Value::from(n),
        // Non-finite floats become null, exactly as serde_json writes them in the content hash.
        Some(Cell::Real(x)) => Value::from(x),
        Some(Cell::Bool(b)) => Value::Bool(b),
        Some(Cell::Text(t)) => Value::String(t),
    }
}

/// Appends children to their parents by parent ordinal (rows come ordered by parent, then ordinal).
pub(crate) fn attach<P, C>(
    table: &'static Table,
    parents: &mut [P],
    children: Vec<ReadEntity<C>>,
    push: impl Fn(&mut P, C),
) -> Result<()> {
    for child in children {
        let parent = child
            .parent
            .and_then(|ordinal| usize::try_from(ordinal).ok())
            .and_then(|ordinal| parents.get_mut(ordinal))
            .ok_or_else(|| Error::Corrupt {
                table: table.name,
                detail: format!("parent ordinal {:?} has no parent row", child.parent),
            })?;
        push(parent, child.entity);
    }
    Ok(())
}
