//! `newsflow extract` on a file and on standard input.

use crate::{assert_said, newsflow, on_config, repo, stderr, with_stdin};

#[test]
fn extracts_a_seed_file() {
    let output = newsflow()
        .arg("extract")
        .arg(repo().join("fixtures/articles/001_a4ea0b491cf02130.txt"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let article: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(article["id"], "001_a4ea0b491cf02130");
    assert!(article["entities"].is_array() && article["figures"].is_array());
}

#[test]
fn extracts_a_json_article_from_stdin_and_refuses_a_bad_one() {
    let run = |input: &str| with_stdin(newsflow().arg("extract"), input.as_bytes());
    let output = run(r#"{"id": "j1", "title": "T", "body": "Five ministers met in Rome."}"#);
    assert!(output.status.success(), "{}", stderr(&output));
    let article: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(article["title"], "T");
    let output = run(r#"{"id": "j1"}"#);
    assert!(!output.status.success());
    assert_said(&output, &["standard input: not a valid article"]);
}

#[test]
fn a_reader_that_goes_away_is_not_a_crash() {
    // `newsflow extract FILE | head -c 0`: standard output is a pipe whose
    // reader is already gone.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let output = newsflow()
        .arg("extract")
        .arg(repo().join("fixtures/articles/001_a4ea0b491cf02130.txt"))
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
}

#[test]
fn json_logs_carry_config_errors_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let config = crate::write_config(dir.path(), "[sources.x]\ntype = \"nope\"\n");
    let output = on_config(&["--log-format", "json", "run"], &config, &[]);
    assert_eq!(output.status.code(), Some(78));
    let err = stderr(&output);
    let lines: Vec<serde_json::Value> = err
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l["fields"]["key"] == "sources.x.type" && l["fields"]["line"] == 2),
        "{err}"
    );
}
