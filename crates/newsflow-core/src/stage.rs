//! One trait per stage kind, and the handles the runtime gives a stage.
//!
//! A stage never knows its neighbours: a source writes to an [`Output`], a
//! transform maps one article, a sink writes batches of [`Record`]s. The
//! runtime wires them.

use crate::observe::Tap;
use crate::{
    Article, Batch, DeadLetter, DeadLetterEvent, Delivery, Event, Outcome, Record, SinkError,
};
use async_trait::async_trait;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock, Weak};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// A boxed error with its chain, for failures that stop a stage.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Produces articles.
///
/// `run` returns when the source is exhausted (a replay) or when
/// [`SourceContext::shutdown`] is cancelled (a daemon being stopped).
#[async_trait]
pub trait Source: Send {
    /// Emits articles until exhausted or shut down.
    async fn run(self: Box<Self>, cx: SourceContext) -> Result<(), BoxError>;
}

/// Why a transform refused an article; the article goes to the dead-letter sink.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Rejection(pub String);

/// Where a transform sends an article it has taken in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// On to every stage that reads the transform.
    Pass,
    /// Nowhere: the article is settled as delivered (a filter left it out)
    /// and counted as dropped.
    Drop,
    /// To these named outputs (indexes into
    /// [`TransformConfig::outputs`](crate::TransformConfig::outputs)), each
    /// a branch of its own, as fan-out is.
    Outputs(Vec<usize>),
}

/// Changes one article at a time.
///
/// Synchronous on purpose: the runtime runs it on a blocking thread, several
/// articles at once when configured, and keeps their order.
pub trait Transform: Send + Sync {
    /// Enriches or rewrites `article` in place.
    fn apply(&self, article: &mut Article) -> Result<(), Rejection>;

    /// Transforms `article` and says where it goes next; what the runtime
    /// calls. By default [`apply`](Transform::apply), then on to every
    /// reader; filters and routes override it.
    fn route(&self, article: &mut Article) -> Result<Route, Rejection> {
        self.apply(article).map(|()| Route::Pass)
    }
}

/// Writes records somewhere.
///
/// The runtime batches records and calls [`write_batch`](Sink::write_batch);
/// the articles are reported delivered once it returns `Ok`, so it must make
/// them durable. When it fails, nothing of the batch counts as written: a
/// retry passes the batch again (without the records it refused, when it
/// named them). At the end of a run [`finish`](Sink::finish) is called once.
#[async_trait]
pub trait Sink: Send {
    /// Connects and prepares the target (creating or migrating its tables)
    /// before the first batch. A retryable failure is retried as a write is
    /// ([`Backoff::STANDARD`](crate::Backoff::STANDARD)) while the pipeline
    /// waits. Nothing to do by default.
    async fn start(&mut self) -> Result<(), SinkError> {
        Ok(())
    }

    /// Writes a batch durably. The batch is shared: a sink that hands it to
    /// another thread (a blocking database call) clones a pointer, not the
    /// records.
    async fn write_batch(&mut self, batch: &Batch) -> Result<(), SinkError>;

    /// What the sink must do when the run ends, after its last batch (an
    /// overwriting sink empties its output even when no batch came).
    /// Retried like a write. Nothing to do by default.
    async fn finish(&mut self) -> Result<(), SinkError> {
        Ok(())
    }
}

/// Per-stage counts, read for the end-of-run summary and metrics.
#[derive(Debug, Default)]
pub struct StageCounters {
    received: AtomicU64,
    emitted: AtomicU64,
    failed: AtomicU64,
    dropped: AtomicU64,
    settled: AtomicU64,
}

impl StageCounters {
    /// Counts articles taken in.
    pub fn add_received(&self, n: u64) {
        self.received.fetch_add(n, Ordering::Relaxed);
    }
    /// Counts articles passed on (or written, for a sink).
    pub fn add_emitted(&self, n: u64) {
        self.emitted.fetch_add(n, Ordering::Relaxed);
    }
    /// Counts articles refused or lost.
    pub fn add_failed(&self, n: u64) {
        self.failed.fetch_add(n, Ordering::Relaxed);
    }
    /// Counts articles a transform left out on purpose (a filter); they
    /// count as delivered.
    pub fn add_dropped(&self, n: u64) {
        self.dropped.fetch_add(n, Ordering::Relaxed);
    }
    /// Counts a source's articles whose delivery settled (written,
    /// dead-lettered, dropped by a filter, or failed).
    pub fn add_settled(&self, n: u64) {
        self.settled.fetch_add(n, Ordering::Relaxed);
    }
    /// Articles taken in so far.
    pub fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }
    /// Articles passed on so far.
    pub fn emitted(&self) -> u64 {
        self.emitted.load(Ordering::Relaxed)
    }
    /// Articles refused so far.
    pub fn failed(&self) -> u64 {
        self.failed.load(Ordering::Relaxed)
    }
    /// Articles left out on purpose so far.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
    /// For a source: its articles settled so far; those emitted and not
    /// yet settled are in flight.
    pub fn settled(&self) -> u64 {
        self.settled.load(Ordering::Relaxed)
    }
}

