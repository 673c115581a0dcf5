//! PRISM lives R6–R10 on the broadcast engine (`onair_app::lives`), through the in-process router on
//! both stores: DTO fields, the status mapping through a whole flow, R9 ending another on-air live,
//! restart after END, R6 order and filter, 404s, another user's live, parallel starts and stops, the
//! YouTube view of a PRISM live (R7/R6/R9/R10 request budgets: `live_model.rs`).

use crate::support::{Backend, Reply};
use crate::youtube::Yt;
use futures::future::join_all;
use http::{Method, StatusCode};
use onair_app::lifecycle::steps;
use onair_domain::Clock;
use onair_domain::lifecycle::step::{Step, StepKind};
use onair_domain::lifecycle::wire::StreamStatus;
use serde_json::{Value, json};
use std::sync::Arc;
use time::Duration;

crate::support::on_both_backends!(
    r8_creates_a_reserved_live_with_every_dto_field,
    r7_reads_the_live_with_offset_dates_and_string_ids,
    r8_refuses_bad_bodies_and_changes_nothing,
    r8_on_a_disabled_channel_is_refused_and_creates_nothing,
    status_goes_reserved_on_air_live_end_through_the_flow,
    r9_on_an_active_stream_goes_live_through_a_stream_changed_step,
    r9_ends_another_on_air_live_of_the_channel,
    restart_after_end_opens_a_new_broadcast_with_a_new_key,
    r10_on_an_ended_live_returns_it_unchanged,
    r6_lists_modified_desc_and_filters_by_status,
    unknown_and_foreign_lives_and_channels_are_404,
    a_deleted_users_token_is_401_on_the_live_routes,
    fifty_parallel_starts_and_stops_leave_a_consistent_live,
    a_prism_live_is_visible_to_youtube_clients,
);

const T_RESERVED: &str = "2026-11-01T18:30:00+09:00";

async fn fx(backend: Backend) -> Yt {
    Yt::new(backend).await
}

fn live_path(id: &str, tail: &str) -> String {
    format!("/prism/v1/service/live/{id}{tail}")
}

async fn create(yt: &Yt, channel: &str, body: Value) -> Reply {
    yt.call(
        Method::POST,
        &format!("/prism/v1/service/channel/{channel}/live"),
        Some(body),
    )
    .await
}

