use super::viterbi::{best_closed_steps_portable, viterbi_portable};
use super::*;
use crate::ner::labels;
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
    let confidence = |emissions: &[[f32; LABELS]], t, edges, path: &[u8]| {
        let spans = labels::decode(path);
        let scores = SpanScores {
            emissions,
            transitions: t,
            edges,
            temperature: 1.0,
            path,
            spans: &spans,
        };
        span_confidences(&mut Lattice::default(), &scores)[0]
    };
    let strong = confidence(&emissions, &t, edges, &path);
    assert!(strong > 0.5 && strong <= 1.0, "{strong}");
    emissions[1][l] = 1.0;
    let path = viterbi(&emissions, &t);
    let weak = confidence(&emissions, &t, edges, &path);
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
