//! The ingest hook closes a stream when the platform ends its live (`lifecycle::ingest::admits`): a
//! publish or an update is refused (403, nothing written) when the owner or the channel is disabled,
//! or when the stream is non-reusable and its broadcast ended; the end of a publish is always
//! recorded; a reusable stream outlives its broadcasts. In-process on both stores, then end to end
//! with the local server, a real nginx-rtmp and a real ffmpeg: disabling the channel or the user, or
//! the admin "end live" call, drops the encoder within one update interval (figures printed), an ended
//! live's key is refused at `on_publish`, and a restart publishes on its new key.

use crate::steps::world::{INGEST_SECRET, Time, World};
use crate::support::oauth::{post_form, set_user_disabled};
use crate::support::rtmp::{Nginx, Publisher};
use crate::support::{self, Backend, Reply, admin, unique};
use http::StatusCode;
use onair_domain::lifecycle::wire::{LifeCycleStatus, StreamStatus};
use onair_domain::oauth::jwt::{Claims, KeySet, SigningKey, sign};
use onair_domain::{RandomGenerator, SystemClock};
use onair_platform::config::{Config, Host};
use onair_platform::local;
use onair_store::StoredStream;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

crate::support::on_both_backends!(
    both: [
        a_disabled_channels_stream_refuses_publish_and_update_until_re_enabled,
        a_disabled_users_stream_refuses_publish_and_update,
        a_non_reusable_stream_closes_when_its_broadcast_ends,
        a_reusable_stream_stays_open_after_its_broadcast_completes,
        the_platform_ending_a_live_drops_the_encoder_within_one_update_interval,
    ],
    dynamodb_only: [the_gate_costs_one_batch_read_per_update_open_or_closed],
);

const PATH: &str = "/ingest/nginx-rtmp";

fn form(call: &str, name: &str, extra: &str) -> String {
    format!(
        "app=live&flashver=FMLE/3.0%20(compatible%3B%20Lavf59.27&swfurl=&tcurl=rtmp://127.0.0.1:1935/live&pageurl=&addr=127.0.0.1&clientid=7&call={call}{extra}&name={name}&type=live"
    )
}

async fn hook(w: &World, call: &str, key: &str) -> Reply {
    let path = format!("{PATH}?token={INGEST_SECRET}");
    post_form(
        &w.router(),
        &path,
        &[],
        &form(call, key, "&time=4&timestamp=3956"),
    )
    .await
}

async fn manual(backend: Backend) -> World {
    World::new(
        backend,
        Time::Manual,
        World::settings(time::Duration::seconds(2), time::Duration::seconds(60)),
    )
    .await
}

