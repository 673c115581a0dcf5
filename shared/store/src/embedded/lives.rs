//! Embedded [`LiveStore`]: every operation checks its conditions under the one lock before it changes
//! anything, like the DynamoDB conditional writes.

use super::{EmbeddedStore, check_version};
use crate::StoreError;
use crate::live_ports::{LiveStore, StoredLive, check_live, list_order};
use async_trait::async_trait;
use onair_domain::{ChannelId, UserId};

#[async_trait]
impl LiveStore for EmbeddedStore {
    async fn create(&self, live: &StoredLive) -> Result<(), StoreError> {
        check_live(live)?;
        let mut state = self.lock();
        if state.lives.contains_key(&live.live_id) {
            return Err(StoreError::Conflict("live id already exists".into()));
        }
        state.lives.insert(live.live_id.clone(), live.clone());
        Ok(())
    }

    async fn get(&self, owner: &UserId, live_id: &str) -> Result<StoredLive, StoreError> {
        self.lock()
            .lives
            .get(live_id)
            .filter(|l| &l.owner == owner)
            .cloned()
            .ok_or(StoreError::NotFound)
    }

    async fn update(&self, live: &StoredLive, expected_version: u64) -> Result<(), StoreError> {
        check_live(live)?;
        let mut state = self.lock();
        let stored = state
            .lives
            .get(&live.live_id)
            .filter(|l| l.owner == live.owner && l.channel_id == live.channel_id)
            .ok_or(StoreError::NotFound)?;
        check_version(stored.version, expected_version)?;
        state.lives.insert(live.live_id.clone(), live.clone());
        Ok(())
    }

    async fn list(&self, owner: &UserId, channel: &ChannelId) -> Result<Vec<StoredLive>, StoreError> {
        let mut lives: Vec<StoredLive> = self
            .lock()
            .lives
            .values()
            .filter(|l| &l.owner == owner && &l.channel_id == channel)
            .cloned()
            .collect();
        lives.sort_by(list_order);
        Ok(lives)
    }
}
