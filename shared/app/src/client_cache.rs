//! An in-memory cache of client records for the token and authorization endpoints.
//!
//! A warm function authenticates PRISM's token requests without a DynamoDB read, which keeps code
//! exchange and refresh within two round trips. The price is bounded staleness: a deleted client, or a
//! changed redirect-URI list, is seen by a warm instance after at most the TTL (60 s by default).
//! Admin writes through this instance invalidate its entry at once.

use crate::error::{AppError, StoreResult};
use onair_domain::client::Client;
use onair_domain::{ClientId, Clock};
use onair_store::ClientStore;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use time::{Duration, OffsetDateTime};

/// Cached client lookups.
pub struct ClientCache {
    store: Arc<dyn ClientStore>,
    clock: Arc<dyn Clock>,
    ttl: Duration,
    entries: Mutex<HashMap<ClientId, (Client, OffsetDateTime)>>,
}

impl ClientCache {
    /// A cache over `store` keeping entries for `ttl`.
    pub fn new(store: Arc<dyn ClientStore>, clock: Arc<dyn Clock>, ttl: Duration) -> Self {
        Self {
            store,
            clock,
            ttl,
            entries: Mutex::default(),
        }
    }

    /// The client, from memory when fresh; [`AppError::NotFound`] (`"client"`) when there is none.
    pub async fn get(&self, id: &ClientId) -> Result<Client, AppError> {
        let now = self.clock.now();
        if let Some((client, fetched)) = self.lock().get(id)
            && now - *fetched < self.ttl
        {
            return Ok(client.clone());
        }
        let client = self.store.get(id).await.what("client")?;
        self.lock().insert(id.clone(), (client.clone(), now));
        Ok(client)
    }

    /// Drops a client's entry (after an admin change made by this instance).
    pub fn invalidate(&self, id: &ClientId) {
        self.lock().remove(id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ClientId, (Client, OffsetDateTime)>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
