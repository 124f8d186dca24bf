//! `filter`, `route` and `dedup` in running pipelines: what each sink
//! gets, dropped articles settled as delivered and counted, and bad
//! conditions and outputs refused with their key path and line.

use crate::{
    free_port, http_get, newsflow, post_articles, run_config, sorted_jsonl_ids, start, stderr,
    stop, write_config,
};
use std::path::Path;
use std::time::{Duration, Instant};

/// Articles in English, German and French, with a copy of the first under
/// another id and a tracking parameter on its URL.
const ARTICLES: &str = r#"{"id":"en-1","language":"en","source":"Reuters","url":"https://example.com/a","title":"Rates rise","body":"The central bank raised its main interest rate by a quarter point on Thursday, the third increase this year, saying inflation remained too high."}
{"id":"de-1","language":"de","source":"dpa","body":"Die Zentralbank hat den Leitzins am Donnerstag um einen Viertelpunkt angehoben."}
{"id":"fr-1","language":"fr","source":"AFP","body":"La banque centrale a relevé jeudi son principal taux directeur d'un quart de point."}
{"id":"en-2","language":"en","source":"AP","url":"https://example.com/a?utm_source=feed","title":"UPDATE 2-Rates rise again","body":"UPDATE 2 - The central bank raised its main interest rate by a quarter point on Thursday, the third increase this year."}
"#;

fn pipeline(dir: &Path, stages: &str, sinks: &[(&str, &str)]) -> String {
    std::fs::create_dir_all(dir.join("in")).unwrap();
    std::fs::write(dir.join("in/articles.jsonl"), ARTICLES).unwrap();
    let mut config = format!(
        "[runtime]\nstate_dir = \"{dir}/state\"\n\n[sources.in]\ntype = \"dir\"\npath = \"{dir}/in\"\n\n{stages}\n",
        dir = dir.display()
    );
    for (name, input) in sinks {
        config.push_str(&format!(
            "[sinks.{name}]\ntype = \"jsonl\"\ninputs = [\"{input}\"]\npath = \"{dir}/{name}.jsonl\"\nmode = \"overwrite\"\n\n",
            dir = dir.display()
        ));
    }
    config.push_str(&format!(
        "[dead_letter]\ntype = \"jsonl\"\npath = \"{}/dead.jsonl\"\n",
        dir.display()
    ));
    config
}

#[test]
fn a_filter_a_route_and_dedup_send_each_article_where_it_belongs() {
    let dir = tempfile::tempdir().unwrap();
    let stages = r#"
[transforms.english]
type = "filter"
inputs = ["in"]
condition = { language = "en", not = { source = "AP" } }

[transforms.by_language]
type = "route"
inputs = ["in"]
[transforms.by_language.outputs]
english = { language = "en" }
european = { any = [{ language = "de" }, { url_host = "example.com" }] }

# `_unmatched` is not read: what goes there is dropped.
[transforms.english_only]
type = "route"
inputs = ["in"]
outputs = { english = { language = "en" } }

[transforms.once]
type = "dedup"
inputs = ["in"]
mode = "drop"

[transforms.marked]
type = "dedup"
inputs = ["in"]
"#;
    let config = pipeline(
        dir.path(),
        stages,
        &[
            ("kept", "english"),
            ("en", "by_language.english"),
            ("eu", "by_language.european"),
            ("rest", "by_language._unmatched"),
            ("en_only", "english_only.english"),
            ("unique", "once"),
            ("all", "marked"),
        ],
    );
    let output = run_config(&write_config(dir.path(), &config));
    let log = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{log}");
    let ids = |name: &str| sorted_jsonl_ids(&dir.path().join(format!("{name}.jsonl")));
    assert_eq!(ids("kept"), ["en-1"]);
    assert_eq!(ids("en"), ["en-1", "en-2"]);
    assert_eq!(
        ids("eu"),
        ["de-1", "en-1", "en-2"],
        "an article may go to two outputs"
    );
    assert_eq!(ids("rest"), ["fr-1"]);
    assert_eq!(ids("en_only"), ["en-1", "en-2"]);
    assert_eq!(ids("unique"), ["de-1", "en-1", "fr-1"]);
    let all = crate::read_jsonl(&dir.path().join("all.jsonl"));
    let copy = all.iter().find(|a| a["id"] == "en-2").unwrap();
    assert_eq!(
        copy["duplicate_of"], "en-1",
        "same URL once utm_source is dropped"
    );
    assert_eq!(copy["similarity"], 1.0);
    assert!(all
        .iter()
        .filter(|a| a["id"] != "en-2")
        .all(|a| a.get("duplicate_of").is_none()));
    assert!(std::fs::read_to_string(dir.path().join("dead.jsonl"))
        .unwrap_or_default()
        .is_empty());
    // Dropped articles are counted in the stages' summaries.
    let summary = |stage: &str| {
        log.lines()
            .find(|l| l.contains("summary") && l.contains(&format!("stage={stage} ")))
            .unwrap_or_else(|| panic!("no summary of {stage}:\n{log}"))
            .to_owned()
    };
    assert!(summary("transforms.english").contains("dropped=3"), "{log}");
    assert!(summary("transforms.once").contains("dropped=1"), "{log}");
    assert!(
        summary("transforms.by_language").contains("dropped=0"),
        "{log}"
    );
    assert!(
        summary("transforms.english_only").contains("dropped=2"),
        "{log}"
    );
    // The dedup window is kept under state_dir, a directory per stage.
    assert!(dir
        .path()
        .join("state/transforms.once/window.jsonl")
        .exists());

    // A second replay remembers the window: the same articles keep their
    // verdicts (the first ones are not copies of themselves).
    let output = run_config(&write_config(dir.path(), &config));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(ids("unique"), ["de-1", "en-1", "fr-1"]);
}

