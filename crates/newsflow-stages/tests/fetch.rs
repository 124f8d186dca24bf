//! The `fetch` transform against a local axum server: realistic article
//! pages behind teasers, the page cache, the failures that keep the teaser
//! (a 404, a slow server, a huge page, a redirect loop, robots.txt), retries,
//! the per-host limit as the server sees it, and a feed of teasers through
//! the whole pipeline.

mod net_common;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use net_common::{read_jsonl, start, wait_until, Scratch};
use newsflow_core::{Article, BuildContext, Transform, TransformConfig};
use newsflow_stages::transforms::fetch::FetchConfig;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const PAGE: &str = include_str!("fetch_pages/article.html");

/// Serves article pages and the failure cases; counts requests per path and
/// the most requests it had in flight at once.
#[derive(Clone, Default)]
struct Site {
    hits: Arc<Mutex<HashMap<String, usize>>>,
    in_flight: Arc<AtomicUsize>,
    most_in_flight: Arc<AtomicUsize>,
    /// When each request arrived, in order.
    arrivals: Arc<Mutex<Vec<std::time::Instant>>>,
}

impl Site {
    async fn start() -> (Site, String) {
        let site = Site::default();
        let app = Router::new()
            .route(
                "/robots.txt",
                get(|| async { "User-agent: *\nDisallow: /private/\n" }),
            )
            .route("/news/{slug}", get(article))
            .route("/private/{slug}", get(article))
            .route(
                "/missing",
                get(|| async { (StatusCode::NOT_FOUND, "no such page") }),
            )
            .route("/slow", get(slow))
            .route("/huge", get(huge))
            .route("/loop", get(|| async { Redirect::temporary("/loop") }))
            .route(
                "/moved",
                get(|| async { Redirect::permanent("/news/moved") }),
            )
            .route(
                "/sneaky",
                get(|| async { Redirect::temporary("/private/sneaky") }),
            )
            .route("/flaky/{slug}", get(flaky))
            .route("/feed.xml", get(feed))
            .route(
                "/gzip/{slug}",
                get(|| async { compressed("gzip", PAGE.replace("{TITLE}", "Gzipped")) }),
            )
            .route(
                "/br/{slug}",
                get(|| async { compressed("br", PAGE.replace("{TITLE}", "Brotli")) }),
            )
            .route(
                "/bomb",
                get(|| async { compressed("gzip", "<p>zero</p>".repeat(100_000)) }),
            )
            .layer(axum::middleware::from_fn_with_state(site.clone(), count))
            .with_state(site.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (site, base)
    }

    fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

async fn count(
    State(site): State<Site>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    *site
        .hits
        .lock()
        .unwrap()
        .entry(request.uri().path().to_owned())
        .or_insert(0) += 1;
    site.arrivals
        .lock()
        .unwrap()
        .push(std::time::Instant::now());
    let now = site.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    site.most_in_flight.fetch_max(now, Ordering::SeqCst);
    let response = next.run(request).await;
    site.in_flight.fetch_sub(1, Ordering::SeqCst);
    response
}

fn page(title: &str) -> Response {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        PAGE.replace("{TITLE}", title),
    )
        .into_response()
}

async fn article(Path(slug): Path<String>, Query(q): Query<HashMap<String, u64>>) -> Response {
    if let Some(ms) = q.get("wait_ms") {
        tokio::time::sleep(Duration::from_millis(*ms)).await;
    }
    page(&format!(
        "Council votes to close the Old Mill bridge ({slug})"
    ))
}

async fn slow() -> Response {
    tokio::time::sleep(Duration::from_secs(4)).await;
    page("Too late")
}

async fn huge() -> Response {
    let filler = "<p>Filler paragraph that goes on and on.</p>".repeat(50_000);
    let html = PAGE
        .replace("{TITLE}", "Huge")
        .replace("</main>", &format!("{filler}</main>"));
    ([(header::CONTENT_TYPE, "text/html")], html).into_response()
}

/// `html` compressed as `encoding` says (`gzip` or `br`).
fn compressed(encoding: &str, html: String) -> Response {
    use std::io::Write;
    let body = if encoding == "gzip" {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(html.as_bytes()).unwrap();
        gz.finish().unwrap()
    } else {
        let mut out = Vec::new();
        brotli::BrotliCompress(&mut html.as_bytes(), &mut out, &Default::default()).unwrap();
        out
    };
    (
        [
            (header::CONTENT_TYPE, "text/html"),
            (header::CONTENT_ENCODING, encoding),
        ],
        body,
    )
        .into_response()
}

async fn flaky(State(site): State<Site>, Path(slug): Path<String>) -> Response {
    if site.hits(&format!("/flaky/{slug}")) == 1 {
        return (StatusCode::SERVICE_UNAVAILABLE, "busy").into_response();
    }
    page("Back again")
}

async fn feed(State(_): State<Site>, headers: axum::http::HeaderMap) -> Response {
    let host = headers
        .get(header::HOST)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let items: String = ["one", "two", "three"]
        .iter()
        .map(|slug| {
            format!(
                "<item><guid>urn:story:{slug}</guid><link>http://{host}/news/{slug}</link>\
                 <description>The council voted to close the bridge. Read more.</description></item>"
            )
        })
        .collect();
    let rss = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Courier</title>\
         <link>http://{host}/</link><description>d</description>{items}</channel></rss>"
    );
    ([(header::CONTENT_TYPE, "application/rss+xml")], rss).into_response()
}

