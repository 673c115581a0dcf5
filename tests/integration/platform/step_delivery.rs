//! Delivery of lifecycle steps on Lambda: `onair_platform::lambda::handle_step` — exactly what
//! `lambda_runtime` calls — with a Scheduler target input (the step JSON itself) and with SQS batches
//! from a delay queue (partial batch responses: only retryable failures are redelivered). Also the
//! start-up selection of the AWS step scheduler (`ONAIR_STEPS=aws`) and one real message through moto's
//! SQS into the handler, as the event source mapping hands it over.

use crate::support::{self, Backend, TestApp};
use lambda_runtime::{Context, LambdaEvent};
use onair_api::registry::{Access, Function, StepError, StepFuture, StepTrigger, Trigger};
use onair_app::{AdminAuth, AppState};
use onair_domain::lifecycle::step::{Step, StepKind};
use onair_domain::{Clock, RandomGenerator, SecretString, SystemClock, UserId};
use onair_platform::config::{Config, Host};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use time::Duration;

crate::support::on_backend!(embedded:
    a_scheduler_delivery_hands_the_step_payload_to_the_handler,
    a_retryable_scheduler_delivery_fails_the_invocation_and_a_permanent_one_is_acknowledged,
    an_sqs_batch_reports_only_the_retryable_failures_for_redelivery,
    an_sqs_batch_of_successes_reports_no_failures,
    an_sqs_batch_is_handled_concurrently,
);

crate::support::on_backend!(dynamodb:
    the_aws_step_configuration_plans_on_scheduler_and_the_delay_queues,
    a_queued_step_reaches_the_handler_as_the_event_source_mapping_delivers_it,
);

/// Payloads the test handler received, in order (tests use distinct targets and filter on them).
static SEEN: Mutex<Vec<Value>> = Mutex::new(Vec::new());

/// The test step: records its payload; a target starting `retry-` fails retryably, `perm-`
/// permanently, `slow-` takes 300 ms.
fn record(_: AppState, payload: Value) -> StepFuture {
    Box::pin(async move {
        let target = payload["target"].as_str().unwrap_or_default().to_owned();
        if target.starts_with("slow-") {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        }
        SEEN.lock().unwrap().push(payload);
        if target.starts_with("retry-") {
            Err(StepError::Retryable("store unavailable".into()))
        } else if target.starts_with("perm-") {
            Err(StepError::Permanent("no such broadcast".into()))
        } else {
            Ok(())
        }
    })
}

static SETTLE: Function = Function {
    name: "lifecycle-settle",
    trigger: Trigger::Step(StepTrigger {
        handler: record,
        kind: StepKind::Settle,
    }),
    access: Access::NONE,
};

fn seen_for(prefix: &str) -> Vec<Value> {
    SEEN.lock()
        .unwrap()
        .iter()
        .filter(|p| p["target"].as_str().is_some_and(|t| t.contains(prefix)))
        .cloned()
        .collect()
}

fn step(target: &str) -> Step {
    Step {
        kind: StepKind::Settle,
        owner: UserId::parse("u1").unwrap(),
        target: target.into(),
        version: 2,
        due: support::T0,
    }
}

fn step_json(target: &str) -> Value {
    serde_json::to_value(step(target)).unwrap()
}

/// An SQS record as the event source mapping sends it.
fn record_of(message_id: &str, body: &str) -> Value {
    json!({
        "messageId": message_id,
        "receiptHandle": format!("rh-{message_id}"),
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1793491200000",
                       "SenderId": "AIDAEXAMPLE", "ApproximateFirstReceiveTimestamp": "1793491200000"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:stack-lifecycle-settle",
        "awsRegion": "us-east-1"
    })
}

async fn invoke(state: AppState, payload: Value) -> Result<Value, lambda_runtime::Diagnostic> {
    onair_platform::lambda::handle_step(&SETTLE, state, LambdaEvent::new(payload, Context::default())).await
}

async fn state() -> AppState {
    TestApp::new(Backend::Embedded).await.state
}

async fn a_scheduler_delivery_hands_the_step_payload_to_the_handler() {
    let reply = invoke(state().await, step_json("sched-ok-1")).await.unwrap();
    assert_eq!(reply, json!({"status": "done"}));
    assert_eq!(seen_for("sched-ok-1"), vec![step_json("sched-ok-1")]);
}

async fn a_retryable_scheduler_delivery_fails_the_invocation_and_a_permanent_one_is_acknowledged() {
    let failed = invoke(state().await, step_json("retry-sched-2"))
        .await
        .unwrap_err();
    assert_eq!(failed.error_type, "Retryable");
    let acknowledged = invoke(state().await, step_json("perm-sched-2")).await.unwrap();
    assert_eq!(acknowledged["status"], "rejected");
    assert_eq!(seen_for("sched-2").len(), 2);
}

async fn an_sqs_batch_reports_only_the_retryable_failures_for_redelivery() {
    let ok = step_json("batch-3-ok").to_string();
    let retry = step_json("retry-batch-3").to_string();
    let perm = step_json("perm-batch-3").to_string();
    let event = json!({"Records": [
        record_of("m-ok", &ok),
        record_of("m-retry", &retry),
        record_of("m-perm", &perm),
        record_of("m-garbled", "not json {"),
    ]});
    let reply = invoke(state().await, event).await.unwrap();
    assert_eq!(
        reply,
        json!({"batchItemFailures": [{"itemIdentifier": "m-retry"}]}),
        "only the retryable failure goes back to the queue; the permanent one and the garbled body are acknowledged"
    );
    let mut seen: Vec<String> = seen_for("batch-3")
        .iter()
        .map(|p| p["target"].as_str().unwrap().to_owned())
        .collect();
    seen.sort();
    assert_eq!(seen, ["batch-3-ok", "perm-batch-3", "retry-batch-3"]);
    // Each body reached the handler as the step payload itself.
    assert!(seen_for("batch-3-ok").contains(&step_json("batch-3-ok")));
}

