//! Issuing tokens: the signed access token and the token-endpoint reply (RFC 6749 §5.1).

use crate::error::TokenError;
use axum::Json;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use onair_app::state::AppState;
use onair_domain::oauth::jwt::{Claims, KeySet, sign};
use onair_domain::{ClientId, SecretString, UserId};
use serde_json::json;

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
) -> Result<(SecretString, i64), TokenError> {
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
    let token = sign(keys, &claims).map_err(|e| TokenError::Internal(format!("signing failed: {e}")))?;
    Ok((SecretString::new(token), ttl.whole_seconds()))
}

impl IntoResponse for IssuedTokens {
    fn into_response(self) -> Response {
        let mut body = json!({
            "access_token": self.access_token.expose(),
            "token_type": "Bearer",
            "expires_in": self.expires_in,
            "refresh_token": self.refresh_token.expose(),
        });
        if let (Some(scope), Some(obj)) = (&self.scope, body.as_object_mut()) {
            obj.insert("scope".into(), scope.clone().into());
        }
        let mut response = Json(body).into_response();
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
            .headers_mut()
            .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        response
    }
}
