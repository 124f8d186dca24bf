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
