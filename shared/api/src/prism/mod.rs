//! PRISM Live Studio's Service API (resource side): `/prism/v1/service/…` answered in PRISM's envelope
//! for the streamer identified by the access token.

pub mod auth;
pub mod channels;
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
];
