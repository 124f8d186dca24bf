//! At-least-once delivery with idempotent sinks, counted: a SIGKILL and a
//! restart, a 30-second PostgreSQL outage, and one daemon fed by a watched
//! directory, a feed and HTTP pushes into SQLite and PostgreSQL at once.

use crate::support::config::watched_inbox;
use crate::support::config::{api, dead_letter, http_source, state_in, table, tables, transform};
use crate::{
    assert_metrics, drop_articles_meanwhile, http_get, inbox_config, inbox_in, local_address, poll,
    post_articles, postgres_available, postgres_query, signal, sqlite_ids, start, stop,
    write_config,
};
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn stored_ids(file: &Path) -> BTreeSet<String> {
    sqlite_ids(file).into_iter().collect()
}

/// Whether `schema` holds an `articles` table yet.
fn has_articles_table(schema: &str) -> bool {
    let exists = postgres_query(&format!(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = '{schema}' AND table_name = 'articles'"
    ));
    exists == ["1"]
}

fn postgres_ids(schema: &str) -> BTreeSet<String> {
    if !has_articles_table(schema) {
        return BTreeSet::new();
    }
    postgres_query(&format!("SELECT id FROM \"{schema}\".articles"))
        .into_iter()
        .collect()
}

/// Polls `count` until it reaches `target`, failing after `limit`.
fn wait_until(what: &str, target: usize, limit: Duration, count: impl Fn() -> usize) {
    poll(limit, || {
        let now = count();
        if now >= target {
            Ok(())
        } else {
            Err(format!("{what}: {now} of {target}"))
        }
    });
}

/// The `received` count of a stage in a run's summary log line.
fn summary_received(log: &str, stage: &str) -> usize {
    let line = log
        .lines()
        .find(|l| l.contains("summary") && l.contains(&format!("stage={stage} ")))
        .unwrap_or_else(|| panic!("no summary for {stage} in:\n{log}"));
    line.split("received=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

fn unique_schema(test: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("e2e_{test}_{}_{nanos}", std::process::id())
}

#[test]
fn a_sigkill_and_a_restart_lose_and_duplicate_nothing() {
    const ARTICLES: usize = 600;
    let dir = tempfile::tempdir().unwrap();
    let inbox = inbox_in(dir.path());
    let body = "The ministry said 40 people were evacuated from the coast near Lisbon. ".repeat(30);
    for i in 0..ARTICLES {
        std::fs::write(inbox.join(format!("k{i:04}.txt")), &body).unwrap();
    }
    let db = dir.path().join("out.sqlite");
    let store = [
        "type = \"sqlite\"",
        "inputs = [\"enrich\"]",
        &format!("path = \"{}\"", db.display()),
        "batch_size = 16",
        "flush_interval_ms = 50",
    ];
    let config = write_config(
        dir.path(),
        &tables(&[
            state_in(dir.path().display(), "channel_capacity = 16"),
            watched_inbox(dir.path().display()),
            transform("enrich", "enrich", &["inbox"], "concurrency = 1"),
            table("sinks.store", &store),
            dead_letter(format!("{}/dead.jsonl", dir.path().display())),
        ]),
    );
    let daemon = start(&config);
    wait_until("rows before the kill", 50, Duration::from_secs(120), || {
        stored_ids(&db).len()
    });
    signal(&daemon, "-KILL");
    drop(daemon);
    let stored_at_kill = stored_ids(&db).len();
    assert!(
        stored_at_kill < ARTICLES,
        "the run finished before the kill; the test proves nothing"
    );

    let daemon = start(&config);
    wait_until(
        "rows after the restart",
        ARTICLES,
        Duration::from_secs(300),
        || stored_ids(&db).len(),
    );
    let log = stop(daemon);

    let expected: BTreeSet<String> = (0..ARTICLES).map(|i| format!("k{i:04}")).collect();
    assert_eq!(stored_ids(&db), expected);
    let rows: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT count(*) FROM articles", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows as usize, ARTICLES, "duplicated rows");
    // The checkpoint kept the restart from reading everything again: it read
    // at most what was not yet recorded as delivered at the kill.
    let reread = summary_received(&log, "sources.inbox");
    assert!(
        reread <= ARTICLES - stored_at_kill + 64,
        "the restart read {reread} articles; {stored_at_kill} were already stored"
    );
}

/// A TCP proxy to PostgreSQL that a test can cut (dropping every connection
/// and refusing new ones) and restore: an outage the sink cannot tell from
/// a real one.
struct Proxy {
    port: u16,
    cut: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    fn start(target: &'static str) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let cut = Arc::new(AtomicBool::new(false));
        let open: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let (cut_flag, connections) = (cut.clone(), open.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                if cut_flag.load(Ordering::SeqCst) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(server) = TcpStream::connect(target) else {
                    continue;
                };
                let mut list = connections.lock().unwrap();
                list.push(client.try_clone().unwrap());
                list.push(server.try_clone().unwrap());
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(Shutdown::Both);
                    });
                }
            }
        });
        Proxy { port, cut, open }
    }

    fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        for stream in self.open.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

