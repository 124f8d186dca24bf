//! `newsflow validate`: compiles a config without running it.

use newsflow_runtime::{ConfigError, Pipeline};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `newsflow validate`.
#[derive(clap::Args)]
pub struct Args {
    /// The pipeline config.
    #[arg(long, short, default_value = "pipeline.toml")]
    config: PathBuf,
    /// Also build every stage and start every sink (directories, ports,
    /// connections, tables), without running anything.
    #[arg(long)]
    build: bool,
}

/// Prints the topology and exits 0, or lists every problem and exits 78.
pub fn run(args: Args, log_format: crate::logging::LogFormat) -> ExitCode {
    let compiled = super::compile(&args.config).and_then(|pipeline| {
        if args.build {
            build(&args.config, &pipeline)?;
        }
        Ok(pipeline)
    });
    match compiled {
        Ok(pipeline) => super::print_and_exit(&pipeline.describe(), log_format),
        Err(e) => {
            crate::logging::config_error(log_format, &e);
            ExitCode::from(super::EXIT_CONFIG)
        }
    }
}

/// Builds every stage and starts every sink of `pipeline`, on a runtime of
/// its own, without running anything.
fn build(config: &Path, pipeline: &Pipeline) -> Result<(), ConfigError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ConfigError {
            file: config.to_owned(),
            problems: vec![newsflow_runtime::Problem {
                key: String::new(),
                line: None,
                message: format!("cannot start the runtime: {e}"),
            }],
        })?;
    runtime.block_on(newsflow_runtime::check_build(pipeline))
}
