//! A small deterministic random generator (SplitMix64) and deterministic UUIDs, so a seed gives the same system
//! on every machine and every version of the dependencies.

use std::fmt;

/// SplitMix64: tiny, fast, good enough for shaping synthetic data (not for cryptography).
#[derive(Debug, Clone)]
pub struct Rng(u64);

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(mix(seed ^ 0x5eed_ec0e_f000_0000))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix(self.0)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [0, n) (0 when n is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next_u64() % n as u64) as usize }
    }

    pub fn range_f64(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.unit()
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// In [0, n), heavily skewed to small values (u³): the first tenth is drawn about half of the time.
    pub fn skewed(&mut self, n: usize) -> usize {
        let u = self.unit();
        ((u * u * u * n as f64) as usize).min(n.saturating_sub(1))
    }
}

/// A deterministic UUID (version-4 layout) derived from a seed, a kind tag and an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uid(pub u128);

impl Uid {
    pub fn derive(seed: u64, tag: u64, index: u64) -> Self {
        let high = mix(seed.wrapping_mul(0x100_0000_01b3) ^ mix(tag.wrapping_add(0x1234_5678)) ^ index);
        let low = mix(high ^ index.rotate_left(32) ^ tag);
        let mut value = (u128::from(high) << 64) | u128::from(low);
        value = (value & !(0xf << 76)) | (0x4 << 76); // version 4
        value = (value & !(0x3 << 62)) | (0x2 << 62); // RFC 4122 variant
        Uid(value)
    }
}

impl fmt::Display for Uid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        write!(
            f,
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            (v >> 96) as u32,
            (v >> 80) as u16,
            (v >> 64) as u16,
            (v >> 48) as u16,
            v & 0xffff_ffff_ffff
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_is_a_version_4_uuid() {
        let text = Uid::derive(1, 2, 3).to_string();
        assert_eq!(text.len(), 36);
        assert_eq!(text.as_bytes()[14], b'4');
        assert!(matches!(text.as_bytes()[19], b'8' | b'9' | b'a' | b'b'));
        assert_ne!(Uid::derive(1, 2, 3), Uid::derive(1, 2, 4));
    }
}
