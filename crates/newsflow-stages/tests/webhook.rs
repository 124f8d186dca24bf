//! The `http` sink (webhook) on the real runtime, against a scriptable axum
//! receiver: retried failures, refused batches, a receiver that is down.

mod net_common;

use net_common::{articles_jsonl, ids, start, Receiver, Reply, Running, Scratch};
use newsflow_core::testing::free_port;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A replay of `n` articles to the webhook on `port`, in batches of
/// `batch_size`, with `options` for the sink.
fn config(scratch: &Scratch, n: usize, port: u16, batch_size: usize, options: &str) -> String {
    std::fs::create_dir_all(scratch.path("in")).unwrap();
    std::fs::write(scratch.path("in/articles.jsonl"), articles_jsonl(n)).unwrap();
    scratch.pipeline(&format!(
        "[sources.replay]\ntype = \"dir\"\npath = {input}\n\n\
         [sinks.hook]\ntype = \"http\"\nurl = \"http://127.0.0.1:{port}/hook\"\n\
         inputs = [\"replay\"]\nbatch_size = {batch_size}\nflush_interval_ms = 10\n\
         retry_backoff_ms = 20\n{options}",
        input = scratch.toml("in"),
    ))
}

/// `receiver` served on a free port, and the replay of `n` articles to it
/// (see [`config`]) running.
async fn replay_to(
    receiver: &Receiver,
    n: usize,
    batch_size: usize,
    options: &str,
) -> (Scratch, Running) {
    let scratch = Scratch::new();
    let port = free_port();
    receiver.serve(port).await;
    let running = start(
        scratch.dir.path(),
        &config(&scratch, n, port, batch_size, options),
    );
    (scratch, running)
}

