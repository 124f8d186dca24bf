//! Coordinated names share a type.
//!
//! News lists names of one kind together: "Amazon, Alphabet's Google and
//! Meta Platforms", "Canada, Mexico and China", "Ajax, PSV and Feyenoord".
//! The tagger types each name on its own, so a name it is unsure of, or one
//! that is also a word of another kind (Amazon the river), can come out of
//! the list with another type than its neighbours. When every other name of
//! a list of three or more agrees, the odd one takes their type if the
//! tagger was unsure of it or it is a known company in a list of
//! organisations.

use super::labels::TokenSpan;
use crate::EntityType;
use std::ops::Range;

/// Below this confidence a name's type yields to its list's.
const WEAK: f64 = 0.6;

/// Whether the tokens between two names of a list join them: a comma, a
/// conjunction, or both ("A, B and C", "A, B, and C").
fn separator(gap: &[&str]) -> Option<Join> {
    match gap {
        [","] => Some(Join::Comma),
        ["and" | "or"] | [",", "and" | "or"] => Some(Join::Conjunction),
        _ => None,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Join {
    Comma,
    Conjunction,
}

/// The lists of names in `sentence`: each a run of indices into `spans` (in
/// text order), three or more names joined by commas with a conjunction
/// before the last. A possessor ("Alphabet" in "Alphabet's Google") is no
/// item: its list item is the name it owns.
fn lists(tokens: &[&str], sentence: &Range<usize>, spans: &[(TokenSpan, f64)]) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    // The current run: its items and the joins between them.
    let mut items: Vec<usize> = Vec::new();
    let mut joins: Vec<Join> = Vec::new();
    let close = |items: &mut Vec<usize>, joins: &mut Vec<Join>, out: &mut Vec<Vec<usize>>| {
        // A list ends at its conjunction: "A, B and C" or "A, B, C and D".
        if let Some(last) = joins.iter().position(|&j| j == Join::Conjunction) {
            if last + 2 >= 3 {
                out.push(items[..last + 2].to_vec());
            }
        }
        items.clear();
        joins.clear();
    };
    let mut k = 0;
    while k < spans.len() {
        let span = spans[k].0;
        if span.start < sentence.start || span.end > sentence.end {
            k += 1;
            continue;
        }
        // "Alphabet 's Google": the item is Google, reached from Alphabet.
        let mut item = k;
        while item + 1 < spans.len()
            && tokens.get(spans[item].0.end) == Some(&"'s")
            && spans[item + 1].0.start == spans[item].0.end + 1
        {
            item += 1;
        }
        let join = items.last().and_then(|&prev| {
            let gap = tokens.get(spans[prev].0.end..span.start)?;
            separator(gap)
        });
        match join {
            // After a conjunction a list may not go on ("A, B and C, D").
            Some(j) if !joins.contains(&Join::Conjunction) => {
                joins.push(j);
                items.push(item);
            }
            _ => {
                close(&mut items, &mut joins, &mut out);
                items.push(item);
            }
        }
        k = item + 1;
    }
    close(&mut items, &mut joins, &mut out);
    out
}

/// Gives the odd name of a list the type every other name of it has, when
/// the tagger was unsure of the odd one (confidence below [`WEAK`]) or,
/// in a list of organisations, it is a known company.
pub fn agree_coordinated(
    tokens: &[&str],
    sentence: Range<usize>,
    spans: &mut [(TokenSpan, f64)],
    is_company: impl Fn(&[&str]) -> bool,
) {
    for list in lists(tokens, &sentence, spans) {
        let kind_of = |k: usize| spans[k].0.kind;
        // The type of all but one, and that one.
        let odd: Vec<usize> = list
            .iter()
            .copied()
            .filter(|&k| list.iter().filter(|&&o| kind_of(o) == kind_of(k)).count() == 1)
            .collect();
        let &[odd] = odd.as_slice() else { continue };
        let others: Vec<EntityType> = list
            .iter()
            .filter(|&&k| k != odd)
            .map(|&k| kind_of(k))
            .collect();
        let kind = others[0];
        if others.iter().any(|&t| t != kind) {
            continue;
        }
        let (span, confidence) = spans[odd];
        let company = kind == EntityType::Organisation && is_company(&tokens[span.start..span.end]);
        if confidence < WEAK || company {
            spans[odd].0.kind = kind;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<&str> {
        text.split(' ').collect()
    }

    fn span(start: usize, end: usize, kind: EntityType, confidence: f64) -> (TokenSpan, f64) {
        (TokenSpan { start, end, kind }, confidence)
    }

    const ORG: EntityType = EntityType::Organisation;
    const LOC: EntityType = EntityType::Location;
    const PER: EntityType = EntityType::Person;

    #[test]
    fn finds_lists_with_possessors() {
        let t = words("Amazon , Alphabet 's Google and Meta Platforms are big , says Ann");
        let spans = [
            span(0, 1, LOC, 0.5),
            span(2, 3, ORG, 0.9),
            span(4, 5, ORG, 0.9),
            span(6, 8, ORG, 0.9),
            span(12, 13, PER, 0.9),
        ];
        assert_eq!(lists(&t, &(0..t.len()), &spans), vec![vec![0, 2, 3]]);
        // Two names are no list to agree with.
        let t = words("Amazon and Google");
        let spans = [span(0, 1, LOC, 0.5), span(2, 3, ORG, 0.9)];
        assert!(lists(&t, &(0..t.len()), &spans).is_empty());
    }

    #[test]
    fn the_odd_weak_name_or_known_company_takes_the_list_type() {
        let t = words("Amazon , Alphabet 's Google and Meta Platforms are big");
        let company = |w: &[&str]| w == ["Amazon"];
        let mut spans = vec![
            span(0, 1, LOC, 0.9),
            span(2, 3, ORG, 0.9),
            span(4, 5, ORG, 0.9),
            span(6, 8, ORG, 0.9),
        ];
        agree_coordinated(&t, 0..t.len(), &mut spans, company);
        assert_eq!(spans[0].0.kind, ORG);
        // The possessor is no item and keeps its type.
        let mut spans = vec![
            span(0, 1, ORG, 0.9),
            span(2, 3, LOC, 0.9),
            span(4, 5, ORG, 0.9),
            span(6, 8, ORG, 0.9),
        ];
        agree_coordinated(&t, 0..t.len(), &mut spans, company);
        assert_eq!(spans[1].0.kind, LOC);
    }

    #[test]
    fn a_confident_odd_name_or_a_split_list_is_left_alone() {
        let t = words("Canada , Mexico and Tesla fell");
        let none = |_: &[&str]| false;
        let mut spans = vec![
            span(0, 1, LOC, 0.9),
            span(2, 3, LOC, 0.9),
            span(4, 5, ORG, 0.8),
        ];
        agree_coordinated(&t, 0..t.len(), &mut spans, none);
        assert_eq!(spans[2].0.kind, ORG);
        spans[2].1 = 0.4;
        agree_coordinated(&t, 0..t.len(), &mut spans, none);
        assert_eq!(spans[2].0.kind, LOC);
        // Three types: no majority of all but one.
        let mut spans = vec![
            span(0, 1, LOC, 0.9),
            span(2, 3, PER, 0.4),
            span(4, 5, ORG, 0.4),
        ];
        agree_coordinated(&t, 0..t.len(), &mut spans, none);
        assert_eq!(
            spans.iter().map(|s| s.0.kind).collect::<Vec<_>>(),
            [LOC, PER, ORG]
        );
    }
}
