//! What a secret holds: the current value and, during rotation overlaps, the earlier values each with
//! its own deadline.
//!
//! A rotation promises the caller that the value it replaced keeps working until a stated instant. A
//! second rotation inside that window must not break the promise, so every earlier value keeps its
//! own deadline: the newest in `previous`/`previousUntil` (the document shape the signing key and
//! older deployments use), earlier ones in `older`. The list is bounded by [`MAX_PREVIOUS`], and
//! [`ClientSecret::rotation`] decides whether a rotation may happen at all.

use onair_domain::SecretString;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// At most this many earlier values are accepted at once; a rotation that would keep a sixth is
/// refused, even when forced, so a loop of forced rotations cannot grow the document without bound.
pub const MAX_PREVIOUS: usize = 5;

/// A secret's versions. Stored as this JSON in one Secrets Manager value, so one read returns all of
/// them and a rotation is one atomic write.
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
    /// Values from earlier rotations whose own windows were still open when they were pushed back,
    /// newest first. Absent from documents written before this list existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub older: Vec<PreviousSecret>,
}

/// An earlier value and the instant it stops being accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PreviousSecret {
    /// The value.
    pub value: SecretString,
    /// Accepted strictly before this instant.
    #[serde(with = "time::serde::rfc3339")]
    pub until: OffsetDateTime,
}

/// Whether a rotation may start while an earlier value is still inside its overlap window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RotationPolicy {
    /// Refuse while any earlier value is still accepted (the admin API's default).
    RefuseDuringOverlap,
    /// Rotate anyway, keeping every earlier value until its own deadline (up to [`MAX_PREVIOUS`]).
    Force,
}

/// Why a rotation was refused; the message is safe to show (it holds no value).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RotationRefused {
    /// An earlier value is still accepted and the rotation was not forced.
    #[error(
        "a rotation overlap is running until {until}; rotate again after it ends, or send \"force\": true \
         to keep the earlier secrets until their own deadlines"
    )]
    OverlapRunning {
        /// When the last running overlap ends (RFC 3339).
        until: String,
    },
    /// Keeping the current value would make more than [`MAX_PREVIOUS`] earlier values live.
    #[error(
        "{MAX_PREVIOUS} earlier secrets are still inside their overlap windows (the last ends {until}); \
         wait for one to end, or rotate with overlapSeconds 0"
    )]
    TooManyPrevious {
        /// When the last running overlap ends (RFC 3339).
        until: String,
    },
}

impl ClientSecret {
    /// A fresh secret with no previous value.
    pub fn new(current: SecretString) -> Self {
        Self {
            current,
            previous: None,
            previous_until: None,
            rotated_for: None,
            older: Vec::new(),
        }
    }

    /// Every earlier value with its deadline, newest first, expired ones included.
    pub fn earlier(&self) -> impl Iterator<Item = (&SecretString, OffsetDateTime)> {
        let previous = match (&self.previous, self.previous_until) {
            (Some(value), Some(until)) => Some((value, until)),
            _ => None,
        };
        previous
            .into_iter()
            .chain(self.older.iter().map(|p| (&p.value, p.until)))
    }

    /// The earlier values still accepted at `now`, newest first.
    pub fn live_earlier(&self, now: OffsetDateTime) -> impl Iterator<Item = (&SecretString, OffsetDateTime)> {
        self.earlier().filter(move |(_, until)| now < *until)
    }

    /// The secret after rotating to `next`: the current value becomes `previous` until
    /// `previous_until`, and the old `previous` moves to the front of `older`. Nothing is dropped or
    /// checked; [`ClientSecret::rotation`] is the checked form.
    pub fn rotated(&self, next: SecretString, previous_until: OffsetDateTime) -> Self {
        let mut older = self.older.clone();
        if let (Some(value), Some(until)) = (&self.previous, self.previous_until) {
            older.insert(
                0,
                PreviousSecret {
                    value: value.clone(),
                    until,
                },
            );
        }
        Self {
            current: next,
            previous: Some(self.current.clone()),
            previous_until: Some(previous_until),
            rotated_for: None,
            older,
        }
    }

    /// The checked rotation at `now`: expired earlier values are dropped, the policy is applied, and
    /// the current value is kept until `previous_until` unless that is not after `now` (no overlap).
    pub fn rotation(
        &self,
        next: SecretString,
        now: OffsetDateTime,
        previous_until: OffsetDateTime,
        policy: RotationPolicy,
    ) -> Result<Self, RotationRefused> {
        let live: Vec<PreviousSecret> = self
            .live_earlier(now)
            .map(|(value, until)| PreviousSecret {
                value: value.clone(),
                until,
            })
            .collect();
        let last_end = live.iter().map(|p| p.until).max();
        if let Some(until) = last_end {
            let until = rfc3339(until);
            if policy == RotationPolicy::RefuseDuringOverlap {
                return Err(RotationRefused::OverlapRunning { until });
            }
            if previous_until > now && live.len() >= MAX_PREVIOUS {
                return Err(RotationRefused::TooManyPrevious { until });
            }
        }
        let mut earlier = live.into_iter();
        let pruned = match earlier.next() {
            Some(newest) => Self {
                current: self.current.clone(),
                previous: Some(newest.value),
                previous_until: Some(newest.until),
                rotated_for: self.rotated_for,
                older: earlier.collect(),
            },
            None => Self::new(self.current.clone()),
        };
        if previous_until > now {
            Ok(pruned.rotated(next, previous_until))
        } else {
            // No overlap: the replaced value stops at once, so there is nothing to keep.
            Ok(Self {
                current: next,
                ..pruned
            })
        }
    }

