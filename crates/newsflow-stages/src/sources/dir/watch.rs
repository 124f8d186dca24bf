//! Watching a directory: new and changed files are read once complete, and
//! a file enters the ledger only when every one of its articles has been
//! delivered by every sink.

use super::ledger::{Ledger, Signature};
use super::{format_of, list, read_file, Read};
use newsflow_core::{BoxError, Gauge, Outcome, SourceContext};
use notify::{EventKind, RecursiveMode, Watcher};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Watch mode's state, built with the source.
#[derive(Debug)]
pub(super) struct Watch {
    pub(super) ledger: Ledger,
    pub(super) settle: Duration,
    /// Files seen but not yet read, for `/metrics`.
    pub(super) backlog: Gauge,
}

/// A file seen but not read yet.
#[derive(Debug)]
struct Candidate {
    signature: Option<Signature>,
    /// When the signature last changed.
    since: Instant,
    /// Renamed into place: complete now, no need to wait.
    renamed: bool,
}

/// Every article of one emitted file has been settled.
#[derive(Debug)]
struct FileSettled {
    path: PathBuf,
    signature: Signature,
    delivered: bool,
}

/// Counts a file's unsettled articles; the last one reports the file.
struct FileTracker {
    unsettled: AtomicUsize,
    failed: AtomicBool,
    path: PathBuf,
    signature: Signature,
    report: mpsc::UnboundedSender<FileSettled>,
}

impl FileTracker {
    fn settle(&self, outcome: Outcome) {
        if outcome == Outcome::Failed {
            self.failed.store(true, Ordering::Release);
        }
        if self.unsettled.fetch_sub(1, Ordering::AcqRel) == 1 {
            let _ = self.report.send(FileSettled {
                path: self.path.clone(),
                signature: self.signature,
                delivered: !self.failed.load(Ordering::Acquire),
            });
        }
    }
}

impl Watch {
    pub(super) async fn run(mut self, root: PathBuf, cx: SourceContext) -> Result<(), BoxError> {
        let (event_tx, mut events) = mpsc::unbounded_channel();
        let mut watcher = notify::recommended_watcher(move |event| {
            let _ = event_tx.send(event);
        })?;
        watcher.watch(&root, RecursiveMode::Recursive)?;

        // Files already there count as complete once older than the settle time.
        let mut candidates = BTreeMap::new();
        let existing = {
            let root = root.clone();
            tokio::task::spawn_blocking(move || list(&root)).await??
        };
        for (path, _) in existing {
            let age = std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .unwrap_or_default();
            let since = Instant::now()
                .checked_sub(age.min(self.settle))
                .unwrap_or_else(Instant::now);
            candidates.insert(
                path.clone(),
                Candidate {
                    signature: Signature::of(&path),
                    since,
                    renamed: false,
                },
            );
        }
        tracing::info!(
            source = %cx.name, dir = %root.display(), ledger = %self.ledger.file_path().display(),
            "watching"
        );

        let (settled_tx, mut settled) = mpsc::unbounded_channel();
        let mut in_flight: HashSet<PathBuf> = HashSet::new();
        let mut tick = tokio::time::interval(
            (self.settle / 4).clamp(Duration::from_millis(20), Duration::from_secs(1)),
        );
        loop {
            tokio::select! {
                _ = cx.shutdown.cancelled() => break,
                Some(event) = events.recv() => match event {
                    Ok(event) => note_event(&mut candidates, event),
                    Err(e) => tracing::warn!(source = %cx.name, error = %e, "watch error"),
                },
                Some(file) = settled.recv() => self.settled(&cx.name, file, &mut in_flight),
                _ = tick.tick() => {
                    let ready = ready(&mut candidates, self.settle);
                    self.backlog.set((candidates.len() + ready.len()) as u64);
                    for path in ready {
                        let Some(signature) = Signature::of(&path) else { continue };
                        if in_flight.contains(&path) {
                            // Read again once the version in flight has settled.
                            candidates.insert(path, Candidate { signature: Some(signature), since: Instant::now(), renamed: false });
                            continue;
                        }
                        if self.ledger.is_delivered(&path, signature) {
                            continue;
                        }
                        let Some(format) = format_of(&path) else { continue };
                        let tracker = Arc::new(FileTracker {
                            // One for the reading itself, released below.
                            unsettled: AtomicUsize::new(1),
                            failed: AtomicBool::new(false),
                            path: path.clone(),
                            signature,
                            report: settled_tx.clone(),
                        });
                        in_flight.insert(path.clone());
                        cx.progress.add_total(1);
                        let mut delivery = || {
                            tracker.unsettled.fetch_add(1, Ordering::AcqRel);
                            let tracker = tracker.clone();
                            cx.delivery_then(move |outcome| tracker.settle(outcome))
                        };
                        let read = read_file(&cx, &path, format, &mut delivery).await;
                        let whole = matches!(read, Ok(Read::Whole));
                        tracker.settle(if whole { Outcome::Delivered } else { Outcome::Failed });
                        if let Err(e) = read {
                            tracing::warn!(source = %cx.name, file = %path.display(), error = %e, "cannot read");
                        }
                    }
                }
            }
        }

        // Stop emitting and let our outputs close so the pipeline drains;
        // keep recording files as their last articles settle.
        let name = cx.name.clone();
        drop(watcher);
        drop(settled_tx);
        drop(cx);
        while !in_flight.is_empty() {
            let Some(file) = settled.recv().await else {
                break;
            };
            self.settled(&name, file, &mut in_flight);
        }
        Ok(())
    }

