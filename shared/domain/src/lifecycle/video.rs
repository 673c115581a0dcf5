//! The video of a broadcast, as `videos.list` shows it (spec §11, §13 stage 6), and the rules of the
//! processing report the media plane sends once the recording is processed.
//!
//! A broadcast's video has the broadcast's id. Its upload status is derived, not stored, except for
//! the media plane's one report:
//! - every broadcast that is not revoked is `uploaded` (YouTube shows a live video as `uploaded`
//!   until it is processed) with `processingStatus` `processing`;
//! - once the broadcast is `complete`, the media plane reports `processed` (→ `succeeded`) or
//!   `failed` with a `failureReason` (→ `failed`). The report is final: replaying the same report
//!   answers the stored one, a different one is refused (a processed video never becomes failed, and
//!   a failed one is not reprocessed under the same id);
//! - a `revoked` broadcast is `rejected` (`rejectionReason` `termsOfUse`), `terminated`.

use super::broadcast::Broadcast;
use super::error::{LifecycleError, Reason};
use super::wire::{
    FailureReason, LifeCycleStatus, LiveBroadcastContent, ProcessingStatus, UploadStatus, rfc3339,
};
use crate::oauth::token::token_hash;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::BTreeSet;
use time::OffsetDateTime;

/// `kind` of a video.
pub const VIDEO_KIND: &str = "youtube#video";
/// `kind` of a `videos.list` answer.
pub const VIDEO_LIST_KIND: &str = "youtube#videoListResponse";

/// What the media plane reported on a broadcast's recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "uploadStatus", content = "failureReason", rename_all = "camelCase")]
pub enum ProcessingOutcome {
    /// The recording is processed.
    Processed,
    /// Processing failed, for this reason.
    Failed(FailureReason),
}

impl ProcessingOutcome {
    /// The upload status this outcome gives the video.
    pub fn upload_status(self) -> UploadStatus {
        match self {
            Self::Processed => UploadStatus::Processed,
            Self::Failed(_) => UploadStatus::Failed,
        }
    }
}

/// The stored processing report of one broadcast's video.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VideoProcessing {
    /// The video id (= the broadcast id).
    pub video_id: String,
    /// The reported outcome.
    pub outcome: ProcessingOutcome,
    /// When the media plane says processing ended (the report's `at`, or its arrival).
    #[serde(with = "rfc3339")]
    pub processed_at: OffsetDateTime,
}

/// Why a processing report is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportRefusal {
    /// Only a `complete` broadcast has a recording to process.
    #[error("the broadcast is {0}, not complete: only a complete broadcast's video is processed")]
    NotComplete(LifeCycleStatus),
    /// The video already has a different report; reports are final.
    #[error("the video is already {0}; a processing report is final")]
    AlreadyReported(UploadStatus),
    /// `at` is later than now.
    #[error("at is in the future")]
    AtInTheFuture,
}

/// What to do with a processing report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportDecision {
    /// Store this new report (conditionally: a racing report may win first).
    Store(VideoProcessing),
    /// The same report is already stored: answer it, write nothing.
    Replay(VideoProcessing),
}

