//! What a running pipeline shows of itself: per-stage counts, latency, queue
//! depth, backlog, readiness. The daemon's `/metrics` and `/ready` read it.

use crate::config::ParsedConfig;
use crate::histogram::Histogram;
use newsflow_core::{
    BuildContext, Counter, Event, Gauge, Health, Record, StageCounters, StageKey, StageKind, Tap,
};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// A live view of a running pipeline; cheap to clone and share.
#[derive(Debug, Clone, Default)]
pub struct Status {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug, Default)]
struct Inner {
    stages: Vec<Stage>,
    running: bool,
    draining: bool,
    reloads: u64,
    failed_reloads: u64,
    /// What leaves each stage, by key, for observers; kept across reloads.
    taps: BTreeMap<StageKey, Tap<Record>>,
    topology: Vec<Node>,
}

/// One stage in the pipeline's graph, as the page draws it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Node {
    /// Config key (`transforms.enrich`).
    pub key: StageKey,
    /// `source`, `transform`, `sink` or `dead_letter`.
    pub kind: StageKind,
    /// Its `type` (`http`, `jsonl`).
    pub type_name: String,
    /// The keys of the stages it reads.
    pub inputs: Vec<StageKey>,
}

/// How many of the latest records each stage's tap keeps.
const TAP_CAPACITY: usize = 64;

#[derive(Debug)]
struct Stage {
    key: StageKey,
    health: Health,
    backlog: Gauge,
    skipped: Counter,
    redelivered: Counter,
    counters: Arc<StageCounters>,
    latency: Arc<Histogram>,
    queue: Option<mpsc::WeakSender<Event>>,
}

/// One stage as seen at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageSnapshot {
    /// Config key (`sinks.out`).
    pub key: StageKey,
    /// `source`, `transform`, `sink` or `dead_letter`.
    pub kind: StageKind,
    /// Whether the stage says it can do its job now.
    pub ready: bool,
    /// Articles taken in.
    pub received: u64,
    /// Articles passed on (written, for a sink).
    pub emitted: u64,
    /// Articles refused or lost.
    pub failed: u64,
    /// For a transform: articles left out on purpose (a filter), delivered.
    pub dropped: u64,
    /// Articles waiting in the stage's input channel, and its capacity.
    pub queue: Option<(usize, usize)>,
    /// For a source: articles known to wait at the source.
    pub backlog: u64,
    /// For a transform: articles passed on without its work.
    pub skipped: u64,
    /// For a source: messages its server delivered again.
    pub redelivered: u64,
    /// For a source: its articles settled (written, dead-lettered, dropped
    /// or failed); those emitted and not settled are in flight.
    pub settled: u64,
}

impl Status {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn started(&self) {
        let mut inner = self.lock();
        inner.stages.clear();
        inner.running = true;
        inner.draining = false;
    }

    /// Adds a stage, or replaces the one with the same key (a reload).
    pub(crate) fn put_stage(
        &self,
        cx: &BuildContext,
        counters: Arc<StageCounters>,
        latency: Arc<Histogram>,
        queue: Option<mpsc::WeakSender<Event>>,
    ) {
        let mut inner = self.lock();
        inner.stages.retain(|s| s.key != cx.key);
        inner.stages.push(Stage {
            key: cx.key.clone(),
            health: cx.health.clone(),
            backlog: cx.backlog.clone(),
            skipped: cx.skipped.clone(),
            redelivered: cx.redelivered.clone(),
            counters,
            latency,
            queue,
        });
        inner.stages.sort_by(|a, b| a.key.cmp(&b.key));
    }

    /// Forgets a stage a reload removed.
    pub(crate) fn remove_stage(&self, key: &StageKey) {
        self.lock().stages.retain(|s| s.key != *key);
    }

    /// The tap of stage `key`, made on first use; the same one after a
    /// reload rebuilds the stage, so observers stay attached.
    pub(crate) fn tap_for(&self, key: &StageKey) -> Tap<Record> {
        self.lock()
            .taps
            .entry(key.clone())
            .or_insert_with(|| Tap::new(TAP_CAPACITY))
            .clone()
    }

