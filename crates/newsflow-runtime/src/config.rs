//! Reading a pipeline config: the TOML file, overridden key by key from
//! `NEWSFLOW__...` environment variables, parsed into typed stage configs.
//!
//! Every problem is collected, not just the first, and each names its key
//! path (`sinks.out.path`) and, where the file gives it, its line.

use newsflow_core::{Registry, SinkConfig, SourceConfig, TransformConfig};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The prefix of environment variables that override config keys:
/// `NEWSFLOW__SINKS__OUT__PATH=x` sets `sinks.out.path`.
pub const ENV_PREFIX: &str = "NEWSFLOW";

/// One thing wrong with a config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Dotted key path (`sinks.out.path`); empty for the file as a whole.
    pub key: String,
    /// Line in the config file, where the key is written there.
    pub line: Option<usize>,
    /// What is wrong and, where it helps, how to fix it.
    pub message: String,
}

/// Everything wrong with a config; nothing runs while there is any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The config file.
    pub file: PathBuf,
    /// The problems, in the order of the file's stages.
    pub problems: Vec<Problem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.problems.len();
        writeln!(
            f,
            "{}: {count} problem{} in the config:",
            self.file.display(),
            if count == 1 { "" } else { "s" }
        )?;
        for p in &self.problems {
            let place = match p.line {
                Some(line) => format!("{}:{line}", self.file.display()),
                None => self.file.display().to_string(),
            };
            if p.key.is_empty() {
                writeln!(f, "  {place}: {}", p.message)?;
            } else {
                writeln!(f, "  {place}: {}: {}", p.key, p.message)?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

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
}

impl Default for RuntimeOptions {
    fn default() -> Self {
        RuntimeOptions {
            channel_capacity: 256,
            shutdown_timeout_secs: 30,
            state_dir: PathBuf::from("state"),
        }
    }
}

/// The daemon's HTTP endpoint (`[api]`): `/metrics`, `/health`, `/ready`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiOptions {
    /// Where to listen, e.g. `127.0.0.1:8686`.
    pub address: std::net::SocketAddr,
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
    /// Each stage's table as written (after environment overrides), by key:
    /// a reload rebuilds the stages whose table changed.
    pub tables: BTreeMap<String, Value>,
    pub(crate) lines: LineIndex,
}

impl ParsedConfig {
    /// Every stage that reads others (transforms, then sinks), by config
    /// key, with the names it reads.
    pub fn readers(&self) -> impl Iterator<Item = (String, &Vec<String>)> {
        let transforms = self
            .transforms
            .iter()
            .map(|(name, spec)| (format!("transforms.{name}"), &spec.inputs));
        let sinks = self
            .sinks
            .iter()
            .map(|(name, spec)| (format!("sinks.{name}"), &spec.inputs));
        transforms.chain(sinks)
    }

    /// The line where `key` (a dotted path) is written, if it is.
    pub fn line_of(&self, key: &str) -> Option<usize> {
        self.lines.line_of(key)
    }
}

/// Reads `file` with overrides from the process environment.
pub fn load(file: &Path, registry: &Registry) -> Result<ParsedConfig, ConfigError> {
    load_with_env(file, registry, None)
}

/// Reads `file` with overrides from `env` (variable -> value), or from the
/// process environment when `env` is `None`.
pub fn load_with_env(
    file: &Path,
    registry: &Registry,
    env: Option<BTreeMap<String, String>>,
) -> Result<ParsedConfig, ConfigError> {
    let fail = |key: &str, line: Option<usize>, message: String| ConfigError {
        file: file.to_owned(),
        problems: vec![Problem {
            key: key.to_owned(),
            line,
            message,
        }],
    };
    let text = std::fs::read_to_string(file).map_err(|e| {
        fail(
            "",
            None,
            format!("cannot read the config file: {e} (pass another with --config FILE)"),
        )
    })?;
    let lines = LineIndex::parse(&text).map_err(|(line, message)| fail("", line, message))?;

    let mut environment = config::Environment::with_prefix(ENV_PREFIX)
        .prefix_separator("__")
        .separator("__")
        .try_parsing(true);
    if let Some(env) = env {
        environment = environment.source(Some(env.into_iter().collect()));
    }
    let merged = config::Config::builder()
        .add_source(config::File::from_str(&text, config::FileFormat::Toml))
        .add_source(environment)
        .build()
        .and_then(|c| c.try_deserialize::<Value>())
        .map_err(|e| fail("", None, e.to_string()))?;
    let Value::Object(root) = merged else {
        return Err(fail("", None, "the config must be a TOML table".into()));
    };
    Parser {
        registry,
        lines: &lines,
        problems: Vec::new(),
        tables: BTreeMap::new(),
    }
    .parse(file, root, lines.clone())
}

