//! The YouTube-compatible live API over HTTP (`/youtube/v3/…`), through the in-process router on both
//! stores: bad input (each rule its own test, each proving nothing changed), scopes, ownership and
//! permissions, the lifecycle rules, real parallel races, and DynamoDB round-trip budgets.

mod bad_input;
mod chat;
mod chat_client;
mod concurrency;
mod discovery_client;
mod lifecycle;
mod lifecycle_client;
mod logs;
mod permissions;
mod round_trips;
mod schedules;
mod scopes;
pub mod videos;
mod videos_client;

use crate::support::oauth::{create_channel, create_user};
use crate::support::{Backend, ISSUER, Reply, TestApp, call, unique};
use axum::Router;
use http::{Method, StatusCode};
use onair_domain::lifecycle::wire::{LifeCycleStatus, StreamStatus};
use onair_domain::oauth::jwt::{Claims, KeySet, SigningKey, sign};
use onair_domain::{PageRequest, UserId};
use onair_store::embedded::EmbeddedSteps;
use onair_store::{StoredBroadcast, StoredStream};
use serde_json::{Value, json};

/// The signing key every in-process test state holds (see `TestApp`).
const SIGNING_KEY: &[u8] = b"test-signing-key-0123456789abcdef";

/// A test state with one user, one enabled channel and a scope-less (full-access) token.
pub struct Yt {
    pub app: TestApp,
    /// Every step the use cases planned (pending, never fired).
    pub steps: EmbeddedSteps,
    pub router: Router,
    pub user: String,
    pub channel: String,
    pub token: String,
}

/// An access token for `user` signed with the test key, with `scope` when given.
pub fn token_for(app: &TestApp, user: &str, scope: Option<&str>) -> String {
    let now = app.state.clock.now().unix_timestamp();
    let claims = Claims {
        iss: ISSUER.into(),
        sub: user.into(),
        aud: app.state.settings.oauth.audience.clone(),
        client_id: "youtube-test-client".into(),
        iat: now,
        exp: now + 3600,
        jti: unique("jti"),
        scope: scope.map(str::to_owned),
        fam: unique("fam"),
    };
    let keys = KeySet {
        current: SigningKey::new(SIGNING_KEY),
        previous: None,
    };
    sign(&keys, &claims).unwrap()
}

impl Yt {
    pub async fn new(backend: Backend) -> Yt {
        Self::with_app(TestApp::new(backend).await).await
    }

    pub async fn with_app(mut app: TestApp) -> Yt {
        // Planned steps are recorded, never fired: the step functions are another surface's, and the
        // tests move states through the store where they need to.
        let steps = EmbeddedSteps::new(app.clock.clone());
        app.state.steps = std::sync::Arc::new(steps.clone());
        let router = app.router();
        let user = create_user(&router, &unique("streamer")).await;
        let channel = create_channel(&router, &user, "main").await;
        let token = token_for(&app, &user, None);
        Yt {
            app,
            steps,
            router,
            user,
            channel,
            token,
        }
    }

    /// Another user with a channel and a token, on the same state.
    pub async fn other_user(&self) -> (String, String) {
        let user = create_user(&self.router, &unique("other")).await;
        create_channel(&self.router, &user, "theirs").await;
        let token = token_for(&self.app, &user, None);
        (user, token)
    }

    pub fn owner(&self) -> UserId {
        UserId::parse(&self.user).unwrap()
    }

