//! Row building shared by both backends: a dataset is turned into typed cells once, pushed into a [`RowSink`]
//! (PostgreSQL COPY text or SQLite prepared inserts), and rows read back are turned into the model again.
//!
//! Every entity table has `dataset_version_id`, an optional `<parent>_ordinal`, its own `ordinal` (position in
//! the source list), typed key columns, and `detail`: the JSON of every model field that has no column, keys
//! sorted (what `serde_json::Value` prints). Rows are built from each entity's packed form
//! ([`ecoref_model::packed`]: the serde data of the entity, generic over its fields), so a field added to the
//! model lands in `detail` without a migration and nothing the model holds is lost; a packed dataset's
//! processes are read where they lie, one at a time.

use crate::error::{Error, Result};
use ecoref_model::packed::{self, Item, Packer, Record, Value as Packed};
use ecoref_model::{Dataset, DatasetContent, Diagnostic, PackedDataset};
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

/// The entity list of a dataset a table's rows come from (child tables: the list of their parents).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum List {
    UnitGroups,
    FlowProperties,
    Flows,
    Processes,
    LciaMethods,
    Sources,
    Contacts,
    NormalizationWeightingSets,
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
    /// Where the rows come from: the entities of `list`, or (child tables) the elements of `child_key` in each.
    list: List,
    child_key: Option<&'static str>,
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

