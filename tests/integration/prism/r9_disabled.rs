//! R9 refuses a disabled user or channel, inside its one atomic write (`LiveWrite.require_enabled`),
//! through the in-process router on both stores: R9 on a disabled channel or for a disabled user
//! gets R8's answer (400 on `channelId`) and changes nothing; a restart after END on a disabled
//! channel opens no broadcast; fifty R9 calls (thirty on DynamoDB, see [`racers`]) racing a channel
//! disable never leave a live on air on the disabled channel (a start that won before the disable is
//! ended by its end pass, one after it is refused).

use crate::support::{Backend, Reply, admin};
use crate::youtube::Yt;
use futures::future::join_all;
use http::{Method, StatusCode};
use onair_domain::lifecycle::wire::LifeCycleStatus;
use onair_domain::{PageRequest, UserId};
use serde_json::json;
use std::sync::Arc;
use std::time::{Duration, Instant};

crate::support::on_both_backends!(
    r9_on_a_disabled_channel_is_refused_like_r8_and_changes_nothing,
    r9_of_a_disabled_user_is_refused_like_r8_and_changes_nothing,
    a_restart_on_a_disabled_channel_is_refused_and_opens_no_broadcast,
    fifty_r9_racing_a_channel_disable_never_leave_a_live_on_air_on_the_disabled_channel,
);

/// The parallel R9 calls racing the disable: fifty on the embedded store. On DynamoDB (moto) each
/// start reads the channel's lives and moto serialises requests, so the race's time grows with the
/// square of its size: fifty took 50–58 s (against 13.5 s for twenty), thirty takes 20–22 s, the
/// largest size within the suite's time budget.
fn racers(backend: Backend) -> usize {
    match backend {
        Backend::Embedded => 50,
        Backend::Aws => RACERS_ON_MOTO,
    }
}

/// See [`racers`].
const RACERS_ON_MOTO: usize = 30;

const T_RESERVED: &str = "2026-11-01T18:30:00+09:00";

async fn create_live(yt: &Yt, title: &str) -> Reply {
    yt.call(
        Method::POST,
        &format!("/prism/v1/service/channel/{}/live", yt.channel),
        Some(json!({ "title": title, "reservedAt": T_RESERVED })),
    )
    .await
}

async fn new_live(yt: &Yt, title: &str) -> String {
    let reply = create_live(yt, title).await;
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

async fn set_channel_enabled(yt: &Yt, enabled: bool) {
    let reply = admin(
        &yt.router,
        Method::PATCH,
        &format!("/admin/users/{}/channels/{}", yt.user, yt.channel),
        Some(&json!({ "channelEnabled": enabled }).to_string()),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

/// The live's PRISM status read through the use case.
async fn status(yt: &Yt, owner: &UserId, id: &str) -> &'static str {
    onair_app::lives::get(&yt.app.state, owner, id)
        .await
        .unwrap()
        .status()
        .as_str()
}

/// Every broadcast of the user, as stored (id, version, state, auto-start).
async fn broadcasts(yt: &Yt) -> Vec<(String, u64, LifeCycleStatus, bool)> {
    // Every page: the race makes more broadcasts than one page holds.
    let mut out = Vec::new();
    let mut request = PageRequest::first(100);
    loop {
        let page = yt
            .app
            .state
            .broadcasts
            .list(&yt.owner(), None, &request)
            .await
            .unwrap();
        out.extend(page.items.into_iter().map(|b| {
            (
                b.broadcast.id.clone(),
                b.version,
                b.broadcast.state(),
                b.broadcast.content_details.enable_auto_start,
            )
        }));
        match page.next {
            Some(token) => request.token = Some(token),
            None => break,
        }
    }
    out.sort();
    out
}

/// R9's refusal is R8's on a disabled channel: same status, same body.
async fn assert_refused_like_r8(yt: &Yt, r9: &Reply) {
    assert_eq!(r9.status, StatusCode::BAD_REQUEST, "{}", r9.text);
    assert_eq!(r9.body["success"], false, "{}", r9.text);
    let r8 = create_live(yt, "refused").await;
    assert_eq!(r8.status, StatusCode::BAD_REQUEST, "{}", r8.text);
    assert_eq!(
        r9.body, r8.body,
        "R9 and R8 answer a disabled channel differently"
    );
}

async fn r9_on_a_disabled_channel_is_refused_like_r8_and_changes_nothing(backend: Backend) {
    let yt = Yt::new(backend).await;
    let id = new_live(&yt, "Show").await;
    set_channel_enabled(&yt, false).await;
    let live_before = yt.app.state.lives.get(&yt.owner(), &id).await.unwrap();
    let broadcasts_before = broadcasts(&yt).await;
    let reply = put(&yt, &id, "start").await;
    assert_refused_like_r8(&yt, &reply).await;
    assert_eq!(
        yt.app.state.lives.get(&yt.owner(), &id).await.unwrap(),
        live_before
    );
    assert_eq!(broadcasts(&yt).await, broadcasts_before);
    assert_eq!(status(&yt, &yt.owner(), &id).await, "RESERVED");
    // Enabled again, the same live starts.
    set_channel_enabled(&yt, true).await;
    let reply = put(&yt, &id, "start").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["data"]["live"]["status"], "ON_AIR");
}

async fn r9_of_a_disabled_user_is_refused_like_r8_and_changes_nothing(backend: Backend) {
    let yt = Yt::new(backend).await;
    let id = new_live(&yt, "Show").await;
    crate::support::oauth::set_user_disabled(&yt.router, &yt.user, true).await;
    let live_before = yt.app.state.lives.get(&yt.owner(), &id).await.unwrap();
    let broadcasts_before = broadcasts(&yt).await;
    // The access token is verified from its signature alone, so the call reaches R9.
    let reply = put(&yt, &id, "start").await;
    assert_refused_like_r8(&yt, &reply).await;
    assert_eq!(
        yt.app.state.lives.get(&yt.owner(), &id).await.unwrap(),
        live_before
    );
    assert_eq!(broadcasts(&yt).await, broadcasts_before);
    assert_eq!(status(&yt, &yt.owner(), &id).await, "RESERVED");
}

async fn a_restart_on_a_disabled_channel_is_refused_and_opens_no_broadcast(backend: Backend) {
    let yt = Yt::new(backend).await;
    let id = new_live(&yt, "Show").await;
    assert_eq!(put(&yt, &id, "start").await.status, StatusCode::OK);
    assert_eq!(put(&yt, &id, "stop").await.body["data"]["live"]["status"], "END");
    set_channel_enabled(&yt, false).await;
    let live_before = yt.app.state.lives.get(&yt.owner(), &id).await.unwrap();
    let broadcasts_before = broadcasts(&yt).await;
    let reply = put(&yt, &id, "start").await;
    assert_refused_like_r8(&yt, &reply).await;
    assert_eq!(
        yt.app.state.lives.get(&yt.owner(), &id).await.unwrap(),
        live_before
    );
    assert_eq!(
        broadcasts(&yt).await,
        broadcasts_before,
        "a refused restart opened a broadcast"
    );
    assert_eq!(status(&yt, &yt.owner(), &id).await, "END");
    // Enabled again, the restart opens a new broadcast and starts it.
    set_channel_enabled(&yt, true).await;
    let reply = put(&yt, &id, "start").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["data"]["live"]["status"], "ON_AIR");
    assert_eq!(broadcasts(&yt).await.len(), broadcasts_before.len() + 1);
}

