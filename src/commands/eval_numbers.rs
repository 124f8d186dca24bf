//! `newsflow eval numbers FILE`: the share of Recognizers-Text spec cases
//! the number recogniser gets right.
//!
//! A spec file is a JSON array of `{Input, Results: [{Text, Start, End,
//! Resolution: {value, unit?, isoCurrency?}}]}` (`End` inclusive). A case
//! passes when every expected result is found with the same span and
//! value, and for Dimension, Temperature and Age the same unit; the model
//! (Number, NumberRange, Percent, Currency, Ordinal, Dimension,
//! Temperature, Age) comes from the file name. A NumberRange value is an
//! interval ("[20,30)", "(,100]"): both ends, and whether each is
//! included, must match. A result whose value is null ("Only a small
//! percent attain the top ranks", "convert 10 celsius to fahrenheit")
//! names a percentage or a temperature scale without giving one: it is
//! found by a [`percent_references`] or [`unit_references`] entry with the
//! same span, never by a number. The strict share also requires no extra
//! mention of that kind.

use anyhow::{bail, Context};
use newsflow_extract::numbers::{
    percent_references, ranges, recognise, unit_references, Bound, NumberKind, NumberMention,
};
use serde_json::Value;
use std::path::PathBuf;

/// Arguments.
#[derive(clap::Args)]
pub struct Args {
    /// A Recognizers-Text spec file (NumberModel.json, NumberRangeModel.json,
    /// PercentModel.json, CurrencyModel.json, OrdinalModel.json,
    /// DimensionModel.json, TemperatureModel.json or AgeModel.json).
    pub file: PathBuf,
    /// Print every failing case with what was expected and found.
    #[arg(short, long)]
    pub verbose: bool,
}

/// Which recogniser output a spec file tests.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Model {
    Number,
    NumberRange,
    Percent,
    Currency,
    Ordinal,
    Dimension,
    Temperature,
    Age,
}

impl Model {
    fn from_path(path: &std::path::Path) -> anyhow::Result<Model> {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        // The first name part found wins: "NumberRange" before "Number".
        const BY_NAME: [(&str, Model); 8] = [
            ("Percent", Model::Percent),
            ("Currency", Model::Currency),
            ("Ordinal", Model::Ordinal),
            ("NumberRange", Model::NumberRange),
            ("Dimension", Model::Dimension),
            ("Temperature", Model::Temperature),
            ("Age", Model::Age),
            ("Number", Model::Number),
        ];
        match BY_NAME.iter().find(|(part, _)| name.contains(part)) {
            Some(&(_, model)) => Ok(model),
            None => bail!("cannot tell the model from the file name {name:?}"),
        }
    }

    /// What this model finds in `input`: its kind of number mentions,
    /// ranges, or references without a value.
    fn found(self, input: &str) -> Vec<Found> {
        if self == Model::NumberRange {
            return ranges(input)
                .into_iter()
                .map(|r| Found {
                    start: r.start,
                    end: r.end,
                    value: Resolved::Interval(r.low, r.high),
                    unit: None,
                })
                .collect();
        }
        let mut found: Vec<Found> = recognise(input)
            .iter()
            .filter_map(|m| self.mention(m))
            .collect();
        let references = match self {
            Model::Percent => percent_references(input)
                .into_iter()
                .map(|r| (r.start, r.end, None))
                .collect(),
            Model::Temperature => unit_references(input)
                .into_iter()
                .map(|r| (r.start, r.end, Some(r.unit)))
                .collect(),
            _ => Vec::new(),
        };
        found.extend(references.into_iter().map(|(start, end, unit)| Found {
            start,
            end,
            value: Resolved::Null,
            unit: unit.map(str::to_string),
        }));
        found
    }

    /// A mention this model reports, with the span it reports: the whole
    /// mention, or the bare number for NumberModel.
    fn mention(self, m: &NumberMention) -> Option<Found> {
        let whole = |unit: Option<&str>| Found {
            start: m.start,
            end: m.end,
            value: Resolved::Number(m.value),
            unit: unit.map(str::to_string),
        };
        let is_temperature = |u: &str| matches!(u, "°C" | "°F" | "°" | "K");
        match (self, m.kind) {
            (Model::Number, NumberKind::Ordinal) => None,
            (Model::Number, _) => Some(Found {
                start: m.number_start,
                end: m.number_end,
                ..whole(None)
            }),
            (Model::Percent, NumberKind::Percent) | (Model::Ordinal, NumberKind::Ordinal) => {
                Some(whole(None))
            }
            (Model::Currency, NumberKind::Currency(iso)) => Some(whole(Some(iso))),
            (Model::Dimension, NumberKind::Measure(u)) if !is_temperature(u) || u == "°" => {
                Some(whole(Some(u)))
            }
            (Model::Temperature, NumberKind::Measure(u)) if is_temperature(u) => {
                Some(whole(Some(u)))
            }
            (Model::Age, NumberKind::Age(u)) => Some(whole(Some(u))),
            _ => None,
        }
    }
}