/// Decides a processing report on `broadcast` given the stored report, if any.
pub fn report(
    broadcast: &Broadcast,
    stored: Option<&VideoProcessing>,
    outcome: ProcessingOutcome,
    at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Result<ReportDecision, ReportRefusal> {
    if let Some(stored) = stored {
        return if stored.outcome == outcome {
            Ok(ReportDecision::Replay(stored.clone()))
        } else {
            Err(ReportRefusal::AlreadyReported(stored.outcome.upload_status()))
        };
    }
    let state = broadcast.state();
    if state != LifeCycleStatus::Complete {
        return Err(ReportRefusal::NotComplete(state));
    }
    let processed_at = match at {
        Some(at) if at > now => return Err(ReportRefusal::AtInTheFuture),
        Some(at) => at,
        None => now,
    };
    Ok(ReportDecision::Store(VideoProcessing {
        video_id: broadcast.id.clone(),
        outcome,
        processed_at,
    }))
}

/// `status.uploadStatus` of a broadcast's video.
pub fn upload_status(broadcast: &Broadcast, processing: Option<&VideoProcessing>) -> UploadStatus {
    if broadcast.state() == LifeCycleStatus::Revoked {
        return UploadStatus::Rejected;
    }
    processing.map_or(UploadStatus::Uploaded, |p| p.outcome.upload_status())
}

/// `processingDetails.processingStatus` of a broadcast's video.
pub fn processing_status(broadcast: &Broadcast, processing: Option<&VideoProcessing>) -> ProcessingStatus {
    match (broadcast.state(), processing.map(|p| p.outcome)) {
        (LifeCycleStatus::Revoked, _) => ProcessingStatus::Terminated,
        (_, Some(ProcessingOutcome::Processed)) => ProcessingStatus::Succeeded,
        (_, Some(ProcessingOutcome::Failed(_))) => ProcessingStatus::Failed,
        (_, None) => ProcessingStatus::Processing,
    }
}

/// `snippet.liveBroadcastContent` for a broadcast state.
pub fn live_broadcast_content(state: LifeCycleStatus) -> LiveBroadcastContent {
    match state {
        LifeCycleStatus::Created
        | LifeCycleStatus::Ready
        | LifeCycleStatus::TestStarting
        | LifeCycleStatus::Testing => LiveBroadcastContent::Upcoming,
        LifeCycleStatus::LiveStarting | LifeCycleStatus::Live => LiveBroadcastContent::Live,
        LifeCycleStatus::Complete | LifeCycleStatus::Revoked => LiveBroadcastContent::None,
    }
}

/// A part of the video resource onair serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VideoPart {
    /// `id`
    Id,
    /// `snippet`
    Snippet,
    /// `status`
    Status,
    /// `processingDetails`
    ProcessingDetails,
    /// `liveStreamingDetails`
    LiveStreamingDetails,
}

impl VideoPart {
    /// Every served part.
    pub const ALL: &'static [VideoPart] = &[
        Self::Id,
        Self::Snippet,
        Self::Status,
        Self::ProcessingDetails,
        Self::LiveStreamingDetails,
    ];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Snippet => "snippet",
            Self::Status => "status",
            Self::ProcessingDetails => "processingDetails",
            Self::LiveStreamingDetails => "liveStreamingDetails",
        }
    }
}

/// Parts of the discovery document's video resource that onair does not serve: naming one is
/// `unexpectedPart` (a real part this method does not take here), anything else `unknownPart`.
const UNSERVED_VIDEO_PARTS: &[&str] = &[
    "contentDetails",
    "fileDetails",
    "localizations",
    "paidProductPlacementDetails",
    "player",
    "recordingDetails",
    "statistics",
    "suggestions",
    "topicDetails",
];

/// A parsed `part` of `videos.list`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VideoParts(BTreeSet<VideoPart>);

impl VideoParts {
    /// Parses `part` (required, comma-separated, blanks skipped).
    pub fn parse(raw: Option<&str>) -> Result<Self, LifecycleError> {
        let missing =
            || LifecycleError::parameter(Reason::MissingRequiredParameter, "Required parameter: part");
        let raw = raw.ok_or_else(missing)?;
        let mut set = BTreeSet::new();
        for name in raw.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            if let Some(part) = VideoPart::ALL.iter().copied().find(|p| p.as_str() == name) {
                set.insert(part);
            } else if UNSERVED_VIDEO_PARTS.contains(&name) {
                return Err(LifecycleError::part(
                    Reason::UnexpectedPart,
                    format!("part '{name}' is not supported by this method"),
                ));
            } else {
                return Err(LifecycleError::part(
                    Reason::UnknownPart,
                    format!("'{name}' is not a valid part"),
                ));
            }
        }
        if set.is_empty() {
            return Err(missing());
        }
        Ok(Self(set))
    }

    /// A set built from parts directly.
    pub fn of(parts: &[VideoPart]) -> Self {
        Self(parts.iter().copied().collect())
    }

    /// Whether `part` was named.
    pub fn contains(&self, part: VideoPart) -> bool {
        self.0.contains(&part)
    }
}

