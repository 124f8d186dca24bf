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

use super::labels::LABELS;
use lattice::ALLOWED;

mod format;
mod lattice;
mod scoring;
mod table;
#[cfg(test)]
mod tests;
mod viterbi;

pub use lattice::{span_confidences, Lattice, SpanScores};
#[cfg(any(test, feature = "train"))]
pub use viterbi::viterbi;
pub use viterbi::viterbi_into;

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
}

/// `exp(score)`, clamped so that scaled forward-backward never divides by
/// zero nor overflows.
#[inline(always)]
fn potential(score: f64) -> f64 {
    score.clamp(-60.0, 60.0).exp()
}

/// Number of entity types.
const TYPES: usize = (LABELS - 1) / 4;
/// Labels that close an entity or are outside one (O, L, U): any O, B or U
/// may follow them.
const CLOSED: [usize; 9] = [0, 3, 4, 7, 8, 11, 12, 15, 16];
/// Labels that may follow a closed one (O, B, U).
const OPENING: [usize; 9] = [0, 1, 4, 5, 8, 9, 12, 13, 16];
