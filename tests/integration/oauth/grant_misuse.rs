//! Every misuse signal of the grants revokes the token family, and a code whose redirect URI was
//! unregistered no longer redeems — on the in-process router, on both stores.
//!
//! - A refresh token presented after its successor was itself rotated is misuse even inside the grace
//!   window: a lost response never leads to the successor being used, so someone else holds it.
//! - A code replayed after its 60 s lifetime still revokes what it issued (RFC 6749 §4.1.2).
//! - A code issued for a redirect URI that the client no longer registers is refused, without spending
//!   it and without revoking anything (an admin change is not misuse).
//! - A grace retry that lands between a rotation's two writes (old token retired, successor not yet
//!   stored) waits for the successor instead of being refused.

use crate::support::oauth::{
    REDIRECT, TestClient, Tokens, audit_events, authorize_path, create_client, create_user, introspect,
    obtain_code, prism_exchange, prism_get, prism_refresh, set_user_disabled, tokens,
};
use crate::support::{Backend, Reply, TestApp, admin};
use axum::Router;
use futures::future::join_all;
use http::{Method, StatusCode};
use onair_domain::audit::{AuditEntry, AuditEvent};
use onair_domain::oauth::token::{successor, token_hash};
use onair_domain::{ClientId, Clock};
use serde_json::json;
use std::collections::{BTreeMap, HashSet};
use std::time::Instant;
use time::Duration;

crate::support::on_both_backends!(
    refresh_after_its_successor_was_rotated_revokes_the_family_inside_the_grace_window,
    code_replayed_after_its_lifetime_revokes_what_it_issued,
    code_replayed_a_week_later_still_revokes_what_it_issued,
    code_for_a_redirect_uri_removed_before_redemption_does_not_redeem_and_revokes_nothing,
    replay_of_a_code_whose_redirect_uri_was_removed_still_revokes_what_it_issued,
    grace_retry_between_the_two_writes_of_a_rotation_waits_for_the_successor,
    grace_retry_whose_successor_never_lands_is_refused_within_a_bound,
    concurrent_refreshes_of_one_token_all_get_its_one_successor_round_after_round,
);

/// The signing-key secret's value in every test state ([`TestApp`]); successors derive from it.
const SIGNING_KEY: &str = "test-signing-key-0123456789abcdef";

/// A second redirect URI, so one can be removed while the client keeps a valid list.
const OTHER_REDIRECT: &str = "https://other.example/cb";

struct Fx {
    app: TestApp,
    router: Router,
    client: TestClient,
    user: String,
}

impl Fx {
    async fn new(backend: Backend) -> Fx {
        let app = TestApp::new(backend).await;
        let router = app.router();
        let client = create_client(&router, "PRISM").await;
        let user = create_user(&router, "alice").await;
        Fx {
            app,
            router,
            client,
            user,
        }
    }

    async fn login(&self) -> Tokens {
        let code = obtain_code(&self.router, &self.client.id, "alice", None, None).await;
        tokens(&prism_exchange(&self.router, &self.client, &code, &[]).await)
    }

    async fn events(&self) -> Vec<&'static str> {
        audit_events(&self.app.state).await
    }

    async fn count(&self, event: &str) -> usize {
        self.events().await.iter().filter(|e| **e == event).count()
    }

    /// Sets the client's redirect URIs through the admin API (which also drops the cached client).
    async fn set_redirect_uris(&self, uris: &[&str]) {
        let reply = admin(
            &self.router,
            Method::PATCH,
            &format!("/admin/clients/{}", self.client.id),
            Some(&json!({ "redirectUris": uris }).to_string()),
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }

    /// Asserts that every token of `t` is dead: refresh refused, both inactive. (Resource calls verify
    /// the JWT only, so an access token lapses within its lifetime — the README's stated trade-off.)
    async fn assert_dead(&self, t: &Tokens, what: &str) {
        assert_invalid_grant(&prism_refresh(&self.router, &self.client, &t.refresh).await, what);
        for token in [&t.access, &t.refresh] {
            assert_eq!(
                introspect(&self.router, &self.client, token).await,
                json!({"active": false}),
                "{what}: introspection"
            );
        }
    }

    /// Asserts that `t` still works (refreshing it would spend it, so only introspection and a call).
    async fn assert_alive(&self, t: &Tokens, what: &str) {
        for token in [&t.access, &t.refresh] {
            assert_eq!(
                introspect(&self.router, &self.client, token).await["active"],
                true,
                "{what}: introspection"
            );
        }
        let user = prism_get(&self.router, "/prism/v1/service/user", &t.access).await;
        assert_eq!(user.status, StatusCode::OK, "{what}: {}", user.text);
    }
}

