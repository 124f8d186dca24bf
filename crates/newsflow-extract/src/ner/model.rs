//! The trained model: hashed feature weights, label transitions, decoding.
//!
//! File format (little endian), version 3:
//! `b"NFNER\0"`, u16 format version, u32 feature version, u32 label count L,
//! f32 confidence temperature, u8 number of passes P (1 or 2), then per pass
//! f32 weight scale and (L+2)*L f32 transition scores (rows: start, then
//! each previous label, then end), then u32 feature count N, N u64 keys
//! (sorted), N*P*L i8 weight codes (row by row).
//!
//! Weights are stored as one-byte codes on a square-root scale (fine steps
//! near zero, where most perceptron weights are, coarse ones for the few
//! large weights), decoded as `sign * code^2` into integers that are summed
//! exactly. One byte per weight keeps the table small enough to stay
//! in cache, which is what bounds tagging speed.

use super::features::FeatureBuffer;
use super::features::FEATURE_VERSION;
use super::labels::{self, LABELS};
use super::ModelError;

const MAGIC: &[u8; 6] = b"NFNER\0";
const FORMAT_VERSION: u16 = 4;

/// Bits of a slot that hold the row; the rest hold the key's fingerprint.
const ROW_BITS: u32 = 24;
const ROW_MASK: u64 = (1 << ROW_BITS) - 1;
/// Most passes a model can have.
const MAX_PASSES: usize = 2;
/// Most features a scorer can hold.
const MAX_ROWS: usize = 1 << ROW_BITS;
/// Keys looked up together: more than a token has context keys, so that a
/// token's keys are fetched at once.
const KEYS_PER_LOOKUP: usize = 32;
/// First-probe outcomes besides a row (rows are below `MAX_ROWS`): the key
/// is not in the table, or its first slot holds another key and the probe
/// goes on.
const NO_ROW: u32 = u32::MAX;
const PROBE_ON: u32 = u32::MAX - 1;

/// The key bits a slot keeps: the high ones (the table index uses the low
/// ones), with the top bit set so that no occupied slot is 0.
fn fingerprint(key: u64) -> u64 {
    (key >> ROW_BITS) | 1 << (63 - ROW_BITS)
}

/// Decoded value of the largest weight code (127).
const CODE_UNIT: i32 = 127 * 127;

