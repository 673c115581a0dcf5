//! The YouTube Live Streaming API, wire-compatible (`/youtube/v3/…`): liveBroadcasts and liveStreams
//! as the `youtube.v3.json` discovery document describes them, so a client built from that document
//! works with its endpoint set to onair. Errors use Google's envelope ([`crate::error::GoogleError`]).
//!
//! One registry entry per method. Reads need read access to the lifecycle records; writes also write
//! them (the registrations table) and read the signing key to verify tokens; `insert` and `transition`
//! also keep their `Idempotency-Key` records (the tokens table). `videos.list` serves the videos of
//! the caller's broadcasts (their upload and processing status).

pub mod auth;
pub mod broadcasts;
pub mod chat;
pub mod params;
pub mod partner;
pub mod reply;
pub mod streams;
pub mod videos;

use crate::registry::{Access, Function, SecretAccess, TableAccess, http};

/// Lists: read broadcasts and streams, verify tokens.
pub(crate) const READ: Access = Access::NONE
    .registrations(TableAccess::Read)
    .secrets(&[SecretAccess::SigningKeyRead]);

/// Writes: also write broadcasts and streams.
pub(crate) const WRITE: Access = Access::NONE
    .registrations(TableAccess::ReadWrite)
    .secrets(&[SecretAccess::SigningKeyRead]);

/// Broadcast writes: also plan lifecycle steps (settle, stream changed, scheduled start/end) and
/// cancel them.
const PLAN: Access = WRITE.steps();

/// Stream writes that take an `Idempotency-Key`: also claim and complete its record (tokens table).
const IDEMPOTENT_WRITE: Access = WRITE.tokens(TableAccess::ReadWrite);

/// Broadcast writes that take an `Idempotency-Key`.
const IDEMPOTENT_PLAN: Access = PLAN.tokens(TableAccess::ReadWrite);

/// The YouTube-compatible functions.
pub static FUNCTIONS: &[Function] = &[
    http!(
        "youtube-broadcasts-list",
        GET,
        "/youtube/v3/liveBroadcasts",
        YouTube,
        broadcasts::list,
        READ
    ),
    http!(
        "youtube-broadcasts-insert",
        POST,
        "/youtube/v3/liveBroadcasts",
        YouTube,
        broadcasts::insert,
        IDEMPOTENT_PLAN
    ),
    http!(
        "youtube-broadcasts-update",
        PUT,
        "/youtube/v3/liveBroadcasts",
        YouTube,
        broadcasts::update,
        PLAN
    ),
    http!(
        "youtube-broadcasts-delete",
        DELETE,
        "/youtube/v3/liveBroadcasts",
        YouTube,
        broadcasts::delete,
        PLAN
    ),
    http!(
        "youtube-broadcasts-bind",
        POST,
        "/youtube/v3/liveBroadcasts/bind",
        YouTube,
        broadcasts::bind,
        PLAN
    ),
    http!(
        "youtube-broadcasts-transition",
        POST,
        "/youtube/v3/liveBroadcasts/transition",
        YouTube,
        broadcasts::transition,
        IDEMPOTENT_PLAN
    ),
    http!(
        "youtube-broadcasts-cuepoint",
        POST,
        "/youtube/v3/liveBroadcasts/cuepoint",
        YouTube,
        broadcasts::cuepoint,
        READ
    ),
    http!(
        "youtube-streams-list",
        GET,
        "/youtube/v3/liveStreams",
        YouTube,
        streams::list,
        READ
    ),
    http!(
        "youtube-streams-insert",
        POST,
        "/youtube/v3/liveStreams",
        YouTube,
        streams::insert,
        IDEMPOTENT_WRITE
    ),
    http!(
        "youtube-streams-update",
        PUT,
        "/youtube/v3/liveStreams",
        YouTube,
        streams::update,
        WRITE
    ),
    http!(
        "youtube-streams-delete",
        DELETE,
        "/youtube/v3/liveStreams",
        YouTube,
        streams::delete,
        WRITE
    ),
    http!(
        "youtube-videos-list",
        GET,
        "/youtube/v3/videos",
        YouTube,
        videos::list,
        READ
    ),
];