fn assert_invalid_grant(reply: &Reply, what: &str) {
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{what}: {}", reply.text);
    assert_eq!(reply.body["error"], "invalid_grant", "{what}: {}", reply.text);
    assert!(reply.body.get("access_token").is_none(), "{what}: {}", reply.text);
}

// ---------------------------------------------------------------------------------------------------
// §1.5a: a refresh token whose successor was rotated

/// t0 → t1 → t2 all inside t0's grace window: presenting t0 again is refused *and* revokes the family,
/// so t2 (the newest) stops working. Before that, a retry of t0 while t1 is unused is an ordinary grace
/// reply (control: the grace window itself is still honoured).
async fn refresh_after_its_successor_was_rotated_revokes_the_family_inside_the_grace_window(
    backend: Backend,
) {
    let fx = Fx::new(backend).await;
    let t0 = fx.login().await;
    let t1 = tokens(&prism_refresh(&fx.router, &fx.client, &t0.refresh).await);
    fx.app.clock.advance(Duration::seconds(5));
    // Control: a retry of t0 while t1 is unused gets t1 again.
    let again = tokens(&prism_refresh(&fx.router, &fx.client, &t0.refresh).await);
    assert_eq!(
        again.refresh, t1.refresh,
        "a grace retry hands out the same successor"
    );
    fx.app.clock.advance(Duration::seconds(5));
    let t2 = tokens(&prism_refresh(&fx.router, &fx.client, &t1.refresh).await);
    assert_eq!(fx.count("refresh_reuse_detected").await, 0);

    // Still inside t0's 30 s grace window, but its successor t1 has been rotated.
    fx.app.clock.advance(Duration::seconds(5));
    assert_invalid_grant(
        &prism_refresh(&fx.router, &fx.client, &t0.refresh).await,
        "t0 after t1 was rotated",
    );
    assert_eq!(
        fx.count("refresh_reuse_detected").await,
        1,
        "the misuse is recorded: {:?}",
        fx.events().await
    );
    fx.assert_dead(&t2, "t2 after t0's misuse").await;
    fx.assert_dead(&t1, "t1 after t0's misuse").await;
    // The revocation entry names the family's user and the client, and no token.
    let trail = crate::support::oauth::audit_trail(&fx.app.state).await;
    let entry: &AuditEntry = trail
        .iter()
        .find(|e| e.event == AuditEvent::RefreshReuseDetected)
        .unwrap();
    assert_eq!(entry.user_id.as_ref().map(|u| u.as_str()), Some(fx.user.as_str()));
    assert_eq!(
        entry.client_id.as_ref().map(ClientId::as_str),
        Some(fx.client.id.as_str())
    );
    assert_eq!(entry.detail.as_deref(), Some("family revoked"));
}

// ---------------------------------------------------------------------------------------------------
// §1.5b: a code replayed after its lifetime

/// A code redeemed, then replayed 61 s after issue (past its 60 s lifetime): refused, and the tokens
/// issued from it are revoked, as for a replay within the minute.
async fn code_replayed_after_its_lifetime_revokes_what_it_issued(backend: Backend) {
    let fx = Fx::new(backend).await;
    let code = obtain_code(&fx.router, &fx.client.id, "alice", None, None).await;
    let issued = tokens(&prism_exchange(&fx.router, &fx.client, &code, &[]).await);
    fx.app.clock.advance(Duration::seconds(61));
    fx.assert_alive(&issued, "before the replay").await;
    assert_invalid_grant(
        &prism_exchange(&fx.router, &fx.client, &code, &[]).await,
        "late replay",
    );
    assert_eq!(
        fx.count("code_replayed").await,
        1,
        "the late replay is recorded: {:?}",
        fx.events().await
    );
    fx.assert_dead(&issued, "tokens of a late-replayed code").await;
}