/// A value found or expected.
#[derive(Debug, Clone, Copy)]
enum Resolved {
    /// A number (percentages without the sign).
    Number(f64),
    /// An interval, open on a side without a bound.
    Interval(Option<Bound>, Option<Bound>),
    /// No value: the text names a quantity without giving one.
    Null,
    /// A value this command cannot compare ("end-1" in OrdinalModel).
    Unreadable,
}

/// One thing the recogniser found, as this command compares it.
struct Found {
    start: usize,
    end: usize,
    value: Resolved,
    /// ISO currency or canonical unit.
    unit: Option<String>,
}

/// One expected result of a spec case.
struct Expected {
    text: String,
    start: usize,
    end: usize,
    value: Resolved,
    /// Spec amounts in cents or pence are a hundredth of the main unit.
    minor_unit: bool,
    /// ISO currency, or the unit this project writes for the spec's unit.
    unit: Option<String>,
}

/// Reads `[20,30)`, `(,100]`, `[170,170]`.
fn parse_interval(text: &str) -> Option<Resolved> {
    let text = text.trim();
    let low_inclusive = match text.chars().next()? {
        '[' => true,
        '(' => false,
        _ => return None,
    };
    let high_inclusive = match text.chars().last()? {
        ']' => true,
        ')' => false,
        _ => return None,
    };
    let (low, high) = text[1..text.len() - 1].split_once(',')?;
    let bound = |s: &str, inclusive: bool| -> Option<Option<Bound>> {
        let s = s.trim();
        if s.is_empty() {
            return Some(None);
        }
        Some(Some(Bound {
            value: s.parse().ok()?,
            inclusive,
        }))
    };
    Some(Resolved::Interval(
        bound(low, low_inclusive)?,
        bound(high, high_inclusive)?,
    ))
}

/// The unit this project writes for a Recognizers-Text unit name.
fn spec_unit(model: Model, unit: &str) -> Option<&'static str> {
    Some(match (model, unit) {
        (Model::Age, "Year" | "Age") => "year",
        (Model::Age, "Month") => "month",
        (Model::Age, "Week") => "week",
        (Model::Age, "Day") => "day",
        (Model::Temperature, "C") => "°C",
        (Model::Temperature, "F") => "°F",
        (Model::Temperature | Model::Dimension, "Degree") => "°",
        (Model::Temperature, "K") => "K",
        (Model::Dimension, u) => match u {
            "Pound" => "lb",
            "Ounce" => "oz",
            "Milliliter" => "ml",
            "Liter" => "l",
            "Inch" => "in",
            "Mile" => "mi",
            "Foot" => "ft",
            "Yard" => "yd",
            "Meter" => "m",
            "Kilometer" => "km",
            "Centimeter" => "cm",
            "Millimeter" => "mm",
            "Decimeter" => "dm",
            "Picometer" => "pm",
            "Barrel" => "bbl",
            "Gallon" => "gal",
            "Tablespoon" => "tbsp",
            "Teaspoon" => "tsp",
            "Cup" => "cup",
            "Radian" => "rad",
            "Acre" => "acre",
            "Hectare" => "ha",
            "Cubic foot" => "ft³",
            "Cubic meter" => "m³",
            "Square meter" => "m²",
            "Square kilometer" => "km²",
            "Square foot" => "ft²",
            "Ton" | "Metric ton" => "t",
            "Kilogram" => "kg",
            "Gram" => "g",
            "Milligram" => "mg",
            "Microgram" => "μg",
            "Bit" => "bit",
            "Byte" => "B",
            "Kilobyte" => "kB",
            "Megabyte" => "MB",
            "Gigabyte" => "GB",
            "Terabyte" => "TB",
            "Kilobit" => "kb",
            "Megabit" => "Mb",
            "Gigabit" => "Gb",
            "Mile per hour" => "mph",
            "Kilometer per hour" => "km/h",
            "Meter per second" => "m/s",
            _ => return None,
        },
        _ => return None,
    })
}

