//! Errors of PRISM's Service API, in PRISM's envelope:
//! `{"success": false, "errorCode": n, "errorName": "…", "message": "…", "data": null}`.
//!
//! PRISM documents only 404 for missing resources; the rest follows its digest's recommendation
//! (401 for bad tokens — the PRISM app treats 401 as "token expired" — 400 for bad input). The error
//! codes are onair's own, listed in the README: the HTTP status times 100 plus a sequence number.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use onair_app::AppError;
use onair_domain::chat::ChatError;
use serde_json::json;

/// A failure of a PRISM Service API call.
#[derive(Debug, thiserror::Error)]
pub enum PrismError {
    /// No access token was sent.
    #[error("missing access token")]
    MissingToken,
    /// The token is malformed, forged, revoked or for another server.
    #[error("invalid access token")]
    InvalidToken,
    /// The token has expired.
    #[error("expired access token")]
    ExpiredToken,
    /// Bad parameters.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// The channel does not exist or is not the caller's.
    #[error("channel not found")]
    ChannelNotFound,
    /// The live does not exist or is not the caller's.
    #[error("live not found")]
    LiveNotFound,
    /// The chat message does not exist (any more) in the live's chat.
    #[error("message not found")]
    MessageNotFound,
    /// The caller may not do this to the chat (moderate, delete another's message).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The author is banned from the chat.
    #[error("banned from the chat")]
    Banned,
    /// The live's chat has ended: no new messages.
    #[error("the live chat has ended")]
    ChatEnded,
    /// Too many messages; retry after this long.
    #[error("too many messages")]
    RateLimited(std::time::Duration),
    /// No such route.
    #[error("no such route")]
    NoRoute,
    /// Wrong method (HEAD and OPTIONS always).
    #[error("method not allowed")]
    MethodNotAllowed,
    /// A dependency is down; the cause is logged.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// A bug; the cause is logged.
    #[error("internal: {0}")]
    Internal(String),
}

impl PrismError {
    /// Status, `errorCode`, `errorName` and message.
    pub fn parts(&self) -> (StatusCode, u32, &'static str, String) {
        match self {
            PrismError::MissingToken => (
                StatusCode::UNAUTHORIZED,
                40101,
                "MISSING_TOKEN",
                "access token required".into(),
            ),
            PrismError::InvalidToken => (
                StatusCode::UNAUTHORIZED,
                40102,
                "INVALID_TOKEN",
                "access token is invalid".into(),
            ),
            PrismError::ExpiredToken => (
                StatusCode::UNAUTHORIZED,
                40103,
                "EXPIRED_TOKEN",
                "access token has expired".into(),
            ),
            PrismError::InvalidRequest(why) => {
                (StatusCode::BAD_REQUEST, 40001, "INVALID_REQUEST", why.clone())
            }
            PrismError::ChannelNotFound => (
                StatusCode::NOT_FOUND,
                40401,
                "CHANNEL_NOT_FOUND",
                "channel not found".into(),
            ),
            PrismError::LiveNotFound => (
                StatusCode::NOT_FOUND,
                40402,
                "LIVE_NOT_FOUND",
                "live not found".into(),
            ),
            PrismError::MessageNotFound => (
                StatusCode::NOT_FOUND,
                40403,
                "MESSAGE_NOT_FOUND",
                "chat message not found".into(),
            ),
            PrismError::Forbidden(why) => (StatusCode::FORBIDDEN, 40301, "FORBIDDEN", why.clone()),
            PrismError::Banned => (
                StatusCode::FORBIDDEN,
                40302,
                "BANNED",
                "the author is banned from this chat".into(),
            ),
            PrismError::ChatEnded => (
                StatusCode::FORBIDDEN,
                40303,
                "CHAT_ENDED",
                "the live chat has ended".into(),
            ),
            PrismError::RateLimited(_) => (
                StatusCode::TOO_MANY_REQUESTS,
                42901,
                "RATE_LIMITED",
                "too many messages, retry later".into(),
            ),
            PrismError::NoRoute => (
                StatusCode::NOT_FOUND,
                40400,
                "NOT_FOUND",
                "no such resource".into(),
            ),
            PrismError::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                40501,
                "METHOD_NOT_ALLOWED",
                "method not allowed".into(),
            ),
            PrismError::Unavailable(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                50301,
                "UNAVAILABLE",
                "temporarily unavailable, retry later".into(),
            ),
            PrismError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                50001,
                "INTERNAL_ERROR",
                "internal error".into(),
            ),
        }
    }
}

/// PRISM's one rendering of application errors. A missing user behind a valid token makes the token
/// invalid (401, which the PRISM app reads as "sign in again"); anything else missing is the channel.
impl From<AppError> for PrismError {
    fn from(err: AppError) -> Self {
        match err {
            AppError::NotFound("user") => PrismError::InvalidToken,
            AppError::NotFound("message") => PrismError::MessageNotFound,
            AppError::Chat(e) => e.into(),
            AppError::NotFound(_) => PrismError::ChannelNotFound,
            AppError::Refused(e) => PrismError::InvalidRequest(e.description),
            AppError::Invalid(v) => PrismError::InvalidRequest(v.to_string()),
            AppError::Lifecycle(e) => PrismError::InvalidRequest(e.message),
            AppError::Conflict(why) => PrismError::InvalidRequest(why),
            AppError::Busy(cause) | AppError::Unavailable(cause) => PrismError::Unavailable(cause),
            AppError::Internal(cause) => PrismError::Internal(cause),
        }
    }
}

/// PRISM's rendering of chat refusals: bad input 400, refused 403, too fast 429, no chat 404 (the
/// live's own answer: a chat is reached through its live).
impl From<ChatError> for PrismError {
    fn from(err: ChatError) -> Self {
        match err {
            ChatError::NotFound => PrismError::LiveNotFound,
            ChatError::NotAllowed => PrismError::Forbidden(err.to_string()),
            ChatError::Banned => PrismError::Banned,
            ChatError::Ended => PrismError::ChatEnded,
            ChatError::RateLimited(wait) => PrismError::RateLimited(wait),
            ChatError::TextRequired
            | ChatError::TextTooLong { .. }
            | ChatError::TextControlCharacter
            | ChatError::InvalidMaxResults
            | ChatError::InvalidPageToken
            | ChatError::InvalidBanTime { .. } => PrismError::InvalidRequest(err.to_string()),
        }
    }
}

impl IntoResponse for PrismError {
    fn into_response(self) -> Response {
        match &self {
            PrismError::Unavailable(cause) => tracing::error!(cause = %cause, "dependency unavailable"),
            PrismError::Internal(cause) => tracing::error!(cause = %cause, "internal error"),
            _ => {}
        }
        let (status, code, name, message) = self.parts();
        let body = json!({ "success": false, "errorCode": code, "errorName": name, "message": message, "data": null });
        let mut response = (status, Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"onair\""),
            );
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(super::RETRY_AFTER_SECONDS));
        }
        if let PrismError::RateLimited(wait) = &self {
            // Whole seconds, rounded up: retrying at the advertised time must succeed.
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
        }
        response
    }
}