#[test]
fn a_thirty_second_postgres_outage_mid_run_ends_with_every_article_stored() {
    if !postgres_available() {
        return;
    }
    const ARTICLES: usize = 300;
    const OUTAGE: Duration = Duration::from_secs(30);
    let dir = tempfile::tempdir().unwrap();
    let inbox = inbox_in(dir.path());
    let proxy = Proxy::start("127.0.0.1:5432");
    let schema = unique_schema("outage");
    let api_address = local_address();
    let sink = format!(
        "type = \"postgres\"\nurl = \"postgres://postgres@127.0.0.1:{}/test\"\n\
         schema = \"{schema}\"\ntimeout_secs = 3\nbatch_size = 20",
        proxy.port
    );
    let config = write_config(
        dir.path(),
        &inbox_config(dir.path(), &sink, &api(&api_address, "")),
    );
    let daemon = start(&config);
    // Spread over the outage: about 45 s in all.
    let writer = drop_articles_meanwhile(&inbox, "p", ARTICLES, Duration::from_millis(150));
    wait_until(
        "rows before the outage",
        40,
        Duration::from_secs(60),
        || postgres_ids(&schema).len(),
    );
    proxy.cut();
    let cut_at = Instant::now();
    std::thread::sleep(Duration::from_secs(10));
    let (code, body) = http_get(&api_address, "/ready");
    assert_eq!(code, 503, "ready during the outage: {body}");
    assert!(body.contains("sinks.out"), "{body}");
    std::thread::sleep(OUTAGE.saturating_sub(cut_at.elapsed()));
    proxy.restore();
    writer.join().unwrap();
    wait_until(
        "rows after the outage",
        ARTICLES,
        Duration::from_secs(120),
        || postgres_ids(&schema).len(),
    );
    let (code, body) = http_get(&api_address, "/ready");
    assert_eq!(code, 200, "not ready after the outage: {body}");
    stop(daemon);

    let expected: BTreeSet<String> = (0..ARTICLES).map(|i| format!("p{i:04}")).collect();
    assert_eq!(postgres_ids(&schema), expected);
    let rows = postgres_query(&format!("SELECT count(*) FROM \"{schema}\".articles"));
    assert_eq!(rows, [ARTICLES.to_string()]);
    postgres_query(&format!("DROP SCHEMA \"{schema}\" CASCADE"));
}

/// Serves one RSS document to every request, until the test ends.
fn feed_server(items: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let entries: String = (0..items)
        .map(|i| {
            format!(
                "<item><guid>feed-{i}</guid><title>Item {i}</title><link>http://example.test/{i}</link>\
                 <description>&lt;p&gt;Officials said {i} bridges reopened in Porto.&lt;/p&gt;</description></item>"
            )
        })
        .collect();
    let document = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Test wire</title><link>http://example.test/</link>\
         <description>t</description>{entries}</channel></rss>"
    );
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
                document.len(),
                document
            );
        }
    });
    address
}

