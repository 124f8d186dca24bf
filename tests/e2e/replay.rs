//! The default pipeline over the seed fixtures, and graph shapes.

use crate::support::config::{dead_letter, dir_source, jsonl_sink, table, tables, transform};
use crate::{
    assert_holds, jsonl_ids, newsflow, read_jsonl, repo, run_config, sorted_jsonl_ids, stderr,
    with_stdin, write_config,
};
use std::path::Path;

fn run_default(out: &Path) -> std::process::Output {
    newsflow()
        .current_dir(repo())
        .arg("run")
        .env("NEWSFLOW__SINKS__OUT__PATH", out.join("articles.jsonl"))
        .env("NEWSFLOW__DEAD_LETTER__PATH", out.join("dead-letter.jsonl"))
        .output()
        .unwrap()
}

#[test]
fn default_pipeline_enriches_every_seed_article() {
    let out = tempfile::tempdir().unwrap();
    let output = run_default(out.path());
    assert!(output.status.success(), "{}", stderr(&output));
    let articles = read_jsonl(&out.path().join("articles.jsonl"));
    let ids: Vec<_> = articles.iter().map(|a| a["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "000_556abafe27730ed2",
            "001_a4ea0b491cf02130",
            "002_c00a475b037828e3"
        ]
    );
    for article in &articles {
        assert!(article["body"].as_str().unwrap().len() > 1000);
        assert!(
            article["entities"].is_array() && article["figures"].is_array(),
            "{article}"
        );
    }
    assert!(read_jsonl(&out.path().join("dead-letter.jsonl")).is_empty());
    let log = stderr(&output);
    assert_holds(&log, &["summary", "emitted=3"]);
}

#[test]
fn a_replay_gives_byte_identical_output() {
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();
    assert!(run_default(first.path()).status.success());
    assert!(run_default(second.path()).status.success());
    // Running into the same file again overwrites, not appends.
    assert!(run_default(second.path()).status.success());
    let a = std::fs::read(first.path().join("articles.jsonl")).unwrap();
    let b = std::fs::read(second.path().join("articles.jsonl")).unwrap();
    assert!(!a.is_empty());
    assert!(a == b, "two replays of the same fixtures differ");
}

#[test]
fn score_py_reads_the_output() {
    let score = repo().join("../shared/eval/score.py");
    if !score.exists() {
        eprintln!("skipped: {} is not there", score.display());
        return;
    }
    let out = tempfile::tempdir().unwrap();
    assert!(run_default(out.path()).status.success());
    let scored = std::process::Command::new("python3")
        .arg(&score)
        .arg(repo().join("../shared/eval/seeds.gold.jsonl"))
        .arg(out.path().join("articles.jsonl"))
        .output()
        .expect("python3 runs");
    let report = String::from_utf8_lossy(&scored.stdout);
    assert!(
        scored.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&scored.stderr)
    );
    assert!(!report.contains("no prediction with this id"), "{report}");
    assert_holds(&report, &["entities", "figures"]);
}

#[test]
fn fan_in_and_fan_out() {
    let dir = tempfile::tempdir().unwrap();
    let articles = repo().join("fixtures/articles");
    let more = dir.path().join("more");
    std::fs::create_dir(&more).unwrap();
    std::fs::write(
        more.join("extra.jsonl"),
        "{\"id\":\"x1\",\"body\":\"Rain fell in Oslo.\"}\n{\"id\":\"x2\",\"body\":\"Snow fell in Bergen.\"}\n",
    )
    .unwrap();
    let out = dir.path().display();
    let config = write_config(
        dir.path(),
        &tables(&[
            dir_source("seeds", articles.display(), ""),
            dir_source("more", more.display(), ""),
            transform("enrich", "enrich", &["seeds", "more"], ""),
            jsonl_sink("a", &["enrich"], format!("{out}/a.jsonl"), ""),
            jsonl_sink("b", &["enrich", "seeds"], format!("{out}/b.jsonl"), ""),
            dead_letter(format!("{out}/dead.jsonl")),
        ]),
    );
    let output = run_config(&config);
    assert!(output.status.success(), "{}", stderr(&output));
    let a = sorted_jsonl_ids(&dir.path().join("a.jsonl"));
    assert_eq!(a.len(), 5, "{a:?}");
    // b reads the enriched stream and the raw seeds: 5 + 3 records.
    let b = read_jsonl(&dir.path().join("b.jsonl"));
    assert_eq!(b.len(), 8);
    assert_eq!(b.iter().filter(|v| v.get("entities").is_none()).count(), 3);
}

