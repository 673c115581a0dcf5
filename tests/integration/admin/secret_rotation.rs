//! Client-secret rotation through the admin API, on both stores (`secret_rotation::embedded::…` and
//! `secret_rotation::dynamodb::…`, the latter on DynamoDB plus Secrets Manager on moto).
//!
//! The rule: concurrent rotations have exactly one winner and the losers change nothing; a rotation
//! while an earlier overlap is still running is refused with 409 unless the body says `"force": true`;
//! and every secret a successful reply handed out keeps working until the time that reply stated.
//! Whether a secret "works" is asked the way a client asks it: by authenticating at the introspection
//! endpoint (`client_secret_post`), which answers 200 to a known client and 401 `invalid_client` to
//! anything else.

use crate::support::{Backend, Reply, TestApp, admin};
use axum::Router;
use axum::body::Body;
use futures::future::join_all;
use http::{Method, Request, StatusCode};
use onair_domain::Clock;
use serde_json::{Value, json};
use std::sync::Arc;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};
use tower::ServiceExt;

crate::support::on_both_backends!(
    parallel_rotations_have_exactly_one_winner_and_losers_change_nothing,
    rotation_during_an_overlap_is_409_without_force_and_changes_nothing,
    forced_rotation_keeps_every_stated_deadline,
    forced_rotation_with_five_live_previous_secrets_is_409,
    rotation_without_overlap_never_blocks_the_next_one,
);

const REDIRECT: &str = "https://prism.example/oauth/callback";

struct Rig {
    app: TestApp,
    router: Router,
    client_id: String,
    original: String,
}

impl Rig {
    async fn new(backend: Backend) -> Rig {
        let app = TestApp::new(backend).await;
        let router = app.router();
        let created = admin(
            &router,
            Method::POST,
            "/admin/clients",
            Some(&json!({"name": "PRISM", "redirectUris": [REDIRECT]}).to_string()),
        )
        .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        Rig {
            client_id: text(&created.body, "clientId"),
            original: text(&created.body, "clientSecret"),
            app,
            router,
        }
    }

    fn now(&self) -> OffsetDateTime {
        self.app.clock.now()
    }

    /// Moves the fixed clock to `at` (forward only).
    fn set_clock(&self, at: OffsetDateTime) {
        assert!(at >= self.now(), "the clock only moves forward");
        self.app.clock.advance(at - self.now());
    }

    async fn rotate(&self, body: Option<Value>) -> Reply {
        let body = body.map(|b| b.to_string());
        admin(
            &self.router,
            Method::POST,
            &format!("/admin/clients/{}/rotate-secret", self.client_id),
            body.as_deref(),
        )
        .await
    }

    /// Whether `secret` authenticates the client right now (introspection answers 200, not 401).
    async fn works(&self, secret: &str) -> bool {
        let form = format!(
            "token=not-a-token&client_id={}&client_secret={secret}",
            self.client_id
        );
        let request = Request::builder()
            .method(Method::POST)
            .uri("/oauth/introspect")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .unwrap();
        let status = self.router.clone().oneshot(request).await.unwrap().status();
        match status {
            StatusCode::OK => true,
            StatusCode::UNAUTHORIZED => false,
            other => panic!("introspection answered {other}"),
        }
    }

    /// The client record's version, read through the admin API.
    async fn version(&self) -> u64 {
        let got = admin(
            &self.router,
            Method::GET,
            &format!("/admin/clients/{}", self.client_id),
            None,
        )
        .await;
        assert_eq!(got.status, StatusCode::OK, "{}", got.text);
        got.body["version"].as_u64().unwrap()
    }

    /// The stored secret document, read past any cache.
    async fn stored(&self) -> onair_store::ClientSecret {
        self.app
            .state
            .secrets
            .refresh(&format!("clients/{}", self.client_id))
            .await
            .unwrap()
            .secret
    }
}

fn text(body: &Value, field: &str) -> String {
    body[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} missing in {body}"))
        .to_owned()
}

fn until(reply: &Reply) -> OffsetDateTime {
    OffsetDateTime::parse(&text(&reply.body, "previousSecretValidUntil"), &Rfc3339).unwrap()
}

#[track_caller]
fn assert_conflict(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.text);
    assert_eq!(reply.body["error"], "conflict", "{}", reply.text);
}

async fn parallel_rotations_have_exactly_one_winner_and_losers_change_nothing(backend: Backend) {
    let rig = Arc::new(Rig::new(backend).await);
    let replies = join_all((0..20).map(|_| {
        let rig = rig.clone();
        tokio::spawn(async move { rig.rotate(None).await })
    }))
    .await;
    let replies: Vec<Reply> = replies.into_iter().map(Result::unwrap).collect();
    let winners: Vec<&Reply> = replies.iter().filter(|r| r.status == StatusCode::OK).collect();
    let conflicts = replies
        .iter()
        .filter(|r| r.status == StatusCode::CONFLICT)
        .count();
    assert_eq!(
        (winners.len(), conflicts),
        (1, 19),
        "20 parallel rotations: {:?}",
        replies.iter().map(|r| r.status.as_u16()).collect::<Vec<_>>()
    );
    for loser in replies.iter().filter(|r| r.status != StatusCode::OK) {
        assert_conflict(loser);
        assert!(loser.body.get("clientSecret").is_none());
    }
    let winner = text(&winners[0].body, "clientSecret");
    assert_eq!(winners[0].body["version"], 2);
    assert_eq!(rig.version().await, 2, "only the winner bumped the record");
    assert!(rig.works(&winner).await, "the returned secret works");
    assert!(
        rig.works(&rig.original).await,
        "the original works during the overlap"
    );

    // The generator is a sequence (`secret-N`): every secret a loser drew is among the first few
    // hundred, and none of them was ever stored.
    let stored = rig.stored().await;
    let now = rig.now();
    let accepted: Vec<String> = (1..=300)
        .map(|n| format!("secret-{n}"))
        .filter(|s| stored.accepts(s, now))
        .collect();
    let mut expected = vec![rig.original.clone(), winner.clone()];
    expected.sort();
    let mut accepted = accepted;
    accepted.sort();
    assert_eq!(
        accepted, expected,
        "only the original and the winner's secret exist"
    );

    // The winner's promise holds, to the second.
    rig.set_clock(until(winners[0]) - Duration::seconds(1));
    assert!(rig.works(&rig.original).await);
    rig.set_clock(until(winners[0]));
    assert!(!rig.works(&rig.original).await);
    assert!(rig.works(&winner).await);
}

