//! The `feed` source on the real runtime, against a small axum feed server:
//! item mapping for RSS, Atom and JSON Feed, conditional GETs, a malformed
//! feed, and restarts that neither lose nor repeat items.

mod net_common;

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use net_common::{ids, read_jsonl, start, wait_until, Receiver, Reply, Scratch};
use newsflow_core::testing::free_port;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request: the document's name, the `If-None-Match` sent, the status.
type Logged = (String, Option<String>, u16);

/// Serves documents by name, with an ETag per version; keeps each request's
/// `If-None-Match` and what it answered.
#[derive(Clone, Default)]
struct FeedServer {
    documents: Arc<Mutex<HashMap<String, (String, u32)>>>,
    log: Arc<Mutex<Vec<Logged>>>,
}

impl FeedServer {
    async fn start() -> (FeedServer, u16) {
        let server = FeedServer::default();
        let port = free_port();
        let app = Router::new()
            .route("/{name}", get(serve))
            .with_state(server.clone());
        net_common::serve(port, app).await;
        (server, port)
    }

    /// Publishes a new version of `name`.
    fn set(&self, name: &str, text: String) {
        let mut documents = self.documents.lock().unwrap();
        let version = documents.get(name).map_or(1, |(_, v)| v + 1);
        documents.insert(name.to_owned(), (text, version));
    }

    fn requests(&self, name: &str) -> Vec<(Option<String>, u16)> {
        let log = self.log.lock().unwrap();
        log.iter()
            .filter(|(n, _, _)| n == name)
            .map(|(_, tag, status)| (tag.clone(), *status))
            .collect()
    }
}

