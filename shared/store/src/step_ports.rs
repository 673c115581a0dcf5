//! The port through which use cases plan timed lifecycle steps ([`onair_domain::lifecycle::step`]).
//!
//! Contract (held by `tests/integration/contract/steps.rs` for every adapter):
//! - There is at most one pending step per [`Step::name`] (kind + target). [`StepScheduler::schedule`]
//!   creates it or, if one is pending, moves it to the new due time and payload.
//! - [`StepScheduler::cancel`] removes the pending step of that name; cancelling nothing succeeds.
//! - Delivery is at least once and may be late: step functions re-check their rule against the stored
//!   record, so a duplicate or superseded delivery changes nothing. Adapters that cannot cancel (a
//!   delay queue) rely on that.
//! - A step planned for a time already past is due at once.

use crate::error::StoreError;
use async_trait::async_trait;
use onair_domain::lifecycle::step::{Step, StepKind};

/// Plans and cancels timed steps.
#[async_trait]
pub trait StepScheduler: Send + Sync {
    /// Creates the step, or moves the pending one of the same name.
    async fn schedule(&self, step: &Step) -> Result<(), StoreError>;
    /// Removes the pending step of this kind for this target, if any.
    async fn cancel(&self, kind: StepKind, target: &str) -> Result<(), StoreError>;
}
