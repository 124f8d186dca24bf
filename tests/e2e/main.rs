//! End-to-end tests: they run the built `newsflow` binary.

mod bad_input;
mod extract;
mod replay;
mod shutdown;
mod validate;
mod watch;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The binary under test.
pub fn newsflow() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_newsflow"));
    command.env_remove("RUST_LOG");
    command
}

/// The repository root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every line of a JSON Lines file, parsed; panics on a partial or bad line.
pub fn read_jsonl(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        text.is_empty() || text.ends_with('\n'),
        "{}: last line unfinished",
        path.display()
    );
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{}:{}: {e}", path.display(), i + 1))
        })
        .collect()
}

/// Writes a config file into `dir` and returns its path.
pub fn write_config(dir: &Path, text: &str) -> PathBuf {
    let path = dir.join("pipeline.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `newsflow run --config CONFIG` and returns its output.
pub fn run_config(config: &Path) -> Output {
    newsflow()
        .arg("run")
        .arg("--config")
        .arg(config)
        .output()
        .unwrap()
}

/// Standard error as text, for assertions and failure messages.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}
