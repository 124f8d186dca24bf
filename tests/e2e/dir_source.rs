//! The `dir` source's rules for what it reads: symbolic links, files it
//! skips (logged once, with the reason), files it cannot read, the size
//! limit, and a relative `path` across restarts and working directories.

use crate::support::config::{jsonl_sink, table, tables};
use crate::{
    drop_article, inbox_in, newsflow, read_jsonl, sorted_jsonl_ids, stderr, stop, stop_at_lines,
    wait_for_lines, Daemon,
};
use serde_json::Value;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// A value only the daemon's environment holds: it must never be stored.
const SECRET: &str = "hunter2-e2e-token";

/// `newsflow run --config CONFIG` from `cwd`, with a secret in its
/// environment; as `nobody` when the tests run as root, so that a file
/// without read permission really cannot be read.
fn command(cwd: &Path, config: &str) -> Command {
    let mut command = newsflow();
    command
        .current_dir(cwd)
        .args(["run", "--config", config])
        .env("NEWSFLOW_TEST_SECRET", SECRET);
    if running_as_root(cwd) {
        command.uid(65534).gid(65534);
    }
    command
}

fn running_as_root(dir: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(dir).unwrap().uid() == 0
}

/// A scratch directory everyone may write to (the daemon may run as `nobody`).
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    dir
}

fn run(cwd: &Path, config: &str) -> Output {
    command(cwd, config).output().unwrap()
}

/// A [`scratch`] directory with an empty `inbox` in it.
fn scratch_inbox() -> (tempfile::TempDir, PathBuf) {
    let dir = scratch();
    let inbox = inbox_in(dir.path());
    (dir, inbox)
}

/// Replays `dir/inbox` read with `source` options (from `dir`); checks it
/// exits 0 and returns its log.
fn replay(dir: &Path, source: &str) -> String {
    let output = run(
        dir,
        &write_config(dir, &format!("path = \"inbox\"\n{source}")),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    stderr(&output)
}

fn start(cwd: &Path, config: &str) -> Daemon {
    Daemon(Some(
        command(cwd, config).stderr(Stdio::piped()).spawn().unwrap(),
    ))
}

/// A config in `dir/pipeline.toml`: source `inbox` (`source` is the rest of
/// its table), articles to `out.jsonl`, dead letters to `dead.jsonl`, state
/// in `state/`; every path relative to `dir`.
fn write_config(dir: &Path, source: &str) -> String {
    let dead_letter = [
        "type = \"jsonl\"",
        "path = \"dead.jsonl\"",
        "flush_interval_ms = 20",
    ];
    let config = tables(&[
        table("runtime", &["state_dir = \"state\""]),
        table("sources.inbox", &["type = \"dir\"", source]),
        jsonl_sink("out", &["inbox"], "out.jsonl", "flush_interval_ms = 20"),
        table("dead_letter", &dead_letter),
    ]);
    std::fs::write(dir.join("pipeline.toml"), config).unwrap();
    "pipeline.toml".into()
}

/// The dead letters of `file`, by the last component of their location.
fn dead_letters(file: &Path) -> Vec<(String, Value)> {
    let mut letters: Vec<(String, Value)> = if file.exists() {
        read_jsonl(file)
    } else {
        Vec::new()
    }
    .into_iter()
    .map(|v| {
        let location = v["location"].as_str().unwrap_or_default();
        let name = location.rsplit('/').next().unwrap().to_owned();
        (name, v)
    })
    .collect();
    letters.sort_by(|a, b| a.0.cmp(&b.0));
    letters
}

/// The log lines saying an entry named `name` was skipped.
fn skip_lines<'a>(log: &'a str, name: &str) -> Vec<&'a str> {
    log.lines()
        .filter(|l| l.contains("skipped") && l.contains(&format!("/{name} ")))
        .collect()
}

/// Asserts that `name` was skipped at info level, logged once, with a reason
/// containing `reason`.
fn assert_skipped(log: &str, name: &str, reason: &str) {
    let lines = skip_lines(log, name);
    assert_eq!(
        lines.len(),
        1,
        "{name} skipped {} times:\n{log}",
        lines.len()
    );
    assert!(
        lines[0].contains("INFO") && lines[0].contains(reason),
        "{name}: not an info line with {reason:?}:\n{log}"
    );
}

