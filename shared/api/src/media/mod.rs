//! Events of the media plane (EventBridge): `Recording Processed` from `onair.media` reports that a
//! complete broadcast's recording is processed or failed, exactly as the admin route
//! `PUT /admin/users/{userId}/videos/{videoId}/processing` does ([`crate::admin::videos`]), through the
//! same use case ([`onair_app::lifecycle::videos::report`]).
//!
//! The event (`detail` field names as the admin body, plus the owner and the video):
//! ```json
//! { "source": "onair.media", "detail-type": "Recording Processed",
//!   "detail": { "userId": "…", "videoId": "…", "status": "processed" | "failed",
//!               "failureReason": "conversion" (with failed only), "at": "2026-01-01T12:00:00Z" } }
//! ```
//! Delivery is at least once, so a replay of the stored report is a success that changes nothing. A
//! report that can never apply (malformed, unknown video, broadcast not complete, a different report
//! already stored) is a permanent failure, logged and acknowledged; a store outage is retryable.

use crate::registry::{Access, EventRule, Function, StepError, StepFuture, TableAccess, Trigger};
use onair_app::AppState;
use onair_app::lifecycle::videos;
use onair_domain::UserId;
use serde::Deserialize;

/// The event's `source`.
pub const SOURCE: &str = "onair.media";
/// The event's `detail-type`.
pub const RECORDING_PROCESSED: &str = "Recording Processed";

/// The media plane's functions.
pub static FUNCTIONS: &[Function] = &[Function {
    name: "media-recording-processed",
    trigger: Trigger::Event(EventRule {
        handler: recording_processed,
        source: SOURCE,
        detail_type: RECORDING_PROCESSED,
    }),
    // Reads the broadcast and writes the video's report (registrations table).
    access: Access::NONE.registrations(TableAccess::ReadWrite),
}];

/// The EventBridge envelope, as delivered to the function.
#[derive(Debug, Deserialize)]
struct Envelope {
    source: String,
    #[serde(rename = "detail-type")]
    detail_type: String,
    detail: Detail,
}

/// `detail` of a `Recording Processed` event.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Detail {
    user_id: String,
    video_id: String,
    status: String,
    #[serde(default)]
    failure_reason: Option<String>,
    #[serde(default)]
    at: Option<String>,
}

/// `media-recording-processed`.
pub fn recording_processed(state: AppState, payload: serde_json::Value) -> StepFuture {
    Box::pin(async move {
        // serde's message names the field, never a value worth hiding (the event holds ids and times).
        let event: Envelope = serde_json::from_value(payload)
            .map_err(|e| StepError::Permanent(format!("not a {RECORDING_PROCESSED} event: {e}")))?;
        if event.source != SOURCE || event.detail_type != RECORDING_PROCESSED {
            return Err(StepError::Permanent(format!(
                "an event {} / {} was delivered to media-recording-processed",
                event.source, event.detail_type
            )));
        }
        let d = event.detail;
        let Some(owner) = UserId::parse(&d.user_id) else {
            return Err(StepError::Permanent("detail.userId is not a user id".into()));
        };
        let report = videos::parse_report(&d.status, d.failure_reason.as_deref(), d.at.as_deref())?;
        let reported = videos::report(&state, &owner, &d.video_id, report).await?;
        tracing::info!(
            user_id = %owner,
            video_id = %d.video_id,
            upload_status = reported.video.upload_status().as_str(),
            applied = reported.applied,
            "video processing reported by event"
        );
        Ok(())
    })
}
