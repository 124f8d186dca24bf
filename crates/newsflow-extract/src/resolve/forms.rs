//! Rules 4 and 5: identical names grouped into surface forms, and the short
//! forms and bracketed aliases that point from one form to another.

use super::mentions::{is_word_separator, CleanMention};
use super::words::{
    function_words, generational_suffixes, generic_organisation_words, generic_place_words,
    name_particles, patronymic_particles,
};
use super::MAX_NAME_WORDS;
use crate::EntityType;
use rustc_hash::FxHashMap;

/// Mentions with the same comparison words, whatever their tagged type.
pub(super) struct SurfaceForms {
    pub(super) forms: Vec<SurfaceForm>,
    /// The form of each mention.
    pub(super) form_of: Vec<usize>,
}

pub(super) struct SurfaceForm {
    /// The mentions, in order.
    pub(super) mentions: Vec<usize>,
    /// The confidence-weighted vote of the mentions' types.
    pub(super) kind: EntityType,
    /// The confidence behind each type.
    pub(super) weights: TypeWeights,
    /// The first mention, whose words, initials and acronym stand for all.
    pub(super) first: usize,
}

impl SurfaceForms {
    pub(super) fn group(mentions: &[CleanMention]) -> SurfaceForms {
        let mut by_words: FxHashMap<&[String], usize> = FxHashMap::default();
        let mut forms: Vec<SurfaceForm> = Vec::new();
        let mut form_of = Vec::with_capacity(mentions.len());
        for (i, mention) in mentions.iter().enumerate() {
            let form = *by_words.entry(&mention.words).or_insert_with(|| {
                forms.push(SurfaceForm {
                    mentions: Vec::new(),
                    kind: mention.kind,
                    weights: TypeWeights::default(),
                    first: i,
                });
                forms.len() - 1
            });
            forms[form].mentions.push(i);
            form_of.push(form);
        }
        for form in &mut forms {
            form.weights = TypeWeights::of(form.mentions.iter().map(|&m| &mentions[m]));
            form.kind = form.weights.winner().0;
        }
        SurfaceForms { forms, form_of }
    }
}

/// The tagger's confidence behind each type, summed over mentions.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct TypeWeights {
    pub(super) weight: [f64; 4],
    pub(super) count: [usize; 4],
}

impl TypeWeights {
    pub(super) fn of<'a>(mentions: impl Iterator<Item = &'a CleanMention>) -> TypeWeights {
        let mut weights = TypeWeights::default();
        for mention in mentions {
            weights.add(mention);
        }
        weights
    }

    pub(super) fn add(&mut self, mention: &CleanMention) {
        let slot = type_slot(mention.kind);
        self.weight[slot] += mention.confidence;
        self.count[slot] += 1;
    }

    pub(super) fn of_type(&self, kind: EntityType) -> f64 {
        self.weight[type_slot(kind)]
    }

    /// The type with the most confidence behind it (ties: most mentions,
    /// then the order of [`EntityType::ALL`]), with its share of all the
    /// confidence.
    pub(super) fn winner(&self) -> (EntityType, f64) {
        let (weight, count) = (&self.weight, &self.count);
        let best = (0..4)
            .max_by(|&a, &b| {
                weight[a]
                    .total_cmp(&weight[b])
                    .then(count[a].cmp(&count[b]))
                    .then(b.cmp(&a))
            })
            .unwrap_or(0);
        let total: f64 = weight.iter().sum();
        let share = if total > 0.0 {
            weight[best] / total
        } else {
            0.0
        };
        (EntityType::ALL[best], share)
    }
}

fn type_slot(kind: EntityType) -> usize {
    EntityType::ALL.iter().position(|&k| k == kind).unwrap_or(0)
}

/// What a short form is looked up by: its words, or its acronym letters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum FormKey {
    Words(EntityType, Vec<String>),
    Acronym(EntityType, String),
}

/// The keys under which `form` is found when looking up its own name.
pub(super) fn own_keys(mention: &CleanMention, kind: EntityType) -> Vec<FormKey> {
    let mut keys = vec![FormKey::Words(kind, mention.words.clone())];
    if let Some(letters) = &mention.acronym {
        keys.push(FormKey::Acronym(kind, letters.clone()));
    }
    keys
}

