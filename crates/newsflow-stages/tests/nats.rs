//! The `nats` source and sink against a real NATS JetStream server: the shared
//! one on 127.0.0.1:4222 and, for the outage tests, private servers this test
//! starts and stops itself. Every test uses streams of its own and counts the
//! articles at the end.

mod net_common;

use async_nats::jetstream;
use newsflow_core::testing::{
    free_port, service_missing, service_reachable, start_source, wait_listening, RunningSource,
};
use newsflow_core::{
    Article, Batch, BuildContext, DeadLetter, Record, Sink, SinkConfig, SinkError, SinkErrorKind,
};
use newsflow_stages::sinks::nats::{NatsSinkConfig, RECORD_HEADER};
use newsflow_stages::sources::nats::NatsSourceConfig;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const SHARED_SERVER: &str = "127.0.0.1:4222";

/// The consumer the source tests read as.
const READER: &str = "reader";

/// A stream or consumer name no other test run uses.
fn unique(tag: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("NFTEST_{tag}_{}_{nanos}", std::process::id())
}

/// What one test uses on a server: a stream of its own, the one subject it
/// takes, and a state directory for the source.
struct Bus {
    url: String,
    stream: String,
    subject: String,
    state: tempfile::TempDir,
}

impl Bus {
    /// A stream named after `tag` on the server at `url`, taking
    /// `{stream}.{suffix}`; nothing is created yet.
    fn on(url: String, tag: &str, suffix: &str) -> Bus {
        let stream = unique(tag);
        Bus {
            url,
            subject: format!("{stream}.{suffix}"),
            stream,
            state: tempfile::tempdir().unwrap(),
        }
    }

    /// A stream on the shared server and a client to it; `None` (the test
    /// skips, see `service_missing`) when the server is not running.
    async fn shared(tag: &str, suffix: &str) -> Option<(Bus, jetstream::Context)> {
        if !service_reachable("NATS JetStream", SHARED_SERVER) {
            return None;
        }
        let bus = Bus::on(format!("nats://{SHARED_SERVER}"), tag, suffix);
        let js = jetstream_at(&bus.url).await;
        Some((bus, js))
    }

    /// A stream on the shared server, created and holding `payloads`.
    async fn filled(tag: &str, payloads: &[Vec<u8>]) -> Option<(Bus, jetstream::Context)> {
        let (bus, js) = Bus::shared(tag, "in").await?;
        create_stream(&js, &bus.stream, &bus.subject).await;
        publish(&js, &bus.subject, payloads).await;
        Some((bus, js))
    }

    /// The source's config for reading the stream as `consumer`.
    fn source_config(&self, consumer: &str) -> NatsSourceConfig {
        serde_json::from_value(serde_json::json!({
            "url": self.url,
            "stream": self.stream,
            "subjects": [self.subject],
            "consumer": consumer,
            "batch": 5,
            "ack_wait_secs": 1,
        }))
        .unwrap()
    }

    /// The source as `config` says, on this bus's state directory.
    fn start(&self, config: &NatsSourceConfig) -> RunningSource {
        start_source(config, self.state.path())
    }

    /// The source reading the stream as [`READER`].
    fn read(&self) -> RunningSource {
        self.start(&self.source_config(READER))
    }

    /// The sink's config for publishing to the stream (created if missing).
    fn sink_config(&self) -> NatsSinkConfig {
        serde_json::from_value(serde_json::json!({
            "url": self.url,
            "subject": self.subject,
            "stream": self.stream,
            "create_stream": true,
        }))
        .unwrap()
    }

    fn sink(&self) -> Box<dyn Sink> {
        build_sink(&self.sink_config())
    }
}

async fn jetstream_at(url: &str) -> jetstream::Context {
    jetstream::new(async_nats::connect(url).await.unwrap())
}

async fn create_stream(js: &jetstream::Context, name: &str, subject: &str) {
    js.create_stream(jetstream::stream::Config {
        name: name.to_owned(),
        subjects: vec![subject.to_owned()],
        ..Default::default()
    })
    .await
    .unwrap();
}

/// Publishes raw payloads and waits until the stream has stored them.
async fn publish(js: &jetstream::Context, subject: &str, payloads: &[Vec<u8>]) {
    for payload in payloads {
        js.publish(subject.to_owned(), payload.clone().into())
            .await
            .unwrap()
            .await
            .unwrap();
    }
}

