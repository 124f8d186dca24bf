//! The tag set the tagger decodes: BILOU over the four CoNLL types.
//!
//! BILOU (begin, inside, last, unit, outside) lets the model learn what ends
//! an entity and what single-token entities look like, which IOB cannot; it
//! is known to beat IOB by a few tenths of F1 on CoNLL-2003.

use crate::EntityType;

/// Number of labels: `O` plus B, I, L, U for each of the four types.
pub const LABELS: usize = 17;

/// Label index of `O`.
pub const OUTSIDE: u8 = 0;

/// Position of a token inside its entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// First token of a multi-token entity.
    Begin = 0,
    /// Middle token.
    Inside = 1,
    /// Last token of a multi-token entity.
    Last = 2,
    /// Single-token entity.
    Unit = 3,
}

/// The label for `part` of an entity of `kind`.
pub fn label(kind: EntityType, part: Part) -> u8 {
    1 + 4 * type_index(kind) as u8 + part as u8
}

/// The entity type and part of a label; `None` for `O`.
pub fn parse(label: u8) -> Option<(EntityType, Part)> {
    if label == OUTSIDE || label as usize >= LABELS {
        return None;
    }
    let kind = EntityType::ALL[(label as usize - 1) / 4];
    let part = match (label - 1) % 4 {
        0 => Part::Begin,
        1 => Part::Inside,
        2 => Part::Last,
        _ => Part::Unit,
    };
    Some((kind, part))
}

fn type_index(kind: EntityType) -> usize {
    EntityType::ALL.iter().position(|&k| k == kind).unwrap_or(0)
}

/// Whether `to` may follow `from` (`None` = sentence start).
pub fn allowed(from: Option<u8>, to: u8) -> bool {
    let open = |l: u8| matches!(parse(l), Some((_, Part::Begin | Part::Inside)));
    let continues = |l: u8| matches!(parse(l), Some((_, Part::Inside | Part::Last)));
    match from {
        Some(f) if open(f) => continues(to) && parse(f).map(|p| p.0) == parse(to).map(|p| p.0),
        _ => !continues(to),
    }
}

/// Whether a sentence may end on `label`.
pub fn may_end(label: u8) -> bool {
    !matches!(parse(label), Some((_, Part::Begin | Part::Inside)))
}

/// A span of tokens `[start, end)` of one type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TokenSpan {
    /// First token.
    pub start: usize,
    /// One past the last token.
    pub end: usize,
    /// Entity type.
    pub kind: EntityType,
}

/// BILOU labels for `len` tokens holding `spans` (non-overlapping).
pub fn encode(len: usize, spans: &[TokenSpan]) -> Vec<u8> {
    let mut labels = vec![OUTSIDE; len];
    for s in spans.iter().filter(|s| s.start < s.end && s.end <= len) {
        if s.end - s.start == 1 {
            labels[s.start] = label(s.kind, Part::Unit);
        } else {
            labels[s.start] = label(s.kind, Part::Begin);
            for l in &mut labels[s.start + 1..s.end - 1] {
                *l = label(s.kind, Part::Inside);
            }
            labels[s.end - 1] = label(s.kind, Part::Last);
        }
    }
    labels
}

/// The spans of a well-formed BILOU label sequence (as Viterbi produces).
pub fn decode(labels: &[u8]) -> Vec<TokenSpan> {
    let mut spans = Vec::new();
    let mut open: Option<(usize, EntityType)> = None;
    for (i, &l) in labels.iter().enumerate() {
        match parse(l) {
            Some((kind, Part::Unit)) => spans.push(TokenSpan {
                start: i,
                end: i + 1,
                kind,
            }),
            Some((kind, Part::Begin)) => open = Some((i, kind)),
            Some((kind, Part::Last)) => {
                if let Some((start, k)) = open.take() {
                    if k == kind {
                        spans.push(TokenSpan {
                            start,
                            end: i + 1,
                            kind,
                        });
                    }
                }
            }
            Some((_, Part::Inside)) => {}
            None => open = None,
        }
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let spans = vec![
            TokenSpan {
                start: 0,
                end: 1,
                kind: EntityType::Location,
            },
            TokenSpan {
                start: 2,
                end: 5,
                kind: EntityType::Person,
            },
            TokenSpan {
                start: 5,
                end: 7,
                kind: EntityType::Person,
            },
        ];
        let labels = encode(8, &spans);
        assert_eq!(decode(&labels), spans);
        let mut prev = None;
        for &l in &labels {
            assert!(allowed(prev, l));
            prev = Some(l);
        }
        assert!(may_end(labels[7]));
    }

    #[test]
    fn transitions() {
        let b_per = label(EntityType::Person, Part::Begin);
        let l_per = label(EntityType::Person, Part::Last);
        let l_org = label(EntityType::Organisation, Part::Last);
        assert!(allowed(Some(b_per), l_per));
        assert!(!allowed(Some(b_per), l_org));
        assert!(!allowed(Some(b_per), OUTSIDE));
        assert!(!allowed(None, l_per));
        assert!(!may_end(b_per));
    }
}
