//! Running a compiled pipeline: every stage its own task, joined by bounded
//! channels; stop on request, drain within a deadline.

use crate::config::{ConfigError, Problem, SinkSpec};
use crate::graph::Pipeline;
use crate::progress::ProgressDisplay;
use crate::status::{StageSnapshot, Status};
use futures::StreamExt;
use newsflow_core::{
    BoxError, BuildContext, DeadLetter, DeadLetterEvent, DeadLetters, Delivery, Event, Health,
    Output, Progress, Record, Rejection, Sink, SinkErrorKind, Source, SourceContext, StageCounters,
    Transform,
};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Draw a progress bar on standard error.
    pub progress_bar: bool,
    /// Where the run shows its state while it goes (for `/metrics`, `/ready`).
    pub status: Status,
}

/// How a run ended.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// Per-stage counts at the end, sources first.
    pub stages: Vec<StageSnapshot>,
    /// The run was asked to stop before its sources were exhausted.
    pub stopped: bool,
    /// In-flight articles were abandoned because draining passed the deadline.
    pub drain_timed_out: bool,
    /// Stages that failed, with the reason.
    pub errors: Vec<String>,
}

impl RunReport {
    /// True when no stage failed and nothing was abandoned.
    pub fn is_clean(&self) -> bool {
        self.errors.is_empty() && !self.drain_timed_out
    }
}

struct Built {
    sources: BTreeMap<String, Box<dyn Source>>,
    transforms: BTreeMap<String, Arc<dyn Transform>>,
    sinks: BTreeMap<String, Box<dyn Sink>>,
    dead_letter: Box<dyn Sink>,
    /// Each stage's readiness, by config key.
    health: BTreeMap<String, Health>,
}

/// Builds every stage (opening files, connecting) before any of them runs,
/// so a stage that cannot start never leaves a half pipeline running.
fn build(pipeline: &Pipeline) -> Result<Built, ConfigError> {
    let config = &pipeline.config;
    let mut problems = Vec::new();
    let mut health = BTreeMap::new();
    let mut build_one = |key: String, build: &dyn Fn(&BuildContext) -> Result<(), BoxError>| {
        let cx = BuildContext::new(&key, config.runtime.state_dir.clone());
        match build(&cx) {
            Ok(()) => drop(health.insert(key, cx.health)),
            Err(e) => problems.push(Problem {
                line: config.line_of(&key),
                key,
                message: format!("cannot start: {e}"),
            }),
        }
    };
    let sources = RefCell::new(BTreeMap::new());
    for (name, spec) in &config.sources {
        build_one(format!("sources.{name}"), &|cx| {
            sources
                .borrow_mut()
                .insert(name.clone(), spec.config.build(cx)?);
            Ok(())
        });
    }
    let transforms = RefCell::new(BTreeMap::new());
    for (name, spec) in &config.transforms {
        build_one(format!("transforms.{name}"), &|cx| {
            transforms
                .borrow_mut()
                .insert(name.clone(), spec.config.build(cx)?);
            Ok(())
        });
    }
    let sinks = RefCell::new(BTreeMap::new());
    for (name, spec) in &config.sinks {
        build_one(format!("sinks.{name}"), &|cx| {
            sinks
                .borrow_mut()
                .insert(name.clone(), spec.config.build(cx)?);
            Ok(())
        });
    }
    let dead_letter = RefCell::new(None);
    if let Some(spec) = &config.dead_letter {
        build_one("dead_letter".into(), &|cx| {
            *dead_letter.borrow_mut() = Some(spec.config.build(cx)?);
            Ok(())
        });
    }
    match dead_letter.into_inner() {
        Some(dead_letter) if problems.is_empty() => Ok(Built {
            sources: sources.into_inner(),
            transforms: transforms.into_inner(),
            sinks: sinks.into_inner(),
            dead_letter,
            health,
        }),
        _ => Err(ConfigError {
            file: config.file.clone(),
            problems,
        }),
    }
}

