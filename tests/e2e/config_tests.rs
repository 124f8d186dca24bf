//! `newsflow test`: a config's `[[tests]]`, run through its transforms.

use crate::support::config::{table, tables, transform};
use crate::{assert_said, newsflow, on_config, stderr, write_config};
use std::path::Path;

#[test]
fn the_default_pipeline_and_every_example_pass_their_tests() {
    for config in [
        "pipeline.toml",
        "examples/drop-dir-to-sqlite.toml",
        "examples/feed-teasers-full-text.toml",
        "examples/feeds-to-postgres.toml",
        "examples/http-push-to-webhook.toml",
        "examples/nats.toml",
    ] {
        let output = on_config(&["test"], Path::new(config), &[]);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{config}:\n{stdout}{}",
            stderr(&output)
        );
        assert!(stdout.contains(" passed, 0 failed"), "{config}: {stdout}");
        assert!(!stdout.contains("FAIL"), "{config}: {stdout}");
    }
}

/// Standard input through `figures` to standard output.
fn config() -> String {
    tables(&[
        table("sources.in", &["type = \"stdin\""]),
        transform("figures", "figures", &["in"], ""),
        table(
            "sinks.out",
            &["type = \"stdout\"", "inputs = [\"figures\"]"],
        ),
        table("dead_letter", &["type = \"stdout\""]),
    ])
}

/// A `[[tests]]` entry: one article inserted at `insert_at`, expecting
/// `figures` to find `value` people injured.
fn injured_test(name: &str, insert_at: &str, id: &str, value: u32) -> String {
    format!(
        "
[[tests]]
name = \"{name}\"
insert_at = \"{insert_at}\"
[[tests.articles]]
id = \"{id}\"
body = \"Five people were injured in the crash.\"
[[tests.expect]]
from = \"figures\"
figure = {{ value = {value}, event = \"injured\" }}
"
    )
}

#[test]
fn a_failing_test_says_what_was_found_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let config = [
        config(),
        injured_test("wrong on purpose", "in", "a", 6),
        injured_test("right", "figures", "b", 5),
    ]
    .concat();
    let output = on_config(&["test"], &write_config(dir.path(), &config), &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}{}", stderr(&output));
    assert!(stdout.contains("FAIL wrong on purpose"), "{stdout}");
    assert!(
        stdout.contains(r#"expected a figure {"event":"injured","value":6}"#),
        "{stdout}"
    );
    assert!(
        stdout.contains(r#""value":5"#),
        "what was found is shown: {stdout}"
    );
    assert!(stdout.contains("PASS right"), "{stdout}");
    assert!(stdout.contains("1 passed, 1 failed"), "{stdout}");
}

#[test]
fn tests_beside_the_config_run_and_a_bad_one_is_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_config(dir.path(), &config());
    std::fs::write(
        dir.path().join("pipeline.tests.toml"),
        "[[tests]]\nname = \"beside\"\ninsert_at = \"in\"\n[[tests.articles]]\nid = \"x\"\n[[tests.expect]]\nfrom = \"in\"\ndead_letter = \"no `body`\"\n",
    )
    .unwrap();
    let output = on_config(&["test"], &path, &[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", stderr(&output));
    assert!(stdout.contains("PASS beside"), "{stdout}");

    let extra = dir.path().join("bad.toml");
    std::fs::write(
        &extra,
        "[[tests]]\nname = \"typo\"\ninsert_at = \"in\"\narticles = []\nexpekt = []\n",
    )
    .unwrap();
    let output = newsflow()
        .args(["test", "--config"])
        .arg(&path)
        .arg(&extra)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(78), "{}", stderr(&output));
    assert_said(&output, &["tests[0]"]);
    assert_said(&output, &["expekt"]);
}
