//! Errors of the token, revocation and introspection endpoints, exactly as RFC 6749 §5.2 shapes them:
//! a JSON object with `error` and `error_description`, status 400 — except `invalid_client`, which is
//! 401 with `WWW-Authenticate` (the client authenticated, or could have, with HTTP Basic).

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use onair_app::AppError;
use onair_domain::oauth::{OAuthError, OAuthErrorCode};
use serde_json::json;

/// A failure of an OAuth endpoint.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// A protocol error, returned to the client as is.
    #[error(transparent)]
    OAuth(#[from] OAuthError),
    /// A dependency is down (503 `temporarily_unavailable`, with `Retry-After`); the cause is logged.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// A bug or corrupt data (500 `server_error`); the cause is logged.
    #[error("internal: {0}")]
    Internal(String),
}

/// The token endpoints' one rendering of application errors. A missing or conflicting grant record is
/// `invalid_grant` (RFC 6749 §5.2): the code or token presented does not name a usable grant.
impl From<AppError> for TokenError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::Refused(e) => TokenError::OAuth(e),
            AppError::NotFound(_) => OAuthError::invalid_grant("grant not found").into(),
            AppError::Conflict(why) => OAuthError::invalid_grant(why).into(),
            AppError::Invalid(v) => OAuthError::invalid_request(v.to_string()).into(),
            AppError::Lifecycle(e) => OAuthError::invalid_request(e.to_string()).into(),
            AppError::Chat(e) => OAuthError::invalid_request(e.to_string()).into(),
            AppError::Busy(cause) | AppError::Unavailable(cause) => TokenError::Unavailable(cause),
            AppError::Internal(cause) => TokenError::Internal(cause),
        }
    }
}

impl IntoResponse for TokenError {
    fn into_response(self) -> Response {
        let (status, code, description) = match &self {
            TokenError::OAuth(e) => {
                let status = match e.code {
                    OAuthErrorCode::InvalidClient => StatusCode::UNAUTHORIZED,
                    OAuthErrorCode::InvalidToken => StatusCode::UNAUTHORIZED,
                    OAuthErrorCode::ServerError => StatusCode::INTERNAL_SERVER_ERROR,
                    OAuthErrorCode::TemporarilyUnavailable => StatusCode::SERVICE_UNAVAILABLE,
                    _ => StatusCode::BAD_REQUEST,
                };
                (status, e.code.as_str(), e.description.clone())
            }
            TokenError::Unavailable(cause) => {
                tracing::error!(cause = %cause, "dependency unavailable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "temporarily_unavailable",
                    "temporarily unavailable, retry later".into(),
                )
            }
            TokenError::Internal(cause) => {
                tracing::error!(cause = %cause, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "server_error",
                    "internal error".into(),
                )
            }
        };
        if matches!(&self, TokenError::OAuth(_)) {
            tracing::info!(error = code, description = %description, "oauth request refused");
        }
        let mut response = (
            status,
            Json(json!({ "error": code, "error_description": description })),
        )
            .into_response();
        let headers = response.headers_mut();
        // RFC 6749 §5.1: token responses, errors included, must not be cached.
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"onair\""),
            );
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(super::RETRY_AFTER_SECONDS));
        }
        response
    }
}
