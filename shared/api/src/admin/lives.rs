//! Admin routes for PRISM lives: the platform ends a live (`POST /admin/users/{userId}/lives/{liveId}/end`)
//! and the player or CDN reports its audience (`PUT /admin/lives/{liveId}/statistics`).
//!
//! An ended live ends as R10 ends it (its broadcast `complete`), PRISM sees `END` at its next poll, and
//! the ingest hook drops the encoder at its next update ([`onair_app::live_end`]). Ending an ended live
//! answers it unchanged (200); an unknown live, or one of another user, is 404.
//!
//! Statistics (use case in `onair_app::live_stats`) are not owner-scoped: the reporter knows the live,
//! not its owner, and any live can be reported on.

use super::path_id;
use super::views::LiveView;
use crate::error::AdminError;
use crate::extract::{AdminJson, AdminPath};
use axum::Json;
use axum::extract::State;
use onair_app::{AppError, AppState, live_end, live_stats};
use onair_domain::ids::is_id;
use onair_domain::{UserId, Violations};
use onair_store::LiveStats;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

/// `POST /admin/users/{userId}/lives/{liveId}/end`.
pub async fn end(
    State(s): State<AppState>,
    AdminPath((owner, live_id)): AdminPath<(String, String)>,
) -> Result<Json<Value>, AdminError> {
    let owner = path_id(&owner, UserId::parse, "live")?;
    if !is_id(&live_id) {
        return Err(AdminError::NotFound("live"));
    }
    let view = live_end::end_live(&s, &owner, &live_id).await?;
    tracing::info!(user_id = %owner, live_id = %live_id, status = view.status().as_str(), "live ended by the platform");
    Ok(Json(json!(LiveView::from(&view))))
}

/// Body of `PUT /admin/lives/{liveId}/statistics`: one snapshot; every field required.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LiveStatistics {
    /// When the snapshot was taken (RFC 3339 with an offset); only a newer snapshot is stored.
    #[schema(format = DateTime)]
    at: String,
    /// Views so far (cumulative: the stored value never decreases).
    view_count: u64,
    /// Viewers watching now.
    viewer_count: u64,
    /// Likes so far (cumulative: the stored value never decreases).
    like_count: u64,
}

fn id_only(raw: &str) -> Option<String> {
    Some(raw.to_owned())
}

/// `PUT /admin/lives/{liveId}/statistics`: 200 with `applied` (false when the snapshot was not newer
/// than the stored one, which is kept), 404 for an unknown live, 400 for a bad body (nothing stored).
pub async fn put_statistics(
    State(s): State<AppState>,
    AdminPath(live): AdminPath<String>,
    AdminJson(body): AdminJson<LiveStatistics>,
) -> Result<Json<Value>, AdminError> {
    let live = path_id(&live, id_only, "live")?;
    let Some(at) = live_stats::parse_at(&body.at) else {
        return Err(AdminError::Invalid(Violations::one(
            "at",
            "must be an RFC 3339 date-time with an offset, not before 1970",
        )));
    };
    let snapshot = LiveStats {
        at,
        view_count: body.view_count,
        viewer_count: body.viewer_count,
        like_count: body.like_count,
    };
    let recorded = match live_stats::record(&s, &live, &snapshot).await {
        Ok(recorded) => recorded,
        Err(AppError::NotFound(_)) => return Err(AdminError::NotFound("live")),
        Err(other) => return Err(other.into()),
    };
    let stats = &recorded.stats;
    Ok(Json(json!({
        "liveId": recorded.live.live_id,
        "broadcastId": recorded.live.broadcast_id,
        "applied": recorded.applied,
        "at": onair_domain::lifecycle::wire::rfc3339::format(stats.at),
        "viewCount": stats.view_count,
        "viewerCount": stats.viewer_count,
        "likeCount": stats.like_count,
    })))
}
