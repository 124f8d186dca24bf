//! Reading a pipeline config: the TOML file, overridden key by key from
//! `NEWSFLOW__...` environment variables, parsed into typed stage configs.
//!
//! Every problem is collected, not just the first, and each names its key
//! path (`sinks.out.path`) and, where the file gives it, its line.

use newsflow_core::{FieldError, Registry, StageKey, StageKind};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

mod env;
mod lines;
mod parsed;
#[cfg(test)]
mod tests;

use env::{expand, retype_at, Lookup};
pub(crate) use lines::LineIndex;
pub use parsed::{
    ApiOptions, ParsedConfig, RuntimeOptions, SinkSpec, SourceSpec, StageEntry, TransformSpec,
};

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

    // Overrides stay strings here: each is typed by the field it sets when
    // the stage's table is read (`Parser::read`), so `..._PATH=2024` is a
    // path and `..._BATCH_SIZE=100` a number.
    let mut environment = config::Environment::with_prefix(ENV_PREFIX)
        .prefix_separator("__")
        .separator("__");
    let lookup: Box<Lookup> = match env {
        Some(env) => {
            environment = environment.source(Some(env.clone().into_iter().collect()));
            Box::new(move |name| env.get(name).cloned())
        }
        None => Box::new(|name| std::env::var(name).ok()),
    };
    let overrides: BTreeMap<String, String> = config::Source::collect(&environment)
        .map_err(|e| fail("", None, e.to_string()))?
        .into_keys()
        .map(|key| {
            let variable = format!("{ENV_PREFIX}__{}", key.to_uppercase().replace('.', "__"));
            (key, variable)
        })
        .collect();
    let merged = config::Config::builder()
        .add_source(config::File::from_str(&text, config::FileFormat::Toml))
        .add_source(environment)
        .build()
        .and_then(|c| c.try_deserialize::<Value>())
        .map_err(|e| fail("", None, e.to_string()))?;
    let Value::Object(mut root) = merged else {
        return Err(fail("", None, "the config must be a TOML table".into()));
    };
    let mut parser = Parser {
        registry,
        lines: &lines,
        overrides: &overrides,
        expanded: BTreeSet::new(),
        problems: Vec::new(),
        tables: BTreeMap::new(),
    };
    for (key, value) in root.iter_mut() {
        interpolate(key, value, &overrides, &lookup, &mut parser);
    }
    parser.parse(file, root, lines.clone())
}

/// The `[[tests]]` tables of a file of tests (`newsflow test`), read the
/// way a config is (TOML; a syntax error names its line).
pub fn load_tests(file: &Path) -> Result<Vec<Value>, ConfigError> {
    let fail = |line: Option<usize>, message: String| ConfigError {
        file: file.to_owned(),
        problems: vec![Problem {
            key: String::new(),
            line,
            message,
        }],
    };
    let text = std::fs::read_to_string(file)
        .map_err(|e| fail(None, format!("cannot read the test file: {e}")))?;
    LineIndex::parse(&text).map_err(|(line, message)| fail(line, message))?;
    let mut root = config::Config::builder()
        .add_source(config::File::from_str(&text, config::FileFormat::Toml))
        .build()
        .and_then(|c| c.try_deserialize::<Map<String, Value>>())
        .map_err(|e| fail(None, e.to_string()))?;
    let tests = match root.remove("tests") {
        Some(Value::Array(tests)) => tests,
        _ => return Err(fail(None, "expected [[tests]] tables".into())),
    };
    if let Some(key) = root.keys().next() {
        return Err(fail(
            None,
            format!("unknown section `{key}`; a test file holds [[tests]] only"),
        ));
    }
    Ok(tests)
}

