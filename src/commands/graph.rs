//! `newsflow graph`: the pipeline's topology in DOT, for Graphviz.

use crate::logging::LogFormat;
use newsflow_core::{StageKey, StageKind};
use newsflow_runtime::Pipeline;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `newsflow graph`.
#[derive(clap::Args)]
pub struct Args {
    /// The pipeline config.
    #[arg(long, short, default_value = "pipeline.toml")]
    config: PathBuf,
}

/// Prints the compiled config's graph (`newsflow graph | dot -Tsvg > g.svg`);
/// exit 78 with the config's problems when it does not compile.
pub fn run(args: Args, log_format: LogFormat) -> ExitCode {
    match super::compile(&args.config) {
        Ok(pipeline) => super::print_and_exit(&dot(&pipeline), log_format),
        Err(e) => {
            crate::logging::config_error(log_format, &e);
            ExitCode::from(super::EXIT_CONFIG)
        }
    }
}

/// The graph in DOT: a node per stage, labelled with its name and type and
/// shaped by its kind, an edge per input, and the dead-letter sink fed by a
/// dashed edge from every stage that can refuse input.
fn dot(pipeline: &Pipeline) -> String {
    let config = pipeline.config();
    let mut out =
        String::from("digraph pipeline {\n  rankdir=LR;\n  node [fontname=\"sans-serif\"];\n");
    let node = |out: &mut String, key: &StageKey, type_name: &str| {
        let (label, shape) = match key.kind() {
            StageKind::Source => (key.name(), "invhouse"),
            StageKind::Transform => (key.name(), "box"),
            StageKind::Sink => (key.name(), "house"),
            StageKind::DeadLetter => ("dead letters", "house"),
        };
        let _ = writeln!(
            out,
            "  {} [label={}, shape={shape}];",
            quote(&key.to_string()),
            quote(&format!("{label}\n({type_name})"))
        );
    };
    for stage in config.stages() {
        node(&mut out, &stage.key, stage.type_name);
    }
    for (reader, inputs) in config.readers() {
        for input in inputs {
            // A route's output (`desk.markets`) is an edge from the route,
            // labelled with the output's name.
            let label = match config.transform_of(input) {
                Some(name) if name != input => {
                    format!(" [label={}]", quote(&input[name.len() + 1..]))
                }
                _ => String::new(),
            };
            let from = config
                .stage_of(input)
                .map(|k| k.to_string())
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {} -> {}{label};",
                quote(&from),
                quote(&reader.to_string())
            );
        }
    }
    if config.dead_letter.is_some() {
        let refusers = config
            .stages()
            .map(|stage| stage.key)
            .filter(|key| key.kind() != StageKind::DeadLetter);
        for key in refusers {
            let _ = writeln!(
                out,
                "  {} -> \"dead_letter\" [style=dashed];",
                quote(&key.to_string())
            );
        }
    }
    out.push_str("}\n");
    out
}

/// A DOT string literal.
fn quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\n' => quoted.push_str("\\n"),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}
