//! Rules 5 to 7: full forms, the assignment of each mention to one, and the
//! entities built from them with their names, types and confidences.

use super::forms::{own_keys, short_keys, FormKey, SurfaceForm, SurfaceForms, TypeWeights};
use super::mentions::CleanMention;
use super::MAX_INDIRECT_CANDIDATES;
use crate::{Entity, EntityType, Mention, TextField};
use rustc_hash::FxHashMap;

/// For each surface form, the full forms it may stand for (rule 5): itself
/// when it is a full form.
pub(super) fn full_form_candidates(
    mentions: &[CleanMention],
    forms: &SurfaceForms,
    aliases: &[(usize, usize)],
) -> Vec<Vec<usize>> {
    let count = forms.forms.len();
    let mut answering: FxHashMap<FormKey, Vec<usize>> = FxHashMap::default();
    for (id, form) in forms.forms.iter().enumerate() {
        for key in short_keys(&mentions[form.first], form.kind) {
            answering.entry(key).or_default().push(id);
        }
    }
    let mut alias_targets: Vec<Vec<usize>> = vec![Vec::new(); count];
    for &(short, long) in aliases {
        if short != long {
            alias_targets[short].push(long);
        }
    }
    let mut parents: Vec<Vec<usize>> = forms
        .forms
        .iter()
        .enumerate()
        .map(|(id, form)| {
            let mut found: Vec<usize> = own_keys(&mentions[form.first], form.kind)
                .iter()
                .filter_map(|key| answering.get(key))
                .flatten()
                .chain(&alias_targets[id])
                .copied()
                .filter(|&other| other != id)
                .collect();
            found.sort_unstable();
            found.dedup();
            found
        })
        .collect();
    let mut is_full: Vec<bool> = parents.iter().map(Vec::is_empty).collect();
    // Longer forms first, so a form's parents are settled before it; a plural
    // has as many words as its singular but more letters.
    let mut order: Vec<usize> = (0..count).collect();
    order.sort_by_key(|&id| {
        let words = &mentions[forms.forms[id].first].words;
        (
            std::cmp::Reverse(words.len()),
            words.iter().map(String::len).sum::<usize>(),
        )
    });
    let mut candidates: Vec<Vec<usize>> = vec![Vec::new(); count];
    for id in order {
        if is_full[id] {
            let across = other_type_full_forms(id, mentions, forms, &answering, &is_full);
            if across.is_empty() {
                candidates[id] = vec![id];
            } else {
                is_full[id] = false;
                candidates[id] = across;
            }
            continue;
        }
        // Full forms that answer to this form directly, or through a bracket.
        let mut found: Vec<usize> = parents[id]
            .iter()
            .copied()
            .filter(|&parent| is_full[parent])
            .chain(
                alias_targets[id]
                    .iter()
                    .flat_map(|&long| candidates[long].clone()),
            )
            .collect();
        if found.is_empty() {
            // Only through intermediate forms ("Tayyip" in "Recep Tayyip",
            // itself short for "Recep Tayyip Erdoğan").
            found = std::mem::take(&mut parents[id])
                .iter()
                .flat_map(|&parent| candidates[parent].iter().copied())
                .take(MAX_INDIRECT_CANDIDATES)
                .collect();
        }
        found.sort_unstable();
        found.dedup();
        if found.is_empty() {
            found.push(id);
        }
        candidates[id] = found;
    }
    candidates
}

/// Full forms of another type that a form is short for, when the tagger gave
/// the form that type at least once and the full form's confidence tips the
/// vote: "Haniyeh" tagged ORG 0.68 and PER 0.53 is short for "Ismail
/// Haniyeh" (PER 0.99), while "Israel", a place twenty times and a person
/// once, is no short form of the minister "Israel Katz".
fn other_type_full_forms(
    id: usize,
    mentions: &[CleanMention],
    forms: &SurfaceForms,
    answering: &FxHashMap<FormKey, Vec<usize>>,
    is_full: &[bool],
) -> Vec<usize> {
    let form = &forms.forms[id];
    let own_weight = form.weights.of_type(form.kind);
    let mut found = Vec::new();
    for kind in EntityType::ALL {
        let weight = form.weights.of_type(kind);
        if kind == form.kind || weight <= 0.0 {
            continue;
        }
        for key in own_keys(&mentions[form.first], kind) {
            for &full in answering.get(&key).into_iter().flatten() {
                let full_form = &forms.forms[full];
                if full != id
                    && is_full[full]
                    && full_form.kind == kind
                    && weight + full_form.weights.of_type(kind) > own_weight
                {
                    found.push(full);
                }
            }
        }
    }
    found.sort_unstable();
    found.dedup();
    found
}

