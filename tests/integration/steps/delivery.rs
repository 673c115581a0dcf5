//! Each lifecycle step delivered by hand, on both stores: what it does once, and that a duplicate, a
//! late delivery after the record moved on, or a delivery for a deleted record changes nothing.

use super::world::{Planned, Time, World};
use crate::support::Backend;
use onair_api::registry::StepError;
use onair_domain::lifecycle::ingest::IngestEvent;
use onair_domain::lifecycle::step::{Step, StepKind};
use onair_domain::lifecycle::wire::{LifeCycleStatus as S, RecordingStatus, StreamStatus};
use serde_json::json;
use time::Duration;

crate::support::on_both_backends!(
    settle_completes_a_transient_state_once_and_a_duplicate_is_a_no_op,
    a_late_settle_after_the_broadcast_moved_on_changes_nothing,
    steps_for_deleted_records_are_no_ops,
    an_active_stream_auto_starts_its_broadcasts_through_live_starting,
    auto_start_skips_a_disabled_channel,
    an_inactive_stream_plans_auto_stop_which_completes_only_after_the_delay,
    a_republish_cancels_auto_stop_and_a_late_auto_stop_changes_nothing,
    scheduled_start_waits_for_the_scheduled_time,
    scheduled_end_completes_a_live_broadcast_at_its_end,
    a_payload_that_is_not_a_step_of_the_function_is_a_permanent_failure,
);

async fn manual(backend: Backend) -> World {
    // Long delays: nothing here waits on a timer.
    World::new(
        backend,
        Time::Manual,
        World::settings(Duration::seconds(2), Duration::seconds(60)),
    )
    .await
}

fn step(world: &World, kind: StepKind, target: &str, version: u64) -> Step {
    Step {
        kind,
        owner: world.owner.clone(),
        target: target.to_owned(),
        version,
        due: world.now(),
    }
}

/// A bound broadcast with auto start and stop, and its stream with key `key`.
async fn auto_broadcast(world: &World, key: &str) -> (String, String) {
    let s = world.stream(key).await;
    let b = world
        .broadcast(|d| {
            d.enable_auto_start = true;
            d.enable_auto_stop = true;
        })
        .await;
    world.bind(&b, &s).await;
    (b.broadcast.id, s.stream.id)
}

async fn settle_completes_a_transient_state_once_and_a_duplicate_is_a_no_op(backend: Backend) {
    let w = manual(backend).await;
    let (b, _) = auto_broadcast(&w, "key-settle").await;
    let starting = w.force(&b, S::TestStarting, |_| {}).await;
    let settle = step(&w, StepKind::Settle, &b, starting.version);
    w.deliver(&settle).await.unwrap();
    let settled = w.get_broadcast(&b).await;
    assert_eq!(settled.broadcast.state(), S::Testing);
    assert_eq!(settled.version, starting.version + 1);
    // at-least-once: the same delivery again
    w.deliver(&settle).await.unwrap();
    assert_eq!(
        w.get_broadcast(&b).await,
        settled,
        "a duplicate settle changed the record"
    );

    let live_starting = w.force(&b, S::LiveStarting, |_| {}).await;
    let settle = step(&w, StepKind::Settle, &b, live_starting.version);
    w.deliver(&settle).await.unwrap();
    let live = w.get_broadcast(&b).await;
    assert_eq!(live.broadcast.state(), S::Live);
    assert_eq!(live.broadcast.snippet.actual_start_time, Some(w.now()));
    assert_eq!(live.broadcast.status.recording_status, RecordingStatus::Recording);
    w.deliver(&settle).await.unwrap();
    assert_eq!(w.get_broadcast(&b).await, live);
}

