//! Admin route for PRISM lives: the platform ends a live (`POST /admin/users/{userId}/lives/{liveId}/end`).
//!
//! The live ends as R10 ends it (its broadcast `complete`), PRISM sees `END` at its next poll, and the
//! ingest hook drops the encoder at its next update ([`onair_app::live_end`]). Ending an ended live
//! answers it unchanged (200); an unknown live, or one of another user, is 404.

use super::path_id;
use super::views::LiveView;
use crate::error::AdminError;
use crate::extract::AdminPath;
use axum::Json;
use axum::extract::State;
use onair_app::AppState;
use onair_app::live_end;
use onair_domain::UserId;
use onair_domain::ids::is_id;
use serde_json::{Value, json};

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
