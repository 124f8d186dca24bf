//! The feature table: keys hashed by open addressing to rows of one-byte
//! weight codes, and the codes' encoding.

use super::{Block, Linear, Transitions};
use crate::ner::labels::LABELS;

/// Bits of a slot that hold the row; the rest hold the key's fingerprint.
pub(super) const ROW_BITS: u32 = 24;
pub(super) const ROW_MASK: u64 = (1 << ROW_BITS) - 1;
/// Most passes a model can have.
pub(super) const MAX_PASSES: usize = 2;
/// Most features a scorer can hold.
pub(super) const MAX_ROWS: usize = 1 << ROW_BITS;

/// The key bits a slot keeps: the high ones (the table index uses the low
/// ones), with the top bit set so that no occupied slot is 0.
pub(super) fn fingerprint(key: u64) -> u64 {
    (key >> ROW_BITS) | 1 << (63 - ROW_BITS)
}

/// Decoded value of the largest weight code (127).
const CODE_UNIT: i32 = 127 * 127;

/// Integer value of a weight code: `sign * code^2` (branch-free, so that the
/// summing loops vectorise).
#[inline(always)]
pub(super) fn decode_weight(code: i8) -> i32 {
    // The product fits in an i16 (at most 127^2), and 16-bit lanes
    // vectorise on every x86-64.
    let c = code as i16;
    (c * c.abs()) as i32
}

/// The code of weight `w` for a scorer whose largest weight is `max`.
fn encode_weight(w: f32, max: f32) -> i8 {
    if max <= 0.0 || w == 0.0 {
        return 0;
    }
    let code = (127.0 * (w.abs() / max).sqrt()).round().min(127.0) as i8;
    if w < 0.0 {
        -code
    } else {
        code
    }
}

impl Linear {
    /// Builds a one-pass scorer from real-valued weights (`weights[row *
    /// LABELS + label]` for `keys[row]`), dropping features whose weights all
    /// round to zero.
    pub fn from_weights(keys: &[u64], weights: &[f32], transitions: Transitions) -> Linear {
        let max = weights.iter().fold(0f32, |m, w| m.max(w.abs()));
        let scale = if max > 0.0 {
            max / CODE_UNIT as f32
        } else {
            1.0
        };
        let mut rows: Vec<(u64, Vec<i8>)> = keys
            .iter()
            .enumerate()
            .filter_map(|(row, &key)| {
                let q: Vec<i8> = weights[row * LABELS..(row + 1) * LABELS]
                    .iter()
                    .map(|&w| encode_weight(w, max))
                    .collect();
                q.iter().any(|&w| w != 0).then_some((key, q))
            })
            .collect();
        rows.sort_unstable_by_key(|r| r.0);
        rows.dedup_by_key(|r| r.0);
        rows.truncate(MAX_ROWS);
        let keys: Vec<u64> = rows.iter().map(|r| r.0).collect();
        let weights: Vec<i8> = rows.into_iter().flat_map(|r| r.1).collect();
        Linear::assemble(keys, weights, vec![Block { scale, transitions }])
    }

    /// One scorer holding the passes of `first` and then those of `second`.
    pub(super) fn stack(first: &Linear, second: &Linear) -> Linear {
        let (wa, wb) = (first.width(), second.width());
        let mut keys: Vec<u64> = first.keys.iter().chain(&second.keys).copied().collect();
        keys.sort_unstable();
        keys.dedup();
        let mut weights = Vec::with_capacity(keys.len() * (wa + wb));
        for &key in &keys {
            for (scorer, width) in [(first, wa), (second, wb)] {
                match scorer.row(key) {
                    Some(row) => {
                        weights.extend_from_slice(&scorer.weights[row * width..(row + 1) * width])
                    }
                    None => weights.extend(std::iter::repeat_n(0, width)),
                }
            }
        }
        let blocks = first.blocks.iter().chain(&second.blocks).cloned().collect();
        Linear::assemble(keys, weights, blocks)
    }

    pub(super) fn assemble(keys: Vec<u64>, weights: Vec<i8>, blocks: Vec<Block>) -> Linear {
        // At most half full: most keys looked up at tagging time are not in
        // the table, and a linear-probing miss costs about (1 + 1/(1-load)^2)/2
        // probes (7 at three quarters full, under 2.5 at half).
        let capacity = (keys.len() * 2).next_power_of_two().max(16);
        let mask = capacity - 1;
        let mut slots = vec![0u64; capacity];
        for (row, &key) in keys.iter().enumerate() {
            let mut i = (key as usize) & mask;
            while slots[i] != 0 {
                i = (i + 1) & mask;
            }
            slots[i] = fingerprint(key) << ROW_BITS | row as u64;
        }
        Linear {
            slots,
            mask,
            keys,
            weights,
            blocks,
        }
    }

    /// Number of features with a non-zero weight.
    pub fn feature_count(&self) -> usize {
        self.keys.len()
    }

    /// Number of passes.
    pub fn passes(&self) -> usize {
        self.blocks.len()
    }

    /// Weights per feature: `LABELS` per pass.
    pub fn width(&self) -> usize {
        self.blocks.len() * LABELS
    }

    pub(super) fn row(&self, key: u64) -> Option<usize> {
        let first = (key as usize) & self.mask;
        let slot = self.slots[first];
        if slot == 0 {
            return None;
        }
        if slot >> ROW_BITS == fingerprint(key) {
            return Some((slot & ROW_MASK) as usize);
        }
        self.row_after(first, key)
    }

    /// The row of `key`, whose probe sequence is known not to end at slot
    /// `probed`.
    pub(super) fn row_after(&self, probed: usize, key: u64) -> Option<usize> {
        let wanted = fingerprint(key);
        let slots = &self.slots[..=self.mask];
        let mut i = (probed + 1) & self.mask;
        loop {
            let slot = slots[i];
            if slot == 0 {
                return None;
            }
            if slot >> ROW_BITS == wanted {
                return Some((slot & ROW_MASK) as usize);
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Emission scores of pass `pass` from its weight sums.
    pub fn scaled(&self, pass: usize, sums: &[i32]) -> [f32; LABELS] {
        let scale = self.blocks[pass].scale;
        let mut out = [0f32; LABELS];
        for (o, &s) in out.iter_mut().zip(sums) {
            *o = s as f32 * scale;
        }
        out
    }

    /// The transition scores of pass `pass`.
    pub fn transitions(&self, pass: usize) -> &Transitions {
        &self.blocks[pass].transitions
    }
}
