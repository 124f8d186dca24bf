//! The daemon: hot reload while articles flow, refused reloads, and the API.

use crate::support::config::{api, jsonl_sink, jsonl_to};
use crate::{
    drop_article, drop_articles_meanwhile, exited, http_get, http_push_config,
    inbox_config as config_text, inbox_in, jsonl_ids, local_address, poll, post_articles, signal,
    sqlite_ids, start, start_with, stop, wait_for_lines, write_config,
};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[test]
fn a_sink_swapped_by_reload_while_articles_flow_loses_nothing() {
    const ARTICLES: usize = 300;
    let dir = tempfile::tempdir().unwrap();
    let inbox = inbox_in(dir.path());
    let jsonl = dir.path().join("out.jsonl");
    let sqlite = dir.path().join("out.sqlite");
    let config = write_config(
        dir.path(),
        &config_text(dir.path(), &jsonl_to(jsonl.display()), ""),
    );
    let daemon = start(&config);

    let writer = drop_articles_meanwhile(&inbox, "a", ARTICLES, Duration::from_millis(5));
    wait_for_lines(&jsonl, 50);
    let sqlite_sink = format!("type = \"sqlite\"\npath = \"{}\"", sqlite.display());
    write_config(dir.path(), &config_text(dir.path(), &sqlite_sink, ""));
    signal(&daemon, "-HUP");
    writer.join().unwrap();

    poll(Duration::from_secs(60), || {
        let done = jsonl_ids(&jsonl).len() + sqlite_ids(&sqlite).len();
        if done >= ARTICLES {
            Ok(())
        } else {
            Err(format!("{done} of {ARTICLES}"))
        }
    });
    let log = stop(daemon);
    assert!(log.contains("config reloaded"), "{log}");

    let before = jsonl_ids(&jsonl);
    let after = sqlite_ids(&sqlite);
    assert!(
        !before.is_empty() && !after.is_empty(),
        "the swap did not happen mid-stream"
    );
    let mut all: Vec<String> = before.iter().chain(&after).cloned().collect();
    all.sort();
    let expected: Vec<String> = (0..ARTICLES).map(|i| format!("a{i:04}")).collect();
    assert_eq!(all, expected, "lost or doubled articles across the swap");
}

#[test]
fn an_invalid_config_is_refused_and_a_valid_one_applied_when_the_file_changes() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = inbox_in(dir.path());
    let first = dir.path().join("first.jsonl");
    let second = dir.path().join("second.jsonl");
    let sink = |path: &PathBuf| jsonl_to(path.display());
    let config = write_config(dir.path(), &config_text(dir.path(), &sink(&first), ""));
    let daemon = start_with(&config, &["--watch"]);

    drop_article(&inbox, "one");
    wait_for_lines(&first, 1);
    // A typo: the reload is refused and the pipeline runs on as it was.
    write_config(
        dir.path(),
        &config_text(dir.path(), &format!("{}\npth = \"x\"", sink(&second)), ""),
    );
    // A reload reads the file once it has stayed unchanged for 500 ms; room
    // for that on a loaded machine before the fix is written.
    std::thread::sleep(Duration::from_millis(2500));
    drop_article(&inbox, "two");
    wait_for_lines(&first, 2);
    // Fixed: applied, and the next article goes to the new file.
    write_config(dir.path(), &config_text(dir.path(), &sink(&second), ""));
    let started = Instant::now();
    let mut n = 0;
    while jsonl_ids(&second).is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the valid config was never applied"
        );
        n += 1;
        drop_article(&inbox, &format!("three{n}"));
        std::thread::sleep(Duration::from_millis(300));
    }
    let log = stop(daemon);
    assert!(log.contains("sinks.out.pth: unknown field"), "{log}");
    assert!(log.contains("config reloaded"), "{log}");
    assert_eq!(jsonl_ids(&first)[..2], ["one", "two"]);
    let mut all: Vec<String> = jsonl_ids(&first)
        .into_iter()
        .chain(jsonl_ids(&second))
        .collect();
    let total = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), total, "an article was written twice");
    assert_eq!(total, 2 + n);
}

#[test]
fn the_api_reports_health_readiness_and_counts() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = inbox_in(dir.path());
    let out = dir.path().join("out.jsonl");
    let address = local_address();
    let config = write_config(
        dir.path(),
        &config_text(dir.path(), &jsonl_to(out.display()), &api(&address, "")),
    );
    let daemon = start(&config);
    for id in ["x1", "x2", "x3"] {
        drop_article(&inbox, id);
    }
    std::fs::write(inbox.join("bad.json"), "{ not json").unwrap();
    wait_for_lines(&out, 3);
    wait_for_lines(&dir.path().join("dead.jsonl"), 1);

    let (code, body) = http_get(&address, "/health");
    assert_eq!((code, body.as_str()), (200, "ok\n"));
    let (code, body) = http_get(&address, "/ready");
    assert_eq!(code, 200, "{body}");
    let (code, metrics) = http_get(&address, "/metrics");
    assert_eq!(code, 200);
    for line in [
        "newsflow_stage_received_total{stage=\"sources.inbox\",kind=\"source\"} 4",
        "newsflow_stage_failed_total{stage=\"sources.inbox\",kind=\"source\"} 1",
        "newsflow_stage_emitted_total{stage=\"sinks.out\",kind=\"sink\"} 3",
        "newsflow_stage_emitted_total{stage=\"dead_letter\",kind=\"dead_letter\"} 1",
        "newsflow_stage_latency_seconds_count{stage=\"transforms.figures\"} 3",
        "newsflow_queue_capacity{stage=\"sinks.out\"} 256",
        "newsflow_source_backlog{stage=\"sources.inbox\"}",
        "newsflow_draining 0",
    ] {
        assert!(metrics.contains(line), "no {line:?} in:\n{metrics}");
    }
    stop(daemon);
}

