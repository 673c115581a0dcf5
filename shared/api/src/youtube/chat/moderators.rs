//! `/youtube/v3/liveChat/moderators`: `liveChatModerators.list`, `insert` and `delete`.
//!
//! Decisions (README): only the owner grants and revokes moderator status (YouTube's rule); the owner
//! and the chat's moderators may list them, anyone else is `403 forbidden`. The list is ordered by user
//! id; `maxResults` is 0–50 (default 5; 0 counts as the default), and `nextPageToken` is the last id
//! of the page, so a page stays correct when moderators are added or removed between pages.

use super::{
    account, live_chat_id, member_id, parse_member_id, parts, required, snippet, text_at, with_etag,
};
use crate::error::GoogleError;
use crate::youtube::auth::{Need, YouTubeCaller};
use crate::youtube::params::{Query, json_body};
use crate::youtube::reply::{Deleted, Resource};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use onair_app::AppState;
use onair_app::chat::viewer::view;
use onair_app::chat::{self, Scope};
use onair_app::lifecycle::access::list_response;
use onair_domain::UserId;
use onair_domain::chat::ChatError;
use onair_store::StoreError;
use serde_json::{Map, Value, json};

/// The kind segment of a moderator id.
const KIND: &str = "mod";

/// The parts of a LiveChatModerator.
const PARTS: &[&str] = &["id", "snippet"];

/// The largest page (discovery document).
const MAX_PAGE: usize = 50;

/// The page size when `maxResults` is absent or 0 (discovery document's default).
const DEFAULT_PAGE: usize = 5;

/// The page-token prefix (a token is `m1.{lastUserId}`).
const TOKEN_PREFIX: &str = "m1.";

/// A LiveChatModerator; `displayName` and `profileImageUrl` when the user still exists.
async fn render(
    state: &AppState,
    chat_id: &str,
    moderator: &str,
    parts: &[&str],
) -> Result<Value, GoogleError> {
    let mut out = Map::new();
    out.insert("kind".into(), json!("youtube#liveChatModerator"));
    out.insert("id".into(), json!(member_id(chat_id, KIND, moderator)));
    if parts.contains(&"snippet") {
        let mut details = json!({ "channelId": moderator });
        if let Some(id) = UserId::parse(moderator) {
            match state.users.get(&id).await {
                Ok(user) => {
                    details["displayName"] = json!(user.user_name);
                    if let Some(url) = user.profile_thumbnail {
                        details["profileImageUrl"] = json!(url);
                    }
                }
                Err(StoreError::NotFound) => {}
                Err(other) => return Err(onair_app::AppError::from(other).into()),
            }
        }
        out.insert(
            "snippet".into(),
            json!({ "liveChatId": chat_id, "moderatorDetails": details }),
        );
    }
    Ok(with_etag(out))
}

fn page_size(raw: Option<&str>) -> Result<usize, GoogleError> {
    let Some(raw) = raw else {
        return Ok(DEFAULT_PAGE);
    };
    match raw.parse::<usize>() {
        Ok(0) => Ok(DEFAULT_PAGE),
        Ok(n) if n <= MAX_PAGE => Ok(n),
        _ => Err(super::invalid(format!(
            "maxResults must be a whole number from 0 to {MAX_PAGE}"
        ))),
    }
}

fn cursor(raw: Option<&str>) -> Result<Option<&str>, GoogleError> {
    match raw.filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(token) => match token.strip_prefix(TOKEN_PREFIX) {
            Some(last) if UserId::parse(last).is_some() => Ok(Some(last)),
            _ => Err(GoogleError::Invalid {
                reason: "invalidPageToken",
                message: "the page token is invalid".into(),
            }),
        },
    }
}

/// `GET /youtube/v3/liveChat/moderators` (`liveChatModerators.list`).
pub async fn list(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    RawQuery(raw): RawQuery,
) -> Result<Resource, GoogleError> {
    let user = caller.require(Need::Read)?;
    let q = Query::parse(raw.as_deref(), &["liveChatId", "part", "maxResults", "pageToken"])?;
    let parts = parts(q.get("part"), PARTS)?;
    let chat_id = required(&q, "liveChatId")?;
    let size = page_size(q.get("maxResults"))?;
    let after = cursor(q.get("pageToken"))?;
    let view = view(&state, user, chat_id).await?;
    if !view.is_staff(user.as_str()) {
        return Err(ChatError::NotAllowed.into());
    }
    let rest: Vec<&String> = view
        .meta
        .moderators
        .iter()
        .filter(|m| after.is_none_or(|a| m.as_str() > a))
        .collect();
    let page = &rest[..rest.len().min(size)];
    let next = (rest.len() > page.len())
        .then(|| page.last().map(|last| format!("{TOKEN_PREFIX}{last}")))
        .flatten();
    let mut items = Vec::with_capacity(page.len());
    for moderator in page {
        items.push(render(&state, chat_id, moderator, &parts).await?);
    }
    Ok(Resource(list_response(
        "youtube#liveChatModeratorListResponse",
        items,
        next,
        size,
    )))
}

/// `POST /youtube/v3/liveChat/moderators?part=snippet` (`liveChatModerators.insert`): the owner
/// makes an existing onair user a moderator (an unknown user is `400 invalidValue`).
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
    let chat_id = live_chat_id(snippet)?;
    let target = text_at(snippet, &["moderatorDetails", "channelId"])?
        .filter(|t| !t.is_empty())
        .ok_or_else(|| super::invalid("snippet.moderatorDetails.channelId is required"))?;
    view(&state, user, chat_id).await?;
    let target_id =
        UserId::parse(target).ok_or_else(|| super::invalid("moderatorDetails.channelId is not a user id"))?;
    match state.users.get(&target_id).await {
        Ok(_) => {}
        Err(StoreError::NotFound) => {
            return Err(super::invalid("moderatorDetails.channelId names no user"));
        }
        Err(other) => return Err(onair_app::AppError::from(other).into()),
    }
    chat::add_moderator(&state, Scope::Anyone, user, chat_id, target).await?;
    // The caller's own account must still exist for its token to count.
    account(&state, user).await?;
    Ok(Resource(render(&state, chat_id, target, &parts).await?))
}

/// `DELETE /youtube/v3/liveChat/moderators?id=` (`liveChatModerators.delete`): `204`; revoking
/// someone who is no longer a moderator changes nothing.
pub async fn delete(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    RawQuery(raw): RawQuery,
) -> Result<Deleted, GoogleError> {
    let user = caller.require(Need::Write)?;
    let q = Query::parse(raw.as_deref(), &["id"])?;
    let (chat_id, target) = parse_member_id(required(&q, "id")?, KIND)?;
    view(&state, user, chat_id).await?;
    chat::remove_moderator(&state, Scope::Anyone, user, chat_id, target).await?;
    Ok(Deleted)
}
