//! A polite HTTP client for article pages: at most a few requests to a host
//! at once, a minimum delay between them, robots.txt honoured, bounded
//! sizes and redirects, and transient failures retried with the shared
//! backoff policy.

use crate::net::error_chain;
use newsflow_core::{Backoff, BoxError};
use reqwest::header::{HeaderValue, ACCEPT, CONTENT_TYPE, LOCATION, USER_AGENT};
use reqwest::{StatusCode, Url};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::time::Instant;

/// The largest robots.txt read (what RFC 9309 asks crawlers to read at least).
const MAX_ROBOTS_BYTES: u64 = 500 * 1024;
/// How long a host's robots.txt is trusted before it is read again.
const ROBOTS_TTL: Duration = Duration::from_secs(24 * 3600);
/// How long a robots.txt that could not be read keeps its host closed before
/// it is tried again.
const ROBOTS_RETRY: Duration = Duration::from_secs(300);
/// The longest `Crawl-delay` honoured; a larger one would stall the stage.
const MAX_CRAWL_DELAY: Duration = Duration::from_secs(60);
/// The longest `Retry-After` waited for; a server asking for more is
/// answered by keeping the teaser instead of holding the article back.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// How the crawler treats hosts and pages.
#[derive(Debug, Clone)]
pub(crate) struct Politeness {
    /// The `User-Agent` sent, and matched against robots.txt groups.
    pub user_agent: HeaderValue,
    /// Requests to one host at once.
    pub per_host: usize,
    /// The least time between the starts of two requests to one host.
    pub delay: Duration,
    /// One request's time limit, connecting and reading included.
    pub timeout: Duration,
    /// The largest page read, decompressed.
    pub max_bytes: u64,
    /// Redirects followed for one page.
    pub max_redirects: usize,
    /// Attempts after the first at a failure that may pass.
    pub retries: u32,
    /// Whether robots.txt is read and obeyed.
    pub robots: bool,
}

/// A page as the server sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Page {
    /// Where it was found, after redirects.
    pub url: String,
    /// Its `Content-Type`, if it said.
    pub content_type: Option<String>,
    /// Its bytes, decompressed.
    pub body: Vec<u8>,
}

/// What one request gave.
#[derive(Debug)]
pub(crate) enum Fetched {
    Page(Page),
    /// A redirect to this address.
    Redirect(Url),
}

/// Why a page could not be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FetchError {
    pub message: String,
    /// Trying again later may work (a timeout, a 5xx, a 429).
    transient: bool,
    /// How long the server asked to be left alone.
    retry_after: Option<Duration>,
}

impl FetchError {
    fn permanent(message: impl Into<String>) -> FetchError {
        FetchError {
            message: message.into(),
            transient: false,
            retry_after: None,
        }
    }

    fn transient(message: impl Into<String>, retry_after: Option<Duration>) -> FetchError {
        FetchError {
            message: message.into(),
            transient: true,
            retry_after,
        }
    }
}

/// What a host's robots.txt allows.
enum Robots {
    /// No robots.txt (a 4xx), or robots.txt not consulted.
    AllowAll,
    /// robots.txt could not be read (a 5xx, no answer): RFC 9309 says to
    /// assume everything is disallowed until it can be.
    Unreachable(String),
    Rules(texting_robots::Robot),
}

/// One host's share of the crawler.
struct Host {
    permits: Semaphore,
    /// When the next request may start.
    next_start: Mutex<Instant>,
    /// The host's robots.txt and when to read it again; the lock is held
    /// while it is read, so concurrent pages wait for one read.
    robots: tokio::sync::Mutex<Option<(Instant, Arc<Robots>)>>,
}

/// Fetches pages politely; shared by every article of a stage.
pub(crate) struct Crawler {
    client: reqwest::Client,
    politeness: Politeness,
    hosts: Mutex<HashMap<String, Arc<Host>>>,
}

