//! Token revocation (RFC 7009).
//!
//! Revoking either kind of token revokes its whole family: the refresh token (and every successor)
//! stops working at once, and access tokens — self-contained, checked without a store read — lapse
//! within their lifetime. Per RFC 7009 §2.2 an unknown or already-invalid token still succeeds, and a
//! token of another client is left alone (also a success, revealing nothing).

use super::grants::Caller;
use crate::audit::{Who, entry};
use crate::error::AppError;
use crate::signing_keys::verify_access_token;
use crate::state::AppState;
use onair_domain::audit::AuditEvent;
use onair_domain::client::Client;
use onair_domain::oauth::token::token_hash;
use onair_domain::{ClientId, UserId};
use onair_store::StoreError;

/// Revokes the family of `token` when it belongs to `client`; succeeds whatever the token is.
pub async fn revoke(state: &AppState, client: &Client, token: &str, caller: &Caller) -> Result<(), AppError> {
    let now = state.clock.now();
    // Find the family: a refresh token by its hash, else an access token by its signature.
    let family: Option<(String, ClientId, UserId)> = match state.grants.get_refresh(&token_hash(token)).await
    {
        Ok(record) => Some((record.family_id, record.client_id, record.user_id)),
        Err(StoreError::NotFound) => match verify_access_token(state, token, &caller.issuer).await? {
            Ok(claims) => match (ClientId::parse(&claims.client_id), UserId::parse(&claims.sub)) {
                (Some(c), Some(u)) => Some((claims.fam, c, u)),
                _ => None,
            },
            Err(_) => None,
        },
        Err(other) => return Err(other.into()),
    };
    if let Some((family_id, owner, user)) = family
        && owner == client.id
    {
        let who = Who {
            client: Some(&client.id),
            user: Some(&user),
            login: None,
            ip: caller.ip.as_deref(),
        };
        let entry = entry(state, AuditEvent::TokenRevoked, who, Some("family revoked"));
        state
            .grants
            .revoke_family(&family_id, &owner, &user, now, &entry)
            .await?;
        tracing::info!(client_id = %client.id, user_id = %user, "token family revoked on request");
    }
    Ok(())
}
