//! Watching what leaves a stage without taking part in delivery.
//!
//! A [`Tap`] keeps the latest records a stage let through in a small ring;
//! observers (the daemon's page, `newsflow tap`) read from it with a
//! [`Cursor`]. Pushing never waits: when the ring is full the oldest record
//! goes, and an observer that fell behind skips what it missed. Observers get
//! shared copies of the records, never their delivery tokens, so a stalled
//! observer can neither slow the pipeline nor hold back an acknowledgement.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// With nobody attached, a stage copies at most one record per this long
/// into its tap: enough for a page opened later to show the latest, without
/// copying every article of a flood.
const SAMPLE_EVERY: Duration = Duration::from_millis(100);

/// The latest records through one stage, bounded; cheap to clone and share.
#[derive(Debug)]
pub struct Tap<T> {
    inner: Arc<TapInner<T>>,
}

impl<T> Clone for Tap<T> {
    fn clone(&self) -> Self {
        Tap {
            inner: self.inner.clone(),
        }
    }
}

#[derive(Debug)]
struct TapInner<T> {
    ring: Mutex<Ring<T>>,
    pushed: Notify,
    capacity: usize,
    /// Observers reading now (see [`Tap::attach`]).
    readers: AtomicUsize,
    /// When the tap was made, and when it last took a sample (nanoseconds
    /// after that; `u64::MAX` before the first).
    made: Instant,
    sampled: AtomicU64,
}

#[derive(Debug)]
struct Ring<T> {
    /// The sequence number the next record gets.
    next: u64,
    items: VecDeque<Arc<T>>,
}

impl<T> Ring<T> {
    fn first(&self) -> u64 {
        self.next - self.items.len() as u64
    }
}

/// An observer reading a [`Tap`]; see [`Tap::attach`].
#[derive(Debug)]
pub struct Attached<T> {
    tap: Tap<T>,
}

impl<T> Drop for Attached<T> {
    fn drop(&mut self) {
        self.tap.inner.readers.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Where an observer has read up to in a [`Tap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor(u64);

/// What an observer reads at once.
#[derive(Debug)]
pub struct Seen<T> {
    /// The records, oldest first.
    pub records: Vec<Arc<T>>,
    /// Records pushed out of the ring before this observer read them.
    pub skipped: u64,
}

impl<T> Tap<T> {
    /// A tap that keeps the latest `capacity` records (at least one).
    pub fn new(capacity: usize) -> Tap<T> {
        let capacity = capacity.max(1);
        Tap {
            inner: Arc::new(TapInner {
                ring: Mutex::new(Ring {
                    next: 0,
                    items: VecDeque::with_capacity(capacity),
                }),
                pushed: Notify::new(),
                capacity,
                readers: AtomicUsize::new(0),
                made: Instant::now(),
                sampled: AtomicU64::new(u64::MAX),
            }),
        }
    }

    /// Whether the stage should copy its next record in: always while an
    /// observer is attached, else one record per 100 ms.
    pub fn wants(&self) -> bool {
        if self.inner.readers.load(Ordering::Relaxed) > 0 {
            return true;
        }
        let now = u64::try_from(self.inner.made.elapsed().as_nanos()).unwrap_or(u64::MAX - 1);
        let last = self.inner.sampled.load(Ordering::Relaxed);
        let due = last == u64::MAX || now.saturating_sub(last) >= SAMPLE_EVERY.as_nanos() as u64;
        // One stage thread wins the sample when several race for it.
        due && self
            .inner
            .sampled
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    }

    /// Marks an observer as reading until the guard is dropped, so the
    /// stage copies every record meanwhile.
    pub fn attach(&self) -> Attached<T> {
        self.inner.readers.fetch_add(1, Ordering::Relaxed);
        Attached { tap: self.clone() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Ring<T>> {
        self.inner.ring.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Keeps `record`, dropping the oldest when full; never waits.
    pub fn push(&self, record: T) {
        let mut ring = self.lock();
        if ring.items.len() == self.inner.capacity {
            ring.items.pop_front();
        }
        ring.items.push_back(Arc::new(record));
        ring.next += 1;
        drop(ring);
        self.inner.pushed.notify_waiters();
    }

    /// A cursor at the oldest record kept, so the first read returns the
    /// latest records.
    pub fn cursor_at_oldest(&self) -> Cursor {
        Cursor(self.lock().first())
    }

    /// A cursor after the newest record, so reads return only what comes
    /// next.
    pub fn cursor_at_end(&self) -> Cursor {
        Cursor(self.lock().next)
    }

    /// The records after `cursor` (at most the ring's capacity), moving it
    /// past them; empty when there is nothing new.
    pub fn read(&self, cursor: &mut Cursor) -> Seen<T> {
        let ring = self.lock();
        let first = ring.first();
        let skipped = first.saturating_sub(cursor.0);
        let from = cursor.0.max(first);
        let records = ring
            .items
            .iter()
            .skip((from - first) as usize)
            .cloned()
            .collect();
        cursor.0 = ring.next;
        Seen { records, skipped }
    }

    /// Waits until something was pushed after `cursor`, then reads it.
    pub async fn next(&self, cursor: &mut Cursor) -> Seen<T> {
        loop {
            let pushed = self.inner.pushed.notified();
            tokio::pin!(pushed);
            // Registered before the check, so a push in between wakes it.
            pushed.as_mut().enable();
            let batch = self.read(cursor);
            if !batch.records.is_empty() || batch.skipped > 0 {
                return batch;
            }
            pushed.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_observers_a_flood_is_sampled_and_with_one_copied_whole() {
        let tap: Tap<u32> = Tap::new(4);
        assert!(tap.wants(), "the first record is always kept");
        let wanted = (0..1000).filter(|_| tap.wants()).count();
        assert!(wanted <= 1, "{wanted} of a burst of 1000 copied");
        let reading = tap.attach();
        assert_eq!((0..1000).filter(|_| tap.wants()).count(), 1000);
        drop(reading);
        std::thread::sleep(SAMPLE_EVERY);
        assert!(tap.wants());
    }

    #[test]
    fn a_reader_that_never_reads_does_not_hold_up_pushes() {
        let tap = Tap::new(3);
        let mut stalled = tap.cursor_at_oldest();
        for i in 0..1000 {
            tap.push(i);
        }
        let batch = tap.read(&mut stalled);
        assert_eq!(batch.skipped, 997);
        let got: Vec<i32> = batch.records.iter().map(|r| **r).collect();
        assert_eq!(got, [997, 998, 999]);
        assert!(tap.read(&mut stalled).records.is_empty());
    }

    #[test]
    fn a_new_reader_sees_the_latest_records_then_only_new_ones() {
        let tap = Tap::new(2);
        tap.push("a");
        tap.push("b");
        tap.push("c");
        let mut cursor = tap.cursor_at_oldest();
        let first = tap.read(&mut cursor);
        assert_eq!((first.records.len(), first.skipped), (2, 0));
        tap.push("d");
        let next = tap.read(&mut cursor);
        assert_eq!(*next.records[0], "d");
        assert_eq!(next.skipped, 0);
    }

    #[tokio::test]
    async fn next_wakes_on_a_push() {
        let tap = Tap::new(4);
        let mut cursor = tap.cursor_at_oldest();
        let pusher = tap.clone();
        let waiting = tokio::spawn(async move { tap.next(&mut cursor).await.records.len() });
        tokio::task::yield_now().await;
        pusher.push(1);
        assert_eq!(waiting.await.unwrap(), 1);
    }
}