/// Integer value of a weight code: `sign * code^2` (branch-free, so that the
/// summing loops vectorise).
#[inline(always)]
fn decode_weight(code: i8) -> i32 {
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

/// Transition scores: from sentence start, between labels, to sentence end.
#[derive(Clone)]
pub struct Transitions {
    /// Score of starting a sentence with each label.
    pub start: [f32; LABELS],
    /// `between[from][to]`.
    pub between: [[f32; LABELS]; LABELS],
    /// Score of ending a sentence with each label.
    pub end: [f32; LABELS],
}

impl Transitions {
    /// Zero scores everywhere.
    pub fn zero() -> Transitions {
        Transitions {
            start: [0.0; LABELS],
            between: [[0.0; LABELS]; LABELS],
            end: [0.0; LABELS],
        }
    }
}

/// The weights of one tagging pass that are not per feature.
#[derive(Clone)]
struct Block {
    /// Real weight of one unit of the decoded integer weights.
    scale: f32,
    transitions: Transitions,
}

/// Linear scorers for one or more tagging passes sharing one feature table:
/// each key's row holds `LABELS` quantised weights per pass, so that a token's
/// features are looked up once for all passes.
pub struct Linear {
    /// Open-addressing table of `fingerprint << ROW_BITS | row`; 0 marks an
    /// empty slot. Eight bytes a slot keep the table compact.
    slots: Vec<u64>,
    mask: usize,
    /// Sorted keys, in row order (kept for saving).
    keys: Vec<u64>,
    /// `keys.len()` rows of `width()` weight codes.
    weights: Vec<i8>,
    blocks: Vec<Block>,
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
    fn stack(first: &Linear, second: &Linear) -> Linear {
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

    fn assemble(keys: Vec<u64>, weights: Vec<i8>, blocks: Vec<Block>) -> Linear {
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

    fn row(&self, key: u64) -> Option<usize> {
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
    fn row_after(&self, probed: usize, key: u64) -> Option<usize> {
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

    fn write(&self, out: &mut Vec<u8>) {
        out.push(self.blocks.len() as u8);
        for block in &self.blocks {
            out.extend_from_slice(&block.scale.to_le_bytes());
            let t = &block.transitions;
            for row in std::iter::once(&t.start)
                .chain(t.between.iter())
                .chain(std::iter::once(&t.end))
            {
                for v in row {
                    out.extend_from_slice(&v.to_le_bytes());
                }
            }
        }
        out.extend_from_slice(&(self.keys.len() as u32).to_le_bytes());
        for k in &self.keys {
            out.extend_from_slice(&k.to_le_bytes());
        }
        out.extend(self.weights.iter().map(|&w| w as u8));
    }

    fn read(r: &mut Reader<'_>) -> Result<Linear, ModelError> {
        let passes = r.array::<1>()?[0] as usize;
        if !(1..=MAX_PASSES).contains(&passes) {
            return Err(ModelError::new("model has an invalid number of passes"));
        }
        let mut blocks = Vec::with_capacity(passes);
        for _ in 0..passes {
            let scale = f32::from_le_bytes(r.array()?);
            if !(scale.is_finite() && scale > 0.0) {
                return Err(ModelError::new("model has an invalid scale"));
            }
            let mut transitions = Transitions::zero();
            let mut read_row = |row: &mut [f32; LABELS]| -> Result<(), ModelError> {
                for v in row.iter_mut() {
                    *v = f32::from_le_bytes(r.array()?);
                    if !v.is_finite() {
                        return Err(ModelError::new("model has an invalid transition score"));
                    }
                }
                Ok(())
            };
            read_row(&mut transitions.start)?;
            for row in transitions.between.iter_mut() {
                read_row(row)?;
            }
            read_row(&mut transitions.end)?;
            blocks.push(Block { scale, transitions });
        }
        let n = u32::from_le_bytes(r.array()?) as usize;
        let key_bytes = r.take(n.checked_mul(8).ok_or_else(truncated)?)?;
        let keys: Vec<u64> = key_bytes
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default()))
            .collect();
        if keys.contains(&0) || keys.windows(2).any(|w| w[0] >= w[1]) {
            return Err(ModelError::new("model keys are corrupt"));
        }
        if n > MAX_ROWS {
            return Err(ModelError::new("model has too many features"));
        }
        let width = passes * LABELS;
        let weight_bytes = r.take(n.checked_mul(width).ok_or_else(truncated)?)?;
        let weights: Vec<i8> = weight_bytes.iter().map(|&b| b as i8).collect();
        Ok(Linear::assemble(keys, weights, blocks))
    }
}

/// A trained tagging model: a first pass over local features and,
/// optionally, a second pass that also sees document-level features derived
/// from the first pass's labels; plus the confidence temperature.
pub struct Model {
    linear: Linear,
    /// Softmax temperature for confidences, calibrated on dev data.
    temperature: f32,
    /// Transition potentials of the last pass at that temperature.
    edges: [[f64; LABELS]; LABELS],
}

impl Model {
    /// A model from its passes.
    pub fn new(first: Linear, second: Option<Linear>, temperature: f32) -> Model {
        let linear = match second {
            Some(second) => Linear::stack(&first, &second),
            None => first,
        };
        Model::with_linear(linear, temperature)
    }

    fn with_linear(linear: Linear, temperature: f32) -> Model {
        let mut model = Model {
            linear,
            temperature,
            edges: [[0.0; LABELS]; LABELS],
        };
        model.set_temperature(temperature);
        model
    }

    /// The scorers of all passes.
    pub fn linear(&self) -> &Linear {
        &self.linear
    }

    /// Number of features with a non-zero weight.
    pub fn feature_count(&self) -> usize {
        self.linear.feature_count()
    }

    /// The confidence temperature.
    pub fn temperature(&self) -> f32 {
        self.temperature
    }

    /// Sets the confidence temperature.
    pub fn set_temperature(&mut self, temperature: f32) {
        self.temperature = temperature;
        let last = self.linear.passes() - 1;
        let transitions = self.linear.transitions(last);
        let inv_t = 1.0 / temperature.max(1e-6) as f64;
        for (from, row) in self.edges.iter_mut().enumerate() {
            for (to, v) in row.iter_mut().enumerate() {
                *v = if ALLOWED.between[from][to] {
                    potential(transitions.between[from][to] as f64 * inv_t)
                } else {
                    0.0
                };
            }
        }
    }

    /// Transition potentials of the last pass at the current temperature,
    /// used to compute span confidences.
    pub fn edge_potentials(&self) -> &[[f64; LABELS]; LABELS] {
        &self.edges
    }

    /// Serialises the model.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&FEATURE_VERSION.to_le_bytes());
        out.extend_from_slice(&(LABELS as u32).to_le_bytes());
        out.extend_from_slice(&self.temperature.to_le_bytes());
        self.linear.write(&mut out);
        out
    }

    /// Reads a model written by [`Model::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, ModelError> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(MAGIC.len())? != MAGIC {
            return Err(ModelError::new("not a newsflow entity model"));
        }
        let format = u16::from_le_bytes(r.array()?);
        if format != FORMAT_VERSION {
            return Err(ModelError::new(format!(
                "model format {format}, expected {FORMAT_VERSION}"
            )));
        }
        let features = u32::from_le_bytes(r.array()?);
        if features != FEATURE_VERSION {
            return Err(ModelError::new(format!(
                "model made for feature set {features}, this build has {FEATURE_VERSION}: retrain"
            )));
        }
        if u32::from_le_bytes(r.array()?) as usize != LABELS {
            return Err(ModelError::new("model has another label set"));
        }
        let temperature = f32::from_le_bytes(r.array()?);
        if !(temperature.is_finite() && temperature > 0.0) {
            return Err(ModelError::new("model has an invalid temperature"));
        }
        let linear = Linear::read(&mut r)?;
        if r.at != bytes.len() {
            return Err(ModelError::new("trailing bytes after the model"));
        }
        Ok(Model::with_linear(linear, temperature))
    }
}