async fn rotation_during_an_overlap_is_409_without_force_and_changes_nothing(backend: Backend) {
    let rig = Rig::new(backend).await;
    let first = rig.rotate(Some(json!({"overlapSeconds": 3600}))).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let s1 = text(&first.body, "clientSecret");
    let before = rig.stored().await;
    let version = rig.version().await;

    rig.app.clock.advance(Duration::minutes(10));
    for body in [
        None,
        Some(json!({"overlapSeconds": 3600})),
        Some(json!({"overlapSeconds": 0})),
        Some(json!({"force": false})),
    ] {
        let second = rig.rotate(body.clone()).await;
        assert_conflict(&second);
        assert!(
            second.text.contains("force"),
            "the refusal says how to proceed: {}",
            second.text
        );
    }
    assert_eq!(rig.stored().await, before, "the secret is unchanged");
    assert_eq!(rig.version().await, version, "the record is unchanged");
    assert!(rig.works(&s1).await);
    assert!(rig.works(&rig.original).await, "the first reply's promise holds");

    // Once the overlap is over, a plain rotation is accepted again.
    rig.set_clock(until(&first));
    let third = rig.rotate(Some(json!({"overlapSeconds": 60}))).await;
    assert_eq!(third.status, StatusCode::OK, "{}", third.text);
    assert!(rig.works(&s1).await);
    assert!(!rig.works(&rig.original).await);
}

async fn forced_rotation_keeps_every_stated_deadline(backend: Backend) {
    let rig = Rig::new(backend).await;
    let first = rig.rotate(Some(json!({"overlapSeconds": 3600}))).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let (s1, original_until) = (text(&first.body, "clientSecret"), until(&first));
    assert_eq!(original_until, rig.now() + Duration::hours(1));

    rig.app.clock.advance(Duration::minutes(10));
    let second = rig
        .rotate(Some(json!({"overlapSeconds": 3600, "force": true})))
        .await;
    assert_eq!(second.status, StatusCode::OK, "{}", second.text);
    let (s2, s1_until) = (text(&second.body, "clientSecret"), until(&second));
    assert_eq!(s1_until, rig.now() + Duration::hours(1));
    assert_eq!(second.body["version"], 3);

    for secret in [&rig.original, &s1, &s2] {
        assert!(rig.works(secret).await, "right after the second rotation");
    }
    rig.set_clock(original_until - Duration::seconds(1));
    assert!(rig.works(&rig.original).await, "the first reply promised this");
    rig.set_clock(original_until);
    assert!(!rig.works(&rig.original).await, "and no longer");
    assert!(rig.works(&s1).await);
    rig.set_clock(s1_until - Duration::seconds(1));
    assert!(rig.works(&s1).await, "the second reply promised this");
    rig.set_clock(s1_until);
    assert!(!rig.works(&s1).await, "and no longer");
    assert!(!rig.works(&rig.original).await);
    assert!(rig.works(&s2).await);
}

async fn forced_rotation_with_five_live_previous_secrets_is_409(backend: Backend) {
    let rig = Rig::new(backend).await;
    let mut secrets = vec![rig.original.clone()];
    for n in 0..5 {
        let reply = rig
            .rotate(Some(json!({"overlapSeconds": 3600, "force": n > 0})))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "rotation {n}: {}", reply.text);
        secrets.push(text(&reply.body, "clientSecret"));
        rig.app.clock.advance(Duration::minutes(1));
    }
    let before = rig.stored().await;
    let version = rig.version().await;
    let sixth = rig
        .rotate(Some(json!({"overlapSeconds": 3600, "force": true})))
        .await;
    assert_conflict(&sixth);
    assert_eq!(rig.stored().await, before);
    assert_eq!(rig.version().await, version);
    for secret in &secrets {
        assert!(rig.works(secret).await, "every promised secret still works");
    }
    // When the oldest overlap ends, there is room again.
    // The first rotation of the loop happened at T0 with a one-hour overlap.
    rig.set_clock(crate::support::T0 + Duration::hours(1));
    let seventh = rig
        .rotate(Some(json!({"overlapSeconds": 3600, "force": true})))
        .await;
    assert_eq!(seventh.status, StatusCode::OK, "{}", seventh.text);
    assert!(!rig.works(&secrets[0]).await);
    for secret in &secrets[1..] {
        assert!(rig.works(secret).await);
    }
}

async fn rotation_without_overlap_never_blocks_the_next_one(backend: Backend) {
    let rig = Rig::new(backend).await;
    let mut last = rig.original.clone();
    for _ in 0..3 {
        let reply = rig.rotate(Some(json!({"overlapSeconds": 0}))).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(until(&reply), rig.now());
        let next = text(&reply.body, "clientSecret");
        assert!(
            !rig.works(&last).await,
            "no overlap: the old secret stops at once"
        );
        assert!(rig.works(&next).await);
        last = next;
    }
}