/// Creates a live on the fixture's channel; returns its id.
async fn new_live(yt: &Yt, title: &str) -> String {
    let reply = create(
        yt,
        &yt.channel,
        json!({ "title": title, "reservedAt": T_RESERVED }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["data"]["live"]["liveId"].as_str().unwrap().to_owned()
}

async fn get(yt: &Yt, id: &str) -> Reply {
    yt.call(Method::GET, &live_path(id, ""), None).await
}

async fn live_of(yt: &Yt, id: &str) -> Value {
    let reply = get(yt, id).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["data"]["live"].clone()
}

async fn status_of(yt: &Yt, id: &str) -> String {
    live_of(yt, id).await["status"].as_str().unwrap().to_owned()
}

async fn put(yt: &Yt, id: &str, action: &str) -> Reply {
    yt.call(Method::PUT, &live_path(id, &format!("/{action}")), None)
        .await
}

async fn stored(yt: &Yt, id: &str) -> onair_store::StoredLive {
    yt.app.state.lives.get(&yt.owner(), id).await.unwrap()
}

/// Runs every pending step of `kind` now (the fixture records steps and never fires them).
async fn run_pending(yt: &Yt, kind: StepKind) {
    let pending: Vec<Step> = yt
        .steps
        .pending()
        .into_iter()
        .filter(|s| s.kind == kind)
        .collect();
    for step in pending {
        steps::perform(&yt.app.state, &step).await.unwrap();
    }
}

/// The stream became active: the ingest hook would plan this step; the test runs it at once.
async fn stream_goes_active(yt: &Yt, stream: &str) {
    yt.set_stream_status(stream, StreamStatus::Active).await;
    let step = Step {
        kind: StepKind::StreamChanged,
        owner: yt.owner(),
        target: stream.to_owned(),
        version: 0,
        due: yt.app.clock.now(),
    };
    steps::perform(&yt.app.state, &step).await.unwrap();
    yt.app.clock.advance(Duration::seconds(5));
    run_pending(yt, StepKind::Settle).await;
}

async fn r8_creates_a_reserved_live_with_every_dto_field(backend: Backend) {
    let yt = fx(backend).await;
    let reply = create(
        &yt,
        &yt.channel,
        json!({ "title": "Evening show", "reservedAt": T_RESERVED, "description": "d", "scope": "LIMITED" }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["success"], true);
    assert_eq!(reply.body["errorCode"], 0);
    let data = &reply.body["data"];
    assert_eq!(data["channelId"], yt.channel.as_str());
    let live = &data["live"];
    let mut keys: Vec<&str> = live.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "description",
            "liveId",
            "liveLink",
            "liveStat",
            "reservedAt",
            "rtmpPath",
            "scope",
            "startAt",
            "status",
            "title"
        ]
    );
    assert_eq!(live["title"], "Evening show");
    assert_eq!(live["description"], "d");
    assert_eq!(live["reservedAt"], "2026-11-01T09:30:00+00:00");
    assert_eq!(live["startAt"], Value::Null);
    assert_eq!(live["status"], "RESERVED");
    assert_eq!(live["scope"], "LIMITED");
    assert_eq!(
        live["liveStat"],
        json!({ "viewCount": 0, "viewerCount": 0, "likeCount": 0, "chatCount": 0 })
    );
    let rtmp = live["rtmpPath"].as_str().unwrap();
    let (address, key) = rtmp.rsplit_once('/').unwrap();
    assert_eq!(address, yt.app.state.settings.lifecycle.ingest_rtmp_url);
    assert!(!key.is_empty(), "{rtmp}");
    // The broadcast as R8 sets it: private settings of a PRISM live, bound to its own stream.
    let id = live["liveId"].as_str().unwrap();
    let s = stored(&yt, id).await;
    assert!(!s.started);
    assert_eq!(s.broadcasts, vec![s.broadcast_id.clone()]);
    let b = yt
        .app
        .state
        .broadcasts
        .get(&yt.owner(), &s.broadcast_id)
        .await
        .unwrap();
    assert!(!b.broadcast.content_details.enable_auto_start);
    assert!(!b.broadcast.content_details.enable_auto_stop);
    assert!(!b.broadcast.content_details.monitor_stream.enable_monitor_stream);
    assert_eq!(b.broadcast.bound_stream_id(), Some(s.stream_id.as_str()));
    let st = yt.app.state.streams.get(&yt.owner(), &s.stream_id).await.unwrap();
    assert!(!st.stream.content_details.is_reusable);
    assert_eq!(key, st.stream.cdn.ingestion_info.stream_name.expose());
}

async fn r7_reads_the_live_with_offset_dates_and_string_ids(backend: Backend) {
    let yt = fx(backend).await;
    let id = new_live(&yt, "Show").await;
    let reply = get(&yt, &id).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["data"]["channelId"], yt.channel.as_str());
    let live = &reply.body["data"]["live"];
    assert_eq!(live["liveId"], id.as_str());
    assert_eq!(live["scope"], "PUBLIC");
    assert_eq!(live["reservedAt"], "2026-11-01T09:30:00+00:00");
    // No live URL template configured: the channel link.
    let channel = yt
        .app
        .state
        .channels
        .get(&yt.owner(), &onair_domain::ChannelId::parse(&yt.channel).unwrap())
        .await
        .unwrap();
    assert_eq!(live["liveLink"], channel.channel.link.as_str());
}

async fn r8_refuses_bad_bodies_and_changes_nothing(backend: Backend) {
    let yt = fx(backend).await;
    for body in [
        json!({ "reservedAt": T_RESERVED }),
        json!({ "title": "", "reservedAt": T_RESERVED }),
        json!({ "title": "x" }),
        json!({ "title": "x", "reservedAt": "2026-11-01T18:30:00" }),
        json!({ "title": "x", "reservedAt": "tomorrow" }),
        // valid RFC 3339 whose UTC form is in the year 10000 (converting it once panicked)
        json!({ "title": "x", "reservedAt": "9999-12-31T23:00:00-05:00" }),
        json!({ "title": "x", "reservedAt": T_RESERVED, "scope": "public" }),
    ] {
        let reply = create(&yt, &yt.channel, body.clone()).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}: {}", reply.text);
        assert_eq!(reply.body["success"], false);
    }
    let reply = yt
        .call(
            Method::GET,
            &format!("/prism/v1/service/channel/{}/lives", yt.channel),
            None,
        )
        .await;
    assert_eq!(reply.body["data"]["lives"], json!([]));
}

