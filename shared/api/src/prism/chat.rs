//! PRISM chat (§7, O1–O3) and chat-user moderation (§8, O4–O8), on the one chat store
//! (`onair_app::chat`). A PRISM live's chat id is its live id; PRISM acts as the streamer, on their own
//! lives only: another user's live is 404, like a missing one.
//!
//! Decisions where §7–§8 are silent: the message text is `message` (the send body's name); O1's
//! `maxResults` missing or null counts as 0 (= 100), a value that is not a whole number is refused;
//! an empty `pageToken` counts as none; the chat routes take no query string, and a parameter given
//! twice is refused; every call without a documented response answers the envelope with `data: null`.

use super::auth::Streamer;
use super::envelope::Envelope;
use crate::error::PrismError;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::Uri;
use onair_app::chat::{self, Actor, BanRequest, ChatPage, Scope};
use onair_app::{AppError, AppState};
use onair_domain::chat::{ChatError, Message};
use onair_store::StoreError;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use time::macros::format_description;

/// ISO 8601 with the offset written out, as the live DTO's dates.
fn iso(at: OffsetDateTime) -> Value {
    let format = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
    );
    at.format(&format).map(Value::String).unwrap_or(Value::Null)
}

/// PRISM's message DTO (§7.1), with the text in `message`. `isLiveManager` is the author's moderator
/// status now, not when the message was posted.
pub fn message_dto(page: &ChatPage, m: &Message) -> Value {
    json!({
        "messageId": m.id,
        "messageAt": iso(m.posted_at),
        "authorId": m.author_id,
        "authorName": m.author_name,
        "authorProfileThumbnail": m.author_thumbnail,
        "isLiveOwner": m.is_live_owner,
        "isLiveManager": page.is_manager(&m.author_id),
        "message": m.text,
    })
}

/// The chat routes take no query string; one parameter given twice is refused outright, so no
/// reading of it is ever guessed.
fn no_duplicates(uri: &Uri) -> Result<(), PrismError> {
    let Some(query) = uri.query() else {
        return Ok(());
    };
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
        .map_err(|_| PrismError::InvalidRequest("the query string is malformed".into()))?;
    let mut seen = std::collections::HashSet::new();
    for (name, _) in pairs {
        if !seen.insert(name) {
            return Err(PrismError::InvalidRequest(
                "a query parameter is given more than once".into(),
            ));
        }
    }
    Ok(())
}

/// The body as a JSON object; an empty body reads as `{}` (the moderation calls have none).
fn object(body: &Bytes) -> Result<Map<String, Value>, PrismError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(PrismError::InvalidRequest(
            "the body must be a JSON object".into(),
        )),
    }
}

/// PRISM's answer to a use-case error. A missing live asks whether the token's user still exists
/// (only on that path), so a deleted user's token is 401 as on every resource call.
async fn prism(state: &AppState, streamer: &Streamer, err: AppError) -> PrismError {
    let err = PrismError::from(err);
    if !matches!(err, PrismError::LiveNotFound) {
        return err;
    }
    match state.users.get(&streamer.user).await {
        Ok(_) => err,
        Err(e) => AppError::from(e).of("user").into(),
    }
}

/// Whether `err` says the chat does not exist.
fn chat_missing(err: &AppError) -> bool {
    matches!(err, AppError::Chat(ChatError::NotFound))
}

/// Opens the chat of the streamer's live `live_id` if the live exists but its chat does not (a live
/// created before chat existed, or whose creation stopped between the two writes). `false`: no such
/// live of the streamer.
async fn open_missing_chat(state: &AppState, streamer: &Streamer, live_id: &str) -> Result<bool, AppError> {
    let live = match state.lives.get(&streamer.user, live_id).await {
        Ok(live) => live,
        Err(StoreError::NotFound) => return Ok(false),
        Err(other) => return Err(other.into()),
    };
    chat::open(state, live_id, &live.owner, &live.channel_id, &live.broadcast_id).await?;
    Ok(true)
}