/// `exp(score)`, clamped so that scaled forward-backward never divides by
/// zero nor overflows.
#[inline(always)]
fn potential(score: f64) -> f64 {
    score.clamp(-60.0, 60.0).exp()
}

fn truncated() -> ModelError {
    ModelError::new("model file is truncated")
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], ModelError> {
        let end = self.at.checked_add(n).ok_or_else(truncated)?;
        let slice = self.bytes.get(self.at..end).ok_or_else(truncated)?;
        self.at = end;
        Ok(slice)
    }
    fn array<const N: usize>(&mut self) -> Result<[u8; N], ModelError> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
}

/// Viterbi decoding over allowed BILOU transitions.
///
/// `emissions[t]` are token `t`'s label scores; returns the best labels.
pub fn viterbi(emissions: &[[f32; LABELS]], transitions: &Transitions) -> Vec<u8> {
    let mut path = vec![0u8; emissions.len()];
    viterbi_into(emissions, transitions, &mut Vec::new(), &mut path);
    path
}

/// [`viterbi`] writing the labels into `path` (as long as `emissions`),
/// with `back` as reusable scratch space.
pub fn viterbi_into(
    emissions: &[[f32; LABELS]],
    transitions: &Transitions,
    back: &mut Vec<[u8; LABELS]>,
    path: &mut [u8],
) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, as just checked.
        unsafe { viterbi_avx2(emissions, transitions, back, path) };
        return;
    }
    viterbi_portable(
        emissions,
        transitions,
        back,
        path,
        best_closed_steps_portable,
    );
}

/// [`viterbi_into`] compiled for AVX2 (eight score lanes a step instead of
/// four).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn viterbi_avx2(
    emissions: &[[f32; LABELS]],
    transitions: &Transitions,
    back: &mut Vec<[u8; LABELS]>,
    path: &mut [u8],
) {
    viterbi_portable(emissions, transitions, back, path, |closed, block| {
        best_closed_steps_avx2(closed, block)
    });
}

