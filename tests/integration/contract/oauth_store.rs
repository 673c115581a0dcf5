//! The OAuth store contract (see `onair_store::oauth_ports`): one generic suite over the `GrantStore`,
//! `LockoutStore` and `AuditStore` ports, run against the embedded store and against DynamoDB on moto
//! (a fresh pair of tables per test), like `contract::store`. Users come from the `UserStore` of the
//! same adapter, since grants check that their user exists and is enabled. The DynamoDB module also
//! holds the round-trip budget of each operation.

mod unredeem;

use crate::support::{self, T0};
use onair_domain::audit::{AuditEntry, AuditEvent};
use onair_domain::oauth::code::{CODE_LIFETIME, CodeRecord, RedeemRefusal, Redemption};
use onair_domain::oauth::refresh::{Family, RefreshRecord, Rotation};
use onair_domain::user::User;
use onair_domain::{ClientId, PageRequest, SecretString, UserId};
use onair_store::dynamo::DynamoStores;
use onair_store::embedded::EmbeddedStore;
use onair_store::{AuditStore, GrantStore, LockoutStore, RedeemError, RotateError, StoreError, UserStore};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use time::{Duration, OffsetDateTime};

/// The OAuth ports of one adapter, and its users.
struct Stores {
    grants: Arc<dyn GrantStore>,
    lockouts: Arc<dyn LockoutStore>,
    audit: Arc<dyn AuditStore>,
    users: Arc<dyn UserStore>,
}

async fn embedded_stores() -> Stores {
    let store = EmbeddedStore::new();
    Stores {
        grants: Arc::new(store.clone()),
        lockouts: Arc::new(store.clone()),
        audit: Arc::new(store.clone()),
        users: Arc::new(store),
    }
}

fn stores_of(dynamo: &DynamoStores) -> Stores {
    Stores {
        grants: Arc::new(dynamo.grants()),
        lockouts: Arc::new(dynamo.lockouts()),
        audit: Arc::new(dynamo.audit()),
        users: Arc::new(dynamo.users()),
    }
}

async fn dynamo_stores() -> Stores {
    stores_of(&support::fresh_dynamo().await)
}

// ---------------------------------------------------------------------------------------------------
// Fixtures: one client (`prism`), one user (`u1`), records at fixed times after T0 (some with
// nanoseconds, which must survive).

const REDIRECT: &str = "https://prism.example/oauth/callback";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn prism() -> ClientId {
    ClientId::parse("prism").unwrap()
}

fn u1() -> UserId {
    UserId::parse("u1").unwrap()
}

fn secs(n: i64) -> Duration {
    Duration::seconds(n)
}

fn user(id: &str, disabled: bool) -> User {
    User {
        id: UserId::parse(id).unwrap(),
        login: format!("login-{id}"),
        user_name: format!("User {id}"),
        profile_thumbnail: None,
        password_hash: Some(SecretString::new(format!(
            "$argon2id$v=19$m=19456,t=2,p=1$salt${id}"
        ))),
        disabled,
        created_at: T0,
        modified_at: T0,
        version: 1,
    }
}

async fn with_user(s: &Stores) {
    s.users.create(&user("u1", false)).await.unwrap();
}

async fn disable(s: &Stores, id: &str) {
    let stored = s.users.get(&UserId::parse(id).unwrap()).await.unwrap();
    let disabled = User {
        disabled: true,
        version: stored.version + 1,
        ..stored.clone()
    };
    s.users.update(&disabled, stored.version).await.unwrap();
}

fn code(hash: &str) -> CodeRecord {
    CodeRecord {
        hash: hash.into(),
        client_id: prism(),
        redirect_uri: REDIRECT.into(),
        user_id: u1(),
        code_challenge: Some(CHALLENGE.into()),
        scope: Some("live".into()),
        family_id: format!("fam-{hash}"),
        issued_at: T0 + Duration::nanoseconds(7),
        expires_at: T0 + CODE_LIFETIME + Duration::nanoseconds(7),
        redeemed_at: None,
    }
}

fn redemption() -> Redemption {
    Redemption {
        client_id: prism(),
        redirect_uri: REDIRECT.into(),
        challenge_of_verifier: Some(CHALLENGE.into()),
        redirect_uri_registered: true,
    }
}

fn family(id: &str) -> Family {
    Family {
        id: id.into(),
        client_id: prism(),
        user_id: u1(),
        created_at: T0 + secs(1),
        revoked_at: None,
    }
}

