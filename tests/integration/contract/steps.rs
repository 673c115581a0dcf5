//! The step-scheduler contract (see `onair_store::step_ports`): the same rules on the embedded scheduler
//! and on EventBridge Scheduler + SQS (moto, a fresh schedule group and fresh queues per test), as
//! `contract::steps::embedded::<rule>` and `contract::steps::dynamodb::<rule>`. moto's Scheduler stores
//! schedules but never fires them, so the AWS rules read back what a schedule would deliver (GetSchedule:
//! time, target, role, input) and what a queue holds (ReceiveMessage); the embedded scheduler's own
//! rules (it fires at the due time, a moved step fires once, a cancelled one never) are measured on the
//! real clock.

use crate::support::{self, Backend, T0};
use futures::future::join_all;
use onair_domain::lifecycle::step::{Step, StepKind};
use onair_domain::{Clock, FixedClock, SystemClock, UserId};
use onair_store::StepScheduler;
use onair_store::embedded::{EmbeddedSteps, StepSink};
use onair_store::steps::aws::{MIN_LEAD, at_expression};
use onair_store::steps::{AwsSteps, StepTargets};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use time::{Duration, OffsetDateTime};

crate::support::on_both_backends!(
    both: [
        scheduling_a_step_makes_it_the_one_pending_step_of_its_name,
        scheduling_again_moves_the_pending_step_to_the_new_time_and_payload,
        cancel_removes_the_pending_step_and_cancelling_nothing_succeeds,
        kinds_of_one_target_are_pending_independently,
        ten_parallel_schedules_of_one_name_leave_exactly_one_pending_step,
    ],
    dynamodb_only: [
        a_schedule_carries_its_at_time_target_role_input_retries_and_dead_letter_queue,
        a_moved_schedule_keeps_its_name_and_takes_the_new_time_and_input,
        a_step_due_now_or_past_is_scheduled_min_lead_ahead,
        sub_minute_steps_are_queued_with_their_delay_and_payload_never_as_schedules,
        cancelling_a_sub_minute_step_sends_nothing_and_succeeds,
        a_kind_without_a_configured_target_is_unavailable_and_plans_nothing,
    ],
);

const ROLE: &str = "arn:aws:iam::123456789012:role/stack-StepSchedulerRole";
const DLQ: &str = "arn:aws:sqs:us-east-1:123456789012:stack-step-failures";

fn function_arn(kind: StepKind) -> String {
    format!(
        "arn:aws:lambda:us-east-1:123456789012:function:stack-{}",
        kind.function_name()
    )
}

fn step(kind: StepKind, target: &str, version: u64, due: OffsetDateTime) -> Step {
    Step {
        kind,
        owner: UserId::parse("u1").unwrap(),
        target: target.into(),
        version,
        due,
    }
}

/// The AWS side of a test: the adapter, the raw clients to read back with, and where it delivers.
struct Aws {
    steps: AwsSteps,
    scheduler: aws_sdk_scheduler::Client,
    sqs: aws_sdk_sqs::Client,
    targets: StepTargets,
}

async fn fresh_aws(clock: Arc<dyn Clock>) -> Aws {
    let sdk = support::sdk_config().await;
    let scheduler = aws_sdk_scheduler::Client::new(&sdk);
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let group = support::unique("steps");
    scheduler
        .create_schedule_group()
        .name(&group)
        .send()
        .await
        .unwrap();
    let mut queues = BTreeMap::new();
    for kind in StepKind::ALL.iter().filter(|k| k.is_sub_minute()) {
        let url = sqs
            .create_queue()
            .queue_name(support::unique(kind.as_str()))
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        queues.insert(*kind, url);
    }
    let functions = StepKind::ALL
        .iter()
        .filter(|k| !k.is_sub_minute())
        .map(|k| (*k, function_arn(*k)))
        .collect();
    let targets = StepTargets {
        group,
        role_arn: ROLE.into(),
        dead_letter_arn: DLQ.into(),
        functions,
        queues,
    };
    Aws {
        steps: AwsSteps::new(scheduler.clone(), sqs.clone(), targets.clone(), clock),
        scheduler,
        sqs,
        targets,
    }
}

impl Aws {
    /// Every schedule in the group, by name, with the step its input carries.
    async fn schedules(&self) -> BTreeMap<String, Step> {
        let listed = self
            .scheduler
            .list_schedules()
            .group_name(&self.targets.group)
            .send()
            .await
            .unwrap();
        let mut found = BTreeMap::new();
        for summary in listed.schedules() {
            let name = summary.name().unwrap().to_owned();
            let got = self.get(&name).await.unwrap();
            let input = got.target().unwrap().input().unwrap();
            found.insert(name, serde_json::from_str(input).unwrap());
        }
        found
    }

