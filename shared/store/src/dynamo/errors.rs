//! Translation of DynamoDB SDK errors into [`StoreError`].
//!
//! Only three outcomes matter above this crate: a lost condition (which callers turn into `NotFound`
//! or `Conflict`, since only they know what the condition meant), a cancelled transaction (likewise,
//! per item), and everything else, which is `Unavailable`. The text of `Unavailable` comes from the
//! error chain's `Display` (error codes and AWS messages) only. Not from `Debug`, and so not from the
//! SDK's `DisplayErrorContext` either, which appends `Debug`: that prints the raw HTTP response body
//! and the old item attached to a failed condition, and items can hold password hashes.

use super::attrs::Item;
use crate::error::StoreError;
use aws_sdk_dynamodb::error::{BuildError, SdkError};
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::error::ConditionalCheckFailedException;
use std::error::Error;
use std::fmt::Debug;

/// `Unavailable` for any failure the caller cannot act on; retrying later may succeed.
pub fn unavailable<E, R>(operation: &str, err: &SdkError<E, R>) -> StoreError
where
    E: Error + 'static,
    R: Debug,
{
    StoreError::Unavailable(format!("dynamodb {operation}: {}", error_chain(err)))
}

/// An error and its sources, `Display` only: codes and service messages, never bodies or items.
pub(crate) fn error_chain(err: &dyn Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A request this code built wrongly (a missing required field); not the caller's fault.
pub fn build_failed(err: BuildError) -> StoreError {
    StoreError::Unavailable(format!("building dynamodb request: {err}"))
}

/// Operation errors that can report a failed condition.
pub trait ConditionalError: Error + 'static {
    /// The failed condition, if that is what this error is.
    fn condition_failed(&self) -> Option<&ConditionalCheckFailedException>;
}

macro_rules! conditional_error {
    ($($t:ty),*) => {$(
        impl ConditionalError for $t {
            fn condition_failed(&self) -> Option<&ConditionalCheckFailedException> {
                match self {
                    Self::ConditionalCheckFailedException(e) => Some(e),
                    _ => None,
                }
            }
        }
    )*};
}
conditional_error!(PutItemError, UpdateItemError, DeleteItemError);

/// Why a conditional single-item write failed.
pub enum WriteFailure {
    /// The condition was false; the item as it was, when it existed and `ALL_OLD` was requested.
    ConditionFailed(Option<Item>),
    /// Anything else, already translated.
    Other(StoreError),
}

/// Sorts a conditional write's error into a lost condition or an `Unavailable`.
pub fn write_failure<E, R>(operation: &str, err: SdkError<E, R>) -> WriteFailure
where
    E: ConditionalError,
    R: Debug,
{
    match err
        .as_service_error()
        .and_then(ConditionalError::condition_failed)
    {
        Some(failed) => WriteFailure::ConditionFailed(failed.item().cloned()),
        None => WriteFailure::Other(unavailable(operation, &err)),
    }
}

/// A version condition lost: `NotFound` when there was no item, otherwise `Conflict`.
pub fn version_failure(failure: WriteFailure, expected: u64) -> StoreError {
    match failure {
        WriteFailure::ConditionFailed(None) => StoreError::NotFound,
        WriteFailure::ConditionFailed(Some(old)) => {
            StoreError::Conflict(match super::attrs::version_of(&old) {
                Some(stored) => format!("version mismatch: expected {expected}, stored {stored}"),
                None => format!("version mismatch: expected {expected}"),
            })
        }
        WriteFailure::Other(err) => err,
    }
}

/// The per-item outcome of a cancelled transaction, in the order the items were sent.
pub struct Cancelled {
    reasons: Vec<(String, Option<Item>)>,
}

/// DynamoDB's code for an item whose condition was false.
const CONDITION_FAILED: &str = "ConditionalCheckFailed";
/// DynamoDB's code for an item another transaction was writing at the same time.
const TRANSACTION_CONFLICT: &str = "TransactionConflict";
/// DynamoDB's code for an item that did not cause the cancellation.
const NO_REASON: &str = "None";