#[test]
fn stdin_source_to_stdout_sink() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &tables(&[
            table("sources.input", &["type = \"stdin\""]),
            transform("figures", "figures", &["input"], ""),
            table(
                "sinks.screen",
                &["type = \"stdout\"", "inputs = [\"figures\"]"],
            ),
            dead_letter(format!("{}/dead.jsonl", dir.path().display())),
        ]),
    );
    let output = with_stdin(
        newsflow().args(["run", "--config"]).arg(&config),
        b"{\"id\":\"s1\",\"body\":\"Ten people were hurt.\"}\nnot json\n",
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["id"], "s1");
    assert!(lines[0]["figures"].is_array());
    let dead = read_jsonl(&dir.path().join("dead.jsonl"));
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0]["location"], "stdin:2");
}

#[test]
fn a_stdin_line_over_max_article_bytes_is_dead_lettered_and_the_rest_flow() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().display();
    let config = write_config(
        dir.path(),
        &tables(&[
            table(
                "sources.input",
                &["type = \"stdin\"", "max_article_bytes = 4096"],
            ),
            transform("figures", "figures", &["input"], ""),
            jsonl_sink("out", &["figures"], format!("{out}/out.jsonl"), ""),
            dead_letter(format!("{out}/dead.jsonl")),
        ]),
    );
    let huge = format!(
        "{{\"id\":\"huge\",\"body\":\"{}\"}}\n",
        "word ".repeat(200_000)
    );
    let input = [
        "{\"id\":\"a\",\"body\":\"Ten people were hurt.\"}\n",
        &huge,
        "{\"id\":\"b\",\"body\":\"Two were killed.\"}\n",
    ]
    .concat();
    let output = with_stdin(
        newsflow().args(["run", "--config"]).arg(&config),
        input.as_bytes(),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(jsonl_ids(&dir.path().join("out.jsonl")), ["a", "b"]);
    let dead = read_jsonl(&dir.path().join("dead.jsonl"));
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0]["location"], "stdin:2");
    assert!(dead[0]["reason"]
        .as_str()
        .unwrap()
        .contains(&format!("{} bytes", huge.len() - 1)));
    assert_eq!(dead[0]["raw"].as_str().unwrap().len(), 1024);
}

#[test]
fn on_a_terminal_a_replay_ends_with_one_line_of_figures() {
    // `script` (util-linux) gives the run a terminal, where the progress bar
    // is drawn and cleared, then the closing line printed.
    let binary = env!("CARGO_BIN_EXE_newsflow");
    let dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new("script")
        .current_dir(crate::repo())
        // Not the repository's out/, which other tests replay into.
        .env("NEWSFLOW__SINKS__OUT__PATH", dir.path().join("a.jsonl"))
        .env("NEWSFLOW__DEAD_LETTER__PATH", dir.path().join("dead.jsonl"))
        .args([
            "-qec",
            &format!("{binary} run --log-level warn"),
            "/dev/null",
        ])
        .output()
        .expect("script(1) from util-linux runs the command on a terminal");
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    let last = text
        .split(['\n', '\r'])
        .map(|l| l.trim_start_matches(|c: char| !c.is_ascii_digit()))
        .find(|l| l.contains("articles in"))
        .unwrap_or_else(|| panic!("no closing line in {text:?}"));
    assert!(
        last.contains("3 articles in") && last.ends_with("0 failed"),
        "{last:?}"
    );
}
