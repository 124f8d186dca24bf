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

use crate::nats::{
    connect, stream_config, wrong_retention, Name, Retention, ServerUrl, SubjectFilter,
};
use async_nats::jetstream::{self, consumer::pull, AckKind};
use futures::StreamExt;
use newsflow_core::codec;
use newsflow_core::{
    Article, Backoff, BoxError, BuildContext, Checkpoints, Counter, DeadLetter, Delivery,
    FieldError, Gauge, Health, Misconfigured, Outcome, Settled, Source, SourceConfig,
    SourceContext,
};
use serde::Deserialize;
use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::time::Duration;

/// The longest ack wait accepted: a day.
const MAX_ACK_WAIT_SECS: u64 = 86_400;

fn default_batch() -> NonZeroUsize {
    NonZeroUsize::new(100).expect("not zero")
}

fn default_max_ack_pending() -> NonZeroUsize {
    NonZeroUsize::new(1000).expect("not zero")
}

/// Seconds the server waits for an acknowledgement: from 1 to a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "u64")]
pub struct AckWaitSecs(u64);

impl AckWaitSecs {
    /// The wait.
    pub fn duration(self) -> Duration {
        Duration::from_secs(self.0)
    }
}

impl Default for AckWaitSecs {
    fn default() -> AckWaitSecs {
        AckWaitSecs(30)
    }
}

impl TryFrom<u64> for AckWaitSecs {
    type Error = String;

    fn try_from(secs: u64) -> Result<AckWaitSecs, String> {
        if (1..=MAX_ACK_WAIT_SECS).contains(&secs) {
            Ok(AckWaitSecs(secs))
        } else {
            Err(format!(
                "must be from 1 to {MAX_ACK_WAIT_SECS} seconds, not {secs}"
            ))
        }
    }
}

/// `type = "nats"` (source).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NatsSourceConfig {
    /// The server, `nats://host:port` (default `nats://127.0.0.1:4222`);
    /// credentials may be given in it (`nats://user:password@host:4222`,
    /// `nats://token@host:4222`).
    #[serde(default)]
    pub url: ServerUrl,
    /// The JetStream stream to read.
    pub stream: Name,
    /// The subjects to read, wildcards allowed; empty (the default) reads the
    /// whole stream. More than one needs nats-server 2.10 or later.
    #[serde(default)]
    pub subjects: Vec<SubjectFilter>,
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
    pub consumer: Name,
    /// Messages asked for in each pull request (default 100).
    #[serde(default = "default_batch")]
    pub batch: NonZeroUsize,
    /// Seconds the server waits for an acknowledgement before delivering a
    /// message again (default 30, at most 86400).
    #[serde(default)]
    pub ack_wait_secs: AckWaitSecs,
    /// Most messages delivered and not yet acknowledged at once (default
    /// 1000): bounds what the pipeline holds and what a crash redelivers.
    #[serde(default = "default_max_ack_pending")]
    pub max_ack_pending: NonZeroUsize,
    /// The largest message read as an article, in bytes (default 10 MiB); a
    /// larger one is dead-lettered with its first KiB and terminated.
    #[serde(default = "super::default_max_article_bytes")]
    pub max_article_bytes: NonZeroUsize,
}

impl SourceConfig for NatsSourceConfig {
    fn checkpoints(&self) -> bool {
        true
    }

    fn check(&self) -> Result<(), FieldError> {
        if self.create_stream && self.subjects.is_empty() {
            return Err(FieldError {
                path: "create_stream".into(),
                message: "`create_stream` needs `subjects`: the subjects the stream captures"
                    .into(),
            });
        }
        Ok(())
    }

