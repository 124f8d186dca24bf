//! The shared vocabulary of newsflow: the [`Article`] model, [`Delivery`]
//! tracking, dead letters, one trait per stage kind and the [`Registry`] of
//! stage types. Stages depend on this crate; they never depend on each other
//! or on the runtime.

mod article;
mod backoff;
mod build;
mod delivery;
mod observe;
mod record;
mod registry;
mod stage;

pub use article::{parse_date, Article, ArticleError, MAX_ID_BYTES};
pub use backoff::{Backoff, Delays};
pub use build::{BuildContext, Counter, Gauge, Health};
pub use delivery::{Delivery, Outcome};
pub use observe::{Batch, Cursor, Tap};
pub use record::{
    DeadLetter, DeadLetterEvent, Event, RawEncoding, Record, DEFAULT_MAX_ARTICLE_BYTES,
    OVERSIZED_RAW_KEPT,
};
pub use registry::{FieldError, Registry, SinkConfig, SourceConfig, TransformConfig};
pub use stage::{
    BoxError, ByteBudget, Closed, DeadLetters, Misconfigured, Output, OutputHandle, Progress,
    Refusal, Rejection, Sink, SinkError, SinkErrorKind, Source, SourceContext, StageCounters,
    Transform, TrySendError,
};

/// The enrichment types, re-exported from the extraction crate.
pub use newsflow_extract::{
    Entity, EntityType, Figure, FigureKind, FigureValue, Mention, Qualifier,
};
