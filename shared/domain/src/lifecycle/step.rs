//! Timed lifecycle steps: the work the control plane does later, by itself — settling a transient
//! state, auto-stopping after the encoder left, starting or ending at the scheduled time, reacting to a
//! stream status change.
//!
//! A [`Step`] is plain data and is also the payload every step function receives (from EventBridge
//! Scheduler's target input, an SQS message body, or the embedded scheduler), so it serialises to a small
//! JSON object. Every step is idempotent: it re-reads the record and acts only if the record is still
//! at the `version` the step was planned for (or still satisfies the rule), so a duplicate, late or
//! superseded delivery changes nothing.

use crate::ids::UserId;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// What a step does. The wire spelling is also the schedule-name prefix and, after `lifecycle-`, the
/// step function's name in the registry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepKind {
    /// Completes `testStarting → testing` or `liveStarting → live` (sub-minute: never via Scheduler).
    Settle,
    /// Completes a live auto-stop broadcast whose stream stayed inactive for the auto-stop delay.
    AutoStop,
    /// Starts an auto-start broadcast with `onairStartAtScheduledTime` at its scheduled start.
    ScheduledStart,
    /// Completes a live broadcast with `onairStopAtScheduledEndTime` at its scheduled end.
    ScheduledEnd,
    /// A stream's status changed (ingest): evaluates auto-start and plans auto-stop for the broadcasts
    /// bound to it (sub-minute: due at once).
    StreamChanged,
}

impl StepKind {
    /// Every kind.
    pub const ALL: &'static [StepKind] = &[
        StepKind::Settle,
        StepKind::AutoStop,
        StepKind::ScheduledStart,
        StepKind::ScheduledEnd,
        StepKind::StreamChanged,
    ];

    /// The wire spelling (`auto-stop`).
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Settle => "settle",
            StepKind::AutoStop => "auto-stop",
            StepKind::ScheduledStart => "scheduled-start",
            StepKind::ScheduledEnd => "scheduled-end",
            StepKind::StreamChanged => "stream-changed",
        }
    }

    /// The registry name of the function that performs this step.
    pub fn function_name(self) -> &'static str {
        match self {
            StepKind::Settle => "lifecycle-settle",
            StepKind::AutoStop => "lifecycle-auto-stop",
            StepKind::ScheduledStart => "lifecycle-scheduled-start",
            StepKind::ScheduledEnd => "lifecycle-scheduled-end",
            StepKind::StreamChanged => "lifecycle-stream-changed",
        }
    }

    /// Whether the step must run within seconds of its due time. EventBridge Scheduler fires within
    /// the minute after the scheduled time, so these go through a delay queue instead.
    pub fn is_sub_minute(self) -> bool {
        matches!(self, StepKind::Settle | StepKind::StreamChanged)
    }
}

impl std::fmt::Display for StepKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One planned step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Step {
    /// What to do.
    pub kind: StepKind,
    /// The owner of the record acted on (records are addressed through their owner).
    pub owner: UserId,
    /// The broadcast id (the stream id for [`StepKind::StreamChanged`]).
    pub target: String,
    /// The record's version when the step was planned; the step acts only if the record has not moved
    /// on in a way that makes it moot (each step function documents its exact rule).
    pub version: u64,
    /// When the step is due.
    #[serde(with = "super::wire::rfc3339")]
    pub due: OffsetDateTime,
}

impl Step {
    /// The name of the one pending step of this kind for this target: planning it again moves it,
    /// cancelling removes it. At most 64 characters of `[0-9A-Za-z_.-]` (Scheduler's name rule), as
    /// ids are.
    pub fn name(&self) -> String {
        Self::name_of(self.kind, &self.target)
    }

    /// The schedule name for `kind` and `target` (see [`Step::name`]).
    pub fn name_of(kind: StepKind, target: &str) -> String {
        format!("{}.{target}", kind.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step() -> Step {
        Step {
            kind: StepKind::AutoStop,
            owner: UserId::parse("u1").expect("id"),
            target: "b1".into(),
            version: 7,
            due: time::macros::datetime!(2026-11-30 10:00:05 UTC),
        }
    }

    #[test]
    fn a_step_round_trips_through_its_json_payload() {
        let json = serde_json::to_value(step()).expect("json");
        assert_eq!(
            json,
            serde_json::json!({"kind":"auto-stop","owner":"u1","target":"b1","version":7,"due":"2026-11-30T10:00:05Z"})
        );
        assert_eq!(serde_json::from_value::<Step>(json).expect("parse"), step());
    }

    #[test]
    fn unknown_fields_and_kinds_are_refused() {
        let mut json = serde_json::to_value(step()).expect("json");
        json["extra"] = 1.into();
        assert!(serde_json::from_value::<Step>(json).is_err());
        let mut json = serde_json::to_value(step()).expect("json");
        json["kind"] = "explode".into();
        assert!(serde_json::from_value::<Step>(json).is_err());
    }

    #[test]
    fn names_are_per_kind_and_target_and_fit_schedulers_rule() {
        assert_eq!(step().name(), "auto-stop.b1");
        for kind in StepKind::ALL {
            let name = Step::name_of(*kind, &"x".repeat(32));
            assert!(name.len() <= 64, "{name}");
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            );
            assert!(kind.function_name().starts_with("lifecycle-"));
        }
        assert!(StepKind::Settle.is_sub_minute() && !StepKind::AutoStop.is_sub_minute());
    }
}