/// Builds and runs `pipeline` until its sources are exhausted, or until
/// `stop` is cancelled and in-flight articles have drained (or the
/// `[runtime] shutdown_timeout_secs` deadline passed).
pub async fn run(
    pipeline: Pipeline,
    stop: CancellationToken,
    options: RunOptions,
) -> Result<RunReport, ConfigError> {
    let mut built = build(&pipeline)?;
    let config = &pipeline.config;
    let status = options.status.clone();
    status.started();
    let mut register = |key: String, kind: &'static str, counters: &Arc<StageCounters>, queue| {
        let health = built.health.remove(&key).unwrap_or_default();
        status.add_stage(key, kind, health, counters.clone(), queue);
    };
    let mut queues = BTreeMap::new();
    let capacity = config.runtime.channel_capacity.max(1);

    // One bounded channel per reader; its senders go to the stages it reads.
    let mut senders: BTreeMap<&str, Vec<mpsc::Sender<Event>>> = BTreeMap::new();
    let mut transform_inputs = BTreeMap::new();
    for (name, spec) in &config.transforms {
        let (tx, rx) = mpsc::channel(capacity);
        for input in &spec.inputs {
            senders.entry(input.as_str()).or_default().push(tx.clone());
        }
        queues.insert(format!("transforms.{name}"), tx.downgrade());
        transform_inputs.insert(name.as_str(), rx);
    }
    let mut sink_inputs = BTreeMap::new();
    for (name, spec) in &config.sinks {
        let (tx, rx) = mpsc::channel(capacity);
        for input in &spec.inputs {
            senders.entry(input.as_str()).or_default().push(tx.clone());
        }
        queues.insert(format!("sinks.{name}"), tx.downgrade());
        sink_inputs.insert(name.as_str(), rx);
    }
    let (dead_tx, dead_rx) = mpsc::channel::<DeadLetterEvent>(capacity);

    let mut tasks: JoinSet<(String, Result<(), BoxError>)> = JoinSet::new();
    let progress = Progress::default();

    let dead_counters = Arc::<StageCounters>::default();
    register("dead_letter".into(), "dead_letter", &dead_counters, None);
    let dead_spec = config
        .dead_letter
        .as_ref()
        .expect("compiled configs have a dead-letter sink");
    let batching = Batching::of(dead_spec);
    tasks.spawn(labelled(
        "dead_letter".to_owned(),
        sink_loop(
            built.dead_letter,
            dead_rx,
            batching,
            dead_counters.clone(),
            None,
        ),
    ));

    for (name, sink) in built.sinks {
        let stage_counters = Arc::<StageCounters>::default();
        let rx = sink_inputs
            .remove(name.as_str())
            .expect("a channel per sink");
        let batching = Batching::of(&config.sinks[&name]);
        tasks.spawn(labelled(
            format!("sinks.{name}"),
            sink_loop(
                sink,
                rx,
                batching,
                stage_counters.clone(),
                Some((
                    name.clone(),
                    DeadLetters::new(dead_tx.clone(), stage_counters.clone()),
                )),
            ),
        ));
        let key = format!("sinks.{name}");
        let queue = queues.remove(&key);
        register(key, "sink", &stage_counters, queue);
    }

    for (name, transform) in built.transforms {
        let stage_counters = Arc::<StageCounters>::default();
        let rx = transform_inputs
            .remove(name.as_str())
            .expect("a channel per transform");
        let out = Output::new(
            senders.remove(name.as_str()).unwrap_or_default(),
            stage_counters.clone(),
        );
        let dead_letters = DeadLetters::new(dead_tx.clone(), stage_counters.clone());
        let concurrency = config.transforms[&name].concurrency;
        tasks.spawn(labelled(
            format!("transforms.{name}"),
            transform_loop(
                name.clone(),
                transform,
                rx,
                concurrency,
                out,
                dead_letters,
                stage_counters.clone(),
            ),
        ));
        let key = format!("transforms.{name}");
        let queue = queues.remove(&key);
        register(key, "transform", &stage_counters, queue);
    }

    let sources_stop = stop.child_token();
    for (name, source) in built.sources {
        let stage_counters = Arc::<StageCounters>::default();
        let cx = SourceContext {
            name: name.clone(),
            out: Output::new(
                senders.remove(name.as_str()).unwrap_or_default(),
                stage_counters.clone(),
            ),
            dead_letters: DeadLetters::new(dead_tx.clone(), stage_counters.clone()),
            shutdown: sources_stop.clone(),
            progress: progress.clone(),
        };
        tasks.spawn(labelled(format!("sources.{name}"), source.run(cx)));
        register(format!("sources.{name}"), "source", &stage_counters, None);
    }
    // Only the stages hold senders now, so channels close as stages finish.
    drop(dead_tx);
    drop(senders);

    let display = options
        .progress_bar
        .then(|| ProgressDisplay::start(progress.clone()));
    let timeout = Duration::from_secs(config.runtime.shutdown_timeout_secs);
    let mut report = RunReport {
        stages: Vec::new(),
        stopped: false,
        drain_timed_out: false,
        errors: Vec::new(),
    };
    let mut deadline: Option<Instant> = None;
    loop {
        tokio::select! {
            joined = tasks.join_next() => match joined {
                None => break,
                Some(Ok((label, Ok(())))) => tracing::debug!(stage = %label, "stage finished"),
                Some(Ok((label, Err(e)))) => {
                    tracing::error!(stage = %label, error = %e, "stage failed");
                    report.errors.push(format!("{label}: {e}"));
                }
                Some(Err(e)) if e.is_cancelled() => {}
                Some(Err(e)) => report.errors.push(format!("a stage panicked: {e}")),
            },
            _ = stop.cancelled(), if deadline.is_none() => {
                tracing::info!(timeout_secs = timeout.as_secs(), "stopping: sources closed, draining in-flight articles");
                report.stopped = true;
                status.set_draining();
                deadline = Some(Instant::now() + timeout);
            }
            _ = tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now)), if deadline.is_some() && !report.drain_timed_out => {
                tracing::warn!("draining passed the deadline; abandoning in-flight articles (they are not acknowledged)");
                report.drain_timed_out = true;
                tasks.abort_all();
            }
        }
    }
    if let Some(display) = display {
        display.finish();
    }
    status.stopped();
    report.stages = status.snapshot();
    Ok(report)
}