#[test]
fn a_watched_directory_a_feed_and_http_pushes_flow_into_sqlite_and_postgres() {
    if !postgres_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let inbox = inbox_in(dir.path());
    std::fs::write(inbox.join("file-1.txt"), "Five trucks reached Kyiv.").unwrap();
    std::fs::write(inbox.join("file-2.txt"), "Nine schools closed in Manila.").unwrap();
    let feed = feed_server(3);
    let (push_address, api_address) = (local_address(), local_address());
    let schema = unique_schema("all");
    let db = dir.path().join("store.sqlite");
    let (db_path, warehouse) = (
        format!("path = \"{}\"", db.display()),
        format!("schema = \"{schema}\""),
    );
    let config = write_config(
        dir.path(),
        &tables(&[
            api(&api_address, ""),
            state_in(dir.path().display(), ""),
            watched_inbox(dir.path().display()),
            table(
                "sources.wire",
                &[
                    "type = \"feed\"",
                    &format!("urls = [\"http://{feed}/rss.xml\"]"),
                    "interval_secs = 3600",
                ],
            ),
            http_source(&push_address, "token = \"secret\""),
            transform("enrich", "enrich", &["inbox", "wire", "push"], ""),
            table(
                "sinks.local",
                &[
                    "type = \"sqlite\"",
                    "inputs = [\"enrich\"]",
                    &db_path,
                    "flush_interval_ms = 50",
                ],
            ),
            table(
                "sinks.warehouse",
                &[
                    "type = \"postgres\"",
                    "inputs = [\"enrich\"]",
                    "url = \"postgres://postgres@127.0.0.1:5432/test\"",
                    &warehouse,
                    "flush_interval_ms = 50",
                ],
            ),
            dead_letter(format!("{}/dead.jsonl", dir.path().display())),
        ]),
    );
    let daemon = start(&config);
    let lines = "{\"id\":\"push-1\",\"body\":\"Two ferries sank off Crete.\"}\n\
                 {\"id\":\"push-2\",\"body\":\"Four flights were cancelled in Oslo.\"}\n";
    // The endpoint is up once the pipeline has started.
    poll(Duration::from_secs(30), || {
        match post_articles(&push_address, Some("secret"), "application/x-ndjson", lines) {
            202 => Ok(()),
            other => Err(format!("push not accepted: {other}")),
        }
    });
    assert_eq!(
        post_articles(&push_address, Some("wrong"), "application/x-ndjson", lines),
        401
    );

    // Feed guids that are not addresses are prefixed with the feed's URL.
    let expected: BTreeSet<String> = ["file-1", "file-2", "push-1", "push-2"]
        .into_iter()
        .map(String::from)
        .chain((0..3).map(|i| format!("http://{feed}/rss.xml#feed-{i}")))
        .collect();
    wait_until(
        "sqlite rows",
        expected.len(),
        Duration::from_secs(60),
        || stored_ids(&db).len(),
    );
    wait_until(
        "postgres rows",
        expected.len(),
        Duration::from_secs(60),
        || postgres_ids(&schema).len(),
    );
    assert_metrics(
        &api_address,
        &[
            "newsflow_stage_emitted_total{stage=\"sinks.local\",kind=\"sink\"} 7",
            "newsflow_stage_emitted_total{stage=\"sinks.warehouse\",kind=\"sink\"} 7",
            "newsflow_stage_received_total{stage=\"sources.push\",kind=\"source\"} 2",
            "newsflow_stage_received_total{stage=\"sources.wire\",kind=\"source\"} 3",
        ],
    );
    stop(daemon);
    assert_eq!(stored_ids(&db), expected);
    assert_eq!(postgres_ids(&schema), expected);
    postgres_query(&format!("DROP SCHEMA \"{schema}\" CASCADE"));
}

#[test]
fn a_postgres_sink_creates_its_tables_at_start_and_is_ready_only_once_connected() {
    if !postgres_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("inbox")).unwrap();
    let schema = unique_schema("start");
    let api_address = local_address();
    let sink = format!(
        "type = \"postgres\"\nurl = \"postgres://postgres@127.0.0.1:5432/test\"\nschema = \"{schema}\""
    );
    let config = write_config(
        dir.path(),
        &inbox_config(dir.path(), &sink, &api(&api_address, "")),
    );
    let daemon = start(&config);
    // No article has arrived: the tables exist because the sink started.
    wait_until("tables", 1, Duration::from_secs(30), || {
        usize::from(has_articles_table(&schema))
    });
    wait_until("ready", 1, Duration::from_secs(30), || {
        usize::from(
            std::net::TcpStream::connect(&api_address).is_ok()
                && http_get(&api_address, "/ready").0 == 200,
        )
    });
    stop(daemon);
    postgres_query(&format!("DROP SCHEMA \"{schema}\" CASCADE"));

    // Pointed at a port where nothing listens, it is not ready.
    let api_address = local_address();
    let sink = format!(
        "type = \"postgres\"\nurl = \"postgres://postgres@{}/test\"",
        local_address()
    );
    let config = write_config(
        dir.path(),
        &inbox_config(dir.path(), &sink, &api(&api_address, "")),
    );
    let daemon = start(&config);
    wait_until("api up", 1, Duration::from_secs(30), || {
        usize::from(std::net::TcpStream::connect(&api_address).is_ok())
    });
    std::thread::sleep(Duration::from_millis(500));
    let (code, body) = http_get(&api_address, "/ready");
    assert_eq!(code, 503, "{body}");
    assert!(body.contains("sinks.out"), "{body}");
    stop(daemon);
}
