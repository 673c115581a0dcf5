//! The template's step wiring, held to the registry: every `Trigger::Step` function has its fixed name,
//! its delivery (a delay queue and an event source mapping with partial batch responses for a
//! sub-minute kind; the Scheduler's
//! execution role for a minute-scale kind) and its target in the environment; the execution role may
//! invoke the minute-scale step functions and nothing else; and every function that plans steps may pass
//! that role to Scheduler only. Checked on the committed template, and on a template rendered from
//! synthetic step entries (so the rules bite before the registry has step functions), including a
//! tampered copy that must be caught.

use onair_api::registry::{self, Access, Function, StepFuture, StepTrigger, TableAccess, Trigger};
use onair_domain::lifecycle::step::StepKind;
use serde_yaml::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn untag(value: &Value) -> &Value {
    match value {
        Value::Tagged(tagged) => untag(&tagged.value),
        other => other,
    }
}

fn at<'a>(node: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter()
        .try_fold(node, |node, key| untag(node).as_mapping()?.get(*key))
}

fn text_at<'a>(node: &'a Value, path: &[&str]) -> Option<&'a str> {
    at(node, path).and_then(|v| untag(v).as_str())
}

fn list_at<'a>(node: &'a Value, path: &[&str]) -> Vec<&'a Value> {
    match at(node, path).map(untag) {
        Some(Value::Sequence(items)) => items.iter().collect(),
        Some(one) => vec![one],
        None => Vec::new(),
    }
}

fn strings(values: Vec<&Value>) -> BTreeSet<String> {
    values
        .into_iter()
        .filter_map(|v| untag(v).as_str().map(str::to_owned))
        .collect()
}

fn logical_id(name: &str) -> String {
    onair_xtask::template::pascal_case(name)
}

fn arn_of(name: &str) -> String {
    format!(
        "arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:${{AWS::StackName}}-{name}"
    )
}

/// Every violation of the step wiring rules in `template` for `functions`.
fn violations(template: &Value, functions: &[&Function]) -> Vec<String> {
    let mut found = Vec::new();
    let resources = at(template, &["Resources"]).unwrap();
    let env = at(template, &["Globals", "Function", "Environment", "Variables"]).unwrap();
    let timeout: u64 = at(template, &["Globals", "Function", "Timeout"])
        .and_then(|v| untag(v).as_u64())
        .unwrap();
    let role_statements = list_at(resources, &["StepSchedulerRole", "Properties", "Policies"])
        .into_iter()
        .flat_map(|p| list_at(p, &["PolicyDocument", "Statement"]))
        .collect::<Vec<_>>();
    let invoked: BTreeSet<String> = role_statements
        .iter()
        .filter(|s| text_at(s, &["Action"]) == Some("lambda:InvokeFunction"))
        .flat_map(|s| strings(list_at(s, &["Resource"])))
        .collect();
    if text_at(resources, &["StepScheduleGroup", "Properties", "Name"]) != Some("${AWS::StackName}-lifecycle")
    {
        found.push("StepScheduleGroup must be named ${AWS::StackName}-lifecycle".into());
    }
    let mut minute_scale = BTreeSet::new();
    for function in functions {
        let id = logical_id(function.name);
        let resource = &resources[format!("{id}Function").as_str()];
        if function.access.steps {
            let passes_role = list_at(resource, &["Properties", "Policies"])
                .into_iter()
                .flat_map(|p| list_at(p, &["Statement"]))
                .any(|s| {
                    text_at(s, &["Action"]) == Some("iam:PassRole")
                        && text_at(s, &["Resource"]) == Some("StepSchedulerRole.Arn")
                        && text_at(s, &["Condition", "StringEquals", "iam:PassedToService"])
                            == Some("scheduler.amazonaws.com")
                });
            if !passes_role {
                found.push(format!(
                    "{}: plans steps but may not pass StepSchedulerRole to Scheduler (only)",
                    function.name
                ));
            }
        }
        let Trigger::Step(step) = &function.trigger else {
            continue;
        };
        if text_at(resource, &["Properties", "FunctionName"])
            != Some(format!("${{AWS::StackName}}-{}", function.name).as_str())
        {
            found.push(format!("{}: needs its fixed FunctionName", function.name));
        }
        if step.kind.is_sub_minute() {
            let queue = format!("{id}Queue");
            let mapping = &resources[format!("{id}QueueMapping").as_str()];
            let fed = text_at(mapping, &["Type"]) == Some("AWS::Lambda::EventSourceMapping")
                && text_at(mapping, &["Properties", "EventSourceArn"])
                    == Some(format!("{queue}.Arn").as_str())
                && text_at(mapping, &["Properties", "FunctionName"])
                    == Some(format!("{id}Function").as_str())
                && strings(list_at(mapping, &["Properties", "FunctionResponseTypes"]))
                    .contains("ReportBatchItemFailures");
            if !fed {
                found.push(format!(
                    "{}: needs an event source mapping from {queue} with ReportBatchItemFailures",
                    function.name
                ));
            }
            let visibility = at(resources, &[queue.as_str(), "Properties", "VisibilityTimeout"])
                .and_then(|v| untag(v).as_u64())
                .unwrap_or(0);
            if visibility <= timeout {
                found.push(format!(
                    "{queue}: visibility timeout {visibility} s must exceed the function timeout {timeout} s"
                ));
            }
            if text_at(
                resources,
                &[
                    queue.as_str(),
                    "Properties",
                    "RedrivePolicy",
                    "deadLetterTargetArn",
                ],
            ) != Some("StepFailuresQueue.Arn")
            {
                found.push(format!("{queue}: must redrive to StepFailuresQueue"));
            }
            let urls = text_at(env, &["ONAIR_STEP_QUEUE_URLS"]).unwrap_or_default();
            if !urls
                .split(',')
                .any(|e| e == format!("{}=${{{queue}}}", step.kind))
            {
                found.push(format!("ONAIR_STEP_QUEUE_URLS lacks {}", step.kind));
            }
            if invoked.contains(&arn_of(function.name)) {
                found.push(format!(
                    "StepSchedulerRole may invoke {}, a queue-fed step",
                    function.name
                ));
            }
        } else {
            minute_scale.insert(arn_of(function.name));
            let arns = text_at(env, &["ONAIR_STEP_FUNCTION_ARNS"]).unwrap_or_default();
            if !arns
                .split(',')
                .any(|e| e == format!("{}={}", step.kind, arn_of(function.name)))
            {
                found.push(format!("ONAIR_STEP_FUNCTION_ARNS lacks {}", step.kind));
            }
        }
    }
    if invoked != minute_scale {
        found.push(format!(
            "StepSchedulerRole invokes {invoked:?}, expected exactly the minute-scale step functions {minute_scale:?}"
        ));
    }
    found
}

