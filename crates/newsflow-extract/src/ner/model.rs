//! The trained model: hashed feature weights, label transitions, decoding.
//!
//! File format (little endian), version 2:
//! `b"NFNER\0"`, u16 format version, u32 feature version, u32 label count L,
//! f32 confidence temperature, u8 number of passes (1 or 2), then per pass:
//! f32 weight scale, (L+2)*L f32 transition scores (rows: start, then each
//! previous label, then end), u32 feature count N, N u64 keys (sorted),
//! N*L i16 quantised weights.
//!
//! Weights are quantised to i16 with one scale for the model: the file stays
//! small, and summing integers is faster than summing floats.

use super::features::FEATURE_VERSION;
use super::labels::{self, LABELS};
use super::ModelError;

const MAGIC: &[u8; 6] = b"NFNER\0";
const FORMAT_VERSION: u16 = 2;

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

/// One linear scorer: hashed feature weights and transition scores.
pub struct Linear {
    /// Open-addressing table: (key, row); key 0 marks an empty slot.
    slots: Vec<(u64, u32)>,
    mask: usize,
    /// Sorted keys, in row order (kept for saving).
    keys: Vec<u64>,
    weights: Vec<i16>,
    scale: f32,
    transitions: Transitions,
}

impl Linear {
    /// Builds a scorer from real-valued weights (`weights[row * LABELS + label]`
    /// for `keys[row]`), dropping features whose weights all round to zero.
    pub fn from_weights(keys: &[u64], weights: &[f32], transitions: Transitions) -> Linear {
        let max = weights.iter().fold(0f32, |m, w| m.max(w.abs()));
        let scale = if max > 0.0 {
            max / i16::MAX as f32
        } else {
            1.0
        };
        let mut rows: Vec<(u64, Vec<i16>)> = keys
            .iter()
            .enumerate()
            .filter_map(|(row, &key)| {
                let q: Vec<i16> = weights[row * LABELS..(row + 1) * LABELS]
                    .iter()
                    .map(|w| (w / scale).round() as i16)
                    .collect();
                q.iter().any(|&w| w != 0).then_some((key, q))
            })
            .collect();
        rows.sort_unstable_by_key(|r| r.0);
        rows.dedup_by_key(|r| r.0);
        let keys: Vec<u64> = rows.iter().map(|r| r.0).collect();
        let weights: Vec<i16> = rows.into_iter().flat_map(|r| r.1).collect();
        Linear::assemble(keys, weights, scale, transitions)
    }

    fn assemble(keys: Vec<u64>, weights: Vec<i16>, scale: f32, transitions: Transitions) -> Linear {
        let capacity = (keys.len() * 2).next_power_of_two().max(16);
        let mask = capacity - 1;
        let mut slots = vec![(0u64, 0u32); capacity];
        for (row, &key) in keys.iter().enumerate() {
            let mut i = (key as usize) & mask;
            while slots[i].0 != 0 {
                i = (i + 1) & mask;
            }
            slots[i] = (key, row as u32);
        }
        Linear {
            slots,
            mask,
            keys,
            weights,
            scale,
            transitions,
        }
    }

    /// Number of features with a non-zero weight.
    pub fn feature_count(&self) -> usize {
        self.keys.len()
    }

