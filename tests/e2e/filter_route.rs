//! `filter`, `route` and `dedup` in running pipelines: what each sink
//! gets, dropped articles settled as delivered and counted, and bad
//! conditions and outputs refused with their key path and line.

use crate::support::config::{api, dead_letter, dir_source, http_source, jsonl_out, jsonl_sink};
use crate::support::config::{state_in, tables, transform};
use crate::{
    assert_metrics, local_address, on_config, poll, post_articles, run_config, sorted_jsonl_ids,
    start, stderr, stop, write_config,
};
use std::path::Path;
use std::time::Duration;

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
    let dir = dir.display();
    let mut parts = vec![
        state_in(&dir, ""),
        dir_source("in", format!("{dir}/in"), ""),
        stages.to_owned(),
    ];
    for (name, input) in sinks {
        let path = format!("{dir}/{name}.jsonl");
        parts.push(jsonl_sink(name, &[input], path, "mode = \"overwrite\""));
    }
    parts.push(dead_letter(format!("{dir}/dead.jsonl")));
    tables(&parts)
}

/// A `filter` stage `NAME` reading `in`, keeping what `condition` matches.
fn filter(name: &str, condition: &str) -> String {
    transform(name, "filter", &["in"], &format!("condition = {condition}"))
}

/// A `route` stage `NAME` reading `in`, with `outputs` (its outputs' lines).
fn route(name: &str, outputs: &str) -> String {
    transform(name, "route", &["in"], outputs)
}

/// A `dedup` stage `NAME` reading `in`, with `extra` lines.
fn dedup(name: &str, extra: &str) -> String {
    transform(name, "dedup", &["in"], extra)
}

#[test]
fn a_filter_a_route_and_dedup_send_each_article_where_it_belongs() {
    let dir = tempfile::tempdir().unwrap();
    let stages = tables(&[
        filter(
            "english",
            "{ language = \"en\", not = { source = \"AP\" } }",
        ),
        route(
            "by_language",
            "[transforms.by_language.outputs]\nenglish = { language = \"en\" }\n\
             european = { any = [{ language = \"de\" }, { url_host = \"example.com\" }] }",
        ),
        // `_unmatched` is not read: what goes there is dropped.
        route(
            "english_only",
            "outputs = { english = { language = \"en\" } }",
        ),
        dedup("once", "mode = \"drop\""),
        dedup("marked", ""),
    ]);
    let config = pipeline(
        dir.path(),
        &stages,
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
    let (api_address, push) = (local_address(), local_address());
    let config = tables(&[
        state_in(dir.path().display(), ""),
        api(&api_address, ""),
        http_source(&push, "ack = \"delivered\"\nack_timeout_secs = 20"),
        transform(
            "english",
            "filter",
            &["push"],
            "condition = { language = \"en\" }",
        ),
        jsonl_out(dir.path().display(), &["english"]),
    ]);
    let daemon = start(&write_config(dir.path(), &config));
    let status = poll(Duration::from_secs(30), || {
        match post_articles(&push, None, "application/x-ndjson", ARTICLES) {
            0 | 503 => Err("the source never answered".to_owned()),
            status => Ok(status),
        }
    });
    assert_eq!(
        status, 200,
        "every article delivered, the dropped ones included"
    );
    assert_eq!(
        sorted_jsonl_ids(&dir.path().join("out.jsonl")),
        ["en-1", "en-2"]
    );
    assert_metrics(
        &api_address,
        &["newsflow_stage_dropped_total{stage=\"transforms.english\",kind=\"transform\"} 2"],
    );
    stop(daemon);
}

/// Validates `config` and returns (exit code, stderr).
fn validate(dir: &Path, config: &str) -> (i32, String) {
    let output = on_config(&["validate"], &write_config(dir, config), &[]);
    (output.status.code().unwrap_or(-1), stderr(&output))
}

/// Asserts that `validate` refuses `config` (exit 78) with each
/// `(problem, marker)` as `pipeline.toml:LINE: PROBLEM`, LINE being the
/// first line of `config` holding `marker`: each problem names its key and
/// the line it is on.
fn assert_refused(dir: &Path, config: &str, problems: &[(&str, &str)]) {
    let (code, err) = validate(dir, config);
    assert_eq!(code, 78, "{err}");
    for (problem, marker) in problems {
        let line = config.lines().position(|l| l.contains(marker)).unwrap() + 1;
        let expected = format!("pipeline.toml:{line}: {problem}");
        assert!(err.contains(&expected), "stderr lacks {expected:?}:\n{err}");
    }
}

#[test]
fn bad_conditions_and_outputs_are_refused_with_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let stages = tables(&[
        filter("english", "{ all = [{ langage = \"en\" }] }"),
        filter("recent", "{ newer_than = \"a while\" }"),
        filter("titles", "{ title_matches = \"(unclosed\" }"),
        route(
            "by_language",
            "[transforms.by_language.outputs]\nenglish = { language = \"en\" }",
        ),
        dedup("once", "concurrency = 4"),
        dedup("loose", "threshold = 2"),
    ]);
    let config = pipeline(
        dir.path(),
        &stages,
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
    // Problems inside stage tables come first; a config that parses then
    // has its graph checked.
    assert_refused(
        dir.path(),
        &config,
        &[
            ("transforms.english.condition.all[0].langage: unknown field `langage`", "langage"),
            ("transforms.recent.condition.newer_than: `a while` is not a duration", "a while"),
            ("transforms.titles.condition.title_matches: `(unclosed` is not a valid regular expression: unclosed group", "(unclosed"),
            ("transforms.loose.threshold: 2 is no similarity", "threshold = 2"),
            ("transforms.once.concurrency: a `dedup` takes articles one at a time", "concurrency = 4"),
        ],
    );

    let fixed = config
        .replace("langage", "language")
        .replace("a while", "36h")
        .replace("(unclosed", "^Rates")
        .replace("threshold = 2", "threshold = 0.6")
        .replace("concurrency = 4\n", "");
    assert_refused(
        dir.path(),
        &fixed,
        &[
            ("sinks.d.inputs: `by_language.englsh` names no source or transform; known: by_language._unmatched, by_language.english, english, in, loose, once, recent, titles", "by_language.englsh"),
            ("sinks.e.inputs: `by_language` sends its articles to named outputs: read one of by_language.english, by_language._unmatched", "[\"by_language\"]"),
        ],
    );

    let valid = fixed
        .replace("by_language.englsh", "by_language.english")
        .replace(
            "inputs = [\"by_language\"]",
            "inputs = [\"by_language._unmatched\"]",
        );
    let (code, err) = validate(dir.path(), &valid);
    assert_eq!(code, 0, "{err}");
}
