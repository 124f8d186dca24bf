//! A source run on its own, with the channels the runtime would give it, so
//! a test can take its articles and dead letters one at a time and settle
//! their deliveries itself.

use crate::{
    BoxError, BuildContext, DeadLetterEvent, DeadLetters, Event, Gauge, Health, Output,
    SourceConfig, SourceContext, StageCounters, StageKey,
};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// How long a [`RunningSource`] waits for an article, a dead letter or the
/// source's return before the test fails.
pub const SOURCE_TIMEOUT: Duration = Duration::from_secs(10);

/// Articles and dead letters the source may emit before nobody reads them:
/// what a source meets when its pipeline is slow.
const CHANNEL_CAPACITY: usize = 64;

/// A source running on a task of its own (see [`start_source`]). The fields
/// are what a test checks or drives directly: the channels, the shutdown
/// signal, what the source reports, and its task (to abort it, as a crash).
pub struct RunningSource {
    /// The articles it emitted, not yet taken.
    pub articles: mpsc::Receiver<Event>,
    /// The dead letters it sent, not yet taken.
    pub dead_letters: mpsc::Receiver<DeadLetterEvent>,
    /// Cancelled to stop it, as a pipeline being stopped does.
    pub shutdown: CancellationToken,
    /// Its readiness, as `/ready` reads it.
    pub health: Health,
    /// Its backlog, as `/metrics` reads it.
    pub backlog: Gauge,
    /// The task running it; ends with what `Source::run` returned.
    pub task: JoinHandle<Result<(), BoxError>>,
}

/// Builds the source `config` describes (as `sources.in`, its state under
/// `state`) and runs it on a tokio task; call it inside a tokio runtime.
/// Panics when the source does not build.
///
/// ```
/// use newsflow_core::testing::start_source;
/// use newsflow_core::{Article, BoxError, BuildContext, Source, SourceConfig, SourceContext};
///
/// /// Emits one article, then waits to be stopped.
/// #[derive(Debug)]
/// struct OneArticle;
///
/// impl SourceConfig for OneArticle {
///     fn build(&self, _: &BuildContext) -> Result<Box<dyn Source>, BoxError> {
///         Ok(Box::new(OneArticle))
///     }
/// }
///
/// #[async_trait::async_trait]
/// impl Source for OneArticle {
///     async fn run(self: Box<Self>, cx: SourceContext) -> Result<(), BoxError> {
///         let article = Article::from_text("a1", "Body.")?;
///         cx.out.send(article, cx.delivery()).await?;
///         cx.shutdown.cancelled().await;
///         Ok(())
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let state = std::env::temp_dir();
/// let mut source = start_source(&OneArticle, &state);
/// let event = source.next_article().await;
/// assert_eq!(event.article.id, "a1");
/// event.delivery.delivered();
/// source.stop().await;
/// # }
/// ```
pub fn start_source(config: &dyn SourceConfig, state: &Path) -> RunningSource {
    let build = BuildContext::new(StageKey::source("in"), state);
    let source = config
        .build(&build)
        .unwrap_or_else(|e| panic!("the source does not build: {e}"));
    let (article_tx, articles) = mpsc::channel(CHANNEL_CAPACITY);
    let (dead_tx, dead_letters) = mpsc::channel(CHANNEL_CAPACITY);
    let counters = Arc::<StageCounters>::default();
    let shutdown = CancellationToken::new();
    let cx = SourceContext {
        name: build.name.clone(),
        out: Output::new(vec![article_tx], counters.clone()),
        dead_letters: DeadLetters::new(dead_tx, counters),
        shutdown: shutdown.clone(),
    };
    RunningSource {
        articles,
        dead_letters,
        shutdown,
        health: build.health,
        backlog: build.backlog,
        task: tokio::spawn(source.run(cx)),
    }
}

impl RunningSource {
    /// The next article; panics when none comes within [`SOURCE_TIMEOUT`]
    /// or the source has returned.
    pub async fn next_article(&mut self) -> Event {
        tokio::time::timeout(SOURCE_TIMEOUT, self.articles.recv())
            .await
            .unwrap_or_else(|_| panic!("no article within {SOURCE_TIMEOUT:?}"))
            .expect("the source is running")
    }

    /// The next dead letter; panics when none comes within
    /// [`SOURCE_TIMEOUT`] or the source has returned.
    pub async fn next_dead_letter(&mut self) -> DeadLetterEvent {
        tokio::time::timeout(SOURCE_TIMEOUT, self.dead_letters.recv())
            .await
            .unwrap_or_else(|_| panic!("no dead letter within {SOURCE_TIMEOUT:?}"))
            .expect("the source is running")
    }

    /// Asks the source to stop and waits for it to return; panics when it
    /// fails or takes longer than [`SOURCE_TIMEOUT`]. Gives back what was
    /// left in its channels.
    pub async fn stop(self) -> (mpsc::Receiver<Event>, mpsc::Receiver<DeadLetterEvent>) {
        self.shutdown.cancel();
        if let Err(e) = Self::returned(self.task).await {
            panic!("the source failed: {e}");
        }
        (self.articles, self.dead_letters)
    }

    /// Waits for the source to return by itself (it failed, or ran out of
    /// input) and gives what it returned; panics when that takes longer
    /// than [`SOURCE_TIMEOUT`].
    pub async fn ended(self) -> Result<(), BoxError> {
        Self::returned(self.task).await
    }

    async fn returned(task: JoinHandle<Result<(), BoxError>>) -> Result<(), BoxError> {
        tokio::time::timeout(SOURCE_TIMEOUT, task)
            .await
            .unwrap_or_else(|_| panic!("the source did not return within {SOURCE_TIMEOUT:?}"))
            .expect("the source does not panic")
    }
}