async fn fifty_r9_racing_a_channel_disable_never_leave_a_live_on_air_on_the_disabled_channel(
    backend: Backend,
) {
    let yt = Arc::new(Yt::new(backend).await);
    let racers = racers(backend);
    let began = Instant::now();
    let mut lives = Vec::new();
    for n in 0..racers {
        lives.push(new_live(&yt, &format!("Show {n}")).await);
    }
    // The starts, one per live, spread over a window of four R8 calls' time on this store (at least
    // 60 ms), the disable going out halfway through it, so some run before it, some across it and
    // some after it whatever the store's speed (each start also ends the live started before it:
    // R9's rule, so they race one another too).
    let window = (began.elapsed() * 4 / racers as u32).max(Duration::from_millis(60));
    let calls = (0..racers).map(|n| {
        let yt = yt.clone();
        let id = lives[n].clone();
        tokio::spawn(async move {
            tokio::time::sleep(window * n as u32 / racers as u32).await;
            put(&yt, &id, "start").await.status
        })
    });
    let calls: Vec<_> = calls.collect();
    let disable = {
        let yt = yt.clone();
        tokio::spawn(async move {
            tokio::time::sleep(window / 2).await;
            set_channel_enabled(&yt, false).await
        })
    };
    let statuses: Vec<StatusCode> = join_all(calls).await.into_iter().map(Result::unwrap).collect();
    disable.await.unwrap();
    let mut states = Vec::new();
    for id in &lives {
        states.push(status(&yt, &yt.owner(), id).await);
    }
    let on_air: Vec<_> = broadcasts(&yt)
        .await
        .into_iter()
        .filter(|b| {
            matches!(
                b.2,
                LifeCycleStatus::TestStarting
                    | LifeCycleStatus::Testing
                    | LifeCycleStatus::LiveStarting
                    | LifeCycleStatus::Live
            )
        })
        .collect();
    let count = |s: StatusCode| statuses.iter().filter(|x| **x == s).count();
    let ended = states.iter().filter(|s| **s == "END").count();
    let reserved = states.iter().filter(|s| **s == "RESERVED").count();
    println!(
        "{racers} R9 racing a disable (starts over {window:?}): {} x 200, {} x 400, {} x 409, others {}; lives END {ended}, RESERVED {reserved}",
        count(StatusCode::OK),
        count(StatusCode::BAD_REQUEST),
        count(StatusCode::CONFLICT),
        statuses.len() - count(StatusCode::OK) - count(StatusCode::BAD_REQUEST) - count(StatusCode::CONFLICT)
    );
    assert!(
        statuses
            .iter()
            .all(|s| [StatusCode::OK, StatusCode::BAD_REQUEST, StatusCode::CONFLICT].contains(s)),
        "{statuses:?}"
    );
    assert!(
        states.iter().all(|s| *s != "ON_AIR"),
        "a live is ON_AIR on a disabled channel: {states:?}"
    );
    assert!(on_air.is_empty(), "a broadcast is on air: {on_air:?}");
    // And after the race, R9 is refused on every live.
    for id in &lives {
        assert_eq!(put(&yt, id, "start").await.status, StatusCode::BAD_REQUEST);
    }
}
