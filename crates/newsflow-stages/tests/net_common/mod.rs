//! Test support for the HTTP stages: run a pipeline from a TOML config on
//! the real runtime, read what its JSON Lines sinks wrote, and a scriptable
//! webhook receiver (a small axum server).

// Each test file uses a different part of this module.
#![allow(dead_code)]

use axum::extract::State;
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use newsflow_runtime::{RunOptions, RunReport};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A pipeline running in the background.
pub struct Running {
    stop: CancellationToken,
    handle: JoinHandle<RunReport>,
}

/// Writes `config` to `dir/pipeline.toml` and runs it; state goes under
/// `dir/state` unless the config names its own `state_dir`. The process
/// environment is not read for overrides.
pub fn start(dir: &Path, config: &str) -> Running {
    let file = dir.join("pipeline.toml");
    std::fs::write(&file, with_state_dir(config, &dir.join("state"))).unwrap();
    let registry = newsflow_stages::registry();
    let parsed = newsflow_runtime::load_with_env(&file, &registry, Some(BTreeMap::new()))
        .unwrap_or_else(|e| panic!("{e}"));
    let pipeline = newsflow_runtime::compile(parsed).unwrap_or_else(|e| panic!("{e}"));
    let stop = CancellationToken::new();
    let handle = tokio::spawn({
        let stop = stop.clone();
        async move {
            newsflow_runtime::run(pipeline, stop, RunOptions::default())
                .await
                .unwrap_or_else(|e| panic!("{e}"))
        }
    });
    Running { stop, handle }
}

/// `config` with `state_dir = state` in its `[runtime]` table (added when
/// it has none), unless it sets a state directory itself.
fn with_state_dir(config: &str, state: &Path) -> String {
    let line = format!("state_dir = {:?}\n", state.display().to_string());
    if config.contains("state_dir") {
        config.to_owned()
    } else if config.contains("[runtime]\n") {
        config.replacen("[runtime]\n", &format!("[runtime]\n{line}"), 1)
    } else {
        format!("[runtime]\n{line}{config}")
    }
}

impl Running {
    /// Stops the pipeline (as SIGTERM does) and waits for it to drain.
    pub async fn stop(self) -> RunReport {
        self.stop.cancel();
        self.finish().await
    }

    /// Waits for the pipeline to end by itself (its sources exhausted).
    pub async fn finish(self) -> RunReport {
        let report = self.report().await;
        assert!(report.is_clean(), "{:?}", report.errors);
        report
    }

    /// Waits for the pipeline to end by itself and returns how it ended,
    /// clean or not.
    pub async fn ended(self) -> RunReport {
        self.report().await
    }

    /// Stops the pipeline and returns how it ended, clean or not.
    pub async fn stop_any(self) -> RunReport {
        self.stop.cancel();
        self.report().await
    }

    async fn report(self) -> RunReport {
        tokio::time::timeout(Duration::from_secs(60), self.handle)
            .await
            .expect("the pipeline ends within a minute")
            .expect("the pipeline task does not panic")
    }
}

