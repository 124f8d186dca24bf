//! `newsflow train ner`: trains the entity tagger on CoNLL-2003-format data.

use anyhow::Context;
use newsflow_extract::ner::{conll, train};
use std::io::Write;
use std::path::PathBuf;

/// Arguments of `newsflow train ner`.
#[derive(clap::Args)]
pub struct Args {
    /// Training data, CoNLL format (IOB1 or IOB2), e.g. ../shared/data/conll2003/eng.train.
    #[arg(long)]
    train: PathBuf,
    /// More training data in another annotation scheme (repeatable): tags
    /// of WNUT-17 and CrossNER types are mapped to the CoNLL-2003 types,
    /// types CoNLL does not name read as `O`, and a file without
    /// `-DOCSTART-` lines is read as one document per sentence (tweets,
    /// encyclopedia sentences).
    #[arg(long)]
    extra: Vec<PathBuf>,
    /// Weight of the updates from `--extra` data (those of `--train` weigh
    /// 1): one value for every `--extra` file, or one per file, in order.
    #[arg(long, default_values_t = [0.5])]
    extra_weight: Vec<f32>,
    /// Development data, scored after every epoch; the best epoch's model is kept.
    #[arg(long)]
    dev: PathBuf,
    /// Where to write the model.
    #[arg(long)]
    out: PathBuf,
    /// Passes over the training data.
    #[arg(long, default_value_t = 12)]
    epochs: usize,
    /// Seed of the sentence shuffle (same seed and data, same model).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Train only the first tagging pass (no document-level second pass).
    #[arg(long)]
    single_pass: bool,
    /// Folds for cross-training the first-pass labels the second pass learns from.
    #[arg(long, default_value_t = 4)]
    folds: usize,
}

fn read_conll(path: &PathBuf) -> anyhow::Result<Vec<conll::Document>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let docs = conll::parse(&text);
    anyhow::ensure!(!docs.is_empty(), "{}: no CoNLL documents", path.display());
    Ok(docs)
}

/// Reads a file of `--extra` data: mapped types, and one document per
/// sentence where the file marks no documents.
fn read_extra(path: &PathBuf) -> anyhow::Result<Vec<conll::Document>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let docs = conll::parse_mapped(&text, conll::conll_type);
    anyhow::ensure!(!docs.is_empty(), "{}: no CoNLL documents", path.display());
    if text.lines().any(|l| l.starts_with("-DOCSTART-")) {
        return Ok(docs);
    }
    Ok(docs
        .iter()
        .flat_map(conll::Document::split_sentences)
        .collect())
}

/// Runs the command.
pub fn run(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(args.epochs > 0, "--epochs must be at least 1");
    anyhow::ensure!(
        args.extra_weight.iter().all(|w| *w > 0.0 && w.is_finite()),
        "--extra-weight must be a positive number"
    );
    anyhow::ensure!(
        args.extra_weight.len() == 1 || args.extra_weight.len() == args.extra.len(),
        "--extra-weight must be given once, or once per --extra file ({} of them)",
        args.extra.len()
    );
    let mut train_docs: Vec<(conll::Document, f32)> = read_conll(&args.train)?
        .into_iter()
        .map(|d| (d, 1.0))
        .collect();
    for (i, path) in args.extra.iter().enumerate() {
        let weight = args.extra_weight[i.min(args.extra_weight.len() - 1)];
        train_docs.extend(read_extra(path)?.into_iter().map(|d| (d, weight)));
    }
    let dev_docs = read_conll(&args.dev)?;
    let tokens: usize = train_docs.iter().map(|(d, _)| d.tokens.len()).sum();
    anyhow::ensure!(args.folds >= 2, "--folds must be at least 2");
    let mut out = std::io::stdout();
    writeln!(
        out,
        "training on {} documents ({tokens} tokens), {} epochs, seed {}",
        train_docs.len(),
        args.epochs,
        args.seed
    )?;
    let options = train::Options {
        epochs: args.epochs,
        seed: args.seed,
        second_pass: !args.single_pass,
        folds: args.folds,
    };
    let model = train::train(&train_docs, &dev_docs, options, |r| {
        let o = &r.dev.overall;
        // Progress lines only: a closed output must not stop the training.
        let _ = writeln!(
            std::io::stdout(),
            "pass {} epoch {:>2}: dev P {:.4} R {:.4} F1 {:.4}  ({} wrong training sentences, {} features, {:.1}s)",
            r.pass,
            r.epoch,
            o.precision(),
            o.recall(),
            o.f1(),
            r.mistakes,
            r.features,
            r.seconds
        );
    });
    let bytes = model.to_bytes();
    std::fs::write(&args.out, &bytes).with_context(|| format!("writing {}", args.out.display()))?;
    writeln!(
        out,
        "kept the best epoch: {} features, confidence temperature {}; wrote {} ({:.1} MB)",
        model.feature_count(),
        model.temperature(),
        args.out.display(),
        bytes.len() as f64 / 1e6
    )?;
    writeln!(out, "{}", train::evaluate(&model, &dev_docs))?;
    Ok(())
}
