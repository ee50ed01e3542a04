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
    /// written in their shortest round-trip form). Call on any ordering: the hash is of a canonicalized copy.
    pub fn content_hash(&self) -> ContentHash {
        let mut canonical = self.clone();
        canonical.canonicalize();
        let mut writer = Sha256Writer::new();
        // Serializing plain data into an in-memory hasher cannot fail: no maps with non-string keys, no I/O.
        serde_json::to_writer(&mut writer, &canonical).expect("dataset serializes to JSON");
        writer.finish().0
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
    fn content_hash_sees_the_last_bit_of_an_amount() {
        let mut a = Dataset { flows: vec![flow("a")], ..Dataset::default() };
        a.flows[0].flow_properties.push(crate::FlowPropertyFactor { mean_value: Some(0.1), ..Default::default() });
        let mut b = a.clone();
        b.flows[0].flow_properties[0].mean_value = Some(f64::from_bits(0.1f64.to_bits() + 1));
        assert_ne!(a.content_hash(), b.content_hash());
    }
}
