//! The token endpoints: PRISM's `GET /prism/v1/service/oauth2/token` (query parameters, client
//! credentials in `x-prism-client-id` / `x-prism-client-secret`) and the standard `POST /oauth/token`
//! (form body, `client_secret_basic` or `client_secret_post`). Both parse strictly — no repeated
//! parameter, no oversized value, no credentials in the wrong place — and then share the grants.

use super::request::{caller, form_pairs, query_pairs, single_header};
use crate::error::TokenError;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use onair_app::AppState;
use onair_app::oauth::client_auth::{Presented, authenticate};
use onair_app::oauth::grants;
use onair_app::oauth::issue::IssuedTokens;
use onair_domain::SecretString;
use onair_domain::client::Client;
use onair_domain::oauth::OAuthError;
use onair_domain::oauth::params::Params;
use serde_json::json;

/// The token endpoint's successful reply (RFC 6749 §5.1): the tokens as JSON, never cached.
#[derive(Debug)]
pub struct TokenReply(pub IssuedTokens);

impl IntoResponse for TokenReply {
    fn into_response(self) -> Response {
        let tokens = self.0;
        let mut body = json!({
            "access_token": tokens.access_token.expose(),
            "token_type": "Bearer",
            "expires_in": tokens.expires_in,
            "refresh_token": tokens.refresh_token.expose(),
        });
        if let (Some(scope), Some(obj)) = (&tokens.scope, body.as_object_mut()) {
            obj.insert("scope".into(), scope.clone().into());
        }
        let mut response = Json(body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        response
    }
}

/// `GET /prism/v1/service/oauth2/token`.
pub async fn prism(State(state): State<AppState>, parts: Parts) -> Result<TokenReply, TokenError> {
    let params = Params::new(query_pairs(&parts)?)?;
    if params.has("client_secret") || params.has("client_id") {
        return Err(OAuthError::invalid_request(
            "client credentials belong in the x-prism-client-id and x-prism-client-secret headers",
        )
        .into());
    }
    let id = single_header(&parts.headers, "x-prism-client-id")?;
    let secret = single_header(&parts.headers, "x-prism-client-secret")?;
    let (Some(client_id), Some(secret)) = (id, secret) else {
        return Err(
            OAuthError::invalid_client("x-prism-client-id and x-prism-client-secret are required").into(),
        );
    };
    let client = authenticate(
        &state,
        &Presented {
            client_id,
            secret: Some(SecretString::new(secret)),
        },
    )
    .await?;
    let tokens = grants::exchange(&state, &client, &params, &caller(&state, &parts)).await?;
    Ok(TokenReply(tokens))
}

/// `POST /oauth/token`.
pub async fn standard(
    State(state): State<AppState>,
    parts: Parts,
    body: Bytes,
) -> Result<TokenReply, TokenError> {
    let (params, client) = authenticated_form(&state, &parts, &body).await?;
    let tokens = grants::exchange(&state, &client, &params, &caller(&state, &parts)).await?;
    Ok(TokenReply(tokens))
}

/// A standard endpoint's form parameters and the client they authenticate (token, revocation,
/// introspection all start this way).
pub async fn authenticated_form(
    state: &AppState,
    parts: &Parts,
    body: &[u8],
) -> Result<(Params, Client), TokenError> {
    let params = Params::new(form_pairs(parts, body)?)?;
    let client = authenticate(state, &standard_client(parts, &params)?).await?;
    Ok((params, client))
}

/// Client credentials of a standard request: exactly one of HTTP Basic, form `client_secret`, or a
/// bare `client_id` (public clients); never in the URL (RFC 6749 §2.3.1).
pub fn standard_client(parts: &Parts, params: &Params) -> Result<Presented, TokenError> {
    let in_url = query_pairs(parts)?;
    if in_url
        .iter()
        .any(|(n, _)| n == "client_secret" || n == "client_id")
    {
        return Err(OAuthError::invalid_request("client credentials must not be sent in the URL").into());
    }
    let basic = basic_credentials(&parts.headers)?;
    match (basic, params.get("client_id"), params.get("client_secret")) {
        (Some(_), _, Some(_)) => {
            Err(OAuthError::invalid_request("use one client authentication method").into())
        }
        (Some((id, _)), Some(form_id), None) if form_id != id => {
            Err(OAuthError::invalid_client("client_id does not match the authenticated client").into())
        }
        (Some((id, secret)), _, None) => Ok(Presented {
            client_id: id,
            secret: Some(secret),
        }),
        (None, Some(id), secret) => Ok(Presented {
            client_id: id.to_owned(),
            secret: secret.map(SecretString::new),
        }),
        (None, None, _) => Err(OAuthError::invalid_client("client authentication required").into()),
    }
}

/// `Authorization: Basic` credentials, each part form-urlencoded (RFC 6749 §2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Result<Option<(String, SecretString)>, TokenError> {
    let Some(value) = single_header(headers, header::AUTHORIZATION.as_str())? else {
        return Ok(None);
    };
    let Some(encoded) = crate::extract::credentials_of(&value, "Basic") else {
        return Err(OAuthError::invalid_client("unsupported authorization scheme").into());
    };
    let bad = || TokenError::from(OAuthError::invalid_client("malformed basic credentials"));
    let decoded = STANDARD.decode(encoded.trim()).map_err(|_| bad())?;
    let decoded = String::from_utf8(decoded).map_err(|_| bad())?;
    let (id, secret) = decoded.split_once(':').ok_or_else(bad)?;
    let id = form_decode(id).ok_or_else(bad)?;
    let secret = form_decode(secret).ok_or_else(bad)?;
    Ok(Some((id, SecretString::new(secret))))
}

fn form_decode(s: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={s}"))
        .ok()?
        .pop()
        .map(|(_, v)| v)
}