    /// The tap of stage `key`, when it runs observed.
    pub fn tap(&self, key: &StageKey) -> Option<Tap<Record>> {
        self.lock().taps.get(key).cloned()
    }

    /// Records the graph of `config` (at the start and after each reload).
    pub(crate) fn set_topology(&self, config: &ParsedConfig) {
        let nodes = config
            .stages()
            .map(|stage| Node {
                kind: stage.key.kind(),
                key: stage.key,
                type_name: stage.type_name.to_owned(),
                inputs: stage
                    .inputs
                    .iter()
                    .filter_map(|i| config.stage_of(i))
                    .collect(),
            })
            .collect();
        self.lock().topology = nodes;
    }

    /// The pipeline's graph now.
    pub fn topology(&self) -> Vec<Node> {
        self.lock().topology.clone()
    }

    /// Config reloads applied and refused so far.
    pub fn reloads(&self) -> (u64, u64) {
        let inner = self.lock();
        (inner.reloads, inner.failed_reloads)
    }

    pub(crate) fn reloaded(&self, ok: bool) {
        let mut inner = self.lock();
        if ok {
            inner.reloads += 1;
        } else {
            inner.failed_reloads += 1;
        }
    }

    pub(crate) fn set_draining(&self) {
        self.lock().draining = true;
    }

    pub(crate) fn stopped(&self) {
        self.lock().running = false;
    }

    /// True while the pipeline runs, is not draining, and every stage is ready.
    pub fn is_ready(&self) -> bool {
        let inner = self.lock();
        inner.running && !inner.draining && inner.stages.iter().all(|s| s.health.is_ready())
    }

    /// The stages that are not ready now.
    pub fn not_ready(&self) -> Vec<StageKey> {
        let inner = self.lock();
        inner
            .stages
            .iter()
            .filter(|s| !s.health.is_ready())
            .map(|s| s.key.clone())
            .collect()
    }

    /// True between the start of a stop and the end of the run.
    pub fn is_draining(&self) -> bool {
        self.lock().draining
    }

    /// Every stage's state now: sources, transforms, sinks, dead letters.
    pub fn snapshot(&self) -> Vec<StageSnapshot> {
        self.lock().stages.iter().map(Stage::snapshot).collect()
    }

    /// Everything in the Prometheus text exposition format.
    pub fn render_prometheus(&self) -> String {
        crate::metrics::render(self)
    }

    /// What `/metrics` reads, at one moment.
    pub(crate) fn metrics_view(&self) -> MetricsView {
        let inner = self.lock();
        MetricsView {
            stages: inner
                .stages
                .iter()
                .map(|s| (s.snapshot(), s.latency.clone()))
                .collect(),
            draining: inner.draining,
            reloads: inner.reloads,
            failed_reloads: inner.failed_reloads,
        }
    }
}

/// The state `/metrics` reports.
pub(crate) struct MetricsView {
    /// Each stage, with its latency histogram.
    pub(crate) stages: Vec<(StageSnapshot, Arc<Histogram>)>,
    pub(crate) draining: bool,
    pub(crate) reloads: u64,
    pub(crate) failed_reloads: u64,
}

impl Stage {
    fn snapshot(&self) -> StageSnapshot {
        StageSnapshot {
            key: self.key.clone(),
            kind: self.key.kind(),
            ready: self.health.is_ready(),
            // A source takes in exactly what it passes on or refuses.
            received: if self.key.kind() == StageKind::Source {
                self.counters.emitted() + self.counters.failed()
            } else {
                self.counters.received()
            },
            emitted: self.counters.emitted(),
            failed: self.counters.failed(),
            dropped: self.counters.dropped(),
            queue: self
                .queue
                .as_ref()
                .and_then(mpsc::WeakSender::upgrade)
                .map(|tx| (tx.max_capacity() - tx.capacity(), tx.max_capacity())),
            backlog: self.backlog.get(),
            skipped: self.skipped.get(),
            redelivered: self.redelivered.get(),
            settled: self.counters.settled(),
        }
    }
}
