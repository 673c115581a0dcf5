//! The storage ports of the broadcast lifecycle: liveBroadcasts and liveStreams.
//!
//! Contract (held by `tests/integration/contract/lifecycle.rs` for every adapter):
//! - Records are addressed through their owner: a broadcast or stream of another user is `NotFound`,
//!   for reads and for writes alike, and never revealed.
//! - `create` is conditional: an id that exists (for streams: also a stream key hash that exists) is
//!   `Conflict` and overwrites nothing.
//! - `update(record, expected_version)` writes only if the stored version is `expected_version`; the
//!   record passed in already carries `expected_version + 1`. Concurrent updates: exactly one winner,
//!   the rest `Conflict`, and they change nothing. A missing record is `NotFound`.
//! - Lists are per owner (optionally one channel of the owner), newest first (`publishedAt` desc, then
//!   id desc), paged with opaque tokens. A token never reaches another owner's records: DynamoDB
//!   refuses a cursor outside the caller's own partition, and the embedded cursor is only a position
//!   inside the caller's own list.
//! - Deleting a broadcast bound to a stream that still exists must name that stream (`bound`), so
//!   the stream is freed in the same write; `None` is for an unbound broadcast or a stream already gone.
//! - [`BroadcastStore::bind`] writes the broadcast and every stream it touches as one atomic write, each
//!   on its expected version, so racing binds, unbinds, deletes and updates have one winner. A stream
//!   that is not reusable is bound to at most one broadcast: the store refuses a second binding with
//!   `Conflict` even if the caller did not check.
//! - `get_many(owner, ids)` reads up to [`MAX_BATCH`] records in one request (DynamoDB `BatchGetItem`),
//!   keeps only the owner's, and answers them in the order of `ids` (duplicates read once); ids that
//!   are absent or another user's are simply left out.
//! - [`BroadcastStore::transition`] writes a state change on the version read *and* holds, in the
//!   same atomic write, the guards it was decided under: the bound stream still exists, is still the
//!   owner's, still lists the broadcast and is still `active`; the owner is not disabled and the
//!   broadcast's channel is enabled. A failed guard is its own [`GuardedWriteError`], so the use case
//!   answers `errorStreamInactive` or the permission refusal without reading the stream or the channel
//!   on the happy path.
//! - Stream keys: the key must be shown again (`cdn.ingestionInfo.streamName` on every list with
//!   `part=cdn`, as YouTube does), so it is stored with the stream, inside the stored record (and,
//!   for 24 h, inside the kept answer of a `liveStreams.insert` sent with an `Idempotency-Key`, so
//!   that a retry gets the same answer); `Debug` of every type here redacts it (it is a [`onair_domain::lifecycle::StreamKey`]).
//!   The only look-up a key allows is [`StreamStore::find_by_key_hash`], by its SHA-256; no key ever
//!   appears in a storage key, an index, an error text or a log line.

use crate::error::StoreError;
use async_trait::async_trait;
use onair_domain::lifecycle::broadcast::Broadcast;
use onair_domain::lifecycle::stream::Stream;
use onair_domain::{ChannelId, Page, PageRequest, UserId};

/// A broadcast as stored: the record, its owner and its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBroadcast {
    /// The user owning the broadcast's channel.
    pub owner: UserId,
    /// The record.
    pub broadcast: Broadcast,
    /// Optimistic-concurrency version; 1 on create.
    pub version: u64,
    /// The PRISM live the broadcast belongs to (`None` for a YouTube-only broadcast). Set when the
    /// live opens the broadcast and carried by every write, so the DynamoDB adapter keeps the live's
    /// copy of the broadcast (its mirror) in the same atomic write.
    pub live: Option<String>,
}

/// A stream as stored: the record, its owner, its version and the broadcasts bound to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredStream {
    /// The user owning the stream's channel.
    pub owner: UserId,
    /// The record (its `Debug` redacts the stream key).
    pub stream: Stream,
    /// Optimistic-concurrency version; 1 on create. Every bind or unbind touching the stream bumps it.
    pub version: u64,
    /// Ids of the broadcasts bound to the stream, sorted. Maintained by [`BroadcastStore::bind`] and
    /// [`BroadcastStore::delete`]; `create` must pass it empty and `update` as read.
    pub bound_broadcasts: Vec<String>,
    /// The PRISM live the stream belongs to (`None` for a YouTube-only stream); carried by every
    /// write, as [`StoredBroadcast::live`].
    pub live: Option<String>,
}