async fn set_channel_enabled(w: &World, enabled: bool) {
    let reply = admin(
        &w.router(),
        http::Method::PATCH,
        &format!("/admin/users/{}/channels/{}", w.owner, w.channel),
        Some(&json!({ "channelEnabled": enabled }).to_string()),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

/// A non-reusable stream with key `key`, as a PRISM live has.
async fn single_use_stream(w: &World, key: &str) -> StoredStream {
    let s = w.stream(key).await;
    let mut next = s.clone();
    next.stream.content_details.is_reusable = false;
    next.version += 1;
    w.state.streams.update(&next, s.version).await.unwrap();
    next
}

fn refused(reply: &Reply, what: &str) {
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{what}: {}", reply.text);
    assert_eq!(reply.text, "stream closed\n", "{what}");
}

fn ok(reply: &Reply, what: &str) {
    assert_eq!(reply.status, StatusCode::OK, "{what}: {}", reply.text);
}

async fn a_disabled_channels_stream_refuses_publish_and_update_until_re_enabled(backend: Backend) {
    let w = manual(backend).await;
    let s = w.stream("key-channel").await;
    ok(&hook(&w, "publish", "key-channel").await, "publish");
    set_channel_enabled(&w, false).await;
    let active = w.get_stream(&s.stream.id).await;
    w.advance(time::Duration::seconds(4));
    refused(&hook(&w, "update_publish", "key-channel").await, "update");
    assert_eq!(w.get_stream(&s.stream.id).await, active, "a refused update wrote");
    // nginx drops the encoder and reports the end: always recorded
    ok(&hook(&w, "publish_done", "key-channel").await, "publish_done");
    let inactive = w.get_stream(&s.stream.id).await;
    assert_eq!(inactive.stream.stream_status(), StreamStatus::Inactive);
    refused(&hook(&w, "publish", "key-channel").await, "publish");
    assert_eq!(
        w.get_stream(&s.stream.id).await,
        inactive,
        "a refused publish wrote"
    );
    // a reusable stream of a re-enabled channel works again
    set_channel_enabled(&w, true).await;
    ok(
        &hook(&w, "publish", "key-channel").await,
        "publish after re-enabling",
    );
}

async fn a_disabled_users_stream_refuses_publish_and_update(backend: Backend) {
    let w = manual(backend).await;
    w.stream("key-user").await;
    ok(&hook(&w, "publish", "key-user").await, "publish");
    set_user_disabled(&w.router(), w.owner.as_str(), true).await;
    refused(&hook(&w, "update_publish", "key-user").await, "update");
    refused(&hook(&w, "publish", "key-user").await, "publish");
    ok(&hook(&w, "publish_done", "key-user").await, "publish_done");
    set_user_disabled(&w.router(), w.owner.as_str(), false).await;
    ok(
        &hook(&w, "publish", "key-user").await,
        "publish after re-enabling",
    );
}

async fn a_non_reusable_stream_closes_when_its_broadcast_ends(backend: Backend) {
    let w = manual(backend).await;
    let s = single_use_stream(&w, "key-single").await;
    // not bound yet: open
    ok(&hook(&w, "publish", "key-single").await, "publish, unbound");
    let b = w.broadcast(|_| {}).await;
    w.bind(&b, &s).await;
    for state in [LifeCycleStatus::Ready, LifeCycleStatus::Live] {
        w.force(&b.broadcast.id, state, |_| {}).await;
        ok(&hook(&w, "update_publish", "key-single").await, state.as_str());
    }
    for state in [LifeCycleStatus::Complete, LifeCycleStatus::Revoked] {
        w.force(&b.broadcast.id, state, |_| {}).await;
        refused(&hook(&w, "update_publish", "key-single").await, state.as_str());
        refused(&hook(&w, "publish", "key-single").await, state.as_str());
    }
    ok(&hook(&w, "publish_done", "key-single").await, "publish_done");
}

async fn a_reusable_stream_stays_open_after_its_broadcast_completes(backend: Backend) {
    let w = manual(backend).await;
    let s = w.stream("key-reusable").await;
    let b = w.broadcast(|_| {}).await;
    w.bind(&b, &s).await;
    ok(&hook(&w, "publish", "key-reusable").await, "publish");
    w.force(&b.broadcast.id, LifeCycleStatus::Complete, |_| {}).await;
    ok(&hook(&w, "update_publish", "key-reusable").await, "update");
    ok(&hook(&w, "publish_done", "key-reusable").await, "publish_done");
    ok(&hook(&w, "publish", "key-reusable").await, "publish again");
}

async fn the_gate_costs_one_batch_read_per_update_open_or_closed() {
    let w = manual(Backend::Aws).await;
    let s = single_use_stream(&w, "key-gate-trips").await;
    let b = w.broadcast(|_| {}).await;
    w.bind(&b, &s).await;
    w.force(&b.broadcast.id, LifeCycleStatus::Live, |_| {}).await;
    ok(&hook(&w, "publish", "key-gate-trips").await, "publish");
    let trips = w.dynamo.as_ref().unwrap().round_trips();
    trips.reset();
    ok(&hook(&w, "update_publish", "key-gate-trips").await, "update");
    let open = trips.get();
    w.force(&b.broadcast.id, LifeCycleStatus::Complete, |_| {}).await;
    trips.reset();
    refused(&hook(&w, "update_publish", "key-gate-trips").await, "update");
    let closed = trips.get();
    println!("ingest update round trips: open {open}, closed {closed}");
    assert_eq!(
        (open, closed),
        (2, 2),
        "stream by key hash + the gate's BatchGetItem"
    );
}

// ---------------------------------------------------------------------------------------------------
// End to end: the local server, nginx-rtmp and ffmpeg

const SECRET: &str = "deny-test-secret-0123456789abcdef";

/// nginx-rtmp's `on_update` interval here: the shipped default (`infra/ingest/run`,
/// `deployed.conf`), so the measured figure is the deployed one.
const UPDATE_SECONDS: u32 = 5;

async fn server(backend: Backend) -> local::LocalServer {
    let mut vars: HashMap<String, String> = HashMap::from([
        ("ONAIR_LISTEN".into(), "127.0.0.1:0".into()),
        ("ONAIR_INGEST_SECRET".into(), SECRET.into()),
        ("ONAIR_SETTLE_SECONDS".into(), "1".into()),
        ("RUST_LOG".into(), "warn".into()),
    ]);
    if backend == Backend::Aws {
        vars.insert("AWS_ENDPOINT_URL".into(), support::moto_endpoint());
        vars.insert("ONAIR_REGISTRATIONS_TABLE".into(), unique("deny-registrations"));
        vars.insert("ONAIR_TOKENS_TABLE".into(), unique("deny-tokens"));
        vars.insert("ONAIR_SECRET_PREFIX".into(), format!("{}/", unique("deny")));
    }
    let config = Config::from_vars(Host::Local, &vars).unwrap();
    local::start(&config, Arc::new(SystemClock), Arc::new(RandomGenerator))
        .await
        .unwrap()
}

/// A scope-less access token of `user`, signed with the server's own key as its token endpoint would.
async fn access_token(server: &local::LocalServer, user: &str) -> String {
    let state = &server.wiring.state;
    let key = state
        .secrets
        .get(&state.settings.oauth.signing_key_secret)
        .await
        .unwrap();
    let now = state.clock.now().unix_timestamp();
    let claims = Claims {
        iss: server.base_url(),
        sub: user.into(),
        aud: state.settings.oauth.audience.clone(),
        client_id: "deny-test".into(),
        iat: now,
        exp: now + 3600,
        jti: unique("jti"),
        scope: None,
        fam: unique("fam"),
    };
    let keys = KeySet {
        current: SigningKey::new(key.secret.current.expose().as_bytes()),
        previous: None,
    };
    sign(&keys, &claims).unwrap()
}

/// The server over HTTP, as PRISM and the platform's admin call it.
struct Http {
    http: reqwest::Client,
    base: String,
    admin: String,
    user: String,
    token: String,
}

impl Http {
    async fn call(&self, method: reqwest::Method, path: &str, bearer: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .bearer_auth(bearer);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let reply = request.send().await.unwrap();
        let status = reply.status();
        let body: Value = reply.json().await.unwrap_or(Value::Null);
        assert!(status.is_success(), "{method} {path}: {status} {body}");
        body
    }

    async fn admin(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        self.call(method, path, &self.admin, body).await
    }

    async fn prism(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let reply = self
            .call(method, &format!("/prism/v1/service{path}"), &self.token, body)
            .await;
        reply["data"].clone()
    }

    /// R8 then R9 on `channel`: (live id, stream key from `rtmpPath`).
    async fn start_new_live(
        &self,
        channel: &str,
        title: &str,
        now: time::OffsetDateTime,
    ) -> (String, String) {
        // PRISM sends "now + 20 s" for an immediate live
        let reserved = (now + time::Duration::seconds(20))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        let created = self
            .prism(
                reqwest::Method::POST,
                &format!("/channel/{channel}/live"),
                Some(json!({ "title": title, "reservedAt": reserved })),
            )
            .await;
        let id = created["live"]["liveId"].as_str().unwrap().to_owned();
        let key = self.start(&id).await;
        (id, key)
    }

    /// R9: the stream key of the returned `rtmpPath` (PRISM splits it at the last `/`).
    async fn start(&self, id: &str) -> String {
        let started = self
            .prism(reqwest::Method::PUT, &format!("/live/{id}/start"), None)
            .await;
        let path = started["live"]["rtmpPath"].as_str().unwrap();
        path.rsplit_once('/').unwrap().1.to_owned()
    }

    async fn set_channel_enabled(&self, channel: &str, enabled: bool) {
        self.admin(
            reqwest::Method::PATCH,
            &format!("/admin/users/{}/channels/{channel}", self.user),
            Some(json!({ "channelEnabled": enabled })),
        )
        .await;
    }

    async fn set_user_disabled(&self, disabled: bool) {
        self.admin(
            reqwest::Method::PATCH,
            &format!("/admin/users/{}", self.user),
            Some(json!({ "disabled": disabled })),
        )
        .await;
    }
}

/// R7 through the use case (a disabled user's token no longer reads it): (status, startAt set).
async fn poll(server: &local::LocalServer, user: &str, id: &str) -> (&'static str, bool) {
    let owner = onair_domain::UserId::parse(user).unwrap();
    let view = onair_app::lives::get(&server.wiring.state, &owner, id)
        .await
        .unwrap();
    (
        view.status().as_str(),
        view.broadcast.snippet.actual_start_time.is_some(),
    )
}

/// Waits until the live is on air with its broadcast live (the encoder connected).
async fn until_live(server: &local::LocalServer, user: &str, id: &str) -> Duration {
    let started = Instant::now();
    loop {
        if poll(server, user, id).await == ("ON_AIR", true) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the live did not go live with its encoder within 15 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits (without blocking the server sharing this runtime) up to `within` for ffmpeg to exit.
async fn exit_within(encoder: &mut Publisher, within: Duration) -> Option<std::process::ExitStatus> {
    let started = Instant::now();
    loop {
        if let Some(status) = encoder.exit_within(Duration::ZERO) {
            return Some(status);
        }
        if started.elapsed() >= within {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// How long after `since` ffmpeg was dropped; fails past one update interval plus a margin.
async fn dropped_within(encoder: &mut Publisher, since: Instant, what: &str) -> Duration {
    let bound = Duration::from_secs(u64::from(UPDATE_SECONDS) + 4);
    let status = exit_within(encoder, bound.saturating_sub(since.elapsed()))
        .await
        .unwrap_or_else(|| panic!("{what}: ffmpeg still publishing {bound:?} after the end"));
    let took = since.elapsed();
    println!("{what} → ffmpeg dropped after {took:?} ({status}, on_update every {UPDATE_SECONDS} s)");
    took
}

async fn the_platform_ending_a_live_drops_the_encoder_within_one_update_interval(backend: Backend) {
    let server = server(backend).await;
    let demo = server.demo.clone().expect("a fresh store seeds the demo");
    let http = reqwest::Client::new();
    let base = server.base_url();
    let mut api = Http {
        http,
        base,
        admin: demo.admin_token.clone(),
        user: String::new(),
        token: String::new(),
    };
    // a streamer of its own with a channel
    let user = api
        .admin(
            reqwest::Method::POST,
            "/admin/users",
            Some(json!({"login": unique("deny"), "password": "correct horse battery", "userName": "Deny"})),
        )
        .await["userId"]
        .as_str()
        .unwrap()
        .to_owned();
    let channel = api
        .admin(
            reqwest::Method::POST,
            &format!("/admin/users/{user}/channels"),
            Some(json!({"channelName": "Main", "channelLink": "https://live.example/main"})),
        )
        .await["channelId"]
        .as_str()
        .unwrap()
        .to_owned();
    api.token = access_token(&server, &user).await;
    api.user = user.clone();
    let nginx = Nginx::start(&server.base_url(), SECRET, UPDATE_SECONDS);
    let mut figures = Vec::new();

    // 1. disabling the channel mid-live
    let (id, key) = api
        .start_new_live(&channel, "Show", server.wiring.state.clock.now())
        .await;
    let mut encoder = Publisher::start(&nginx.publish_url(&key), 120);
    until_live(&server, &user, &id).await;
    let disabled_at = Instant::now();
    api.set_channel_enabled(&channel, false).await;
    assert_eq!(
        poll(&server, &user, &id).await.0,
        "END",
        "R7 right after the disable"
    );
    figures.push((
        "channel disabled",
        dropped_within(&mut encoder, disabled_at, "channel disabled").await,
    ));

    // the ended live's key is refused at on_publish, also once the channel is enabled again
    api.set_channel_enabled(&channel, true).await;
    assert_eq!(
        poll(&server, &user, &id).await.0,
        "END",
        "re-enabling resurrected the live"
    );
    let tried = Instant::now();
    let mut late = Publisher::start(&nginx.publish_url(&key), 30);
    let status = exit_within(&mut late, Duration::from_secs(8))
        .await
        .expect("ffmpeg kept publishing on an ended live's key");
    println!(
        "ended live's key → ffmpeg refused after {:?} ({status})",
        tried.elapsed()
    );
    assert!(!status.success());

    // 2. a restart after the forced end publishes on its new key; then the admin ends it
    let new_key = api.start(&id).await;
    assert_ne!(new_key, key, "a restart reuses the ended key");
    let mut encoder = Publisher::start(&nginx.publish_url(&new_key), 120);
    until_live(&server, &user, &id).await;
    let ended_at = Instant::now();
    let ended = api
        .admin(
            reqwest::Method::POST,
            &format!("/admin/users/{user}/lives/{id}/end"),
            None,
        )
        .await;
    assert_eq!(ended["status"], "END");
    assert_eq!(poll(&server, &user, &id).await.0, "END");
    figures.push((
        "admin end live",
        dropped_within(&mut encoder, ended_at, "admin end live").await,
    ));

    // 3. disabling the user mid-live
    let (second, key) = api
        .start_new_live(&channel, "Second", server.wiring.state.clock.now())
        .await;
    let mut encoder = Publisher::start(&nginx.publish_url(&key), 120);
    until_live(&server, &user, &second).await;
    let disabled_at = Instant::now();
    api.set_user_disabled(true).await;
    assert_eq!(poll(&server, &user, &second).await.0, "END");
    figures.push((
        "user disabled",
        dropped_within(&mut encoder, disabled_at, "user disabled").await,
    ));
    api.set_user_disabled(false).await;
    assert_eq!(poll(&server, &user, &second).await.0, "END");

    // every stream ends inactive: nginx reported each drop
    let owner = onair_domain::UserId::parse(&user).unwrap();
    let state = &server.wiring.state;
    for live in [&id, &second] {
        let stored = state.lives.get(&owner, live).await.unwrap();
        let started = Instant::now();
        loop {
            let stream = state.streams.get(&owner, &stored.stream_id).await.unwrap();
            if stream.stream.stream_status() != StreamStatus::Active {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "{live}: the stream stayed active after nginx dropped its encoder"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    println!("platform end → encoder dropped ({backend:?}): {figures:?}");
    drop(nginx);
    server.stop().await;
}