/// The shorter names the article may use for a name (rule 5).
pub(super) fn short_keys(mention: &CleanMention, kind: EntityType) -> Vec<FormKey> {
    let words = &mention.words;
    let mut keys = Vec::new();
    if words.len() > MAX_NAME_WORDS {
        return keys;
    }
    let words_key = |range: &[String]| FormKey::Words(kind, range.to_vec());
    match kind {
        EntityType::Person => person_short_forms(words, &mut |range| keys.push(words_key(range))),
        _ => {
            let generic = match kind {
                EntityType::Location => generic_place_words(),
                EntityType::Organisation => generic_organisation_words(),
                _ => &[],
            };
            for cut in 1..words.len() {
                // A trailing run of two words or more.
                if words.len() - cut >= 2 && !function_words().contains(&words[cut].as_str()) {
                    keys.push(words_key(&words[cut..]));
                }
                // A leading part followed only by generic words.
                if words[cut..].iter().all(|w| generic.contains(&w.as_str()))
                    && !function_words().contains(&words[cut - 1].as_str())
                {
                    keys.push(words_key(&words[..cut]));
                }
            }
            if let Some(letters) = &mention.initials {
                keys.push(FormKey::Acronym(kind, letters.clone()));
            }
            if kind == EntityType::Miscellaneous {
                if let Some(last) = words.last() {
                    if last
                        .chars()
                        .last()
                        .is_some_and(|c| c.is_alphabetic() && c != 's')
                    {
                        let mut plural = words.clone();
                        plural[words.len() - 1] = format!("{last}s");
                        keys.push(FormKey::Words(kind, plural));
                    }
                }
            }
        }
    }
    keys
}

/// Calls `emit` with each short form of a person's name (rule 5).
fn person_short_forms(words: &[String], emit: &mut dyn FnMut(&[String])) {
    let n = words.len();
    if n < 2 {
        return;
    }
    let is_particle = |w: &String| name_particles().contains(&w.as_str());
    let has_name = |range: &[String]| range.iter().any(|w| !is_particle(w));
    let generational = generational_suffixes().contains(&words[n - 1].as_str());
    // Surnames: trailing runs, not starting at a father's name.
    for cut in 1..n {
        let after_patronymic = patronymic_particles().contains(&words[cut - 1].as_str());
        if !after_patronymic && has_name(&words[cut..]) {
            emit(&words[cut..]);
        }
    }
    // Given names: leading runs; without a generational suffix they would
    // name the father.
    let prefix_limit = if generational { n - 1 } else { n };
    for cut in 1..prefix_limit {
        if !is_particle(&words[cut - 1]) && has_name(&words[..cut]) {
            emit(&words[..cut]);
        }
    }
    if n >= 3 && !generational {
        emit(&[words[0].clone(), words[n - 1].clone()]);
    }
}

/// Single-word names the article puts in brackets right after a longer name
/// of several words, or the reverse: (short form, long form) pairs. Both
/// must be tagged with the same type. A bracketed acronym must take at
/// least half its letters from the initials of the long name's words
/// ("Party of Democratic Action (SDA)", not "Doug Flach (U.S.)"); any other
/// bracketed word only renames an organisation or a MISC name ("Hizbollah
/// (Party of God)"), since after a place or person it mostly says where
/// they are from ("The Oval (London)").
pub(super) fn bracket_aliases(
    text: &str,
    mentions: &[CleanMention],
    forms: &SurfaceForms,
) -> Vec<(usize, usize)> {
    let mut aliases = Vec::new();
    for (i, pair) in mentions.windows(2).enumerate() {
        let (first, second) = (&pair[0], &pair[1]);
        let between = &text[first.byte_end..second.byte_start];
        if between.trim() != "(" {
            continue;
        }
        let closes = text[second.byte_end..].chars().find(|c| !c.is_whitespace()) == Some(')');
        if !closes {
            continue;
        }
        let (short, long) = if first.words.len() == 1 {
            (i, i + 1)
        } else {
            (i + 1, i)
        };
        let (short_m, long_m) = (&mentions[short], &mentions[long]);
        let plausible = match &short_m.acronym {
            Some(letters) => abbreviates(letters, &long_m.core),
            None => matches!(
                short_m.kind,
                EntityType::Organisation | EntityType::Miscellaneous
            ),
        };
        let same_type = short_m.kind == long_m.kind;
        if short_m.words.len() == 1 && long_m.words.len() >= 2 && same_type && plausible {
            aliases.push((forms.form_of[short], forms.form_of[long]));
        }
    }
    aliases
}

/// Whether at least half the letters of `acronym` are initials of words of
/// `name`, in any case: loose enough for acronyms of a name in another
/// language ("SDA", "EPR"), strict enough to refuse unrelated ones.
fn abbreviates(acronym: &str, name: &str) -> bool {
    let initials: Vec<char> = name
        .split(is_word_separator)
        .filter_map(|word| word.chars().find(|c| c.is_alphanumeric()))
        .flat_map(char::to_lowercase)
        .collect();
    let letters: Vec<char> = acronym.chars().flat_map(char::to_lowercase).collect();
    let shared = letters.iter().filter(|c| initials.contains(c)).count();
    2 * shared >= letters.len()
}
