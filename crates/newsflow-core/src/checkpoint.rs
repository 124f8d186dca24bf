//! How a source learns the outcome of what it emitted, by a key of its own
//! (a file, a feed item, a message sequence), on its own task.
//!
//! A delivery token's callback runs wherever the last copy is settled: on a
//! sink's task, often. So the tokens made here do nothing there but send
//! `(key, outcome)` down a channel; the source reads them with
//! [`Settled::recv`] and does its bookkeeping (a ledger append, an
//! acknowledgement) itself, where waiting holds up no one else.

use crate::{Delivery, Outcome, SourceContext, StageCounters};
use std::sync::Arc;
use tokio::sync::mpsc;

/// Makes delivery tokens that report their outcome under a key.
#[derive(Debug)]
pub struct Checkpoints<K> {
    sender: mpsc::UnboundedSender<(K, Outcome)>,
    /// The source's counters, which count each article settled.
    counters: Arc<StageCounters>,
}

/// The outcomes reported by the tokens of a [`Checkpoints`], in the order
/// they were settled.
#[derive(Debug)]
pub struct Settled<K> {
    receiver: mpsc::UnboundedReceiver<(K, Outcome)>,
}

impl SourceContext {
    /// A maker of keyed delivery tokens, and where their outcomes arrive.
    /// The channel is unbounded, but holds at most one entry per article in
    /// flight, which the channels and the byte budget bound.
    ///
    /// ```no_run
    /// # async fn example(cx: newsflow_core::SourceContext, article: newsflow_core::Article) {
    /// let (checkpoints, mut settled) = cx.checkpoints::<u64>();
    /// cx.out.send(article, checkpoints.track(7)).await.ok();
    /// drop(checkpoints);
    /// while let Some((sequence, outcome)) = settled.recv().await {
    ///     println!("message {sequence}: {outcome:?}");
    /// }
    /// # }
    /// ```
    pub fn checkpoints<K: Send + 'static>(&self) -> (Checkpoints<K>, Settled<K>) {
        channel(self.out.counters.clone())
    }
}

fn channel<K>(counters: Arc<StageCounters>) -> (Checkpoints<K>, Settled<K>) {
    let (sender, receiver) = mpsc::unbounded_channel();
    (Checkpoints { sender, counters }, Settled { receiver })
}

impl<K: Send + 'static> Checkpoints<K> {
    /// A token for one article: once settled it counts the article settled
    /// and reports `(key, outcome)`.
    pub fn track(&self, key: K) -> Delivery {
        let sender = self.sender.clone();
        let counters = self.counters.clone();
        Delivery::new(move |outcome| {
            counters.add_settled(1);
            // The receiver is gone only when the source has stopped
            // listening: nothing is left to checkpoint.
            let _ = sender.send((key, outcome));
        })
    }
}

impl<K> Settled<K> {
    /// The next outcome; `None` once the [`Checkpoints`] and every token it
    /// made are gone.
    pub async fn recv(&mut self) -> Option<(K, Outcome)> {
        self.receiver.recv().await
    }

    /// Every outcome that has arrived, without waiting (to record many
    /// with one write).
    pub fn ready(&mut self) -> Vec<(K, Outcome)> {
        let mut ready = Vec::new();
        while let Ok(next) = self.receiver.try_recv() {
            ready.push(next);
        }
        ready
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn each_token_reports_its_key_once() {
        let counters = Arc::<StageCounters>::default();
        let (checkpoints, mut settled) = channel::<&str>(counters.clone());
        checkpoints.track("a").delivered();
        drop(checkpoints.track("b"));
        assert_eq!(
            settled.ready(),
            [("a", Outcome::Delivered), ("b", Outcome::Failed)]
        );
        let kept = checkpoints.track("c");
        drop(checkpoints);
        kept.delivered();
        assert_eq!(settled.recv().await, Some(("c", Outcome::Delivered)));
        assert_eq!(settled.recv().await, None);
        assert_eq!(counters.settled(), 3);
    }
}
