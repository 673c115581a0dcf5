//! The embedded Content ID store: one partition per owner, under the store's one lock.

use super::{EmbeddedStore, State, check_version};
use crate::content_id_ports::{
    ContentIdStore, Exclusive, Expect, LinkGuard, OwnerView, RecordWrite, StoredOwner, StoredRecord,
    VideoView, WriteError,
};
use crate::error::StoreError;
use crate::lifecycle_ports::StoredBroadcast;
use async_trait::async_trait;
use std::collections::BTreeMap;

/// One owner's partition.
#[derive(Debug, Clone)]
pub(super) struct Partition {
    owner: StoredOwner,
    records: BTreeMap<String, StoredRecord>,
}

#[async_trait]
impl ContentIdStore for EmbeddedStore {
    async fn create_owner(&self, owner: &StoredOwner) -> Result<(), StoreError> {
        let mut state = self.lock();
        if state.content_owners.contains_key(&owner.owner.id) {
            return Err(StoreError::Conflict("the content owner exists".into()));
        }
        state.content_owners.insert(
            owner.owner.id.clone(),
            Partition {
                owner: owner.clone(),
                records: BTreeMap::new(),
            },
        );
        Ok(())
    }

    async fn update_owner(&self, owner: &StoredOwner, expected_version: u64) -> Result<(), StoreError> {
        let mut state = self.lock();
        let partition = state
            .content_owners
            .get_mut(&owner.owner.id)
            .ok_or(StoreError::NotFound)?;
        check_version(partition.owner.version, expected_version)?;
        partition.owner = owner.clone();
        Ok(())
    }

    async fn get_with(&self, owner_id: &str, sks: &[String]) -> Result<Option<OwnerView>, StoreError> {
        let state = self.lock();
        Ok(state.content_owners.get(owner_id).map(|p| {
            let mut records: Vec<StoredRecord> = p
                .records
                .values()
                .filter(|r| sks.contains(&r.sk))
                .cloned()
                .collect();
            records.sort_by(|a, b| a.sk.cmp(&b.sk));
            OwnerView {
                owner: p.owner.clone(),
                records,
            }
        }))
    }

    async fn list_with(&self, owner_id: &str, prefix: &str) -> Result<Option<OwnerView>, StoreError> {
        let state = self.lock();
        Ok(state.content_owners.get(owner_id).map(|p| OwnerView {
            owner: p.owner.clone(),
            records: p
                .records
                .range(prefix.to_owned()..)
                .take_while(|(sk, _)| sk.starts_with(prefix))
                .map(|(_, r)| r.clone())
                .collect(),
        }))
    }

    async fn write(
        &self,
        owner_id: &str,
        guard: &LinkGuard,
        writes: &[RecordWrite],
    ) -> Result<(), WriteError> {
        self.write_inner(owner_id, guard, writes, None)
    }

    async fn video(&self, key: &str, sks: &[String]) -> Result<VideoView, StoreError> {
        let state = self.lock();
        let mut records: Vec<StoredRecord> = sks
            .iter()
            .filter_map(|sk| state.content_video_records.get(&(key.to_owned(), sk.clone())))
            .cloned()
            .collect();
        records.sort_by(|a, b| a.sk.cmp(&b.sk));
        records.dedup_by(|a, b| a.sk == b.sk);
        Ok(VideoView {
            holder: state.content_exclusive.get(key).cloned(),
            records,
        })
    }

