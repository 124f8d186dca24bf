//! `nats`: articles from a NATS JetStream stream, through a durable pull
//! consumer.
//!
//! Each message is one JSON article. A message is acknowledged only once every
//! sink it reaches has durably written it; if any branch fails it is
//! negatively acknowledged so the server delivers it again. A message that is
//! not a valid article goes to the dead-letter sink (location
//! `nats:<stream>/<sequence>`) and is terminated once the dead letter is
//! written, so it is never redelivered. Messages still in flight when the
//! source stops, or when the process dies, are not acknowledged and the server
//! redelivers them after `ack_wait_secs`: delivery is at least once, and the
//! sinks are idempotent by article id.
//!
//! The source reports the messages the server still holds for it, not yet
//! delivered, as its backlog (`newsflow_source_backlog`).
//!
//! While the pipeline holds a message (a sink retrying a batch, for example),
//! the source tells the server the work is in progress every half
//! `ack_wait_secs`, so slow sinks do not cause redeliveries.
//!
//! Several processes may share one durable consumer: the server hands each
//! message to one of them (a work queue), and redelivers to the others what a
//! process that died held. Each message received again is counted
//! (`newsflow_source_redelivered_total`).

use async_nats::jetstream::{self, consumer::pull, AckKind};
use futures::StreamExt;
use newsflow_core::{
    Article, ArticleError, Backoff, BoxError, BuildContext, Counter, DeadLetter, Delivery, Gauge,
    Health, Misconfigured, Outcome, Source, SourceConfig, SourceContext,
};
use serde::Deserialize;
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::mpsc;

/// The server a NATS stage talks to when no `url` is given.
pub const DEFAULT_URL: &str = "nats://127.0.0.1:4222";

/// The longest ack wait accepted: a day.
const MAX_ACK_WAIT_SECS: u64 = 86_400;

fn default_url() -> String {
    DEFAULT_URL.to_owned()
}

fn default_batch() -> usize {
    100
}

fn default_ack_wait_secs() -> u64 {
    30
}

fn default_max_ack_pending() -> usize {
    1000
}

/// A stream's retention policy: when the server deletes its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Retention {
    /// Kept up to the stream's limits (age, count, bytes), whoever read them.
    Limits,
    /// Kept until every consumer present has acknowledged them.
    Interest,
    /// A work queue: deleted once one consumer acknowledges (or terminates)
    /// them. The stream takes one consumer per subject, which processes share.
    WorkQueue,
}

impl Retention {
    const ALL: [Retention; 3] = [Retention::Limits, Retention::Interest, Retention::WorkQueue];

    fn policy(self) -> jetstream::stream::RetentionPolicy {
        use jetstream::stream::RetentionPolicy;
        match self {
            Retention::Limits => RetentionPolicy::Limits,
            Retention::Interest => RetentionPolicy::Interest,
            Retention::WorkQueue => RetentionPolicy::WorkQueue,
        }
    }

    /// The name the config gives it.
    fn name(self) -> &'static str {
        match self {
            Retention::Limits => "limits",
            Retention::Interest => "interest",
            Retention::WorkQueue => "work_queue",
        }
    }
}

/// The settings of a stream a stage creates when it is missing: `subjects`
/// captured, kept by `retention` (limits when unset).
pub(crate) fn stream_config(
    name: &str,
    subjects: Vec<String>,
    retention: Option<Retention>,
) -> jetstream::stream::Config {
    jetstream::stream::Config {
        name: name.to_owned(),
        subjects,
        retention: retention.unwrap_or(Retention::Limits).policy(),
        ..Default::default()
    }
}

/// Why a stream found on the server cannot be used: its retention is not
/// the one configured (a stream's retention cannot be changed).
pub(crate) fn wrong_retention(
    stream: &jetstream::stream::Stream,
    wanted: Option<Retention>,
) -> Option<String> {
    let wanted = wanted?;
    let config = &stream.cached_info().config;
    (config.retention != wanted.policy()).then(|| {
        let found = Retention::ALL
            .into_iter()
            .find(|r| r.policy() == config.retention)
            .map_or("unknown", Retention::name);
        format!(
            "the stream {} has retention `{found}`, not the configured `retention = \"{}\"`; \
             a stream's retention cannot be changed: delete the stream or change `retention`",
            config.name,
            wanted.name()
        )
    })
}