fn refresh(hash: &str, family: &str) -> RefreshRecord {
    RefreshRecord {
        hash: hash.into(),
        family_id: family.into(),
        client_id: prism(),
        user_id: u1(),
        scope: Some("live".into()),
        issued_at: T0 + secs(1),
        expires_at: T0 + Duration::days(30) + Duration::nanoseconds(3),
        rotated: None,
    }
}

/// An audit entry with a unique id, `offset` after T0.
fn entry(event: AuditEvent, offset: Duration) -> AuditEntry {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    AuditEntry {
        id: format!("audit-{:04}", NEXT.fetch_add(1, Ordering::Relaxed)),
        at: T0 + offset,
        event,
        user_id: Some(u1()),
        login: None,
        client_id: Some(prism()),
        ip: Some("192.0.2.7".into()),
        detail: None,
    }
}

/// A family `fam` for `u1` with its first token `rt`, as a token request would start it.
async fn started(s: &Stores, fam: &str, rt: &str) -> RefreshRecord {
    let token = refresh(rt, fam);
    s.grants
        .start_family(&family(fam), &token, &entry(AuditEvent::CodeRedeemed, secs(1)))
        .await
        .unwrap();
    token
}

async fn day_entries(s: &Stores, day: OffsetDateTime) -> Vec<AuditEntry> {
    let page = s.audit.list(day.date(), &PageRequest::first(100)).await.unwrap();
    assert_eq!(page.next, None);
    page.items
}