/// The downstream side of a stage: one bounded channel per reader.
///
/// Sending waits while a reader's channel is full, which is how a slow sink
/// slows the sources instead of growing memory.
#[derive(Debug, Clone)]
pub struct Output {
    // Behind a lock so the runtime can re-point a running stage (a reload
    // that replaces its readers) through an [`OutputHandle`].
    readers: Arc<RwLock<Readers>>,
    pub(crate) counters: Arc<StageCounters>,
    /// How the output counts its articles against the run's byte budget.
    budget: Option<Budgeting>,
    /// Where observers see what leaves the stage (with `[api]` only).
    tap: Option<Tap<Record>>,
}

/// The bytes of articles a run holds at once (`runtime.max_in_flight_bytes`).
///
/// A source's article takes its size from the budget before it is sent,
/// waiting for room; a transform that makes an article larger (entities,
/// figures) takes the growth without waiting, so it never deadlocks behind
/// the articles queued before it, and the sources wait until the enriched
/// articles are written. Each article gives its bytes back when its
/// delivery is settled, written or failed. So large articles slow the
/// sources down instead of growing memory.
///
/// ```
/// use newsflow_core::ByteBudget;
/// let budget = ByteBudget::new(1000);
/// assert_eq!(budget.available(), 1000);
/// ```
#[derive(Debug, Clone)]
pub struct ByteBudget(Arc<BudgetInner>);

#[derive(Debug)]
struct BudgetInner {
    total: u64,
    used: std::sync::Mutex<u64>,
    freed: tokio::sync::Notify,
}

/// Bytes taken from a [`ByteBudget`], given back when dropped.
#[derive(Debug)]
pub(crate) struct BudgetShare {
    budget: Arc<BudgetInner>,
    pub(crate) bytes: u64,
}

impl Drop for BudgetShare {
    fn drop(&mut self) {
        let mut used = self.budget.used.lock().unwrap_or_else(|p| p.into_inner());
        *used = used.saturating_sub(self.bytes);
        drop(used);
        self.budget.freed.notify_waiters();
    }
}

impl ByteBudget {
    /// A budget of `bytes`.
    pub fn new(bytes: u64) -> ByteBudget {
        ByteBudget(Arc::new(BudgetInner {
            total: bytes,
            used: std::sync::Mutex::new(0),
            freed: tokio::sync::Notify::new(),
        }))
    }

