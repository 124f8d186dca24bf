//! The feature hash: 64-bit keys from a template and its values.

const MUL: u64 = 0x9E37_79B9_7F4A_7C15;

/// Final avalanche of MurmurHash3, so that keys are uniformly spread.
fn fmix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// Incremental hash of a character sequence.
#[derive(Clone, Copy)]
pub(super) struct CharHash(u64);

impl CharHash {
    pub(super) fn new(seed: u64) -> CharHash {
        CharHash(seed.wrapping_mul(MUL))
    }
    pub(super) fn push(&mut self, c: char) {
        self.0 = (self.0.rotate_left(5) ^ c as u64).wrapping_mul(MUL);
    }
    pub(super) fn finish(self) -> u64 {
        fmix(self.0)
    }
}

/// Combines a template id with values into a feature key (never 0).
pub(super) fn key(template: u64, values: &[u64]) -> u64 {
    let mut h = template.wrapping_mul(MUL) ^ 0xA076_1D64_78BD_642F;
    for &v in values {
        h = (h.rotate_left(23) ^ v).wrapping_mul(MUL);
    }
    fmix(h) | 1
}
