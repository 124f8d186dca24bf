//! `feed`: polls RSS, Atom and JSON Feed URLs and emits their new items.
//!
//! Each feed is fetched every `interval_secs` with a conditional GET (the
//! last `ETag` and `Last-Modified`); a failed fetch (timeout, HTTP error,
//! malformed feed) waits longer each time: the shared [`Backoff`] policy,
//! from twice the interval, doubling up to `max_backoff_secs`, jittered. An item becomes an article: its guid (or
//! link) is the id; title, link, published (or updated) date, language and
//! feed title carry over; the content (or else the summary) with HTML turned
//! into text is the body. An item with neither goes to the dead-letter sink,
//! as does a malformed feed (once per distinct document).
//!
//! Items are remembered as delivered in `delivered.jsonl` under the stage's
//! state directory only once every sink has written them, so a crash or a
//! stopped pipeline re-emits what was not written (at least once). The
//! conditional-GET validators (`validators.json`) are saved only when every
//! item fetched with them is delivered, so a restart never skips an item
//! behind a `304 Not Modified`.

use crate::html_text::html_to_text;
use crate::net::{body_excerpt, error_chain, retry_after, Redirects};
use newsflow_core::{
    Article, Backoff, BoxError, BuildContext, DeadLetter, Outcome, Source, SourceConfig,
    SourceContext,
};
use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// `type = "feed"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    /// Feed URLs polled every `interval_secs`.
    #[serde(default)]
    pub urls: Vec<String>,
    /// Feeds with an interval of their own (`[[sources.NAME.feeds]]` tables
    /// with `url` and optionally `interval_secs`).
    #[serde(default)]
    pub feeds: Vec<FeedEntry>,
    /// Seconds between two fetches of a feed (default 300).
    #[serde(default = "default_interval_secs")]
    pub interval_secs: u64,
    /// Seconds a fetch may take, connecting included (default 30).
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
    /// The longest wait after repeated failures, in seconds (default 3600;
    /// never shorter than the feed's interval).
    #[serde(default = "default_max_backoff_secs")]
    pub max_backoff_secs: u64,
    /// The largest feed document read, in bytes (default 10 MiB); a bigger
    /// one counts as a failed fetch.
    #[serde(default = "default_max_feed_bytes")]
    pub max_feed_bytes: usize,
    /// How many delivered item ids are remembered per feed (default 10000);
    /// the oldest are forgotten past that. Keep it well above the number of
    /// items a feed lists at once.
    #[serde(default = "default_remember_items")]
    pub remember_items: usize,
    /// The largest item text read as an article, in bytes (default 10 MiB);
    /// a larger item is dead-lettered (its id, title and links, not its text).
    #[serde(default = "super::default_max_article_bytes")]
    pub max_article_bytes: usize,
}

/// One `[[sources.NAME.feeds]]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedEntry {
    /// The feed's URL.
    pub url: String,
    /// Seconds between two fetches of this feed (default: the source's
    /// `interval_secs`).
    #[serde(default)]
    pub interval_secs: Option<u64>,
}

fn default_interval_secs() -> u64 {
    300
}

fn default_timeout_secs() -> u64 {
    30
}

fn default_max_backoff_secs() -> u64 {
    3600
}

fn default_max_feed_bytes() -> usize {
    10 * 1024 * 1024
}

fn default_remember_items() -> usize {
    10_000
}

const LEDGER_FILE: &str = "delivered.jsonl";
const VALIDATORS_FILE: &str = "validators.json";

impl SourceConfig for FeedConfig {
    fn checkpoints(&self) -> bool {
        true
    }

