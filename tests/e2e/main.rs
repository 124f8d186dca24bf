//! End-to-end tests: they run the built `newsflow` binary.

mod bad_input;
mod cluster;
mod config_errors;
mod config_tests;
mod crash;
mod daemon;
mod delivery;
mod dir_source;
mod examples;
mod extract;
mod filter_route;
mod graph;
mod http_source;
mod observe;
mod page;
mod replay;
mod shutdown;
mod support;
mod train;
mod validate;
mod watch;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use support::config::{api as api_table, http_source, jsonl_out, state_in, table, tables};
use support::config::{transform, watched_inbox};

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

/// A daemon config: an `http` source on `push` (`max_articles`, and
/// `extra` lines for its table) into `DIR/out.jsonl`, serving `[api]` on
/// `api`.
pub fn http_push_config(
    dir: &Path,
    api: &str,
    push: &str,
    max_articles: usize,
    extra: &str,
) -> String {
    let source = format!("max_articles = {max_articles}\n{extra}");
    tables(&[
        api_table(api, ""),
        http_source(push, &source),
        jsonl_out(dir.display(), &["push"]),
    ])
}

/// The ids in a JSON Lines file, in file order (none while it does not exist).
pub fn jsonl_ids(file: &Path) -> Vec<String> {
    if !file.exists() {
        return Vec::new();
    }
    read_jsonl(file)
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect()
}

/// [`jsonl_ids`], sorted.
pub fn sorted_jsonl_ids(file: &Path) -> Vec<String> {
    let mut ids = jsonl_ids(file);
    ids.sort();
    ids
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

/// Runs `newsflow ARGS --config CONFIG` from the repository root (where
/// a config's relative paths point), with `env` set; returns its output.
pub fn on_config(args: &[&str], config: &Path, env: &[(&str, &str)]) -> Output {
    newsflow()
        .current_dir(repo())
        .args(args)
        .arg("--config")
        .arg(config)
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

/// Standard error as text, for assertions and failure messages.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts that `text` holds each of `parts`.
pub fn assert_holds(text: &str, parts: &[&str]) {
    for part in parts {
        assert!(text.contains(part), "no {part:?} in:\n{text}");
    }
}

/// Asserts that the command's standard error holds each of `texts`.
pub fn assert_said(output: &Output, texts: &[&str]) {
    assert_holds(&stderr(output), texts);
}

/// Asserts that `/metrics` on the API at `api` holds each of `series`
/// (name, labels and value).
pub fn assert_metrics(api: &str, series: &[&str]) {
    assert_holds(&http_get(api, "/metrics").1, series);
}

/// Asserts that the command exited with `code` and said each of `texts`
/// on standard error.
pub fn assert_exit(output: &Output, code: i32, texts: &[&str]) {
    assert_eq!(output.status.code(), Some(code), "{}", stderr(output));
    assert_said(output, texts);
}

/// A running daemon, killed if the test fails before stopping it.
pub struct Daemon(pub Option<Child>);

impl Daemon {
    /// The process id, for signals.
    pub fn pid(&self) -> String {
        self.0.as_ref().expect("running").id().to_string()
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts `newsflow run --config CONFIG` plus `extra` arguments.
pub fn start_with(config: &Path, extra: &[&str]) -> Daemon {
    Daemon(Some(
        newsflow()
            .args(["run", "--config"])
            .arg(config)
            .args(extra)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    ))
}

/// Starts `newsflow run --config CONFIG`.
pub fn start(config: &Path) -> Daemon {
    start_with(config, &[])
}

/// Sends `signal` (`-TERM`, `-HUP`) to the daemon.
pub fn signal(daemon: &Daemon, signal: &str) {
    let sent = Command::new("kill")
        .args([signal, &daemon.pid()])
        .status()
        .unwrap();
    assert!(sent.success());
}

/// Waits for the daemon to exit and returns its output.
pub fn exited(mut daemon: Daemon) -> Output {
    let child = daemon.0.take().expect("running");
    child.wait_with_output().unwrap()
}

/// Stops the daemon with SIGTERM, checks it exits 0, returns its log.
pub fn stop(daemon: Daemon) -> String {
    signal(&daemon, "-TERM");
    let output = exited(daemon);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    stderr(&output)
}

/// Calls `check` every 50 ms until it gives `Ok`; after `limit`, fails
/// with what its last `Err` said.
pub fn poll<T>(limit: Duration, mut check: impl FnMut() -> Result<T, String>) -> T {
    let started = Instant::now();
    loop {
        match check() {
            Ok(value) => return value,
            Err(why) => assert!(started.elapsed() < limit, "after {limit:?}: {why}"),
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until `file` has at least `lines` lines.
pub fn wait_for_lines(file: &Path, lines: usize) {
    poll(Duration::from_secs(60), || {
        let now = std::fs::read_to_string(file).map_or(0, |t| t.lines().count());
        if now >= lines {
            Ok(())
        } else {
            Err(format!("{now} of {lines} lines"))
        }
    });
}

/// Runs `command` with `input` on its standard input and every output
/// captured.
pub fn with_stdin(command: &mut Command, input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

/// A plain HTTP GET on loopback: (status code, body). No client crate needed.
pub fn http_get(address: &str, path: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {address}\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let code = response
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map_or("", |(_, b)| b)
        .to_owned();
    (code, body)
}

/// A free loopback address, `127.0.0.1:PORT`.
pub fn local_address() -> String {
    format!("127.0.0.1:{}", free_port())
}

use newsflow_core::testing::service_reachable;
pub use newsflow_core::testing::{free_port, service_missing};

/// Whether PostgreSQL answers on 127.0.0.1:5432 (see [`service_reachable`]).
pub fn postgres_available() -> bool {
    service_reachable("PostgreSQL", "127.0.0.1:5432")
}

/// Whether NATS answers on 127.0.0.1:4222 (see [`service_reachable`]).
pub fn nats_available() -> bool {
    service_reachable("NATS JetStream", "127.0.0.1:4222")
}

/// Deletes a stream of the NATS server on 127.0.0.1:4222, if it is there.
pub fn delete_stream(name: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = async_nats::connect("nats://127.0.0.1:4222").await.unwrap();
        let _ = async_nats::jetstream::new(client).delete_stream(name).await;
    });
}

/// Runs one query on the test database and returns the first column of
/// every row as text.
pub fn postgres_query(sql: &str) -> Vec<String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let (client, connection) = tokio_postgres::connect(
            "host=127.0.0.1 port=5432 user=postgres dbname=test",
            tokio_postgres::NoTls,
        )
        .await
        .unwrap();
        tokio::spawn(connection);
        client
            .simple_query(sql)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).map(str::to_owned),
                _ => None,
            })
            .collect()
    })
}

