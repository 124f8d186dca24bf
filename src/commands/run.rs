//! `newsflow run`: runs a pipeline.

use crate::logging::LogFormat;
use newsflow_runtime::{RunOptions, RunReport};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use tokio_util::sync::CancellationToken;

/// EX_CONFIG from sysexits.h: the config is wrong.
pub const EXIT_CONFIG: u8 = 78;

/// Arguments of `newsflow run`.
#[derive(clap::Args)]
pub struct Args {
    /// The pipeline config.
    #[arg(long, short, default_value = "pipeline.toml")]
    config: PathBuf,
}

/// Runs the pipeline; exit 0 when it finished or was stopped cleanly, 78 on
/// a config error (nothing ran), 1 when a stage failed.
pub fn run(args: Args, log_format: LogFormat) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let pipeline = match super::validate::compile(&args.config) {
            Ok(pipeline) => pipeline,
            Err(e) => {
                eprint!("{e}");
                return ExitCode::from(EXIT_CONFIG);
            }
        };
        let stop = CancellationToken::new();
        tokio::spawn(stop_on_signals(stop.clone()));
        let options = RunOptions {
            progress_bar: log_format == LogFormat::Text && std::io::stderr().is_terminal(),
            status: Default::default(),
        };
        match newsflow_runtime::run(pipeline, stop, options).await {
            Ok(report) => summarise(&report),
            Err(e) => {
                eprint!("{e}");
                ExitCode::from(EXIT_CONFIG)
            }
        }
    })
}

/// The first SIGINT or SIGTERM starts a graceful stop; a second one exits at once.
async fn stop_on_signals(stop: CancellationToken) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut terminate), Ok(mut interrupt)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("cannot listen for signals; stop the process with SIGKILL");
        return;
    };
    for round in 0..2 {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
        if round == 0 {
            tracing::info!("signal received: stopping (send it again to exit at once)");
            stop.cancel();
        }
    }
    tracing::warn!("second signal: exiting at once; undelivered articles are not acknowledged");
    std::process::exit(130);
}

fn summarise(report: &RunReport) -> ExitCode {
    for stage in &report.stages {
        tracing::info!(
            kind = stage.kind,
            stage = %stage.key,
            received = stage.received,
            emitted = stage.emitted,
            failed = stage.failed,
            "summary"
        );
    }
    if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        for error in &report.errors {
            eprintln!("error: {error}");
        }
        ExitCode::FAILURE
    }
}
