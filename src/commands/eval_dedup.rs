//! `newsflow eval dedup`: precision and recall of the `dedup` stage on
//! labelled pairs made at run time from real stories (the fixture articles
//! and the documents of CoNLL-2003 files), and its speed and memory on a
//! long stream.
//!
//! Each story gives four pairs that must match (a reworded headline and
//! lead, an added paragraph, an "UPDATE 2" with a new lead and a paragraph
//! more and one less, the story cut short) and up to three that must not:
//! the story and each of the three other stories whose headlines share
//! most words with it (the same sport, the same market, the same country). Each pair is judged in a
//! window of its own; the variants are made with a fixed seed, so the
//! figures are the same every run.

use newsflow_core::{Article, BuildContext, Route, TransformConfig};
use newsflow_stages::transforms::dedup::text::mix;
use newsflow_stages::transforms::dedup::window::{Settings, Window};
use newsflow_stages::transforms::dedup::DedupConfig;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Arguments of `newsflow eval dedup`.
#[derive(clap::Args)]
pub struct Args {
    /// CoNLL-2003 files whose documents are varied into pairs
    /// (`../shared/data/conll2003/eng.testa`).
    conll: Vec<PathBuf>,
    /// A directory of articles (`.txt` bodies) varied into pairs too.
    #[arg(long, default_value = "fixtures/articles")]
    fixtures: PathBuf,
    /// The similarity threshold judged with.
    #[arg(long, default_value_t = 0.4)]
    threshold: f64,
    /// Then streams this many generated articles through a `dedup` stage
    /// (state in a temporary directory) and prints articles/s and peak memory.
    #[arg(long, default_value_t = 0)]
    stream: usize,
    /// The stage's window for `--stream`.
    #[arg(long, default_value_t = 100_000)]
    window: usize,
    /// Prints every pair judged wrong.
    #[arg(long, short)]
    verbose: bool,
}

/// A story: a headline and its sentences.
struct Story {
    title: String,
    sentences: Vec<String>,
}

/// A labelled pair: the second article must (or must not) be found a
/// duplicate of the first.
struct Pair {
    kind: &'static str,
    duplicate: bool,
    first: Article,
    second: Article,
}

/// A small fixed-seed generator, so the pairs are the same every run.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 = mix(self.0.wrapping_add(0x9e37_79b9_7f4a_7c15));
        (self.0 % n.max(1) as u64) as usize
    }
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<()> {
    let mut stories = read_fixtures(&args.fixtures)?;
    for file in &args.conll {
        let text = std::fs::read_to_string(file)
            .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
        stories.extend(conll_stories(&text));
    }
    anyhow::ensure!(stories.len() >= 2, "fewer than two stories to vary");
    let pairs = make_pairs(&stories);
    let mut out = String::new();
    let started = Instant::now();
    // Judged once with a low threshold, for the similarity of every pair
    // the index finds; each threshold then decides on it.
    let similarities: Vec<Option<f64>> = pairs.iter().map(similarity).collect();
    let elapsed = started.elapsed();
    writeln!(
        out,
        "{} stories, {} pairs ({} must match, {} must not); {:.0} articles/s judging them",
        stories.len(),
        pairs.len(),
        pairs.iter().filter(|p| p.duplicate).count(),
        pairs.iter().filter(|p| !p.duplicate).count(),
        (2 * pairs.len()) as f64 / elapsed.as_secs_f64()
    )?;
    writeln!(out, "threshold  precision  recall")?;
    for threshold in [0.3, 0.4, 0.5, 0.6, 0.7, 0.8] {
        let (p, r) = scores(&pairs, &similarities, threshold);
        writeln!(out, "{threshold:>9.2}  {p:>9.3}  {r:>6.3}")?;
    }
    let (precision, recall) = scores(&pairs, &similarities, args.threshold);
    writeln!(
        out,
        "at {}: precision {precision:.3}, recall {recall:.3}",
        args.threshold
    )?;
    let mut by_kind: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (pair, sim) in pairs.iter().zip(&similarities) {
        let said = sim.is_some_and(|s| s >= args.threshold);
        let right = said == pair.duplicate;
        let counts = by_kind.entry(pair.kind).or_default();
        counts.0 += usize::from(right);
        counts.1 += 1;
        if !right && args.verbose {
            writeln!(
                out,
                "  wrong: {} {} / {} (similarity {:?})",
                pair.kind, pair.first.id, pair.second.id, sim
            )?;
        }
    }
    for (kind, (right, all)) in by_kind {
        writeln!(out, "  {kind:<12} {right}/{all} judged right")?;
    }
    if args.stream > 0 {
        stream(&stories, &args, &mut out)?;
    }
    super::print_stdout(&out)?;
    Ok(())
}