/// [`viterbi_into`] for any CPU; inlined into the AVX2 version, each with
/// its own `best_closed_steps`.
#[inline(always)]
fn viterbi_portable(
    emissions: &[[f32; LABELS]],
    transitions: &Transitions,
    back: &mut Vec<[u8; LABELS]>,
    path: &mut [u8],
    best_closed_steps: impl Fn(&[f32; CLOSED.len()], &ClosedBlock) -> ClosedSteps,
) {
    let n = emissions.len().min(path.len());
    if n == 0 {
        return;
    }
    back.clear();
    back.resize(n, [0u8; LABELS]);
    let mut score = [f32::NEG_INFINITY; LABELS];
    for (y, s) in score.iter_mut().enumerate() {
        if labels::allowed(None, y as u8) {
            *s = transitions.start[y] + emissions[0][y];
        }
    }
    // BILOU leaves two kinds of step: a closed label (O, L, U) may be
    // followed by O, B or U of any type, and B or I of a type only by I or
    // L of that type. Gathering the first kind's scores into a dense 9x9
    // block makes the inner loops short, fixed and branch-light.
    let mut closed_to_opening = [[f32::NEG_INFINITY; OPENING_LANES]; CLOSED.len()];
    for (row, &from) in closed_to_opening.iter_mut().zip(&CLOSED) {
        for (v, &to) in row.iter_mut().zip(&OPENING) {
            *v = transitions.between[from][to];
        }
    }
    for (e, b) in emissions[1..n].iter().zip(&mut back[1..]) {
        let mut next = [f32::NEG_INFINITY; LABELS];
        let mut closed = [0f32; CLOSED.len()];
        for (c, &from) in closed.iter_mut().zip(&CLOSED) {
            *c = score[from];
        }
        let (best, arg) = best_closed_steps(&closed, &closed_to_opening);
        for (j, &to) in OPENING.iter().enumerate() {
            next[to] = best[j] + e[to];
            b[to] = arg[j] as u8;
        }
        for kind in 0..TYPES {
            let (begin, inside) = (1 + 4 * kind, 2 + 4 * kind);
            for to in [inside, inside + 1] {
                let from_begin = score[begin] + transitions.between[begin][to];
                let from_inside = score[inside] + transitions.between[inside][to];
                let (v, from) = if from_inside > from_begin {
                    (from_inside, inside)
                } else {
                    (from_begin, begin)
                };
                next[to] = v + e[to];
                b[to] = from as u8;
            }
        }
        score = next;
    }
    let mut last = 0u8;
    let mut best = f32::NEG_INFINITY;
    for (y, &s) in score.iter().enumerate() {
        if labels::may_end(y as u8) && s + transitions.end[y] > best {
            best = s + transitions.end[y];
            last = y as u8;
        }
    }
    path[n - 1] = last;
    for t in (1..n).rev() {
        path[t - 1] = back[t][path[t] as usize];
    }
}

/// Transition scores from each closed label (rows) to each opening one,
/// padded to whole vectors with scores that never win.
type ClosedBlock = [[f32; OPENING_LANES]; CLOSED.len()];

/// The best score of reaching each opening label from a closed one, and
/// that closed label (as wide as the scores, so that both are selected lane
/// by lane).
type ClosedSteps = ([f32; OPENING_LANES], [u32; OPENING_LANES]);

/// The best closed predecessor of each opening label, from the closed
/// labels' scores: a few vector operations a row.
#[inline(always)]
fn best_closed_steps(closed: &[f32; CLOSED.len()], block: &ClosedBlock) -> ClosedSteps {
    let mut best = [f32::NEG_INFINITY; OPENING_LANES];
    let mut arg = [CLOSED[0] as u32; OPENING_LANES];
    // Froms in increasing order with a strict comparison: ties go to the
    // lowest label, as a plain scan would.
    for (row, (&s, &from)) in block.iter().zip(closed.iter().zip(&CLOSED)) {
        for j in 0..OPENING_LANES {
            let v = s + row[j];
            let better = v > best[j];
            best[j] = if better { v } else { best[j] };
            arg[j] = if better { from as u32 } else { arg[j] };
        }
    }
    (best, arg)
}