/// A config: a watched `DIR/inbox` through the figures transform into `sink`
/// (the body of `[sinks.out]`), with `extra` TOML at the top.
pub fn inbox_config(dir: &Path, sink: &str, extra: &str) -> String {
    let dir = dir.display();
    let sink = format!("inputs = [\"figures\"]\nflush_interval_ms = 20\n{sink}");
    tables(&[
        extra.to_owned(),
        state_in(&dir, ""),
        watched_inbox(&dir),
        transform("figures", "figures", &["inbox"], ""),
        table("sinks.out", &[&sink]),
        support::config::dead_letter(format!("{dir}/dead.jsonl")),
    ])
}

/// Makes `DIR/inbox` and returns it.
pub fn inbox_in(dir: &Path) -> PathBuf {
    let inbox = dir.join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    inbox
}

/// Drops `count` articles, `PREFIX0000` on, into `inbox` from another
/// thread, `pause` apart.
pub fn drop_articles_meanwhile(
    inbox: &Path,
    prefix: &'static str,
    count: usize,
    pause: Duration,
) -> std::thread::JoinHandle<()> {
    let inbox = inbox.to_owned();
    std::thread::spawn(move || {
        for i in 0..count {
            drop_article(&inbox, &format!("{prefix}{i:04}"));
            std::thread::sleep(pause);
        }
    })
}

/// Waits until `out` has `lines` lines, then half a second more (time for
/// a line too many to come), stops the daemon and returns its log.
pub fn stop_at_lines(daemon: Daemon, out: &Path, lines: usize) -> String {
    wait_for_lines(out, lines);
    std::thread::sleep(Duration::from_millis(500));
    stop(daemon)
}

/// Drops an article file into the inbox the way producers should: written
/// under a temporary name, then renamed in.
pub fn drop_article(inbox: &Path, id: &str) {
    let part = inbox.join(format!("{id}.txt.part"));
    std::fs::write(&part, format!("Article {id}: 12 people were evacuated.")).unwrap();
    std::fs::rename(&part, inbox.join(format!("{id}.txt"))).unwrap();
}

/// The ids in a SQLite sink's `articles` table (none while it does not exist yet).
pub fn sqlite_ids(file: &Path) -> Vec<String> {
    let Ok(db) = rusqlite::Connection::open(file) else {
        return Vec::new();
    };
    let Ok(mut statement) = db.prepare("SELECT id FROM articles") else {
        return Vec::new();
    };
    statement
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// POSTs `body` to an http source's `/articles`; returns the status code
/// (0 when nothing answers yet).
pub fn post_articles(address: &str, token: Option<&str>, content_type: &str, body: &str) -> u16 {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(address) else {
        return 0;
    };
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let _ = write!(
        stream,
        "POST /articles HTTP/1.1\r\nHost: {address}\r\n{auth}Content-Type: {content_type}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0)
}
