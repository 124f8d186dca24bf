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
    // A write error (such as a closed pipe) ends the command, not a panic.
    write!(
        std::io::stdout().lock(),
        "{}",
        train::evaluate(tagger.model(), &docs)
    )?;
    Ok(())
}
