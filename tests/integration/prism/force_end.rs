//! The platform ends lives (`onair_app::live_end`), through the in-process router on both stores:
//! disabling a channel or a user mid-live shows `END` at PRISM's next poll and `complete` on YouTube,
//! plain YouTube broadcasts on air end too, re-enabling resurrects nothing, the admin "end live" call
//! (idempotent, 404 for unknown and foreign lives), a restart after a forced end, and races: 50
//! parallel end calls make one transition, and transitions racing a disable never leave anything on
//! air.

use crate::support::{Backend, Reply, admin};
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
    disabling_the_channel_mid_live_shows_end_at_the_next_poll_and_complete_on_youtube,
    disabling_the_user_ends_the_lives_of_every_channel,
    disabling_a_channel_completes_its_on_air_youtube_broadcasts_and_leaves_the_others,
    re_enabling_resurrects_nothing,
    admin_end_live_ends_it_once_and_unknown_or_foreign_lives_are_404,
    admin_end_broadcast_ends_any_broadcast_once_and_foreign_ones_are_404,
    restart_after_a_forced_end_opens_a_new_broadcast_with_a_new_key,
    fifty_parallel_admin_end_live_calls_make_one_transition_and_all_answer_200,
    transitions_racing_a_channel_disable_never_leave_a_broadcast_on_air,
);

const T_RESERVED: &str = "2026-11-01T18:30:00+09:00";