/// Precision and recall of "a duplicate" at `threshold`.
fn scores(pairs: &[Pair], similarities: &[Option<f64>], threshold: f64) -> (f64, f64) {
    let (mut tp, mut fp, mut fn_) = (0usize, 0usize, 0usize);
    for (pair, sim) in pairs.iter().zip(similarities) {
        match (sim.is_some_and(|s| s >= threshold), pair.duplicate) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, true) => fn_ += 1,
            (false, false) => {}
        }
    }
    let ratio = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
    (ratio(tp, tp + fp), ratio(tp, tp + fn_))
}

/// The similarity the window gives the second article of a pair to the
/// first, in a window of its own; `None` when it finds no match.
fn similarity(pair: &Pair) -> Option<f64> {
    let mut window = Window::new(Settings {
        threshold: 0.05,
        window: 16,
        max_age: Duration::from_secs(86_400),
    });
    window.verdict(&pair.first, 1);
    let verdict = window.verdict(&pair.second, 1);
    (verdict.duplicate_of.as_deref() == Some(pair.first.id.as_str())).then_some(verdict.similarity)
}

fn article(id: String, title: &str, sentences: &[String]) -> Article {
    let mut article =
        Article::from_text(id, sentences.join(" ")).expect("a story has an id and sentences");
    article.title = Some(title.to_owned());
    article
}

/// Four variants that must match each story, and its nearest other story
/// by headline, which must not.
fn make_pairs(stories: &[Story]) -> Vec<Pair> {
    let mut rng = Rng(7);
    let mut pairs = Vec::new();
    for (i, story) in stories.iter().enumerate() {
        let s = &story.sentences;
        let original = article(format!("s{i}"), &story.title, s);
        let other = &stories[(i + 1 + rng.below(stories.len() - 1)) % stories.len()].sentences;
        let mut pair = |kind, duplicate, second: Article| {
            pairs.push(Pair {
                kind,
                duplicate,
                first: original.clone(),
                second,
            })
        };
        // A new headline and a reworded lead.
        let mut lead = s.clone();
        lead[0] = lead[0]
            .split(' ')
            .enumerate()
            .filter(|(n, _)| *n == 0 || rng.below(4) != 0)
            .map(|(_, w)| w)
            .collect::<Vec<_>>()
            .join(" ");
        let headline = format!("WRAPUP 1-{}", reword(&story.title));
        pair(
            "headline",
            true,
            article(format!("s{i}-headline"), &headline, &lead),
        );
        // A paragraph added after the lead.
        let mut added = s.clone();
        let at = 1 + rng.below(s.len() - 1);
        let paragraph: Vec<String> = other.iter().take(2 + rng.below(2)).cloned().collect();
        added.splice(at..at, paragraph);
        pair(
            "paragraph",
            true,
            article(format!("s{i}-paragraph"), &story.title, &added),
        );
        // An update: a new lead, a sentence less, a paragraph more.
        let mut update = vec![other[other.len() - 1].clone()];
        let dropped = 1 + rng.below(s.len() - 1);
        update.extend(
            s.iter()
                .enumerate()
                .filter(|(n, _)| *n != dropped)
                .map(|(_, x)| x.clone()),
        );
        update.extend(other.iter().take(2).cloned());
        let title = format!("UPDATE 2-{}", story.title);
        pair(
            "update",
            true,
            article(format!("s{i}-update"), &title, &update),
        );
        // Cut short: 40% to 70% of its sentences, at least two.
        let keep = (s.len() * (40 + rng.below(31)) / 100).max(2);
        pair(
            "truncation",
            true,
            article(format!("s{i}-cut"), &story.title, &s[..keep]),
        );
        // The three other stories closest in topic.
        for j in same_topic(stories, i) {
            let distinct = article(format!("s{j}"), &stories[j].title, &stories[j].sentences);
            pair("same-topic", false, distinct);
        }
    }
    pairs
}

/// The headline's words in another order, as a desk rewrites one.
fn reword(title: &str) -> String {
    let words: Vec<&str> = title.split_whitespace().collect();
    let (a, b) = words.split_at(words.len() / 2);
    b.iter().chain(a).copied().collect::<Vec<_>>().join(" ")
}

