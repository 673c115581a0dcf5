//! Issuing tokens: the signed access token and what the token endpoint hands back (RFC 6749 §5.1); the
//! surface renders it as JSON.

use crate::error::AppError;
use crate::state::AppState;
use onair_domain::oauth::jwt::{Claims, KeySet, sign};
use onair_domain::{ClientId, SecretString, UserId};

/// Tokens handed to a client.
#[derive(Debug)]
pub struct IssuedTokens {
    /// The signed access token.
    pub access_token: SecretString,
    /// The refresh token.
    pub refresh_token: SecretString,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Granted scope.
    pub scope: Option<String>,
}

/// Who and what an access token is for.
#[derive(Debug)]
pub struct Grant<'a> {
    /// The user.
    pub user: &'a UserId,
    /// The client.
    pub client: &'a ClientId,
    /// The refresh-token family.
    pub family: &'a str,
    /// Scope.
    pub scope: Option<&'a str>,
}

/// Signs an access token for `grant`.
pub fn access_token(
    state: &AppState,
    keys: &KeySet,
    issuer: &str,
    grant: &Grant<'_>,
) -> Result<(SecretString, i64), AppError> {
    let now = state.clock.now();
    let ttl = state.settings.oauth.access_ttl;
    let claims = Claims {
        iss: issuer.to_owned(),
        sub: grant.user.to_string(),
        aud: state.settings.oauth.audience.clone(),
        client_id: grant.client.to_string(),
        iat: now.unix_timestamp(),
        exp: (now + ttl).unix_timestamp(),
        jti: state.generator.id(),
        scope: grant.scope.map(str::to_owned),
        fam: grant.family.to_owned(),
    };
    let token = sign(keys, &claims).map_err(|e| AppError::Internal(format!("signing failed: {e}")))?;
    Ok((SecretString::new(token), ttl.whole_seconds()))
}