/// `type = "nats"` (source).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatsSourceConfig {
    /// The server, `nats://host:port` (default `nats://127.0.0.1:4222`);
    /// credentials may be given in it (`nats://user:password@host:4222`,
    /// `nats://token@host:4222`).
    #[serde(default = "default_url")]
    pub url: String,
    /// The JetStream stream to read.
    pub stream: String,
    /// The subjects to read, wildcards allowed; empty (the default) reads the
    /// whole stream. More than one needs nats-server 2.10 or later.
    #[serde(default)]
    pub subjects: Vec<String>,
    /// Create the stream, capturing `subjects`, when it does not exist
    /// (default false: a missing stream stops the source with an error).
    #[serde(default)]
    pub create_stream: bool,
    /// The stream's retention policy: `limits`, `interest` or `work_queue`.
    /// A stream created by `create_stream` gets it (`limits` when unset); a
    /// stream found with another is refused. Unset, any will do.
    #[serde(default)]
    pub retention: Option<Retention>,
    /// The durable consumer's name: the server remembers what it has
    /// acknowledged under this name across restarts. It is created when
    /// missing and its settings updated to these options.
    pub consumer: String,
    /// Messages asked for in each pull request (default 100).
    #[serde(default = "default_batch")]
    pub batch: usize,
    /// Seconds the server waits for an acknowledgement before delivering a
    /// message again (default 30, at most 86400).
    #[serde(default = "default_ack_wait_secs")]
    pub ack_wait_secs: u64,
    /// Most messages delivered and not yet acknowledged at once (default
    /// 1000): bounds what the pipeline holds and what a crash redelivers.
    #[serde(default = "default_max_ack_pending")]
    pub max_ack_pending: usize,
    /// The largest message read as an article, in bytes (default 10 MiB); a
    /// larger one is dead-lettered with its first KiB and terminated.
    #[serde(default = "super::default_max_article_bytes")]
    pub max_article_bytes: usize,
}

impl SourceConfig for NatsSourceConfig {
    fn checkpoints(&self) -> bool {
        true
    }

    fn build(&self, cx: &BuildContext) -> Result<Box<dyn Source>, BoxError> {
        check_url(&self.url)?;
        check_name("stream", &self.stream)?;
        check_name("consumer", &self.consumer)?;
        for subject in &self.subjects {
            check_subject(subject, true)?;
        }
        if self.create_stream && self.subjects.is_empty() {
            return Err(
                "`create_stream` needs `subjects`: the subjects the stream captures".into(),
            );
        }
        if self.batch == 0 {
            return Err("`batch` must be at least 1".into());
        }
        if !(1..=MAX_ACK_WAIT_SECS).contains(&self.ack_wait_secs) {
            return Err(format!("`ack_wait_secs` must be from 1 to {MAX_ACK_WAIT_SECS}").into());
        }
        if self.max_ack_pending == 0 {
            return Err("`max_ack_pending` must be at least 1".into());
        }
        // Not ready until the consumer is set up.
        cx.health.set_ready(false);
        Ok(Box::new(NatsSource {
            config: self.clone(),
            health: cx.health.clone(),
            backlog: cx.backlog.clone(),
            redelivered: cx.redelivered.clone(),
        }))
    }
}

/// Checks that `url` names a NATS server.
pub(crate) fn check_url(url: &str) -> Result<(), BoxError> {
    url.parse::<async_nats::ServerAddr>()
        .map(drop)
        .map_err(|e| format!("`url` {url:?} is not a NATS server address: {e}").into())
}

/// Checks a stream or consumer name: the server refuses empty names and ones
/// with whitespace, `.`, `*`, `>`, path separators or control characters.
pub(crate) fn check_name(field: &str, name: &str) -> Result<(), BoxError> {
    let bad = name.chars().find(|&c| {
        c.is_whitespace() || c.is_control() || matches!(c, '.' | '*' | '>' | '/' | '\\')
    });
    match bad {
        _ if name.is_empty() => Err(format!("`{field}` is empty").into()),
        Some(c) => {
            Err(format!("`{field}` {name:?} contains {c:?}, which NATS names cannot hold").into())
        }
        None => Ok(()),
    }
}

