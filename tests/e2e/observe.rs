//! Watching a running daemon: `newsflow tap`, `newsflow top` and the API's
//! observer streams. Observers never take part in delivery: a stalled one
//! neither slows the pipeline nor holds an acknowledgement, and a bad one
//! (wrong token, unknown stage, no API) gets a clear message.

use crate::support::config::{api as api_table, jsonl_to};
use crate::support::observe::{
    finish, observed_config, push, seed_json, tap, tap_while, tap_with, wait_for_api, Observed,
    TOKEN,
};
use crate::{
    http_get, http_push_config, inbox_in, jsonl_ids, local_address, newsflow, start, stop,
    wait_for_lines, write_config,
};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn tap_prints_the_articles_leaving_a_stage_as_json_lines() {
    let observed = Observed::start();
    let args = [
        "--api",
        &observed.api,
        "transforms.enrich",
        "--fields",
        "id,entities",
        "--limit",
        "2",
    ];
    let child = tap_with(&args, &[("NEWSFLOW_API_TOKEN", TOKEN)]);
    let (code, out, err) = tap_while(child, "transforms.enrich", || {
        observed.push_seeds(&["a", "b"])
    });
    assert_eq!(code, Some(0), "{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert_eq!(
        (lines[0]["id"].as_str(), lines[1]["id"].as_str()),
        (Some("a"), Some("b"))
    );
    let object = lines[0].as_object().unwrap();
    assert_eq!(
        object.keys().collect::<Vec<_>>(),
        ["entities", "id"],
        "only the fields asked for"
    );
    let entities = lines[0]["entities"].as_array().unwrap();
    assert!(
        entities
            .iter()
            .any(|e| e["name"] == "Recep Tayyip Erdoğan" && e["type"] == "PER"),
        "{out}"
    );
    stop(observed.daemon);
}

#[test]
fn bad_observers_get_a_clear_message_and_leave_the_pipeline_alone() {
    let Observed {
        dir,
        api,
        push: push_at,
        daemon,
    } = Observed::start();
    let cases: [(&[&str], &str); 4] = [
        (&["--token", "s3cret", "sinks.nope"], "unknown stage `sinks.nope`; the stages are: sources.push, transforms.enrich, sinks.out, dead_letter"),
        (&["--token", "wrong", "sinks.out"], "refused the token: missing or wrong token"),
        (&["sinks.out"], "wants a token: pass --token or set NEWSFLOW_API_TOKEN"),
        (&["--token", "s3cret", ""], "name at least one stage"),
    ];
    for (args, message) in cases {
        let (code, out, err) = finish(tap(&[&["--api", &api], args].concat()));
        assert_eq!(code, Some(1), "{args:?}: {err}");
        assert!(
            err.contains(message),
            "{args:?}: wanted {message:?} in {err}"
        );
        assert!(out.is_empty(), "{out}");
    }
    // The page and the raw API say the same to a browser without the token.
    let (code, body) = http_get(&api, "/api/tap?stage=sinks.out&token=wrong");
    assert_eq!(code, 401);
    assert!(
        body.contains("`Authorization: Bearer TOKEN`, or add `?token=TOKEN`"),
        "{body}"
    );
    assert_eq!(http_get(&api, "/").0, 401);
    assert_eq!(http_get(&api, "/?token=s3cret").0, 200);
    assert_eq!(http_get(&api, "/health").0, 200, "liveness needs no token");
    // An API that is not running.
    let nothing = local_address();
    for command in ["tap", "top"] {
        let output = newsflow()
            .args([command, "--api", &nothing])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{err}");
        assert!(
            err.contains(&format!("no newsflow API answers at http://{nothing}")),
            "{err}"
        );
        assert!(
            err.contains("Connection refused") || err.contains("connection refused"),
            "{err}"
        );
    }
    // A tap that disconnects after one record.
    let args = ["--api", &api, "--token", TOKEN, "sinks.out", "--limit", "1"];
    let (code, out, err) = tap_while(tap(&args), "sinks.out", || {
        push(&push_at, &seed_json("one"))
    });
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out.lines().count(), 1);
    // The pipeline went on as if nobody had looked.
    push(&push_at, &seed_json("two"));
    wait_for_lines(&dir.path().join("out.jsonl"), 2);
    assert_eq!(jsonl_ids(&dir.path().join("out.jsonl")), ["one", "two"]);
    let log = stop(daemon);
    assert!(!log.contains("ERROR"), "{log}");
}

/// Opens a GET on `address` and never reads the answer.
fn stalled_reader(address: &str, path: &str) -> TcpStream {
    let mut stream = TcpStream::connect(address).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {address}\r\n\r\n").unwrap();
    stream
}