    /// Whether `presented` is the current value, or an earlier one inside its own window. Every
    /// comparison runs, in constant time, so timing reveals nothing about which (if any) matched.
    pub fn accepts(&self, presented: &str, now: OffsetDateTime) -> bool {
        self.earlier()
            .fold(self.current.matches(presented), |ok, (value, until)| {
                ok | (value.matches(presented) & (now < until))
            })
    }
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| at.to_string())
}

/// A successful rotation: the document it started from and the one it wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotated {
    /// The stored document the rotation was computed from (what an undo writes back).
    pub before: ClientSecret,
    /// The document written.
    pub after: ClientSecret,
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

    const T0: OffsetDateTime = OffsetDateTime::UNIX_EPOCH;

    fn s(v: &str) -> SecretString {
        SecretString::new(v)
    }

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
        let s = s.rotated(SecretString::new("c"), t0 + Duration::hours(1));
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.contains("\"older\":[{\"value\":\"a\""), "{json}");
        assert_eq!(serde_json::from_str::<ClientSecret>(&json).unwrap(), s);
    }

    #[test]
    fn documents_without_older_values_are_read_and_written_unchanged() {
        // The shape written before `older` existed, and still the signing key's shape.
        let legacy = r#"{"current":"b","previous":"a","previousUntil":"1970-01-01T01:00:00Z"}"#;
        let doc: ClientSecret = serde_json::from_str(legacy).unwrap();
        assert!(doc.accepts("a", T0) && doc.accepts("b", T0));
        assert!(doc.older.is_empty());
        assert_eq!(serde_json::to_string(&doc).unwrap(), legacy);
        let bare: ClientSecret = serde_json::from_str(r#"{"current":"x"}"#).unwrap();
        assert_eq!(bare, ClientSecret::new(s("x")));
    }

    #[test]
    fn rotation_during_an_overlap_is_refused_unless_forced() {
        let one = ClientSecret::new(s("v0"))
            .rotation(
                s("v1"),
                T0,
                T0 + Duration::hours(1),
                RotationPolicy::RefuseDuringOverlap,
            )
            .unwrap();
        let later = T0 + Duration::minutes(10);
        let refused = one
            .rotation(
                s("v2"),
                later,
                later + Duration::hours(1),
                RotationPolicy::RefuseDuringOverlap,
            )
            .unwrap_err();
        assert!(matches!(refused, RotationRefused::OverlapRunning { .. }));
        assert!(refused.to_string().contains("force") && !refused.to_string().contains("v0"));
        let forced = one
            .rotation(s("v2"), later, later + Duration::hours(1), RotationPolicy::Force)
            .unwrap();
        assert!(forced.accepts("v0", T0 + Duration::hours(1) - Duration::seconds(1)));
        assert!(!forced.accepts("v0", T0 + Duration::hours(1)));
        assert!(forced.accepts("v1", later + Duration::hours(1) - Duration::seconds(1)));
        assert!(!forced.accepts("v1", later + Duration::hours(1)));
        assert!(forced.accepts("v2", T0 + Duration::days(400)));
        // After the overlap a plain rotation goes through, and the expired value is dropped.
        let after = one
            .rotation(
                s("v2"),
                T0 + Duration::hours(1),
                T0 + Duration::hours(2),
                RotationPolicy::RefuseDuringOverlap,
            )
            .unwrap();
        assert_eq!(after.earlier().count(), 1);
        assert!(!after.accepts("v0", T0 + Duration::hours(1)));
    }

    #[test]
    fn at_most_five_earlier_values_live_at_once() {
        let mut secret = ClientSecret::new(s("v0"));
        for n in 1..=5 {
            let now = T0 + Duration::minutes(n);
            secret = secret
                .rotation(
                    s(&format!("v{n}")),
                    now,
                    now + Duration::hours(1),
                    RotationPolicy::Force,
                )
                .unwrap();
        }
        assert_eq!(secret.live_earlier(T0 + Duration::minutes(5)).count(), 5);
        let now = T0 + Duration::minutes(6);
        let refused = secret
            .rotation(s("v6"), now, now + Duration::hours(1), RotationPolicy::Force)
            .unwrap_err();
        assert!(matches!(refused, RotationRefused::TooManyPrevious { .. }));
        // Without an overlap nothing is added, so the rotation fits.
        let zero = secret.rotation(s("v6"), now, now, RotationPolicy::Force).unwrap();
        assert!(!zero.accepts("v5", now));
        assert!(zero.accepts("v4", now) && zero.accepts("v0", now) && zero.accepts("v6", now));
    }

    #[test]
    fn rotation_without_overlap_drops_the_replaced_value_and_is_never_blocked_by_itself() {
        let one = ClientSecret::new(s("v0"))
            .rotation(s("v1"), T0, T0, RotationPolicy::RefuseDuringOverlap)
            .unwrap();
        assert_eq!(one, ClientSecret::new(s("v1")));
        let two = one
            .rotation(s("v2"), T0, T0, RotationPolicy::RefuseDuringOverlap)
            .unwrap();
        assert_eq!(two, ClientSecret::new(s("v2")));
    }
}