pub(crate) const UNIT_GROUP: Table = Table {
    name: "unit_group",
    parent_column: None,
    fields: &[EntityId, Text("name")],
    children: &["units"],
    list: List::UnitGroups,
    child_key: None,
};
pub(crate) const UNIT: Table = Table {
    name: "unit",
    parent_column: Some("unit_group_ordinal"),
    fields: &[Text("internal_id"), Text("name"), Real("factor"), Bool("is_reference"), Text("comment")],
    children: &[],
    list: List::UnitGroups,
    child_key: Some("units"),
};
pub(crate) const FLOW_PROPERTY: Table = Table {
    name: "flow_property",
    parent_column: None,
    fields: &[EntityId, Text("name"), Reference("unit_group"), Text("reference_unit")],
    children: &[],
    list: List::FlowProperties,
    child_key: None,
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
    list: List::Flows,
    child_key: None,
};
pub(crate) const FLOW_FLOW_PROPERTY: Table = Table {
    name: "flow_flow_property",
    parent_column: Some("flow_ordinal"),
    fields: &[Text("internal_id"), Reference("flow_property"), Real("mean_value"), Bool("is_reference")],
    children: &[],
    list: List::Flows,
    child_key: Some("flow_properties"),
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
    list: List::Processes,
    child_key: None,
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
    list: List::Processes,
    child_key: Some("exchanges"),
};
pub(crate) const LCIA_RESULT: Table = Table {
    name: "lcia_result",
    parent_column: Some("process_ordinal"),
    fields: &[Reference("method"), Real("amount"), Reference("unit_group")],
    children: &[],
    list: List::Processes,
    child_key: Some("lcia_results"),
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
    list: List::LciaMethods,
    child_key: None,
};
pub(crate) const CHARACTERIZATION_FACTOR: Table = Table {
    name: "characterization_factor",
    parent_column: Some("lcia_method_ordinal"),
    fields: &[Reference("flow"), Text("direction"), Real("value"), Text("location"), Text("data_derivation")],
    children: &[],
    list: List::LciaMethods,
    child_key: Some("factors"),
};
pub(crate) const SOURCE: Table = Table {
    name: "source",
    parent_column: None,
    fields: &[EntityId, Text("name"), Text("citation"), Text("publication_type")],
    children: &[],
    list: List::Sources,
    child_key: None,
};
pub(crate) const CONTACT: Table = Table {
    name: "contact",
    parent_column: None,
    fields: &[EntityId, Text("name"), Text("short_name"), Text("email"), Text("www")],
    children: &[],
    list: List::Contacts,
    child_key: None,
};
/// Entries (a few dozen per set) stay in `detail`: they are always read together with their set.
pub(crate) const NORMALIZATION_WEIGHTING_SET: Table = Table {
    name: "normalization_weighting_set",
    parent_column: None,
    fields: &[Text("name"), Text("method")],
    children: &[],
    list: List::NormalizationWeightingSets,
    child_key: None,
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
pub(crate) const ALL_TABLES: [&str; 33] = [
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
    "api_token",
];
// `pipeline_run` is left out on purpose: a pipeline run always records itself, and the tests compare these counts
// before and after a run to prove that a failed run wrote no data.

/// A stream of rows for one table.
pub(crate) type Rows<'a> = Box<dyn Iterator<Item = Result<Vec<Cell>>> + Send + 'a>;

/// Writes the next row of a plain row stream into `sink`, the unit the backends' bulk writers take from it
/// (`Some(1)`), or `None` once the stream is exhausted.
pub(crate) fn next_row_unit(
    rows: &mut impl Iterator<Item = Result<Vec<Cell>>>,
    sink: &mut impl RowSink,
) -> Result<Option<u64>> {
    match rows.next() {
        None => Ok(None),
        Some(row) => {
            for cell in &row? {
                sink.cell(cell);
            }
            sink.end_row();
            Ok(Some(1))
        }
    }
}

/// Receives rows a cell at a time, in column order (the backends' bulk writers implement it).
pub(crate) trait RowSink {
    fn null(&mut self);
    fn int(&mut self, n: i64);
    fn real(&mut self, x: f64);
    fn bool(&mut self, b: bool);
    fn text(&mut self, text: &str);
    fn end_row(&mut self);

    fn cell(&mut self, cell: &Cell) {
        match cell {
            Cell::Null => self.null(),
            Cell::Int(n) => self.int(*n),
            Cell::Real(x) => self.real(*x),
            Cell::Bool(b) => self.bool(*b),
            Cell::Text(text) => self.text(text),
        }
    }
}

/// Rows as owned cells, one flat list (SQLite binds them; tests compare them).
#[derive(Debug, Default)]
pub(crate) struct CellRows {
    pub(crate) cells: Vec<Cell>,
    pub(crate) n_rows: usize,
}

impl RowSink for CellRows {
    fn null(&mut self) {
        self.cells.push(Cell::Null);
    }
    fn int(&mut self, n: i64) {
        self.cells.push(Cell::Int(n));
    }
    fn real(&mut self, x: f64) {
        self.cells.push(Cell::Real(x));
    }
    fn bool(&mut self, b: bool) {
        self.cells.push(Cell::Bool(b));
    }
    fn text(&mut self, text: &str) {
        self.cells.push(Cell::Text(text.to_owned()));
    }
    fn end_row(&mut self) {
        self.n_rows += 1;
    }
    fn cell(&mut self, cell: &Cell) {
        self.cells.push(cell.clone());
    }
}

/// A dataset to load: whole, or with packed processes ([`PackedDataset`]).
#[derive(Debug, Clone, Copy)]
pub enum DatasetRef<'a> {
    Whole(&'a Dataset),
    Packed(&'a PackedDataset),
}

impl<'a> From<&'a Dataset> for DatasetRef<'a> {
    fn from(dataset: &'a Dataset) -> Self {
        DatasetRef::Whole(dataset)
    }
}

impl<'a> From<&'a PackedDataset> for DatasetRef<'a> {
    fn from(packed: &'a PackedDataset) -> Self {
        DatasetRef::Packed(packed)
    }
}

impl<'a> From<&'a DatasetContent> for DatasetRef<'a> {
    fn from(content: &'a DatasetContent) -> Self {
        match content {
            DatasetContent::Whole(dataset) => DatasetRef::Whole(dataset),
            DatasetContent::Packed(packed) => DatasetRef::Packed(packed),
        }
    }
}

