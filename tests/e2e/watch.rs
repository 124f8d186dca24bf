//! A watched directory: files are picked up as they arrive, and a restart
//! emits only what was not yet delivered.

use crate::{newsflow, read_jsonl, stderr, write_config};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

fn config(dir: &Path) -> std::path::PathBuf {
    write_config(
        dir,
        &format!(
            r#"
[runtime]
state_dir = "{dir}/state"

[sources.inbox]
type = "dir"
path = "{dir}/inbox"
watch = true
settle_ms = 200

[transforms.figures]
type = "figures"
inputs = ["inbox"]

[sinks.out]
type = "jsonl"
inputs = ["figures"]
path = "{dir}/out.jsonl"
flush_interval_ms = 50

[dead_letter]
type = "jsonl"
path = "{dir}/dead.jsonl"
flush_interval_ms = 50
"#,
            dir = dir.display()
        ),
    )
}

/// A running daemon, killed if the test fails before stopping it.
struct Daemon(Option<Child>);

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn start(config: &Path) -> Daemon {
    Daemon(Some(
        newsflow()
            .args(["run", "--config"])
            .arg(config)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    ))
}

/// Waits until `file` has `lines` lines.
fn wait_for_lines(file: &Path, lines: usize) {
    let started = Instant::now();
    loop {
        let now = std::fs::read_to_string(file).map_or(0, |t| t.lines().count());
        if now >= lines {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{now} of {lines} lines after a minute"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn stop(mut daemon: Daemon) -> String {
    let child = daemon.0.take().expect("running");
    let pid = child.id().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    stderr(&output)
}

fn ids(file: &Path) -> Vec<String> {
    let mut ids: Vec<String> = read_jsonl(file)
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[test]
fn new_files_flow_and_a_restart_does_not_repeat_delivered_ones() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    std::fs::create_dir(&inbox).unwrap();
    std::fs::write(
        inbox.join("before.txt"),
        "Three ships docked before the start.",
    )
    .unwrap();
    let config = config(dir.path());
    let out = dir.path().join("out.jsonl");

    let child = start(&config);
    wait_for_lines(&out, 1);
    // Written in place, then settled.
    std::fs::write(inbox.join("direct.txt"), "Two trains left.").unwrap();
    // Written elsewhere, then renamed in (a temporary name is ignored).
    let part = inbox.join("batch.jsonl.part");
    std::fs::write(
        &part,
        "{\"id\":\"b1\",\"body\":\"One.\"}\n{\"id\":\"b2\",\"body\":\"Two.\"}\n",
    )
    .unwrap();
    std::fs::rename(&part, inbox.join("batch.jsonl")).unwrap();
    std::fs::create_dir(inbox.join("sub")).unwrap();
    std::fs::write(
        inbox.join("sub/nested.json"),
        r#"{"id": "nested", "body": "Deep."}"#,
    )
    .unwrap();
    wait_for_lines(&out, 5);
    stop(child);
    assert_eq!(ids(&out), ["b1", "b2", "before", "direct", "nested"]);

    // The restart sees the same files and emits none of them again.
    let child = start(&config);
    std::fs::write(
        inbox.join("after.txt"),
        "Four buses arrived after the restart.",
    )
    .unwrap();
    wait_for_lines(&out, 6);
    std::thread::sleep(Duration::from_millis(500));
    stop(child);
    assert_eq!(
        ids(&out),
        ["after", "b1", "b2", "before", "direct", "nested"]
    );

    // A changed file is a new version: it is read again.
    let child = start(&config);
    std::fs::write(inbox.join("direct.txt"), "Two trains left, then a third.").unwrap();
    wait_for_lines(&out, 7);
    stop(child);
    let bodies: Vec<String> = read_jsonl(&out)
        .iter()
        .filter(|v| v["id"] == "direct")
        .map(|v| v["body"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        bodies,
        ["Two trains left.", "Two trains left, then a third."]
    );
}
