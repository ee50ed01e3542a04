//! [`PackedDataset`]: a dataset whose processes are held packed, for inputs too large to hold as model values
//! (an ecoinvent release: 25,000 processes, 850,000 exchanges). Its content hash and counts are those of the
//! equivalent [`Dataset`], computed while it is built.

use crate::hash::ContentHasher;
use crate::packed::{CheckedRecord, Item, PackError, Packer, Record};
use crate::{ContentHash, Counts, Dataset, EntityId, Process};
use std::fmt;

/// A dataset whose processes are packed records ([`crate::packed`]), in canonical order, with everything else as
/// model values. Equal content gives the content hash [`Dataset::content_hash`] gives.
#[derive(Clone)]
pub struct PackedDataset {
    /// Canonical, without processes.
    others: Dataset,
    processes: Vec<CheckedRecord>,
    n_exchanges: u64,
    n_lcia_results: u64,
    content_hash: ContentHash,
}

impl fmt::Debug for PackedDataset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PackedDataset")
            .field("counts", &self.counts())
            .field("packed_bytes", &self.packed_bytes())
            .field("content_hash", &self.content_hash)
            .finish()
    }
}

impl PackedDataset {
    /// Packs a whole dataset (canonicalizing it).
    pub fn from_dataset(mut dataset: Dataset) -> Result<Self, PackError> {
        dataset.canonicalize();
        let processes = std::mem::take(&mut dataset.processes);
        let mut builder = PackedDatasetBuilder::new();
        let mut packer = Packer::new();
        for process in &processes {
            builder.push(PreparedProcess::new(packer.pack_checked(process)?)?)?;
        }
        builder.finish(dataset)
    }

    /// Row counts, as [`Dataset::counts`] of the unpacked dataset.
    pub fn counts(&self) -> Counts {
        Counts {
            processes: self.processes.len() as u64,
            exchanges: self.n_exchanges,
            lcia_results: self.n_lcia_results,
            ..self.others.counts()
        }
    }

    /// [`Dataset::content_hash`] of the unpacked dataset.
    pub fn content_hash(&self) -> &ContentHash {
        &self.content_hash
    }

    /// Everything but the processes (canonical; `processes` is empty).
    pub fn others(&self) -> &Dataset {
        &self.others
    }

    pub fn n_processes(&self) -> usize {
        self.processes.len()
    }

    /// The packed processes, in canonical order (each a record of a [`Process`]).
    pub fn packed_processes(&self) -> impl ExactSizeIterator<Item = &CheckedRecord> + '_ {
        self.processes.iter()
    }

    /// Process `idx` (in canonical order), unpacked.
    pub fn process(&self, idx: usize) -> Option<Result<Process, PackError>> {
        self.processes.get(idx).map(CheckedRecord::unpack)
    }

    /// Bytes held by the packed processes.
    pub fn packed_bytes(&self) -> usize {
        self.processes.iter().map(CheckedRecord::size).sum()
    }

    /// The whole dataset as model values.
    pub fn into_dataset(self) -> Result<Dataset, PackError> {
        let mut dataset = self.others;
        dataset.processes = self.processes.iter().map(CheckedRecord::unpack).collect::<Result<_, _>>()?;
        Ok(dataset)
    }
}

/// A packed process checked and rendered as canonical JSON, ready to be added to a [`PackedDatasetBuilder`].
/// Preparing is the costly part of building: do it on any thread, push in canonical order.
#[derive(Debug)]
pub struct PreparedProcess {
    packed: CheckedRecord,
    id: EntityId,
    json: Vec<u8>,
    n_exchanges: u64,
    n_lcia_results: u64,
}

impl PreparedProcess {
    /// Checks that a record is a packed [`Process`] and renders its JSON.
    pub fn new(packed: CheckedRecord) -> Result<Self, PackError> {
        Self::new_inspecting(packed, |_| ()).map(|(prepared, ())| prepared)
    }

    /// [`PreparedProcess::new`], also giving the record to `inspect` (one read for both).
    pub fn new_inspecting<R>(
        packed: CheckedRecord,
        inspect: impl FnOnce(&Record<'_>) -> R,
    ) -> Result<(Self, R), PackError> {
        let record = packed.record();
        let inspected = inspect(&record);
        let root = record.root();
        let not_a_process = |why: &str| PackError::Malformed(format!("not a packed process: {why}"));
        if root.as_map().is_none() {
            return Err(not_a_process("not a map"));
        }
        let id_value = root.get("id").ok_or_else(|| not_a_process("no id"))?;
        let id = EntityId::new(
            id_value.get("id").and_then(|v| v.as_str()).ok_or_else(|| not_a_process("no id.id"))?,
            match id_value.get("version").map(|v| v.item()) {
                Some(Item::Str(version)) => Some(version.to_owned()),
                Some(Item::Null) | None => None,
                Some(_) => return Err(not_a_process("id.version is not a string")),
            },
        );
        let count = |key: &str| {
            root.get(key).and_then(|v| v.as_seq()).map(|s| s.len() as u64).ok_or_else(|| not_a_process(key))
        };
        let n_exchanges = count("exchanges")?;
        let n_lcia_results = count("lcia_results")?;
        let mut json = Vec::with_capacity(packed.bytes().len() * 3);
        root.write_json(&mut json);
        drop(record);
        Ok((PreparedProcess { packed, id, json, n_exchanges, n_lcia_results }, inspected))
    }

    pub fn id(&self) -> &EntityId {
        &self.id
    }

    /// The packed record.
    pub fn packed(&self) -> &CheckedRecord {
        &self.packed
    }
}

/// Builds a [`PackedDataset`] from processes given one at a time in canonical order (sorted by id).
#[derive(Debug)]
pub struct PackedDatasetBuilder {
    hasher: ContentHasher,
    processes: Vec<CheckedRecord>,
    last_id: Option<EntityId>,
    n_exchanges: u64,
    n_lcia_results: u64,
}

impl Default for PackedDatasetBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl PackedDatasetBuilder {
    pub fn new() -> Self {
        PackedDatasetBuilder {
            hasher: ContentHasher::new(),
            processes: Vec::new(),
            last_id: None,
            n_exchanges: 0,
            n_lcia_results: 0,
        }
    }

