//! The progress bar drawn on a terminal during a run, read from the
//! sources' counters: articles settled of articles known (emitted, refused,
//! or waiting in a source's backlog).

use crate::status::{StageSnapshot, Status};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use newsflow_core::StageKind;
use std::time::Duration;

/// Redraws a progress bar from the run's [`Status`] a few times a second.
pub(crate) struct ProgressDisplay {
    bar: ProgressBar,
    status: Status,
    task: tokio::task::JoinHandle<()>,
}

/// Articles settled, and articles known, summed over the sources.
fn counts(stages: &[StageSnapshot]) -> (u64, u64) {
    let sources = stages.iter().filter(|s| s.kind == StageKind::Source);
    sources.fold((0, 0), |(done, known), s| {
        (done + s.settled, known + s.received + s.backlog)
    })
}

impl ProgressDisplay {
    pub(crate) fn start(status: Status) -> ProgressDisplay {
        // Hidden until the sources have found something to count.
        let bar = ProgressBar::hidden();
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:40} {pos}/{len} articles, {rate}, {eta} left [{elapsed_precise}]",
            )
            .expect("a valid template")
            .with_key(
                "rate",
                |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.0} articles/s", state.per_sec());
                },
            ),
        );
        let (shown, watched) = (bar.clone(), status.clone());
        let task = tokio::spawn(async move {
            loop {
                let (done, known) = counts(&watched.snapshot());
                if known > 0 && shown.is_hidden() {
                    shown.set_draw_target(ProgressDrawTarget::stderr_with_hz(5));
                }
                // A push refused whole settles what was never emitted.
                shown.set_length(known.max(done));
                shown.set_position(done);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
        ProgressDisplay { bar, status, task }
    }

    /// Clears the bar and says in one line what the run did: `N articles in
    /// T s (R/s), F failed`, F counting what every stage refused or lost.
    pub(crate) fn finish(self) {
        self.task.abort();
        let elapsed = self.bar.elapsed().as_secs_f64();
        self.bar.finish_and_clear();
        let stages = self.status.snapshot();
        let (done, _) = counts(&stages);
        let failed: u64 = stages.iter().map(|s| s.failed).sum();
        let rate = if elapsed > 0.0 {
            done as f64 / elapsed
        } else {
            0.0
        };
        eprintln!("{done} articles in {elapsed:.1} s ({rate:.0}/s), {failed} failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use newsflow_core::StageKey;

    fn stage(key: StageKey, received: u64, backlog: u64, settled: u64) -> StageSnapshot {
        StageSnapshot {
            kind: key.kind(),
            key,
            ready: true,
            received,
            emitted: received,
            failed: 0,
            dropped: 0,
            queue: None,
            backlog,
            skipped: 0,
            redelivered: 0,
            settled,
        }
    }

    #[test]
    fn the_bar_counts_the_sources_settled_of_what_they_know() {
        let stages = [
            stage(StageKey::source("a"), 3, 2, 1),
            stage(StageKey::source("b"), 4, 0, 4),
            // Other stages' counts are the same articles again.
            stage(StageKey::transform("t"), 7, 0, 0),
            stage(StageKey::sink("s"), 5, 0, 0),
        ];
        assert_eq!(counts(&stages), (5, 9));
    }
}
