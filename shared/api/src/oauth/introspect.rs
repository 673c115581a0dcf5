//! Token introspection (RFC 7662) at `POST /oauth/introspect`; what the reply says is
//! [`onair_app::oauth::introspect`]'s decision.

use super::request::caller;
use super::token::authenticated_form;
use crate::error::TokenError;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use onair_app::AppState;

/// `POST /oauth/introspect`.
pub async fn introspect(
    State(state): State<AppState>,
    parts: Parts,
    body: Bytes,
) -> Result<Response, TokenError> {
    let (params, client) = authenticated_form(&state, &parts, &body).await?;
    let issuer = caller(&state, &parts).issuer;
    let reply = onair_app::oauth::introspect::introspect(&state, &client, &params, &issuer).await?;
    let mut response = Json(reply).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
