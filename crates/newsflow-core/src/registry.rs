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

/// Maps `type` names to config parsers, one table per stage kind.
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
/// assert!(registry.parse_source("nothing", serde_json::json!({})).unwrap().is_ok());
/// assert!(registry.parse_source("nothing", serde_json::json!({"x": 1})).unwrap().is_err());
/// assert!(registry.parse_source("other", serde_json::json!({})).is_none());
/// ```
/// Reads a config, then runs its own cross-field check.
fn parse_checked<C: DeserializeOwned>(
    table: serde_json::Value,
    check: fn(&C) -> Result<(), FieldError>,
) -> Result<C, FieldError> {
    let config = parse::<C>(table)?;
    check(&config)?;
    Ok(config)
}

#[derive(Default)]
pub struct Registry {
    sources: BTreeMap<&'static str, Parser<dyn SourceConfig>>,
    transforms: BTreeMap<&'static str, Parser<dyn TransformConfig>>,
    sinks: BTreeMap<&'static str, Parser<dyn SinkConfig>>,
}

impl Registry {
    /// Registers a source type.
    pub fn add_source<C: SourceConfig + DeserializeOwned + 'static>(
        &mut self,
        type_name: &'static str,
    ) -> &mut Self {
        self.sources.insert(type_name, |v| {
            parse_checked::<C>(v, C::check).map(|c| Box::new(c) as Box<dyn SourceConfig>)
        });
        self
    }

    /// Registers a transform type.
    pub fn add_transform<C: TransformConfig + DeserializeOwned + 'static>(
        &mut self,
        type_name: &'static str,
    ) -> &mut Self {
        self.transforms.insert(type_name, |v| {
            parse_checked::<C>(v, C::check).map(|c| Box::new(c) as Box<dyn TransformConfig>)
        });
        self
    }

    /// Registers a sink type.
    pub fn add_sink<C: SinkConfig + DeserializeOwned + 'static>(
        &mut self,
        type_name: &'static str,
    ) -> &mut Self {
        self.sinks.insert(type_name, |v| {
            parse_checked::<C>(v, C::check).map(|c| Box::new(c) as Box<dyn SinkConfig>)
        });
        self
    }

    /// Parses a source table; `None` when the type is unknown.
    pub fn parse_source(
        &self,
        type_name: &str,
        table: serde_json::Value,
    ) -> Option<Result<Box<dyn SourceConfig>, FieldError>> {
        self.sources.get(type_name).map(|parse| parse(table))
    }

    /// Parses a transform table; `None` when the type is unknown.
    pub fn parse_transform(
        &self,
        type_name: &str,
        table: serde_json::Value,
    ) -> Option<Result<Box<dyn TransformConfig>, FieldError>> {
        self.transforms.get(type_name).map(|parse| parse(table))
    }

    /// Parses a sink table; `None` when the type is unknown.
    pub fn parse_sink(
        &self,
        type_name: &str,
        table: serde_json::Value,
    ) -> Option<Result<Box<dyn SinkConfig>, FieldError>> {
        self.sinks.get(type_name).map(|parse| parse(table))
    }

    /// Registered source type names, sorted.
    pub fn source_types(&self) -> Vec<&'static str> {
        self.sources.keys().copied().collect()
    }

    /// Registered transform type names, sorted.
    pub fn transform_types(&self) -> Vec<&'static str> {
        self.transforms.keys().copied().collect()
    }

    /// Registered sink type names, sorted.
    pub fn sink_types(&self) -> Vec<&'static str> {
        self.sinks.keys().copied().collect()
    }
}