impl StoredStream {
    /// The look-up form of the stream's key.
    pub fn key_hash(&self) -> String {
        self.stream.cdn.ingestion_info.stream_name.hash()
    }

    /// How many broadcasts other than `broadcast_id` are bound to the stream (the bind rule's input).
    pub fn bound_elsewhere(&self, broadcast_id: &str) -> usize {
        self.bound_broadcasts
            .iter()
            .filter(|id| id.as_str() != broadcast_id)
            .count()
    }
}

/// One change of a broadcast's binding, written atomically.
#[derive(Debug, Clone, Copy)]
pub struct BindChange<'a> {
    /// The broadcast as it will be stored (from `machine::bind`), carrying `expected_version + 1`.
    pub broadcast: &'a StoredBroadcast,
    /// The broadcast's version as read.
    pub expected_version: u64,
    /// The stream being bound, as read (its version is the expected one); `None` to unbind.
    pub attach: Option<&'a StoredStream>,
    /// The stream the broadcast was bound to before, as read; `None` if it was unbound (or that stream
    /// no longer exists).
    pub detach: Option<&'a StoredStream>,
}

/// The stream records a [`BindChange`] writes, each with the version it must still have.
#[derive(Debug, Clone)]
pub(crate) struct BindPlan {
    /// The streams to write, each with its expected version.
    pub streams: Vec<(StoredStream, u64)>,
}

/// Checks a [`BindChange`] and computes the stream records it writes. Shared by the adapters so
/// both refuse the same changes.
pub(crate) fn plan_bind(change: &BindChange<'_>) -> Result<BindPlan, StoreError> {
    let b = change.broadcast;
    let owner = &b.owner;
    let id = b.broadcast.id.as_str();
    if b.version != change.expected_version.saturating_add(1) {
        return Err(StoreError::Conflict(
            "the broadcast must carry the next version".into(),
        ));
    }
    if b.broadcast.bound_stream_id() != change.attach.map(|s| s.stream.id.as_str()) {
        return Err(StoreError::Conflict(
            "the broadcast's boundStreamId must name the attached stream".into(),
        ));
    }
    let mut streams = Vec::new();
    if let Some(detach) = change.detach {
        if &detach.owner != owner {
            return Err(StoreError::NotFound);
        }
        if change.attach.is_some_and(|a| a.stream.id == detach.stream.id) {
            return Err(StoreError::Conflict(
                "a stream cannot be attached and detached at once".into(),
            ));
        }
        let mut next = detach.clone();
        next.bound_broadcasts.retain(|other| other != id);
        next.version = detach.version.saturating_add(1);
        streams.push((next, detach.version));
    }
    if let Some(attach) = change.attach {
        if &attach.owner != owner {
            return Err(StoreError::NotFound);
        }
        if !attach.stream.content_details.is_reusable && attach.bound_elsewhere(id) > 0 {
            return Err(StoreError::Conflict(
                "the stream is not reusable and is already bound to another broadcast".into(),
            ));
        }
        let mut next = attach.clone();
        if !next.bound_broadcasts.iter().any(|other| other == id) {
            next.bound_broadcasts.push(id.to_owned());
            next.bound_broadcasts.sort();
        }
        next.version = attach.version.saturating_add(1);
        streams.push((next, attach.version));
    }
    Ok(BindPlan { streams })
}

/// The stream a broadcast delete frees: `bound` as read with the broadcast removed from it.
pub(crate) fn plan_unbind_on_delete(
    owner: &UserId,
    broadcast_id: &str,
    bound: &StoredStream,
) -> Result<(StoredStream, u64), StoreError> {
    if &bound.owner != owner {
        return Err(StoreError::NotFound);
    }
    let mut next = bound.clone();
    next.bound_broadcasts.retain(|other| other != broadcast_id);
    next.version = bound.version.saturating_add(1);
    Ok((next, bound.version))
}

