//! A configuration only the target can tell is wrong (a database, role or
//! stream that does not exist, credentials refused) stops the run with exit
//! 78 (EX_CONFIG), so a supervisor does not restart it in a loop, and with
//! one error line naming the stage and the cause.

use crate::support::config::{dead_letter, dir_source, jsonl_sink, state_in, table, tables};
use crate::{
    delete_stream, free_port, nats_available, postgres_available, run_config, stderr, write_config,
};
use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

/// One article in `DIR/in` read by a `dir` source into `[sinks.out]` with
/// `sink` as its body; dead letters to `DIR/dead.jsonl`.
fn sink_config(dir: &Path, sink: &str) -> String {
    std::fs::create_dir_all(dir.join("in")).unwrap();
    std::fs::write(dir.join("in/a.txt"), "Three ships docked.").unwrap();
    let dir = dir.display();
    tables(&[
        state_in(&dir, ""),
        dir_source("in", format!("{dir}/in"), ""),
        table("sinks.out", &["inputs = [\"in\"]", sink]),
        dead_letter(format!("{dir}/dead.jsonl")),
    ])
}

/// Runs `config` and checks it exits 78 with exactly one error line, naming
/// `stage` and holding `cause`.
fn exits_78_with_one_error(dir: &Path, config: &str, stage: &str, cause: &str) {
    let output = run_config(&write_config(dir, config));
    let log = stderr(&output);
    assert_eq!(output.status.code(), Some(78), "{log}");
    let errors: Vec<&str> = log
        .lines()
        .filter(|line| line.to_lowercase().contains("error"))
        .collect();
    assert_eq!(errors.len(), 1, "one error line for one cause:\n{log}");
    assert!(
        errors[0].contains(stage) && errors[0].contains(cause),
        "{}",
        errors[0]
    );
    let dead = std::fs::read_to_string(dir.join("dead.jsonl")).unwrap_or_default();
    assert!(dead.is_empty(), "nothing is dead-lettered: {dead}");
}

#[test]
fn an_unknown_postgres_database_or_role_exits_78() {
    if !postgres_available() {
        return;
    }
    for (url, cause) in [
        (
            "postgres://postgres@127.0.0.1:5432/newsflow_no_such_database",
            "newsflow_no_such_database",
        ),
        (
            "postgres://newsflow_no_such_role@127.0.0.1:5432/test",
            "newsflow_no_such_role",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let sink = format!("type = \"postgres\"\nurl = \"{url}\"");
        exits_78_with_one_error(
            dir.path(),
            &sink_config(dir.path(), &sink),
            "sinks.out",
            cause,
        );
    }
}

/// A webhook receiver on loopback answering every request with 401.
fn refusing_receiver() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(20) {
            let Ok(mut stream) = stream else { continue };
            stream
                .set_read_timeout(Some(Duration::from_secs(5)))
                .unwrap();
            // Read the request head and its body, then refuse it.
            let mut request = Vec::new();
            let mut buffer = [0u8; 8192];
            while let Ok(n @ 1..) = stream.read(&mut buffer) {
                request.extend_from_slice(&buffer[..n]);
                let text = String::from_utf8_lossy(&request);
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length = head
                        .lines()
                        .find_map(|l| {
                            l.to_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if body.len() >= length {
                        break;
                    }
                }
            }
            let _ = stream.write_all(
                b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 9\r\nConnection: close\r\n\r\nbad token",
            );
        }
    });
    port
}

#[test]
fn a_webhook_answering_401_exits_78() {
    let dir = tempfile::tempdir().unwrap();
    let port = refusing_receiver();
    let sink = format!("type = \"http\"\nurl = \"http://127.0.0.1:{port}/hook\"");
    exits_78_with_one_error(
        dir.path(),
        &sink_config(dir.path(), &sink),
        "sinks.out",
        "401",
    );
}

#[test]
fn an_unknown_nats_stream_exits_78() {
    if !nats_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let stream = format!("NEWSFLOW_NO_SUCH_STREAM_{}", free_port());
    let out = dir.path().display();
    let bus = [
        "type = \"nats\"",
        &format!("stream = \"{stream}\""),
        "consumer = \"reader\"",
    ];
    let config = tables(&[
        state_in(&out, ""),
        table("sources.bus", &bus),
        jsonl_sink("out", &["bus"], format!("{out}/out.jsonl"), ""),
        dead_letter(format!("{out}/dead.jsonl")),
    ]);
    exits_78_with_one_error(dir.path(), &config, "sources.bus", &stream);
}

#[test]
fn a_stream_with_another_retention_exits_78() {
    if !nats_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let stream = format!("NEWSFLOW_RETENTION_{}_{}", std::process::id(), free_port());
    let sink = |retention: &str| {
        format!(
            "type = \"nats\"\nsubject = \"{}\"\nstream = \"{stream}\"\n\
             create_stream = true\nretention = \"{retention}\"\n",
            stream.to_lowercase()
        )
    };
    // Created with `limits`...
    let created = run_config(&write_config(
        dir.path(),
        &sink_config(dir.path(), &sink("limits")),
    ));
    let result = std::panic::catch_unwind(|| {
        assert_eq!(created.status.code(), Some(0), "{}", stderr(&created));
        // ...it cannot serve as a work queue.
        let config = sink_config(dir.path(), &sink("work_queue"));
        exits_78_with_one_error(dir.path(), &config, "sinks.out", "has retention `limits`");
    });
    delete_stream(&stream);
    result.unwrap();
}
