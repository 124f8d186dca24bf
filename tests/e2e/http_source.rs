//! The `http` source in the daemon: a reload or a stop is not held up by a
//! half-sent request, and idle connections cannot take the descriptors the
//! rest of the process needs.

use crate::support::config::{api, http_source, jsonl_out, state_in, tables, watched_inbox};
use crate::{
    drop_article, http_push_config, inbox_in, local_address, newsflow, poll, signal,
    sorted_jsonl_ids, start, stop, wait_for_lines, write_config, Daemon,
};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

/// Sends `request` raw and reads the answer until the server closes, for at
/// most `secs`: (status code, whole answer); code 0 when none came.
fn exchange(address: &str, request: &str, secs: u64) -> (u16, String) {
    let Ok(mut stream) = TcpStream::connect(address) else {
        return (0, String::new());
    };
    stream
        .set_read_timeout(Some(Duration::from_secs(secs)))
        .unwrap();
    let _ = stream.write_all(request.as_bytes());
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let code = answer
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (code, answer)
}

fn push_request(address: &str, id: &str) -> String {
    let body = format!("{{\"id\":\"{id}\",\"body\":\"Six boats arrived.\"}}");
    format!(
        "POST /articles HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn get_request(path: &str) -> String {
    format!("GET {path} HTTP/1.0\r\nHost: x\r\n\r\n")
}

/// Pushes `id` until it is answered 202 (for at most `secs`).
fn push_until_accepted(address: &str, id: &str, secs: u64) {
    poll(Duration::from_secs(secs), || {
        match exchange(address, &push_request(address, id), 5) {
            (202, _) => Ok(()),
            (_, answer) => Err(format!("{id} not accepted within {secs} s: {answer}")),
        }
    });
}

#[test]
fn a_reload_of_the_source_is_not_held_up_by_a_half_sent_request() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    let (push, api) = (local_address(), local_address());
    let config_for =
        |max_articles: usize| http_push_config(dir.path(), &api, &push, max_articles, "");
    let config = write_config(dir.path(), &config_for(10));
    let daemon = start(&config);
    push_until_accepted(&push, "before", 30);

    // A client sends its headers and part of the body, then stalls.
    let mut half = TcpStream::connect(&push).unwrap();
    write!(
        half,
        "POST /articles HTTP/1.1\r\nHost: {push}\r\nContent-Length: 100\r\n\r\n{{\"id\":"
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));

    write_config(dir.path(), &config_for(20));
    signal(&daemon, "-HUP");
    poll(Duration::from_secs(60), || {
        let (_, metrics) = exchange(&api, &get_request("/metrics"), 5);
        if metrics.contains("newsflow_reloads_total{result=\"applied\"} 1") {
            Ok(())
        } else {
            Err(format!("no reload applied:\n{metrics}"))
        }
    });
    // The stalled request was cut (told to retry), not waited for.
    half.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut answer = String::new();
    let _ = half.read_to_string(&mut answer);
    assert!(answer.is_empty() || answer.contains(" 503 "), "{answer}");
    push_until_accepted(&push, "after", 30);
    wait_for_lines(&out, 2);

    let log = stop(daemon);
    assert!(
        !log.contains("has not stopped after"),
        "the old source held its port while a half-sent request was open:\n{log}"
    );
    assert_eq!(sorted_jsonl_ids(&out), ["after", "before"]);
}

#[test]
fn idle_connections_cannot_take_the_descriptors_of_the_rest() {
    if Path::new("/usr/bin/prlimit").metadata().is_err() {
        eprintln!("SKIPPED: no /usr/bin/prlimit to lower the descriptor limit");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let inbox = inbox_in(dir.path());
    let out = dir.path().join("out.jsonl");
    let (push, api_address) = (local_address(), local_address());
    let config = write_config(
        dir.path(),
        &tables(&[
            api(&api_address, ""),
            state_in(dir.path().display(), ""),
            http_source(&push, "max_connections = 64\nheader_timeout_secs = 1"),
            watched_inbox(dir.path().display()),
            jsonl_out(dir.path().display(), &["push", "inbox"]),
        ]),
    );
    // 128 descriptors for the daemon; more idle clients than that.
    let daemon = Daemon(Some(
        std::process::Command::new("/usr/bin/prlimit")
            .arg("--nofile=128:128")
            .arg(newsflow().get_program())
            .args(["run", "--config"])
            .arg(&config)
            .env_remove("RUST_LOG")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    ));
    push_until_accepted(&push, "first", 30);

    // Beyond `max_connections` the rest wait in the listen queue (128 long);
    // when it is full, connecting fails: enough are open then.
    let mut idle = Vec::new();
    for _ in 0..300 {
        match TcpStream::connect_timeout(&push.parse().unwrap(), Duration::from_secs(3)) {
            Ok(stream) => idle.push(stream),
            Err(_) => break,
        }
    }
    assert!(idle.len() > 128, "only {} connections opened", idle.len());

    // The rest of the process still has descriptors: the API answers, the
    // watched directory is read, and pushes get in as idle ones are cut.
    let (code, metrics) = exchange(&api_address, &get_request("/metrics"), 10);
    assert_eq!(
        code,
        200,
        "/metrics under {} idle connections: {metrics}",
        idle.len()
    );
    drop_article(&inbox, "filed");
    push_until_accepted(&push, "pushed", 60);
    wait_for_lines(&out, 3);
    drop(idle);
    stop(daemon);
    assert_eq!(sorted_jsonl_ids(&out), ["filed", "first", "pushed"]);
}