/// Runs `call` on the live's chat, opening a missing chat of an existing live once.
macro_rules! on_chat {
    ($state:expr, $streamer:expr, $live:expr, $call:expr) => {{
        let first = $call.await;
        let result = match first {
            Err(err) if chat_missing(&err) => match open_missing_chat($state, $streamer, $live).await {
                Ok(true) => $call.await,
                Ok(false) => Err(err),
                Err(other) => Err(other),
            },
            other => other,
        };
        match result {
            Ok(value) => value,
            Err(err) => return Err(prism($state, $streamer, err).await),
        }
    }};
}

/// O1's `maxResults`: missing or null is 0 (= 100); anything but a whole number is refused (a
/// whole number beyond i64 is simply far above the cap).
fn max_results(body: &Map<String, Value>) -> Result<i64, PrismError> {
    let refused = || PrismError::InvalidRequest("maxResults must be a whole number".into());
    match body.get("maxResults") {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n)) => match (n.as_i64(), n.as_u64()) {
            (Some(n), _) => Ok(n),
            (None, Some(_)) => Ok(i64::MAX),
            (None, None) => Err(refused()),
        },
        Some(_) => Err(refused()),
    }
}

fn page_token(body: &Map<String, Value>) -> Result<Option<String>, PrismError> {
    match body.get("pageToken") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(t)) => Ok(Some(t.clone())),
        Some(_) => Err(PrismError::InvalidRequest("pageToken must be a string".into())),
    }
}

/// `POST /prism/v1/service/live/{liveId}/chat` (O1).
pub async fn list(
    State(state): State<AppState>,
    streamer: Streamer,
    Path(live): Path<String>,
    uri: Uri,
    body: Bytes,
) -> Result<Envelope, PrismError> {
    no_duplicates(&uri)?;
    let body = object(&body)?;
    let max = max_results(&body)?;
    let token = page_token(&body)?;
    let scope = Scope::OwnedBy(&streamer.user);
    let page = on_chat!(
        &state,
        &streamer,
        &live,
        chat::list(&state, scope, &live, max, token.as_deref())
    );
    let messages: Vec<Value> = page.messages.iter().map(|m| message_dto(&page, m)).collect();
    Ok(Envelope(json!({
        "liveId": live,
        "nextPageToken": page.next_page_token,
        "messages": messages,
    })))
}

/// `PUT /prism/v1/service/live/{liveId}/chat` (O2): posts `message` as the streamer.
pub async fn send(
    State(state): State<AppState>,
    streamer: Streamer,
    Path(live): Path<String>,
    uri: Uri,
    body: Bytes,
) -> Result<Envelope, PrismError> {
    no_duplicates(&uri)?;
    let body = object(&body)?;
    let text = match body.get("message") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(text)) => text.clone(),
        Some(_) => {
            return Err(PrismError::InvalidRequest("message must be a string".into()));
        }
    };
    // Text rules first: a refused text costs no read.
    onair_domain::chat::validate_text(&text).map_err(PrismError::from)?;
    let user = match state.users.get(&streamer.user).await {
        Ok(user) => user,
        Err(err) => return Err(AppError::from(err).of("user").into()),
    };
    let actor = Actor {
        user: user.id.clone(),
        name: user.user_name.clone(),
        thumbnail: user.profile_thumbnail.clone(),
    };
    let scope = Scope::OwnedBy(&streamer.user);
    on_chat!(
        &state,
        &streamer,
        &live,
        chat::insert(&state, scope, &actor, &live, &text)
    );
    Ok(Envelope(Value::Null))
}

/// `DELETE /prism/v1/service/live/{liveId}/chat/{chatId}` (O3): `chatId` is O1's `messageId`.
pub async fn delete(
    State(state): State<AppState>,
    streamer: Streamer,
    Path((live, message)): Path<(String, String)>,
    uri: Uri,
) -> Result<Envelope, PrismError> {
    no_duplicates(&uri)?;
    let scope = Scope::OwnedBy(&streamer.user);
    on_chat!(
        &state,
        &streamer,
        &live,
        chat::delete(&state, scope, &streamer.user, &live, &message)
    );
    Ok(Envelope(Value::Null))
}