async fn new_live(yt: &Yt, channel: &str, title: &str) -> String {
    let reply = yt
        .call(
            Method::POST,
            &format!("/prism/v1/service/channel/{channel}/live"),
            Some(json!({ "title": title, "reservedAt": T_RESERVED })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["data"]["live"]["liveId"].as_str().unwrap().to_owned()
}

async fn put(yt: &Yt, id: &str, action: &str) -> Reply {
    yt.call(
        Method::PUT,
        &format!("/prism/v1/service/live/{id}/{action}"),
        None,
    )
    .await
}

/// R7 as PRISM polls it.
async fn live_of(yt: &Yt, id: &str) -> Value {
    let reply = yt
        .call(Method::GET, &format!("/prism/v1/service/live/{id}"), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["data"]["live"].clone()
}

async fn status_of(yt: &Yt, id: &str) -> String {
    live_of(yt, id).await["status"].as_str().unwrap().to_owned()
}

/// The live's status read through the use case (a disabled user's token no longer reads it).
async fn status_in_store(yt: &Yt, id: &str) -> &'static str {
    onair_app::lives::get(&yt.app.state, &yt.owner(), id)
        .await
        .unwrap()
        .status()
        .as_str()
}

async fn stored(yt: &Yt, id: &str) -> onair_store::StoredLive {
    yt.app.state.lives.get(&yt.owner(), id).await.unwrap()
}

async fn broadcast_state(yt: &Yt, id: &str) -> String {
    let b = yt.app.state.broadcasts.get(&yt.owner(), id).await.unwrap();
    b.broadcast.state().as_str().to_owned()
}

/// What `liveBroadcasts.list` shows for `id`.
async fn youtube_state(yt: &Yt, id: &str) -> String {
    let reply = yt
        .call(
            Method::GET,
            &format!("/youtube/v3/liveBroadcasts?part=id,status&id={id}"),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["items"][0]["status"]["lifeCycleStatus"]
        .as_str()
        .unwrap()
        .to_owned()
}

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

/// The encoder connects (the ingest hook's effect, written through the store) and the broadcast goes
/// live by itself.
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

/// A started live whose broadcast is `live`.
async fn live_on_air(yt: &Yt, channel: &str, title: &str) -> String {
    let id = new_live(yt, channel, title).await;
    assert_eq!(put(yt, &id, "start").await.status, StatusCode::OK);
    stream_goes_active(yt, &stored(yt, &id).await.stream_id).await;
    let live = live_of(yt, &id).await;
    assert_eq!(live["status"], "ON_AIR");
    assert_eq!(
        broadcast_state(yt, &stored(yt, &id).await.broadcast_id).await,
        "live"
    );
    id
}

async fn set_channel_enabled(yt: &Yt, channel: &str, enabled: bool) {
    let reply = admin(
        &yt.router,
        Method::PATCH,
        &format!("/admin/users/{}/channels/{channel}", yt.user),
        Some(&json!({ "channelEnabled": enabled }).to_string()),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

async fn end_live(yt: &Yt, user: &str, id: &str) -> Reply {
    admin(
        &yt.router,
        Method::POST,
        &format!("/admin/users/{user}/lives/{id}/end"),
        None,
    )
    .await
}

async fn disabling_the_channel_mid_live_shows_end_at_the_next_poll_and_complete_on_youtube(backend: Backend) {
    let yt = Yt::new(backend).await;
    let id = live_on_air(&yt, &yt.channel, "Show").await;
    // another started live of the channel, still waiting for its encoder: on air for PRISM
    let waiting = new_live(&yt, &yt.channel, "Waiting").await;
    let other = yt.app.state.lives.get(&yt.owner(), &waiting).await.unwrap();
    // R9 on `waiting` would end `id` (one on-air live per channel); start it through the store instead
    let mut started = other.clone();
    started.started = true;
    started.version += 1;
    yt.app.state.lives.update(&started, other.version).await.unwrap();
    assert_eq!(status_of(&yt, &waiting).await, "ON_AIR");

    set_channel_enabled(&yt, &yt.channel, false).await;

    // the very next poll
    let live = live_of(&yt, &id).await;
    assert_eq!(live["status"], "END");
    assert_eq!(status_of(&yt, &waiting).await, "END");
    let b = stored(&yt, &id).await.broadcast_id;
    assert_eq!(youtube_state(&yt, &b).await, "complete");
    let full = yt.app.state.broadcasts.get(&yt.owner(), &b).await.unwrap();
    assert!(full.broadcast.snippet.actual_end_time.is_some());
    assert_eq!(
        youtube_state(&yt, &stored(&yt, &waiting).await.broadcast_id).await,
        "complete"
    );
}

async fn disabling_the_user_ends_the_lives_of_every_channel(backend: Backend) {
    let yt = Yt::new(backend).await;
    let second = crate::support::oauth::create_channel(&yt.router, &yt.user, "second").await;
    let first_live = live_on_air(&yt, &yt.channel, "First").await;
    let second_live = live_on_air(&yt, &second, "Second").await;
    // another user's live is not touched
    let (other_user, other_token) = yt.other_user().await;
    let their_channel = {
        let reply = admin(
            &yt.router,
            Method::GET,
            &format!("/admin/users/{other_user}/channels"),
            None,
        )
        .await;
        reply.body["items"][0]["channelId"].as_str().unwrap().to_owned()
    };
    let theirs = yt
        .call_as(
            &other_token,
            Method::POST,
            &format!("/prism/v1/service/channel/{their_channel}/live"),
            Some(json!({ "title": "Theirs", "reservedAt": T_RESERVED })),
        )
        .await
        .body["data"]["live"]["liveId"]
        .as_str()
        .unwrap()
        .to_owned();
    let started = yt
        .call_as(
            &other_token,
            Method::PUT,
            &format!("/prism/v1/service/live/{theirs}/start"),
            None,
        )
        .await;
    assert_eq!(started.status, StatusCode::OK);

    crate::support::oauth::set_user_disabled(&yt.router, &yt.user, true).await;

    assert_eq!(status_in_store(&yt, &first_live).await, "END");
    assert_eq!(status_in_store(&yt, &second_live).await, "END");
    let other_owner = onair_domain::UserId::parse(&other_user).unwrap();
    let their_status = onair_app::lives::get(&yt.app.state, &other_owner, &theirs)
        .await
        .unwrap()
        .status();
    assert_eq!(their_status.as_str(), "ON_AIR", "another user's live was ended");
}

async fn disabling_a_channel_completes_its_on_air_youtube_broadcasts_and_leaves_the_others(backend: Backend) {
    let yt = Yt::new(backend).await;
    let (testing, _) = yt.ready_with_active_stream(true).await;
    assert_eq!(yt.transition(&testing, "testing").await.status, StatusCode::OK);
    let (live, _) = yt.ready_with_active_stream(false).await;
    assert_eq!(yt.transition(&live, "live").await.status, StatusCode::OK);
    let (ready, _) = yt.ready_with_active_stream(false).await;
    let created = yt.insert_broadcast(false).await;
    let (done, _) = yt.ready_with_active_stream(false).await;
    assert_eq!(yt.transition(&done, "live").await.status, StatusCode::OK);
    assert_eq!(yt.transition(&done, "complete").await.status, StatusCode::OK);
    let done_before = yt.app.state.broadcasts.get(&yt.owner(), &done).await.unwrap();

    set_channel_enabled(&yt, &yt.channel, false).await;

    assert_eq!(youtube_state(&yt, &testing).await, "complete");
    assert_eq!(youtube_state(&yt, &live).await, "complete");
    assert_eq!(youtube_state(&yt, &ready).await, "ready");
    assert_eq!(youtube_state(&yt, &created).await, "created");
    assert_eq!(
        yt.app.state.broadcasts.get(&yt.owner(), &done).await.unwrap(),
        done_before,
        "an ended broadcast was written again"
    );
    // and the ready one cannot go on air while the channel is disabled
    let refused = yt.transition(&ready, "live").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
}

async fn re_enabling_resurrects_nothing(backend: Backend) {
    let yt = Yt::new(backend).await;
    let id = live_on_air(&yt, &yt.channel, "Show").await;
    set_channel_enabled(&yt, &yt.channel, false).await;
    let ended = stored(&yt, &id).await;
    let b = yt
        .app
        .state
        .broadcasts
        .get(&yt.owner(), &ended.broadcast_id)
        .await
        .unwrap();
    set_channel_enabled(&yt, &yt.channel, true).await;
    crate::support::oauth::set_user_disabled(&yt.router, &yt.user, true).await;
    crate::support::oauth::set_user_disabled(&yt.router, &yt.user, false).await;
    assert_eq!(status_of(&yt, &id).await, "END");
    assert_eq!(stored(&yt, &id).await, ended);
    assert_eq!(
        yt.app
            .state
            .broadcasts
            .get(&yt.owner(), &ended.broadcast_id)
            .await
            .unwrap(),
        b,
        "re-enabling changed the ended broadcast"
    );
    assert_eq!(youtube_state(&yt, &ended.broadcast_id).await, "complete");
}

async fn admin_end_live_ends_it_once_and_unknown_or_foreign_lives_are_404(backend: Backend) {
    let yt = Yt::new(backend).await;
    let id = live_on_air(&yt, &yt.channel, "Show").await;
    let reply = end_live(&yt, &yt.user, &id).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["liveId"], id.as_str());
    assert_eq!(reply.body["status"], "END");
    assert_eq!(reply.body["lifeCycleStatus"], "complete");
    assert_eq!(status_of(&yt, &id).await, "END");
    let after = stored(&yt, &id).await;
    let b = yt
        .app
        .state
        .broadcasts
        .get(&yt.owner(), &after.broadcast_id)
        .await
        .unwrap();
    // ending an ended live: 200, unchanged
    let again = end_live(&yt, &yt.user, &id).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.body, reply.body);
    assert_eq!(stored(&yt, &id).await, after);
    assert_eq!(
        yt.app
            .state
            .broadcasts
            .get(&yt.owner(), &after.broadcast_id)
            .await
            .unwrap(),
        b
    );
    // a reserved live ends too (the platform may end a live before it starts)
    let reserved = new_live(&yt, &yt.channel, "Later").await;
    assert_eq!(end_live(&yt, &yt.user, &reserved).await.body["status"], "END");

    // unknown, malformed and another user's: 404, nothing changes
    let (other_user, _) = yt.other_user().await;
    let on_air = live_on_air(&yt, &yt.channel, "Again").await;
    for (user, live) in [
        (yt.user.as_str(), "0000000000000000000000"),
        (yt.user.as_str(), "not-a-live-id"),
        (other_user.as_str(), on_air.as_str()),
        ("nobody", on_air.as_str()),
    ] {
        let reply = end_live(&yt, user, live).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{user}/{live}: {}",
            reply.text
        );
        assert_eq!(reply.body["error"], "not_found");
    }
    assert_eq!(status_of(&yt, &on_air).await, "ON_AIR");
    // the admin token is required
    let anonymous = crate::support::call(
        &yt.router,
        Method::POST,
        &format!("/admin/users/{}/lives/{on_air}/end", yt.user),
        None,
        None,
    )
    .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(status_of(&yt, &on_air).await, "ON_AIR");
}

async fn end_broadcast(yt: &Yt, user: &str, id: &str) -> Reply {
    admin(
        &yt.router,
        Method::POST,
        &format!("/admin/users/{user}/broadcasts/{id}/end"),
        None,
    )
    .await
}

async fn admin_end_broadcast_ends_any_broadcast_once_and_foreign_ones_are_404(backend: Backend) {
    let yt = Yt::new(backend).await;
    let (on_air, _) = yt.ready_with_active_stream(false).await;
    assert_eq!(yt.transition(&on_air, "live").await.status, StatusCode::OK);
    let (ready, _) = yt.ready_with_active_stream(false).await;
    let reply = end_broadcast(&yt, &yt.user, &on_air).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["broadcastId"], on_air.as_str());
    assert_eq!(reply.body["lifeCycleStatus"], "complete");
    assert!(reply.body["actualEndTime"].is_string(), "{}", reply.body);
    assert_eq!(youtube_state(&yt, &on_air).await, "complete");
    // only that one: the channel's other broadcast is untouched and may still go live
    assert_eq!(youtube_state(&yt, &ready).await, "ready");
    assert_eq!(yt.transition(&ready, "live").await.status, StatusCode::OK);
    // again: 200, unchanged
    let again = end_broadcast(&yt, &yt.user, &on_air).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body, reply.body);
    // one that never aired ends too, without a start time
    let created = yt.insert_broadcast(false).await;
    let ended = end_broadcast(&yt, &yt.user, &created).await;
    assert_eq!(ended.body["lifeCycleStatus"], "complete", "{}", ended.text);
    assert_eq!(ended.body["actualStartTime"], Value::Null);
    // another user's, an unknown one, and a malformed id: 404, nothing changes
    let (other_user, _) = yt.other_user().await;
    let (target, _) = yt.ready_with_active_stream(false).await;
    for (user, id) in [
        (other_user.as_str(), target.as_str()),
        (yt.user.as_str(), "0000000000000000000000"),
        (yt.user.as_str(), "not-a-broadcast-id"),
    ] {
        let reply = end_broadcast(&yt, user, id).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{user}/{id}: {}", reply.text);
    }
    assert_eq!(youtube_state(&yt, &target).await, "ready");
}