/// A week later, after the tokens were rotated daily, a replay of the code still revokes the family.
/// On DynamoDB the redeemed code's item is kept (its TTL) as long as the family's record: 400 days
/// after redemption, far beyond the one-day margin of an unredeemed code.
async fn code_replayed_a_week_later_still_revokes_what_it_issued(backend: Backend) {
    let fx = Fx::new(backend).await;
    let code = obtain_code(&fx.router, &fx.client.id, "alice", None, None).await;
    let redeemed_at = fx.app.clock.now();
    let mut current = tokens(&prism_exchange(&fx.router, &fx.client, &code, &[]).await);
    if let Some(dynamo) = &fx.app.dynamo {
        let ttl = code_item_ttl(dynamo, &token_hash(&code)).await;
        assert_eq!(
            ttl,
            (redeemed_at + Duration::days(400)).unix_timestamp(),
            "a redeemed code is kept as long as its family"
        );
    }
    for _ in 0..7 {
        fx.app.clock.advance(Duration::days(1));
        current = tokens(&prism_refresh(&fx.router, &fx.client, &current.refresh).await);
    }
    fx.assert_alive(&current, "a week of rotations").await;
    assert_invalid_grant(
        &prism_exchange(&fx.router, &fx.client, &code, &[]).await,
        "replay a week later",
    );
    fx.assert_dead(&current, "the newest token after the replay")
        .await;
}

/// The TTL attribute (epoch seconds) of a code's item in the tokens table.
async fn code_item_ttl(dynamo: &onair_store::dynamo::DynamoStores, hash: &str) -> i64 {
    let client = aws_sdk_dynamodb::Client::new(&crate::support::sdk_config().await);
    let item = client
        .get_item()
        .table_name(dynamo.tokens_table())
        .key(
            onair_store::dynamo::keys::PK,
            // The tokens table's documented layout: a code's item is `CODE#{hash}`.
            aws_sdk_dynamodb::types::AttributeValue::S(format!("CODE#{hash}")),
        )
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .expect("the code's item");
    let ttl_attribute = onair_store::dynamo::schema::TOKENS.ttl_attribute.unwrap();
    item[ttl_attribute].as_n().unwrap().parse().unwrap()
}

// ---------------------------------------------------------------------------------------------------
// §1.4: a code for a redirect URI removed before redemption

/// A code issued for REDIRECT, then REDIRECT is removed from the client: the exchange is invalid_grant,
/// nothing is issued or revoked, and the code is not spent (re-registering the URI within the code's
/// minute makes it redeemable again — the refusal wrote nothing).
async fn code_for_a_redirect_uri_removed_before_redemption_does_not_redeem_and_revokes_nothing(
    backend: Backend,
) {
    let fx = Fx::new(backend).await;
    fx.set_redirect_uris(&[REDIRECT, OTHER_REDIRECT]).await;
    // An earlier login of the same user and client, which must survive the refusal.
    let earlier = fx.login().await;
    let code = obtain_code(&fx.router, &fx.client.id, "alice", None, None).await;
    fx.set_redirect_uris(&[OTHER_REDIRECT]).await;
    let before = fx.events().await;
    assert_invalid_grant(
        &prism_exchange(&fx.router, &fx.client, &code, &[]).await,
        "code for a removed redirect URI",
    );
    assert_eq!(fx.events().await, before, "the refusal wrote nothing");
    fx.assert_alive(&earlier, "an earlier login, after the refusal")
        .await;
    // The authorization endpoint refuses the removed URI too (error page, no redirect).
    let page = crate::support::oauth::get(&fx.router, &authorize_path(&fx.client.id, &[]), &[]).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST, "{}", page.text);

    // Not spent, not misuse: with the URI registered again, the same code redeems once.
    fx.set_redirect_uris(&[REDIRECT, OTHER_REDIRECT]).await;
    let issued = tokens(&prism_exchange(&fx.router, &fx.client, &code, &[]).await);
    fx.assert_alive(&issued, "the code once the URI is back").await;
    assert_eq!(fx.count("code_replayed").await, 0);
}

