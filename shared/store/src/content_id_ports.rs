//! The storage port of Content ID: one partition per content owner.
//!
//! The partition holds the owner record (`OWNER`: display name, live-fingerprinting flag, version
//! and the linked channels, so the entitlement check reads one item) and the owner's records, each
//! under its sort key (`ASSET#{id}`, `POLICY#{id}`; part 2 adds its own). Records are opaque to the
//! store: a JSON document with a version, so new Content ID resources need no adapter change.
//!
//! Contract (held by `tests/integration/contract/content_id.rs` for every adapter):
//! - `create_owner` is conditional: an existing id is `Conflict` and overwrites nothing.
//! - `update_owner(owner, expected)` writes only on the stored version `expected` (the record passed in
//!   carries `expected + 1`); a lost race is `Conflict`, a missing owner `NotFound`.
//! - [`ContentIdStore::get_with`] reads the owner record together with any records of its partition
//!   in ONE request (DynamoDB `BatchGetItem`); `None` when the owner does not exist; absent records
//!   are left out. Records of another owner are never reached: the partition is the owner's.
//! - [`ContentIdStore::list_with`] reads the owner record and every record whose sort key starts with
//!   a prefix in ONE request (a `Query` over the partition), records in sort-key order.
//! - [`ContentIdStore::write`] writes records atomically (one transaction), each on its expectation
//!   (absent, or at a version), AND only while the owner still links the channel named by the
//!   [`LinkGuard`] to the same user — so a write decided on an entitlement that a concurrent unlink
//!   withdrew changes nothing. A failed guard is [`WriteError::Unlinked`]; a failed expectation is
//!   [`WriteError::Conflict`] (record exists, or version moved) or [`WriteError::Missing`].
//! - [`ContentIdStore::write_exclusive`] is `write` plus ONE item outside every owner's partition
//!   (an [`Exclusive`] key such as `VIDEOCLAIM#{videoId}`), put in the same transaction on its absence:
//!   the key is shared by all owners, so of two owners' racing writes naming it exactly one lands. A
//!   taken key is [`WriteError::Taken`] and nothing is written.
//! - The exclusive key's partition also holds records of the video shared by every reader (the
//!   advertising options, `sk = ADOPTIONS`): [`ContentIdStore::video`] reads the holder and those
//!   records in ONE request; [`ContentIdStore::write_video`] writes one of them on its expectation,
//!   only while the writing owner holds the key (else [`WriteError::Missing`]) and links the guard.
//! - [`ContentIdStore::write_with_broadcast`] is `write` plus ONE broadcast of the lifecycle store,
//!   replaced on its expected version (owner, version and binding as read) in the same atomic write
//!   (DynamoDB: the same `TransactWriteItems`; both stores live in one table). A live reference locks
//!   `recordFromStart` with it: a concurrent transition or update of the broadcast and the reference
//!   have exactly one winner. A moved, deleted or another user's broadcast is
//!   [`WriteError::BroadcastMoved`] and nothing is written.

use crate::error::StoreError;
use crate::lifecycle_ports::StoredBroadcast;
use async_trait::async_trait;
use onair_domain::content_id::ContentOwner;

/// A content owner as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOwner {
    /// The record.
    pub owner: ContentOwner,
    /// Optimistic-concurrency version; 1 on create. Linking and unlinking bump it.
    pub version: u64,
}

/// One record of an owner's partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    /// Sort key inside the partition (`ASSET#{id}`, `POLICY#{id}`, ...).
    pub sk: String,
    /// The record's JSON document.
    pub doc: String,
    /// Optimistic-concurrency version; 1 on create.
    pub version: u64,
}

/// The owner record with some records of its partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnerView {
    /// The owner.
    pub owner: StoredOwner,
    /// The records found, in sort-key order.
    pub records: Vec<StoredRecord>,
}

impl OwnerView {
    /// The record under `sk`, if it was read.
    pub fn record(&self, sk: &str) -> Option<&StoredRecord> {
        self.records.iter().find(|r| r.sk == sk)
    }
}

/// What a written record expects of the stored one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// No record under the key yet.
    Absent,
    /// The stored record is at this version (the written one carries the next).
    Version(u64),
}

