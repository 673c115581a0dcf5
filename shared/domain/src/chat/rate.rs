//! The per-author message rate limit: a token bucket as a pure function over a small state.
//!
//! A bucket holds up to `capacity` messages and regains one every `refill_interval` (by default a
//! burst of 5, then 1 message/s). Credit is counted in nanoseconds of refill time, as integers, so no
//! rounding drifts. The store keeps one [`RateState`] per (chat, author) and writes back what
//! [`RateLimit::take`] returns; a refused take changes nothing.
//!
//! A clock that goes backwards (another instance's clock slightly behind) never grants credit: elapsed
//! time counts as zero and the state keeps the later instant, so time is not counted twice when the
//! clock catches up.

use std::time::Duration;

use time::OffsetDateTime;

use super::error::ChatError;

/// The limit's parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Most messages in a burst (at least 1 is used).
    pub capacity: u32,
    /// Time to regain one message (at least 1 ns is used).
    pub refill_interval: Duration,
}

impl Default for RateLimit {
    /// A burst of 5, then one message per second.
    fn default() -> Self {
        Self {
            capacity: 5,
            refill_interval: Duration::from_secs(1),
        }
    }
}

/// One author's bucket in one chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateState {
    /// Credit left, in nanoseconds of refill time (one message costs one `refill_interval`).
    pub credit_nanos: u64,
    /// The latest instant the credit was computed at.
    pub updated_at: OffsetDateTime,
}

/// A refusal: the author may post again after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

impl From<RetryAfter> for ChatError {
    fn from(retry: RetryAfter) -> Self {
        ChatError::RateLimited(retry.0)
    }
}

impl RateLimit {
    fn cost_nanos(&self) -> u64 {
        u64::try_from(self.refill_interval.as_nanos())
            .unwrap_or(u64::MAX)
            .max(1)
    }

    fn capacity_nanos(&self) -> u64 {
        self.cost_nanos().saturating_mul(u64::from(self.capacity.max(1)))
    }

    /// Spends one message from `state` at `now` (`None`: the author's first message, a full bucket).
    /// Returns the state to store, or how long to wait.
    pub fn take(&self, state: Option<RateState>, now: OffsetDateTime) -> Result<RateState, RetryAfter> {
        let cost = self.cost_nanos();
        let capacity = self.capacity_nanos();
        let (credit, updated_at) = match state {
            None => (capacity, now),
            Some(state) => {
                let elapsed =
                    u64::try_from((now - state.updated_at).whole_nanoseconds().max(0)).unwrap_or(u64::MAX);
                (
                    state.credit_nanos.saturating_add(elapsed).min(capacity),
                    state.updated_at.max(now),
                )
            }
        };
        if credit >= cost {
            Ok(RateState {
                credit_nanos: credit - cost,
                updated_at,
            })
        } else {
            // A backwards clock leaves `updated_at` ahead of `now`; the wait then includes that gap.
            let ahead = u64::try_from((updated_at - now).whole_nanoseconds().max(0)).unwrap_or(u64::MAX);
            Err(RetryAfter(Duration::from_nanos(
                (cost - credit).saturating_add(ahead),
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-11-30 08:00 UTC);

    fn burst(limit: &RateLimit, n: usize, at: OffsetDateTime) -> Option<RateState> {
        burst_from(limit, None, n, at)
    }

    #[test]
    fn a_burst_of_five_passes_and_the_sixth_is_refused_for_one_second() {
        let limit = RateLimit::default();
        let state = burst(&limit, 5, T0);
        assert_eq!(limit.take(state, T0), Err(RetryAfter(Duration::from_secs(1))));
    }

    #[test]
    fn one_message_is_regained_per_second() {
        let limit = RateLimit::default();
        let state = burst(&limit, 5, T0);
        let half = T0 + time::Duration::milliseconds(500);
        assert_eq!(
            limit.take(state, half),
            Err(RetryAfter(Duration::from_millis(500)))
        );
        let later = T0 + time::Duration::seconds(1);
        let state = limit.take(state, later);
        assert!(state.is_ok());
        assert!(limit.take(state.ok(), later).is_err());
    }

    #[test]
    fn a_sustained_rate_of_one_per_second_is_never_refused() {
        let limit = RateLimit::default();
        let mut state = burst(&limit, 5, T0);
        for s in 1..=20 {
            state = limit.take(state, T0 + time::Duration::seconds(s)).ok();
            assert!(state.is_some(), "second {s}");
        }
    }

    #[test]
    fn refill_stops_at_capacity_after_a_long_silence() {
        let limit = RateLimit::default();
        let state = burst(&limit, 5, T0);
        let later = T0 + time::Duration::hours(1);
        let state = burst_from(&limit, state, 5, later);
        assert!(limit.take(state, later).is_err());
    }

    fn burst_from(
        limit: &RateLimit,
        mut state: Option<RateState>,
        n: usize,
        at: OffsetDateTime,
    ) -> Option<RateState> {
        for _ in 0..n {
            state = limit.take(state, at).ok();
            assert!(state.is_some());
        }
        state
    }

    #[test]
    fn a_clock_going_backwards_grants_no_credit() {
        let limit = RateLimit::default();
        let state = burst(&limit, 5, T0);
        let earlier = T0 - time::Duration::seconds(30);
        // Refused, and the wait covers the one-second refill plus the 30 s the clock is behind.
        assert_eq!(
            limit.take(state, earlier),
            Err(RetryAfter(Duration::from_secs(31)))
        );
    }

    #[test]
    fn time_is_not_counted_twice_after_the_clock_goes_back_and_forth() {
        let limit = RateLimit::default();
        // Four taken at T0, one left; a take at an earlier instant keeps T0 as the reference.
        let state = burst(&limit, 4, T0);
        let state = limit.take(state, T0 - time::Duration::seconds(10)).ok();
        assert_eq!(state.map(|s| s.updated_at), Some(T0));
        // Back at T0 + 1 s only one message has been regained.
        let t1 = T0 + time::Duration::seconds(1);
        let state = limit.take(state, t1).ok();
        assert!(state.is_some());
        assert!(limit.take(state, t1).is_err());
    }

    #[test]
    fn parameters_are_honoured() {
        let limit = RateLimit {
            capacity: 2,
            refill_interval: Duration::from_millis(250),
        };
        let state = burst(&limit, 2, T0);
        assert_eq!(limit.take(state, T0), Err(RetryAfter(Duration::from_millis(250))));
        assert!(limit.take(state, T0 + time::Duration::milliseconds(250)).is_ok());
    }

    #[test]
    fn a_zero_capacity_still_allows_one_message() {
        let limit = RateLimit {
            capacity: 0,
            refill_interval: Duration::from_secs(1),
        };
        let state = burst(&limit, 1, T0);
        assert!(limit.take(state, T0).is_err());
    }

    #[test]
    fn a_refusal_maps_to_youtube_rate_limit_reason() {
        let error = ChatError::from(RetryAfter(Duration::from_secs(1)));
        assert_eq!(error.reason(), "rateLimitExceeded");
    }
}