    fn build(&self, cx: &BuildContext) -> Result<Box<dyn Source>, BoxError> {
        let entries = self.urls.iter().map(|url| FeedEntry {
            url: url.clone(),
            interval_secs: None,
        });
        let mut feeds = Vec::new();
        let mut seen = HashSet::new();
        for entry in entries.chain(self.feeds.iter().cloned()) {
            let url = reqwest::Url::parse(&entry.url)
                .map_err(|e| format!("{:?} is not a URL: {e}", entry.url))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(format!("{url}: feeds are fetched over http:// or https://").into());
            }
            if !seen.insert(entry.url.clone()) {
                return Err(format!("{} is listed twice", entry.url).into());
            }
            let interval = entry.interval_secs.unwrap_or(self.interval_secs);
            if interval == 0 {
                return Err(
                    format!("{}: the interval must be at least 1 second", entry.url).into(),
                );
            }
            feeds.push(FeedSpec {
                key: entry.url,
                url,
                interval: Duration::from_secs(interval),
            });
        }
        if feeds.is_empty() {
            return Err("no feeds: set `urls` or add `[[feeds]]` tables".into());
        }
        if self.timeout_secs == 0 {
            return Err("`timeout_secs` must be at least 1".into());
        }
        if self.remember_items == 0 {
            return Err("`remember_items` must be at least 1".into());
        }
        let state = cx.state_path();
        std::fs::create_dir_all(&state)
            .map_err(|e| format!("cannot create {}: {e}", state.display()))?;
        let ledger = Ledger::open(&state, self.remember_items)?;
        Ok(Box::new(FeedSource {
            feeds,
            client: crate::net::client(Duration::from_secs(self.timeout_secs), Redirects::Follow)?,
            ledger: Arc::new(Mutex::new(ledger)),
            max_backoff: Duration::from_secs(self.max_backoff_secs),
            max_feed_bytes: self.max_feed_bytes,
            max_article_bytes: self.max_article_bytes,
        }))
    }
}

struct FeedSpec {
    /// The URL as configured: the key in the state files.
    key: String,
    url: reqwest::Url,
    interval: Duration,
}

struct FeedSource {
    feeds: Vec<FeedSpec>,
    client: reqwest::Client,
    ledger: Arc<Mutex<Ledger>>,
    max_backoff: Duration,
    max_feed_bytes: usize,
    max_article_bytes: usize,
}

/// A feed's conditional-GET validators.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Validators {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_modified: Option<String>,
}

/// One line of the delivered-items file.
#[derive(Serialize, Deserialize)]
struct LedgerLine {
    feed: String,
    item: String,
}

/// What the source remembers of one feed.
#[derive(Default)]
struct FeedMemory {
    delivered: HashSet<String>,
    /// Delivered ids, oldest first, to forget the oldest past the cap.
    order: VecDeque<String>,
    /// Emitted, not yet settled: not emitted again meanwhile.
    in_flight: HashSet<String>,
    /// Validators in use: every item fetched with them is delivered.
    validators: Validators,
    /// Validators of a later fetch, used once its items are delivered.
    candidate: Option<Validators>,
}

/// Delivered items and validators, in memory and under the state directory.
struct Ledger {
    dir: PathBuf,
    file: std::fs::File,
    feeds: HashMap<String, FeedMemory>,
    remember: usize,
    /// Lines in the file; it is rewritten when far above what is kept.
    lines: usize,
}

