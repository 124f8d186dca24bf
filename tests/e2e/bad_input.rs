//! Malformed input goes to the dead-letter sink, with where and why, while
//! the rest flows on.

use crate::support::config::{dead_letter, dir_source, jsonl_sink, tables, transform};
use crate::{read_jsonl, repo, run_config, stderr, write_config};
use serde_json::Value;

#[test]
fn every_malformed_file_is_dead_lettered_and_the_rest_flows_on() {
    let dir = tempfile::tempdir().unwrap();
    let bad = repo().join("fixtures/bad");
    let out = dir.path().display();
    let config = write_config(
        dir.path(),
        &tables(&[
            dir_source("bad", bad.display(), ""),
            transform("enrich", "enrich", &["bad"], ""),
            jsonl_sink("out", &["enrich"], format!("{out}/articles.jsonl"), ""),
            dead_letter(format!("{out}/dead.jsonl")),
        ]),
    );
    let output = run_config(&config);
    assert!(output.status.success(), "{}", stderr(&output));

    let articles = read_jsonl(&dir.path().join("articles.jsonl"));
    let ids: Vec<_> = articles.iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["mixed-ok-1", "mixed-ok-2"]);
    assert_eq!(articles[1]["metadata"]["desk"], "economy");
    assert_eq!(articles[1]["published_at"], "2024-03-07T09:30:00Z");

    let dead = read_jsonl(&dir.path().join("dead.jsonl"));
    let find = |suffix: &str| -> &Value {
        dead.iter()
            .find(|d| d["location"].as_str().is_some_and(|l| l.ends_with(suffix)))
            .unwrap_or_else(|| panic!("no dead letter at {suffix}: {dead:#?}"))
    };
    for (location, reason) in [
        ("broken.json:4", "not valid JSON"),
        ("empty.txt", "no `body`"),
        ("no-id.json", "no `id`"),
        ("not-utf8.txt", "not UTF-8"),
        ("mixed.jsonl:2", "not valid JSON"),
        ("mixed.jsonl:3", "no `body`"),
        ("mixed.jsonl:4", "must be a JSON object"),
        ("mixed.jsonl:5", "title"),
    ] {
        let letter = find(location);
        assert!(
            letter["reason"].as_str().unwrap().contains(reason),
            "{location}: {letter}"
        );
    }
    assert!(find("broken.json:4")["raw"]
        .as_str()
        .unwrap()
        .contains("missing quote"));
    assert_eq!(find("not-utf8.txt")["raw_encoding"], "base64");
    assert_eq!(dead.len(), 8, "{dead:#?}");
    for letter in &dead {
        assert_eq!(letter["stage"], "bad");
    }

    let log = stderr(&output);
    assert!(log.contains("dead-letter"), "no warning logged:\n{log}");
    assert!(
        log.contains("received=10") && log.contains("failed=8"),
        "summary does not count them:\n{log}"
    );
}