/// Every JSON line of `path`; none when the file does not exist.
pub fn read_jsonl(path: &Path) -> Vec<Value> {
    match std::fs::read_to_string(path) {
        Ok(text) => text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// The `id`s of `records`, sorted.
pub fn ids(records: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = records
        .iter()
        .map(|r| {
            r.get("id")
                .or_else(|| r.get("article_id"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    ids.sort();
    ids
}

/// Waits until `condition` holds (five seconds at most).
pub async fn wait_until(what: &str, condition: impl Fn() -> bool) {
    for _ in 0..500 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

/// A temporary directory and the paths tests use in it.
pub struct Scratch {
    pub dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Scratch {
        Scratch {
            dir: tempfile::tempdir().unwrap(),
        }
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    /// A path as a TOML string literal.
    pub fn toml(&self, name: &str) -> String {
        format!("{:?}", self.path(name).display().to_string())
    }

    /// A config of `tables` whose dead letters go to `dead.jsonl`.
    pub fn pipeline(&self, tables: &str) -> String {
        format!(
            "{tables}\n\n[dead_letter]\ntype = \"jsonl\"\npath = {}\nflush_interval_ms = 10\n",
            self.toml("dead.jsonl")
        )
    }

    /// A `[sinks.out]` table: `out.jsonl`, written from `input`.
    pub fn out_sink(&self, input: &str) -> String {
        format!(
            "[sinks.out]\ntype = \"jsonl\"\npath = {}\ninputs = [\"{input}\"]\nflush_interval_ms = 10\n",
            self.toml("out.jsonl")
        )
    }

    /// What the pipeline wrote to `name` (`out.jsonl`, `dead.jsonl`).
    pub fn read(&self, name: &str) -> Vec<Value> {
        read_jsonl(&self.path(name))
    }
}

/// Serves `app` on loopback `port` until the test ends.
pub async fn serve(port: u16, app: Router) {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
}

/// What the receiver answers to one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// 200: the batch is stored.
    Store,
    /// This status and body; nothing is stored.
    Status(u16, &'static str),
    /// This status with `Retry-After: SECONDS`; nothing is stored.
    RetryAfter(u16, u64),
    /// Wait this long, then answer 200 without storing (the client has given
    /// up by then).
    Stall(Duration),
}

type Script = dyn Fn(usize, &[Value]) -> Reply + Send + Sync;

/// A webhook receiver: answers each POST as `script` says (given the
/// request's number from 0 and its records), keeping stored records and
/// every request's headers.
#[derive(Clone)]
pub struct Receiver {
    pub stored: Arc<Mutex<Vec<Value>>>,
    pub headers: Arc<Mutex<Vec<HeaderMap>>>,
    pub requests: Arc<AtomicUsize>,
    /// While true, requests wait before answering (for back-pressure tests).
    pub gate: Arc<tokio::sync::watch::Sender<bool>>,
    script: Arc<Script>,
}

impl Receiver {
    pub fn new(script: impl Fn(usize, &[Value]) -> Reply + Send + Sync + 'static) -> Receiver {
        Receiver {
            stored: Default::default(),
            headers: Default::default(),
            requests: Default::default(),
            gate: Arc::new(tokio::sync::watch::channel(false).0),
            script: Arc::new(script),
        }
    }

    /// Serves on `port` until the test ends.
    pub async fn serve(&self, port: u16) {
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(self.clone());
        serve(port, app).await;
    }

    pub fn stored_ids(&self) -> Vec<String> {
        ids(&self.stored.lock().unwrap())
    }

    pub fn request_count(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: String) -> Response {
    let number = receiver.requests.fetch_add(1, Ordering::SeqCst);
    receiver.headers.lock().unwrap().push(headers);
    let mut gate = receiver.gate.subscribe();
    let _ = gate.wait_for(|closed| !*closed).await;
    let records: Vec<Value> = serde_json::from_str(&body).expect("a JSON array");
    match (receiver.script)(number, &records) {
        Reply::Store => {
            receiver.stored.lock().unwrap().extend(records);
            (StatusCode::OK, "stored").into_response()
        }
        Reply::Status(code, text) => (StatusCode::from_u16(code).unwrap(), text).into_response(),
        Reply::RetryAfter(code, secs) => (
            StatusCode::from_u16(code).unwrap(),
            [(RETRY_AFTER, secs.to_string())],
            "come back later",
        )
            .into_response(),
        Reply::Stall(wait) => {
            tokio::time::sleep(wait).await;
            (StatusCode::OK, "too late").into_response()
        }
    }
}

/// `n` articles as JSON Lines, ids `a0`, `a1`, ...
pub fn articles_jsonl(n: usize) -> String {
    (0..n)
        .map(|i| format!("{{\"id\": \"a{i}\", \"body\": \"Article number {i}.\"}}\n"))
        .collect()
}
