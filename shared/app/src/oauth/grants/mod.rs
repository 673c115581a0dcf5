//! The two grants, shared by PRISM's token endpoint and the standard one: authorization code
//! (RFC 6749 §4.1.3, RFC 7636 §4.6, in [`code`]) and refresh token with rotation (RFC 6749 §6,
//! RFC 9700 §4.14, in [`refresh`]), dispatched by `grant_type` ([`exchange`]).
//!
//! Round trips on a warm function (client and secret cached): code exchange = redeem (1) + start
//! family (1); refresh = rotate (2), or a grace retry = failed rotate (1) + successor-and-family read (1,
//! repeated a few times only while a concurrent rotation's successor is still being written).
//!
//! A code exchange that fails with the store unavailable gives its code back (`unredeem_code`, two round
//! trips on the failure path only) unless the family was written, so the client's retry succeeds.

mod code;
mod refresh;

pub use refresh::presented_refresh_token;

use super::issue::{Grant, IssuedTokens, access_token};
use crate::audit::{Who, entry};
use crate::error::AppError;
use crate::state::AppState;
use onair_domain::audit::{AuditEntry, AuditEvent};
use onair_domain::client::Client;
use onair_domain::oauth::jwt::KeySet;
use onair_domain::oauth::params::Params;
use onair_domain::oauth::{OAuthError, OAuthErrorCode};
use onair_domain::{SecretString, UserId};

/// Who is asking, for the audit trail.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The issuer URL in force for this request.
    pub issuer: String,
    /// The client IP.
    pub ip: Option<String>,
}

fn audit(
    state: &AppState,
    event: AuditEvent,
    client: &Client,
    user: Option<&onair_domain::UserId>,
    caller: &Caller,
    detail: Option<&str>,
) -> AuditEntry {
    let who = Who {
        client: Some(&client.id),
        user,
        login: None,
        ip: caller.ip.as_deref(),
    };
    entry(state, event, who, detail)
}

/// The reply of a grant: a fresh access token for the family's user and scope, with `refresh`.
fn tokens_for(
    state: &AppState,
    keys: &KeySet,
    caller: &Caller,
    client: &Client,
    (user, family, scope): (&UserId, &str, Option<String>),
    refresh: SecretString,
) -> Result<IssuedTokens, AppError> {
    let grant = Grant {
        user,
        client: &client.id,
        family,
        scope: scope.as_deref(),
    };
    let (access, expires_in) = access_token(state, keys, &caller.issuer, &grant)?;
    Ok(IssuedTokens {
        access_token: access,
        refresh_token: refresh,
        expires_in,
        scope,
    })
}

/// The family a misused code or refresh token belongs to.
struct Misuse<'a> {
    family: &'a str,
    owner: &'a onair_domain::ClientId,
    user: &'a onair_domain::UserId,
}

/// Revokes the family of a replayed code or a reused refresh token — the token was stolen or leaked,
/// so everything descended from the same login dies — and records why.
async fn revoke_after_misuse(
    state: &AppState,
    client: &Client,
    caller: &Caller,
    misuse: &Misuse<'_>,
    event: AuditEvent,
    now: time::OffsetDateTime,
) -> Result<(), AppError> {
    let entry = audit(
        state,
        event,
        client,
        Some(misuse.user),
        caller,
        Some("family revoked"),
    );
    state
        .grants
        .revoke_family(misuse.family, misuse.owner, misuse.user, now, &entry)
        .await
        .map_err(AppError::from)?;
    tracing::warn!(client_id = %client.id, user_id = %misuse.user, event = event.as_str(), "token misuse; family revoked");
    Ok(())
}

/// The token endpoint's grants, by `grant_type` (RFC 6749 §4.1.3, §6).
pub async fn exchange(
    state: &AppState,
    client: &Client,
    params: &Params,
    caller: &Caller,
) -> Result<IssuedTokens, AppError> {
    match params.get("grant_type") {
        Some("authorization_code") => code::authorization_code(state, client, params, caller).await,
        Some("refresh_token") => refresh::refresh_token(state, client, params, caller).await,
        Some(_) => Err(OAuthError::new(
            OAuthErrorCode::UnsupportedGrantType,
            "grant_type must be authorization_code or refresh_token",
        )
        .into()),
        None => Err(OAuthError::invalid_request("missing parameter grant_type").into()),
    }
}