#[track_caller]
fn assert_refused(result: Result<CodeRecord, RedeemError>, expected: RedeemRefusal) {
    match result {
        Err(RedeemError::Refused(refusal, record)) => {
            assert_eq!(refusal, expected);
            assert_eq!(record, None, "only a replay carries the record");
        }
        other => panic!("expected Refused({expected:?}), got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------------
// Codes

async fn codes_put_then_redeem_returns_the_record_before_and_a_replay_returns_it_redeemed(s: &Stores) {
    let c = code("c1");
    s.grants
        .put_code(&c, &entry(AuditEvent::CodeIssued, secs(0)))
        .await
        .unwrap();
    let before = s
        .grants
        .redeem_code("c1", &redemption(), T0 + secs(1))
        .await
        .unwrap();
    assert_eq!(before, c);
    match s.grants.redeem_code("c1", &redemption(), T0 + secs(2)).await {
        Err(RedeemError::Refused(RedeemRefusal::Replayed, Some(record))) => {
            assert_eq!(
                *record,
                CodeRecord {
                    redeemed_at: Some(T0 + secs(1)),
                    ..c.clone()
                }
            );
        }
        other => panic!("expected a replay with the record, got {other:?}"),
    }
}

async fn codes_duplicate_hash_is_conflict(s: &Stores) {
    s.grants
        .put_code(&code("c1"), &entry(AuditEvent::CodeIssued, secs(0)))
        .await
        .unwrap();
    let again = s
        .grants
        .put_code(&code("c1"), &entry(AuditEvent::CodeIssued, secs(0)))
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
}

async fn codes_every_refusal_writes_nothing(s: &Stores) {
    let c = code("c1");
    s.grants
        .put_code(&c, &entry(AuditEvent::CodeIssued, secs(0)))
        .await
        .unwrap();
    let now = T0 + secs(1);
    assert_refused(
        s.grants.redeem_code("unknown", &redemption(), now).await,
        RedeemRefusal::Invalid,
    );
    assert_refused(
        s.grants.redeem_code("c1", &redemption(), c.expires_at).await,
        RedeemRefusal::Invalid,
    );
    let other_client = Redemption {
        client_id: ClientId::parse("other").unwrap(),
        ..redemption()
    };
    assert_refused(
        s.grants.redeem_code("c1", &other_client, now).await,
        RedeemRefusal::WrongClient,
    );
    let other_redirect = Redemption {
        redirect_uri: format!("{REDIRECT}/x"),
        ..redemption()
    };
    assert_refused(
        s.grants.redeem_code("c1", &other_redirect, now).await,
        RedeemRefusal::WrongRedirect,
    );
    let no_verifier = Redemption {
        challenge_of_verifier: None,
        ..redemption()
    };
    assert_refused(
        s.grants.redeem_code("c1", &no_verifier, now).await,
        RedeemRefusal::WrongVerifier,
    );
    let wrong_verifier = Redemption {
        challenge_of_verifier: Some("other".into()),
        ..redemption()
    };
    assert_refused(
        s.grants.redeem_code("c1", &wrong_verifier, now).await,
        RedeemRefusal::WrongVerifier,
    );
    // Nothing was marked: the right redemption, one nanosecond before expiry, still wins.
    let last_moment = c.expires_at - Duration::nanoseconds(1);
    assert_eq!(
        s.grants
            .redeem_code("c1", &redemption(), last_moment)
            .await
            .unwrap(),
        c
    );
}

async fn codes_without_a_challenge_refuse_an_unexpected_verifier(s: &Stores) {
    let plain = CodeRecord {
        code_challenge: None,
        ..code("c1")
    };
    s.grants
        .put_code(&plain, &entry(AuditEvent::CodeIssued, secs(0)))
        .await
        .unwrap();
    let now = T0 + secs(1);
    assert_refused(
        s.grants.redeem_code("c1", &redemption(), now).await,
        RedeemRefusal::WrongVerifier,
    );
    let no_verifier = Redemption {
        challenge_of_verifier: None,
        ..redemption()
    };
    assert_eq!(
        s.grants.redeem_code("c1", &no_verifier, now).await.unwrap(),
        plain
    );
}

const RACERS: usize = 50;

async fn concurrent_redemptions_of_one_code_have_exactly_one_winner(s: &Stores) {
    let c = code("hot");
    s.grants
        .put_code(&c, &entry(AuditEvent::CodeIssued, secs(0)))
        .await
        .unwrap();
    let barrier = Arc::new(tokio::sync::Barrier::new(RACERS));
    let tasks: Vec<_> = (0..RACERS)
        .map(|i| {
            let (grants, barrier) = (s.grants.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                grants
                    .redeem_code(
                        "hot",
                        &redemption(),
                        T0 + secs(1) + Duration::milliseconds(i as i64),
                    )
                    .await
            })
        })
        .collect();
    let mut won = 0;
    let mut replayed = 0;
    for result in futures::future::join_all(tasks).await {
        match result.unwrap() {
            Ok(before) => {
                assert_eq!(before, c);
                won += 1;
            }
            Err(RedeemError::Refused(RedeemRefusal::Replayed, Some(record))) => {
                assert!(record.redeemed_at.is_some());
                replayed += 1;
            }
            other => panic!("losers must see a replay with the record: {other:?}"),
        }
    }
    assert_eq!((won, replayed), (1, RACERS - 1));
}

// ---------------------------------------------------------------------------------------------------
// Families and refresh tokens

async fn start_family_stores_the_family_and_its_first_token(s: &Stores) {
    with_user(s).await;
    let token = started(s, "fam", "rt1").await;
    assert_eq!(s.grants.get_family("fam").await.unwrap(), family("fam"));
    assert_eq!(s.grants.get_refresh("rt1").await.unwrap(), token);
    assert_eq!(
        s.grants.get_refresh("unknown").await.unwrap_err(),
        StoreError::NotFound
    );
    assert_eq!(
        s.grants.get_family("unknown").await.unwrap_err(),
        StoreError::NotFound
    );
}

async fn a_token_and_its_family_are_read_together_or_not_at_all(s: &Stores) {
    with_user(s).await;
    let token = started(s, "fam", "rt1").await;
    assert_eq!(
        s.grants.get_refresh_and_family("rt1", "fam").await.unwrap(),
        (token, family("fam"))
    );
    for (hash, fam) in [("unknown", "fam"), ("rt1", "unknown"), ("unknown", "unknown")] {
        assert_eq!(
            s.grants.get_refresh_and_family(hash, fam).await.unwrap_err(),
            StoreError::NotFound
        );
    }
}

async fn start_family_for_a_disabled_or_missing_user_is_conflict_and_stores_nothing(s: &Stores) {
    s.users.create(&user("u1", true)).await.unwrap();
    let audit = entry(AuditEvent::CodeRedeemed, secs(1));
    let result = s
        .grants
        .start_family(&family("fam"), &refresh("rt1", "fam"), &audit)
        .await;
    assert_eq!(
        result,
        Err(StoreError::Conflict("user is missing or disabled".into()))
    );
    let stranger = Family {
        user_id: UserId::parse("nobody").unwrap(),
        ..family("fam2")
    };
    let token = RefreshRecord {
        user_id: stranger.user_id.clone(),
        ..refresh("rt2", "fam2")
    };
    let result = s.grants.start_family(&stranger, &token, &audit).await;
    assert_eq!(
        result,
        Err(StoreError::Conflict("user is missing or disabled".into()))
    );
    for hash in ["rt1", "rt2"] {
        assert_eq!(
            s.grants.get_refresh(hash).await.unwrap_err(),
            StoreError::NotFound
        );
    }
    for id in ["fam", "fam2"] {
        assert_eq!(s.grants.get_family(id).await.unwrap_err(), StoreError::NotFound);
    }
    assert_eq!(day_entries(s, T0).await, vec![]);
}

async fn start_family_after_its_revocation_succeeds_but_the_family_stays_revoked(s: &Stores) {
    with_user(s).await;
    let revoked_at = T0 + Duration::milliseconds(500);
    let audit = entry(AuditEvent::CodeReplayed, Duration::milliseconds(500));
    s.grants
        .revoke_family("fam", &prism(), &u1(), revoked_at, &audit)
        .await
        .unwrap();
    let token = started(s, "fam", "rt1").await;
    assert_eq!(
        s.grants.get_family("fam").await.unwrap(),
        Family {
            revoked_at: Some(revoked_at),
            ..family("fam")
        }
    );
    assert_eq!(s.grants.get_refresh("rt1").await.unwrap(), token);
}

async fn revoke_family_is_idempotent_and_creates_a_revoked_marker(s: &Stores) {
    with_user(s).await;
    let first = T0 + secs(5);
    s.grants
        .revoke_family(
            "ghost",
            &prism(),
            &u1(),
            first,
            &entry(AuditEvent::CodeReplayed, secs(5)),
        )
        .await
        .unwrap();
    let marker = Family {
        id: "ghost".into(),
        client_id: prism(),
        user_id: u1(),
        created_at: first,
        revoked_at: Some(first),
    };
    assert_eq!(s.grants.get_family("ghost").await.unwrap(), marker);
    let again = entry(AuditEvent::CodeReplayed, secs(6));
    s.grants
        .revoke_family("ghost", &prism(), &u1(), T0 + secs(6), &again)
        .await
        .unwrap();
    assert_eq!(s.grants.get_family("ghost").await.unwrap(), marker);
    // A live family keeps everything but gains its revocation time.
    started(s, "fam", "rt1").await;
    let audit = entry(AuditEvent::RefreshReuseDetected, secs(7));
    s.grants
        .revoke_family("fam", &prism(), &u1(), T0 + secs(7), &audit)
        .await
        .unwrap();
    assert_eq!(
        s.grants.get_family("fam").await.unwrap(),
        Family {
            revoked_at: Some(T0 + secs(7)),
            ..family("fam")
        }
    );
}

async fn rotate_retires_the_token_and_stores_its_successor_with_a_fresh_expiry(s: &Stores) {
    with_user(s).await;
    let token = started(s, "fam", "rt1").await;
    let now = T0 + Duration::hours(1) + Duration::nanoseconds(11);
    let expires = now + Duration::days(30);
    let audit = entry(AuditEvent::TokenRefreshed, Duration::hours(1));
    let successor = s
        .grants
        .rotate_refresh("rt1", &prism(), "rt2", now, expires, &audit)
        .await
        .unwrap();
    let expected = RefreshRecord {
        hash: "rt2".into(),
        issued_at: now,
        expires_at: expires,
        ..token.clone()
    };
    assert_eq!(successor, expected);
    assert_eq!(s.grants.get_refresh("rt2").await.unwrap(), expected);
    let retired = RefreshRecord {
        rotated: Some(Rotation {
            at: now,
            successor_hash: "rt2".into(),
        }),
        ..token
    };
    assert_eq!(s.grants.get_refresh("rt1").await.unwrap(), retired);
    // The successor rotates in turn.
    let later = now + secs(60);
    let audit = entry(AuditEvent::TokenRefreshed, Duration::hours(1) + secs(60));
    let third = s
        .grants
        .rotate_refresh("rt2", &prism(), "rt3", later, later + Duration::days(30), &audit)
        .await;
    assert_eq!(third.unwrap().hash, "rt3");
}

async fn rotate_of_a_rotated_token_is_not_active_and_carries_the_rotation(s: &Stores) {
    with_user(s).await;
    started(s, "fam", "rt1").await;
    let now = T0 + secs(10);
    let audit = entry(AuditEvent::TokenRefreshed, secs(10));
    s.grants
        .rotate_refresh("rt1", &prism(), "rt2", now, now + Duration::days(30), &audit)
        .await
        .unwrap();
    let audit = entry(AuditEvent::TokenRefreshed, secs(11));
    let again = s
        .grants
        .rotate_refresh(
            "rt1",
            &prism(),
            "rt3",
            now + secs(1),
            now + Duration::days(30),
            &audit,
        )
        .await;
    match again {
        Err(RotateError::NotActive(record)) => {
            assert_eq!(
                record.rotated,
                Some(Rotation {
                    at: now,
                    successor_hash: "rt2".into()
                })
            );
        }
        other => panic!("expected NotActive, got {other:?}"),
    }
    assert_eq!(
        s.grants.get_refresh("rt3").await.unwrap_err(),
        StoreError::NotFound
    );
    let unknown = s
        .grants
        .rotate_refresh("nope", &prism(), "rt4", now, now + Duration::days(30), &audit)
        .await;
    assert_eq!(unknown, Err(RotateError::Unknown));
    assert_eq!(
        s.grants.get_refresh("rt4").await.unwrap_err(),
        StoreError::NotFound
    );
}

async fn rotate_of_an_expired_or_foreign_token_is_not_active_and_changes_nothing(s: &Stores) {
    with_user(s).await;
    let token = started(s, "fam", "rt1").await;
    let audit = entry(AuditEvent::TokenRefreshed, secs(10));
    let at_expiry = token.expires_at;
    let expired = s
        .grants
        .rotate_refresh(
            "rt1",
            &prism(),
            "rt2",
            at_expiry,
            at_expiry + Duration::days(30),
            &audit,
        )
        .await;
    assert_eq!(expired, Err(RotateError::NotActive(Box::new(token.clone()))));
    let other = ClientId::parse("other").unwrap();
    let now = T0 + secs(10);
    let foreign = s
        .grants
        .rotate_refresh("rt1", &other, "rt3", now, now + Duration::days(30), &audit)
        .await;
    assert_eq!(foreign, Err(RotateError::NotActive(Box::new(token.clone()))));
    assert_eq!(s.grants.get_refresh("rt1").await.unwrap(), token);
    for hash in ["rt2", "rt3"] {
        assert_eq!(
            s.grants.get_refresh(hash).await.unwrap_err(),
            StoreError::NotFound
        );
    }
    // Still rotatable by its client a nanosecond before expiry.
    let last = at_expiry - Duration::nanoseconds(1);
    s.grants
        .rotate_refresh("rt1", &prism(), "rt4", last, last + Duration::days(30), &audit)
        .await
        .unwrap();
}

async fn rotate_in_a_revoked_family_is_grant_invalid_and_stores_no_successor(s: &Stores) {
    with_user(s).await;
    started(s, "fam", "rt1").await;
    let audit = entry(AuditEvent::RefreshReuseDetected, secs(5));
    s.grants
        .revoke_family("fam", &prism(), &u1(), T0 + secs(5), &audit)
        .await
        .unwrap();
    let now = T0 + secs(10);
    let audit = entry(AuditEvent::TokenRefreshed, secs(10));
    let result = s
        .grants
        .rotate_refresh("rt1", &prism(), "rt2", now, now + Duration::days(30), &audit)
        .await;
    assert_eq!(result, Err(RotateError::GrantInvalid("token family revoked")));
    assert_eq!(
        s.grants.get_refresh("rt2").await.unwrap_err(),
        StoreError::NotFound
    );
    // The presented token is burnt all the same.
    let retired = s.grants.get_refresh("rt1").await.unwrap();
    assert_eq!(
        retired.rotated,
        Some(Rotation {
            at: now,
            successor_hash: "rt2".into()
        })
    );
    assert!(!day_entries(s, T0).await.contains(&audit));
}

async fn rotate_for_a_disabled_user_is_grant_invalid_and_stores_no_successor(s: &Stores) {
    with_user(s).await;
    started(s, "fam", "rt1").await;
    disable(s, "u1").await;
    let now = T0 + secs(10);
    let audit = entry(AuditEvent::TokenRefreshed, secs(10));
    let result = s
        .grants
        .rotate_refresh("rt1", &prism(), "rt2", now, now + Duration::days(30), &audit)
        .await;
    assert_eq!(
        result,
        Err(RotateError::GrantInvalid("user is missing or disabled"))
    );
    assert_eq!(
        s.grants.get_refresh("rt2").await.unwrap_err(),
        StoreError::NotFound
    );
    assert!(!day_entries(s, T0).await.contains(&audit));
}

async fn concurrent_rotations_of_one_token_have_exactly_one_winner(s: &Stores) {
    with_user(s).await;
    started(s, "fam", "rt1").await;
    let barrier = Arc::new(tokio::sync::Barrier::new(RACERS));
    let now = T0 + secs(10);
    let tasks: Vec<_> = (0..RACERS)
        .map(|i| {
            let (grants, barrier) = (s.grants.clone(), barrier.clone());
            let audit = entry(AuditEvent::TokenRefreshed, secs(10));
            tokio::spawn(async move {
                barrier.wait().await;
                let successor = format!("next-{i}");
                grants
                    .rotate_refresh("rt1", &prism(), &successor, now, now + Duration::days(30), &audit)
                    .await
            })
        })
        .collect();
    let mut winners = Vec::new();
    let mut losers = Vec::new();
    for result in futures::future::join_all(tasks).await {
        match result.unwrap() {
            Ok(successor) => winners.push(successor.hash),
            Err(RotateError::NotActive(record)) => losers.push(record),
            other => panic!("losers must see NotActive: {other:?}"),
        }
    }
    assert_eq!((winners.len(), losers.len()), (1, RACERS - 1), "{winners:?}");
    let stored = s.grants.get_refresh("rt1").await.unwrap();
    assert_eq!(
        stored.rotated,
        Some(Rotation {
            at: now,
            successor_hash: winners[0].clone()
        })
    );
    assert!(losers.iter().all(|r| r.rotated.is_some()));
    assert_eq!(s.grants.get_refresh(&winners[0]).await.unwrap().family_id, "fam");
}

// ---------------------------------------------------------------------------------------------------
// Lockouts

async fn lockouts_count_per_key_and_clear(s: &Stores) {
    let window_end = T0 + Duration::minutes(15);
    let key = "acct#1#alice".to_owned();
    let other = "ip#1#192.0.2.7".to_owned();
    for expected in 1..=3 {
        assert_eq!(s.lockouts.add_failure(&key, window_end).await.unwrap(), expected);
    }
    assert_eq!(
        s.lockouts.failures(&[key.clone(), other.clone()]).await.unwrap(),
        vec![3, 0]
    );
    assert_eq!(
        s.lockouts
            .failures(&[other.clone(), key.clone(), key.clone()])
            .await
            .unwrap(),
        vec![0, 3, 3]
    );
    assert_eq!(s.lockouts.failures(&[]).await.unwrap(), Vec::<u32>::new());
    s.lockouts.clear(&key).await.unwrap();
    s.lockouts.clear(&other).await.unwrap();
    assert_eq!(
        s.lockouts.failures(std::slice::from_ref(&key)).await.unwrap(),
        vec![0]
    );
    assert_eq!(s.lockouts.add_failure(&key, window_end).await.unwrap(), 1);
}

async fn lockouts_concurrent_failures_are_all_counted(s: &Stores) {
    const FAILURES: usize = 20;
    let barrier = Arc::new(tokio::sync::Barrier::new(FAILURES));
    let tasks: Vec<_> = (0..FAILURES)
        .map(|_| {
            let (lockouts, barrier) = (s.lockouts.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                lockouts
                    .add_failure("acct#1#alice", T0 + Duration::minutes(15))
                    .await
            })
        })
        .collect();
    for result in futures::future::join_all(tasks).await {
        result.unwrap().unwrap();
    }
    assert_eq!(
        s.lockouts.failures(&["acct#1#alice".to_owned()]).await.unwrap(),
        vec![FAILURES as u32]
    );
}

// ---------------------------------------------------------------------------------------------------
// Audit

async fn audit_lists_one_day_newest_first_and_pages_with_tokens(s: &Stores) {
    let mut day: Vec<AuditEntry> = (0..5)
        .map(|i| {
            entry(
                AuditEvent::LoginFailed,
                Duration::hours(i) + Duration::nanoseconds(i),
            )
        })
        .collect();
    // Two entries at the same instant order by id.
    day.push(AuditEntry {
        id: "zz-same-instant".into(),
        ..day[2].clone()
    });
    day.push(AuditEntry {
        login: Some("alice".into()),
        user_id: None,
        ip: None,
        ..entry(AuditEvent::LoginLocked, secs(86_399))
    });
    let before = entry(AuditEvent::LoginSucceeded, -Duration::nanoseconds(1));
    let after = entry(AuditEvent::LoginSucceeded, Duration::days(1));
    for e in day.iter().chain([&before, &after]) {
        s.audit.append(e).await.unwrap();
    }
    let mut expected = day.clone();
    expected.sort_by(|a, b| (b.at, &b.id).cmp(&(a.at, &a.id)));
    assert_eq!(day_entries(s, T0).await, expected);
    assert_eq!(day_entries(s, T0 - Duration::days(1)).await, vec![before]);
    assert_eq!(day_entries(s, T0 + Duration::days(1)).await, vec![after]);
    assert_eq!(day_entries(s, T0 + Duration::days(2)).await, vec![]);

    let mut pages = Vec::new();
    let mut request = PageRequest::first(3);
    loop {
        let page = s.audit.list(T0.date(), &request).await.unwrap();
        pages.push(page.items.clone());
        match page.next {
            Some(token) => {
                assert_eq!(page.items.len(), 3, "only the last page may be short");
                request.token = Some(token);
            }
            None => break,
        }
        assert!(pages.len() <= 5, "pagination does not terminate");
    }
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), vec![3, 3, 1]);
    assert_eq!(pages.concat(), expected);
    let garbage = PageRequest {
        limit: 3,
        token: Some("garbage!!".into()),
    };
    assert_eq!(
        s.audit.list(T0.date(), &garbage).await.unwrap_err(),
        StoreError::InvalidPageToken
    );
}

