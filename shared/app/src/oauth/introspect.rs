//! Token introspection (RFC 7662).
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

use crate::error::AppError;
use crate::signing_keys::verify_access_token;
use crate::state::AppState;
use onair_domain::client::{Client, ClientKind};
use onair_domain::oauth::OAuthError;
use onair_domain::oauth::params::Params;
use onair_domain::oauth::token::token_hash;
use onair_domain::{ClientId, UserId};
use onair_store::StoreError;
use serde_json::{Value, json};

/// The RFC 7662 reply about the request's `token` for `client` (`{"active": false}` unless it is live
/// and theirs).
pub async fn introspect(
    state: &AppState,
    client: &Client,
    params: &Params,
    issuer: &str,
) -> Result<Value, AppError> {
    if client.kind == ClientKind::Public {
        // RFC 7662 §2.1 requires the caller to be authorised; a public client proves nothing (anyone
        // can send its id), so it would turn the endpoint into an oracle for whoever holds a token.
        return Err(OAuthError::invalid_client(
            "introspection is for confidential clients; authenticate with the client secret",
        )
        .into());
    }
    let token = params.require("token")?;
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
        Err(StoreError::NotFound) => match verify_access_token(state, token, issuer).await? {
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
        },
        Err(other) => return Err(other.into()),
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
            // An outage is not an answer: anything else missing makes the token inactive.
            (Err(e @ StoreError::Unavailable(_)), _) | (_, Err(e @ StoreError::Unavailable(_))) => {
                return Err(e.into());
            }
            _ => None,
        };
        if let (Some(u), Some(obj)) = (live_user, view.as_object_mut()) {
            obj.insert("username".into(), u.login.into());
            obj.retain(|_, v| !v.is_null());
            reply = view;
        }
    }
    Ok(reply)
}
