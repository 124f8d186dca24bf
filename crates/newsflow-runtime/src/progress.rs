//! The progress bar drawn on a terminal during a run.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};
use newsflow_core::Progress;
use std::time::Duration;

/// Redraws a progress bar from the run's [`Progress`] a few times a second.
pub(crate) struct ProgressDisplay {
    bar: ProgressBar,
    progress: Progress,
    task: tokio::task::JoinHandle<()>,
}

impl ProgressDisplay {
    pub(crate) fn start(progress: Progress) -> ProgressDisplay {
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
        let shown = bar.clone();
        let counts = progress.clone();
        let task = tokio::spawn(async move {
            loop {
                let total = progress.total();
                if total > 0 && shown.is_hidden() {
                    shown.set_draw_target(ProgressDrawTarget::stderr_with_hz(5));
                }
                shown.set_length(total);
                shown.set_position(progress.done());
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
        ProgressDisplay {
            bar,
            progress: counts,
            task,
        }
    }

    /// Clears the bar and says in one line what the run did: `N articles in
    /// T s (R/s), F failed`, F counting what every stage refused or lost.
    pub(crate) fn finish(self, failed: u64) {
        self.task.abort();
        let elapsed = self.bar.elapsed().as_secs_f64();
        self.bar.finish_and_clear();
        let done = self.progress.done();
        let rate = if elapsed > 0.0 {
            done as f64 / elapsed
        } else {
            0.0
        };
        eprintln!("{done} articles in {elapsed:.1} s ({rate:.0}/s), {failed} failed");
    }
}
