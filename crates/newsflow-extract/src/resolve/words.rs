//! The word lists resolution compares names with, from `data/resolve/`
//! (written by `scripts/build_gazetteers.py`), parsed on first use.

use crate::gazetteer::data_lines;
use std::sync::OnceLock;

/// Defines a function returning the entries of one `data/resolve/` file.
macro_rules! word_list {
    ($(#[$doc:meta])* $name:ident, $file:literal) => {
        $(#[$doc])*
        pub(super) fn $name() -> &'static [&'static str] {
            static WORDS: OnceLock<Vec<&'static str>> = OnceLock::new();
            WORDS.get_or_init(|| {
                data_lines(include_str!(concat!("../../data/resolve/", $file))).collect()
            })
        }
    };
}

word_list!(
    /// Words that make a run of leading title words an office title.
    office_heads,
    "office_heads.txt"
);
word_list!(
    /// Words that qualify an office title ("Prime", "Foreign", "Deputy").
    office_modifiers,
    "office_modifiers.txt"
);
word_list!(
    /// Honorifics customarily used with a person's name, and so possibly
    /// part of how an article names someone ("Sheikha Moza", "King Charles").
    styled_honorifics,
    "styled_honorifics.txt"
);
word_list!(
    /// Lower-case words inside personal names that are not names by themselves.
    name_particles,
    "name_particles.txt"
);
word_list!(
    /// Particles after which comes a father's name, not the person's.
    patronymic_particles,
    "patronymic_particles.txt"
);
word_list!(
    /// Suffixes that tell a son from his father of the same name.
    generational_suffixes,
    "generational_suffixes.txt"
);
word_list!(
    /// Function words that cannot start a short form of a longer name.
    function_words,
    "function_words.txt"
);
word_list!(
    /// Trailing words of a place name that the article may drop ("Gaza Strip").
    generic_place_words,
    "generic_place_words.txt"
);
word_list!(
    /// Trailing words of an organisation's name that the article may drop.
    generic_organisation_words,
    "generic_organisation_words.txt"
);
word_list!(
    /// Abbreviations whose full stop belongs to the name ("Apple Inc.").
    abbreviations,
    "abbreviations.txt"
);
