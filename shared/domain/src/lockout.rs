//! Login throttling: failed logins are counted per account and per client IP in fixed windows; once a
//! count reaches its limit, logins for that key are refused until the window ends.
//!
//! Counting in fixed windows makes each failure one atomic increment of one record (no read-modify-write
//! race), and the lock lifts by itself. Keys are built for *any* login name typed, existing or not, so a
//! lockout says nothing about whether an account exists.
//!
//! Under concurrency a count read before checking a password says nothing about the attempts already
//! in flight, so an attempt *reserves* its slot before the password is checked: one conditional
//! increment per key that succeeds only while the count is below the limit ([`Attempt`] gives the
//! order). Parallel attempts therefore check at most `account_limit` passwords per account and
//! `ip_limit` per IP in a window, however many arrive at once. A failed check keeps its slot (it is the
//! recorded failure); a successful one gives the slots back.

use time::{Duration, OffsetDateTime};

/// Limits and window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockPolicy {
    /// Window length.
    pub window: Duration,
    /// Failures per account per window before locking.
    pub account_limit: u32,
    /// Failures per IP per window before locking (higher: many users can share an IP).
    pub ip_limit: u32,
}

impl Default for LockPolicy {
    fn default() -> Self {
        Self {
            window: Duration::minutes(15),
            account_limit: 5,
            ip_limit: 20,
        }
    }
}

/// What is being throttled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockSubject<'a> {
    /// A (normalised) login name.
    Account(&'a str),
    /// A client IP address.
    Ip(&'a str),
}

impl LockPolicy {
    fn window_index(&self, now: OffsetDateTime) -> i64 {
        let secs = self.window.whole_seconds().max(1);
        now.unix_timestamp().div_euclid(secs)
    }

    /// The counter key for `subject` in the window containing `now`.
    pub fn key(&self, subject: LockSubject<'_>, now: OffsetDateTime) -> String {
        let w = self.window_index(now);
        match subject {
            LockSubject::Account(login) => format!("acct#{w}#{login}"),
            LockSubject::Ip(ip) => format!("ip#{w}#{ip}"),
        }
    }

    /// When the current window ends (the counter's expiry and the end of any lock in it).
    pub fn window_end(&self, now: OffsetDateTime) -> OffsetDateTime {
        let secs = self.window.whole_seconds().max(1);
        OffsetDateTime::from_unix_timestamp((self.window_index(now) + 1) * secs).unwrap_or(now + self.window)
    }

    /// Whether counts of `account` and `by_ip` failures lock further logins.
    pub fn locks(&self, account: u32, by_ip: u32) -> bool {
        account >= self.account_limit || by_ip >= self.ip_limit
    }

    /// The failure limit for a subject kind.
    pub fn limit(&self, subject: LockSubject<'_>) -> u32 {
        match subject {
            LockSubject::Account(_) => self.account_limit,
            LockSubject::Ip(_) => self.ip_limit,
        }
    }
}

/// The steps of one login attempt against the two counters, in order. The caller runs them against the
/// lockout store; keeping the order here keeps the rule in one place.
///
/// 1. Reserve a slot on the account key; if the account is at its limit, refuse (locked) having written
///    nothing.
/// 2. Reserve a slot on the IP key; if the IP is at its limit, give the account slot back and refuse.
/// 3. Check the password. Wrong: both slots stay, they are the recorded failure. Right: clear the
///    account's failures and give the IP slot back (a success is not a failure of the address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Both slots are reserved with these counts (including this attempt): check the password.
    Check {
        /// The account's count after the reservation.
        account: u32,
        /// The IP's count after the reservation.
        by_ip: u32,
    },
    /// A limit is reached: refuse without checking the password.
    Locked,
}

impl Attempt {
    /// The outcome of the two reservations (`None`: that key was at its limit).
    pub fn of(account: Option<u32>, by_ip: Option<u32>) -> Attempt {
        match (account, by_ip) {
            (Some(account), Some(by_ip)) => Attempt::Check { account, by_ip },
            _ => Attempt::Locked,
        }
    }

    /// Whether a wrong password in this attempt leaves the subject locked: the reply then says
    /// "locked" at once, as it would for the next attempt.
    pub fn locks_when_wrong(&self, policy: &LockPolicy) -> bool {
        match *self {
            Attempt::Check { account, by_ip } => policy.locks(account, by_ip),
            Attempt::Locked => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_change_with_the_window_and_locks_end_with_it() {
        let p = LockPolicy::default();
        let t = OffsetDateTime::from_unix_timestamp(900 * 10 + 5).unwrap();
        assert_eq!(p.key(LockSubject::Account("a"), t), "acct#10#a");
        assert_eq!(
            p.key(LockSubject::Ip("1.2.3.4"), t + Duration::minutes(15)),
            "ip#11#1.2.3.4"
        );
        assert_eq!(p.window_end(t).unix_timestamp(), 900 * 11);
    }

    #[test]
    fn an_attempt_is_checked_only_with_both_slots_and_locks_at_the_limit() {
        let p = LockPolicy::default();
        assert_eq!(
            Attempt::of(Some(1), Some(1)),
            Attempt::Check { account: 1, by_ip: 1 }
        );
        assert_eq!(Attempt::of(None, Some(1)), Attempt::Locked);
        assert_eq!(Attempt::of(Some(1), None), Attempt::Locked);
        assert!(!Attempt::of(Some(4), Some(19)).locks_when_wrong(&p));
        assert!(Attempt::of(Some(5), Some(1)).locks_when_wrong(&p));
        assert!(Attempt::of(Some(1), Some(20)).locks_when_wrong(&p));
        assert!(Attempt::Locked.locks_when_wrong(&p));
    }
}
