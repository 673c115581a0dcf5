//! The storage port of a broadcast's video (`videos.list`, spec §11): the broadcast read together
//! with the media plane's processing report, and the report's one conditional write.
//!
//! Contract (held by `tests/integration/contract/videos.rs` for every adapter):
//! - A video is addressed through its owner: the broadcast must exist and be the owner's, else the
//!   video is `NotFound` (for `get`) or left out (for `get_many`); a report is never shown without
//!   its broadcast, so a deleted broadcast has no video.
//! - `get_many(owner, ids)` takes at most [`crate::lifecycle_ports::MAX_BATCH`] distinct ids and reads
//!   the broadcasts and their reports in one request (DynamoDB: one `BatchGetItem`), answering in the
//!   order of `ids`.
//! - `record` stores a report only if the video has none (`Conflict` otherwise, nothing changed), and
//!   only if the broadcast still exists and is the owner's (`NotFound`), in one atomic write: racing
//!   reports have exactly one winner. Whether the broadcast is `complete` is the use case's check on
//!   its read: `complete` is terminal, so that read cannot go stale (a delete is caught by the write).
//!
//! Readers outside the lifecycle (Content ID) use [`StoredVideo::upload_status`].

use crate::StoredBroadcast;
use crate::error::StoreError;
use async_trait::async_trait;
use onair_domain::UserId;
use onair_domain::lifecycle::video::{self, VideoProcessing};
use onair_domain::lifecycle::wire::{ProcessingStatus, UploadStatus};

/// A broadcast's video: the broadcast as stored and the processing report, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredVideo {
    /// The broadcast (the video's id is the broadcast's id).
    pub broadcast: StoredBroadcast,
    /// The media plane's report; `None` until it reports.
    pub processing: Option<VideoProcessing>,
}

impl StoredVideo {
    /// The video id (= the broadcast id).
    pub fn id(&self) -> &str {
        &self.broadcast.broadcast.id
    }

    /// `status.uploadStatus` (`processed` once the media plane reported success).
    pub fn upload_status(&self) -> UploadStatus {
        video::upload_status(&self.broadcast.broadcast, self.processing.as_ref())
    }

    /// `processingDetails.processingStatus`.
    pub fn processing_status(&self) -> ProcessingStatus {
        video::processing_status(&self.broadcast.broadcast, self.processing.as_ref())
    }
}

/// Broadcast videos, addressed through their owner.
#[async_trait]
pub trait VideoStore: Send + Sync {
    /// The owner's video `id`; `NotFound` if the broadcast is absent or another user's.
    async fn get(&self, owner: &UserId, id: &str) -> Result<StoredVideo, StoreError>;
    /// The owner's videos among `ids` (at most [`crate::lifecycle_ports::MAX_BATCH`] distinct), in
    /// the order of `ids`, in one request; absent ids and other users' are left out.
    async fn get_many(&self, owner: &UserId, ids: &[String]) -> Result<Vec<StoredVideo>, StoreError>;
    /// Stores the first processing report of the owner's video: `Conflict` if a report exists,
    /// `NotFound` if the broadcast is absent or another user's.
    async fn record(&self, owner: &UserId, processing: &VideoProcessing) -> Result<(), StoreError>;
}
