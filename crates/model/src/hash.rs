//! Content hashing: a dataset's identity is the sha256 of its canonical JSON form.

use crate::Dataset;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::io;

/// A lowercase hex sha256 digest.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sha256Hex(pub String);

impl Sha256Hex {
    pub fn of_bytes(bytes: &[u8]) -> Self {
        Sha256Hex(hex(&Sha256::digest(bytes)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Sha256Hex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The content hash of a [`Dataset`]: equal hashes mean equal canonical content.
pub type ContentHash = Sha256Hex;

/// Streams bytes into a sha256, counting them; use it as an `io::Write` sink.
#[derive(Debug, Default)]
pub struct Sha256Writer {
    hasher: Sha256,
    n_bytes: u64,
}

impl Sha256Writer {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn finish(self) -> (Sha256Hex, u64) {
        (Sha256Hex(hex(&self.hasher.finalize())), self.n_bytes)
    }
}

impl io::Write for Sha256Writer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.hasher.update(buf);
        self.n_bytes += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 0xf) as usize] as char);
    }
    out
}

impl Dataset {
    /// The sha256 of the dataset's canonical form (entities sorted by id, children in source order, floats
    /// written in their shortest round-trip form). Call on any ordering: the hash is of a canonicalized copy
    /// (no copy is made when the dataset is canonical already, as readers leave it).
    pub fn content_hash(&self) -> ContentHash {
        let mut writer = Sha256Writer::new();
        // Serializing plain data into an in-memory hasher cannot fail: no maps with non-string keys, no I/O.
        if self.is_canonical() {
            serde_json::to_writer(&mut writer, self).expect("dataset serializes to JSON");
        } else {
            let mut canonical = self.clone();
            canonical.canonicalize();
            serde_json::to_writer(&mut writer, &canonical).expect("dataset serializes to JSON");
        }
        writer.finish().0
    }

    /// True when [`Dataset::canonicalize`] would leave the dataset as it is.
    pub fn is_canonical(&self) -> bool {
        fn by_id<T>(list: &[T], id: impl Fn(&T) -> &crate::EntityId) -> bool {
            list.is_sorted_by(|a, b| id(a) <= id(b))
        }
        by_id(&self.processes, |p| &p.id)
            && by_id(&self.flows, |f| &f.id)
            && by_id(&self.flow_properties, |p| &p.id)
            && by_id(&self.unit_groups, |g| &g.id)
            && by_id(&self.lcia_methods, |m| &m.id)
            && by_id(&self.sources, |s| &s.id)
            && by_id(&self.contacts, |c| &c.id)
            && self.normalization_weighting_sets.is_sorted_by(|a, b| (&a.name, &a.method) <= (&b.name, &b.method))
    }
}

/// [`Dataset::content_hash`] computed with the processes given one at a time, as canonical JSON, in canonical
/// order: the same bytes go into the same sha256 without the whole dataset in memory.
#[derive(Debug)]
pub(crate) struct ContentHasher {
    writer: Sha256Writer,
    n_processes: u64,
}

/// The JSON of a dataset starts with its processes: `{"processes":[`.
const PROCESSES_PREFIX: &[u8] = b"{\"processes\":[";

impl ContentHasher {
    pub(crate) fn new() -> Self {
        let mut writer = Sha256Writer::new();
        io::Write::write_all(&mut writer, PROCESSES_PREFIX).expect("hashing cannot fail");
        ContentHasher { writer, n_processes: 0 }
    }

    /// Adds the next process, given as its JSON (`serde_json::to_writer` of the `Process`).
    pub(crate) fn add_process_json(&mut self, json: &[u8]) {
        if self.n_processes > 0 {
            io::Write::write_all(&mut self.writer, b",").expect("hashing cannot fail");
        }
        io::Write::write_all(&mut self.writer, json).expect("hashing cannot fail");
        self.n_processes += 1;
    }

    /// The hash of the processes added and the rest of `others` (canonical, without processes).
    pub(crate) fn finish(mut self, others: &Dataset) -> ContentHash {
        debug_assert!(others.processes.is_empty() && others.is_canonical());
        let json = serde_json::to_vec(others).expect("dataset serializes to JSON");
        // `others` has no processes: its JSON is `{"processes":[]…`; the `]…` closes the processes added.
        let rest = json.strip_prefix(PROCESSES_PREFIX).expect("a dataset's JSON starts with its processes");
        io::Write::write_all(&mut self.writer, rest).expect("hashing cannot fail");
        self.writer.finish().0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EntityId, Flow};

    fn flow(id: &str) -> Flow {
        Flow { id: EntityId::new(id, Some("01.00.000".into())), name: id.to_uppercase(), ..Flow::default() }
    }

    #[test]
    fn sha256_of_empty_input_is_the_known_digest() {
        assert_eq!(
            Sha256Hex::of_bytes(b"").as_str(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn content_hash_ignores_entity_order_but_not_content() {
        let a = Dataset { flows: vec![flow("a"), flow("b")], ..Dataset::default() };
        let b = Dataset { flows: vec![flow("b"), flow("a")], ..Dataset::default() };
        assert_eq!(a.content_hash(), b.content_hash());

        let mut c = a.clone();
        c.flows[0].name = "changed".into();
        assert_ne!(a.content_hash(), c.content_hash());
    }

    #[test]
    fn canonical_datasets_hash_without_a_copy_to_the_same_value() {
        let sorted = Dataset { flows: vec![flow("a"), flow("b")], ..Dataset::default() };
        assert!(sorted.is_canonical());
        let unsorted = Dataset { flows: vec![flow("b"), flow("a")], ..Dataset::default() };
        assert!(!unsorted.is_canonical());
        let mut writer = Sha256Writer::new();
        serde_json::to_writer(&mut writer, &sorted).unwrap();
        assert_eq!(sorted.content_hash(), writer.finish().0);
        assert_eq!(unsorted.content_hash(), sorted.content_hash());
    }

    #[test]
    fn content_hash_sees_the_last_bit_of_an_amount() {
        let mut a = Dataset { flows: vec![flow("a")], ..Dataset::default() };
        a.flows[0].flow_properties.push(crate::FlowPropertyFactor { mean_value: Some(0.1), ..Default::default() });
        let mut b = a.clone();
        b.flows[0].flow_properties[0].mean_value = Some(f64::from_bits(0.1f64.to_bits() + 1));
        assert_ne!(a.content_hash(), b.content_hash());
    }
}