async fn a_late_settle_after_the_broadcast_moved_on_changes_nothing(backend: Backend) {
    let w = manual(backend).await;
    let (b, _) = auto_broadcast(&w, "key-late").await;
    let starting = w.force(&b, S::LiveStarting, |_| {}).await;
    let settle = step(&w, StepKind::Settle, &b, starting.version);
    // the owner completed the broadcast before the settle step arrived
    let complete = w.force(&b, S::Complete, |_| {}).await;
    w.advance(Duration::minutes(5));
    w.deliver(&settle).await.unwrap();
    assert_eq!(w.get_broadcast(&b).await, complete);
}

async fn steps_for_deleted_records_are_no_ops(backend: Backend) {
    let w = manual(backend).await;
    let (b, s) = auto_broadcast(&w, "key-deleted").await;
    let stored = w.get_broadcast(&b).await;
    let stream = w.get_stream(&s).await;
    w.state
        .broadcasts
        .delete(&w.owner, &b, stored.version, Some(&stream), None)
        .await
        .unwrap();
    for kind in [
        StepKind::Settle,
        StepKind::AutoStop,
        StepKind::ScheduledStart,
        StepKind::ScheduledEnd,
    ] {
        w.deliver(&step(&w, kind, &b, stored.version))
            .await
            .unwrap_or_else(|e| panic!("{kind} for a deleted broadcast failed: {e}"));
    }
    let stream = w.get_stream(&s).await;
    w.state.streams.delete(&stream).await.unwrap();
    w.deliver(&step(&w, StepKind::StreamChanged, &s, stream.version))
        .await
        .unwrap();
    // nothing came back and nothing was planned
    assert!(w.state.broadcasts.get(&w.owner, &b).await.is_err());
    assert!(w.state.streams.get(&w.owner, &s).await.is_err());
    assert!(
        w.take_planned()
            .iter()
            .all(|p| !matches!(p, Planned::Schedule(_))),
        "a step for a deleted record planned another"
    );
}

async fn an_active_stream_auto_starts_its_broadcasts_through_live_starting(backend: Backend) {
    let w = manual(backend).await;
    let (b, s) = auto_broadcast(&w, "key-auto-start").await;
    let manual_one = w.broadcast(|_| {}).await;
    w.bind(&manual_one, &w.get_stream(&s).await).await;
    w.take_planned();
    w.report("key-auto-start", IngestEvent::PublishStarted).await;
    let changed = w.planned(StepKind::StreamChanged);
    assert_eq!(changed.len(), 1, "the publish plans one stream-changed step");
    assert_eq!(
        (changed[0].target.as_str(), changed[0].due),
        (s.as_str(), w.now())
    );

    w.deliver(&changed[0]).await.unwrap();
    let starting = w.get_broadcast(&b).await;
    assert_eq!(starting.broadcast.state(), S::LiveStarting);
    let planned = w.take_planned();
    assert!(planned.contains(&Planned::Cancel(StepKind::AutoStop, b.clone())));
    let settles: Vec<&Step> = planned
        .iter()
        .filter_map(|p| match p {
            Planned::Schedule(st) if st.kind == StepKind::Settle => Some(st),
            _ => None,
        })
        .collect();
    assert_eq!(settles.len(), 1);
    assert_eq!(settles[0].due, w.now() + Duration::seconds(2));
    // the broadcast without auto-start stays ready
    assert_eq!(
        w.get_broadcast(&manual_one.broadcast.id).await.broadcast.state(),
        S::Ready
    );

    // a duplicate stream-changed delivery does not start it twice
    w.deliver(&changed[0]).await.unwrap();
    assert_eq!(w.get_broadcast(&b).await, starting);
    assert!(w.planned(StepKind::Settle).is_empty());

    w.advance(Duration::seconds(2));
    w.deliver(settles[0]).await.unwrap();
    let live = w.get_broadcast(&b).await;
    assert_eq!(live.broadcast.state(), S::Live);
    assert_eq!(live.broadcast.snippet.actual_start_time, Some(w.now()));
}

