//! The `nats` source and sink against a real NATS JetStream server: the shared
//! one on 127.0.0.1:4222 and, for the outage tests, private servers this test
//! starts and stops itself. Every test uses streams of its own and counts the
//! articles at the end.

mod common;
mod net_common;

use async_nats::jetstream;
use newsflow_core::{
    Article, Batch, BuildContext, DeadLetter, DeadLetterEvent, DeadLetters, Event, Gauge, Health,
    Output, Progress, Record, Sink, SinkConfig, SinkErrorKind, Source, SourceConfig, SourceContext,
    StageCounters,
};
use newsflow_stages::sinks::nats::{NatsSinkConfig, RECORD_HEADER};
use newsflow_stages::sources::nats::NatsSourceConfig;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

const SHARED_SERVER: &str = "127.0.0.1:4222";

/// Whether the shared server accepts connections; skips (or fails, see
/// `common`) the calling test when it does not.
fn shared_server() -> bool {
    let address = SHARED_SERVER.parse().expect("a literal address");
    match std::net::TcpStream::connect_timeout(&address, Duration::from_secs(2)) {
        Ok(_) => true,
        Err(e) => {
            common::service_missing(&format!("NATS JetStream at {SHARED_SERVER}"), e);
            false
        }
    }
}

/// A stream or consumer name no other test run uses.
fn unique(tag: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("NFTEST_{tag}_{}_{nanos}", std::process::id())
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

fn source_config(url: &str, stream: &str, subject: &str, consumer: &str) -> NatsSourceConfig {
    serde_json::from_value(serde_json::json!({
        "url": url,
        "stream": stream,
        "subjects": [subject],
        "consumer": consumer,
        "batch": 5,
        "ack_wait_secs": 1,
    }))
    .unwrap()
}

/// The source running on its own, with the channels a runtime would give it.
struct RunningSource {
    articles: mpsc::Receiver<Event>,
    dead_letters: mpsc::Receiver<DeadLetterEvent>,
    shutdown: CancellationToken,
    health: Health,
    backlog: Gauge,
    task: JoinHandle<Result<(), newsflow_core::BoxError>>,
}

fn start_source(config: &NatsSourceConfig, state: &Path) -> RunningSource {
    let build = BuildContext::new("sources.in", state);
    let health = build.health.clone();
    let backlog = build.backlog.clone();
    let source: Box<dyn Source> = config.build(&build).unwrap();
    let (article_tx, articles) = mpsc::channel(64);
    let (dead_tx, dead_letters) = mpsc::channel(64);
    let counters = Arc::<StageCounters>::default();
    let shutdown = CancellationToken::new();
    let cx = SourceContext {
        name: "in".to_owned(),
        out: Output::new(vec![article_tx], counters.clone()),
        dead_letters: DeadLetters::new(dead_tx, counters),
        shutdown: shutdown.clone(),
        progress: Progress::default(),
    };
    RunningSource {
        articles,
        dead_letters,
        shutdown,
        health,
        backlog,
        task: tokio::spawn(source.run(cx)),
    }
}

impl RunningSource {
    async fn next_article(&mut self) -> Event {
        tokio::time::timeout(Duration::from_secs(10), self.articles.recv())
            .await
            .expect("an article within 10 s")
            .expect("the source is running")
    }

    async fn next_dead_letter(&mut self) -> DeadLetterEvent {
        tokio::time::timeout(Duration::from_secs(10), self.dead_letters.recv())
            .await
            .expect("a dead letter within 10 s")
            .expect("the source is running")
    }

    /// Asks the source to stop and waits for it to return.
    async fn stop(self) -> (mpsc::Receiver<Event>, mpsc::Receiver<DeadLetterEvent>) {
        self.shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("the source stops within 10 s")
            .unwrap()
            .unwrap();
        (self.articles, self.dead_letters)
    }
}

#[tokio::test]
async fn articles_are_acknowledged_once_delivered_and_bad_messages_terminated() {
    if !shared_server() {
        return;
    }
    let url = format!("nats://{SHARED_SERVER}");
    let js = jetstream_at(&url).await;
    let stream = unique("SRC");
    let subject = format!("{stream}.in");
    create_stream(&js, &stream, &subject).await;
    let mut payloads: Vec<Vec<u8>> = (0..20).map(|i| article_json(&format!("a{i}"))).collect();
    // Sequences 21..=23: not JSON, no body, not UTF-8.
    payloads.push(b"{\"id\": \"broken\"".to_vec());
    payloads.push(br#"{"id": "nobody"}"#.to_vec());
    payloads.push(vec![0xff, 0xfe, b'{']);
    publish(&js, &subject, &payloads).await;
    let mut terminations = js
        .client()
        .subscribe(format!(
            "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.{stream}.>"
        ))
        .await
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let mut source = start_source(
        &source_config(&url, &stream, &subject, "reader"),
        dir.path(),
    );
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
    assert_eq!(
        consumer_info(&js, &stream, "reader").await.num_ack_pending,
        23
    );

    for event in held {
        event.delivery.delivered();
    }
    for letter in letters {
        letter.delivery.delivered();
    }
    let info = wait_all_acknowledged(&js, &stream, "reader").await;
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

#[tokio::test]
async fn articles_failed_at_shutdown_are_delivered_again_after_a_restart() {
    if !shared_server() {
        return;
    }
    let url = format!("nats://{SHARED_SERVER}");
    let js = jetstream_at(&url).await;
    let stream = unique("NAK");
    let subject = format!("{stream}.in");
    create_stream(&js, &stream, &subject).await;
    let payloads: Vec<_> = (0..10).map(|i| article_json(&format!("n{i}"))).collect();
    publish(&js, &subject, &payloads).await;
    let config = source_config(&url, &stream, &subject, "reader");
    let dir = tempfile::tempdir().unwrap();

    // Stopped before the sink wrote anything: the runtime drops the
    // unwritten articles, which fails their deliveries.
    let mut source = start_source(&config, dir.path());
    let mut held = Vec::new();
    for _ in 0..10 {
        held.push(source.next_article().await);
    }
    source.shutdown.cancel();
    drop(held);
    let (_articles, _letters) = source.stop().await;
    assert_eq!(
        consumer_info(&js, &stream, "reader").await.num_ack_pending,
        10
    );

    // At least once: every article comes back. The server may hand a
    // rejected message out twice (nats-server 2.9 does when a rejection
    // races the stopped reader's last pull request); the sinks absorb that.
    let mut source = start_source(&config, dir.path());
    let mut ids = BTreeSet::new();
    while ids.len() < 10 {
        let event = source.next_article().await;
        ids.insert(event.article.id.clone());
        event.delivery.delivered();
    }
    let expected: BTreeSet<_> = (0..10).map(|i| format!("n{i}")).collect();
    assert_eq!(ids, expected);
    wait_all_acknowledged(&js, &stream, "reader").await;
    source.stop().await;
}

#[tokio::test]
async fn articles_in_flight_when_the_process_dies_are_delivered_again() {
    if !shared_server() {
        return;
    }
    let url = format!("nats://{SHARED_SERVER}");
    let js = jetstream_at(&url).await;
    let stream = unique("CRASH");
    let subject = format!("{stream}.in");
    create_stream(&js, &stream, &subject).await;
    let payloads: Vec<_> = (0..10).map(|i| article_json(&format!("c{i}"))).collect();
    publish(&js, &subject, &payloads).await;
    let config = source_config(&url, &stream, &subject, "reader");
    let dir = tempfile::tempdir().unwrap();

    let mut source = start_source(&config, dir.path());
    let mut held = Vec::new();
    for _ in 0..7 {
        held.push(source.next_article().await);
    }
    // A crash: the source vanishes without a word to the server.
    source.task.abort();
    let _ = source.task.await;
    drop(held);

    let mut source = start_source(&config, dir.path());
    let mut ids = BTreeSet::new();
    while ids.len() < 10 {
        let event = source.next_article().await;
        ids.insert(event.article.id.clone());
        event.delivery.delivered();
    }
    wait_all_acknowledged(&js, &stream, "reader").await;
    source.stop().await;
    let expected: BTreeSet<_> = (0..10).map(|i| format!("c{i}")).collect();
    assert_eq!(ids, expected);
}

#[tokio::test]
async fn a_slow_pipeline_keeps_its_messages_without_redelivery() {
    if !shared_server() {
        return;
    }
    let url = format!("nats://{SHARED_SERVER}");
    let js = jetstream_at(&url).await;
    let stream = unique("SLOW");
    let subject = format!("{stream}.in");
    create_stream(&js, &stream, &subject).await;
    publish(&js, &subject, &[article_json("s0"), article_json("s1")]).await;
    let dir = tempfile::tempdir().unwrap();
    let mut source = start_source(
        &source_config(&url, &stream, &subject, "reader"),
        dir.path(),
    );
    let first = source.next_article().await;
    let second = source.next_article().await;
    // Three ack waits pass while a sink holds the articles.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(source.articles.try_recv().is_err(), "nothing redelivered");
    first.delivery.delivered();
    second.delivery.delivered();
    let info = wait_all_acknowledged(&js, &stream, "reader").await;
    assert_eq!(info.num_redelivered, 0);
    source.stop().await;
}

#[tokio::test]
async fn the_backlog_counts_what_the_server_has_not_delivered_yet() {
    if !shared_server() {
        return;
    }
    let url = format!("nats://{SHARED_SERVER}");
    let js = jetstream_at(&url).await;
    let stream = unique("BACKLOG");
    let subject = format!("{stream}.in");
    create_stream(&js, &stream, &subject).await;
    let payloads: Vec<Vec<u8>> = (0..300).map(|i| article_json(&format!("b{i}"))).collect();
    publish(&js, &subject, &payloads).await;
    let dir = tempfile::tempdir().unwrap();
    let mut source = start_source(
        &source_config(&url, &stream, &subject, "reader"),
        dir.path(),
    );
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
    if !shared_server() {
        return;
    }
    let url = format!("nats://{SHARED_SERVER}");
    let js = jetstream_at(&url).await;
    let stream = unique("CREATE");
    let subject = format!("{stream}.in");
    let mut config = source_config(&url, &stream, &subject, "reader");
    let dir = tempfile::tempdir().unwrap();

    // Without create_stream a missing stream is an error.
    let source = start_source(&config, dir.path());
    let result = tokio::time::timeout(Duration::from_secs(10), source.task)
        .await
        .unwrap()
        .unwrap();
    assert!(result.unwrap_err().to_string().contains("does not exist"));

    config.create_stream = true;
    let mut source = start_source(&config, dir.path());
    let deadline = Instant::now() + Duration::from_secs(10);
    while js.get_stream(&stream).await.is_err() {
        assert!(Instant::now() < deadline, "the stream is created");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    publish(&js, &subject, &[article_json("x1")]).await;
    let event = source.next_article().await;
    assert_eq!(event.article.id, "x1");
    event.delivery.delivered();
    wait_all_acknowledged(&js, &stream, "reader").await;
    source.stop().await;
}

fn sink_config(url: &str, subject: &str, stream: &str) -> NatsSinkConfig {
    serde_json::from_value(serde_json::json!({
        "url": url,
        "subject": subject,
        "stream": stream,
        "create_stream": true,
    }))
    .unwrap()
}

fn build_sink(config: &NatsSinkConfig) -> Box<dyn Sink> {
    config
        .build(&BuildContext::new("sinks.bus", "/nonexistent"))
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

#[tokio::test]
async fn the_sink_stores_each_article_once_however_often_it_is_published() {
    if !shared_server() {
        return;
    }
    let url = format!("nats://{SHARED_SERVER}");
    let js = jetstream_at(&url).await;
    let stream = unique("SINK");
    let subject = format!("{stream}.out");
    let mut sink = build_sink(&sink_config(&url, &subject, &stream));

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
    assert_eq!(stream_messages(&js, &stream).await, 7);

    // What a reader gets: the records as JSON, ids as message ids.
    let stored = js.get_stream(&stream).await.unwrap();
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

#[tokio::test]
async fn an_article_too_big_for_the_server_is_refused_with_its_batch_unpublished() {
    if !shared_server() {
        return;
    }
    let url = format!("nats://{SHARED_SERVER}");
    let js = jetstream_at(&url).await;
    let stream = unique("BIG");
    let subject = format!("{stream}.out");
    let mut sink = build_sink(&sink_config(&url, &subject, &stream));
    sink.write_batch(&Batch::from(articles(&["warmup"])))
        .await
        .unwrap();
    let max_payload = js.client().server_info().max_payload;
    let big = Article::from_text("big", "x".repeat(max_payload + 1)).unwrap();
    let mut batch = articles(&["small"]);
    batch.push(Record::Article(big));
    let error = sink
        .write_batch(&Batch::from(batch.clone()))
        .await
        .unwrap_err();
    assert_eq!(error.kind, SinkErrorKind::Rejected);
    assert!(error.message.contains("big"), "{}", error.message);
    assert_eq!(stream_messages(&js, &stream).await, 1);
    // The sink goes on with the next batch.
    sink.write_batch(&Batch::from(articles(&["small"])))
        .await
        .unwrap();
    assert_eq!(stream_messages(&js, &stream).await, 2);
}

#[tokio::test]
async fn a_subject_of_another_stream_stops_the_sink() {
    if !shared_server() {
        return;
    }
    let url = format!("nats://{SHARED_SERVER}");
    let js = jetstream_at(&url).await;
    let owner = unique("OWNER");
    let subject = format!("{owner}.out");
    create_stream(&js, &owner, &subject).await;
    let config: NatsSinkConfig = serde_json::from_value(serde_json::json!({
        "url": url,
        "subject": subject,
        "stream": unique("OTHER"),
    }))
    .unwrap();
    let mut sink = build_sink(&config);
    let error = sink
        .write_batch(&Batch::from(articles(&["a"])))
        .await
        .unwrap_err();
    assert_eq!(error.kind, SinkErrorKind::Fatal, "{}", error.message);
    assert_eq!(stream_messages(&js, &owner).await, 0);
}

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
            common::service_missing("nats-server", format!("{SERVER_BINARY} is not installed"));
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Some(PrivateServer {
            child: None,
            port,
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
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "the private server starts");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
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
    let stream = unique("OUTAGE");
    let subject = format!("{stream}.out");
    let build = BuildContext::new("sinks.bus", "/nonexistent");
    let mut sink = sink_config(&server.url(), &subject, &stream)
        .build(&build)
        .unwrap();

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
    assert_eq!(stream_messages(&js, &stream).await, 3);
}

#[tokio::test]
async fn the_source_waits_for_the_server_and_reads_once_it_is_up() {
    let Some(mut server) = PrivateServer::reserve() else {
        return;
    };
    let stream = unique("LATE");
    let subject = format!("{stream}.in");
    let mut config = source_config(&server.url(), &stream, &subject, "reader");
    config.create_stream = true;
    let dir = tempfile::tempdir().unwrap();
    let mut source = start_source(&config, dir.path());
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        !source.health.is_ready(),
        "not ready while the server is down"
    );

    server.start().await;
    let js = jetstream_at(&server.url()).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while js.get_stream(&stream).await.is_err() {
        assert!(Instant::now() < deadline, "the source sets up its stream");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    publish(&js, &subject, &[article_json("late")]).await;
    let event = source.next_article().await;
    assert!(source.health.is_ready());
    event.delivery.delivered();
    wait_all_acknowledged(&js, &stream, "reader").await;
    source.stop().await;
}

/// The pipeline config for the end-to-end tests: the NATS source fanned out
/// to a JSON Lines file and a NATS stream, dead letters to a file.
fn pipeline_config(scratch: &net_common::Scratch, input: &str, output_stream: &str) -> String {
    format!(
        r#"
[runtime]
state_dir = {state}
shutdown_timeout_secs = 10

[sources.bus]
type = "nats"
url = "nats://{SHARED_SERVER}"
stream = "{input}"
subjects = ["{input}.in"]
create_stream = true
consumer = "pipeline"
batch = 4
ack_wait_secs = 5

[sinks.file]
type = "jsonl"
path = {file}
inputs = ["bus"]
batch_size = 5
flush_interval_ms = 20

[sinks.out]
type = "nats"
url = "nats://{SHARED_SERVER}"
subject = "{output_stream}.enriched"
stream = "{output_stream}"
create_stream = true
inputs = ["bus"]
batch_size = 5
flush_interval_ms = 20

[dead_letter]
type = "jsonl"
path = {dead}
"#,
        state = scratch.toml("state"),
        file = scratch.toml("out.jsonl"),
        dead = scratch.toml("dead.jsonl"),
    )
}

#[tokio::test]
async fn a_pipeline_writes_every_article_once_across_a_restart() {
    if !shared_server() {
        return;
    }
    let url = format!("nats://{SHARED_SERVER}");
    let js = jetstream_at(&url).await;
    let input = unique("PIPE_IN");
    let output = unique("PIPE_OUT");
    let scratch = net_common::Scratch::new();
    let config = pipeline_config(&scratch, &input, &output);
    let file = scratch.path("out.jsonl");
    let dead = scratch.path("dead.jsonl");

    let running = net_common::start(scratch.dir.path(), &config);
    let deadline = Instant::now() + Duration::from_secs(10);
    while js.get_stream(&input).await.is_err() {
        assert!(Instant::now() < deadline, "the source creates its stream");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let subject = format!("{input}.in");
    let mut payloads: Vec<_> = (0..12).map(|i| article_json(&format!("p{i:02}"))).collect();
    payloads.insert(3, b"not json".to_vec());
    payloads.insert(9, br#"{"id": "p-empty", "body": "  "}"#.to_vec());
    publish(&js, &subject, &payloads).await;
    net_common::wait_until("12 articles and 2 dead letters written", || {
        net_common::read_jsonl(&file).len() == 12 && net_common::read_jsonl(&dead).len() == 2
    })
    .await;
    running.stop().await;
    wait_all_acknowledged(&js, &input, "pipeline").await;

    // The second run reads only what is new.
    let running = net_common::start(scratch.dir.path(), &config);
    publish(&js, &subject, &[article_json("p12"), article_json("p13")]).await;
    net_common::wait_until("the 2 new articles written", || {
        net_common::read_jsonl(&file).len() == 14
    })
    .await;
    running.stop().await;
    wait_all_acknowledged(&js, &input, "pipeline").await;

    let expected: Vec<_> = (0..14).map(|i| format!("p{i:02}")).collect();
    assert_eq!(net_common::ids(&net_common::read_jsonl(&file)), expected);
    assert_eq!(stream_messages(&js, &output).await, 14);
    let letters = net_common::read_jsonl(&dead);
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

#[tokio::test]
async fn a_message_over_max_article_bytes_is_dead_lettered_with_its_start_only() {
    if !shared_server() {
        return;
    }
    let url = format!("nats://{SHARED_SERVER}");
    let js = jetstream_at(&url).await;
    let stream = unique("BIG");
    let subject = format!("{stream}.in");
    create_stream(&js, &stream, &subject).await;
    let big = serde_json::to_vec(&serde_json::json!({"id": "big", "body": "word ".repeat(1000)}))
        .unwrap();
    publish(&js, &subject, &[big.clone(), article_json("small")]).await;
    let mut config = source_config(&url, &stream, &subject, "reader");
    config.max_article_bytes = std::num::NonZeroUsize::new(2048).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut source = start_source(&config, dir.path());
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
        Some(format!("nats:{stream}/1").as_str())
    );
    letter.delivery.delivered();
    let event = source.next_article().await;
    assert_eq!(event.article.id, "small");
    event.delivery.delivered();
    source.stop().await;
}

/// An id over JetStream's 64 kB header limit (it is the `Nats-Msg-Id`) is
/// refused for good, not retried forever; nothing of its batch is published.
#[tokio::test]
async fn an_id_too_long_for_a_header_is_refused_not_retried() {
    if !shared_server() {
        return;
    }
    let url = format!("nats://{SHARED_SERVER}");
    let js = jetstream_at(&url).await;
    let stream = unique("LONGID");
    let subject = format!("{stream}.out");
    let mut sink = build_sink(&sink_config(&url, &subject, &stream));
    // Longer than sources let through: the sink holds whatever it is given.
    let mut long = Article::from_text("long", "Body.").unwrap();
    long.id = "x".repeat(70_000);
    let mut batch = articles(&["short"]);
    batch.push(Record::Article(long));
    let error = sink
        .write_batch(&Batch::from(batch.clone()))
        .await
        .unwrap_err();
    assert_eq!(error.kind, SinkErrorKind::Rejected, "{}", error.message);
    assert_eq!(stream_messages(&js, &stream).await, 0);
    // Only the long one is refused; the runtime passes the rest again.
    let refused: Vec<usize> = error.refused.iter().map(|r| r.index).collect();
    assert_eq!(refused, [1]);
    assert!(error.message.len() < 1000, "the id is not quoted whole");
    sink.write_batch(&Batch::from(batch[..1].to_vec()))
        .await
        .unwrap();
    assert_eq!(stream_messages(&js, &stream).await, 1);
}

/// The dead letter of an article with a 100 kB id fits a message: its
/// message id is a digest, so a dead-letter sink on NATS can keep it.
#[tokio::test]
async fn a_dead_letter_for_a_100_kb_id_is_published_once() {
    if !shared_server() {
        return;
    }
    let url = format!("nats://{SHARED_SERVER}");
    let js = jetstream_at(&url).await;
    let stream = unique("LONGDL");
    let subject = format!("{stream}.out");
    let mut sink = build_sink(&sink_config(&url, &subject, &stream));
    let mut article = Article::from_text("long", "Body.").unwrap();
    article.id = "y".repeat(100_000);
    let letter = DeadLetter::for_article("sinks.out", "refused", &article);
    for _ in 0..2 {
        sink.write_batch(&Batch::from(vec![Record::DeadLetter(letter.clone())]))
            .await
            .unwrap();
    }
    assert_eq!(stream_messages(&js, &stream).await, 1);
}