impl DatasetRef<'_> {
    pub fn counts(&self) -> ecoref_model::Counts {
        match self {
            DatasetRef::Whole(dataset) => dataset.counts(),
            DatasetRef::Packed(packed) => packed.counts(),
        }
    }

    /// The content hash: computed for a whole dataset, the one a packed dataset carries.
    pub fn content_hash(&self) -> ecoref_model::ContentHash {
        match self {
            DatasetRef::Whole(dataset) => dataset.content_hash(),
            DatasetRef::Packed(packed) => packed.content_hash().clone(),
        }
    }

    /// Entities of `list` (processes come from the packed records of a packed dataset).
    fn len(&self, list: List) -> usize {
        let dataset = match self {
            DatasetRef::Whole(dataset) => dataset,
            DatasetRef::Packed(packed) if list == List::Processes => return packed.n_processes(),
            DatasetRef::Packed(packed) => packed.others(),
        };
        match list {
            List::UnitGroups => dataset.unit_groups.len(),
            List::FlowProperties => dataset.flow_properties.len(),
            List::Flows => dataset.flows.len(),
            List::Processes => dataset.processes.len(),
            List::LciaMethods => dataset.lcia_methods.len(),
            List::Sources => dataset.sources.len(),
            List::Contacts => dataset.contacts.len(),
            List::NormalizationWeightingSets => dataset.normalization_weighting_sets.len(),
        }
    }
}

/// The packed record of entity `idx` of `list`: packed by `packer` (whole datasets), or as stored.
fn entity_record<'x>(
    dataset: DatasetRef<'x>,
    list: List,
    idx: usize,
    packer: &'x mut Packer,
) -> std::result::Result<Record<'x>, packed::PackError> {
    let whole = match dataset {
        DatasetRef::Packed(packed) if list == List::Processes => {
            return packed.packed_processes().nth(idx).map(|p| p.record()).ok_or_else(|| {
                packed::PackError::Malformed(format!("no packed process {idx} of {}", packed.n_processes()))
            });
        }
        DatasetRef::Packed(packed) => packed.others(),
        DatasetRef::Whole(dataset) => dataset,
    };
    let missing = || packed::PackError::Malformed(format!("no entity {idx} in {list:?}"));
    match list {
        List::UnitGroups => packer.pack_record(whole.unit_groups.get(idx).ok_or_else(missing)?),
        List::FlowProperties => packer.pack_record(whole.flow_properties.get(idx).ok_or_else(missing)?),
        List::Flows => packer.pack_record(whole.flows.get(idx).ok_or_else(missing)?),
        List::Processes => packer.pack_record(whole.processes.get(idx).ok_or_else(missing)?),
        List::LciaMethods => packer.pack_record(whole.lcia_methods.get(idx).ok_or_else(missing)?),
        List::Sources => packer.pack_record(whole.sources.get(idx).ok_or_else(missing)?),
        List::Contacts => packer.pack_record(whole.contacts.get(idx).ok_or_else(missing)?),
        List::NormalizationWeightingSets => {
            packer.pack_record(whole.normalization_weighting_sets.get(idx).ok_or_else(missing)?)
        }
    }
}

/// The rows of one entity table, produced a unit at a time: one top-level entity, or all the children of one
/// parent (the exchanges of a process), in source order.
#[derive(Debug)]
pub(crate) struct EntityRows<'a> {
    table: &'static Table,
    dataset: DatasetRef<'a>,
    dataset_version_id: i64,
    next: usize,
    packer: Packer,
    detail: Vec<u8>,
}

impl<'a> EntityRows<'a> {
    pub(crate) fn new(table: &'static Table, dataset: DatasetRef<'a>, dataset_version_id: i64) -> Self {
        EntityRows { table, dataset, dataset_version_id, next: 0, packer: Packer::new(), detail: Vec::new() }
    }

    /// True when no row can come (no entity, or no parent).
    pub(crate) fn is_empty(&self) -> bool {
        self.dataset.len(self.table.list) == 0
    }

