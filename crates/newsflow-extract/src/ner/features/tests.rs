use super::names::{mark_name_runs, NameRun};
use super::token::{Casing, TokenInfo};
use super::*;

#[test]
fn casing_and_shapes() {
    let info = |s: &str| TokenInfo::new(s);
    assert_eq!(info("Japan").casing, Casing::Title);
    assert_eq!(info("JAPAN").casing, Casing::Upper);
    assert_eq!(info("J.").casing, Casing::Initial);
    assert_eq!(info("McDonald").casing, Casing::Mixed);
    assert_eq!(info("1996").casing, Casing::None);
    assert_eq!(info("Japan").lower, info("JAPAN").lower);
    assert_ne!(info("Japan").word, info("JAPAN").word);
    assert_eq!(info("1996").lower, info("2024").lower);
    assert_eq!(info("’").word, info("'").word);
    assert_eq!(info("Berlin").short_shape, info("Xy").short_shape);
    assert_eq!(info("Berlin").suffixes[2], info("Stalin").suffixes[2]);
    assert_eq!(info("Berlin").prefixes[2], info("berry").prefixes[2]);
    assert_ne!(info("Berlin").suffixes[3], info("Stalin").suffixes[3]);
}

#[test]
fn capitalised_runs_span_connectors_but_not_sentence_openers() {
    let tokens = [
        "The",
        "Turkish",
        "War",
        "of",
        "Independence",
        "ended",
        "in",
        "Ankara",
        ".",
    ];
    let infos: Vec<TokenInfo> = tokens.iter().map(|t| TokenInfo::new(t)).collect();
    let mut runs = vec![NameRun::NONE; tokens.len()];
    mark_name_runs(&tokens, &infos, 0..tokens.len(), &mut runs);
    let parts: Vec<u64> = runs.iter().map(|r| r.part).collect();
    assert_eq!(parts, [0, 1, 2, 2, 3, 0, 0, 0, 0]);
    assert_eq!(
        (runs[1].head, runs[1].length, runs[1].connected),
        (4, 4, true)
    );
}

#[test]
fn one_key_list_per_token() {
    let tokens = ["JAPAN", "WIN", ".", "Japan", "won", "in", "Tokyo", "."];
    let mut out = FeatureBuffer::default();
    extract(&tokens, &[0..3, 3..8], &mut out);
    assert_eq!(out.len(), tokens.len());
    // The headline "JAPAN" and the body "Japan" differ in casing evidence.
    assert_ne!(out.token(0), out.token(3));
    // Spellings are keyed once: "." twice, and "Japan" apart from "JAPAN".
    assert_eq!(out.words(), 7);
    assert_eq!(out.spelling(2), out.spelling(7));
    assert_ne!(out.spelling(0), out.spelling(3));
    assert!(out.keys.iter().all(|&k| k != 0));
}
