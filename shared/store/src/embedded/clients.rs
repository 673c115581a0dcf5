//! Embedded [`ClientStore`].

use super::{EmbeddedStore, check_version};
use crate::page_token::{nanos, paginate_desc};
use crate::{ClientStore, StoreError};
use async_trait::async_trait;
use onair_domain::client::Client;
use onair_domain::{ClientId, Page, PageRequest};

#[async_trait]
impl ClientStore for EmbeddedStore {
    async fn create(&self, client: &Client) -> Result<(), StoreError> {
        let mut state = self.lock();
        if state.clients.contains_key(&client.id) {
            return Err(StoreError::Conflict("client id already exists".into()));
        }
        state.clients.insert(client.id.clone(), client.clone());
        Ok(())
    }

    async fn get(&self, id: &ClientId) -> Result<Client, StoreError> {
        self.lock().clients.get(id).cloned().ok_or(StoreError::NotFound)
    }

    async fn list(&self, page: &PageRequest) -> Result<Page<Client>, StoreError> {
        let all: Vec<Client> = self.lock().clients.values().cloned().collect();
        paginate_desc(all, |c| (nanos(c.created_at), c.id.to_string()), page)
    }

    async fn update(&self, client: &Client, expected_version: u64) -> Result<(), StoreError> {
        let mut state = self.lock();
        let stored = state.clients.get_mut(&client.id).ok_or(StoreError::NotFound)?;
        check_version(stored.version, expected_version)?;
        *stored = client.clone();
        Ok(())
    }

    async fn delete(&self, id: &ClientId) -> Result<(), StoreError> {
        self.lock()
            .clients
            .remove(id)
            .map(drop)
            .ok_or(StoreError::NotFound)
    }
}
