//! [`AwsSteps`]: timed lifecycle steps on AWS, with nothing that bills for waiting.
//!
//! - **Minute-scale kinds** (auto-stop, scheduled start, scheduled end: `!StepKind::is_sub_minute`)
//!   become one-time EventBridge Scheduler schedules in the stack's group: named [`Step::name`],
//!   `at(yyyy-mm-ddThh:mm:ss)` in UTC (the due time rounded up to the second), no flexible window,
//!   deleted by Scheduler after they ran, targeting that kind's step function with the [`Step`] JSON as
//!   input, with Scheduler's retry policy and the stack's failures queue as dead-letter queue.
//!   Scheduling creates the schedule or, when one of that name exists, updates it (moves it); cancelling
//!   deletes it, and a schedule that is already gone is a success.
//! - **Sub-minute kinds** (settle, stream changed) go to that kind's SQS queue, with `DelaySeconds` =
//!   the seconds until the due time (rounded up, 0–900). The queue's event source mapping invokes the
//!   kind's step function. A queued message cannot be withdrawn, so cancelling a sub-minute step does
//!   nothing: the step function re-checks its rule against the stored record when it runs (the port's
//!   contract allows exactly this).
//!
//! Scheduler fires within the minute after the `at()` time, which is why settling (due seconds after a
//! transition) never goes through it.

use crate::dynamo::error_chain;
use crate::error::StoreError;
use crate::step_ports::StepScheduler;
use async_trait::async_trait;
use aws_sdk_scheduler::error::SdkError;
use aws_sdk_scheduler::operation::create_schedule::CreateScheduleError;
use aws_sdk_scheduler::operation::delete_schedule::DeleteScheduleError;
use aws_sdk_scheduler::operation::update_schedule::UpdateScheduleError;
use aws_sdk_scheduler::types::{
    ActionAfterCompletion, DeadLetterConfig, FlexibleTimeWindow, FlexibleTimeWindowMode, RetryPolicy, Target,
};
use onair_domain::Clock;
use onair_domain::lifecycle::step::{Step, StepKind};
use std::collections::BTreeMap;
use std::error::Error;
use std::fmt::Debug;
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

/// How many times Scheduler retries a delivery it could not make at all (throttling, an outage) before
/// the run goes to the dead-letter queue. Failures of the function itself are retried by Lambda's
/// asynchronous invocation settings instead.
pub const SCHEDULE_RETRIES: i32 = 20;
/// How long Scheduler keeps trying to deliver one run.
pub const SCHEDULE_MAX_EVENT_AGE_SECONDS: i32 = 86_400;
/// The earliest a schedule is set for, counted from now. A step due sooner (or already past) is
/// scheduled this far ahead instead, so the `at()` time is still in the future when Scheduler checks
/// it despite request latency and clock skew; Scheduler's own precision (within the minute after the
/// `at()` time) dwarfs it.
pub const MIN_LEAD: Duration = Duration::seconds(5);
/// SQS's longest per-message delay (15 minutes).
pub const MAX_DELAY_SECONDS: i32 = 900;
/// Attempts of create-or-update before giving up, when the schedule keeps appearing and disappearing
/// between the two calls (a racing cancel, or the schedule running and deleting itself).
const UPSERT_ATTEMPTS: usize = 3;

/// Where each kind of step is delivered: read from the configuration once.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StepTargets {
    /// The Scheduler schedule group holding the one-time schedules.
    pub group: String,
    /// The role Scheduler assumes to invoke the step functions (and to report to the dead-letter queue).
    pub role_arn: String,
    /// The queue Scheduler sends a run to when it cannot deliver it.
    pub dead_letter_arn: String,
    /// The step function of each minute-scale kind (Lambda ARN).
    pub functions: BTreeMap<StepKind, String>,
    /// The delay queue of each sub-minute kind (queue URL).
    pub queues: BTreeMap<StepKind, String>,
}

impl StepTargets {
    /// What is missing to deliver every kind in `kinds`: a function ARN for a minute-scale kind, a
    /// queue URL for a sub-minute one.
    pub fn missing(&self, kinds: impl IntoIterator<Item = StepKind>) -> Vec<String> {
        kinds
            .into_iter()
            .filter_map(|kind| {
                if kind.is_sub_minute() {
                    (!self.queues.contains_key(&kind)).then(|| format!("the queue URL of {kind} steps"))
                } else {
                    (!self.functions.contains_key(&kind)).then(|| format!("the function ARN of {kind} steps"))
                }
            })
            .collect()
    }
}

/// The step scheduler over EventBridge Scheduler and SQS; cheap to clone.
#[derive(Clone)]
pub struct AwsSteps {
    scheduler: aws_sdk_scheduler::Client,
    sqs: aws_sdk_sqs::Client,
    targets: Arc<StepTargets>,
    clock: Arc<dyn Clock>,
}