    /// A call with this user's token.
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        self.call_as(&self.token, method, path, body).await
    }

    /// A call with `token`.
    pub async fn call_as(&self, token: &str, method: Method, path: &str, body: Option<Value>) -> Reply {
        let body = body.map(|b| b.to_string());
        call(&self.router, method, path, Some(token), body.as_deref()).await
    }

    /// Inserts a broadcast (monitor stream on unless `monitor` is false); returns its id.
    pub async fn insert_broadcast(&self, monitor: bool) -> String {
        let reply = self
            .call(
                Method::POST,
                "/youtube/v3/liveBroadcasts?part=snippet,status,contentDetails",
                Some(broadcast_body("Show", monitor)),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "insert broadcast: {}", reply.text);
        reply.body["id"].as_str().unwrap().to_owned()
    }

    /// Inserts a stream; returns its id.
    pub async fn insert_stream(&self, reusable: bool) -> String {
        let reply = self
            .call(
                Method::POST,
                "/youtube/v3/liveStreams?part=snippet,cdn,contentDetails,status",
                Some(stream_body("Camera", reusable)),
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "insert stream: {}", reply.text);
        reply.body["id"].as_str().unwrap().to_owned()
    }

    /// Binds `stream` to `broadcast` (must succeed).
    pub async fn bind(&self, broadcast: &str, stream: &str) {
        let reply = self
            .call(
                Method::POST,
                &format!(
                    "/youtube/v3/liveBroadcasts/bind?id={broadcast}&part=id,contentDetails&streamId={stream}"
                ),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "bind: {}", reply.text);
    }

    /// `transition` to `to`.
    pub async fn transition(&self, broadcast: &str, to: &str) -> Reply {
        self.call(
            Method::POST,
            &format!("/youtube/v3/liveBroadcasts/transition?id={broadcast}&part=status&broadcastStatus={to}"),
            None,
        )
        .await
    }

    /// Writes a stream's status through the store (ingest is not part of this surface).
    pub async fn set_stream_status(&self, stream: &str, status: StreamStatus) {
        let current = self.app.state.streams.get(&self.owner(), stream).await.unwrap();
        let mut next = current.clone();
        next.stream.status.stream_status = status;
        next.version += 1;
        self.app
            .state
            .streams
            .update(&next, current.version)
            .await
            .unwrap();
    }

    /// Writes a broadcast's state through the store (settling is the step functions' job).
    pub async fn force_state(&self, broadcast: &str, state: LifeCycleStatus) {
        let current = self
            .app
            .state
            .broadcasts
            .get(&self.owner(), broadcast)
            .await
            .unwrap();
        let mut next = current.clone();
        next.broadcast.status.life_cycle_status = state;
        next.version += 1;
        self.app
            .state
            .broadcasts
            .update(&next, current.version)
            .await
            .unwrap();
    }

    /// A ready broadcast bound to an active stream; returns (broadcast, stream).
    pub async fn ready_with_active_stream(&self, monitor: bool) -> (String, String) {
        let b = self.insert_broadcast(monitor).await;
        let s = self.insert_stream(true).await;
        self.bind(&b, &s).await;
        self.set_stream_status(&s, StreamStatus::Active).await;
        (b, s)
    }

    /// Everything this user has stored: proves a refused call changed nothing.
    pub async fn snapshot(&self) -> (Vec<StoredBroadcast>, Vec<StoredStream>) {
        let page = PageRequest::first(100);
        let owner = self.owner();
        let b = self.app.state.broadcasts.list(&owner, None, &page).await.unwrap();
        let s = self.app.state.streams.list(&owner, None, &page).await.unwrap();
        (b.items, s.items)
    }
}

/// A valid broadcast insert body (start an hour after the test clock's start).
pub fn broadcast_body(title: &str, monitor: bool) -> Value {
    json!({
        "snippet": { "title": title, "scheduledStartTime": "2026-11-01T01:00:00Z" },
        "status": { "privacyStatus": "private" },
        "contentDetails": { "monitorStream": { "enableMonitorStream": monitor } },
    })
}

/// A valid stream insert body.
pub fn stream_body(title: &str, reusable: bool) -> Value {
    json!({
        "snippet": { "title": title },
        "cdn": { "ingestionType": "rtmp", "resolution": "1080p", "frameRate": "30fps" },
        "contentDetails": { "isReusable": reusable },
    })
}

/// Asserts a Google error envelope with `status` and `reason`.
#[track_caller]
pub fn assert_google_error(reply: &Reply, status: StatusCode, reason: &str) {
    assert_eq!(reply.status, status, "{}", reply.text);
    let error = &reply.body["error"];
    assert_eq!(error["code"], json!(status.as_u16()), "{}", reply.text);
    assert_eq!(error["errors"][0]["reason"], json!(reason), "{}", reply.text);
    assert!(error["message"].is_string(), "{}", reply.text);
    assert!(error["errors"][0]["domain"].is_string(), "{}", reply.text);
}
