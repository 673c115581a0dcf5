//! Strict request parsing shared by the OAuth endpoints: parameters from the query or a form body,
//! single-valued headers, and who is calling.

use crate::error::TokenError;
use crate::host::{ClientIp, Issuer};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use onair_app::AppState;
use onair_app::oauth::grants::Caller;
use onair_domain::oauth::OAuthError;

/// The query string's pairs, percent-decoded.
pub fn query_pairs(parts: &Parts) -> Result<Vec<(String, String)>, TokenError> {
    serde_urlencoded::from_str(parts.uri.query().unwrap_or(""))
        .map_err(|_| OAuthError::invalid_request("malformed query string").into())
}

/// A form body's pairs; the body must be `application/x-www-form-urlencoded`.
pub fn form_pairs(parts: &Parts, body: &[u8]) -> Result<Vec<(String, String)>, TokenError> {
    let is_form = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(OAuthError::invalid_request("the body must be application/x-www-form-urlencoded").into());
    }
    serde_urlencoded::from_bytes(body).map_err(|_| OAuthError::invalid_request("malformed form body").into())
}

/// A header that may appear at most once.
pub fn single_header(headers: &HeaderMap, name: &str) -> Result<Option<String>, TokenError> {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (None, _) => Ok(None),
        (Some(_), Some(_)) => Err(OAuthError::invalid_request(format!("header {name} is repeated")).into()),
        (Some(v), None) => v
            .to_str()
            .map(|s| Some(s.to_owned()))
            .map_err(|_| OAuthError::invalid_request(format!("header {name} is not text")).into()),
    }
}

/// The issuer URL in force: configured, or supplied by the host for this request.
pub fn issuer(state: &AppState, parts: &Parts) -> String {
    state
        .settings
        .oauth
        .issuer
        .clone()
        .or_else(|| parts.extensions.get::<Issuer>().map(|i| i.0.clone()))
        .unwrap_or_else(|| "onair".to_owned())
}

/// Who is calling.
pub fn caller(state: &AppState, parts: &Parts) -> Caller {
    Caller {
        issuer: issuer(state, parts),
        ip: parts.extensions.get::<ClientIp>().map(|ip| ip.0.clone()),
    }
}