async fn serve(
    State(server): State<FeedServer>,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Response {
    let asked = headers
        .get(header::IF_NONE_MATCH)
        .map(|v| v.to_str().unwrap().to_owned());
    let document = server.documents.lock().unwrap().get(&name).cloned();
    let response = match document {
        None => (StatusCode::NOT_FOUND, "no such feed").into_response(),
        Some((text, version)) => {
            let etag = format!("\"v{version}\"");
            if asked.as_deref() == Some(etag.as_str()) {
                StatusCode::NOT_MODIFIED.into_response()
            } else {
                ([(header::ETAG, etag)], text).into_response()
            }
        }
    };
    server
        .log
        .lock()
        .unwrap()
        .push((name, asked, response.status().as_u16()));
    response
}

fn rss(items: &[&str]) -> String {
    let items: String = items
        .iter()
        .map(|id| {
            format!(
                "<item><guid>urn:{id}</guid><title>Story {id}</title><link>https://news.test/{id}</link>\
                 <pubDate>Tue, 10 Jun 2025 04:00:00 GMT</pubDate>\
                 <description>&lt;p&gt;Body of &lt;b&gt;{id}&lt;/b&gt;.&lt;/p&gt;</description></item>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Test Wire</title>\
         <link>https://news.test/</link><description>d</description>{items}</channel></rss>"
    )
}

/// The `[sources.news]` table: a feed source reading `urls` every second,
/// with `extra` lines.
fn feed_source(urls: &[String], extra: &str) -> String {
    let urls: Vec<String> = urls.iter().map(|u| format!("{u:?}")).collect();
    format!(
        "[sources.news]\ntype = \"feed\"\nurls = [{}]\ninterval_secs = 1\ntimeout_secs = 5\n{extra}\n",
        urls.join(", ")
    )
}

/// A feed source reading `urls` every second, writing to `out.jsonl`.
fn config(scratch: &Scratch, urls: &[String], extra: &str) -> String {
    scratch.pipeline(&format!(
        "{}\n{}",
        feed_source(urls, extra),
        scratch.out_sink("news")
    ))
}

/// The one dead letter written; `why` says why one is expected.
fn only_dead_letter(scratch: &Scratch, why: &str) -> Value {
    let dead = scratch.read("dead.jsonl");
    assert_eq!(dead.len(), 1, "{why}: {dead:?}");
    dead[0].clone()
}

async fn wait_for_lines(path: std::path::PathBuf, n: usize) {
    wait_until(&format!("{n} lines in {}", path.display()), move || {
        read_jsonl(&path).len() >= n
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rss_atom_and_json_feed_items_become_articles() {
    let (server, port) = FeedServer::start().await;
    server.set(
        "rss.xml",
        "<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">\
         <channel><title>Wire &amp; Co</title><link>https://wire.test/</link><description>d</description><language>en</language>\
         <item><guid>wire-1</guid><title>Markets rally</title><link>https://wire.test/1</link>\
         <pubDate>Tue, 10 Jun 2025 04:00:00 GMT</pubDate><category>Markets</category>\
         <description>Short summary.</description>\
         <content:encoded><![CDATA[<p>Shares of <b>Acme Corp</b> rose 5%.</p><p>Second paragraph.</p>]]></content:encoded></item>\
         <item><title>No guid here</title><link>https://wire.test/2</link><description>Only a summary &amp;amp; no guid.</description></item>\
         <item><guid>wire-3</guid><title>Empty</title></item>\
         </channel></rss>"
            .to_owned(),
    );
    server.set(
        "atom.xml",
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><feed xmlns=\"http://www.w3.org/2005/Atom\">\
         <title>Atom Desk</title><id>urn:desk</id><updated>2025-06-10T05:00:00Z</updated>\
         <entry><id>urn:atom:1</id><title>Atom story</title><link href=\"https://atom.test/1\"/>\
         <updated>2025-06-10T05:00:00Z</updated><author><name>Jane Roe</name></author>\
         <content type=\"html\">&lt;p&gt;Atom body text.&lt;/p&gt;</content></entry></feed>"
            .to_owned(),
    );
    server.set(
        "feed.json",
        r#"{"version": "https://jsonfeed.org/version/1.1", "title": "JSON Desk",
            "items": [{"id": "j1", "url": "https://json.test/1", "title": "JSON story",
                       "content_text": "Plain JSON body.", "date_published": "2025-06-10T06:00:00+02:00"}]}"#
            .to_owned(),
    );
    let scratch = Scratch::new();
    let urls: Vec<String> = ["rss.xml", "atom.xml", "feed.json"]
        .iter()
        .map(|n| format!("http://127.0.0.1:{port}/{n}"))
        .collect();
    let running = start(scratch.dir.path(), &config(&scratch, &urls, ""));
    wait_for_lines(scratch.path("out.jsonl"), 4).await;
    wait_for_lines(scratch.path("dead.jsonl"), 1).await;
    running.stop().await;

    let out = scratch.read("out.jsonl");
    // Guids that are not addresses ("wire-1", "j1") are prefixed with their feed's URL.
    let (rss_wire_1, json_j1): (String, String) = (
        format!("http://127.0.0.1:{port}/rss.xml#wire-1"),
        format!("http://127.0.0.1:{port}/feed.json#j1"),
    );
    let mut expected = vec![
        "https://wire.test/2".to_owned(),
        json_j1.clone(),
        "urn:atom:1".to_owned(),
        rss_wire_1.clone(),
    ];
    expected.sort();
    assert_eq!(ids(&out), expected);
    let by_id = |id: &str| out.iter().find(|a| a["id"] == id).unwrap().clone();
    let wire = by_id(&rss_wire_1);
    assert_eq!(wire["title"], "Markets rally");
    assert_eq!(wire["url"], "https://wire.test/1");
    assert_eq!(wire["published_at"], "2025-06-10T04:00:00Z");
    assert_eq!(wire["source"], "Wire & Co");
    assert_eq!(wire["language"], "en");
    assert_eq!(
        wire["body"],
        "Shares of Acme Corp rose 5%.\n\nSecond paragraph."
    );
    assert_eq!(wire["metadata"]["categories"][0], "Markets");
    assert_eq!(
        by_id("https://wire.test/2")["body"],
        "Only a summary & no guid."
    );
    let atom = by_id("urn:atom:1");
    assert_eq!(atom["body"], "Atom body text.");
    assert_eq!(atom["metadata"]["authors"][0], "Jane Roe");
    assert_eq!(atom["source"], "Atom Desk");
    let json = by_id(&json_j1);
    assert_eq!(json["body"], "Plain JSON body.");
    assert_eq!(json["published_at"], "2025-06-10T04:00:00Z");
    // The item with nothing to read is kept aside, once.
    let dead = only_dead_letter(&scratch, "the item with nothing to read");
    assert!(dead["reason"].as_str().unwrap().contains("neither content"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conditional_gets_and_a_restart_repeat_nothing() {
    let (server, port) = FeedServer::start().await;
    server.set("wire.xml", rss(&["b", "a"]));
    let scratch = Scratch::new();
    let urls = [format!("http://127.0.0.1:{port}/wire.xml")];
    let running = start(scratch.dir.path(), &config(&scratch, &urls, ""));
    wait_for_lines(scratch.path("out.jsonl"), 2).await;
    // Later polls ask with the ETag and are answered 304.
    wait_until("a 304", || {
        server
            .requests("wire.xml")
            .iter()
            .any(|(tag, status)| tag.as_deref() == Some("\"v1\"") && *status == 304)
    })
    .await;
    server.set("wire.xml", rss(&["c", "b", "a"]));
    wait_for_lines(scratch.path("out.jsonl"), 3).await;
    running.stop().await;

    // A restart asks with the saved ETag and emits only what is new.
    let asked_before = server.requests("wire.xml").len();
    let running = start(scratch.dir.path(), &config(&scratch, &urls, ""));
    wait_until("the first poll after the restart", || {
        server.requests("wire.xml").len() > asked_before
    })
    .await;
    assert_eq!(
        server.requests("wire.xml")[asked_before],
        (Some("\"v2\"".to_owned()), 304)
    );
    server.set("wire.xml", rss(&["d", "c", "b", "a"]));
    wait_for_lines(scratch.path("out.jsonl"), 4).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    running.stop().await;

    let out = scratch.read("out.jsonl");
    assert_eq!(
        ids(&out),
        ["urn:a", "urn:b", "urn:c", "urn:d"],
        "each item once"
    );
    // Oldest first within a poll.
    assert_eq!(out[0]["id"], "urn:a");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_feed_is_dead_lettered_once_then_recovers() {
    let (server, port) = FeedServer::start().await;
    server.set(
        "broken.xml",
        "<rss version=\"2.0\"><channel><item><title>cut".to_owned(),
    );
    let scratch = Scratch::new();
    let urls = [format!("http://127.0.0.1:{port}/broken.xml")];
    let running = start(
        scratch.dir.path(),
        &config(&scratch, &urls, "max_backoff_secs = 1"),
    );
    wait_until("three polls of the broken feed", || {
        server.requests("broken.xml").len() >= 3
    })
    .await;
    server.set("broken.xml", rss(&["x", "y"]));
    wait_for_lines(scratch.path("out.jsonl"), 2).await;
    running.stop().await;

    assert_eq!(ids(&scratch.read("out.jsonl")), ["urn:x", "urn:y"]);
    let dead = only_dead_letter(&scratch, "the same broken document is kept once");
    assert!(dead["reason"]
        .as_str()
        .unwrap()
        .starts_with("malformed feed"));
    assert!(dead["raw"].as_str().unwrap().contains("<title>cut"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn items_not_delivered_before_a_stop_are_emitted_after_the_restart() {
    let (server, port) = FeedServer::start().await;
    server.set("wire.xml", rss(&["2", "1"]));
    let hook_port = free_port();
    // The webhook takes the first item, then hangs past the drain deadline.
    let receiver = Receiver::new(|number, _| {
        if number == 0 {
            Reply::Store
        } else {
            Reply::Stall(Duration::from_secs(30))
        }
    });
    receiver.serve(hook_port).await;
    let scratch = Scratch::new();
    let url = format!("http://127.0.0.1:{port}/wire.xml");
    let first = scratch.pipeline(&format!(
        "[runtime]\nshutdown_timeout_secs = 1\n\n{}\n\
         [sinks.hook]\ntype = \"http\"\nurl = \"http://127.0.0.1:{hook_port}/hook\"\n\
         inputs = [\"news\"]\nbatch_size = 1\nflush_interval_ms = 0\n",
        feed_source(std::slice::from_ref(&url), "")
    ));
    let running = start(scratch.dir.path(), &first);
    let requests = receiver.requests.clone();
    wait_until("the second item to hang", || {
        requests.load(std::sync::atomic::Ordering::SeqCst) >= 2
    })
    .await;
    let report = running.stop_any().await;
    assert!(report.drain_timed_out, "the hanging batch is abandoned");
    assert_eq!(receiver.stored_ids(), ["urn:1"]);

    // Same state directory, a working sink: only the abandoned item comes.
    let running = start(scratch.dir.path(), &config(&scratch, &[url], ""));
    wait_for_lines(scratch.path("out.jsonl"), 1).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    running.stop().await;
    assert_eq!(ids(&scratch.read("out.jsonl")), ["urn:2"]);
}
