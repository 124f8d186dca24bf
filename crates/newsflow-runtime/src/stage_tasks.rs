//! The tasks that move articles through transforms and into sinks.

use crate::config::SinkSpec;
use crate::histogram::Histogram;
use futures::StreamExt;
use newsflow_core::{
    Article, Backoff, Batch, BoxError, Closed, DeadLetter, DeadLetterEvent, DeadLetters, Delays,
    Delivery, Event, Misconfigured, Output, Record, Rejection, Route, Sink, SinkError,
    SinkErrorKind, StageCounters, Tap, Transform,
};
use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Runs `transform` over its input channel, `concurrency` articles at once,
/// passing them on in arrival order: to `out`, or to the `named` outputs
/// the transform picks (a route's), or nowhere (a filter's drop, settled as
/// delivered).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn transform_loop(
    name: String,
    transform: Arc<dyn Transform>,
    mut rx: mpsc::Receiver<Event>,
    concurrency: usize,
    out: Output,
    named: Vec<Output>,
    dead_letters: DeadLetters,
    counters: Arc<StageCounters>,
    latency: Arc<Histogram>,
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
                let latency = latency.clone();
                tokio::task::spawn_blocking(move || {
                    let started = std::time::Instant::now();
                    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
                        transform.route(&mut article)
                    }))
                    .unwrap_or_else(|panic| {
                        Err(Rejection(format!(
                            "the transform panicked: {}",
                            panic_text(&panic)
                        )))
                    });
                    latency.record(started.elapsed());
                    (article, delivery, outcome)
                })
            },
        )
        .buffered(concurrency);
    while let Some(joined) = results.next().await {
        let (article, delivery, outcome) = joined?;
        let sent = match outcome {
            Ok(Route::Pass) => out.send(article, delivery).await,
            Ok(Route::Drop) => {
                drop_article(delivery, &counters);
                Ok(())
            }
            Ok(Route::Outputs(to)) => send_to(&named, &to, article, delivery, &counters).await,
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

/// An article left out on purpose: delivered, as far as its source is
/// concerned, and counted.
fn drop_article(delivery: Delivery, counters: &StageCounters) {
    counters.add_dropped(1);
    delivery.delivered();
}

/// Sends an article to the named outputs `to`, a branch each (as fan-out
/// forks); outputs nothing reads drop their copy.
async fn send_to(
    named: &[Output],
    to: &[usize],
    article: Article,
    delivery: Delivery,
    counters: &StageCounters,
) -> Result<(), Closed> {
    let read: Vec<&Output> = to
        .iter()
        .filter_map(|i| named.get(*i))
        .filter(|output| output.is_read())
        .collect();
    let Some((last, rest)) = read.split_last() else {
        drop_article(delivery, counters);
        return Ok(());
    };
    for output in rest {
        output.send(article.clone(), delivery.fork()).await?;
    }
    last.send(article, delivery).await
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
pub(crate) struct Batching {
    size: usize,
    interval: Duration,
}

impl Batching {
    pub(crate) fn of(spec: &SinkSpec) -> Batching {
        Batching {
            size: spec.batch_size.max(1),
            interval: Duration::from_millis(spec.flush_interval_ms),
        }
    }
}

/// What a sink's channel carries: a record to write and the delivery token
/// to settle once it is written.
pub(crate) trait SinkItem: Send + 'static {
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
/// Records the target refuses go to `rejects` (the dead-letter sink) one by
/// one, and the rest of their batch is written again; the dead-letter sink
/// itself has nowhere to send its rejects, so for it a refusal stops the run.
/// A sink that fails keeps draining its input (failing those deliveries)
/// until its writers have gone, so the stages before it stop cleanly when
/// the runtime stops the pipeline rather than failing in turn.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn sink_loop<T: SinkItem>(
    mut sink: Box<dyn Sink>,
    mut rx: mpsc::Receiver<T>,
    batching: Batching,
    counters: Arc<StageCounters>,
    latency: Arc<Histogram>,
    rejects: Option<(String, DeadLetters)>,
    drains: Drains,
    tap: Option<Tap<Record>>,
) -> Result<(), BoxError> {
    let watch = Watch {
        counters: &counters,
        latency: &latency,
        tap: tap.as_ref(),
    };
    let result = run_sink(sink.as_mut(), &mut rx, batching, watch, rejects.as_ref()).await;
    if result.is_err() {
        // Counted as taken in and failed: their sources hear so and send
        // them again later.
        tokio::spawn(async move {
            let _running = drains;
            while let Some(item) = rx.recv().await {
                counters.add_received(1);
                counters.add_failed(1);
                drop(item);
            }
        });
    }
    result.map_err(stage_error)
}

/// Held by each task draining a failed sink's input: the run waits until
/// every copy is dropped (each drain has ended) before its final counts.
#[derive(Clone)]
pub(crate) struct Drains {
    _held: mpsc::Sender<()>,
}

impl Drains {
    /// Copies of `held`; its receiver hears `None` once all are dropped.
    pub(crate) fn new(held: mpsc::Sender<()>) -> Drains {
        Drains { _held: held }
    }
}

/// A sink's failure as the runtime reports it: one that comes from the
/// configuration becomes [`Misconfigured`].
fn stage_error(e: SinkError) -> BoxError {
    if e.misconfigured {
        Box::new(Misconfigured(e.message))
    } else {
        Box::new(e)
    }
}

/// What a sink's writes are counted, timed and observed by.
#[derive(Clone, Copy)]
struct Watch<'a> {
    counters: &'a StageCounters,
    latency: &'a Histogram,
    /// Where written records go for observers, when the run is observed.
    tap: Option<&'a Tap<Record>>,
}

async fn run_sink<T: SinkItem>(
    sink: &mut dyn Sink,
    rx: &mut mpsc::Receiver<T>,
    batching: Batching,
    watch: Watch<'_>,
    rejects: Option<&(String, DeadLetters)>,
) -> Result<(), SinkError> {
    let counters = watch.counters;
    tokio::select! {
        started = retry(sink, SinkCall::Start) => started?,
        // A sink that cannot start has nothing to drain once its input has
        // closed empty: do not hold up a stop.
        () = closed_and_empty(rx) => {}
    }
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
            deliver(sink, &mut records, &mut deliveries, watch, rejects).await?;
            oldest = None;
        }
        if closed {
            // Even when no batch came: the sink may have work of its own
            // (an overwrite that has not happened yet).
            return retry(sink, SinkCall::Finish).await;
        }
    }
}