async fn audit_records_every_entry_given_to_a_grant_write(s: &Stores) {
    with_user(s).await;
    let issued = entry(AuditEvent::CodeIssued, secs(1));
    s.grants.put_code(&code("c1"), &issued).await.unwrap();
    let redeemed = entry(AuditEvent::CodeRedeemed, secs(2));
    s.grants
        .start_family(&family("fam"), &refresh("rt1", "fam"), &redeemed)
        .await
        .unwrap();
    let refreshed = entry(AuditEvent::TokenRefreshed, secs(3));
    let now = T0 + secs(3);
    s.grants
        .rotate_refresh("rt1", &prism(), "rt2", now, now + Duration::days(30), &refreshed)
        .await
        .unwrap();
    let revoked = entry(AuditEvent::TokenRevoked, secs(4));
    s.grants
        .revoke_family("fam", &prism(), &u1(), T0 + secs(4), &revoked)
        .await
        .unwrap();
    assert_eq!(
        day_entries(s, T0).await,
        vec![revoked, refreshed, redeemed, issued]
    );
}

// ---------------------------------------------------------------------------------------------------
// One test per rule and adapter.

macro_rules! contract {
    ($adapter:ident, $make:expr, { $($extra:item)* }) => {
        mod $adapter {
            #[allow(unused_imports)]
            use super::*;

            contract!(@tests $make;
                codes_put_then_redeem_returns_the_record_before_and_a_replay_returns_it_redeemed,
                codes_duplicate_hash_is_conflict,
                codes_every_refusal_writes_nothing,
                codes_without_a_challenge_refuse_an_unexpected_verifier,
                concurrent_redemptions_of_one_code_have_exactly_one_winner,
                start_family_stores_the_family_and_its_first_token,
                a_token_and_its_family_are_read_together_or_not_at_all,
                start_family_for_a_disabled_or_missing_user_is_conflict_and_stores_nothing,
                start_family_after_its_revocation_succeeds_but_the_family_stays_revoked,
                revoke_family_is_idempotent_and_creates_a_revoked_marker,
                rotate_retires_the_token_and_stores_its_successor_with_a_fresh_expiry,
                rotate_of_a_rotated_token_is_not_active_and_carries_the_rotation,
                rotate_of_an_expired_or_foreign_token_is_not_active_and_changes_nothing,
                rotate_in_a_revoked_family_is_grant_invalid_and_stores_no_successor,
                rotate_for_a_disabled_user_is_grant_invalid_and_stores_no_successor,
                concurrent_rotations_of_one_token_have_exactly_one_winner,
                lockouts_count_per_key_and_clear,
                lockouts_concurrent_failures_are_all_counted,
                audit_lists_one_day_newest_first_and_pages_with_tokens,
                audit_records_every_entry_given_to_a_grant_write,
            );

            $($extra)*
        }
    };
    (@tests $make:expr; $($rule:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $rule() {
                let stores = $make.await;
                super::$rule(&stores).await;
            }
        )*
    };
}

