//! `newsflow eval extraction`: how well the `fetch` transform finds an
//! article's text, on the article extraction benchmark's layout
//! (`ground-truth.json` and `html/KEY.html.gz`), with the metric of its
//! `evaluate.py`.

use anyhow::Context;
use newsflow_stages::transforms::fetch::extract_article;
use regex::Regex;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

/// Arguments of `newsflow eval extraction`.
#[derive(clap::Args)]
pub struct Args {
    /// The benchmark directory: `ground-truth.json` and `html/KEY.html.gz`.
    dir: PathBuf,
    /// Also write the extracted bodies as `{KEY: {"articleBody": ...}}`, the
    /// form evaluate.py reads from `output/*.json`.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Also print the N pages scored worst, with their URL.
    #[arg(long, default_value_t = 0)]
    worst: usize,
}

/// One page's shingle counts, normalised to sum to 1 (evaluate.py's
/// `string_shingle_matching`).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Counts {
    tp: f64,
    fp: f64,
    fn_: f64,
}

/// Runs the command: extracts every page, prints F1, precision and recall.
pub fn run(args: Args) -> anyhow::Result<()> {
    let truth_path = args.dir.join("ground-truth.json");
    let truth: Map<String, Value> = serde_json::from_str(
        &std::fs::read_to_string(&truth_path)
            .with_context(|| format!("reading {}", truth_path.display()))?,
    )
    .with_context(|| format!("{}: not a JSON object", truth_path.display()))?;
    anyhow::ensure!(!truth.is_empty(), "{}: no pages", truth_path.display());
    let started = std::time::Instant::now();
    let mut predictions = Map::new();
    let mut scored = Vec::with_capacity(truth.len());
    for (key, expected) in &truth {
        let html = read_page(&args.dir, key)?;
        let url = expected.get("url").and_then(Value::as_str);
        // A page with no text found scores as an empty extraction.
        let body = extract_article(&html, url)
            .map(|a| a.text)
            .unwrap_or_default();
        let gold = expected
            .get("articleBody")
            .and_then(Value::as_str)
            .unwrap_or_default();
        scored.push((shingle_matching(gold, &body), key.as_str(), url));
        predictions.insert(key.clone(), json!({ "articleBody": body }));
    }
    let elapsed = started.elapsed();
    let counts: Vec<Counts> = scored.iter().map(|(c, _, _)| *c).collect();
    let (f1, precision, recall) = scores(&counts);
    println!(
        "F1 {f1:.4} (precision {precision:.4}, recall {recall:.4}) on {} pages; {:.1} pages/s",
        truth.len(),
        truth.len() as f64 / elapsed.as_secs_f64()
    );
    if args.worst > 0 {
        scored.sort_by(|a, b| a.0.tp.total_cmp(&b.0.tp));
        for (c, key, url) in scored.iter().take(args.worst) {
            println!(
                "  tp {:.2} fp {:.2} fn {:.2}  {key}  {}",
                c.tp,
                c.fp,
                c.fn_,
                url.unwrap_or("-")
            );
        }
    }
    if let Some(path) = &args.output {
        std::fs::write(path, serde_json::to_string(&Value::Object(predictions))?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

fn read_page(dir: &Path, key: &str) -> anyhow::Result<Vec<u8>> {
    let path = dir.join("html").join(format!("{key}.html.gz"));
    let file = std::fs::File::open(&path).with_context(|| format!("reading {}", path.display()))?;
    let mut html = Vec::new();
    flate2::read::GzDecoder::new(file)
        .read_to_end(&mut html)
        .with_context(|| format!("{}: not gzip", path.display()))?;
    Ok(html)
}

/// Python's `\w+` (letters, digits, underscore), evaluate.py's tokens.
fn tokens(text: &str) -> Vec<&str> {
    static WORD: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"[\p{L}\p{N}_]+").expect("a valid pattern"));
    WORD.find_iter(text).map(|m| m.as_str()).collect()
}

/// Counts of each 4-token shingle; a text of 1 to 3 tokens is one shingle.
fn shingles(text: &str) -> HashMap<Vec<&str>, usize> {
    let tokens = tokens(text);
    let mut counts = HashMap::new();
    if tokens.is_empty() {
        return counts;
    }
    for window in tokens.windows(4.min(tokens.len())) {
        *counts.entry(window.to_vec()).or_insert(0) += 1;
    }
    counts
}

fn shingle_matching(truth: &str, predicted: &str) -> Counts {
    let (truth, predicted) = (shingles(truth), shingles(predicted));
    let (mut tp, mut fp, mut fn_) = (0.0, 0.0, 0.0);
    for key in truth
        .keys()
        .chain(predicted.keys().filter(|k| !truth.contains_key(*k)))
    {
        let t = truth.get(key).copied().unwrap_or(0) as f64;
        let p = predicted.get(key).copied().unwrap_or(0) as f64;
        tp += t.min(p);
        fp += (p - t).max(0.0);
        fn_ += (t - p).max(0.0);
    }
    // Normalised so that longer texts do not weigh more.
    let sum = tp + fp + fn_;
    if sum > 0.0 {
        Counts {
            tp: tp / sum,
            fp: fp / sum,
            fn_: fn_ / sum,
        }
    } else {
        Counts { tp, fp, fn_ }
    }
}

/// F1 of the mean precision (over pages with something predicted) and the
/// mean recall (over pages with something expected).
fn scores(counts: &[Counts]) -> (f64, f64, f64) {
    // The mean of tp / (tp + wrong) over pages where that is defined; a
    // page with nothing wrong either way scores 1.
    let mean = |wrong: fn(&Counts) -> f64| {
        let values: Vec<f64> = counts
            .iter()
            .filter(|c| c.tp + wrong(c) > 0.0)
            .map(|c| {
                if c.fp == 0.0 && c.fn_ == 0.0 {
                    1.0
                } else {
                    c.tp / (c.tp + wrong(c))
                }
            })
            .collect();
        values.iter().sum::<f64>() / values.len().max(1) as f64
    };
    let precision = mean(|c| c.fp);
    let recall = mean(|c| c.fn_);
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    (f1, precision, recall)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shingles_count_as_evaluate_py_counts_them() {
        // Same text: all true positives.
        let same = shingle_matching("one two three four five", "one two three four five");
        assert_eq!(
            same,
            Counts {
                tp: 1.0,
                fp: 0.0,
                fn_: 0.0
            }
        );
        // Shingles: truth {1234, 2345}; predicted {1234, 2349}: tp 1, fp 1, fn 1.
        let c = shingle_matching("1 2 3 4 5", "1 2 3 4 9");
        assert!((c.tp - 1.0 / 3.0).abs() < 1e-12 && (c.fp - 1.0 / 3.0).abs() < 1e-12);
        // Fewer than four tokens make one shingle; none make none.
        assert_eq!(shingles("a b").len(), 1);
        assert!(shingles(" ... ").is_empty());
        assert_eq!(
            tokens("Don't stop_me, café 42!"),
            ["Don", "t", "stop_me", "café", "42"]
        );
    }

    #[test]
    fn an_empty_prediction_counts_for_recall_only() {
        let counts = [
            shingle_matching("a b c d", ""),
            shingle_matching("a b c d", "a b c d"),
            shingle_matching("", ""),
        ];
        let (f1, precision, recall) = scores(&counts);
        assert_eq!(precision, 1.0);
        assert_eq!(recall, 0.5);
        assert!((f1 - 2.0 / 3.0).abs() < 1e-12);
    }
}
