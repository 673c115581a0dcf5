//! The embedded store: every port held in process memory behind one lock.
//!
//! It is the local server's default, so it keeps the exact contract of the DynamoDB adapter
//! (conditional creates, version checks, ordering, page tokens) — the same contract suite runs on both.
//! Each operation takes the lock once and never awaits while holding it, so each is atomic like a
//! DynamoDB transaction.

mod audit;
pub mod channels;
mod chat;
mod clients;
mod content_id;
mod grants;
mod idempotency;
mod lifecycle;
mod lives;
mod lockouts;
pub mod steps;
mod users;
mod videos;

pub use steps::{EmbeddedSteps, StepSink, WeakSteps};

use onair_domain::audit::AuditEntry;
use onair_domain::channel::Channel;
use onair_domain::client::Client;
use onair_domain::oauth::code::CodeRecord;
use onair_domain::oauth::refresh::{Family, RefreshRecord};
use onair_domain::user::User;
use onair_domain::{ChannelId, ClientId, UserId};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

/// Everything the embedded store holds.
#[derive(Debug, Default)]
struct State {
    clients: HashMap<ClientId, Client>,
    users: HashMap<UserId, User>,
    logins: HashMap<String, UserId>,
    channels: HashMap<UserId, BTreeMap<ChannelId, Channel>>,
    codes: HashMap<String, CodeRecord>,
    refresh: HashMap<String, RefreshRecord>,
    families: HashMap<String, Family>,
    failures: HashMap<String, (u32, time::OffsetDateTime)>,
    audit: Vec<AuditEntry>,
    broadcasts: HashMap<String, crate::lifecycle_ports::StoredBroadcast>,
    streams: HashMap<String, crate::lifecycle_ports::StoredStream>,
    lives: HashMap<String, crate::live_ports::StoredLive>,
    /// Statistics snapshots by (live id, broadcast id).
    live_stats: HashMap<(String, String), crate::live_ports::LiveStats>,
    /// Stream key hash → stream id: the key reservation.
    stream_keys: HashMap<String, String>,
    /// Idempotency records by scope.
    idempotency:
        HashMap<crate::idempotency_ports::IdempotencyScope, crate::idempotency_ports::IdempotencyRecord>,
    /// Live chats by chat id.
    chats: HashMap<String, chat::EmbeddedChat>,
    /// Content ID partitions by content owner id.
    content_owners: HashMap<String, content_id::Partition>,
    /// Content ID keys shared by all owners (`VIDEOCLAIM#{videoId}`) → their holder.
    content_exclusive: HashMap<String, crate::content_id_ports::Exclusive>,
    /// Records of those keys' partitions, by (key, sk).
    content_video_records: HashMap<(String, String), crate::content_id_ports::StoredRecord>,
    /// Processing reports of broadcast videos, by video (= broadcast) id.
    videos: HashMap<String, onair_domain::lifecycle::video::VideoProcessing>,
}

/// The in-process store; cheap to clone, clones share state.
#[derive(Debug, Clone, Default)]
pub struct EmbeddedStore {
    state: Arc<Mutex<State>>,
}

impl EmbeddedStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned lock means a panic elsewhere mid-operation; every operation validates before it
        // mutates, so the data is still consistent and serving on is safe.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// `Conflict` unless `stored` is at `expected`.
fn check_version(stored: u64, expected: u64) -> Result<(), crate::StoreError> {
    if stored == expected {
        Ok(())
    } else {
        Err(crate::StoreError::Conflict(format!(
            "version mismatch: expected {expected}, stored {stored}"
        )))
    }
}
