//! The `postgres` sink against a real server on 127.0.0.1:5432 (database
//! `test`, user `postgres`, trust auth); each test works in a schema of its
//! own. Skips when the server is not there (see `newsflow_core::testing`).

mod sql_support;

use newsflow_core::testing::service_missing;
use newsflow_core::{
    Article, Batch, BuildContext, DeadLetter, Record, Sink, SinkConfig, SinkErrorKind,
};
use newsflow_stages::sinks::postgres::{load_article, PostgresConfig};
use newsflow_stages::sinks::schema::POSTGRES_MIGRATIONS;
use sql_support::{plain_article, records, rich_article, run_pipeline, toml_str, write_articles};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_postgres::{Client, NoTls};

const SERVER: &str = "127.0.0.1:5432";
const URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// How long the outage test keeps PostgreSQL unreachable mid-stream.
const OUTAGE: Duration = Duration::from_secs(3);

/// A client in a fresh schema named after the test, or `None` (the test
/// skips) when the server is not running.
async fn fresh_schema(test: &str) -> Option<(Client, String)> {
    let mut config: tokio_postgres::Config = URL.parse().unwrap();
    config.connect_timeout(Duration::from_secs(3));
    let (client, connection) = match config.connect(NoTls).await {
        Ok(pair) => pair,
        Err(e) => {
            service_missing(&format!("PostgreSQL at {SERVER}"), e);
            return None;
        }
    };
    tokio::spawn(connection);
    let schema = format!("newsflow_test_{test}_{}", std::process::id());
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}; SET search_path TO {schema}"
        ))
        .await
        .unwrap();
    Some((client, schema))
}

async fn drop_schema(client: &Client, schema: &str) {
    client
        .batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .await
        .unwrap();
}

fn sink(url: &str, schema: &str) -> Box<dyn Sink> {
    let config: PostgresConfig = serde_json::from_value(
        serde_json::json!({"url": url, "schema": schema, "timeout_secs": 5}),
    )
    .unwrap();
    config
        .build(&BuildContext::new(
            newsflow_core::StageKey::sink("db"),
            std::env::temp_dir(),
        ))
        .unwrap()
}

async fn write(sink: &mut dyn Sink, records: &[Record]) {
    sink.write_batch(&Batch::from(records.to_vec()))
        .await
        .unwrap();
}

