//! Watching a directory: new and changed files are read once complete, and
//! a file enters the ledger only when every one of its articles has been
//! delivered by every sink. Files are keyed by their path relative to the
//! directory everywhere (candidates, files in flight, the ledger).

use super::ledger::{Ledger, Signature};
use super::tree::{log_skip, Entry, Skip, Tree};
use super::{dead_letter_unreadable, list, read_file, Failure, Read};
use newsflow_core::{Backoff, BoxError, Gauge, Outcome, Settled, SourceContext};
use notify::event::{ModifyKind, RenameMode};
use notify::{EventKind, RecursiveMode, Watcher};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Watch mode's state, built with the source.
#[derive(Debug)]
pub(super) struct Watch {
    pub(super) ledger: Arc<Mutex<Ledger>>,
    pub(super) settle: Duration,
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

/// A file read, some of whose articles are still on their way.
#[derive(Debug)]
struct InFlight {
    signature: Signature,
    /// Articles (and dead letters) not settled yet.
    unsettled: usize,
    /// Whether any of them failed (or the read itself did).
    failed: bool,
    /// Whether any article (or dead letter) went out.
    emitted: bool,
}

/// Files in flight by key, settled as the outcomes of their articles come
/// back; the source's own bookkeeping, on its own task.
#[derive(Debug, Default)]
struct Flights {
    files: HashMap<PathBuf, InFlight>,
}

/// A file whose every article has been settled.
struct Landed {
    key: PathBuf,
    signature: Signature,
    delivered: bool,
    emitted: bool,
}

impl Flights {
    /// Notes the outcome of one article of `key` (or, with `read`, of the
    /// reading itself); the file, once nothing of it is unsettled.
    fn settle(&mut self, key: &Path, outcome: Outcome) -> Option<Landed> {
        let file = self.files.get_mut(key)?;
        file.failed |= !outcome.is_settled();
        file.unsettled = file.unsettled.saturating_sub(1);
        if file.unsettled > 0 {
            return None;
        }
        let (key, file) = self.files.remove_entry(key)?;
        Some(Landed {
            key,
            signature: file.signature,
            delivered: !file.failed,
            emitted: file.emitted,
        })
    }
}

/// The files seen and not read yet, by key, and the entries skipped (each
/// logged once). Its methods that look at the disk (events, readiness)
/// run on a blocking thread: the value moves there and back.
struct Files {
    tree: Tree,
    source: String,
    candidates: BTreeMap<PathBuf, Candidate>,
    skipped: HashSet<PathBuf>,
}

/// A candidate complete and due to be read, as the disk shows it now.
struct Due {
    key: PathBuf,
    /// Reads of it that failed so far.
    failed: u32,
    signature: Signature,
    /// The entry to read, or why it is skipped (swapped for a link).
    entry: Result<Entry, Skip>,
}

impl Files {
    fn skip(&mut self, key: PathBuf, skip: &Skip) {
        if !self.skipped.contains(&key) {
            log_skip(&self.source, &self.tree.shown(&key), skip);
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
            let (entries, skipped) = self.tree.list(path, &self.source);
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
        let tree = &self.tree;
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

    /// Notes the files there at the start: complete once older than `settle`.
    fn note_existing(&mut self, existing: Vec<Entry>, settle: Duration) {
        for entry in existing {
            let path = self.tree.path(&entry.key);
            let age = std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .unwrap_or_default();
            let since = Instant::now()
                .checked_sub(age.min(settle))
                .unwrap_or_else(Instant::now);
            let candidate = Candidate {
                signature: Signature::of(&path),
                since,
                renamed: false,
                retry: None,
            };
            self.candidates.insert(entry.key, candidate);
        }
    }

    /// Applies `events`, then takes out what is due ([`Files::ready`]) with
    /// its signature and entry. Blocking: it stats files and lists new
    /// directories.
    fn due(&mut self, events: Vec<notify::Event>, settle: Duration) -> Vec<Due> {
        events.into_iter().for_each(|event| self.note_event(event));
        let ready = self.ready(settle);
        ready
            .into_iter()
            .filter_map(|(key, failed)| {
                let signature = Signature::of(&self.tree.path(&key))?;
                // Checked again: the entry may have been swapped for a link.
                let entry = self.tree.entry(&key);
                Some(Due {
                    key,
                    failed,
                    signature,
                    entry,
                })
            })
            .collect()
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
        backlog: &Gauge,
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

        // The startup listing logs what it skips: the watcher does not again.
        let (existing, skipped) = list(&tree, &cx.name).await?;
        let mut files = Files {
            tree: tree.clone(),
            source: cx.name.clone(),
            candidates: BTreeMap::new(),
            skipped: skipped.into_iter().collect(),
        };
        let settle = self.settle;
        files = tokio::task::spawn_blocking(move || {
            files.note_existing(existing, settle);
            files
        })
        .await?;
        tracing::info!(
            source = %cx.name, dir = %tree.shown_root().display(), ledger = %self.ledger.lock().unwrap_or_else(|p| p.into_inner()).file_path().display(),
            "watching"
        );

        let (checkpoints, mut settled) = cx.checkpoints::<PathBuf>();
        let mut in_flight = Flights::default();
        let mut tick = tokio::time::interval(
            (self.settle / 4).clamp(Duration::from_millis(20), Duration::from_secs(1)),
        );
        // Events wait here for the next tick, when they are applied on a
        // blocking thread together with the readiness checks.
        let mut noted = Vec::new();
        loop {
            tokio::select! {
                _ = cx.shutdown.cancelled() => break,
                Some(event) = events.recv() => match event {
                    Ok(event) => noted.push(event),
                    Err(e) => tracing::warn!(source = %cx.name, error = %e, "watch error"),
                },
                Some(first) = settled.recv() => {
                    // Every outcome in by now, recorded with one sync.
                    self.settled(&cx.name, Some(first), &mut settled, &mut in_flight).await;
                }
                _ = tick.tick() => {
                    let events = std::mem::take(&mut noted);
                    let mut moved = files;
                    let (back, due) = tokio::task::spawn_blocking(move || {
                        let due = moved.due(events, settle);
                        (moved, due)
                    })
                    .await?;
                    files = back;
                    backlog.set((files.candidates.len() + due.len()) as u64);
                    for Due { key, failed, signature, entry } in due {
                        if cx.shutdown.is_cancelled() {
                            // The rest is read at the next start.
                            break;
                        }
                        if in_flight.files.contains_key(&key) {
                            // Read again once the version in flight has settled.
                            files.candidates.insert(key, Candidate { signature: Some(signature), since: Instant::now(), renamed: false, retry: None });
                            continue;
                        }
                        if self.is_delivered(&key, signature) {
                            continue;
                        }
                        let entry = match entry {
                            Ok(entry) => entry,
                            Err(skip) => {
                                files.skip(key, &skip);
                                continue;
                            }
                        };
                        // The tokens only report to `settled`, read by this
                        // task after the file is read: counting them as they
                        // are made cannot race with their outcomes.
                        let mut emitted = 0;
                        let mut delivery = || {
                            emitted += 1;
                            checkpoints.track(key.clone())
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
                                    let wait = files.retry(key.clone(), signature, failed + 1);
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
                        // The read itself counts as one more outcome, so the
                        // file lands only after it and every article.
                        in_flight.files.insert(key.clone(), InFlight { signature, unsettled: emitted + 1, failed: false, emitted: emitted > 0 });
                        let landed = in_flight.settle(&key, outcome);
                        // What was delivered meanwhile is recorded now: a long
                        // run of files (every file there at start) must not
                        // hold the ledger back until its end.
                        self.record(&cx.name, landed.into_iter().collect(), &mut settled, &mut in_flight).await;
                    }
                }
            }
        }

        // Stop emitting and let our outputs close so the pipeline drains;
        // keep recording files as their last articles settle.
        let name = cx.name.clone();
        drop(watcher);
        drop(checkpoints);
        drop(cx);
        while !in_flight.files.is_empty() {
            let Some(first) = settled.recv().await else {
                break;
            };
            self.settled(&name, Some(first), &mut settled, &mut in_flight)
                .await;
        }
        Ok(())
    }

    fn is_delivered(&self, key: &Path, signature: Signature) -> bool {
        let ledger = self.ledger.lock().unwrap_or_else(|p| p.into_inner());
        ledger.is_delivered(key, signature)
    }

    /// Applies `first` and every outcome already in, then records the files
    /// that landed.
    async fn settled(
        &mut self,
        source: &str,
        first: Option<(PathBuf, Outcome)>,
        settled: &mut Settled<PathBuf>,
        in_flight: &mut Flights,
    ) {
        let landed = first
            .into_iter()
            .filter_map(|(key, outcome)| in_flight.settle(&key, outcome))
            .collect();
        self.record(source, landed, settled, in_flight).await;
    }

    /// Records the files whose every article was delivered (those given,
    /// and those whose last outcome is in by now), in one append and one
    /// sync, off the async workers; a file with an undelivered article is
    /// left out, to be read again.
    async fn record(
        &mut self,
        source: &str,
        mut landed: Vec<Landed>,
        settled: &mut Settled<PathBuf>,
        in_flight: &mut Flights,
    ) {
        for (key, outcome) in settled.ready() {
            landed.extend(in_flight.settle(&key, outcome));
        }
        let mut delivered = Vec::with_capacity(landed.len());
        for file in landed {
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
        let ledger = self.ledger.clone();
        let recorded = tokio::task::spawn_blocking(move || {
            let mut ledger = ledger.lock().unwrap_or_else(|p| p.into_inner());
            ledger
                .record_all(&delivered)
                .map_err(|e| (e, ledger.file_path().to_owned()))
        })
        .await;
        match recorded {
            Ok(Ok(())) => {}
            Ok(Err((e, file))) => {
                tracing::error!(source, ledger = %file.display(), error = %e, "cannot record delivered files")
            }
            Err(e) => tracing::error!(source, error = %e, "cannot record delivered files"),
        }
    }
}
