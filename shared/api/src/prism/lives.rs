//! PRISM lives: R6 list, R7 get, R8 create, R9 start, R10 stop (use cases in `onair_app::lives`).
//!
//! Dates are ISO 8601 with an explicit offset (`+00:00`), ids are strings. `liveStat` shows the
//! statistics an operator recorded for the current broadcast (`PUT /admin/lives/{id}/statistics`),
//! zeros before the first. A live or channel that is missing or someone else's is 404 (the same answer
//! for both, so ownership is not probeable).

use super::auth::Streamer;
use super::envelope::Envelope;
use crate::error::PrismError;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use onair_app::lives::{self, LiveView, NewLive};
use onair_app::{AppError, AppState};
use onair_domain::live::links::{live_link, rtmp_path};
use onair_domain::live::scope::Scope;
use serde::Deserialize;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::format_description;

/// ISO 8601 with the offset written out (`2026-11-01T09:00:00+00:00`), as PRISM's examples show.
fn iso(at: OffsetDateTime) -> Value {
    let format = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
    );
    at.format(&format).map(Value::String).unwrap_or(Value::Null)
}

/// PRISM's live object.
pub fn live_dto(state: &AppState, v: &LiveView) -> Value {
    let snippet = &v.broadcast.snippet;
    let rtmp = v.stream.as_ref().and_then(|s| {
        rtmp_path(
            &s.cdn.ingestion_info.ingestion_address,
            &s.cdn.ingestion_info.stream_name,
        )
    });
    let link = live_link(
        state.settings.lifecycle.live_url_template.as_deref(),
        &v.live.live_id,
        v.channel_link(),
    );
    json!({
        "liveId": v.live.live_id,
        "title": snippet.title,
        "description": snippet.description,
        "reservedAt": iso(snippet.scheduled_start_time),
        "startAt": snippet.actual_start_time.map(iso),
        "rtmpPath": rtmp,
        "status": v.status().as_str(),
        "scope": Scope::of(v.broadcast.status.privacy_status),
        "liveLink": link,
        // The operator's last snapshot of the current broadcast; zeros before the first, never absent.
        "liveStat": {
            "viewCount": v.stats.as_ref().map_or(0, |s| s.view_count),
            "viewerCount": v.stats.as_ref().map_or(0, |s| s.viewer_count),
            "likeCount": v.stats.as_ref().map_or(0, |s| s.like_count),
            "chatCount": lives::chat_count(v),
        },
    })
}

fn one(state: &AppState, v: &LiveView) -> Envelope {
    Envelope(json!({ "channelId": v.live.channel_id.as_str(), "live": live_dto(state, v) }))
}

/// PRISM's answer to a use-case error. A 404 asks whether the token's user still exists (only on that
/// path: a found live costs no extra read), so a deleted user's token is 401 here as on every
/// resource call, as the channel routes do.
async fn prism(state: &AppState, streamer: &Streamer, err: AppError) -> PrismError {
    let not_found = match err {
        AppError::NotFound("live") => PrismError::LiveNotFound,
        AppError::NotFound(_) => PrismError::ChannelNotFound,
        other => return other.into(),
    };
    match state.users.get(&streamer.user).await {
        Ok(_) => not_found,
        Err(err) => AppError::from(err).of("user").into(),
    }
}

/// `POST /prism/v1/service/channel/{channelId}/live` (R8).
pub async fn create(
    State(state): State<AppState>,
    streamer: Streamer,
    Path(channel): Path<String>,
    body: Bytes,
) -> Result<Envelope, PrismError> {
    let body: Value = serde_json::from_slice(&body)
        .map_err(|_| PrismError::InvalidRequest("the body must be a JSON object".into()))?;
    let new = NewLive::parse(&body).map_err(PrismError::from)?;
    let v = match lives::create(&state, &streamer.user, &channel, &new).await {
        Ok(v) => v,
        Err(err) => return Err(prism(&state, &streamer, err).await),
    };
    Ok(one(&state, &v))
}

/// `GET /prism/v1/service/live/{liveId}` (R7).
pub async fn get(
    State(state): State<AppState>,
    streamer: Streamer,
    Path(live): Path<String>,
) -> Result<Envelope, PrismError> {
    let v = match lives::get(&state, &streamer.user, &live).await {
        Ok(v) => v,
        Err(err) => return Err(prism(&state, &streamer, err).await),
    };
    Ok(one(&state, &v))
}

/// R6's query.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    status: Option<String>,
}

/// `GET /prism/v1/service/channel/{channelId}/lives` (R6).
pub async fn list(
    State(state): State<AppState>,
    streamer: Streamer,
    Path(channel): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Envelope, PrismError> {
    let (channel, views) = match lives::list(&state, &streamer.user, &channel, q.status.as_deref()).await {
        Ok(found) => found,
        Err(err) => return Err(prism(&state, &streamer, err).await),
    };
    let lives: Vec<Value> = views.iter().map(|v| live_dto(&state, v)).collect();
    Ok(Envelope(json!({ "channelId": channel.as_str(), "lives": lives })))
}

/// `PUT /prism/v1/service/live/{liveId}/start` (R9).
pub async fn start(
    State(state): State<AppState>,
    streamer: Streamer,
    Path(live): Path<String>,
) -> Result<Envelope, PrismError> {
    let v = match lives::start(&state, &streamer.user, &live).await {
        Ok(v) => v,
        Err(err) => return Err(prism(&state, &streamer, err).await),
    };
    Ok(one(&state, &v))
}

/// `PUT /prism/v1/service/live/{liveId}/stop` (R10).
pub async fn stop(
    State(state): State<AppState>,
    streamer: Streamer,
    Path(live): Path<String>,
) -> Result<Envelope, PrismError> {
    let v = match lives::stop(&state, &streamer.user, &live).await {
        Ok(v) => v,
        Err(err) => return Err(prism(&state, &streamer, err).await),
    };
    Ok(one(&state, &v))
}