/// Writes a batch and settles it: written records as delivered, refused
/// ones sent to `rejects`. Each refusal takes at least one record out of the
/// batch before the rest is written again, so this ends.
async fn deliver(
    sink: &mut dyn Sink,
    records: &mut Vec<Record>,
    deliveries: &mut Vec<Delivery>,
    watch: Watch<'_>,
    rejects: Option<&(String, DeadLetters)>,
) -> Result<(), SinkError> {
    let Watch {
        counters,
        latency,
        tap,
    } = watch;
    while !records.is_empty() {
        let started = Instant::now();
        let batch = Batch::from(std::mem::take(records));
        let written = retry(sink, SinkCall::Write(&batch)).await;
        latency.record(started.elapsed());
        *records = batch.into_records();
        let e = match written {
            Ok(()) => {
                counters.add_emitted(records.len() as u64);
                deliveries.drain(..).for_each(Delivery::delivered);
                // Written: observers get the records the sink is done with.
                match tap {
                    Some(tap) => records.drain(..).for_each(|r| tap.push(r)),
                    None => records.clear(),
                }
                return Ok(());
            }
            Err(e) => e,
        };
        let Some((stage, dead_letters)) = rejects.filter(|_| e.kind == SinkErrorKind::Rejected)
        else {
            counters.add_failed(records.len() as u64);
            return Err(e);
        };
        let mut reasons: BTreeMap<usize, &str> = e
            .refused
            .iter()
            .filter(|r| r.index < records.len())
            .map(|r| (r.index, r.reason.as_str()))
            .collect();
        if reasons.is_empty() {
            // The whole batch is refused.
            reasons = (0..records.len())
                .map(|i| (i, e.message.as_str()))
                .collect();
        }
        let mut kept = (Vec::new(), Vec::new());
        for (i, (record, delivery)) in records.drain(..).zip(deliveries.drain(..)).enumerate() {
            let Some(reason) = reasons.get(&i) else {
                kept.0.push(record);
                kept.1.push(delivery);
                continue;
            };
            let letter = match record {
                Record::Article(article) => DeadLetter::for_article(stage, *reason, &article),
                Record::DeadLetter(letter) => letter,
            };
            if dead_letters.send(letter, delivery).await.is_err() {
                return Err(SinkError::fatal(
                    "the dead-letter sink stopped before the refused records reached it",
                ));
            }
        }
        (*records, *deliveries) = kept;
    }
    Ok(())
}

/// Returns once `rx` is closed and holds nothing.
async fn closed_and_empty<T>(rx: &mpsc::Receiver<T>) {
    while !(rx.is_closed() && rx.is_empty()) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits before the next attempt at a failure that may pass: the next wait
/// of the shared policy, and at least as long as the target asked.
async fn wait_to_retry(delays: &mut Delays, what: &str, error: &SinkError) {
    let wait = delays
        .next_delay()
        .max(error.retry_after.unwrap_or_default());
    tracing::warn!(error = %error, retry_in_ms = wait.as_millis() as u64, "{what} failed; retrying");
    tokio::time::sleep(wait).await;
}

/// A call the runtime makes on a sink.
#[derive(Clone, Copy)]
enum SinkCall<'a> {
    Start,
    Write(&'a Batch),
    Finish,
}

/// Makes a sink call, retrying failures that may pass until it succeeds or
/// a failure that cannot pass comes.
async fn retry(sink: &mut dyn Sink, call: SinkCall<'_>) -> Result<(), SinkError> {
    let mut delays = Backoff::STANDARD.delays();
    loop {
        let (result, what) = match call {
            SinkCall::Start => (sink.start().await, "starting the sink"),
            SinkCall::Write(batch) => (sink.write_batch(batch).await, "sink write"),
            SinkCall::Finish => (sink.finish().await, "finishing the sink"),
        };
        match result {
            Ok(()) => return Ok(()),
            Err(e) if e.kind == SinkErrorKind::Retryable => {
                wait_to_retry(&mut delays, what, &e).await
            }
            Err(e) => return Err(e),
        }
    }
}