async fn r8_on_a_disabled_channel_is_refused_and_creates_nothing(backend: Backend) {
    let yt = fx(backend).await;
    let path = format!("/admin/users/{}/channels/{}", yt.user, yt.channel);
    let body = json!({ "channelEnabled": false }).to_string();
    let reply = crate::support::admin(&yt.router, Method::PATCH, &path, Some(&body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let reply = create(
        &yt,
        &yt.channel,
        json!({ "title": "x", "reservedAt": T_RESERVED }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text);
    assert_eq!(reply.body["success"], false);
    let channel = onair_domain::ChannelId::parse(&yt.channel).unwrap();
    assert!(
        yt.app
            .state
            .lives
            .list(&yt.owner(), &channel)
            .await
            .unwrap()
            .is_empty()
    );
    let list = yt
        .call(Method::GET, "/youtube/v3/liveBroadcasts?part=id&mine=true", None)
        .await;
    assert_eq!(list.body["items"], json!([]));
}

async fn status_goes_reserved_on_air_live_end_through_the_flow(backend: Backend) {
    let yt = fx(backend).await;
    let id = new_live(&yt, "Show").await;
    assert_eq!(status_of(&yt, &id).await, "RESERVED");
    let reply = put(&yt, &id, "start").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let live = &reply.body["data"]["live"];
    assert_eq!(live["status"], "ON_AIR");
    assert!(live["rtmpPath"].as_str().unwrap().starts_with("rtmp://"));
    // On air while the encoder has not connected yet; the broadcast waits for its stream.
    let s = stored(&yt, &id).await;
    let b = yt
        .app
        .state
        .broadcasts
        .get(&yt.owner(), &s.broadcast_id)
        .await
        .unwrap();
    assert_eq!(b.broadcast.state().as_str(), "ready");
    assert!(b.broadcast.content_details.enable_auto_start);
    assert_eq!(live_of(&yt, &id).await["startAt"], Value::Null);
    // The encoder connects: the broadcast goes live by itself.
    stream_goes_active(&yt, &s.stream_id).await;
    let b = yt
        .app
        .state
        .broadcasts
        .get(&yt.owner(), &s.broadcast_id)
        .await
        .unwrap();
    assert_eq!(b.broadcast.state().as_str(), "live");
    let live = live_of(&yt, &id).await;
    assert_eq!(live["status"], "ON_AIR");
    assert!(live["startAt"].as_str().unwrap().ends_with("+00:00"));
    let reply = put(&yt, &id, "stop").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["data"]["live"]["status"], "END");
    assert_eq!(status_of(&yt, &id).await, "END");
    let b = yt
        .app
        .state
        .broadcasts
        .get(&yt.owner(), &s.broadcast_id)
        .await
        .unwrap();
    assert_eq!(b.broadcast.state().as_str(), "complete");
}

async fn r9_on_an_active_stream_goes_live_through_a_stream_changed_step(backend: Backend) {
    let yt = fx(backend).await;
    let id = new_live(&yt, "Show").await;
    let s = stored(&yt, &id).await;
    yt.set_stream_status(&s.stream_id, StreamStatus::Active).await;
    assert_eq!(put(&yt, &id, "start").await.status, StatusCode::OK);
    let planned: Vec<Step> = yt
        .steps
        .pending()
        .into_iter()
        .filter(|st| st.kind == StepKind::StreamChanged && st.target == s.stream_id)
        .collect();
    assert_eq!(planned.len(), 1, "{planned:?}");
    assert!(planned[0].due <= yt.app.clock.now());
    run_pending(&yt, StepKind::StreamChanged).await;
    yt.app.clock.advance(Duration::seconds(5));
    run_pending(&yt, StepKind::Settle).await;
    let b = yt
        .app
        .state
        .broadcasts
        .get(&yt.owner(), &s.broadcast_id)
        .await
        .unwrap();
    assert_eq!(b.broadcast.state().as_str(), "live");
}

async fn r9_ends_another_on_air_live_of_the_channel(backend: Backend) {
    let yt = fx(backend).await;
    let first = new_live(&yt, "First").await;
    let second = new_live(&yt, "Second").await;
    assert_eq!(put(&yt, &first, "start").await.status, StatusCode::OK);
    stream_goes_active(&yt, &stored(&yt, &first).await.stream_id).await;
    assert_eq!(status_of(&yt, &first).await, "ON_AIR");
    let reply = put(&yt, &second, "start").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(status_of(&yt, &first).await, "END");
    assert_eq!(status_of(&yt, &second).await, "ON_AIR");
}

async fn restart_after_end_opens_a_new_broadcast_with_a_new_key(backend: Backend) {
    let yt = fx(backend).await;
    let id = new_live(&yt, "Show").await;
    let before = live_of(&yt, &id).await;
    assert_eq!(put(&yt, &id, "start").await.status, StatusCode::OK);
    assert_eq!(put(&yt, &id, "stop").await.body["data"]["live"]["status"], "END");
    let ended = stored(&yt, &id).await;
    let reply = put(&yt, &id, "start").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let live = &reply.body["data"]["live"];
    assert_eq!(live["liveId"], id.as_str());
    assert_eq!(live["status"], "ON_AIR");
    assert_ne!(live["rtmpPath"], before["rtmpPath"]);
    let now = stored(&yt, &id).await;
    assert_eq!(now.broadcasts.len(), 2);
    assert_eq!(now.broadcasts[0], ended.broadcast_id);
    assert_ne!(now.broadcast_id, ended.broadcast_id);
    assert_ne!(now.stream_id, ended.stream_id);
    // YouTube shows both broadcasts truthfully: the old one complete, the new one not.
    let list = yt
        .call(
            Method::GET,
            "/youtube/v3/liveBroadcasts?part=id,status&mine=true",
            None,
        )
        .await;
    let states: Vec<(String, String)> = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["id"].as_str().unwrap().to_owned(),
                b["status"]["lifeCycleStatus"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        states.contains(&(ended.broadcast_id.clone(), "complete".into())),
        "{states:?}"
    );
    assert!(
        states.contains(&(now.broadcast_id.clone(), "ready".into())),
        "{states:?}"
    );
}

async fn r10_on_an_ended_live_returns_it_unchanged(backend: Backend) {
    let yt = fx(backend).await;
    let id = new_live(&yt, "Show").await;
    let reply = put(&yt, &id, "stop").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["data"]["live"]["status"], "END");
    let first = stored(&yt, &id).await;
    let again = put(&yt, &id, "stop").await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body["data"]["live"], reply.body["data"]["live"]);
    assert_eq!(stored(&yt, &id).await, first);
}

