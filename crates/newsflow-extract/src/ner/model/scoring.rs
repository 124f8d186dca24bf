//! Summing the weights of every token's features: batched first probes and
//! fixed-width row sums, compiled for AVX2 where the CPU has it.

use super::table::{decode_weight, fingerprint, MAX_PASSES, ROW_BITS, ROW_MASK};
use super::Linear;
use crate::ner::features::FeatureBuffer;
use crate::ner::labels::LABELS;

/// Keys looked up together: more than a token has context keys, so that a
/// token's keys are fetched at once.
const KEYS_PER_LOOKUP: usize = 32;
/// First-probe outcomes besides a row (rows are below `MAX_ROWS`): the key
/// is not in the table, or its first slot holds another key and the probe
/// goes on.
const NO_ROW: u32 = u32::MAX;
const PROBE_ON: u32 = u32::MAX - 1;

impl Linear {
    /// Adds the weights of `keys` for passes `from_pass..` to `sums`
    /// (`LABELS` per pass, starting at `from_pass`).
    pub fn add_sums(&self, keys: &[u64], from_pass: usize, sums: &mut [i32]) {
        let width = self.width();
        let skip = from_pass * LABELS;
        for &key in keys {
            if let Some(row) = self.row(key) {
                let w = &self.weights[row * width + skip..(row + 1) * width];
                for (s, &w) in sums.iter_mut().zip(w) {
                    *s += decode_weight(w);
                }
            }
        }
    }

    /// [`Linear::add_sums`] for every token of `buffer` at once: `sums`
    /// holds `width()` values per token. Spelling-only keys are summed once
    /// per distinct spelling.
    pub fn add_all_sums(&self, buffer: &FeatureBuffer, from_pass: usize, sums: &mut [i32]) {
        let width = self.width();
        let skip = from_pass * LABELS;
        self.for_each_token_sums(buffer, from_pass, |i, token| {
            let start = i * width + skip;
            for (s, a) in sums[start..start + token.len()].iter_mut().zip(token) {
                *s += a;
            }
        });
    }

    /// The weight sums of every token of `buffer`, all passes (`width()`
    /// values per token), into `sums`; written rather than added, so that
    /// `sums` needs no zeroing first.
    pub fn all_sums(&self, buffer: &FeatureBuffer, sums: &mut Vec<i32>) {
        sums.clear();
        sums.reserve(buffer.len() * self.width());
        self.for_each_token_sums(buffer, 0, |_, token| sums.extend_from_slice(token));
    }

