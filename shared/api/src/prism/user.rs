//! `GET /prism/v1/service/user` (PRISM R3): the streamer's id, display name and avatar.

use super::auth::Streamer;
use super::envelope::Envelope;
use crate::error::PrismError;
use axum::extract::State;
use onair_app::AppState;
use onair_app::error::StoreResult;
use serde_json::json;

/// `GET /prism/v1/service/user`. A token whose user no longer exists is invalid.
pub async fn user(State(state): State<AppState>, streamer: Streamer) -> Result<Envelope, PrismError> {
    let user = state.users.get(&streamer.user).await.what("user")?;
    Ok(Envelope(json!({
        "user": {
            "userId": user.id.as_str(),
            "userName": user.user_name,
            "profileThumbnail": user.profile_thumbnail,
        }
    })))
}
