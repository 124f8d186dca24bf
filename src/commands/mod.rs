//! One module per subcommand.

pub mod api_client;
pub mod bench;
pub mod eval_conll;
pub mod eval_dedup;
pub mod eval_extraction;
pub mod eval_numbers;
pub mod extract;
pub mod graph;
pub mod run;
pub mod tap;
pub mod test;
pub mod top;
pub mod train_ner;
pub mod validate;

use newsflow_runtime::{ConfigError, Pipeline};
use std::path::Path;

/// EX_CONFIG from sysexits.h: the config is wrong, so nothing ran.
pub const EXIT_CONFIG: u8 = 78;

/// Reads and checks a config against the built-in stage types: what every
/// command that takes `--config` starts with.
pub fn compile(config: &Path) -> Result<Pipeline, ConfigError> {
    let registry = newsflow_stages::registry();
    newsflow_runtime::compile(newsflow_runtime::load(config, &registry)?)
}

/// Writes `text` to standard output. A reader that went away (`newsflow
/// extract | head`) is not an error: what it wanted it got.
pub fn print_stdout(text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// Prints `text` on standard output for a command that ends there: exit 0,
/// or 1 with the reason when standard output cannot be written.
pub fn print_and_exit(text: &str, log_format: crate::logging::LogFormat) -> std::process::ExitCode {
    match print_stdout(text) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            crate::logging::fatal(log_format, format!("cannot write to standard output: {e}"));
            std::process::ExitCode::FAILURE
        }
    }
}
