//! The tables test configs are made of, each written once here: a config
//! is its tables joined by [`tables`], with the tables only one test needs
//! written out in that test.

use std::fmt::Display;

/// `[NAME]` with `lines` (TOML `key = value` lines, newline-separated;
/// empty ones left out).
pub fn table(name: &str, lines: &[&str]) -> String {
    let mut text = format!("[{name}]\n");
    for line in lines.iter().filter(|l| !l.is_empty()) {
        text.push_str(line);
        text.push('\n');
    }
    text
}

/// Tables joined into a config, a blank line before each.
pub fn tables<T: AsRef<str>>(parts: &[T]) -> String {
    parts.iter().map(|p| format!("\n{}", p.as_ref())).collect()
}

/// `[api]` on `address`, with `extra` lines.
pub fn api(address: &str, extra: &str) -> String {
    table("api", &[&format!("address = \"{address}\""), extra])
}

/// `[runtime]` keeping its state in `DIR/state`, with `extra` lines.
pub fn state_in(dir: impl Display, extra: &str) -> String {
    table("runtime", &[&format!("state_dir = \"{dir}/state\""), extra])
}

/// A `dir` source `NAME` reading `path`, with `extra` lines.
pub fn dir_source(name: &str, path: impl Display, extra: &str) -> String {
    let path = format!("path = \"{path}\"");
    table(
        &format!("sources.{name}"),
        &["type = \"dir\"", &path, extra],
    )
}

/// The `dir` source `inbox` watching `DIR/inbox`, settling files for 100 ms.
pub fn watched_inbox(dir: impl Display) -> String {
    dir_source(
        "inbox",
        format!("{dir}/inbox"),
        "watch = true\nsettle_ms = 100",
    )
}

/// An `http` source `push` on `address`, with `extra` lines.
pub fn http_source(address: &str, extra: &str) -> String {
    let address = format!("address = \"{address}\"");
    table("sources.push", &["type = \"http\"", &address, extra])
}

/// A transform `NAME` of type `kind` reading `inputs`, with `extra` lines.
pub fn transform(name: &str, kind: &str, inputs: &[&str], extra: &str) -> String {
    let (kind, inputs) = (format!("type = \"{kind}\""), format!("inputs = {inputs:?}"));
    table(&format!("transforms.{name}"), &[&kind, &inputs, extra])
}

/// A JSON Lines sink `NAME` reading `inputs` into `path`, with `extra` lines.
pub fn jsonl_sink(name: &str, inputs: &[&str], path: impl Display, extra: &str) -> String {
    let (inputs, path) = (format!("inputs = {inputs:?}"), format!("path = \"{path}\""));
    table(
        &format!("sinks.{name}"),
        &["type = \"jsonl\"", &inputs, &path, extra],
    )
}

/// `[dead_letter]` in JSON Lines at `path`.
pub fn dead_letter(path: impl Display) -> String {
    table(
        "dead_letter",
        &["type = \"jsonl\"", &format!("path = \"{path}\"")],
    )
}

/// The end of most test configs: `[sinks.out]` writing what `inputs` emit
/// to `DIR/out.jsonl` every 20 ms, and dead letters to `DIR/dead.jsonl`.
pub fn jsonl_out(dir: impl Display, inputs: &[&str]) -> String {
    let sink = jsonl_sink(
        "out",
        inputs,
        format!("{dir}/out.jsonl"),
        "flush_interval_ms = 20",
    );
    format!("{sink}\n{}", dead_letter(format!("{dir}/dead.jsonl")))
}

/// The lines of a JSON Lines sink writing to `path`, for [`crate::inbox_config`].
pub fn jsonl_to(path: impl Display) -> String {
    format!("type = \"jsonl\"\npath = \"{path}\"")
}