contract!(embedded, embedded_stores(), {});

contract!(dynamodb, dynamo_stores(), {
    // Round trips: latency on Lambda is dominated by requests, so each operation has a budget.

    /// Fresh tables with user `u1`, code `c1` and family `fam` with token `rt1`; the counter is reset.
    async fn seeded() -> (DynamoStores, Stores) {
        let dynamo = support::fresh_dynamo().await;
        let s = stores_of(&dynamo);
        with_user(&s).await;
        s.grants
            .put_code(&code("c1"), &entry(AuditEvent::CodeIssued, secs(0)))
            .await
            .unwrap();
        started(&s, "fam", "rt1").await;
        dynamo.round_trips().reset();
        (dynamo, s)
    }

    /// Runs `op` and returns how many requests it sent.
    async fn counted<F: std::future::Future>(dynamo: &DynamoStores, op: F) -> u64 {
        dynamo.round_trips().reset();
        op.await;
        dynamo.round_trips().get()
    }

    #[tokio::test]
    async fn code_operations_are_one_round_trip() {
        let (dynamo, s) = seeded().await;
        let g = &s.grants;
        let issued = entry(AuditEvent::CodeIssued, secs(0));
        assert_eq!(
            counted(&dynamo, async { g.put_code(&code("c2"), &issued).await.unwrap() }).await,
            1
        );
        let r = redemption();
        assert_eq!(
            counted(&dynamo, async {
                g.redeem_code("c1", &r, T0 + secs(1)).await.unwrap()
            })
            .await,
            1
        );
        let replay = counted(&dynamo, async {
            g.redeem_code("c1", &r, T0 + secs(2)).await.unwrap_err()
        });
        assert_eq!(replay.await, 1);
        let unknown = counted(&dynamo, async {
            g.redeem_code("nope", &r, T0 + secs(2)).await.unwrap_err()
        });
        assert_eq!(unknown.await, 1);
    }

    #[tokio::test]
    async fn family_operations_keep_their_budgets() {
        let (dynamo, s) = seeded().await;
        let g = &s.grants;
        let (fam2, rt9) = (family("fam2"), refresh("rt9", "fam2"));
        let redeemed = entry(AuditEvent::CodeRedeemed, secs(1));
        assert_eq!(
            counted(&dynamo, async {
                g.start_family(&fam2, &rt9, &redeemed).await.unwrap()
            })
            .await,
            1
        );
        let now = T0 + secs(5);
        let expires = now + Duration::days(30);
        let audit = entry(AuditEvent::TokenRefreshed, secs(5));
        let rotate = counted(&dynamo, async {
            g.rotate_refresh("rt1", &prism(), "rt2", now, expires, &audit)
                .await
                .unwrap()
        });
        assert_eq!(rotate.await, 2);
        let stale = counted(&dynamo, async {
            g.rotate_refresh("rt1", &prism(), "rt3", now, expires, &audit)
                .await
                .unwrap_err()
        });
        assert_eq!(stale.await, 1);
        assert_eq!(
            counted(&dynamo, async { g.get_refresh("rt2").await.unwrap() }).await,
            1
        );
        assert_eq!(
            counted(&dynamo, async { g.get_family("fam").await.unwrap() }).await,
            1
        );
        assert_eq!(
            counted(&dynamo, async {
                g.get_refresh_and_family("rt2", "fam").await.unwrap()
            })
            .await,
            1
        );
        let revoked = entry(AuditEvent::TokenRevoked, secs(5));
        let revoke = counted(&dynamo, async {
            g.revoke_family("fam", &prism(), &u1(), now, &revoked)
                .await
                .unwrap()
        });
        assert_eq!(revoke.await, 2);
    }

    #[tokio::test]
    async fn lockout_and_audit_operations_are_one_round_trip() {
        let (dynamo, s) = seeded().await;
        let (l, a) = (&s.lockouts, &s.audit);
        let window_end = T0 + Duration::minutes(15);
        assert_eq!(
            counted(&dynamo, async { l.add_failure("k", window_end).await.unwrap() }).await,
            1
        );
        let keys = vec!["k".to_owned(), "other".to_owned()];
        assert_eq!(
            counted(&dynamo, async { l.failures(&keys).await.unwrap() }).await,
            1
        );
        assert_eq!(
            counted(&dynamo, async { l.failures(&[]).await.unwrap() }).await,
            0
        );
        assert_eq!(counted(&dynamo, async { l.clear("k").await.unwrap() }).await, 1);
        let failed = entry(AuditEvent::LoginFailed, secs(9));
        assert_eq!(
            counted(&dynamo, async { a.append(&failed).await.unwrap() }).await,
            1
        );
        let first = PageRequest::first(2);
        assert_eq!(
            counted(&dynamo, async { a.list(T0.date(), &first).await.unwrap() }).await,
            1
        );
    }
});
