//! The access-token signing keys, read through the secret port (cached: a warm function makes no
//! Secrets Manager call). The secret's `current` value signs; `previous` verifies until its overlap
//! ends, so rotating the key never invalidates tokens already handed out.

use crate::error::TokenError;
use onair_app::state::AppState;
use onair_domain::oauth::jwt::{KeySet, SigningKey};
use onair_store::StoreError;

/// The key set in force now.
pub async fn key_set(state: &AppState) -> Result<KeySet, StoreError> {
    let stored = state
        .secrets
        .get(&state.settings.oauth.signing_key_secret)
        .await?;
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

/// [`key_set`] for the token endpoints.
pub async fn token_keys(state: &AppState) -> Result<KeySet, TokenError> {
    key_set(state).await.map_err(|e| match e {
        StoreError::NotFound => TokenError::Internal("signing key secret is missing".into()),
        other => TokenError::store(other),
    })
}
