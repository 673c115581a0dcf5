//! Errors of the admin API, as JSON `{"error": code, "message": text, "details": [{field, message}]}`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use onair_app::AppError;
use onair_domain::Violations;
use serde_json::json;

/// Everything that can go wrong on an admin route.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// Fields failed validation; every problem is listed.
    #[error("invalid fields: {0}")]
    Invalid(Violations),
    /// The body or query could not be parsed (malformed JSON, wrong types, unknown fields).
    #[error("malformed request: {0}")]
    Malformed(String),
    /// The body is larger than the limit.
    #[error("request body too large")]
    TooLarge,
    /// The body is not `application/json`.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// Missing or wrong admin credentials.
    #[error("unauthorized")]
    Unauthorized,
    /// The named resource does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A conditional write lost or a unique value is taken.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Route exists but not for this method (HEAD and OPTIONS always land here).
    #[error("method not allowed")]
    MethodNotAllowed,
    /// No such route.
    #[error("no such route")]
    NoRoute,
    /// A dependency is down; retry later. The cause is logged, never returned.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// A bug or corrupt data; the cause is logged, never returned.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<Violations> for AdminError {
    fn from(v: Violations) -> Self {
        AdminError::Invalid(v)
    }
}

/// The admin API's one rendering of application errors.
impl From<AppError> for AdminError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::NotFound(what) => AdminError::NotFound(what),
            AppError::Conflict(why) => AdminError::Conflict(why),
            AppError::Invalid(v) => AdminError::Invalid(v),
            AppError::Refused(e) => AdminError::Malformed(e.description),
            AppError::Lifecycle(e) => AdminError::Conflict(e.to_string()),
            AppError::Chat(e) => AdminError::Conflict(e.to_string()),
            AppError::Busy(cause) | AppError::Unavailable(cause) => AdminError::Unavailable(cause),
            AppError::Internal(cause) => AdminError::Internal(cause),
        }
    }
}

impl IntoResponse for AdminError {
    fn into_response(self) -> Response {
        let (status, code, message, details) = match &self {
            AdminError::Invalid(v) => (
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "one or more fields are invalid".to_owned(),
                v.list().to_vec(),
            ),
            AdminError::Malformed(why) => (StatusCode::BAD_REQUEST, "malformed_request", why.clone(), vec![]),
            AdminError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "request body exceeds 64 KiB".to_owned(),
                vec![],
            ),
            AdminError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as application/json".to_owned(),
                vec![],
            ),
            AdminError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "admin credentials required".to_owned(),
                vec![],
            ),
            AdminError::NotFound(what) => (
                StatusCode::NOT_FOUND,
                "not_found",
                format!("{what} not found"),
                vec![],
            ),
            AdminError::Conflict(why) => (StatusCode::CONFLICT, "conflict", why.clone(), vec![]),
            AdminError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "method not allowed".to_owned(),
                vec![],
            ),
            AdminError::NoRoute => (
                StatusCode::NOT_FOUND,
                "not_found",
                "no such route".to_owned(),
                vec![],
            ),
            AdminError::Unavailable(cause) => {
                tracing::error!(cause = %cause, "dependency unavailable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "temporarily unavailable, retry later".to_owned(),
                    vec![],
                )
            }
            AdminError::Internal(cause) => {
                tracing::error!(cause = %cause, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error".to_owned(),
                    vec![],
                )
            }
        };
        let body = if details.is_empty() {
            json!({ "error": code, "message": message })
        } else {
            json!({ "error": code, "message": message, "details": details })
        };
        let mut response = (status, Json(body)).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(super::RETRY_AFTER_SECONDS));
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"onair-admin\""),
            );
        }
        response
    }
}
