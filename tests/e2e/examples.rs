//! Every example config under `examples/` is valid and wires the stage
//! types it says it does.

use crate::{newsflow, repo, stderr};
use std::path::{Path, PathBuf};

/// Stage types each named example must use, as `validate` prints them; an
/// example not listed here is still validated against its own tables.
const EXPECTED: &[(&str, &[&str])] = &[
    (
        "feeds-to-postgres.toml",
        &[
            "source     news (feed)",
            "transform  enrich (enrich) <- news",
            "sink       db (postgres) <- enrich",
            "dead letter (jsonl)",
        ],
    ),
    (
        "dedup-and-route.toml",
        &[
            "source     wire (dir)",
            "transform  once (dedup) <- wire",
            "transform  enrich (enrich) <- once",
            "transform  english (filter) <- enrich",
            "transform  desk (route) <- english",
            "sink       alerts (jsonl) <- desk.casualties",
            "sink       markets (jsonl) <- desk.markets",
            "sink       other (jsonl) <- desk._unmatched",
            "dead letter (jsonl)",
        ],
    ),
    (
        "drop-dir-to-sqlite.toml",
        &[
            "source     inbox (dir)",
            "transform  enrich (enrich) <- inbox",
            "sink       archive (jsonl) <- enrich",
            "sink       db (sqlite) <- enrich",
            "dead letter (sqlite)",
        ],
    ),
    (
        "nats.toml",
        &[
            "source     incoming (nats)",
            "transform  enrich (enrich) <- incoming",
            "sink       enriched (nats) <- enrich",
            "dead letter (nats)",
        ],
    ),
    (
        "http-push-to-webhook.toml",
        &[
            "source     push (http)",
            "transform  enrich (enrich) <- push",
            "sink       hook (http) <- enrich",
            "dead letter (jsonl)",
        ],
    ),
];

/// The `*.toml` files under `examples/`, sorted.
fn example_configs() -> Vec<PathBuf> {
    let dir = repo().join("examples");
    let mut configs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .collect();
    configs.sort();
    configs
}

/// The topology lines `validate` prints for a config, derived from its
/// `[sources.NAME]`, `[transforms.NAME]`, `[sinks.NAME]` and `[dead_letter]`
/// headers and the `type = "..."` line each holds (the layout the examples
/// use), without the inputs after `<-`.
fn stages_written_in(config: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(config).unwrap();
    let mut stages = Vec::new();
    let mut table: Option<String> = None;
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        if let Some(header) = line.strip_prefix('[') {
            // `[[sources.x.feeds]]` and other nested tables hold no stage type.
            table = header
                .strip_suffix(']')
                .filter(|h| {
                    !h.starts_with('[') && (h.matches('.').count() == 1 || *h == "dead_letter")
                })
                .map(str::to_owned);
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let (Some(table), "type") = (&table, key.trim()) else {
            continue;
        };
        let type_name = value.trim().trim_matches('"');
        let stage = match table.split_once('.') {
            Some(("sources", name)) => format!("source     {name} ({type_name})"),
            Some(("transforms", name)) => format!("transform  {name} ({type_name}) <-"),
            Some(("sinks", name)) => format!("sink       {name} ({type_name}) <-"),
            None if table == "dead_letter" => format!("dead letter ({type_name})"),
            _ => continue,
        };
        stages.push(stage);
    }
    stages
}

#[test]
fn every_example_config_is_valid_and_names_its_stages() {
    let configs = example_configs();
    let names: Vec<String> = configs
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for (name, _) in EXPECTED {
        assert!(
            names.iter().any(|n| n == name),
            "examples/{name} is missing; found {names:?}"
        );
    }
    // Run where none of the examples' relative paths exist, without the
    // secrets `token_env` names: validation must not need either.
    let elsewhere = tempfile::tempdir().unwrap();
    for (config, name) in configs.iter().zip(&names) {
        let output = newsflow()
            .current_dir(elsewhere.path())
            .env_remove("NEWSFLOW_PUSH_TOKEN")
            .env_remove("NEWSFLOW_HOOK_TOKEN")
            .arg("validate")
            .arg("--config")
            .arg(config)
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "examples/{name}:\n{}",
            stderr(&output)
        );
        let topology = String::from_utf8_lossy(&output.stdout);
        assert!(
            topology.contains("the pipeline is valid"),
            "examples/{name}:\n{topology}"
        );

        let written = stages_written_in(config);
        assert!(
            written.iter().any(|s| s.starts_with("source "))
                && written.iter().any(|s| s.starts_with("sink "))
                && written.iter().any(|s| s.starts_with("dead letter ")),
            "examples/{name}: no source, sink or dead letter found in {written:?}"
        );
        let expected = EXPECTED
            .iter()
            .find(|(n, _)| n == name)
            .map_or(&[][..], |(_, lines)| *lines);
        for stage in written
            .iter()
            .map(String::as_str)
            .chain(expected.iter().copied())
        {
            assert!(
                topology
                    .lines()
                    .any(|line| line.trim_start().starts_with(stage)),
                "examples/{name}: the topology lacks {stage:?}:\n{topology}"
            );
        }
        assert_eq!(
            topology.lines().count(),
            written.len() + 1,
            "examples/{name}: stages printed and written differ ({written:?}):\n{topology}"
        );
    }
}
