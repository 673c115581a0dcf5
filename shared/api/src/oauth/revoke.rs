//! Token revocation (RFC 7009) at `POST /oauth/revoke`; the decisions are
//! [`onair_app::oauth::revoke`]'s.
//!
//! Revoking either kind of token revokes its whole family: the refresh token (and every successor)
//! stops working at once, and access tokens — self-contained, checked without a store read — lapse
//! within their lifetime. Per RFC 7009 §2.2 an unknown or already-invalid token still gets 200, and a
//! token of another client is left alone (also with 200, revealing nothing).

use super::request::caller;
use super::token::authenticated_form;
use crate::error::TokenError;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use onair_app::AppState;

/// `POST /oauth/revoke`.
pub async fn revoke(
    State(state): State<AppState>,
    parts: Parts,
    body: Bytes,
) -> Result<Response, TokenError> {
    let (params, client) = authenticated_form(&state, &parts, &body).await?;
    let token = params.require("token")?;
    onair_app::oauth::revoke::revoke(&state, &client, token, &caller(&state, &parts)).await?;
    let mut response = StatusCode::OK.into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
