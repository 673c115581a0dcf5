//! Embedded [`ChannelStore`].

use super::{EmbeddedStore, check_version};
use crate::page_token::{nanos, paginate_desc};
use crate::{ChannelStore, OwnedChannel, OwnedChannels, StoreError};
use async_trait::async_trait;
use onair_domain::channel::{Channel, MAX_CHANNELS_PER_USER};
use onair_domain::{ChannelId, PageRequest, UserId};

#[async_trait]
impl ChannelStore for EmbeddedStore {
    async fn create(&self, channel: &Channel) -> Result<(), StoreError> {
        let mut state = self.lock();
        if !state.users.contains_key(&channel.owner) {
            return Err(StoreError::NotFound);
        }
        let owned = state.channels.entry(channel.owner.clone()).or_default();
        if owned.contains_key(&channel.id) {
            return Err(StoreError::Conflict("channel id already exists".into()));
        }
        if owned.len() >= MAX_CHANNELS_PER_USER {
            return Err(StoreError::Conflict(format!(
                "owner already has the maximum of {MAX_CHANNELS_PER_USER} channels"
            )));
        }
        owned.insert(channel.id.clone(), channel.clone());
        Ok(())
    }

    async fn get(&self, owner: &UserId, id: &ChannelId) -> Result<OwnedChannel, StoreError> {
        let state = self.lock();
        let user = state.users.get(owner).ok_or(StoreError::NotFound)?;
        let channel = state
            .channels
            .get(owner)
            .and_then(|c| c.get(id))
            .ok_or(StoreError::NotFound)?;
        Ok(OwnedChannel {
            owner: user.clone(),
            channel: channel.clone(),
        })
    }

    async fn list(&self, owner: &UserId, page: &PageRequest) -> Result<OwnedChannels, StoreError> {
        let (user, all) = {
            let state = self.lock();
            let user = state.users.get(owner).cloned().ok_or(StoreError::NotFound)?;
            let all: Vec<Channel> = state
                .channels
                .get(owner)
                .map(|c| c.values().cloned().collect())
                .unwrap_or_default();
            (user, all)
        };
        let page = paginate_desc(all, channel_key, page)?;
        Ok(OwnedChannels { owner: user, page })
    }

    async fn update(&self, channel: &Channel, expected_version: u64) -> Result<(), StoreError> {
        let mut state = self.lock();
        let stored = state
            .channels
            .get_mut(&channel.owner)
            .and_then(|c| c.get_mut(&channel.id))
            .ok_or(StoreError::NotFound)?;
        check_version(stored.version, expected_version)?;
        *stored = channel.clone();
        Ok(())
    }
}

/// The descending list key of a channel: modified, then created, then id.
pub fn channel_key(c: &Channel) -> (i128, i128, String) {
    (nanos(c.modified_at), nanos(c.created_at), c.id.to_string())
}
