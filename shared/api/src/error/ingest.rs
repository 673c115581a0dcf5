//! Errors of the ingest-hook surface (`/ingest/…`), as a short plain-text body: the ingest server only
//! reads the status — any non-2xx answer to `on_publish` refuses the publisher, and to `on_update` drops
//! a running one.

use super::RETRY_AFTER_SECONDS;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use onair_app::AppError;

/// Everything that can go wrong on an ingest hook.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// No shared secret was presented.
    #[error("the ingest server's secret is missing")]
    MissingSecret,
    /// The presented shared secret is wrong.
    #[error("the ingest server's secret is wrong")]
    WrongSecret,
    /// The callback could not be understood (no key, an unknown `call`, a malformed form body).
    #[error("malformed callback: {0}")]
    Malformed(String),
    /// No stream has the presented key (never had, or it was deleted).
    #[error("unknown stream key")]
    UnknownKey,
    /// The stream is closed to publishing: its owner or channel is disabled, or its broadcast ended.
    #[error("the stream is closed to publishing")]
    Closed,
    /// The body is larger than the limit.
    #[error("request body too large")]
    TooLarge,
    /// Route exists but not for this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// No such route.
    #[error("no such route")]
    NoRoute,
    /// A dependency is down; the ingest server's encoder retries. The cause is logged, never returned.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A bug, corrupt data or a missing secret; the cause is logged, never returned.
    #[error("internal error: {0}")]
    Internal(String),
}

/// The ingest surface's one rendering of application errors.
impl From<AppError> for IngestError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::NotFound(_) => IngestError::UnknownKey,
            AppError::Invalid(v) => IngestError::Malformed(v.to_string()),
            AppError::Refused(e) => IngestError::Malformed(e.description),
            AppError::Busy(cause) | AppError::Unavailable(cause) | AppError::Conflict(cause) => {
                IngestError::Unavailable(cause)
            }
            AppError::Lifecycle(e) => IngestError::Internal(e.to_string()),
            AppError::Chat(e) => IngestError::Internal(e.to_string()),
            AppError::Internal(cause) => IngestError::Internal(cause),
        }
    }
}

impl IntoResponse for IngestError {
    fn into_response(self) -> Response {
        let (status, text) = match &self {
            IngestError::MissingSecret => (StatusCode::UNAUTHORIZED, "ingest secret required"),
            IngestError::WrongSecret => (StatusCode::FORBIDDEN, "ingest secret refused"),
            IngestError::Malformed(_) => (StatusCode::BAD_REQUEST, "malformed callback"),
            IngestError::UnknownKey => (StatusCode::NOT_FOUND, "unknown stream key"),
            // Not 3xx: nginx-rtmp follows a 3xx on_publish answer as a redirect.
            IngestError::Closed => (StatusCode::FORBIDDEN, "stream closed"),
            IngestError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "request body too large"),
            IngestError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method not allowed"),
            IngestError::NoRoute => (StatusCode::NOT_FOUND, "no such route"),
            IngestError::Unavailable(cause) => {
                tracing::warn!(cause = %cause, "ingest hook: a dependency is unavailable");
                (StatusCode::SERVICE_UNAVAILABLE, "temporarily unavailable")
            }
            IngestError::Internal(cause) => {
                tracing::error!(cause = %cause, "ingest hook failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error")
            }
        };
        if let IngestError::Malformed(why) = &self {
            tracing::info!(why = %why, "ingest hook: malformed callback");
        }
        let mut response = (
            status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            )],
            format!("{text}\n"),
        )
            .into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
        }
        response
    }
}
