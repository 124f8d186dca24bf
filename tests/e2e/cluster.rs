//! Scale-out on NATS JetStream with the configs of `examples/cluster/` and
//! the real binary: two ingest runs publish 3,000 articles to a work-queue
//! stream made from `stream.json`; three workers share the durable consumer
//! of `consumer.json` and upsert into PostgreSQL. One worker is killed
//! (SIGKILL) mid-stream and started again, and two poison messages (bad
//! JSON, oversized) come with the articles. PostgreSQL must end with every
//! article exactly once and each poison message dead-lettered once; the
//! stream must end empty; the messages the dead worker held must come back
//! to the others, counted as redelivered.

use crate::{
    free_port, http_get, nats_available, newsflow, postgres_available, postgres_query, repo,
    stderr, Daemon,
};
use async_nats::jetstream;
use std::collections::BTreeSet;
use std::future::Future;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

const ARTICLES: usize = 3_000;
const WORKERS: usize = 3;
/// Short, so the dead worker's messages come back within the test.
const ACK_WAIT_SECS: u64 = 2;
/// The workers' `max_article_bytes` here: the oversized poison is larger.
const MAX_ARTICLE_BYTES: usize = 65_536;

/// One run's stream, subject, consumer and schema (no other run shares
/// them), its scratch directory, and a NATS client for setting up and
/// checking.
struct Cluster {
    stream: String,
    subject: String,
    consumer: String,
    schema: String,
    dir: tempfile::TempDir,
    runtime: tokio::runtime::Runtime,
    js: jetstream::Context,
}

/// A worker process and where its `/metrics` and log are.
struct Worker {
    daemon: Daemon,
    api: String,
    log: PathBuf,
}

impl Cluster {
    fn new() -> Cluster {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let tag = format!("{}_{nanos}", std::process::id());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        // The context spawns a task: made inside the runtime.
        let js = runtime.block_on(async {
            jetstream::new(async_nats::connect("nats://127.0.0.1:4222").await.unwrap())
        });
        Cluster {
            stream: format!("NFTEST_CLUSTER_{tag}"),
            subject: format!("nftest.cluster_{tag}.raw"),
            consumer: "workers".to_owned(),
            schema: format!("nftest_cluster_{tag}"),
            dir: tempfile::tempdir().unwrap(),
            runtime,
            js,
        }
    }

    fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// The example's settings file, parsed.
    fn example_json<T: serde::de::DeserializeOwned>(name: &str) -> T {
        let path = repo().join("examples/cluster").join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// Creates the stream and the consumer from `stream.json` and
    /// `consumer.json`, under this run's names (and a short ack wait).
    fn create_stream_and_consumer(&self) -> jetstream::consumer::pull::Config {
        let mut stream: jetstream::stream::Config = Self::example_json("stream.json");
        assert_eq!(
            stream.retention,
            jetstream::stream::RetentionPolicy::WorkQueue
        );
        stream.name = self.stream.clone();
        stream.subjects = vec![self.subject.clone()];
        let mut consumer: jetstream::consumer::pull::Config = Self::example_json("consumer.json");
        consumer.durable_name = Some(self.consumer.clone());
        consumer.filter_subject = self.subject.clone();
        consumer.ack_wait = Duration::from_secs(ACK_WAIT_SECS);
        self.block_on(async {
            let stream = self.js.create_stream(stream).await.unwrap();
            stream.create_consumer(consumer.clone()).await.unwrap();
        });
        consumer
    }

    fn consumer_info(&self) -> jetstream::consumer::Info {
        self.block_on(async {
            let stream = self.js.get_stream(&self.stream).await.unwrap();
            stream.consumer_info(&self.consumer).await.unwrap()
        })
    }

    fn stream_messages(&self) -> u64 {
        self.block_on(async {
            let mut stream = self.js.get_stream(&self.stream).await.unwrap();
            stream.info().await.unwrap().state.messages
        })
    }

    fn publish(&self, payload: Vec<u8>) {
        self.block_on(async {
            let ack = self.js.publish(self.subject.clone(), payload.into());
            ack.await.unwrap().await.unwrap();
        });
    }

    /// Starts a worker from `examples/cluster/worker.toml`, pointed at this
    /// run's names, and waits until it is ready.
    fn start_worker(&self, name: &str) -> Worker {
        let api = format!("127.0.0.1:{}", free_port());
        let log = self.dir.path().join(format!("{name}.log"));
        let source = "NEWSFLOW__SOURCES__RAW__";
        let env = [
            ("NEWSFLOW__API__ADDRESS".to_owned(), api.clone()),
            (format!("{source}STREAM"), self.stream.clone()),
            (format!("{source}SUBJECTS"), self.subject.clone()),
            (format!("{source}CONSUMER"), self.consumer.clone()),
            (format!("{source}ACK_WAIT_SECS"), ACK_WAIT_SECS.to_string()),
            (
                format!("{source}MAX_ARTICLE_BYTES"),
                MAX_ARTICLE_BYTES.to_string(),
            ),
            (
                "NEWSFLOW__SINKS__DB__SCHEMA".to_owned(),
                self.schema.clone(),
            ),
            (
                "NEWSFLOW__DEAD_LETTER__SCHEMA".to_owned(),
                self.schema.clone(),
            ),
        ];
        let daemon = Daemon(Some(
            newsflow()
                .current_dir(self.dir.path())
                .args(["run", "--config"])
                .arg(repo().join("examples/cluster/worker.toml"))
                .envs(env)
                .stderr(Stdio::from(std::fs::File::create(&log).unwrap()))
                .spawn()
                .unwrap(),
        ));
        let worker = Worker { daemon, api, log };
        let started = Instant::now();
        while !worker.ready() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{name} not ready after 30 s:\n{}",
                worker.log_text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        worker
    }

    /// Publishes `articles` with `examples/cluster/ingest.toml`: a replay of
    /// a directory holding them as one JSON Lines file, which exits once
    /// the server has stored every one.
    fn ingest(&self, part: &str, articles: std::ops::Range<usize>) {
        let inbox = self.dir.path().join(part);
        std::fs::create_dir(&inbox).unwrap();
        let lines: String = articles.map(|i| format!("{}\n", article(i))).collect();
        std::fs::write(inbox.join("articles.jsonl"), lines).unwrap();
        let output = newsflow()
            .current_dir(self.dir.path())
            .args(["run", "--config"])
            .arg(repo().join("examples/cluster/ingest.toml"))
            .env("NEWSFLOW__SOURCES__INBOX__PATH", &inbox)
            .env("NEWSFLOW__SOURCES__INBOX__WATCH", "false")
            .env("NEWSFLOW__SINKS__RAW__SUBJECT", &self.subject)
            .env("NEWSFLOW__SINKS__RAW__STREAM", &self.stream)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    }

    /// Rows in one of this run's tables.
    fn rows(&self, table: &str) -> usize {
        let sql = format!("SELECT count(*) FROM {}.{table}", self.schema);
        postgres_query(&sql)[0].parse().unwrap()
    }

    /// Waits until `done` holds, for at most `secs`, explaining a timeout
    /// with `state`.
    fn wait(&self, secs: u64, what: &str, done: impl Fn() -> bool, state: impl Fn() -> String) {
        let started = Instant::now();
        while !done() {
            assert!(
                started.elapsed() < Duration::from_secs(secs),
                "not {what} after {secs} s: {}",
                state()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.block_on(self.js.delete_stream(&self.stream));
        let sql = format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema);
        let _ = std::panic::catch_unwind(|| postgres_query(&sql));
    }
}

impl Worker {
    fn ready(&self) -> bool {
        std::net::TcpStream::connect(&self.api).is_ok() && http_get(&self.api, "/ready").0 == 200
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The value of the one `/metrics` series starting with `series`.
    fn metric(&self, series: &str) -> u64 {
        let (_, text) = http_get(&self.api, "/metrics");
        let line = text
            .lines()
            .find(|l| l.starts_with(series))
            .unwrap_or_else(|| panic!("no {series} in\n{text}"));
        line.rsplit(' ').next().unwrap().parse().unwrap()
    }

    fn redelivered(&self) -> u64 {
        self.metric("newsflow_source_redelivered_total{stage=\"sources.raw\"}")
    }

    fn written(&self) -> u64 {
        self.metric("newsflow_stage_emitted_total{stage=\"sinks.db\"")
    }

    /// Stops the worker with SIGTERM; it must drain and exit 0.
    fn stop(mut self) {
        let child = self.daemon.0.take().unwrap();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let status = child.wait_with_output().unwrap().status;
        assert_eq!(status.code(), Some(0), "{}", self.log_text());
    }
}

fn article_id(i: usize) -> String {
    format!("cluster-{i:05}")
}

/// A short news article, one of a few shapes.
fn article(i: usize) -> String {
    let body = match i % 3 {
        0 => format!("Report {i}: about 1,200 people were evacuated from Porto Alegre after the river rose, officials said."),
        1 => format!("Shares of the chipmaker rose 3.5% in Frankfurt on day {i} after it reported revenue of €7.5 billion."),
        _ => format!("At least {} people were killed when a bus overturned near Nairobi, Kenyan police said.", i % 40 + 2),
    };
    serde_json::json!({"id": article_id(i), "title": format!("Story {i}"), "body": body})
        .to_string()
}

#[test]
fn workers_share_a_work_queue_and_a_killed_one_loses_nothing() {
    if !nats_available() || !postgres_available() {
        return;
    }
    let cluster = Cluster::new();
    let consumer = cluster.create_stream_and_consumer();
    let created = cluster.consumer_info().created;
    let mut workers: Vec<Worker> = (0..WORKERS)
        .map(|i| cluster.start_worker(&format!("worker-{i}")))
        .collect();

    // The first half, with the poison among it.
    let half = ARTICLES / 2;
    cluster.ingest("part-1", 0..half);
    cluster.publish(b"{\"id\": \"poison-json\", \"body\": ".to_vec());
    let big = "x".repeat(MAX_ARTICLE_BYTES * 2);
    let oversized = serde_json::json!({"id": "poison-big", "body": big});
    cluster.publish(oversized.to_string().into_bytes());

    // Mid-stream: some written, most not.
    cluster.wait(
        60,
        "started",
        || cluster.rows("articles") >= half / 10,
        || format!("{} rows", cluster.rows("articles")),
    );
    let mut killed = workers.remove(0);
    let mut child = killed.daemon.0.take().unwrap();
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let at_kill = cluster.rows("articles");
    assert!(at_kill < ARTICLES, "{at_kill} rows at the kill");

    // It comes back under the same consumer, and the second half flows.
    workers.push(cluster.start_worker("worker-0-again"));
    cluster.ingest("part-2", half..ARTICLES);
    cluster.wait(
        90,
        "all written and acknowledged",
        || {
            let info = cluster.consumer_info();
            cluster.rows("articles") == ARTICLES
                && cluster.rows("dead_letters") == 2
                && info.num_pending == 0
                && info.num_ack_pending == 0
        },
        || {
            let info = cluster.consumer_info();
            format!(
                "{} articles, {} dead letters, {} pending, {} unacknowledged",
                cluster.rows("articles"),
                cluster.rows("dead_letters"),
                info.num_pending,
                info.num_ack_pending
            )
        },
    );

    // Every article exactly once.
    let ids: BTreeSet<String> =
        postgres_query(&format!("SELECT id FROM {}.articles", cluster.schema))
            .into_iter()
            .collect();
    let expected: BTreeSet<String> = (0..ARTICLES).map(article_id).collect();
    assert_eq!(ids, expected);
    // Each poison message dead-lettered once, from the stream, and
    // terminated: the work queue is empty.
    let letters = postgres_query(&format!(
        "SELECT location || ' ' || reason FROM {}.dead_letters ORDER BY location",
        cluster.schema
    ));
    assert_eq!(letters.len(), 2, "{letters:?}");
    let prefix = format!("nats:{}/", cluster.stream);
    assert!(
        letters.iter().all(|l| l.starts_with(&prefix)),
        "{letters:?}"
    );
    assert!(
        letters
            .iter()
            .any(|l| l.contains(&MAX_ARTICLE_BYTES.to_string())),
        "{letters:?}"
    );
    assert_eq!(cluster.stream_messages(), 0);

    // What the dead worker held came back to the others, counted. The
    // server numbers every delivery, so the deliveries beyond one per
    // message bound what the live workers counted (the dead one's own count
    // died with it; with so short an ack wait, a loaded machine also lets
    // some messages waiting in a live worker's pull buffer expire).
    let redelivered: u64 = workers.iter().map(Worker::redelivered).sum();
    let info = cluster.consumer_info();
    let messages = ARTICLES as u64 + 2;
    let redeliveries = info.delivered.consumer_sequence - messages;
    assert!(
        (1..=redeliveries).contains(&redelivered),
        "{redelivered} redelivered, {redeliveries} by the server's count"
    );
    assert_eq!(info.delivered.stream_sequence, messages);
    // The restarted worker rejoined the same consumer: not created anew,
    // and it got its share.
    assert_eq!(info.created, created);
    assert!(workers.last().unwrap().written() > 0);
    // worker.toml's source and consumer.json agree on what the consumer is.
    assert_eq!(info.config.max_ack_pending, consumer.max_ack_pending);
    assert_eq!(info.config.ack_policy, consumer.ack_policy);
    assert_eq!(info.config.filter_subject, cluster.subject);
    eprintln!(
        "cluster: {at_kill} articles written at the kill, {redelivered} messages redelivered \
         ({redeliveries} by the server's count)"
    );
    for worker in workers {
        worker.stop();
    }
}
