//! In-memory stages, for testing a runtime or a config without files,
//! ports or servers: a source that emits the articles a test names and
//! remembers how each one settled, and a sink that keeps what it is given
//! and fails when told to. Both report to a [`Store`] the test reads by name.
//!
//! ```
//! use newsflow_core::testing::memory::{self, MemorySinkConfig, MemorySourceConfig};
//! let mut registry = newsflow_core::Registry::default();
//! registry
//!     .add_source::<MemorySourceConfig>("memory")
//!     .add_sink::<MemorySinkConfig>("memory");
//! let store = memory::store("doc-example");
//! assert!(store.written_ids().is_empty());
//! ```

use crate::{
    Article, Batch, BoxError, BuildContext, Outcome, Record, Sink, SinkConfig, SinkError, Source,
    SourceConfig, SourceContext,
};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

/// What the in-memory stages of one test saw, shared by name.
#[derive(Debug, Default)]
pub struct Store {
    written: Mutex<Vec<Record>>,
    outcomes: Mutex<Vec<(String, Outcome)>>,
    writes: Mutex<usize>,
    finished: Mutex<usize>,
}

static STORES: LazyLock<Mutex<HashMap<String, Arc<Store>>>> = LazyLock::new(Default::default);

/// The store called `name`, made empty on first use. Tests that run at the
/// same time use different names.
pub fn store(name: &str) -> Arc<Store> {
    let mut stores = STORES.lock().unwrap_or_else(PoisonError::into_inner);
    stores.entry(name.to_owned()).or_default().clone()
}

fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Store {
    /// Every record the sinks writing here have written, in order.
    pub fn written(&self) -> Vec<Record> {
        locked(&self.written).clone()
    }

    /// The ids of the records written, in order.
    pub fn written_ids(&self) -> Vec<String> {
        locked(&self.written)
            .iter()
            .filter_map(|r| r.article_id().map(str::to_owned))
            .collect()
    }

    /// How each article a source emitted settled, in the order they did.
    pub fn outcomes(&self) -> Vec<(String, Outcome)> {
        locked(&self.outcomes).clone()
    }

    /// Calls of `write_batch`, failed ones included.
    pub fn writes(&self) -> usize {
        *locked(&self.writes)
    }

    /// Calls of `finish`.
    pub fn finished(&self) -> usize {
        *locked(&self.finished)
    }
}

/// `type = "memory"` as a source: emits one article per id in `ids`
/// (the body says which), then ends, or waits for the stop when `wait`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemorySourceConfig {
    /// The [`Store`] its outcomes go to.
    pub store: String,
    /// The articles' ids, in order.
    pub ids: Vec<String>,
    /// Stay running after the last article until the pipeline stops (a
    /// daemon's source), instead of ending (a replay's).
    #[serde(default)]
    pub wait: bool,
}

impl SourceConfig for MemorySourceConfig {
    fn build(&self, _cx: &BuildContext) -> Result<Box<dyn Source>, BoxError> {
        Ok(Box::new(self.clone()))
    }
}

#[async_trait::async_trait]
impl Source for MemorySourceConfig {
    async fn run(self: Box<Self>, cx: SourceContext) -> Result<(), BoxError> {
        let store = store(&self.store);
        for id in self.ids {
            let article = Article::from_text(id.clone(), format!("Article {id}."))?;
            let store = store.clone();
            let delivery =
                cx.delivery_then(move |outcome| locked(&store.outcomes).push((id, outcome)));
            if cx.out.send(article, delivery).await.is_err() {
                return Err("the pipeline downstream stopped".into());
            }
        }
        if self.wait {
            cx.shutdown.cancelled().await;
        }
        Ok(())
    }
}

/// `type = "memory"` as a sink: keeps every record it is given in its
/// [`Store`]; fails its first `fail_writes` writes (retryably), and refuses
/// the records whose ids are in `refuse` (for good).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemorySinkConfig {
    /// The [`Store`] it writes to.
    pub store: String,
    /// How many writes fail before they succeed.
    #[serde(default)]
    pub fail_writes: usize,
    /// Ids of records it refuses, which go to the dead-letter sink.
    #[serde(default)]
    pub refuse: Vec<String>,
}

impl SinkConfig for MemorySinkConfig {
    fn build(&self, _cx: &BuildContext) -> Result<Box<dyn Sink>, BoxError> {
        Ok(Box::new(self.clone()))
    }
}

#[async_trait::async_trait]
impl Sink for MemorySinkConfig {
    async fn write_batch(&mut self, batch: &Batch) -> Result<(), SinkError> {
        let store = store(&self.store);
        *locked(&store.writes) += 1;
        if self.fail_writes > 0 {
            self.fail_writes -= 1;
            return Err(SinkError::retryable("memory: told to fail this write"));
        }
        let refused: Vec<crate::Refusal> = batch
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                r.article_id()
                    .is_some_and(|id| self.refuse.iter().any(|x| x == id))
            })
            .map(|(index, _)| crate::Refusal {
                index,
                reason: "memory: told to refuse this id".into(),
            })
            .collect();
        if !refused.is_empty() {
            return Err(SinkError::refused("memory: refused records", refused));
        }
        locked(&store.written).extend(batch.iter().cloned());
        Ok(())
    }

    async fn finish(&mut self) -> Result<(), SinkError> {
        *locked(&store(&self.store).finished) += 1;
        Ok(())
    }
}