/// Headline words that say what a story is about.
fn topic_words(title: &str) -> BTreeSet<String> {
    const COMMON: &[&str] = &[
        "the", "and", "for", "with", "from", "after", "says", "said", "over",
    ];
    title
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| w.len() >= 3 && !COMMON.contains(&w.as_str()))
        .collect()
}

/// The three other stories whose headlines share most topic words with
/// story `i` (at least one).
fn same_topic(stories: &[Story], i: usize) -> Vec<usize> {
    let mine = topic_words(&stories[i].title);
    let mut near: Vec<(usize, usize)> = (0..stories.len())
        .filter(|j| *j != i)
        .map(|j| {
            (
                topic_words(&stories[j].title).intersection(&mine).count(),
                j,
            )
        })
        .filter(|(shared, _)| *shared > 0)
        .collect();
    near.sort_by_key(|(shared, j)| (std::cmp::Reverse(*shared), *j));
    near.into_iter().take(3).map(|(_, j)| j).collect()
}

/// CoNLL documents as stories: the first sentence is the headline; a
/// document needs three sentences and 40 words of body to vary.
fn conll_stories(text: &str) -> Vec<Story> {
    newsflow_extract::ner::conll::parse(text)
        .into_iter()
        .filter_map(|doc| {
            let mut sentences = doc
                .sentences
                .iter()
                .map(|r| doc.tokens[r.clone()].join(" "));
            let title = sentences.next()?;
            let sentences: Vec<String> = sentences.collect();
            let words: usize = sentences.iter().map(|s| s.split(' ').count()).sum();
            (sentences.len() >= 3 && words >= 40).then_some(Story { title, sentences })
        })
        .collect()
}

/// The `.txt` articles of a directory as stories: sentences split at a
/// full stop, the headline the first sentence's first eight words.
fn read_fixtures(dir: &Path) -> anyhow::Result<Vec<Story>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    let mut stories = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file)?;
        let sentences: Vec<String> = text
            .split_inclusive(". ")
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        if sentences.len() >= 3 {
            let title = sentences[0]
                .split(' ')
                .take(8)
                .collect::<Vec<_>>()
                .join(" ");
            stories.push(Story { title, sentences });
        }
    }
    Ok(stories)
}

/// Streams `args.stream` generated articles through a `dedup` stage: each
/// a new story of 6 to 15 sentences drawn from the corpus, and every tenth
/// a copy of a recent one cut short. Prints articles/s (time in the stage
/// only) and the process's peak memory.
fn stream(stories: &[Story], args: &Args, out: &mut String) -> anyhow::Result<()> {
    let pool: Vec<&str> = stories
        .iter()
        .flat_map(|s| s.sentences.iter().map(String::as_str))
        .collect();
    let state = tempfile::tempdir()?;
    let config: DedupConfig = serde_json::from_value(serde_json::json!({
        "window": args.window, "threshold": args.threshold,
    }))?;
    let stage = config
        .build(&BuildContext::new(
            newsflow_core::StageKey::transform("dedup"),
            state.path(),
        ))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let before = super::bench::peak_memory_mb();
    let mut rng = Rng(11);
    let mut recent: Vec<Vec<usize>> = Vec::new();
    let (mut in_stage, mut marked) = (Duration::ZERO, 0usize);
    for n in 0..args.stream {
        let picks: Vec<usize> = if n % 10 == 9 && !recent.is_empty() {
            let story = &recent[rng.below(recent.len())];
            story[..story.len() * 2 / 3].to_vec()
        } else {
            let picks: Vec<usize> = (0..6 + rng.below(10))
                .map(|_| rng.below(pool.len()))
                .collect();
            if recent.len() == 64 {
                recent.remove(0);
            }
            recent.push(picks.clone());
            picks
        };
        let body: Vec<&str> = picks.iter().map(|p| pool[*p]).collect();
        let mut article = Article::from_text(format!("a{n}"), body.join(" "))
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let started = Instant::now();
        let routed = stage.route(&mut article);
        in_stage += started.elapsed();
        if matches!(routed, Ok(Route::Pass)) && article.extra.contains_key("duplicate_of") {
            marked += 1;
        }
    }
    let peak = super::bench::peak_memory_mb();
    writeln!(
        out,
        "stream: {} articles through a window of {}: {:.0} articles/s in the stage; {marked} marked duplicates ({} copies made); peak memory {:.1} MB ({:.1} MB before the stream)",
        args.stream,
        args.window,
        args.stream as f64 / in_stage.as_secs_f64(),
        args.stream / 10,
        peak.unwrap_or(f64::NAN),
        before.unwrap_or(f64::NAN),
    )?;
    Ok(())
}
