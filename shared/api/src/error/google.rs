//! Errors of the YouTube-compatible surfaces (`/youtube/v3/…` and the Content ID API `/youtube/partner/v1/…`) in Google's envelope:
//! `{"error": {"code": n, "message": "…", "errors": [{"domain": "…", "reason": "…", "message": "…"}]}}`.
//!
//! One mapping, [`From<AppError>`]: lifecycle refusals carry their own reason, status and domain
//! (`LifecycleError`), so nothing here maps reasons by hand. The rest follows Google's generic errors:
//! a missing token is `401 required`, a bad or expired one `401 authError` (both with
//! `location: Authorization`), a token without a YouTube scope `403 insufficientPermissions`, a bad
//! parameter value `400 invalidValue` (`invalidPageToken` for `pageToken`), a body over 64 KiB
//! `413 uploadTooLarge`, an outage `503 backendError`, a bug `500 internalError`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use onair_app::AppError;
use onair_domain::lifecycle::LifecycleError;
use serde_json::{Value, json};

/// A failure of a YouTube-compatible call.
#[derive(Debug, thiserror::Error)]
pub enum GoogleError {
    /// No access token was sent.
    #[error("login required")]
    Required,
    /// The token is malformed, forged, expired, revoked, or its user is gone.
    #[error("invalid credentials")]
    AuthError,
    /// The token's scopes do not allow this method.
    #[error("insufficient permissions")]
    InsufficientPermissions,
    /// A lifecycle refusal, rendered as it is.
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
    /// A live-chat refusal, with YouTube's reason and the status it documents.
    #[error(transparent)]
    Chat(#[from] onair_domain::chat::ChatError),
    /// A parameter value that cannot be used (`reason` is Google's generic one).
    #[error("{message}")]
    Invalid {
        /// `invalidValue` or `invalidPageToken`.
        reason: &'static str,
        /// What is wrong.
        message: String,
    },
    /// A write kept losing to concurrent writes.
    #[error("conflict: {0}")]
    Conflict(String),
    /// No such route.
    #[error("not found")]
    NoRoute,
    /// Wrong method (HEAD and OPTIONS always).
    #[error("method not allowed")]
    MethodNotAllowed,
    /// A body over the limit.
    #[error("request body too large")]
    TooLarge,
    /// A dependency is down; the cause is logged.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// A bug; the cause is logged.
    #[error("internal: {0}")]
    Internal(String),
}

impl GoogleError {
    /// Status, domain, reason and message.
    pub fn parts(&self) -> (StatusCode, &'static str, &'static str, String) {
        match self {
            GoogleError::Required => (
                StatusCode::UNAUTHORIZED,
                "global",
                "required",
                "Login Required.".into(),
            ),
            GoogleError::AuthError => (
                StatusCode::UNAUTHORIZED,
                "global",
                "authError",
                "Invalid Credentials".into(),
            ),
            GoogleError::InsufficientPermissions => (
                StatusCode::FORBIDDEN,
                "global",
                "insufficientPermissions",
                "Request had insufficient authentication scopes.".into(),
            ),
            GoogleError::Chat(e) => (
                StatusCode::from_u16(e.code()).unwrap_or(StatusCode::BAD_REQUEST),
                "youtube.liveChat",
                e.reason(),
                e.to_string(),
            ),
            GoogleError::Lifecycle(e) => (
                StatusCode::from_u16(e.code()).unwrap_or(StatusCode::BAD_REQUEST),
                e.domain(),
                e.reason.as_str(),
                e.message.clone(),
            ),
            GoogleError::Invalid { reason, message } => (
                StatusCode::BAD_REQUEST,
                "youtube.parameter",
                reason,
                message.clone(),
            ),
            GoogleError::Conflict(why) => (StatusCode::CONFLICT, "global", "conflict", why.clone()),
            GoogleError::NoRoute => (StatusCode::NOT_FOUND, "global", "notFound", "Not Found".into()),
            GoogleError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "global",
                "httpMethodNotAllowed",
                "HTTP method not allowed".into(),
            ),
            GoogleError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "global",
                "uploadTooLarge",
                "The request body exceeds 64 KiB".into(),
            ),
            GoogleError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "global",
                "backendError",
                "Backend Error".into(),
            ),
            GoogleError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "global",
                "internalError",
                "Internal Error".into(),
            ),
        }
    }

    /// The envelope.
    pub fn body(&self) -> Value {
        let (status, domain, reason, message) = self.parts();
        let mut detail = json!({ "domain": domain, "reason": reason, "message": message });
        if matches!(self, GoogleError::Required | GoogleError::AuthError) {
            detail["location"] = "Authorization".into();
            detail["locationType"] = "header".into();
        }
        json!({ "error": { "code": status.as_u16(), "message": message, "errors": [detail] } })
    }
}

/// The YouTube surface's one rendering of application errors.
impl From<AppError> for GoogleError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::Lifecycle(e) => GoogleError::Lifecycle(e),
            AppError::Chat(e) => GoogleError::Chat(e),
            // The token verified, but its user no longer exists: the credentials are no good.
            AppError::NotFound("user") => GoogleError::AuthError,
            AppError::NotFound(_) => GoogleError::NoRoute,
            AppError::Invalid(v) => {
                let reason = if v.list().iter().any(|x| x.field == "pageToken") {
                    "invalidPageToken"
                } else {
                    "invalidValue"
                };
                GoogleError::Invalid {
                    reason,
                    message: v.to_string(),
                }
            }
            AppError::Refused(e) => GoogleError::Invalid {
                reason: "invalidValue",
                message: e.description,
            },
            AppError::Conflict(why) => GoogleError::Conflict(why),
            AppError::Busy(cause) | AppError::Unavailable(cause) => GoogleError::Unavailable(cause),
            AppError::Internal(cause) => GoogleError::Internal(cause),
        }
    }
}

impl IntoResponse for GoogleError {
    fn into_response(self) -> Response {
        match &self {
            GoogleError::Unavailable(cause) => tracing::error!(cause = %cause, "dependency unavailable"),
            GoogleError::Internal(cause) => tracing::error!(cause = %cause, "internal error"),
            _ => {}
        }
        let status = self.parts().0;
        let mut response = (status, Json(self.body())).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        match status {
            StatusCode::UNAUTHORIZED => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"onair\""),
                );
            }
            StatusCode::FORBIDDEN if matches!(self, GoogleError::InsufficientPermissions) => {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(
                        "Bearer realm=\"onair\", error=\"insufficient_scope\", scope=\"https://www.googleapis.com/auth/youtube\"",
                    ),
                );
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(super::RETRY_AFTER_SECONDS));
            }
            _ => {}
        }
        response
    }
}