async fn labelled(
    label: String,
    task: impl std::future::Future<Output = Result<(), BoxError>>,
) -> (String, Result<(), BoxError>) {
    (label, task.await)
}

async fn transform_loop(
    name: String,
    transform: Arc<dyn Transform>,
    mut rx: mpsc::Receiver<Event>,
    concurrency: usize,
    out: Output,
    dead_letters: DeadLetters,
    counters: Arc<StageCounters>,
) -> Result<(), BoxError> {
    let events = futures::stream::poll_fn(move |cx| rx.poll_recv(cx));
    // `buffered` runs up to `concurrency` articles at once and yields them in
    // arrival order, which keeps replays deterministic.
    let mut results = events
        .map(
            |Event {
                 mut article,
                 delivery,
             }| {
                counters.add_received(1);
                let transform = transform.clone();
                tokio::task::spawn_blocking(move || {
                    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
                        transform.apply(&mut article)
                    }))
                    .unwrap_or_else(|panic| {
                        Err(Rejection(format!(
                            "the transform panicked: {}",
                            panic_text(&panic)
                        )))
                    });
                    (article, delivery, outcome)
                })
            },
        )
        .buffered(concurrency);
    while let Some(joined) = results.next().await {
        let (article, delivery, outcome) = joined?;
        let sent = match outcome {
            Ok(()) => out.send(article, delivery).await,
            Err(Rejection(reason)) => {
                let letter = DeadLetter::for_article(&name, reason, &article);
                dead_letters.send(letter, delivery).await
            }
        };
        if sent.is_err() {
            return Err("its readers stopped before it finished".into());
        }
    }
    Ok(())
}

fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into())
}

/// When a sink writes.
#[derive(Debug, Clone, Copy)]
struct Batching {
    size: usize,
    interval: Duration,
}

