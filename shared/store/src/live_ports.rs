//! The storage port of PRISM lives: a live is a handle on broadcasts of the lifecycle engine.
//!
//! Contract (held by `tests/integration/contract/lives.rs` and `live_views.rs` for every adapter):
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
//! - `view(owner, live)` answers the live with its current broadcast, the stream bound to it, the
//!   statistics snapshot of the current broadcast and the chat count, in ONE request on DynamoDB (a
//!   `Query` of the live's partition for every sort key above `$`, so chat messages, whose sort keys
//!   start with `#`, are never read). Another user's live is `NotFound`.
//! - `list_views(owner, channel)` answers the same for every live of the channel in ONE request
//!   while it fits in a 1 MB page (the channel's `gsi1` partition holds the lives, the copies of their
//!   broadcasts and streams and their statistics); a channel with a live of another user is
//!   `NotFound`. An empty answer does not tell an unknown channel from an empty one: the caller reads
//!   the channel only then.
//! - `commit(write)` writes lives and broadcasts as ONE atomic write, each on its expected version
//!   and owner: concurrent commits touching one record have exactly one winner; the losers change
//!   nothing (`Conflict`, or `NotFound` for a record gone or another user's). With
//!   `require_enabled` set (R9), the same write also holds that the owner is not disabled and the
//!   named channel is enabled (two condition checks on DynamoDB, no extra request); a failed guard is
//!   `GuardedWriteError::LiveNotEnabled` and changes nothing. A record that moved on is reported
//!   before a failed guard, so a loser re-reads first.
//! - `record_stats(live, snapshot)` keeps one statistics snapshot per broadcast of a live: a snapshot
//!   whose `at` is not newer than the stored one changes nothing (`applied: false`); the cumulative
//!   counters (`viewCount`, `likeCount`) never decrease (the maximum is kept); `viewerCount` is taken
//!   as reported. Concurrent snapshots: the newest `at` wins.
//! - `find(live)` is the admin's owner-free look-up; every other read is addressed through the owner.

use crate::error::StoreError;
use crate::lifecycle_ports::{GuardedWriteError, StoredBroadcast, StoredStream};
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
    /// The channel's link when the live was created or last restarted: R6/R7 show it as `liveLink`
    /// (without a live URL template) without reading the channel.
    pub channel_link: String,
}

/// One statistics snapshot of a live's broadcast, as an operator reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveStats {
    /// When the snapshot was taken (the newest wins).
    pub at: OffsetDateTime,
    /// Views so far (cumulative: never decreases).
    pub view_count: u64,
    /// Viewers watching now (concurrent: as reported).
    pub viewer_count: u64,
    /// Likes so far (cumulative: never decreases).
    pub like_count: u64,
}

/// A live with everything its PRISM answer is made of, read together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLiveView {
    /// The live.
    pub live: StoredLive,
    /// Its current broadcast (`None` if it was deleted through the YouTube API).
    pub broadcast: Option<StoredBroadcast>,
    /// Its current stream (`None` if it was deleted through the YouTube API).
    pub stream: Option<StoredStream>,
    /// The statistics snapshot of the current broadcast, if one was recorded.
    pub stats: Option<LiveStats>,
    /// The `count` attribute of the live's chat item (sort key `CHAT`, owned by the chat store), 0
    /// when absent.
    pub chat_count: u64,
}

/// Everything one R9/R10 call writes, as one atomic write: each record carries its next version and
/// is written only if the stored one is still the expected version (and the owner's).
#[derive(Debug, Clone, Default)]
pub struct LiveWrite {
    /// Broadcasts with the version each was read at; the binding must be the stored one.
    pub broadcasts: Vec<(StoredBroadcast, u64)>,
    /// Lives with the version each was read at.
    pub lives: Vec<(StoredLive, u64)>,
    /// When set, the write lands only if the write's owner is not disabled and this channel of the
    /// owner is enabled (R9: a live never starts on a disabled channel, even racing the disable).
    pub require_enabled: Option<ChannelId>,
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
    /// The owner's live with its current broadcast, stream, statistics and chat count, in one request;
    /// `consistent` asks for a strongly consistent read (before a write).
    async fn view(
        &self,
        owner: &UserId,
        live_id: &str,
        consistent: bool,
    ) -> Result<StoredLiveView, StoreError>;
    /// [`LiveStore::view`] of every live of the owner's channel (list order), in one request while it
    /// fits in a page; `NotFound` if the channel has another user's lives.
    async fn list_views(
        &self,
        owner: &UserId,
        channel: &ChannelId,
    ) -> Result<Vec<StoredLiveView>, StoreError>;
    /// Writes every record of `write` atomically (see the module documentation);
    /// `LiveNotEnabled` when its `require_enabled` guard fails.
    async fn commit(&self, write: &LiveWrite) -> Result<(), GuardedWriteError>;
    /// Any user's live (the admin surface only); `NotFound` if absent.
    async fn find(&self, live_id: &str) -> Result<StoredLive, StoreError>;
    /// Records a snapshot for the live's current broadcast; answers whether it was applied and the
    /// snapshot stored afterwards.
    async fn record_stats(
        &self,
        live: &StoredLive,
        stats: &LiveStats,
    ) -> Result<(bool, LiveStats), StoreError>;
    /// The statistics of the owner's broadcasts among `(live id, broadcast id)` pairs (at most
    /// [`crate::lifecycle_ports::MAX_BATCH`]), by broadcast id, in one request.
    async fn stats_many(
        &self,
        owner: &UserId,
        keys: &[(String, String)],
    ) -> Result<Vec<(String, LiveStats)>, StoreError>;
}

/// The snapshot to store when `new` arrives over `stored`: `None` if `new` is not newer; otherwise
/// `new` with the cumulative counters kept at their maximum.
pub fn merge_stats(stored: Option<&LiveStats>, new: &LiveStats) -> Option<LiveStats> {
    match stored {
        Some(old) if old.at >= new.at => None,
        Some(old) => Some(LiveStats {
            at: new.at,
            view_count: old.view_count.max(new.view_count),
            viewer_count: new.viewer_count,
            like_count: old.like_count.max(new.like_count),
        }),
        None => Some(new.clone()),
    }
}

/// The shape checks of a [`LiveWrite`]: every record moves its version by one and has one owner.
pub(crate) fn check_write(write: &LiveWrite) -> Result<(), StoreError> {
    for (live, expected) in &write.lives {
        check_live(live)?;
        if live.version != expected.saturating_add(1) {
            return Err(StoreError::Conflict("a live must carry the next version".into()));
        }
    }
    for (b, expected) in &write.broadcasts {
        if b.version != expected.saturating_add(1) {
            return Err(StoreError::Conflict(
                "a broadcast must carry the next version".into(),
            ));
        }
    }
    if write.lives.is_empty() && write.broadcasts.is_empty() {
        return Err(StoreError::Conflict("nothing to write".into()));
    }
    Ok(())
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
