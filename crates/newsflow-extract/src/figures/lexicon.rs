//! The words around a number that tell what it measures: months, time
//! units, qualifiers, casualty events, and words that never head a
//! counted noun phrase.

use crate::numbers::lexicon::ascii_lower;
use crate::Qualifier;

/// The month (1-12) a capitalised word or abbreviation names.
pub(crate) fn month(word: &str) -> Option<u32> {
    if !word.starts_with(|c: char| c.is_ascii_uppercase()) {
        return None;
    }
    let mut buf = [0u8; 24];
    Some(match ascii_lower(word, &mut buf)? {
        "january" | "jan" => 1,
        "february" | "feb" => 2,
        "march" | "mar" => 3,
        "april" | "apr" => 4,
        "may" => 5,
        "june" | "jun" => 6,
        "july" | "jul" => 7,
        "august" | "aug" => 8,
        "september" | "sep" | "sept" => 9,
        "october" | "oct" => 10,
        "november" | "nov" => 11,
        "december" | "dec" => 12,
        _ => return None,
    })
}

/// The normalised time unit a word names ("years" -> "year").
pub(crate) fn time_unit(word: &str) -> Option<&'static str> {
    let mut buf = [0u8; 24];
    Some(match ascii_lower(word, &mut buf)? {
        "year" | "years" | "yr" | "yrs" => "year",
        "month" | "months" => "month",
        "week" | "weeks" => "week",
        "day" | "days" => "day",
        "hour" | "hours" | "hrs" => "hour",
        "minute" | "minutes" | "mins" => "minute",
        "second" | "seconds" | "secs" => "second",
        "decade" | "decades" => "decade",
        "century" | "centuries" => "century",
        _ => return None,
    })
}

/// Qualifier phrases written before a number, longest first.
pub(crate) static QUALIFIERS: &[(&[&str], Qualifier)] = &[
    (&["no", "fewer", "than"], Qualifier::AtLeast),
    (&["no", "less", "than"], Qualifier::AtLeast),
    (&["a", "minimum", "of"], Qualifier::AtLeast),
    (&["no", "more", "than"], Qualifier::UpTo),
    (&["a", "maximum", "of"], Qualifier::UpTo),
    (&["as", "many", "as"], Qualifier::UpTo),
    (&["as", "much", "as"], Qualifier::UpTo),
    (&["as", "few", "as"], Qualifier::UpTo),
    (&["in", "excess", "of"], Qualifier::MoreThan),
    (&["at", "least"], Qualifier::AtLeast),
    (&["at", "most"], Qualifier::UpTo),
    (&["up", "to"], Qualifier::UpTo),
    (&["more", "than"], Qualifier::MoreThan),
    (&["upwards", "of"], Qualifier::MoreThan),
    (&["well", "over"], Qualifier::MoreThan),
    (&["just", "over"], Qualifier::MoreThan),
    (&["fewer", "than"], Qualifier::LessThan),
    (&["less", "than"], Qualifier::LessThan),
    (&["just", "under"], Qualifier::LessThan),
    (&["an", "estimated"], Qualifier::Approximately),
    (&["close", "to"], Qualifier::Approximately),
    (&["nearly"], Qualifier::Approximately),
    (&["almost"], Qualifier::Approximately),
    (&["about"], Qualifier::Approximately),
    (&["around"], Qualifier::Approximately),
    (&["some"], Qualifier::Approximately),
    (&["roughly"], Qualifier::Approximately),
    (&["approximately"], Qualifier::Approximately),
    (&["estimated"], Qualifier::Approximately),
    (&["circa"], Qualifier::Approximately),
    (&["over"], Qualifier::MoreThan),
    (&["above"], Qualifier::MoreThan),
    (&["exceeding"], Qualifier::MoreThan),
    (&["under"], Qualifier::LessThan),
    (&["below"], Qualifier::LessThan),
];

/// Every normalised event `event` returns.
pub(crate) static EVENTS: &[&str] = &[
    "killed",
    "injured",
    "displaced",
    "arrested",
    "missing",
    "evacuated",
    "kidnapped",
    "rescued",
    "hospitalised",
    "infected",
];

