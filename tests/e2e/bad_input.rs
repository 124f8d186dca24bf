//! Malformed input goes to the dead-letter sink, with where and why, while
//! the rest flows on.

use crate::{read_jsonl, repo, run_config, stderr, write_config};
use serde_json::Value;

#[test]
fn every_malformed_file_is_dead_lettered_and_the_rest_flows_on() {
    let dir = tempfile::tempdir().unwrap();
    let bad = repo().join("fixtures/bad");
    let config = write_config(
        dir.path(),
        &format!(
            r#"
[sources.bad]
type = "dir"
path = "{}"

[transforms.enrich]
type = "enrich"
inputs = ["bad"]

[sinks.out]
type = "jsonl"
inputs = ["enrich"]
path = "{out}/articles.jsonl"

[dead_letter]
type = "jsonl"
path = "{out}/dead.jsonl"
"#,
            bad.display(),
            out = dir.path().display()
        ),
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
    let broken = find("broken.json:4");
    assert!(
        broken["reason"]
            .as_str()
            .unwrap()
            .contains("not valid JSON"),
        "{broken}"
    );
    assert!(broken["raw"].as_str().unwrap().contains("missing quote"));
    assert!(find("empty.txt")["reason"]
        .as_str()
        .unwrap()
        .contains("no `body`"));
    assert!(find("no-id.json")["reason"]
        .as_str()
        .unwrap()
        .contains("no `id`"));
    let latin1 = find("not-utf8.txt");
    assert!(latin1["reason"].as_str().unwrap().contains("not UTF-8"));
    assert_eq!(latin1["raw_encoding"], "base64");
    assert!(find("mixed.jsonl:2")["reason"]
        .as_str()
        .unwrap()
        .contains("not valid JSON"));
    assert!(find("mixed.jsonl:3")["reason"]
        .as_str()
        .unwrap()
        .contains("no `body`"));
    assert!(find("mixed.jsonl:4")["reason"]
        .as_str()
        .unwrap()
        .contains("must be a JSON object"));
    assert!(find("mixed.jsonl:5")["reason"]
        .as_str()
        .unwrap()
        .contains("title"));
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
