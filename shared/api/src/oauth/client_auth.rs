//! Client authentication for the token, revocation and introspection endpoints.
//!
//! Confidential clients prove themselves with their secret — PRISM in `x-prism-client-*` headers,
//! standard clients by `client_secret_basic` or `client_secret_post` — compared in constant time with
//! the value in the secret store, the previous one included during a rotation overlap. The secret comes
//! from the store's cache, so a warm function makes no Secrets Manager call; on a mismatch against a
//! cached copy older than [`RECHECK_AFTER`] the copy is refreshed once, so a rotation performed by
//! another instance is honoured without waiting for the cache TTL.

use crate::error::TokenError;
use onair_app::state::AppState;
use onair_domain::client::{Client, ClientKind};
use onair_domain::oauth::OAuthError;
use onair_domain::{ClientId, SecretString};
use onair_store::StoreError;
use time::Duration;

/// A cached secret older than this is re-read once before a presented secret is rejected.
pub const RECHECK_AFTER: Duration = Duration::seconds(30);

/// What the request presented.
#[derive(Debug)]
pub struct Presented {
    /// Claimed client id.
    pub client_id: String,
    /// Presented secret (`None` for public clients).
    pub secret: Option<SecretString>,
}

fn unknown() -> TokenError {
    OAuthError::invalid_client("client authentication failed").into()
}

/// Authenticates the client, returning its record.
pub async fn authenticate(state: &AppState, presented: &Presented) -> Result<Client, TokenError> {
    let id = ClientId::parse(&presented.client_id).ok_or_else(unknown)?;
    let client = state.client_cache.get(&id).await.map_err(|e| match e {
        StoreError::NotFound => unknown(),
        other => TokenError::store(other),
    })?;
    match (client.kind, &presented.secret, &client.secret_name) {
        (ClientKind::Public, None, _) => Ok(client),
        (ClientKind::Public, Some(_), _) => {
            Err(OAuthError::invalid_client("public clients do not authenticate with a secret").into())
        }
        (ClientKind::Confidential, Some(secret), Some(name)) => {
            let now = state.clock.now();
            let stored = state.secrets.get(name).await.map_err(secret_error)?;
            if stored.secret.accepts(secret.expose(), now) {
                return Ok(client);
            }
            if now - stored.fetched_at >= RECHECK_AFTER {
                let fresh = state.secrets.refresh(name).await.map_err(secret_error)?;
                if fresh.secret.accepts(secret.expose(), now) {
                    return Ok(client);
                }
            }
            tracing::info!(client_id = %client.id, "client secret mismatch");
            Err(unknown())
        }
        (ClientKind::Confidential, None, _) => Err(unknown()),
        (ClientKind::Confidential, Some(_), None) => {
            Err(TokenError::Internal("confidential client without secret".into()))
        }
    }
}

fn secret_error(e: StoreError) -> TokenError {
    match e {
        // The record exists but its secret does not: a half-deleted client authenticates nobody.
        StoreError::NotFound => unknown(),
        other => TokenError::store(other),
    }
}
