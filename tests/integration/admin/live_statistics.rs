//! `PUT /admin/lives/{liveId}/statistics` on both stores: snapshots show in R7/R6 `liveStat`, the
//! cumulative counters never decrease, a snapshot that is not newer changes nothing
//! (`applied: false`), unknown lives are 404, bad bodies 400 with nothing stored, the admin
//! credentials are required, `statistics.concurrentViewers` appears on `liveBroadcasts.list` only while
//! the broadcast is live, and of 50 parallel snapshots the newest wins.

use crate::support::{self, Backend, Reply};
use crate::youtube::Yt;
use futures::future::join_all;
use http::{Method, StatusCode};
use onair_app::lifecycle::steps;
use onair_domain::Clock;
use onair_domain::lifecycle::step::{Step, StepKind};
use onair_domain::lifecycle::wire::StreamStatus;
use serde_json::{Value, json};
use time::Duration;

crate::support::on_both_backends!(
    snapshots_show_in_live_stat_and_cumulative_counters_never_decrease,
    a_snapshot_not_newer_than_the_stored_one_changes_nothing,
    unknown_lives_are_404_and_bad_bodies_400_with_nothing_stored,
    statistics_require_the_admin_credentials,
    concurrent_viewers_show_only_while_the_broadcast_is_live,
    of_fifty_parallel_snapshots_the_newest_wins,
);

const T_RESERVED: &str = "2026-11-01T18:30:00+09:00";