impl Cancelled {
    /// Whether the condition of the `index`-th item was false.
    pub fn condition_failed(&self, index: usize) -> bool {
        self.reasons
            .get(index)
            .is_some_and(|(code, _)| code == CONDITION_FAILED)
    }

    /// The `index`-th item as it was, if its condition failed, it existed and `ALL_OLD` was requested
    /// for it (so `None` then means the item did not exist).
    pub fn old_item(&self, index: usize) -> Option<&Item> {
        self.reasons.get(index).and_then(|(_, item)| item.as_ref())
    }

    /// `Conflict` with `reasons[i]` for the first item `i` whose condition was false (the caller lists
    /// one safe message per conditional item, in transaction order); otherwise [`Cancelled::otherwise`].
    pub fn conflict_of(&self, reasons: &[&str]) -> StoreError {
        match reasons
            .iter()
            .enumerate()
            .find(|(i, _)| self.condition_failed(*i))
        {
            Some((_, reason)) => StoreError::Conflict((*reason).to_owned()),
            None => self.otherwise(),
        }
    }

    /// The error when no condition the caller knows about explains the cancellation: a concurrent
    /// transaction on the same items is a `Conflict` (one writer won), anything else `Unavailable`.
    pub fn otherwise(&self) -> StoreError {
        if self.reasons.iter().any(|(code, _)| code == TRANSACTION_CONFLICT) {
            return StoreError::Conflict("concurrent write, retry".into());
        }
        let codes: Vec<&str> = self
            .reasons
            .iter()
            .map(|(code, _)| code.as_str())
            .filter(|c| *c != NO_REASON)
            .collect();
        StoreError::Unavailable(format!("dynamodb transaction cancelled: {codes:?}"))
    }
}

/// Sorts a transaction's error into a cancellation with per-item reasons, or an `Unavailable`.
pub fn cancelled<R: Debug>(
    operation: &str,
    err: SdkError<TransactWriteItemsError, R>,
) -> Result<Cancelled, StoreError> {
    match err.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(e)) => Ok(Cancelled {
            reasons: e
                .cancellation_reasons()
                .iter()
                .map(|r| (r.code().unwrap_or(NO_REASON).to_owned(), r.item().cloned()))
                .collect(),
        }),
        _ => Err(unavailable(operation, &err)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamo::attrs::{n, s};

    fn cancelled_with(codes: &[&str]) -> Cancelled {
        Cancelled {
            reasons: codes.iter().map(|c| ((*c).to_owned(), None)).collect(),
        }
    }

    #[test]
    fn cancellations_are_read_per_item() {
        let c = cancelled_with(&["None", "ConditionalCheckFailed"]);
        assert!(!c.condition_failed(0));
        assert!(c.condition_failed(1));
        assert!(!c.condition_failed(5));
        assert!(matches!(
            cancelled_with(&["TransactionConflict", "None"]).otherwise(),
            StoreError::Conflict(_)
        ));
        assert!(matches!(
            cancelled_with(&["ThrottlingError"]).otherwise(),
            StoreError::Unavailable(_)
        ));
        assert_eq!(
            c.conflict_of(&["first", "second"]),
            StoreError::Conflict("second".into())
        );
        assert!(matches!(
            cancelled_with(&["ThrottlingError", "None"]).conflict_of(&["first", "second"]),
            StoreError::Unavailable(_)
        ));
    }

    #[test]
    fn error_chains_use_display_only() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl std::fmt::Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("outer")
            }
        }
        impl Error for Outer {
            fn source(&self) -> Option<&(dyn Error + 'static)> {
                Some(&self.0)
            }
        }
        let err = Outer(std::io::Error::other("inner"));
        assert_eq!(error_chain(&err), "outer: inner");
    }

    #[test]
    fn version_failures_tell_missing_from_moved_on() {
        assert_eq!(
            version_failure(WriteFailure::ConditionFailed(None), 1),
            StoreError::NotFound
        );
        let old = Item::from([("version".to_owned(), n(4)), ("pk".to_owned(), s("x"))]);
        assert_eq!(
            version_failure(WriteFailure::ConditionFailed(Some(old)), 3),
            StoreError::Conflict("version mismatch: expected 3, stored 4".into())
        );
    }
}