/// What a word says happened to the people counted next to it, as a
/// normalised participle: "died" and "deaths" are "killed", "wounded" is
/// "injured", "detained" is "arrested".
pub(crate) fn event(word: &str) -> Option<&'static str> {
    let mut buf = [0u8; 24];
    Some(match ascii_lower(word, &mut buf)? {
        "killed" | "killing" | "kills" | "kill" | "dead" | "died" | "die" | "dies" | "deaths"
        | "fatalities" | "perished" | "slain" | "massacred" | "murdered" | "executed"
        | "drowned" => "killed",
        "injured" | "injuring" | "injures" | "injure" | "wounded" | "wounding" | "wounds"
        | "wound" | "hurt" | "injuries" => "injured",
        "displaced" | "displacing" | "displace" | "homeless" | "uprooted" => "displaced",
        "arrested" | "arresting" | "arrests" | "arrest" | "detained" | "detaining" | "detain"
        | "jailed" | "imprisoned" | "detentions" => "arrested",
        "missing" | "unaccounted" => "missing",
        "evacuated" | "evacuating" | "evacuate" => "evacuated",
        "kidnapped" | "kidnapping" | "abducted" | "abducting" | "hostage" | "hostages" => {
            "kidnapped"
        }
        "rescued" | "rescuing" => "rescued",
        "hospitalised" | "hospitalized" => "hospitalised",
        "infected" => "infected",
        _ => return None,
    })
}

/// Words between a counted noun phrase and its event ("were", "have
/// been", "reportedly"): skipped when looking for the event.
pub(crate) fn is_auxiliary(word: &str) -> bool {
    let mut buf = [0u8; 24];
    matches!(
        ascii_lower(word, &mut buf),
        Some(
            "were"
                | "was"
                | "are"
                | "is"
                | "have"
                | "has"
                | "had"
                | "been"
                | "be"
                | "being"
                | "reportedly"
                | "also"
                | "all"
                | "now"
                | "already"
                | "believed"
                | "feared"
                | "confirmed"
                | "later"
                | "still"
                | "remain"
                | "remained"
                | "remains"
                | "left"
                | "reported"
                | "so"
                | "far"
                | "either"
                | "or"
                | "seriously"
                | "critically"
                | "badly"
                | "slightly"
                | "lightly"
                | "fatally"
                | "mortally"
                | "allegedly"
                | "since"
                | "taken"
                | "held"
        )
    )
}

/// Words that end a counted noun phrase or cannot be in one.
pub(crate) fn is_function_word(word: &str) -> bool {
    let mut buf = [0u8; 24];
    let Some(lower) = ascii_lower(word, &mut buf) else {
        return false;
    };
    is_auxiliary(lower)
        || matches!(
            lower,
            "the"
                | "a"
                | "an"
                | "of"
                | "in"
                | "on"
                | "at"
                | "to"
                | "for"
                | "from"
                | "by"
                | "with"
                | "and"
                | "but"
                | "as"
                | "than"
                | "that"
                | "which"
                | "who"
                | "whom"
                | "whose"
                | "this"
                | "these"
                | "those"
                | "its"
                | "their"
                | "his"
                | "her"
                | "our"
                | "my"
                | "your"
                | "it"
                | "they"
                | "he"
                | "she"
                | "we"
                | "you"
                | "i"
                | "them"
                | "us"
                | "said"
                | "says"
                | "say"
                | "according"
                | "after"
                | "before"
                | "during"
                | "over"
                | "under"
                | "about"
                | "around"
                | "into"
                | "out"
                | "up"
                | "down"
                | "per"
                | "each"
                | "more"
                | "less"
                | "fewer"
                | "ago"
                | "earlier"
                | "last"
                | "next"
                | "when"
                | "while"
                | "where"
                | "if"
                | "not"
                | "no"
                | "will"
                | "would"
                | "could"
                | "should"
                | "may"
                | "might"
                | "can"
                | "must"
                | "did"
                | "do"
                | "does"
                | "across"
                | "between"
                | "among"
                | "against"
                | "including"
                | "mostly"
                | "both"
                | "only"
                | "just"
                | "such"
                | "other"
                | "times"
                | "plus"
                | "versus"
                | "vs"
                | "yet"
                | "ever"
                | "there"
                | "here"
                | "what"
                | "how"
                | "why"
                | "whether"
                | "so"
                | "too"
                | "very"
                | "even"
                | "via"
                | "without"
                | "within"
                | "through"
                | "until"
                | "till"
                | "since"
                | "because"
                | "though"
                | "although"
                | "unless"
                | "whereas"
                | "s"
        )
}

