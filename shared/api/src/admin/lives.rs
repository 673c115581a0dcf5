//! Admin route for live statistics: `PUT /admin/lives/{liveId}/statistics` records one audience
//! snapshot of a PRISM live (use case in `onair_app::live_stats`). The admin surface is not
//! owner-scoped: any live can be reported on.

use super::path_id;
use crate::error::AdminError;
use crate::extract::{AdminJson, AdminPath};
use axum::Json;
use axum::extract::State;
use onair_app::{AppError, AppState, live_stats};
use onair_domain::Violations;
use onair_store::LiveStats;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

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