/// The most ids one `get_many` call takes (a list by id takes at most 50 ids, as YouTube's `maxResults`).
pub const MAX_BATCH: usize = 50;

/// A broadcast write that also holds the conditions it was decided under (see the module docs).
#[derive(Debug, Clone, Copy)]
pub struct GuardedUpdate<'a> {
    /// The broadcast as it will be stored, carrying `expected_version + 1`; its binding must be the
    /// stored one.
    pub broadcast: &'a StoredBroadcast,
    /// The broadcast's version as read.
    pub expected_version: u64,
    /// When set, the stream with this id must exist, be the owner's, list the broadcast among its
    /// bound broadcasts and be `active`.
    pub require_active_stream: Option<&'a str>,
    /// When set, the owner must exist and not be disabled, and the broadcast's channel must exist and
    /// be enabled.
    pub require_live_enabled: bool,
    /// When set (with `require_active_stream`), the stream may be bound to at most this many
    /// broadcasts. A stream bound to no more broadcasts than the live limit can never exceed it, so the
    /// use case only counts live broadcasts (with reads) when this guard fails.
    pub require_bound_at_most: Option<usize>,
}

/// Why a [`BroadcastStore::transition`] wrote nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardedWriteError {
    /// The broadcast moved on (`Conflict`), is gone or another user's (`NotFound`), or the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Nothing was written: the owner or the channel is disabled (or gone). Also the answer of a
    /// guarded [`crate::LiveStore::commit`].
    #[error("the owner or the channel is disabled")]
    LiveNotEnabled,
    /// The broadcast is unchanged but the required stream is not active (or not bound, or gone).
    #[error("the bound stream is not active")]
    StreamNotActive,
    /// The broadcast is unchanged: the stream is active but bound to more broadcasts than
    /// `require_bound_at_most`.
    #[error("the bound stream is shared by more broadcasts than allowed")]
    StreamShared,
}

/// The ids of a `get_many` call, each once, in first-seen order; more than [`MAX_BATCH`] is a bug of
/// the caller (`Conflict`).
pub(crate) fn distinct_ids(ids: &[String]) -> Result<Vec<String>, StoreError> {
    let mut out: Vec<String> = Vec::with_capacity(ids.len());
    for id in ids {
        if !id.is_empty() && !out.contains(id) {
            out.push(id.clone());
        }
    }
    if out.len() > MAX_BATCH {
        return Err(StoreError::Conflict(format!(
            "at most {MAX_BATCH} ids can be read at once"
        )));
    }
    Ok(out)
}

/// Checks a [`GuardedUpdate`] before it is sent: the version must move by one.
pub(crate) fn check_guarded(update: &GuardedUpdate<'_>) -> Result<(), StoreError> {
    if update.broadcast.version != update.expected_version.saturating_add(1) {
        return Err(StoreError::Conflict(
            "the broadcast must carry the next version".into(),
        ));
    }
    Ok(())
}

/// What the ingest hook reads to decide whether an encoder may (still) publish to a stream: see
/// [`BroadcastStore::ingest_gate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestGate {
    /// The owner exists and is not disabled, and the stream's channel exists and is enabled.
    pub live_enabled: bool,
    /// The requested broadcasts that exist and are the owner's, in the order asked.
    pub broadcasts: Vec<StoredBroadcast>,
}

