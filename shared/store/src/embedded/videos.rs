//! Embedded [`VideoStore`]: the report sits beside the broadcasts under the one lock, so the
//! "broadcast is the owner's and has no report yet" check and the write are one atomic step.

use super::EmbeddedStore;
use crate::lifecycle_ports::distinct_ids;
use crate::{StoreError, StoredVideo, VideoStore};
use async_trait::async_trait;
use onair_domain::UserId;
use onair_domain::lifecycle::video::VideoProcessing;

impl EmbeddedStore {
    fn video_of(state: &super::State, owner: &UserId, id: &str) -> Option<StoredVideo> {
        let broadcast = state.broadcasts.get(id).filter(|b| &b.owner == owner)?;
        Some(StoredVideo {
            broadcast: broadcast.clone(),
            processing: state.videos.get(id).cloned(),
        })
    }
}

#[async_trait]
impl VideoStore for EmbeddedStore {
    async fn get(&self, owner: &UserId, id: &str) -> Result<StoredVideo, StoreError> {
        Self::video_of(&self.lock(), owner, id).ok_or(StoreError::NotFound)
    }

    async fn get_many(&self, owner: &UserId, ids: &[String]) -> Result<Vec<StoredVideo>, StoreError> {
        let ids = distinct_ids(ids)?;
        let state = self.lock();
        Ok(ids
            .iter()
            .filter_map(|id| Self::video_of(&state, owner, id))
            .collect())
    }

    async fn record(&self, owner: &UserId, processing: &VideoProcessing) -> Result<(), StoreError> {
        let mut state = self.lock();
        let id = processing.video_id.as_str();
        if state.broadcasts.get(id).is_none_or(|b| &b.owner != owner) {
            return Err(StoreError::NotFound);
        }
        if state.videos.contains_key(id) {
            return Err(StoreError::Conflict(
                "the video already has a processing report".into(),
            ));
        }
        state.videos.insert(id.to_owned(), processing.clone());
        Ok(())
    }
}