// The step is kept out of line: inlined into the Viterbi loop, the compiler
// vectorises it across rows, with lane shuffles, for about three times the
// instructions.

/// [`best_closed_steps`] for any CPU.
#[inline(never)]
fn best_closed_steps_portable(closed: &[f32; CLOSED.len()], block: &ClosedBlock) -> ClosedSteps {
    best_closed_steps(closed, block)
}

/// [`best_closed_steps`] compiled for AVX2 (a row is two vectors).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline(never)]
fn best_closed_steps_avx2(closed: &[f32; CLOSED.len()], block: &ClosedBlock) -> ClosedSteps {
    best_closed_steps(closed, block)
}

/// Number of entity types.
const TYPES: usize = (LABELS - 1) / 4;
/// Labels that close an entity or are outside one (O, L, U): any O, B or U
/// may follow them.
const CLOSED: [usize; 9] = [0, 3, 4, 7, 8, 11, 12, 15, 16];
/// Labels that may follow a closed one (O, B, U).
const OPENING: [usize; 9] = [0, 1, 4, 5, 8, 9, 12, 13, 16];
/// `OPENING.len()` rounded up to whole vectors of eight f32 lanes.
const OPENING_LANES: usize = 16;
/// `OPENING.len()` and `CLOSED.len()` rounded up to whole vectors of four
/// f64 lanes.
const OPENING_LANES_F64: usize = 12;
const CLOSED_LANES_F64: usize = 12;

/// Reusable buffers of [`span_confidences`]: scores, forward and backward
/// probabilities and scales of every token of a sentence.
#[derive(Default)]
pub struct Lattice {
    emit: Vec<[f64; LABELS]>,
    alpha: Vec<[f64; LABELS]>,
    beta: Vec<[f64; LABELS]>,
    scale: Vec<f64>,
}

/// Which transitions BILOU allows, precomputed.
struct Allowed {
    between: [[bool; LABELS]; LABELS],
}

const ALLOWED: Allowed = {
    let mut between = [[false; LABELS]; LABELS];
    let mut from = 0;
    while from < LABELS {
        let mut to = 0;
        while to < LABELS {
            between[from][to] = allowed_const(from, to);
            to += 1;
        }
        from += 1;
    }
    Allowed { between }
};

/// `labels::allowed` for const evaluation: label `1 + 4*type + part`, parts B I L U.
const fn allowed_const(from: usize, to: usize) -> bool {
    let open = from != 0 && matches!((from - 1) % 4, 0 | 1);
    let continues = to != 0 && matches!((to - 1) % 4, 1 | 2);
    if open {
        continues && (from - 1) / 4 == (to - 1) / 4
    } else {
        !continues
    }
}

/// Per-span confidences: the probability, under a softmax of the model's
/// scores (scaled by the temperature), that the span's exact label sequence
/// `path[start..end]` is right, computed by scaled forward-backward.
/// `edges` are the transition potentials ([`Model::edge_potentials`]).
pub fn span_confidences(
    lattice: &mut Lattice,
    emissions: &[[f32; LABELS]],
    transitions: &Transitions,
    edges: &[[f64; LABELS]; LABELS],
    temperature: f32,
    path: &[u8],
    spans: &[labels::TokenSpan],
) -> Vec<f64> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, as just checked.
        return unsafe {
            span_confidences_avx2(
                lattice,
                emissions,
                transitions,
                edges,
                temperature,
                path,
                spans,
            )
        };
    }
    span_confidences_portable(
        lattice,
        emissions,
        transitions,
        edges,
        temperature,
        path,
        spans,
    )
}

/// [`span_confidences`] compiled for AVX2 (four f64 lanes instead of two).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn span_confidences_avx2(
    lattice: &mut Lattice,
    emissions: &[[f32; LABELS]],
    transitions: &Transitions,
    edges: &[[f64; LABELS]; LABELS],
    temperature: f32,
    path: &[u8],
    spans: &[labels::TokenSpan],
) -> Vec<f64> {
    span_confidences_portable(
        lattice,
        emissions,
        transitions,
        edges,
        temperature,
        path,
        spans,
    )
}

