//! Viterbi decoding over allowed BILOU transitions.

use super::{Transitions, CLOSED, OPENING, TYPES};
use crate::ner::labels::{self, LABELS};

/// Viterbi decoding over allowed BILOU transitions.
///
/// `emissions[t]` are token `t`'s label scores; returns the best labels.
#[cfg(any(test, feature = "train"))]
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
pub(super) fn viterbi_portable(
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
pub(super) fn best_closed_steps_portable(
    closed: &[f32; CLOSED.len()],
    block: &ClosedBlock,
) -> ClosedSteps {
    best_closed_steps(closed, block)
}

/// [`best_closed_steps`] compiled for AVX2 (a row is two vectors).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline(never)]
fn best_closed_steps_avx2(closed: &[f32; CLOSED.len()], block: &ClosedBlock) -> ClosedSteps {
    best_closed_steps(closed, block)
}

/// `OPENING.len()` rounded up to whole vectors of eight f32 lanes.
const OPENING_LANES: usize = 16;
