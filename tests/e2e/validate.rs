//! `newsflow validate` refuses bad configs with the key path and line.

use crate::support::config::{dead_letter, dir_source, jsonl_sink, tables, transform};
use crate::{assert_exit, newsflow, on_config, repo, run_config, stderr, write_config};
use std::path::Path;
use std::process::Output;

/// A valid config: the seed fixtures through `enrich` into `out/`, every
/// path relative to the repository root.
fn good() -> String {
    tables(&[
        dir_source("fixtures", "fixtures/articles", ""),
        transform("enrich", "enrich", &["fixtures"], ""),
        jsonl_sink("out", &["enrich"], "out/articles.jsonl", ""),
        dead_letter("out/dead-letter.jsonl"),
    ])
}

/// Validates `config` and returns (exit code, stdout, stderr).
fn validate(config: &str) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let output = on_config(&["validate"], &write_config(dir.path(), config), &[]);
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr(&output),
    )
}

/// `newsflow validate` of the config at `path` with `env` set.
fn validate_with_env(path: &Path, env: &[(&str, &str)]) -> Output {
    on_config(&["validate"], path, env)
}

fn assert_refused(config: &str, expected: &[&str]) {
    let (code, _, err) = validate(config);
    assert_eq!(code, 78, "expected EX_CONFIG; stderr:\n{err}");
    for needle in expected {
        assert!(err.contains(needle), "stderr lacks {needle:?}:\n{err}");
    }
}

#[test]
fn the_default_pipeline_is_valid_and_its_topology_printed() {
    let output = newsflow()
        .current_dir(repo())
        .arg("validate")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("source     fixtures (dir)"), "{stdout}");
    assert!(
        stdout.contains("transform  enrich (enrich) <- fixtures"),
        "{stdout}"
    );
    assert!(
        stdout.contains("sink       out (jsonl) <- enrich"),
        "{stdout}"
    );
    let (code, _, err) = validate(&good());
    assert_eq!(code, 0, "{err}");
}

#[test]
fn an_unknown_type() {
    let config = good().replace("type = \"enrich\"", "type = \"enrichh\"");
    assert_refused(
        &config,
        &[
            "pipeline.toml:7: transforms.enrich.type",
            "unknown transform type `enrichh`",
            "enrich",
        ],
    );
}

#[test]
fn an_unknown_field() {
    let config = good().replace(
        "path = \"out/articles.jsonl\"",
        "path = \"out/articles.jsonl\"\npth = \"x\"",
    );
    assert_refused(
        &config,
        &["pipeline.toml:14: sinks.out.pth", "unknown field `pth`"],
    );
}

#[test]
fn a_missing_required_field() {
    let config = good().replace("path = \"out/articles.jsonl\"\n", "");
    assert_refused(
        &config,
        &["pipeline.toml:10: sinks.out", "missing field `path`"],
    );
}

#[test]
fn a_wrong_value_type() {
    let config = good().replace(
        "path = \"out/articles.jsonl\"",
        "path = \"out/a.jsonl\"\nbatch_size = \"many\"",
    );
    assert_refused(
        &config,
        &["pipeline.toml:14: sinks.out.batch_size", "invalid type"],
    );
}

#[test]
fn an_input_that_names_nothing() {
    let config = good().replace("inputs = [\"enrich\"]", "inputs = [\"enrichment\"]");
    assert_refused(
        &config,
        &[
            "pipeline.toml:12: sinks.out.inputs",
            "`enrichment` names no source or transform",
            "nothing reads",
        ],
    );
}

#[test]
fn a_cycle() {
    let config = good().replace(
        "inputs = [\"fixtures\"]",
        "inputs = [\"fixtures\", \"again\"]",
    ) + "\n[transforms.again]\ntype = \"figures\"\ninputs = [\"enrich\"]\n";
    assert_refused(&config, &["cycle", "again -> enrich -> again"]);
}

