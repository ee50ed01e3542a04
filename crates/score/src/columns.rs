//! Typed access to the columns of a snapshot's tables (each table is a list of record batches).

use crate::{Error, Result};
use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{Array, RecordBatch};
use std::collections::BTreeMap;

/// The tables of a snapshot by name, as [`ecoref_snapshot::Snapshot::tables`] holds them.
pub type Tables = BTreeMap<String, Vec<RecordBatch>>;

/// One table of a snapshot; a missing table reads as empty only where the caller allows it.
pub(crate) struct Table<'a> {
    name: &'a str,
    batches: &'a [RecordBatch],
}

impl<'a> Table<'a> {
    pub(crate) fn get(tables: &'a Tables, name: &'a str) -> Result<Self> {
        let batches = tables.get(name).ok_or_else(|| Error::Snapshot(format!("the snapshot has no table {name}")))?;
        Ok(Table { name, batches })
    }

    pub(crate) fn len(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    fn columns(&self, column: &str) -> Result<Vec<&'a dyn Array>> {
        self.batches
            .iter()
            .map(|batch| {
                batch
                    .column_by_name(column)
                    .map(|c| c.as_ref())
                    .ok_or_else(|| Error::Snapshot(format!("{}.parquet has no column {column}", self.name)))
            })
            .collect()
    }

    fn wrong_type(&self, column: &str, expected: &str) -> Error {
        Error::Snapshot(format!("{}.parquet: column {column} is not {expected}", self.name))
    }

    /// A nullable text column.
    pub(crate) fn opt_strings(&self, column: &str) -> Result<Vec<Option<&'a str>>> {
        let mut out = Vec::with_capacity(self.len());
        for array in self.columns(column)? {
            let strings = array.as_string_opt::<i32>().ok_or_else(|| self.wrong_type(column, "text"))?;
            out.extend(strings.iter());
        }
        Ok(out)
    }

    /// A text column without nulls.
    pub(crate) fn strings(&self, column: &str) -> Result<Vec<&'a str>> {
        let values = self.opt_strings(column)?;
        values
            .into_iter()
            .enumerate()
            .map(|(row, v)| {
                v.ok_or_else(|| Error::Snapshot(format!("{}.parquet: row {row}: column {column} is null", self.name)))
            })
            .collect()
    }

    pub(crate) fn opt_f64s(&self, column: &str) -> Result<Vec<Option<f64>>> {
        let mut out = Vec::with_capacity(self.len());
        for array in self.columns(column)? {
            let values = array.as_primitive_opt::<Float64Type>().ok_or_else(|| self.wrong_type(column, "float64"))?;
            out.extend(values.iter());
        }
        Ok(out)
    }

    pub(crate) fn bools(&self, column: &str) -> Result<Vec<bool>> {
        let mut out = Vec::with_capacity(self.len());
        for array in self.columns(column)? {
            let values = array.as_boolean_opt().ok_or_else(|| self.wrong_type(column, "boolean"))?;
            out.extend(values.iter().map(|v| v.unwrap_or(false)));
        }
        Ok(out)
    }
}
