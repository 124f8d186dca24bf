//! The `http` source on the real runtime: what each push is answered, and
//! how many articles reach the sink in the end.

mod net_common;

use net_common::{ids, start, Receiver, Reply, Running, Scratch};
use newsflow_core::testing::{free_port, start_source, wait_closed, wait_listening};
use newsflow_runtime::RunReport;
use newsflow_stages::sources::http::HttpSourceConfig;
use serde_json::Value;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// An http source on `port` (with `options`, TOML lines) feeding `sink`.
fn pipeline(scratch: &Scratch, port: u16, options: &str, sink: &str) -> String {
    scratch.pipeline(&format!(
        "[sources.push]\ntype = \"http\"\naddress = \"127.0.0.1:{port}\"\n{options}\n\n{sink}"
    ))
}

/// An http source on `port` (with `options`) writing to `out.jsonl`.
fn config(scratch: &Scratch, port: u16, options: &str) -> String {
    pipeline(scratch, port, options, &scratch.out_sink("push"))
}

/// An http source on `port` (with `options`) posting to a webhook on
/// `hook_port` (with `sink_options`).
fn hook_config(
    scratch: &Scratch,
    port: u16,
    options: &str,
    hook_port: u16,
    sink_options: &str,
) -> String {
    let sink = format!(
        "[sinks.hook]\ntype = \"http\"\nurl = \"http://127.0.0.1:{hook_port}/hook\"\n\
         inputs = [\"push\"]\nflush_interval_ms = 0\n{sink_options}"
    );
    pipeline(scratch, port, options, &sink)
}

/// A pipeline with an http source on a free port, listening.
struct Pushed {
    scratch: Scratch,
    port: u16,
    running: Running,
}

/// What a stopped pipeline wrote: `out.jsonl` and `dead.jsonl`.
struct Written {
    out: Vec<Value>,
    dead: Vec<Value>,
}

impl Pushed {
    /// The source with `options` (see [`config`]) and a JSON Lines sink.
    async fn start(options: &str) -> Pushed {
        Pushed::start_with(|scratch, port| config(scratch, port, options)).await
    }

    /// The pipeline `config` gives for the scratch directory and port.
    async fn start_with(config: impl FnOnce(&Scratch, u16) -> String) -> Pushed {
        let scratch = Scratch::new();
        let port = free_port();
        let running = start(scratch.dir.path(), &config(&scratch, port));
        wait_listening(port).await;
        Pushed {
            scratch,
            port,
            running,
        }
    }

    fn push(&self) -> reqwest::RequestBuilder {
        push(self.port)
    }

    fn out_ids(&self) -> Vec<String> {
        ids(&self.scratch.read("out.jsonl"))
    }

    /// Stops the pipeline (which must end clean) and reads what it wrote.
    async fn stop(self) -> Written {
        self.running.stop().await;
        written(&self.scratch)
    }

    /// Stops the pipeline; how it ended, clean or not, and what it wrote.
    async fn stop_any(self) -> (RunReport, Written) {
        let report = self.running.stop_any().await;
        (report, written(&self.scratch))
    }
}

