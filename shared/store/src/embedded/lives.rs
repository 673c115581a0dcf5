//! Embedded [`LiveStore`]: every operation checks its conditions under the one lock before it changes
//! anything, like the DynamoDB conditional writes. No copies are kept: a view is assembled from the
//! records themselves, which gives the same answers as the DynamoDB partition read.

use super::{EmbeddedStore, State, check_version};
use crate::StoreError;
use crate::lifecycle_ports::GuardedWriteError;
use crate::live_ports::{
    LiveStats, LiveStore, LiveWrite, StoredLive, StoredLiveView, check_live, check_write, list_order,
    merge_stats,
};
use async_trait::async_trait;
use onair_domain::{ChannelId, UserId};

/// The view of `live` from the records as they are now.
fn view_of(state: &State, live: &StoredLive) -> StoredLiveView {
    let broadcast = state
        .broadcasts
        .get(&live.broadcast_id)
        .filter(|b| b.owner == live.owner)
        .cloned();
    let stream = state
        .streams
        .get(&live.stream_id)
        .filter(|s| s.owner == live.owner)
        .cloned();
    let stats = state
        .live_stats
        .get(&(live.live_id.clone(), live.broadcast_id.clone()))
        .cloned();
    StoredLiveView {
        live: live.clone(),
        broadcast,
        stream,
        stats,
        // The chat count is kept by the chat store, in the same embedded state.
        chat_count: state.chats.get(&live.live_id).map_or(0, |c| c.meta.count),
    }
}

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

    async fn view(
        &self,
        owner: &UserId,
        live_id: &str,
        _consistent: bool,
    ) -> Result<StoredLiveView, StoreError> {
        let state = self.lock();
        let live = state
            .lives
            .get(live_id)
            .filter(|l| &l.owner == owner)
            .ok_or(StoreError::NotFound)?;
        Ok(view_of(&state, live))
    }

    async fn list_views(
        &self,
        owner: &UserId,
        channel: &ChannelId,
    ) -> Result<Vec<StoredLiveView>, StoreError> {
        let state = self.lock();
        let mut lives: Vec<&StoredLive> = state
            .lives
            .values()
            .filter(|l| &l.channel_id == channel)
            .collect();
        if lives.iter().any(|l| &l.owner != owner) {
            return Err(StoreError::NotFound);
        }
        lives.sort_by(|a, b| list_order(a, b));
        Ok(lives.into_iter().map(|l| view_of(&state, l)).collect())
    }

    async fn commit(&self, write: &LiveWrite) -> Result<(), GuardedWriteError> {
        check_write(write)?;
        let mut state = self.lock();
        for (live, expected) in &write.lives {
            let stored = state
                .lives
                .get(&live.live_id)
                .filter(|l| l.owner == live.owner && l.channel_id == live.channel_id)
                .ok_or(StoreError::NotFound)?;
            check_version(stored.version, *expected)?;
        }
        for (b, expected) in &write.broadcasts {
            let stored = state
                .broadcasts
                .get(&b.broadcast.id)
                .filter(|s| s.owner == b.owner)
                .ok_or(StoreError::NotFound)?;
            check_version(stored.version, *expected)?;
            if stored.broadcast.bound_stream_id() != b.broadcast.bound_stream_id() {
                return Err(StoreError::Conflict("the binding changes only through bind".into()).into());
            }
        }
        // After the version checks, as on DynamoDB: a record that moved on is reported first.
        if let Some(channel) = &write.require_enabled {
            let owner = write
                .lives
                .first()
                .map(|(l, _)| &l.owner)
                .or_else(|| write.broadcasts.first().map(|(b, _)| &b.owner))
                .ok_or_else(|| StoreError::Conflict("nothing to write".into()))?;
            let owner_enabled = state.users.get(owner).is_some_and(|u| !u.disabled);
            let channel_enabled = state
                .channels
                .get(owner)
                .and_then(|channels| channels.get(channel))
                .is_some_and(|c| c.enabled);
            if !(owner_enabled && channel_enabled) {
                return Err(GuardedWriteError::LiveNotEnabled);
            }
        }
        for (live, _) in &write.lives {
            state.lives.insert(live.live_id.clone(), live.clone());
        }
        for (b, _) in &write.broadcasts {
            state.broadcasts.insert(b.broadcast.id.clone(), b.clone());
        }
        Ok(())
    }

    async fn find(&self, live_id: &str) -> Result<StoredLive, StoreError> {
        self.lock()
            .lives
            .get(live_id)
            .cloned()
            .ok_or(StoreError::NotFound)
    }

    async fn record_stats(
        &self,
        live: &StoredLive,
        stats: &LiveStats,
    ) -> Result<(bool, LiveStats), StoreError> {
        let mut state = self.lock();
        if !state.lives.contains_key(&live.live_id) {
            return Err(StoreError::NotFound);
        }
        let key = (live.live_id.clone(), live.broadcast_id.clone());
        let stored = state.live_stats.get(&key);
        match merge_stats(stored, stats) {
            Some(next) => {
                state.live_stats.insert(key, next.clone());
                Ok((true, next))
            }
            None => Ok((false, stored.cloned().unwrap_or_else(|| stats.clone()))),
        }
    }

    async fn stats_many(
        &self,
        owner: &UserId,
        keys: &[(String, String)],
    ) -> Result<Vec<(String, LiveStats)>, StoreError> {
        let state = self.lock();
        Ok(keys
            .iter()
            .filter(|(live, _)| state.lives.get(live).is_some_and(|l| &l.owner == owner))
            .filter_map(|key| state.live_stats.get(key).map(|s| (key.1.clone(), s.clone())))
            .collect())
    }
}
