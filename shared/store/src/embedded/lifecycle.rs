//! Embedded [`BroadcastStore`] and [`StreamStore`]: each operation checks every condition under the
//! one lock before it changes anything, so a bind is as atomic as the DynamoDB transaction.

use super::{EmbeddedStore, State, check_version};
use crate::lifecycle_ports::{check_guarded, distinct_ids, plan_bind, plan_unbind_on_delete};
use crate::page_token::{nanos, paginate_desc};
use crate::{
    BindChange, BroadcastStore, GuardedUpdate, GuardedWriteError, IngestGate, StoreError, StoredBroadcast,
    StoredStream, StreamStore,
};
use async_trait::async_trait;
use onair_domain::lifecycle::wire::StreamStatus;
use onair_domain::{ChannelId, Page, PageRequest, UserId};

/// The list order of both kinds: published desc, then id desc.
fn broadcast_key(b: &StoredBroadcast) -> (i128, String) {
    (nanos(b.broadcast.snippet.published_at), b.broadcast.id.clone())
}

fn stream_key(s: &StoredStream) -> (i128, String) {
    (nanos(s.stream.snippet.published_at), s.stream.id.clone())
}

fn owned_broadcast<'a>(
    state: &'a State,
    owner: &UserId,
    id: &str,
) -> Result<&'a StoredBroadcast, StoreError> {
    state
        .broadcasts
        .get(id)
        .filter(|b| &b.owner == owner)
        .ok_or(StoreError::NotFound)
}

fn owned_stream<'a>(state: &'a State, owner: &UserId, id: &str) -> Result<&'a StoredStream, StoreError> {
    state
        .streams
        .get(id)
        .filter(|s| &s.owner == owner)
        .ok_or(StoreError::NotFound)
}

/// Checks that every stream in `plan` is still at its expected version.
fn check_streams(state: &State, streams: &[(StoredStream, u64)]) -> Result<(), StoreError> {
    for (next, expected) in streams {
        let stored = owned_stream(state, &next.owner, &next.stream.id)?;
        check_version(stored.version, *expected)?;
    }
    Ok(())
}

#[async_trait]
impl BroadcastStore for EmbeddedStore {
    async fn create(&self, broadcast: &StoredBroadcast) -> Result<(), StoreError> {
        let mut state = self.lock();
        if state.broadcasts.contains_key(&broadcast.broadcast.id) {
            return Err(StoreError::Conflict("broadcast id already exists".into()));
        }
        state
            .broadcasts
            .insert(broadcast.broadcast.id.clone(), broadcast.clone());
        Ok(())
    }

    async fn get(&self, owner: &UserId, id: &str) -> Result<StoredBroadcast, StoreError> {
        owned_broadcast(&self.lock(), owner, id).cloned()
    }

    async fn get_many(&self, owner: &UserId, ids: &[String]) -> Result<Vec<StoredBroadcast>, StoreError> {
        let ids = distinct_ids(ids)?;
        let state = self.lock();
        Ok(ids
            .iter()
            .filter_map(|id| owned_broadcast(&state, owner, id).ok().cloned())
            .collect())
    }

    async fn ingest_gate(
        &self,
        owner: &UserId,
        channel: &ChannelId,
        broadcasts: &[String],
    ) -> Result<IngestGate, StoreError> {
        let ids = distinct_ids(broadcasts)?;
        let state = self.lock();
        let owner_enabled = state.users.get(owner).is_some_and(|u| !u.disabled);
        let channel_enabled = state
            .channels
            .get(owner)
            .and_then(|channels| channels.get(channel))
            .is_some_and(|c| c.enabled);
        Ok(IngestGate {
            live_enabled: owner_enabled && channel_enabled,
            broadcasts: ids
                .iter()
                .filter_map(|id| owned_broadcast(&state, owner, id).ok().cloned())
                .collect(),
        })
    }

    async fn transition(&self, update: &GuardedUpdate<'_>) -> Result<(), GuardedWriteError> {
        check_guarded(update)?;
        let next = update.broadcast;
        let mut state = self.lock();
        let stored = owned_broadcast(&state, &next.owner, &next.broadcast.id)?;
        check_version(stored.version, update.expected_version)?;
        if stored.broadcast.bound_stream_id() != next.broadcast.bound_stream_id() {
            return Err(StoreError::Conflict("the binding changes only through bind".into()).into());
        }
        if update.require_live_enabled {
            let owner_enabled = state.users.get(&next.owner).is_some_and(|u| !u.disabled);
            let channel_enabled = state
                .channels
                .get(&next.owner)
                .and_then(|channels| channels.get(next.broadcast.channel_id()))
                .is_some_and(|c| c.enabled);
            if !(owner_enabled && channel_enabled) {
                return Err(GuardedWriteError::LiveNotEnabled);
            }
        }
        if let Some(stream_id) = update.require_active_stream {
            let stream = owned_stream(&state, &next.owner, stream_id).ok().filter(|s| {
                s.stream.stream_status() == StreamStatus::Active
                    && s.bound_broadcasts.iter().any(|b| b == &next.broadcast.id)
            });
            let Some(stream) = stream else {
                return Err(GuardedWriteError::StreamNotActive);
            };
            if update
                .require_bound_at_most
                .is_some_and(|max| stream.bound_broadcasts.len() > max)
            {
                return Err(GuardedWriteError::StreamShared);
            }
        }
        state.broadcasts.insert(next.broadcast.id.clone(), next.clone());
        Ok(())
    }