async fn restart_after_a_forced_end_opens_a_new_broadcast_with_a_new_key(backend: Backend) {
    let yt = Yt::new(backend).await;
    let id = live_on_air(&yt, &yt.channel, "Show").await;
    let before = live_of(&yt, &id).await;
    set_channel_enabled(&yt, &yt.channel, false).await;
    // a disabled channel cannot restart
    assert_ne!(put(&yt, &id, "start").await.status, StatusCode::OK);
    assert_eq!(status_of(&yt, &id).await, "END");
    set_channel_enabled(&yt, &yt.channel, true).await;
    let ended = stored(&yt, &id).await;
    let reply = put(&yt, &id, "start").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let live = &reply.body["data"]["live"];
    assert_eq!(live["status"], "ON_AIR");
    assert_ne!(live["rtmpPath"], before["rtmpPath"], "a restart reuses the key");
    let now = stored(&yt, &id).await;
    assert_eq!(now.broadcasts.len(), 2);
    assert_ne!(now.stream_id, ended.stream_id);
    stream_goes_active(&yt, &now.stream_id).await;
    assert_eq!(broadcast_state(&yt, &now.broadcast_id).await, "live");
    assert_eq!(youtube_state(&yt, &ended.broadcast_id).await, "complete");
    // and the admin ends the restarted live the same way
    assert_eq!(end_live(&yt, &yt.user, &id).await.body["status"], "END");
}