/// Checks a subject: dot-separated non-empty tokens without whitespace;
/// `*` and `>` only as whole tokens (`>` last), and only when `wildcards`.
pub(crate) fn check_subject(subject: &str, wildcards: bool) -> Result<(), BoxError> {
    let refuse = |why: &str| Err(format!("subject {subject:?} {why}").into());
    if subject.is_empty() {
        return refuse("is empty");
    }
    let tokens: Vec<&str> = subject.split('.').collect();
    for (i, token) in tokens.iter().enumerate() {
        if token.is_empty() {
            return refuse("has an empty token");
        }
        if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return refuse("contains whitespace or a control character");
        }
        let wildcard = *token == "*" || *token == ">";
        if wildcard && !wildcards {
            return refuse("has a wildcard; a publish subject cannot");
        }
        if *token == ">" && i + 1 != tokens.len() {
            return refuse("has `>` before its last token");
        }
        if !wildcard && token.contains(['*', '>']) {
            return refuse("has `*` or `>` inside a token");
        }
    }
    Ok(())
}

/// Connects to `url`, keeping `health` in step with the connection (the
/// client reconnects by itself after that).
pub(crate) async fn connect(
    url: &str,
    stage: &str,
    health: &Health,
) -> Result<async_nats::Client, async_nats::ConnectError> {
    let events = health.clone();
    let stage_name = stage.to_owned();
    let client = async_nats::ConnectOptions::new()
        .name(format!("newsflow {stage}"))
        .event_callback(move |event| {
            match event {
                async_nats::Event::Connected => events.set_ready(true),
                async_nats::Event::Disconnected | async_nats::Event::Closed => {
                    events.set_ready(false)
                }
                _ => {}
            }
            tracing::info!(stage = %stage_name, %event, "NATS connection event");
            async {}
        })
        .connect(url)
        .await?;
    health.set_ready(true);
    Ok(client)
}

fn is_stream_not_found(kind: &jetstream::context::GetStreamErrorKind) -> bool {
    matches!(kind, jetstream::context::GetStreamErrorKind::JetStream(api)
        if api.error_code() == jetstream::ErrorCode::STREAM_NOT_FOUND)
}

struct NatsSource {
    config: NatsSourceConfig,
    health: Health,
    /// Messages the server holds for the consumer and has not delivered yet.
    backlog: Gauge,
    /// Messages received again.
    redelivered: Counter,
}

/// A settled delivery: which in-flight message, and how it ended.
type Settled = (u64, Outcome);

/// A message the pipeline holds, by a local number (a message redelivered
/// while its first delivery is still in flight gets a second entry).
struct InFlight {
    acker: jetstream::message::Acker,
    /// A dead letter is terminated, not acknowledged, once written.
    dead_letter: bool,
}

/// What the source tracks while messages are in the pipeline.
struct Tracker {
    in_flight: HashMap<u64, InFlight>,
    next_id: u64,
    settled_tx: mpsc::UnboundedSender<Settled>,
    settled_rx: mpsc::UnboundedReceiver<Settled>,
}

impl Tracker {
    fn new() -> Tracker {
        let (settled_tx, settled_rx) = mpsc::unbounded_channel();
        Tracker {
            in_flight: HashMap::new(),
            next_id: 0,
            settled_tx,
            settled_rx,
        }
    }

    /// Registers a message and returns the delivery token that settles it.
    fn track(
        &mut self,
        cx: &SourceContext,
        acker: jetstream::message::Acker,
        dead_letter: bool,
    ) -> Delivery {
        let id = self.next_id;
        self.next_id += 1;
        self.in_flight.insert(id, InFlight { acker, dead_letter });
        let settled = self.settled_tx.clone();
        // The receiver lives as long as the source; if it is gone the
        // message simply stays unacknowledged and is redelivered.
        cx.delivery_then(move |outcome| {
            let _ = settled.send((id, outcome));
        })
    }

    /// Acknowledges, terminates or rejects a settled message.
    async fn settle(&mut self, (id, outcome): Settled) {
        let Some(message) = self.in_flight.remove(&id) else {
            return;
        };
        let kind = match (outcome, message.dead_letter) {
            (Outcome::Delivered, false) => AckKind::Ack,
            (Outcome::Delivered, true) => AckKind::Term,
            (Outcome::Failed, _) => AckKind::Nak(None),
        };
        // A lost acknowledgement only means a redelivery, which the sinks absorb.
        if let Err(e) = message.acker.ack_with(kind).await {
            tracing::warn!(error = %e, "could not acknowledge a NATS message; it will be redelivered");
        }
    }

