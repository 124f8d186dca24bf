//! `fetch`: the full text behind a teaser. An article whose body is short
//! (or every article, with `always`) has its `url` fetched, politely, and
//! the page's main text becomes its body; the page's title, author and date
//! fill what the article lacks. A page that cannot be fetched or read
//! leaves the teaser in place: the article flows on with `fetch.error`.

mod cache;
mod crawler;
mod page;

pub use page::{extract_article, PageArticle};

use cache::PageCache;
use crawler::{Crawler, Page, Politeness};
use newsflow_core::{
    Article, BoxError, BuildContext, Counter, Rejection, Transform, TransformConfig,
};
use reqwest::header::HeaderValue;
use reqwest::Url;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::num::{NonZeroU64, NonZeroUsize};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// `type = "fetch"`: replaces teasers with the article text of their page.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FetchConfig {
    /// A body shorter than this (in characters) is a teaser and is fetched.
    #[serde(default = "default_min_body_chars")]
    pub min_body_chars: usize,
    /// Fetch every article with a `url`, whatever its body.
    #[serde(default)]
    pub always: bool,
    /// The `User-Agent` sent, also the name robots.txt rules are matched by.
    #[serde(default = "default_user_agent")]
    pub user_agent: UserAgent,
    /// Requests to one host at once.
    #[serde(default = "default_per_host")]
    pub per_host_concurrency: NonZeroUsize,
    /// The least time between the starts of two requests to one host.
    #[serde(default = "default_delay_ms")]
    pub per_host_delay_ms: u64,
    /// Seconds one request may take, connecting and reading included.
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: NonZeroU64,
    /// The largest page read (decompressed); a larger one is not read.
    #[serde(default = "default_max_page_bytes")]
    pub max_page_bytes: NonZeroU64,
    /// Redirects followed for one page (0: none).
    #[serde(default = "default_max_redirects")]
    pub max_redirects: usize,
    /// Attempts after the first at a failure that may pass (a timeout, a
    /// 5xx, a 429), waiting as the shared backoff policy says.
    #[serde(default = "default_retries")]
    pub retries: u32,
    /// Read each host's robots.txt and fetch only what it allows.
    #[serde(default = "yes")]
    pub robots_txt: bool,
    /// Keep fetched pages on disk under the state directory.
    #[serde(default = "yes")]
    pub cache: bool,
    /// How long a cached page is used before it is fetched again.
    #[serde(default = "default_cache_ttl_secs")]
    pub cache_ttl_secs: NonZeroU64,
}

fn default_min_body_chars() -> usize {
    500
}
fn default_user_agent() -> UserAgent {
    UserAgent(HeaderValue::from_static(concat!(
        "newsflow/",
        env!("CARGO_PKG_VERSION")
    )))
}
fn default_per_host() -> NonZeroUsize {
    NonZeroUsize::new(2).expect("nonzero")
}
fn default_delay_ms() -> u64 {
    1000
}
fn default_timeout_secs() -> NonZeroU64 {
    NonZeroU64::new(30).expect("nonzero")
}
fn default_max_page_bytes() -> NonZeroU64 {
    NonZeroU64::new(5 * 1024 * 1024).expect("nonzero")
}
fn default_max_redirects() -> usize {
    5
}
fn default_retries() -> u32 {
    2
}
fn yes() -> bool {
    true
}
fn default_cache_ttl_secs() -> NonZeroU64 {
    NonZeroU64::new(7 * 24 * 3600).expect("nonzero")
}

/// A `User-Agent` value, checked when the config is read: not blank, and
/// only characters an HTTP header may carry.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct UserAgent(HeaderValue);

impl TryFrom<String> for UserAgent {
    type Error = String;

    fn try_from(value: String) -> Result<UserAgent, String> {
        if value.trim().is_empty() {
            return Err("the user agent is blank".into());
        }
        HeaderValue::from_str(&value).map(UserAgent).map_err(|_| {
            format!(
                "`{}` cannot be sent as an HTTP header (control characters or non-ASCII)",
                value.escape_debug()
            )
        })
    }
}

