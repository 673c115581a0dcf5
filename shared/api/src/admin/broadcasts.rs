//! Admin route for broadcasts: the platform ends any broadcast
//! (`POST /admin/users/{userId}/broadcasts/{broadcastId}/end`), a plain YouTube one included, without
//! disabling its channel. It completes (or, never aired, ends) the broadcast; the ingest hook drops a
//! non-reusable stream's encoder at its next update ([`onair_app::live_end::end_broadcast`]). Ending
//! an ended broadcast answers it unchanged (200); an unknown broadcast, or one of another user, is 404.

use super::path_id;
use super::views::BroadcastView;
use crate::error::AdminError;
use crate::extract::AdminPath;
use axum::Json;
use axum::extract::State;
use onair_app::AppState;
use onair_app::live_end;
use onair_domain::UserId;
use onair_domain::ids::is_id;
use serde_json::{Value, json};

/// `POST /admin/users/{userId}/broadcasts/{broadcastId}/end`.
pub async fn end(
    State(s): State<AppState>,
    AdminPath((owner, id)): AdminPath<(String, String)>,
) -> Result<Json<Value>, AdminError> {
    let owner = path_id(&owner, UserId::parse, "broadcast")?;
    if !is_id(&id) {
        return Err(AdminError::NotFound("broadcast"));
    }
    let ended = live_end::end_broadcast(&s, &owner, &id).await?;
    tracing::info!(user_id = %owner, broadcast_id = %id, "broadcast ended by the platform");
    Ok(Json(json!(BroadcastView::from(&ended))))
}
