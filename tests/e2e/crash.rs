//! The crash campaign, at a size CI can afford: a watched directory named by
//! a relative path, the daemon run from the directory holding its config,
//! killed (SIGKILL) and restarted again and again while files keep arriving,
//! into two sinks at once (SQLite and JSON Lines). Nothing may be lost, and
//! an article may come again only if it was in flight at a kill.

use crate::{inbox_in, newsflow, signal, sqlite_ids, Daemon};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const FILES: usize = 400;
const KILLS: usize = 5;

const CONFIG: &str = r#"
[runtime]
state_dir = "state"
channel_capacity = 16

[sources.inbox]
type = "dir"
path = "inbox"
watch = true
settle_ms = 100

[transforms.figures]
type = "figures"
inputs = ["inbox"]

# The archive writes soon, the database late: a kill between the two
# leaves articles written once and not yet recorded as delivered.
[sinks.db]
type = "sqlite"
inputs = ["figures"]
path = "out/articles.db"
batch_size = 64
flush_interval_ms = 700

[sinks.archive]
type = "jsonl"
inputs = ["figures"]
path = "out/articles.jsonl"
mode = "append"
batch_size = 8
flush_interval_ms = 50

[dead_letter]
type = "jsonl"
path = "out/dead.jsonl"
"#;

/// Starts the daemon in `dir` (`pipeline.toml` there, its paths relative to
/// it), its log going to `dir/run-N.log`.
fn start_in(dir: &Path, run: usize) -> Daemon {
    let log = std::fs::File::create(dir.join(format!("run-{run}.log"))).unwrap();
    Daemon(Some(
        newsflow()
            .current_dir(dir)
            .args(["run", "--config", "pipeline.toml"])
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap(),
    ))
}

/// The ids of the JSON Lines sink, one per line (an unfinished last line,
/// left by a kill, is not counted).
fn jsonl_ids(file: &Path) -> Vec<String> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The ids (file stems) the source's ledger records as delivered.
fn ledger_ids(dir: &Path) -> BTreeSet<String> {
    let ledger = dir.join("state/sources.inbox/delivered.jsonl");
    std::fs::read_to_string(ledger)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| {
            let path = Path::new(v["path"].as_str()?);
            Some(path.file_stem()?.to_string_lossy().into_owned())
        })
        .collect()
}

fn sqlite_rows(file: &Path) -> usize {
    let db = rusqlite::Connection::open(file).unwrap();
    let rows: i64 = db
        .query_row("SELECT count(*) FROM articles", [], |r| r.get(0))
        .unwrap();
    rows as usize
}

#[test]
fn sigkills_while_files_arrive_lose_nothing_and_redeliver_only_what_was_in_flight() {
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path();
    let inbox = inbox_in(dir);
    std::fs::write(dir.join("pipeline.toml"), CONFIG).unwrap();
    let db = dir.join("out/articles.db");
    let archive = dir.join("out/articles.jsonl");

    // Files keep arriving through every kill and restart, in bursts of 20:
    // most written under a temporary name and renamed in, every fourth
    // written in place.
    let written = Arc::new(AtomicUsize::new(0));
    let writer = {
        let (inbox, written) = (inbox.clone(), written.clone());
        std::thread::spawn(move || {
            for i in 0..FILES {
                let body = format!("Report {i}: 12 people were evacuated and 3 roads closed.");
                let name = inbox.join(format!("c{i:04}.txt"));
                if i % 4 == 3 {
                    std::fs::write(&name, body).unwrap();
                } else {
                    let tmp = inbox.join(format!("c{i:04}.txt.tmp"));
                    std::fs::write(&tmp, body).unwrap();
                    std::fs::rename(&tmp, &name).unwrap();
                }
                written.fetch_add(1, Ordering::SeqCst);
                // In bursts, so that a kill finds articles in flight.
                if i % 20 == 19 {
                    std::thread::sleep(Duration::from_millis(500));
                }
            }
        })
    };

    // Each run is killed once the writer is a further sixth of the way on
    // (and the run has had time to work); the bound adds up the articles
    // in flight at each kill: in a sink, not in the ledger.
    let mut bound = 0;
    let mut in_flight_at_kills = Vec::new();
    for kill in 0..KILLS {
        let mut daemon = start_in(dir, kill);
        let started = Instant::now();
        let target = (kill + 1) * FILES / (KILLS + 1);
        while written.load(Ordering::SeqCst) < target
            || started.elapsed() < Duration::from_millis(800)
        {
            std::thread::sleep(Duration::from_millis(10));
        }
        // Into the burst's processing, at a different point each time.
        std::thread::sleep(Duration::from_millis(100 + 80 * kill as u64));
        signal(&daemon, "-KILL");
        daemon.0.take().unwrap().wait().unwrap();
        let stored: BTreeSet<String> = sqlite_ids(&db)
            .into_iter()
            .chain(jsonl_ids(&archive))
            .collect();
        let recorded = ledger_ids(dir);
        let in_flight = stored.difference(&recorded).count();
        in_flight_at_kills.push(in_flight);
        bound += in_flight;
    }
    writer.join().unwrap();

    // A last, clean run drains what is left.
    let daemon = start_in(dir, KILLS);
    let started = Instant::now();
    while sqlite_ids(&db).len() < FILES
        || jsonl_ids(&archive).iter().collect::<BTreeSet<_>>().len() < FILES
    {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "not drained after a minute: {} in SQLite, {} lines in JSON Lines",
            sqlite_ids(&db).len(),
            jsonl_ids(&archive).len()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    signal(&daemon, "-TERM");
    let mut daemon = daemon;
    let status = daemon.0.take().unwrap().wait().unwrap();
    let last_log = std::fs::read_to_string(dir.join(format!("run-{KILLS}.log"))).unwrap();
    assert_eq!(status.code(), Some(0), "{last_log}");

    let expected: BTreeSet<String> = (0..FILES).map(|i| format!("c{i:04}")).collect();
    let lines = jsonl_ids(&archive);
    let jsonl_distinct: BTreeSet<String> = lines.iter().cloned().collect();
    let sqlite_distinct: BTreeSet<String> = sqlite_ids(&db).into_iter().collect();
    let rows = sqlite_rows(&db);
    let jsonl_duplicates = lines.len() - jsonl_distinct.len();
    let sqlite_duplicates = rows - sqlite_distinct.len();
    println!(
        "crash campaign: {FILES} files written, {KILLS} kills, in flight at each kill {in_flight_at_kills:?} \
         (bound {bound}); SQLite {} distinct, {sqlite_duplicates} duplicates; \
         JSON Lines {} distinct, {} lines, {jsonl_duplicates} duplicates",
        sqlite_distinct.len(),
        jsonl_distinct.len(),
        lines.len()
    );
    assert_eq!(sqlite_distinct, expected, "SQLite lost articles");
    assert_eq!(jsonl_distinct, expected, "JSON Lines lost articles");
    assert!(
        jsonl_duplicates <= bound && sqlite_duplicates <= bound,
        "{jsonl_duplicates} JSON Lines and {sqlite_duplicates} SQLite re-deliveries; \
         at most {bound} articles were in flight at the kills"
    );
    let dead = std::fs::read_to_string(dir.join("out/dead.jsonl")).unwrap_or_default();
    assert!(dead.is_empty(), "dead letters: {dead}");
}
