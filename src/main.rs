//! The `newsflow` command line.

mod commands;
mod logging;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Streaming ingestion pipeline for news: sources -> enrichment -> sinks.
#[derive(Parser)]
#[command(name = "newsflow", version, about)]
struct Cli {
    #[command(flatten)]
    logging: logging::LogArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a pipeline until its sources are exhausted or it is stopped.
    Run(commands::run::Args),
    /// Check a pipeline config and print its topology, without running it.
    Validate(commands::validate::Args),
    /// Print a pipeline's topology in DOT, for Graphviz (`| dot -Tsvg`).
    Graph(commands::graph::Args),
    /// Run a config's `[[tests]]`: articles in at a stage, conditions on what comes out.
    Test(commands::test::Args),
    /// Enrich one article (a text or JSON file, or standard input) and print it.
    Extract(commands::extract::Args),
    /// Train a model.
    #[command(subcommand)]
    Train(TrainCommand),
    /// Measure extraction quality against a reference file.
    #[command(subcommand)]
    Eval(EvalCommand),
    /// Measure enrichment speed and memory on one thread.
    Bench(commands::bench::Args),
    /// Print the articles leaving stages of a running pipeline, as JSON Lines.
    Tap(commands::tap::Args),
    /// Watch a running pipeline's stages: rates, queues, failures.
    Top(commands::top::Args),
}

#[derive(Subcommand)]
enum TrainCommand {
    /// Train the entity tagger on CoNLL-2003-format data.
    Ner(commands::train_ner::Args),
}

#[derive(Subcommand)]
enum EvalCommand {
    /// Span-exact precision, recall and F1 of the entity stage on a CoNLL file.
    Conll(commands::eval_conll::Args),
    /// Share of Recognizers-Text spec cases the number recogniser gets right.
    Numbers(commands::eval_numbers::Args),
    /// Precision and recall of the dedup stage on labelled pairs, and its
    /// speed and memory on a stream.
    Dedup(commands::eval_dedup::Args),
    /// F1 of the `fetch` transform's article text on the article extraction benchmark.
    Extraction(commands::eval_extraction::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let format = cli.logging.init();
    let result = match cli.command {
        Command::Run(args) => return commands::run::run(args, format),
        Command::Validate(args) => return commands::validate::run(args, format),
        Command::Graph(args) => return commands::graph::run(args, format),
        Command::Test(args) => return commands::test::run(args, format),
        Command::Extract(args) => commands::extract::run(args),
        Command::Train(TrainCommand::Ner(args)) => commands::train_ner::run(args),
        Command::Eval(EvalCommand::Conll(args)) => commands::eval_conll::run(args),
        Command::Eval(EvalCommand::Numbers(args)) => commands::eval_numbers::run(args),
        Command::Eval(EvalCommand::Dedup(args)) => commands::eval_dedup::run(args),
        Command::Eval(EvalCommand::Extraction(args)) => commands::eval_extraction::run(args),
        Command::Bench(args) => commands::bench::run(args),
        Command::Tap(args) => commands::tap::run(args),
        Command::Top(args) => commands::top::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            logging::fatal(format, format_args!("{err:#}"));
            ExitCode::FAILURE
        }
    }
}