    /// Calls `each` with every token's index and weight sums for passes
    /// `from_pass..`, in token order.
    fn for_each_token_sums(
        &self,
        buffer: &FeatureBuffer,
        from_pass: usize,
        each: impl FnMut(usize, &[i32]),
    ) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, as just checked.
            unsafe { self.for_each_token_sums_avx2(buffer, from_pass, each) };
            return;
        }
        self.for_each_token_sums_portable(buffer, from_pass, each);
    }

    /// [`Linear::for_each_token_sums`] compiled for AVX2, whose 8-lane
    /// integer arithmetic sums a row of byte weights in a few instructions
    /// (the baseline x86-64 target has only 4 lanes and no byte widening).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn for_each_token_sums_avx2(
        &self,
        buffer: &FeatureBuffer,
        from_pass: usize,
        each: impl FnMut(usize, &[i32]),
    ) {
        self.for_each_token_sums_portable(buffer, from_pass, each);
    }

    /// [`Linear::for_each_token_sums`] for any CPU; inlined into the AVX2
    /// version.
    #[inline(always)]
    fn for_each_token_sums_portable(
        &self,
        buffer: &FeatureBuffer,
        from_pass: usize,
        each: impl FnMut(usize, &[i32]),
    ) {
        const BOTH: usize = MAX_PASSES * LABELS;
        // Row widths and offsets known at compile time let the loops over a
        // row vectorise and the row bounds be checked in two instructions:
        // what is summed of a row is one pass, of a one-pass or a two-pass
        // scorer, or both passes.
        match (self.passes(), from_pass) {
            (1, 0) => self.token_sums_fixed::<LABELS, 0, LABELS>(buffer, each),
            (2, 0) => self.token_sums_fixed::<BOTH, 0, BOTH>(buffer, each),
            (2, 1) => self.token_sums_fixed::<BOTH, LABELS, LABELS>(buffer, each),
            _ => {}
        }
    }

    /// [`Linear::for_each_token_sums`] for rows of `WIDTH` weights, of
    /// which the `N` from `SKIP` on are summed.
    #[inline(always)]
    fn token_sums_fixed<const WIDTH: usize, const SKIP: usize, const N: usize>(
        &self,
        buffer: &FeatureBuffer,
        mut each: impl FnMut(usize, &[i32]),
    ) {
        // A plain loop, not `collect`: a collecting function would not be
        // inlined, nor compiled for AVX2.
        let mut word_sums: Vec<[i32; N]> = Vec::with_capacity(buffer.words());
        for w in 0..buffer.words() {
            word_sums.push(self.key_sums::<WIDTH, SKIP, N>(buffer.word(w)));
        }
        let offsets = buffer.offsets();
        let keys = buffer.keys();
        for i in 0..buffer.len() {
            let mut sums = self.key_sums::<WIDTH, SKIP, N>(&keys[offsets[i]..offsets[i + 1]]);
            if let Some(&w) = buffer.word_of().get(i) {
                for (s, w) in sums.iter_mut().zip(word_sums[w as usize]) {
                    *s += w;
                }
            }
            each(i, &sums);
        }
    }

    /// The weight sums of `keys` ([`Linear::token_sums_fixed`]), a token's
    /// worth of keys at a time.
    #[inline(always)]
    fn key_sums<const WIDTH: usize, const SKIP: usize, const N: usize>(
        &self,
        keys: &[u64],
    ) -> [i32; N] {
        let mut sums = [0i32; N];
        let mut rows = [0u32; KEYS_PER_LOOKUP];
        for chunk in keys.chunks(KEYS_PER_LOOKUP) {
            let rows = &mut rows[..chunk.len()];
            self.first_probes(chunk, rows);
            // Summing a chunk into a fresh fixed-size local lets the compiler
            // keep it in vector registers.
            let mut local = [0i32; N];
            for (&row, &key) in rows.iter().zip(chunk) {
                let row = match row {
                    NO_ROW => continue,
                    PROBE_ON => match self.row_after((key as usize) & self.mask, key) {
                        Some(row) => row as u32,
                        None => continue,
                    },
                    row => row,
                };
                // From a u32 row the start cannot overflow: only the end is
                // checked.
                let start = row as usize * WIDTH + SKIP;
                let Some(w) = self.weights.get(start..start + N) else {
                    continue;
                };
                let Ok(w) = <&[i8; N]>::try_from(w) else {
                    continue;
                };
                for (l, &w) in local.iter_mut().zip(w) {
                    *l += decode_weight(w);
                }
            }
            for (s, l) in sums.iter_mut().zip(local) {
                *s += l;
            }
        }
        sums
    }

    /// What the first slot of each key's probe sequence says, into `rows`
    /// (as long as `keys`): the key's row, [`NO_ROW`], or [`PROBE_ON`].
    /// With no branch between the loads (the outcome is selected, not
    /// branched on), the memory system fetches the slots all at a time
    /// instead of waiting for each in turn.
    #[inline(always)]
    fn first_probes(&self, keys: &[u64], rows: &mut [u32]) {
        // Sliced to `mask + 1` slots, the table needs no bounds check per key.
        let slots = &self.slots[..=self.mask];
        for (row, &key) in rows.iter_mut().zip(keys) {
            let slot = slots[(key as usize) & self.mask];
            let other = if slot == 0 { NO_ROW } else { PROBE_ON };
            *row = if slot >> ROW_BITS == fingerprint(key) {
                (slot & ROW_MASK) as u32
            } else {
                other
            };
        }
    }
}
