//! Errors of the browser-facing authorization endpoint.
//!
//! Until the client and redirect URI are verified, every error is an HTML page and never a redirect
//! (RFC 6749 §4.1.2.1, RFC 9700 §4.11). After that, protocol errors go back to the client as
//! `error=` redirects with `state` and `iss` (RFC 9207).

use crate::oauth::i18n::{Lang, texts};
use crate::oauth::page::error_page;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use onair_app::AppError;
use onair_domain::oauth::OAuthError;
use onair_domain::oauth::authorize::authorization_response;

/// A failure of the authorization endpoint.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// Show an error page; the message is safe to display.
    #[error("denied: {1}")]
    Deny(Lang, String),
    /// Redirect the error to the verified client.
    #[error("redirect: {error}")]
    Redirect {
        /// Verified redirect URI.
        redirect_uri: String,
        /// The error.
        error: OAuthError,
        /// `state` to echo.
        state: Option<String>,
        /// The issuer identifier, sent as `iss` (RFC 9207).
        issuer: String,
    },
    /// No such route / wrong method.
    #[error("not found")]
    NoRoute,
    /// Wrong method (HEAD, OPTIONS).
    #[error("method not allowed")]
    MethodNotAllowed,
    /// A dependency is down; the cause is logged.
    #[error("unavailable: {1}")]
    Unavailable(Lang, String),
    /// A bug; the cause is logged.
    #[error("internal: {1}")]
    Internal(Lang, String),
}

impl PageError {
    /// The authorization page's one rendering of application errors, in the request's language. A
    /// protocol refusal is shown, never redirected: only the page handler knows whether the redirect
    /// URI is verified.
    pub fn from_app(lang: Lang, err: AppError) -> PageError {
        match err {
            AppError::Refused(e) => PageError::Deny(lang, e.description),
            AppError::Busy(cause) | AppError::Unavailable(cause) => PageError::Unavailable(lang, cause),
            other => PageError::Internal(lang, other.to_string()),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Deny(lang, message) => {
                tracing::info!(reason = %message, "authorization request denied without redirect");
                error_page(lang, &message, StatusCode::BAD_REQUEST)
            }
            PageError::Redirect {
                redirect_uri,
                error,
                state,
                issuer,
            } => {
                tracing::info!(error = error.code.as_str(), description = %error.description, "authorization error redirected");
                let mut params = vec![
                    ("error", error.code.as_str()),
                    ("error_description", error.description.as_str()),
                ];
                if let Some(state) = &state {
                    params.push(("state", state));
                }
                let mut response =
                    Redirect::to(&authorization_response(&redirect_uri, &issuer, &params)).into_response();
                response
                    .headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                response
            }
            PageError::NoRoute => error_page(Lang::En, "Not found", StatusCode::NOT_FOUND),
            PageError::MethodNotAllowed => {
                error_page(Lang::En, "Method not allowed", StatusCode::METHOD_NOT_ALLOWED)
            }
            PageError::Unavailable(lang, cause) => {
                tracing::error!(cause = %cause, "dependency unavailable");
                let mut response = error_page(lang, texts(lang).unavailable, StatusCode::SERVICE_UNAVAILABLE);
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(super::RETRY_AFTER_SECONDS));
                response
            }
            PageError::Internal(lang, cause) => {
                tracing::error!(cause = %cause, "internal error");
                error_page(lang, texts(lang).unavailable, StatusCode::INTERNAL_SERVER_ERROR)
            }
        }
    }
}
