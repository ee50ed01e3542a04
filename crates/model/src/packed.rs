//! Packed values: a compact, self-describing binary form of what serde produces for a model value, with the
//! strings repeated inside one record stored once.
//!
//! Large datasets are held packed between reading and loading ([`crate::PackedDataset`]: a process costs a
//! fraction of its model form), and the store turns packed entities into rows and JSON without building
//! `serde_json::Value` trees. Packing is exact: [`from_packed`] gives back an equal value, and the two JSON
//! renderings are byte-identical to serde_json's: [`Value::write_json`] to `serde_json::to_writer` of the original
//! value (fields in declaration order), [`Value::write_json_sorted`] to `serde_json::to_value(..).to_string()`
//! (object keys sorted at every level).
//!
//! A record is one value. Each value starts with a tag byte:
//! `0` null (`None`, `()`), `1` false, `2` true, `3` f64 (8 bytes little-endian), `4` unsigned integer (LEB128),
//! `5` negative integer (LEB128 of `-1 - n`), `6` string (LEB128 length, UTF-8 bytes), `7` reference to an earlier
//! string of the record (LEB128 index), `8` sequence, `9` map. A sequence or map carries the byte length of what
//! follows that length (4 bytes little-endian), then its LEB128 count, then its values (a map's as key/value pairs;
//! keys are strings): skipping a list of 30 exchanges to reach the next field reads 5 bytes, not the exchanges. Structs are maps in declaration order, unit variants strings, other variants a map of
//! one entry, as in JSON. Every string of at least [`MIN_SHARED_LEN`] bytes written in full takes the next string
//! index, so a repeated string costs a few bytes.

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use serde::ser::{self, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

/// Strings at least this long are shared within a record (shorter ones cost less written in full).
pub const MIN_SHARED_LEN: usize = 4;

/// The place of a shared string no reference points to (no shared string is empty).
const UNREFERENCED: (u32, u32) = (0, 0);

/// Deepest nesting accepted when reading a record (model values nest a handful of levels).
const MAX_DEPTH: usize = 64;

const NULL: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
const F64: u8 = 3;
const UINT: u8 = 4;
const NEG_INT: u8 = 5;
const STR: u8 = 6;
const STR_REF: u8 = 7;
const SEQ: u8 = 8;
const MAP: u8 = 9;

/// Why a value could not be packed or unpacked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackError {
    /// The value uses a serde type the packed form does not carry (f32, 128-bit integers, non-string map keys).
    Unsupported(&'static str),
    /// A `Serialize` or `Deserialize` implementation reported an error.
    Custom(String),
    /// The bytes are not a valid record (a bug: records are only made by [`Packer`]).
    Malformed(String),
    /// A record over 4 GiB.
    TooLarge,
    /// A [`crate::PackedDatasetBuilder`] was given processes out of canonical order.
    OutOfOrder { previous: String, next: String },
}

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PackError::Unsupported(what) => write!(f, "packed values do not support {what}"),
            PackError::Custom(message) => f.write_str(message),
            PackError::Malformed(why) => write!(f, "malformed packed record: {why}"),
            PackError::TooLarge => f.write_str("packed record larger than 4 GiB"),
            PackError::OutOfOrder { previous, next } => {
                write!(f, "processes out of canonical order: {next} after {previous}")
            }
        }
    }
}

impl std::error::Error for PackError {}

impl ser::Error for PackError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        PackError::Custom(msg.to_string())
    }
}

impl de::Error for PackError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        PackError::Custom(msg.to_string())
    }
}

fn malformed(why: impl Into<String>) -> PackError {
    PackError::Malformed(why.into())
}

// ---------------------------------------------------------------------------------------------------------------
// Packing

/// A 64-bit FNV-1a-style hash of string bytes, eight at a time; only a lookup aid (hits are compared in full).
#[derive(Debug, Default, Clone, Copy)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    for &b in chunks.remainder() {
        h = (h.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    h
}

/// Packs values into records, reusing its buffers from one record to the next.
#[derive(Debug)]
pub struct Packer {
    out: Vec<u8>,
    /// Hash of a shared string → its index; a lookup aid only (a miss costs bytes, never correctness).
    lookup: HashMap<u64, u32, BuildHasherDefault<PassThrough>>,
    /// `(offset, length)` in `out` of each shared string, by index.
    shared: Vec<(u32, u32)>,
    /// Whether the shared string of each index is referenced (written again as a reference) in this record.
    referenced: Vec<bool>,
    /// A small direct-mapped cache from the address of a struct field name (a `&'static str`) to the index of its
    /// shared string in this record: the same field of every exchange is found without hashing or comparing its
    /// bytes. A slot holds `(address, index)`; address 0 is empty.
    field_names: Box<[(usize, u32); FIELD_NAME_SLOTS]>,
}

/// Slots of [`Packer::field_names`]: a process and its exchanges have about 60 distinct field names.
const FIELD_NAME_SLOTS: usize = 256;

impl Default for Packer {
    fn default() -> Self {
        Packer {
            out: Vec::new(),
            lookup: HashMap::default(),
            shared: Vec::new(),
            referenced: Vec::new(),
            field_names: Box::new([(0, 0); FIELD_NAME_SLOTS]),
        }
    }
}

impl Packer {
    pub fn new() -> Self {
        Packer::default()
    }

    /// Packs `value` as one record; the bytes stay valid until the next call.
    pub fn pack<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<&[u8], PackError> {
        self.out.clear();
        self.lookup.clear();
        self.shared.clear();
        self.referenced.clear();
        self.field_names.fill((0, 0));
        value.serialize(&mut *self)?;
        if u32::try_from(self.out.len()).is_err() {
            return Err(PackError::TooLarge);
        }
        Ok(&self.out)
    }

    /// Packs `value` as one record into a boxed slice of its own.
    pub fn pack_boxed<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<Box<[u8]>, PackError> {
        Ok(self.pack(value)?.into())
    }

    /// Packs `value` as a [`CheckedRecord`]: well formed by construction, with the places of its shared strings
    /// as the packer wrote them, so reading it needs no walk.
    pub fn pack_checked<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<CheckedRecord, PackError> {
        let bytes: Box<[u8]> = self.pack(value)?.into();
        Ok(CheckedRecord { bytes, shared: self.referenced_places().collect() })
    }