/// The video of `broadcast` as `videos.list` returns it. `concurrent_viewers` is the live statistics
/// snapshot, shown only while the broadcast is `live`.
pub fn render(
    broadcast: &Broadcast,
    processing: Option<&VideoProcessing>,
    concurrent_viewers: Option<u64>,
    parts: &VideoParts,
) -> Value {
    let state = broadcast.state();
    let snippet = &broadcast.snippet;
    let mut body = Map::new();
    if parts.contains(VideoPart::Snippet) {
        body.insert(
            "snippet".into(),
            json!({
                "publishedAt": rfc3339::format(snippet.published_at),
                "channelId": snippet.channel_id.as_str(),
                "title": snippet.title,
                "description": snippet.description,
                "liveBroadcastContent": live_broadcast_content(state).as_str(),
            }),
        );
    }
    if parts.contains(VideoPart::Status) {
        let upload = upload_status(broadcast, processing);
        let mut status = Map::new();
        status.insert("uploadStatus".into(), json!(upload.as_str()));
        if let Some(ProcessingOutcome::Failed(reason)) = processing.map(|p| p.outcome) {
            status.insert("failureReason".into(), json!(reason.as_str()));
        }
        if upload == UploadStatus::Rejected {
            status.insert("rejectionReason".into(), json!("termsOfUse"));
        }
        status.insert(
            "privacyStatus".into(),
            serde_json::to_value(broadcast.status.privacy_status).unwrap_or(Value::Null),
        );
        status.insert("license".into(), json!("youtube"));
        status.insert("embeddable".into(), json!(broadcast.content_details.enable_embed));
        status.insert("publicStatsViewable".into(), json!(true));
        status.insert("madeForKids".into(), json!(broadcast.status.made_for_kids));
        if let Some(declared) = broadcast.status.self_declared_made_for_kids {
            status.insert("selfDeclaredMadeForKids".into(), json!(declared));
        }
        body.insert("status".into(), Value::Object(status));
    }
    if parts.contains(VideoPart::ProcessingDetails) {
        body.insert(
            "processingDetails".into(),
            json!({ "processingStatus": processing_status(broadcast, processing).as_str() }),
        );
    }
    if parts.contains(VideoPart::LiveStreamingDetails) {
        let mut details = Map::new();
        let mut time = |name: &str, t: Option<OffsetDateTime>| {
            if let Some(t) = t {
                details.insert(name.into(), json!(rfc3339::format(t)));
            }
        };
        time("actualStartTime", snippet.actual_start_time);
        time("actualEndTime", snippet.actual_end_time);
        time("scheduledStartTime", Some(snippet.scheduled_start_time));
        time("scheduledEndTime", snippet.scheduled_end_time);
        if state == LifeCycleStatus::Live
            && let Some(viewers) = concurrent_viewers
        {
            details.insert("concurrentViewers".into(), json!(viewers.to_string()));
        }
        // The chat is open from creation until the broadcast ends (the chat closes with it).
        if !state.is_terminal()
            && let Some(chat) = &snippet.live_chat_id
        {
            details.insert("activeLiveChatId".into(), json!(chat));
        }
        body.insert("liveStreamingDetails".into(), Value::Object(details));
    }
    let etag = token_hash(&Value::Object(body.clone()).to_string());
    let mut out = Map::new();
    out.insert("kind".into(), json!(VIDEO_KIND));
    out.insert("etag".into(), json!(etag));
    out.insert("id".into(), json!(broadcast.id));
    out.extend(body);
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lifecycle::fixtures::{NOW, in_state};
    use crate::lifecycle::wire::LifeCycleStatus as S;
    use time::Duration;

    const FAILED: ProcessingOutcome = ProcessingOutcome::Failed(FailureReason::Codec);

    fn stored(outcome: ProcessingOutcome) -> VideoProcessing {
        VideoProcessing {
            video_id: in_state(S::Complete).id,
            outcome,
            processed_at: NOW - Duration::minutes(1),
        }
    }

    #[test]
    fn only_a_complete_broadcast_takes_a_first_report_in_every_state() {
        for &state in S::ALL {
            let b = in_state(state);
            for outcome in [ProcessingOutcome::Processed, FAILED] {
                let got = report(&b, None, outcome, None, NOW);
                if state == S::Complete {
                    let expected = VideoProcessing {
                        video_id: b.id.clone(),
                        outcome,
                        processed_at: NOW,
                    };
                    assert_eq!(got, Ok(ReportDecision::Store(expected)), "{state}");
                } else {
                    assert_eq!(got, Err(ReportRefusal::NotComplete(state)), "{state}");
                }
            }
        }
    }

    #[test]
    fn a_report_is_final_a_replay_answers_it_and_at_may_not_be_in_the_future() {
        let b = in_state(S::Complete);
        for (first, second, expected) in [
            (ProcessingOutcome::Processed, ProcessingOutcome::Processed, None),
            (FAILED, FAILED, None),
            (
                ProcessingOutcome::Processed,
                FAILED,
                Some(UploadStatus::Processed),
            ),
            (FAILED, ProcessingOutcome::Processed, Some(UploadStatus::Failed)),
            (
                FAILED,
                ProcessingOutcome::Failed(FailureReason::TooSmall),
                Some(UploadStatus::Failed),
            ),
        ] {
            let stored = stored(first);
            let got = report(&b, Some(&stored), second, Some(NOW), NOW);
            match expected {
                None => assert_eq!(got, Ok(ReportDecision::Replay(stored))),
                Some(status) => assert_eq!(got, Err(ReportRefusal::AlreadyReported(status))),
            }
        }
        let future = report(
            &b,
            None,
            ProcessingOutcome::Processed,
            Some(NOW + Duration::seconds(1)),
            NOW,
        );
        assert_eq!(future, Err(ReportRefusal::AtInTheFuture));
        let past = NOW - Duration::hours(1);
        let Ok(ReportDecision::Store(p)) = report(&b, None, ProcessingOutcome::Processed, Some(past), NOW)
        else {
            panic!("a past at is taken");
        };
        assert_eq!(p.processed_at, past);
    }

    #[test]
    fn statuses_follow_the_state_and_the_report() {
        for &state in S::ALL {
            let b = in_state(state);
            let expected_content = match state {
                S::Created | S::Ready | S::TestStarting | S::Testing => LiveBroadcastContent::Upcoming,
                S::LiveStarting | S::Live => LiveBroadcastContent::Live,
                S::Complete | S::Revoked => LiveBroadcastContent::None,
            };
            assert_eq!(live_broadcast_content(state), expected_content, "{state}");
            let (upload, processing) = if state == S::Revoked {
                (UploadStatus::Rejected, ProcessingStatus::Terminated)
            } else {
                (UploadStatus::Uploaded, ProcessingStatus::Processing)
            };
            assert_eq!(upload_status(&b, None), upload, "{state}");
            assert_eq!(processing_status(&b, None), processing, "{state}");
        }
        let b = in_state(S::Complete);
        let done = stored(ProcessingOutcome::Processed);
        assert_eq!(upload_status(&b, Some(&done)), UploadStatus::Processed);
        assert_eq!(processing_status(&b, Some(&done)), ProcessingStatus::Succeeded);
        let failed = stored(FAILED);
        assert_eq!(upload_status(&b, Some(&failed)), UploadStatus::Failed);
        assert_eq!(processing_status(&b, Some(&failed)), ProcessingStatus::Failed);
        let rendered = render(&b, Some(&failed), None, &VideoParts::of(&[VideoPart::Status]));
        assert_eq!(rendered["status"]["failureReason"], "codec");
    }

    #[test]
    fn video_parts_refuse_unknown_and_unserved_names() {
        let parts = VideoParts::parse(Some("id, snippet,,status,processingDetails,liveStreamingDetails"));
        assert_eq!(parts, Ok(VideoParts::of(VideoPart::ALL)));
        for (raw, reason) in [
            (None, Reason::MissingRequiredParameter),
            (Some(""), Reason::MissingRequiredParameter),
            (Some(" , "), Reason::MissingRequiredParameter),
            (Some("id,bogus"), Reason::UnknownPart),
            (Some("cdn"), Reason::UnknownPart),
            (Some("statistics"), Reason::UnexpectedPart),
            (Some("id,player"), Reason::UnexpectedPart),
        ] {
            let err = VideoParts::parse(raw).unwrap_err();
            assert_eq!(err.reason, reason, "{raw:?}");
        }
    }
}
