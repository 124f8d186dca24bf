//! Watching a directory: new and changed files are read once complete, and
//! a file enters the ledger only when every one of its articles has been
//! delivered by every sink. Files are keyed by their path relative to the
//! directory everywhere (candidates, files in flight, the ledger).

use super::ledger::{Ledger, Signature};
use super::tree::{log_skip, Skip, Tree};
use super::{dead_letter_unreadable, list, read_file, Failure, Read};
use newsflow_core::{Backoff, BoxError, Gauge, Outcome, SourceContext};
use notify::event::{ModifyKind, RenameMode};
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
    /// After a failed read: how many reads failed, and when to try again.
    retry: Option<(u32, Instant)>,
}

/// Every article of one emitted file has been settled.
#[derive(Debug)]
struct FileSettled {
    key: PathBuf,
    signature: Signature,
    delivered: bool,
    /// Whether any article (or dead letter) went out.
    emitted: bool,
}

/// Counts a file's unsettled articles; the last one reports the file.
struct FileTracker {
    unsettled: AtomicUsize,
    failed: AtomicBool,
    emitted: AtomicBool,
    key: PathBuf,
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
                key: self.key.clone(),
                signature: self.signature,
                delivered: !self.failed.load(Ordering::Acquire),
                emitted: self.emitted.load(Ordering::Acquire),
            });
        }
    }
}

/// The files seen and not read yet, by key, and the entries skipped (each
/// logged once).
struct Files<'a> {
    tree: &'a Tree,
    source: &'a str,
    candidates: BTreeMap<PathBuf, Candidate>,
    skipped: HashSet<PathBuf>,
}

impl Files<'_> {
    fn skip(&mut self, key: PathBuf, skip: &Skip) {
        if !self.skipped.contains(&key) {
            log_skip(self.source, &self.tree.shown(&key), skip);
            self.skipped.insert(key);
        }
    }

    fn forget(&mut self, path: &Path) {
        if let Some(key) = self.tree.key(path) {
            self.candidates.remove(&key);
            self.skipped.remove(&key);
        }
    }

    /// Notes files that a watch event says were created, written or renamed in.
    fn note_event(&mut self, event: notify::Event) {
        match event.kind {
            EventKind::Remove(_) | EventKind::Modify(ModifyKind::Name(RenameMode::From)) => {
                event.paths.iter().for_each(|path| self.forget(path));
            }
            // For a rename the destination is the last path.
            EventKind::Modify(ModifyKind::Name(mode)) => {
                if let (RenameMode::Both, Some(from)) = (mode, event.paths.first()) {
                    self.forget(from);
                }
                if let Some(path) = event.paths.last() {
                    self.note_path(path, true);
                }
            }
            EventKind::Create(_) | EventKind::Modify(_) => {
                event
                    .paths
                    .iter()
                    .for_each(|path| self.note_path(path, false));
            }
            _ => {}
        }
    }

    fn note_path(&mut self, path: &Path, renamed: bool) {
        let Some(key) = self.tree.key(path) else {
            return;
        };
        let Ok(meta) = std::fs::symlink_metadata(path) else {
            return;
        };
        if meta.is_dir() {
            // Files written into a new directory before its watch was added
            // raise no event of their own: look for them now.
            let (entries, skipped) = self.tree.list(path, self.source);
            for entry in entries {
                self.note_file(entry.key, false);
            }
            for (key, skip) in skipped {
                self.skip(key, &skip);
            }
            return;
        }
        match self.tree.entry(&key) {
            Ok(_) => self.note_file(key, renamed),
            Err(skip) => self.skip(key, &skip),
        }
    }

    /// Starts (or restarts) the settle clock of a file.
    fn note_file(&mut self, key: PathBuf, renamed: bool) {
        let signature = Signature::of(&self.tree.path(&key));
        self.candidates.insert(
            key,
            Candidate {
                signature,
                since: Instant::now(),
                renamed,
                retry: None,
            },
        );
    }

    /// Takes out the candidates that are complete (renamed in, or unchanged
    /// for `settle`) and the failed ones due for another try, with the
    /// number of failed reads. Sorted by path, so files that settle
    /// together are read in order.
    fn ready(&mut self, settle: Duration) -> Vec<(PathBuf, u32)> {
        let mut done = Vec::new();
        let now = Instant::now();
        let tree = self.tree;
        self.candidates.retain(|key, candidate| {
            let current = Signature::of(&tree.path(key));
            if current.is_none() {
                return false;
            }
            if current != candidate.signature {
                candidate.signature = current;
                candidate.since = now;
                // A file written to after it was renamed in must settle again.
                candidate.renamed = false;
                candidate.retry = None;
                return true;
            }
            let due = match candidate.retry {
                Some((_, at)) => now >= at,
                None => candidate.renamed || now.duration_since(candidate.since) >= settle,
            };
            if due {
                done.push((key.clone(), candidate.retry.map_or(0, |(failed, _)| failed)));
            }
            !due
        });
        done
    }

    /// Queues a file that could not be read for another try, later each time
    /// ([`Backoff::STANDARD`]).
    fn retry(&mut self, key: PathBuf, signature: Signature, failed: u32) -> Duration {
        // The waits reach their longest after a few failures: no need to
        // count past 64.
        let wait = Backoff::STANDARD
            .delays()
            .nth(failed.saturating_sub(1).min(64) as usize)
            .unwrap_or(Backoff::STANDARD.max);
        let now = Instant::now();
        self.candidates.insert(
            key,
            Candidate {
                signature: Some(signature),
                since: now,
                renamed: false,
                retry: Some((failed, now + wait)),
            },
        );
        wait
    }
}

