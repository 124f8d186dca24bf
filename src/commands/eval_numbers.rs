//! `newsflow eval numbers FILE`: the share of Recognizers-Text spec cases
//! the number recogniser gets right.
//!
//! A spec file is a JSON array of `{Input, Results: [{Text, Start, End,
//! Resolution: {value, unit?, isoCurrency?}}]}` (`End` inclusive). A case
//! passes when every expected result is found with the same span and
//! value; the model (Number, Percent, Currency, Ordinal) comes from the
//! file name. A result whose value is null ("Only a small percent attain
//! the top ranks") names a percentage without giving one: it is found by a
//! [`percent_references`] entry with the same span, never by a number. The
//! strict share also requires no extra mention of that kind.

use anyhow::{bail, Context};
use newsflow_extract::numbers::{
    percent_references, recognise, NumberKind, NumberMention, PercentReference,
};
use serde_json::Value;
use std::path::PathBuf;

/// Arguments.
#[derive(clap::Args)]
pub struct Args {
    /// A Recognizers-Text spec file (NumberModel.json, PercentModel.json,
    /// CurrencyModel.json or OrdinalModel.json).
    pub file: PathBuf,
    /// Print every failing case with what was expected and found.
    #[arg(short, long)]
    pub verbose: bool,
}

/// Which recogniser output a spec file tests.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Model {
    Number,
    Percent,
    Currency,
    Ordinal,
}

impl Model {
    fn from_path(path: &std::path::Path) -> anyhow::Result<Model> {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        Ok(if name.contains("Percent") {
            Model::Percent
        } else if name.contains("Currency") {
            Model::Currency
        } else if name.contains("Ordinal") {
            Model::Ordinal
        } else if name.contains("Number") {
            Model::Number
        } else {
            bail!("cannot tell the model from the file name {name:?}")
        })
    }

    /// The percentages `input` names without a number, for the model
    /// whose spec expects them.
    fn references(self, input: &str) -> Vec<PercentReference> {
        match self {
            Model::Percent => percent_references(input),
            _ => Vec::new(),
        }
    }

    /// The span this model reports for a mention, if the mention is one
    /// of its kind: the whole mention, or the bare number for NumberModel.
    fn span(self, m: &NumberMention) -> Option<(usize, usize)> {
        match (self, m.kind) {
            (Model::Number, NumberKind::Ordinal) => None,
            (Model::Number, _) => Some((m.number_start, m.number_end)),
            (Model::Percent, NumberKind::Percent)
            | (Model::Currency, NumberKind::Currency(_))
            | (Model::Ordinal, NumberKind::Ordinal) => Some((m.start, m.end)),
            _ => None,
        }
    }
}

/// One expected result of a spec case.
struct Expected {
    text: String,
    start: usize,
    end: usize,
    value: Resolved,
    /// Spec amounts in cents or pence are a hundredth of the main unit.
    minor_unit: bool,
    iso: Option<String>,
}

/// An expected result's value.
#[derive(Debug)]
enum Resolved {
    /// A number (percentages without the sign).
    Number(f64),
    /// No value: the text names a quantity without giving one.
    Null,
    /// A value this command cannot compare ("end-1" in OrdinalModel).
    Unreadable,
}

fn parse_expected(result: &Value) -> anyhow::Result<Expected> {
    let resolution = &result["Resolution"];
    let value = match resolution["value"].as_str() {
        None | Some("null") => Resolved::Null,
        Some(v) => v
            .trim_end_matches('%')
            .parse::<f64>()
            .map_or(Resolved::Unreadable, Resolved::Number),
    };
    let unit = resolution["unit"].as_str().unwrap_or_default();
    Ok(Expected {
        text: result["Text"].as_str().unwrap_or_default().to_string(),
        start: result["Start"].as_u64().context("result without Start")? as usize,
        end: result["End"].as_u64().context("result without End")? as usize + 1,
        value,
        minor_unit: matches!(unit, "Cent" | "Pence" | "Penny"),
        iso: resolution["isoCurrency"].as_str().map(str::to_string),
    })
}

fn same_value(expected: f64, found: f64) -> bool {
    (expected - found).abs() <= 1e-9 * expected.abs().max(1.0)
}

fn matches(model: Model, expected: &Expected, m: &NumberMention) -> bool {
    if model.span(m) != Some((expected.start, expected.end)) {
        return false;
    }
    let Resolved::Number(value) = expected.value else {
        return false;
    };
    let found = if expected.minor_unit {
        m.value * 100.0
    } else {
        m.value
    };
    let iso_ok = match (&expected.iso, m.kind) {
        (Some(iso), NumberKind::Currency(code)) => iso == code,
        _ => true,
    };
    iso_ok && same_value(value, found)
}

fn matches_reference(expected: &Expected, r: &PercentReference) -> bool {
    matches!(expected.value, Resolved::Null) && (r.start, r.end) == (expected.start, expected.end)
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
                    .map(parse_expected)
                    .collect::<anyhow::Result<Vec<_>>>()
            })
            .transpose()?
            .unwrap_or_default();
        let found = recognise(input);
        let references = model.references(input);
        let missing: Vec<&Expected> = expected
            .iter()
            .filter(|e| {
                !found.iter().any(|m| matches(model, e, m))
                    && !references.iter().any(|r| matches_reference(e, r))
            })
            .collect();
        let extra = found
            .iter()
            .filter(|m| model.span(m).is_some() && !expected.iter().any(|e| matches(model, e, m)))
            .count()
            + references
                .iter()
                .filter(|r| !expected.iter().any(|e| matches_reference(e, r)))
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
                    "  expected {:?} [{}..{}) = {:?}",
                    e.text, e.start, e.end, e.value
                );
            }
            for m in &found {
                let text: String = input.chars().skip(m.start).take(m.end - m.start).collect();
                println!(
                    "  found    {text:?} [{}..{}) = {} {:?}",
                    m.start, m.end, m.value, m.kind
                );
            }
            for r in &references {
                let text: String = input.chars().skip(r.start).take(r.end - r.start).collect();
                println!(
                    "  found    {text:?} [{}..{}) without a value",
                    r.start, r.end
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