#[test]
fn a_dropped_article_is_acknowledged_as_delivered_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let (api, push) = (
        format!("127.0.0.1:{}", free_port()),
        format!("127.0.0.1:{}", free_port()),
    );
    let config = format!(
        r#"
[runtime]
state_dir = "{dir}/state"
[api]
address = "{api}"
[sources.push]
type = "http"
address = "{push}"
ack = "delivered"
ack_timeout_secs = 20
[transforms.english]
type = "filter"
inputs = ["push"]
condition = {{ language = "en" }}
[sinks.out]
type = "jsonl"
inputs = ["english"]
path = "{dir}/out.jsonl"
flush_interval_ms = 20
[dead_letter]
type = "jsonl"
path = "{dir}/dead.jsonl"
"#,
        dir = dir.path().display()
    );
    let daemon = start(&write_config(dir.path(), &config));
    let started = Instant::now();
    let status = loop {
        let status = post_articles(&push, None, "application/x-ndjson", ARTICLES);
        if status != 0 && status != 503 {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the source never answered"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(
        status, 200,
        "every article delivered, the dropped ones included"
    );
    assert_eq!(
        sorted_jsonl_ids(&dir.path().join("out.jsonl")),
        ["en-1", "en-2"]
    );
    let (_, metrics) = http_get(&api, "/metrics");
    assert!(
        metrics.contains(
            "newsflow_stage_dropped_total{stage=\"transforms.english\",kind=\"transform\"} 2"
        ),
        "{metrics}"
    );
    stop(daemon);
}

/// Validates `config` and returns (exit code, stderr).
fn validate(dir: &Path, config: &str) -> (i32, String) {
    let output = newsflow()
        .arg("validate")
        .arg("--config")
        .arg(write_config(dir, config))
        .output()
        .unwrap();
    (output.status.code().unwrap_or(-1), stderr(&output))
}

#[test]
fn bad_conditions_and_outputs_are_refused_with_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let stages = r#"
[transforms.english]
type = "filter"
inputs = ["in"]
condition = { all = [{ langage = "en" }] }

[transforms.recent]
type = "filter"
inputs = ["in"]
condition = { newer_than = "a while" }

[transforms.titles]
type = "filter"
inputs = ["in"]
condition = { title_matches = "(unclosed" }

[transforms.by_language]
type = "route"
inputs = ["in"]
[transforms.by_language.outputs]
english = { language = "en" }

[transforms.once]
type = "dedup"
inputs = ["in"]
concurrency = 4

[transforms.loose]
type = "dedup"
inputs = ["in"]
threshold = 2
"#;
    let config = pipeline(
        dir.path(),
        stages,
        &[
            ("a", "english"),
            ("b", "recent"),
            ("c", "titles"),
            ("d", "by_language.englsh"),
            ("e", "by_language"),
            ("f", "once"),
            ("g", "loose"),
        ],
    );
    let (code, err) = validate(dir.path(), &config);
    assert_eq!(code, 78, "{err}");
    // Problems inside stage tables come first; a config that parses then
    // has its graph checked.
    // Each problem names its key and the line the key is written on.
    let line =
        |text: &str, marker: &str| text.lines().position(|l| l.contains(marker)).unwrap() + 1;
    for (problem, marker) in [
        ("transforms.english.condition.all[0].langage: unknown field `langage`", "langage"),
        ("transforms.recent.condition.newer_than: `a while` is not a duration", "a while"),
        ("transforms.titles.condition.title_matches: `(unclosed` is not a valid regular expression: unclosed group", "(unclosed"),
        ("transforms.loose.threshold: 2 is no similarity", "threshold = 2"),
        ("transforms.once.concurrency: a `dedup` takes articles one at a time", "concurrency = 4"),
    ] {
        let expected = format!("pipeline.toml:{}: {problem}", line(&config, marker));
        assert!(err.contains(&expected), "stderr lacks {expected:?}:\n{err}");
    }

    let fixed = config
        .replace("langage", "language")
        .replace("a while", "36h")
        .replace("(unclosed", "^Rates")
        .replace("threshold = 2", "threshold = 0.6")
        .replace("concurrency = 4\n", "");
    let (code, err) = validate(dir.path(), &fixed);
    assert_eq!(code, 78, "{err}");
    for (problem, marker) in [
        ("sinks.d.inputs: `by_language.englsh` names no source or transform; known: by_language._unmatched, by_language.english, english, in, loose, once, recent, titles", "by_language.englsh"),
        ("sinks.e.inputs: `by_language` sends its articles to named outputs: read one of by_language.english, by_language._unmatched", "[\"by_language\"]"),
    ] {
        let expected = format!("pipeline.toml:{}: {problem}", line(&fixed, marker));
        assert!(err.contains(&expected), "stderr lacks {expected:?}:\n{err}");
    }

    let valid = fixed
        .replace("by_language.englsh", "by_language.english")
        .replace(
            "inputs = [\"by_language\"]",
            "inputs = [\"by_language._unmatched\"]",
        );
    let (code, err) = validate(dir.path(), &valid);
    assert_eq!(code, 0, "{err}");
}
