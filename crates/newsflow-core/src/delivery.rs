//! Delivery tracking: how a source learns that an article it emitted has been
//! durably written by every sink it reaches.
//!
//! A source creates one [`Delivery`] per article with a callback. The token
//! travels with the article; fan-out [`fork`](Delivery::fork)s it once per
//! branch. Each holder ends its copy with [`delivered`](Delivery::delivered)
//! (written durably, dead-lettered, or deliberately dropped by a filter) or
//! [`failed`](Delivery::failed). Dropping a copy without settling it counts
//! as a failure, so an article lost to a crash or an aborted shutdown is never
//! reported delivered. When the last copy is gone the callback runs once, with
//! [`Outcome::Delivered`] or [`Outcome::Rejected`] only if every copy was
//! settled. That is the ground for checkpoints and acknowledgements: a source
//! advances only on those two.

use crate::stage::BudgetShare;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The end of an article's journey through the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every sink the article reached has written it durably.
    Delivered,
    /// Every copy was settled, and the input went to the dead-letter sink
    /// (written there durably) instead of, or besides, the sinks: a source
    /// that can tell its origin so (a message broker) does, never to see
    /// it again.
    Rejected,
    /// At least one branch failed or was abandoned.
    Failed,
}

impl Outcome {
    /// Settled for good: delivered, or rejected into the dead-letter sink.
    /// A checkpointing source records these, and reads failed ones again.
    pub fn is_settled(self) -> bool {
        self != Outcome::Failed
    }
}

type Callback = Box<dyn FnOnce(Outcome) + Send>;

struct Shared {
    failed: AtomicBool,
    rejected: AtomicBool,
    on_done: Mutex<Option<Callback>>,
    /// The article's bytes in the run's budget, given back when the last
    /// copy is settled.
    held: Mutex<Vec<BudgetShare>>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        let callback = self
            .on_done
            .get_mut()
            .map(Option::take)
            .unwrap_or_else(|poisoned| poisoned.into_inner().take());
        if let Some(callback) = callback {
            let outcome = if self.failed.load(Ordering::Acquire) {
                Outcome::Failed
            } else if self.rejected.load(Ordering::Acquire) {
                Outcome::Rejected
            } else {
                Outcome::Delivered
            };
            callback(outcome);
        }
    }
}

/// A token that travels with one article: fan-out forks it, each branch settles its copy, and the callback runs once, when the last copy is settled.
///
/// ```
/// use newsflow_core::{Delivery, Outcome};
/// use std::sync::mpsc;
/// let (tx, rx) = mpsc::channel();
/// let token = Delivery::new(move |outcome| tx.send(outcome).unwrap());
/// let branch = token.fork();
/// token.delivered();
/// assert!(rx.try_recv().is_err()); // one branch still open
/// branch.delivered();
/// assert_eq!(rx.recv().unwrap(), Outcome::Delivered);
/// ```
pub struct Delivery {
    shared: Option<Arc<Shared>>,
}

impl Delivery {
    /// A token whose `on_done` runs once, when every copy has been settled.
    pub fn new(on_done: impl FnOnce(Outcome) + Send + 'static) -> Delivery {
        Delivery {
            shared: Some(Arc::new(Shared {
                failed: AtomicBool::new(false),
                rejected: AtomicBool::new(false),
                on_done: Mutex::new(Some(Box::new(on_done))),
                held: Mutex::new(Vec::new()),
            })),
        }
    }

    /// A token nobody waits for (articles from a source with no checkpoint).
    pub fn untracked() -> Delivery {
        Delivery { shared: None }
    }

    /// Holds `share` of the byte budget until every copy of this token is
    /// settled, however the article ends.
    pub(crate) fn hold_share(&mut self, share: BudgetShare) {
        let shared = self.shared.get_or_insert_with(|| {
            // An untracked token: nobody hears the outcome, but the bytes are
            // still held for the article's journey.
            Arc::new(Shared {
                failed: AtomicBool::new(false),
                rejected: AtomicBool::new(false),
                on_done: Mutex::new(None),
                held: Mutex::new(Vec::new()),
            })
        });
        shared
            .held
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(share);
    }

    /// The bytes of the budget this article holds.
    pub(crate) fn held_bytes(&self) -> u64 {
        self.shared.as_ref().map_or(0, |shared| {
            let held = shared.held.lock().unwrap_or_else(|p| p.into_inner());
            held.iter().map(|share| share.bytes).sum()
        })
    }

    /// A copy for another branch of a fan-out; it must be settled too.
    pub fn fork(&self) -> Delivery {
        Delivery {
            shared: self.shared.clone(),
        }
    }

    /// Marks the article as rejected: its input is on its way to the
    /// dead-letter sink, and the outcome will be [`Outcome::Rejected`] once
    /// every copy is settled.
    pub(crate) fn reject(&self) {
        if let Some(shared) = &self.shared {
            shared.rejected.store(true, Ordering::Release);
        }
    }

    /// This copy's branch is done: written durably, dead-lettered or filtered.
    pub fn delivered(mut self) {
        // Releasing the Arc without marking failure is what "delivered" means.
        self.shared = None;
    }

    /// This copy's branch failed: the source must not count the article done.
    pub fn failed(self) {
        // Drop marks the failure.
        drop(self);
    }
}

impl Drop for Delivery {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.take() {
            shared.failed.store(true, Ordering::Release);
        }
    }
}

impl fmt::Debug for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delivery")
            .field("tracked", &self.shared.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    fn tracked() -> (Delivery, mpsc::Receiver<Outcome>) {
        let (tx, rx) = mpsc::channel();
        (Delivery::new(move |o| tx.send(o).unwrap()), rx)
    }

    #[test]
    fn one_failed_branch_fails_the_article() {
        let (token, rx) = tracked();
        let branch = token.fork();
        token.delivered();
        branch.failed();
        assert_eq!(rx.recv().unwrap(), Outcome::Failed);
    }

    #[test]
    fn dropping_an_unsettled_copy_is_a_failure() {
        let (token, rx) = tracked();
        drop(token);
        assert_eq!(rx.recv().unwrap(), Outcome::Failed);
    }

    #[test]
    fn a_dead_lettered_article_is_rejected_unless_a_copy_failed() {
        let (token, rx) = tracked();
        token.reject();
        token.delivered();
        assert_eq!(rx.recv().unwrap(), Outcome::Rejected);
        let (token, rx) = tracked();
        let branch = token.fork();
        token.reject();
        token.delivered();
        branch.failed();
        assert_eq!(rx.recv().unwrap(), Outcome::Failed);
    }

    #[test]
    fn callback_runs_exactly_once() {
        let (token, rx) = tracked();
        let copies: Vec<_> = (0..5).map(|_| token.fork()).collect();
        token.delivered();
        copies.into_iter().for_each(Delivery::delivered);
        assert_eq!(rx.recv().unwrap(), Outcome::Delivered);
        assert!(rx.try_recv().is_err());
    }
}
