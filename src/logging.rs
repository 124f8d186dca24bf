//! Logging through tracing: readable on a terminal, JSON on request.

use clap::ValueEnum;
use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Logging flags shared by every subcommand.
#[derive(Debug, clap::Args)]
pub struct LogArgs {
    /// Log line format.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Log level or filter (`debug`, `newsflow=debug,info`); overrides RUST_LOG.
    #[arg(long, global = true)]
    log_level: Option<String>,
}

/// What is logged without `--log-level` or `RUST_LOG`. The HTML parser
/// behind the `fetch` transform warns about markup it repairs ("foster
/// parenting not implemented"), once per odd table of every page: noise to
/// an operator, so only its errors are shown.
const DEFAULT_FILTER: &str = "info,html5ever=error";

impl LogArgs {
    /// Installs the global subscriber (logs go to standard error).
    pub fn init(&self) -> LogFormat {
        let filter = match &self.log_level {
            Some(level) => EnvFilter::try_new(level).unwrap_or_else(|e| {
                eprintln!("warning: --log-level {level:?} is not a valid filter ({e}); using info");
                EnvFilter::new("info")
            }),
            None => {
                EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER))
            }
        };
        let builder = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .with_ansi(std::io::stderr().is_terminal());
        match self.log_format {
            LogFormat::Text => builder.with_target(false).init(),
            LogFormat::Json => builder.json().init(),
        }
        self.log_format
    }
}

/// Reports a config's problems: as the readable list on text logs, or one
/// JSON log line per problem (with `file`, `line` and `key`) on JSON logs,
/// so a log collector sees why nothing ran.
pub fn config_error(format: LogFormat, error: &newsflow_runtime::ConfigError) {
    match format {
        LogFormat::Text => eprint!("{error}"),
        LogFormat::Json => {
            for problem in &error.problems {
                tracing::error!(
                    file = %error.file.display(),
                    line = problem.line,
                    key = %problem.key,
                    "{}",
                    problem.message
                );
            }
        }
    }
}

/// Reports an error that ends the command, in the log format asked for.
pub fn fatal(format: LogFormat, message: impl std::fmt::Display) {
    match format {
        LogFormat::Text => eprintln!("error: {message}"),
        LogFormat::Json => tracing::error!("{message}"),
    }
}
