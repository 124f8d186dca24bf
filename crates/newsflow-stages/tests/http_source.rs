//! The `http` source on the real runtime: what each push is answered, and
//! how many articles reach the sink in the end.

mod net_common;

use net_common::{free_port, ids, read_jsonl, start, wait_listening, Receiver, Reply, Scratch};
use serde_json::Value;
use std::time::Duration;

/// An http source on `port` (with `options`) writing to `out.jsonl`.
fn config(scratch: &Scratch, port: u16, options: &str) -> String {
    format!(
        r#"
[sources.push]
type = "http"
address = "127.0.0.1:{port}"
{options}

[sinks.out]
type = "jsonl"
path = {out}
inputs = ["push"]
flush_interval_ms = 10

[dead_letter]
type = "jsonl"
path = {dead}
"#,
        out = scratch.toml("out.jsonl"),
        dead = scratch.toml("dead.jsonl"),
    )
}

fn push(port: u16) -> reqwest::RequestBuilder {
    // reqwest is built without a TLS provider of its own: install the one the
    // stages use, whichever test builds a client first.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::new().post(format!("http://127.0.0.1:{port}/articles"))
}

async fn answer(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepts_an_article_an_array_and_json_lines() {
    let scratch = Scratch::new();
    let port = free_port();
    let running = start(scratch.dir.path(), &config(&scratch, port, ""));
    wait_listening(port).await;

    let (status, body) =
        answer(push(port).body(r#"{"id": "one", "body": "A single article."}"#)).await;
    assert_eq!(
        (status, &body["accepted"]),
        (202, &Value::from(1)),
        "{body}"
    );
    let array = r#"[{"id": "arr1", "body": "First."}, {"id": "arr2", "body": "Second."}]"#;
    let (status, body) = answer(push(port).body(array)).await;
    assert_eq!(
        (status, &body["accepted"]),
        (202, &Value::from(2)),
        "{body}"
    );
    let lines = "{\"id\": \"l1\", \"body\": \"One.\"}\n{\"id\": \"l2\", \"body\": \"Two.\"}\n{\"id\": \"l3\", \"body\": \"Three.\"}\n";
    let request = push(port)
        .header("content-type", "application/x-ndjson")
        .body(lines);
    let (status, body) = answer(request).await;
    assert_eq!(
        (status, &body["accepted"]),
        (202, &Value::from(3)),
        "{body}"
    );
    // Other methods and paths are not for pushing.
    let get = reqwest::get(format!("http://127.0.0.1:{port}/articles"))
        .await
        .unwrap();
    assert_eq!(get.status().as_u16(), 405);

    running.stop().await;
    let out = read_jsonl(&scratch.path("out.jsonl"));
    assert_eq!(
        ids(&out),
        ["arr1", "arr2", "l1", "l2", "l3", "one"],
        "every accepted article is written once"
    );
    assert!(read_jsonl(&scratch.path("dead.jsonl")).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_line_refuses_the_whole_push() {
    let scratch = Scratch::new();
    let port = free_port();
    let running = start(scratch.dir.path(), &config(&scratch, port, ""));
    wait_listening(port).await;

    let bad = "{\"id\": \"g1\", \"body\": \"Good.\"}\n{\"id\": \"g2\", \"title\": \"no body\"}\n{\"id\": \"g3\", \"body\": \"Good.\"}\n";
    let (status, body) = answer(push(port).body(bad)).await;
    assert_eq!(status, 400, "{body}");
    let reason = body["error"].as_str().unwrap();
    assert!(
        reason.contains("line 2") && reason.contains("body"),
        "{reason}"
    );
    let (status, body) = answer(push(port).body("{\"id\": \"x\", ")).await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = answer(push(port).body(vec![0xffu8, 0xfe, 0x00])).await;
    assert_eq!(status, 400);
    let good = "{\"id\": \"g1\", \"body\": \"Good.\"}\n{\"id\": \"g3\", \"body\": \"Good.\"}\n";
    let (status, body) = answer(push(port).body(good)).await;
    assert_eq!(status, 202, "{body}");

    running.stop().await;
    assert_eq!(
        ids(&read_jsonl(&scratch.path("out.jsonl"))),
        ["g1", "g3"],
        "nothing of a refused push is taken"
    );
    // The client was told; the refused push is not kept a second time.
    assert!(read_jsonl(&scratch.path("dead.jsonl")).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_push_is_refused() {
    let scratch = Scratch::new();
    let port = free_port();
    let options = "max_body_bytes = 1024\nmax_articles = 2";
    let running = start(scratch.dir.path(), &config(&scratch, port, options));
    wait_listening(port).await;

    let big = format!(r#"{{"id": "big", "body": "{}"}}"#, "word ".repeat(400));
    let (status, body) = answer(push(port).body(big)).await;
    assert_eq!(status, 413, "{body}");
    assert!(body["error"].as_str().unwrap().contains("1024"), "{body}");
    let three =
        r#"[{"id": "t1", "body": "A."}, {"id": "t2", "body": "B."}, {"id": "t3", "body": "C."}]"#;
    let (status, body) = answer(push(port).body(three)).await;
    assert_eq!(status, 413, "{body}");
    let (status, _) = answer(push(port).body(r#"{"id": "small", "body": "Fits."}"#)).await;
    assert_eq!(status, 202);

    running.stop().await;
    assert_eq!(ids(&read_jsonl(&scratch.path("out.jsonl"))), ["small"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_or_missing_token_is_refused() {
    let scratch = Scratch::new();
    let port = free_port();
    // Edition 2021: setting a variable no other test reads is sound here.
    std::env::set_var("NEWSFLOW_TEST_HTTP_SOURCE_TOKEN", "open-sesame");
    let options = "token_env = \"NEWSFLOW_TEST_HTTP_SOURCE_TOKEN\"";
    let running = start(scratch.dir.path(), &config(&scratch, port, options));
    wait_listening(port).await;

    let article = r#"{"id": "secret", "body": "Only with the token."}"#;
    let response = push(port).body(article).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    let (status, _) = answer(push(port).bearer_auth("open-sesam").body(article)).await;
    assert_eq!(status, 401);
    let (status, _) = answer(
        push(port)
            .basic_auth("open-sesame", None::<&str>)
            .body(article),
    )
    .await;
    assert_eq!(status, 401);
    let (status, _) = answer(push(port).bearer_auth("open-sesame").body(article)).await;
    assert_eq!(status, 202);

    running.stop().await;
    assert_eq!(ids(&read_jsonl(&scratch.path("out.jsonl"))), ["secret"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_pipeline_answers_503_until_there_is_room() {
    let scratch = Scratch::new();
    let port = free_port();
    let hook_port = free_port();
    let receiver = Receiver::new(|_, _| Reply::Store);
    receiver.gate.send_replace(true);
    receiver.serve(hook_port).await;
    // One article in the sink's hands (stuck at the closed receiver) and one
    // in the queue fill a pipeline whose channels hold one article.
    let config = format!(
        r#"
[runtime]
channel_capacity = 1
state_dir = {state}

[sources.push]
type = "http"
address = "127.0.0.1:{port}"
retry_after_secs = 1

[sinks.hook]
type = "http"
url = "http://127.0.0.1:{hook_port}/hook"
inputs = ["push"]
batch_size = 1
flush_interval_ms = 0

[dead_letter]
type = "jsonl"
path = {dead}
"#,
        state = scratch.toml("state"),
        dead = scratch.toml("dead.jsonl"),
    );
    let running = start(scratch.dir.path(), &config);
    wait_listening(port).await;

    let article = |id: &str| format!(r#"{{"id": "{id}", "body": "Article {id}."}}"#);
    assert_eq!(answer(push(port).body(article("p1"))).await.0, 202);
    let requests = receiver.requests.clone();
    net_common::wait_until("the sink to post p1", || {
        requests.load(std::sync::atomic::Ordering::SeqCst) == 1
    })
    .await;
    assert_eq!(answer(push(port).body(article("p2"))).await.0, 202);
    let response = push(port).body(article("p3")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(response.headers()["retry-after"], "1");

    // The receiver opens; a client that retries as told gets in.
    receiver.gate.send_replace(false);
    let mut accepted = false;
    for _ in 0..20 {
        let response = push(port).body(article("p3")).send().await.unwrap();
        if response.status().as_u16() == 202 {
            accepted = true;
            break;
        }
        assert_eq!(response.status().as_u16(), 503);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(accepted, "p3 is accepted once the pipeline has room");

    running.stop().await;
    assert_eq!(receiver.stored_ids(), ["p1", "p2", "p3"]);
    assert!(read_jsonl(&scratch.path("dead.jsonl")).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_address_fails_the_start() {
    let scratch = Scratch::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    std::fs::write(scratch.path("pipeline.toml"), config(&scratch, port, "")).unwrap();
    let registry = newsflow_stages::registry();
    let parsed = newsflow_runtime::load_with_env(
        &scratch.path("pipeline.toml"),
        &registry,
        Some(Default::default()),
    )
    .unwrap();
    let pipeline = newsflow_runtime::compile(parsed).unwrap();
    let stop = tokio_util::sync::CancellationToken::new();
    let err = newsflow_runtime::run(pipeline, stop, Default::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("cannot listen"), "{err}");
}

// --- Slow, half-sent and idle clients; shutdown; readiness ---------------

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A raw connection to the source on `port`.
async fn raw(port: u16) -> TcpStream {
    TcpStream::connect(("127.0.0.1", port)).await.unwrap()
}

/// A request's head declaring a body of `length` bytes.
fn head(port: u16, length: usize) -> String {
    format!(
        "POST /articles HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    )
}

/// Reads until the server closes the connection (within `secs`): what it
/// sent, or `None` if it was still open then.
async fn closed_within(stream: &mut TcpStream, secs: u64) -> Option<String> {
    let mut seen = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(secs), async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => seen.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    read.ok()
        .map(|()| String::from_utf8_lossy(&seen).into_owned())
}

/// The status code at the start of a raw response ("" when none came).
fn status_of(response: &str) -> &str {
    response.split_whitespace().nth(1).unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_and_idle_requests_do_not_hold_up_a_stop() {
    let scratch = Scratch::new();
    let port = free_port();
    // Timeouts far beyond the drain deadline: the stop itself must cut them.
    let options = format!(
        "header_timeout_secs = 600\nbody_timeout_secs = 600\n\n[runtime]\nshutdown_timeout_secs = 5\nstate_dir = {}",
        scratch.toml("state")
    );
    let running = start(scratch.dir.path(), &config(&scratch, port, &options));
    wait_listening(port).await;
    let (status, _) = answer(push(port).body(r#"{"id": "kept", "body": "Whole."}"#)).await;
    assert_eq!(status, 202);

    // Headers sent, body unfinished.
    let mut half_body = raw(port).await;
    half_body
        .write_all(head(port, 100).as_bytes())
        .await
        .unwrap();
    half_body.write_all(b"{\"id\": \"half\",").await.unwrap();
    // Headers unfinished.
    let mut half_head = raw(port).await;
    half_head
        .write_all(b"POST /articles HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // Connected, nothing sent.
    let mut idle = raw(port).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let report = running.stop_any().await;
    assert!(
        !report.drain_timed_out && report.is_clean(),
        "the stop waited for clients that owe nothing: {:?}",
        report.errors
    );
    // Each was cut: the half-sent request is told to retry, the rest closed.
    let reply = closed_within(&mut half_body, 5).await.expect("closed");
    assert!(reply.is_empty() || status_of(&reply) == "503", "{reply}");
    assert_eq!(closed_within(&mut half_head, 5).await.as_deref(), Some(""));
    assert_eq!(closed_within(&mut idle, 5).await.as_deref(), Some(""));
    assert_eq!(ids(&read_jsonl(&scratch.path("out.jsonl"))), ["kept"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_cut_by_the_header_and_body_timeouts() {
    let scratch = Scratch::new();
    let port = free_port();
    let options = "header_timeout_secs = 1\nbody_timeout_secs = 1";
    let running = start(scratch.dir.path(), &config(&scratch, port, options));
    wait_listening(port).await;

    // Slowloris: 20 connections sending their headers a byte at a time.
    let mut slow = Vec::new();
    for _ in 0..20 {
        slow.push(raw(port).await);
    }
    let request = head(port, 40);
    let mut closed = vec![false; slow.len()];
    for byte in request.as_bytes().iter().take(100) {
        for (stream, closed) in slow.iter_mut().zip(closed.iter_mut()) {
            if !*closed && stream.write_all(&[*byte]).await.is_err() {
                *closed = true;
            }
        }
        if closed.iter().all(|c| *c) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for stream in &mut slow {
        // Closed, and not answered: the headers never arrived.
        assert_eq!(
            closed_within(stream, 10).await.as_deref(),
            Some(""),
            "a slowloris connection stays open"
        );
    }

    // A body that trickles in is answered 408 and the connection closed.
    let mut trickle = raw(port).await;
    trickle.write_all(head(port, 40).as_bytes()).await.unwrap();
    trickle.write_all(b"{\"id\":").await.unwrap();
    let reply = closed_within(&mut trickle, 10)
        .await
        .expect("a trickling body is cut");
    assert_eq!(status_of(&reply), "408", "{reply}");
    assert!(reply.contains("body_timeout_secs"), "{reply}");

    // The source still serves.
    let (status, _) = answer(push(port).body(r#"{"id": "after", "body": "Fine."}"#)).await;
    assert_eq!(status, 202);
    running.stop().await;
    assert_eq!(ids(&read_jsonl(&scratch.path("out.jsonl"))), ["after"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declared_length_over_the_limit_is_refused_before_the_body() {
    let scratch = Scratch::new();
    let port = free_port();
    let running = start(
        scratch.dir.path(),
        &config(&scratch, port, "max_body_bytes = 1024"),
    );
    wait_listening(port).await;
    let mut stream = raw(port).await;
    stream
        .write_all(head(port, 50_000_000).as_bytes())
        .await
        .unwrap();
    // Not a byte of the body is sent: the answer comes anyway.
    let reply = closed_within(&mut stream, 10)
        .await
        .expect("answered and closed without the body");
    assert_eq!(status_of(&reply), "413", "{reply}");
    assert!(reply.contains("1024"), "{reply}");
    running.stop().await;
    assert!(read_jsonl(&scratch.path("out.jsonl")).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_max_connections_wait_for_a_free_one() {
    let scratch = Scratch::new();
    let port = free_port();
    let options = "max_connections = 4\nheader_timeout_secs = 600";
    let running = start(scratch.dir.path(), &config(&scratch, port, options));
    wait_listening(port).await;
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(raw(port).await);
    }
    // The kernel queues a fifth; the source does not take it while 4 are open.
    let body = r#"{"id": "queued", "body": "Waited its turn."}"#;
    let mut queued = raw(port).await;
    queued
        .write_all(format!("{}{body}", head(port, body.len())).as_bytes())
        .await
        .unwrap();
    let mut first = [0u8; 1];
    let early = tokio::time::timeout(Duration::from_millis(1500), queued.peek(&mut first)).await;
    assert!(
        early.is_err(),
        "a fifth connection was served while 4 were open"
    );
    // One closes: the queued request is served.
    idle.pop();
    let mut buf = [0u8; 512];
    let n = tokio::time::timeout(Duration::from_secs(10), queued.read(&mut buf))
        .await
        .expect("the queued request is served")
        .unwrap();
    let text = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert_eq!(status_of(&text), "202", "{text}");
    drop(idle);
    running.stop().await;
    assert_eq!(ids(&read_jsonl(&scratch.path("out.jsonl"))), ["queued"]);
}

// --- ack = "delivered" -----------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ack_delivered_answers_once_the_sink_has_written() {
    let scratch = Scratch::new();
    let port = free_port();
    // A sink that flushes late: an answer on acceptance would come first.
    let config = config(&scratch, port, "ack = \"delivered\"")
        .replace("flush_interval_ms = 10", "flush_interval_ms = 700");
    let running = start(scratch.dir.path(), &config);
    wait_listening(port).await;

    let array = r#"[{"id": "d1", "body": "First."}, {"id": "d2", "body": "Second."}]"#;
    let (status, body) = answer(push(port).body(array)).await;
    assert_eq!(
        (status, &body["delivered"]),
        (200, &Value::from(2)),
        "{body}"
    );
    // At the time of the answer the file holds both.
    assert_eq!(ids(&read_jsonl(&scratch.path("out.jsonl"))), ["d1", "d2"]);
    running.stop().await;
    assert_eq!(ids(&read_jsonl(&scratch.path("out.jsonl"))), ["d1", "d2"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ack_delivered_answers_504_past_the_timeout_and_a_retry_loses_nothing() {
    let scratch = Scratch::new();
    let port = free_port();
    let hook_port = free_port();
    let receiver = Receiver::new(|_, _| Reply::Store);
    receiver.gate.send_replace(true);
    receiver.serve(hook_port).await;
    let config = format!(
        r#"
[sources.push]
type = "http"
address = "127.0.0.1:{port}"
ack = "delivered"
ack_timeout_secs = 1

[sinks.hook]
type = "http"
url = "http://127.0.0.1:{hook_port}/hook"
inputs = ["push"]
flush_interval_ms = 0

[dead_letter]
type = "jsonl"
path = {dead}
"#,
        dead = scratch.toml("dead.jsonl"),
    );
    let running = start(scratch.dir.path(), &config);
    wait_listening(port).await;
    let article = r#"{"id": "slow", "body": "Held at the receiver."}"#;
    let (status, body) = answer(push(port).body(article)).await;
    assert_eq!(status, 504, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("ack_timeout_secs"),
        "{body}"
    );
    // The receiver opens; the client's retry is answered delivered.
    receiver.gate.send_replace(false);
    let (status, body) = answer(push(port).body(article)).await;
    assert_eq!(
        (status, &body["delivered"]),
        (200, &Value::from(1)),
        "{body}"
    );
    running.stop().await;
    assert!(receiver.stored_ids().contains(&"slow".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ack_delivered_answers_503_when_a_sink_loses_the_articles() {
    if !std::path::Path::new("/dev/full").exists() {
        eprintln!("SKIPPED: no /dev/full to make the sink fail");
        return;
    }
    let scratch = Scratch::new();
    let port = free_port();
    let config = config(&scratch, port, "ack = \"delivered\"")
        .replace(&scratch.toml("out.jsonl"), "\"/dev/full\"");
    let running = start(scratch.dir.path(), &config);
    wait_listening(port).await;
    let (status, body) = answer(push(port).body(r#"{"id": "lost", "body": "No room."}"#)).await;
    assert_eq!(status, 503, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("not delivered"),
        "{body}"
    );
    let report = running.stop_any().await;
    assert!(!report.errors.is_empty(), "the sink failed");
}

// --- max_article_bytes -----------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_article_over_max_article_bytes_refuses_the_request() {
    let scratch = Scratch::new();
    let port = free_port();
    let running = start(
        scratch.dir.path(),
        &config(&scratch, port, "max_article_bytes = 100"),
    );
    wait_listening(port).await;
    let big = format!(r#"{{"id": "big", "body": "{}"}}"#, "word ".repeat(40));
    let array = format!(r#"[{{"id": "s1", "body": "Small."}}, {big}]"#);
    let (status, body) = answer(push(port).body(array)).await;
    assert_eq!(status, 413, "{body}");
    let reason = body["error"].as_str().unwrap();
    assert!(
        reason.starts_with("item 2:") && reason.contains("max_article_bytes"),
        "{reason}"
    );
    let lines = format!("{{\"id\": \"s2\", \"body\": \"Small.\"}}\n\n{big}\n");
    let request = push(port)
        .header("content-type", "application/x-ndjson")
        .body(lines);
    let (status, body) = answer(request).await;
    assert_eq!(status, 413, "{body}");
    assert!(
        body["error"].as_str().unwrap().starts_with("line 3:"),
        "{body}"
    );
    let (status, _) = answer(push(port).body(big)).await;
    assert_eq!(status, 413);
    let (status, _) = answer(push(port).body(r#"{"id": "fits", "body": "Small."}"#)).await;
    assert_eq!(status, 202);

    running.stop().await;
    assert_eq!(ids(&read_jsonl(&scratch.path("out.jsonl"))), ["fits"]);
    // Refused requests stay with the client, not in the dead letters.
    assert!(read_jsonl(&scratch.path("dead.jsonl")).is_empty());
}

// --- The source on its own: readiness around shutdown ----------------------

use newsflow_core::{
    BuildContext, DeadLetters, Event, Output, Progress, SourceConfig, SourceContext,
};
use newsflow_stages::sources::http::HttpSourceConfig;

/// An http source on `port` built and running by itself, its articles in
/// the returned channel; (build context, stop, articles, task).
fn run_alone(
    scratch: &Scratch,
    port: u16,
    options: Value,
) -> (
    BuildContext,
    tokio_util::sync::CancellationToken,
    tokio::sync::mpsc::Receiver<Event>,
    tokio::task::JoinHandle<()>,
) {
    let mut options = options;
    options["address"] = format!("127.0.0.1:{port}").into();
    let config: HttpSourceConfig = serde_json::from_value(options).unwrap();
    let build = BuildContext::new("sources.push", scratch.path("state"));
    let source = config.build(&build).unwrap();
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    let (dead_tx, _) = tokio::sync::mpsc::channel(16);
    let counters = std::sync::Arc::default();
    let stop = tokio_util::sync::CancellationToken::new();
    let cx = SourceContext {
        name: "push".into(),
        out: Output::new(vec![tx], std::sync::Arc::clone(&counters)),
        dead_letters: DeadLetters::new(dead_tx, counters),
        shutdown: stop.clone(),
        progress: Progress::default(),
    };
    let task = tokio::spawn(async move { source.run(cx).await.unwrap() });
    (build, stop, rx, task)
}

/// Waits (bounded) until nothing listens on `port` any more.
async fn wait_closed(port: u16) {
    for _ in 0..500 {
        if TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("port {port} still open");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_ready_once_the_port_is_closed() {
    let scratch = Scratch::new();
    let port = free_port();
    let (build, stop, _articles, task) = run_alone(&scratch, port, serde_json::json!({}));
    wait_listening(port).await;
    net_common::wait_until("ready", || build.health.is_ready()).await;
    // A half-sent request is open when the stop comes.
    let mut half = raw(port).await;
    half.write_all(head(port, 100).as_bytes()).await.unwrap();
    half.write_all(b"{\"id\":").await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    stop.cancel();
    wait_closed(port).await;
    assert!(
        !build.health.is_ready(),
        "/ready would say ready while the port is closed"
    );
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("the source returns at once")
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_still_answers_a_delivered_ack_that_is_owed() {
    let scratch = Scratch::new();
    let port = free_port();
    let (build, stop, mut articles, task) =
        run_alone(&scratch, port, serde_json::json!({"ack": "delivered"}));
    wait_listening(port).await;
    let pushed = tokio::spawn(answer(
        push(port).body(r#"{"id": "owed", "body": "In the pipeline."}"#),
    ));
    let event = articles.recv().await.unwrap();
    assert_eq!(event.article.id, "owed");
    // Stopping: the port closes, the source is not ready, the answer waits.
    stop.cancel();
    wait_closed(port).await;
    assert!(!build.health.is_ready());
    assert!(!pushed.is_finished() && !task.is_finished());
    // The sink writes it: the client hears 200 and the source returns.
    event.delivery.delivered();
    let (status, body) = pushed.await.unwrap();
    assert_eq!(
        (status, &body["delivered"]),
        (200, &Value::from(1)),
        "{body}"
    );
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("the source returns once it has answered")
        .unwrap();
}