async fn fifty_parallel_admin_end_live_calls_make_one_transition_and_all_answer_200(backend: Backend) {
    let yt = Yt::new(backend).await;
    let id = live_on_air(&yt, &yt.channel, "Show").await;
    let live_before = stored(&yt, &id).await;
    let b_before = yt
        .app
        .state
        .broadcasts
        .get(&yt.owner(), &live_before.broadcast_id)
        .await
        .unwrap();
    let router = yt.router.clone();
    let path = Arc::new(format!("/admin/users/{}/lives/{id}/end", yt.user));
    let calls = (0..50).map(|_| {
        let router = router.clone();
        let path = path.clone();
        tokio::spawn(async move { admin(&router, Method::POST, &path, None).await })
    });
    let replies: Vec<Reply> = join_all(calls).await.into_iter().map(Result::unwrap).collect();
    let statuses: Vec<StatusCode> = replies.iter().map(|r| r.status).collect();
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?} {:?}",
        replies
            .iter()
            .find(|r| r.status != StatusCode::OK)
            .map(|r| &r.text)
    );
    assert!(replies.iter().all(|r| r.body["status"] == "END"));
    let b_after = yt
        .app
        .state
        .broadcasts
        .get(&yt.owner(), &live_before.broadcast_id)
        .await
        .unwrap();
    assert_eq!(b_after.broadcast.state().as_str(), "complete");
    assert_eq!(
        b_after.version,
        b_before.version + 1,
        "fifty end calls wrote the broadcast more than once"
    );
    assert_eq!(
        stored(&yt, &id).await.version,
        live_before.version + 1,
        "fifty end calls wrote the live more than once"
    );
}

