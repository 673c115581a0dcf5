//! The server-executed schedules of the extension fields (`onairStartAtScheduledTime`,
//! `onairStopAtScheduledEndTime`) follow the broadcast through the API, on both stores: planned on
//! insert at the broadcast's times, moved when an update changes the times, removed when the flag is
//! cleared, when the broadcast completes and when it is deleted. The planned steps are read from the
//! recording scheduler of the harness (they never fire here; the step functions have their own tests).

use crate::support::Backend;
use crate::youtube::Yt;
use http::{Method, StatusCode};
use onair_domain::lifecycle::step::{Step, StepKind};
use onair_domain::lifecycle::wire::{LifeCycleStatus, StreamStatus};
use serde_json::{Value, json};

crate::support::on_both_backends!(
    extension_schedules_are_planned_on_insert_at_the_broadcasts_times,
    an_update_of_the_times_moves_the_schedules_and_clearing_a_flag_removes_its_schedule,
    completing_a_broadcast_removes_its_schedules,
    deleting_a_broadcast_removes_its_schedules,
);

const START: &str = "2026-11-01T01:00:00Z";
const END: &str = "2026-11-01T02:00:00Z";

fn body(start: &str, end: &str, start_flag: bool, end_flag: bool) -> Value {
    json!({
        "snippet": { "title": "Scheduled", "scheduledStartTime": start, "scheduledEndTime": end },
        "status": { "privacyStatus": "private" },
        "contentDetails": {
            "enableAutoStart": true,
            "monitorStream": { "enableMonitorStream": false },
            "onairStartAtScheduledTime": start_flag,
            "onairStopAtScheduledEndTime": end_flag,
        },
    })
}

/// The pending step of `kind` for `broadcast`, if any.
fn pending(yt: &Yt, kind: StepKind, broadcast: &str) -> Option<Step> {
    yt.steps
        .pending()
        .into_iter()
        .find(|s| s.kind == kind && s.target == broadcast)
}

fn due(step: &Option<Step>) -> Option<String> {
    step.as_ref()
        .map(|s| onair_domain::lifecycle::wire::rfc3339::format(s.due))
}

async fn insert(yt: &Yt, start_flag: bool, end_flag: bool) -> String {
    let reply = yt
        .call(
            Method::POST,
            "/youtube/v3/liveBroadcasts?part=snippet,status,contentDetails",
            Some(body(START, END, start_flag, end_flag)),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["id"].as_str().unwrap().to_owned()
}

async fn extension_schedules_are_planned_on_insert_at_the_broadcasts_times(backend: Backend) {
    let yt = Yt::new(backend).await;
    let both = insert(&yt, true, true).await;
    let start = pending(&yt, StepKind::ScheduledStart, &both);
    let end = pending(&yt, StepKind::ScheduledEnd, &both);
    assert_eq!(due(&start).as_deref(), Some(START));
    assert_eq!(due(&end).as_deref(), Some(END));
    assert_eq!(start.unwrap().owner.as_str(), yt.user);
    let neither = insert(&yt, false, false).await;
    assert!(pending(&yt, StepKind::ScheduledStart, &neither).is_none());
    assert!(pending(&yt, StepKind::ScheduledEnd, &neither).is_none());
}

async fn an_update_of_the_times_moves_the_schedules_and_clearing_a_flag_removes_its_schedule(
    backend: Backend,
) {
    let yt = Yt::new(backend).await;
    let id = insert(&yt, true, true).await;
    let mut moved = body("2026-11-01T03:00:00Z", "2026-11-01T05:30:00Z", true, true);
    moved["id"] = json!(id);
    let reply = yt
        .call(
            Method::PUT,
            "/youtube/v3/liveBroadcasts?part=snippet,status,contentDetails",
            Some(moved),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        due(&pending(&yt, StepKind::ScheduledStart, &id)).as_deref(),
        Some("2026-11-01T03:00:00Z")
    );
    assert_eq!(
        due(&pending(&yt, StepKind::ScheduledEnd, &id)).as_deref(),
        Some("2026-11-01T05:30:00Z")
    );
    let mut cleared = body("2026-11-01T03:00:00Z", "2026-11-01T05:30:00Z", true, false);
    cleared["id"] = json!(id);
    let reply = yt
        .call(
            Method::PUT,
            "/youtube/v3/liveBroadcasts?part=snippet,status,contentDetails",
            Some(cleared),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(
        pending(&yt, StepKind::ScheduledEnd, &id).is_none(),
        "the cleared flag's schedule is gone"
    );
    assert!(
        pending(&yt, StepKind::ScheduledStart, &id).is_some(),
        "the other one stays"
    );
}

async fn completing_a_broadcast_removes_its_schedules(backend: Backend) {
    let yt = Yt::new(backend).await;
    let id = insert(&yt, false, true).await;
    let stream = yt.insert_stream(true).await;
    yt.bind(&id, &stream).await;
    yt.set_stream_status(&stream, StreamStatus::Active).await;
    yt.force_state(&id, LifeCycleStatus::Live).await;
    assert!(pending(&yt, StepKind::ScheduledEnd, &id).is_some());
    let reply = yt.transition(&id, "complete").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(pending(&yt, StepKind::ScheduledEnd, &id).is_none());
    assert!(pending(&yt, StepKind::AutoStop, &id).is_none());
}

async fn deleting_a_broadcast_removes_its_schedules(backend: Backend) {
    let yt = Yt::new(backend).await;
    let id = insert(&yt, true, true).await;
    assert_eq!(yt.steps.pending().iter().filter(|s| s.target == id).count(), 2);
    let reply = yt
        .call(
            Method::DELETE,
            &format!("/youtube/v3/liveBroadcasts?id={id}"),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    assert!(yt.steps.pending().iter().all(|s| s.target != id));
}
