//! Span confidences by scaled forward-backward.

use super::{potential, Transitions, CLOSED, OPENING, TYPES};
use crate::ner::labels::{self, LABELS};

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
pub(super) struct Allowed {
    pub(super) between: [[bool; LABELS]; LABELS],
}

pub(super) const ALLOWED: Allowed = {
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

/// What [`span_confidences`] works on: one sentence's scores and its
/// decoded labels.
pub struct SpanScores<'a> {
    /// Each token's score per label.
    pub emissions: &'a [[f32; LABELS]],
    /// The model's transition scores.
    pub transitions: &'a Transitions,
    /// The transition potentials ([`Model::edge_potentials`](super::Model::edge_potentials)).
    pub edges: &'a [[f64; LABELS]; LABELS],
    /// The softmax temperature.
    pub temperature: f32,
    /// The decoded label of each token.
    pub path: &'a [u8],
    /// The spans `path` decodes to.
    pub spans: &'a [labels::TokenSpan],
}

/// Per-span confidences: the probability, under a softmax of the model's
/// scores (scaled by the temperature), that the span's exact label sequence
/// `path[start..end]` is right, computed by scaled forward-backward.
pub fn span_confidences(lattice: &mut Lattice, scores: &SpanScores<'_>) -> Vec<f64> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU supports AVX2, as just checked.
        return unsafe { span_confidences_avx2(lattice, scores) };
    }
    span_confidences_portable(lattice, scores)
}

/// [`span_confidences`] compiled for AVX2 (four f64 lanes instead of two).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn span_confidences_avx2(lattice: &mut Lattice, scores: &SpanScores<'_>) -> Vec<f64> {
    span_confidences_portable(lattice, scores)
}

/// [`span_confidences`] for any CPU; inlined into the AVX2 version.
#[inline(always)]
fn span_confidences_portable(lattice: &mut Lattice, scores: &SpanScores<'_>) -> Vec<f64> {
    let SpanScores {
        emissions,
        transitions,
        edges,
        temperature,
        path,
        spans,
    } = *scores;
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
