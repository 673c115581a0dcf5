//! The static local secret store: secrets held in process memory, used by the local server and handler
//! tests. It has no cache to go stale, so `get` and `refresh` are the same read.

use crate::secrets::{ClientSecret, Rotated, RotationPolicy, StoredSecret};
use crate::{SecretStore, StoreError};
use async_trait::async_trait;
use onair_domain::{Clock, SecretString};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use time::OffsetDateTime;

/// In-memory secrets; clones share state.
#[derive(Clone)]
pub struct MemorySecretStore {
    secrets: Arc<Mutex<HashMap<String, ClientSecret>>>,
    /// Values written by [`SecretStore::put_version`], by secret and version.
    versions: Arc<Mutex<HashMap<(String, String), ClientSecret>>>,
    clock: Arc<dyn Clock>,
}

impl MemorySecretStore {
    /// An empty store reading time from `clock`.
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            secrets: Arc::default(),
            versions: Arc::default(),
            clock,
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, ClientSecret>> {
        self.secrets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[async_trait]
impl SecretStore for MemorySecretStore {
    async fn create(&self, name: &str, value: &SecretString) -> Result<(), StoreError> {
        let mut secrets = self.lock();
        if secrets.contains_key(name) {
            return Err(StoreError::Conflict("secret already exists".into()));
        }
        secrets.insert(name.to_owned(), ClientSecret::new(value.clone()));
        Ok(())
    }

    async fn get(&self, name: &str) -> Result<StoredSecret, StoreError> {
        let secret = self.lock().get(name).cloned().ok_or(StoreError::NotFound)?;
        Ok(StoredSecret {
            secret,
            fetched_at: self.clock.now(),
        })
    }

    async fn refresh(&self, name: &str) -> Result<StoredSecret, StoreError> {
        self.get(name).await
    }

    async fn rotate_with(
        &self,
        name: &str,
        value: &SecretString,
        previous_until: OffsetDateTime,
        policy: RotationPolicy,
    ) -> Result<Rotated, StoreError> {
        let now = self.clock.now();
        // The read, the decision and the write happen under one lock: concurrent rotations are
        // serialised, and each one decides on what the previous winner wrote.
        let mut secrets = self.lock();
        let stored = secrets.get_mut(name).ok_or(StoreError::NotFound)?;
        let rotated = stored
            .rotation(value.clone(), now, previous_until, policy)
            .map_err(|refused| StoreError::Conflict(refused.to_string()))?;
        let before = std::mem::replace(stored, rotated.clone());
        Ok(Rotated {
            before,
            after: rotated,
        })
    }

    async fn replace(
        &self,
        name: &str,
        expected: &ClientSecret,
        replacement: &ClientSecret,
    ) -> Result<(), StoreError> {
        let mut secrets = self.lock();
        let stored = secrets.get_mut(name).ok_or(StoreError::NotFound)?;
        if stored != expected {
            return Err(StoreError::Conflict("the secret changed in the meantime".into()));
        }
        *stored = replacement.clone();
        Ok(())
    }

    async fn put_version(&self, name: &str, next: &ClientSecret, version: &str) -> Result<(), StoreError> {
        // Both locks are held across the check and the write, so two writers of one version cannot
        // both win (always taken in this order).
        let mut secrets = self.lock();
        let mut versions = self
            .versions
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let stored = secrets.get_mut(name).ok_or(StoreError::NotFound)?;
        let key = (name.to_owned(), version.to_owned());
        match versions.get(&key) {
            Some(written) if written == next => Ok(()),
            Some(_) => Err(StoreError::Conflict("secret version already written".into())),
            None => {
                versions.insert(key, next.clone());
                *stored = next.clone();
                Ok(())
            }
        }
    }

    async fn delete(&self, name: &str) -> Result<(), StoreError> {
        self.lock().remove(name).map(drop).ok_or(StoreError::NotFound)
    }
}