/// For each mention, the full form it belongs to (rule 6).
pub(super) fn assign_mentions(forms: &SurfaceForms, candidates: &[Vec<usize>]) -> Vec<usize> {
    // Ambiguous forms to tell whenever a full form is named.
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); candidates.len()];
    for (form, found) in candidates.iter().enumerate() {
        if found.len() > 1 {
            for &full in found {
                dependents[full].push(form);
            }
        }
    }
    let mut owner: Vec<Option<usize>> = vec![None; forms.form_of.len()];
    let mut latest: Vec<Option<usize>> = vec![None; candidates.len()];
    for (owner, &form) in owner.iter_mut().zip(&forms.form_of) {
        if let [only] = candidates[form][..] {
            *owner = Some(only);
            for &ambiguous in &dependents[only] {
                latest[ambiguous] = Some(only);
            }
        } else {
            *owner = latest[form];
        }
    }
    let mut soonest: Vec<Option<usize>> = vec![None; candidates.len()];
    for (owner, &form) in owner.iter_mut().zip(&forms.form_of).rev() {
        if let [only] = candidates[form][..] {
            for &ambiguous in &dependents[only] {
                soonest[ambiguous] = Some(only);
            }
        } else if owner.is_none() {
            *owner = soonest[form];
        }
    }
    // Every candidate is a full form with mentions of its own, so both sweeps
    // together always find one; the fallback only keeps this total.
    owner
        .iter()
        .zip(&forms.form_of)
        .map(|(owner, &form)| owner.unwrap_or(form))
        .collect()
}

/// One entity per full form that owns mentions, in order of first mention.
pub(super) fn build_entities(
    mentions: &[CleanMention],
    forms: &SurfaceForms,
    owners: &[usize],
) -> Vec<Entity> {
    let mut entity_of_form: Vec<Option<usize>> = vec![None; forms.forms.len()];
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    for (mention, &full) in owners.iter().enumerate() {
        let entity = *entity_of_form[full].get_or_insert_with(|| {
            groups.push((full, Vec::new()));
            groups.len() - 1
        });
        groups[entity].1.push(mention);
    }
    groups
        .into_iter()
        .map(|(full, members)| {
            let (kind, share) = TypeWeights::of(members.iter().map(|&m| &mentions[m])).winner();
            let best = members
                .iter()
                .map(|&m| mentions[m].confidence)
                .fold(0.0, f64::max);
            Entity {
                name: entity_name(mentions, &forms.forms[full], &members),
                kind,
                confidence: best * share,
                mentions: members
                    .iter()
                    .map(|&m| Mention {
                        text: mentions[m].text.clone(),
                        start: mentions[m].start,
                        end: mentions[m].end,
                        field: TextField::Body,
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The full form as the article writes it, preferring a mention in mixed
/// case to a headline in capitals, with a styled honorific when every
/// mention carries one (rule 3).
fn entity_name(mentions: &[CleanMention], full: &SurfaceForm, members: &[usize]) -> String {
    let source = full
        .mentions
        .iter()
        .map(|&m| &mentions[m])
        .find(|m| m.core.chars().any(char::is_lowercase))
        .unwrap_or(&mentions[full.first]);
    let always_styled = members.iter().all(|&m| mentions[m].honorific.is_some());
    let honorific = source
        .honorific
        .as_ref()
        .or_else(|| members.iter().find_map(|&m| mentions[m].honorific.as_ref()));
    match honorific {
        // A regnal number already makes the name one person's ("Mohammed VI").
        Some(honorific)
            if always_styled
                && !source
                    .core
                    .split_whitespace()
                    .next_back()
                    .is_some_and(crate::ner::is_regnal_number) =>
        {
            format!("{honorific} {}", source.core)
        }
        _ => place_in_capitals(&source.core).unwrap_or_else(|| source.core.clone()),
    }
}

/// A place named only in capitals, as in a dateline ("RABAT, Morocco (AP)",
/// "NEW YORK, March 4"), written as the gazetteers spell it ("Rabat", "New
/// York"); `None` for anything else (acronyms such as "AEMET" or "UAE" stay).
fn place_in_capitals(core: &str) -> Option<String> {
    use crate::gazetteer::{self, ListSet};
    if core.chars().any(char::is_lowercase) || !core.chars().any(char::is_uppercase) {
        return None;
    }
    let places = ListSet::COUNTRY | ListSet::CITY | ListSet::CAPITAL | ListSet::REGION;
    let words: Vec<&str> = core.split_whitespace().collect();
    let gazetteers = gazetteer::bundled();
    let known = match words.as_slice() {
        // Three capitals or fewer are an acronym ("UAE", "US"), kept as written.
        [word] => {
            word.chars().filter(|c| c.is_alphabetic()).count() > 3
                && gazetteers.word_lists(word).bits() & places.bits() != 0
        }
        _ => gazetteers
            .phrase_matches(&words)
            .iter()
            .any(|m| m.start == 0 && m.end == words.len() && m.lists.bits() & places.bits() != 0),
    };
    known.then(|| {
        let mut out = String::with_capacity(core.len());
        let mut start_of_word = true;
        for c in core.chars() {
            if start_of_word {
                out.push(c);
            } else {
                out.extend(c.to_lowercase());
            }
            start_of_word = matches!(c, ' ' | '-');
        }
        out
    })
}