async fn auto_start_skips_a_disabled_channel(backend: Backend) {
    let w = manual(backend).await;
    let (b, _) = auto_broadcast(&w, "key-disabled").await;
    let reply = crate::support::admin(
        &w.router(),
        http::Method::PATCH,
        &format!("/admin/users/{}/channels/{}", w.owner, w.channel),
        Some(&json!({"channelEnabled": false}).to_string()),
    )
    .await;
    assert_eq!(reply.status, http::StatusCode::OK, "{}", reply.text);
    let before = w.get_broadcast(&b).await;
    w.take_planned();
    w.report("key-disabled", IngestEvent::PublishStarted).await;
    for changed in w.planned(StepKind::StreamChanged) {
        w.deliver(&changed).await.unwrap();
    }
    assert_eq!(w.get_broadcast(&b).await, before, "a disabled channel went live");
}

async fn an_inactive_stream_plans_auto_stop_which_completes_only_after_the_delay(backend: Backend) {
    let w = manual(backend).await;
    let (b, s) = auto_broadcast(&w, "key-auto-stop").await;
    w.report("key-auto-stop", IngestEvent::PublishStarted).await;
    w.force(&b, S::Live, |_| {}).await;
    w.take_planned();
    w.advance(Duration::seconds(30));
    let stopped_at = w.now();
    w.report("key-auto-stop", IngestEvent::PublishStopped).await;
    assert_eq!(
        w.get_stream(&s).await.stream.stream_status(),
        StreamStatus::Inactive
    );
    let changed = w.planned(StepKind::StreamChanged);
    assert_eq!(changed.len(), 1);
    w.deliver(&changed[0]).await.unwrap();
    let stops = w.planned(StepKind::AutoStop);
    assert_eq!(stops.len(), 1, "one auto-stop step per bound broadcast");
    assert_eq!(
        (stops[0].target.as_str(), stops[0].due),
        (b.as_str(), stopped_at + Duration::seconds(60))
    );

    // delivered early (or by a scheduler that fired too soon): nothing
    w.advance(Duration::seconds(59));
    w.deliver(&stops[0]).await.unwrap();
    assert_eq!(w.get_broadcast(&b).await.broadcast.state(), S::Live);

    w.advance(Duration::seconds(1));
    w.deliver(&stops[0]).await.unwrap();
    let complete = w.get_broadcast(&b).await;
    assert_eq!(complete.broadcast.state(), S::Complete);
    assert_eq!(complete.broadcast.snippet.actual_end_time, Some(w.now()));
    // replanning after completion cancels what is left
    assert!(
        w.take_planned()
            .contains(&Planned::Cancel(StepKind::AutoStop, b.clone()))
    );
    w.deliver(&stops[0]).await.unwrap();
    assert_eq!(
        w.get_broadcast(&b).await,
        complete,
        "a duplicate auto-stop changed the record"
    );
}

async fn a_republish_cancels_auto_stop_and_a_late_auto_stop_changes_nothing(backend: Backend) {
    let w = manual(backend).await;
    let (b, _) = auto_broadcast(&w, "key-republish").await;
    w.report("key-republish", IngestEvent::PublishStarted).await;
    w.force(&b, S::Live, |_| {}).await;
    w.take_planned();
    w.report("key-republish", IngestEvent::PublishStopped).await;
    let changed = w.planned(StepKind::StreamChanged);
    w.deliver(&changed[0]).await.unwrap();
    let stop = w.planned(StepKind::AutoStop).remove(0);

    w.advance(Duration::seconds(20));
    w.report("key-republish", IngestEvent::PublishStarted).await;
    let changed = w.planned(StepKind::StreamChanged);
    w.deliver(&changed[0]).await.unwrap();
    assert!(
        w.take_planned()
            .contains(&Planned::Cancel(StepKind::AutoStop, b.clone())),
        "the re-publish cancels the pending auto-stop"
    );
    let live = w.get_broadcast(&b).await;

    // a scheduler that could not cancel in time delivers the old step late: the encoder is back
    w.advance(Duration::seconds(120));
    w.deliver(&stop).await.unwrap();
    assert_eq!(w.get_broadcast(&b).await, live);

    // the encoder leaves again: the old step, delivered once more, counts from the new stop
    w.report("key-republish", IngestEvent::PublishStopped).await;
    w.advance(Duration::seconds(10));
    w.deliver(&stop).await.unwrap();
    assert_eq!(
        w.get_broadcast(&b).await,
        live,
        "a stale auto-stop ended a broadcast whose encoder left only 10 s ago"
    );
}