/// Whether a failed read may pass if tried again (permissions being fixed,
/// file descriptors or memory running short, a busy or flaky disk).
fn transient(error: &std::io::Error) -> bool {
    matches!(
        error.raw_os_error(),
        Some(
            libc::EACCES
                | libc::EPERM
                | libc::EMFILE
                | libc::ENFILE
                | libc::ENOMEM
                | libc::ENOBUFS
                | libc::EAGAIN
                | libc::EINTR
                | libc::EBUSY
                | libc::ETXTBSY
                | libc::EIO
                | libc::ESTALE
        )
    )
}

impl Watch {
    pub(super) async fn run(
        mut self,
        tree: Tree,
        limit: usize,
        cx: SourceContext,
    ) -> Result<(), BoxError> {
        let (event_tx, mut events) = mpsc::unbounded_channel();
        // Links are resolved by the tree's rule, never by the watcher.
        let mut watcher = notify::RecommendedWatcher::new(
            move |event| {
                let _ = event_tx.send(event);
            },
            notify::Config::default().with_follow_symlinks(false),
        )?;
        watcher.watch(tree.root(), RecursiveMode::Recursive)?;

        let mut files = Files {
            tree: &tree,
            source: &cx.name,
            candidates: BTreeMap::new(),
            skipped: HashSet::new(),
        };
        // The startup listing logs what it skips: the watcher does not again.
        let (existing, skipped) = list(&tree, &cx.name).await?;
        files.skipped.extend(skipped);
        // Files already there count as complete once older than the settle time.
        for entry in existing {
            let path = tree.path(&entry.key);
            let age = std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .unwrap_or_default();
            let since = Instant::now()
                .checked_sub(age.min(self.settle))
                .unwrap_or_else(Instant::now);
            files.candidates.insert(
                entry.key,
                Candidate {
                    signature: Signature::of(&path),
                    since,
                    renamed: false,
                    retry: None,
                },
            );
        }
        tracing::info!(
            source = %cx.name, dir = %tree.shown_root().display(), ledger = %self.ledger.file_path().display(),
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
                    Ok(event) => files.note_event(event),
                    Err(e) => tracing::warn!(source = %cx.name, error = %e, "watch error"),
                },
                Some(file) = settled.recv() => {
                    // Every file settled by now, recorded with one sync.
                    let mut files = vec![file];
                    while let Ok(more) = settled.try_recv() {
                        files.push(more);
                    }
                    self.settled(&cx.name, files, &mut in_flight);
                }
                _ = tick.tick() => {
                    let ready = files.ready(self.settle);
                    self.backlog.set((files.candidates.len() + ready.len()) as u64);
                    for (key, failed) in ready {
                        if cx.shutdown.is_cancelled() {
                            // The rest is read at the next start.
                            break;
                        }
                        let Some(signature) = Signature::of(&tree.path(&key)) else { continue };
                        if in_flight.contains(&key) {
                            // Read again once the version in flight has settled.
                            files.candidates.insert(key, Candidate { signature: Some(signature), since: Instant::now(), renamed: false, retry: None });
                            continue;
                        }
                        if self.ledger.is_delivered(&key, signature) {
                            continue;
                        }
                        // Checked again: the entry may have been swapped for a link.
                        let entry = match tree.entry(&key) {
                            Ok(entry) => entry,
                            Err(skip) => {
                                files.skip(key, &skip);
                                continue;
                            }
                        };
                        let tracker = Arc::new(FileTracker {
                            // One for the reading itself, released below.
                            unsettled: AtomicUsize::new(1),
                            failed: AtomicBool::new(false),
                            emitted: AtomicBool::new(false),
                            key: key.clone(),
                            signature,
                            report: settled_tx.clone(),
                        });
                        in_flight.insert(key.clone());
                        cx.progress.add_total(1);
                        let mut delivery = || {
                            tracker.unsettled.fetch_add(1, Ordering::AcqRel);
                            tracker.emitted.store(true, Ordering::Release);
                            let tracker = tracker.clone();
                            cx.delivery_then(move |outcome| tracker.settle(outcome))
                        };
                        let shown = tree.shown(&key);
                        let outcome = match read_file(&cx, &entry, &shown, limit, &mut delivery).await {
                            Ok(Read::Whole) => Outcome::Delivered,
                            Ok(Read::Partly) | Err(Failure::Closed) => Outcome::Failed,
                            Err(Failure::Unreadable { error, line }) => {
                                if error.kind() == std::io::ErrorKind::NotFound {
                                    tracing::info!(source = %cx.name, file = %shown.display(), "gone before it was read");
                                    Outcome::Failed
                                } else if transient(&error) {
                                    let wait = files.retry(key, signature, failed + 1);
                                    tracing::warn!(
                                        source = %cx.name, file = %shown.display(), error = %error,
                                        failed = failed + 1, retry_in_ms = wait.as_millis() as u64,
                                        "cannot read the file; will retry"
                                    );
                                    Outcome::Failed
                                } else {
                                    // It will never read better: dead-lettered, and recorded once written there.
                                    match dead_letter_unreadable(&cx, &shown, line, &error, delivery()).await {
                                        Ok(()) => Outcome::Delivered,
                                        Err(_) => Outcome::Failed,
                                    }
                                }
                            }
                        };
                        tracker.settle(outcome);
                        // What was delivered meanwhile is recorded now: a long
                        // run of files (every file there at start) must not
                        // hold the ledger back until its end.
                        let mut done = Vec::new();
                        while let Ok(file) = settled.try_recv() {
                            done.push(file);
                        }
                        if !done.is_empty() {
                            self.settled(&cx.name, done, &mut in_flight);
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
            let mut files = vec![file];
            while let Ok(more) = settled.try_recv() {
                files.push(more);
            }
            self.settled(&name, files, &mut in_flight);
        }
        Ok(())
    }

    /// Records the files whose every article was delivered, in one append
    /// and one sync; a file with an undelivered article is left out, to be
    /// read again.
    fn settled(&mut self, source: &str, files: Vec<FileSettled>, in_flight: &mut HashSet<PathBuf>) {
        let mut delivered = Vec::with_capacity(files.len());
        for file in files {
            in_flight.remove(&file.key);
            if file.delivered {
                delivered.push((file.key, file.signature));
            } else if file.emitted {
                // A read that failed before emitting anything was logged already.
                tracing::warn!(source, file = %file.key.display(), "not every article of the file was delivered; it is not recorded in the ledger");
            }
        }
        if delivered.is_empty() {
            return;
        }
        if let Err(e) = self.ledger.record_all(&delivered) {
            tracing::error!(source, ledger = %self.ledger.file_path().display(), error = %e, "cannot record delivered files");
        }
    }
}