    fn settled(&mut self, source: &str, file: FileSettled, in_flight: &mut HashSet<PathBuf>) {
        in_flight.remove(&file.path);
        if !file.delivered {
            tracing::warn!(source, file = %file.path.display(), "not every article was delivered; the file will be read again");
            return;
        }
        if let Err(e) = self.ledger.record(&file.path, file.signature) {
            tracing::error!(source, ledger = %self.ledger.file_path().display(), error = %e, "cannot record a delivered file");
        }
    }
}

/// Notes files that a watch event says were created, written or renamed in.
fn note_event(candidates: &mut BTreeMap<PathBuf, Candidate>, event: notify::Event) {
    let renamed = matches!(
        event.kind,
        EventKind::Modify(notify::event::ModifyKind::Name(_))
    );
    match event.kind {
        EventKind::Create(_) | EventKind::Modify(_) => {}
        EventKind::Remove(_) => {
            for path in &event.paths {
                candidates.remove(path);
            }
            return;
        }
        _ => return,
    }
    // For a rename the destination is the last path.
    let paths: &[PathBuf] = if renamed {
        event
            .paths
            .last()
            .map(std::slice::from_ref)
            .unwrap_or_default()
    } else {
        &event.paths
    };
    for path in paths {
        if path.is_dir() {
            // Files written into a new directory before its watch was added
            // raise no event of their own: look for them now.
            for (file, _) in list(path).unwrap_or_default() {
                note_file(candidates, &file, false);
            }
            continue;
        }
        if format_of(path).is_none() || !path.is_file() {
            continue;
        }
        note_file(candidates, path, renamed);
    }
}

/// Starts (or restarts) the settle clock of a file.
fn note_file(candidates: &mut BTreeMap<PathBuf, Candidate>, path: &Path, renamed: bool) {
    candidates.insert(
        path.to_owned(),
        Candidate {
            signature: Signature::of(path),
            since: Instant::now(),
            renamed,
        },
    );
}

/// Takes out the candidates that are complete: renamed in, or unchanged for
/// `settle`. Sorted by path, so files that settle together are read in order.
fn ready(candidates: &mut BTreeMap<PathBuf, Candidate>, settle: Duration) -> Vec<PathBuf> {
    let mut done = Vec::new();
    let now = Instant::now();
    candidates.retain(|path, candidate| {
        let current = Signature::of(path);
        if current.is_none() {
            return false;
        }
        if current != candidate.signature {
            candidate.signature = current;
            candidate.since = now;
            // A file written to after it was renamed in must settle again.
            candidate.renamed = false;
            return true;
        }
        if candidate.renamed || now.duration_since(candidate.since) >= settle {
            done.push(path.clone());
            return false;
        }
        true
    });
    done
}