/// Links of every kind a drop directory may meet, next to a plain article:
/// to the process environment, to a file and a directory outside, a
/// directory link back into the directory, and a file link inside it.
fn make_links(inbox: &Path, outside: &Path) {
    symlink("/proc/self/environ", inbox.join("env.txt")).unwrap();
    symlink(outside.join("secret.txt"), inbox.join("out.txt")).unwrap();
    symlink(outside, inbox.join("outdir")).unwrap();
    symlink(".", inbox.join("again")).unwrap();
    symlink("first.txt", inbox.join("inside.txt")).unwrap();
}

/// `dir/inbox` with `first.txt`, and `dir/outside` holding a secret.
fn drop_dir(dir: &Path) -> (PathBuf, PathBuf) {
    let inbox = dir.join("inbox");
    let outside = dir.join("outside");
    std::fs::create_dir(&inbox).unwrap();
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(inbox.join("first.txt"), "Four ferries docked in Oslo.").unwrap();
    std::fs::write(outside.join("secret.txt"), format!("The key is {SECRET}.")).unwrap();
    (inbox, outside)
}

fn assert_no_secret(dir: &Path) {
    for file in ["out.jsonl", "dead.jsonl"] {
        let text = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
        assert!(!text.contains(SECRET), "{file} holds the secret:\n{text}");
        assert!(
            !text.contains("NEWSFLOW_TEST"),
            "{file} holds the environment:\n{text}"
        );
    }
}

/// Replays `inbox` holding links of every kind (see [`make_links`]),
/// read with `source` options; checks it exits 0 and stores no secret, and
/// returns the scratch directory and the log.
fn replay_links(source: &str) -> (tempfile::TempDir, String) {
    let dir = scratch();
    let (inbox, outside) = drop_dir(dir.path());
    make_links(&inbox, &outside);
    let log = replay(dir.path(), source);
    assert_no_secret(dir.path());
    (dir, log)
}

/// Watches `inbox` (read with `source` options), makes links of every kind
/// in it once the first article is out, runs `meanwhile` in it, drops
/// `last` and waits until `out.jsonl` holds `lines` lines; checks no secret
/// was stored, and returns the scratch directory and the log.
fn watch_links(
    source: &str,
    meanwhile: impl FnOnce(&Path),
    lines: usize,
) -> (tempfile::TempDir, String) {
    let dir = scratch();
    let (inbox, outside) = drop_dir(dir.path());
    let source = format!("path = \"inbox\"\nwatch = true\nsettle_ms = 100\n{source}");
    let daemon = start(dir.path(), &write_config(dir.path(), &source));
    let out = dir.path().join("out.jsonl");
    wait_for_lines(&out, 1);
    make_links(&inbox, &outside);
    meanwhile(&inbox);
    drop_article(&inbox, "last");
    let log = stop_at_lines(daemon, &out, lines);
    assert_no_secret(dir.path());
    (dir, log)
}

/// Every link [`make_links`] makes.
const LINKS: [&str; 5] = ["env.txt", "out.txt", "outdir", "again", "inside.txt"];

#[test]
fn symbolic_links_are_not_followed_by_default_at_start_or_when_watched() {
    // At start (a replay).
    let (dir, log) = replay_links("");
    assert_eq!(sorted_jsonl_ids(&dir.path().join("out.jsonl")), ["first"]);
    for link in LINKS {
        assert_skipped(&log, link, "symbolic link");
    }

    // Created while the directory is watched.
    let notes_written_thrice = |inbox: &Path| {
        // A file that is not an article, written several times: logged once.
        for i in 0..3 {
            std::fs::write(inbox.join("notes.md"), format!("draft {i}")).unwrap();
            std::thread::sleep(Duration::from_millis(150));
        }
    };
    let (dir, log) = watch_links("", notes_written_thrice, 2);
    let out = dir.path().join("out.jsonl");
    assert_eq!(sorted_jsonl_ids(&out), ["first", "last"]);
    for link in LINKS {
        assert_skipped(&log, link, "symbolic link");
    }
    assert_skipped(&log, "notes.md", "not an article file");
}