    /// Tells the server every held message is still being worked on, so
    /// its ack wait starts again.
    async fn extend(&self) {
        for message in self.in_flight.values() {
            if let Err(e) = message.acker.ack_with(AckKind::Progress).await {
                tracing::debug!(error = %e, "could not extend a NATS message's ack wait");
                return;
            }
        }
    }
}

/// Why the consuming loop ended.
enum Stop {
    /// `cx.shutdown` was cancelled.
    Shutdown,
    /// The pipeline downstream has gone.
    Closed,
}

impl NatsSource {
    /// Connects, retrying ([`Backoff::STANDARD`]) until it succeeds or the
    /// source is stopped.
    async fn connect(&self, cx: &SourceContext) -> Option<async_nats::Client> {
        let mut delays = Backoff::STANDARD.delays();
        loop {
            let delay = match connect(&self.config.url, &cx.name, &self.health).await {
                Ok(client) => return Some(client),
                Err(e) => {
                    self.health.set_ready(false);
                    let delay = delays.next_delay();
                    tracing::warn!(source = %cx.name, url = %self.config.url, error = %e, retry_in_ms = delay.as_millis() as u64, "cannot reach the NATS server");
                    delay
                }
            };
            tokio::select! {
                _ = cx.shutdown.cancelled() => return None,
                _ = tokio::time::sleep(delay) => {}
            }
        }
    }

    /// Finds (or creates) the stream and creates or updates the durable
    /// consumer. Errors the server may stop giving (it is restarting) are
    /// `Ok(Err)`; a missing stream without `create_stream` is
    /// `Err(Misconfigured)`.
    async fn consumer(
        &self,
        js: &jetstream::Context,
    ) -> Result<Result<jetstream::consumer::PullConsumer, BoxError>, BoxError> {
        let config = &self.config;
        let stream = if config.create_stream {
            js.get_or_create_stream(stream_config(
                &config.stream,
                config.subjects.clone(),
                config.retention,
            ))
            .await
            .map_err(|e| format!("cannot create the stream {}: {e}", config.stream))
        } else {
            match js.get_stream(&config.stream).await {
                Ok(stream) => Ok(stream),
                Err(e) if is_stream_not_found(&e.kind()) => {
                    // Waiting will not make it appear: a configuration error.
                    return Err(Box::new(Misconfigured(format!(
                        "the stream {} does not exist (set `create_stream = true` to create it)",
                        config.stream
                    ))));
                }
                Err(e) => Err(format!("cannot read the stream {}: {e}", config.stream)),
            }
        };
        let stream = match stream {
            Ok(stream) => stream,
            Err(e) => return Ok(Err(e.into())),
        };
        if let Some(problem) = wrong_retention(&stream, config.retention) {
            return Err(Box::new(Misconfigured(problem)));
        }
        let (filter_subject, filter_subjects) = match config.subjects.as_slice() {
            // One subject goes in the field every server version knows.
            [one] => (one.clone(), Vec::new()),
            many => (String::new(), many.to_vec()),
        };
        let consumer = stream
            .create_consumer(pull::Config {
                durable_name: Some(config.consumer.clone()),
                ack_policy: jetstream::consumer::AckPolicy::Explicit,
                ack_wait: Duration::from_secs(config.ack_wait_secs),
                max_ack_pending: i64::try_from(config.max_ack_pending).unwrap_or(i64::MAX),
                filter_subject,
                filter_subjects,
                ..Default::default()
            })
            .await
            .map_err(|e| {
                format!(
                    "cannot set up the consumer {} on {}: {e}",
                    config.consumer, config.stream
                )
                .into()
            });
        Ok(consumer)
    }