#[test]
fn a_sink_without_inputs_and_a_stage_nothing_reads() {
    let config = good().replace("inputs = [\"enrich\"]\n", "")
        + "\n[sources.spare]\ntype = \"dir\"\npath = \"fixtures/bad\"\n";
    assert_refused(
        &config,
        &[
            "sinks.out.inputs: no inputs",
            "pipeline.toml:18: sources.spare: nothing reads this stage",
        ],
    );
}

#[test]
fn every_problem_is_listed_at_once() {
    let config = good()
        .replace("type = \"dir\"", "type = \"dri\"")
        .replace("type = \"enrich\"", "type = \"x\"");
    let (code, _, err) = validate(&config);
    assert_eq!(code, 78);
    assert!(err.contains("2 problems"), "{err}");
}

#[test]
fn a_missing_dead_letter_sink_and_broken_toml() {
    let config = good().split("[dead_letter]").next().unwrap().to_owned();
    assert_refused(&config, &["dead_letter: missing"]);
    assert_refused(
        "[sources.x\ntype = 1",
        &["pipeline.toml:1", "not valid TOML"],
    );
}

#[test]
fn environment_overrides_are_validated_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), &good());
    let output = validate_with_env(&path, &[("NEWSFLOW__SINKS__OUT__BATCH_SIZE", "0")]);
    assert_exit(&output, 78, &["sinks.out.batch_size: must be at least 1"]);
}

#[test]
fn run_refuses_a_bad_config_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("never.jsonl");
    let config = good()
        .replace("out/articles.jsonl", &out.display().to_string())
        .replace("type = \"enrich\"", "type = \"enrich\"\nbogus = 1");
    let output = on_config(&["run"], &write_config(dir.path(), &config), &[]);
    assert_eq!(output.status.code(), Some(78));
    assert!(
        !out.exists(),
        "a sink was opened although the config is bad"
    );
    // A stage that cannot start also stops the run before anything flows.
    let config = good()
        .replace("fixtures/articles", "/nonexistent/articles")
        .replace("out/", &format!("{}/", dir.path().display()));
    let output = run_config(&write_config(dir.path(), &config));
    assert_exit(&output, 78, &["sources.fixtures: cannot start"]);
}

#[test]
fn overwrite_behind_a_checkpointing_source_is_refused() {
    // A watched directory remembers what it delivered: an output emptied at
    // each start would lose those articles for good.
    let watched = good().replace(
        "path = \"fixtures/articles\"",
        "path = \"fixtures/articles\"\nwatch = true",
    );
    let config = watched.replace(
        "path = \"out/articles.jsonl\"",
        "path = \"out/articles.jsonl\"\nmode = \"overwrite\"",
    );
    assert_refused(
        &config,
        &[
            "pipeline.toml:15: sinks.out.mode: mode = \"overwrite\" behind sources.fixtures",
            "use mode = \"append\"",
        ],
    );
    let config = watched.replace(
        "path = \"out/dead-letter.jsonl\"",
        "path = \"out/dead-letter.jsonl\"\nmode = \"overwrite\"",
    );
    assert_refused(&config, &["dead_letter.mode: mode = \"overwrite\""]);
    // A replay reads everything again each run: overwrite is what it wants.
    let config = good().replace(
        "path = \"out/articles.jsonl\"",
        "path = \"out/articles.jsonl\"\nmode = \"overwrite\"",
    );
    assert_eq!(validate(&config).0, 0);
}

