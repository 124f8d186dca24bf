//! `newsflow run`: runs a pipeline.

use crate::logging::{self, LogFormat};
use newsflow_runtime::{ConfigError, Pipeline, RunOptions, RunReport};
use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Arguments of `newsflow run`.
#[derive(clap::Args)]
pub struct Args {
    /// The pipeline config.
    #[arg(long, short, default_value = "pipeline.toml")]
    config: PathBuf,
    /// Reload the config when the file changes (SIGHUP always reloads it).
    #[arg(long)]
    watch: bool,
}

/// Runs the pipeline; exit 0 when it finished or was stopped cleanly, 78 on
/// a config error (nothing ran, or a stage found its configuration wrong:
/// an unknown database or stream, refused credentials), 1 when a stage
/// failed otherwise.
pub fn run(args: Args, log_format: LogFormat) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            logging::fatal(log_format, format!("cannot start the runtime: {e}"));
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let pipeline = match super::compile(&args.config) {
            Ok(pipeline) => pipeline,
            Err(e) => {
                logging::config_error(log_format, &e);
                return ExitCode::from(super::EXIT_CONFIG);
            }
        };
        let stop = CancellationToken::new();
        tokio::spawn(stop_on_signals(stop.clone()));
        let (reload_tx, reloads) = mpsc::channel(4);
        let (ask_tx, asks) = mpsc::channel(4);
        tokio::spawn(reload_on_sighup(ask_tx.clone()));
        // Kept alive for the run: dropping the watcher stops the watching.
        let _watcher = if args.watch {
            match watch_file(&args.config, ask_tx) {
                Ok(watcher) => Some(watcher),
                Err(e) => {
                    let message = format!("cannot watch {}: {e}", args.config.display());
                    logging::fatal(log_format, message);
                    return ExitCode::from(super::EXIT_CONFIG);
                }
            }
        } else {
            None
        };
        let sinks = pipeline.config().sinks.keys().cloned().collect();
        tokio::spawn(compile_reloads(args.config.clone(), sinks, asks, reload_tx));
        let options = RunOptions {
            progress_bar: log_format == LogFormat::Text && std::io::stderr().is_terminal(),
            status: Default::default(),
            reloads: Some(reloads),
        };
        match newsflow_runtime::run(pipeline, stop, options).await {
            Ok(report) => summarise(&report),
            Err(e) => {
                logging::config_error(log_format, &e);
                ExitCode::from(super::EXIT_CONFIG)
            }
        }
    })
}

/// Asks for a reload on every SIGHUP.
async fn reload_on_sighup(ask: mpsc::Sender<()>) {
    use tokio::signal::unix::{signal, SignalKind};
    let Ok(mut hangup) = signal(SignalKind::hangup()) else {
        tracing::error!("cannot listen for SIGHUP; reloads are off");
        return;
    };
    while hangup.recv().await.is_some() {
        tracing::info!("SIGHUP: reloading the config");
        if ask.send(()).await.is_err() {
            return;
        }
    }
}

/// Asks for a reload when the config file is written or replaced.
fn watch_file(config: &Path, ask: mpsc::Sender<()>) -> notify::Result<notify::RecommendedWatcher> {
    use notify::Watcher;
    let file = config.file_name().map(ToOwned::to_owned);
    // Watch the directory: editors replace the file rather than write it.
    let dir = match config.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    };
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        let Ok(event) = event else { return };
        let ours = event.paths.iter().any(|p| p.file_name() == file.as_deref());
        if ours && (event.kind.is_modify() || event.kind.is_create()) {
            let _ = ask.try_send(());
        }
    })?;
    watcher.watch(&dir, notify::RecursiveMode::NonRecursive)?;
    Ok(watcher)
}

/// How long the config file must stay unchanged before a reload reads it:
/// an editor saving in place may write it in several steps.
const CONFIG_SETTLE: Duration = Duration::from_millis(500);

/// How long a config that removes a sink must then stay the same before it
/// is applied: a half-written file is most often a file with its end missing.
const CONFIG_REMOVAL_HOLD: Duration = Duration::from_secs(1);

/// Compiles the config for each request (a burst of requests is one
/// reload) and hands valid ones to the runtime; an invalid config is logged
/// and the running pipeline goes on untouched.
async fn compile_reloads(
    config: PathBuf,
    mut running_sinks: BTreeSet<String>,
    mut asks: mpsc::Receiver<()>,
    reloads: mpsc::Sender<Result<Pipeline, ConfigError>>,
) {
    while asks.recv().await.is_some() {
        let compiled = loop {
            let text = settled(&config, &mut asks).await;
            let compiled = super::compile(&config);
            if let Ok(pipeline) = &compiled {
                let removed: Vec<&String> = running_sinks
                    .iter()
                    .filter(|sink| !pipeline.config().sinks.contains_key(*sink))
                    .collect();
                if !removed.is_empty() {
                    tracing::info!(
                        sinks = ?removed,
                        "the changed config removes sinks: it is applied if the file is still the same in {} s",
                        CONFIG_REMOVAL_HOLD.as_secs()
                    );
                    tokio::time::sleep(CONFIG_REMOVAL_HOLD).await;
                }
            }
            // Compiled from what the file still says, or read it again.
            if tokio::fs::read(&config).await.ok() == text {
                break compiled;
            }
        };
        if let Ok(pipeline) = &compiled {
            running_sinks = pipeline.config().sinks.keys().cloned().collect();
        }
        // The runtime applies, or logs and counts a refusal.
        if reloads.send(compiled).await.is_err() {
            return;
        }
    }
}

/// The config file's bytes once they stay unchanged for [`CONFIG_SETTLE`];
/// change events meanwhile are folded in.
async fn settled(config: &Path, asks: &mut mpsc::Receiver<()>) -> Option<Vec<u8>> {
    let mut text = tokio::fs::read(config).await.ok();
    loop {
        tokio::time::sleep(CONFIG_SETTLE).await;
        while asks.try_recv().is_ok() {}
        let now = tokio::fs::read(config).await.ok();
        if now == text {
            return text;
        }
        text = now;
    }
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
            kind = stage.kind.as_str(),
            stage = %stage.key,
            received = stage.received,
            emitted = stage.emitted,
            failed = stage.failed,
            dropped = stage.dropped,
            "summary"
        );
    }
    // Each failure was logged as it happened (one error line per cause):
    // they are not printed again here.
    if report.is_clean() {
        ExitCode::SUCCESS
    } else if report.misconfigured {
        ExitCode::from(super::EXIT_CONFIG)
    } else {
        ExitCode::FAILURE
    }
}