    async fn get(&self, name: &str) -> Option<aws_sdk_scheduler::operation::get_schedule::GetScheduleOutput> {
        match self
            .scheduler
            .get_schedule()
            .group_name(&self.targets.group)
            .name(name)
            .send()
            .await
        {
            Ok(out) => Some(out),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                None
            }
            Err(err) => panic!("GetSchedule: {err:?}"),
        }
    }

    /// Every message visible in the queue of `kind` now (no long polling: the test server handles one
    /// request at a time).
    async fn receive(&self, kind: StepKind) -> Vec<String> {
        let out = self
            .sqs
            .receive_message()
            .queue_url(&self.targets.queues[&kind])
            .max_number_of_messages(10)
            .wait_time_seconds(0)
            .send()
            .await
            .unwrap();
        out.messages()
            .iter()
            .map(|m| m.body().unwrap().to_owned())
            .collect()
    }
}

/// One adapter under the contract, and a way to see what is pending in it.
enum Subject {
    Embedded(EmbeddedSteps),
    Aws(Aws),
}

impl Subject {
    async fn new(backend: Backend) -> Subject {
        let clock: Arc<dyn Clock> = Arc::new(FixedClock::at(T0));
        match backend {
            // Not connected to a sink: steps stay pending, nothing fires during the test.
            Backend::Embedded => Subject::Embedded(EmbeddedSteps::new(clock)),
            Backend::Aws => Subject::Aws(fresh_aws(clock).await),
        }
    }

    fn steps(&self) -> Arc<dyn StepScheduler> {
        match self {
            Subject::Embedded(steps) => Arc::new(steps.clone()),
            Subject::Aws(aws) => Arc::new(aws.steps.clone()),
        }
    }