    /// Packs `value` and reads it back at once (no walk): the record borrows the packer until the next call.
    pub fn pack_record<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<Record<'_>, PackError> {
        self.pack(value)?;
        Ok(Record::with_shared(&self.out, self.referenced_places()))
    }

    /// The place of each shared string, [`UNREFERENCED`] for those the record never refers back to: only the
    /// strings a reference can reach are checked as UTF-8 again when the record is opened (most strings of a
    /// process, its ids and descriptions, are written once).
    fn referenced_places(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.shared
            .iter()
            .zip(&self.referenced)
            .map(|(&place, &referenced)| if referenced { place } else { UNREFERENCED })
    }

    /// Marks shared string `index` as referenced.
    fn refer(&mut self, index: u32) {
        self.referenced[index as usize] = true;
    }

    fn varint(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.out.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.out.push(n as u8);
    }

    fn string(&mut self, s: &str) -> Result<(), PackError> {
        self.shared_string(s).map(|_| ())
    }

    /// Writes a struct field name: the first time in the record as any string, then as a reference to it.
    fn field_name(&mut self, name: &'static str) -> Result<(), PackError> {
        // A static str's address and length identify its bytes.
        let address = name.as_ptr() as usize;
        let slot = (address ^ (address >> 8)) % FIELD_NAME_SLOTS;
        let (cached, index) = self.field_names[slot];
        if cached == address && self.shared.get(index as usize).is_some_and(|&(_, len)| len as usize == name.len()) {
            self.out.push(STR_REF);
            self.varint(u64::from(index));
            self.refer(index);
            return Ok(());
        }
        if let Some(index) = self.shared_string(name)? {
            self.field_names[slot] = (address, index);
        }
        Ok(())
    }

    /// Writes `s`, in full or as a reference to the same string written before; returns its index among the
    /// shared strings when it is one.
    fn shared_string(&mut self, s: &str) -> Result<Option<u32>, PackError> {
        let bytes = s.as_bytes();
        if bytes.len() < MIN_SHARED_LEN {
            self.out.push(STR);
            self.varint(bytes.len() as u64);
            self.out.extend_from_slice(bytes);
            return Ok(None);
        }
        let hash = hash_bytes(bytes);
        if let Some(&index) = self.lookup.get(&hash) {
            let (offset, len) = self.shared[index as usize];
            if self.out.get(offset as usize..(offset + len) as usize) == Some(bytes) {
                self.out.push(STR_REF);
                self.varint(u64::from(index));
                self.refer(index);
                return Ok(Some(index));
            }
        }
        self.out.push(STR);
        self.varint(bytes.len() as u64);
        let offset = u32::try_from(self.out.len()).map_err(|_| PackError::TooLarge)?;
        let len = u32::try_from(bytes.len()).map_err(|_| PackError::TooLarge)?;
        self.out.extend_from_slice(bytes);
        let index = u32::try_from(self.shared.len()).map_err(|_| PackError::TooLarge)?;
        self.shared.push((offset, len));
        self.referenced.push(false);
        self.lookup.insert(hash, index);
        Ok(Some(index))
    }

    fn uint(&mut self, n: u64) {
        self.out.push(UINT);
        self.varint(n);
    }

    fn int(&mut self, n: i64) {
        if n >= 0 {
            self.uint(n as u64);
        } else {
            self.out.push(NEG_INT);
            // -1 - n is in 0..=i64::MAX for every negative n.
            self.varint((-1 - n) as u64);
        }
    }

    /// Writes a container's tag and a placeholder for its byte length; returns where the length goes
    /// ([`Packer::close_length`] writes it once the container is complete).
    fn open_length(&mut self, tag: u8) -> usize {
        self.out.push(tag);
        let at = self.out.len();
        self.out.extend_from_slice(&[0; 4]);
        at
    }

    /// Writes the byte length of the container whose length goes at `at`: everything written after it.
    fn close_length(&mut self, at: usize) -> Result<(), PackError> {
        let len = u32::try_from(self.out.len() - at - 4).map_err(|_| PackError::TooLarge)?;
        self.out[at..at + 4].copy_from_slice(&len.to_le_bytes());
        Ok(())
    }

    /// Opens a sequence or map: with a known length the count is written as is and checked at the end; with an
    /// unknown one a five-byte count is patched at the end. `variant_at` is the length of an enclosing
    /// `{ variant: … }` map, closed with this container.
    fn open(&mut self, tag: u8, len: Option<usize>, variant_at: Option<usize>) -> Compound<'_> {
        let length_at = self.open_length(tag);
        match len {
            Some(len) => {
                self.varint(len as u64);
                Compound { packer: self, length_at, variant_at, placeholder: None, expected: Some(len as u64), n: 0 }
            }
            None => {
                let at = self.out.len();
                self.out.extend_from_slice(&[0x80, 0x80, 0x80, 0x80, 0x00]);
                Compound { packer: self, length_at, variant_at, placeholder: Some(at), expected: None, n: 0 }
            }
        }
    }

    /// `{ variant: … }` for the non-unit enum variants, as serde_json writes them; returns where its length goes.
    fn open_variant(&mut self, variant: &str) -> Result<usize, PackError> {
        let at = self.open_length(MAP);
        self.varint(1);
        self.string(variant)?;
        Ok(at)
    }
}

/// An open sequence, map or struct.
#[derive(Debug)]
pub struct Compound<'p> {
    packer: &'p mut Packer,
    /// Where this container's byte length goes.
    length_at: usize,
    /// Where the byte length of the enclosing `{ variant: … }` map goes, for tuple and struct variants.
    variant_at: Option<usize>,
    placeholder: Option<usize>,
    expected: Option<u64>,
    n: u64,
}

impl Compound<'_> {
    fn close(self) -> Result<(), PackError> {
        if let Some(at) = self.placeholder {
            if self.n >= 1 << 35 {
                return Err(PackError::TooLarge);
            }
            for (i, byte) in self.packer.out[at..at + 5].iter_mut().enumerate() {
                let bits = ((self.n >> (7 * i)) & 0x7f) as u8;
                *byte = if i < 4 { bits | 0x80 } else { bits };
            }
        }
        self.packer.close_length(self.length_at)?;
        if let Some(at) = self.variant_at {
            self.packer.close_length(at)?;
        }
        match self.expected {
            Some(expected) if expected != self.n => {
                Err(PackError::Custom(format!("a serializer announced {expected} elements and wrote {}", self.n)))
            }
            _ => Ok(()),
        }
    }
}

impl<'p> ser::Serializer for &'p mut Packer {
    type Ok = ();
    type Error = PackError;
    type SerializeSeq = Compound<'p>;
    type SerializeTuple = Compound<'p>;
    type SerializeTupleStruct = Compound<'p>;
    type SerializeTupleVariant = Compound<'p>;
    type SerializeMap = Compound<'p>;
    type SerializeStruct = Compound<'p>;
    type SerializeStructVariant = Compound<'p>;

