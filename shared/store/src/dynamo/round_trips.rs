//! A shared counter of requests sent to an AWS service.
//!
//! Latency on Lambda is dominated by round trips, so tests and benchmarks assert how many requests each
//! store operation makes (one for a channel `get`, none for a warm secret `get`). Adapters bump the
//! counter at the single place they send a request, so the number cannot drift from the code.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Number of requests sent so far, and how many of them were `TransactWriteItems`; clones share
/// the counts.
#[derive(Debug, Clone, Default)]
pub struct RoundTrips(Arc<AtomicU64>, Arc<AtomicU64>);

impl RoundTrips {
    /// Requests sent since creation or the last [`RoundTrips::reset`].
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// `TransactWriteItems` requests among them.
    pub fn transactions(&self) -> u64 {
        self.1.load(Ordering::Relaxed)
    }

    /// Starts counting from zero again.
    pub fn reset(&self) {
        self.0.store(0, Ordering::Relaxed);
        self.1.store(0, Ordering::Relaxed);
    }

    /// Counts one request about to be sent.
    pub(crate) fn record(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts one `TransactWriteItems` request (also counted by [`RoundTrips::record`]).
    pub(crate) fn record_transaction(&self) {
        self.1.fetch_add(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_one_count() {
        let a = RoundTrips::default();
        let b = a.clone();
        a.record();
        b.record();
        b.record_transaction();
        assert_eq!(a.get(), 2);
        assert_eq!(a.transactions(), 1);
        b.reset();
        assert_eq!(a.get(), 0);
        assert_eq!(a.transactions(), 0);
    }
}