struct Parser<'a> {
    registry: &'a Registry,
    lines: &'a LineIndex,
    problems: Vec<Problem>,
    tables: BTreeMap<String, Value>,
}

/// The keys every transform and sink table may carry besides its own.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TransformCommon {
    inputs: Vec<String>,
    concurrency: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SinkCommon {
    #[serde(default)]
    inputs: Vec<String>,
    #[serde(default = "default_batch_size")]
    batch_size: usize,
    #[serde(default = "default_flush_interval_ms")]
    flush_interval_ms: u64,
}

fn default_batch_size() -> usize {
    256
}

fn default_flush_interval_ms() -> u64 {
    1000
}

const TRANSFORM_COMMON_KEYS: &[&str] = &["inputs", "concurrency"];
const SINK_COMMON_KEYS: &[&str] = &["inputs", "batch_size", "flush_interval_ms"];

impl Parser<'_> {
    fn problem(&mut self, key: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            key: key.to_owned(),
            line: self.lines.line_of(key),
            message: message.into(),
        });
    }

    fn parse(
        mut self,
        file: &Path,
        mut root: Map<String, Value>,
        lines: LineIndex,
    ) -> Result<ParsedConfig, ConfigError> {
        let runtime = match root.remove("runtime") {
            Some(value) => self
                .typed::<RuntimeOptions>("runtime", value)
                .unwrap_or_default(),
            None => RuntimeOptions::default(),
        };
        let api = root
            .remove("api")
            .and_then(|value| self.typed::<ApiOptions>("api", value));
        let registry = self.registry;
        let sources = self.section(&mut root, "sources", |p, key, type_name, table| {
            let parsed = p.registry.parse_source(type_name, Value::Object(table));
            p.stage(key, "source", type_name, parsed, || registry.source_types())
                .map(|config| SourceSpec {
                    type_name: type_name.to_owned(),
                    config,
                })
        });
        let transforms = self.section(&mut root, "transforms", |p, key, type_name, mut table| {
            let common = p.common::<TransformCommon>(key, &mut table, TRANSFORM_COMMON_KEYS);
            let parsed = p.registry.parse_transform(type_name, Value::Object(table));
            let config = p.stage(key, "transform", type_name, parsed, || {
                registry.transform_types()
            });
            let common = common?;
            if common.concurrency == Some(0) {
                p.problem(&format!("{key}.concurrency"), "must be at least 1");
            }
            Some(TransformSpec {
                type_name: type_name.to_owned(),
                inputs: common.inputs,
                concurrency: common
                    .concurrency
                    .unwrap_or_else(default_concurrency)
                    .max(1),
                config: config?,
            })
        });
        let sinks = self.section(&mut root, "sinks", |p, key, type_name, table| {
            p.sink(key, type_name, table)
        });
        let dead_letter = match root.remove("dead_letter") {
            None => None,
            Some(Value::Object(table)) => {
                self.with_type("dead_letter", table, |p, key, type_name, table| {
                    p.sink(key, type_name, table)
                })
            }
            Some(_) => {
                self.problem(
                    "dead_letter",
                    "must be a table: [dead_letter] with a `type`",
                );
                None
            }
        };
        if dead_letter.is_none()
            && !self
                .problems
                .iter()
                .any(|p| p.key.starts_with("dead_letter"))
        {
            self.problem(
                "dead_letter",
                "missing: add a [dead_letter] sink (for example type = \"jsonl\", path = \"out/dead-letter.jsonl\") so malformed input is kept, not lost",
            );
        }
        for key in root.keys() {
            self.problem(
                key,
                "unknown section; expected one of runtime, api, sources, transforms, sinks, dead_letter",
            );
        }
        if !self.problems.is_empty() {
            return Err(ConfigError {
                file: file.to_owned(),
                problems: self.problems,
            });
        }
        Ok(ParsedConfig {
            file: file.to_owned(),
            runtime,
            sources,
            transforms,
            sinks,
            dead_letter,
            api,
            tables: self.tables,
            lines,
        })
    }

    fn sink(
        &mut self,
        key: &str,
        type_name: &str,
        mut table: Map<String, Value>,
    ) -> Option<SinkSpec> {
        let common = self.common::<SinkCommon>(key, &mut table, SINK_COMMON_KEYS);
        let parsed = self.registry.parse_sink(type_name, Value::Object(table));
        let registry = self.registry;
        let config = self.stage(key, "sink", type_name, parsed, || registry.sink_types());
        let common = common?;
        if common.batch_size == 0 {
            self.problem(&format!("{key}.batch_size"), "must be at least 1");
        }
        Some(SinkSpec {
            type_name: type_name.to_owned(),
            inputs: common.inputs,
            batch_size: common.batch_size.max(1),
            flush_interval_ms: common.flush_interval_ms,
            config: config?,
        })
    }

    /// Parses every `[section.name]` table with `parse_one`.
    fn section<T>(
        &mut self,
        root: &mut Map<String, Value>,
        section: &str,
        mut parse_one: impl FnMut(&mut Self, &str, &str, Map<String, Value>) -> Option<T>,
    ) -> BTreeMap<String, T> {
        let mut out = BTreeMap::new();
        match root.remove(section) {
            None => {}
            Some(Value::Object(stages)) => {
                for (name, value) in stages {
                    let key = format!("{section}.{name}");
                    let Value::Object(table) = value else {
                        self.problem(&key, format!("must be a table: [{key}] with a `type`"));
                        continue;
                    };
                    if let Some(parsed) = self.with_type(&key, table, &mut parse_one) {
                        out.insert(name, parsed);
                    }
                }
            }
            Some(_) => self.problem(
                section,
                format!("must be a table of stages: [{section}.NAME]"),
            ),
        }
        out
    }

    /// Splits off the `type` key and hands the rest to `parse_one`.
    fn with_type<T>(
        &mut self,
        key: &str,
        mut table: Map<String, Value>,
        parse_one: impl FnOnce(&mut Self, &str, &str, Map<String, Value>) -> Option<T>,
    ) -> Option<T> {
        self.tables
            .insert(key.to_owned(), Value::Object(table.clone()));
        match table.remove("type") {
            Some(Value::String(type_name)) => parse_one(self, key, &type_name, table),
            Some(_) => {
                self.problem(&format!("{key}.type"), "must be a string");
                None
            }
            None => {
                self.problem(key, "missing field `type`");
                None
            }
        }
    }

    /// Reads the keys every stage of a kind shares, removing them from `table`.
    fn common<T: serde::de::DeserializeOwned>(
        &mut self,
        key: &str,
        table: &mut Map<String, Value>,
        names: &[&str],
    ) -> Option<T> {
        let common: Map<String, Value> = names
            .iter()
            .filter_map(|name| table.remove(*name).map(|v| ((*name).to_owned(), v)))
            .collect();
        self.typed(key, Value::Object(common))
    }

    fn typed<T: serde::de::DeserializeOwned>(&mut self, key: &str, value: Value) -> Option<T> {
        match serde_path_to_error::deserialize(value) {
            Ok(parsed) => Some(parsed),
            Err(e) => {
                let path = e.path().to_string();
                let key = if path == "." {
                    key.to_owned()
                } else {
                    format!("{key}.{path}")
                };
                self.problem(&key, e.into_inner().to_string());
                None
            }
        }
    }

    fn stage<C>(
        &mut self,
        key: &str,
        kind: &str,
        type_name: &str,
        parsed: Option<Result<C, newsflow_core::FieldError>>,
        known: impl FnOnce() -> Vec<&'static str>,
    ) -> Option<C> {
        match parsed {
            Some(Ok(config)) => Some(config),
            Some(Err(e)) => {
                let key = if e.path.is_empty() {
                    key.to_owned()
                } else {
                    format!("{key}.{}", e.path)
                };
                self.problem(&key, e.message);
                None
            }
            None => {
                self.problem(
                    &format!("{key}.type"),
                    format!(
                        "unknown {kind} type `{type_name}`; known types: {}",
                        known().join(", ")
                    ),
                );
                None
            }
        }
    }
}

