//! `newsflow eval conll`: span-exact scores of the entity stage on a CoNLL file.

use anyhow::Context;
use newsflow_extract::ner::{conll, train, Tagger};
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `newsflow eval conll`.
#[derive(clap::Args)]
pub struct Args {
    /// CoNLL-format file (IOB1 or IOB2); each `-DOCSTART-` starts an article.
    file: PathBuf,
    /// Model file to use instead of the bundled one.
    #[arg(long)]
    model: Option<PathBuf>,
    /// Also print every missed and every wrong span, with its sentence.
    #[arg(long)]
    errors: bool,
}

/// Runs the command: prints precision, recall and F1 per type and overall,
/// as conlleval does.
pub fn run(args: Args) -> anyhow::Result<()> {
    let tagger = match &args.model {
        Some(path) => Tagger::load(path)?,
        None => Tagger::bundled()?,
    };
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let docs = conll::parse(&text);
    anyhow::ensure!(
        !docs.is_empty(),
        "{}: no CoNLL documents",
        args.file.display()
    );
    let mut out = std::io::stdout().lock();
    if args.errors {
        for (d, doc) in docs.iter().enumerate() {
            let tokens = doc.token_strs();
            let found: Vec<_> = tagger
                .tag_document(&tokens, &doc.sentences)
                .into_iter()
                .map(|(span, _)| span)
                .collect();
            let show = |s: &newsflow_extract::ner::TokenSpan| {
                format!("{} {}", s.kind.label(), tokens[s.start..s.end].join(" "))
            };
            for s in &doc.sentences {
                let inside =
                    |t: &&newsflow_extract::ner::TokenSpan| t.start >= s.start && t.end <= s.end;
                let missed: Vec<String> = doc
                    .spans
                    .iter()
                    .filter(inside)
                    .filter(|g| !found.contains(g))
                    .map(show)
                    .collect();
                let wrong: Vec<String> = found
                    .iter()
                    .filter(inside)
                    .filter(|p| !doc.spans.contains(p))
                    .map(show)
                    .collect();
                if missed.is_empty() && wrong.is_empty() {
                    continue;
                }
                writeln!(out, "doc {d}: {}", tokens[s.clone()].join(" "))?;
                for m in missed {
                    writeln!(out, "  - {m}")?;
                }
                for w in wrong {
                    writeln!(out, "  + {w}")?;
                }
            }
        }
    }
    // A write error (such as a closed pipe) ends the command, not a panic.
    write!(out, "{}", train::evaluate(tagger.model(), &docs))?;
    Ok(())
}
