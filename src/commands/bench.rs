//! `newsflow bench`: speed and memory of full enrichment on one thread.

use anyhow::Context;
use newsflow_extract::ner::conll;
use newsflow_extract::Extractor;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Arguments of `newsflow bench`.
#[derive(clap::Args)]
pub struct Args {
    /// Articles: `.txt` files (one article each), directories of them, or
    /// CoNLL files (each `-DOCSTART-` document becomes one article).
    #[arg(required = true)]
    corpus: Vec<PathBuf>,
    /// The corpus is cycled until it holds at least this many megabytes.
    #[arg(long, default_value_t = 10.0)]
    min_mb: f64,
    /// Model file to use instead of the bundled one.
    #[arg(long)]
    model: Option<PathBuf>,
}

/// Collects articles from a file or directory.
fn collect(path: &Path, articles: &mut Vec<String>) -> anyhow::Result<()> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("reading {}", path.display()))?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()?;
        entries.sort();
        for entry in entries {
            if entry.is_dir() || entry.extension().is_some_and(|e| e == "txt") {
                collect(&entry, articles)?;
            }
        }
        return Ok(());
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    if text.contains("-DOCSTART-") {
        for doc in conll::parse(&text) {
            let sentences: Vec<String> = doc
                .sentences
                .iter()
                .map(|s| doc.tokens[s.clone()].join(" "))
                .collect();
            articles.push(sentences.join("\n"));
        }
    } else {
        articles.push(text);
    }
    Ok(())
}

/// CPU time this thread has run, from /proc (Linux): unlike wall time, it
/// does not count time other processes held the core.
fn thread_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: f64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(nanos / 1e9)
}

/// Peak resident memory of this process, from /proc (Linux).
pub(crate) fn peak_memory_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<()> {
    let mut articles = Vec::new();
    for path in &args.corpus {
        collect(path, &mut articles)?;
    }
    articles.retain(|a| !a.trim().is_empty());
    anyhow::ensure!(!articles.is_empty(), "the corpus holds no articles");
    let unique_bytes: usize = articles.iter().map(String::len).sum();
    let target = (args.min_mb * 1e6) as usize;
    let mut corpus: Vec<&str> = Vec::new();
    let mut bytes = 0;
    while bytes < target.max(1) {
        for a in &articles {
            corpus.push(a);
            bytes += a.len();
        }
    }
    let words: usize = corpus.iter().map(|a| a.split_whitespace().count()).sum();

    let loading = Instant::now();
    let extractor = match &args.model {
        Some(path) => Extractor::from_model_file(path)?,
        None => Extractor::bundled()?,
    };
    let load_seconds = loading.elapsed().as_secs_f64();

    let started = Instant::now();
    let cpu_started = thread_cpu_seconds();
    let (mut entities, mut figures) = (0usize, 0usize);
    for article in &corpus {
        let notes = extractor.extract(article);
        entities += notes
            .entities
            .iter()
            .map(|e| e.mentions.len())
            .sum::<usize>();
        figures += notes.figures.len();
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu_seconds = thread_cpu_seconds()
        .zip(cpu_started)
        .map(|(end, start)| end - start);
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "corpus: {} articles ({} distinct, {:.1} MB distinct), {:.1} MB, {} words",
        corpus.len(),
        articles.len(),
        unique_bytes as f64 / 1e6,
        bytes as f64 / 1e6,
        words
    )?;
    writeln!(out, "model loaded in {load_seconds:.3} s")?;
    writeln!(
        out,
        "one thread, wall time: {:.1} s, {:.0} words/s, {:.2} MB/s; {} entity mentions, {} figures",
        seconds,
        words as f64 / seconds,
        bytes as f64 / 1e6 / seconds,
        entities,
        figures
    )?;
    if let Some(cpu) = cpu_seconds.filter(|&c| c > 0.0) {
        writeln!(
            out,
            "one thread, CPU time: {:.1} s, {:.0} words/s, {:.2} MB/s",
            cpu,
            words as f64 / cpu,
            bytes as f64 / 1e6 / cpu
        )?;
    }
    match peak_memory_mb() {
        Some(mb) => writeln!(out, "peak memory: {mb:.1} MB")?,
        None => writeln!(out, "peak memory: unavailable on this platform")?,
    }
    Ok(())
}