/// One record to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordWrite {
    /// The record as it will be stored.
    pub record: StoredRecord,
    /// The condition on the stored record.
    pub expect: Expect,
}

/// The link a write was entitled through: it must still be in the owner record when the write lands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkGuard {
    /// The linked channel.
    pub channel_id: String,
    /// The user the channel is linked for.
    pub user_id: String,
}

/// Why a [`ContentIdStore::write`] wrote nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    /// The owner no longer exists or no longer links the guard's channel to its user.
    #[error("the content owner no longer links the channel")]
    Unlinked,
    /// A record expected absent exists, or a record's version moved on.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A record expected at a version does not exist.
    #[error("record not found")]
    Missing,
    /// The [`Exclusive`] key of a [`ContentIdStore::write_exclusive`] is taken (by any owner).
    #[error("the exclusive key is taken")]
    Taken,
    /// The broadcast of a [`ContentIdStore::write_with_broadcast`] is no longer at the version
    /// read (or is gone, or is another user's).
    #[error("the broadcast changed since it was read")]
    BroadcastMoved,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A key shared by every owner, written once: the first write naming it wins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exclusive {
    /// The key (`VIDEOCLAIM#{videoId}`): a partition of its own.
    pub key: String,
    /// The owner holding it.
    pub owner_id: String,
    /// The sort key of the owner's record it points at (`CLAIM#{id}`).
    pub record_sk: String,
}

/// A video's shared partition as read: who holds its claim key and the records read with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VideoView {
    /// The holder of the video's exclusive key (`None`: unclaimed).
    pub holder: Option<Exclusive>,
    /// The records read (those of the `sks` asked for that exist).
    pub records: Vec<StoredRecord>,
}

/// Most records one `get_with` reads besides the owner.
pub const MAX_GET_WITH: usize = 50;
/// Most records one `write` writes (a transaction takes 100 items, one is the owner guard).
pub const MAX_WRITES: usize = 25;

/// Content owners and their records.
#[async_trait]
pub trait ContentIdStore: Send + Sync {
    /// Creates an owner (conditional on the id being free).
    async fn create_owner(&self, owner: &StoredOwner) -> Result<(), StoreError>;
    /// Replaces an owner on its version (see the module docs).
    async fn update_owner(&self, owner: &StoredOwner, expected_version: u64) -> Result<(), StoreError>;
    /// The owner with the records under `sks` (at most [`MAX_GET_WITH`]), in one request.
    async fn get_with(&self, owner_id: &str, sks: &[String]) -> Result<Option<OwnerView>, StoreError>;
    /// The owner with every record whose sort key starts with `prefix`, in one request.
    async fn list_with(&self, owner_id: &str, prefix: &str) -> Result<Option<OwnerView>, StoreError>;
    /// Writes `writes` (1 to [`MAX_WRITES`]) atomically, guarded by the link.
    async fn write(
        &self,
        owner_id: &str,
        guard: &LinkGuard,
        writes: &[RecordWrite],
    ) -> Result<(), WriteError>;
    /// The holder of the exclusive key `key` and the records `sks` of its partition, in one request.
    async fn video(&self, key: &str, sks: &[String]) -> Result<VideoView, StoreError>;
    /// Writes `write` into the partition of the exclusive key `key`, only while `owner_id` holds the
    /// key and links the guard, on the record's expectation; atomically.
    async fn write_video(
        &self,
        owner_id: &str,
        guard: &LinkGuard,
        key: &str,
        write: &RecordWrite,
    ) -> Result<(), WriteError>;
    /// [`ContentIdStore::write`] plus `broadcast` (carrying `expected_version + 1`, binding as stored)
    /// written on `expected_version`, atomically.
    async fn write_with_broadcast(
        &self,
        owner_id: &str,
        guard: &LinkGuard,
        writes: &[RecordWrite],
        broadcast: &StoredBroadcast,
        expected_version: u64,
    ) -> Result<(), WriteError>;
    /// [`ContentIdStore::write`] plus the `exclusive` key, put on its absence, atomically.
    async fn write_exclusive(
        &self,
        owner_id: &str,
        guard: &LinkGuard,
        writes: &[RecordWrite],
        exclusive: &Exclusive,
    ) -> Result<(), WriteError>;
}
