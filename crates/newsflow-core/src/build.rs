//! What a stage is given when it is built.

use crate::StageKey;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// Whether a stage can do its job now (connected, listening); read by the
/// daemon's `/ready` endpoint. A stage starts ready unless it says otherwise.
#[derive(Debug, Clone)]
pub struct Health(Arc<AtomicBool>);

impl Default for Health {
    fn default() -> Self {
        Health(Arc::new(AtomicBool::new(true)))
    }
}

impl Health {
    /// Marks the stage ready (true) or not (false).
    pub fn set_ready(&self, ready: bool) {
        self.0.store(ready, Ordering::Relaxed);
    }

    /// Whether the stage last said it was ready.
    pub fn is_ready(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// A count a stage reports, such as a source's backlog (files not yet read,
/// messages waiting on the server); read by the daemon's `/metrics`.
#[derive(Debug, Clone, Default)]
pub struct Gauge(Arc<AtomicU64>);

impl Gauge {
    /// Sets the value.
    pub fn set(&self, value: u64) {
        self.0.store(value, Ordering::Relaxed);
    }

    /// The last value set (0 when never set).
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A count that only goes up, such as the articles a transform passed on
/// without doing its work; read by the daemon's `/metrics`.
#[derive(Debug, Clone, Default)]
pub struct Counter(Arc<AtomicU64>);

impl Counter {
    /// Counts `n` more.
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    /// The count so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Handed to `build`: the stage's identity and its share of the runtime.
#[derive(Debug, Clone)]
pub struct BuildContext {
    /// The stage's config key (`sinks.out`, `dead_letter`).
    pub key: StageKey,
    /// The stage's name (`out`).
    pub name: String,
    /// The run's state directory (`[runtime] state_dir`): where checkpoints live.
    pub state_dir: PathBuf,
    /// The stage's readiness, reported by `/ready`.
    pub health: Health,
    /// For a source that knows it: how many articles wait to be read.
    pub backlog: Gauge,
    /// For a transform: articles passed on without its work (an article in
    /// a language it does not enrich).
    pub skipped: Counter,
    /// For a source whose server redelivers: messages received again after
    /// a delivery that was not acknowledged (a worker died, an ack wait
    /// passed). Each is a duplicate the sinks absorb by article id.
    pub redelivered: Counter,
}

impl BuildContext {
    /// A context for the stage at `key`, keeping state under `state_dir`,
    /// starting ready.
    pub fn new(key: StageKey, state_dir: impl Into<PathBuf>) -> BuildContext {
        BuildContext {
            name: key.name().to_owned(),
            key,
            state_dir: state_dir.into(),
            health: Health::default(),
            backlog: Gauge::default(),
            skipped: Counter::default(),
            redelivered: Counter::default(),
        }
    }

    /// A directory of this stage's own under the state directory
    /// (`state/sources.inbox/`), for checkpoints and ledgers. Not created.
    pub fn state_path(&self) -> PathBuf {
        self.state_dir.join(self.key.to_string())
    }
}
