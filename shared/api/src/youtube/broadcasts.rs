//! `/youtube/v3/liveBroadcasts…`: insert, list, update, delete, bind, transition and cuepoint. Each
//! handler checks the token's scope and the query's parameter names, then calls one use case of
//! [`onair_app::lifecycle`].

use super::auth::{Need, YouTubeCaller};
use super::params::{Query, json_body};
use super::reply::{Deleted, Resource};
use crate::error::GoogleError;
use crate::idempotency::{RequestParts, idempotent};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use onair_app::AppState;
use onair_app::lifecycle::access::ListQuery;
use onair_app::lifecycle::{bind as binding, broadcasts, cuepoint, transition as transitions};
use onair_domain::UserId;

/// `GET /youtube/v3/liveBroadcasts` (`liveBroadcasts.list`).
pub async fn list(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    RawQuery(raw): RawQuery,
) -> Result<Resource, GoogleError> {
    let user = caller.require(Need::Read)?;
    let q = Query::parse(
        raw.as_deref(),
        &[
            "part",
            "id",
            "mine",
            "broadcastStatus",
            "broadcastType",
            "maxResults",
            "pageToken",
        ],
    )?;
    let query = ListQuery {
        part: q.owned("part"),
        id: q.owned("id"),
        mine: q.owned("mine"),
        broadcast_status: q.owned("broadcastStatus"),
        broadcast_type: q.owned("broadcastType"),
        max_results: q.owned("maxResults"),
        page_token: q.owned("pageToken"),
    };
    Ok(Resource(broadcasts::list(&state, user, &query).await?))
}

/// `POST /youtube/v3/liveBroadcasts` (`liveBroadcasts.insert`); a retry under the same
/// `Idempotency-Key` answers as the first call and creates nothing ([`crate::idempotency`]).
pub async fn insert(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    request: RequestParts,
    body: Bytes,
) -> Response {
    let user = match caller.require(Need::Write) {
        Ok(user) => user.clone(),
        Err(err) => return err.into_response(),
    };
    let raw = request.uri.query();
    let once = request.idempotent(&user, "liveBroadcasts.insert", &body);
    idempotent::<GoogleError, _, _>(&state, once, |id| async {
        insert_once(&state, &user, raw, &body, id).await.into_response()
    })
    .await
}

async fn insert_once(
    state: &AppState,
    user: &UserId,
    raw: Option<&str>,
    body: &[u8],
    id: Option<String>,
) -> Result<Resource, GoogleError> {
    let q = Query::parse(raw, &["part"])?;
    let body = json_body(body)?;
    Ok(Resource(
        broadcasts::insert(state, user, q.get("part"), &body, id).await?,
    ))
}

/// `PUT /youtube/v3/liveBroadcasts` (`liveBroadcasts.update`).
pub async fn update(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Resource, GoogleError> {
    let user = caller.require(Need::Write)?;
    let q = Query::parse(raw.as_deref(), &["part"])?;
    let body = json_body(&body)?;
    Ok(Resource(
        broadcasts::update(&state, user, q.get("part"), &body).await?,
    ))
}

/// `DELETE /youtube/v3/liveBroadcasts` (`liveBroadcasts.delete`): `204`.
pub async fn delete(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    RawQuery(raw): RawQuery,
) -> Result<Deleted, GoogleError> {
    let user = caller.require(Need::Write)?;
    let q = Query::parse(raw.as_deref(), &["id"])?;
    broadcasts::delete(&state, user, q.get("id")).await?;
    Ok(Deleted)
}

/// `POST /youtube/v3/liveBroadcasts/bind` (`liveBroadcasts.bind`; without `streamId` it unbinds).
pub async fn bind(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    RawQuery(raw): RawQuery,
) -> Result<Resource, GoogleError> {
    let user = caller.require(Need::Write)?;
    let q = Query::parse(raw.as_deref(), &["id", "part", "streamId"])?;
    Ok(Resource(
        binding::bind(&state, user, q.get("id"), q.get("streamId"), q.get("part")).await?,
    ))
}

/// `POST /youtube/v3/liveBroadcasts/transition` (`liveBroadcasts.transition`); a retry under the
/// same `Idempotency-Key` answers as the first call and changes nothing ([`crate::idempotency`]).
pub async fn transition(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    request: RequestParts,
    body: Bytes,
) -> Response {
    let user = match caller.require(Need::Write) {
        Ok(user) => user.clone(),
        Err(err) => return err.into_response(),
    };
    let raw = request.uri.query();
    let once = request.idempotent(&user, "liveBroadcasts.transition", &body);
    idempotent::<GoogleError, _, _>(&state, once, |_| async {
        transition_once(&state, &user, raw).await.into_response()
    })
    .await
}

async fn transition_once(
    state: &AppState,
    user: &UserId,
    raw: Option<&str>,
) -> Result<Resource, GoogleError> {
    let q = Query::parse(raw, &["id", "part", "broadcastStatus"])?;
    Ok(Resource(
        transitions::transition(state, user, q.get("id"), q.get("broadcastStatus"), q.get("part")).await?,
    ))
}

/// `POST /youtube/v3/liveBroadcasts/cuepoint` (`liveBroadcasts.insertCuepoint`).
pub async fn cuepoint(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Resource, GoogleError> {
    let user = caller.require(Need::Cuepoint)?;
    let q = Query::parse(raw.as_deref(), &["id", "part"])?;
    let body = json_body(&body)?;
    Ok(Resource(
        cuepoint::insert(&state, user, q.get("id"), q.get("part"), &body).await?,
    ))
}
