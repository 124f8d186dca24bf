//! A daemon to observe (an `http` source, `enrich`, a JSON Lines sink and
//! `[api]` with a token), the seed article to push into it, and
//! `newsflow tap` run against it.

use super::config::{api, http_source, jsonl_out, tables, transform};
use crate::{http_get, local_address, newsflow, poll, post_articles, repo, start, write_config};
use crate::{wait_for_lines, Daemon};
use std::io::Read;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::Duration;

/// The seed article the page and tap tests push (Erdoğan, "at least 34,049").
pub const SEED: &str = "fixtures/articles/001_a4ea0b491cf02130.txt";

/// The token of [`Observed`]'s API.
pub const TOKEN: &str = "s3cret";

/// A daemon config: an `http` source on `push`, the `enrich` transform, a
/// JSON Lines sink, and `[api]` on `api` with `token`.
pub fn observed_config(dir: &Path, api_address: &str, push: &str, token: &str) -> String {
    tables(&[
        api(api_address, &format!("token = \"{token}\"")),
        http_source(push, ""),
        transform("enrich", "enrich", &["push"], ""),
        jsonl_out(dir.display(), &["enrich"]),
    ])
}

/// A running [`observed_config`] daemon (token [`TOKEN`]) whose API answers.
pub struct Observed {
    /// Its scratch directory: config, sink and dead letters.
    pub dir: tempfile::TempDir,
    /// Where its API listens.
    pub api: String,
    /// Where its `http` source listens.
    pub push: String,
    /// The daemon; [`crate::stop`] it at the end.
    pub daemon: Daemon,
}

impl Observed {
    /// Starts the daemon and waits until its API answers.
    pub fn start() -> Observed {
        let dir = tempfile::tempdir().unwrap();
        let (api, push) = (local_address(), local_address());
        let config = observed_config(dir.path(), &api, &push, TOKEN);
        let daemon = start(&write_config(dir.path(), &config));
        wait_for_api(&api, "/health");
        Observed {
            dir,
            api,
            push,
            daemon,
        }
    }

    /// The sink's file.
    pub fn out(&self) -> PathBuf {
        self.dir.path().join("out.jsonl")
    }

    /// Pushes the seed article under each of `ids` and waits until the
    /// sink has written them.
    pub fn push_seeds(&self, ids: &[&str]) {
        let lines: Vec<String> = ids.iter().map(|id| seed_json(id)).collect();
        push(&self.push, &lines.join("\n"));
        wait_for_lines(&self.out(), ids.len());
    }
}

/// The seed article as the JSON an http source takes, with `id`.
pub fn seed_json(id: &str) -> String {
    let body = std::fs::read_to_string(repo().join(SEED)).unwrap();
    serde_json::json!({"id": id, "title": "Erdoğan meets Haniyeh in Istanbul", "body": body})
        .to_string()
}

/// Pushes `body` (JSON Lines) until it is accepted (202) or, with `ack =
/// "delivered"`, written (200).
pub fn push(address: &str, body: &str) {
    poll(Duration::from_secs(60), || {
        match post_articles(address, None, "application/x-ndjson", body) {
            200 | 202 => Ok(()),
            code => Err(format!("push answered {code}")),
        }
    });
}

/// Waits until GET `path` on `address` answers 200.
pub fn wait_for_api(address: &str, path: &str) {
    poll(Duration::from_secs(60), || {
        if TcpStream::connect(address).is_ok() && http_get(address, path).0 == 200 {
            Ok(())
        } else {
            Err(format!("{address}{path} not up"))
        }
    });
}

/// `newsflow tap` with `args` and `env`, standard output and error piped.
pub fn tap_with(args: &[&str], env: &[(&str, &str)]) -> Child {
    newsflow()
        .arg("tap")
        .args(args)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// `newsflow tap` with `args`.
pub fn tap(args: &[&str]) -> Child {
    tap_with(args, &[])
}

/// What a command said when it ended: (exit code, stdout, stderr).
pub type Said = (Option<i32>, String, String);

/// Waits for a command to end.
pub fn finish(child: Child) -> Said {
    let output = child.wait_with_output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        crate::stderr(&output),
    )
}

/// Waits until the tap says `tapping STAGE`, runs `meanwhile`, then waits
/// for the tap to end and returns what it said (its whole standard error,
/// the line before `meanwhile` included).
pub fn tap_while(mut child: Child, stage: &str, meanwhile: impl FnOnce()) -> Said {
    let said = wait_for_stderr(&mut child, &format!("tapping {stage}"));
    meanwhile();
    let (code, out, _) = finish(child);
    (code, out, said.join().unwrap())
}

/// Reads standard error until it says `text` (tap says it is attached);
/// the rest is read on in the background (a closed pipe would fail the
/// command's next message) and returned, with what came before, on join.
fn wait_for_stderr(child: &mut Child, text: &str) -> std::thread::JoinHandle<String> {
    let mut stderr = child.stderr.take().unwrap();
    let mut seen = Vec::new();
    let mut byte = [0u8; 1];
    while !String::from_utf8_lossy(&seen).contains(text) {
        if stderr.read(&mut byte).unwrap() == 0 {
            panic!("no {text:?} in {}", String::from_utf8_lossy(&seen));
        }
        seen.push(byte[0]);
    }
    std::thread::spawn(move || {
        let _ = stderr.read_to_end(&mut seen);
        String::from_utf8_lossy(&seen).into_owned()
    })
}
