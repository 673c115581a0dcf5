//! `/youtube/v3/liveChat/messages`: `liveChatMessages.list`, `insert` and `delete`.
//!
//! Decisions (README): `list` answers `pollingIntervalMillis` 5000 (the interval PRISM polls at; the
//! store is sized for it). `maxResults` takes the discovery document's range, at most 2000 (default
//! 500), but one page holds at most 100 messages, the store's cap shared with PRISM's O1 (0 counts as
//! the cap); a larger value is answered with 100 and `pageInfo.resultsPerPage` says so, and the client
//! keeps paging with `nextPageToken`. Paging is O1's: without a token the newest messages, with one only
//! newer messages, and the same token back when nothing is new. `offlineAt` (the broadcast's
//! `actualEndTime`) appears once the chat closed; the history stays readable.

use super::{account, invalid, parts, required, rfc3339, snippet, text_at, with_etag};
use crate::error::GoogleError;
use crate::youtube::auth::{Need, YouTubeCaller};
use crate::youtube::params::{Query, json_body};
use crate::youtube::reply::{Deleted, Resource};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use onair_app::AppState;
use onair_app::chat::viewer::{ChatView, view};
use onair_app::chat::{self, Actor, POLLING_INTERVAL, Scope};
use onair_domain::chat::{Message, normalize_max_results, validate_text};
use onair_store::chat_ports::parse_message_id;
use serde_json::{Map, Value, json};

/// The parts of a LiveChatMessage.
const PARTS: &[&str] = &["id", "snippet", "authorDetails"];

/// The largest `maxResults` the discovery document allows for chat messages.
const MAX_RESULTS_LIMIT: i64 = 2000;

/// `maxResults` when absent: the discovery document's default.
const DEFAULT_MAX_RESULTS: i64 = 500;

/// `maxResults` as the chat use case takes it (negative is refused there, `invalidValue`).
fn max_results(raw: Option<&str>) -> Result<i64, GoogleError> {
    let Some(raw) = raw else {
        return Ok(DEFAULT_MAX_RESULTS);
    };
    let n: i64 = raw
        .parse()
        .map_err(|_| invalid("maxResults must be a whole number"))?;
    if n > MAX_RESULTS_LIMIT {
        return Err(invalid(format!("maxResults must be at most {MAX_RESULTS_LIMIT}")));
    }
    Ok(n)
}

/// A LiveChatMessage with the requested parts. `isChatModerator` is the author's status now.
fn render(view: &ChatView, m: &Message, parts: &[&str]) -> Value {
    let mut out = Map::new();
    out.insert("kind".into(), json!("youtube#liveChatMessage"));
    out.insert("id".into(), json!(m.id));
    if parts.contains(&"snippet") {
        out.insert(
            "snippet".into(),
            json!({
                "type": "textMessageEvent",
                "liveChatId": m.chat_id,
                "authorChannelId": m.author_id,
                "publishedAt": rfc3339(m.posted_at),
                "hasDisplayContent": true,
                "displayMessage": m.text,
                "textMessageDetails": { "messageText": m.text },
            }),
        );
    }
    if parts.contains(&"authorDetails") {
        let owner = m.is_live_owner || view.meta.owner.as_str() == m.author_id;
        let mut author = json!({
            "channelId": m.author_id,
            "displayName": m.author_name,
            "isVerified": false,
            "isChatOwner": owner,
            "isChatSponsor": false,
            "isChatModerator": view.meta.moderators.contains(&m.author_id),
        });
        if let Some(url) = &m.author_thumbnail {
            author["profileImageUrl"] = json!(url);
        }
        if let (true, Some(url)) = (owner, &view.owner_channel_url) {
            author["channelUrl"] = json!(url);
        }
        out.insert("authorDetails".into(), author);
    }
    with_etag(out)
}