impl Debug for AwsSteps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsSteps")
            .field("group", &self.targets.group)
            .finish()
    }
}

/// The `at()` expression for a step due at `due`, planned at `now`: UTC, whole seconds rounded up, and
/// never earlier than [`MIN_LEAD`] from now.
pub fn at_expression(due: OffsetDateTime, now: OffsetDateTime) -> String {
    let at = due.max(now + MIN_LEAD).to_offset(time::UtcOffset::UTC);
    let at = if at.nanosecond() == 0 {
        at
    } else {
        at.replace_nanosecond(0).unwrap_or(at) + Duration::SECOND
    };
    format!(
        "at({:04}-{:02}-{:02}T{:02}:{:02}:{:02})",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// The SQS delay for a step due at `due`, sent at `now`: the seconds until then, rounded up so the step
/// never runs early, from 0 (due or past) to [`MAX_DELAY_SECONDS`].
pub fn delay_seconds(due: OffsetDateTime, now: OffsetDateTime) -> i32 {
    let millis = (due - now).whole_milliseconds();
    let seconds = (millis + 999).div_euclid(1000);
    i32::try_from(seconds.clamp(0, i128::from(MAX_DELAY_SECONDS))).unwrap_or(MAX_DELAY_SECONDS)
}

fn unavailable<E, R>(operation: &str, err: &SdkError<E, R>) -> StoreError
where
    E: Error + 'static,
    R: Debug,
{
    StoreError::Unavailable(format!("{operation}: {}", error_chain(err)))
}

fn build_failed(err: aws_sdk_scheduler::error::BuildError) -> StoreError {
    StoreError::Unavailable(format!("building scheduler request: {err}"))
}

impl AwsSteps {
    /// A scheduler delivering to `targets`, reading the time from `clock`.
    pub fn new(
        scheduler: aws_sdk_scheduler::Client,
        sqs: aws_sdk_sqs::Client,
        targets: StepTargets,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            scheduler,
            sqs,
            targets: Arc::new(targets),
            clock,
        }
    }

    /// Where steps go.
    pub fn targets(&self) -> &StepTargets {
        &self.targets
    }

    fn payload(step: &Step) -> Result<String, StoreError> {
        serde_json::to_string(step).map_err(|err| StoreError::Unavailable(format!("step payload: {err}")))
    }

    async fn enqueue(&self, step: &Step, queue_url: &str) -> Result<(), StoreError> {
        let delay = delay_seconds(step.due, self.clock.now());
        if step.due - self.clock.now() > Duration::seconds(i64::from(MAX_DELAY_SECONDS)) {
            // The configuration bounds every sub-minute delay to the queue's limit; a step beyond it
            // runs early, re-checks its rule and does nothing, which is safe but worth knowing.
            tracing::warn!(step = %step.kind, target = %step.target, "sub-minute step due beyond the queue's longest delay");
        }
        self.sqs
            .send_message()
            .queue_url(queue_url)
            .message_body(Self::payload(step)?)
            .delay_seconds(delay)
            .send()
            .await
            .map_err(|err| unavailable("sqs SendMessage", &err))?;
        Ok(())
    }

    async fn upsert_schedule(&self, step: &Step, function_arn: &str) -> Result<(), StoreError> {
        let name = step.name();
        let expression = at_expression(step.due, self.clock.now());
        let target = Target::builder()
            .arn(function_arn)
            .role_arn(&self.targets.role_arn)
            .input(Self::payload(step)?)
            .retry_policy(
                RetryPolicy::builder()
                    .maximum_retry_attempts(SCHEDULE_RETRIES)
                    .maximum_event_age_in_seconds(SCHEDULE_MAX_EVENT_AGE_SECONDS)
                    .build(),
            )
            .dead_letter_config(
                DeadLetterConfig::builder()
                    .arn(&self.targets.dead_letter_arn)
                    .build(),
            )
            .build()
            .map_err(build_failed)?;
        let window = FlexibleTimeWindow::builder()
            .mode(FlexibleTimeWindowMode::Off)
            .build()
            .map_err(build_failed)?;
        for _ in 0..UPSERT_ATTEMPTS {
            let created = self
                .scheduler
                .create_schedule()
                .name(&name)
                .group_name(&self.targets.group)
                .schedule_expression(&expression)
                .schedule_expression_timezone("UTC")
                .flexible_time_window(window.clone())
                .action_after_completion(ActionAfterCompletion::Delete)
                .target(target.clone())
                .send()
                .await;
            match created {
                Ok(_) => return Ok(()),
                Err(err)
                    if matches!(
                        err.as_service_error(),
                        Some(CreateScheduleError::ConflictException(_))
                    ) => {}
                Err(err) => return Err(unavailable("scheduler CreateSchedule", &err)),
            }
            // One of that name is pending: move it. UpdateSchedule replaces every field.
            let updated = self
                .scheduler
                .update_schedule()
                .name(&name)
                .group_name(&self.targets.group)
                .schedule_expression(&expression)
                .schedule_expression_timezone("UTC")
                .flexible_time_window(window.clone())
                .action_after_completion(ActionAfterCompletion::Delete)
                .target(target.clone())
                .send()
                .await;
            match updated {
                Ok(_) => return Ok(()),
                // Gone since the create (it ran, or a cancel won): create it again.
                Err(err)
                    if matches!(
                        err.as_service_error(),
                        Some(
                            UpdateScheduleError::ResourceNotFoundException(_)
                                | UpdateScheduleError::ConflictException(_)
                        )
                    ) => {}
                Err(err) => return Err(unavailable("scheduler UpdateSchedule", &err)),
            }
        }
        Err(StoreError::Unavailable(format!(
            "schedule {name} kept changing during create-or-update"
        )))
    }
}

#[async_trait]
impl StepScheduler for AwsSteps {
    async fn schedule(&self, step: &Step) -> Result<(), StoreError> {
        if step.kind.is_sub_minute() {
            let Some(queue) = self.targets.queues.get(&step.kind) else {
                return Err(StoreError::Unavailable(format!(
                    "no queue is configured for {} steps",
                    step.kind
                )));
            };
            self.enqueue(step, queue).await
        } else {
            let Some(function) = self.targets.functions.get(&step.kind) else {
                return Err(StoreError::Unavailable(format!(
                    "no function is configured for {} steps",
                    step.kind
                )));
            };
            self.upsert_schedule(step, function).await
        }
    }

    async fn cancel(&self, kind: StepKind, target: &str) -> Result<(), StoreError> {
        if kind.is_sub_minute() {
            // A queued message cannot be withdrawn; the step re-checks its rule when it runs.
            return Ok(());
        }
        let deleted = self
            .scheduler
            .delete_schedule()
            .name(Step::name_of(kind, target))
            .group_name(&self.targets.group)
            .send()
            .await;
        match deleted {
            Ok(_) => Ok(()),
            Err(err)
                if matches!(
                    err.as_service_error(),
                    Some(DeleteScheduleError::ResourceNotFoundException(_))
                ) =>
            {
                Ok(())
            }
            Err(err) => Err(unavailable("scheduler DeleteSchedule", &err)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn at_expressions_are_utc_whole_seconds_rounded_up() {
        let now = datetime!(2026-11-30 10:00:00 UTC);
        assert_eq!(
            at_expression(datetime!(2026-11-30 10:01:00 UTC), now),
            "at(2026-11-30T10:01:00)"
        );
        assert_eq!(
            at_expression(datetime!(2026-11-30 10:01:00.001 UTC), now),
            "at(2026-11-30T10:01:01)"
        );
        assert_eq!(
            at_expression(datetime!(2026-11-30 12:01:00 +02:00), now),
            "at(2026-11-30T10:01:00)"
        );
    }

    #[test]
    fn a_due_time_past_or_too_close_is_scheduled_min_lead_ahead() {
        let now = datetime!(2026-11-30 10:00:00.5 UTC);
        assert_eq!(
            at_expression(datetime!(2026-11-29 10:00:00 UTC), now),
            "at(2026-11-30T10:00:06)"
        );
        assert_eq!(
            at_expression(datetime!(2026-11-30 10:00:02 UTC), now),
            "at(2026-11-30T10:00:06)"
        );
    }

    #[test]
    fn delays_round_up_and_stay_within_what_sqs_accepts() {
        let now = datetime!(2026-11-30 10:00:00 UTC);
        assert_eq!(delay_seconds(now, now), 0);
        assert_eq!(delay_seconds(now - Duration::minutes(5), now), 0);
        assert_eq!(delay_seconds(now + Duration::milliseconds(1), now), 1);
        assert_eq!(delay_seconds(now + Duration::seconds(3), now), 3);
        assert_eq!(delay_seconds(now + Duration::milliseconds(3_001), now), 4);
        assert_eq!(delay_seconds(now + Duration::hours(2), now), 900);
    }

    #[test]
    fn missing_targets_are_named_per_kind() {
        let mut targets = StepTargets::default();
        targets.functions.insert(StepKind::AutoStop, "arn:fn".into());
        targets.queues.insert(StepKind::Settle, "https://q".into());
        assert!(targets.missing([StepKind::AutoStop, StepKind::Settle]).is_empty());
        assert_eq!(
            targets.missing(StepKind::ALL.iter().copied()),
            vec![
                "the function ARN of scheduled-start steps",
                "the function ARN of scheduled-end steps",
                "the queue URL of stream-changed steps",
            ]
        );
    }
}