fn default_concurrency() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Where each key of the TOML file is written, for error messages.
#[derive(Debug, Clone)]
pub(crate) struct LineIndex {
    document: toml_edit::Document<String>,
    line_starts: Vec<usize>,
}

impl LineIndex {
    fn parse(text: &str) -> Result<LineIndex, (Option<usize>, String)> {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect::<Vec<_>>();
        let document = toml_edit::Document::parse(text.to_owned()).map_err(|e| {
            let line = e
                .span()
                .map(|span| line_starts.partition_point(|&start| start <= span.start));
            (line, format!("not valid TOML: {}", e.message()))
        })?;
        Ok(LineIndex {
            document,
            line_starts,
        })
    }

    /// The line of the deepest part of `key` the file writes: the key
    /// itself, or else the table that should hold it.
    fn line_of(&self, key: &str) -> Option<usize> {
        let mut table: &dyn toml_edit::TableLike = self.document.as_table();
        let mut offset = None;
        for part in key.split('.') {
            let part = part.split('[').next().unwrap_or(part);
            let Some(item) = table.get(part) else { break };
            offset = table
                .key(part)
                .and_then(|k| k.span())
                .or_else(|| item.span())
                .map(|span| span.start)
                .or(offset);
            match item.as_table_like() {
                Some(inner) => table = inner,
                None => break,
            }
        }
        offset.map(|start| {
            self.line_starts
                .partition_point(|&line_start| line_start <= start)
        })
    }
}