#[test]
fn follow_symlinks_reads_links_that_stay_inside_the_directory() {
    // At start (a replay).
    let (dir, log) = replay_links("follow_symlinks = true");
    assert_eq!(
        sorted_jsonl_ids(&dir.path().join("out.jsonl")),
        ["first", "inside"]
    );
    assert_skipped(&log, "env.txt", "outside");
    assert_skipped(&log, "out.txt", "outside");
    assert_skipped(&log, "outdir", "directory");
    assert_skipped(&log, "again", "directory");

    // Created while the directory is watched.
    let (dir, log) = watch_links("follow_symlinks = true", |_| {}, 3);
    let out = dir.path().join("out.jsonl");
    assert_eq!(sorted_jsonl_ids(&out), ["first", "inside", "last"]);
    assert_skipped(&log, "env.txt", "outside");
    assert_skipped(&log, "out.txt", "outside");
}

#[test]
fn skipped_files_are_logged_at_info_with_the_reason() {
    let (dir, inbox) = scratch_inbox();
    for (name, text) in [
        ("a.txt", "Two trams collided."),
        ("notes.md", "not an article"),
        (".hidden.txt", "hidden"),
        ("b.txt.part", "unfinished"),
    ] {
        std::fs::write(inbox.join(name), text).unwrap();
    }
    let log = replay(dir.path(), "");
    assert_eq!(sorted_jsonl_ids(&dir.path().join("out.jsonl")), ["a"]);
    assert_skipped(&log, "notes.md", "not an article file");
    assert_skipped(&log, ".hidden.txt", "hidden");
    assert_skipped(&log, "b.txt.part", "temporary");
}

#[test]
fn an_unreadable_file_is_dead_lettered_and_the_replay_goes_on() {
    let (dir, inbox) = scratch_inbox();
    for i in 0..20 {
        std::fs::write(inbox.join(format!("{i:02}.txt")), format!("Article {i}.")).unwrap();
    }
    // No permission to read it (the daemon runs as `nobody` under root).
    std::fs::set_permissions(inbox.join("04.txt"), std::fs::Permissions::from_mode(0o000)).unwrap();
    // A FIFO with no writer: opening it for reading would block forever.
    std::fs::remove_file(inbox.join("11.txt")).unwrap();
    let made = Command::new("mkfifo")
        .arg(inbox.join("11.txt"))
        .status()
        .unwrap();
    assert!(made.success());
    let config = write_config(dir.path(), "path = \"inbox\"");

    let mut child = command(dir.path(), &config)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the replay hangs on the FIFO"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let read = sorted_jsonl_ids(&dir.path().join("out.jsonl"));
    assert_eq!(read.len(), 18, "{read:?}");
    let dead = dead_letters(&dir.path().join("dead.jsonl"));
    let names: Vec<&str> = dead.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["04.txt", "11.txt"], "{dead:#?}");
    for (name, letter) in &dead {
        assert_eq!(letter["stage"], "inbox");
        let reason = letter["reason"].as_str().unwrap();
        assert!(reason.contains("cannot read"), "{name}: {reason}");
    }
    assert!(dead[0].1["reason"]
        .as_str()
        .unwrap()
        .contains("ermission denied"));
    assert!(dead[1].1["reason"]
        .as_str()
        .unwrap()
        .contains("not a regular file"));
}

#[test]
fn a_watched_file_that_cannot_be_read_yet_is_retried() {
    let (dir, inbox) = scratch_inbox();
    let locked = inbox.join("locked.txt");
    std::fs::write(&locked, "Six buses arrived late.").unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // A second name outside the watched directory: permissions changed
    // through it raise no event there, so only a retry can pick the file up.
    let key = dir.path().join("key");
    std::fs::hard_link(&locked, &key).unwrap();
    let config = write_config(
        dir.path(),
        "path = \"inbox\"\nwatch = true\nsettle_ms = 100",
    );
    let daemon = start(dir.path(), &config);
    let out = dir.path().join("out.jsonl");
    drop_article(&inbox, "open");
    wait_for_lines(&out, 1);
    std::thread::sleep(Duration::from_millis(1000));
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    wait_for_lines(&out, 2);
    let log = stop(daemon);
    assert_eq!(sorted_jsonl_ids(&out), ["locked", "open"]);
    assert!(log.contains("retry"), "{log}");
    assert!(
        !dir.path().join("dead.jsonl").exists()
            || dead_letters(&dir.path().join("dead.jsonl")).is_empty()
    );
}