fn parse_expected(model: Model, result: &Value) -> anyhow::Result<Expected> {
    let resolution = &result["Resolution"];
    let raw = resolution["value"].as_str();
    let value = match raw {
        None | Some("null") => Resolved::Null,
        Some(v) if model == Model::NumberRange => parse_interval(v).unwrap_or(Resolved::Unreadable),
        Some(v) => v
            .trim_end_matches('%')
            .parse::<f64>()
            .map_or(Resolved::Unreadable, Resolved::Number),
    };
    let unit = resolution["unit"].as_str().unwrap_or_default();
    let unit = match model {
        Model::Currency => resolution["isoCurrency"].as_str().map(str::to_string),
        Model::Dimension | Model::Temperature | Model::Age => {
            // A unit this project does not write can never match.
            Some(spec_unit(model, unit).unwrap_or("?").to_string())
        }
        _ => None,
    };
    Ok(Expected {
        text: result["Text"].as_str().unwrap_or_default().to_string(),
        start: result["Start"].as_u64().context("result without Start")? as usize,
        end: result["End"].as_u64().context("result without End")? as usize + 1,
        value,
        minor_unit: model == Model::Currency
            && matches!(unit_name(resolution), "Cent" | "Pence" | "Penny"),
        unit,
    })
}

fn unit_name(resolution: &Value) -> &str {
    resolution["unit"].as_str().unwrap_or_default()
}

fn same_value(expected: f64, found: f64) -> bool {
    (expected - found).abs() <= 1e-9 * expected.abs().max(1.0)
}

fn same_bound(expected: Option<Bound>, found: Option<Bound>) -> bool {
    match (expected, found) {
        (None, None) => true,
        (Some(e), Some(f)) => e.inclusive == f.inclusive && same_value(e.value, f.value),
        _ => false,
    }
}

fn matches(expected: &Expected, found: &Found) -> bool {
    if (found.start, found.end) != (expected.start, expected.end) {
        return false;
    }
    let unit_ok = match (&expected.unit, &found.unit) {
        (Some(e), Some(f)) => e == f,
        (Some(_), None) => false,
        _ => true,
    };
    let value_ok = match (expected.value, found.value) {
        (Resolved::Number(e), Resolved::Number(f)) => {
            same_value(e, if expected.minor_unit { f * 100.0 } else { f })
        }
        (Resolved::Interval(el, eh), Resolved::Interval(fl, fh)) => {
            same_bound(el, fl) && same_bound(eh, fh)
        }
        (Resolved::Null, Resolved::Null) => true,
        _ => false,
    };
    unit_ok && value_ok
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<()> {
    let model = Model::from_path(&args.file)?;
    let raw = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let cases: Vec<Value> = serde_json::from_str(raw.trim_start_matches('\u{feff}'))
        .with_context(|| format!("parsing {}", args.file.display()))?;
    let (mut passed, mut strict, mut supported, mut supported_passed) = (0, 0, 0, 0);
    for case in &cases {
        let input = case["Input"].as_str().context("case without Input")?;
        let expected = case["Results"]
            .as_array()
            .map(|r| {
                r.iter()
                    .map(|r| parse_expected(model, r))
                    .collect::<anyhow::Result<Vec<_>>>()
            })
            .transpose()?
            .unwrap_or_default();
        let found = model.found(input);
        let missing: Vec<&Expected> = expected
            .iter()
            .filter(|e| !found.iter().any(|f| matches(e, f)))
            .collect();
        let extra = found
            .iter()
            .filter(|f| !expected.iter().any(|e| matches(e, f)))
            .count();
        let ok = missing.is_empty();
        let is_supported =
            case.get("NotSupported").is_none() && case.get("NotSupportedByDesign").is_none();
        passed += usize::from(ok);
        strict += usize::from(ok && extra == 0);
        supported += usize::from(is_supported);
        supported_passed += usize::from(ok && is_supported);
        if args.verbose && !ok {
            println!("FAIL {input:?}");
            for e in &missing {
                println!(
                    "  expected {:?} [{}..{}) = {:?} {}",
                    e.text,
                    e.start,
                    e.end,
                    e.value,
                    e.unit.as_deref().unwrap_or_default()
                );
            }
            for f in &found {
                let text: String = input.chars().skip(f.start).take(f.end - f.start).collect();
                println!(
                    "  found    {text:?} [{}..{}) = {:?} {}",
                    f.start,
                    f.end,
                    f.value,
                    f.unit.as_deref().unwrap_or_default()
                );
            }
        }
    }
    let share = |n: usize, d: usize| {
        if d == 0 {
            0.0
        } else {
            100.0 * n as f64 / d as f64
        }
    };
    println!(
        "{}: {passed}/{} cases ({:.1}%); strict (no extra mentions) {strict} ({:.1}%); cases without NotSupported {supported_passed}/{supported} ({:.1}%)",
        args.file.display(),
        cases.len(),
        share(passed, cases.len()),
        share(strict, cases.len()),
        share(supported_passed, supported),
    );
    Ok(())
}