async fn an_sqs_batch_of_successes_reports_no_failures() {
    let event = json!({"Records": (0..10)
        .map(|i| record_of(&format!("m{i}"), &step_json(&format!("batch-4-{i}")).to_string()))
        .collect::<Vec<_>>()});
    let reply = invoke(state().await, event).await.unwrap();
    assert_eq!(reply, json!({"batchItemFailures": []}));
    assert_eq!(seen_for("batch-4-").len(), 10);
}

async fn an_sqs_batch_is_handled_concurrently() {
    // Ten steps of 300 ms each: one after another they would take 3 s.
    let event = json!({"Records": (0..10)
        .map(|i| record_of(&format!("m{i}"), &step_json(&format!("slow-batch-5-{i}")).to_string()))
        .collect::<Vec<_>>()});
    let started = std::time::Instant::now();
    let reply = invoke(state().await, event).await.unwrap();
    let took = started.elapsed();
    assert_eq!(reply, json!({"batchItemFailures": []}));
    assert!(took < std::time::Duration::from_millis(1_500), "took {took:?}");
}

/// The local host's configuration pointed at moto, with the AWS step scheduler.
fn aws_steps_config(group: &str, settle_queue: &str) -> Config {
    let vars: HashMap<String, String> = [
        ("AWS_ENDPOINT_URL", support::moto_endpoint()),
        ("ONAIR_STORE", "embedded".into()),
        ("ONAIR_SECRETS", "static".into()),
        ("ONAIR_STEPS", "aws".into()),
        ("ONAIR_SCHEDULE_GROUP", group.into()),
        (
            "ONAIR_SCHEDULER_ROLE_ARN",
            "arn:aws:iam::123456789012:role/r".into(),
        ),
        (
            "ONAIR_STEP_DLQ_ARN",
            "arn:aws:sqs:us-east-1:123456789012:dlq".into(),
        ),
        // every registered step kind needs a target; these tests use the settle queue and auto-stop
        (
            "ONAIR_STEP_FUNCTION_ARNS",
            "auto-stop=arn:aws:lambda:us-east-1:123456789012:function:s-lifecycle-auto-stop,\
             scheduled-start=arn:aws:lambda:us-east-1:123456789012:function:s-lifecycle-scheduled-start,\
             scheduled-end=arn:aws:lambda:us-east-1:123456789012:function:s-lifecycle-scheduled-end"
                .into(),
        ),
        (
            "ONAIR_STEP_QUEUE_URLS",
            format!("settle={settle_queue},stream-changed={settle_queue}-unused"),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    Config::from_vars(Host::Local, &vars).unwrap()
}

async fn fresh_group_and_queue() -> (aws_sdk_scheduler::Client, aws_sdk_sqs::Client, String, String) {
    let sdk = support::sdk_config().await;
    let scheduler = aws_sdk_scheduler::Client::new(&sdk);
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let group = support::unique("wired");
    scheduler
        .create_schedule_group()
        .name(&group)
        .send()
        .await
        .unwrap();
    let queue = sqs
        .create_queue()
        .queue_name(support::unique("settle"))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    (scheduler, sqs, group, queue)
}

async fn wired_state(group: &str, queue: &str) -> AppState {
    onair_platform::wiring::build(
        &aws_steps_config(group, queue),
        Arc::new(SystemClock),
        Arc::new(RandomGenerator),
        AdminAuth::Token(SecretString::new("test-admin-token-0123456789")),
    )
    .await
    .unwrap()
    .state
}

async fn the_aws_step_configuration_plans_on_scheduler_and_the_delay_queues() {
    let (scheduler, sqs, group, queue) = fresh_group_and_queue().await;
    let state = wired_state(&group, &queue).await;
    let auto_stop = Step {
        kind: StepKind::AutoStop,
        due: SystemClock.now() + Duration::minutes(1),
        ..step("b-wired")
    };
    state.steps.schedule(&auto_stop).await.unwrap();
    let got = scheduler
        .get_schedule()
        .group_name(&group)
        .name("auto-stop.b-wired")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.target().unwrap().arn(),
        "arn:aws:lambda:us-east-1:123456789012:function:s-lifecycle-auto-stop"
    );
    state.steps.schedule(&step("b-wired")).await.unwrap();
    let received = sqs
        .receive_message()
        .queue_url(&queue)
        .wait_time_seconds(0)
        .send()
        .await
        .unwrap();
    assert_eq!(received.messages().len(), 1);
}

async fn a_queued_step_reaches_the_handler_as_the_event_source_mapping_delivers_it() {
    let (_, sqs, group, queue) = fresh_group_and_queue().await;
    let state = wired_state(&group, &queue).await;
    let planned = step("queued-6");
    state.steps.schedule(&planned).await.unwrap();
    let message = sqs
        .receive_message()
        .queue_url(&queue)
        .wait_time_seconds(0)
        .send()
        .await
        .unwrap()
        .messages()
        .first()
        .cloned()
        .expect("the step was queued");
    let event = json!({"Records": [record_of(message.message_id().unwrap(), message.body().unwrap())]});
    let reply = invoke(state.clone(), event.clone()).await.unwrap();
    assert_eq!(reply, json!({"batchItemFailures": []}));
    assert_eq!(
        seen_for("queued-6"),
        vec![serde_json::to_value(&planned).unwrap()]
    );
    // A duplicate delivery (standard queues deliver at least once) reaches the handler again; the step
    // functions' own re-check makes it a no-op.
    invoke(state, event).await.unwrap();
    assert_eq!(seen_for("queued-6").len(), 2);
}