    /// The pending minute-scale steps, by name.
    async fn pending(&self) -> BTreeMap<String, Step> {
        match self {
            Subject::Embedded(steps) => steps.pending().into_iter().map(|s| (s.name(), s)).collect(),
            Subject::Aws(aws) => aws.schedules().await,
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Rules every adapter keeps.

async fn scheduling_a_step_makes_it_the_one_pending_step_of_its_name(backend: Backend) {
    let subject = Subject::new(backend).await;
    let planned = step(StepKind::AutoStop, "b1", 3, T0 + Duration::seconds(60));
    subject.steps().schedule(&planned).await.unwrap();
    let pending = subject.pending().await;
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert_eq!(pending.get("auto-stop.b1"), Some(&planned));
}

async fn scheduling_again_moves_the_pending_step_to_the_new_time_and_payload(backend: Backend) {
    let subject = Subject::new(backend).await;
    let steps = subject.steps();
    steps
        .schedule(&step(StepKind::ScheduledEnd, "b1", 1, T0 + Duration::hours(1)))
        .await
        .unwrap();
    let moved = step(StepKind::ScheduledEnd, "b1", 2, T0 + Duration::hours(2));
    steps.schedule(&moved).await.unwrap();
    let pending = subject.pending().await;
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert_eq!(pending.get("scheduled-end.b1"), Some(&moved));
}

async fn cancel_removes_the_pending_step_and_cancelling_nothing_succeeds(backend: Backend) {
    let subject = Subject::new(backend).await;
    let steps = subject.steps();
    steps
        .schedule(&step(StepKind::AutoStop, "b1", 1, T0 + Duration::seconds(60)))
        .await
        .unwrap();
    steps.cancel(StepKind::AutoStop, "b1").await.unwrap();
    assert!(subject.pending().await.is_empty());
    // Twice, and something never planned: both succeed and change nothing.
    steps.cancel(StepKind::AutoStop, "b1").await.unwrap();
    steps.cancel(StepKind::ScheduledStart, "never").await.unwrap();
    assert!(subject.pending().await.is_empty());
}

async fn kinds_of_one_target_are_pending_independently(backend: Backend) {
    let subject = Subject::new(backend).await;
    let steps = subject.steps();
    let start = step(StepKind::ScheduledStart, "b1", 1, T0 + Duration::hours(1));
    let end = step(StepKind::ScheduledEnd, "b1", 1, T0 + Duration::hours(2));
    let other = step(StepKind::ScheduledEnd, "b2", 1, T0 + Duration::hours(2));
    for s in [&start, &end, &other] {
        steps.schedule(s).await.unwrap();
    }
    steps.cancel(StepKind::ScheduledStart, "b1").await.unwrap();
    let pending = subject.pending().await;
    assert_eq!(
        pending.into_values().collect::<Vec<_>>(),
        vec![end, other],
        "cancelling one kind of one target leaves the others"
    );
}

async fn ten_parallel_schedules_of_one_name_leave_exactly_one_pending_step(backend: Backend) {
    let subject = Subject::new(backend).await;
    let steps = subject.steps();
    let planned: Vec<Step> = (1..=10)
        .map(|v| step(StepKind::AutoStop, "b1", v, T0 + Duration::minutes(v as i64)))
        .collect();
    let results = join_all(planned.iter().cloned().map(|s| {
        let steps = steps.clone();
        tokio::spawn(async move { steps.schedule(&s).await })
    }))
    .await;
    for result in results {
        result.unwrap().unwrap();
    }
    let pending = subject.pending().await;
    assert_eq!(pending.len(), 1, "{pending:?}");
    let survivor = &pending["auto-stop.b1"];
    assert!(
        planned.contains(survivor),
        "{survivor:?} is one of the planned steps"
    );
}

// ---------------------------------------------------------------------------------------------------
// EventBridge Scheduler + SQS specifics (moto).

async fn a_schedule_carries_its_at_time_target_role_input_retries_and_dead_letter_queue() {
    let aws = fresh_aws(Arc::new(FixedClock::at(T0))).await;
    // Due with a fraction of a second: the at() time rounds up, so the step never runs early.
    let planned = step(
        StepKind::AutoStop,
        "b1",
        4,
        T0 + Duration::seconds(60) + Duration::milliseconds(250),
    );
    aws.steps.schedule(&planned).await.unwrap();
    let got = aws.get("auto-stop.b1").await.unwrap();
    assert_eq!(got.name(), Some("auto-stop.b1"));
    assert_eq!(got.group_name(), Some(aws.targets.group.as_str()));
    assert_eq!(got.schedule_expression(), Some("at(2026-11-01T00:01:01)"));
    assert_eq!(got.schedule_expression_timezone(), Some("UTC"));
    assert_eq!(got.flexible_time_window().map(|w| w.mode().as_str()), Some("OFF"));
    assert_eq!(got.action_after_completion().map(|a| a.as_str()), Some("DELETE"));
    let target = got.target().unwrap();
    assert_eq!(target.arn(), function_arn(StepKind::AutoStop));
    assert_eq!(target.role_arn(), ROLE);
    let input: serde_json::Value = serde_json::from_str(target.input().unwrap()).unwrap();
    assert_eq!(input, serde_json::to_value(&planned).unwrap());
    assert_eq!(
        input,
        serde_json::json!({"kind": "auto-stop", "owner": "u1", "target": "b1", "version": 4,
                           "due": "2026-11-01T00:01:00.25Z"})
    );
    let retry = target.retry_policy().unwrap();
    assert_eq!(retry.maximum_retry_attempts(), Some(20));
    assert_eq!(retry.maximum_event_age_in_seconds(), Some(86_400));
    assert_eq!(target.dead_letter_config().and_then(|d| d.arn()), Some(DLQ));
    // Each minute-scale kind targets its own function.
    for kind in [StepKind::ScheduledStart, StepKind::ScheduledEnd] {
        aws.steps
            .schedule(&step(kind, "b1", 4, T0 + Duration::hours(1)))
            .await
            .unwrap();
        let got = aws.get(&Step::name_of(kind, "b1")).await.unwrap();
        assert_eq!(got.target().unwrap().arn(), function_arn(kind));
    }
}

async fn a_moved_schedule_keeps_its_name_and_takes_the_new_time_and_input() {
    let aws = fresh_aws(Arc::new(FixedClock::at(T0))).await;
    aws.steps
        .schedule(&step(StepKind::ScheduledStart, "b1", 1, T0 + Duration::hours(1)))
        .await
        .unwrap();
    let first_arn = aws
        .get("scheduled-start.b1")
        .await
        .unwrap()
        .arn()
        .unwrap()
        .to_owned();
    let moved = step(StepKind::ScheduledStart, "b1", 2, T0 + Duration::hours(3));
    aws.steps.schedule(&moved).await.unwrap();
    let got = aws.get("scheduled-start.b1").await.unwrap();
    assert_eq!(got.arn(), Some(first_arn.as_str()), "the same schedule, updated");
    assert_eq!(got.schedule_expression(), Some("at(2026-11-01T03:00:00)"));
    let input: Step = serde_json::from_str(got.target().unwrap().input().unwrap()).unwrap();
    assert_eq!(input, moved);
    // Everything else survives the update (UpdateSchedule replaces all fields).
    assert_eq!(got.target().unwrap().role_arn(), ROLE);
    assert_eq!(got.action_after_completion().map(|a| a.as_str()), Some("DELETE"));
}

async fn a_step_due_now_or_past_is_scheduled_min_lead_ahead() {
    let clock = Arc::new(FixedClock::at(T0 + Duration::milliseconds(400)));
    let aws = fresh_aws(clock.clone()).await;
    let past = step(StepKind::AutoStop, "b1", 1, T0 - Duration::hours(1));
    aws.steps.schedule(&past).await.unwrap();
    let got = aws.get("auto-stop.b1").await.unwrap();
    // now + 5 s, rounded up to the second: Scheduler refuses an at() time already past.
    assert_eq!(MIN_LEAD, Duration::seconds(5));
    assert_eq!(got.schedule_expression(), Some("at(2026-11-01T00:00:06)"));
    assert_eq!(
        Some(at_expression(past.due, clock.now()).as_str()),
        got.schedule_expression()
    );
    // The payload still says when the step was due.
    let input: Step = serde_json::from_str(got.target().unwrap().input().unwrap()).unwrap();
    assert_eq!(input, past);
}

async fn sub_minute_steps_are_queued_with_their_delay_and_payload_never_as_schedules() {
    // The adapter computes the delay from its clock; the queue (moto) holds the message on real time.
    let clock = Arc::new(FixedClock::at(T0));
    let aws = fresh_aws(clock).await;
    let settle = step(StepKind::Settle, "b1", 7, T0 + Duration::seconds(2));
    let changed = step(StepKind::StreamChanged, "s1", 3, T0);
    let sent = Instant::now();
    aws.steps.schedule(&settle).await.unwrap();
    aws.steps.schedule(&changed).await.unwrap();
    // Due now: visible at once, body = the step JSON.
    let bodies = aws.receive(StepKind::StreamChanged).await;
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert_eq!(serde_json::from_str::<Step>(&bodies[0]).unwrap(), changed);
    // Due in 2 s: DelaySeconds 2 hides it until then (moto honours the delay).
    assert!(aws.receive(StepKind::Settle).await.is_empty(), "delivered early");
    let mut waited = None;
    while sent.elapsed() < std::time::Duration::from_secs(6) {
        let bodies = aws.receive(StepKind::Settle).await;
        if let Some(body) = bodies.first() {
            assert_eq!(serde_json::from_str::<Step>(body).unwrap(), settle);
            waited = Some(sent.elapsed());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let waited = waited.expect("the delayed message never became visible");
    eprintln!("sqs (moto) delay of 2 s: visible after {} ms", waited.as_millis());
    assert!(
        waited >= std::time::Duration::from_millis(1_900),
        "visible after {waited:?}, before its 2 s delay"
    );
    assert!(
        aws.schedules().await.is_empty(),
        "sub-minute steps never become schedules"
    );
}

async fn cancelling_a_sub_minute_step_sends_nothing_and_succeeds() {
    let aws = fresh_aws(Arc::new(FixedClock::at(T0))).await;
    // A Scheduler client that reaches nothing: any Scheduler call fails, so success proves none was made.
    let sdk = support::sdk_config().await;
    let unreachable = aws_sdk_scheduler::Client::from_conf(
        aws_sdk_scheduler::config::Builder::from(&sdk)
            .endpoint_url("http://127.0.0.1:9")
            .build(),
    );
    let steps = AwsSteps::new(
        unreachable,
        aws.sqs.clone(),
        aws.targets.clone(),
        Arc::new(FixedClock::at(T0)),
    );
    steps.cancel(StepKind::Settle, "b1").await.unwrap();
    steps.cancel(StepKind::StreamChanged, "s1").await.unwrap();
    assert!(aws.receive(StepKind::Settle).await.is_empty());
    assert!(aws.receive(StepKind::StreamChanged).await.is_empty());
    // The same adapter does call Scheduler for a minute-scale kind, and reports that it cannot.
    let result = steps.cancel(StepKind::AutoStop, "b1").await;
    assert!(
        matches!(result, Err(onair_store::StoreError::Unavailable(_))),
        "{result:?}"
    );
}

async fn a_kind_without_a_configured_target_is_unavailable_and_plans_nothing() {
    let aws = fresh_aws(Arc::new(FixedClock::at(T0))).await;
    let mut targets = aws.targets.clone();
    targets.functions.remove(&StepKind::AutoStop);
    targets.queues.remove(&StepKind::Settle);
    let steps = AwsSteps::new(
        aws.scheduler.clone(),
        aws.sqs.clone(),
        targets,
        Arc::new(FixedClock::at(T0)),
    );
    for planned in [
        step(StepKind::AutoStop, "b1", 1, T0 + Duration::minutes(1)),
        step(StepKind::Settle, "b1", 1, T0),
    ] {
        let result = steps.schedule(&planned).await;
        assert!(
            matches!(result, Err(onair_store::StoreError::Unavailable(_))),
            "{result:?}"
        );
    }
    assert!(aws.schedules().await.is_empty());
    assert!(aws.receive(StepKind::Settle).await.is_empty());
}

// ---------------------------------------------------------------------------------------------------
// The embedded scheduler fires, on the real clock.

/// The embedded scheduler's own rules: it fires, on time, on the real clock.
mod firing {
    use super::*;

    crate::support::on_backend!(embedded:
        an_embedded_step_fires_at_its_due_time,
        a_moved_embedded_step_fires_once_at_the_new_time,
        a_cancelled_embedded_step_never_fires,
    );

    /// A sink recording each fired step with the instant it fired.
    type Fired = Arc<Mutex<Vec<(Step, OffsetDateTime)>>>;

    fn recorder() -> (StepSink, Fired) {
        let fired: Fired = Arc::default();
        let into = fired.clone();
        let sink: StepSink = Arc::new(move |step: Step| {
            let into = into.clone();
            Box::pin(async move {
                into.lock().unwrap().push((step, SystemClock.now()));
            })
        });
        (sink, fired)
    }

    async fn an_embedded_step_fires_at_its_due_time() {
        let steps = EmbeddedSteps::new(Arc::new(SystemClock));
        let (sink, fired) = recorder();
        steps.connect(sink);
        let now = SystemClock.now();
        let planned: Vec<Step> = (0..20)
            .map(|i| {
                step(
                    StepKind::Settle,
                    &format!("b{i}"),
                    1,
                    now + Duration::milliseconds(300 + 25 * i),
                )
            })
            .collect();
        for s in &planned {
            steps.schedule(s).await.unwrap();
        }
        tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
        let fired = fired.lock().unwrap().clone();
        assert_eq!(fired.len(), planned.len(), "every step fired once");
        let mut lateness: Vec<i128> = fired
            .iter()
            .map(|(step, at)| (*at - step.due).whole_milliseconds())
            .collect();
        lateness.sort_unstable();
        eprintln!(
            "embedded step lateness over {} steps: min {} ms, median {} ms, max {} ms",
            lateness.len(),
            lateness[0],
            lateness[lateness.len() / 2],
            lateness[lateness.len() - 1]
        );
        assert!(lateness[0] >= 0, "a step fired {} ms early", -lateness[0]);
        assert!(
            lateness[lateness.len() - 1] <= 100,
            "a step fired {} ms late",
            lateness[lateness.len() - 1]
        );
    }

    async fn a_moved_embedded_step_fires_once_at_the_new_time() {
        let steps = EmbeddedSteps::new(Arc::new(SystemClock));
        let (sink, fired) = recorder();
        steps.connect(sink);
        let now = SystemClock.now();
        steps
            .schedule(&step(
                StepKind::AutoStop,
                "b1",
                1,
                now + Duration::milliseconds(200),
            ))
            .await
            .unwrap();
        let moved = step(StepKind::AutoStop, "b1", 2, now + Duration::milliseconds(500));
        steps.schedule(&moved).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(350)).await;
        assert!(fired.lock().unwrap().is_empty(), "fired at the old time");
        tokio::time::sleep(std::time::Duration::from_millis(450)).await;
        let fired = fired.lock().unwrap().clone();
        assert_eq!(fired.len(), 1, "{fired:?}");
        assert_eq!(fired[0].0, moved);
        let late = (fired[0].1 - moved.due).whole_milliseconds();
        assert!((0..=100).contains(&late), "fired {late} ms after the new time");
        assert!(steps.pending().is_empty());
    }

    async fn a_cancelled_embedded_step_never_fires() {
        let steps = EmbeddedSteps::new(Arc::new(SystemClock));
        let (sink, fired) = recorder();
        steps.connect(sink);
        let now = SystemClock.now();
        steps
            .schedule(&step(
                StepKind::AutoStop,
                "b1",
                1,
                now + Duration::milliseconds(200),
            ))
            .await
            .unwrap();
        steps.cancel(StepKind::AutoStop, "b1").await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        assert!(fired.lock().unwrap().is_empty());
        assert!(steps.pending().is_empty());
    }
}
