//! The one application error, and the one place store errors become it ([`From<StoreError>`]).
//!
//! A use case that gives a store outcome a meaning of its own — a missing code is `invalid_grant`, a
//! lost create race means "read the winner" — matches the `StoreError` variant it cares about before
//! converting and lets everything else through `?`; `Unavailable` is never re-mapped. Each HTTP surface
//! renders an `AppError` in one place (`onair_api::error`).

use onair_domain::Violations;
use onair_domain::oauth::OAuthError;
use onair_store::StoreError;

/// Why a use case failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppError {
    /// A protocol refusal with its RFC 6749/6750/7009 wire code, returned to the client as is.
    #[error(transparent)]
    Refused(#[from] OAuthError),
    /// The input cannot be acted on, now or later; every problem is listed. Retrying cannot help.
    #[error("invalid input: {0}")]
    Invalid(Violations),
    /// Something the use case needs does not exist; names what.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A conditional write lost to a concurrent one, or a unique value is taken; the message is safe to
    /// show.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A broadcast-lifecycle refusal with YouTube's reason, status and domain, returned as is.
    #[error(transparent)]
    Lifecycle(#[from] onair_domain::lifecycle::LifecycleError),
    /// A live-chat refusal (bad text, page token or ban time; banned, rate-limited, not allowed, chat
    /// ended or not found), with YouTube's reason; each face renders it.
    #[error(transparent)]
    Chat(onair_domain::chat::ChatError),
    /// Too much is being asked at once (every password-hashing worker stayed busy): retry shortly.
    #[error("busy: {0}")]
    Busy(String),
    /// A backing service failed or could not be reached; the same call may succeed later. The cause is
    /// for logs only.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// A bug or corrupt data; the cause is for logs only.
    #[error("internal: {0}")]
    Internal(String),
}

impl AppError {
    /// Whether repeating the same call later may succeed (an event host reports these to the caller so
    /// the delivery is retried; the others are logged and acknowledged).
    pub fn is_retryable(&self) -> bool {
        matches!(self, AppError::Unavailable(_) | AppError::Busy(_))
    }

    /// Names what was not found (the store only knows that a record is missing).
    pub fn of(self, what: &'static str) -> AppError {
        match self {
            AppError::NotFound(_) => AppError::NotFound(what),
            other => other,
        }
    }
}

/// The only mapping of store errors.
impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => AppError::NotFound("record"),
            StoreError::Conflict(why) => AppError::Conflict(why),
            StoreError::InvalidPageToken => {
                AppError::Invalid(Violations::one("pageToken", "is not a valid page token"))
            }
            StoreError::Unavailable(cause) => AppError::Unavailable(cause),
        }
    }
}

/// `?` on a store call inside a use case, naming the record for [`AppError::NotFound`].
pub trait StoreResult<T> {
    /// The result with its store error converted, `NotFound` naming `what`.
    fn what(self, what: &'static str) -> Result<T, AppError>;
}

impl<T> StoreResult<T> for Result<T, StoreError> {
    fn what(self, what: &'static str) -> Result<T, AppError> {
        self.map_err(|e| AppError::from(e).of(what))
    }
}

impl From<crate::hashing::HashingError> for AppError {
    fn from(err: crate::hashing::HashingError) -> Self {
        match err {
            crate::hashing::HashingError::Busy => AppError::Busy(err.to_string()),
            crate::hashing::HashingError::Failed(cause) => AppError::Internal(cause),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_map_once_and_unavailable_is_retryable() {
        assert_eq!(AppError::from(StoreError::NotFound), AppError::NotFound("record"));
        assert_eq!(
            Err::<(), _>(StoreError::NotFound).what("user"),
            Err(AppError::NotFound("user"))
        );
        assert_eq!(
            AppError::from(StoreError::Conflict("taken".into())),
            AppError::Conflict("taken".into())
        );
        let down = AppError::from(StoreError::Unavailable("timeout".into()));
        assert!(down.is_retryable());
        assert_eq!(down.of("user"), AppError::Unavailable("timeout".into()));
        assert!(!AppError::from(StoreError::InvalidPageToken).is_retryable());
    }
}