fn noop(_: onair_app::AppState, _: serde_json::Value) -> StepFuture {
    Box::pin(async { Ok(()) })
}

macro_rules! step_function {
    ($static:ident, $name:literal, $kind:ident, $access:expr) => {
        static $static: Function = Function {
            name: $name,
            trigger: Trigger::Step(StepTrigger {
                handler: noop,
                kind: StepKind::$kind,
            }),
            access: $access,
        };
    };
}

step_function!(
    SETTLE,
    "lifecycle-settle",
    Settle,
    Access::NONE.registrations(TableAccess::ReadWrite)
);
step_function!(AUTO_STOP, "lifecycle-auto-stop", AutoStop, Access::NONE.steps());
step_function!(
    START,
    "lifecycle-scheduled-start",
    ScheduledStart,
    Access::NONE.steps()
);
step_function!(END, "lifecycle-scheduled-end", ScheduledEnd, Access::NONE.steps());
step_function!(
    CHANGED,
    "lifecycle-stream-changed",
    StreamChanged,
    Access::NONE.steps()
);

const SYNTHETIC: [&Function; 5] = [&SETTLE, &AUTO_STOP, &START, &END, &CHANGED];

fn assert_none(violations: Vec<String>) {
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_committed_templates_step_functions_are_wired_to_their_delivery() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../template.yaml");
    let template: Value = serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let functions: Vec<&Function> = registry::functions().collect();
    assert_none(violations(&template, &functions));
}

#[test]
fn every_step_kind_rendered_is_wired_to_its_delivery() {
    let text = onair_xtask::template::render_with(&SYNTHETIC);
    let template: Value = serde_yaml::from_str(&text).unwrap();
    assert_none(violations(&template, &SYNTHETIC));
}

#[test]
fn a_template_letting_the_scheduler_invoke_a_queue_fed_step_is_caught() {
    let text = onair_xtask::template::render_with(&SYNTHETIC);
    // The execution role's invoke list gains the settle function; its mapping loses the batch responses.
    let tampered = text
        .replacen(
            "                Resource:\n                  - !Sub arn:",
            &format!(
                "                Resource:\n                  - !Sub {}\n                  - !Sub arn:",
                arn_of("lifecycle-settle")
            ),
            1,
        )
        .replacen("        - ReportBatchItemFailures\n", "        - Nothing\n", 1);
    assert_ne!(tampered, text);
    let template: Value = serde_yaml::from_str(&tampered).unwrap();
    let found = violations(&template, &SYNTHETIC);
    assert!(
        found.iter().any(|v| v.contains("may invoke lifecycle-settle")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|v| v.contains("ReportBatchItemFailures")),
        "{found:?}"
    );
}
