//! SIGTERM in the middle of a replay drains and leaves only whole lines; a
//! second signal exits at once.

use crate::support::config::{dead_letter, dir_source, jsonl_sink, table, tables, transform};
use crate::{
    assert_exit, assert_said, exited, read_jsonl, signal, start, stderr, wait_for_lines,
    write_config, Daemon,
};
use std::path::{Path, PathBuf};
use std::time::Duration;

const ARTICLES: usize = 4000;

/// Writes `ARTICLES` text files of `body`, starts a replay of them into
/// `DIR/articles.jsonl` with `runtime` as its `[runtime]` table, and waits
/// until the first articles are written.
fn replay_under_way(dir: &Path, body: &str, runtime: &str, sink: &str) -> (Daemon, PathBuf) {
    let input = dir.join("articles");
    std::fs::create_dir(&input).unwrap();
    for i in 0..ARTICLES {
        std::fs::write(input.join(format!("{i:05}.txt")), body).unwrap();
    }
    let out = dir.join("articles.jsonl");
    let config = write_config(
        dir,
        &tables(&[
            table("runtime", &[runtime]),
            dir_source("many", input.display(), ""),
            transform("enrich", "enrich", &["many"], "concurrency = 1"),
            jsonl_sink("out", &["enrich"], out.display(), sink),
            dead_letter(format!("{}/dead.jsonl", dir.display())),
        ]),
    );
    let daemon = start(&config);
    wait_for_lines(&out, 1);
    (daemon, out)
}

#[test]
fn sigterm_mid_replay_leaves_whole_lines_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let paragraph = "Officials in Geneva said on Monday that at least 1,200 people had been \
                     evacuated from the coast, and the United Nations sent 35 trucks of aid. ";
    let (daemon, out) = replay_under_way(
        dir.path(),
        &paragraph.repeat(40),
        "channel_capacity = 8",
        "batch_size = 16",
    );
    signal(&daemon, "-TERM");
    let output = exited(daemon);
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
    assert_said(&output, &["stopping"]);
}

#[test]
fn a_second_signal_exits_at_once() {
    let dir = tempfile::tempdir().unwrap();
    // Thousands of articles in flight make the drain long enough to interrupt.
    let (daemon, out) = replay_under_way(
        dir.path(),
        &"Rain fell on 3 towns. ".repeat(200),
        "channel_capacity = 4000\nshutdown_timeout_secs = 600",
        "",
    );
    for _ in 0..2 {
        signal(&daemon, "-TERM");
        std::thread::sleep(Duration::from_millis(100));
    }
    let output = exited(daemon);
    assert_exit(&output, 130, &["second signal"]);
    // Whatever was written before the cut is whole lines.
    let lines = read_jsonl(&out);
    assert!(lines.len() < ARTICLES);
}