#[test]
fn a_failed_sink_stops_the_daemon_so_a_supervisor_can_restart_it() {
    if !Path::new("/dev/full").exists() {
        eprintln!("SKIPPED: no /dev/full to make a sink fail");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let inbox = inbox_in(dir.path());
    let config = write_config(
        dir.path(),
        &config_text(dir.path(), &jsonl_to("/dev/full"), ""),
    );
    let daemon = start(&config);
    drop_article(&inbox, "doomed");
    let output = exited(daemon);
    let log = crate::stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{log}");
    assert!(
        log.contains("stopping the pipeline because a stage failed"),
        "{log}"
    );
    assert!(log.contains("sinks.out"), "{log}");
}

/// Pushes one JSON article to the http source until it is accepted;
/// `what` says which source failed to accept it after 30 s.
fn push_one(address: &str, id: &str, what: &str) {
    let body = format!("{{\"id\":\"{id}\",\"body\":\"Six boats arrived.\"}}");
    poll(Duration::from_secs(30), || {
        match post_articles(address, None, "application/json", &body) {
            202 => Ok(()),
            _ => Err(what.to_owned()),
        }
    });
}

#[test]
fn an_http_source_reloads_on_its_own_address_and_refused_reloads_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    let (push, api) = (local_address(), local_address());
    let config_for = |max_articles: usize, extra: &str| {
        http_push_config(dir.path(), &api, &push, max_articles, extra)
    };
    let config = write_config(dir.path(), &config_for(10, ""));
    let daemon = start(&config);
    push_one(&push, "before", "the http source never started");
    wait_for_lines(&out, 1);

    // A config that does not compile: refused, counted, nothing changes.
    write_config(dir.path(), &config_for(10, "bogus = 1"));
    signal(&daemon, "-HUP");
    // A valid change to the source itself: it restarts on the same port.
    std::thread::sleep(Duration::from_millis(800));
    write_config(dir.path(), &config_for(20, ""));
    signal(&daemon, "-HUP");
    poll(Duration::from_secs(30), || {
        let (_, metrics) = http_get(&api, "/metrics");
        if metrics.contains("newsflow_reloads_total{result=\"applied\"} 1") {
            assert!(
                metrics.contains("newsflow_reloads_total{result=\"refused\"} 1"),
                "{metrics}"
            );
            Ok(())
        } else {
            Err(format!("no reload applied:\n{metrics}"))
        }
    });
    push_one(&push, "after", "the reloaded http source does not answer");
    wait_for_lines(&out, 2);
    let log = stop(daemon);
    assert!(log.contains("sources.push.bogus: unknown field"), "{log}");
    assert!(!log.contains("Address already in use"), "{log}");
    assert_eq!(jsonl_ids(&out), ["before", "after"]);
}

#[test]
fn a_config_saved_in_two_writes_does_not_drop_a_sink_meanwhile() {
    let dir = tempfile::tempdir().unwrap();
    let inbox = inbox_in(dir.path());
    let (a, b) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
    // The second sink last, so the file's first half is a valid config without it.
    let head = config_text(dir.path(), &jsonl_to(a.display()), "");
    let tail = format!(
        "\n{}",
        jsonl_sink("b", &["figures"], b.display(), "flush_interval_ms = 20")
    );
    let config = write_config(dir.path(), &format!("{head}{tail}"));
    let daemon = start_with(&config, &["--watch"]);
    drop_article(&inbox, "before");
    wait_for_lines(&b, 1);

    // An editor saving in place in two writes, 700 ms apart, while articles flow.
    let writer = {
        let config = config.clone();
        let extra = format!("# saved again\n{head}");
        std::thread::spawn(move || {
            use std::io::Write;
            let mut file = std::fs::File::create(&config).unwrap();
            file.write_all(extra.as_bytes()).unwrap();
            file.sync_all().unwrap();
            std::thread::sleep(Duration::from_millis(700));
            file.write_all(tail.as_bytes()).unwrap();
            file.sync_all().unwrap();
        })
    };
    for n in 0..30 {
        drop_article(&inbox, &format!("during{n}"));
        std::thread::sleep(Duration::from_millis(100));
    }
    writer.join().unwrap();
    wait_for_lines(&a, 31);
    wait_for_lines(&b, 31);
    let log = stop(daemon);
    let mut in_b = jsonl_ids(&b);
    in_b.sort();
    in_b.dedup();
    assert_eq!(
        in_b.len(),
        31,
        "sink b lost articles while the config was half written:\n{log}"
    );
    assert!(!log.contains("the reload removes stages"), "{log}");
}