/// Plural nouns that do not end in "s".
pub(crate) fn is_irregular_plural(word: &str) -> bool {
    let mut buf = [0u8; 24];
    matches!(
        ascii_lower(word, &mut buf),
        Some(
            "people"
                | "children"
                | "men"
                | "women"
                | "police"
                | "personnel"
                | "staff"
                | "cattle"
                | "sheep"
                | "fish"
                | "livestock"
                | "militia"
                | "clergy"
                | "crew"
                | "youth"
                | "aircraft"
                | "feet"
                | "teeth"
                | "geese"
                | "mice"
                | "data"
                | "media"
        )
    )
}

/// Words after which a small number in words refers back to things
/// already named ("the two leaders") rather than reporting a count.
pub(crate) fn is_anaphoric_determiner(word: &str) -> bool {
    let mut buf = [0u8; 24];
    matches!(
        ascii_lower(word, &mut buf),
        Some("the" | "these" | "those" | "both" | "all" | "its" | "their" | "his" | "her" | "our")
    )
}

/// Words before a number that make it a name or a reference number
/// ("Article 51", "No. 10", "page 3"), not a figure.
pub(crate) fn is_reference_word(word: &str) -> bool {
    let mut buf = [0u8; 24];
    matches!(
        ascii_lower(word, &mut buf),
        Some(
            "no" | "number"
                | "article"
                | "resolution"
                | "chapter"
                | "section"
                | "page"
                | "pages"
                | "paragraph"
                | "clause"
                | "flight"
                | "route"
                | "highway"
                | "room"
                | "vol"
                | "volume"
                | "issue"
                | "item"
                | "version"
                | "level"
                | "phase"
                | "stage"
                | "round"
                | "game"
                | "platform"
                | "gate"
                | "line"
                | "channel"
                | "apollo"
                | "boeing"
                | "airbus"
                | "covid"
                | "grade"
                | "category"
                | "class"
                | "type"
                | "model"
                | "series"
                | "district"
                | "precinct"
                | "ward"
                | "block"
                | "unit"
                | "division"
                | "brigade"
                | "battalion"
                | "regiment"
                | "squadron"
                | "fleet"
                | "corps"
                | "group"
        )
    )
}

/// Words whose number is an age ("aged 15").
pub(crate) fn is_age_word(word: &str) -> bool {
    let mut buf = [0u8; 24];
    matches!(ascii_lower(word, &mut buf), Some("aged" | "age" | "ages"))
}

/// Nouns for people, whose events may come later in the clause ("Fourteen
/// children were among the dead"). Capitalised plurals are peoples
/// ("Palestinians").
pub(crate) fn is_people(word: &str) -> bool {
    if word.starts_with(|c: char| c.is_uppercase()) && word.ends_with('s') && word.len() > 3 {
        return true;
    }
    let mut buf = [0u8; 24];
    matches!(
        ascii_lower(word, &mut buf),
        Some(
            "people"
                | "persons"
                | "children"
                | "men"
                | "women"
                | "girls"
                | "boys"
                | "babies"
                | "infants"
                | "teenagers"
                | "adults"
                | "civilians"
                | "residents"
                | "inhabitants"
                | "villagers"
                | "citizens"
                | "nationals"
                | "migrants"
                | "refugees"
                | "workers"
                | "employees"
                | "students"
                | "pupils"
                | "patients"
                | "passengers"
                | "tourists"
                | "pilgrims"
                | "soldiers"
                | "troops"
                | "fighters"
                | "militants"
                | "police"
                | "officers"
                | "policemen"
                | "protesters"
                | "protestors"
                | "demonstrators"
                | "journalists"
                | "miners"
                | "victims"
                | "casualties"
                | "survivors"
                | "prisoners"
                | "inmates"
                | "detainees"
                | "hostages"
                | "settlers"
                | "firefighters"
                | "rescuers"
                | "doctors"
                | "nurses"
                | "members"
                | "families"
                | "crew"
                | "staff"
                | "personnel"
                | "fans"
                | "spectators"
        )
    )
}

