//! `liveBroadcasts.cuepoint` (discovery's `insertCuepoint`, spec §4.7, §9.1).
//!
//! Decision: cuepoints are not stored. Inserting one validates it against the broadcast (it must be
//! `live` with its bound stream `active`) and returns it with a fresh id; ad insertion itself is the
//! media plane's job, and the spec has no method that reads cuepoints back. A CLAIMED broadcast
//! (Content ID) also needs `midroll` in its video advertising options (`403 midrollNotEnabled`).

use super::access::{broadcast_not_found, or_not_found, require_id};
use crate::{AppError, AppState};
use onair_domain::UserId;
use onair_domain::lifecycle::cuepoint::{self, CuepointBody};
use onair_domain::lifecycle::error::{ErrorDomain, LifecycleError, Reason};
use onair_domain::lifecycle::machine;
use onair_domain::lifecycle::part::{Method, Parts};
use onair_domain::lifecycle::render::CUEPOINT_KIND;
use onair_store::StoreError;
use serde_json::{Map, Value};

/// `liveBroadcasts.cuepoint`: a cuepoint for live broadcast `id`.
pub async fn insert(
    state: &AppState,
    user: &UserId,
    id: Option<&str>,
    part: Option<&str>,
    body: &Value,
) -> Result<Value, AppError> {
    Parts::parse(Method::BroadcastCuepoint, part)?;
    let id = require_id(id, true)?;
    if !body.is_object() {
        return Err(LifecycleError::new(
            ErrorDomain::Global,
            Reason::ParseError,
            "The request body must be a JSON object",
        )
        .into());
    }
    let parsed: CuepointBody = serde_json::from_value(body.clone()).map_err(|err| {
        LifecycleError::new(
            ErrorDomain::Global,
            Reason::ParseError,
            format!("The request body does not match the cuepoint resource: {err}"),
        )
    })?;
    let cue = cuepoint::cuepoint(&parsed, state.generator.as_ref())?;
    let current = state
        .broadcasts
        .get(user, &id)
        .await
        .map_err(|e| or_not_found(e, broadcast_not_found))?;
    let stream = match current.broadcast.bound_stream_id() {
        Some(sid) => match state.streams.get(user, sid).await {
            Ok(stream) => Some(stream.stream.stream_status()),
            Err(StoreError::NotFound) => None,
            Err(err) => return Err(err.into()),
        },
        None => None,
    };
    machine::check_cuepoint(&current.broadcast, stream)?;
    // A claimed broadcast takes cuepoints only with midroll breaks enabled by its claim's owner.
    if !crate::content_id::ad_options::cuepoint_allowed(state, &id).await? {
        return Err(LifecycleError::new(
            ErrorDomain::Global,
            Reason::MidrollNotEnabled,
            "The broadcast is claimed and its advertising options do not enable midroll breaks.",
        )
        .into());
    }
    let mut body = match serde_json::to_value(&cue) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    let etag = onair_domain::oauth::token::token_hash(&Value::Object(body.clone()).to_string());
    body.insert("kind".into(), Value::String(CUEPOINT_KIND.into()));
    body.insert("etag".into(), Value::String(etag));
    Ok(Value::Object(body))
}
