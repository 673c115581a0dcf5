//! Keeps a broadcast's server-executed schedules in line with its record: after every write that can
//! change its state, its times or its extension flags, [`replan`] plans, moves or cancels the
//! scheduled-start and scheduled-end steps, and cancels the auto-stop step once nothing can be stopped.
//!
//! The steps re-check their rule when they run, so a schedule left behind by a write that lost a race
//! is harmless; replanning keeps the Scheduler free of dead schedules and moves them when times change.

use crate::{AppError, AppState};
use onair_domain::UserId;
use onair_domain::lifecycle::broadcast::Broadcast;
use onair_domain::lifecycle::step::{Step, StepKind};
use onair_domain::lifecycle::wire::LifeCycleStatus as S;
use onair_store::StoredBroadcast;
use time::OffsetDateTime;

/// What one kind of step should be for a broadcast: due at a time, or not pending at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plan {
    /// Pending, due at this time.
    At(OffsetDateTime),
    /// Not pending.
    None,
}

/// The scheduled-start step: an auto-start broadcast with `onairStartAtScheduledTime` that has not
/// started yet waits for `scheduledStartTime`.
pub fn scheduled_start_plan(broadcast: &Broadcast) -> Plan {
    let details = &broadcast.content_details;
    if details.enable_auto_start
        && details.onair_start_at_scheduled_time
        && matches!(broadcast.state(), S::Created | S::Ready | S::Testing)
    {
        Plan::At(broadcast.snippet.scheduled_start_time)
    } else {
        Plan::None
    }
}

/// The scheduled-end step: a broadcast with `onairStopAtScheduledEndTime` and a `scheduledEndTime`
/// that is not over yet completes at that time.
pub fn scheduled_end_plan(broadcast: &Broadcast) -> Plan {
    match broadcast.snippet.scheduled_end_time {
        Some(end)
            if broadcast.content_details.onair_stop_at_scheduled_end_time
                && !broadcast.state().is_terminal() =>
        {
            Plan::At(end)
        }
        _ => Plan::None,
    }
}

/// How one kind of step is planned for a broadcast.
type PlanOf = fn(&Broadcast) -> Plan;

/// Plans, moves or cancels the broadcast's scheduled-start and scheduled-end steps, and cancels its
/// auto-stop step once it is over. Call it after a write of `stored` succeeded; `before` is the record
/// the write replaced (`None` for an insert). Only plans that changed reach the scheduler, so a write
/// that touches neither times nor flags nor state costs no scheduler call.
pub async fn replan(
    state: &AppState,
    before: Option<&Broadcast>,
    stored: &StoredBroadcast,
) -> Result<(), AppError> {
    let after = &stored.broadcast;
    let plans: [(StepKind, PlanOf); 2] = [
        (StepKind::ScheduledStart, scheduled_start_plan),
        (StepKind::ScheduledEnd, scheduled_end_plan),
    ];
    for (kind, plan_of) in plans {
        let plan = plan_of(after);
        let previous = before.map_or(Plan::None, plan_of);
        if plan != previous {
            apply(state, &stored.owner, &after.id, stored.version, kind, plan).await?;
        }
    }
    let ended = after.state().is_terminal() && before.is_some_and(|b| !b.state().is_terminal());
    if ended {
        state.steps.cancel(StepKind::AutoStop, &after.id).await?;
    }
    Ok(())
}

/// Cancels every step of a deleted broadcast.
pub async fn forget(state: &AppState, broadcast_id: &str) -> Result<(), AppError> {
    for kind in [
        StepKind::ScheduledStart,
        StepKind::ScheduledEnd,
        StepKind::AutoStop,
    ] {
        state.steps.cancel(kind, broadcast_id).await?;
    }
    Ok(())
}

async fn apply(
    state: &AppState,
    owner: &UserId,
    target: &str,
    version: u64,
    kind: StepKind,
    plan: Plan,
) -> Result<(), AppError> {
    match plan {
        Plan::At(due) => {
            let step = Step {
                kind,
                owner: owner.clone(),
                target: target.to_owned(),
                version,
                due,
            };
            state.steps.schedule(&step).await?;
        }
        Plan::None => state.steps.cancel(kind, target).await?,
    }
    Ok(())
}