fn expected_ids(n: usize) -> Vec<String> {
    let mut ids: Vec<String> = (0..n).map(|i| format!("a{i}")).collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_5xx_then_ok_delivers_every_article_once() {
    let receiver = Receiver::new(|number, _| match number {
        0 => Reply::Status(503, "warming up"),
        1 => Reply::Status(500, "oops"),
        _ => Reply::Store,
    });
    std::env::set_var("NEWSFLOW_TEST_WEBHOOK_TOKEN", "hook-secret");
    let options =
        "token_env = \"NEWSFLOW_TEST_WEBHOOK_TOKEN\"\nheaders = { \"X-Team\" = \"data-desk\" }";
    let (scratch, running) = replay_to(&receiver, 7, 3, options).await;
    running.finish().await;

    assert_eq!(receiver.stored_ids(), expected_ids(7));
    assert_eq!(
        receiver.request_count(),
        2 + 3,
        "two failures, then 3 batches"
    );
    let headers = receiver.headers.lock().unwrap();
    for request in headers.iter() {
        assert_eq!(request["authorization"], "Bearer hook-secret");
        assert_eq!(request["x-team"], "data-desk");
        assert_eq!(request["content-type"], "application/json");
    }
    assert!(scratch.read("dead.jsonl").is_empty());
}

/// A 429 or 503 with `Retry-After` is retried by the runtime, no sooner than
/// the server asked. `max_retries = 0`: before the runtime honoured it, the
/// sink's own quick retries did, and with none left the runtime tried again
/// after its first 100 ms.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured_by_the_runtime() {
    let times = Arc::new(Mutex::new(Vec::new()));
    let seen = times.clone();
    let receiver = Receiver::new(move |number, _| {
        seen.lock().unwrap().push(Instant::now());
        match number {
            0 => Reply::RetryAfter(429, 2),
            _ => Reply::Store,
        }
    });
    let (scratch, running) = replay_to(&receiver, 3, 3, "max_retries = 0").await;
    running.finish().await;

    assert_eq!(receiver.stored_ids(), expected_ids(3));
    let times = times.lock().unwrap();
    assert_eq!(times.len(), 2, "one 429, then the batch");
    let waited = times[1] - times[0];
    assert!(
        waited >= Duration::from_secs(2),
        "retried after {waited:?}, before the server's Retry-After of 2 s"
    );
    assert!(scratch.read("dead.jsonl").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_4xx_sends_the_batch_to_the_dead_letter_sink() {
    // The receiver refuses any batch holding article a3.
    let receiver = Receiver::new(|_, records| {
        if records.iter().any(|r| r["id"] == "a3") {
            Reply::Status(422, "a3: schema mismatch")
        } else {
            Reply::Store
        }
    });
    let (scratch, running) = replay_to(&receiver, 6, 1, "").await;
    running.finish().await;

    let mut delivered = expected_ids(6);
    delivered.retain(|id| id != "a3");
    assert_eq!(receiver.stored_ids(), delivered);
    assert_eq!(
        receiver.request_count(),
        6,
        "a refused batch is not retried"
    );
    let dead = scratch.read("dead.jsonl");
    assert_eq!(ids(&dead), ["a3"]);
    let reason = dead[0]["reason"].as_str().unwrap();
    assert!(
        reason.contains("422") && reason.contains("a3: schema mismatch"),
        "{reason}"
    );
    // The refused article is kept whole for a replay.
    let raw: serde_json::Value = serde_json::from_str(dead[0]["raw"].as_str().unwrap()).unwrap();
    assert_eq!(raw["body"], "Article number 3.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receiver_down_then_back_gets_everything() {
    let scratch = Scratch::new();
    let port = free_port();
    let running = start(
        scratch.dir.path(),
        &config(&scratch, 5, port, 2, "max_retries = 1"),
    );
    // Connections are refused for a while; the runtime keeps retrying.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let receiver = Receiver::new(|_, _| Reply::Store);
    receiver.serve(port).await;
    running.finish().await;

    assert_eq!(receiver.stored_ids(), expected_ids(5));
    assert!(scratch.read("dead.jsonl").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_receiver_times_out_and_the_batch_is_sent_again() {
    let receiver = Receiver::new(|number, _| {
        if number == 0 {
            Reply::Stall(Duration::from_secs(3))
        } else {
            Reply::Store
        }
    });
    let (scratch, running) = replay_to(&receiver, 4, 4, "timeout_secs = 1").await;
    running.finish().await;

    assert_eq!(receiver.stored_ids(), expected_ids(4));
    assert_eq!(receiver.request_count(), 2);
    assert!(scratch.read("dead.jsonl").is_empty());
}

/// A 401 is bad credentials, not bad data: the run stops with an error
/// instead of dead-lettering every article.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_stops_the_run_and_dead_letters_nothing() {
    let receiver = Receiver::new(|_, _| Reply::Status(401, "bad token"));
    let (scratch, running) = replay_to(&receiver, 5, 2, "").await;
    let report = running.ended().await;
    assert!(!report.is_clean(), "the run must fail");
    assert!(report.misconfigured, "never accepted: the config is wrong");
    let error = report.errors.join("\n");
    assert!(
        error.contains("sinks.hook") && error.contains("401"),
        "{error}"
    );
    assert_eq!(receiver.request_count(), 1, "no batch is sent after a 401");
    assert!(scratch.read("dead.jsonl").is_empty());
    // Every article the source sent is counted at the sink, as failed.
    let stage = |key: &str| {
        report
            .stages
            .iter()
            .find(|s| s.key.to_string() == key)
            .unwrap()
    };
    let (source, hook) = (stage("sources.replay"), stage("sinks.hook"));
    assert_eq!(
        (hook.received, hook.failed, hook.emitted),
        (source.emitted, source.emitted, 0)
    );
}

/// A 403 once batches have gone through (a revoked token) stops the run too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_403_after_deliveries_stops_the_run() {
    let receiver = Receiver::new(|number, _| {
        if number == 0 {
            Reply::Store
        } else {
            Reply::Status(403, "token revoked")
        }
    });
    let (scratch, running) = replay_to(&receiver, 6, 2, "").await;
    let report = running.ended().await;
    assert!(!report.is_clean(), "the run must fail");
    assert!(
        report.errors.join("\n").contains("403"),
        "{:?}",
        report.errors
    );
    assert!(
        !report.misconfigured,
        "accepted before: revoked, not misconfigured"
    );
    assert!(
        !receiver.stored_ids().is_empty(),
        "the first batch went through"
    );
    assert!(scratch.read("dead.jsonl").is_empty());
}