async fn count(client: &Client, table: &str) -> i64 {
    client
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn an_article_reads_back_as_written() {
    let Some((client, schema)) = fresh_schema("round_trip").await else {
        return;
    };
    let mut sink = sink(URL, &schema);
    let rich = rich_article("rich");
    let mut plain = plain_article();
    plain.entities = Some(Vec::new());
    write(sink.as_mut(), &records(&[&rich, &plain])).await;

    let back = load_article(&client, "rich").await.unwrap().unwrap();
    assert_eq!(back, rich);
    assert_eq!(
        serde_json::to_string(&back).unwrap(),
        serde_json::to_string(&rich).unwrap(),
        "the +02:00 offset and the JSON fields survive"
    );
    let back = load_article(&client, "plain").await.unwrap().unwrap();
    assert_eq!(back, plain);
    assert_eq!(back.figures, None, "no figure pass is not an empty one");
    assert!(load_article(&client, "absent").await.unwrap().is_none());
    drop_schema(&client, &schema).await;
}

#[tokio::test]
async fn writing_an_article_again_replaces_it_and_its_annotations() {
    let Some((client, schema)) = fresh_schema("upsert").await else {
        return;
    };
    let mut sink = sink(URL, &schema);
    let first = rich_article("a");
    write(sink.as_mut(), &[Record::Article(first.clone())]).await;
    let mut second = first.clone();
    second.body = "Rewritten.".into();
    second.entities.as_mut().unwrap().truncate(1);
    second.figures = None;
    write(
        sink.as_mut(),
        &[Record::Article(first), Record::Article(second.clone())],
    )
    .await;
    assert_eq!(count(&client, "articles").await, 1);
    assert_eq!(count(&client, "entities").await, 1);
    assert_eq!(count(&client, "mentions").await, 2);
    assert_eq!(count(&client, "figures").await, 0);
    assert_eq!(load_article(&client, "a").await.unwrap().unwrap(), second);
    drop_schema(&client, &schema).await;
}

/// More rows in one batch than 65535 bind parameters could carry, and more
/// than one statement's worth of figures.
#[tokio::test]
async fn a_large_batch_is_stored_whole() {
    const ARTICLES: usize = 4000;
    let Some((client, schema)) = fresh_schema("large").await else {
        return;
    };
    let mut sink = sink(URL, &schema);
    let batch: Vec<Record> = (0..ARTICLES)
        .map(|i| Record::Article(rich_article(&format!("a{i}"))))
        .collect();
    write(sink.as_mut(), &batch).await;
    assert_eq!(count(&client, "articles").await, ARTICLES as i64);
    assert_eq!(count(&client, "figures").await, 3 * ARTICLES as i64);
    assert_eq!(count(&client, "mentions").await, 3 * ARTICLES as i64);
    drop_schema(&client, &schema).await;
}

#[tokio::test]
async fn a_missing_database_or_a_newer_schema_stops_the_sink() {
    let Some((client, schema)) = fresh_schema("fatal").await else {
        return;
    };
    let mut missing = sink(
        "postgres://postgres@127.0.0.1:5432/newsflow_no_such_database",
        &schema,
    );
    let err = missing
        .write_batch(&Batch::from(vec![Record::Article(rich_article("a"))]))
        .await
        .unwrap_err();
    assert_eq!(err.kind, SinkErrorKind::Fatal, "{}", err.message);
    assert!(err.message.contains("3D000"), "{}", err.message);

    write(
        sink(URL, &schema).as_mut(),
        &[Record::Article(rich_article("a"))],
    )
    .await;
    client
        .execute("INSERT INTO schema_version (version) VALUES (999)", &[])
        .await
        .unwrap();
    let mut newer = sink(URL, &schema);
    let err = newer
        .write_batch(&Batch::from(vec![Record::Article(rich_article("b"))]))
        .await
        .unwrap_err();
    assert_eq!(err.kind, SinkErrorKind::Fatal, "{}", err.message);
    assert!(err.message.contains("version 999"), "{}", err.message);
    drop_schema(&client, &schema).await;
}

fn pipeline_config(
    dir: &std::path::Path,
    input: &std::path::Path,
    url: &str,
    schema: &str,
    batch: usize,
) -> String {
    format!(
        "[runtime]\nstate_dir = {state}\nchannel_capacity = 16\n\
         [sources.inbox]\ntype = \"dir\"\npath = {input}\n\
         [sinks.db]\ntype = \"postgres\"\ninputs = [\"inbox\"]\nurl = {url}\nschema = {schema}\n\
         timeout_secs = 5\nbatch_size = {batch}\nflush_interval_ms = 20\n\
         [dead_letter]\ntype = \"postgres\"\nurl = {url}\nschema = {schema}\nbatch_size = 1\n",
        state = toml_str(dir.join("state").to_string_lossy()),
        input = toml_str(input.to_string_lossy()),
        url = toml_str(url),
        schema = toml_str(schema),
    )
}

/// A whole pipeline run twice over the same input: one copy of everything;
/// an article PostgreSQL cannot hold (U+0000) goes to the dead-letter sink.
#[tokio::test]
async fn a_replayed_run_stores_one_copy() {
    const ARTICLES: usize = 200;
    let Some((client, schema)) = fresh_schema("replay").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    write_articles(&input.join("articles.jsonl"), "art-", ARTICLES);
    std::fs::write(input.join("broken.json"), "{\"id\": \"x\", \"body\": ").unwrap();
    std::fs::write(
        input.join("nul.json"),
        "{\"id\": \"nul\", \"body\": \"a\\u0000b\"}",
    )
    .unwrap();
    // One article a batch, so the refusal touches only the NUL article.
    let config = pipeline_config(dir.path(), &input, URL, &schema, 1);
    for _ in 0..2 {
        let report = run_pipeline(dir.path(), &config).await;
        assert!(report.is_clean(), "{:?}", report.errors);
        assert_eq!(count(&client, "articles").await, ARTICLES as i64);
        assert_eq!(count(&client, "entities").await, 2 * ARTICLES as i64);
        assert_eq!(count(&client, "dead_letters").await, 2);
    }
    let reason: String = client
        .query_one(
            "SELECT reason FROM dead_letters WHERE article_id = 'nul'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(reason.contains("U+0000"), "{reason}");
    drop_schema(&client, &schema).await;
}

/// A TCP proxy that can be cut: open connections dropped, new ones closed
/// at once, until restored.
struct Proxy {
    port: u16,
    up: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
    acceptor: JoinHandle<()>,
}

impl Proxy {
    async fn start(target: &'static str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let links = Arc::new(Mutex::new(Vec::new()));
        let acceptor = tokio::spawn({
            let (up, links) = (up.clone(), links.clone());
            async move {
                while let Ok((mut inbound, _)) = listener.accept().await {
                    if !up.load(Ordering::SeqCst) {
                        continue; // dropped: the client sees its connection closed
                    }
                    let link = tokio::spawn(async move {
                        if let Ok(mut outbound) = TcpStream::connect(target).await {
                            let _ =
                                tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        }
                    });
                    links.lock().unwrap().push(link);
                }
            }
        });
        Proxy {
            port,
            up,
            links,
            acceptor,
        }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
        self.acceptor.abort();
    }
}

/// PostgreSQL vanishes mid-stream and comes back: the pipeline waits, then
/// every article is stored exactly once.
#[tokio::test]
async fn an_outage_mid_stream_loses_and_doubles_nothing() {
    const ARTICLES: usize = 3000;
    let Some((client, schema)) = fresh_schema("outage").await else {
        return;
    };
    let proxy = Proxy::start(SERVER).await;
    let url = format!("postgres://postgres@127.0.0.1:{}/test", proxy.port);
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    write_articles(&input.join("articles.jsonl"), "art-", ARTICLES);
    std::fs::write(input.join("broken.json"), "{\"id\": ").unwrap();
    let config = pipeline_config(dir.path(), &input, &url, &schema, 20);
    let run = tokio::spawn({
        let dir = dir.path().to_owned();
        async move { run_pipeline(&dir, &config).await }
    });

    // Cut once the first batches are in (the tables exist from then on).
    let started = tokio::time::Instant::now();
    loop {
        let stored: Option<i64> = client
            .query_one("SELECT count(*) FROM articles", &[])
            .await
            .ok()
            .map(|row| row.get(0));
        if stored.is_some_and(|n| n >= 100) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no articles arrived"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    proxy.cut();
    let at_cut = count(&client, "articles").await;
    tokio::time::sleep(OUTAGE).await;
    let after_outage = count(&client, "articles").await;
    proxy.restore();
    let report = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("the run ends once PostgreSQL is back")
        .unwrap();

    assert!(report.is_clean(), "{:?}", report.errors);
    assert!(
        (at_cut as usize) < ARTICLES,
        "the outage came mid-stream ({at_cut} stored)"
    );
    assert!(
        after_outage - at_cut <= 20,
        "nothing but an in-flight batch landed while cut"
    );
    assert_eq!(count(&client, "articles").await, ARTICLES as i64);
    assert_eq!(count(&client, "entities").await, 2 * ARTICLES as i64);
    assert_eq!(count(&client, "mentions").await, 3 * ARTICLES as i64);
    assert_eq!(count(&client, "figures").await, 3 * ARTICLES as i64);
    assert_eq!(count(&client, "dead_letters").await, 1);
    let sample = load_article(&client, "art-02999").await.unwrap().unwrap();
    assert_eq!(sample, rich_article("art-02999"));
    drop_schema(&client, &schema).await;
}

/// A lost connection makes the batch retryable and the sink not ready; the
/// next attempt reconnects and the sink is ready again.
#[tokio::test]
async fn a_lost_connection_is_retryable_and_reported_not_ready() {
    let Some((client, schema)) = fresh_schema("health").await else {
        return;
    };
    let proxy = Proxy::start(SERVER).await;
    let url = format!("postgres://postgres@127.0.0.1:{}/test", proxy.port);
    let config: PostgresConfig =
        serde_json::from_value(serde_json::json!({"url": url, "schema": schema})).unwrap();
    let cx = BuildContext::new(newsflow_core::StageKey::sink("db"), std::env::temp_dir());
    let mut sink = config.build(&cx).unwrap();
    write(sink.as_mut(), &[Record::Article(rich_article("a"))]).await;
    assert!(cx.health.is_ready());

    proxy.cut();
    for _ in 0..2 {
        // Once on the dropped connection, once refused at reconnection.
        let err = sink
            .write_batch(&Batch::from(vec![Record::Article(rich_article("b"))]))
            .await
            .unwrap_err();
        assert_eq!(err.kind, SinkErrorKind::Retryable, "{}", err.message);
        assert!(!cx.health.is_ready());
    }
    proxy.restore();
    write(sink.as_mut(), &[Record::Article(rich_article("b"))]).await;
    assert!(cx.health.is_ready());
    assert_eq!(count(&client, "articles").await, 2);
    drop_schema(&client, &schema).await;
}

/// A rich article whose id is 100 kB of random letters and digits: it does
/// not compress below the 2.7 kB a B-tree entry can hold. Longer than
/// sources let through: the sink stores whatever it is given.
fn long_id_article() -> Article {
    use rand::Rng;
    let mut article = rich_article("long");
    article.id = rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(100_000)
        .map(char::from)
        .collect();
    article
}

/// An id of 100 kB is stored as an article and, refused elsewhere, as a
/// dead letter: the dead-letter sink can keep whatever a source produces.
#[tokio::test]
async fn a_100_kb_id_is_stored_as_an_article_and_as_a_dead_letter() {
    let Some((client, schema)) = fresh_schema("long_id").await else {
        return;
    };
    let mut sink = sink(URL, &schema);
    let article = long_id_article();
    let letter = DeadLetter::for_article("sinks.hook", "refused by the webhook", &article);
    for _ in 0..2 {
        write(
            sink.as_mut(),
            &[
                Record::Article(article.clone()),
                Record::DeadLetter(letter.clone()),
            ],
        )
        .await;
    }
    assert_eq!(count(&client, "articles").await, 1);
    assert_eq!(count(&client, "entities").await, 2);
    assert_eq!(count(&client, "dead_letters").await, 1);
    let back = load_article(&client, &article.id).await.unwrap().unwrap();
    assert_eq!(back, article);
    drop_schema(&client, &schema).await;
}

/// One article PostgreSQL cannot hold (U+0000) in a batch of 100: it alone
/// is dead-lettered, its 99 batch-mates are stored.
#[tokio::test]
async fn one_bad_article_in_a_batch_is_the_only_one_dead_lettered() {
    let Some((client, schema)) = fresh_schema("one_bad").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    let mut lines = String::new();
    for i in 0..100 {
        let mut article = rich_article(&format!("a{i:03}"));
        if i == 50 {
            article.body = "a\u{0}b".into();
        }
        lines.push_str(&serde_json::to_string(&article).unwrap());
        lines.push('\n');
    }
    std::fs::write(input.join("batch.jsonl"), lines).unwrap();
    // One batch of 100: no interval cuts it short.
    let config = pipeline_config(dir.path(), &input, URL, &schema, 100)
        .replace("flush_interval_ms = 20", "flush_interval_ms = 600000");
    let report = run_pipeline(dir.path(), &config).await;
    assert!(report.is_clean(), "{:?}", report.errors);
    let letters = client
        .query("SELECT article_id, reason FROM dead_letters", &[])
        .await
        .unwrap();
    assert_eq!(count(&client, "articles").await, 99);
    assert_eq!(letters.len(), 1, "dead letters");
    assert_eq!(letters[0].get::<_, &str>(0), "a050");
    let reason: &str = letters[0].get(1);
    assert!(
        reason.contains("U+0000") && reason.contains("body"),
        "{reason}"
    );
    assert!(load_article(&client, "a050").await.unwrap().is_none());
    drop_schema(&client, &schema).await;
}

/// Tables dropped behind the sink's back (a DBA, a partial restore) are
/// created again when it connects, though `schema_version` says current.
#[tokio::test]
async fn dropped_tables_are_created_again() {
    let Some((client, schema)) = fresh_schema("dropped").await else {
        return;
    };
    let letter = DeadLetter::from_bytes("in", Some("f:1".into()), "bad", b"{");
    write(
        sink(URL, &schema).as_mut(),
        &[
            Record::Article(rich_article("a")),
            Record::DeadLetter(letter.clone()),
        ],
    )
    .await;
    let layout = indexes(&client, &schema).await;
    client
        .batch_execute("DROP TABLE articles CASCADE; DROP TABLE dead_letters")
        .await
        .unwrap();
    write(
        sink(URL, &schema).as_mut(),
        &[
            Record::Article(rich_article("b")),
            Record::DeadLetter(letter),
        ],
    )
    .await;
    assert_eq!(count(&client, "articles").await, 1);
    assert_eq!(count(&client, "dead_letters").await, 1);
    assert_eq!(
        load_article(&client, "b").await.unwrap().unwrap(),
        rich_article("b")
    );
    assert_eq!(
        indexes(&client, &schema).await,
        layout,
        "created again as migrated"
    );
    drop_schema(&client, &schema).await;
}

/// Every index of `schema`, as its definition.
async fn indexes(client: &Client, schema: &str) -> Vec<String> {
    client
        .query(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname",
            &[&schema],
        )
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect()
}

/// A database made by version 1 (ids as B-tree keys) is upgraded in place:
/// its rows stay, and a 100 kB id is stored.
#[tokio::test]
async fn a_version_1_schema_is_upgraded_in_place() {
    let Some((client, schema)) = fresh_schema("upgrade").await else {
        return;
    };
    client
        .batch_execute(
            "CREATE TABLE schema_version (
                 version bigint PRIMARY KEY,
                 applied_at timestamptz NOT NULL DEFAULT now()
             )",
        )
        .await
        .unwrap();
    assert_eq!(POSTGRES_MIGRATIONS[0].version, 1);
    client
        .batch_execute(POSTGRES_MIGRATIONS[0].sql)
        .await
        .unwrap();
    client
        .batch_execute(
            "INSERT INTO schema_version (version) VALUES (1);
             INSERT INTO articles (id, body) VALUES ('old', 'Kept.');
             INSERT INTO entities (article_id, idx, name, type, confidence)
                 VALUES ('old', 0, 'Doha', 'LOC', 0.5)",
        )
        .await
        .unwrap();
    let long = long_id_article();
    write(
        sink(URL, &schema).as_mut(),
        &[Record::Article(long.clone())],
    )
    .await;
    assert_eq!(
        load_article(&client, &long.id).await.unwrap().unwrap(),
        long
    );
    let old = load_article(&client, "old").await.unwrap().unwrap();
    assert_eq!((old.body.as_str(), old.entities), ("Kept.", None));
    assert_eq!(count(&client, "entities").await, 3);
    let versions: Vec<i64> = client
        .query("SELECT version FROM schema_version ORDER BY version", &[])
        .await
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    let latest = POSTGRES_MIGRATIONS.last().unwrap().version;
    assert_eq!(versions, (1..=latest).collect::<Vec<_>>());
    drop_schema(&client, &schema).await;
}

/// A batch the server refuses for its data (here a check a DBA added) is
/// bisected: the refusal names the one record refused, and the rest of the
/// batch, passed again, is stored.
#[tokio::test]
async fn a_refused_batch_names_the_records_refused() {
    let Some((client, schema)) = fresh_schema("bisect").await else {
        return;
    };
    let mut sink = sink(URL, &schema);
    write(sink.as_mut(), &[Record::Article(rich_article("first"))]).await;
    client
        .batch_execute("ALTER TABLE articles ADD CONSTRAINT embargo CHECK (id <> 'a6')")
        .await
        .unwrap();
    let mut batch: Vec<Record> = (0..10)
        .map(|i| Record::Article(rich_article(&format!("a{i}"))))
        .collect();
    batch.push(Record::DeadLetter(DeadLetter::from_bytes(
        "in",
        Some("f:1".into()),
        "bad",
        b"{",
    )));
    let err = sink
        .write_batch(&Batch::from(batch.clone()))
        .await
        .unwrap_err();
    assert_eq!(err.kind, SinkErrorKind::Rejected, "{}", err.message);
    let refused: Vec<usize> = err.refused.iter().map(|r| r.index).collect();
    assert_eq!(refused, [6]);
    assert!(
        err.refused[0].reason.contains("embargo"),
        "{:?}",
        err.refused
    );
    assert_eq!(
        count(&client, "articles").await,
        1,
        "nothing of the batch stored"
    );
    batch.remove(6);
    write(sink.as_mut(), &batch).await;
    assert_eq!(count(&client, "articles").await, 10);
    assert_eq!(count(&client, "dead_letters").await, 1);
    drop_schema(&client, &schema).await;
}