#[test]
fn environment_values_take_the_type_of_their_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), &good());
    let output = validate_with_env(
        &path,
        &[
            ("NEWSFLOW__SINKS__OUT__PATH", "2024"),
            ("NEWSFLOW__SINKS__OUT__BATCH_SIZE", "64"),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let output = validate_with_env(&path, &[("NEWSFLOW__SINKS__OUT__BATCH_SIZE", "lots")]);
    let err = stderr(&output);
    assert_eq!(output.status.code(), Some(78), "{err}");
    assert!(
        err.contains("set by the environment variable NEWSFLOW__SINKS__OUT__BATCH_SIZE"),
        "{err}"
    );
}

/// `newsflow validate --build` of the config at `config`.
fn validate_build(config: &Path) -> Output {
    on_config(&["validate", "--build"], config, &[])
}

#[test]
fn validate_build_finds_what_run_would_refuse_at_start() {
    let dir = tempfile::tempdir().unwrap();
    // A directory that is not there: the config is valid, its stage cannot start.
    let config = good()
        .replace(
            "fixtures/articles",
            &format!("{}/nowhere", dir.path().display()),
        )
        .replace("out/", &format!("{}/", dir.path().display()));
    let path = write_config(dir.path(), &config);
    let plain = validate_with_env(&path, &[]);
    assert_eq!(plain.status.code(), Some(0), "{}", stderr(&plain));
    let built = validate_build(&path);
    assert_exit(&built, 78, &["sources.fixtures: cannot start"]);
    // A port already taken by another process.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap();
    let config = format!(
        "[sources.push]\ntype = \"http\"\naddress = \"{address}\"\n\n[sinks.out]\ntype = \"jsonl\"\ninputs = [\"push\"]\npath = \"{d}/o.jsonl\"\n\n[dead_letter]\ntype = \"jsonl\"\npath = \"{d}/dead.jsonl\"\n",
        d = dir.path().display()
    );
    let path = write_config(dir.path(), &config);
    let built = validate_build(&path);
    assert_exit(&built, 78, &["sources.push: cannot start"]);
    drop(taken);
}

#[test]
fn validate_build_checks_the_api_address_and_token() {
    let dir = tempfile::tempdir().unwrap();
    let api = |address: String| {
        let config = good().replace("out/", &format!("{}/", dir.path().display()));
        let api = format!("[api]\naddress = \"{address}\"\ntoken_env = \"NEWSFLOW_TEST_TOKEN\"\n");
        write_config(dir.path(), &format!("{api}\n{config}"))
    };
    // A port another process holds, and a token variable that is not set:
    // both found, each with its key and line.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let built = validate_build(&api(taken.local_addr().unwrap().to_string()));
    assert_exit(
        &built,
        78,
        &[
            "pipeline.toml:2: api.address: cannot listen on",
            "pipeline.toml:3: api.token_env: the environment variable NEWSFLOW_TEST_TOKEN is not set",
        ],
    );
    let free = api(format!("127.0.0.1:{}", crate::free_port()));
    let built = on_config(
        &["validate", "--build"],
        &free,
        &[("NEWSFLOW_TEST_TOKEN", "secret")],
    );
    assert_eq!(built.status.code(), Some(0), "{}", stderr(&built));
}

#[test]
fn validate_build_connects_the_sinks() {
    if !crate::postgres_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = good()
        .replace("out/dead-letter.jsonl", &format!("{}/dead.jsonl", dir.path().display()))
        .replace(
            "type = \"jsonl\"\ninputs = [\"enrich\"]\npath = \"out/articles.jsonl\"",
            "type = \"postgres\"\ninputs = [\"enrich\"]\nurl = \"postgres://postgres@127.0.0.1:5432/newsflow_no_such_database\"",
        );
    let output = validate_build(&write_config(dir.path(), &config));
    assert_exit(
        &output,
        78,
        &["sinks.out: cannot start", "newsflow_no_such_database"],
    );
}

#[test]
fn a_fetch_stage_with_a_zero_limit_or_a_bad_user_agent_is_refused() {
    let fetch = |option: &str| {
        good().replace(
            "[sinks.out]",
            &format!("[transforms.fetch]\ntype = \"fetch\"\ninputs = [\"enrich\"]\n{option}\n\n[sinks.out]"),
        )
        .replace("inputs = [\"enrich\"]\npath", "inputs = [\"fetch\"]\npath")
    };
    assert_refused(
        &fetch("per_host_concurrency = 0"),
        &[
            "pipeline.toml:13: transforms.fetch.per_host_concurrency",
            "nonzero",
        ],
    );
    assert_refused(
        &fetch("max_page_bytes = 0"),
        &["transforms.fetch.max_page_bytes", "nonzero"],
    );
    assert_refused(
        &fetch("user_agent = \"newsflow\\nX-Injected: 1\""),
        &[
            "transforms.fetch.user_agent",
            "cannot be sent as an HTTP header",
        ],
    );
    assert_refused(
        &fetch("user_agent = \"  \""),
        &["transforms.fetch.user_agent", "blank"],
    );
    let (code, out, err) = validate(&fetch(
        "per_host_concurrency = 4\nuser_agent = \"newsflow/1.0 (+https://example.org/bot)\"",
    ));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("transform  fetch (fetch) <- enrich"), "{out}");
}