impl Crawler {
    /// A crawler with its own HTTP client (gzip and brotli; redirects are
    /// followed by [`Crawler::fetch`], not by the client).
    pub(crate) fn new(politeness: Politeness) -> Result<Crawler, BoxError> {
        // reqwest is built without a default TLS crypto provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(politeness.timeout)
            .connect_timeout(politeness.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .gzip(true)
            .brotli(true)
            .build()
            .map_err(|e| format!("cannot set up the HTTP client: {}", error_chain(&e)))?;
        Ok(Crawler {
            client,
            politeness,
            hosts: Mutex::new(HashMap::new()),
        })
    }

    /// The page at `url`, unless robots.txt forbids it. Redirects are
    /// followed here, hop by hop, so each target's robots.txt and host
    /// limits apply to it too.
    pub(crate) async fn fetch(&self, url: &Url) -> Result<Page, FetchError> {
        let mut url = url.clone();
        for _ in 0..=self.politeness.max_redirects {
            match self.fetch_one(&url).await? {
                Fetched::Page(page) => return Ok(page),
                Fetched::Redirect(next) => url = next,
            }
        }
        Err(FetchError::permanent(format!(
            "too many redirects (more than {}), the last to {url}",
            self.politeness.max_redirects
        )))
    }

    /// One URL: robots.txt consulted, then failures that may pass retried
    /// with [`Backoff::STANDARD`] up to `retries` times.
    async fn fetch_one(&self, url: &Url) -> Result<Fetched, FetchError> {
        let host = self.host(url);
        if self.politeness.robots {
            let robots = self.robots(&host, url).await;
            match &*robots {
                Robots::AllowAll => {}
                Robots::Unreachable(why) => {
                    return Err(FetchError::permanent(format!(
                        "robots.txt could not be read ({why}), so the host is not crawled"
                    )))
                }
                Robots::Rules(rules) if !rules.allowed(url.as_str()) => {
                    return Err(FetchError::permanent(format!("robots.txt disallows {url}")))
                }
                Robots::Rules(_) => {}
            }
        }
        let mut delays = Backoff::STANDARD.delays();
        let mut attempt = 0;
        loop {
            match self.get(&host, url, self.politeness.max_bytes, true).await {
                Err(e)
                    if e.transient
                        && attempt < self.politeness.retries
                        && e.retry_after.is_none_or(|w| w <= MAX_RETRY_AFTER) =>
                {
                    attempt += 1;
                    let wait = delays.next_delay().max(e.retry_after.unwrap_or_default());
                    tracing::debug!(url = %url, error = %e.message, retry_in_ms = wait.as_millis() as u64, "page fetch failed; retrying");
                    tokio::time::sleep(wait).await;
                }
                result => return result,
            }
        }
    }

    fn host(&self, url: &Url) -> Arc<Host> {
        let key = url.origin().ascii_serialization();
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        hosts
            .entry(key)
            .or_insert_with(|| {
                Arc::new(Host {
                    permits: Semaphore::new(self.politeness.per_host),
                    next_start: Mutex::new(Instant::now()),
                    robots: tokio::sync::Mutex::new(None),
                })
            })
            .clone()
    }

    /// The host's robots.txt rules, read when not known or out of date.
    async fn robots(&self, host: &Host, url: &Url) -> Arc<Robots> {
        let mut known = host.robots.lock().await;
        if let Some((until, robots)) = &*known {
            if Instant::now() < *until {
                return robots.clone();
            }
        }
        let mut robots_url = url.clone();
        robots_url.set_path("/robots.txt");
        robots_url.set_query(None);
        robots_url.set_fragment(None);
        let mut fetched = self.get(host, &robots_url, MAX_ROBOTS_BYTES, false).await;
        // RFC 9309: follow at least five redirects (http to https, say).
        for _ in 0..5 {
            let Ok(Fetched::Redirect(next)) = &fetched else {
                break;
            };
            let next = next.clone();
            fetched = self
                .get(&self.host(&next), &next, MAX_ROBOTS_BYTES, false)
                .await;
        }
        let (robots, ttl) = match fetched {
            // Still redirected: no rules, as for a 404.
            Ok(Fetched::Redirect(_)) => (Robots::AllowAll, ROBOTS_TTL),
            Ok(Fetched::Page(page)) => {
                match texting_robots::Robot::new(self.agent_token(), &page.body) {
                    Ok(rules) => (Robots::Rules(rules), ROBOTS_TTL),
                    // Unparseable rules are no rules.
                    Err(_) => (Robots::AllowAll, ROBOTS_TTL),
                }
            }
            Err(e) if e.transient => (Robots::Unreachable(e.message), ROBOTS_RETRY),
            Err(_) => (Robots::AllowAll, ROBOTS_TTL),
        };
        let robots = Arc::new(robots);
        *known = Some((Instant::now() + ttl, robots.clone()));
        robots
    }

    /// The product token robots.txt groups name (`newsflow` of
    /// `newsflow/0.1 (+https://...)`).
    fn agent_token(&self) -> &str {
        let agent = self.politeness.user_agent.to_str().unwrap_or("newsflow");
        agent
            .split(['/', ' '])
            .next()
            .filter(|t| !t.is_empty())
            .unwrap_or(agent)
    }

    /// One GET within the host's limits: its turn among the host's
    /// requests, the status checked, at most `max_bytes` read.
    async fn get(
        &self,
        host: &Host,
        url: &Url,
        max_bytes: u64,
        html: bool,
    ) -> Result<Fetched, FetchError> {
        let _permit = host.permits.acquire().await.expect("never closed");
        self.wait_turn(host).await;
        let accept = if html {
            "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
        } else {
            "text/plain,*/*;q=0.1"
        };
        let response = self
            .client
            .get(url.clone())
            .header(USER_AGENT, self.politeness.user_agent.clone())
            .header(ACCEPT, accept)
            .send()
            .await
            .map_err(request_error)?;
        let status = response.status();
        if status.is_redirection() {
            let target = response
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|location| url.join(location).ok())
                .filter(|target| matches!(target.scheme(), "http" | "https"));
            return match target {
                Some(target) => Ok(Fetched::Redirect(target)),
                None => Err(FetchError::permanent(format!(
                    "HTTP {status} from {url} without a usable Location"
                ))),
            };
        }
        if !status.is_success() {
            let message = format!("HTTP {status} from {url}");
            let retry_after = crate::net::retry_after(response.headers());
            return Err(
                if status.is_server_error()
                    || status == StatusCode::TOO_MANY_REQUESTS
                    || status == StatusCode::REQUEST_TIMEOUT
                {
                    FetchError::transient(message, retry_after)
                } else {
                    FetchError::permanent(message)
                },
            );
        }
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if html {
            if let Some(kind) = content_type.as_deref().filter(|t| !is_html(t)) {
                return Err(FetchError::permanent(format!("not an HTML page ({kind})")));
            }
        }
        let body = read_limited(response, max_bytes).await?;
        Ok(Fetched::Page(Page {
            url: url.to_string(),
            content_type,
            body,
        }))
    }

