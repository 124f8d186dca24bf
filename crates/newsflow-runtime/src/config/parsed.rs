//! A config as read: the runtime's and the API's options, and every stage's
//! typed config with the keys all stages of its kind share.

use super::{LineIndex, Problem};
use newsflow_core::{SinkConfig, SourceConfig, StageKey, TransformConfig};
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The default of `runtime.max_in_flight_bytes`: 256 MiB.
const DEFAULT_MAX_IN_FLIGHT_BYTES: u64 = 256 * 1024 * 1024;

/// Settings for the runtime itself (`[runtime]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RuntimeOptions {
    /// Capacity of each channel between stages, in articles.
    pub channel_capacity: usize,
    /// How long a stopping pipeline may take to drain in-flight articles.
    pub shutdown_timeout_secs: u64,
    /// Where sources keep checkpoints, a directory per stage.
    pub state_dir: PathBuf,
    /// The bytes of articles (their text and annotations) the whole
    /// pipeline holds at once, from the source until every sink has written
    /// them; sources wait for room.
    pub max_in_flight_bytes: std::num::NonZeroU64,
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        RuntimeOptions {
            channel_capacity: 256,
            shutdown_timeout_secs: 30,
            state_dir: PathBuf::from("state"),
            max_in_flight_bytes: std::num::NonZeroU64::new(DEFAULT_MAX_IN_FLIGHT_BYTES)
                .expect("not zero"),
        }
    }
}

/// The daemon's HTTP endpoint (`[api]`): `/metrics`, `/health`, `/ready`,
/// the page at `/` and the observer streams under `/api/`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiOptions {
    /// Where to listen, e.g. `127.0.0.1:8686`.
    pub address: std::net::SocketAddr,
    /// The token every request must carry (`Authorization: Bearer TOKEN`,
    /// or `?token=` for a browser). Without `token` or `token_env` anyone
    /// who can reach the address may read.
    #[serde(default)]
    pub token: Option<String>,
    /// The name of an environment variable holding the token (keeps the
    /// secret out of the config file).
    #[serde(default)]
    pub token_env: Option<String>,
}

/// A source as configured.
#[derive(Debug)]
pub struct SourceSpec {
    /// Its `type`.
    pub type_name: String,
    /// Its typed config.
    pub config: Box<dyn SourceConfig>,
}

/// A transform as configured.
#[derive(Debug)]
pub struct TransformSpec {
    /// Its `type`.
    pub type_name: String,
    /// The stages it reads.
    pub inputs: Vec<String>,
    /// Articles transformed at once (order is kept).
    pub concurrency: usize,
    /// Its typed config.
    pub config: Box<dyn TransformConfig>,
}

/// A sink as configured.
#[derive(Debug)]
pub struct SinkSpec {
    /// Its `type`.
    pub type_name: String,
    /// The stages it reads (empty for the dead-letter sink).
    pub inputs: Vec<String>,
    /// Records written per batch at most.
    pub batch_size: usize,
    /// Longest a record waits in a part-filled batch before it is flushed.
    pub flush_interval_ms: u64,
    /// Its typed config.
    pub config: Box<dyn SinkConfig>,
}

/// A config whose every stage parsed; [`crate::compile`] checks the graph.
#[derive(Debug)]
pub struct ParsedConfig {
    /// The file it came from.
    pub file: PathBuf,
    /// `[runtime]`.
    pub runtime: RuntimeOptions,
    /// `[sources.*]`, by name.
    pub sources: BTreeMap<String, SourceSpec>,
    /// `[transforms.*]`, by name.
    pub transforms: BTreeMap<String, TransformSpec>,
    /// `[sinks.*]`, by name.
    pub sinks: BTreeMap<String, SinkSpec>,
    /// `[dead_letter]`.
    pub dead_letter: Option<SinkSpec>,
    /// `[api]`, when the daemon serves metrics and health.
    pub api: Option<ApiOptions>,
    /// `[[tests]]`: config unit tests, as written; `newsflow test` reads them,
    /// a run ignores them.
    pub tests: Vec<Value>,
    /// Each stage's table as written (after environment overrides), by key:
    /// a reload rebuilds the stages whose table changed.
    pub tables: BTreeMap<StageKey, Value>,
    pub(crate) lines: LineIndex,
    /// Problems outside the stages (`[dead_letter]`, `[runtime]`, `[api]`),
    /// reported by [`crate::compile`] together with the graph's.
    pub(crate) deferred: Vec<Problem>,
}

/// One stage of a config, whatever its kind.
#[derive(Debug, Clone)]
pub struct StageEntry<'a> {
    /// Its key.
    pub key: StageKey,
    /// Its `type`.
    pub type_name: &'a str,
    /// The names it reads (none for sources and the dead-letter sink).
    pub inputs: &'a [String],
}

impl ParsedConfig {
    /// Every stage, sources first, the dead-letter sink last.
    pub fn stages<'a>(&'a self) -> impl Iterator<Item = StageEntry<'a>> {
        let entry = |key, type_name: &'a String, inputs: &'a [String]| StageEntry {
            key,
            type_name,
            inputs,
        };
        let sources = self
            .sources
            .iter()
            .map(move |(n, s)| entry(StageKey::source(n), &s.type_name, &[]));
        let transforms = self
            .transforms
            .iter()
            .map(move |(n, s)| entry(StageKey::transform(n), &s.type_name, &s.inputs));
        let sinks = self
            .sinks
            .iter()
            .map(move |(n, s)| entry(StageKey::sink(n), &s.type_name, &s.inputs));
        let dead_letter = self
            .dead_letter
            .iter()
            .map(move |s| entry(StageKey::dead_letter(), &s.type_name, &[]));
        sources.chain(transforms).chain(sinks).chain(dead_letter)
    }

    /// Every stage that reads others (transforms, then sinks), by config
    /// key, with the names it reads.
    pub fn readers(&self) -> impl Iterator<Item = (StageKey, &Vec<String>)> {
        let transforms = self
            .transforms
            .iter()
            .map(|(name, spec)| (StageKey::transform(name), &spec.inputs));
        let sinks = self
            .sinks
            .iter()
            .map(|(name, spec)| (StageKey::sink(name), &spec.inputs));
        transforms.chain(sinks)
    }

    /// The transform an input names: the transform itself, or the one
    /// whose output it is (`route.english` -> `route`).
    pub fn transform_of(&self, input: &str) -> Option<&str> {
        if let Some((name, _)) = self.transforms.get_key_value(input) {
            return Some(name);
        }
        let (name, output) = input.rsplit_once('.')?;
        let (name, spec) = self.transforms.get_key_value(name)?;
        spec.config
            .outputs()
            .iter()
            .any(|o| o == output)
            .then_some(name.as_str())
    }

    /// A problem at stage `key`, with the line its table starts on.
    pub fn problem(&self, key: &StageKey, message: String) -> Problem {
        let key = key.to_string();
        Problem {
            line: self.line_of(&key),
            key,
            message,
        }
    }

    /// The stage an input names: a source, a transform, or the transform
    /// whose output it is (`route.english` -> `transforms.route`).
    pub fn stage_of(&self, input: &str) -> Option<StageKey> {
        if self.sources.contains_key(input) {
            return Some(StageKey::source(input));
        }
        self.transform_of(input).map(StageKey::transform)
    }

    /// The line where `key` (a dotted path) is written, if it is.
    pub fn line_of(&self, key: &str) -> Option<usize> {
        self.lines.line_of(key)
    }
}
