//! Token introspection (RFC 7662) at `POST /oauth/introspect`.
//!
//! Unlike the resource endpoints, introspection is authoritative: besides the token itself it checks
//! the family (revoked?), the user (deleted or disabled?) and the client (deleted?), so a revoked access
//! token reads `active: false` here at once even though resource calls accept it until it expires. A
//! client may introspect only tokens issued to itself; anything else is simply inactive. Only
//! confidential clients may call it: a public client's id is no proof of anything, so it gets
//! `invalid_client`.
//!
//! The reply holds the RFC 7662 §2.2 members a resource server needs to decide (`active`, `scope`,
//! `client_id`, `username`, `token_type`, `exp`, `iat`, `sub`, `aud`, `iss`, `jti`) and nothing
//! internal (no family id, no hashes, no user record fields beyond the login name).

use super::keys::token_keys;
use super::request::caller;
use super::token::authenticated_form;
use crate::error::TokenError;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use onair_app::state::AppState;
use onair_domain::client::ClientKind;
use onair_domain::oauth::OAuthError;
use onair_domain::oauth::jwt::verify;
use onair_domain::oauth::token::token_hash;
use onair_domain::{ClientId, UserId};
use onair_store::StoreError;
use serde_json::{Value, json};

/// `POST /oauth/introspect`.
pub async fn introspect(
    State(state): State<AppState>,
    parts: Parts,
    body: Bytes,
) -> Result<Response, TokenError> {
    let (params, client) = authenticated_form(&state, &parts, &body).await?;
    if client.kind == ClientKind::Public {
        // RFC 7662 §2.1 requires the caller to be authorised; a public client proves nothing (anyone
        // can send its id), so it would turn the endpoint into an oracle for whoever holds a token.
        return Err(OAuthError::invalid_client(
            "introspection is for confidential clients; authenticate with the client secret",
        )
        .into());
    }
    let token = params.require("token")?;
    let issuer = caller(&state, &parts).issuer;
    let now = state.clock.now();
    let found: Option<(Value, String, ClientId, UserId)> = match state
        .grants
        .get_refresh(&token_hash(token))
        .await
    {
        Ok(r) if r.rotated.is_none() && now < r.expires_at => Some((
            json!({
                "active": true, "token_type": "refresh_token", "client_id": r.client_id.as_str(),
                "sub": r.user_id.as_str(), "iat": r.issued_at.unix_timestamp(), "exp": r.expires_at.unix_timestamp(),
                "iss": issuer, "scope": r.scope,
            }),
            r.family_id,
            r.client_id,
            r.user_id,
        )),
        Ok(_) => None,
        Err(StoreError::NotFound) => {
            let keys = token_keys(&state).await?;
            match verify(&keys, token, &issuer, &state.settings.oauth.audience, now) {
                Ok(c) => match (ClientId::parse(&c.client_id), UserId::parse(&c.sub)) {
                    (Some(cid), Some(uid)) => Some((
                        json!({
                            "active": true, "token_type": "access_token", "client_id": c.client_id, "sub": c.sub,
                            "aud": c.aud, "iss": c.iss, "iat": c.iat, "exp": c.exp, "jti": c.jti, "scope": c.scope,
                        }),
                        c.fam,
                        cid,
                        uid,
                    )),
                    _ => None,
                },
                Err(_) => None,
            }
        }
        Err(other) => return Err(TokenError::store(other)),
    };
    let mut reply = json!({ "active": false });
    if let Some((mut view, family, owner, user)) = found
        && owner == client.id
    {
        let live_user = match (
            state.grants.get_family(&family).await,
            state.users.get(&user).await,
        ) {
            (Ok(f), Ok(u)) if f.revoked_at.is_none() && !u.disabled => Some(u),
            (Err(StoreError::Unavailable(e)), _) | (_, Err(StoreError::Unavailable(e))) => {
                return Err(TokenError::Unavailable(e));
            }
            _ => None,
        };
        if let (Some(u), Some(obj)) = (live_user, view.as_object_mut()) {
            obj.insert("username".into(), u.login.into());
            obj.retain(|_, v| !v.is_null());
            reply = view;
        }
    }
    let mut response = Json(reply).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
