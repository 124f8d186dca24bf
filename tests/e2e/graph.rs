//! `newsflow graph`: the topology in DOT.

use crate::{assert_said, newsflow, on_config, repo, stderr, write_config};
use std::collections::BTreeSet;
use std::path::Path;

/// The node ids a DOT text declares, and its edges (from, to).
fn parse(dot: &str) -> (BTreeSet<String>, Vec<(String, String)>) {
    let mut nodes = BTreeSet::new();
    let mut edges = Vec::new();
    for line in dot.lines().map(str::trim) {
        if let Some((from, rest)) = line.split_once(" -> ") {
            let to = rest.split([' ', ';']).next().unwrap();
            edges.push((
                from.trim_matches('"').to_owned(),
                to.trim_matches('"').to_owned(),
            ));
        } else if line.starts_with('"') && line.contains("[label=") {
            nodes.insert(line.split(' ').next().unwrap().trim_matches('"').to_owned());
        }
    }
    (nodes, edges)
}

#[test]
fn every_example_draws_as_a_graph_of_its_stages() {
    for config in [
        "pipeline.toml",
        "examples/drop-dir-to-sqlite.toml",
        "examples/feeds-to-postgres.toml",
    ] {
        let output = on_config(&["graph"], Path::new(config), &[]);
        assert!(output.status.success(), "{config}: {}", stderr(&output));
        let dot = String::from_utf8(output.stdout).unwrap();
        assert!(
            dot.starts_with("digraph pipeline {") && dot.ends_with("}\n"),
            "{dot}"
        );
        let (nodes, edges) = parse(&dot);
        assert!(nodes.contains("dead_letter"), "{dot}");
        assert!(!edges.is_empty(), "{dot}");
        for (from, to) in &edges {
            assert!(
                nodes.contains(from) && nodes.contains(to),
                "{config}: edge {from} -> {to} names no node:\n{dot}"
            );
        }
    }
    let output = newsflow()
        .current_dir(repo())
        .arg("graph")
        .output()
        .unwrap();
    let (_, edges) = parse(&String::from_utf8(output.stdout).unwrap());
    assert!(edges.contains(&("sources.fixtures".into(), "transforms.enrich".into())));
    assert!(edges.contains(&("transforms.enrich".into(), "sinks.out".into())));
}

#[test]
fn a_bad_config_draws_nothing_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), "[sources.x]\ntype = \"nope\"\n");
    let output = on_config(&["graph"], &config, &[]);
    assert_eq!(output.status.code(), Some(78));
    assert!(output.stdout.is_empty());
    assert_said(&output, &["sources.x.type"]);
}
