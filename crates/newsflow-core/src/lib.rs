//! What every newsflow stage shares: [`Delivery`] tracking, dead letters,
//! one trait per stage kind and the [`Registry`] of stage types. The
//! [`Article`] and its annotations come from the vocabulary crate
//! (`newsflow-article`) and are re-exported here. Stages depend on this crate; they never depend on each other
//! or on the runtime.

mod backoff;
mod build;
mod checkpoint;
pub mod codec;
mod delivery;
mod observe;
mod record;
mod registry;
mod sink_error;
mod stage;
mod stage_key;
#[cfg(feature = "test-util")]
pub mod testing;

pub use backoff::{Backoff, Delays};
pub use build::{BuildContext, Counter, Gauge, Health};
pub use checkpoint::{Checkpoints, Settled};
pub use delivery::{Delivery, Outcome};
pub use observe::{Attached, Cursor, Seen, Tap};
pub use record::{
    Batch, DeadLetter, DeadLetterEvent, Event, RawEncoding, Record, DEFAULT_MAX_ARTICLE_BYTES,
    OVERSIZED_RAW_KEPT,
};
pub use registry::{FieldError, Registry, SinkConfig, SourceConfig, Table, TransformConfig};
pub use sink_error::{Misconfigured, Refusal, SinkError, SinkErrorKind};
pub use stage::{
    BoxError, ByteBudget, Closed, DeadLetters, Output, OutputHandle, Rejection, Route, Sink,
    Source, SourceContext, StageCounters, Transform, TrySendError,
};
pub use stage_key::{StageKey, StageKind};

/// The article and its annotations, re-exported from the vocabulary crate.
pub use newsflow_article::{
    parse_date, Article, ArticleError, Entity, EntityType, Figure, FigureKind, FigureValue,
    Mention, Qualifier, TextField, MAX_ID_BYTES,
};
