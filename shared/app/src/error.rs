//! The one application error, and the one place store errors become it.

use onair_store::StoreError;

/// Why a use case failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppError {
    /// The input cannot be acted on, now or later (a malformed payload). Retrying cannot help.
    #[error("invalid input: {0}")]
    Invalid(String),
    /// Something the use case needs does not exist (for example a secret the stack should have made).
    #[error("not found: {0}")]
    NotFound(String),
    /// A conditional write lost to a concurrent one.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A backing service failed or could not be reached; the same call may succeed later.
    #[error("unavailable: {0}")]
    Unavailable(String),
}

impl AppError {
    /// Whether repeating the same call later may succeed (an event host reports these to the caller so
    /// the delivery is retried; the others are logged and acknowledged).
    pub fn is_retryable(&self) -> bool {
        matches!(self, AppError::Unavailable(_))
    }

    /// The mapping of store errors, naming what was being read or written.
    pub fn store(what: &'static str) -> impl Fn(StoreError) -> AppError {
        move |err| match err {
            StoreError::NotFound => AppError::NotFound(what.into()),
            StoreError::Conflict(why) => AppError::Conflict(format!("{what}: {why}")),
            StoreError::InvalidPageToken => AppError::Invalid("invalid page token".into()),
            StoreError::Unavailable(why) => AppError::Unavailable(why),
        }
    }
}