fn written(scratch: &Scratch) -> Written {
    Written {
        out: scratch.read("out.jsonl"),
        dead: scratch.read("dead.jsonl"),
    }
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

/// Asserts `answer` is `status` counting `count` articles under `field`
/// (`accepted`, `delivered`); `case` names the push in the message.
fn assert_counted(answer: &(u16, Value), status: u16, field: &str, count: u64, case: &str) {
    let (got, body) = answer;
    assert_eq!(
        (*got, &body[field]),
        (status, &Value::from(count)),
        "{case}: {body}"
    );
}

/// Asserts `answer` is `status` with an error `explains` accepts.
fn assert_refused(answer: &(u16, Value), status: u16, explains: impl Fn(&str) -> bool) {
    let (got, body) = answer;
    assert_eq!(*got, status, "{body}");
    let reason = body["error"].as_str().unwrap_or_default();
    assert!(explains(reason), "{reason}");
}

fn ndjson(request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    request.header("content-type", "application/x-ndjson")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepts_an_article_an_array_and_json_lines() {
    let pipeline = Pushed::start("").await;
    let one = r#"{"id": "one", "body": "A single article."}"#;
    let array = r#"[{"id": "arr1", "body": "First."}, {"id": "arr2", "body": "Second."}]"#;
    let lines = "{\"id\": \"l1\", \"body\": \"One.\"}\n{\"id\": \"l2\", \"body\": \"Two.\"}\n{\"id\": \"l3\", \"body\": \"Three.\"}\n";
    for (case, request, accepted) in [
        ("an article", pipeline.push().body(one), 1),
        ("an array", pipeline.push().body(array), 2),
        ("JSON Lines", ndjson(pipeline.push()).body(lines), 3),
    ] {
        assert_counted(&answer(request).await, 202, "accepted", accepted, case);
    }
    // Other methods and paths are not for pushing.
    let get = reqwest::get(format!("http://127.0.0.1:{}/articles", pipeline.port))
        .await
        .unwrap();
    assert_eq!(get.status().as_u16(), 405);

    let written = pipeline.stop().await;
    assert_eq!(
        ids(&written.out),
        ["arr1", "arr2", "l1", "l2", "l3", "one"],
        "every accepted article is written once"
    );
    assert!(written.dead.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_line_refuses_the_whole_push() {
    let pipeline = Pushed::start("").await;
    let bad = "{\"id\": \"g1\", \"body\": \"Good.\"}\n{\"id\": \"g2\", \"title\": \"no body\"}\n{\"id\": \"g3\", \"body\": \"Good.\"}\n";
    assert_refused(&answer(pipeline.push().body(bad)).await, 400, |r| {
        r.contains("line 2") && r.contains("body")
    });
    let (status, body) = answer(pipeline.push().body("{\"id\": \"x\", ")).await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = answer(pipeline.push().body(vec![0xffu8, 0xfe, 0x00])).await;
    assert_eq!(status, 400);
    let good = "{\"id\": \"g1\", \"body\": \"Good.\"}\n{\"id\": \"g3\", \"body\": \"Good.\"}\n";
    let (status, body) = answer(pipeline.push().body(good)).await;
    assert_eq!(status, 202, "{body}");

    let written = pipeline.stop().await;
    assert_eq!(
        ids(&written.out),
        ["g1", "g3"],
        "nothing of a refused push is taken"
    );
    // The client was told; the refused push is not kept a second time.
    assert!(written.dead.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_push_is_refused() {
    let pipeline = Pushed::start("max_body_bytes = 1024\nmax_articles = 2").await;
    let big = format!(r#"{{"id": "big", "body": "{}"}}"#, "word ".repeat(400));
    assert_refused(&answer(pipeline.push().body(big)).await, 413, |r| {
        r.contains("1024")
    });
    let three =
        r#"[{"id": "t1", "body": "A."}, {"id": "t2", "body": "B."}, {"id": "t3", "body": "C."}]"#;
    let (status, body) = answer(pipeline.push().body(three)).await;
    assert_eq!(status, 413, "{body}");
    let (status, _) = answer(pipeline.push().body(r#"{"id": "small", "body": "Fits."}"#)).await;
    assert_eq!(status, 202);

    assert_eq!(ids(&pipeline.stop().await.out), ["small"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_or_missing_token_is_refused() {
    // Edition 2021: setting a variable no other test reads is sound here.
    std::env::set_var("NEWSFLOW_TEST_HTTP_SOURCE_TOKEN", "open-sesame");
    let pipeline = Pushed::start("token_env = \"NEWSFLOW_TEST_HTTP_SOURCE_TOKEN\"").await;

    let article = r#"{"id": "secret", "body": "Only with the token."}"#;
    let response = pipeline.push().body(article).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    for (case, request, status) in [
        (
            "a wrong token",
            pipeline.push().bearer_auth("open-sesam"),
            401,
        ),
        (
            "the token as a user name",
            pipeline.push().basic_auth("open-sesame", None::<&str>),
            401,
        ),
        ("the token", pipeline.push().bearer_auth("open-sesame"), 202),
    ] {
        let (got, _) = answer(request.body(article)).await;
        assert_eq!(got, status, "{case}");
    }

    assert_eq!(ids(&pipeline.stop().await.out), ["secret"]);
}

/// A webhook receiver on a free port that holds every request until opened.
async fn closed_receiver() -> (Receiver, u16) {
    let hook_port = free_port();
    let receiver = Receiver::new(|_, _| Reply::Store);
    receiver.gate.send_replace(true);
    receiver.serve(hook_port).await;
    (receiver, hook_port)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_pipeline_answers_503_until_there_is_room() {
    let (receiver, hook_port) = closed_receiver().await;
    // One article in the sink's hands (stuck at the closed receiver) and one
    // in the queue fill a pipeline whose channels hold one article.
    let options = "retry_after_secs = 1\n[runtime]\nchannel_capacity = 1";
    let pipeline = Pushed::start_with(|scratch, port| {
        hook_config(scratch, port, options, hook_port, "batch_size = 1")
    })
    .await;

    let article = |id: &str| format!(r#"{{"id": "{id}", "body": "Article {id}."}}"#);
    assert_eq!(answer(pipeline.push().body(article("p1"))).await.0, 202);
    let requests = receiver.requests.clone();
    net_common::wait_until("the sink to post p1", || {
        requests.load(std::sync::atomic::Ordering::SeqCst) == 1
    })
    .await;
    assert_eq!(answer(pipeline.push().body(article("p2"))).await.0, 202);
    let response = pipeline.push().body(article("p3")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 503);
    assert_eq!(response.headers()["retry-after"], "1");

    // The receiver opens; a client that retries as told gets in.
    receiver.gate.send_replace(false);
    let mut accepted = false;
    for _ in 0..20 {
        let response = pipeline.push().body(article("p3")).send().await.unwrap();
        if response.status().as_u16() == 202 {
            accepted = true;
            break;
        }
        assert_eq!(response.status().as_u16(), 503);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(accepted, "p3 is accepted once the pipeline has room");

    let written = pipeline.stop().await;
    assert_eq!(receiver.stored_ids(), ["p1", "p2", "p3"]);
    assert!(written.dead.is_empty());
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

/// A raw connection to the source on `port`.
async fn raw(port: u16) -> TcpStream {
    TcpStream::connect(("127.0.0.1", port)).await.unwrap()
}

/// `n` raw connections to the source on `port`.
async fn connections(port: u16, n: usize) -> Vec<TcpStream> {
    let mut streams = Vec::new();
    for _ in 0..n {
        streams.push(raw(port).await);
    }
    streams
}

/// A request's head declaring a body of `length` bytes.
fn head(port: u16, length: usize) -> String {
    format!(
        "POST /articles HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\
         Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    )
}

/// A raw connection that has sent a request's head (declaring `length`
/// bytes of body) and then `sent` of the body.
async fn half_sent(port: u16, length: usize, sent: &[u8]) -> TcpStream {
    let mut stream = raw(port).await;
    stream
        .write_all(head(port, length).as_bytes())
        .await
        .unwrap();
    stream.write_all(sent).await.unwrap();
    stream
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
    // Timeouts far beyond the drain deadline: the stop itself must cut them.
    let pipeline = Pushed::start(
        "header_timeout_secs = 600\nbody_timeout_secs = 600\n[runtime]\nshutdown_timeout_secs = 5",
    )
    .await;
    let port = pipeline.port;
    let (status, _) = answer(pipeline.push().body(r#"{"id": "kept", "body": "Whole."}"#)).await;
    assert_eq!(status, 202);

    // Headers sent, body unfinished.
    let mut half_body = half_sent(port, 100, b"{\"id\": \"half\",").await;
    // Headers unfinished.
    let mut half_head = raw(port).await;
    half_head
        .write_all(b"POST /articles HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // Connected, nothing sent.
    let mut idle = raw(port).await;
    tokio::time::sleep(Duration::from_millis(200)).await;

    let (report, written) = pipeline.stop_any().await;
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
    assert_eq!(ids(&written.out), ["kept"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_cut_by_the_header_and_body_timeouts() {
    let pipeline = Pushed::start("header_timeout_secs = 1\nbody_timeout_secs = 1").await;
    let port = pipeline.port;

    // Slowloris: 20 connections sending their headers a byte at a time.
    let mut slow = connections(port, 20).await;
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
    let mut trickle = half_sent(port, 40, b"{\"id\":").await;
    let reply = closed_within(&mut trickle, 10)
        .await
        .expect("a trickling body is cut");
    assert_eq!(status_of(&reply), "408", "{reply}");
    assert!(reply.contains("body_timeout_secs"), "{reply}");

    // The source still serves.
    let (status, _) = answer(pipeline.push().body(r#"{"id": "after", "body": "Fine."}"#)).await;
    assert_eq!(status, 202);
    assert_eq!(ids(&pipeline.stop().await.out), ["after"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declared_length_over_the_limit_is_refused_before_the_body() {
    let pipeline = Pushed::start("max_body_bytes = 1024").await;
    // Not a byte of the body is sent: the answer comes anyway.
    let mut stream = half_sent(pipeline.port, 50_000_000, b"").await;
    let reply = closed_within(&mut stream, 10)
        .await
        .expect("answered and closed without the body");
    assert_eq!(status_of(&reply), "413", "{reply}");
    assert!(reply.contains("1024"), "{reply}");
    assert!(pipeline.stop().await.out.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_max_connections_wait_for_a_free_one() {
    let pipeline = Pushed::start("max_connections = 4\nheader_timeout_secs = 600").await;
    let port = pipeline.port;
    let mut idle = connections(port, 4).await;
    // The kernel queues a fifth; the source does not take it while 4 are open.
    let body = r#"{"id": "queued", "body": "Waited its turn."}"#;
    let mut queued = half_sent(port, body.len(), body.as_bytes()).await;
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
    assert_eq!(ids(&pipeline.stop().await.out), ["queued"]);
}

// --- ack = "delivered" -----------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ack_delivered_answers_once_the_sink_has_written() {
    // A sink that flushes late: an answer on acceptance would come first.
    let pipeline = Pushed::start_with(|scratch, port| {
        config(scratch, port, "ack = \"delivered\"").replacen(
            "flush_interval_ms = 10",
            "flush_interval_ms = 700",
            1,
        )
    })
    .await;

    let array = r#"[{"id": "d1", "body": "First."}, {"id": "d2", "body": "Second."}]"#;
    let answered = answer(pipeline.push().body(array)).await;
    assert_counted(&answered, 200, "delivered", 2, "two articles");
    // At the time of the answer the file holds both.
    assert_eq!(pipeline.out_ids(), ["d1", "d2"]);
    assert_eq!(ids(&pipeline.stop().await.out), ["d1", "d2"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ack_delivered_answers_504_past_the_timeout_and_a_retry_loses_nothing() {
    let (receiver, hook_port) = closed_receiver().await;
    let options = "ack = \"delivered\"\nack_timeout_secs = 1";
    let pipeline =
        Pushed::start_with(|scratch, port| hook_config(scratch, port, options, hook_port, ""))
            .await;
    let article = r#"{"id": "slow", "body": "Held at the receiver."}"#;
    let answered = answer(pipeline.push().body(article)).await;
    assert_refused(&answered, 504, |r| r.contains("ack_timeout_secs"));
    // The receiver opens; the client's retry is answered delivered.
    receiver.gate.send_replace(false);
    let answered = answer(pipeline.push().body(article)).await;
    assert_counted(&answered, 200, "delivered", 1, "the retry");
    pipeline.stop().await;
    assert!(receiver.stored_ids().contains(&"slow".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ack_delivered_answers_503_when_a_sink_loses_the_articles() {
    if !std::path::Path::new("/dev/full").exists() {
        eprintln!("SKIPPED: no /dev/full to make the sink fail");
        return;
    }
    let pipeline = Pushed::start_with(|scratch, port| {
        config(scratch, port, "ack = \"delivered\"")
            .replace(&scratch.toml("out.jsonl"), "\"/dev/full\"")
    })
    .await;
    let answered = answer(
        pipeline
            .push()
            .body(r#"{"id": "lost", "body": "No room."}"#),
    )
    .await;
    assert_refused(&answered, 503, |r| r.contains("not delivered"));
    let (report, _) = pipeline.stop_any().await;
    assert!(!report.errors.is_empty(), "the sink failed");
}

// --- max_article_bytes -----------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_article_over_max_article_bytes_refuses_the_request() {
    let pipeline = Pushed::start("max_article_bytes = 100").await;
    let big = format!(r#"{{"id": "big", "body": "{}"}}"#, "word ".repeat(40));
    let array = format!(r#"[{{"id": "s1", "body": "Small."}}, {big}]"#);
    assert_refused(&answer(pipeline.push().body(array)).await, 413, |r| {
        r.starts_with("item 2:") && r.contains("max_article_bytes")
    });
    let lines = format!("{{\"id\": \"s2\", \"body\": \"Small.\"}}\n\n{big}\n");
    let answered = answer(ndjson(pipeline.push()).body(lines)).await;
    assert_refused(&answered, 413, |r| r.starts_with("line 3:"));
    let (status, _) = answer(pipeline.push().body(big)).await;
    assert_eq!(status, 413);
    let (status, _) = answer(pipeline.push().body(r#"{"id": "fits", "body": "Small."}"#)).await;
    assert_eq!(status, 202);

    let written = pipeline.stop().await;
    assert_eq!(ids(&written.out), ["fits"]);
    // Refused requests stay with the client, not in the dead letters.
    assert!(written.dead.is_empty());
}

// --- The source on its own: readiness around shutdown ----------------------

/// An http source on a free port with `options`, built and running by
/// itself (see `newsflow_core::testing`), listening.
async fn run_alone(options: Value) -> (newsflow_core::testing::RunningSource, u16) {
    let port = free_port();
    let mut options = options;
    options["address"] = format!("127.0.0.1:{port}").into();
    let config: HttpSourceConfig = serde_json::from_value(options).unwrap();
    // The http source keeps no state: the directory may go at once.
    let state = tempfile::tempdir().unwrap();
    let source = start_source(&config, state.path());
    wait_listening(port).await;
    (source, port)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_ready_once_the_port_is_closed() {
    let (source, port) = run_alone(serde_json::json!({})).await;
    net_common::wait_until("ready", || source.health.is_ready()).await;
    // A half-sent request is open when the stop comes.
    let _half = half_sent(port, 100, b"{\"id\":").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    source.shutdown.cancel();
    wait_closed(port).await;
    assert!(
        !source.health.is_ready(),
        "/ready would say ready while the port is closed"
    );
    // The source returns at once.
    source.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_still_answers_a_delivered_ack_that_is_owed() {
    let (mut source, port) = run_alone(serde_json::json!({"ack": "delivered"})).await;
    let pushed = tokio::spawn(answer(
        push(port).body(r#"{"id": "owed", "body": "In the pipeline."}"#),
    ));
    let event = source.next_article().await;
    assert_eq!(event.article.id, "owed");
    // Stopping: the port closes, the source is not ready, the answer waits.
    source.shutdown.cancel();
    wait_closed(port).await;
    assert!(!source.health.is_ready());
    assert!(!pushed.is_finished() && !source.task.is_finished());
    // The sink writes it: the client hears 200 and the source returns.
    event.delivery.delivered();
    assert_counted(
        &pushed.await.unwrap(),
        200,
        "delivered",
        1,
        "the owed article",
    );
    source.stop().await;
}
