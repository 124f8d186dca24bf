//! `newsflow train ner` arguments, checked before any data is read.

use crate::{assert_said, newsflow};

#[test]
fn extra_weights_are_one_for_all_or_one_per_extra_file() {
    let train = |weights: &[&str]| {
        let mut command = newsflow();
        command.args([
            "train",
            "ner",
            "--train",
            "missing.train",
            "--dev",
            "missing.dev",
        ]);
        command.args([
            "--out",
            "never-written.bin",
            "--extra",
            "a.conll",
            "--extra",
            "b.conll",
        ]);
        for w in weights {
            command.args(["--extra-weight", w]);
        }
        command.output().unwrap()
    };
    let output = train(&["0.5", "0.3", "0.2"]);
    assert!(!output.status.success());
    assert_said(
        &output,
        &["--extra-weight must be given once, or once per --extra file (2 of them)"],
    );
    let output = train(&["0.5", "0"]);
    assert!(!output.status.success());
    assert_said(&output, &["--extra-weight must be a positive number"]);
    // Counts that fit go on to read the data, and name the missing file.
    for weights in [&["0.5"][..], &["0.5", "0.3"][..]] {
        let output = train(weights);
        assert!(!output.status.success());
        assert_said(&output, &["missing.train"]);
    }
}
