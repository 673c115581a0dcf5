//! `videos.list` for broadcasts (spec §11, §13 stage 6) and the media plane's processing report.
//!
//! A broadcast's video has the broadcast's id; its upload and processing status are derived by
//! [`onair_domain::lifecycle::video`] from the broadcast and the one report the media plane sends
//! once the recording is processed (through the admin API or an EventBridge event; both call
//! [`report`]). The list reads the broadcasts and their reports in one request, plus, only when a
//! listed broadcast is live and `liveStreamingDetails` is asked for, one read of the live statistics.

use super::access::{id_list, list_response, max_results};
use crate::{AppError, AppState};
use onair_domain::lifecycle::error::{LifecycleError, Reason};
use onair_domain::lifecycle::video::{
    self, ProcessingOutcome, ReportDecision, ReportRefusal, VIDEO_LIST_KIND, VideoPart, VideoParts,
};
use onair_domain::{UserId, Violations};
use onair_store::{StoreError, StoredVideo};
use serde_json::Value;
use time::OffsetDateTime;

/// The query parameters of `videos.list` that onair serves, as sent (the HTTP layer has already
/// refused the others).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VideoListQuery {
    /// `part` (required).
    pub part: Option<String>,
    /// `id`: comma-separated video (= broadcast) ids, at most 50; the only filter served.
    pub id: Option<String>,
    /// `maxResults`: checked (0–50) and, as on YouTube with `id`, not used.
    pub max_results: Option<String>,
    /// `pageToken`: an `id` list has one page, so only an empty token is accepted.
    pub page_token: Option<String>,
}

/// `videos.list` with `id`: the caller's broadcasts among the ids, as videos; others' and unknown
/// ids are left out.
pub async fn list(state: &AppState, user: &UserId, q: &VideoListQuery) -> Result<Value, AppError> {
    let parts = VideoParts::parse(q.part.as_deref())?;
    max_results(q.max_results.as_deref())?;
    if q.page_token.as_deref().is_some_and(|t| !t.is_empty()) {
        return Err(
            LifecycleError::parameter(Reason::InvalidPageToken, "an id list has a single page").into(),
        );
    }
    let Some(raw_ids) = q.id.as_deref() else {
        return Err(LifecycleError::parameter(
            Reason::MissingRequiredParameter,
            "id is required: it is the only filter of videos.list onair serves",
        )
        .into());
    };
    let ids = id_list(raw_ids)?;
    let videos = if ids.is_empty() {
        Vec::new()
    } else {
        state.videos.get_many(user, &ids).await?
    };
    let mut broadcasts: Vec<_> = videos.iter().map(|v| v.broadcast.clone()).collect();
    if parts.contains(VideoPart::LiveStreamingDetails) {
        crate::live_stats::fill_concurrent_viewers(state, user, &mut broadcasts).await?;
    }
    let items: Vec<Value> = videos
        .iter()
        .zip(&broadcasts)
        .map(|(v, b)| {
            let viewers = b.broadcast.statistics.as_ref().map(|s| s.concurrent_viewers);
            video::render(&b.broadcast, v.processing.as_ref(), viewers, &parts)
        })
        .collect();
    let count = items.len();
    Ok(list_response(VIDEO_LIST_KIND, items, None, count))
}

/// A processing report of the media plane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    /// What processing gave.
    pub outcome: ProcessingOutcome,
    /// When processing ended, as the media plane says; its arrival when absent.
    pub at: Option<OffsetDateTime>,
}

/// What a report did.
#[derive(Debug, Clone)]
pub struct Reported {
    /// The video after the report.
    pub video: StoredVideo,
    /// `false` when the same report was already stored (a replay changes nothing).
    pub applied: bool,
}

/// Records the media plane's report on the owner's video: `NotFound("video")` for an unknown video
/// or another user's; `Conflict` when the broadcast is not `complete` or a different report is
/// stored; a replay of the stored report answers it with `applied: false`.
pub async fn report(
    state: &AppState,
    owner: &UserId,
    video_id: &str,
    report: Report,
) -> Result<Reported, AppError> {
    // Two rounds: a lost race is decided again on the winner's report (a replay or a conflict).
    for _ in 0..2 {
        let mut current = match state.videos.get(owner, video_id).await {
            Ok(video) => video,
            Err(StoreError::NotFound) => return Err(AppError::NotFound("video")),
            Err(other) => return Err(other.into()),
        };
        let decision = video::report(
            &current.broadcast.broadcast,
            current.processing.as_ref(),
            report.outcome,
            report.at,
            state.clock.now(),
        )
        .map_err(refused)?;
        let processing = match decision {
            ReportDecision::Replay(_) => {
                return Ok(Reported {
                    video: current,
                    applied: false,
                });
            }
            ReportDecision::Store(processing) => processing,
        };
        match state.videos.record(owner, &processing).await {
            Ok(()) => {
                current.processing = Some(processing);
                return Ok(Reported {
                    video: current,
                    applied: true,
                });
            }
            Err(StoreError::Conflict(_)) => continue,
            Err(StoreError::NotFound) => return Err(AppError::NotFound("video")),
            Err(other) => return Err(other.into()),
        }
    }
    Err(AppError::Conflict(
        "the video's processing report kept changing; retry".into(),
    ))
}

fn refused(refusal: ReportRefusal) -> AppError {
    match refusal {
        ReportRefusal::AtInTheFuture => AppError::Invalid(Violations::one("at", "must not be in the future")),
        other => AppError::Conflict(other.to_string()),
    }
}

/// A report as the media plane sends it (the admin body and the event's `detail` alike): `status`
/// `processed` or `failed`; `failureReason` (one of §11's) required with `failed` and refused with
/// `processed`; `at` an RFC 3339 date-time, optional. Every problem is listed.
pub fn parse_report(
    status: &str,
    failure_reason: Option<&str>,
    at: Option<&str>,
) -> Result<Report, AppError> {
    use onair_domain::lifecycle::wire::FailureReason;
    let mut problems = Violations::default();
    let reason = match failure_reason {
        None => None,
        Some(raw) => match FailureReason::parse(raw) {
            Some(reason) => Some(reason),
            None => {
                let all: Vec<&str> = FailureReason::ALL.iter().map(|r| r.as_str()).collect();
                problems.add("failureReason", format!("must be one of {}", all.join(", ")));
                None
            }
        },
    };
    let outcome = match (status, failure_reason) {
        ("processed", None) => Some(ProcessingOutcome::Processed),
        ("processed", Some(_)) => {
            problems.add("failureReason", "is only given with status failed");
            None
        }
        ("failed", None) => {
            problems.add("failureReason", "is required with status failed");
            None
        }
        ("failed", Some(_)) => reason.map(ProcessingOutcome::Failed),
        _ => {
            problems.add("status", "must be processed or failed");
            None
        }
    };
    let at = match at {
        None => None,
        Some(raw) => {
            let parsed = crate::live_stats::parse_at(raw);
            if parsed.is_none() {
                problems.add(
                    "at",
                    "must be an RFC 3339 date-time with an offset, not before 1970",
                );
            }
            parsed
        }
    };
    match outcome {
        Some(outcome) if problems.list().is_empty() => Ok(Report { outcome, at }),
        _ => Err(AppError::Invalid(problems)),
    }
}
