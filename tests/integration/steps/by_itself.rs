//! The lifecycle moves by itself: on the system clock, the embedded scheduler fires the registry's
//! step functions (as the deployed Scheduler and delay queue invoke the step Lambdas), and nobody polls
//! to make anything happen — the test only watches the stored record.

use super::world::{Time, World};
use crate::support::Backend;
use onair_domain::lifecycle::ingest::IngestEvent;
use onair_domain::lifecycle::wire::LifeCycleStatus as S;
use std::time::Instant;
use time::Duration;

crate::support::on_both_backends!(
    auto_start_goes_through_live_starting_to_live_by_itself_within_settle_after,
    auto_stop_completes_by_itself_after_the_stream_stayed_inactive_for_auto_stop_after,
);

const SETTLE: Duration = Duration::seconds(1);
const AUTO_STOP: Duration = Duration::seconds(2);

async fn real(backend: Backend) -> World {
    World::new(backend, Time::Real, World::settings(SETTLE, AUTO_STOP)).await
}

async fn auto_broadcast(w: &World, key: &str) -> String {
    let s = w.stream(key).await;
    let b = w
        .broadcast(|d| {
            d.enable_auto_start = true;
            d.enable_auto_stop = true;
        })
        .await;
    w.bind(&b, &s).await;
    b.broadcast.id
}

/// Watches the broadcast every 50 ms until `wanted` or `within` passes; returns the states seen.
async fn watch_until(
    w: &World,
    id: &str,
    wanted: S,
    within: std::time::Duration,
) -> (Vec<S>, std::time::Duration) {
    let started = Instant::now();
    let mut seen: Vec<S> = Vec::new();
    loop {
        let state = w.get_broadcast(id).await.broadcast.state();
        if seen.last() != Some(&state) {
            seen.push(state);
        }
        if state == wanted {
            return (seen, started.elapsed());
        }
        assert!(
            started.elapsed() < within,
            "not {wanted} within {within:?}; states seen: {seen:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

async fn auto_start_goes_through_live_starting_to_live_by_itself_within_settle_after(backend: Backend) {
    let w = real(backend).await;
    let id = auto_broadcast(&w, "key-by-itself").await;
    w.report("key-by-itself", IngestEvent::PublishStarted).await;
    let (seen, took) = watch_until(&w, &id, S::Live, std::time::Duration::from_secs(5)).await;
    println!("auto-start: states {seen:?}, live after {took:?} (settle_after {SETTLE})");
    assert!(
        seen.contains(&S::LiveStarting),
        "liveStarting is observable to a polling client: {seen:?}"
    );
    assert!(
        took >= std::time::Duration::from_millis(900),
        "settled before settle_after: {took:?}"
    );
    let live = w.get_broadcast(&id).await;
    assert!(live.broadcast.snippet.actual_start_time.is_some());
}

async fn auto_stop_completes_by_itself_after_the_stream_stayed_inactive_for_auto_stop_after(
    backend: Backend,
) {
    let w = real(backend).await;
    let id = auto_broadcast(&w, "key-stop-itself").await;
    w.report("key-stop-itself", IngestEvent::PublishStarted).await;
    watch_until(&w, &id, S::Live, std::time::Duration::from_secs(5)).await;
    w.report("key-stop-itself", IngestEvent::PublishStopped).await;
    let (seen, took) = watch_until(&w, &id, S::Complete, std::time::Duration::from_secs(8)).await;
    println!("auto-stop: states {seen:?}, complete after {took:?} (auto_stop_after {AUTO_STOP})");
    assert!(
        took >= std::time::Duration::from_millis(1500),
        "completed before the stream had been inactive for auto_stop_after: {took:?}"
    );
    assert!(
        w.get_broadcast(&id)
            .await
            .broadcast
            .snippet
            .actual_end_time
            .is_some()
    );
}