/// `PUT /prism/v1/service/live/{liveId}/ban/{userId}` (O4): a permanent ban.
pub async fn ban(
    State(state): State<AppState>,
    streamer: Streamer,
    Path((live, target)): Path<(String, String)>,
    uri: Uri,
) -> Result<Envelope, PrismError> {
    no_duplicates(&uri)?;
    let scope = Scope::OwnedBy(&streamer.user);
    on_chat!(
        &state,
        &streamer,
        &live,
        chat::ban(
            &state,
            scope,
            &streamer.user,
            &live,
            &target,
            BanRequest::Permanent
        )
    );
    Ok(Envelope(Value::Null))
}

/// `PUT /prism/v1/service/live/{liveId}/timedBan/{userId}` (O5): a ban of `banTime` seconds
/// (1 s – 30 days; 0, negative, missing or not a whole number is refused).
pub async fn timed_ban(
    State(state): State<AppState>,
    streamer: Streamer,
    Path((live, target)): Path<(String, String)>,
    uri: Uri,
    body: Bytes,
) -> Result<Envelope, PrismError> {
    no_duplicates(&uri)?;
    let body = object(&body)?;
    let seconds = match body.get("banTime") {
        None | Some(Value::Null) => None,
        // A fractional or non-numeric value is as unusable as a missing one.
        Some(Value::Number(n)) => Some(n.as_i64().unwrap_or(0)),
        Some(_) => Some(0),
    };
    // The ban time is checked before any read: a refused one changes and reads nothing.
    onair_domain::chat::timed_ban(seconds, state.clock.now()).map_err(PrismError::from)?;
    let scope = Scope::OwnedBy(&streamer.user);
    on_chat!(
        &state,
        &streamer,
        &live,
        chat::ban(
            &state,
            scope,
            &streamer.user,
            &live,
            &target,
            BanRequest::Timed(seconds)
        )
    );
    Ok(Envelope(Value::Null))
}

/// `PUT /prism/v1/service/live/{liveId}/unban/{userId}` (O6).
pub async fn unban(
    State(state): State<AppState>,
    streamer: Streamer,
    Path((live, target)): Path<(String, String)>,
    uri: Uri,
) -> Result<Envelope, PrismError> {
    no_duplicates(&uri)?;
    let scope = Scope::OwnedBy(&streamer.user);
    on_chat!(
        &state,
        &streamer,
        &live,
        chat::unban(&state, scope, &streamer.user, &live, &target)
    );
    Ok(Envelope(Value::Null))
}

/// `PUT /prism/v1/service/live/{liveId}/mod/{userId}` (O7).
pub async fn add_moderator(
    State(state): State<AppState>,
    streamer: Streamer,
    Path((live, target)): Path<(String, String)>,
    uri: Uri,
) -> Result<Envelope, PrismError> {
    no_duplicates(&uri)?;
    let scope = Scope::OwnedBy(&streamer.user);
    on_chat!(
        &state,
        &streamer,
        &live,
        chat::add_moderator(&state, scope, &streamer.user, &live, &target)
    );
    Ok(Envelope(Value::Null))
}

/// `PUT /prism/v1/service/live/{liveId}/unmod/{userId}` (O8).
pub async fn remove_moderator(
    State(state): State<AppState>,
    streamer: Streamer,
    Path((live, target)): Path<(String, String)>,
    uri: Uri,
) -> Result<Envelope, PrismError> {
    no_duplicates(&uri)?;
    let scope = Scope::OwnedBy(&streamer.user);
    on_chat!(
        &state,
        &streamer,
        &live,
        chat::remove_moderator(&state, scope, &streamer.user, &live, &target)
    );
    Ok(Envelope(Value::Null))
}
