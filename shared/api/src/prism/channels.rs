//! `GET /prism/v1/service/channel/list` (R4) and `GET /prism/v1/service/channel/{channelId}` (R5).
//!
//! One store round trip each: the owner and the channels come back together, so `channelEnabled` can
//! fold in the owner's status (a disabled streamer's channels all read `false`, which makes PRISM stop
//! a running broadcast) and `userName` needs no second read. Lists are ordered modified desc, then
//! created desc. A channel that is missing or someone else's is 404 — the same answer, so ownership is
//! not probeable — unless the token's user no longer exists: then, as on every resource call, 401.

use super::auth::Streamer;
use super::envelope::Envelope;
use crate::error::PrismError;
use axum::extract::{Path, State};
use onair_app::error::StoreResult;
use onair_app::{AppError, AppState};
use onair_domain::channel::{Channel, MAX_CHANNELS_PER_USER};
use onair_domain::{ChannelId, PageRequest};
use serde_json::{Value, json};

/// PRISM's channel object.
fn channel_dto(c: &Channel, owner_disabled: bool) -> Value {
    json!({
        "channelId": c.id.as_str(),
        "channelName": c.name,
        "channelEnabled": c.effective_enabled(owner_disabled),
        "channelLink": c.link,
        "channelDescription": c.description,
        "channelTags": c.tags,
        "channelThumbnailUrl": c.thumbnail_url,
        "channelFollowerCount": c.follower_count,
    })
}

/// `GET /prism/v1/service/channel/list`.
pub async fn list(State(state): State<AppState>, streamer: Streamer) -> Result<Envelope, PrismError> {
    // A user owns at most MAX_CHANNELS_PER_USER channels, so one page holds them all.
    let page = PageRequest::first(MAX_CHANNELS_PER_USER);
    let owned = state.channels.list(&streamer.user, &page).await.what("user")?;
    let channels: Vec<Value> = owned
        .page
        .items
        .iter()
        .map(|c| channel_dto(c, owned.owner.disabled))
        .collect();
    Ok(Envelope(
        json!({ "userName": owned.owner.user_name, "channels": channels }),
    ))
}

/// `GET /prism/v1/service/channel/{channelId}`.
pub async fn get(
    State(state): State<AppState>,
    streamer: Streamer,
    Path(id): Path<String>,
) -> Result<Envelope, PrismError> {
    let found = match ChannelId::parse(&id) {
        Some(id) => state.channels.get(&streamer.user, &id).await.what("channel"),
        None => Err(AppError::NotFound("channel")),
    };
    let owned = match found {
        Ok(owned) => owned,
        Err(AppError::NotFound(_)) => return Err(not_found(&state, &streamer).await),
        Err(other) => return Err(other.into()),
    };
    Ok(Envelope(json!({
        "userName": owned.owner.user_name,
        "channel": channel_dto(&owned.channel, owned.owner.disabled),
    })))
}

/// The answer when no channel came back: the store answers `NotFound` alike for a missing channel and
/// a missing owner, and a deleted user's token must be 401 on every resource call, as it is on the
/// others. So the 404 path (and only it: a found channel costs no extra read) asks whether the user
/// still exists.
async fn not_found(state: &AppState, streamer: &Streamer) -> PrismError {
    match state.users.get(&streamer.user).await {
        Ok(_) => PrismError::ChannelNotFound,
        Err(err) => AppError::from(err).of("user").into(),
    }
}