    /// Writes the rows of the next unit into `sink` and returns how many; `None` once every unit is written.
    pub(crate) fn next_unit(&mut self, sink: &mut impl RowSink) -> Result<Option<u64>> {
        let table = self.table;
        let idx = self.next;
        if idx >= self.dataset.len(table.list) {
            return Ok(None);
        }
        self.next += 1;
        let encode = |detail: String| Error::Encode { table: table.name, detail };
        let record =
            entity_record(self.dataset, table.list, idx, &mut self.packer).map_err(|e| encode(e.to_string()))?;
        let root = record.root();
        let dv = self.dataset_version_id;
        let Some(key) = table.child_key else {
            write_row(table, dv, None, idx, root, sink, &mut self.detail)?;
            return Ok(Some(1));
        };
        let children = match root.get(key).map(|v| v.item()) {
            Some(Item::Seq(children)) => children,
            Some(Item::Null) | None => return Ok(Some(0)),
            Some(_) => return Err(encode(format!("{key}: expected a list"))),
        };
        let mut n_rows = 0;
        for (ordinal, child) in children.enumerate() {
            write_row(table, dv, Some(idx), ordinal, child, sink, &mut self.detail)?;
            n_rows += 1;
        }
        Ok(Some(n_rows))
    }
}

fn ordinal_cell(ordinal: usize) -> Cell {
    // A list longer than i64::MAX cannot exist in memory.
    Cell::Int(i64::try_from(ordinal).expect("ordinal fits in i64"))
}

fn ordinal_int(ordinal: usize) -> i64 {
    // A list longer than i64::MAX cannot exist in memory.
    i64::try_from(ordinal).expect("ordinal fits in i64")
}

/// JSON of a packed value for error messages.
fn shown(value: Packed<'_, '_>) -> String {
    let mut json = Vec::new();
    value.write_json_sorted(&mut json);
    String::from_utf8_lossy(&json).into_owned()
}

/// One row of `table` for `entity`: the keys, the typed columns taken out of the entity, and `detail`, the JSON
/// object of every other field (sorted keys), children lists excluded.
fn write_row(
    table: &'static Table,
    dv: i64,
    parent: Option<usize>,
    ordinal: usize,
    entity: Packed<'_, '_>,
    sink: &mut impl RowSink,
    detail: &mut Vec<u8>,
) -> Result<()> {
    let encode = |detail: String| Error::Encode { table: table.name, detail };
    let Some(map) = entity.as_map() else {
        return Err(encode(format!("expected a JSON object, got {}", shown(entity))));
    };
    // The entity's fields, taken out one by one by the typed columns; what is left goes to `detail`.
    let mut fields: Vec<Option<(&str, Packed<'_, '_>)>> = map.map(Some).collect();
    let mut take = |key: &str| -> Option<Packed<'_, '_>> {
        // Of repeated keys the last wins, as in a map.
        let mut found = None;
        for slot in fields.iter_mut() {
            if slot.is_some_and(|(k, _)| k == key) {
                found = slot.take().map(|(_, value)| value);
            }
        }
        found
    };
    sink.int(dv);
    if let Some(parent) = parent {
        sink.int(ordinal_int(parent));
    }
    sink.int(ordinal_int(ordinal));
    for field in table.fields {
        match *field {
            Field::EntityId => match object_value(take("id"), "id").map_err(encode)? {
                Some(id) => {
                    text_cell(sink, id.get("id"), "id").map_err(encode)?;
                    text_cell(sink, id.get("version"), "version").map_err(encode)?;
                }
                None => {
                    sink.null();
                    sink.null();
                }
            },
            Field::Text(key) => text_cell(sink, take(key), key).map_err(encode)?,
            Field::Real(key) => match take(key).map(|v| (v, v.item())) {
                None | Some((_, Item::Null)) => sink.null(),
                // Non-finite floats are null, as `serde_json::Value` makes them.
                Some((_, Item::F64(x))) if x.is_finite() => sink.real(x),
                Some((_, Item::F64(_))) => sink.null(),
                Some((_, Item::U64(n))) => sink.real(n as f64),
                Some((_, Item::I64(n))) => sink.real(n as f64),
                Some((other, _)) => return Err(encode(format!("{key}: expected a number, got {}", shown(other)))),
            },
            Field::Bool(key) => match take(key).map(|v| (v, v.item())) {
                Some((_, Item::Bool(b))) => sink.bool(b),
                None | Some((_, Item::Null)) => sink.null(),
                Some((other, _)) => return Err(encode(format!("{key}: expected a boolean, got {}", shown(other)))),
            },
            Field::Reference(key) => match object_value(take(key), key).map_err(encode)? {
                Some(reference) => {
                    text_cell(sink, reference.get("id"), "id").map_err(encode)?;
                    text_cell(sink, reference.get("version"), "version").map_err(encode)?;
                    text_cell(sink, reference.get("description"), "description").map_err(encode)?;
                }
                None => {
                    sink.null();
                    sink.null();
                    sink.null();
                }
            },
        }
    }
    for key in table.children {
        take(key);
    }
    let mut rest: Vec<(&str, Packed<'_, '_>)> = fields.into_iter().flatten().collect();
    detail.clear();
    packed::write_entries_sorted(detail, &mut rest);
    // The packed record holds UTF-8 strings and the JSON writer escapes them: the detail is UTF-8.
    sink.text(std::str::from_utf8(detail).map_err(|e| encode(format!("detail is not UTF-8: {e}")))?);
    sink.end_row();
    Ok(())
}

