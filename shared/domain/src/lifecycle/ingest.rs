//! The stream status machine (spec §8), driven by ingest events rather than API calls.
//!
//! Events come from a small port (nginx-rtmp's `on_publish`, `on_publish_done`, `on_update` today; SRS
//! hooks or IVS stream-state events later) already translated to [`IngestEvent`]. Decisions on gap 11:
//! - publishing starts: `ready`/`inactive`/`error`/`created` → `active`, health `good` (nothing judged
//!   bad yet);
//! - publishing stops: `active`/`error` → `inactive`, health `noData`; a stop for a stream that is not
//!   publishing is a late or duplicate callback and changes nothing;
//! - a periodic update while `active` sets health from the report: no bytes since the last report is
//!   `noData` (the publisher is connected but silent), otherwise the worst issue severity decides
//!   (`error` → `bad`, `warning` → `ok`, else `good`); an update for a stream that is not `active` is
//!   ignored, so a callback racing `on_publish_done` cannot resurrect it;
//! - an ingest failure moves any status to `error` with health `bad`; the next publish recovers.
//!
//! `became_active`/`became_inactive` tell the caller when to run auto-start or schedule auto-stop.

use super::resource::unix_seconds;
use super::stream::{ConfigurationIssue, StreamHealth, StreamStatusPart};
use super::wire::{HealthStatus, IssueSeverity, StreamStatus};
use time::OffsetDateTime;

/// What the ingest reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngestEvent {
    /// An encoder started publishing with this stream's key.
    PublishStarted,
    /// The encoder stopped publishing.
    PublishStopped,
    /// A periodic report while publishing.
    Update(HealthReport),
    /// The ingest failed for this stream.
    Failed,
}

impl IngestEvent {
    /// One of each kind, for exhaustive tests and documentation.
    pub fn samples() -> Vec<IngestEvent> {
        vec![
            IngestEvent::PublishStarted,
            IngestEvent::PublishStopped,
            IngestEvent::Update(HealthReport::default()),
            IngestEvent::Failed,
        ]
    }
}

/// A periodic ingest report.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HealthReport {
    /// Bytes received since the previous report.
    pub bytes_since_last: u64,
    /// Issues the ingest detected.
    pub issues: Vec<ConfigurationIssue>,
}

/// The result of applying an ingest event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamChange {
    /// The stream's new `status` part.
    pub status: StreamStatusPart,
    /// Whether anything changed (nothing to write otherwise).
    pub changed: bool,
    /// The stream just became `active` (run auto-start for bound broadcasts).
    pub became_active: bool,
    /// The stream just stopped being `active` (schedule auto-stop for bound broadcasts).
    pub became_inactive: bool,
}

/// The health summary a set of issues implies.
pub fn health_of(issues: &[ConfigurationIssue]) -> HealthStatus {
    let worst = issues.iter().map(|i| i.severity).max_by_key(|s| match s {
        IssueSeverity::Info => 0,
        IssueSeverity::Warning => 1,
        IssueSeverity::Error => 2,
    });
    match worst {
        Some(IssueSeverity::Error) => HealthStatus::Bad,
        Some(IssueSeverity::Warning) => HealthStatus::Ok,
        _ => HealthStatus::Good,
    }
}

/// Applies `event` to a stream whose status part is `current`.
pub fn apply(current: &StreamStatusPart, event: &IngestEvent, now: OffsetDateTime) -> StreamChange {
    use StreamStatus as S;
    let was = current.stream_status;
    let next: Option<(S, HealthStatus, Vec<ConfigurationIssue>)> = match event {
        IngestEvent::PublishStarted => match was {
            S::Active => None,
            _ => Some((S::Active, HealthStatus::Good, Vec::new())),
        },
        IngestEvent::PublishStopped => match was {
            S::Active | S::Error => Some((S::Inactive, HealthStatus::NoData, Vec::new())),
            _ => None,
        },
        IngestEvent::Update(report) => match was {
            S::Active if report.bytes_since_last == 0 => {
                Some((S::Active, HealthStatus::NoData, report.issues.clone()))
            }
            S::Active => Some((S::Active, health_of(&report.issues), report.issues.clone())),
            _ => None,
        },
        IngestEvent::Failed => Some((S::Error, HealthStatus::Bad, Vec::new())),
    };
    let Some((status, health, issues)) = next else {
        return StreamChange {
            status: current.clone(),
            changed: false,
            became_active: false,
            became_inactive: false,
        };
    };
    let health_same =
        current.health_status.status == health && current.health_status.configuration_issues == issues;
    let changed = status != was || !health_same;
    let last_update = if health_same {
        current.health_status.last_update_time_seconds
    } else {
        unix_seconds(now)
    };
    StreamChange {
        status: StreamStatusPart {
            stream_status: status,
            health_status: StreamHealth {
                status: health,
                last_update_time_seconds: last_update,
                configuration_issues: issues,
            },
        },
        changed,
        became_active: was != S::Active && status == S::Active,
        became_inactive: was == S::Active && status != S::Active,
    }
}