async fn transitions_racing_a_channel_disable_never_leave_a_broadcast_on_air(backend: Backend) {
    let yt = Arc::new(Yt::new(backend).await);
    let mut broadcasts = Vec::new();
    for _ in 0..5 {
        broadcasts.push(yt.ready_with_active_stream(false).await.0);
    }
    let mut calls = Vec::new();
    for b in &broadcasts {
        for _ in 0..4 {
            let yt = yt.clone();
            let b = b.clone();
            calls.push(tokio::spawn(
                async move { yt.transition(&b, "live").await.status },
            ));
        }
    }
    let disable = {
        let yt = yt.clone();
        tokio::spawn(async move { set_channel_enabled(&yt, &yt.channel, false).await })
    };
    let statuses: Vec<StatusCode> = join_all(calls).await.into_iter().map(Result::unwrap).collect();
    disable.await.unwrap();
    // a transition that won before the disable was ended by it; one after it was refused
    let mut states = Vec::new();
    for b in &broadcasts {
        states.push(broadcast_state(&yt, b).await);
    }
    println!("transitions racing a disable: statuses {statuses:?}, final states {states:?}");
    assert!(
        states.iter().all(|s| s == "complete" || s == "ready"),
        "a broadcast stayed on air after its channel was disabled: {states:?}"
    );
}