/// Value checks `run` would make at build (counts of zero, addresses,
/// names, headers, one option needing another) are refused by `validate`
/// itself, with the key and its line: no connection is tried.
#[test]
fn value_checks_are_refused_by_validate_with_their_line() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "[sources.news]\ntype = \"feed\"\nurls = [\"https://a.test/rss\"]\ninterval_secs = 0",
            "news",
            &["pipeline.toml:4: sources.news.interval_secs", "nonzero"],
        ),
        (
            "[sources.news]\ntype = \"feed\"\nurls = [\"ftp://a.test/rss\"]",
            "news",
            &["sources.news.urls", "must be http:// or https://"],
        ),
        (
            "[sources.news]\ntype = \"feed\"\nurls = [\"https://a.test/rss\", \"https://a.test/rss\"]",
            "news",
            &["sources.news.urls", "listed twice"],
        ),
        (
            "[sources.bus]\ntype = \"nats\"\nstream = \"A.B\"\nconsumer = \"c\"",
            "bus",
            &["pipeline.toml:3: sources.bus.stream", "NATS names cannot hold"],
        ),
        (
            "[sources.bus]\ntype = \"nats\"\nstream = \"S\"\nconsumer = \"c\"\nack_wait_secs = 0",
            "bus",
            &["pipeline.toml:5: sources.bus.ack_wait_secs", "from 1 to 86400"],
        ),
        (
            "[sources.bus]\ntype = \"nats\"\nstream = \"S\"\nconsumer = \"c\"\ncreate_stream = true",
            "bus",
            &["sources.bus.create_stream", "needs `subjects`"],
        ),
        (
            "[sources.push]\ntype = \"http\"\naddress = \"127.0.0.1:0\"\nmax_connections = 0",
            "push",
            &["pipeline.toml:4: sources.push.max_connections", "nonzero"],
        ),
    ];
    for (source, name, expected) in cases {
        let config = format!(
            "{source}\n\n[sinks.out]\ntype = \"jsonl\"\ninputs = [\"{name}\"]\npath = \"out/a.jsonl\"\n"
        );
        assert_refused(&config, expected);
    }
    let sinks: &[(&str, &[&str])] = &[
        (
            "type = \"http\"\ninputs = [\"fixtures\"]\nurl = \"http://h.test/\"\nheaders = { \"bad name\" = \"x\" }",
            &["sinks.hook.headers", "is not a header name"],
        ),
        (
            "type = \"postgres\"\ninputs = [\"fixtures\"]\nurl = \"postgres://h/db?sslmode=require\"",
            &["sinks.hook.url", "sslmode=require"],
        ),
        (
            "type = \"nats\"\ninputs = [\"fixtures\"]\nsubject = \"news.*\"",
            &["sinks.hook.subject", "a publish subject cannot"],
        ),
        (
            "type = \"redis\"\ninputs = [\"fixtures\"]\nurl = \"http://h\"",
            &["sinks.hook.url", "not a Redis address"],
        ),
    ];
    for (sink, expected) in sinks {
        let config = format!(
            "[sources.fixtures]\ntype = \"dir\"\npath = \"fixtures/articles\"\n\n[sinks.hook]\n{sink}\n"
        );
        assert_refused(&config, expected);
    }
}