    /// Adds the next process; its id must not sort before the previous one's.
    pub fn push(&mut self, process: PreparedProcess) -> Result<(), PackError> {
        if let Some(last) = &self.last_id
            && process.id < *last
        {
            return Err(PackError::OutOfOrder { previous: last.to_string(), next: process.id.to_string() });
        }
        self.hasher.add_process_json(&process.json);
        self.n_exchanges += process.n_exchanges;
        self.n_lcia_results += process.n_lcia_results;
        self.processes.push(process.packed);
        self.last_id = Some(process.id);
        Ok(())
    }

    /// The dataset: the processes pushed and `others` (canonicalized here; its processes must be empty).
    pub fn finish(self, mut others: Dataset) -> Result<PackedDataset, PackError> {
        if !others.processes.is_empty() {
            return Err(PackError::Custom("the other entities of a packed dataset include processes".to_owned()));
        }
        others.canonicalize();
        let content_hash = self.hasher.finish(&others);
        Ok(PackedDataset {
            others,
            processes: self.processes,
            n_exchanges: self.n_exchanges,
            n_lcia_results: self.n_lcia_results,
            content_hash,
        })
    }
}

/// What a reader hands over: a whole dataset, or one with packed processes (large inputs).
#[derive(Debug, Clone)]
pub enum DatasetContent {
    Whole(Dataset),
    Packed(PackedDataset),
}

impl DatasetContent {
    pub fn counts(&self) -> Counts {
        match self {
            DatasetContent::Whole(dataset) => dataset.counts(),
            DatasetContent::Packed(packed) => packed.counts(),
        }
    }

    pub fn content_hash(&self) -> ContentHash {
        match self {
            DatasetContent::Whole(dataset) => dataset.content_hash(),
            DatasetContent::Packed(packed) => packed.content_hash().clone(),
        }
    }

    /// The whole dataset as model values.
    pub fn into_dataset(self) -> Result<Dataset, PackError> {
        match self {
            DatasetContent::Whole(dataset) => Ok(dataset),
            DatasetContent::Packed(packed) => packed.into_dataset(),
        }
    }
}

impl From<Dataset> for DatasetContent {
    fn from(dataset: Dataset) -> Self {
        DatasetContent::Whole(dataset)
    }
}

impl From<PackedDataset> for DatasetContent {
    fn from(packed: PackedDataset) -> Self {
        DatasetContent::Packed(packed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packed::tests::full_process;
    use crate::{Flow, Source};

    fn dataset() -> Dataset {
        Dataset {
            processes: vec![full_process("b"), full_process("a"), full_process("c")],
            flows: vec![
                Flow { id: EntityId::new("f2", None), name: "two".into(), ..Flow::default() },
                Flow { id: EntityId::new("f1", None), name: "one".into(), ..Flow::default() },
            ],
            sources: vec![Source { id: EntityId::new("s", None), name: "source".into(), ..Source::default() }],
            ..Dataset::default()
        }
    }

    #[test]
    fn packed_dataset_has_the_hash_and_counts_of_the_dataset() {
        let dataset = dataset();
        let packed = PackedDataset::from_dataset(dataset.clone()).unwrap();
        assert_eq!(packed.content_hash(), &dataset.content_hash());
        assert_eq!(packed.counts(), dataset.counts());
        let mut canonical = dataset;
        canonical.canonicalize();
        let back = packed.into_dataset().unwrap();
        assert_eq!(serde_json::to_string(&back).unwrap(), serde_json::to_string(&canonical).unwrap());
        let empty = PackedDataset::from_dataset(Dataset::default()).unwrap();
        assert_eq!(empty.content_hash(), &Dataset::default().content_hash());
    }

    #[test]
    fn builder_refuses_processes_out_of_order() {
        let mut packer = Packer::new();
        let mut builder = PackedDatasetBuilder::new();
        let prepare = |packer: &mut Packer, id: &str| {
            PreparedProcess::new(packer.pack_checked(&full_process(id)).unwrap()).unwrap()
        };
        builder.push(prepare(&mut packer, "b")).unwrap();
        builder.push(prepare(&mut packer, "b")).unwrap();
        let error = builder.push(prepare(&mut packer, "a")).unwrap_err();
        assert!(matches!(error, PackError::OutOfOrder { .. }), "{error}");
        let flow = packer.pack_checked(&Flow::default()).unwrap();
        assert!(PreparedProcess::new(flow).is_err());
        let with_process = Dataset { processes: vec![full_process("x")], ..Dataset::default() };
        assert!(PackedDatasetBuilder::new().finish(with_process).is_err());
    }
}