    fn serialize_bool(self, v: bool) -> Result<(), PackError> {
        self.out.push(if v { TRUE } else { FALSE });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), PackError> {
        self.int(i64::from(v));
        Ok(())
    }
    fn serialize_i16(self, v: i16) -> Result<(), PackError> {
        self.int(i64::from(v));
        Ok(())
    }
    fn serialize_i32(self, v: i32) -> Result<(), PackError> {
        self.int(i64::from(v));
        Ok(())
    }
    fn serialize_i64(self, v: i64) -> Result<(), PackError> {
        self.int(v);
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), PackError> {
        self.uint(u64::from(v));
        Ok(())
    }
    fn serialize_u16(self, v: u16) -> Result<(), PackError> {
        self.uint(u64::from(v));
        Ok(())
    }
    fn serialize_u32(self, v: u32) -> Result<(), PackError> {
        self.uint(u64::from(v));
        Ok(())
    }
    fn serialize_u64(self, v: u64) -> Result<(), PackError> {
        self.uint(v);
        Ok(())
    }
    fn serialize_f32(self, _v: f32) -> Result<(), PackError> {
        Err(PackError::Unsupported("f32"))
    }
    fn serialize_f64(self, v: f64) -> Result<(), PackError> {
        self.out.push(F64);
        self.out.extend_from_slice(&v.to_le_bytes());
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), PackError> {
        self.string(v.encode_utf8(&mut [0u8; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), PackError> {
        self.string(v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), PackError> {
        // As serde_json: an array of numbers.
        let at = self.open_length(SEQ);
        self.varint(v.len() as u64);
        for b in v {
            self.uint(u64::from(*b));
        }
        self.close_length(at)
    }
    fn serialize_none(self) -> Result<(), PackError> {
        self.out.push(NULL);
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), PackError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), PackError> {
        self.out.push(NULL);
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), PackError> {
        self.out.push(NULL);
        Ok(())
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<(), PackError> {
        self.string(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<(), PackError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), PackError> {
        let at = self.open_variant(variant)?;
        value.serialize(&mut *self)?;
        self.close_length(at)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Compound<'p>, PackError> {
        Ok(self.open(SEQ, len, None))
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'p>, PackError> {
        Ok(self.open(SEQ, Some(len), None))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Compound<'p>, PackError> {
        Ok(self.open(SEQ, Some(len), None))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'p>, PackError> {
        let at = self.open_variant(variant)?;
        Ok(self.open(SEQ, Some(len), Some(at)))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Compound<'p>, PackError> {
        Ok(self.open(MAP, len, None))
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Compound<'p>, PackError> {
        Ok(self.open(MAP, Some(len), None))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'p>, PackError> {
        let at = self.open_variant(variant)?;
        Ok(self.open(MAP, Some(len), Some(at)))
    }
}

impl ser::SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = PackError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), PackError> {
        self.n += 1;
        value.serialize(&mut *self.packer)
    }
    fn end(self) -> Result<(), PackError> {
        self.close()
    }
}

impl ser::SerializeTuple for Compound<'_> {
    type Ok = ();
    type Error = PackError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), PackError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), PackError> {
        self.close()
    }
}

impl ser::SerializeTupleStruct for Compound<'_> {
    type Ok = ();
    type Error = PackError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), PackError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), PackError> {
        self.close()
    }
}

impl ser::SerializeTupleVariant for Compound<'_> {
    type Ok = ();
    type Error = PackError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), PackError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<(), PackError> {
        self.close()
    }
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = PackError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), PackError> {
        self.n += 1;
        key.serialize(KeyPacker(&mut *self.packer))
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), PackError> {
        value.serialize(&mut *self.packer)
    }
    fn end(self) -> Result<(), PackError> {
        self.close()
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = PackError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), PackError> {
        self.n += 1;
        self.packer.field_name(key)?;
        value.serialize(&mut *self.packer)
    }
    fn end(self) -> Result<(), PackError> {
        self.close()
    }
}

impl ser::SerializeStructVariant for Compound<'_> {
    type Ok = ();
    type Error = PackError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), PackError> {
        ser::SerializeStruct::serialize_field(self, key, value)
    }
    fn end(self) -> Result<(), PackError> {
        self.close()
    }
}

/// Map keys: strings (and chars and unit variants, which serialize as strings).
struct KeyPacker<'p>(&'p mut Packer);

