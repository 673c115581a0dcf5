//! Embedded [`LockoutStore`]; expired counters read as zero, as on DynamoDB.

use super::EmbeddedStore;
use crate::{LockoutStore, StoreError};
use async_trait::async_trait;
use time::OffsetDateTime;

#[async_trait]
impl LockoutStore for EmbeddedStore {
    async fn failures(&self, keys: &[String]) -> Result<Vec<u32>, StoreError> {
        let state = self.lock();
        Ok(keys
            .iter()
            .map(|k| state.failures.get(k).map_or(0, |(n, _)| *n))
            .collect())
    }

    async fn add_failure(&self, key: &str, expires_at: OffsetDateTime) -> Result<u32, StoreError> {
        let mut state = self.lock();
        let entry = state.failures.entry(key.to_owned()).or_insert((0, expires_at));
        entry.0 += 1;
        entry.1 = expires_at;
        Ok(entry.0)
    }

    async fn reserve(
        &self,
        key: &str,
        limit: u32,
        expires_at: OffsetDateTime,
    ) -> Result<Option<u32>, StoreError> {
        // One lock around the check and the increment: the embedded form of a conditional update.
        let mut state = self.lock();
        let entry = state.failures.entry(key.to_owned()).or_insert((0, expires_at));
        if entry.0 >= limit {
            return Ok(None);
        }
        entry.0 += 1;
        entry.1 = expires_at;
        Ok(Some(entry.0))
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        if let Some(entry) = self.lock().failures.get_mut(key) {
            entry.0 = entry.0.saturating_sub(1);
        }
        Ok(())
    }

    async fn clear(&self, key: &str) -> Result<(), StoreError> {
        self.lock().failures.remove(key);
        Ok(())
    }
}
