//! Key layout and item mapping of failed-login counters (tokens table).

use crate::dynamo::attrs::{Item, Reader, attr};
use crate::dynamo::keys::hash_key;
use crate::error::StoreError;

const LOCK_PREFIX: &str = "LOCK#";

/// `pk` (tokens table) of a failed-login counter.
pub fn lock_pk(key: &str) -> String {
    format!("{LOCK_PREFIX}{key}")
}

/// Key (tokens table) of a failed-login counter.
pub fn lock_key(key: &str) -> Item {
    hash_key(lock_pk(key))
}

/// The failure count in a lockout counter item; counts beyond `u32` read as `u32::MAX`.
pub fn failures_from(item: &Item) -> Result<u32, StoreError> {
    Ok(u32::try_from(Reader::new(item).u64(attr::FAILURES)?).unwrap_or(u32::MAX))
}
