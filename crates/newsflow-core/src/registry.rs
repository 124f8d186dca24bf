//! The explicit registry of stage types: `type = "..."` in the config picks a
//! typed config struct here, which then builds the stage.

use crate::{BoxError, BuildContext, Sink, Source, Transform};
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::Arc;

/// A source's typed config.
pub trait SourceConfig: Debug + Send + Sync {
    /// Builds the source; called for every stage before any of them runs.
    fn build(&self, cx: &BuildContext) -> Result<Box<dyn Source>, BoxError>;

    /// Checks what the field types alone cannot (one field needs another),
    /// as the config is read, so `validate` refuses it too; the error names
    /// the field. No I/O here: that is `build`'s.
    fn check(&self) -> Result<(), FieldError> {
        Ok(())
    }

    /// Whether the source remembers across restarts what was delivered (a
    /// ledger, acknowledgements) and so never emits it again: a sink behind
    /// it must not start its output afresh. False by default.
    fn checkpoints(&self) -> bool {
        false
    }
}

/// A transform's typed config.
pub trait TransformConfig: Debug + Send + Sync {
    /// Builds the transform; called for every stage before any of them runs.
    fn build(&self, cx: &BuildContext) -> Result<Arc<dyn Transform>, BoxError>;

    /// Checks what the field types alone cannot (one field needs another),
    /// as the config is read, so `validate` refuses it too; the error names
    /// the field. No I/O here: that is `build`'s.
    fn check(&self) -> Result<(), FieldError> {
        Ok(())
    }

    /// The names of the transform's own outputs (a `route`'s), read as
    /// `NAME.OUTPUT`; a transform with outputs is read only through them.
    /// None by default: readers name the transform itself.
    fn outputs(&self) -> Vec<String> {
        Vec::new()
    }

    /// Whether each article's result depends on the ones before it (a
    /// deduplicator's memory), so articles must be taken one at a time, in
    /// order: the stage runs with `concurrency = 1`. False by default.
    fn sequential(&self) -> bool {
        false
    }
}

/// A sink's typed config.
pub trait SinkConfig: Debug + Send + Sync {
    /// Builds the sink; called for every stage before any of them runs.
    fn build(&self, cx: &BuildContext) -> Result<Box<dyn Sink>, BoxError>;

    /// Checks what the field types alone cannot (one field needs another),
    /// as the config is read, so `validate` refuses it too; the error names
    /// the field. No I/O here: that is `build`'s.
    fn check(&self) -> Result<(), FieldError> {
        Ok(())
    }

    /// Whether the sink empties its target when it starts (`mode =
    /// "overwrite"`). False by default.
    fn overwrites(&self) -> bool {
        false
    }
}

/// A field of a stage's table that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Path below the stage's table (`path`, `feeds[0].url`); empty for the
    /// table itself (a missing field).
    pub path: String,
    /// What is wrong, as serde says it.
    pub message: String,
}

type Parser<T> = fn(serde_json::Value) -> Result<Box<T>, FieldError>;

fn parse<C: DeserializeOwned>(table: serde_json::Value) -> Result<C, FieldError> {
    serde_path_to_error::deserialize(table).map_err(|e| {
        let path = e.path().to_string();
        FieldError {
            path: if path == "." { String::new() } else { path },
            message: e.into_inner().to_string(),
        }
    })
}

/// Reads a config, then runs its own cross-field check.
fn parse_checked<C: DeserializeOwned>(
    table: serde_json::Value,
    check: fn(&C) -> Result<(), FieldError>,
) -> Result<C, FieldError> {
    let config = parse::<C>(table)?;
    check(&config)?;
    Ok(config)
}

/// The config parsers of one stage kind, by `type` name.
pub struct Table<T: ?Sized> {
    parsers: BTreeMap<&'static str, Parser<T>>,
}

impl<T: ?Sized> Default for Table<T> {
    fn default() -> Self {
        Table {
            parsers: BTreeMap::new(),
        }
    }
}

impl<T: ?Sized> Table<T> {
    fn insert(&mut self, type_name: &'static str, parser: Parser<T>) {
        self.parsers.insert(type_name, parser);
    }

    /// Parses a stage's table as `type_name`; `None` when the type is unknown.
    pub fn parse(
        &self,
        type_name: &str,
        table: serde_json::Value,
    ) -> Option<Result<Box<T>, FieldError>> {
        self.parsers.get(type_name).map(|parse| parse(table))
    }

    /// The registered type names, sorted.
    pub fn types(&self) -> Vec<&'static str> {
        self.parsers.keys().copied().collect()
    }
}

/// Maps `type` names to config parsers, one [`Table`] per stage kind.
///
/// ```
/// use newsflow_core::{BoxError, Registry, Source, SourceConfig};
/// #[derive(Debug, serde::Deserialize)]
/// #[serde(deny_unknown_fields)]
/// struct Nothing {}
/// impl SourceConfig for Nothing {
///     fn build(&self, _cx: &newsflow_core::BuildContext) -> Result<Box<dyn Source>, BoxError> { Err("unused".into()) }
/// }
/// let mut registry = Registry::default();
/// registry.add_source::<Nothing>("nothing");
/// assert!(registry.sources.parse("nothing", serde_json::json!({})).unwrap().is_ok());
/// assert!(registry.sources.parse("nothing", serde_json::json!({"x": 1})).unwrap().is_err());
/// assert!(registry.sources.parse("other", serde_json::json!({})).is_none());
/// assert_eq!(registry.sources.types(), ["nothing"]);
/// ```
#[derive(Default)]
pub struct Registry {
    /// Source types (`[sources.NAME]`).
    pub sources: Table<dyn SourceConfig>,
    /// Transform types (`[transforms.NAME]`).
    pub transforms: Table<dyn TransformConfig>,
    /// Sink types (`[sinks.NAME]`, `[dead_letter]`).
    pub sinks: Table<dyn SinkConfig>,
}

impl Registry {
    /// Registers a source type.
    pub fn add_source<C: SourceConfig + DeserializeOwned + 'static>(
        &mut self,
        type_name: &'static str,
    ) -> &mut Self {
        self.sources.insert(type_name, |v| {
            Ok(Box::new(parse_checked::<C>(v, C::check)?))
        });
        self
    }

    /// Registers a transform type.
    pub fn add_transform<C: TransformConfig + DeserializeOwned + 'static>(
        &mut self,
        type_name: &'static str,
    ) -> &mut Self {
        self.transforms.insert(type_name, |v| {
            Ok(Box::new(parse_checked::<C>(v, C::check)?))
        });
        self
    }

    /// Registers a sink type.
    pub fn add_sink<C: SinkConfig + DeserializeOwned + 'static>(
        &mut self,
        type_name: &'static str,
    ) -> &mut Self {
        self.sinks.insert(type_name, |v| {
            Ok(Box::new(parse_checked::<C>(v, C::check)?))
        });
        self
    }
}
