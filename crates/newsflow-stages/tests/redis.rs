//! The `redis` sink against the real server on loopback (127.0.0.1:6379).
//! Skips when it is not there (see `newsflow_core::testing`).

use newsflow_core::testing::service_missing;
use newsflow_core::{Article, Batch, BuildContext, DeadLetter, Record, Sink, SinkErrorKind};
use newsflow_stages::sinks::redis::RedisConfig;

const URL: &str = "redis://127.0.0.1:6379/0";

fn sink(url: &str, key: &str) -> Box<dyn Sink> {
    let config: RedisConfig = serde_json::from_value(serde_json::json!({
        "url": url,
        "key": key,
        "dead_letter_key": format!("{key}:dead"),
    }))
    .unwrap();
    newsflow_core::SinkConfig::build(
        &config,
        &BuildContext::new(newsflow_core::StageKey::sink("cache"), "/nonexistent"),
    )
    .unwrap()
}

/// A connection for checking what was stored, with `keys` deleted first;
/// `None` (the test skips) when the server is not running.
async fn server(keys: &[&str]) -> Option<redis::aio::MultiplexedConnection> {
    let client = redis::Client::open(URL).unwrap();
    match client.get_multiplexed_async_connection().await {
        Ok(mut connection) => {
            let _: () = query(&mut connection, redis::cmd("DEL").arg(keys)).await;
            Some(connection)
        }
        Err(e) => {
            service_missing("Redis", e);
            None
        }
    }
}

/// The answer to `command` on `connection`.
async fn query<T: redis::FromRedisValue>(
    connection: &mut redis::aio::MultiplexedConnection,
    command: &redis::Cmd,
) -> T {
    command.query_async(connection).await.unwrap()
}

fn article(id: &str) -> Record {
    Record::Article(Article::from_text(id, format!("Body of {id}.")).unwrap())
}

#[tokio::test]
async fn a_batch_is_stored_by_id_and_a_retried_batch_stores_nothing_twice() {
    let key = format!("newsflow-test:{}", std::process::id());
    let dead = format!("{key}:dead");
    let Some(mut check) = server(&[&key, &dead]).await else {
        return;
    };
    let mut sink = sink(URL, &key);
    sink.start().await.unwrap();
    let letter = DeadLetter::from_bytes("sources.in", Some("in.jsonl:3".into()), "not JSON", b"{");
    let batch = Batch::from(vec![article("a"), article("b"), Record::DeadLetter(letter)]);
    sink.write_batch(&batch).await.unwrap();
    // The runtime writes a batch again when a reply was lost.
    sink.write_batch(&batch).await.unwrap();
    sink.write_batch(&Batch::from(vec![article("c")]))
        .await
        .unwrap();

    let stored: u64 = query(&mut check, redis::cmd("HLEN").arg(&key)).await;
    assert_eq!(stored, 3);
    let letters: u64 = query(&mut check, redis::cmd("HLEN").arg(&dead)).await;
    assert_eq!(letters, 1);
    let json: String = query(&mut check, redis::cmd("HGET").arg(&key).arg("b")).await;
    let back = Article::from_json(&json).unwrap();
    assert_eq!(back.body, "Body of b.");
    let _: () = query(&mut check, redis::cmd("DEL").arg(&[&key, &dead])).await;
}

#[tokio::test]
async fn no_server_is_a_failure_to_retry_and_a_bad_address_a_config_error() {
    // Nothing listens on port 9 (discard) here.
    let mut sink = sink("redis://127.0.0.1:9/0", "newsflow-test:nowhere");
    let error = sink
        .write_batch(&Batch::from(vec![article("a")]))
        .await
        .unwrap_err();
    assert_eq!(error.kind, SinkErrorKind::Retryable, "{}", error.message);
    let bad = serde_json::from_value::<RedisConfig>(serde_json::json!({"url": "http://x"}));
    assert!(bad.unwrap_err().to_string().contains("not a Redis address"));
}
