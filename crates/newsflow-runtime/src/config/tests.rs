//! Reading configs: overrides, interpolation, and problems that do not hide each other.

use super::*;
use newsflow_core::{BoxError, BuildContext, Sink, SinkConfig, Source, SourceConfig};

/// A sink type with a string, a number and a list, as real ones have.
#[derive(Debug, Deserialize)]
#[allow(dead_code)] // read back through Debug
#[serde(deny_unknown_fields)]
struct TestSink {
    path: String,
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    retries: u32,
    #[serde(default)]
    tags: Vec<String>,
}

impl SinkConfig for TestSink {
    fn build(&self, _cx: &BuildContext) -> Result<Box<dyn Sink>, BoxError> {
        Err("not built in these tests".into())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TestSource {}

impl SourceConfig for TestSource {
    fn build(&self, _cx: &BuildContext) -> Result<Box<dyn Source>, BoxError> {
        Err("not built in these tests".into())
    }
}

const CONFIG: &str = r#"
[sources.in]
type = "test"

[sinks.out]
type = "test"
inputs = ["in"]
path = "out.jsonl"

[dead_letter]
type = "test"
path = "dead.jsonl"
"#;

fn load_text(
    text: &str,
    env: &[(&str, &str)],
) -> (Result<ParsedConfig, ConfigError>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pipeline.toml");
    std::fs::write(&file, text).unwrap();
    let mut registry = Registry::default();
    registry.add_source::<TestSource>("test");
    registry.add_sink::<TestSink>("test");
    let env = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    (load_with_env(&file, &registry, Some(env)), dir)
}

fn debug_of(config: &ParsedConfig) -> String {
    format!("{:?}", config.sinks["out"].config)
}

#[test]
fn an_override_takes_the_type_of_the_field_it_sets() {
    let (parsed, _dir) = load_text(
        CONFIG,
        &[
            ("NEWSFLOW__SINKS__OUT__PATH", "2024"),
            ("NEWSFLOW__SINKS__OUT__TOKEN", "12345"),
            ("NEWSFLOW__SINKS__OUT__RETRIES", "7"),
            ("NEWSFLOW__SINKS__OUT__TAGS", "a, b"),
            ("NEWSFLOW__SINKS__OUT__BATCH_SIZE", "10"),
        ],
    );
    let parsed = parsed.unwrap();
    let debug = debug_of(&parsed);
    assert!(debug.contains(r#"path: "2024""#), "{debug}");
    assert!(debug.contains(r#"token: Some("12345")"#), "{debug}");
    assert!(debug.contains("retries: 7"), "{debug}");
    assert!(debug.contains(r#"tags: ["a", "b"]"#), "{debug}");
    assert_eq!(parsed.sinks["out"].batch_size, 10);
}

#[test]
fn a_bad_override_names_its_variable_not_a_line() {
    let (parsed, _dir) = load_text(CONFIG, &[("NEWSFLOW__SINKS__OUT__RETRIES", "many")]);
    let error = parsed.unwrap_err();
    let problem = &error.problems[0];
    assert_eq!(problem.key, "sinks.out.retries");
    assert_eq!(problem.line, None);
    assert!(
        problem
            .message
            .contains("set by the environment variable NEWSFLOW__SINKS__OUT__RETRIES"),
        "{problem:?}"
    );
    // Overriding a key the file writes names the variable, not that line.
    let (parsed, _dir) = load_text(CONFIG, &[("NEWSFLOW__SINKS__OUT__BATCH_SIZE", "0")]);
    let problems = parsed.and_then(crate::compile).unwrap_err().problems;
    assert_eq!(problems[0].line, None, "{problems:?}");
    assert!(problems[0]
        .message
        .contains("NEWSFLOW__SINKS__OUT__BATCH_SIZE"));
}

#[test]
fn variables_in_the_file_are_expanded() {
    let text = CONFIG.replace(
        r#"path = "out.jsonl""#,
        r#"path = "${OUTDIR}/a-$$5-${MISSING:-x}.jsonl"
token = "${EMPTY:-fallback}""#,
    );
    let (parsed, _dir) = load_text(&text, &[("OUTDIR", "/data"), ("EMPTY", "")]);
    let debug = debug_of(&parsed.unwrap());
    assert!(debug.contains(r#"path: "/data/a-$5-x.jsonl""#), "{debug}");
    assert!(debug.contains(r#"token: Some("fallback")"#), "{debug}");
    // A number can come from a variable too, through a quoted value.
    let text = CONFIG.replace(
        r#"path = "out.jsonl""#,
        "path = \"o\"\nretries = \"${RETRIES:-3}\"",
    );
    let (parsed, _dir) = load_text(&text, &[]);
    assert!(debug_of(&parsed.unwrap()).contains("retries: 3"));
}

#[test]
fn an_unset_variable_is_a_problem_at_its_line() {
    let text = CONFIG.replace("out.jsonl", "${OUTDIR}/out.jsonl");
    let (parsed, _dir) = load_text(&text, &[]);
    let problem = &parsed.unwrap_err().problems[0];
    assert_eq!(problem.key, "sinks.out.path");
    assert_eq!(problem.line, Some(8));
    assert!(problem.message.contains("OUTDIR is not set"), "{problem:?}");
}

#[test]
fn a_missing_dead_letter_sink_does_not_hide_the_graph() {
    let text = CONFIG
        .split("[dead_letter]")
        .next()
        .unwrap()
        .replace(r#"inputs = ["in"]"#, r#"inputs = ["nowhere"]"#);
    let (parsed, _dir) = load_text(&text, &[]);
    let problems = crate::compile(parsed.unwrap()).unwrap_err().problems;
    let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
    assert!(keys.contains(&"dead_letter"), "{problems:?}");
    assert!(keys.contains(&"sinks.out.inputs"), "{problems:?}");
}
