//! The lifecycle's step functions: one registry entry per [`StepKind`], named
//! [`StepKind::function_name`], fired by EventBridge Scheduler (steps a minute or more away), the SQS
//! delay queue (sub-minute steps) or, locally, the embedded scheduler. The payload is a [`Step`] as
//! JSON; each handler checks it is for its own kind and calls [`onair_app::lifecycle::steps`].
//!
//! Delivery is at least once: every step re-reads its record and is a no-op when the record moved on
//! or is gone. A payload that is not a step of the right kind can never succeed, so it is a permanent
//! failure (logged, acknowledged); a store outage or a record that kept changing is retryable.

use crate::registry::{Access, Function, StepError, StepFuture, StepTrigger, TableAccess, Trigger};
use onair_app::AppState;
use onair_app::lifecycle::steps::{self, StepOutcome};
use onair_domain::lifecycle::step::{Step, StepKind};

/// What every step function may touch: broadcasts and streams (registrations table) and the
/// lifecycle's steps (a step replans the broadcast's server-executed schedules after a write, and
/// plans settle and auto-stop steps).
const STEP_ACCESS: Access = Access::NONE.registrations(TableAccess::ReadWrite).steps();

macro_rules! step_function {
    ($name:literal, $kind:ident, $handler:ident) => {
        Function {
            name: $name,
            trigger: Trigger::Step(StepTrigger {
                handler: $handler,
                kind: StepKind::$kind,
            }),
            access: STEP_ACCESS,
        }
    };
}

/// The step functions.
pub static FUNCTIONS: &[Function] = &[
    step_function!("lifecycle-settle", Settle, settle),
    step_function!("lifecycle-stream-changed", StreamChanged, stream_changed),
    step_function!("lifecycle-auto-stop", AutoStop, auto_stop),
    step_function!("lifecycle-scheduled-start", ScheduledStart, scheduled_start),
    step_function!("lifecycle-scheduled-end", ScheduledEnd, scheduled_end),
];

/// `lifecycle-settle`.
pub fn settle(state: AppState, payload: serde_json::Value) -> StepFuture {
    Box::pin(deliver(state, payload, StepKind::Settle))
}

/// `lifecycle-stream-changed`.
pub fn stream_changed(state: AppState, payload: serde_json::Value) -> StepFuture {
    Box::pin(deliver(state, payload, StepKind::StreamChanged))
}

/// `lifecycle-auto-stop`.
pub fn auto_stop(state: AppState, payload: serde_json::Value) -> StepFuture {
    Box::pin(deliver(state, payload, StepKind::AutoStop))
}

/// `lifecycle-scheduled-start`.
pub fn scheduled_start(state: AppState, payload: serde_json::Value) -> StepFuture {
    Box::pin(deliver(state, payload, StepKind::ScheduledStart))
}

/// `lifecycle-scheduled-end`.
pub fn scheduled_end(state: AppState, payload: serde_json::Value) -> StepFuture {
    Box::pin(deliver(state, payload, StepKind::ScheduledEnd))
}

/// Parses one delivery, performs it and logs what it did.
async fn deliver(state: AppState, payload: serde_json::Value, kind: StepKind) -> Result<(), StepError> {
    // serde's message names the field, never a value worth hiding (a step holds ids and times only).
    let step: Step = serde_json::from_value(payload)
        .map_err(|e| StepError::Permanent(format!("not a {kind} step payload: {e}")))?;
    if step.kind != kind {
        return Err(StepError::Permanent(format!(
            "a {} step was delivered to {}",
            step.kind,
            kind.function_name()
        )));
    }
    let outcome = steps::perform(&state, &step).await?;
    match outcome {
        StepOutcome::Applied { version } => {
            tracing::info!(step = %kind, target = %step.target, version, "step applied")
        }
        StepOutcome::Moot => {
            tracing::info!(step = %kind, target = %step.target, "step moot: the record moved on")
        }
        StepOutcome::Missing => tracing::info!(
            step = %kind,
            target = %step.target,
            "step for a record that no longer exists: nothing to do"
        ),
        StepOutcome::StreamChanged {
            status,
            started,
            stops_planned,
        } => tracing::info!(
            step = %kind,
            target = %step.target,
            %status,
            started,
            stops_planned,
            "stream change handled"
        ),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_kind_has_its_function_under_its_name() {
        for kind in StepKind::ALL {
            let function = FUNCTIONS
                .iter()
                .find(|f| matches!(&f.trigger, Trigger::Step(t) if t.kind == *kind))
                .unwrap_or_else(|| panic!("no function for {kind}"));
            assert_eq!(function.name, kind.function_name());
        }
        assert_eq!(FUNCTIONS.len(), StepKind::ALL.len());
    }
}