/// liveBroadcasts, addressed through their owner.
#[async_trait]
pub trait BroadcastStore: Send + Sync {
    /// Stores a new broadcast (version 1); `Conflict` if the id exists.
    async fn create(&self, broadcast: &StoredBroadcast) -> Result<(), StoreError>;
    /// One broadcast of `owner`; `NotFound` if absent or another user's.
    async fn get(&self, owner: &UserId, id: &str) -> Result<StoredBroadcast, StoreError>;
    /// The owner's broadcasts among `ids` (at most [`MAX_BATCH`] distinct), in the order of `ids`, in
    /// one request; absent ids and other users' are left out.
    async fn get_many(&self, owner: &UserId, ids: &[String]) -> Result<Vec<StoredBroadcast>, StoreError>;
    /// A page of `owner`'s broadcasts (of one channel when `channel` is set), newest first.
    async fn list(
        &self,
        owner: &UserId,
        channel: Option<&ChannelId>,
        page: &PageRequest,
    ) -> Result<Page<StoredBroadcast>, StoreError>;
    /// Replaces a broadcast if its stored version is `expected_version`. The binding must not change
    /// here (use [`BroadcastStore::bind`]): `Conflict` if `boundStreamId` differs from the stored one.
    async fn update(&self, broadcast: &StoredBroadcast, expected_version: u64) -> Result<(), StoreError>;
    /// Binds, unbinds or re-binds a broadcast and writes the streams involved, all in one atomic
    /// write conditioned on every version read. `Conflict` if any moved on (or if a non-reusable stream
    /// is bound elsewhere), `NotFound` if any is gone or another user's.
    async fn bind(&self, change: &BindChange<'_>) -> Result<(), StoreError>;
    /// Replaces a broadcast on its version, as [`BroadcastStore::update`], in one atomic write that also
    /// holds the guards of `update` (see [`GuardedUpdate`]); nothing is written if any fails.
    async fn transition(&self, update: &GuardedUpdate<'_>) -> Result<(), GuardedWriteError>;
    /// The ingest hook's admission read, in one request (DynamoDB `BatchGetItem` of the owner's
    /// profile, the channel and the broadcasts; at most [`MAX_BATCH`] distinct `broadcasts`): whether
    /// the owner and `channel` are enabled, and the owner's broadcasts among `broadcasts`.
    async fn ingest_gate(
        &self,
        owner: &UserId,
        channel: &ChannelId,
        broadcasts: &[String],
    ) -> Result<IngestGate, StoreError>;
    /// Removes a broadcast if its stored version is `expected_version`. `bound` is the stream it is
    /// bound to, as read (`None` if unbound or that stream is gone): it is freed in the same atomic
    /// write, conditioned on its version, so a racing bind or stream update loses or wins whole.
    /// `live` is the broadcast's live as read ([`StoredBroadcast::live`]): the live's copy goes with it.
    async fn delete(
        &self,
        owner: &UserId,
        id: &str,
        expected_version: u64,
        bound: Option<&StoredStream>,
        live: Option<&str>,
    ) -> Result<(), StoreError>;
}

/// liveStreams, addressed through their owner (and, for the ingest hook only, by key hash).
#[async_trait]
pub trait StreamStore: Send + Sync {
    /// Stores a new stream (version 1, no bound broadcasts) and reserves its key hash, atomically;
    /// `Conflict` if the id or the key hash exists.
    async fn create(&self, stream: &StoredStream) -> Result<(), StoreError>;
    /// One stream of `owner`; `NotFound` if absent or another user's.
    async fn get(&self, owner: &UserId, id: &str) -> Result<StoredStream, StoreError>;
    /// The owner's streams among `ids` (at most [`MAX_BATCH`] distinct), in the order of `ids`, in one
    /// request; absent ids and other users' are left out.
    async fn get_many(&self, owner: &UserId, ids: &[String]) -> Result<Vec<StoredStream>, StoreError>;
    /// A page of `owner`'s streams (of one channel when `channel` is set), newest first.
    async fn list(
        &self,
        owner: &UserId,
        channel: Option<&ChannelId>,
        page: &PageRequest,
    ) -> Result<Page<StoredStream>, StoreError>;
    /// Replaces a stream if its stored version is `expected_version`; the key and the bound broadcasts
    /// must be as read (`Conflict` otherwise).
    async fn update(&self, stream: &StoredStream, expected_version: u64) -> Result<(), StoreError>;
    /// Removes a stream and its key reservation if it is still at `stream.version` (so a racing bind,
    /// which bumps the version, makes the delete lose); `NotFound` if absent or another user's.
    async fn delete(&self, stream: &StoredStream) -> Result<(), StoreError>;
    /// The stream whose key hashes to `key_hash` (`StreamKey::hash`), whoever owns it; `NotFound` if
    /// none. The ingest hook's only look-up.
    async fn find_by_key_hash(&self, key_hash: &str) -> Result<StoredStream, StoreError>;
}