impl ser::Serializer for KeyPacker<'_> {
    type Ok = ();
    type Error = PackError;
    type SerializeSeq = ser::Impossible<(), PackError>;
    type SerializeTuple = ser::Impossible<(), PackError>;
    type SerializeTupleStruct = ser::Impossible<(), PackError>;
    type SerializeTupleVariant = ser::Impossible<(), PackError>;
    type SerializeMap = ser::Impossible<(), PackError>;
    type SerializeStruct = ser::Impossible<(), PackError>;
    type SerializeStructVariant = ser::Impossible<(), PackError>;

    fn serialize_bool(self, _v: bool) -> Result<(), PackError> {
        Err(PackError::Unsupported("a non-string map key"))
    }
    fn serialize_i8(self, _v: i8) -> Result<(), PackError> {
        Err(PackError::Unsupported("a non-string map key"))
    }
    fn serialize_i16(self, _v: i16) -> Result<(), PackError> {
        Err(PackError::Unsupported("a non-string map key"))
    }
    fn serialize_i32(self, _v: i32) -> Result<(), PackError> {
        Err(PackError::Unsupported("a non-string map key"))
    }
    fn serialize_i64(self, _v: i64) -> Result<(), PackError> {
        Err(PackError::Unsupported("a non-string map key"))
    }
    fn serialize_u8(self, _v: u8) -> Result<(), PackError> {
        Err(PackError::Unsupported("a non-string map key"))
    }
    fn serialize_u16(self, _v: u16) -> Result<(), PackError> {
        Err(PackError::Unsupported("a non-string map key"))
    }
    fn serialize_u32(self, _v: u32) -> Result<(), PackError> {
        Err(PackError::Unsupported("a non-string map key"))
    }
    fn serialize_u64(self, _v: u64) -> Result<(), PackError> {
        Err(PackError::Unsupported("a non-string map key"))
    }
    fn serialize_f32(self, _v: f32) -> Result<(), PackError> {
        Err(PackError::Unsupported("a float map key"))
    }
    fn serialize_f64(self, _v: f64) -> Result<(), PackError> {
        Err(PackError::Unsupported("a float map key"))
    }
    fn serialize_char(self, v: char) -> Result<(), PackError> {
        self.0.string(v.encode_utf8(&mut [0u8; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), PackError> {
        self.0.string(v)
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<(), PackError> {
        Err(PackError::Unsupported("a bytes map key"))
    }
    fn serialize_none(self) -> Result<(), PackError> {
        Err(PackError::Unsupported("a null map key"))
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<(), PackError> {
        Err(PackError::Unsupported("an optional map key"))
    }
    fn serialize_unit(self) -> Result<(), PackError> {
        Err(PackError::Unsupported("a unit map key"))
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), PackError> {
        Err(PackError::Unsupported("a unit map key"))
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<(), PackError> {
        self.0.string(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<(), PackError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<(), PackError> {
        Err(PackError::Unsupported("an enum map key"))
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, PackError> {
        Err(PackError::Unsupported("a sequence map key"))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, PackError> {
        Err(PackError::Unsupported("a tuple map key"))
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeTupleStruct, PackError> {
        Err(PackError::Unsupported("a tuple map key"))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, PackError> {
        Err(PackError::Unsupported("an enum map key"))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, PackError> {
        Err(PackError::Unsupported("a map map key"))
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct, PackError> {
        Err(PackError::Unsupported("a struct map key"))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, PackError> {
        Err(PackError::Unsupported("an enum map key"))
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

/// A record known to be well formed (made by a [`Packer`], or checked once by [`CheckedRecord::check`]) with the
/// `(offset, length)` of each of its shared strings: [`CheckedRecord::record`] reads it without walking its bytes
/// again. A process is read three or four times between reader and database (link, content hash, process row,
/// exchange rows); checking it each time was a third of the row builder's work.
#[derive(Debug, Clone)]
pub struct CheckedRecord {
    bytes: Box<[u8]>,
    shared: Box<[(u32, u32)]>,
}

impl CheckedRecord {
    /// Checks `bytes` as [`Record::parse`] does.
    pub fn check(bytes: Box<[u8]>) -> Result<Self, PackError> {
        let record = Record::parse(&bytes)?;
        let start = bytes.as_ptr() as usize;
        // Every string of a record borrows from its bytes, so these differences are offsets into them.
        let shared = record.strings.iter().map(|s| ((s.as_ptr() as usize - start) as u32, s.len() as u32)).collect();
        drop(record);
        Ok(CheckedRecord { bytes, shared })
    }

    /// The record, ready to read.
    pub fn record(&self) -> Record<'_> {
        Record::with_shared(&self.bytes, self.shared.iter().copied())
    }

    /// The value the record was packed from, as [`from_packed`] gives it, without checking the bytes again.
    pub fn unpack<'a, T: de::Deserialize<'a>>(&'a self) -> Result<T, PackError> {
        T::deserialize(self.record().root())
    }

    /// The record's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Bytes held: the record and the places of its shared strings.
    pub fn size(&self) -> usize {
        self.bytes.len() + self.shared.len() * std::mem::size_of::<(u32, u32)>()
    }
}

/// One record, checked once when read: its bytes and the strings its references point to.
#[derive(Debug, Clone)]
pub struct Record<'a> {
    bytes: &'a [u8],
    strings: Vec<&'a str>,
}

/// Reads a LEB128 integer at `*pos`.
fn read_varint(bytes: &[u8], pos: &mut usize) -> Result<u64, PackError> {
    let mut n: u64 = 0;
    for shift in (0..64).step_by(7) {
        let byte = *bytes.get(*pos).ok_or_else(|| malformed("truncated integer"))?;
        *pos += 1;
        n |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(n);
        }
    }
    Err(malformed("integer longer than 64 bits"))
}

/// Reads a container's byte length at `*pos`; returns the position of its end (checked to be in `bytes`).
fn read_length(bytes: &[u8], pos: &mut usize) -> Result<usize, PackError> {
    let raw = bytes.get(*pos..*pos + 4).ok_or_else(|| malformed("truncated container length"))?;
    let len = u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]) as usize;
    *pos += 4;
    pos.checked_add(len).filter(|end| *end <= bytes.len()).ok_or_else(|| malformed("container longer than the record"))
}

fn read_len(bytes: &[u8], pos: &mut usize) -> Result<usize, PackError> {
    let n = read_varint(bytes, pos)?;
    usize::try_from(n).map_err(|_| malformed("length does not fit in memory"))
}

impl<'a> Record<'a> {
    /// Checks `bytes` (one value, nothing after it) and indexes its strings.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, PackError> {
        let mut record = Record { bytes, strings: Vec::new() };
        let mut pos = 0;
        record.scan(&mut pos, 0)?;
        if pos != bytes.len() {
            return Err(malformed(format!("{} bytes after the value", bytes.len() - pos)));
        }
        Ok(record)
    }

    /// A record a [`Packer`] made, with the places of its shared strings as the packer kept them.
    fn with_shared(bytes: &'a [u8], shared: impl Iterator<Item = (u32, u32)>) -> Self {
        let strings = shared
            .map(|(offset, len)| {
                if (offset, len) == UNREFERENCED {
                    return "";
                }
                let text = &bytes[offset as usize..(offset + len) as usize];
                std::str::from_utf8(text).expect("a packer writes its shared strings from &str")
            })
            .collect();
        Record { bytes, strings }
    }

    /// The value the record holds.
    pub fn root(&self) -> Value<'_, 'a> {
        Value { record: self, pos: 0 }
    }

    /// Size of the record in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    fn scan(&mut self, pos: &mut usize, depth: usize) -> Result<(), PackError> {
        if depth > MAX_DEPTH {
            return Err(malformed("nested too deeply"));
        }
        let bytes = self.bytes;
        let tag = *bytes.get(*pos).ok_or_else(|| malformed("truncated value"))?;
        *pos += 1;
        match tag {
            NULL | FALSE | TRUE => {}
            F64 => {
                if bytes.len() < *pos + 8 {
                    return Err(malformed("truncated float"));
                }
                *pos += 8;
            }
            UINT | NEG_INT => {
                read_varint(bytes, pos)?;
            }
            STR => {
                let len = read_len(bytes, pos)?;
                let end = pos.checked_add(len).filter(|end| *end <= bytes.len());
                let end = end.ok_or_else(|| malformed("truncated string"))?;
                let text = std::str::from_utf8(&bytes[*pos..end]).map_err(|_| malformed("string is not UTF-8"))?;
                if len >= MIN_SHARED_LEN {
                    self.strings.push(text);
                }
                *pos = end;
            }
            STR_REF => {
                let index = read_len(bytes, pos)?;
                if index >= self.strings.len() {
                    return Err(malformed(format!("reference to string {index} before it is written")));
                }
            }
            SEQ | MAP => {
                let end = read_length(bytes, pos)?;
                let count = read_varint(bytes, pos)?;
                for _ in 0..count {
                    if tag == MAP {
                        match bytes.get(*pos) {
                            Some(&STR) | Some(&STR_REF) => self.scan(pos, depth + 1)?,
                            _ => return Err(malformed("map key is not a string")),
                        }
                    }
                    self.scan(pos, depth + 1)?;
                }
                if *pos != end {
                    return Err(malformed("container length does not match its values"));
                }
            }
            other => return Err(malformed(format!("unknown tag {other}"))),
        }
        Ok(())
    }

    // Decoding helpers for a record already checked by `parse`: they cannot fail on it.

    fn varint_at(&self, pos: &mut usize) -> u64 {
        read_varint(self.bytes, pos).expect("record checked when parsed")
    }

    fn str_at(&self, pos: &mut usize) -> &'a str {
        let tag = self.bytes[*pos];
        *pos += 1;
        let bytes = self.bytes;
        match tag {
            STR => {
                let len = self.varint_at(pos) as usize;
                let text = std::str::from_utf8(&bytes[*pos..*pos + len]).expect("record checked when parsed");
                *pos += len;
                text
            }
            STR_REF => {
                let index = self.varint_at(pos) as usize;
                self.strings[index]
            }
            _ => unreachable!("record checked when parsed: a key is a string"),
        }
    }

    /// Writes the string at `pos` as JSON from its bytes (checked as UTF-8 when the record was): no second UTF-8
    /// check for the strings that need no escape, which are nearly all. Returns the position after it.
    fn write_json_str_at(&self, pos: usize, out: &mut Vec<u8>) -> usize {
        let (text, pos) = self.str_bytes_at(pos);
        write_json_str_bytes(out, text);
        pos
    }

    /// The bytes of the string at `pos` (UTF-8: checked when the record was) and the position after it.
    #[inline(always)]
    fn str_bytes_at(&self, mut pos: usize) -> (&'a [u8], usize) {
        let tag = self.bytes[pos];
        pos += 1;
        let text: &'a [u8] = match tag {
            STR => {
                let len = self.varint_at(&mut pos) as usize;
                pos += len;
                &self.bytes[pos - len..pos]
            }
            STR_REF => {
                let index = self.varint_at(&mut pos) as usize;
                self.strings[index].as_bytes()
            }
            _ => unreachable!("record checked when parsed: a string"),
        };
        (text, pos)
    }

    /// Writes the value at `pos` as JSON in one walk over its bytes (strings are copied from them, not decoded
    /// again) and returns the position after it: map keys in their packed order ([`Value::write_json`]), or sorted
    /// with the last of equal keys kept ([`Value::write_json_sorted`]).
    fn write_json_at(&self, pos: usize, out: &mut Vec<u8>, sort_keys: bool) -> usize {
        match self.bytes[pos] {
            SEQ => {
                let mut at = pos + 1 + 4;
                let count = self.varint_at(&mut at);
                out.push(b'[');
                for i in 0..count {
                    if i > 0 {
                        out.push(b',');
                    }
                    at = self.write_json_at(at, out, sort_keys);
                }
                out.push(b']');
                at
            }
            MAP => {
                let mut at = pos + 1 + 4;
                let count = self.varint_at(&mut at);
                // Structs are packed in declaration order: most maps need no sort.
                if sort_keys && !self.keys_ascending(at, count) {
                    return self.sort_and_write_map(at, count, out);
                }
                out.push(b'{');
                for i in 0..count {
                    if i > 0 {
                        out.push(b',');
                    }
                    at = self.write_json_str_at(at, out);
                    out.push(b':');
                    at = self.write_json_at(at, out, sort_keys);
                }
                out.push(b'}');
                at
            }
            STR | STR_REF => self.write_json_str_at(pos, out),
            _ => {
                write_json_scalar(out, Value { record: self, pos }.item());
                self.skip(pos)
            }
        }
    }

    /// Whether the `count` keys of the map entries at `at` are in strictly ascending order (strings compare as
    /// their bytes do).
    fn keys_ascending(&self, mut at: usize, count: u64) -> bool {
        let mut previous: Option<&[u8]> = None;
        for _ in 0..count {
            let (key, value) = self.str_bytes_at(at);
            if previous.is_some_and(|p| p >= key) {
                return false;
            }
            previous = Some(key);
            at = self.skip(value);
        }
        true
    }

    /// Writes the `count` map entries at `at` as one object with sorted keys, values sorted too; of equal keys the
    /// last wins, as in a map. Returns the position after the entries.
    fn sort_and_write_map(&self, mut at: usize, count: u64, out: &mut Vec<u8>) -> usize {
        let mut entries = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
        for _ in 0..count {
            let (key, value) = self.str_bytes_at(at);
            entries.push((key, Value { record: self, pos: value }));
            at = self.skip(value);
        }
        write_sorted_object(out, &mut entries);
        at
    }

    /// Position just after the value at `pos`.
    fn skip(&self, mut pos: usize) -> usize {
        let tag = self.bytes[pos];
        match tag {
            NULL | FALSE | TRUE => pos + 1,
            F64 => pos + 9,
            UINT | NEG_INT | STR_REF => {
                pos += 1;
                self.varint_at(&mut pos);
                pos
            }
            STR => {
                pos += 1;
                let len = self.varint_at(&mut pos) as usize;
                pos + len
            }
            SEQ | MAP => {
                let raw = &self.bytes[pos + 1..pos + 5];
                pos + 5 + u32::from_le_bytes([raw[0], raw[1], raw[2], raw[3]]) as usize
            }
            _ => unreachable!("record checked when parsed: known tags only"),
        }
    }
}

/// Writes `text`, the bytes of a checked record's string, as a JSON string.
#[inline(always)]
fn write_json_str_bytes(out: &mut Vec<u8>, text: &[u8]) {
    if needs_escape(text) {
        let text = std::str::from_utf8(text).expect("record checked when parsed");
        write_json_scalar(out, Item::Str(text));
    } else {
        write_plain_json_str(out, text);
    }
}

/// A value inside a [`Record`].
#[derive(Clone, Copy)]
pub struct Value<'r, 'a> {
    record: &'r Record<'a>,
    pos: usize,
}

impl fmt::Debug for Value<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut json = Vec::new();
        self.write_json(&mut json);
        f.write_str(&String::from_utf8_lossy(&json))
    }
}

/// What a [`Value`] is.
#[derive(Debug, Clone, Copy)]
pub enum Item<'r, 'a> {
    Null,
    Bool(bool),
    F64(f64),
    U64(u64),
    I64(i64),
    Str(&'a str),
    Seq(Seq<'r, 'a>),
    Map(Map<'r, 'a>),
}

/// The elements of a sequence value.
#[derive(Clone, Copy)]
pub struct Seq<'r, 'a> {
    record: &'r Record<'a>,
    pos: usize,
    remaining: u64,
    /// Start of the element returned last: skipped only when the next one is asked for.
    unskipped: Option<usize>,
}

/// The entries of a map value (a struct's fields in declaration order, a map's in its order).
#[derive(Clone, Copy)]
pub struct Map<'r, 'a> {
    record: &'r Record<'a>,
    pos: usize,
    remaining: u64,
    /// Start of the value returned last: skipped only when the next entry is asked for.
    unskipped: Option<usize>,
}

impl fmt::Debug for Seq<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(*self).finish()
    }
}

impl fmt::Debug for Map<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(*self).finish()
    }
}

impl<'r, 'a> Value<'r, 'a> {
    pub fn item(&self) -> Item<'r, 'a> {
        let record = self.record;
        let bytes = record.bytes;
        let mut pos = self.pos + 1;
        match bytes[self.pos] {
            NULL => Item::Null,
            FALSE => Item::Bool(false),
            TRUE => Item::Bool(true),
            F64 => {
                let mut raw = [0u8; 8];
                raw.copy_from_slice(&bytes[pos..pos + 8]);
                Item::F64(f64::from_le_bytes(raw))
            }
            UINT => Item::U64(record.varint_at(&mut pos)),
            // -1 - n with n ≤ i64::MAX (packed from an i64) fits.
            NEG_INT => Item::I64(-1 - (record.varint_at(&mut pos) as i64)),
            STR | STR_REF => Item::Str(record.str_at(&mut { self.pos })),
            SEQ => {
                pos += 4;
                let remaining = record.varint_at(&mut pos);
                Item::Seq(Seq { record, pos, remaining, unskipped: None })
            }
            MAP => {
                pos += 4;
                let remaining = record.varint_at(&mut pos);
                Item::Map(Map { record, pos, remaining, unskipped: None })
            }
            _ => unreachable!("record checked when parsed: known tags only"),
        }
    }

    pub fn is_null(&self) -> bool {
        self.record.bytes[self.pos] == NULL
    }

    pub fn as_str(&self) -> Option<&'a str> {
        match self.item() {
            Item::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<Map<'r, 'a>> {
        match self.item() {
            Item::Map(map) => Some(map),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<Seq<'r, 'a>> {
        match self.item() {
            Item::Seq(seq) => Some(seq),
            _ => None,
        }
    }

    /// The value of `key` when this is a map that has it.
    pub fn get(&self, key: &str) -> Option<Value<'r, 'a>> {
        self.as_map()?.find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// Writes the JSON serde_json writes for the value this was packed from (`serde_json::to_writer`).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        self.record.write_json_at(self.pos, out, false);
    }

    /// Writes the JSON of `serde_json::to_value(..)` of the value this was packed from: object keys sorted.
    pub fn write_json_sorted(&self, out: &mut Vec<u8>) {
        self.record.write_json_at(self.pos, out, true);
    }
}

/// Writes `entries` as one JSON object with sorted keys, each value rendered as [`Value::write_json_sorted`]
/// does: what `serde_json::Value::Object` of those entries prints. Of equal keys the last wins, as in a map.
pub fn write_entries_sorted(out: &mut Vec<u8>, entries: &mut [(&str, Value<'_, '_>)]) {
    write_sorted_object(out, entries);
}

/// [`write_entries_sorted`] for keys as strings or as the bytes of a checked record's strings (which compare
/// as their strings do).
fn write_sorted_object<K: AsRef<[u8]> + Ord>(out: &mut Vec<u8>, entries: &mut [(K, Value<'_, '_>)]) {
    // Stable: equal keys stay in the order they were written, and the last of them is kept.
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    out.push(b'{');
    let mut first = true;
    for (i, (key, value)) in entries.iter().enumerate() {
        if entries.get(i + 1).is_some_and(|next| next.0 == *key) {
            continue;
        }
        if !first {
            out.push(b',');
        }
        first = false;
        write_json_str_bytes(out, key.as_ref());
        out.push(b':');
        value.write_json_sorted(out);
    }
    out.push(b'}');
}

fn write_json_scalar(out: &mut Vec<u8>, item: Item<'_, '_>) {
    use serde::Serializer as _;
    if let Item::Str(s) = item
        && !needs_escape(s.as_bytes())
    {
        write_plain_json_str(out, s.as_bytes());
        return;
    }
    let mut json = serde_json::Serializer::new(&mut *out);
    // Writing to a Vec cannot fail.
    let written = match item {
        Item::Null => json.serialize_unit(),
        Item::Bool(b) => json.serialize_bool(b),
        Item::F64(x) => json.serialize_f64(x),
        Item::U64(n) => json.serialize_u64(n),
        Item::I64(n) => json.serialize_i64(n),
        Item::Str(s) => json.serialize_str(s),
        Item::Seq(_) | Item::Map(_) => unreachable!("containers are written by the callers"),
    };
    written.expect("JSON written to a Vec");
}

/// Whether JSON needs an escape in `text`: serde_json escapes exactly these bytes (controls, quote, backslash).
/// Most strings (ids, names, units) need none and are copied whole. The check has no early exit, so it runs a
/// vector at a time.
fn needs_escape(text: &[u8]) -> bool {
    text.iter().fold(false, |any, &b| any | (b < 0x20) | (b == b'"') | (b == b'\\'))
}

/// Writes `text`, which [`needs_escape`] found plain, as a JSON string.
fn write_plain_json_str(out: &mut Vec<u8>, text: &[u8]) {
    out.reserve(text.len() + 2);
    out.push(b'"');
    out.extend_from_slice(text);
    out.push(b'"');
}

impl<'r, 'a> Iterator for Seq<'r, 'a> {
    type Item = Value<'r, 'a>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(previous) = self.unskipped.take() {
            self.pos = self.record.skip(previous);
        }
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        self.unskipped = Some(self.pos);
        Some(Value { record: self.record, pos: self.pos })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = usize::try_from(self.remaining).unwrap_or(usize::MAX);
        (n, Some(n))
    }
}

impl ExactSizeIterator for Seq<'_, '_> {}

impl<'r, 'a> Iterator for Map<'r, 'a> {
    type Item = (&'a str, Value<'r, 'a>);

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(previous) = self.unskipped.take() {
            self.pos = self.record.skip(previous);
        }
        if self.remaining == 0 {
            return None;
        }
        self.remaining -= 1;
        let key = self.record.str_at(&mut self.pos);
        self.unskipped = Some(self.pos);
        Some((key, Value { record: self.record, pos: self.pos }))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = usize::try_from(self.remaining).unwrap_or(usize::MAX);
        (n, Some(n))
    }
}

impl ExactSizeIterator for Map<'_, '_> {}

// ---------------------------------------------------------------------------------------------------------------
// Unpacking

/// Unpacks a record made by [`Packer::pack`] of a `T`.
pub fn from_packed<'a, T: de::Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, PackError> {
    let record = Record::parse(bytes)?;
    T::deserialize(record.root())
}

impl<'de> de::Deserializer<'de> for Value<'_, 'de> {
    type Error = PackError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PackError> {
        match self.item() {
            Item::Null => visitor.visit_unit(),
            Item::Bool(b) => visitor.visit_bool(b),
            Item::F64(x) => visitor.visit_f64(x),
            Item::U64(n) => visitor.visit_u64(n),
            Item::I64(n) => visitor.visit_i64(n),
            Item::Str(s) => visitor.visit_borrowed_str(s),
            Item::Seq(seq) => {
                let mut access = SeqAccess(seq);
                let value = visitor.visit_seq(&mut access)?;
                match access.0.remaining {
                    0 => Ok(value),
                    n => Err(de::Error::invalid_length(n as usize, &"fewer elements")),
                }
            }
            Item::Map(map) => {
                let mut access = MapAccess { map, value: None };
                let value = visitor.visit_map(&mut access)?;
                match access.map.remaining {
                    0 => Ok(value),
                    n => Err(de::Error::invalid_length(n as usize, &"fewer entries")),
                }
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, PackError> {
        if self.is_null() { visitor.visit_none() } else { visitor.visit_some(self) }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, PackError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, PackError> {
        match self.item() {
            Item::Str(variant) => visitor.visit_enum(variant.into_deserializer()),
            Item::Map(mut map) if map.remaining == 1 => {
                let (variant, value) = map.next().ok_or_else(|| malformed("empty enum map"))?;
                visitor.visit_enum(EnumAccess { variant, value })
            }
            _ => Err(de::Error::custom("expected an enum variant (a string or a map of one entry)")),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

struct SeqAccess<'r, 'a>(Seq<'r, 'a>);

impl<'de> de::SeqAccess<'de> for SeqAccess<'_, 'de> {
    type Error = PackError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, PackError> {
        self.0.next().map(|value| seed.deserialize(value)).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        usize::try_from(self.0.remaining).ok()
    }
}

struct MapAccess<'r, 'a> {
    map: Map<'r, 'a>,
    value: Option<Value<'r, 'a>>,
}

impl<'de> de::MapAccess<'de> for MapAccess<'_, 'de> {
    type Error = PackError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, PackError> {
        match self.map.next() {
            Some((key, value)) => {
                self.value = Some(value);
                let key: de::value::BorrowedStrDeserializer<'de, PackError> =
                    de::value::BorrowedStrDeserializer::new(key);
                seed.deserialize(key).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, PackError> {
        let value = self.value.take().ok_or_else(|| malformed("map value asked before its key"))?;
        seed.deserialize(value)
    }

    fn size_hint(&self) -> Option<usize> {
        usize::try_from(self.map.remaining).ok()
    }
}

struct EnumAccess<'r, 'a> {
    variant: &'a str,
    value: Value<'r, 'a>,
}

impl<'r, 'de> de::EnumAccess<'de> for EnumAccess<'r, 'de> {
    type Error = PackError;
    type Variant = Value<'r, 'de>;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Value<'r, 'de>), PackError> {
        let variant: de::value::BorrowedStrDeserializer<'de, PackError> =
            de::value::BorrowedStrDeserializer::new(self.variant);
        Ok((seed.deserialize(variant)?, self.value))
    }
}

impl<'de> de::VariantAccess<'de> for Value<'_, 'de> {
    type Error = PackError;

    fn unit_variant(self) -> Result<(), PackError> {
        de::Deserialize::deserialize(self)
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, PackError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, PackError> {
        de::Deserializer::deserialize_any(self, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, PackError> {
        de::Deserializer::deserialize_any(self, visitor)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::{
        AllocationFactor, Classification, Dataset, Direction, EntityId, Exchange, ExchangeKind, Flow, FlowKind,
        LciaResult, ModuleAmount, Parameter, Process, PropertyValue, Reference, Uncertainty,
    };
    use std::collections::BTreeMap;

    /// A process with every field set, odd floats and strings that need escaping.
    pub(crate) fn full_process(id: &str) -> Process {
        let uncertainty = Uncertainty {
            distribution: "lognormal".into(),
            relative_sd95_percent: Some(12.5),
            minimum: Some(-0.0),
            maximum: Some(f64::MAX),
            parameters: BTreeMap::from([("mu".to_owned(), 0.1), ("variance".to_owned(), 1e-300)]),
        };
        let exchange = |i: usize| Exchange {
            internal_id: format!("ex-{i}"),
            flow: Reference { id: "flow\"quoted\"".into(), version: Some("01.00".into()), description: None },
            direction: Some(if i == 0 { Direction::Output } else { Direction::Input }),
            kind: Some(if i == 0 { ExchangeKind::Production } else { ExchangeKind::Technosphere }),
            is_reference: i == 0,
            amount: Some(0.1 + i as f64),
            mean_amount: if i == 1 { Some(f64::NAN) } else { None },
            unit: Some("kg".into()),
            formula: Some("a\tb\nc\\d\u{1}é".into()),
            uncertainty: Some(uncertainty.clone()),
            provider: Some(Reference::to("provider_id_long_enough")),
            location: Some("GLO".into()),
            data_derivation: None,
            comment: Some("comment".into()),
            modules: vec![ModuleAmount { module: "A1-A3".into(), scenario: None, amount: Some(1.5) }],
            properties: vec![PropertyValue {
                property: Reference::to("dry mass"),
                amount: Some(0.5),
                unit: Some("kg".into()),
                is_defining: true,
            }],
            metadata: BTreeMap::from([
                ("unit_id".to_owned(), "53411c8e-aab2-4c06-8fb6-5bc14bd7df20".to_owned()),
                ("b".to_owned(), String::new()),
            ]),
        };
        Process {
            id: EntityId::new(id, Some("01.00.000".into())),
            name: "process, with a name".into(),
            location: Some("FR".into()),
            process_type: None,
            reference_year: Some("2020".into()),
            classifications: vec![Classification { system: None, path: vec!["a".into(), "b".into()] }],
            description: Some("line 1\nline 2".into()),
            parameters: vec![Parameter {
                name: "p".into(),
                formula: None,
                value: Some(f64::INFINITY),
                comment: None,
                uncertainty: None,
            }],
            exchanges: (0..3).map(exchange).collect(),
            lcia_results: vec![LciaResult {
                method: Reference::to("gwp"),
                amount: Some(1e-7),
                unit_group: None,
                modules: Vec::new(),
                uncertainty: Some(uncertainty),
            }],
            allocation: vec![AllocationFactor { product: "ex-0".into(), method: None, fraction: 1.0 }],
            metadata: BTreeMap::from([("z".to_owned(), "last".to_owned()), ("a".to_owned(), "first".to_owned())]),
        }
    }

    #[test]
    fn round_trip_is_exact_and_shares_repeated_strings() {
        let process = full_process("p1");
        let mut packer = Packer::new();
        let bytes = packer.pack(&process).unwrap().to_vec();
        let back: Process = from_packed(&bytes).unwrap();
        // NaN != NaN: compare through the JSON, which writes NaN as null, and the bits of the NaN directly.
        assert_eq!(serde_json::to_string(&back).unwrap(), serde_json::to_string(&process).unwrap());
        assert!(back.exchanges[1].mean_amount.is_some_and(f64::is_nan));
        assert_eq!(back.exchanges[0].uncertainty.as_ref().unwrap().minimum.unwrap().to_bits(), (-0.0f64).to_bits());
        let json = serde_json::to_vec(&process).unwrap();
        assert!(bytes.len() * 3 < json.len() * 2, "packed {} bytes, JSON {}", bytes.len(), json.len());
    }

    #[test]
    fn json_renderings_equal_serde_json() {
        let process = full_process("p1");
        let bytes = Packer::new().pack(&process).unwrap().to_vec();
        let record = Record::parse(&bytes).unwrap();
        let mut json = Vec::new();
        record.root().write_json(&mut json);
        assert_eq!(String::from_utf8(json).unwrap(), serde_json::to_string(&process).unwrap());
        let mut sorted = Vec::new();
        record.root().write_json_sorted(&mut sorted);
        assert_eq!(String::from_utf8(sorted).unwrap(), serde_json::to_value(&process).unwrap().to_string());
    }

    #[test]
    fn sorted_json_is_what_serde_json_value_prints_with_the_last_of_repeated_keys() {
        // A map written with repeated, unordered and escaped keys, nested in a list and in an ordered map.
        struct Entries(Vec<(&'static str, serde_json::Value)>);
        impl Serialize for Entries {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut map = serializer.serialize_map(Some(self.0.len()))?;
                for (key, value) in &self.0 {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
        }
        let inner = Entries(vec![
            ("zeta", serde_json::json!(1)),
            ("a\"b", serde_json::json!("x\ny")),
            ("mid", serde_json::json!({"b": [1.5, null], "a": true})),
            ("zeta", serde_json::json!(2)),
            ("alpha", serde_json::json!(-3)),
            ("zeta", serde_json::json!(3)),
        ]);
        let value = (vec![&inner, &inner], BTreeMap::from([("k", &inner)]));
        let bytes = Packer::new().pack(&value).unwrap().to_vec();
        let mut sorted = Vec::new();
        Record::parse(&bytes).unwrap().root().write_json_sorted(&mut sorted);
        let expected =
            serde_json::json!({"zeta": 3, "a\"b": "x\ny", "mid": {"a": true, "b": [1.5, null]}, "alpha": -3});
        let expected = serde_json::json!([[expected, expected], {"k": expected}]).to_string();
        assert_eq!(String::from_utf8(sorted).unwrap(), expected);
    }

    #[test]
    fn every_control_character_is_escaped_as_serde_json_does() {
        let text: String = (0u8..=0x7f).map(char::from).chain("é€😀".chars()).collect();
        let bytes = Packer::new().pack(&text).unwrap().to_vec();
        let mut json = Vec::new();
        Record::parse(&bytes).unwrap().root().write_json(&mut json);
        assert_eq!(json, serde_json::to_vec(&text).unwrap());
    }

    #[test]
    fn other_serde_shapes_round_trip() {
        #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        enum Shape {
            Unit,
            Newtype(i64),
            Tuple(u8, String),
            Struct { x: Option<bool> },
        }
        let value = (
            vec![Shape::Unit, Shape::Newtype(-5), Shape::Tuple(7, "seven".into()), Shape::Struct { x: Some(false) }],
            BTreeMap::from([("key".to_owned(), 'c')]),
            (i64::MIN, u64::MAX, ()),
        );
        let bytes = Packer::new().pack(&value).unwrap().to_vec();
        let back: (Vec<Shape>, BTreeMap<String, char>, (i64, u64, ())) = from_packed(&bytes).unwrap();
        assert_eq!(back, value);
        let mut json = Vec::new();
        Record::parse(&bytes).unwrap().root().write_json(&mut json);
        assert_eq!(String::from_utf8(json).unwrap(), serde_json::to_string(&value).unwrap());
    }

    #[test]
    fn sequences_of_unknown_length_are_counted() {
        struct Unsized(Vec<u64>);
        impl Serialize for Unsized {
            fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use ser::SerializeSeq;
                let mut seq = serializer.serialize_seq(None)?;
                for n in &self.0 {
                    seq.serialize_element(n)?;
                }
                seq.end()
            }
        }
        let long: Vec<u64> = (0..300).collect();
        let bytes = Packer::new().pack(&Unsized(long.clone())).unwrap().to_vec();
        assert_eq!(from_packed::<Vec<u64>>(&bytes).unwrap(), long);
    }

    #[test]
    fn unsupported_and_malformed_input_are_errors() {
        assert_eq!(Packer::new().pack(&1.5f32).unwrap_err(), PackError::Unsupported("f32"));
        assert!(Packer::new().pack(&BTreeMap::from([(1u8, 2u8)])).is_err());
        let bytes = Packer::new().pack(&full_process("p")).unwrap().to_vec();
        for cut in [0, 1, bytes.len() / 2, bytes.len() - 1] {
            assert!(Record::parse(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        assert!(Record::parse(&[STR_REF, 0]).is_err());
        assert!(Record::parse(&[42]).is_err());
        assert!(Record::parse(&[STR, 2, 0xff, 0xfe]).is_err());
        assert!(Record::parse(&[NULL, NULL]).is_err());
        assert!(Record::parse(&[MAP, 3, 0, 0, 0, 1, UINT, 1, NULL]).is_err());
        // container lengths that do not match their values: too short, too long, past the end
        assert!(Record::parse(&[SEQ, 1, 0, 0, 0, 1, NULL, NULL]).is_err());
        assert!(Record::parse(&[SEQ, 3, 0, 0, 0, 1, NULL, NULL]).is_err());
        assert!(Record::parse(&[SEQ, 9, 0, 0, 0, 1, NULL]).is_err());
        assert!(Record::parse(&[SEQ, 2, 0, 0, 0, 1, NULL]).is_ok());
        let deep: Vec<u8> = std::iter::repeat_n([SEQ, 0, 0, 0, 0, 1], 1000).flatten().chain([NULL]).collect();
        assert!(Record::parse(&deep).is_err());
        assert!(from_packed::<Flow>(Packer::new().pack(&"text").unwrap()).is_err());
    }

    #[test]
    fn checked_records_read_as_parsed_ones_without_a_walk() {
        let process = full_process("p");
        let mut packer = Packer::new();
        let checked = packer.pack_checked(&process).unwrap();
        let parsed = Record::parse(checked.bytes()).unwrap();
        // The packer's places of shared strings are the ones a walk finds, except for the strings no reference
        // reaches, which it leaves out (a walk keeps them all).
        let rechecked = CheckedRecord::check(checked.bytes().into()).unwrap();
        assert_eq!(rechecked.shared.len(), checked.shared.len());
        let kept = |strings: &[&str]| -> usize {
            assert_eq!(strings.len(), parsed.strings.len());
            strings.iter().zip(&parsed.strings).filter(|(s, p)| s == p).count()
        };
        let record = checked.record();
        let n_kept = kept(&record.strings);
        assert!(0 < n_kept && n_kept < parsed.strings.len(), "{n_kept} of {}", parsed.strings.len());
        for (i, place) in checked.shared.iter().enumerate() {
            assert!(*place == rechecked.shared[i] || (*place == UNREFERENCED && record.strings[i].is_empty()));
        }
        assert_eq!(kept(&packer.pack_record(&process).unwrap().strings.clone()), n_kept);
        let mut json = Vec::new();
        checked.record().root().write_json(&mut json);
        assert_eq!(json, serde_json::to_vec(&process).unwrap());
        let back: Process = de::Deserialize::deserialize(checked.record().root()).unwrap();
        // (NaN amounts: compared as JSON)
        assert_eq!(serde_json::to_string(&back).unwrap(), serde_json::to_string(&process).unwrap());
        assert_eq!(checked.size(), checked.bytes().len() + 8 * checked.shared.len());
        assert!(CheckedRecord::check(vec![STR, 2, 0xff, 0xfe].into()).is_err());
    }

    #[test]
    fn whole_datasets_round_trip() {
        let dataset = Dataset {
            processes: vec![full_process("a"), full_process("b")],
            flows: vec![Flow {
                id: EntityId::new("f", None),
                name: "flow".into(),
                kind: Some(FlowKind::Elementary),
                ..Flow::default()
            }],
            ..Dataset::default()
        };
        let bytes = Packer::new().pack(&dataset).unwrap().to_vec();
        let back: Dataset = from_packed(&bytes).unwrap();
        assert_eq!(serde_json::to_string(&back).unwrap(), serde_json::to_string(&dataset).unwrap());
    }
}