/// [`span_confidences`] for any CPU; inlined into the AVX2 version.
#[inline(always)]
fn span_confidences_portable(
    lattice: &mut Lattice,
    emissions: &[[f32; LABELS]],
    transitions: &Transitions,
    edges: &[[f64; LABELS]; LABELS],
    temperature: f32,
    path: &[u8],
    spans: &[labels::TokenSpan],
) -> Vec<f64> {
    let n = emissions.len();
    if n == 0 || spans.is_empty() {
        return vec![0.0; spans.len()];
    }
    let inv_t = 1.0 / temperature.max(1e-6) as f64;
    let Lattice {
        emit,
        alpha,
        beta,
        scale,
    } = lattice;
    emit.clear();
    emit.reserve(n);
    // A plain loop, not `extend` with a closure: the iterator's fold would
    // not be inlined here, nor compiled for AVX2.
    for e in emissions {
        // Scores relative to the token's best are at most 0: the
        // single-precision exponential (half the cost) neither overflows
        // nor, clamped as in `potential`, underflows.
        let max = e.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v));
        let inv_t = inv_t as f32;
        let mut out = [0f64; LABELS];
        for (o, &v) in out.iter_mut().zip(e) {
            *o = ((v - max) * inv_t).max(-60.0).exp() as f64;
        }
        emit.push(out);
    }
    alpha.clear();
    alpha.resize(n, [0f64; LABELS]);
    scale.clear();
    scale.resize(n, 1f64);
    for y in 0..LABELS {
        if labels::allowed(None, y as u8) {
            alpha[0][y] = potential(transitions.start[y] as f64 * inv_t) * emit[0][y];
        }
    }
    normalise(&mut alpha[0], &mut scale[0]);
    // The same split of BILOU steps as in `viterbi_into`, padded to whole
    // vectors with zero potentials; backwards, the block is transposed so
    // that each closed label's sum is a vector lane and adds its terms in
    // the same order as a sum over a row would.
    let mut closed_to_opening = [[0f64; OPENING_LANES_F64]; CLOSED.len()];
    let mut opening_to_closed = [[0f64; CLOSED_LANES_F64]; OPENING.len()];
    for (f, &from) in CLOSED.iter().enumerate() {
        for (j, &to) in OPENING.iter().enumerate() {
            closed_to_opening[f][j] = edges[from][to];
            opening_to_closed[j][f] = edges[from][to];
        }
    }
    for t in 1..n {
        let prev = alpha[t - 1];
        let mut sums = [0f64; OPENING_LANES_F64];
        for (row, &from) in closed_to_opening.iter().zip(&CLOSED) {
            let a = prev[from];
            for j in 0..OPENING_LANES_F64 {
                sums[j] += a * row[j];
            }
        }
        let mut next = [0f64; LABELS];
        for (j, &to) in OPENING.iter().enumerate() {
            next[to] = sums[j] * emit[t][to];
        }
        for kind in 0..TYPES {
            let (begin, inside) = (1 + 4 * kind, 2 + 4 * kind);
            for to in [inside, inside + 1] {
                let sum = prev[begin] * edges[begin][to] + prev[inside] * edges[inside][to];
                next[to] = sum * emit[t][to];
            }
        }
        normalise(&mut next, &mut scale[t]);
        alpha[t] = next;
    }
    beta.clear();
    beta.resize(n, [0f64; LABELS]);
    let mut end_total = 0.0;
    for y in 0..LABELS {
        if labels::may_end(y as u8) {
            beta[n - 1][y] = potential(transitions.end[y] as f64 * inv_t);
            end_total += alpha[n - 1][y] * beta[n - 1][y];
        }
    }
    if end_total <= 0.0 || !end_total.is_finite() {
        return vec![0.0; spans.len()];
    }
    for b in beta[n - 1].iter_mut() {
        *b /= end_total;
    }
    for t in (0..n - 1).rev() {
        let mut weighted = [0f64; LABELS];
        for (w, (e, b)) in weighted
            .iter_mut()
            .zip(emit[t + 1].iter().zip(&beta[t + 1]))
        {
            *w = e * b;
        }
        let mut cur = [0f64; LABELS];
        let mut sums = [0f64; CLOSED_LANES_F64];
        for (column, &to) in opening_to_closed.iter().zip(&OPENING) {
            let w = weighted[to];
            for f in 0..CLOSED_LANES_F64 {
                sums[f] += column[f] * w;
            }
        }
        for (&sum, &from) in sums.iter().zip(&CLOSED) {
            cur[from] = sum;
        }
        for kind in 0..TYPES {
            let (begin, inside) = (1 + 4 * kind, 2 + 4 * kind);
            for from in [begin, inside] {
                cur[from] = edges[from][inside] * weighted[inside]
                    + edges[from][inside + 1] * weighted[inside + 1];
            }
        }
        for c in cur.iter_mut() {
            *c /= scale[t + 1];
        }
        beta[t] = cur;
    }
    spans
        .iter()
        .map(|s| {
            let mut p = alpha[s.start][path[s.start] as usize];
            for t in s.start + 1..s.end {
                let (from, to) = (path[t - 1] as usize, path[t] as usize);
                p *= edges[from][to] * emit[t][to] / scale[t];
            }
            p *= beta[s.end - 1][path[s.end - 1] as usize];
            if p.is_finite() {
                p.clamp(0.0, 1.0)
            } else {
                0.0
            }
        })
        .collect()
}

