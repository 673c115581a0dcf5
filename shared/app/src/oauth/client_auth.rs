//! Client authentication for the token, revocation and introspection endpoints, from credentials the
//! surface has already extracted.
//!
//! Confidential clients prove themselves with their secret — PRISM in `x-prism-client-*` headers,
//! standard clients by `client_secret_basic` or `client_secret_post` — compared in constant time with
//! the value in the secret store, the previous one included during a rotation overlap. The secret comes
//! from the store's cache, so a warm function makes no Secrets Manager call; on a mismatch against a
//! cached copy older than [`RECHECK_AFTER`] the copy is refreshed once, so a rotation performed by
//! another instance is honoured without waiting for the cache TTL.

use crate::error::AppError;
use crate::state::AppState;
use onair_domain::client::{Client, ClientKind};
use onair_domain::oauth::OAuthError;
use onair_domain::{ClientId, SecretString};
use onair_store::{StoreError, StoredSecret};
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

fn unknown() -> AppError {
    OAuthError::invalid_client("client authentication failed").into()
}

/// Authenticates the client, returning its record. An unknown client, and a record whose secret is
/// gone (a half-deleted client), authenticate nobody: both are `invalid_client`.
pub async fn authenticate(state: &AppState, presented: &Presented) -> Result<Client, AppError> {
    let id = ClientId::parse(&presented.client_id).ok_or_else(unknown)?;
    let client = match state.client_cache.get(&id).await {
        Ok(client) => client,
        Err(AppError::NotFound(_)) => return Err(unknown()),
        Err(other) => return Err(other),
    };
    match (client.kind, &presented.secret, &client.secret_name) {
        (ClientKind::Public, None, _) => Ok(client),
        (ClientKind::Public, Some(_), _) => {
            Err(OAuthError::invalid_client("public clients do not authenticate with a secret").into())
        }
        (ClientKind::Confidential, Some(secret), Some(name)) => {
            let now = state.clock.now();
            let Some(stored) = secret_of(state.secrets.get(name).await)? else {
                return Err(unknown());
            };
            if stored.secret.accepts(secret.expose(), now) {
                return Ok(client);
            }
            if now - stored.fetched_at >= RECHECK_AFTER
                && let Some(fresh) = secret_of(state.secrets.refresh(name).await)?
                && fresh.secret.accepts(secret.expose(), now)
            {
                return Ok(client);
            }
            tracing::info!(client_id = %client.id, "client secret mismatch");
            Err(unknown())
        }
        (ClientKind::Confidential, None, _) => Err(unknown()),
        (ClientKind::Confidential, Some(_), None) => {
            Err(AppError::Internal("confidential client without secret".into()))
        }
    }
}

/// The stored secret, `None` when it does not exist.
fn secret_of(found: Result<StoredSecret, StoreError>) -> Result<Option<StoredSecret>, AppError> {
    match found {
        Ok(stored) => Ok(Some(stored)),
        Err(StoreError::NotFound) => Ok(None),
        Err(other) => Err(other.into()),
    }
}
