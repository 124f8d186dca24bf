//! `newsflow extract` on a file and on standard input.

use crate::{newsflow, repo, stderr};
use std::io::Write;

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
    let run = |input: &str| {
        let mut child = newsflow()
            .arg("extract")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let output = run(r#"{"id": "j1", "title": "T", "body": "Five ministers met in Rome."}"#);
    assert!(output.status.success(), "{}", stderr(&output));
    let article: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(article["title"], "T");
    let output = run(r#"{"id": "j1"}"#);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("standard input: not a valid article"),
        "{}",
        stderr(&output)
    );
}
