//! The admin API: registrations of OAuth clients, users, channels and Content ID owners, live
//! statistics, the platform ending lives, and the media plane's video processing reports.
//!
//! Routes live under `/admin/`. On AWS they sit behind API Gateway's IAM authoriser; locally they
//! require the admin bearer token printed at start-up ([`crate::host`] applies the guard). Updates are
//! optimistic: the stored version must still be the one read (or the caller's `expectedVersion`), so of
//! two concurrent writers exactly one wins and the other gets 409.

pub mod audit;
pub mod broadcasts;
pub mod channels;
pub mod clients;
pub mod content_owners;
pub mod lives;
pub mod users;
pub mod videos;
pub(crate) mod views;

use crate::error::AdminError;
use onair_domain::ids::is_id;

/// Parses a path id; an id that could never have been issued is simply not found.
fn path_id<T>(raw: &str, parse: fn(&str) -> Option<T>, resource: &'static str) -> Result<T, AdminError> {
    if is_id(raw) {
        parse(raw).ok_or(AdminError::NotFound(resource))
    } else {
        Err(AdminError::NotFound(resource))
    }
}

/// `Conflict` when the caller pinned a version that is no longer current.
fn check_expected(expected: Option<u64>, stored: u64) -> Result<u64, AdminError> {
    match expected {
        Some(v) if v != stored => Err(AdminError::Conflict(format!(
            "version mismatch: expected {v}, stored {stored}"
        ))),
        _ => Ok(stored),
    }
}

use crate::registry::{Access, Function, SecretAccess, TableAccess, http};

/// Reads registrations only.
const READ: Access = Access::NONE.registrations(TableAccess::Read);
/// Writes registrations.
const WRITE: Access = Access::NONE.registrations(TableAccess::ReadWrite);
/// Writes registrations and plans or cancels lifecycle steps (ending a broadcast cancels its
/// scheduled steps).
const WRITE_STEPS: Access = WRITE.steps();
/// Writes registrations and manages client secrets.
const WRITE_CLIENT_SECRETS: Access = WRITE.secrets(&[SecretAccess::ClientSecretsManage]);

/// The admin API's functions.
pub static FUNCTIONS: &[Function] = &[
    http!(
        "admin-clients-create",
        POST,
        "/admin/clients",
        Admin,
        clients::create,
        WRITE_CLIENT_SECRETS
    ),
    http!(
        "admin-clients-list",
        GET,
        "/admin/clients",
        Admin,
        clients::list,
        READ
    ),
    http!(
        "admin-clients-get",
        GET,
        "/admin/clients/{clientId}",
        Admin,
        clients::get,
        READ
    ),
    http!(
        "admin-clients-update",
        PATCH,
        "/admin/clients/{clientId}",
        Admin,
        clients::update,
        WRITE
    ),
    http!(
        "admin-clients-delete",
        DELETE,
        "/admin/clients/{clientId}",
        Admin,
        clients::delete,
        WRITE_CLIENT_SECRETS
    ),
    http!(
        "admin-clients-rotate-secret",
        POST,
        "/admin/clients/{clientId}/rotate-secret",
        Admin,
        clients::rotate_secret,
        WRITE_CLIENT_SECRETS
    ),
    http!(
        "admin-users-create",
        POST,
        "/admin/users",
        Admin,
        users::create,
        WRITE
    ),
    http!(
        "admin-users-get",
        GET,
        "/admin/users/{userId}",
        Admin,
        users::get,
        READ
    ),
    http!(
        "admin-users-update",
        PATCH,
        "/admin/users/{userId}",
        Admin,
        users::update,
        WRITE_STEPS
    ),
    http!(
        "admin-users-delete",
        DELETE,
        "/admin/users/{userId}",
        Admin,
        users::delete,
        WRITE
    ),
    http!(
        "admin-channels-create",
        POST,
        "/admin/users/{userId}/channels",
        Admin,
        channels::create,
        WRITE
    ),
    http!(
        "admin-channels-list",
        GET,
        "/admin/users/{userId}/channels",
        Admin,
        channels::list,
        READ
    ),
    http!(
        "admin-channels-get",
        GET,
        "/admin/users/{userId}/channels/{channelId}",
        Admin,
        channels::get,
        READ
    ),
    http!(
        "admin-channels-update",
        PATCH,
        "/admin/users/{userId}/channels/{channelId}",
        Admin,
        channels::update,
        WRITE_STEPS
    ),
    http!(
        "admin-broadcasts-end",
        POST,
        "/admin/users/{userId}/broadcasts/{broadcastId}/end",
        Admin,
        broadcasts::end,
        WRITE_STEPS
    ),
    http!(
        "admin-lives-end",
        POST,
        "/admin/users/{userId}/lives/{liveId}/end",
        Admin,
        lives::end,
        WRITE_STEPS
    ),
    http!(
        "admin-lives-statistics",
        PUT,
        "/admin/lives/{liveId}/statistics",
        Admin,
        lives::put_statistics,
        WRITE
    ),
    http!(
        "admin-content-owners-create",
        POST,
        "/admin/content-owners",
        Admin,
        content_owners::create,
        WRITE
    ),
    http!(
        "admin-content-owners-get",
        GET,
        "/admin/content-owners/{contentOwnerId}",
        Admin,
        content_owners::get,
        READ
    ),
    http!(
        "admin-content-owners-update",
        PATCH,
        "/admin/content-owners/{contentOwnerId}",
        Admin,
        content_owners::update,
        WRITE
    ),
    http!(
        "admin-content-owners-link",
        PUT,
        "/admin/content-owners/{contentOwnerId}/channels/{channelId}",
        Admin,
        content_owners::link,
        WRITE
    ),
    http!(
        "admin-content-owners-unlink",
        DELETE,
        "/admin/content-owners/{contentOwnerId}/channels/{channelId}",
        Admin,
        content_owners::unlink,
        WRITE
    ),
    http!(
        "admin-videos-processing",
        PUT,
        "/admin/users/{userId}/videos/{videoId}/processing",
        Admin,
        videos::put_processing,
        WRITE
    ),
    http!("admin-audit-list", GET, "/admin/audit", Admin, audit::list, READ),
];