/// Expands `${VAR}` and `${VAR:-default}` in the file's string values (not in
/// values that came from the environment); `$$` is a literal `$`. An expanded
/// value is then typed by its field, as an override is. A variable
/// that is unset, with no default, is a problem at the key that names it.
fn interpolate(
    key: &str,
    value: &mut Value,
    overrides: &BTreeMap<String, String>,
    lookup: &Lookup,
    parser: &mut Parser<'_>,
) {
    match value {
        Value::String(text) if !overrides.contains_key(key) && text.contains('$') => {
            match expand(text, lookup) {
                Ok(expanded) => {
                    *text = expanded;
                    parser.expanded.insert(key.to_owned());
                }
                Err(message) => parser.problem(key, message),
            }
        }
        Value::Object(table) => {
            for (name, inner) in table.iter_mut() {
                interpolate(&format!("{key}.{name}"), inner, overrides, lookup, parser);
            }
        }
        Value::Array(items) => {
            for (i, inner) in items.iter_mut().enumerate() {
                interpolate(&format!("{key}[{i}]"), inner, overrides, lookup, parser);
            }
        }
        _ => {}
    }
}

struct Parser<'a> {
    registry: &'a Registry,
    lines: &'a LineIndex,
    /// Keys set from the environment, with the variable that set each.
    overrides: &'a BTreeMap<String, String>,
    /// Keys whose string value had `${VAR}`s expanded: typed by their field
    /// like overrides, so `batch_size = "${BATCH:-100}"` is a number.
    expanded: BTreeSet<String>,
    problems: Vec<Problem>,
    tables: BTreeMap<StageKey, Value>,
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
    /// Records a problem at `key`; one the environment set names its variable
    /// instead of a line of the file.
    fn problem(&mut self, key: &str, message: impl Into<String>) {
        let message = message.into();
        let (line, message) = match self.overrides.get(key) {
            Some(variable) => (
                None,
                format!("{message} (set by the environment variable {variable})"),
            ),
            None => (self.lines.line_of(key), message),
        };
        self.problems.push(Problem {
            key: key.to_owned(),
            line,
            message,
        });
    }

    /// Reads a table with `parse`; where a field refuses a string that an
    /// environment override set, the override is read as the type the field
    /// wants (a number, a boolean, a list) and the table read again.
    fn read<T>(
        &self,
        key: &str,
        mut table: Value,
        parse: impl Fn(Value) -> Result<T, FieldError>,
    ) -> Result<T, FieldError> {
        // Each pass retypes one override, so this ends.
        for _ in 0..=self.overrides.len() {
            let error = match parse(table.clone()) {
                Ok(parsed) => return Ok(parsed),
                Err(error) => error,
            };
            let full = if error.path.is_empty() {
                key.to_owned()
            } else {
                format!("{key}.{}", error.path)
            };
            let retyped = (self.overrides.contains_key(&full) || self.expanded.contains(&full))
                && error.message.starts_with("invalid type: string")
                && retype_at(&mut table, &error.path, &error.message);
            if !retyped {
                return Err(error);
            }
        }
        parse(table)
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
        let sources = self.section(&mut root, StageKind::Source, |p, key, type_name, table| {
            let parsed = p.read_stage(key, table, |t| p.registry.sources.parse(type_name, t));
            p.stage(key, "source", type_name, parsed, || {
                registry.sources.types()
            })
            .map(|config| SourceSpec {
                type_name: type_name.to_owned(),
                config,
            })
        });
        let transforms = self.section(&mut root, StageKind::Transform, |p, key, type_name, mut table| {
            let common = p.common::<TransformCommon>(key, &mut table, TRANSFORM_COMMON_KEYS);
            let parsed = p.read_stage(key, table, |t| p.registry.transforms.parse(type_name, t));
            let config = p.stage(key, "transform", type_name, parsed, || {
                registry.transforms.types()
            });
            let common = common?;
            if common.concurrency == Some(0) {
                p.problem(&format!("{key}.concurrency"), "must be at least 1");
            }
            let config = config?;
            let sequential = config.sequential();
            if sequential && common.concurrency.is_some_and(|n| n > 1) {
                p.problem(
                    &format!("{key}.concurrency"),
                    format!("a `{type_name}` takes articles one at a time, in order: remove `concurrency` or set it to 1"),
                );
            }
            Some(TransformSpec {
                type_name: type_name.to_owned(),
                inputs: common.inputs,
                concurrency: if sequential {
                    1
                } else {
                    common
                        .concurrency
                        .unwrap_or_else(default_concurrency)
                        .max(1)
                },
                config,
            })
        });
        let sinks = self.section(&mut root, StageKind::Sink, |p, key, type_name, table| {
            p.sink(key, type_name, table)
        });
        let dead_letter = match root.remove("dead_letter") {
            None => None,
            Some(Value::Object(table)) => self.with_type(
                StageKey::dead_letter(),
                table,
                |p, key, type_name, table| p.sink(key, type_name, table),
            ),
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
        let tests = match root.remove("tests") {
            None => Vec::new(),
            Some(Value::Array(tests)) => tests,
            Some(_) => {
                self.problem("tests", "must be an array of tables: [[tests]]");
                Vec::new()
            }
        };
        for key in root.keys() {
            self.problem(
                key,
                "unknown section; expected one of runtime, api, sources, transforms, sinks, dead_letter, tests",
            );
        }
        // Problems outside the stages leave the graph readable: they wait for
        // `compile`, so that its problems are listed with them.
        let in_stages = |p: &Problem| {
            ["sources", "transforms", "sinks"]
                .iter()
                .any(|section| p.key == *section || p.key.starts_with(&format!("{section}.")))
        };
        if self.problems.iter().any(in_stages) {
            return Err(ConfigError {
                file: file.to_owned(),
                problems: self.problems,
            });
        }
        Ok(ParsedConfig {
            deferred: self.problems,
            file: file.to_owned(),
            runtime,
            sources,
            transforms,
            sinks,
            dead_letter,
            api,
            tests,
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
        let parsed = self.read_stage(key, table, |t| self.registry.sinks.parse(type_name, t));
        let registry = self.registry;
        let config = self.stage(key, "sink", type_name, parsed, || registry.sinks.types());
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
        kind: StageKind,
        mut parse_one: impl FnMut(&mut Self, &str, &str, Map<String, Value>) -> Option<T>,
    ) -> BTreeMap<String, T> {
        let mut out = BTreeMap::new();
        let section = kind.table();
        match root.remove(section) {
            None => {}
            Some(Value::Object(stages)) => {
                for (name, value) in stages {
                    let key = StageKey::new(kind, name.as_str());
                    let Value::Object(table) = value else {
                        self.problem(
                            &key.to_string(),
                            format!("must be a table: [{key}] with a `type`"),
                        );
                        continue;
                    };
                    if let Some(parsed) = self.with_type(key, table, &mut parse_one) {
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
        stage: StageKey,
        mut table: Map<String, Value>,
        parse_one: impl FnOnce(&mut Self, &str, &str, Map<String, Value>) -> Option<T>,
    ) -> Option<T> {
        let key = &stage.to_string();
        self.tables.insert(stage, Value::Object(table.clone()));
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

    /// Records `e`: a field below `key` (or the table itself) that could
    /// not be read.
    fn field_problem(&mut self, key: &str, e: FieldError) {
        let key = if e.path.is_empty() {
            key.to_owned()
        } else {
            format!("{key}.{}", e.path)
        };
        self.problem(&key, e.message);
    }

    fn typed<T: serde::de::DeserializeOwned>(&mut self, key: &str, value: Value) -> Option<T> {
        match self.read(key, value, deserialize) {
            Ok(parsed) => Some(parsed),
            Err(e) => {
                self.field_problem(key, e);
                None
            }
        }
    }

    /// A stage's table read by the registry; `None` for an unknown type.
    fn read_stage<C>(
        &self,
        key: &str,
        table: Map<String, Value>,
        parse: impl Fn(Value) -> Option<Result<C, FieldError>>,
    ) -> Option<Result<C, FieldError>> {
        let table = Value::Object(table);
        match parse(table.clone())? {
            Ok(parsed) => Some(Ok(parsed)),
            Err(_) => Some(self.read(key, table, |t| {
                parse(t).expect("a type the registry knew stays known")
            })),
        }
    }

    fn stage<C>(
        &mut self,
        key: &str,
        kind: &str,
        type_name: &str,
        parsed: Option<Result<C, FieldError>>,
        known: impl FnOnce() -> Vec<&'static str>,
    ) -> Option<C> {
        match parsed {
            Some(Ok(config)) => Some(config),
            Some(Err(e)) => {
                self.field_problem(key, e);
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

/// Reads a typed value, naming the failing field's path below `value`.
fn deserialize<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, FieldError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        FieldError {
            path: if path == "." { String::new() } else { path },
            message: e.into_inner().to_string(),
        }
    })
}

fn default_concurrency() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}