impl TransformConfig for FetchConfig {
    fn build(&self, cx: &BuildContext) -> Result<Arc<dyn Transform>, BoxError> {
        let crawler = Crawler::new(Politeness {
            user_agent: self.user_agent.0.clone(),
            per_host: self.per_host_concurrency.get(),
            delay: Duration::from_millis(self.per_host_delay_ms),
            timeout: Duration::from_secs(self.timeout_secs.get()),
            max_bytes: self.max_page_bytes.get(),
            max_redirects: self.max_redirects,
            retries: self.retries,
            robots: self.robots_txt,
        })?;
        let cache = match self.cache {
            true => Some(PageCache::open(
                &cx.state_path(),
                Duration::from_secs(self.cache_ttl_secs.get()),
            )?),
            false => None,
        };
        Ok(Arc::new(Fetch {
            min_body_chars: self.min_body_chars,
            always: self.always,
            crawler: Arc::new(crawler),
            cache,
            failed: cx.skipped.clone(),
        }))
    }
}

/// The transform: decides, fetches (through the cache), extracts.
struct Fetch {
    min_body_chars: usize,
    always: bool,
    crawler: Arc<Crawler>,
    cache: Option<PageCache>,
    /// Articles that kept their teaser because the page failed, for
    /// `newsflow_transform_skipped_total`.
    failed: Counter,
}

/// What a fetch found, before it is applied to the article.
struct Found {
    page_url: String,
    cached: bool,
    article: PageArticle,
}

impl Transform for Fetch {
    fn apply(&self, article: &mut Article) -> Result<(), Rejection> {
        let Some(url) = article.url.clone() else {
            return Ok(());
        };
        if !self.always && article.body.chars().count() >= self.min_body_chars {
            return Ok(());
        }
        let record = match self.fetch(&url, &article.body) {
            Ok(found) => fill(article, found),
            Err(error) => {
                tracing::warn!(id = %article.id, url, error, "article page not fetched; the teaser stays");
                self.failed.add(1);
                json!({ "error": error })
            }
        };
        article.extra.insert("fetch".into(), record);
        Ok(())
    }
}

impl Fetch {
    /// Runs on the runtime's blocking pool, as every transform does: the
    /// request runs on the crawler's I/O runtime while this thread waits,
    /// and extraction (CPU work) runs here.
    fn fetch(&self, url: &str, teaser: &str) -> Result<Found, String> {
        let parsed = Url::parse(url).map_err(|e| format!("`{url}` is not a URL: {e}"))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(format!("`{url}` is not an http(s) URL"));
        }
        let (page, cached) = match self.cache.as_ref().and_then(|c| c.get(url)) {
            Some(page) => (page, true),
            None => {
                let page = self.download(parsed)?;
                if let Some(cache) = &self.cache {
                    cache.put(url, &page);
                }
                (page, false)
            }
        };
        let article = extract_article(&page.body, Some(&page.url))?;
        // A paywall or a cookie wall shows less than the teaser had.
        if page::words(&article.text).count() < page::words(teaser).count() {
            return Err("the page's text is shorter than the article's body".into());
        }
        Ok(Found {
            page_url: page.url,
            cached,
            article,
        })
    }

    fn download(&self, url: Url) -> Result<Page, String> {
        let crawler = self.crawler.clone();
        let task = io_runtime().spawn(async move { crawler.fetch(&url).await });
        match futures::executor::block_on(task) {
            Ok(fetched) => fetched.map_err(|e| e.message),
            Err(e) => Err(format!("the fetch did not finish: {e}")),
        }
    }
}

/// The article with the page's text and what it lacked from the page's
/// metadata; returns the `fetch` record (the teaser kept in it).
fn fill(article: &mut Article, found: Found) -> Value {
    let Found {
        page_url,
        cached,
        article: page,
    } = found;
    let teaser = std::mem::replace(&mut article.body, page.text);
    if article.title.as_deref().is_none_or(|t| t.trim().is_empty()) {
        article.title = page.title;
    }
    if article.published_at.is_none() {
        article.published_at = page.published.map(|d| d.fixed_offset());
    }
    if let Some(author) = page.author {
        let metadata = article.metadata.get_or_insert_with(Map::new);
        let has_authors = metadata
            .get("authors")
            .is_some_and(|a| a.as_array().is_some_and(|a| !a.is_empty()));
        if !has_authors {
            metadata.insert("authors".into(), json!([author]));
        }
    }
    json!({ "url": page_url, "cached": cached, "teaser": teaser })
}

/// The runtime the crawler's requests run on, one per process: transforms
/// are synchronous and run on blocking threads, which wait here instead of
/// occupying the pipeline's async workers. Never dropped, so dropping a
/// stage (a reload) inside async code is safe.
fn io_runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("newsflow-fetch")
            .enable_all()
            .build()
            .expect("the fetch I/O runtime starts")
    })
}
