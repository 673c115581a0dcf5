//! Admin route of the media plane: `PUT /admin/users/{userId}/videos/{videoId}/processing` reports
//! that a complete broadcast's recording is processed (or failed), which moves the video's
//! `uploadStatus` from `uploaded` to `processed` or `failed` (use case in
//! [`onair_app::lifecycle::videos::report`]; the same report also arrives as an EventBridge event,
//! [`crate::media`]).
//!
//! The route is owner-scoped like the broadcast end route: the media plane records the stream's owner
//! when the encoder publishes, so it knows it. 200 with the video's status (`applied: false` for a
//! replay of the stored report); 404 for an unknown video or another user's; 409 when the broadcast
//! is not `complete` or a different report is stored (a report is final); 400 for a bad body.

use super::path_id;
use crate::error::AdminError;
use crate::extract::{AdminJson, AdminPath};
use axum::Json;
use axum::extract::State;
use onair_app::AppState;
use onair_app::lifecycle::videos::{self, Reported};
use onair_domain::UserId;
use onair_domain::ids::is_id;
use onair_domain::lifecycle::video::ProcessingOutcome;
use onair_domain::lifecycle::wire::rfc3339;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

/// Body of `PUT /admin/users/{userId}/videos/{videoId}/processing` (and `detail` of the
/// `Recording Processed` event, with `userId` and `videoId` added there).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VideoProcessingReport {
    /// `processed` or `failed`.
    pub status: String,
    /// With `failed` only: `conversion`, `invalidFile`, `emptyFile`, `tooSmall`, `codec` or
    /// `uploadAborted`.
    #[serde(default)]
    pub failure_reason: Option<String>,
    /// When processing ended (RFC 3339 with an offset, not in the future); the report's arrival when
    /// absent.
    #[schema(format = DateTime)]
    #[serde(default)]
    pub at: Option<String>,
}

/// The admin view of a video after a report.
pub fn reported_view(reported: &Reported) -> Value {
    let video = &reported.video;
    let mut view = json!({
        "userId": video.broadcast.owner.as_str(),
        "videoId": video.id(),
        "uploadStatus": video.upload_status().as_str(),
        "processingStatus": video.processing_status().as_str(),
        "applied": reported.applied,
    });
    if let Some(processing) = &video.processing {
        view["processedAt"] = json!(rfc3339::format(processing.processed_at));
        if let ProcessingOutcome::Failed(reason) = processing.outcome {
            view["failureReason"] = json!(reason.as_str());
        }
    }
    view
}

/// `PUT /admin/users/{userId}/videos/{videoId}/processing`.
pub async fn put_processing(
    State(s): State<AppState>,
    AdminPath((owner, video_id)): AdminPath<(String, String)>,
    AdminJson(body): AdminJson<VideoProcessingReport>,
) -> Result<Json<Value>, AdminError> {
    let owner = path_id(&owner, UserId::parse, "video")?;
    if !is_id(&video_id) {
        return Err(AdminError::NotFound("video"));
    }
    let report = videos::parse_report(&body.status, body.failure_reason.as_deref(), body.at.as_deref())?;
    let reported = videos::report(&s, &owner, &video_id, report).await?;
    tracing::info!(
        user_id = %owner,
        video_id = %video_id,
        upload_status = reported.video.upload_status().as_str(),
        applied = reported.applied,
        "video processing reported"
    );
    Ok(Json(reported_view(&reported)))
}