impl Batching {
    fn of(spec: &SinkSpec) -> Batching {
        Batching {
            size: spec.batch_size.max(1),
            interval: Duration::from_millis(spec.flush_interval_ms),
        }
    }
}

/// What a sink's channel carries: a record to write and the delivery token
/// to settle once it is written.
trait SinkItem: Send + 'static {
    fn into_parts(self) -> (Record, Delivery);
}

impl SinkItem for Event {
    fn into_parts(self) -> (Record, Delivery) {
        (Record::Article(self.article), self.delivery)
    }
}

impl SinkItem for DeadLetterEvent {
    fn into_parts(self) -> (Record, Delivery) {
        (Record::DeadLetter(self.letter), self.delivery)
    }
}

/// Collects records into batches (full, or the oldest waited `interval`),
/// writes and flushes each, then settles its deliveries.
///
/// A batch the target rejects goes to `rejects` (the dead-letter sink) record
/// by record; the dead-letter sink itself has nowhere to send its rejects, so
/// for it a rejection stops the run.
async fn sink_loop<T: SinkItem>(
    mut sink: Box<dyn Sink>,
    mut rx: mpsc::Receiver<T>,
    batching: Batching,
    counters: Arc<StageCounters>,
    rejects: Option<(String, DeadLetters)>,
) -> Result<(), BoxError> {
    let mut incoming = Vec::with_capacity(batching.size);
    let mut records = Vec::with_capacity(batching.size);
    let mut deliveries = Vec::with_capacity(batching.size);
    let mut oldest: Option<Instant> = None;
    loop {
        let room = batching.size - records.len();
        let flush_at = oldest.map(|t| t + batching.interval);
        let closed = tokio::select! {
            n = rx.recv_many(&mut incoming, room) => n == 0,
            _ = tokio::time::sleep_until(flush_at.unwrap_or_else(Instant::now)), if flush_at.is_some() => false,
        };
        counters.add_received(incoming.len() as u64);
        for item in incoming.drain(..) {
            let (record, delivery) = item.into_parts();
            records.push(record);
            deliveries.push(delivery);
        }
        if !records.is_empty() && oldest.is_none() {
            oldest = Some(Instant::now());
        }
        let due = flush_at.is_some_and(|at| Instant::now() >= at);
        if !records.is_empty() && (closed || due || records.len() >= batching.size) {
            match (write_with_retry(sink.as_mut(), &records).await, &rejects) {
                (Ok(()), _) => {
                    counters.add_emitted(records.len() as u64);
                    deliveries.drain(..).for_each(Delivery::delivered);
                }
                (Err(e), Some((stage, dead_letters))) if e.kind == SinkErrorKind::Rejected => {
                    for (record, delivery) in records.drain(..).zip(deliveries.drain(..)) {
                        let letter = match &record {
                            Record::Article(article) => {
                                DeadLetter::for_article(stage, &e.message, article)
                            }
                            Record::DeadLetter(letter) => letter.clone(),
                        };
                        dead_letters.send(letter, delivery).await?;
                    }
                }
                (Err(e), _) => {
                    counters.add_failed(records.len() as u64);
                    return Err(e.into());
                }
            }
            records.clear();
            oldest = None;
        }
        if closed {
            // A final flush even when the last batch was empty: the sink may
            // hold work of its own (an overwrite that has not happened yet).
            write_with_retry(sink.as_mut(), &[]).await?;
            return Ok(());
        }
    }
}

/// Writes and flushes a batch, retrying failures that may pass (with
/// exponential backoff, up to 30 s apart) until it succeeds or a failure that
/// cannot pass comes.
async fn write_with_retry(
    sink: &mut dyn Sink,
    records: &[Record],
) -> Result<(), newsflow_core::SinkError> {
    let mut backoff = Duration::from_millis(100);
    loop {
        let result = match sink.write(records).await {
            Ok(()) => sink.flush().await,
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => return Ok(()),
            Err(e) if e.kind == SinkErrorKind::Retryable => {
                tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "sink write failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(30));
            }
            Err(e) => return Err(e),
        }
    }
}
