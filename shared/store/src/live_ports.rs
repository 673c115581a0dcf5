//! The storage port of PRISM lives: a live is a handle on broadcasts of the lifecycle engine.
//!
//! Contract (held by `tests/integration/contract/lives.rs` for every adapter):
//! - Records are addressed through their owner: another user's live is `NotFound`, for reads and for
//!   writes alike, and never revealed.
//! - `create` is conditional on the live id: an id that exists is `Conflict` and overwrites nothing.
//! - `update(record, expected_version)` writes only if the stored version is `expected_version` (and
//!   the stored live is the owner's); the record passed in already carries `expected_version + 1`.
//!   Concurrent updates: exactly one winner, the rest `Conflict`, and they change nothing. A missing
//!   live is `NotFound`. The owner, channel, id and creation time of a live never change.
//! - `list(owner, channel)` answers every live of the owner's channel, most recently modified first,
//!   then most recently created, then id descending; one request on DynamoDB for any list that fits
//!   in a response (a channel has a handful of lives, PRISM polls the list without paging).

use crate::error::StoreError;
use async_trait::async_trait;
use onair_domain::{ChannelId, UserId};
use time::OffsetDateTime;

/// A PRISM live as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLive {
    /// The live's id (PRISM's `liveId`).
    pub live_id: String,
    /// The user owning the live's channel.
    pub owner: UserId,
    /// The channel the live belongs to.
    pub channel_id: ChannelId,
    /// The current broadcast: the last of `broadcasts`.
    pub broadcast_id: String,
    /// The stream bound to the current broadcast (the live's own, non-reusable).
    pub stream_id: String,
    /// Whether PRISM started the live (R9) since its current broadcast was opened.
    pub started: bool,
    /// Every broadcast this live has had, oldest first (a restart after END appends one).
    pub broadcasts: Vec<String>,
    /// When the live was created (R8).
    pub created_at: OffsetDateTime,
    /// When the live last changed.
    pub modified_at: OffsetDateTime,
    /// Optimistic-concurrency version; 1 on create.
    pub version: u64,
}

/// PRISM lives.
#[async_trait]
pub trait LiveStore: Send + Sync {
    /// Stores a new live; `Conflict` if its id exists.
    async fn create(&self, live: &StoredLive) -> Result<(), StoreError>;
    /// The owner's live; `NotFound` if absent or another user's.
    async fn get(&self, owner: &UserId, live_id: &str) -> Result<StoredLive, StoreError>;
    /// Replaces the live if it is stored at `expected_version` (`live.version` is the next one).
    async fn update(&self, live: &StoredLive, expected_version: u64) -> Result<(), StoreError>;
    /// Every live of the owner's channel: modified desc, then created desc, then id desc.
    async fn list(&self, owner: &UserId, channel: &ChannelId) -> Result<Vec<StoredLive>, StoreError>;
}

/// The shape checks shared by the adapters before a write.
pub(crate) fn check_live(live: &StoredLive) -> Result<(), StoreError> {
    if live.live_id.is_empty() || live.broadcasts.last() != Some(&live.broadcast_id) {
        return Err(StoreError::Conflict(
            "a live needs an id and its current broadcast last in its broadcasts".into(),
        ));
    }
    Ok(())
}

/// The list order: modified desc, then created desc, then id desc.
pub(crate) fn list_order(a: &StoredLive, b: &StoredLive) -> std::cmp::Ordering {
    (b.modified_at, b.created_at, &b.live_id).cmp(&(a.modified_at, a.created_at, &a.live_id))
}