async fn new_live(yt: &Yt) -> String {
    let reply = yt
        .call(
            Method::POST,
            &format!("/prism/v1/service/channel/{}/live", yt.channel),
            Some(json!({ "title": "Show", "reservedAt": T_RESERVED })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["data"]["live"]["liveId"].as_str().unwrap().to_owned()
}

fn path(live: &str) -> String {
    format!("/admin/lives/{live}/statistics")
}

fn at(second: i64) -> String {
    let t = support::T0 + Duration::seconds(second);
    t.format(&time::format_description::well_known::Rfc3339).unwrap()
}

fn snapshot(second: i64, views: u64, viewers: u64, likes: u64) -> Value {
    json!({ "at": at(second), "viewCount": views, "viewerCount": viewers, "likeCount": likes })
}

async fn report(yt: &Yt, live: &str, body: &Value) -> Reply {
    support::admin(&yt.router, Method::PUT, &path(live), Some(&body.to_string())).await
}

async fn live_stat(yt: &Yt, live: &str) -> Value {
    let reply = yt
        .call(Method::GET, &format!("/prism/v1/service/live/{live}"), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["data"]["live"]["liveStat"].clone()
}

async fn listed_live_stat(yt: &Yt) -> Value {
    let reply = yt
        .call(
            Method::GET,
            &format!("/prism/v1/service/channel/{}/lives", yt.channel),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["data"]["lives"][0]["liveStat"].clone()
}

async fn snapshots_show_in_live_stat_and_cumulative_counters_never_decrease(backend: Backend) {
    let yt = Yt::new(backend).await;
    let live = new_live(&yt).await;
    let zero = json!({ "viewCount": 0, "viewerCount": 0, "likeCount": 0, "chatCount": 0 });
    assert_eq!(live_stat(&yt, &live).await, zero);
    let reply = report(&yt, &live, &snapshot(10, 100, 40, 7)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["applied"], true);
    assert_eq!(reply.body["liveId"], live.as_str());
    let stat = json!({ "viewCount": 100, "viewerCount": 40, "likeCount": 7, "chatCount": 0 });
    assert_eq!(live_stat(&yt, &live).await, stat);
    assert_eq!(listed_live_stat(&yt).await, stat);
    // A newer snapshot with lower cumulative counters: views and likes keep their maximum, viewers
    // (concurrent) follow the report.
    let reply = report(&yt, &live, &snapshot(20, 90, 12, 3)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["applied"], true);
    assert_eq!(reply.body["viewCount"], 100);
    assert_eq!(reply.body["viewerCount"], 12);
    assert_eq!(reply.body["likeCount"], 7);
    let stat = json!({ "viewCount": 100, "viewerCount": 12, "likeCount": 7, "chatCount": 0 });
    assert_eq!(live_stat(&yt, &live).await, stat);
    // And higher ones are taken.
    report(&yt, &live, &snapshot(30, 150, 20, 9)).await;
    let stat = json!({ "viewCount": 150, "viewerCount": 20, "likeCount": 9, "chatCount": 0 });
    assert_eq!(live_stat(&yt, &live).await, stat);
    assert_eq!(listed_live_stat(&yt).await, stat);
}

async fn a_snapshot_not_newer_than_the_stored_one_changes_nothing(backend: Backend) {
    let yt = Yt::new(backend).await;
    let live = new_live(&yt).await;
    report(&yt, &live, &snapshot(20, 100, 40, 7)).await;
    for stale in [snapshot(20, 500, 500, 500), snapshot(5, 900, 900, 900)] {
        let reply = report(&yt, &live, &stale).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body["applied"], false, "{stale}");
        assert_eq!(reply.body["viewerCount"], 40);
        assert_eq!(reply.body["at"], at(20));
    }
    assert_eq!(
        live_stat(&yt, &live).await,
        json!({ "viewCount": 100, "viewerCount": 40, "likeCount": 7, "chatCount": 0 })
    );
}

async fn unknown_lives_are_404_and_bad_bodies_400_with_nothing_stored(backend: Backend) {
    let yt = Yt::new(backend).await;
    let live = new_live(&yt).await;
    let reply = report(&yt, "nope", &snapshot(1, 1, 1, 1)).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.text);
    for bad in [
        json!({}),
        json!({ "viewCount": 1, "viewerCount": 1, "likeCount": 1 }),
        json!({ "at": "yesterday", "viewCount": 1, "viewerCount": 1, "likeCount": 1 }),
        json!({ "at": "2026-11-01T09:00:00", "viewCount": 1, "viewerCount": 1, "likeCount": 1 }),
        json!({ "at": "1969-12-31T23:59:59Z", "viewCount": 1, "viewerCount": 1, "likeCount": 1 }),
        json!({ "at": at(1), "viewCount": -1, "viewerCount": 1, "likeCount": 1 }),
        json!({ "at": at(1), "viewCount": 1.5, "viewerCount": 1, "likeCount": 1 }),
        json!({ "at": at(1), "viewCount": "1", "viewerCount": 1, "likeCount": 1 }),
        json!({ "at": at(1), "viewCount": 1, "viewerCount": 1 }),
        json!({ "at": at(1), "viewCount": 1, "viewerCount": 1, "likeCount": 1, "extra": 1 }),
    ] {
        let reply = report(&yt, &live, &bad).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}: {}", reply.text);
    }
    let reply = support::admin(&yt.router, Method::PUT, &path(&live), Some("[1]")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert_eq!(
        live_stat(&yt, &live).await,
        json!({ "viewCount": 0, "viewerCount": 0, "likeCount": 0, "chatCount": 0 })
    );
}

async fn statistics_require_the_admin_credentials(backend: Backend) {
    let yt = Yt::new(backend).await;
    let live = new_live(&yt).await;
    let body = snapshot(1, 5, 5, 5).to_string();
    for token in [None, Some(yt.token.as_str()), Some("wrong")] {
        let reply = support::call(&yt.router, Method::PUT, &path(&live), token, Some(&body)).await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{token:?}: {}",
            reply.text
        );
    }
    assert_eq!(live_stat(&yt, &live).await["viewCount"], 0);
}

async fn broadcast_statistics(yt: &Yt, id: &str) -> Value {
    let reply = yt
        .call(
            Method::GET,
            &format!("/youtube/v3/liveBroadcasts?part=id,status,statistics&id={id}"),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["items"][0]["statistics"].clone()
}

async fn concurrent_viewers_show_only_while_the_broadcast_is_live(backend: Backend) {
    let yt = Yt::new(backend).await;
    let live = new_live(&yt).await;
    let stored = yt.app.state.lives.get(&yt.owner(), &live).await.unwrap();
    report(&yt, &live, &snapshot(1, 10, 85, 1)).await;
    // ready: no statistics
    assert_eq!(broadcast_statistics(&yt, &stored.broadcast_id).await, Value::Null);
    let reply = yt
        .call(Method::PUT, &format!("/prism/v1/service/live/{live}/start"), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    yt.set_stream_status(&stored.stream_id, StreamStatus::Active)
        .await;
    let step = Step {
        kind: StepKind::StreamChanged,
        owner: yt.owner(),
        target: stored.stream_id.clone(),
        version: 0,
        due: yt.app.clock.now(),
    };
    steps::perform(&yt.app.state, &step).await.unwrap();
    yt.app.clock.advance(Duration::seconds(5));
    for step in yt.steps.pending() {
        if step.kind == StepKind::Settle {
            steps::perform(&yt.app.state, &step).await.unwrap();
        }
    }
    // live: the snapshot's viewers, as a string (YouTube's uint64)
    assert_eq!(
        broadcast_statistics(&yt, &stored.broadcast_id).await,
        json!({ "concurrentViewers": "85" })
    );
    let mine = yt
        .call(
            Method::GET,
            "/youtube/v3/liveBroadcasts?part=id,statistics&mine=true",
            None,
        )
        .await;
    assert_eq!(mine.body["items"][0]["statistics"]["concurrentViewers"], "85");
    // Without part=statistics nothing is shown.
    let plain = yt
        .call(
            Method::GET,
            &format!(
                "/youtube/v3/liveBroadcasts?part=id,status&id={}",
                stored.broadcast_id
            ),
            None,
        )
        .await;
    assert!(
        plain.body["items"][0].get("statistics").is_none(),
        "{}",
        plain.text
    );
    // A YouTube-only live broadcast has no snapshot: no statistics.
    let (b, _) = yt.ready_with_active_stream(false).await;
    assert_eq!(yt.transition(&b, "live").await.status, StatusCode::OK);
    yt.force_state(&b, onair_domain::lifecycle::wire::LifeCycleStatus::Live)
        .await;
    assert_eq!(broadcast_statistics(&yt, &b).await, Value::Null);
    // complete: no statistics again
    let reply = yt
        .call(Method::PUT, &format!("/prism/v1/service/live/{live}/stop"), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(broadcast_statistics(&yt, &stored.broadcast_id).await, Value::Null);
}

async fn of_fifty_parallel_snapshots_the_newest_wins(backend: Backend) {
    let yt = Yt::new(backend).await;
    let live = new_live(&yt).await;
    // Sent in an order unrelated to their times; views rise with time, viewers do not.
    let calls = (0..50i64).map(|i| {
        let second = (i * 17) % 50;
        let body = snapshot(second, 10 * second as u64, 1000 - second as u64, second as u64).to_string();
        let router = yt.router.clone();
        let path = path(&live);
        tokio::spawn(async move { support::admin(&router, Method::PUT, &path, Some(&body)).await })
    });
    let replies = join_all(calls).await;
    let mut applied = 0;
    for reply in replies {
        let reply = reply.unwrap();
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        if reply.body["applied"] == true {
            applied += 1;
        }
    }
    assert!(applied >= 1);
    assert_eq!(
        live_stat(&yt, &live).await,
        json!({ "viewCount": 490, "viewerCount": 951, "likeCount": 49, "chatCount": 0 })
    );
}
