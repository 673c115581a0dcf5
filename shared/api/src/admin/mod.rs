//! The admin API: registrations of OAuth clients, users and channels.
//!
//! Routes live under `/admin/`. On AWS they sit behind API Gateway's IAM authoriser; locally they
//! require the admin bearer token printed at start-up ([`crate::host`] applies the guard). Updates are
//! optimistic: the stored version must still be the one read (or the caller's `expectedVersion`), so of
//! two concurrent writers exactly one wins and the other gets 409.

pub mod audit;
pub mod channels;
pub mod clients;
pub mod users;
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