impl Ledger {
    fn open(dir: &Path, remember: usize) -> Result<Ledger, BoxError> {
        let path = dir.join(LEDGER_FILE);
        let mut feeds: HashMap<String, FeedMemory> = HashMap::new();
        let mut lines = 0;
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                // Cut a torn last line off, or the next append would be
                // glued to it and lost too.
                if !text.is_empty() && !text.ends_with('\n') {
                    let keep = text.rfind('\n').map_or(0, |i| i + 1);
                    open_append(&path)?.set_len(keep as u64)?;
                }
                for line in text.lines() {
                    lines += 1;
                    // A torn last line (a crash mid-write) only means an
                    // item is emitted again: at least once.
                    let Ok(LedgerLine { feed, item }) = serde_json::from_str(line) else {
                        continue;
                    };
                    let memory = feeds.entry(feed).or_default();
                    if memory.delivered.insert(item.clone()) {
                        memory.order.push_back(item);
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot read {}: {e}", path.display()).into()),
        }
        let validators_path = dir.join(VALIDATORS_FILE);
        match std::fs::read(&validators_path) {
            Ok(bytes) => {
                let saved: BTreeMap<String, Validators> = serde_json::from_slice(&bytes)
                    .map_err(|e| format!("cannot read {}: {e}", validators_path.display()))?;
                for (feed, validators) in saved {
                    feeds.entry(feed).or_default().validators = validators;
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot read {}: {e}", validators_path.display()).into()),
        }
        let file = open_append(&path)?;
        let mut ledger = Ledger {
            dir: dir.to_owned(),
            file,
            feeds,
            remember,
            lines,
        };
        for memory in ledger.feeds.values_mut() {
            forget_oldest(memory, remember);
        }
        ledger.compact_if_large()?;
        Ok(ledger)
    }

    /// Rewrites the file with only what is remembered when it holds more
    /// than twice that (plus slack, so small files are left alone).
    fn compact_if_large(&mut self) -> std::io::Result<()> {
        let kept: usize = self.feeds.values().map(|m| m.order.len()).sum();
        if self.lines <= 2 * kept + 1000 {
            return Ok(());
        }
        let mut text = String::new();
        for (feed, memory) in &self.feeds {
            for item in &memory.order {
                let line = LedgerLine {
                    feed: feed.clone(),
                    item: item.clone(),
                };
                text.push_str(&serde_json::to_string(&line).unwrap_or_default());
                text.push('\n');
            }
        }
        let path = self.dir.join(LEDGER_FILE);
        write_atomically(&path, text.as_bytes())?;
        self.file = open_append(&path)?;
        self.lines = kept;
        Ok(())
    }

    /// Records how an emitted item's delivery ended.
    fn settle(&mut self, feed: &str, item: &str, outcome: Outcome) {
        let memory = self.feeds.entry(feed.to_owned()).or_default();
        memory.in_flight.remove(item);
        match outcome {
            Outcome::Delivered => {
                if memory.delivered.insert(item.to_owned()) {
                    memory.order.push_back(item.to_owned());
                    forget_oldest(memory, self.remember);
                    self.append(feed, item);
                }
            }
            // Validators fetched with a failed item would hide it behind a
            // 304: drop them, the next fetch is made with the older ones.
            Outcome::Failed => memory.candidate = None,
        }
        self.commit_validators(feed);
    }

    /// Appends one delivered item. Not synced: losing the line to a power
    /// failure only means the item is emitted again.
    fn append(&mut self, feed: &str, item: &str) {
        let line = LedgerLine {
            feed: feed.to_owned(),
            item: item.to_owned(),
        };
        let mut text = serde_json::to_string(&line).unwrap_or_default();
        text.push('\n');
        if let Err(e) = self.file.write_all(text.as_bytes()) {
            tracing::warn!(error = %e, dir = %self.dir.display(), "cannot record a delivered feed item; it may be emitted again after a restart");
        }
        self.lines += 1;
        if let Err(e) = self.compact_if_large() {
            tracing::warn!(error = %e, dir = %self.dir.display(), "cannot compact the delivered-items file");
        }
    }

    /// Makes a feed's candidate validators current once nothing fetched
    /// with them is still in flight, and saves them.
    fn commit_validators(&mut self, feed: &str) {
        let Some(memory) = self.feeds.get_mut(feed) else {
            return;
        };
        if !memory.in_flight.is_empty() {
            return;
        }
        let Some(candidate) = memory.candidate.take() else {
            return;
        };
        if candidate == memory.validators {
            return;
        }
        memory.validators = candidate;
        let saved: BTreeMap<&String, &Validators> = self
            .feeds
            .iter()
            .filter(|(_, m)| m.validators != Validators::default())
            .map(|(feed, m)| (feed, &m.validators))
            .collect();
        let text = serde_json::to_vec_pretty(&saved).unwrap_or_default();
        if let Err(e) = write_atomically(&self.dir.join(VALIDATORS_FILE), &text) {
            tracing::warn!(error = %e, dir = %self.dir.display(), "cannot save the feed validators");
        }
    }
}

fn forget_oldest(memory: &mut FeedMemory, remember: usize) {
    while memory.order.len() > remember {
        if let Some(old) = memory.order.pop_front() {
            memory.delivered.remove(&old);
        }
    }
}

fn open_append(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
}

/// Replaces `path` with `bytes` so a crash leaves the old or the new file,
/// never half of one.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temporary = path.with_extension("tmp");
    let mut file = std::fs::File::create(&temporary)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&temporary, path)
}

/// Why a poll did not get a feed.
struct FetchFailure {
    reason: String,
    /// The server's `Retry-After`, when it gave one.
    retry_after: Option<Duration>,
}

enum Fetched {
    NotModified,
    Document {
        bytes: Vec<u8>,
        validators: Validators,
    },
}

#[async_trait::async_trait]
impl Source for FeedSource {
    async fn run(self: Box<Self>, cx: SourceContext) -> Result<(), BoxError> {
        tracing::info!(source = %cx.name, feeds = self.feeds.len(), "polling feeds");
        let polls = self.feeds.iter().map(|feed| self.poll_forever(&cx, feed));
        futures::future::join_all(polls).await;
        Ok(())
    }
}

impl FeedSource {
    async fn poll_forever(&self, cx: &SourceContext, feed: &FeedSpec) {
        let backoff = self.backoff(feed.interval);
        let mut delays = backoff.delays();
        let mut last_dead_lettered: Option<u64> = None;
        loop {
            let polled = tokio::select! {
                polled = self.poll(cx, feed, &mut last_dead_lettered) => polled,
                _ = cx.shutdown.cancelled() => return,
            };
            let wait = match polled {
                Ok(()) => {
                    delays = backoff.delays();
                    feed.interval
                }
                Err(failure) => {
                    let wait = delays
                        .next_delay()
                        .max(failure.retry_after.unwrap_or_default());
                    tracing::warn!(source = %cx.name, feed = %feed.key, reason = %failure.reason, retry_in_secs = wait.as_secs(), "feed fetch failed");
                    wait
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = cx.shutdown.cancelled() => return,
            }
        }
    }

    /// The waits after failures in a row: the interval doubled per failure,
    /// at most `max_backoff` (or the interval when longer), each randomly
    /// shortened by up to half so failing feeds spread out.
    fn backoff(&self, interval: Duration) -> Backoff {
        Backoff {
            initial: interval.saturating_mul(2),
            max: self.max_backoff.max(interval),
            factor: 2.0,
            jitter: true,
        }
    }

    /// Fetches a feed once and emits its new items.
    async fn poll(
        &self,
        cx: &SourceContext,
        feed: &FeedSpec,
        last_dead_lettered: &mut Option<u64>,
    ) -> Result<(), FetchFailure> {
        let validators = self
            .lock()
            .feeds
            .get(&feed.key)
            .map(|m| m.validators.clone());
        let (bytes, validators) = match self.fetch(feed, validators.unwrap_or_default()).await? {
            Fetched::NotModified => {
                tracing::debug!(feed = %feed.key, "not modified");
                return Ok(());
            }
            Fetched::Document { bytes, validators } => (bytes, validators),
        };
        let base = feed.url.to_string();
        let max_article_bytes = self.max_article_bytes;
        let parsed = tokio::task::spawn_blocking(move || {
            let parsed = parse_feed(&bytes, &base, max_article_bytes);
            (bytes, parsed)
        })
        .await;
        let (bytes, parsed) = parsed.map_err(|e| FetchFailure {
            reason: format!("parsing failed: {e}"),
            retry_after: None,
        })?;
        let parsed = match parsed {
            Ok(parsed) => parsed,
            Err(reason) => {
                // A feed that stays broken is kept once, not at every poll.
                let fingerprint = fnv1a(&bytes);
                if *last_dead_lettered != Some(fingerprint) {
                    *last_dead_lettered = Some(fingerprint);
                    let letter = DeadLetter::from_bytes(
                        &cx.name,
                        Some(feed.key.clone()),
                        format!("malformed feed: {reason}"),
                        &bytes,
                    );
                    let _ = cx.dead_letters.send(letter, cx.delivery()).await;
                }
                return Err(FetchFailure {
                    reason: format!("malformed feed: {reason}"),
                    retry_after: None,
                });
            }
        };
        *last_dead_lettered = None;

        // Items neither delivered nor on their way, oldest first (feeds list
        // the newest first).
        let fresh: Vec<Item> = {
            let mut ledger = self.lock();
            let memory = ledger.feeds.entry(feed.key.clone()).or_default();
            let fresh: Vec<Item> = parsed
                .into_iter()
                .rev()
                .filter(|item| {
                    !memory.delivered.contains(&item.id) && memory.in_flight.insert(item.id.clone())
                })
                .collect();
            memory.candidate = Some(validators);
            ledger.commit_validators(&feed.key);
            fresh
        };
        if !fresh.is_empty() {
            tracing::info!(source = %cx.name, feed = %feed.key, items = fresh.len(), "new feed items");
        }
        cx.progress.add_total(fresh.len() as u64);
        for item in fresh {
            let ledger = self.ledger.clone();
            let (key, id) = (feed.key.clone(), item.id.clone());
            let delivery = cx.delivery_then(move |outcome| {
                let mut ledger = ledger.lock().unwrap_or_else(|p| p.into_inner());
                ledger.settle(&key, &id, outcome);
            });
            let sent = match item.article {
                Ok(article) => cx.out.send(article, delivery).await,
                Err((reason, raw)) => {
                    let location = format!("{} item {}", feed.key, item.id);
                    let letter = DeadLetter::from_bytes(&cx.name, Some(location), reason, &raw);
                    cx.dead_letters.send(letter, delivery).await
                }
            };
            if sent.is_err() {
                // The pipeline is stopping; unsent items stay undelivered.
                break;
            }
        }
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Ledger> {
        self.ledger.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn fetch(
        &self,
        feed: &FeedSpec,
        validators: Validators,
    ) -> Result<Fetched, FetchFailure> {
        let failure = |reason: String| FetchFailure {
            reason,
            retry_after: None,
        };
        let mut request = self.client.get(feed.url.clone()).header(
            reqwest::header::ACCEPT,
            "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5",
        );
        if let Some(etag) = &validators.etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if let Some(date) = &validators.last_modified {
            request = request.header(IF_MODIFIED_SINCE, date);
        }
        let mut response = request.send().await.map_err(|e| failure(error_chain(&e)))?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            let retry_after = retry_after(response.headers());
            let excerpt = body_excerpt(response, 512).await;
            return Err(FetchFailure {
                reason: format!("answered {status}: {excerpt}"),
                retry_after,
            });
        }
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let validators = Validators {
            etag: header(ETAG),
            last_modified: header(LAST_MODIFIED),
        };
        let too_big = || {
            failure(format!(
                "the feed is larger than {} bytes (`max_feed_bytes`)",
                self.max_feed_bytes
            ))
        };
        if response
            .content_length()
            .is_some_and(|n| n > self.max_feed_bytes as u64)
        {
            return Err(too_big());
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| failure(format!("reading the feed: {}", error_chain(&e))))?
        {
            if bytes.len() + chunk.len() > self.max_feed_bytes {
                return Err(too_big());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched::Document { bytes, validators })
    }
}

/// A feed item: its id, and the article or why there is none (with the
/// item's fields as JSON for the dead letter).
struct Item {
    id: String,
    article: Result<Article, (String, Vec<u8>)>,
}

/// Reads a feed document into items; items without any id are dropped.
fn parse_feed(bytes: &[u8], base: &str, max_article_bytes: usize) -> Result<Vec<Item>, String> {
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(base))
        .sanitize_content(false)
        .id_generator(|links, title, uri| {
            // No guid: the link is the id, as the item's address is stable;
            // failing that, the feed and the title.
            match (links.first(), title, uri) {
                (Some(link), _, _) => link.href.clone(),
                (None, Some(title), Some(uri)) => {
                    feed_rs::parser::generate_id_from_uri_and_title(uri, title)
                }
                _ => String::new(),
            }
        })
        .build();
    let feed = parser.parse(bytes).map_err(|e| e.to_string())?;
    let source = feed
        .title
        .as_ref()
        .map(text_of)
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| base.to_owned());
    let mut items = Vec::with_capacity(feed.entries.len());
    for entry in feed.entries {
        let body = entry
            .content
            .as_ref()
            .and_then(|content| {
                let body = content.body.as_deref()?;
                Some(if is_plain(content.content_type.as_ref()) {
                    body.trim().to_owned()
                } else {
                    html_to_text(body)
                })
            })
            .filter(|b| !b.is_empty())
            .or_else(|| entry.summary.as_ref().map(text_of))
            .filter(|b| !b.is_empty());
        let title = entry.title.as_ref().map(text_of).filter(|t| !t.is_empty());
        let url = entry
            .links
            .iter()
            .find(|l| matches!(l.rel.as_deref(), None | Some("alternate")))
            .or(entry.links.first())
            .map(|l| l.href.clone());
        let mut id = entry.id.trim().to_owned();
        if id.is_empty() {
            // Nothing names the item: its text does.
            match &body {
                Some(body) => id = format!("{base}#{:016x}", fnv1a(body.as_bytes())),
                None => continue,
            }
        }
        let mut metadata = Map::new();
        metadata.insert("feed_url".into(), Value::from(base));
        let authors: Vec<Value> = entry
            .authors
            .iter()
            .filter_map(|p| p.name.clone())
            .map(Value::from)
            .collect();
        if !authors.is_empty() {
            metadata.insert("authors".into(), Value::from(authors));
        }
        let categories: Vec<Value> = entry
            .categories
            .iter()
            .map(|c| Value::from(c.label.clone().unwrap_or_else(|| c.term.clone())))
            .collect();
        if !categories.is_empty() {
            metadata.insert("categories".into(), Value::from(categories));
        }
        let published_at = entry.published.or(entry.updated).map(|d| d.fixed_offset());
        let language = entry.language.clone().or_else(|| feed.language.clone());
        let article_id = article_id(&id, base);
        let article = match body {
            None => Err("the item has neither content nor a summary".to_owned()),
            Some(body) if body.len() > max_article_bytes => Err(format!(
                "the item's text is {} bytes, over the limit of {max_article_bytes} bytes (max_article_bytes)",
                body.len()
            )),
            Some(body) => Article::from_text(article_id.clone(), body)
                .map(|mut article| {
                    article.title = title;
                    article.url = url;
                    article.published_at = published_at;
                    article.source = Some(source.clone());
                    article.language = language;
                    article.metadata = Some(metadata);
                    article
                })
                .map_err(|e| e.to_string()),
        };
        let article = article.map_err(|reason| {
            let links: Vec<&str> = entry.links.iter().map(|l| l.href.as_str()).collect();
            let title = entry.title.as_ref().map(|t| t.content.as_str());
            let raw = serde_json::json!({ "id": article_id, "title": title, "links": links });
            (reason, raw.to_string().into_bytes())
        });
        items.push(Item { id, article });
    }
    Ok(items)
}

/// The article id of a feed item: a guid that is an address of its own
/// (`https://host/...`, `urn:...`, `tag:...`) is unique everywhere and kept,
/// so one story listed in two feeds is one article; any other guid ("1",
/// "wire-3") is unique only within its feed and is prefixed with the feed's
/// URL: `https://example.com/rss.xml#1`.
fn article_id(guid: &str, feed: &str) -> String {
    let global = reqwest::Url::parse(guid)
        .is_ok_and(|url| url.has_host() || matches!(url.scheme(), "urn" | "tag"));
    if global {
        guid.to_owned()
    } else {
        format!("{feed}#{guid}")
    }
}

/// Plain text stays as it is; anything else (HTML, XHTML) is rendered.
fn is_plain(content_type: &str) -> bool {
    content_type.starts_with("text/plain")
}

fn text_of(text: &feed_rs::model::Text) -> String {
    if is_plain(text.content_type.as_ref()) {
        text.content.trim().to_owned()
    } else {
        html_to_text(&text.content)
    }
}

/// FNV-1a: a small hash that stays the same across builds and runs (the
/// standard library's does not promise to).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validators(etag: &str) -> Validators {
        Validators {
            etag: Some(etag.to_owned()),
            last_modified: None,
        }
    }