/// A redeemed code replayed after its redirect URI was removed is still a replay: refused and its
/// tokens revoked (the misuse check comes before the redirect checks).
async fn replay_of_a_code_whose_redirect_uri_was_removed_still_revokes_what_it_issued(backend: Backend) {
    let fx = Fx::new(backend).await;
    fx.set_redirect_uris(&[REDIRECT, OTHER_REDIRECT]).await;
    let code = obtain_code(&fx.router, &fx.client.id, "alice", None, None).await;
    let issued = tokens(&prism_exchange(&fx.router, &fx.client, &code, &[]).await);
    fx.set_redirect_uris(&[OTHER_REDIRECT]).await;
    assert_invalid_grant(
        &prism_exchange(&fx.router, &fx.client, &code, &[]).await,
        "replay after the URI was removed",
    );
    assert_eq!(fx.count("code_replayed").await, 1);
    fx.assert_dead(&issued, "tokens of the replayed code").await;
}

// ---------------------------------------------------------------------------------------------------
// The window between a rotation's two writes

/// Puts `t`'s refresh token in the state a rotation leaves between its two writes: retired in favour
/// of its real successor, the successor not stored. Done through the store port with the user briefly
/// disabled: the rotation's first write (retire) lands, its second (successor, conditioned on an
/// enabled user) does not — on both adapters. Returns the successor's value.
async fn retire_without_successor(fx: &Fx, t: &Tokens) -> String {
    let next = successor(SIGNING_KEY.as_bytes(), &t.refresh);
    let state = &fx.app.state;
    set_user_disabled(&fx.router, &fx.user, true).await;
    let entry = AuditEntry {
        id: format!("window-{}", fx.app.clock.now().unix_timestamp_nanos()),
        at: fx.app.clock.now(),
        event: AuditEvent::TokenRefreshed,
        user_id: None,
        login: None,
        client_id: ClientId::parse(&fx.client.id),
        ip: None,
        detail: None,
    };
    let now = fx.app.clock.now();
    let refused = state
        .grants
        .rotate_refresh(
            &token_hash(&t.refresh),
            &ClientId::parse(&fx.client.id).unwrap(),
            &token_hash(next.expose()),
            now,
            now + state.settings.oauth.refresh_ttl,
            &entry,
        )
        .await;
    assert!(
        matches!(refused, Err(onair_store::RotateError::GrantInvalid(_))),
        "{refused:?}"
    );
    set_user_disabled(&fx.router, &fx.user, false).await;
    let retired = state.grants.get_refresh(&token_hash(&t.refresh)).await.unwrap();
    assert_eq!(
        retired.rotated.as_ref().map(|r| r.successor_hash.as_str()),
        Some(token_hash(next.expose()).as_str()),
        "retired in favour of the real successor"
    );
    next.expose().to_owned()
}

/// The rotation's second write lands 300 ms after a retry arrived: the retry waits for it and answers
/// with that very successor, which works, instead of refusing (the cause of an occasional
/// `400 invalid_grant` among 50 concurrent refreshes on DynamoDB).
async fn grace_retry_between_the_two_writes_of_a_rotation_waits_for_the_successor(backend: Backend) {
    let fx = Fx::new(backend).await;
    let t0 = fx.login().await;
    let next = retire_without_successor(&fx, &t0).await;

    let (router, client, refresh) = (fx.router.clone(), fx.client.clone(), t0.refresh.clone());
    let retry = tokio::spawn(async move { prism_refresh(&router, &client, &refresh).await });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!retry.is_finished(), "the retry waits for the successor");
    // The second write: the successor, as `rotate_refresh` would have stored it.
    let state = &fx.app.state;
    let old = state.grants.get_refresh(&token_hash(&t0.refresh)).await.unwrap();
    let family = state.grants.get_family(&old.family_id).await.unwrap();
    let now = fx.app.clock.now();
    let stored = onair_domain::oauth::refresh::RefreshRecord {
        hash: token_hash(&next),
        issued_at: now,
        expires_at: now + state.settings.oauth.refresh_ttl,
        rotated: None,
        ..old
    };
    let entry = AuditEntry {
        id: "window-second-write".into(),
        at: now,
        event: AuditEvent::TokenRefreshed,
        user_id: Some(stored.user_id.clone()),
        login: None,
        client_id: Some(stored.client_id.clone()),
        ip: None,
        detail: None,
    };
    state.grants.start_family(&family, &stored, &entry).await.unwrap();

    let reply = retry.await.unwrap();
    let answered = tokens(&reply);
    assert_eq!(
        answered.refresh, next,
        "the retry carries the successor that landed"
    );
    fx.assert_alive(&answered, "the successor handed out by the waiting retry")
        .await;
}

