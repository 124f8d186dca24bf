//! The annotations the extractor produces, serialised exactly as the output
//! contract (`shared/eval/score.py`) describes. Offsets are Unicode code
//! points into the article body, `end` exclusive.

use serde::{Deserialize, Serialize, Serializer};

/// The CoNLL-2003 entity classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EntityType {
    /// People.
    #[serde(rename = "PER")]
    Person,
    /// Organisations: companies, parties, agencies, courts, teams.
    #[serde(rename = "ORG")]
    Organisation,
    /// Places: countries, cities, regions, buildings.
    #[serde(rename = "LOC")]
    Location,
    /// Everything else named: nationalities, events, works, movements.
    #[serde(rename = "MISC")]
    Miscellaneous,
}

impl EntityType {
    /// All four types, in the order used for tag indices.
    pub const ALL: [EntityType; 4] = [
        EntityType::Person,
        EntityType::Organisation,
        EntityType::Location,
        EntityType::Miscellaneous,
    ];

    /// The CoNLL label: `PER`, `ORG`, `LOC` or `MISC`.
    pub fn label(self) -> &'static str {
        match self {
            EntityType::Person => "PER",
            EntityType::Organisation => "ORG",
            EntityType::Location => "LOC",
            EntityType::Miscellaneous => "MISC",
        }
    }

    /// Parses a CoNLL label (`PER`, `ORG`, `LOC`, `MISC`).
    pub fn from_label(label: &str) -> Option<EntityType> {
        match label {
            "PER" => Some(EntityType::Person),
            "ORG" => Some(EntityType::Organisation),
            "LOC" => Some(EntityType::Location),
            "MISC" => Some(EntityType::Miscellaneous),
            _ => None,
        }
    }
}

/// One place in the article where an entity is named.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mention {
    /// The text as it stands in the body (or the title).
    pub text: String,
    /// Code-point offset of the first character.
    pub start: usize,
    /// Code-point offset just past the last character.
    pub end: usize,
    /// Which text the offsets count into: the body (not written out, the
    /// shape mentions always had) or the title (`"field": "title"`).
    #[serde(default, skip_serializing_if = "TextField::is_body")]
    pub field: TextField,
}

/// The text of an article a mention was found in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextField {
    /// `body`.
    #[default]
    Body,
    /// `title`.
    Title,
}

impl TextField {
    /// Whether this is the body (the default, not written out).
    pub fn is_body(&self) -> bool {
        *self == TextField::Body
    }

    /// The name used in JSON and SQL (`body`, `title`).
    pub fn label(self) -> &'static str {
        match self {
            TextField::Body => "body",
            TextField::Title => "title",
        }
    }
}

/// An entity named in an article: all its mentions grouped under one
/// canonical name (the fullest form the article gives).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    /// Canonical name, without titles ("Recep Tayyip Erdoğan").
    pub name: String,
    /// Entity class.
    #[serde(rename = "type")]
    pub kind: EntityType,
    /// The model's confidence in the entity, in `[0, 1]`.
    pub confidence: f64,
    /// Every mention, in order of appearance.
    pub mentions: Vec<Mention>,
}

/// What a figure measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FigureKind {
    /// A number of things or people ("34,049 Palestinians").
    Count,
    /// An amount of money; `unit` holds the ISO 4217 currency.
    Money,
    /// A percentage; the value is the number before the sign (12% -> 12).
    Percent,
    /// A calendar year ("1967 borders", "since 2017").
    Year,
    /// A calendar date; the value is ISO 8601 where the article gives one.
    Date,
    /// A span of time ("100 years"); `unit` holds the time unit.
    Duration,
    /// A rank ("third", "21st").
    Ordinal,
    /// A physical quantity with a unit ("5 km", "4 °C", "2.80 GHz", "a
    /// magnitude 6.8 earthquake"); `unit` holds the canonical unit and
    /// `base_value` the value in the base unit of its dimension.
    Measure,
    /// A result between two sides ("3-1"); the value is the first side,
    /// `against` the second.
    Score,
    /// A part of a whole ("nine in ten", "11 of their last 12"); the value
    /// is the part, `of` the whole.
    Ratio,
}

/// How the article bounds the figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Qualifier {
    /// The figure as stated.
    Exact,
    /// "at least", "thousands of".
    AtLeast,
    /// "more than", "over".
    MoreThan,
    /// "some", "about", "nearly", "around".
    Approximately,
    /// "up to", "as many as".
    UpTo,
    /// "fewer than", "less than", "under".
    LessThan,
}

/// A figure's value: a number, or an ISO 8601 string for dates.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum FigureValue {
    /// A number. Whole numbers serialise without a fraction (`34049`).
    Number(f64),
    /// An ISO 8601 date (`2023-10-07`).
    Date(String),
}

impl Serialize for FigureValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            // Integers print as integers so downstream consumers see 34049, not 34049.0.
            FigureValue::Number(n) if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 => {
                serializer.serialize_i64(*n as i64)
            }
            FigureValue::Number(n) => serializer.serialize_f64(*n),
            FigureValue::Date(d) => serializer.serialize_str(d),
        }
    }
}

/// Writes an optional number the way [`FigureValue`] writes one: whole
/// numbers without a fraction.
fn whole_as_integer<S: Serializer>(n: &Option<f64>, serializer: S) -> Result<S::Ok, S::Error> {
    match n {
        Some(n) => FigureValue::Number(*n).serialize(serializer),
        None => serializer.serialize_none(),
    }
}

/// A number the article reports, normalised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    /// The figure's text in the body, qualifier included ("at least 34,049").
    pub text: String,
    /// Code-point offset of the first character.
    pub start: usize,
    /// Code-point offset just past the last character.
    pub end: usize,
    /// The normalised value; `None` for a date the article does not pin down.
    pub value: Option<FigureValue>,
    /// What the figure measures.
    pub kind: FigureKind,
    /// Currency (ISO 4217), time unit or measure unit, where the kind has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// For a range ("between 20,000 and 30,000"): its lower end; the value
    /// is the midpoint.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "whole_as_integer"
    )]
    pub low: Option<f64>,
    /// For a range: its upper end.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "whole_as_integer"
    )]
    pub high: Option<f64>,
    /// For a `ratio`: the whole the value is part of (10 in "nine in ten").
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "whole_as_integer"
    )]
    pub of: Option<f64>,
    /// For a `score`: the second side (1 in "3-1").
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "whole_as_integer"
    )]
    pub against: Option<f64>,
    /// For a `measure` with a convertible unit: the value in `base_unit`
    /// (5 km -> 5000).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "whole_as_integer"
    )]
    pub base_value: Option<f64>,
    /// The base unit of the measure's dimension: `m`, `m²`, `l`, `kg`,
    /// `m/s`, `°C`, `J`, `W`, `B`, `B/s`, `Hz`, `Gy` or `Sv`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_unit: Option<String>,
    /// How the article bounds the figure.
    pub qualifier: Qualifier,
    /// For counts of people: what happened to them ("killed", "injured").
    pub event: Option<String>,
    /// What is counted ("Palestinians", "agreements").
    pub subject: Option<String>,
}
