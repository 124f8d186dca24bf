//! A stage's identity: its kind and its name, written in the config as
//! `sources.NAME`, `transforms.NAME`, `sinks.NAME` or `dead_letter`.

use std::fmt;

/// What a stage does in the graph. Ordered as articles flow: sources first,
/// the dead-letter sink last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StageKind {
    /// Reads articles from outside (`[sources.NAME]`).
    Source,
    /// Changes or routes articles (`[transforms.NAME]`).
    Transform,
    /// Writes articles out (`[sinks.NAME]`).
    Sink,
    /// Takes what a stage could not handle (`[dead_letter]`).
    DeadLetter,
}

impl StageKind {
    /// Every kind, in flow order.
    pub const ALL: [StageKind; 4] = [
        StageKind::Source,
        StageKind::Transform,
        StageKind::Sink,
        StageKind::DeadLetter,
    ];

    /// The kind as metrics and the API label it: `source`, `transform`,
    /// `sink`, `dead_letter`.
    pub fn as_str(self) -> &'static str {
        match self {
            StageKind::Source => "source",
            StageKind::Transform => "transform",
            StageKind::Sink => "sink",
            StageKind::DeadLetter => "dead_letter",
        }
    }

    /// The config table that holds stages of this kind (`sources`); the
    /// dead-letter sink is a table of its own (`dead_letter`).
    pub fn table(self) -> &'static str {
        match self {
            StageKind::Source => "sources",
            StageKind::Transform => "transforms",
            StageKind::Sink => "sinks",
            StageKind::DeadLetter => DEAD_LETTER,
        }
    }
}

impl fmt::Display for StageKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for StageKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

const DEAD_LETTER: &str = "dead_letter";

/// A stage's config key: `sources.news`, `sinks.out`, `dead_letter`.
/// Ordered by kind (sources first), then name.
///
/// ```
/// use newsflow_core::{StageKey, StageKind};
/// let key = StageKey::sink("out");
/// assert_eq!(key.kind(), StageKind::Sink);
/// assert_eq!(key.to_string(), "sinks.out");
/// assert_eq!(key.field("retries"), "sinks.out.retries");
/// assert_eq!(StageKey::parse("sinks.out"), Some(key));
/// assert_eq!(StageKey::parse("dead_letter"), Some(StageKey::dead_letter()));
/// assert_eq!(StageKey::parse("runtime.state_dir"), None);
/// assert!(StageKey::source("z") < StageKey::transform("a"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StageKey {
    kind: StageKind,
    name: String,
}

impl StageKey {
    /// The key of stage `name` of `kind`. For [`StageKind::DeadLetter`]
    /// the name is always `dead_letter`.
    pub fn new(kind: StageKind, name: impl Into<String>) -> StageKey {
        match kind {
            StageKind::DeadLetter => StageKey::dead_letter(),
            _ => StageKey {
                kind,
                name: name.into(),
            },
        }
    }

    /// The key of source `name` (`sources.NAME`).
    pub fn source(name: impl Into<String>) -> StageKey {
        StageKey::new(StageKind::Source, name)
    }

    /// The key of transform `name` (`transforms.NAME`).
    pub fn transform(name: impl Into<String>) -> StageKey {
        StageKey::new(StageKind::Transform, name)
    }

    /// The key of sink `name` (`sinks.NAME`).
    pub fn sink(name: impl Into<String>) -> StageKey {
        StageKey::new(StageKind::Sink, name)
    }

    /// The dead-letter sink's key.
    pub fn dead_letter() -> StageKey {
        StageKey {
            kind: StageKind::DeadLetter,
            name: DEAD_LETTER.to_owned(),
        }
    }

    /// Reads a key as the config writes it (`sources.NAME`, `dead_letter`);
    /// `None` for anything else.
    pub fn parse(key: &str) -> Option<StageKey> {
        if key == DEAD_LETTER {
            return Some(StageKey::dead_letter());
        }
        let (table, name) = key.split_once('.')?;
        let kind = StageKind::ALL[..3]
            .iter()
            .copied()
            .find(|kind| kind.table() == table)?;
        (!name.is_empty()).then(|| StageKey::new(kind, name))
    }

    /// What the stage does.
    pub fn kind(&self) -> StageKind {
        self.kind
    }

    /// Its name in the config (`news` of `sources.news`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The config key of one of its fields (`sinks.out.retries`), as
    /// diagnostics name it.
    pub fn field(&self, path: &str) -> String {
        format!("{self}.{path}")
    }
}

impl fmt::Display for StageKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            StageKind::DeadLetter => f.write_str(DEAD_LETTER),
            kind => write!(f, "{}.{}", kind.table(), self.name),
        }
    }
}

impl serde::Serialize for StageKey {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}