/// When the successor never lands (the second write failed and could not be undone), the retry is
/// refused after a bounded wait — never a token that does not work, never a hung request.
async fn grace_retry_whose_successor_never_lands_is_refused_within_a_bound(backend: Backend) {
    let fx = Fx::new(backend).await;
    let t0 = fx.login().await;
    retire_without_successor(&fx, &t0).await;
    let started = Instant::now();
    assert_invalid_grant(
        &prism_refresh(&fx.router, &fx.client, &t0.refresh).await,
        "grace retry without a successor",
    );
    let waited = started.elapsed();
    assert!(
        waited < std::time::Duration::from_secs(5),
        "the wait is bounded: {waited:?}"
    );
    // Past the in-flight bound the refusal is immediate.
    fx.app.clock.advance(Duration::seconds(10));
    let started = Instant::now();
    assert_invalid_grant(
        &prism_refresh(&fx.router, &fx.client, &t0.refresh).await,
        "grace retry long after the rotation",
    );
    assert!(
        started.elapsed() < std::time::Duration::from_millis(500),
        "no wait once the second write cannot be in flight: {:?}",
        started.elapsed()
    );
}

/// Racers per round and rounds of [`concurrent_refreshes_of_one_token_all_get_its_one_successor_round_after_round`].
const RACERS: usize = 50;
const ROUNDS: usize = 4;

/// `RACERS` refreshes of one token at once, `ROUNDS` times in a row (each round races the successor
/// of the last): every racer gets 200 and the same successor — one rotation, the rest grace replies,
/// none refused because it read the successor before the winner had stored it.
async fn concurrent_refreshes_of_one_token_all_get_its_one_successor_round_after_round(backend: Backend) {
    let fx = Fx::new(backend).await;
    let mut current = fx.login().await;
    for round in 0..ROUNDS {
        let racers = (0..RACERS).map(|_| {
            let (router, client, refresh) = (fx.router.clone(), fx.client.clone(), current.refresh.clone());
            tokio::spawn(async move { prism_refresh(&router, &client, &refresh).await })
        });
        let replies: Vec<Reply> = join_all(racers).await.into_iter().map(Result::unwrap).collect();
        let mut summary: BTreeMap<String, usize> = BTreeMap::new();
        for r in &replies {
            let key = format!("{} {}", r.status.as_u16(), r.body["error"].as_str().unwrap_or(""));
            *summary.entry(key).or_default() += 1;
        }
        assert!(
            replies.iter().all(|r| r.status == StatusCode::OK),
            "round {round}: {summary:?}"
        );
        let successors: HashSet<&str> = replies
            .iter()
            .map(|r| r.body["refresh_token"].as_str().unwrap())
            .collect();
        assert_eq!(successors.len(), 1, "round {round}: one successor");
        current = tokens(&replies[0]);
        // The next round starts outside this round's grace window, as a real client would.
        fx.app.clock.advance(Duration::minutes(1));
    }
    assert_eq!(
        fx.count("token_refreshed").await,
        ROUNDS,
        "one rotation per round"
    );
    assert_eq!(fx.count("refresh_reuse_detected").await, 0);
}
