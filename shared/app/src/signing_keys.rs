//! The access-token signing keys, read through the secret port (cached: a warm function makes no
//! Secrets Manager call). The secret's `current` value signs; `previous` verifies until its overlap
//! ends, so rotating the key never invalidates tokens already handed out.
//!
//! A rotation (scheduled or by hand) reaches each warm instance when its cached copy expires, so for up
//! to the cache lifetime one instance may already sign with the new key while another still holds only
//! the old one. [`verify_access_token`] closes that gap: a token whose `kid` names no key this instance
//! knows makes it re-read the secret once — at most once per [`KEY_RECHECK_AFTER`], so forged key ids
//! cannot turn into a Secrets Manager call per request — and verify again.

use crate::error::AppError;
use crate::state::AppState;
use onair_domain::oauth::jwt::{Claims, JwtError, KeySet, SigningKey, verify};
use onair_store::{StoreError, StoredSecret};
use time::{Duration, OffsetDateTime};

/// A cached key set younger than this is trusted even when a token names an unknown key.
pub const KEY_RECHECK_AFTER: Duration = Duration::seconds(5);

/// A missing key secret is a broken deployment, not a missing record.
fn missing(e: StoreError) -> AppError {
    match e {
        StoreError::NotFound => AppError::Internal("signing key secret is missing".into()),
        other => other.into(),
    }
}

/// The key set in force now.
pub async fn key_set(state: &AppState) -> Result<KeySet, AppError> {
    let name = &state.settings.oauth.signing_key_secret;
    let stored = state.secrets.get(name).await.map_err(missing)?;
    Ok(keys_of(stored, state.clock.now()))
}

/// Verifies an access token against the keys in force, re-reading them once when the token names a
/// key this instance's copy does not hold (see the module docs). The outer error is an outage; the
/// inner one the token's refusal.
pub async fn verify_access_token(
    state: &AppState,
    token: &str,
    issuer: &str,
) -> Result<Result<Claims, JwtError>, AppError> {
    let name = &state.settings.oauth.signing_key_secret;
    let audience = &state.settings.oauth.audience;
    let now = state.clock.now();
    let stored = state.secrets.get(name).await.map_err(missing)?;
    let fetched_at = stored.fetched_at;
    match verify(&keys_of(stored, now), token, issuer, audience, now) {
        Err(JwtError::UnknownKey) if now - fetched_at >= KEY_RECHECK_AFTER => {
            let fresh = state.secrets.refresh(name).await.map_err(missing)?;
            Ok(verify(&keys_of(fresh, now), token, issuer, audience, now))
        }
        verdict => Ok(verdict),
    }
}

/// The keys a stored secret holds at `now`: `previous` only until its `previousUntil`.
fn keys_of(stored: StoredSecret, now: OffsetDateTime) -> KeySet {
    let secret = stored.secret;
    let previous = match (&secret.previous, secret.previous_until) {
        (Some(prev), Some(until)) if now < until => Some(SigningKey::new(prev.expose().as_bytes())),
        _ => None,
    };
    KeySet {
        current: SigningKey::new(secret.current.expose().as_bytes()),
        previous,
    }
}
