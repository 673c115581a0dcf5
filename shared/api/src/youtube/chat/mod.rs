//! YouTube's live chat for viewers (`/youtube/v3/liveChat/…`): `liveChatMessages` list, insert and
//! delete, `liveChatBans` insert and delete, `liveChatModerators` list, insert and delete — the paths,
//! parameters and resource shapes of the `youtube.v3.json` discovery document, on the one chat store
//! PRISM's O1–O8 also use ([`onair_app::chat`]).
//!
//! Decisions (README):
//! - A chat id is the broadcast's `snippet.liveChatId`: a PRISM live's id, or a YouTube broadcast's
//!   own id. Any signed-in onair user may read and post in the chat of a `public` or `unlisted`
//!   broadcast; a `private` broadcast's chat exists only for its owner and moderators
//!   ([`onair_app::chat::viewer`]).
//! - `authorDetails.channelId` is the author's onair user id (PRISM's `authorId`); `channelUrl` is
//!   given for the owner (its channel's link), onair viewers have no channel of their own.
//! - Ids are opaque to clients but name their chat: a message id is `{liveChatId}.{sequence}`, a ban
//!   id `{liveChatId}.ban.{userId}`, a moderator id `{liveChatId}.mod.{userId}`; `delete` needs no
//!   other parameter.
//! - Scopes as the other YouTube methods: writes `youtube` or `youtube.force-ssl`, lists also
//!   `youtube.readonly`.

pub mod bans;
pub mod messages;
pub mod moderators;

use super::params::Query;
use crate::error::GoogleError;
use crate::registry::{Access, Function, SecretAccess, TableAccess, http};
use onair_app::AppError;
use onair_domain::UserId;
use onair_domain::lifecycle::LifecycleError;
use onair_domain::lifecycle::error::Reason;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Message reads: the chat's records and the broadcast behind it, tokens verified, page tokens
/// authenticated with the chat page key.
const MESSAGE_READ: Access = Access::NONE
    .registrations(TableAccess::Read)
    .secrets(&[SecretAccess::SigningKeyRead, SecretAccess::ChatPageKeyRead]);

/// Message writes: also the message, the chat's sequence and the author's state.
const MESSAGE_WRITE: Access = Access::NONE
    .registrations(TableAccess::ReadWrite)
    .secrets(&[SecretAccess::SigningKeyRead]);

/// Moderator reads.
const MODERATOR_READ: Access = Access::NONE
    .registrations(TableAccess::Read)
    .secrets(&[SecretAccess::SigningKeyRead]);

/// The YouTube live-chat functions.
pub static FUNCTIONS: &[Function] = &[
    http!(
        "youtube-chat-messages-list",
        GET,
        "/youtube/v3/liveChat/messages",
        YouTube,
        messages::list,
        MESSAGE_READ
    ),
    http!(
        "youtube-chat-messages-insert",
        POST,
        "/youtube/v3/liveChat/messages",
        YouTube,
        messages::insert,
        MESSAGE_WRITE
    ),
    http!(
        "youtube-chat-messages-delete",
        DELETE,
        "/youtube/v3/liveChat/messages",
        YouTube,
        messages::delete,
        MESSAGE_WRITE
    ),
    http!(
        "youtube-chat-bans-insert",
        POST,
        "/youtube/v3/liveChat/bans",
        YouTube,
        bans::insert,
        MESSAGE_WRITE
    ),
    http!(
        "youtube-chat-bans-delete",
        DELETE,
        "/youtube/v3/liveChat/bans",
        YouTube,
        bans::delete,
        MESSAGE_WRITE
    ),
    http!(
        "youtube-chat-moderators-list",
        GET,
        "/youtube/v3/liveChat/moderators",
        YouTube,
        moderators::list,
        MODERATOR_READ
    ),
    http!(
        "youtube-chat-moderators-insert",
        POST,
        "/youtube/v3/liveChat/moderators",
        YouTube,
        moderators::insert,
        MESSAGE_WRITE
    ),
    http!(
        "youtube-chat-moderators-delete",
        DELETE,
        "/youtube/v3/liveChat/moderators",
        YouTube,
        moderators::delete,
        MESSAGE_WRITE
    ),
];

/// RFC 3339, as YouTube writes `publishedAt`.
fn rfc3339(at: OffsetDateTime) -> Value {
    at.format(&Rfc3339).map(Value::String).unwrap_or(Value::Null)
}

