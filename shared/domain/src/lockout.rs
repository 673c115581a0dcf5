//! Login throttling: failed logins are counted per account and per client IP in fixed windows; once a
//! count reaches its limit, logins for that key are refused until the window ends.
//!
//! Counting in fixed windows makes each failure one atomic increment of one record (no read-modify-write
//! race), and the lock lifts by itself. Keys are built for *any* login name typed, existing or not, so a
//! lockout says nothing about whether an account exists.

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

    /// The failure limit for a subject kind.
    pub fn limit(&self, subject: LockSubject<'_>) -> u32 {
        match subject {
            LockSubject::Account(_) => self.account_limit,
            LockSubject::Ip(_) => self.ip_limit,
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
}
