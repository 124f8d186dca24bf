//! `newsflow graph`: the pipeline's topology in DOT, for Graphviz.

use crate::logging::LogFormat;
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
    let node = |out: &mut String, key: &str, name: &str, type_name: &str, shape: &str| {
        let _ = writeln!(
            out,
            "  {} [label={}, shape={shape}];",
            quote(key),
            quote(&format!("{name}\n({type_name})"))
        );
    };
    for (name, spec) in &config.sources {
        node(
            &mut out,
            &format!("sources.{name}"),
            name,
            &spec.type_name,
            "invhouse",
        );
    }
    for (name, spec) in &config.transforms {
        node(
            &mut out,
            &format!("transforms.{name}"),
            name,
            &spec.type_name,
            "box",
        );
    }
    for (name, spec) in &config.sinks {
        node(
            &mut out,
            &format!("sinks.{name}"),
            name,
            &spec.type_name,
            "house",
        );
    }
    if let Some(spec) = &config.dead_letter {
        node(
            &mut out,
            "dead_letter",
            "dead letters",
            &spec.type_name,
            "house",
        );
    }
    for (reader, inputs) in config.readers() {
        for input in inputs {
            // A route's output (`desk.markets`) is an edge from the route,
            // labelled with the output's name.
            let (from, label) = match config.transform_of(input) {
                Some(name) if name != input => (
                    format!("transforms.{name}"),
                    format!(" [label={}]", quote(&input[name.len() + 1..])),
                ),
                Some(name) => (format!("transforms.{name}"), String::new()),
                None => (format!("sources.{input}"), String::new()),
            };
            let _ = writeln!(out, "  {} -> {}{label};", quote(&from), quote(&reader));
        }
    }
    if config.dead_letter.is_some() {
        let refusers = config
            .sources
            .keys()
            .map(|n| format!("sources.{n}"))
            .chain(config.transforms.keys().map(|n| format!("transforms.{n}")))
            .chain(config.sinks.keys().map(|n| format!("sinks.{n}")));
        for key in refusers {
            let _ = writeln!(out, "  {} -> \"dead_letter\" [style=dashed];", quote(&key));
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
