//! PRISM Live Studio's Service API (resource side): `/prism/v1/service/…` answered in PRISM's envelope
//! for the streamer identified by the access token.

pub mod auth;
pub mod channels;
pub mod chat;
pub mod envelope;
pub mod lives;
pub mod user;

use crate::registry::{Access, Function, SecretAccess, TableAccess, http};

/// Resource calls read registrations and verify access tokens.
const RESOURCE: Access = Access::NONE
    .registrations(TableAccess::Read)
    .secrets(&[SecretAccess::SigningKeyRead]);

/// Live writes: broadcasts, streams and lives, and the lifecycle steps they plan.
const LIVE_WRITE: Access = Access::NONE
    .registrations(TableAccess::ReadWrite)
    .secrets(&[SecretAccess::SigningKeyRead])
    .steps();

/// Chat writes: messages, bans and moderators in the live's partition (and the page-token key, read
/// like the signing key).
const CHAT_WRITE: Access = Access::NONE
    .registrations(TableAccess::ReadWrite)
    .secrets(&[SecretAccess::SigningKeyRead, SecretAccess::ChatPageKeyRead]);

/// PRISM's resource functions (its token endpoint is an OAuth function: `oauth::FUNCTIONS`).
pub static FUNCTIONS: &[Function] = &[
    http!(
        "prism-user",
        GET,
        "/prism/v1/service/user",
        Prism,
        user::user,
        RESOURCE
    ),
    http!(
        "prism-channel-list",
        GET,
        "/prism/v1/service/channel/list",
        Prism,
        channels::list,
        RESOURCE
    ),
    http!(
        "prism-channel-get",
        GET,
        "/prism/v1/service/channel/{channelId}",
        Prism,
        channels::get,
        RESOURCE
    ),
    http!(
        "prism-live-list",
        GET,
        "/prism/v1/service/channel/{channelId}/lives",
        Prism,
        lives::list,
        RESOURCE
    ),
    http!(
        "prism-live-create",
        POST,
        "/prism/v1/service/channel/{channelId}/live",
        Prism,
        lives::create,
        LIVE_WRITE
    ),
    http!(
        "prism-live-get",
        GET,
        "/prism/v1/service/live/{liveId}",
        Prism,
        lives::get,
        RESOURCE
    ),
    http!(
        "prism-live-start",
        PUT,
        "/prism/v1/service/live/{liveId}/start",
        Prism,
        lives::start,
        LIVE_WRITE
    ),
    http!(
        "prism-live-stop",
        PUT,
        "/prism/v1/service/live/{liveId}/stop",
        Prism,
        lives::stop,
        LIVE_WRITE
    ),
    // O1 reads, but opens the chat of a live that has none yet (a write), so it shares CHAT_WRITE.
    http!(
        "prism-chat-list",
        POST,
        "/prism/v1/service/live/{liveId}/chat",
        Prism,
        chat::list,
        CHAT_WRITE
    ),
    http!(
        "prism-chat-send",
        PUT,
        "/prism/v1/service/live/{liveId}/chat",
        Prism,
        chat::send,
        CHAT_WRITE
    ),
    http!(
        "prism-chat-delete",
        DELETE,
        "/prism/v1/service/live/{liveId}/chat/{chatId}",
        Prism,
        chat::delete,
        CHAT_WRITE
    ),
    http!(
        "prism-chat-ban",
        PUT,
        "/prism/v1/service/live/{liveId}/ban/{userId}",
        Prism,
        chat::ban,
        CHAT_WRITE
    ),
    http!(
        "prism-chat-timed-ban",
        PUT,
        "/prism/v1/service/live/{liveId}/timedBan/{userId}",
        Prism,
        chat::timed_ban,
        CHAT_WRITE
    ),
    http!(
        "prism-chat-unban",
        PUT,
        "/prism/v1/service/live/{liveId}/unban/{userId}",
        Prism,
        chat::unban,
        CHAT_WRITE
    ),
    http!(
        "prism-chat-mod",
        PUT,
        "/prism/v1/service/live/{liveId}/mod/{userId}",
        Prism,
        chat::add_moderator,
        CHAT_WRITE
    ),
    http!(
        "prism-chat-unmod",
        PUT,
        "/prism/v1/service/live/{liveId}/unmod/{userId}",
        Prism,
        chat::remove_moderator,
        CHAT_WRITE
    ),
];
