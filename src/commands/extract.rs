//! `newsflow extract`: enriches one article and prints it.

use anyhow::Context;
use newsflow_core::{codec, BuildContext, TransformConfig};
use newsflow_stages::transforms::enrich::EnrichConfig;
use newsflow_stages::transforms::language::LanguageGate;
use std::io::Read;
use std::path::PathBuf;

/// Arguments of `newsflow extract`.
#[derive(clap::Args)]
pub struct Args {
    /// A `.txt` file (the body) or a JSON article; standard input when absent.
    file: Option<PathBuf>,
    /// A model file written by `newsflow train ner`; the bundled model when absent.
    #[arg(long)]
    model: Option<PathBuf>,
    /// The languages to enrich; an article in another gets no entities or figures.
    #[arg(long, value_delimiter = ',', default_value = "en")]
    languages: Vec<String>,
}

/// Prints the enriched article as JSON.
pub fn run(args: Args) -> anyhow::Result<()> {
    let (text, id) = match &args.file {
        Some(path) => (
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?,
            path.file_stem()
                .map_or_else(|| "article".into(), |s| s.to_string_lossy().into_owned()),
        ),
        None => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("cannot read standard input")?;
            (text, "stdin".to_owned())
        }
    };
    let origin = args
        .file
        .as_ref()
        .map_or_else(|| "standard input".into(), |p| p.display().to_string());
    // A JSON object is an article; anything else is the body itself.
    let mut article = codec::decode_json_or_text(id, text.as_bytes())
        .with_context(|| format!("{origin}: not a valid article"))?;
    // The pipeline's own transform, so an article in another language is
    // skipped here as it is there.
    let enrich = EnrichConfig {
        model: args.model.clone(),
        languages: LanguageGate::new(&args.languages).map_err(anyhow::Error::msg)?,
    };
    let cx = BuildContext::new(
        newsflow_core::StageKey::transform("extract"),
        std::env::temp_dir(),
    );
    let transform = enrich.build(&cx).map_err(|e| anyhow::anyhow!(e))?;
    transform
        .apply(&mut article)
        .map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
    super::print_stdout(&format!("{}\n", serde_json::to_string_pretty(&article)?))?;
    Ok(())
}