#[test]
fn files_over_max_article_bytes_and_long_lines_are_dead_lettered() {
    let (dir, inbox) = scratch_inbox();
    std::fs::write(inbox.join("big.txt"), "Rain. ".repeat(500)).unwrap();
    std::fs::write(inbox.join("small.txt"), "Rain fell.").unwrap();
    let big_json = format!("{{\"id\": \"bj\", \"body\": \"{}\"}}", "x".repeat(3000));
    std::fs::write(inbox.join("big.json"), &big_json).unwrap();
    let long_line = format!(
        "{{\"id\": \"long\", \"body\": \"{}\"}}",
        "y".repeat(100_000)
    );
    std::fs::write(
        inbox.join("lines.jsonl"),
        format!(
            "{{\"id\": \"l1\", \"body\": \"One.\"}}\n{long_line}\n{{\"id\": \"l3\", \"body\": \"Three.\"}}\n"
        ),
    )
    .unwrap();
    replay(dir.path(), "max_article_bytes = 2000");
    assert_eq!(
        sorted_jsonl_ids(&dir.path().join("out.jsonl")),
        ["l1", "l3", "small"]
    );
    let dead = dead_letters(&dir.path().join("dead.jsonl"));
    let names: Vec<&str> = dead.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["big.json", "big.txt", "lines.jsonl:2"], "{dead:#?}");
    let sizes = [big_json.len(), 3000, long_line.len()];
    for ((name, letter), size) in dead.iter().zip(sizes) {
        let reason = letter["reason"].as_str().unwrap();
        assert!(
            reason.contains(&format!("{size} bytes")) && reason.contains("2000 bytes"),
            "{name}: {reason}"
        );
        assert_eq!(letter["raw"].as_str().unwrap().len(), 1024, "{name}");
    }
}

#[test]
fn a_relative_path_keeps_its_ledger_across_restarts_and_working_directories() {
    let top = scratch();
    let dir = top.path().join("run");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let inbox = inbox_in(&dir);
    std::fs::write(inbox.join("before.txt"), "Three ships docked.").unwrap();
    let source = "path = \"inbox\"\nwatch = true\nsettle_ms = 100";
    let config = write_config(&dir, source);
    let out = dir.join("out.jsonl");

    let daemon = start(&dir, &config);
    wait_for_lines(&out, 1);
    drop_article(&inbox, "renamed");
    std::fs::write(inbox.join("in-place.txt"), "Two trains left.").unwrap();
    std::fs::create_dir(inbox.join("sub")).unwrap();
    std::fs::write(inbox.join("sub/nested.txt"), "Deep.").unwrap();
    wait_for_lines(&out, 4);
    stop(daemon);

    // The same directory and state, from the same working directory.
    let daemon = start(&dir, &config);
    drop_article(&inbox, "second");
    stop_at_lines(daemon, &out, 5);
    assert_eq!(
        read_jsonl(&out).len(),
        5,
        "a restart read delivered files again: {:?}",
        sorted_jsonl_ids(&out)
    );

    // The same directory and state, named from the directory above.
    std::fs::write(
        top.path().join("pipeline.toml"),
        std::fs::read_to_string(dir.join("pipeline.toml"))
            .unwrap()
            .replace("path = \"inbox\"", "path = \"run/inbox\"")
            .replace("\"state\"", "\"run/state\"")
            .replace("\"out.jsonl\"", "\"run/out.jsonl\"")
            .replace("\"dead.jsonl\"", "\"run/dead.jsonl\""),
    )
    .unwrap();
    let daemon = start(top.path(), "pipeline.toml");
    drop_article(&inbox, "third");
    stop_at_lines(daemon, &out, 6);
    assert_eq!(
        sorted_jsonl_ids(&out),
        ["before", "in-place", "nested", "renamed", "second", "third"]
    );
}