async fn scheduled_start_waits_for_the_scheduled_time(backend: Backend) {
    let w = manual(backend).await;
    let s = w.stream("key-scheduled").await;
    let b = w
        .broadcast(|d| {
            d.enable_auto_start = true;
            d.onair_start_at_scheduled_time = true;
        })
        .await;
    let start_at = b.broadcast.snippet.scheduled_start_time;
    let bound = w.bind(&b, &s).await;
    let id = bound.broadcast.id.clone();
    w.take_planned();
    w.report("key-scheduled", IngestEvent::PublishStarted).await;
    for changed in w.planned(StepKind::StreamChanged) {
        w.deliver(&changed).await.unwrap();
    }
    assert_eq!(
        w.get_broadcast(&id).await.broadcast.state(),
        S::Ready,
        "auto-start waits for the scheduled start"
    );
    let scheduled = Step {
        due: start_at,
        ..step(&w, StepKind::ScheduledStart, &id, bound.version)
    };
    w.deliver(&scheduled).await.unwrap();
    assert_eq!(w.get_broadcast(&id).await.broadcast.state(), S::Ready);

    w.advance(Duration::hours(1));
    w.deliver(&scheduled).await.unwrap();
    let starting = w.get_broadcast(&id).await;
    assert_eq!(starting.broadcast.state(), S::LiveStarting);
    assert_eq!(w.planned(StepKind::Settle).len(), 1);
    w.deliver(&scheduled).await.unwrap();
    assert_eq!(w.get_broadcast(&id).await, starting);
}

async fn scheduled_end_completes_a_live_broadcast_at_its_end(backend: Backend) {
    let w = manual(backend).await;
    let (b, _) = auto_broadcast(&w, "key-end").await;
    let end = w.now() + Duration::hours(2);
    let live = w
        .force(&b, S::Live, |b| {
            b.snippet.scheduled_end_time = Some(end);
            b.content_details.onair_stop_at_scheduled_end_time = true;
        })
        .await;
    let scheduled = Step {
        due: end,
        ..step(&w, StepKind::ScheduledEnd, &b, live.version)
    };
    w.advance(Duration::hours(1));
    w.deliver(&scheduled).await.unwrap();
    assert_eq!(w.get_broadcast(&b).await, live, "ended before its scheduled end");
    w.advance(Duration::hours(1));
    w.deliver(&scheduled).await.unwrap();
    let complete = w.get_broadcast(&b).await;
    assert_eq!(complete.broadcast.state(), S::Complete);
    w.deliver(&scheduled).await.unwrap();
    assert_eq!(w.get_broadcast(&b).await, complete);
}

async fn a_payload_that_is_not_a_step_of_the_function_is_a_permanent_failure(backend: Backend) {
    let w = manual(backend).await;
    let (b, _) = auto_broadcast(&w, "key-bad").await;
    let before = w.force(&b, S::LiveStarting, |_| {}).await;
    let garbage = super::world::deliver_to(&w.state, "lifecycle-settle", json!({"kind": "settle"})).await;
    assert!(matches!(garbage, Err(StepError::Permanent(_))), "{garbage:?}");
    let settle = serde_json::to_value(step(&w, StepKind::Settle, &b, before.version)).unwrap();
    let misrouted = super::world::deliver_to(&w.state, "lifecycle-auto-stop", settle).await;
    assert!(matches!(misrouted, Err(StepError::Permanent(_))), "{misrouted:?}");
    assert_eq!(w.get_broadcast(&b).await, before);
}