/// `GET /youtube/v3/liveChat/messages` (`liveChatMessages.list`).
pub async fn list(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    RawQuery(raw): RawQuery,
) -> Result<Resource, GoogleError> {
    let user = caller.require(Need::Read)?;
    let q = Query::parse(
        raw.as_deref(),
        &[
            "liveChatId",
            "part",
            "maxResults",
            "pageToken",
            "hl",
            "profileImageSize",
        ],
    )?;
    let parts = parts(q.get("part"), PARTS)?;
    let chat_id = required(&q, "liveChatId")?;
    let max = max_results(q.get("maxResults"))?;
    let per_page = normalize_max_results(max)?;
    let view = view(&state, user, chat_id).await?;
    let page = chat::list(&state, Scope::Anyone, chat_id, max, q.get("pageToken")).await?;
    let view = ChatView {
        meta: page.meta.clone(),
        ..view
    };
    let items: Vec<Value> = page.messages.iter().map(|m| render(&view, m, &parts)).collect();
    let etags: Vec<&str> = items.iter().filter_map(|i| i["etag"].as_str()).collect();
    let mut body = json!({
        "kind": "youtube#liveChatMessageListResponse",
        "etag": onair_domain::oauth::token::token_hash(&format!("{}|{}", etags.join(","), page.next_page_token)),
        "nextPageToken": page.next_page_token,
        "pollingIntervalMillis": u64::try_from(POLLING_INTERVAL.as_millis()).unwrap_or(5000),
        "pageInfo": { "totalResults": items.len(), "resultsPerPage": per_page },
    });
    if let (true, Some(at)) = (view.closed, view.offline_at) {
        body["offlineAt"] = rfc3339(at);
    }
    body["items"] = Value::Array(items);
    Ok(Resource(body))
}

/// `POST /youtube/v3/liveChat/messages` (`liveChatMessages.insert`): a `textMessageEvent` posted as
/// the caller. Text rules are checked before anything is read; nothing is stored when refused.
pub async fn insert(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Resource, GoogleError> {
    let user = caller.require(Need::Write)?;
    let q = Query::parse(raw.as_deref(), &["part"])?;
    let parts = parts(q.get("part"), PARTS)?;
    let body = json_body(&body)?;
    let snippet = snippet(&body)?;
    let chat_id = super::live_chat_id(snippet)?;
    match text_at(snippet, &["type"])? {
        None | Some("textMessageEvent") => {}
        Some(other) => {
            return Err(invalid(format!(
                "snippet.type '{other}' cannot be inserted; only textMessageEvent"
            )));
        }
    }
    let text = text_at(snippet, &["textMessageDetails", "messageText"])?.unwrap_or("");
    let text = validate_text(text)?;
    let view = view(&state, user, chat_id).await?;
    let account = account(&state, user).await?;
    let actor = Actor {
        user: account.id.clone(),
        name: account.user_name.clone(),
        thumbnail: account.profile_thumbnail.clone(),
    };
    let (meta, message) = chat::insert(&state, Scope::Anyone, &actor, chat_id, &text).await?;
    let view = ChatView { meta, ..view };
    Ok(Resource(render(&view, &message, &parts)))
}

/// `DELETE /youtube/v3/liveChat/messages?id=` (`liveChatMessages.delete`): `204`. The author deletes
/// its own message; the owner and moderators delete others' (not the owner's or a fellow moderator's).
/// An id that names no message of a chat the caller can see is `404`.
pub async fn delete(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    RawQuery(raw): RawQuery,
) -> Result<Deleted, GoogleError> {
    let user = caller.require(Need::Write)?;
    let q = Query::parse(raw.as_deref(), &["id"])?;
    let id = required(&q, "id")?;
    let (chat_id, _) = parse_message_id(id).ok_or(GoogleError::NoRoute)?;
    view(&state, user, chat_id).await?;
    chat::delete(&state, Scope::Anyone, user, chat_id, id).await?;
    Ok(Deleted)
}
