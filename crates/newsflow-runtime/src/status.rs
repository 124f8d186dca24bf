//! What a running pipeline shows of itself: per-stage counts, queue depth,
//! readiness. The daemon's `/metrics` and `/ready` read it.

use newsflow_core::{Event, Health, StageCounters};
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
}

#[derive(Debug)]
struct Stage {
    key: String,
    kind: &'static str,
    health: Health,
    counters: Arc<StageCounters>,
    queue: Option<mpsc::WeakSender<Event>>,
}

/// One stage as seen at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageSnapshot {
    /// Config key (`sinks.out`).
    pub key: String,
    /// `source`, `transform`, `sink` or `dead_letter`.
    pub kind: &'static str,
    /// Whether the stage says it can do its job now.
    pub ready: bool,
    /// Articles taken in.
    pub received: u64,
    /// Articles passed on (written, for a sink).
    pub emitted: u64,
    /// Articles refused or lost.
    pub failed: u64,
    /// Articles waiting in the stage's input channel, and its capacity.
    pub queue: Option<(usize, usize)>,
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

    pub(crate) fn add_stage(
        &self,
        key: String,
        kind: &'static str,
        health: Health,
        counters: Arc<StageCounters>,
        queue: Option<mpsc::WeakSender<Event>>,
    ) {
        let mut inner = self.lock();
        inner.stages.push(Stage {
            key,
            kind,
            health,
            counters,
            queue,
        });
        // Sources first, then transforms, sinks and the dead-letter sink.
        inner.stages.sort_by_key(|s| match s.kind {
            "source" => 0,
            "transform" => 1,
            "sink" => 2,
            _ => 3,
        });
    }

    pub(crate) fn set_draining(&self) {
        self.lock().draining = true;
    }

    pub(crate) fn stopped(&self) {
        let mut inner = self.lock();
        inner.running = false;
    }

    /// True while the pipeline runs, is not draining, and every stage is ready.
    pub fn is_ready(&self) -> bool {
        let inner = self.lock();
        inner.running && !inner.draining && inner.stages.iter().all(|s| s.health.is_ready())
    }

    /// True between the start of a stop and the end of the run.
    pub fn is_draining(&self) -> bool {
        self.lock().draining
    }

    /// Every stage's state now: sources, transforms, sinks, dead letters.
    pub fn snapshot(&self) -> Vec<StageSnapshot> {
        self.lock()
            .stages
            .iter()
            .map(|s| StageSnapshot {
                key: s.key.clone(),
                kind: s.kind,
                ready: s.health.is_ready(),
                // A source takes in exactly what it passes on or refuses.
                received: if s.kind == "source" {
                    s.counters.emitted() + s.counters.failed()
                } else {
                    s.counters.received()
                },
                emitted: s.counters.emitted(),
                failed: s.counters.failed(),
                queue: s
                    .queue
                    .as_ref()
                    .and_then(mpsc::WeakSender::upgrade)
                    .map(|tx| (tx.max_capacity() - tx.capacity(), tx.max_capacity())),
            })
            .collect()
    }
}
