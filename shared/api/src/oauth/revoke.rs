//! Token revocation (RFC 7009) at `POST /oauth/revoke`.
//!
//! Revoking either kind of token revokes its whole family: the refresh token (and every successor)
//! stops working at once, and access tokens — self-contained, checked without a store read — lapse
//! within their lifetime. Per RFC 7009 §2.2 an unknown or already-invalid token still gets 200, and a
//! token of another client is left alone (also with 200, revealing nothing).

use super::audit::Who;
use super::keys::token_keys;
use super::request::caller;
use super::token::authenticated_form;
use crate::error::TokenError;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use onair_app::state::AppState;
use onair_domain::audit::AuditEvent;
use onair_domain::oauth::jwt::verify;
use onair_domain::oauth::token::token_hash;
use onair_domain::{ClientId, UserId};
use onair_store::StoreError;

/// `POST /oauth/revoke`.
pub async fn revoke(
    State(state): State<AppState>,
    parts: Parts,
    body: Bytes,
) -> Result<Response, TokenError> {
    let (params, client) = authenticated_form(&state, &parts, &body).await?;
    let token = params.require("token")?;
    let caller = caller(&state, &parts);
    let now = state.clock.now();
    // Find the family: a refresh token by its hash, else an access token by its signature.
    let family: Option<(String, ClientId, UserId)> = match state.grants.get_refresh(&token_hash(token)).await
    {
        Ok(record) => Some((record.family_id, record.client_id, record.user_id)),
        Err(StoreError::NotFound) => {
            let keys = token_keys(&state).await?;
            match verify(&keys, token, &caller.issuer, &state.settings.oauth.audience, now) {
                Ok(claims) => match (ClientId::parse(&claims.client_id), UserId::parse(&claims.sub)) {
                    (Some(c), Some(u)) => Some((claims.fam, c, u)),
                    _ => None,
                },
                Err(_) => None,
            }
        }
        Err(other) => return Err(TokenError::store(other)),
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
        let entry = super::audit::entry(&state, AuditEvent::TokenRevoked, who, Some("family revoked"));
        state
            .grants
            .revoke_family(&family_id, &owner, &user, now, &entry)
            .await
            .map_err(TokenError::store)?;
        tracing::info!(client_id = %client.id, user_id = %user, "token family revoked on request");
    }
    let mut response = StatusCode::OK.into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
