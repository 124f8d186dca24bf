//! SIGTERM in the middle of a replay drains and leaves only whole lines.

use crate::{newsflow, read_jsonl, stderr, write_config};
use std::time::{Duration, Instant};

const ARTICLES: usize = 4000;

#[test]
fn sigterm_mid_replay_leaves_whole_lines_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("articles");
    std::fs::create_dir(&input).unwrap();
    let paragraph = "Officials in Geneva said on Monday that at least 1,200 people had been \
                     evacuated from the coast, and the United Nations sent 35 trucks of aid. ";
    for i in 0..ARTICLES {
        std::fs::write(input.join(format!("{i:05}.txt")), paragraph.repeat(40)).unwrap();
    }
    let out = dir.path().join("articles.jsonl");
    let config = write_config(
        dir.path(),
        &format!(
            r#"
[runtime]
channel_capacity = 8

[sources.many]
type = "dir"
path = "{}"

[transforms.enrich]
type = "enrich"
inputs = ["many"]
concurrency = 1

[sinks.out]
type = "jsonl"
inputs = ["enrich"]
path = "{}"
batch_size = 16

[dead_letter]
type = "jsonl"
path = "{}/dead.jsonl"
"#,
            input.display(),
            out.display(),
            dir.path().display()
        ),
    );
    let child = newsflow()
        .args(["run", "--config"])
        .arg(&config)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until articles are flowing, then stop.
    let started = Instant::now();
    while std::fs::metadata(&out).map_or(0, |m| m.len()) == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no output after a minute"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    let lines = read_jsonl(&out);
    assert!(!lines.is_empty());
    assert!(
        lines.len() < ARTICLES,
        "the replay finished before the signal; the test proves nothing"
    );
    // Whole lines, in order, none twice.
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(line["id"], format!("{i:05}"));
    }
    assert!(stderr(&output).contains("stopping"), "{}", stderr(&output));
}

#[test]
fn a_second_signal_exits_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("articles");
    std::fs::create_dir(&input).unwrap();
    for i in 0..ARTICLES {
        std::fs::write(
            input.join(format!("{i:05}.txt")),
            "Rain fell on 3 towns. ".repeat(200),
        )
        .unwrap();
    }
    let out = dir.path().join("articles.jsonl");
    let config = write_config(
        dir.path(),
        &format!(
            r#"
[runtime]
# Thousands of articles in flight make the drain long enough to interrupt.
channel_capacity = 4000
shutdown_timeout_secs = 600

[sources.many]
type = "dir"
path = "{}"

[transforms.enrich]
type = "enrich"
inputs = ["many"]

[sinks.out]
type = "jsonl"
inputs = ["enrich"]
path = "{}"

[dead_letter]
type = "jsonl"
path = "{}/dead.jsonl"
"#,
            input.display(),
            out.display(),
            dir.path().display()
        ),
    );
    let child = newsflow()
        .args(["run", "--config"])
        .arg(&config)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::fs::metadata(&out).map_or(0, |m| m.len()) == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no output after a minute"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let pid = child.id().to_string();
    for _ in 0..2 {
        assert!(std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success());
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("second signal"),
        "{}",
        stderr(&output)
    );
    // Whatever was written before the cut is whole lines.
    let lines = read_jsonl(&out);
    assert!(lines.len() < ARTICLES);
}