    async fn list(
        &self,
        owner: &UserId,
        channel: Option<&ChannelId>,
        page: &PageRequest,
    ) -> Result<Page<StoredBroadcast>, StoreError> {
        let all: Vec<StoredBroadcast> = self
            .lock()
            .broadcasts
            .values()
            .filter(|b| &b.owner == owner && channel.is_none_or(|c| b.broadcast.channel_id() == c))
            .cloned()
            .collect();
        paginate_desc(all, broadcast_key, page)
    }

    async fn update(&self, broadcast: &StoredBroadcast, expected_version: u64) -> Result<(), StoreError> {
        let mut state = self.lock();
        let stored = owned_broadcast(&state, &broadcast.owner, &broadcast.broadcast.id)?;
        check_version(stored.version, expected_version)?;
        if stored.broadcast.bound_stream_id() != broadcast.broadcast.bound_stream_id() {
            return Err(StoreError::Conflict(
                "the binding changes only through bind".into(),
            ));
        }
        state
            .broadcasts
            .insert(broadcast.broadcast.id.clone(), broadcast.clone());
        Ok(())
    }

    async fn bind(&self, change: &BindChange<'_>) -> Result<(), StoreError> {
        let plan = plan_bind(change)?;
        let next = change.broadcast;
        let mut state = self.lock();
        let stored = owned_broadcast(&state, &next.owner, &next.broadcast.id)?;
        check_version(stored.version, change.expected_version)?;
        check_streams(&state, &plan.streams)?;
        state.broadcasts.insert(next.broadcast.id.clone(), next.clone());
        for (stream, _) in plan.streams {
            state.streams.insert(stream.stream.id.clone(), stream);
        }
        Ok(())
    }

    async fn delete(
        &self,
        owner: &UserId,
        id: &str,
        expected_version: u64,
        bound: Option<&StoredStream>,
    ) -> Result<(), StoreError> {
        let freed = bound
            .map(|stream| plan_unbind_on_delete(owner, id, stream))
            .transpose()?;
        let mut state = self.lock();
        let stored = owned_broadcast(&state, owner, id)?;
        check_version(stored.version, expected_version)?;
        if let Some((stream, _)) = &freed
            && stored.broadcast.bound_stream_id() != Some(stream.stream.id.as_str())
        {
            return Err(StoreError::Conflict(
                "the broadcast is not bound to that stream".into(),
            ));
        }
        let freed: Vec<_> = freed.into_iter().collect();
        check_streams(&state, &freed)?;
        state.broadcasts.remove(id);
        for (stream, _) in freed {
            state.streams.insert(stream.stream.id.clone(), stream);
        }
        Ok(())
    }
}

#[async_trait]
impl StreamStore for EmbeddedStore {
    async fn create(&self, stream: &StoredStream) -> Result<(), StoreError> {
        let hash = stream.key_hash();
        let mut state = self.lock();
        if state.streams.contains_key(&stream.stream.id) {
            return Err(StoreError::Conflict("stream id already exists".into()));
        }
        if state.stream_keys.contains_key(&hash) {
            return Err(StoreError::Conflict("stream key already exists".into()));
        }
        state.stream_keys.insert(hash, stream.stream.id.clone());
        state.streams.insert(stream.stream.id.clone(), stream.clone());
        Ok(())
    }

    async fn get(&self, owner: &UserId, id: &str) -> Result<StoredStream, StoreError> {
        owned_stream(&self.lock(), owner, id).cloned()
    }

    async fn get_many(&self, owner: &UserId, ids: &[String]) -> Result<Vec<StoredStream>, StoreError> {
        let ids = distinct_ids(ids)?;
        let state = self.lock();
        Ok(ids
            .iter()
            .filter_map(|id| owned_stream(&state, owner, id).ok().cloned())
            .collect())
    }

    async fn list(
        &self,
        owner: &UserId,
        channel: Option<&ChannelId>,
        page: &PageRequest,
    ) -> Result<Page<StoredStream>, StoreError> {
        let all: Vec<StoredStream> = self
            .lock()
            .streams
            .values()
            .filter(|s| &s.owner == owner && channel.is_none_or(|c| s.stream.channel_id() == c))
            .cloned()
            .collect();
        paginate_desc(all, stream_key, page)
    }

    async fn update(&self, stream: &StoredStream, expected_version: u64) -> Result<(), StoreError> {
        let mut state = self.lock();
        let stored = owned_stream(&state, &stream.owner, &stream.stream.id)?;
        check_version(stored.version, expected_version)?;
        if stored.key_hash() != stream.key_hash() || stored.bound_broadcasts != stream.bound_broadcasts {
            return Err(StoreError::Conflict(
                "the key and the bindings change only through create and bind".into(),
            ));
        }
        state.streams.insert(stream.stream.id.clone(), stream.clone());
        Ok(())
    }

    async fn delete(&self, stream: &StoredStream) -> Result<(), StoreError> {
        let mut state = self.lock();
        let stored = owned_stream(&state, &stream.owner, &stream.stream.id)?;
        check_version(stored.version, stream.version)?;
        let hash = stored.key_hash();
        state.stream_keys.remove(&hash);
        state.streams.remove(&stream.stream.id);
        Ok(())
    }

    async fn find_by_key_hash(&self, key_hash: &str) -> Result<StoredStream, StoreError> {
        let state = self.lock();
        state
            .stream_keys
            .get(key_hash)
            .and_then(|id| state.streams.get(id))
            .cloned()
            .ok_or(StoreError::NotFound)
    }
}