/// Words that end the clause a number's event may be in.
pub(crate) fn ends_clause(word: &str) -> bool {
    let mut buf = [0u8; 24];
    matches!(
        ascii_lower(word, &mut buf),
        Some(
            "but"
                | "while"
                | "whereas"
                | "although"
                | "though"
                | "said"
                | "says"
                | "according"
                | "where"
                | "when"
                | "after"
                | "before"
                | "because"
                | "as"
                | "if"
                | "whose"
        )
    )
}

/// Verbs that report what an amount of money came to ("revenue jumped
/// to $26 billion"), so the noun before them names the money.
pub(crate) fn is_change_verb(word: &str) -> bool {
    let mut buf = [0u8; 24];
    matches!(
        ascii_lower(word, &mut buf),
        Some(
            "rose"
                | "rises"
                | "rising"
                | "fell"
                | "falls"
                | "falling"
                | "jumped"
                | "jumps"
                | "climbed"
                | "climbs"
                | "increased"
                | "increases"
                | "decreased"
                | "dropped"
                | "drops"
                | "grew"
                | "grows"
                | "slipped"
                | "reached"
                | "reaches"
                | "totalled"
                | "totaled"
                | "totals"
                | "hit"
                | "surged"
                | "soared"
                | "declined"
                | "plunged"
                | "slumped"
                | "tumbled"
                | "sank"
                | "gained"
                | "doubled"
                | "tripled"
                | "amounted"
                | "stood"
                | "came"
                | "was"
                | "were"
                | "is"
                | "are"
        )
    )
}

/// Collective nouns that name what a number counts when written before
/// "of" ("a crowd of 53,400").
pub(crate) fn is_collective(word: &str) -> bool {
    let mut buf = [0u8; 24];
    matches!(
        ascii_lower(word, &mut buf),
        Some(
            "crowd"
                | "crowds"
                | "audience"
                | "attendance"
                | "turnout"
                | "population"
                | "workforce"
                | "army"
                | "force"
                | "fleet"
                | "convoy"
                | "delegation"
                | "contingent"
                | "herd"
                | "flock"
                | "membership"
                | "electorate"
                | "congregation"
                | "following"
                | "readership"
                | "squad"
        )
    )
}

/// Words near a "3-1" that make it a result of a match or vote.
pub(crate) fn is_contest_word(word: &str) -> bool {
    let mut buf = [0u8; 24];
    matches!(
        ascii_lower(word, &mut buf),
        Some(
            "won"
                | "win"
                | "wins"
                | "winning"
                | "beat"
                | "beats"
                | "beaten"
                | "beating"
                | "lost"
                | "lose"
                | "loses"
                | "losing"
                | "defeat"
                | "defeated"
                | "defeats"
                | "victory"
                | "victories"
                | "draw"
                | "drew"
                | "drawn"
                | "lead"
                | "led"
                | "leads"
                | "score"
                | "scored"
                | "scoreline"
                | "goal"
                | "goals"
                | "match"
                | "game"
                | "final"
                | "trailing"
                | "trailed"
                | "thrashed"
                | "routed"
                | "edged"
                | "halftime"
                | "vote"
                | "voted"
                | "votes"
                | "ruling"
                | "series"
                | "set"
                | "sets"
        )
    )
}