    /// Pulls messages and sends them on until shutdown or the pipeline
    /// closes, setting the consumer up again after a failure (waiting as
    /// [`Backoff::STANDARD`] says).
    async fn consume(
        &self,
        cx: &SourceContext,
        client: &async_nats::Client,
        tracker: &mut Tracker,
        extend: &mut tokio::time::Interval,
    ) -> Result<Stop, BoxError> {
        let js = jetstream::new(client.clone());
        let mut delays = Backoff::STANDARD.delays();
        loop {
            let messages = match self.consumer(&js).await? {
                Ok(consumer) => consumer
                    .stream()
                    .max_messages_per_batch(self.config.batch)
                    .messages()
                    .await
                    .map_err(|e| format!("cannot pull from the consumer: {e}").into()),
                Err(e) => Err::<_, BoxError>(e),
            };
            let delay = match messages {
                Ok(mut messages) => {
                    self.health.set_ready(true);
                    tracing::info!(source = %cx.name, stream = %self.config.stream, consumer = %self.config.consumer, "consuming");
                    delays = Backoff::STANDARD.delays();
                    loop {
                        let next = tokio::select! {
                            _ = cx.shutdown.cancelled() => return Ok(Stop::Shutdown),
                            Some(settled) = tracker.settled_rx.recv() => {
                                tracker.settle(settled).await;
                                continue;
                            }
                            _ = extend.tick() => {
                                tracker.extend().await;
                                continue;
                            }
                            next = messages.next() => next,
                        };
                        match next {
                            Some(Ok(message)) => {
                                let send = self.prepare(cx, tracker, message);
                                if let Some(stop) = self.send(cx, tracker, extend, send).await {
                                    return Ok(stop);
                                }
                            }
                            // The pull stream recovers from missed heartbeats and
                            // failed pulls by itself; it ends after the others.
                            Some(Err(e)) => {
                                tracing::warn!(source = %cx.name, error = %e, "NATS pull error")
                            }
                            None => break,
                        }
                    }
                    tracing::warn!(source = %cx.name, "the NATS pull stream ended; setting the consumer up again");
                    delays.next_delay()
                }
                Err(e) => {
                    self.health.set_ready(false);
                    let delay = delays.next_delay();
                    tracing::warn!(source = %cx.name, error = %e, retry_in_ms = delay.as_millis() as u64, "cannot consume from NATS");
                    delay
                }
            };
            // Settle what finishes meanwhile so the wait holds no acknowledgement back.
            let retry_at = tokio::time::Instant::now() + delay;
            loop {
                tokio::select! {
                    _ = cx.shutdown.cancelled() => return Ok(Stop::Shutdown),
                    Some(settled) = tracker.settled_rx.recv() => tracker.settle(settled).await,
                    _ = tokio::time::sleep_until(retry_at) => break,
                }
            }
        }
    }

    /// Reads one message as an article, or as a dead letter when it is not
    /// one, with the delivery token that will settle it.
    fn prepare(
        &self,
        cx: &SourceContext,
        tracker: &mut Tracker,
        message: jetstream::Message,
    ) -> Outgoing {
        let info = message.info().ok();
        let sequence = info.as_ref().map(|info| info.stream_sequence);
        // Each delivery carries the count still pending after it: the backlog,
        // without asking the server.
        if let Some(info) = &info {
            self.backlog.set(info.pending);
            if info.delivered > 1 {
                self.redelivered.add(1);
            }
        }
        let (message, acker) = message.split();
        let location = || match sequence {
            Some(sequence) => format!("nats:{}/{sequence}", self.config.stream),
            None => format!("nats:{}/{}", self.config.stream, message.subject),
        };
        let size = message.payload.len();
        if size > self.config.max_article_bytes {
            let letter = DeadLetter::oversized(
                &cx.name,
                Some(location()),
                size as u64,
                self.config.max_article_bytes,
                &message.payload,
            );
            return Outgoing::DeadLetter(letter, tracker.track(cx, acker, true));
        }
        let parsed = match std::str::from_utf8(&message.payload) {
            Err(e) => Err(ArticleError::NotUtf8(e)),
            Ok(text) => Article::from_json(text),
        };
        match parsed {
            Ok(article) => Outgoing::Article(article, tracker.track(cx, acker, false)),
            Err(reason) => {
                let letter = DeadLetter::from_bytes(
                    &cx.name,
                    Some(location()),
                    reason.to_string(),
                    &message.payload,
                );
                Outgoing::DeadLetter(letter, tracker.track(cx, acker, true))
            }
        }
    }

    /// Sends one article or dead letter on, waiting while the pipeline is
    /// full; meanwhile it goes on settling messages and extending their ack
    /// wait, since a full pipeline is exactly when messages wait longest.
    async fn send(
        &self,
        cx: &SourceContext,
        tracker: &mut Tracker,
        extend: &mut tokio::time::Interval,
        outgoing: Outgoing,
    ) -> Option<Stop> {
        let send = async {
            match outgoing {
                Outgoing::Article(article, delivery) => cx.out.send(article, delivery).await,
                Outgoing::DeadLetter(letter, delivery) => {
                    cx.dead_letters.send(letter, delivery).await
                }
            }
        };
        tokio::pin!(send);
        loop {
            tokio::select! {
                sent = &mut send => return sent.err().map(|_| Stop::Closed),
                // Dropping the unsent message fails its delivery: it is redelivered.
                _ = cx.shutdown.cancelled() => return Some(Stop::Shutdown),
                Some(settled) = tracker.settled_rx.recv() => tracker.settle(settled).await,
                _ = extend.tick() => tracker.extend().await,
            }
        }
    }
}

