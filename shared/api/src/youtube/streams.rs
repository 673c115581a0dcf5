//! `/youtube/v3/liveStreams`: insert, list, update and delete.

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
use onair_app::lifecycle::streams;
use onair_domain::UserId;

/// `GET /youtube/v3/liveStreams` (`liveStreams.list`).
pub async fn list(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    RawQuery(raw): RawQuery,
) -> Result<Resource, GoogleError> {
    let user = caller.require(Need::Read)?;
    let q = Query::parse(raw.as_deref(), &["part", "id", "mine", "maxResults", "pageToken"])?;
    let query = ListQuery {
        part: q.owned("part"),
        id: q.owned("id"),
        mine: q.owned("mine"),
        max_results: q.owned("maxResults"),
        page_token: q.owned("pageToken"),
        ..ListQuery::default()
    };
    Ok(Resource(streams::list(&state, user, &query).await?))
}

/// `POST /youtube/v3/liveStreams` (`liveStreams.insert`); a retry under the same `Idempotency-Key`
/// answers as the first call (the same stream and key) and creates nothing ([`crate::idempotency`]).
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
    let once = request.idempotent(&user, "liveStreams.insert", &body);
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
        streams::insert(state, user, q.get("part"), &body, id).await?,
    ))
}

/// `PUT /youtube/v3/liveStreams` (`liveStreams.update`).
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
        streams::update(&state, user, q.get("part"), &body).await?,
    ))
}

/// `DELETE /youtube/v3/liveStreams` (`liveStreams.delete`): `204`.
pub async fn delete(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    RawQuery(raw): RawQuery,
) -> Result<Deleted, GoogleError> {
    let user = caller.require(Need::Write)?;
    let q = Query::parse(raw.as_deref(), &["id"])?;
    streams::delete(&state, user, q.get("id")).await?;
    Ok(Deleted)
}