fn article_json(id: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "id": id,
        "title": "Test",
        "body": format!("Article {id}: shares rose 3.5% in Frankfurt.")
    }))
    .unwrap()
}

/// `n` articles, ids `{prefix}0`, `{prefix}1`, ...
fn articles_json(prefix: &str, n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| article_json(&format!("{prefix}{i}")))
        .collect()
}

/// Waits until `stream` exists (a source or sink creates it); panics with
/// `what` after `within`.
async fn wait_for_stream(js: &jetstream::Context, stream: &str, within: Duration, what: &str) {
    let deadline = Instant::now() + within;
    while js.get_stream(stream).await.is_err() {
        assert!(Instant::now() < deadline, "{what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn consumer_info(
    js: &jetstream::Context,
    stream: &str,
    consumer: &str,
) -> jetstream::consumer::Info {
    js.get_stream(stream)
        .await
        .unwrap()
        .consumer_info(consumer)
        .await
        .unwrap()
}

/// Waits until the consumer has nothing delivered-but-unacknowledged and
/// nothing left to deliver, and returns its final state.
async fn wait_all_acknowledged(
    js: &jetstream::Context,
    stream: &str,
    consumer: &str,
) -> jetstream::consumer::Info {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let info = consumer_info(js, stream, consumer).await;
        if info.num_ack_pending == 0 && info.num_pending == 0 {
            return info;
        }
        assert!(
            Instant::now() < deadline,
            "still {} unacknowledged and {} pending",
            info.num_ack_pending,
            info.num_pending
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn build_sink(config: &NatsSinkConfig) -> Box<dyn Sink> {
    config
        .build(&BuildContext::new(
            newsflow_core::StageKey::sink("bus"),
            "/nonexistent",
        ))
        .unwrap()
}

fn articles(ids: &[&str]) -> Vec<Record> {
    ids.iter()
        .map(|id| Record::Article(Article::from_text(*id, format!("Body of {id}.")).unwrap()))
        .collect()
}

async fn stream_messages(js: &jetstream::Context, stream: &str) -> u64 {
    js.get_stream(stream)
        .await
        .unwrap()
        .get_info()
        .await
        .unwrap()
        .state
        .messages
}

// --- The source ------------------------------------------------------------

#[tokio::test]
async fn articles_are_acknowledged_once_delivered_and_bad_messages_terminated() {
    let mut payloads = articles_json("a", 20);
    // Sequences 21..=23: not JSON, no body, not UTF-8.
    payloads.push(b"{\"id\": \"broken\"".to_vec());
    payloads.push(br#"{"id": "nobody"}"#.to_vec());
    payloads.push(vec![0xff, 0xfe, b'{']);
    let Some((bus, js)) = Bus::filled("SRC", &payloads).await else {
        return;
    };
    let stream = &bus.stream;
    let mut terminations = js
        .client()
        .subscribe(format!(
            "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.{stream}.>"
        ))
        .await
        .unwrap();

    let mut source = bus.read();
    let mut held = Vec::new();
    let mut ids = BTreeSet::new();
    for _ in 0..20 {
        let event = source.next_article().await;
        ids.insert(event.article.id.clone());
        held.push(event);
    }
    let mut letters = Vec::new();
    for _ in 0..3 {
        letters.push(source.next_dead_letter().await);
    }
    assert!(source.health.is_ready());
    assert_eq!(ids.len(), 20, "every article once");
    let locations: BTreeSet<_> = letters
        .iter()
        .map(|l| l.letter.location.clone().unwrap())
        .collect();
    let expected: BTreeSet<_> = (21..=23)
        .map(|seq| format!("nats:{stream}/{seq}"))
        .collect();
    assert_eq!(locations, expected);
    assert_eq!(
        letters[2].letter.raw_encoding,
        newsflow_core::RawEncoding::Base64
    );

    // Nothing is acknowledged before the sinks have written it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pending = consumer_info(&js, stream, READER).await.num_ack_pending;
    assert_eq!(pending, 23);

    for event in held {
        event.delivery.delivered();
    }
    for letter in letters {
        letter.delivery.delivered();
    }
    let info = wait_all_acknowledged(&js, stream, READER).await;
    assert_eq!(info.delivered.stream_sequence, 23);
    assert_eq!(info.num_redelivered, 0);
    for _ in 0..3 {
        tokio::time::timeout(
            Duration::from_secs(5),
            futures::StreamExt::next(&mut terminations),
        )
        .await
        .expect("a termination advisory per dead letter")
        .unwrap();
    }
    let (mut articles, _) = source.stop().await;
    assert!(articles.try_recv().is_err(), "no article twice");
}

/// How a reader goes away while it holds articles no sink has written.
#[derive(Debug, Clone, Copy)]
enum Interruption {
    /// Stopped: the runtime drops the unwritten articles, which fails their
    /// deliveries.
    Shutdown,
    /// A crash: the source vanishes without a word to the server.
    Crash,
}

/// One case of "what a reader held comes back to the next one".
#[derive(Debug)]
struct Redelivery {
    tag: &'static str,
    /// The articles' id prefix.
    prefix: &'static str,
    /// Of the 10 published, how many the first reader holds.
    held: usize,
    interruption: Interruption,
}

/// The first reader takes `case.held` of 10 articles and goes away as the
/// case says; the next reader gets all 10 (at least once) and acknowledges
/// them.
async fn redelivered_after(case: Redelivery) {
    let Some((bus, js)) = Bus::filled(case.tag, &articles_json(case.prefix, 10)).await else {
        return;
    };
    let mut source = bus.read();
    let mut held = Vec::new();
    for _ in 0..case.held {
        held.push(source.next_article().await);
    }
    match case.interruption {
        Interruption::Shutdown => {
            source.shutdown.cancel();
            drop(held);
            source.stop().await;
            let pending = consumer_info(&js, &bus.stream, READER).await;
            assert_eq!(pending.num_ack_pending, 10, "{case:?}");
        }
        Interruption::Crash => {
            source.task.abort();
            let _ = source.task.await;
            drop(held);
        }
    }

    // At least once: every article comes back. The server may hand a
    // rejected message out twice (nats-server 2.9 does when a rejection
    // races the stopped reader's last pull request); the sinks absorb that.
    let mut source = bus.read();
    let mut ids = BTreeSet::new();
    while ids.len() < 10 {
        let event = source.next_article().await;
        ids.insert(event.article.id.clone());
        event.delivery.delivered();
    }
    wait_all_acknowledged(&js, &bus.stream, READER).await;
    source.stop().await;
    let expected: BTreeSet<_> = (0..10).map(|i| format!("{}{i}", case.prefix)).collect();
    assert_eq!(ids, expected, "{case:?}");
}

#[tokio::test]
async fn articles_failed_at_shutdown_are_delivered_again_after_a_restart() {
    redelivered_after(Redelivery {
        tag: "NAK",
        prefix: "n",
        held: 10,
        interruption: Interruption::Shutdown,
    })
    .await;
}

#[tokio::test]
async fn articles_in_flight_when_the_process_dies_are_delivered_again() {
    redelivered_after(Redelivery {
        tag: "CRASH",
        prefix: "c",
        held: 7,
        interruption: Interruption::Crash,
    })
    .await;
}

#[tokio::test]
async fn a_slow_pipeline_keeps_its_messages_without_redelivery() {
    let payloads = [article_json("s0"), article_json("s1")];
    let Some((bus, js)) = Bus::filled("SLOW", &payloads).await else {
        return;
    };
    let mut source = bus.read();
    let first = source.next_article().await;
    let second = source.next_article().await;
    // Three ack waits pass while a sink holds the articles.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(source.articles.try_recv().is_err(), "nothing redelivered");
    first.delivery.delivered();
    second.delivery.delivered();
    let info = wait_all_acknowledged(&js, &bus.stream, READER).await;
    assert_eq!(info.num_redelivered, 0);
    source.stop().await;
}

#[tokio::test]
async fn the_backlog_counts_what_the_server_has_not_delivered_yet() {
    let Some((bus, _js)) = Bus::filled("BACKLOG", &articles_json("b", 300)).await else {
        return;
    };
    let mut source = bus.read();
    // Nobody reads: the source fills its channel (64) and stops pulling.
    let first = source.next_article().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let waiting = source.backlog.get();
    assert!(
        (100..300).contains(&waiting),
        "backlog {waiting} while the pipeline holds the first articles"
    );
    first.delivery.delivered();
    for _ in 1..300 {
        source.next_article().await.delivery.delivered();
    }
    assert_eq!(source.backlog.get(), 0, "everything delivered");
    source.stop().await;
}

#[tokio::test]
async fn the_source_creates_its_stream_when_asked() {
    let Some((bus, js)) = Bus::shared("CREATE", "in").await else {
        return;
    };
    let mut config = bus.source_config(READER);

    // Without create_stream a missing stream is an error.
    let result = bus.start(&config).ended().await;
    assert!(result.unwrap_err().to_string().contains("does not exist"));

    config.create_stream = true;
    let mut source = bus.start(&config);
    let created = Duration::from_secs(10);
    wait_for_stream(&js, &bus.stream, created, "the stream is created").await;
    publish(&js, &bus.subject, &[article_json("x1")]).await;
    let event = source.next_article().await;
    assert_eq!(event.article.id, "x1");
    event.delivery.delivered();
    wait_all_acknowledged(&js, &bus.stream, READER).await;
    source.stop().await;
}

#[tokio::test]
async fn a_message_over_max_article_bytes_is_dead_lettered_with_its_start_only() {
    let big = serde_json::to_vec(&serde_json::json!({"id": "big", "body": "word ".repeat(1000)}))
        .unwrap();
    let Some((bus, _js)) = Bus::filled("BIG", &[big.clone(), article_json("small")]).await else {
        return;
    };
    let mut config = bus.source_config(READER);
    config.max_article_bytes = std::num::NonZeroUsize::new(2048).unwrap();
    let mut source = bus.start(&config);
    let letter = source.next_dead_letter().await;
    assert!(
        letter
            .letter
            .reason
            .contains(&format!("{} bytes", big.len()))
            && letter.letter.reason.contains("max_article_bytes"),
        "{}",
        letter.letter.reason
    );
    assert_eq!(letter.letter.raw.len(), 1024);
    assert_eq!(
        letter.letter.location.as_deref(),
        Some(format!("nats:{}/1", bus.stream).as_str())
    );
    letter.delivery.delivered();
    let event = source.next_article().await;
    assert_eq!(event.article.id, "small");
    event.delivery.delivered();
    source.stop().await;
}

// --- The sink --------------------------------------------------------------

#[tokio::test]
async fn the_sink_stores_each_article_once_however_often_it_is_published() {
    let Some((bus, js)) = Bus::shared("SINK", "out").await else {
        return;
    };
    let mut sink = bus.sink();

    let batch = articles(&["a", "b", "c", "d", "e"]);
    sink.write_batch(&Batch::from(batch.clone())).await.unwrap();
    // A retry after a lost acknowledgement publishes the batch again.
    let again: Vec<Record> = batch.iter().cloned().chain(articles(&["f"])).collect();
    sink.write_batch(&Batch::from(again)).await.unwrap();
    let letter = DeadLetter::from_bytes("in", Some("nats:X/9".into()), "not JSON", b"{");
    let letters = vec![
        Record::DeadLetter(letter.clone()),
        Record::DeadLetter(letter),
    ];
    sink.write_batch(&Batch::from(letters)).await.unwrap();
    assert_eq!(stream_messages(&js, &bus.stream).await, 7);

    // What a reader gets: the records as JSON, ids as message ids.
    let stored = js.get_stream(&bus.stream).await.unwrap();
    let first = stored.get_raw_message(1).await.unwrap();
    assert_eq!(first.headers.get("Nats-Msg-Id").unwrap().as_str(), "a");
    assert_eq!(
        first.headers.get(RECORD_HEADER).unwrap().as_str(),
        "article"
    );
    let article = Article::from_json(std::str::from_utf8(&first.payload).unwrap()).unwrap();
    assert_eq!(article.body, "Body of a.");
    let last = stored.get_raw_message(7).await.unwrap();
    assert_eq!(
        last.headers.get(RECORD_HEADER).unwrap().as_str(),
        "dead-letter"
    );
}

/// Writes a batch of `small` and then `refused`, which the sink must refuse
/// for good; returns the refusal and the batch.
async fn refused_with_small(sink: &mut dyn Sink, refused: Article) -> (SinkError, Vec<Record>) {
    let mut batch = articles(&["small"]);
    batch.push(Record::Article(refused));
    let error = sink
        .write_batch(&Batch::from(batch.clone()))
        .await
        .unwrap_err();
    (error, batch)
}

#[tokio::test]
async fn an_article_too_big_for_the_server_is_refused_with_its_batch_unpublished() {
    let Some((bus, js)) = Bus::shared("BIG", "out").await else {
        return;
    };
    let mut sink = bus.sink();
    sink.write_batch(&Batch::from(articles(&["warmup"])))
        .await
        .unwrap();
    let max_payload = js.client().server_info().max_payload;
    let big = Article::from_text("big", "x".repeat(max_payload + 1)).unwrap();
    let (error, _) = refused_with_small(sink.as_mut(), big).await;
    assert_eq!(error.kind, SinkErrorKind::Rejected);
    assert!(error.message.contains("big"), "{}", error.message);
    assert_eq!(stream_messages(&js, &bus.stream).await, 1);
    // The sink goes on with the next batch.
    sink.write_batch(&Batch::from(articles(&["small"])))
        .await
        .unwrap();
    assert_eq!(stream_messages(&js, &bus.stream).await, 2);
}

/// An id over JetStream's 64 kB header limit (it is the `Nats-Msg-Id`) is
/// refused for good, not retried forever; nothing of its batch is published.
#[tokio::test]
async fn an_id_too_long_for_a_header_is_refused_not_retried() {
    let Some((bus, js)) = Bus::shared("LONGID", "out").await else {
        return;
    };
    let mut sink = bus.sink();
    // Longer than sources let through: the sink holds whatever it is given.
    let mut long = Article::from_text("long", "Body.").unwrap();
    long.id = "x".repeat(70_000);
    let (error, batch) = refused_with_small(sink.as_mut(), long).await;
    assert_eq!(error.kind, SinkErrorKind::Rejected, "{}", error.message);
    assert_eq!(stream_messages(&js, &bus.stream).await, 0);
    // Only the long one is refused; the runtime passes the rest again.
    let refused: Vec<usize> = error.refused.iter().map(|r| r.index).collect();
    assert_eq!(refused, [1]);
    assert!(error.message.len() < 1000, "the id is not quoted whole");
    sink.write_batch(&Batch::from(batch[..1].to_vec()))
        .await
        .unwrap();
    assert_eq!(stream_messages(&js, &bus.stream).await, 1);
}

/// The dead letter of an article with a 100 kB id fits a message: its
/// message id is a digest, so a dead-letter sink on NATS can keep it.
#[tokio::test]
async fn a_dead_letter_for_a_100_kb_id_is_published_once() {
    let Some((bus, js)) = Bus::shared("LONGDL", "out").await else {
        return;
    };
    let mut sink = bus.sink();
    let mut article = Article::from_text("long", "Body.").unwrap();
    article.id = "y".repeat(100_000);
    let letter = DeadLetter::for_article("sinks.out", "refused", &article);
    for _ in 0..2 {
        sink.write_batch(&Batch::from(vec![Record::DeadLetter(letter.clone())]))
            .await
            .unwrap();
    }
    assert_eq!(stream_messages(&js, &bus.stream).await, 1);
}

#[tokio::test]
async fn a_subject_of_another_stream_stops_the_sink() {
    let Some((owner, js)) = Bus::shared("OWNER", "out").await else {
        return;
    };
    create_stream(&js, &owner.stream, &owner.subject).await;
    let mut config = owner.sink_config();
    config.stream = serde_json::from_value(unique("OTHER").into()).unwrap();
    config.create_stream = false;
    let mut sink = build_sink(&config);
    let error = sink
        .write_batch(&Batch::from(articles(&["a"])))
        .await
        .unwrap_err();
    assert_eq!(error.kind, SinkErrorKind::Fatal, "{}", error.message);
    assert_eq!(stream_messages(&js, &owner.stream).await, 0);
}

#[tokio::test]
async fn a_work_queue_stream_is_created_and_another_retention_refused() {
    let Some((bus, js)) = Bus::shared("WORKQ", "raw").await else {
        return;
    };
    let sink_with = |retention: &str| -> NatsSinkConfig {
        let mut config = bus.sink_config();
        config.retention = serde_json::from_value(retention.into()).unwrap();
        config
    };
    let mut sink = build_sink(&sink_with("work_queue"));
    sink.start().await.unwrap();
    let info = js
        .get_stream(&bus.stream)
        .await
        .unwrap()
        .get_info()
        .await
        .unwrap();
    assert_eq!(
        info.config.retention,
        jetstream::stream::RetentionPolicy::WorkQueue
    );
    sink.write_batch(&Batch::from(articles(&["w1"])))
        .await
        .unwrap();

    // Read with the same retention: acknowledged, and so gone from the stream.
    let mut config = bus.source_config("workers");
    config.retention = serde_json::from_str("\"work_queue\"").unwrap();
    let mut source = bus.start(&config);
    let event = source.next_article().await;
    assert_eq!(event.article.id, "w1");
    event.delivery.delivered();
    wait_all_acknowledged(&js, &bus.stream, "workers").await;
    assert_eq!(stream_messages(&js, &bus.stream).await, 0);
    source.stop().await;

    // Another retention is a configuration error, for the source and the sink.
    config.retention = serde_json::from_str("\"limits\"").unwrap();
    let error = bus.start(&config).ended().await.unwrap_err();
    assert!(error.is::<newsflow_core::Misconfigured>(), "{error}");
    assert!(
        error.to_string().contains("has retention `work_queue`"),
        "{error}"
    );
    let error = build_sink(&sink_with("interest"))
        .start()
        .await
        .unwrap_err();
    assert_eq!(error.kind, SinkErrorKind::Fatal, "{}", error.message);
    assert!(error.message.contains("retention"), "{}", error.message);
    js.delete_stream(&bus.stream).await.unwrap();
}

// --- Outages: a server of the test's own -----------------------------------

/// A nats-server of the test's own, on a free port, stopped when dropped.
struct PrivateServer {
    child: Option<Child>,
    port: u16,
    store: tempfile::TempDir,
}

const SERVER_BINARY: &str = "/usr/sbin/nats-server";

impl PrivateServer {
    /// A free port with nothing listening on it yet.
    fn reserve() -> Option<PrivateServer> {
        if !Path::new(SERVER_BINARY).exists() {
            service_missing("nats-server", format!("{SERVER_BINARY} is not installed"));
            return None;
        }
        Some(PrivateServer {
            child: None,
            port: free_port(),
            store: tempfile::tempdir().unwrap(),
        })
    }

    fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Starts the server (keeping its store across restarts) and waits
    /// until it accepts connections.
    async fn start(&mut self) {
        let child = Command::new(SERVER_BINARY)
            .args([
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-js",
                "-sd",
            ])
            .arg(self.store.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        wait_listening(self.port).await;
    }

    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test]
async fn the_sink_retries_while_the_server_is_down_and_writes_when_it_is_back() {
    let Some(mut server) = PrivateServer::reserve() else {
        return;
    };
    let bus = Bus::on(server.url(), "OUTAGE", "out");
    let build = BuildContext::new(newsflow_core::StageKey::sink("bus"), "/nonexistent");
    let mut sink = bus.sink_config().build(&build).unwrap();

    // Down from the start: retryable, not ready.
    let error = sink
        .write_batch(&Batch::from(articles(&["a", "b"])))
        .await
        .unwrap_err();
    assert_eq!(error.kind, SinkErrorKind::Retryable);
    assert!(!build.health.is_ready());

    server.start().await;
    sink.write_batch(&Batch::from(articles(&["a", "b"])))
        .await
        .unwrap();
    assert!(build.health.is_ready());

    // Down after connecting: the pending acknowledgements time out.
    server.stop();
    let error = sink
        .write_batch(&Batch::from(articles(&["c"])))
        .await
        .unwrap_err();
    assert_eq!(error.kind, SinkErrorKind::Retryable, "{}", error.message);

    server.start().await;
    // The runtime retries the same batch until it passes.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match sink.write_batch(&Batch::from(articles(&["c"]))).await {
            Ok(()) => break,
            Err(e) => {
                assert_eq!(e.kind, SinkErrorKind::Retryable, "{}", e.message);
                assert!(
                    Instant::now() < deadline,
                    "the sink recovers: {}",
                    e.message
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
    let js = jetstream_at(&server.url()).await;
    assert_eq!(stream_messages(&js, &bus.stream).await, 3);
}

#[tokio::test]
async fn the_source_waits_for_the_server_and_reads_once_it_is_up() {
    let Some(mut server) = PrivateServer::reserve() else {
        return;
    };
    let bus = Bus::on(server.url(), "LATE", "in");
    let mut config = bus.source_config(READER);
    config.create_stream = true;
    let mut source = bus.start(&config);
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        !source.health.is_ready(),
        "not ready while the server is down"
    );

    server.start().await;
    let js = jetstream_at(&server.url()).await;
    let set_up = Duration::from_secs(20);
    wait_for_stream(&js, &bus.stream, set_up, "the source sets up its stream").await;
    publish(&js, &bus.subject, &[article_json("late")]).await;
    let event = source.next_article().await;
    assert!(source.health.is_ready());
    event.delivery.delivered();
    wait_all_acknowledged(&js, &bus.stream, READER).await;
    source.stop().await;
}

// --- A whole pipeline --------------------------------------------------------

/// The pipeline config for the end-to-end tests: the NATS source fanned out
/// to a JSON Lines file and a NATS stream, dead letters to a file.
fn pipeline_config(scratch: &net_common::Scratch, input: &str, output_stream: &str) -> String {
    let url = format!("nats://{SHARED_SERVER}");
    scratch.pipeline(&format!(
        "[runtime]\nshutdown_timeout_secs = 10\n\n\
         [sources.bus]\ntype = \"nats\"\nurl = \"{url}\"\nstream = \"{input}\"\n\
         subjects = [\"{input}.in\"]\ncreate_stream = true\nconsumer = \"pipeline\"\n\
         batch = 4\nack_wait_secs = 5\n\n\
         [sinks.file]\ntype = \"jsonl\"\npath = {file}\ninputs = [\"bus\"]\n\
         batch_size = 5\nflush_interval_ms = 20\n\n\
         [sinks.out]\ntype = \"nats\"\nurl = \"{url}\"\nsubject = \"{output_stream}.enriched\"\n\
         stream = \"{output_stream}\"\ncreate_stream = true\ninputs = [\"bus\"]\n\
         batch_size = 5\nflush_interval_ms = 20\n",
        file = scratch.toml("out.jsonl"),
    ))
}

#[tokio::test]
async fn a_pipeline_writes_every_article_once_across_a_restart() {
    let Some((bus, js)) = Bus::shared("PIPE_IN", "in").await else {
        return;
    };
    let (input, subject) = (&bus.stream, &bus.subject);
    let output = unique("PIPE_OUT");
    let scratch = net_common::Scratch::new();
    let config = pipeline_config(&scratch, input, &output);

    let running = net_common::start(scratch.dir.path(), &config);
    let created = Duration::from_secs(10);
    wait_for_stream(&js, input, created, "the source creates its stream").await;
    let mut payloads: Vec<_> = (0..12).map(|i| article_json(&format!("p{i:02}"))).collect();
    payloads.insert(3, b"not json".to_vec());
    payloads.insert(9, br#"{"id": "p-empty", "body": "  "}"#.to_vec());
    publish(&js, subject, &payloads).await;
    net_common::wait_until("12 articles and 2 dead letters written", || {
        scratch.read("out.jsonl").len() == 12 && scratch.read("dead.jsonl").len() == 2
    })
    .await;
    running.stop().await;
    wait_all_acknowledged(&js, input, "pipeline").await;

    // The second run reads only what is new.
    let running = net_common::start(scratch.dir.path(), &config);
    publish(&js, subject, &[article_json("p12"), article_json("p13")]).await;
    net_common::wait_until("the 2 new articles written", || {
        scratch.read("out.jsonl").len() == 14
    })
    .await;
    running.stop().await;
    wait_all_acknowledged(&js, input, "pipeline").await;

    let expected: Vec<_> = (0..14).map(|i| format!("p{i:02}")).collect();
    assert_eq!(net_common::ids(&scratch.read("out.jsonl")), expected);
    assert_eq!(stream_messages(&js, &output).await, 14);
    let letters = scratch.read("dead.jsonl");
    let mut locations: Vec<_> = letters
        .iter()
        .map(|l| l["location"].as_str().unwrap().to_owned())
        .collect();
    locations.sort();
    assert_eq!(
        locations,
        [format!("nats:{input}/10"), format!("nats:{input}/4")]
    );
}