    fn row(&self, key: u64) -> Option<usize> {
        let mut i = (key as usize) & self.mask;
        loop {
            let (k, row) = self.slots[i];
            if k == key {
                return Some(row as usize);
            }
            if k == 0 {
                return None;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Emission scores of one token from its feature keys.
    pub fn emissions(&self, keys: &[u64], out: &mut [f32; LABELS]) {
        let mut sum = [0i32; LABELS];
        for &key in keys {
            if let Some(row) = self.row(key) {
                let w = &self.weights[row * LABELS..(row + 1) * LABELS];
                for (s, &w) in sum.iter_mut().zip(w) {
                    *s += w as i32;
                }
            }
        }
        for (o, s) in out.iter_mut().zip(sum) {
            *o = s as f32 * self.scale;
        }
    }

    /// The transition scores.
    pub fn transitions(&self) -> &Transitions {
        &self.transitions
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.scale.to_le_bytes());
        let t = &self.transitions;
        for row in std::iter::once(&t.start)
            .chain(t.between.iter())
            .chain(std::iter::once(&t.end))
        {
            for v in row {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        out.extend_from_slice(&(self.keys.len() as u32).to_le_bytes());
        for k in &self.keys {
            out.extend_from_slice(&k.to_le_bytes());
        }
        for w in &self.weights {
            out.extend_from_slice(&w.to_le_bytes());
        }
    }

    fn read(r: &mut Reader<'_>) -> Result<Linear, ModelError> {
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
        let n = u32::from_le_bytes(r.array()?) as usize;
        let key_bytes = r.take(n.checked_mul(8).ok_or_else(truncated)?)?;
        let keys: Vec<u64> = key_bytes
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default()))
            .collect();
        if keys.contains(&0) || keys.windows(2).any(|w| w[0] >= w[1]) {
            return Err(ModelError::new("model keys are corrupt"));
        }
        let weight_bytes = r.take(n.checked_mul(2 * LABELS).ok_or_else(truncated)?)?;
        let weights: Vec<i16> = weight_bytes
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect();
        Ok(Linear::assemble(keys, weights, scale, transitions))
    }
}

/// A trained tagging model: a first-pass scorer over local features and,
/// optionally, a second pass that also sees document-level features derived
/// from the first pass's labels.
pub struct Model {
    first: Linear,
    second: Option<Linear>,
    /// Softmax temperature for confidences, calibrated on dev data.
    temperature: f32,
}

impl Model {
    /// A model from its passes.
    pub fn new(first: Linear, second: Option<Linear>, temperature: f32) -> Model {
        Model {
            first,
            second,
            temperature,
        }
    }

    /// The first-pass scorer.
    pub fn first(&self) -> &Linear {
        &self.first
    }

    /// The second-pass scorer, if the model has one.
    pub fn second(&self) -> Option<&Linear> {
        self.second.as_ref()
    }

    /// Number of features with a non-zero weight, over both passes.
    pub fn feature_count(&self) -> usize {
        self.first.feature_count() + self.second.as_ref().map_or(0, Linear::feature_count)
    }

    /// The confidence temperature.
    pub fn temperature(&self) -> f32 {
        self.temperature
    }

    /// Sets the confidence temperature.
    pub fn set_temperature(&mut self, temperature: f32) {
        self.temperature = temperature;
    }

    /// Serialises the model.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&FEATURE_VERSION.to_le_bytes());
        out.extend_from_slice(&(LABELS as u32).to_le_bytes());
        out.extend_from_slice(&self.temperature.to_le_bytes());
        out.push(1 + self.second.is_some() as u8);
        self.first.write(&mut out);
        if let Some(second) = &self.second {
            second.write(&mut out);
        }
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
        let passes = r.array::<1>()?[0];
        if !(1..=2).contains(&passes) {
            return Err(ModelError::new("model has an invalid number of passes"));
        }
        let first = Linear::read(&mut r)?;
        let second = if passes == 2 {
            Some(Linear::read(&mut r)?)
        } else {
            None
        };
        if r.at != bytes.len() {
            return Err(ModelError::new("trailing bytes after the model"));
        }
        Ok(Model::new(first, second, temperature))
    }
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
    let n = emissions.len();
    if n == 0 {
        return Vec::new();
    }
    let mut back = vec![[0u8; LABELS]; n];
    let mut score = [f32::NEG_INFINITY; LABELS];
    for (y, s) in score.iter_mut().enumerate() {
        if labels::allowed(None, y as u8) {
            *s = transitions.start[y] + emissions[0][y];
        }
    }
    for t in 1..n {
        let mut next = [f32::NEG_INFINITY; LABELS];
        for (y, nx) in next.iter_mut().enumerate() {
            let mut best = f32::NEG_INFINITY;
            let mut arg = 0u8;
            for (from, &s) in score.iter().enumerate() {
                if s == f32::NEG_INFINITY || !ALLOWED.between[from][y] {
                    continue;
                }
                let v = s + transitions.between[from][y];
                if v > best {
                    best = v;
                    arg = from as u8;
                }
            }
            *nx = best + emissions[t][y];
            back[t][y] = arg;
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
    let mut path = vec![0u8; n];
    path[n - 1] = last;
    for t in (1..n).rev() {
        path[t - 1] = back[t][path[t] as usize];
    }
    path
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
/// scores (scaled by `temperature`), that the span's exact label sequence
/// `labels[start..end]` is right, computed by scaled forward-backward.
pub fn span_confidences(
    emissions: &[[f32; LABELS]],
    transitions: &Transitions,
    temperature: f32,
    path: &[u8],
    spans: &[labels::TokenSpan],
) -> Vec<f64> {
    let n = emissions.len();
    if n == 0 || spans.is_empty() {
        return vec![0.0; spans.len()];
    }
    let inv_t = 1.0 / temperature.max(1e-6) as f64;
    // Potentials are clamped away from zero so that scaling never divides by zero.
    let pot = |score: f64| (score * inv_t).clamp(-60.0, 60.0).exp();
    let edge = {
        let mut m = [[0f64; LABELS]; LABELS];
        for (from, row) in m.iter_mut().enumerate() {
            for (to, v) in row.iter_mut().enumerate() {
                if ALLOWED.between[from][to] {
                    *v = pot(transitions.between[from][to] as f64);
                }
            }
        }
        m
    };
    let emit: Vec<[f64; LABELS]> = emissions
        .iter()
        .map(|e| {
            let max = e.iter().fold(f32::NEG_INFINITY, |m, &v| m.max(v)) as f64;
            let mut out = [0f64; LABELS];
            for (o, &v) in out.iter_mut().zip(e) {
                *o = pot(v as f64 - max);
            }
            out
        })
        .collect();
    let mut alpha = vec![[0f64; LABELS]; n];
    let mut scale = vec![1f64; n];
    for y in 0..LABELS {
        if labels::allowed(None, y as u8) {
            alpha[0][y] = pot(transitions.start[y] as f64) * emit[0][y];
        }
    }
    normalise(&mut alpha[0], &mut scale[0]);
    for t in 1..n {
        let mut next = [0f64; LABELS];
        for (from, &a) in alpha[t - 1].iter().enumerate() {
            if a == 0.0 {
                continue;
            }
            for (to, nx) in next.iter_mut().enumerate() {
                *nx += a * edge[from][to];
            }
        }
        for (nx, e) in next.iter_mut().zip(&emit[t]) {
            *nx *= e;
        }
        normalise(&mut next, &mut scale[t]);
        alpha[t] = next;
    }
    let mut beta = vec![[0f64; LABELS]; n];
    let mut end_total = 0.0;
    for y in 0..LABELS {
        if labels::may_end(y as u8) {
            beta[n - 1][y] = pot(transitions.end[y] as f64);
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
        let mut cur = [0f64; LABELS];
        for (from, c) in cur.iter_mut().enumerate() {
            let mut sum = 0.0;
            for to in 0..LABELS {
                sum += edge[from][to] * emit[t + 1][to] * beta[t + 1][to];
            }
            *c = sum / scale[t + 1];
        }
        beta[t] = cur;
    }
    spans
        .iter()
        .map(|s| {
            let mut p = alpha[s.start][path[s.start] as usize];
            for t in s.start + 1..s.end {
                let (from, to) = (path[t - 1] as usize, path[t] as usize);
                p *= edge[from][to] * emit[t][to] / scale[t];
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
        let path = viterbi(&emissions, &t);
        assert_eq!(path, vec![b as u8, l as u8, 0]);
        let spans = labels::decode(&path);
        let strong = span_confidences(&emissions, &t, 1.0, &path, &spans)[0];
        assert!(strong > 0.5 && strong <= 1.0, "{strong}");
        emissions[1][l] = 1.0;
        let path = viterbi(&emissions, &t);
        let spans = labels::decode(&path);
        let weak = span_confidences(&emissions, &t, 1.0, &path, &spans)[0];
        assert!(weak < strong, "{weak} < {strong}");
    }

    #[test]
    fn round_trip_and_corrupt_input() {
        let keys = [3u64, 7, 11];
        let mut weights = vec![0f32; 3 * LABELS];
        weights[1] = 2.0;
        weights[LABELS + 5] = -1.5;
        // The third feature has all-zero weights and is dropped.
        let first = Linear::from_weights(&keys, &weights, Transitions::zero());
        let second = Linear::from_weights(&keys[..1], &weights[..LABELS], Transitions::zero());
        let model = Model::new(first, Some(second), 2.0);
        assert_eq!(model.feature_count(), 3);
        let bytes = model.to_bytes();
        let back = Model::from_bytes(&bytes).unwrap();
        let mut e = [0f32; LABELS];
        back.first().emissions(&[3, 7, 99], &mut e);
        assert!((e[1] - 2.0).abs() < 1e-3 && (e[5] + 1.5).abs() < 1e-3);
        assert_eq!(back.temperature(), 2.0);
        for cut in 0..bytes.len() {
            assert!(Model::from_bytes(&bytes[..cut]).is_err());
        }
        assert!(Model::from_bytes(b"junk").is_err());
    }
}