/// The `part` names requested, each one of `allowed`; missing is `missingRequiredParameter`, an
/// unknown name `unknownPart`.
fn parts(raw: Option<&str>, allowed: &[&'static str]) -> Result<Vec<&'static str>, GoogleError> {
    let raw = raw.map(str::trim).filter(|p| !p.is_empty()).ok_or_else(|| {
        LifecycleError::parameter(
            Reason::MissingRequiredParameter,
            "No filter selected. Expected one of: part",
        )
    })?;
    let mut out = Vec::new();
    for name in raw.split(',').map(str::trim) {
        let Some(known) = allowed.iter().find(|a| **a == name) else {
            return Err(LifecycleError::part(
                Reason::UnknownPart,
                format!("'{name}' is not a valid part of this resource"),
            )
            .into());
        };
        if !out.contains(known) {
            out.push(*known);
        }
    }
    Ok(out)
}

/// A required query parameter.
fn required<'a>(q: &'a Query, name: &str) -> Result<&'a str, GoogleError> {
    q.get(name).filter(|v| !v.is_empty()).ok_or_else(|| {
        LifecycleError::parameter(
            Reason::MissingRequiredParameter,
            format!("Required parameter: {name}"),
        )
        .into()
    })
}

/// A bad value in a body or query (`400 invalidValue`).
fn invalid(message: impl Into<String>) -> GoogleError {
    GoogleError::Invalid {
        reason: "invalidValue",
        message: message.into(),
    }
}

/// The body's `snippet` object.
fn snippet(body: &Value) -> Result<&Map<String, Value>, GoogleError> {
    body.get("snippet")
        .and_then(Value::as_object)
        .ok_or_else(|| invalid("snippet is required and must be an object"))
}

/// A string member of `map` at `path`, `Ok(None)` when absent or null, refused when not a string.
fn text_at<'a>(map: &'a Map<String, Value>, path: &[&str]) -> Result<Option<&'a str>, GoogleError> {
    let mut here: Option<&Value> = None;
    let mut object = Some(map);
    for name in path {
        here = object.and_then(|o| o.get(*name));
        object = here.and_then(Value::as_object);
    }
    match here {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(invalid(format!("{} must be a string", path.join(".")))),
    }
}

/// `snippet.liveChatId` of a write body, required.
fn live_chat_id(snippet: &Map<String, Value>) -> Result<&str, GoogleError> {
    text_at(snippet, &["liveChatId"])?
        .filter(|c| !c.is_empty())
        .ok_or_else(|| GoogleError::Invalid {
            reason: "liveChatIdRequired",
            message: "snippet.liveChatId is required".into(),
        })
}

/// The id of a ban or moderator record: `{chatId}.{kind}.{userId}`.
fn member_id(chat_id: &str, kind: &str, user: &str) -> String {
    format!("{chat_id}.{kind}.{user}")
}

/// The chat and user a ban or moderator id of `kind` names; anything else is no such record.
fn parse_member_id<'a>(id: &'a str, kind: &str) -> Result<(&'a str, &'a str), GoogleError> {
    let mut pieces = id.splitn(3, '.');
    match (pieces.next(), pieces.next(), pieces.next()) {
        (Some(chat), Some(k), Some(user))
            if k == kind && !chat.is_empty() && UserId::parse(user).is_some() =>
        {
            Ok((chat, user))
        }
        _ => Err(GoogleError::NoRoute),
    }
}

/// The etag of a rendered resource: the hash of its representation.
fn with_etag(mut resource: Map<String, Value>) -> Value {
    let etag = onair_domain::oauth::token::token_hash(&Value::Object(resource.clone()).to_string());
    resource.insert("etag".into(), Value::String(etag));
    Value::Object(resource)
}

/// The user a token names, as needed to show it; a deleted user's token is no good (`401`).
async fn account(
    state: &onair_app::AppState,
    user: &UserId,
) -> Result<onair_domain::user::User, GoogleError> {
    state
        .users
        .get(user)
        .await
        .map_err(|e| AppError::from(e).of("user").into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_ids_name_their_chat_kind_and_user_and_nothing_else_parses() {
        let id = member_id("chat_1", "ban", "user-2");
        assert_eq!(parse_member_id(&id, "ban").ok(), Some(("chat_1", "user-2")));
        assert!(
            parse_member_id(&id, "mod").is_err(),
            "a ban id is no moderator id"
        );
        for bad in [
            "chat_1.1",
            "chat_1.ban.",
            ".ban.user",
            "chat_1.ban.a.b",
            "garbage",
        ] {
            assert!(parse_member_id(bad, "ban").is_err(), "{bad}");
        }
    }

    #[test]
    fn parts_are_required_known_and_deduplicated() {
        assert_eq!(
            parts(Some("snippet, id,snippet"), &["id", "snippet"]).ok(),
            Some(vec!["snippet", "id"])
        );
        assert!(parts(None, &["id"]).is_err());
        assert!(parts(Some(" "), &["id"]).is_err());
        assert!(parts(Some("id,bogus"), &["id"]).is_err());
    }
}
