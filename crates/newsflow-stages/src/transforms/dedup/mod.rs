//! `dedup`: each story once. Recognises exact duplicates (the same id,
//! the same URL once tracking parameters are dropped, the same body) and
//! near-duplicates (the same wire story with a new headline, an added
//! paragraph, an "UPDATE 2", or cut short) among the articles of a window,
//! and marks or drops them.
//!
//! The window is kept in `state_dir/transforms.NAME/window.jsonl`, one
//! line per article, appended as articles are judged and compacted when it
//! is opened and when it grows past twice the window, so a restart
//! remembers what came before.

pub mod text;
pub mod window;

use super::condition::Age;
use newsflow_core::{
    Article, BoxError, BuildContext, Rejection, Route, Transform, TransformConfig,
};
use serde::Deserialize;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use window::{Entry, Settings, Verdict, Window};

/// What `dedup` does with a duplicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// Passes it on with `duplicate_of` (the first article's id) and
    /// `similarity`.
    Annotate,
    /// Leaves it out; it counts as delivered.
    Drop,
}

/// `type = "dedup"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DedupConfig {
    /// `annotate` (default) or `drop`.
    #[serde(default = "annotate")]
    pub mode: Mode,
    /// The similarity at or above which an article is a near-duplicate:
    /// the word triples two texts share over the geometric mean of their
    /// counts, estimated (default 0.4; see [`text::similarity`]).
    #[serde(default = "default_threshold", deserialize_with = "threshold")]
    pub threshold: f64,
    /// Articles remembered at most (default 100,000).
    #[serde(default = "default_window", deserialize_with = "window_size")]
    pub window: usize,
    /// Articles seen longer ago than this are forgotten (default `7d`).
    #[serde(default = "default_max_age")]
    pub max_age: Age,
}

fn annotate() -> Mode {
    Mode::Annotate
}

fn default_threshold() -> f64 {
    0.4
}

fn default_window() -> usize {
    100_000
}

fn default_max_age() -> Age {
    Age(Duration::from_secs(7 * 86_400))
}

fn threshold<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let value = f64::deserialize(d)?;
    if !(value > 0.0 && value <= 1.0) {
        return Err(serde::de::Error::custom(format!(
            "{value} is no similarity: give a number above 0 and at most 1"
        )));
    }
    Ok(value)
}

fn window_size<'de, D: serde::Deserializer<'de>>(d: D) -> Result<usize, D::Error> {
    let value = usize::deserialize(d)?;
    if !(1..=100_000_000).contains(&value) {
        return Err(serde::de::Error::custom(format!(
            "{value} articles: the window holds from 1 to 100000000"
        )));
    }
    Ok(value)
}

impl DedupConfig {
    /// The window's settings.
    pub fn settings(&self) -> Settings {
        Settings {
            threshold: self.threshold,
            window: self.window,
            max_age: self.max_age.0,
        }
    }
}

impl TransformConfig for DedupConfig {
    fn build(&self, cx: &BuildContext) -> Result<Arc<dyn Transform>, BoxError> {
        let dir = cx.state_path();
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create the state directory {}: {e}", dir.display()))?;
        let state = State::open(&dir.join("window.jsonl"), self.settings(), now())?;
        Ok(Arc::new(Dedup {
            mode: self.mode,
            state: Mutex::new(state),
        }))
    }