/// The value of `key` when it is an object; `None` when it is absent or null.
fn object_value<'r, 'a>(value: Option<Packed<'r, 'a>>, key: &str) -> Result<Option<Packed<'r, 'a>>, String> {
    match value {
        None => Ok(None),
        Some(v) if v.is_null() => Ok(None),
        Some(v) if v.as_map().is_some() => Ok(Some(v)),
        Some(other) => Err(format!("{key}: expected an object, got {}", shown(other))),
    }
}

fn text_cell(sink: &mut impl RowSink, value: Option<Packed<'_, '_>>, key: &str) -> Result<(), String> {
    match value.map(|v| (v, v.item())) {
        None | Some((_, Item::Null)) => sink.null(),
        Some((_, Item::Str(text))) => sink.text(text),
        Some((other, _)) => return Err(format!("{key}: expected a string, got {}", shown(other))),
    }
    Ok(())
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

/// A text cell, or null.
fn opt_text(text: &Option<String>) -> Cell {
    text.as_ref().map_or(Cell::Null, |t| Cell::Text(t.clone()))
}

/// Columns of `import_input`, in row order.
pub(crate) const INPUT_COLUMNS: [&str; 7] = ["run_id", "seq", "name", "sha256", "size_bytes", "url", "licence"];

/// The `import_input` rows of a run: a release directory has one per file (25,000 for ecoinvent), written in
/// bulk like any other rows.
pub(crate) fn input_rows(run_id: i64, inputs: &[crate::InputFile]) -> Rows<'_> {
    Box::new(inputs.iter().enumerate().map(move |(seq, input)| {
        let size = i64::try_from(input.size_bytes).map_err(|_| Error::Encode {
            table: "import_input",
            detail: format!("{}: size {} does not fit in a signed 64-bit integer", input.name, input.size_bytes),
        })?;
        Ok(vec![
            Cell::Int(run_id),
            ordinal_cell(seq),
            Cell::Text(input.name.clone()),
            Cell::Text(input.sha256.clone()),
            Cell::Int(size),
            opt_text(&input.url),
            opt_text(&input.licence_class),
        ])
    }))
}

pub(crate) fn diagnostic_rows(run_id: i64, diagnostics: &[Diagnostic]) -> Rows<'_> {
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

