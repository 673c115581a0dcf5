//! The one error type every adapter returns.

/// Why a store operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// The item does not exist.
    #[error("not found")]
    NotFound,
    /// A conditional write lost: the id is taken, the version moved on, or a limit was reached.
    /// The text is safe to show to the caller.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A page token that this store did not issue (or that was tampered with).
    #[error("invalid page token")]
    InvalidPageToken,
    /// The backing service failed or could not be reached; retrying later may succeed. The text is
    /// for logs only.
    #[error("store unavailable: {0}")]
    Unavailable(String),
}
