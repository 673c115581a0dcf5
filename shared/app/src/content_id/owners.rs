//! Admin use cases of content owners: register, read, change, link and unlink channels.
//!
//! A link names a channel and the user owning it; the channel must exist under that user. The owner
//! record is written on its version, so of two concurrent admin changes one wins and the other is
//! `Conflict`; a partner write decided before an unlink lands changes nothing (its link guard fails).

use crate::AppError;
use crate::error::StoreResult;
use crate::state::AppState;
use onair_domain::content_id::ContentOwner;
use onair_domain::{ChannelId, UserId, Violations};
use onair_store::StoredOwner;
use std::collections::BTreeMap;

/// Longest display name.
pub const MAX_DISPLAY_NAME: usize = 100;

/// Registers an owner.
pub async fn create(
    state: &AppState,
    display_name: &str,
    live_fingerprinting: bool,
) -> Result<StoredOwner, AppError> {
    let mut v = Violations::default();
    v.text("displayName", display_name, MAX_DISPLAY_NAME);
    v.finish(()).map_err(AppError::Invalid)?;
    let owner = StoredOwner {
        owner: ContentOwner {
            id: state.generator.id(),
            display_name: display_name.trim().to_owned(),
            live_fingerprinting,
            channels: BTreeMap::new(),
        },
        version: 1,
    };
    state.content_ids.create_owner(&owner).await?;
    tracing::info!(content_owner = %owner.owner.id, "content owner registered");
    Ok(owner)
}

/// Reads an owner (`NotFound("content owner")`).
pub async fn get(state: &AppState, id: &str) -> Result<StoredOwner, AppError> {
    state
        .content_ids
        .get_with(id, &[])
        .await?
        .map(|view| view.owner)
        .ok_or(AppError::NotFound("content owner"))
}

/// A change of an owner's fields.
#[derive(Debug, Default, Clone)]
pub struct Change {
    /// New display name.
    pub display_name: Option<String>,
    /// New live-fingerprinting approval.
    pub live_fingerprinting: Option<bool>,
    /// The version the caller read (`Conflict` if it moved on).
    pub expected_version: Option<u64>,
}

fn expect(stored: u64, expected: Option<u64>) -> Result<u64, AppError> {
    match expected {
        Some(v) if v != stored => Err(AppError::Conflict(format!(
            "version mismatch: expected {v}, stored {stored}"
        ))),
        _ => Ok(stored),
    }
}

/// Changes an owner's display name or approval.
pub async fn update(state: &AppState, id: &str, change: Change) -> Result<StoredOwner, AppError> {
    let mut v = Violations::default();
    if let Some(name) = &change.display_name {
        v.text("displayName", name, MAX_DISPLAY_NAME);
    }
    if change.display_name.is_none() && change.live_fingerprinting.is_none() {
        v.add("body", "must change displayName or liveFingerprinting");
    }
    v.finish(()).map_err(AppError::Invalid)?;
    let current = get(state, id).await?;
    let expected = expect(current.version, change.expected_version)?;
    let mut next = current.clone();
    if let Some(name) = change.display_name {
        next.owner.display_name = name.trim().to_owned();
    }
    if let Some(flag) = change.live_fingerprinting {
        next.owner.live_fingerprinting = flag;
    }
    next.version = expected + 1;
    state
        .content_ids
        .update_owner(&next, expected)
        .await
        .what("content owner")?;
    Ok(next)
}

/// Links `channel` (owned by `user`) to the owner; linking it again for the same user changes nothing.
pub async fn link(
    state: &AppState,
    id: &str,
    channel: &ChannelId,
    user: &UserId,
) -> Result<StoredOwner, AppError> {
    state.channels.get(user, channel).await.what("channel")?;
    let current = get(state, id).await?;
    if current.owner.channels.get(channel.as_str()).map(String::as_str) == Some(user.as_str()) {
        return Ok(current);
    }
    let mut next = current.clone();
    next.owner
        .channels
        .insert(channel.as_str().to_owned(), user.as_str().to_owned());
    next.version = current.version + 1;
    state
        .content_ids
        .update_owner(&next, current.version)
        .await
        .what("content owner")?;
    tracing::info!(content_owner = %id, channel_id = %channel, "channel linked to content owner");
    Ok(next)
}

/// Unlinks `channel` (`NotFound("link")` if it is not linked).
pub async fn unlink(state: &AppState, id: &str, channel: &str) -> Result<StoredOwner, AppError> {
    let current = get(state, id).await?;
    if !current.owner.channels.contains_key(channel) {
        return Err(AppError::NotFound("link"));
    }
    let mut next = current.clone();
    next.owner.channels.remove(channel);
    next.version = current.version + 1;
    state
        .content_ids
        .update_owner(&next, current.version)
        .await
        .what("content owner")?;
    tracing::info!(content_owner = %id, channel_id = %channel, "channel unlinked from content owner");
    Ok(next)
}