    /// Bytes not taken now.
    pub fn available(&self) -> u64 {
        self.0.total.saturating_sub(*self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, u64> {
        self.0.used.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn share(&self, bytes: u64) -> BudgetShare {
        BudgetShare {
            budget: self.0.clone(),
            bytes,
        }
    }

    /// Takes `bytes` when they fit, or when nothing is taken (an article
    /// larger than the whole budget goes alone).
    fn try_take(&self, bytes: u64) -> Option<BudgetShare> {
        let mut used = self.lock();
        if *used == 0 || *used + bytes <= self.0.total {
            *used += bytes;
            return Some(self.share(bytes));
        }
        None
    }

    /// Waits until `bytes` fit, then takes them.
    async fn take(&self, bytes: u64) -> BudgetShare {
        loop {
            let freed = self.0.freed.notified();
            tokio::pin!(freed);
            // Registered before the check, so a release in between wakes it.
            freed.as_mut().enable();
            if let Some(share) = self.try_take(bytes) {
                return share;
            }
            freed.await;
        }
    }

    /// Takes `bytes` at once, fitting or not: an article already in the
    /// pipeline that grew.
    fn grow(&self, bytes: u64) -> BudgetShare {
        *self.lock() += bytes;
        self.share(bytes)
    }
}

/// Whether an [`Output`] admits articles into the budget or accounts for
/// their growth.
#[derive(Debug, Clone)]
enum Budgeting {
    /// A source's output: each article waits for room for its size.
    Admit(ByteBudget),
    /// A transform's output: an article's growth is taken without waiting.
    Grow(ByteBudget),
}

type Readers = Arc<[mpsc::Sender<Event>]>;

/// The runtime's hold on a stage's [`Output`]: it can re-point the output
/// without keeping it (or its channels) alive.
#[derive(Debug, Clone)]
pub struct OutputHandle(Weak<RwLock<Readers>>);

impl OutputHandle {
    /// Sends the output's articles to `readers` from now on; false when the
    /// stage has finished and dropped its output.
    pub fn set_readers(&self, readers: Vec<mpsc::Sender<Event>>) -> bool {
        let Some(cell) = self.0.upgrade() else {
            return false;
        };
        *cell.write().unwrap_or_else(|p| p.into_inner()) = readers.into();
        true
    }
}

/// Every reader of an output has gone away; the stage should stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the pipeline downstream has shut down")]
pub struct Closed;

impl Output {
    /// An output feeding `readers`, counting into `counters`.
    pub fn new(readers: Vec<mpsc::Sender<Event>>, counters: Arc<StageCounters>) -> Output {
        Output {
            readers: Arc::new(RwLock::new(readers.into())),
            counters,
            budget: None,
            tap: None,
        }
    }

    /// Keeps a copy of each article this output passes on in `tap`, for
    /// observers; see [`Tap`].
    pub fn observed_by(mut self, tap: Tap<Record>) -> Output {
        self.tap = Some(tap);
        self
    }

    /// The copy observers get, when the tap wants one (sampled while
    /// nobody watches); taken before the article moves on.
    fn observed(&self, article: &Article) -> Option<(&Tap<Record>, Record)> {
        self.tap
            .as_ref()
            .filter(|tap| tap.wants())
            .map(|tap| (tap, Record::Article(article.clone())))
    }

    /// This output (a source's) takes each article's size from `budget`
    /// before sending it, waiting for room; see [`ByteBudget`].
    pub fn admitting_into(mut self, budget: ByteBudget) -> Output {
        self.budget = Some(Budgeting::Admit(budget));
        self
    }

    /// This output (a transform's) takes from `budget` what each article
    /// grew by, without waiting; see [`ByteBudget`].
    pub fn growing_in(mut self, budget: ByteBudget) -> Output {
        self.budget = Some(Budgeting::Grow(budget));
        self
    }

    /// Whether any stage reads this output now.
    pub fn is_read(&self) -> bool {
        !self.readers().is_empty()
    }

    /// A handle for re-pointing this output while it runs.
    pub fn handle(&self) -> OutputHandle {
        OutputHandle(Arc::downgrade(&self.readers))
    }

    fn readers(&self) -> Readers {
        self.readers
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Sends an article to every reader (fan-out forks its delivery token).
    pub async fn send(&self, article: Article, mut delivery: Delivery) -> Result<(), Closed> {
        match &self.budget {
            None => {}
            Some(Budgeting::Admit(budget)) => {
                delivery.hold_share(budget.take(article.approx_bytes() as u64).await);
            }
            Some(Budgeting::Grow(budget)) => {
                let grown = (article.approx_bytes() as u64).saturating_sub(delivery.held_bytes());
                if grown > 0 {
                    delivery.hold_share(budget.grow(grown));
                }
            }
        }
        let readers = self.readers();
        let Some((last, rest)) = readers.split_last() else {
            return Err(Closed);
        };
        let observed = self.observed(&article);
        for reader in rest {
            let event = Event {
                article: article.clone(),
                delivery: delivery.fork(),
            };
            reader.send(event).await.map_err(|_| Closed)?;
        }
        last.send(Event { article, delivery })
            .await
            .map_err(|_| Closed)?;
        self.counters.add_emitted(1);
        if let Some((tap, record)) = observed {
            tap.push(record);
        }
        Ok(())
    }

    /// Sends every article to every reader at once, or none of them when
    /// some reader has no room for all: for sources that must answer their
    /// client now (an HTTP push gets 503 and retries) instead of waiting.
    pub fn try_send_batch(&self, batch: Vec<(Article, Delivery)>) -> Result<(), TrySendError> {
        let n = batch.len();
        if n == 0 {
            return Ok(());
        }
        let readers = self.readers();
        if readers.is_empty() {
            return Err(TrySendError::Closed);
        }
        // The whole batch's bytes, or none of them (a source's batch).
        let mut batch = batch;
        if let Some(Budgeting::Admit(budget)) = &self.budget {
            let sizes: Vec<u64> = batch.iter().map(|(a, _)| a.approx_bytes() as u64).collect();
            let share = budget
                .try_take(sizes.iter().sum())
                .ok_or(TrySendError::Full)?;
            // Each article gives its own bytes back as it is settled.
            for ((_, delivery), part) in batch.iter_mut().zip(split_share(share, sizes)) {
                delivery.hold_share(part);
            }
        }
        let mut permits = Vec::with_capacity(readers.len());
        for reader in readers.iter() {
            match reader.try_reserve_many(n) {
                Ok(permit) => permits.push(permit),
                Err(mpsc::error::TrySendError::Full(())) => return Err(TrySendError::Full),
                Err(mpsc::error::TrySendError::Closed(())) => return Err(TrySendError::Closed),
            }
        }
        let (last, rest) = permits.split_last_mut().expect("at least one reader");
        for (article, delivery) in batch {
            if let Some((tap, record)) = self.observed(&article) {
                tap.push(record);
            }
            for permit in rest.iter_mut() {
                let event = Event {
                    article: article.clone(),
                    delivery: delivery.fork(),
                };
                permit.next().expect("a permit per article").send(event);
            }
            last.next()
                .expect("a permit per article")
                .send(Event { article, delivery });
        }
        self.counters.add_emitted(n as u64);
        Ok(())
    }
}

/// Splits one share into one per size, in order.
fn split_share(mut share: BudgetShare, sizes: Vec<u64>) -> impl Iterator<Item = BudgetShare> {
    let budget = share.budget.clone();
    // The parts are handed out from the whole, which then holds nothing.
    share.bytes = 0;
    drop(share);
    sizes.into_iter().map(move |bytes| BudgetShare {
        budget: budget.clone(),
        bytes,
    })
}

/// Why [`Output::try_send_batch`] sent nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TrySendError {
    /// No room now; try again shortly.
    #[error("the pipeline is full; try again shortly")]
    Full,
    /// The pipeline downstream has shut down.
    #[error("the pipeline downstream has shut down")]
    Closed,
}

/// Where a stage sends input it cannot process.
#[derive(Debug, Clone)]
pub struct DeadLetters {
    sender: mpsc::Sender<DeadLetterEvent>,
    counters: Arc<StageCounters>,
}

impl DeadLetters {
    /// A handle sending into the dead-letter sink's channel and counting the
    /// failures against the sending stage.
    pub fn new(sender: mpsc::Sender<DeadLetterEvent>, counters: Arc<StageCounters>) -> DeadLetters {
        DeadLetters { sender, counters }
    }

    /// Logs the refusal and hands the record to the dead-letter sink; its
    /// delivery is settled once the record is written.
    pub async fn send(&self, letter: DeadLetter, delivery: Delivery) -> Result<(), Closed> {
        tracing::warn!(
            stage = %letter.stage,
            location = letter.location.as_deref().unwrap_or("-"),
            reason = %letter.reason,
            "input sent to the dead-letter sink"
        );
        self.counters.add_failed(1);
        delivery.reject();
        self.sender
            .send(DeadLetterEvent { letter, delivery })
            .await
            .map_err(|_| Closed)
    }
}

/// What the runtime hands a running source.
pub struct SourceContext {
    /// The source's name in the config.
    pub name: String,
    /// Where its articles go.
    pub out: Output,
    /// Where input it cannot read goes.
    pub dead_letters: DeadLetters,
    /// Cancelled when the pipeline stops; the source must then return.
    pub shutdown: CancellationToken,
}

impl SourceContext {
    /// A delivery token that counts the source's article settled when it is.
    pub fn delivery(&self) -> Delivery {
        self.delivery_then(|_| {})
    }

    /// A delivery token that counts the source's article settled and then
    /// calls `on_done` (to checkpoint or acknowledge) when it is.
    pub fn delivery_then(&self, on_done: impl FnOnce(Outcome) + Send + 'static) -> Delivery {
        let counters = self.out.counters.clone();
        Delivery::new(move |outcome| {
            counters.add_settled(1);
            on_done(outcome);
        })
    }
}

#[cfg(test)]
mod budget_tests {
    use super::*;
    use std::time::Duration;

    fn article(id: &str, bytes: usize) -> Article {
        Article::from_text(id, "x".repeat(bytes)).unwrap()
    }

    #[tokio::test]
    async fn a_source_waits_for_room_in_the_byte_budget() {
        let (tx, mut rx) = mpsc::channel(100);
        let budget = ByteBudget::new(1000);
        let out = Output::new(vec![tx], Arc::default()).admitting_into(budget.clone());
        // Room for 100 articles by count, not for two of 600 bytes.
        out.send(article("a", 599), Delivery::untracked())
            .await
            .unwrap();
        assert_eq!(budget.available(), 400);
        let second = tokio::time::timeout(
            Duration::from_millis(200),
            out.send(article("b", 599), Delivery::untracked()),
        )
        .await;
        assert!(second.is_err(), "sent past the budget");
        // The first is written: its bytes come back, and the next one goes.
        let first = rx.recv().await.unwrap();
        first.delivery.delivered();
        assert_eq!(budget.available(), 1000);
        out.send(article("b", 599), Delivery::untracked())
            .await
            .unwrap();
        // An article larger than the whole budget takes all of it, alone.
        rx.recv().await.unwrap().delivery.delivered();
        out.send(article("huge", 5000), Delivery::untracked())
            .await
            .unwrap();
        assert_eq!(budget.available(), 0);
        drop(rx.recv().await.unwrap());
        assert_eq!(
            budget.available(),
            1000,
            "a failed article gives its bytes back too"
        );
    }

    #[tokio::test]
    async fn growth_in_a_transform_is_counted_and_holds_the_sources_back() {
        let (source_tx, mut source_rx) = mpsc::channel(100);
        let (transform_tx, mut transform_rx) = mpsc::channel(100);
        let budget = ByteBudget::new(1000);
        let source = Output::new(vec![source_tx], Arc::default()).admitting_into(budget.clone());
        let transform = Output::new(vec![transform_tx], Arc::default()).growing_in(budget.clone());
        source
            .send(article("a", 299), Delivery::untracked())
            .await
            .unwrap();
        assert_eq!(budget.available(), 700);
        // The transform makes the article three times larger: it takes the
        // growth at once, past what is free.
        let Event {
            mut article,
            delivery,
        } = source_rx.recv().await.unwrap();
        article.body = "y".repeat(1199);
        transform.send(article, delivery).await.unwrap();
        assert_eq!(budget.available(), 0);
        // The sources wait until it is written.
        let blocked = tokio::time::timeout(
            Duration::from_millis(200),
            source.send(article_small(), Delivery::untracked()),
        )
        .await;
        assert!(blocked.is_err());
        let forked = transform_rx.recv().await.unwrap();
        let copy = forked.delivery.fork();
        forked.delivery.delivered();
        assert_eq!(budget.available(), 0, "held until the last copy is settled");
        copy.delivered();
        assert_eq!(budget.available(), 1000);
    }

    fn article_small() -> Article {
        article("s", 9)
    }

    #[tokio::test]
    async fn a_batch_that_does_not_fit_the_budget_is_refused_whole() {
        let (tx, mut rx) = mpsc::channel(100);
        let budget = ByteBudget::new(1000);
        let out = Output::new(vec![tx], Arc::default()).admitting_into(budget.clone());
        let batch = |n: usize| {
            (0..n)
                .map(|i| (article(&i.to_string(), 299), Delivery::untracked()))
                .collect::<Vec<_>>()
        };
        out.send(article("h", 499), Delivery::untracked())
            .await
            .unwrap();
        assert_eq!(out.try_send_batch(batch(2)), Err(TrySendError::Full));
        assert_eq!(budget.available(), 500, "a refused batch takes nothing");
        out.try_send_batch(batch(1)).unwrap();
        assert_eq!(budget.available(), 200);
        for _ in 0..2 {
            rx.recv().await.unwrap().delivery.delivered();
        }
        assert_eq!(budget.available(), 1000);
        // A batch larger than the whole budget goes alone, when it is empty.
        out.try_send_batch(batch(5)).unwrap();
        assert_eq!(budget.available(), 0);
        for _ in 0..5 {
            rx.recv().await.unwrap().delivery.delivered();
        }
        assert_eq!(budget.available(), 1000);
    }
}
