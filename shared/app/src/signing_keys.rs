//! The access-token signing keys, read through the secret port (cached: a warm function makes no
//! Secrets Manager call). The secret's `current` value signs; `previous` verifies until its overlap
//! ends, so rotating the key never invalidates tokens already handed out.

use crate::error::AppError;
use crate::state::AppState;
use onair_domain::oauth::jwt::{KeySet, SigningKey};
use onair_store::StoreError;

/// The key set in force now. A missing key secret is a broken deployment, not a missing record.
pub async fn key_set(state: &AppState) -> Result<KeySet, AppError> {
    let stored = match state.secrets.get(&state.settings.oauth.signing_key_secret).await {
        Ok(stored) => stored,
        Err(StoreError::NotFound) => return Err(AppError::Internal("signing key secret is missing".into())),
        Err(other) => return Err(other.into()),
    };
    let now = state.clock.now();
    let secret = stored.secret;
    let previous = match (&secret.previous, secret.previous_until) {
        (Some(prev), Some(until)) if now < until => Some(SigningKey::new(prev.expose().as_bytes())),
        _ => None,
    };
    Ok(KeySet {
        current: SigningKey::new(secret.current.expose().as_bytes()),
        previous,
    })
}