#[inline(always)]
fn normalise(v: &mut [f64; LABELS], scale: &mut f64) {
    let sum: f64 = v.iter().sum();
    if sum > 0.0 && sum.is_finite() {
        for x in v.iter_mut() {
            *x /= sum;
        }
        *scale = sum;
    } else {
        *scale = 1.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EntityType;

    #[test]
    fn const_table_matches_labels() {
        for from in 0..LABELS {
            for to in 0..LABELS {
                assert_eq!(
                    ALLOWED.between[from][to],
                    labels::allowed(Some(from as u8), to as u8)
                );
            }
        }
        for from in 0..LABELS {
            for to in 0..LABELS {
                let closed_step = CLOSED.contains(&from) && OPENING.contains(&to);
                let same_type = from != 0 && to != 0 && (from - 1) / 4 == (to - 1) / 4;
                let open_step = !CLOSED.contains(&from) && !OPENING.contains(&to) && same_type;
                assert_eq!(ALLOWED.between[from][to], closed_step || open_step);
            }
        }
    }

    /// Viterbi by brute force over every allowed transition.
    fn naive_viterbi(emissions: &[[f32; LABELS]], t: &Transitions) -> Vec<u8> {
        let n = emissions.len();
        let mut score = [f32::NEG_INFINITY; LABELS];
        for y in 0..LABELS {
            if labels::allowed(None, y as u8) {
                score[y] = t.start[y] + emissions[0][y];
            }
        }
        let mut back = vec![[0usize; LABELS]; n];
        for i in 1..n {
            let mut next = [f32::NEG_INFINITY; LABELS];
            for y in 0..LABELS {
                let mut best = (f32::NEG_INFINITY, usize::MAX);
                for (from, &s) in score.iter().enumerate() {
                    let v = s + t.between[from][y];
                    if ALLOWED.between[from][y] && (best.1 == usize::MAX || v > best.0) {
                        best = (v, from);
                    }
                }
                next[y] = best.0 + emissions[i][y];
                back[i][y] = best.1;
            }
            score = next;
        }
        let mut last = 0;
        for y in 0..LABELS {
            if labels::may_end(y as u8) && score[y] + t.end[y] > score[last] + t.end[last] {
                last = y;
            }
        }
        let mut path = vec![last as u8; n];
        for i in (1..n).rev() {
            path[i - 1] = back[i][path[i] as usize] as u8;
        }
        path
    }

    #[test]
    fn viterbi_matches_brute_force() {
        // A fixed pseudo-random sequence (xorshift) of scores.
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % 2001) as f32 / 100.0 - 10.0
        };
        for len in 1..40 {
            let mut t = Transitions::zero();
            for y in 0..LABELS {
                t.start[y] = next();
                t.end[y] = next();
                for to in 0..LABELS {
                    t.between[y][to] = next();
                }
            }
            let emissions: Vec<[f32; LABELS]> =
                (0..len).map(|_| std::array::from_fn(|_| next())).collect();
            let naive = naive_viterbi(&emissions, &t);
            assert_eq!(viterbi(&emissions, &t), naive);
            // The path for CPUs without AVX2 too.
            let mut portable = vec![0u8; len];
            viterbi_portable(
                &emissions,
                &t,
                &mut Vec::new(),
                &mut portable,
                best_closed_steps_portable,
            );
            assert_eq!(portable, naive);
        }
    }

    #[test]
    fn viterbi_follows_strong_emissions_and_confidence_is_a_probability() {
        let b = labels::label(EntityType::Person, labels::Part::Begin) as usize;
        let l = labels::label(EntityType::Person, labels::Part::Last) as usize;
        let mut emissions = vec![[0f32; LABELS]; 3];
        emissions[0][b] = 5.0;
        emissions[1][l] = 5.0;
        emissions[2][0] = 5.0;
        let t = Transitions::zero();
        let model = Model::new(Linear::from_weights(&[], &[], t.clone()), None, 1.0);
        let edges = model.edge_potentials();
        let path = viterbi(&emissions, &t);
        assert_eq!(path, vec![b as u8, l as u8, 0]);
        let spans = labels::decode(&path);
        let strong = span_confidences(
            &mut Lattice::default(),
            &emissions,
            &t,
            edges,
            1.0,
            &path,
            &spans,
        )[0];
        assert!(strong > 0.5 && strong <= 1.0, "{strong}");
        emissions[1][l] = 1.0;
        let path = viterbi(&emissions, &t);
        let spans = labels::decode(&path);
        let weak = span_confidences(
            &mut Lattice::default(),
            &emissions,
            &t,
            edges,
            1.0,
            &path,
            &spans,
        )[0];
        assert!(weak < strong, "{weak} < {strong}");
    }

    #[test]
    fn round_trip_and_corrupt_input() {
        // Real keys are well-mixed hashes; the slot keeps only their high bits.
        let keys = [
            0x3A5F_19C2_77E0_4B13u64,
            0x9D04_6E2B_C1F8_A357,
            0xE7B2_0C94_5D6A_18F9,
        ];
        let mut weights = vec![0f32; 3 * LABELS];
        weights[1] = 2.0;
        weights[LABELS + 5] = -1.5;
        // The third feature has all-zero weights and is dropped.
        let first = Linear::from_weights(&keys, &weights, Transitions::zero());
        let second = Linear::from_weights(&keys[..1], &weights[..LABELS], Transitions::zero());
        let model = Model::new(first, Some(second), 2.0);
        // Keys 3 and 7 are stacked: one row each, with both passes' weights.
        assert_eq!(model.feature_count(), 2);
        let bytes = model.to_bytes();
        let back = Model::from_bytes(&bytes).unwrap();
        assert_eq!(back.linear().passes(), 2);
        let mut sums = vec![0i32; 2 * LABELS];
        back.linear()
            .add_sums(&[keys[0], keys[1], 0x5C1E_8F30_B9D2_47A3], 0, &mut sums);
        let first = back.linear().scaled(0, &sums[..LABELS]);
        let second = back.linear().scaled(1, &sums[LABELS..]);
        assert!(
            (first[1] - 2.0).abs() < 1e-3 && (first[5] + 1.5).abs() < 1e-3,
            "{first:?}"
        );
        assert!((second[1] - 2.0).abs() < 1e-3 && second[5] == 0.0);
        assert_eq!(back.temperature(), 2.0);
        for cut in 0..bytes.len() {
            assert!(Model::from_bytes(&bytes[..cut]).is_err());
        }
        assert!(Model::from_bytes(b"junk").is_err());
    }
}
