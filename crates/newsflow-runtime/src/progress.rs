//! The progress bar drawn on a terminal during a run.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use newsflow_core::Progress;
use std::time::Duration;

/// Redraws a progress bar from the run's [`Progress`] a few times a second.
pub(crate) struct ProgressDisplay {
    bar: ProgressBar,
    task: tokio::task::JoinHandle<()>,
}

impl ProgressDisplay {
    pub(crate) fn start(progress: Progress) -> ProgressDisplay {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr_with_hz(5));
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:40} {pos}/{len} articles, {per_sec} [{elapsed_precise}]",
            )
            .expect("a valid template"),
        );
        let shown = bar.clone();
        let task = tokio::spawn(async move {
            loop {
                shown.set_length(progress.total());
                shown.set_position(progress.done());
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
        ProgressDisplay { bar, task }
    }

    pub(crate) fn finish(self) {
        self.task.abort();
        self.bar.finish_and_clear();
    }
}