    #[test]
    fn a_torn_line_is_skipped_and_delivered_items_are_remembered() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(LEDGER_FILE),
            "{\"feed\":\"f\",\"item\":\"a\"}\n{\"feed\":\"f\",\"ite",
        )
        .unwrap();
        let mut ledger = Ledger::open(dir.path(), 100).unwrap();
        assert!(ledger.feeds["f"].delivered.contains("a"));
        ledger.settle("f", "b", Outcome::Delivered);
        ledger.settle("f", "c", Outcome::Failed);
        drop(ledger);
        let ledger = Ledger::open(dir.path(), 100).unwrap();
        let delivered = &ledger.feeds["f"].delivered;
        assert!(delivered.contains("a") && delivered.contains("b") && !delivered.contains("c"));
    }

    #[test]
    fn validators_wait_until_every_item_is_delivered() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(dir.path(), 100).unwrap();
        let memory = ledger.feeds.entry("f".into()).or_default();
        memory.in_flight.extend(["a".to_owned(), "b".to_owned()]);
        memory.candidate = Some(validators("v1"));
        ledger.settle("f", "a", Outcome::Delivered);
        assert_eq!(ledger.feeds["f"].validators, Validators::default());
        ledger.settle("f", "b", Outcome::Delivered);
        assert_eq!(ledger.feeds["f"].validators, validators("v1"));
        // A failed item drops the validators it was fetched with.
        let memory = ledger.feeds.get_mut("f").unwrap();
        memory.in_flight.insert("c".to_owned());
        memory.candidate = Some(validators("v2"));
        ledger.settle("f", "c", Outcome::Failed);
        assert_eq!(ledger.feeds["f"].validators, validators("v1"));
        drop(ledger);
        let ledger = Ledger::open(dir.path(), 100).unwrap();
        assert_eq!(ledger.feeds["f"].validators, validators("v1"));
    }

    #[test]
    fn the_ledger_forgets_the_oldest_and_compacts() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(dir.path(), 10).unwrap();
        for i in 0..2000 {
            ledger.settle("f", &format!("item{i}"), Outcome::Delivered);
        }
        assert_eq!(ledger.feeds["f"].delivered.len(), 10);
        assert!(ledger.feeds["f"].delivered.contains("item1999"));
        drop(ledger);
        let lines = std::fs::read_to_string(dir.path().join(LEDGER_FILE))
            .unwrap()
            .lines()
            .count();
        assert!(lines <= 2 * 10 + 1000 + 1, "{lines} lines");
        let ledger = Ledger::open(dir.path(), 10).unwrap();
        assert!(ledger.feeds["f"].delivered.contains("item1999"));
        assert!(!ledger.feeds["f"].delivered.contains("item0"));
    }

    #[test]
    fn junk_is_a_malformed_feed_not_a_panic() {
        for junk in [
            &b""[..],
            b"\xff\xfe\x00<",
            b"{\"version\": 7}",
            b"<rss version=\"2.0\"><channel><item><description>\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85</description></item>",
        ] {
            let _ = parse_feed(junk, "http://feeds.test/x", 1 << 20);
        }
        let many_digits = format!(
            "<rss version=\"2.0\"><channel><title>T</title><item><guid>g</guid><description>{}</description></item></channel></rss>",
            "9".repeat(100_000)
        );
        let items = parse_feed(many_digits.as_bytes(), "http://feeds.test/x", 1 << 20).unwrap();
        assert_eq!(items[0].article.as_ref().unwrap().body.len(), 100_000);
        // Over max_article_bytes: refused with the sizes, without its text.
        let items = parse_feed(many_digits.as_bytes(), "http://feeds.test/x", 50_000).unwrap();
        let Err((reason, raw)) = &items[0].article else {
            panic!("an item over the limit was read")
        };
        assert!(
            reason.contains("100000 bytes, over the limit of 50000"),
            "{reason}"
        );
        assert!(raw.len() < 200);
    }

    #[test]
    fn guids_that_are_not_addresses_are_namespaced_by_their_feed() {
        let rss = "<rss version=\"2.0\"><channel><title>T</title>\
                   <item><guid>1</guid><description>One.</description></item>\
                   <item><guid>https://news.test/a</guid><description>A.</description></item>\
                   <item><guid>urn:uuid:5f1c</guid><description>U.</description></item>\
                   </channel></rss>";
        let ids = |feed: &str| -> Vec<String> {
            parse_feed(rss.as_bytes(), feed, 1 << 20)
                .unwrap()
                .into_iter()
                .map(|item| item.article.unwrap().id)
                .collect()
        };
        let first = ids("http://one.test/rss.xml");
        assert_eq!(
            first,
            [
                "http://one.test/rss.xml#1",
                "https://news.test/a",
                "urn:uuid:5f1c"
            ]
        );
        // Another publisher's guid "1" is another article.
        assert_eq!(ids("http://two.test/feed")[0], "http://two.test/feed#1");
    }

    #[test]
    fn an_item_without_guid_link_or_title_is_named_by_its_text() {
        let rss = "<rss version=\"2.0\"><channel><title>T</title>\
                   <item><description>Only text.</description></item>\
                   <item></item></channel></rss>";
        let items = parse_feed(rss.as_bytes(), "http://feeds.test/x", 1 << 20).unwrap();
        assert_eq!(items.len(), 1, "an item with nothing in it is skipped");
        assert!(items[0].id.starts_with("http://feeds.test/x#"));
        let again = parse_feed(rss.as_bytes(), "http://feeds.test/x", 1 << 20).unwrap();
        assert_eq!(items[0].id, again[0].id, "the same text, the same id");
    }
}