    /// The verdict on each article depends on those before it.
    fn sequential(&self) -> bool {
        true
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The window and its file.
struct State {
    window: Window,
    path: PathBuf,
    log: BufWriter<File>,
    /// Lines in the file now.
    lines: usize,
}

impl State {
    /// Reads the saved window (a torn last line, left by a crash, is
    /// skipped), writes it back compacted, and opens the file for appends.
    fn open(path: &Path, settings: Settings, now: u64) -> Result<State, BoxError> {
        let mut window = Window::new(settings);
        match File::open(path) {
            Ok(file) => {
                for (i, line) in BufReader::new(file).lines().enumerate() {
                    let line = line.map_err(|e| format!("{}: {e}", path.display()))?;
                    match serde_json::from_str::<Entry>(&line) {
                        Ok(entry) => window.restore(entry, now),
                        Err(e) => tracing::warn!(
                            file = %path.display(), line = i + 1, error = %e,
                            "skipping an unreadable line of the dedup window"
                        ),
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot read {}: {e}", path.display()).into()),
        }
        let (log, lines) = compact(path, &window)?;
        Ok(State {
            window,
            path: path.to_owned(),
            log,
            lines,
        })
    }

    /// Judges an article and saves what the window learnt.
    fn judge(&mut self, article: &Article) -> Result<Verdict, String> {
        let (verdict, entry) = self.window.judge(article, now());
        if let Some(entry) = entry {
            let line = serde_json::to_string(entry).map_err(|e| e.to_string())?;
            // Flushed per article: a killed process loses nothing it judged
            // (an operating-system crash may lose the last lines).
            writeln!(self.log, "{line}")
                .and_then(|()| self.log.flush())
                .map_err(|e| format!("cannot save the window to {}: {e}", self.path.display()))?;
            self.lines += 1;
            if self.lines > 2 * self.window.len().max(1000) {
                (self.log, self.lines) = compact(&self.path, &self.window)
                    .map_err(|e| format!("cannot compact {}: {e}", self.path.display()))?;
            }
        }
        Ok(verdict)
    }
}

/// Writes the window's entries to `path` (through a file renamed into
/// place, so a crash leaves the old or the new whole) and opens it for
/// appends.
fn compact(path: &Path, window: &Window) -> Result<(BufWriter<File>, usize), BoxError> {
    let fresh = path.with_extension("jsonl.tmp");
    let mut out = BufWriter::new(File::create(&fresh)?);
    for entry in window.entries() {
        serde_json::to_writer(&mut out, entry)?;
        out.write_all(b"\n")?;
    }
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    std::fs::rename(&fresh, path)?;
    let file = std::fs::OpenOptions::new().append(true).open(path)?;
    Ok((BufWriter::new(file), window.len()))
}

/// The transform: one window, taken one article at a time.
struct Dedup {
    mode: Mode,
    state: Mutex<State>,
}

impl Transform for Dedup {
    /// Judges the article and annotates it (in either mode); where it goes
    /// is [`Transform::route`].
    fn apply(&self, article: &mut Article) -> Result<(), Rejection> {
        self.route(article).map(drop)
    }

    fn route(&self, article: &mut Article) -> Result<Route, Rejection> {
        let verdict = self
            .state
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .judge(article)
            .map_err(Rejection)?;
        let Some(first) = verdict.duplicate_of else {
            return Ok(Route::Pass);
        };
        if self.mode == Mode::Drop {
            return Ok(Route::Drop);
        }
        article.extra.insert("duplicate_of".into(), first.into());
        let similarity = (verdict.similarity * 1000.0).round() / 1000.0;
        article
            .extra
            .insert("similarity".into(), serde_json::json!(similarity));
        Ok(Route::Pass)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn article(id: &str, body: &str) -> Article {
        Article::from_value(json!({ "id": id, "body": body })).unwrap()
    }

    fn build(dir: &Path, table: serde_json::Value) -> Arc<dyn Transform> {
        let config: DedupConfig = serde_json::from_value(table).unwrap();
        config
            .build(&BuildContext::new(
                newsflow_core::StageKey::transform("dedup"),
                dir,
            ))
            .unwrap()
    }

    const STORY: &str = "The central bank raised its main interest rate by a quarter point on Thursday, the third increase this year, saying inflation remained too high.";

    #[test]
    fn annotate_marks_and_drop_leaves_out() {
        let dir = tempfile::tempdir().unwrap();
        let annotate = build(&dir.path().join("a"), json!({}));
        let mut first = article("a", STORY);
        assert_eq!(annotate.route(&mut first), Ok(Route::Pass));
        assert!(!first.extra.contains_key("duplicate_of"));
        let mut copy = article("b", &format!("UPDATE 2 - {STORY}"));
        assert_eq!(annotate.route(&mut copy), Ok(Route::Pass));
        assert_eq!(copy.extra["duplicate_of"], "a");
        assert!(copy.extra["similarity"].as_f64().unwrap() >= 0.5);

        let drop = build(&dir.path().join("d"), json!({ "mode": "drop" }));
        assert_eq!(drop.route(&mut article("a", STORY)), Ok(Route::Pass));
        assert_eq!(drop.route(&mut article("b", STORY)), Ok(Route::Drop));
    }

    #[test]
    fn a_restart_remembers_the_window() {
        let dir = tempfile::tempdir().unwrap();
        {
            let dedup = build(dir.path(), json!({ "mode": "drop" }));
            assert_eq!(dedup.route(&mut article("a", STORY)), Ok(Route::Pass));
        }
        let file = dir.path().join("transforms.dedup/window.jsonl");
        // A torn last line, as a crash leaves it, is skipped.
        let mut text = std::fs::read_to_string(&file).unwrap();
        text.push_str("{\"t\":1,\"id\":");
        std::fs::write(&file, text).unwrap();
        let dedup = build(dir.path(), json!({ "mode": "drop" }));
        assert_eq!(dedup.route(&mut article("b", STORY)), Ok(Route::Drop));
        assert_eq!(
            dedup.route(&mut article("a", STORY)),
            Ok(Route::Pass),
            "the first article sent again is no duplicate of itself"
        );
        let lines = std::fs::read_to_string(&file).unwrap().lines().count();
        assert_eq!(lines, 2, "compacted at start, then b appended");
    }

    #[test]
    fn bad_options_are_refused() {
        for (table, expected) in [
            (json!({ "threshold": 1.5 }), "no similarity"),
            (json!({ "window": 0 }), "the window holds"),
            (json!({ "max_age": "a week" }), "not a duration"),
            (json!({ "mode": "delete" }), "unknown variant"),
        ] {
            let e = serde_json::from_value::<DedupConfig>(table).unwrap_err();
            assert!(e.to_string().contains(expected), "{e}");
        }
    }
}