async fn r6_lists_modified_desc_and_filters_by_status(backend: Backend) {
    let yt = fx(backend).await;
    let a = new_live(&yt, "A").await;
    yt.app.clock.advance(Duration::seconds(1));
    let b = new_live(&yt, "B").await;
    yt.app.clock.advance(Duration::seconds(1));
    let c = new_live(&yt, "C").await;
    yt.app.clock.advance(Duration::seconds(1));
    assert_eq!(put(&yt, &a, "start").await.status, StatusCode::OK);
    yt.app.clock.advance(Duration::seconds(1));
    assert_eq!(put(&yt, &b, "stop").await.status, StatusCode::OK);
    let list = |status: &'static str| {
        let yt = &yt;
        async move {
            let q = if status.is_empty() {
                String::new()
            } else {
                format!("?status={status}")
            };
            let reply = yt
                .call(
                    Method::GET,
                    &format!("/prism/v1/service/channel/{}/lives{q}", yt.channel),
                    None,
                )
                .await;
            (reply.status, reply.body)
        }
    };
    let ids = |body: &Value| -> Vec<String> {
        body["data"]["lives"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["liveId"].as_str().unwrap().to_owned())
            .collect()
    };
    let (status, all) = list("").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(all["data"]["channelId"], yt.channel.as_str());
    assert_eq!(ids(&all), [b.clone(), a.clone(), c.clone()]);
    assert_eq!(ids(&list("ALL").await.1), [b.clone(), a.clone(), c.clone()]);
    assert_eq!(ids(&list("RESERVED").await.1), vec![c.clone()]);
    assert_eq!(ids(&list("ON_AIR").await.1), vec![a.clone()]);
    assert_eq!(ids(&list("END").await.1), vec![b.clone()]);
    for bad in ["on_air", "ONAIR", "x"] {
        assert_eq!(list(bad).await.0, StatusCode::BAD_REQUEST, "{bad}");
    }
}

