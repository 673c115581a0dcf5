//! What a secret holds: the current value and, during a rotation overlap, the previous one.

use onair_domain::SecretString;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A secret's versions. Stored as this JSON in one Secrets Manager value, so one read returns both and a
/// rotation is one atomic write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ClientSecret {
    /// The value issued last.
    pub current: SecretString,
    /// The value before the last rotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<SecretString>,
    /// Until when `previous` is still accepted.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub previous_until: Option<OffsetDateTime>,
    /// The scheduled run that wrote this value (signing-key rotation only): a delivery of that run or
    /// an older one finds it here and does nothing, so duplicate deliveries rotate once.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub rotated_for: Option<OffsetDateTime>,
}

impl ClientSecret {
    /// A fresh secret with no previous value.
    pub fn new(current: SecretString) -> Self {
        Self {
            current,
            previous: None,
            previous_until: None,
            rotated_for: None,
        }
    }

    /// The secret after rotating to `next`, keeping the current value until `previous_until`.
    pub fn rotated(&self, next: SecretString, previous_until: OffsetDateTime) -> Self {
        Self {
            current: next,
            previous: Some(self.current.clone()),
            previous_until: Some(previous_until),
            rotated_for: None,
        }
    }

    /// Whether `presented` is the current value, or the previous one inside its overlap window.
    /// Both comparisons always run, in constant time, so timing reveals nothing about which matched.
    pub fn accepts(&self, presented: &str, now: OffsetDateTime) -> bool {
        let current = self.current.matches(presented);
        let previous = match (&self.previous, self.previous_until) {
            (Some(prev), Some(until)) => prev.matches(presented) & (now < until),
            _ => false,
        };
        current | previous
    }
}

/// A secret as read from a store, with when it was fetched from the backing service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSecret {
    /// The versions.
    pub secret: ClientSecret,
    /// When this copy was read from the backing service (equal to the read time for uncached stores).
    pub fetched_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Duration;

    #[test]
    fn previous_value_works_only_inside_the_overlap() {
        let t0 = OffsetDateTime::UNIX_EPOCH;
        let s = ClientSecret::new(SecretString::new("old"))
            .rotated(SecretString::new("new"), t0 + Duration::hours(1));
        assert!(s.accepts("new", t0));
        assert!(s.accepts("old", t0));
        assert!(!s.accepts("old", t0 + Duration::hours(1)));
        assert!(s.accepts("new", t0 + Duration::days(9)));
        assert!(!s.accepts("other", t0));
    }

    #[test]
    fn serialised_form_round_trips() {
        let t0 = OffsetDateTime::UNIX_EPOCH;
        let s = ClientSecret::new(SecretString::new("a")).rotated(SecretString::new("b"), t0);
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<ClientSecret>(&json).unwrap(), s);
    }
}
