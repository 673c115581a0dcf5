//! `/youtube/v3/liveChat/bans`: `liveChatBans.insert` and `delete`.
//!
//! The owner or a moderator bans a viewer (`permanent`, or `temporary` for `banDurationSeconds`, 1 s
//! – 30 days); nobody bans the owner, and a moderator does not ban another moderator. A newer ban
//! replaces the previous one; a temporary ban lifts by itself. `delete` lifts the ban its id names.

use super::{live_chat_id, member_id, parse_member_id, parts, required, snippet, text_at, with_etag};
use crate::error::GoogleError;
use crate::youtube::auth::{Need, YouTubeCaller};
use crate::youtube::params::{Query, json_body};
use crate::youtube::reply::{Deleted, Resource};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use onair_app::AppState;
use onair_app::chat::viewer::view;
use onair_app::chat::{self, BanRequest, Scope};
use onair_domain::chat::timed_ban;
use serde_json::{Map, Value, json};

/// The kind segment of a ban id.
const KIND: &str = "ban";

/// `banDurationSeconds`: a uint64, which Google's JSON writes as a string (a number is accepted too).
/// Absent is `None`; anything that is not a whole number counts as 0 (refused like 0).
fn duration(snippet: &Map<String, Value>) -> Option<i64> {
    match snippet.get("banDurationSeconds") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.trim().parse().unwrap_or(0)),
        Some(Value::Number(n)) => Some(n.as_i64().unwrap_or(0)),
        Some(_) => Some(0),
    }
}

/// `POST /youtube/v3/liveChat/bans?part=snippet` (`liveChatBans.insert`).
pub async fn insert(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Resource, GoogleError> {
    let user = caller.require(Need::Write)?;
    let q = Query::parse(raw.as_deref(), &["part"])?;
    let parts = parts(q.get("part"), &["id", "snippet"])?;
    let body = json_body(&body)?;
    let snippet = snippet(&body)?;
    let chat_id = live_chat_id(snippet)?;
    let target = text_at(snippet, &["bannedUserDetails", "channelId"])?
        .filter(|t| !t.is_empty())
        .ok_or_else(|| super::invalid("snippet.bannedUserDetails.channelId is required"))?;
    let (kind, request) = match text_at(snippet, &["type"])? {
        None | Some("permanent") => ("permanent", BanRequest::Permanent),
        Some("temporary") => {
            let seconds = duration(snippet);
            // Refused before any read: a bad duration reads and changes nothing.
            timed_ban(seconds, state.clock.now())?;
            ("temporary", BanRequest::Timed(seconds))
        }
        Some(other) => {
            return Err(super::invalid(format!(
                "snippet.type '{other}' is not permanent or temporary"
            )));
        }
    };
    view(&state, user, chat_id).await?;
    chat::ban(&state, Scope::Anyone, user, chat_id, target, request).await?;
    let mut out = Map::new();
    out.insert("kind".into(), json!("youtube#liveChatBan"));
    out.insert("id".into(), json!(member_id(chat_id, KIND, target)));
    if parts.contains(&"snippet") {
        let mut s = json!({
            "liveChatId": chat_id,
            "type": kind,
            "bannedUserDetails": { "channelId": target },
        });
        if let BanRequest::Timed(Some(seconds)) = request {
            s["banDurationSeconds"] = json!(seconds.to_string());
        }
        out.insert("snippet".into(), s);
    }
    Ok(Resource(with_etag(out)))
}

/// `DELETE /youtube/v3/liveChat/bans?id=` (`liveChatBans.delete`): `204`; lifting a ban that has
/// already ended or was lifted changes nothing.
pub async fn delete(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    RawQuery(raw): RawQuery,
) -> Result<Deleted, GoogleError> {
    let user = caller.require(Need::Write)?;
    let q = Query::parse(raw.as_deref(), &["id"])?;
    let (chat_id, target) = parse_member_id(required(&q, "id")?, KIND)?;
    view(&state, user, chat_id).await?;
    chat::unban(&state, Scope::Anyone, user, chat_id, target).await?;
    Ok(Deleted)
}