#[test]
fn stalled_observers_neither_slow_delivery_nor_hold_acknowledgements() {
    let dir = tempfile::tempdir().unwrap();
    let (api, push_at) = (local_address(), local_address());
    let config = http_push_config(dir.path(), &api, &push_at, 1000, "ack = \"delivered\"");
    let daemon = start(&write_config(dir.path(), &config));
    wait_for_api(&api, "/health");
    // A stuck browser: the page, its stats and two taps, opened and never read.
    let mut stalled: Vec<TcpStream> = [
        "/",
        "/api/events",
        "/api/tap?stage=sources.push&recent=true",
    ]
    .iter()
    .map(|path| stalled_reader(&api, path))
    .collect();
    stalled.push(stalled_reader(&api, "/api/tap?stage=sinks.out"));
    // Far more than the sockets' buffers hold: 4,000 articles of 4 kB, in batches of 200.
    let filler = "word ".repeat(800);
    let batches = 20;
    for batch in 0..batches {
        let lines: Vec<String> = (0..200)
            .map(|i| {
                serde_json::json!({"id": format!("{batch}-{i:03}"), "body": filler}).to_string()
            })
            .collect();
        push(&push_at, &lines.join("\n"));
    }
    // Each push was answered only once its articles were written (`ack =
    // "delivered"`): the stalled readers held no acknowledgement back.
    wait_for_lines(&dir.path().join("out.jsonl"), batches * 200);
    // The stalled tap, read at last, was told what it missed.
    let mut behind = stalled.pop().unwrap();
    behind
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut seen = Vec::new();
    let mut chunk = [0u8; 65536];
    while !String::from_utf8_lossy(&seen).contains("event: skipped") {
        let n = behind.read(&mut chunk).expect("the stalled tap reads on");
        assert!(n > 0, "the stream ended without a skipped event");
        seen.extend_from_slice(&chunk[..n]);
    }
    push(&push_at, r#"{"id":"after","body":"Two boats."}"#);
    wait_for_lines(&dir.path().join("out.jsonl"), batches * 200 + 1);
    // A stop is not held up by readers, stalled or attached: the stalled
    // ones are cut off, an attached tap hears that the pipeline stopped.
    let attached = tap(&["--api", &api, "sinks.out"]);
    let (code, _, err) = tap_while(attached, "sinks.out", || {
        let stopping = Instant::now();
        stop(daemon);
        assert!(
            stopping.elapsed() < Duration::from_secs(20),
            "{:?}",
            stopping.elapsed()
        );
    });
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("the pipeline stopped"), "{err}");
    drop((stalled, behind));
}

/// Whether tmux is here to run `newsflow top` in; skips with the reason
/// printed when not, unless `NEWSFLOW_REQUIRE_SERVICES=1`.
fn tmux_available() -> bool {
    match Command::new("tmux").arg("-V").output() {
        Ok(output) if output.status.success() => true,
        other => {
            crate::service_missing("tmux", format!("{other:?}"));
            false
        }
    }
}

#[test]
fn top_shows_each_stage_with_its_counts_in_a_terminal() {
    if !tmux_available() {
        return;
    }
    let observed = Observed::start();
    observed.push_seeds(&["a", "b", "c"]);
    let api = &observed.api;
    let session = format!("newsflow-top-{}", std::process::id());
    let tmux = |args: &[&str]| {
        Command::new("tmux")
            .args(["-L", &session])
            .args(args)
            .output()
            .unwrap()
    };
    let top = format!(
        "NEWSFLOW_API_TOKEN={TOKEN} {} top --api {api}",
        env!("CARGO_BIN_EXE_newsflow")
    );
    assert!(tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "140",
        "-y",
        "20",
        &top
    ])
    .status
    .success());
    let started = Instant::now();
    let screen = loop {
        let screen = String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", &session]).stdout)
            .into_owned();
        let row = screen
            .lines()
            .find(|l| l.contains("sinks.out"))
            .unwrap_or("");
        if row.split_whitespace().filter(|w| *w == "3").count() >= 2 {
            break screen;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "top never showed 3 in and out:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    for text in [
        "newsflow top",
        "ready",
        "sources.push",
        "transforms.enrich",
        "dead_letter",
        "QUEUE",
        "0/",
    ] {
        assert!(screen.contains(text), "no {text:?} on\n{screen}");
    }
    tmux(&["send-keys", "-t", &session, "q"]);
    let started = Instant::now();
    while tmux(&["has-session", "-t", &session]).status.success() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "top did not quit on q"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    stop(observed.daemon);
}

#[test]
fn an_api_token_from_an_unset_variable_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let (api, push_at) = (local_address(), local_address());
    let config = observed_config(dir.path(), &api, &push_at, "unused").replace(
        "token = \"unused\"",
        "token_env = \"NEWSFLOW_TEST_NO_SUCH_TOKEN\"",
    );
    let output = crate::run_config(&write_config(dir.path(), &config));
    let err = crate::stderr(&output);
    assert_eq!(output.status.code(), Some(78), "{err}");
    assert!(err.contains("api.token_env"), "{err}");
    assert!(
        err.contains("NEWSFLOW_TEST_NO_SUCH_TOKEN is not set or empty"),
        "{err}"
    );
}

#[test]
fn tap_shows_the_dead_letters_as_they_are_written() {
    let dir = tempfile::tempdir().unwrap();
    let api = local_address();
    let sink = jsonl_to(format!("{}/out.jsonl", dir.path().display()));
    let config = crate::inbox_config(dir.path(), &sink, &api_table(&api, ""));
    let inbox = inbox_in(dir.path());
    let daemon = start(&write_config(dir.path(), &config));
    wait_for_api(&api, "/health");
    let child = tap(&["--api", &api, "dead_letter", "--limit", "1"]);
    let (code, out, err) = tap_while(child, "dead_letter", || {
        std::fs::write(inbox.join("broken.json.part"), "{\"id\": \"x\", \"body\": ").unwrap();
        std::fs::rename(inbox.join("broken.json.part"), inbox.join("broken.json")).unwrap();
    });
    assert_eq!(code, Some(0), "{err}");
    let letter: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(letter["stage"], "inbox", "{letter}");
    assert!(
        letter["location"].as_str().unwrap().contains("broken.json"),
        "{letter}"
    );
    assert_eq!(letter["raw"], "{\"id\": \"x\", \"body\": ", "{letter}");
    stop(daemon);
}
