//! Embedded [`UserStore`].

use super::{EmbeddedStore, check_version};
use crate::{StoreError, UserStore};
use async_trait::async_trait;
use onair_domain::UserId;
use onair_domain::user::User;

#[async_trait]
impl UserStore for EmbeddedStore {
    async fn create(&self, user: &User) -> Result<(), StoreError> {
        let mut state = self.lock();
        if state.users.contains_key(&user.id) {
            return Err(StoreError::Conflict("user id already exists".into()));
        }
        if state.logins.contains_key(&user.login) {
            return Err(StoreError::Conflict("login already taken".into()));
        }
        state.logins.insert(user.login.clone(), user.id.clone());
        state.users.insert(user.id.clone(), user.clone());
        Ok(())
    }

    async fn get(&self, id: &UserId) -> Result<User, StoreError> {
        self.lock().users.get(id).cloned().ok_or(StoreError::NotFound)
    }

    async fn find_by_login(&self, login: &str) -> Result<User, StoreError> {
        let state = self.lock();
        let id = state.logins.get(login).ok_or(StoreError::NotFound)?;
        state.users.get(id).cloned().ok_or(StoreError::NotFound)
    }

    async fn update(&self, user: &User, expected_version: u64) -> Result<(), StoreError> {
        let mut state = self.lock();
        let stored = state.users.get_mut(&user.id).ok_or(StoreError::NotFound)?;
        check_version(stored.version, expected_version)?;
        // The login is immutable: it is the key of the uniqueness reservation.
        let login = std::mem::take(&mut stored.login);
        *stored = User {
            login,
            ..user.clone()
        };
        Ok(())
    }

    async fn delete(&self, id: &UserId) -> Result<(), StoreError> {
        let mut state = self.lock();
        let user = state.users.remove(id).ok_or(StoreError::NotFound)?;
        state.logins.remove(&user.login);
        state.channels.remove(id);
        Ok(())
    }
}