async fn unknown_and_foreign_lives_and_channels_are_404(backend: Backend) {
    let yt = fx(backend).await;
    let id = new_live(&yt, "Show").await;
    let (_, theirs) = yt.other_user().await;
    for (token, path, method) in [
        (&yt.token, live_path("nope", ""), Method::GET),
        (&theirs, live_path(&id, ""), Method::GET),
        (&theirs, live_path(&id, "/start"), Method::PUT),
        (&theirs, live_path(&id, "/stop"), Method::PUT),
    ] {
        let reply = yt.call_as(token, method, &path, None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}: {}", reply.text);
        assert_eq!(reply.body["errorName"], "LIVE_NOT_FOUND");
        assert_eq!(reply.body["success"], false);
    }
    for channel in ["nope", yt.channel.as_str()] {
        let lives = yt
            .call_as(
                &theirs,
                Method::GET,
                &format!("/prism/v1/service/channel/{channel}/lives"),
                None,
            )
            .await;
        assert_eq!(lives.status, StatusCode::NOT_FOUND, "{}", lives.text);
        assert_eq!(lives.body["errorName"], "CHANNEL_NOT_FOUND");
        let made = yt
            .call_as(
                &theirs,
                Method::POST,
                &format!("/prism/v1/service/channel/{channel}/live"),
                Some(json!({ "title": "x", "reservedAt": T_RESERVED })),
            )
            .await;
        assert_eq!(made.status, StatusCode::NOT_FOUND, "{}", made.text);
    }
    // Nothing of the owner's changed.
    assert_eq!(status_of(&yt, &id).await, "RESERVED");
    assert_eq!(stored(&yt, &id).await.version, 1);
}

async fn a_deleted_users_token_is_401_on_the_live_routes(backend: Backend) {
    let yt = fx(backend).await;
    let id = new_live(&yt, "Show").await;
    let (other, theirs) = yt.other_user().await;
    let reply =
        crate::support::admin(&yt.router, Method::DELETE, &format!("/admin/users/{other}"), None).await;
    assert!(reply.status.is_success(), "{}", reply.text);
    for (path, method) in [
        (live_path(&id, ""), Method::GET),
        (live_path("nope", "/stop"), Method::PUT),
        (
            format!("/prism/v1/service/channel/{}/lives", yt.channel),
            Method::GET,
        ),
    ] {
        let reply = yt.call_as(&theirs, method, &path, None).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{path}: {}", reply.text);
    }
}

async fn fifty_parallel_starts_and_stops_leave_a_consistent_live(backend: Backend) {
    let yt = Arc::new(fx(backend).await);
    let id = new_live(&yt, "Show").await;
    let calls = (0..50).map(|i| {
        let yt = yt.clone();
        let id = id.clone();
        tokio::spawn(async move {
            let action = if i % 2 == 0 { "start" } else { "stop" };
            put(&yt, &id, action).await.status
        })
    });
    // Every call is answered: a loser of a race re-reads and decides again.
    for status in join_all(calls).await {
        assert_eq!(status.unwrap(), StatusCode::OK);
    }
    let live = stored(&yt, &id).await;
    assert_eq!(live.broadcasts.last(), Some(&live.broadcast_id));
    // Every broadcast but the current one has ended, and each has its own stream.
    for old in &live.broadcasts[..live.broadcasts.len() - 1] {
        let b = yt.app.state.broadcasts.get(&yt.owner(), old).await.unwrap();
        assert_eq!(b.broadcast.state().as_str(), "complete");
    }
    let current = yt
        .app
        .state
        .broadcasts
        .get(&yt.owner(), &live.broadcast_id)
        .await
        .unwrap();
    assert_eq!(current.broadcast.bound_stream_id(), Some(live.stream_id.as_str()));
    // And it still answers: one more stop ends it for good.
    assert_eq!(put(&yt, &id, "stop").await.body["data"]["live"]["status"], "END");
}

async fn a_prism_live_is_visible_to_youtube_clients(backend: Backend) {
    let yt = fx(backend).await;
    let id = new_live(&yt, "Shared show").await;
    let s = stored(&yt, &id).await;
    let reply = yt
        .call(
            Method::GET,
            "/youtube/v3/liveBroadcasts?part=id,snippet&mine=true",
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let items = reply.body["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|b| b["id"] == s.broadcast_id.as_str() && b["snippet"]["title"] == "Shared show"),
        "{items:?}"
    );
}