/// A `fetch` transform from `table` (fast defaults for tests), keeping its
/// cache under `state`.
fn transform(
    state: &std::path::Path,
    table: serde_json::Value,
) -> (Arc<dyn Transform>, BuildContext) {
    let mut options = serde_json::json!({"per_host_delay_ms": 0, "timeout_secs": 2});
    options
        .as_object_mut()
        .unwrap()
        .extend(table.as_object().unwrap().clone());
    let config: FetchConfig = serde_json::from_value(options).unwrap();
    let cx = BuildContext::new(newsflow_core::StageKey::transform("fetch"), state);
    (config.build(&cx).unwrap(), cx)
}

fn teaser(id: &str, url: &str) -> Article {
    let mut article = Article::from_text(id, "The council voted to close the bridge.").unwrap();
    article.url = Some(url.to_owned());
    article
}

/// Applies the transform on a blocking thread, as the runtime does.
async fn apply(transform: &Arc<dyn Transform>, mut article: Article) -> Article {
    let transform = transform.clone();
    tokio::task::spawn_blocking(move || {
        transform.apply(&mut article).expect("fetch never rejects");
        article
    })
    .await
    .unwrap()
}

/// Applies the transform to a teaser for each of `urls` at once (ids `0`,
/// `1`, ...), as the runtime's workers do; the articles in that order.
async fn apply_at_once(
    transform: &Arc<dyn Transform>,
    urls: impl Iterator<Item = String>,
) -> Vec<Article> {
    let tasks: Vec<_> = urls
        .enumerate()
        .map(|(i, url)| {
            let transform = transform.clone();
            tokio::spawn(async move { apply(&transform, teaser(&i.to_string(), &url)).await })
        })
        .collect();
    let mut articles = Vec::new();
    for task in tasks {
        articles.push(task.await.unwrap());
    }
    articles
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_teaser_becomes_the_article_text_and_the_page_fills_what_it_lacked() {
    let (site, base) = Site::start().await;
    let state = tempfile::tempdir().unwrap();
    let (fetch, cx) = transform(state.path(), serde_json::json!({}));
    let url = format!("{base}/news/bridge");
    let article = apply(&fetch, teaser("a1", &url)).await;

    let body = &article.body;
    let kept = [
        "voted eleven to four",
        "lost a fifth of its load capacity",
        "Peter Holm",
        "public consultation",
    ];
    let missing: Vec<_> = kept.iter().filter(|k| !body.contains(*k)).collect();
    assert!(missing.is_empty(), "{missing:?} missing from {body}");
    let dropped = [
        "cookies",
        "Advertisement",
        "Subscribe today",
        "Related stories",
        "riverwatcher",
        "comment",
        "Copyright",
        "Share on",
    ];
    let left: Vec<_> = dropped.iter().filter(|d| body.contains(*d)).collect();
    assert!(left.is_empty(), "{left:?} kept in {body}");
    assert_eq!(
        article.title.as_deref(),
        Some("Council votes to close the Old Mill bridge (bridge)")
    );
    assert_eq!(
        article
            .published_at
            .map(|d| d.to_utc().to_rfc3339())
            .as_deref(),
        Some("2025-06-10T05:30:00+00:00")
    );
    assert_eq!(
        article.metadata.as_ref().unwrap()["authors"],
        serde_json::json!(["Maria Lindqvist"])
    );
    assert_eq!(
        article.extra["fetch"]["teaser"],
        "The council voted to close the bridge."
    );
    assert_eq!(article.extra["fetch"]["cached"], false);
    assert_eq!(article.extra["fetch"]["url"], url);
    assert_eq!(cx.skipped.get(), 0);

    // A redirect is followed; the record names where the page was found.
    let moved = apply(&fetch, teaser("a4", &format!("{base}/moved"))).await;
    assert_eq!(moved.extra["fetch"]["url"], format!("{base}/news/moved"));
    assert!(moved.body.contains("Peter Holm"));

    // A long body is not a teaser: not fetched, not marked.
    let mut long = teaser("a2", &format!("{base}/news/long"));
    long.body = "A full report. ".repeat(40);
    let untouched = apply(&fetch, long.clone()).await;
    assert_eq!(untouched.body, long.body);
    assert!(!untouched.extra.contains_key("fetch"));
    assert_eq!(site.hits("/news/long"), 0);

    // What the article had is kept; the page only fills gaps.
    let mut titled = teaser("a3", &format!("{base}/news/titled"));
    titled.title = Some("The wire's headline".into());
    titled.metadata =
        Some(serde_json::from_value(serde_json::json!({"authors": ["Wire Staff"]})).unwrap());
    let titled = apply(&fetch, titled).await;
    assert_eq!(titled.title.as_deref(), Some("The wire's headline"));
    assert_eq!(
        titled.metadata.unwrap()["authors"],
        serde_json::json!(["Wire Staff"])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compressed_pages_are_read_and_the_size_limit_counts_what_they_unpack_to() {
    let (_site, base) = Site::start().await;
    let state = tempfile::tempdir().unwrap();
    let (fetch, _) = transform(state.path(), serde_json::json!({"max_page_bytes": 200_000}));
    for path in ["/gzip/a", "/br/a"] {
        let article = apply(&fetch, teaser(path, &format!("{base}{path}"))).await;
        assert!(
            article.body.contains("Peter Holm"),
            "{path}: {:?}",
            article.extra["fetch"]
        );
    }
    // 1.1 MB of markup in a few kilobytes of gzip.
    let bomb = apply(&fetch, teaser("bomb", &format!("{base}/bomb"))).await;
    let error = bomb.extra["fetch"]["error"].as_str().unwrap_or_default();
    assert!(error.contains("larger than 200000 bytes"), "{error:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_page_is_not_fetched_again_after_a_reload() {
    let (site, base) = Site::start().await;
    let state = tempfile::tempdir().unwrap();
    let url = format!("{base}/news/cached");
    let (fetch, _) = transform(state.path(), serde_json::json!({}));
    let first = apply(&fetch, teaser("c1", &url)).await;
    let again = apply(&fetch, teaser("c2", &url)).await;
    // A new stage on the same state directory: a reload, or a restart.
    let (rebuilt, _) = transform(state.path(), serde_json::json!({}));
    let third = apply(&rebuilt, teaser("c3", &url)).await;
    assert_eq!(site.hits("/news/cached"), 1);
    assert_eq!(again.extra["fetch"]["cached"], true);
    assert_eq!(third.extra["fetch"]["cached"], true);
    assert_eq!(first.body, third.body);
    // Without the cache every article is fetched.
    let (uncached, _) = transform(state.path(), serde_json::json!({"cache": false}));
    apply(&uncached, teaser("c4", &url)).await;
    assert_eq!(site.hits("/news/cached"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_that_fail_keep_the_teaser_with_the_reason_and_are_counted() {
    let (site, base) = Site::start().await;
    let state = tempfile::tempdir().unwrap();
    let quick_and_small = serde_json::json!({"timeout_secs": 1, "retries": 0, "max_page_bytes": 200_000, "max_redirects": 3});
    let (fetch, cx) = transform(state.path(), quick_and_small);
    let cases = [
        ("/missing", "HTTP 404"),
        ("/slow", "timed out"),
        ("/huge", "larger than 200000 bytes"),
        ("/loop", "too many redirects"),
        ("/private/secret", "robots.txt disallows"),
        // A redirect's target is checked against robots.txt too.
        ("/sneaky", "robots.txt disallows"),
    ];
    for (path, reason) in cases {
        let article = apply(&fetch, teaser(path, &format!("{base}{path}"))).await;
        assert_eq!(
            article.body, "The council voted to close the bridge.",
            "{path}"
        );
        let error = article.extra["fetch"]["error"].as_str().unwrap_or_default();
        assert!(
            error.contains(reason),
            "{path}: {error:?} does not say {reason:?}"
        );
    }
    let mut no_scheme = teaser("ftp", "ftp://example.test/a");
    no_scheme = apply(&fetch, no_scheme).await;
    assert!(no_scheme.extra["fetch"]["error"]
        .as_str()
        .unwrap()
        .contains("not an http(s) URL"));
    assert_eq!(cx.skipped.get(), cases.len() as u64 + 1);
    assert_eq!(site.hits("/private/secret"), 0, "robots.txt was not obeyed");
    assert_eq!(
        site.hits("/private/sneaky"),
        0,
        "robots.txt was not obeyed after a redirect"
    );
    assert_eq!(
        site.hits("/robots.txt"),
        1,
        "robots.txt is read once per host"
    );
    assert_eq!(
        site.hits("/loop"),
        4,
        "the first request and three redirects"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_that_may_pass_is_retried() {
    let (site, base) = Site::start().await;
    let state = tempfile::tempdir().unwrap();
    let (fetch, _) = transform(state.path(), serde_json::json!({"retries": 2}));
    let article = apply(&fetch, teaser("f", &format!("{base}/flaky/a"))).await;
    assert!(
        article.extra["fetch"].get("error").is_none(),
        "{:?}",
        article.extra["fetch"]
    );
    assert_eq!(site.hits("/flaky/a"), 2);
    // Without retries, the 503 is the answer.
    let (once, _) = transform(
        state.path(),
        serde_json::json!({"retries": 0, "cache": false}),
    );
    let failed = apply(&once, teaser("g", &format!("{base}/flaky/b"))).await;
    assert!(failed.extra["fetch"]["error"]
        .as_str()
        .unwrap()
        .contains("503"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_never_sees_more_than_the_per_host_limit() {
    let (site, base) = Site::start().await;
    let state = tempfile::tempdir().unwrap();
    let (fetch, _) = transform(state.path(), serde_json::json!({"per_host_concurrency": 2}));
    // Eight articles at once, each page answered after 150 ms.
    let urls = (0..8).map(|i| format!("{base}/news/p{i}?wait_ms=150"));
    for article in apply_at_once(&fetch, urls).await {
        assert!(
            article.extra["fetch"].get("error").is_none(),
            "{:?}",
            article.extra["fetch"]
        );
    }
    assert_eq!(site.most_in_flight.load(Ordering::SeqCst), 2);
    // With a limit of four the same load reaches four.
    site.most_in_flight.store(0, Ordering::SeqCst);
    let (wider, _) = transform(
        state.path(),
        serde_json::json!({"per_host_concurrency": 4, "cache": false}),
    );
    let urls = (0..8).map(|i| format!("{base}/news/q{i}?wait_ms=150"));
    apply_at_once(&wider, urls).await;
    assert_eq!(site.most_in_flight.load(Ordering::SeqCst), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_to_one_host_start_at_least_the_delay_apart() {
    let (site, base) = Site::start().await;
    let state = tempfile::tempdir().unwrap();
    let (fetch, _) = transform(
        state.path(),
        serde_json::json!({"per_host_concurrency": 4, "per_host_delay_ms": 300}),
    );
    apply_at_once(&fetch, (0..4).map(|i| format!("{base}/news/d{i}"))).await;
    // robots.txt and four pages, as the server saw them arrive (a little
    // less than the delay allowed for the loopback's own jitter).
    let arrivals = site.arrivals.lock().unwrap().clone();
    assert_eq!(arrivals.len(), 5);
    for pair in arrivals.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= Duration::from_millis(250), "requests {gap:?} apart");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_of_teasers_arrives_with_the_full_text() {
    let (site, base) = Site::start().await;
    let scratch = Scratch::new();
    let config = scratch.pipeline(&format!(
        "[sources.news]\ntype = \"feed\"\nurls = [\"{base}/feed.xml\"]\ninterval_secs = 60\n\n\
         [transforms.fetch]\ntype = \"fetch\"\ninputs = [\"news\"]\nconcurrency = 4\n\
         per_host_delay_ms = 0\n\n{}",
        scratch.out_sink("fetch")
    ));
    let running = start(scratch.dir.path(), &config);
    let out = scratch.path("out.jsonl");
    wait_until("three articles written", {
        let out = out.clone();
        move || read_jsonl(&out).len() >= 3
    })
    .await;
    running.stop().await;
    let articles = read_jsonl(&out);
    assert_eq!(articles.len(), 3);
    for article in &articles {
        let body = article["body"].as_str().unwrap();
        assert!(body.contains("lost a fifth of its load capacity"), "{body}");
        assert_eq!(
            article["fetch"]["teaser"],
            "The council voted to close the bridge. Read more."
        );
        assert!(article["title"]
            .as_str()
            .unwrap()
            .starts_with("Council votes"));
    }
    for slug in ["one", "two", "three"] {
        assert_eq!(site.hits(&format!("/news/{slug}")), 1);
    }
    assert!(scratch.read("dead.jsonl").is_empty());
    // The cache is the stage's own directory under the state directory.
    assert!(scratch.path("state/transforms.fetch").is_dir());
}