    async fn write_video(
        &self,
        owner_id: &str,
        guard: &LinkGuard,
        key: &str,
        write: &RecordWrite,
    ) -> Result<(), WriteError> {
        let mut state = self.lock();
        let linked = state
            .content_owners
            .get(owner_id)
            .is_some_and(|p| p.owner.owner.channels.get(&guard.channel_id) == Some(&guard.user_id));
        if !linked {
            return Err(WriteError::Unlinked);
        }
        if state.content_exclusive.get(key).map(|x| x.owner_id.as_str()) != Some(owner_id) {
            return Err(WriteError::Missing);
        }
        let slot = (key.to_owned(), write.record.sk.clone());
        match (write.expect, state.content_video_records.get(&slot)) {
            (Expect::Absent, None) => {}
            (Expect::Absent, Some(_)) => return Err(WriteError::Conflict("the record exists".into())),
            (Expect::Version(_), None) => return Err(WriteError::Missing),
            (Expect::Version(v), Some(stored)) if stored.version == v => {}
            (Expect::Version(v), Some(stored)) => {
                return Err(WriteError::Conflict(format!(
                    "version mismatch: expected {v}, stored {}",
                    stored.version
                )));
            }
        }
        state.content_video_records.insert(slot, write.record.clone());
        Ok(())
    }

    async fn write_exclusive(
        &self,
        owner_id: &str,
        guard: &LinkGuard,
        writes: &[RecordWrite],
        exclusive: &Exclusive,
    ) -> Result<(), WriteError> {
        self.write_inner(owner_id, guard, writes, Some(exclusive))
    }

    async fn write_with_broadcast(
        &self,
        owner_id: &str,
        guard: &LinkGuard,
        writes: &[RecordWrite],
        broadcast: &StoredBroadcast,
        expected_version: u64,
    ) -> Result<(), WriteError> {
        // The broadcasts sit in the same state under the same lock: checking the broadcast, then the
        // partition, before changing either makes the pair as atomic as the DynamoDB transaction.
        let mut state = self.lock();
        let id = &broadcast.broadcast.id;
        let current = state
            .broadcasts
            .get(id)
            .filter(|b| b.owner == broadcast.owner)
            .ok_or(WriteError::BroadcastMoved)?;
        if current.version != expected_version
            || current.broadcast.bound_stream_id() != broadcast.broadcast.bound_stream_id()
        {
            return Err(WriteError::BroadcastMoved);
        }
        Self::write_locked(&mut state, owner_id, guard, writes, None)?;
        state.broadcasts.insert(id.clone(), broadcast.clone());
        Ok(())
    }
}

impl EmbeddedStore {
    fn write_inner(
        &self,
        owner_id: &str,
        guard: &LinkGuard,
        writes: &[RecordWrite],
        exclusive: Option<&Exclusive>,
    ) -> Result<(), WriteError> {
        Self::write_locked(&mut self.lock(), owner_id, guard, writes, exclusive)
    }

    /// The partition write under the lock already held: every check first, then the changes.
    fn write_locked(
        state: &mut State,
        owner_id: &str,
        guard: &LinkGuard,
        writes: &[RecordWrite],
        exclusive: Option<&Exclusive>,
    ) -> Result<(), WriteError> {
        if exclusive.is_some_and(|x| state.content_exclusive.contains_key(&x.key)) {
            return Err(WriteError::Taken);
        }
        let partition = state
            .content_owners
            .get_mut(owner_id)
            .ok_or(WriteError::Unlinked)?;
        if partition.owner.owner.channels.get(&guard.channel_id) != Some(&guard.user_id) {
            return Err(WriteError::Unlinked);
        }
        // Check every expectation before changing anything: the write is all or nothing.
        for w in writes {
            match (w.expect, partition.records.get(&w.record.sk)) {
                (Expect::Absent, None) => {}
                (Expect::Absent, Some(_)) => return Err(WriteError::Conflict("the record exists".into())),
                (Expect::Version(_), None) => return Err(WriteError::Missing),
                (Expect::Version(v), Some(stored)) if stored.version == v => {}
                (Expect::Version(v), Some(stored)) => {
                    return Err(WriteError::Conflict(format!(
                        "version mismatch: expected {v}, stored {}",
                        stored.version
                    )));
                }
            }
        }
        for w in writes {
            partition.records.insert(w.record.sk.clone(), w.record.clone());
        }
        if let Some(x) = exclusive {
            state.content_exclusive.insert(x.key.clone(), x.clone());
        }
        Ok(())
    }
}
