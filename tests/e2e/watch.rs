//! A watched directory: files are picked up as they arrive, and a restart
//! emits only what was not yet delivered.

use crate::support::config::jsonl_to;
use crate::{
    inbox_config, inbox_in, read_jsonl, sorted_jsonl_ids, start, stop, stop_at_lines,
    wait_for_lines, write_config,
};
use std::path::Path;

fn config(dir: &Path) -> std::path::PathBuf {
    let sink = jsonl_to(format!("{}/out.jsonl", dir.display()));
    write_config(dir, &inbox_config(dir, &sink, ""))
}

#[test]
fn new_files_flow_and_a_restart_does_not_repeat_delivered_ones() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = inbox_in(dir.path());
    std::fs::write(
        inbox.join("before.txt"),
        "Three ships docked before the start.",
    )
    .unwrap();
    let config = config(dir.path());
    let out = dir.path().join("out.jsonl");

    let daemon = start(&config);
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
    stop(daemon);
    assert_eq!(
        sorted_jsonl_ids(&out),
        ["b1", "b2", "before", "direct", "nested"]
    );

    // The restart sees the same files and emits none of them again.
    let daemon = start(&config);
    std::fs::write(
        inbox.join("after.txt"),
        "Four buses arrived after the restart.",
    )
    .unwrap();
    stop_at_lines(daemon, &out, 6);
    assert_eq!(
        sorted_jsonl_ids(&out),
        ["after", "b1", "b2", "before", "direct", "nested"]
    );

    // A changed file is a new version: it is read again.
    let daemon = start(&config);
    std::fs::write(inbox.join("direct.txt"), "Two trains left, then a third.").unwrap();
    wait_for_lines(&out, 7);
    stop(daemon);
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