/// A message read and ready to go on.
enum Outgoing {
    Article(Article, Delivery),
    DeadLetter(DeadLetter, Delivery),
}

#[async_trait::async_trait]
impl Source for NatsSource {
    async fn run(self: Box<Self>, cx: SourceContext) -> Result<(), BoxError> {
        let Some(client) = self.connect(&cx).await else {
            return Ok(());
        };
        let mut tracker = Tracker::new();
        // Half the ack wait leaves time for the extension to arrive.
        let mut extend =
            tokio::time::interval(Duration::from_millis(self.config.ack_wait_secs * 500));
        extend.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let result = self.consume(&cx, &client, &mut tracker, &mut extend).await;
        // Let the pipeline drain: without our senders the stages downstream
        // finish once they have written what they hold, settling every
        // delivery (a stage dropped unfinished counts as failed).
        let SourceContext {
            name,
            out,
            dead_letters,
            ..
        } = cx;
        drop((out, dead_letters));
        let waiting = tracker.in_flight.len();
        if waiting > 0 {
            tracing::info!(source = %name, messages = waiting, "waiting for in-flight messages before acknowledging them");
        }
        while !tracker.in_flight.is_empty() {
            tokio::select! {
                Some(settled) = tracker.settled_rx.recv() => tracker.settle(settled).await,
                _ = extend.tick() => tracker.extend().await,
            }
        }
        // Acknowledgements are buffered by the client; send them before going.
        if let Err(e) = client.flush().await {
            tracing::warn!(source = %name, error = %e, "could not send the last acknowledgements; those messages will be redelivered");
        }
        match result? {
            Stop::Shutdown => Ok(()),
            Stop::Closed => Err("the pipeline downstream stopped".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_subjects_are_checked() {
        assert!(check_name("stream", "ARTICLES_2").is_ok());
        for bad in ["", "a.b", "a b", "a*", "a>", "a/b", "a\nb"] {
            assert!(check_name("stream", bad).is_err(), "{bad:?}");
        }
        assert!(check_subject("news.in.>", true).is_ok());
        assert!(check_subject("news.*.en", true).is_ok());
        assert!(check_subject("news.*.en", false).is_err());
        for bad in ["", "news..in", "news.>.en", "news.a*", "news in", ".news"] {
            assert!(check_subject(bad, true).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn bad_options_are_refused_at_build() {
        let base = serde_json::json!({"stream": "S", "consumer": "c"});
        let build = |patch: serde_json::Value| {
            let mut table = base.clone();
            table
                .as_object_mut()
                .unwrap()
                .extend(patch.as_object().unwrap().clone());
            let config: NatsSourceConfig = serde_json::from_value(table).unwrap();
            config
                .build(&BuildContext::new("sources.nats", "/nonexistent"))
                .map(drop)
        };
        assert!(build(serde_json::json!({})).is_ok());
        assert!(build(serde_json::json!({"url": "http://[::1"})).is_err());
        assert!(build(serde_json::json!({"create_stream": true})).is_err());
        assert!(build(serde_json::json!({"batch": 0})).is_err());
        assert!(build(serde_json::json!({"ack_wait_secs": 0})).is_err());
        assert!(build(serde_json::json!({"ack_wait_secs": u64::MAX})).is_err());
        assert!(build(serde_json::json!({"subjects": ["a..b"]})).is_err());
        assert!(serde_json::from_value::<NatsSourceConfig>(
            serde_json::json!({"stream": "S", "consumer": "c", "bogus": 1})
        )
        .is_err());
        assert!(build(serde_json::json!({"retention": "work_queue"})).is_ok());
        let retention = serde_json::from_value::<NatsSourceConfig>(
            serde_json::json!({"stream": "S", "consumer": "c", "retention": "workqueue"}),
        )
        .unwrap_err()
        .to_string();
        assert!(retention.contains("`work_queue`"), "{retention}");
    }
}
