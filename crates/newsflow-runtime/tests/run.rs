//! The runtime on in-memory stages: configs compiled, graphs run, batches
//! written and retried, refusals dead-lettered, reloads applied, stops
//! drained, without files, ports or servers.

use newsflow_core::testing::memory::{self, MemorySinkConfig, MemorySourceConfig, Store};
use newsflow_core::{Outcome, Registry, StageKey, StageKind};
use newsflow_runtime::{compile, load, run, ConfigError, Pipeline, RunOptions, RunReport, Status};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

fn registry() -> Registry {
    let mut registry = Registry::default();
    registry
        .add_source::<MemorySourceConfig>("memory")
        .add_sink::<MemorySinkConfig>("memory");
    registry
}

/// Compiles `text` as a config file in a fresh directory, which it keeps
/// state in.
fn pipeline(text: &str) -> (Result<Pipeline, ConfigError>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pipeline.toml");
    let state = dir.path().join("state");
    let text = format!(
        "[runtime]\nstate_dir = {:?}\n{text}",
        state.display().to_string()
    );
    std::fs::write(&file, text).unwrap();
    let compiled = load(&file, &registry()).and_then(compile);
    (compiled, dir)
}

/// A store of its own for each test, so tests may run at once.
fn fresh_store(test: &str, part: &str) -> (String, Arc<Store>) {
    let name = format!("{test}/{part}");
    (name.clone(), memory::store(&name))
}

/// A test's stores: its source's, its sink's and its dead-letter sink's,
/// by the names a config gives them and as the test reads them.
struct Stores {
    names: [String; 3],
    from: Arc<Store>,
    to: Arc<Store>,
    dead_letters: Arc<Store>,
}

fn stores(test: &str) -> Stores {
    let (source, from) = fresh_store(test, "source");
    let (sink, to) = fresh_store(test, "sink");
    let (dead, dead_letters) = fresh_store(test, "dead");
    Stores {
        names: [source, sink, dead],
        from,
        to,
        dead_letters,
    }
}

impl Stores {
    /// A config of a memory source emitting `ids` into a memory sink `out`,
    /// each with its extra lines.
    fn config(&self, ids: &[&str], source_extra: &str, sink_extra: &str) -> String {
        let [source, sink, dead] = &self.names;
        config(
            (source, ids, source_extra),
            &[("out", sink, sink_extra)],
            dead,
        )
    }
}

async fn run_to_end(text: &str) -> RunReport {
    let (compiled, _dir) = pipeline(text);
    let report = tokio::time::timeout(
        Duration::from_secs(30),
        run(
            compiled.unwrap(),
            CancellationToken::new(),
            RunOptions::default(),
        ),
    )
    .await
    .expect("the run ends within 30 s")
    .unwrap();
    assert!(report.is_clean(), "{:?}", report.errors);
    report
}

/// A config: source `in` (a memory source of `ids`, with `source_extra`
/// lines), memory sinks reading it (name, store, extra lines), and a memory
/// dead-letter sink.
fn config(
    (source, ids, source_extra): (&str, &[&str], &str),
    sinks: &[(&str, &str, &str)],
    dead: &str,
) -> String {
    let mut text = format!(
        "[sources.in]\ntype = \"memory\"\nstore = \"{source}\"\nids = {ids:?}\n{source_extra}\n"
    );
    for (name, store, extra) in sinks {
        text += &format!(
            "[sinks.{name}]\ntype = \"memory\"\ninputs = [\"in\"]\nstore = \"{store}\"\n{extra}\n"
        );
    }
    text + &format!("[dead_letter]\ntype = \"memory\"\nstore = \"{dead}\"\n")
}

fn outcomes_of(store: &Store) -> Vec<(String, Outcome)> {
    let mut outcomes = store.outcomes();
    outcomes.sort_by(|a, b| a.0.cmp(&b.0));
    outcomes
}

fn delivered(list: &[&str]) -> Vec<(String, Outcome)> {
    list.iter()
        .map(|id| (id.to_string(), Outcome::Delivered))
        .collect()
}

#[tokio::test]
async fn each_article_is_written_once_in_batches_and_settles_as_delivered() {
    let test = stores("batches");
    let report = run_to_end(&test.config(
        &["a", "b", "c", "d", "e"],
        "",
        "batch_size = 2\nflush_interval_ms = 60000",
    ))
    .await;
    assert_eq!(test.to.written_ids(), ["a", "b", "c", "d", "e"]);
    // Two full batches, then the rest when the source ended.
    assert_eq!(test.to.writes(), 3);
    assert_eq!(test.to.finished(), 1);
    assert_eq!(
        outcomes_of(&test.from),
        delivered(&["a", "b", "c", "d", "e"])
    );
    let source = &report.stages[0];
    assert_eq!(source.key, StageKey::source("in"));
    assert_eq!((source.emitted, source.settled), (5, 5));
    let kinds: Vec<StageKind> = report.stages.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [StageKind::Source, StageKind::Sink, StageKind::DeadLetter]
    );
}

#[tokio::test]
async fn a_failing_write_is_retried_until_it_succeeds_and_nothing_is_lost() {
    let test = stores("retry");
    run_to_end(&test.config(&["a", "b", "c"], "", "fail_writes = 2")).await;
    assert_eq!(test.to.written_ids(), ["a", "b", "c"]);
    assert!(test.to.writes() >= 3, "{} writes", test.to.writes());
    assert!(test.dead_letters.written().is_empty());
    assert_eq!(outcomes_of(&test.from), delivered(&["a", "b", "c"]));
}