    fn build(&self, cx: &BuildContext) -> Result<Box<dyn Source>, BoxError> {
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

/// What the source tracks while messages are in the pipeline: each held
/// message's acknowledger by a local number (a message redelivered while its
/// first delivery is still in flight gets a second entry), and the outcomes
/// coming back.
struct Tracker {
    in_flight: HashMap<u64, jetstream::message::Acker>,
    next_id: u64,
    checkpoints: Checkpoints<u64>,
    settled: Settled<u64>,
}

impl Tracker {
    fn new(cx: &SourceContext) -> Tracker {
        let (checkpoints, settled) = cx.checkpoints();
        Tracker {
            in_flight: HashMap::new(),
            next_id: 0,
            checkpoints,
            settled,
        }
    }

    /// Registers a message and returns the delivery token that settles it.
    /// If the source is gone by then, the message simply stays
    /// unacknowledged and is redelivered.
    fn track(&mut self, acker: jetstream::message::Acker) -> Delivery {
        let id = self.next_id;
        self.next_id += 1;
        self.in_flight.insert(id, acker);
        self.checkpoints.track(id)
    }

    /// Acknowledges, terminates or rejects a settled message.
    async fn settle(&mut self, (id, outcome): (u64, Outcome)) {
        let Some(acker) = self.in_flight.remove(&id) else {
            return;
        };
        // A dead-lettered message is terminated, never to be redelivered.
        let kind = match outcome {
            Outcome::Delivered => AckKind::Ack,
            Outcome::Rejected => AckKind::Term,
            Outcome::Failed => AckKind::Nak(None),
        };
        // A lost acknowledgement only means a redelivery, which the sinks absorb.
        if let Err(e) = acker.ack_with(kind).await {
            tracing::warn!(error = %e, "could not acknowledge a NATS message; it will be redelivered");
        }
    }

    /// Tells the server every held message is still being worked on, so
    /// its ack wait starts again.
    async fn extend(&self) {
        for acker in self.in_flight.values() {
            if let Err(e) = acker.ack_with(AckKind::Progress).await {
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
                config.subjects.iter().map(|s| s.to_string()).collect(),
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
            [one] => (one.to_string(), Vec::new()),
            many => (
                String::new(),
                many.iter().map(ToString::to_string).collect(),
            ),
        };
        let consumer = stream
            .create_consumer(pull::Config {
                durable_name: Some(config.consumer.to_string()),
                ack_policy: jetstream::consumer::AckPolicy::Explicit,
                ack_wait: config.ack_wait_secs.duration(),
                max_ack_pending: i64::try_from(config.max_ack_pending.get()).unwrap_or(i64::MAX),
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
                    .max_messages_per_batch(self.config.batch.get())
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
                            Some(settled) = tracker.settled.recv() => {
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
                    Some(settled) = tracker.settled.recv() => tracker.settle(settled).await,
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
        if size > self.config.max_article_bytes.get() {
            let letter = DeadLetter::oversized(
                &cx.name,
                Some(location()),
                size as u64,
                self.config.max_article_bytes.get(),
                &message.payload,
            );
            return Outgoing::DeadLetter(letter, tracker.track(acker));
        }
        let parsed = codec::decode_json(&message.payload);
        match parsed {
            Ok(article) => Outgoing::Article(article, tracker.track(acker)),
            Err(reason) => {
                let letter = DeadLetter::from_bytes(
                    &cx.name,
                    Some(location()),
                    reason.to_string(),
                    &message.payload,
                );
                Outgoing::DeadLetter(letter, tracker.track(acker))
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
                Some(settled) = tracker.settled.recv() => tracker.settle(settled).await,
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
        let mut tracker = Tracker::new(&cx);
        // Half the ack wait leaves time for the extension to arrive.
        let mut extend = tokio::time::interval(self.config.ack_wait_secs.duration() / 2);
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
                Some(settled) = tracker.settled.recv() => tracker.settle(settled).await,
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
    fn bad_options_are_refused() {
        let base = serde_json::json!({"stream": "S", "consumer": "c"});
        let build = |patch: serde_json::Value| {
            let mut table = base.clone();
            table
                .as_object_mut()
                .unwrap()
                .extend(patch.as_object().unwrap().clone());
            // Read, checked and built as the runtime does: most values are
            // refused as they are read.
            let config: NatsSourceConfig =
                serde_json::from_value(table).map_err(|e| e.to_string())?;
            config.check().map_err(|e| e.message)?;
            config
                .build(&BuildContext::new(
                    newsflow_core::StageKey::source("nats"),
                    "/nonexistent",
                ))
                .map(drop)
                .map_err(|e| e.to_string())
        };
        assert!(build(serde_json::json!({})).is_ok());
        assert!(build(serde_json::json!({"url": "http://[::1"})).is_err());
        assert!(build(serde_json::json!({"create_stream": true})).is_err());
        assert!(build(serde_json::json!({"batch": 0})).is_err());
        assert!(build(serde_json::json!({"ack_wait_secs": 0})).is_err());
        assert!(build(serde_json::json!({"ack_wait_secs": u64::MAX})).is_err());
        assert!(build(serde_json::json!({"subjects": ["a..b"]})).is_err());
        assert!(build(serde_json::json!({"retention": "work_queue"})).is_ok());
        assert!(build(serde_json::json!({"retention": "workqueue"})).is_err());
        assert!(serde_json::from_value::<NatsSourceConfig>(
            serde_json::json!({"stream": "S", "consumer": "c", "bogus": 1})
        )
        .is_err());
    }
}
