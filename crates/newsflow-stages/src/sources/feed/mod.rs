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

mod memory;
mod parse;

use crate::net::{body_excerpt, error_chain, retry_after, Redirects};
use crate::values::HttpUrl;
use memory::{Ledger, Validators};
use newsflow_core::{
    Backoff, BoxError, BuildContext, Checkpoints, DeadLetter, FieldError, Outcome, Settled, Source,
    SourceConfig, SourceContext,
};
use parse::{fnv1a, parse_feed, Item};
use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use serde::Deserialize;
use std::collections::HashSet;
use std::num::{NonZeroU64, NonZeroUsize};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// `type = "feed"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedConfig {
    /// Feed URLs polled every `interval_secs`.
    #[serde(default)]
    pub urls: Vec<HttpUrl>,
    /// Feeds with an interval of their own (`[[sources.NAME.feeds]]` tables
    /// with `url` and optionally `interval_secs`).
    #[serde(default)]
    pub feeds: Vec<FeedEntry>,
    /// Seconds between two fetches of a feed (default 300).
    #[serde(default = "default_interval_secs")]
    pub interval_secs: NonZeroU64,
    /// Seconds a fetch may take, connecting included (default 30).
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: NonZeroU64,
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
    pub remember_items: NonZeroUsize,
    /// The largest item text read as an article, in bytes (default 10 MiB);
    /// a larger item is dead-lettered (its id, title and links, not its text).
    #[serde(default = "super::default_max_article_bytes")]
    pub max_article_bytes: NonZeroUsize,
}

/// One `[[sources.NAME.feeds]]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedEntry {
    /// The feed's URL.
    pub url: HttpUrl,
    /// Seconds between two fetches of this feed (default: the source's
    /// `interval_secs`).
    #[serde(default)]
    pub interval_secs: Option<NonZeroU64>,
}

fn default_interval_secs() -> NonZeroU64 {
    NonZeroU64::new(300).expect("not zero")
}

fn default_timeout_secs() -> NonZeroU64 {
    NonZeroU64::new(30).expect("not zero")
}

fn default_max_backoff_secs() -> u64 {
    3600
}

fn default_max_feed_bytes() -> usize {
    10 * 1024 * 1024
}

fn default_remember_items() -> NonZeroUsize {
    NonZeroUsize::new(10_000).expect("not zero")
}

impl FeedConfig {
    /// Every feed: those of `urls`, then the `[[feeds]]` tables.
    fn entries(&self) -> impl Iterator<Item = FeedEntry> + '_ {
        let listed = self.urls.iter().map(|url| FeedEntry {
            url: url.clone(),
            interval_secs: None,
        });
        listed.chain(self.feeds.iter().cloned())
    }
}

impl SourceConfig for FeedConfig {
    fn checkpoints(&self) -> bool {
        true
    }

    fn check(&self) -> Result<(), FieldError> {
        if self.urls.is_empty() && self.feeds.is_empty() {
            return Err(FieldError {
                path: "urls".into(),
                message: "no feeds: set `urls` or add `[[feeds]]` tables".into(),
            });
        }
        let mut seen = HashSet::new();
        for url in self.entries().map(|entry| entry.url) {
            if !seen.insert(url.clone()) {
                return Err(FieldError {
                    path: "urls".into(),
                    message: format!("{url} is listed twice"),
                });
            }
        }
        Ok(())
    }

    fn build(&self, cx: &BuildContext) -> Result<Box<dyn Source>, BoxError> {
        let feeds = self
            .entries()
            .map(|entry| FeedSpec {
                key: entry.url.to_string(),
                url: entry.url.url().clone(),
                interval: Duration::from_secs(
                    entry.interval_secs.unwrap_or(self.interval_secs).get(),
                ),
            })
            .collect();
        let ledger = Ledger::open(&cx.state_path(), self.remember_items.get())?;
        Ok(Box::new(FeedSource {
            feeds,
            client: crate::net::client(
                Duration::from_secs(self.timeout_secs.get()),
                Redirects::Follow,
            )?,
            ledger: Arc::new(Mutex::new(ledger)),
            max_backoff: Duration::from_secs(self.max_backoff_secs),
            max_feed_bytes: self.max_feed_bytes,
            max_article_bytes: self.max_article_bytes.get(),
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
        let (checkpoints, mut settled) = cx.checkpoints::<(String, String)>();
        let this = &*self;
        // The polls end at shutdown, and then let go of the outputs (so the
        // pipeline drains) and of the checkpoints; the settling goes on
        // until every item in flight has settled. Never cancelled midway, so
        // nothing settled is left unrecorded when the source returns.
        let polls = async move {
            let polls = this
                .feeds
                .iter()
                .map(|feed| this.poll_forever(&cx, feed, &checkpoints));
            futures::future::join_all(polls).await;
        };
        let settling = async {
            while let Some(first) = settled.recv().await {
                this.settle(first, &mut settled).await;
            }
        };
        tokio::join!(polls, settling);
        Ok(())
    }
}

impl FeedSource {
    /// Records how the items' deliveries ended (`first` and all in by now),
    /// off the async workers: the ledger appends to a file.
    async fn settle(
        &self,
        first: ((String, String), Outcome),
        settled: &mut Settled<(String, String)>,
    ) {
        let mut outcomes = settled.ready();
        outcomes.insert(0, first);
        let ledger = self.ledger.clone();
        let done = tokio::task::spawn_blocking(move || {
            let mut ledger = ledger.lock().unwrap_or_else(|p| p.into_inner());
            for ((feed, item), outcome) in outcomes {
                ledger.settle(&feed, &item, outcome);
            }
        })
        .await;
        if let Err(e) = done {
            tracing::error!(error = %e, "cannot record delivered feed items");
        }
    }

    async fn poll_forever(
        &self,
        cx: &SourceContext,
        feed: &FeedSpec,
        checkpoints: &Checkpoints<(String, String)>,
    ) {
        let backoff = self.backoff(feed.interval);
        let mut delays = backoff.delays();
        let mut last_dead_lettered: Option<u64> = None;
        loop {
            let polled = tokio::select! {
                polled = self.poll(cx, feed, checkpoints, &mut last_dead_lettered) => polled,
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
        checkpoints: &Checkpoints<(String, String)>,
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
        // Off the async workers: committing validators writes a file.
        let (ledger, key) = (self.ledger.clone(), feed.key.clone());
        let fresh = tokio::task::spawn_blocking(move || {
            let mut ledger = ledger.lock().unwrap_or_else(|p| p.into_inner());
            let memory = ledger.feeds.entry(key.clone()).or_default();
            let fresh: Vec<Item> = parsed
                .into_iter()
                .rev()
                .filter(|item| {
                    !memory.delivered.contains(&item.id) && memory.in_flight.insert(item.id.clone())
                })
                .collect();
            memory.candidate = Some(validators);
            ledger.commit_validators(&key);
            fresh
        })
        .await
        .map_err(|e| FetchFailure {
            reason: format!("cannot check the items against the ledger: {e}"),
            retry_after: None,
        })?;
        if !fresh.is_empty() {
            tracing::info!(source = %cx.name, feed = %feed.key, items = fresh.len(), "new feed items");
        }
        for item in fresh {
            let delivery = checkpoints.track((feed.key.clone(), item.id.clone()));
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