#[tokio::test]
async fn a_refused_record_goes_to_the_dead_letter_sink_and_the_rest_are_written() {
    let test = stores("refuse");
    let report = run_to_end(&test.config(&["a", "b", "c"], "", "refuse = [\"b\"]")).await;
    assert_eq!(test.to.written_ids(), ["a", "c"]);
    assert_eq!(test.dead_letters.written_ids(), ["b"]);
    let outcomes = outcomes_of(&test.from);
    assert_eq!(
        outcomes,
        [
            ("a".to_owned(), Outcome::Delivered),
            ("b".to_owned(), Outcome::Rejected),
            ("c".to_owned(), Outcome::Delivered)
        ]
    );
    let sink = report
        .stages
        .iter()
        .find(|s| s.key == StageKey::sink("out"))
        .unwrap();
    assert_eq!((sink.emitted, sink.failed), (2, 1));
}

#[tokio::test]
async fn an_article_read_by_two_sinks_settles_once_both_have_written_it() {
    let (source, from) = fresh_store("fan-out", "source");
    let (first, one) = fresh_store("fan-out", "one");
    let (second, two) = fresh_store("fan-out", "two");
    let (dead, _) = fresh_store("fan-out", "dead");
    run_to_end(&config(
        (&source, &["a", "b"], ""),
        &[("one", &first, ""), ("two", &second, "fail_writes = 1")],
        &dead,
    ))
    .await;
    assert_eq!(one.written_ids(), ["a", "b"]);
    assert_eq!(two.written_ids(), ["a", "b"]);
    assert_eq!(outcomes_of(&from), delivered(&["a", "b"]));
}

#[test]
fn a_graph_that_cannot_run_is_refused_with_the_key_and_line() {
    let text = config(("unused", &[], ""), &[("out", "unused", "")], "unused")
        .replace(r#"inputs = ["in"]"#, r#"inputs = ["elsewhere"]"#);
    let (compiled, _dir) = pipeline(&text);
    let error = compiled.unwrap_err();
    let problem = error
        .problems
        .iter()
        .find(|p| p.key == "sinks.out.inputs")
        .unwrap_or_else(|| panic!("{error}"));
    assert!(
        problem.message.contains("`elsewhere` names no source"),
        "{error}"
    );
    // [runtime] takes lines 1-2 of the file; [sinks.out] starts on 8.
    assert_eq!(problem.line, Some(10), "{error}");
}

/// Waits (up to 10 s) until `done` holds.
async fn wait_until(done: impl Fn() -> bool) -> bool {
    let waited = tokio::time::timeout(Duration::from_secs(10), async {
        while !done() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });
    waited.await.is_ok()
}

async fn wait_for_written(store: &Store, count: usize) {
    let written = wait_until(|| store.written().len() >= count).await;
    assert!(written, "{:?} written", store.written_ids());
}

/// A pipeline running as a daemon does: until stopped, taking reloads.
struct Running {
    status: Status,
    stop: CancellationToken,
    reloads: mpsc::Sender<Result<Pipeline, ConfigError>>,
    task: tokio::task::JoinHandle<Result<RunReport, ConfigError>>,
}

impl Running {
    fn start(pipeline: Pipeline) -> Running {
        let (reloads, received) = mpsc::channel(1);
        let options = RunOptions {
            reloads: Some(received),
            ..RunOptions::default()
        };
        let (status, stop) = (options.status.clone(), CancellationToken::new());
        let task = tokio::spawn(run(pipeline, stop.clone(), options));
        Running {
            status,
            stop,
            reloads,
            task,
        }
    }

    async fn stop(self) -> RunReport {
        self.stop.cancel();
        let ended = tokio::time::timeout(Duration::from_secs(10), self.task).await;
        let report = ended.expect("the run stops within 10 s").unwrap().unwrap();
        assert!(report.stopped && report.is_clean(), "{report:?}");
        report
    }
}

#[tokio::test]
async fn a_reload_restarts_the_changed_source_and_a_stop_drains_the_run() {
    let test = stores("reload");
    let (compiled, dir) = pipeline(&test.config(&["a", "b"], "wait = true", ""));
    let running = Running::start(compiled.unwrap());
    wait_for_written(&test.to, 2).await;

    // The same file, the source's table changed: it restarts with its new ids.
    let file = dir.path().join("pipeline.toml");
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace(r#"ids = ["a", "b"]"#, r#"ids = ["c"]"#);
    std::fs::write(&file, text).unwrap();
    let reloaded = load(&file, &registry()).and_then(compile);
    running.reloads.send(reloaded).await.unwrap();
    wait_for_written(&test.to, 3).await;
    assert_eq!(running.status.reloads(), (1, 0));

    running.stop().await;
    assert_eq!(test.to.written_ids(), ["a", "b", "c"]);
    assert_eq!(outcomes_of(&test.from), delivered(&["a", "b", "c"]));
}

#[tokio::test]
async fn a_reload_that_does_not_compile_is_refused_and_the_run_goes_on() {
    let test = stores("bad-reload");
    let (compiled, _dir) = pipeline(&test.config(&["a"], "wait = true", ""));
    let (broken, _broken_dir) = pipeline("[sources.in]\ntype = \"nothing\"\n");
    let running = Running::start(compiled.unwrap());
    wait_for_written(&test.to, 1).await;
    running.reloads.send(broken).await.unwrap();
    let status = running.status.clone();
    let refused = wait_until(|| status.reloads() == (0, 1)).await;
    assert!(refused, "reloads {:?}", status.reloads());
    assert!(status.is_ready());
    running.stop().await;
    assert_eq!(test.to.written_ids(), ["a"]);
}
