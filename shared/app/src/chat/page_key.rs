//! The server key that authenticates chat page tokens (an HMAC key, never sent to clients).
//!
//! It lives in the secret store under `Settings.lifecycle.chat_page_key_name` and is read through the
//! secret store's cache, so a warm poll makes no Secrets Manager request. A deployed stack's template
//! creates it; where it does not exist yet (the local server, tests), the first reader creates it from
//! the CSPRNG and a racing second reader uses the winner's.

use crate::{AppError, AppState};
use onair_domain::SecretString;
use onair_store::StoreError;

/// The current page-token key, created if absent.
pub async fn page_key(state: &AppState) -> Result<SecretString, AppError> {
    let name = &state.settings.lifecycle.chat_page_key_name;
    match state.secrets.get(name).await {
        Ok(stored) => return Ok(stored.secret.current),
        Err(StoreError::NotFound) => {}
        Err(other) => return Err(other.into()),
    }
    match state.secrets.create(name, &state.generator.secret()).await {
        Ok(()) | Err(StoreError::Conflict(_)) => {}
        Err(other) => return Err(other.into()),
    }
    Ok(state.secrets.get(name).await?.secret.current)
}