    /// Waits until the host's delay since the last request start has passed
    /// (robots.txt's `Crawl-delay` when longer), and books the next turn.
    async fn wait_turn(&self, host: &Host) {
        let crawl_delay = match host.robots.try_lock().ok().as_deref() {
            Some(Some((_, robots))) => match &**robots {
                Robots::Rules(rules) => rules
                    .delay
                    .filter(|d| d.is_finite() && *d > 0.0)
                    .map(|d| Duration::from_secs_f32(d).min(MAX_CRAWL_DELAY)),
                _ => None,
            },
            _ => None,
        };
        let delay = self.politeness.delay.max(crawl_delay.unwrap_or_default());
        let start = {
            let mut next = host.next_start.lock().unwrap_or_else(|p| p.into_inner());
            let start = (*next).max(Instant::now());
            *next = start + delay;
            start
        };
        tokio::time::sleep_until(start).await;
    }
}

fn is_html(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    matches!(essence.as_str(), "text/html" | "application/xhtml+xml")
}

fn request_error(e: reqwest::Error) -> FetchError {
    let message = error_chain(&e);
    if e.is_builder() {
        FetchError::permanent(message)
    } else {
        // Timeouts, refused or reset connections: may pass.
        FetchError::transient(message, None)
    }
}

/// The response body, decompressed, refused once it passes `max_bytes`.
async fn read_limited(
    mut response: reqwest::Response,
    max_bytes: u64,
) -> Result<Vec<u8>, FetchError> {
    let too_large = || FetchError::permanent(format!("the page is larger than {max_bytes} bytes"));
    // Content-Length counts compressed bytes; it can only refuse early.
    if response.content_length().is_some_and(|n| n > max_bytes) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(request_error)? {
        if body.len() as u64 + chunk.len() as u64 > max_bytes {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