/// True when the dataset's `counts` say `table` gets no row: child tables only (their rows are found by walking
/// every parent), and those the counts cover.
pub(crate) fn known_empty(table: &Table, counts: &ecoref_model::Counts) -> bool {
    let n = match table.name {
        "exchange" => counts.exchanges,
        "lcia_result" => counts.lcia_results,
        "unit" => counts.units,
        "characterization_factor" => counts.characterization_factors,
        _ => return false,
    };
    n == 0
}

/// One row of [`crate::Store::read_exchange_cells`]'s query (process ordinal, then the cells in
/// [`crate::ExchangeCells`] field order) as the process ordinal and the cells.
pub(crate) fn exchange_cells(row: Vec<Cell>) -> Result<(i64, crate::ExchangeCells)> {
    let corrupt = |detail: String| Error::Corrupt { table: "exchange", detail };
    let mut cells = row.into_iter();
    let mut next = || cells.next().unwrap_or(Cell::Null);
    let text = |cell: Cell, column: &str| match cell {
        Cell::Null => Ok(None),
        Cell::Text(t) => Ok(Some(t)),
        other => Err(corrupt(format!("{column}: expected text, found {other:?}"))),
    };
    let required = |cell: Cell, column: &str| text(cell, column)?.ok_or_else(|| corrupt(format!("{column} is NULL")));
    let ordinal = match next() {
        Cell::Int(i) => i,
        other => return Err(corrupt(format!("process_ordinal: expected an integer, found {other:?}"))),
    };
    let exchange = crate::ExchangeCells {
        internal_id: required(next(), "internal_id")?,
        flow_id: required(next(), "flow_id")?,
        flow_version: text(next(), "flow_version")?,
        direction: text(next(), "direction")?,
        kind: text(next(), "kind")?,
        is_reference: match next() {
            Cell::Bool(b) => b,
            Cell::Int(i) => i != 0,
            other => return Err(corrupt(format!("is_reference: expected a boolean, found {other:?}"))),
        },
        amount: match next() {
            Cell::Null => None,
            Cell::Real(v) => Some(v),
            other => return Err(corrupt(format!("amount: expected a number, found {other:?}"))),
        },
        unit: text(next(), "unit")?,
        provider_id: text(next(), "provider_id")?,
        location: text(next(), "location")?,
    };
    Ok((ordinal, exchange))
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

#[cfg(test)]
mod known_empty_tests {
    use super::*;

    #[test]
    fn only_child_tables_counted_at_zero_are_skipped() {
        let none = ecoref_model::Counts::default();
        for table in [&EXCHANGE, &LCIA_RESULT, &UNIT, &CHARACTERIZATION_FACTOR] {
            assert!(known_empty(table, &none), "{}", table.name);
        }
        for table in [&PROCESS, &FLOW, &FLOW_FLOW_PROPERTY, &UNIT_GROUP, &LCIA_METHOD] {
            assert!(!known_empty(table, &none), "{} has no count of its own: it must be walked", table.name);
        }
        let some =
            ecoref_model::Counts { exchanges: 1, lcia_results: 1, units: 1, characterization_factors: 1, ..none };
        for table in [&EXCHANGE, &LCIA_RESULT, &UNIT, &CHARACTERIZATION_FACTOR] {
            assert!(!known_empty(table, &some), "{}", table.name);
        }
    }
}

#[cfg(test)]
mod tests {
    //! The rows built from packed entities equal, cell for cell, those the `serde_json::Value` path built before
    //! (kept here as the reference): stored values do not change with the row builder.

    use super::*;
    use ecoref_model::{EntityId, Exchange, Flow, Process, Reference, Uncertainty};
    use serde::Serialize;
    use std::path::Path;

    fn reference_row<T: Serialize>(
        table: &'static Table,
        dv: i64,
        parent: Option<usize>,
        ordinal: usize,
        entity: &T,
    ) -> Vec<Cell> {
        fn take_object(map: &mut Map<String, Value>, key: &str) -> Option<Map<String, Value>> {
            match map.remove(key) {
                Some(Value::Object(object)) => Some(object),
                None | Some(Value::Null) => None,
                Some(other) => panic!("{key}: not an object: {other}"),
            }
        }
        fn text(value: Option<Value>) -> Cell {
            match value {
                None | Some(Value::Null) => Cell::Null,
                Some(Value::String(text)) => Cell::Text(text),
                Some(other) => panic!("not a string: {other}"),
            }
        }
        let Value::Object(mut map) = serde_json::to_value(entity).unwrap() else { panic!("not an object") };
        let mut row = vec![Cell::Int(dv)];
        if let Some(parent) = parent {
            row.push(ordinal_cell(parent));
        }
        row.push(ordinal_cell(ordinal));
        for field in table.fields {
            match *field {
                Field::EntityId => {
                    let mut id = take_object(&mut map, "id").unwrap_or_default();
                    row.push(text(id.remove("id")));
                    row.push(text(id.remove("version")));
                }
                Field::Text(key) => row.push(text(map.remove(key))),
                Field::Real(key) => row.push(match map.remove(key) {
                    None | Some(Value::Null) => Cell::Null,
                    Some(Value::Number(n)) => n.as_f64().map_or(Cell::Null, Cell::Real),
                    Some(other) => panic!("{key}: not a number: {other}"),
                }),
                Field::Bool(key) => row.push(match map.remove(key) {
                    Some(Value::Bool(b)) => Cell::Bool(b),
                    None | Some(Value::Null) => Cell::Null,
                    Some(other) => panic!("{key}: not a boolean: {other}"),
                }),
                Field::Reference(key) => match take_object(&mut map, key) {
                    Some(mut reference) => {
                        row.push(text(reference.remove("id")));
                        row.push(text(reference.remove("version")));
                        row.push(text(reference.remove("description")));
                    }
                    None => row.extend([Cell::Null, Cell::Null, Cell::Null]),
                },
            }
        }
        for key in table.children {
            map.remove(*key);
        }
        row.push(Cell::Text(Value::Object(map).to_string()));
        row
    }

    fn reference_rows(table: &'static Table, d: &Dataset, dv: i64) -> Vec<Cell> {
        fn top<T: Serialize>(table: &'static Table, dv: i64, list: &[T]) -> Vec<Cell> {
            list.iter().enumerate().flat_map(|(i, e)| reference_row(table, dv, None, i, e)).collect()
        }
        fn children<P, C: Serialize>(
            table: &'static Table,
            dv: i64,
            parents: &[P],
            list: impl Fn(&P) -> &Vec<C>,
        ) -> Vec<Cell> {
            let mut cells = Vec::new();
            for (i, p) in parents.iter().enumerate() {
                for (j, c) in list(p).iter().enumerate() {
                    cells.extend(reference_row(table, dv, Some(i), j, c));
                }
            }
            cells
        }
        match table.name {
            "unit_group" => top(table, dv, &d.unit_groups),
            "unit" => children(table, dv, &d.unit_groups, |g| &g.units),
            "flow_property" => top(table, dv, &d.flow_properties),
            "flow" => top(table, dv, &d.flows),
            "flow_flow_property" => children(table, dv, &d.flows, |f| &f.flow_properties),
            "process" => top(table, dv, &d.processes),
            "exchange" => children(table, dv, &d.processes, |p| &p.exchanges),
            "lcia_result" => children(table, dv, &d.processes, |p| &p.lcia_results),
            "lcia_method" => top(table, dv, &d.lcia_methods),
            "characterization_factor" => children(table, dv, &d.lcia_methods, |m| &m.factors),
            "source" => top(table, dv, &d.sources),
            "contact" => top(table, dv, &d.contacts),
            "normalization_weighting_set" => top(table, dv, &d.normalization_weighting_sets),
            other => panic!("no table {other}"),
        }
    }

    fn packed_rows(table: &'static Table, dataset: DatasetRef<'_>, dv: i64) -> CellRows {
        let mut rows = EntityRows::new(table, dataset, dv);
        let mut sink = CellRows::default();
        while rows.next_unit(&mut sink).unwrap().is_some() {}
        sink
    }

    fn assert_same_rows(label: &str, dataset: &Dataset) {
        let mut dataset = dataset.clone();
        dataset.canonicalize();
        let packed = PackedDataset::from_dataset(dataset.clone()).unwrap();
        let mut n_rows = 0;
        for table in ENTITY_TABLES {
            let expected = reference_rows(table, &dataset, 7);
            for content in [DatasetRef::Whole(&dataset), DatasetRef::Packed(&packed)] {
                let rows = packed_rows(table, content, 7);
                assert_eq!(rows.cells.len(), rows.n_rows * table.columns().len(), "{label} {}", table.name);
                // Cell by cell, so that a difference names its place; NaN never reaches a cell (it is NULL).
                assert_eq!(rows.cells.len(), expected.len(), "{label} {}: cells", table.name);
                for (i, (got, want)) in rows.cells.iter().zip(&expected).enumerate() {
                    assert_eq!(got, want, "{label} {} cell {i}", table.name);
                }
                n_rows += rows.n_rows;
            }
        }
        assert!(n_rows > 0, "{label}: no rows");
    }

    fn fixture(path: &str) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(path)
    }

    #[test]
    fn rows_equal_the_serde_json_value_rows_on_real_fixtures() {
        let ilcd = ecoref_extract_ilcd::read_path(
            &fixture("ilcd/tiangong_subset/tiangong_subset_ILCD.zip"),
            &Default::default(),
        );
        assert_same_rows("ilcd", &ilcd.unwrap().dataset);
        for dir in
            ["ecospold2/pyecospold_ecoinvent", "ecospold2/volca_synthetic_edge", "ecospold2/ecoinvent_masterdata"]
        {
            let read = ecoref_extract_ecospold2::read_path(&fixture(dir), &Default::default()).unwrap();
            assert_same_rows(dir, &read.dataset);
        }
        for file in
            ["simapro_csv/bw_simapro_csv_fixtures/inventory.csv", "simapro_csv/bw_simapro_csv_fixtures/method.csv"]
        {
            let read = ecoref_extract_simapro::read_path(&fixture(file), &Default::default()).unwrap();
            assert_same_rows(file, &read.dataset);
        }
        let ecobalyse = ecoref_extract_ecobalyse::read_path(&fixture("ecobalyse/processes.json"), &Default::default());
        assert_same_rows("ecobalyse", &ecobalyse.unwrap().dataset);
        let excel = ecoref_extract_brightway::read_path(
            &fixture("brightway/bw2io_excel/basic_example.xlsx"),
            &Default::default(),
        );
        assert_same_rows("brightway", &excel.unwrap().dataset);
    }

    #[test]
    fn rows_equal_the_serde_json_value_rows_on_odd_values() {
        let exchange = Exchange {
            internal_id: "e\t1".into(),
            flow: Reference { id: "f".into(), version: None, description: Some("quote \" and \\ and \u{1}".into()) },
            amount: Some(f64::NAN),
            mean_amount: Some(f64::NEG_INFINITY),
            uncertainty: Some(Uncertainty {
                distribution: "normal".into(),
                minimum: Some(-0.0),
                ..Uncertainty::default()
            }),
            metadata: [("z".to_owned(), "1".to_owned()), ("a".to_owned(), "é".to_owned())].into(),
            ..Exchange::default()
        };
        let dataset = Dataset {
            processes: vec![Process {
                id: EntityId::new("p", Some("1".into())),
                exchanges: vec![exchange.clone(), Exchange::default(), exchange],
                ..Process::default()
            }],
            flows: vec![Flow { id: EntityId::new("f", None), ..Flow::default() }],
            ..Dataset::default()
        };
        assert_same_rows("odd values", &dataset);
    }
}
