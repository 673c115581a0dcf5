//! The secret store contract (see `onair_store::ports::SecretStore`): one generic suite run against the
//! in-memory store and against Secrets Manager on moto (a fresh name prefix per test), as
//! `contract::secrets::memory::<rule>` and `contract::secrets::secrets_manager::<rule>`. The Secrets
//! Manager module also holds its cache rules: warm reads make no call, the TTL and `refresh` reach the
//! service, and a rotation made by another instance stays invisible to a cached read until either.

use crate::support::{self, T0};
use onair_domain::{FixedClock, SecretString};
use onair_store::secrets::manager::SecretsManagerStore;
use onair_store::secrets::memory::MemorySecretStore;
use onair_store::{ClientSecret, RotationPolicy, SecretStore, StoreError};
use std::sync::Arc;
use time::Duration;

/// How long the Secrets Manager store trusts a cached value in these tests.
const TTL: Duration = Duration::minutes(5);

/// One adapter and the clock it reads.
struct Secrets {
    store: Arc<dyn SecretStore>,
    clock: Arc<FixedClock>,
}

impl Secrets {
    fn now(&self) -> time::OffsetDateTime {
        onair_domain::Clock::now(&*self.clock)
    }
}

async fn memory_secrets() -> Secrets {
    let clock = Arc::new(FixedClock::at(T0));
    Secrets {
        store: Arc::new(MemorySecretStore::new(clock.clone())),
        clock,
    }
}

async fn manager_secrets() -> Secrets {
    let clock = Arc::new(FixedClock::at(T0));
    let store = support::fresh_secrets_manager(clock.clone(), TTL).await;
    Secrets {
        store: Arc::new(store),
        clock,
    }
}

fn secret(value: &str) -> SecretString {
    SecretString::new(value)
}

#[track_caller]
fn assert_conflict<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert!(
        matches!(result, Err(StoreError::Conflict(_))),
        "expected Conflict, got {result:?}"
    );
}

// ---------------------------------------------------------------------------------------------------
// Rules every adapter keeps.

async fn secrets_create_then_get_returns_the_value(s: &Secrets) {
    s.store
        .create("client/c1", &secret("s3cr3t-value-1"))
        .await
        .unwrap();
    let stored = s.store.get("client/c1").await.unwrap();
    assert_eq!(stored.secret, ClientSecret::new(secret("s3cr3t-value-1")));
    assert!(stored.secret.accepts("s3cr3t-value-1", s.now()));
    assert!(!stored.secret.accepts("s3cr3t-value-2", s.now()));
    assert!(!stored.secret.accepts("", s.now()));
    assert_eq!(s.store.refresh("client/c1").await.unwrap().secret, stored.secret);
    // Names are independent.
    s.store.create("client/c2", &secret("other")).await.unwrap();
    assert!(
        !s.store
            .get("client/c1")
            .await
            .unwrap()
            .secret
            .accepts("other", s.now())
    );
}

async fn secrets_duplicate_create_is_conflict_and_keeps_the_value(s: &Secrets) {
    s.store.create("client/dup", &secret("first")).await.unwrap();
    assert_conflict(s.store.create("client/dup", &secret("second")).await);
    // Read past any cache: the stored value is still the first.
    let stored = s.store.refresh("client/dup").await.unwrap();
    assert_eq!(stored.secret, ClientSecret::new(secret("first")));
    assert!(!stored.secret.accepts("second", s.now()));
}

async fn secrets_unknown_name_is_not_found(s: &Secrets) {
    let until = s.now() + Duration::hours(1);
    assert_eq!(
        s.store.get("client/ghost").await.unwrap_err(),
        StoreError::NotFound
    );
    assert_eq!(
        s.store.refresh("client/ghost").await.unwrap_err(),
        StoreError::NotFound
    );
    assert_eq!(
        s.store
            .rotate("client/ghost", &secret("x"), until)
            .await
            .unwrap_err(),
        StoreError::NotFound
    );
    assert_eq!(
        s.store.delete("client/ghost").await.unwrap_err(),
        StoreError::NotFound
    );
    // The failed rotation created nothing.
    assert_eq!(
        s.store.refresh("client/ghost").await.unwrap_err(),
        StoreError::NotFound
    );
}

async fn secrets_rotation_accepts_both_values_until_the_deadline_then_only_the_new_one(s: &Secrets) {
    s.store.create("client/rot", &secret("old-value")).await.unwrap();
    let until = s.now() + Duration::hours(24);
    let rotated = s
        .store
        .rotate("client/rot", &secret("new-value"), until)
        .await
        .unwrap();
    assert_eq!(
        rotated,
        ClientSecret::new(secret("old-value")).rotated(secret("new-value"), until)
    );

    let stored = s.store.get("client/rot").await.unwrap();
    assert_eq!(stored.secret, rotated);
    assert!(stored.secret.accepts("new-value", s.now()));
    assert!(stored.secret.accepts("old-value", s.now()));
    assert!(!stored.secret.accepts("other", s.now()));

    s.clock.advance(Duration::hours(24) - Duration::seconds(1));
    let stored = s.store.refresh("client/rot").await.unwrap();
    assert!(
        stored.secret.accepts("old-value", s.now()),
        "still inside the overlap"
    );
    assert!(stored.secret.accepts("new-value", s.now()));

    s.clock.advance(Duration::seconds(1));
    let stored = s.store.refresh("client/rot").await.unwrap();
    assert_eq!(s.now(), until);
    assert!(
        !stored.secret.accepts("old-value", s.now()),
        "the overlap ends at `until`"
    );
    assert!(stored.secret.accepts("new-value", s.now()));
    s.clock.advance(Duration::days(400));
    let stored = s.store.refresh("client/rot").await.unwrap();
    assert!(!stored.secret.accepts("old-value", s.now()));
    assert!(stored.secret.accepts("new-value", s.now()));
}

async fn secrets_forced_rotation_keeps_each_previous_value_until_its_own_deadline(s: &Secrets) {
    s.store.create("client/rot2", &secret("v1")).await.unwrap();
    let v1_until = s.now() + Duration::hours(24);
    s.store
        .rotate("client/rot2", &secret("v2"), v1_until)
        .await
        .unwrap();
    s.clock.advance(Duration::hours(1));
    let v2_until = s.now() + Duration::hours(24);
    s.store
        .rotate("client/rot2", &secret("v3"), v2_until)
        .await
        .unwrap();
    let stored = s.store.refresh("client/rot2").await.unwrap();
    assert_eq!(stored.secret.current, secret("v3"));
    assert_eq!(stored.secret.previous, Some(secret("v2")));
    assert_eq!(stored.secret.previous_until, Some(v2_until));
    assert_eq!(stored.secret.older.len(), 1);
    assert_eq!(stored.secret.older[0].value, secret("v1"));
    assert_eq!(stored.secret.older[0].until, v1_until);
    for v in ["v1", "v2", "v3"] {
        assert!(stored.secret.accepts(v, s.now()), "{v} inside its window");
    }
    assert!(stored.secret.accepts("v1", v1_until - Duration::seconds(1)));
    assert!(
        !stored.secret.accepts("v1", v1_until),
        "v1 ends at its own deadline"
    );
    assert!(stored.secret.accepts("v2", v1_until));
    assert!(
        !stored.secret.accepts("v2", v2_until),
        "v2 ends at its own deadline"
    );
    assert!(stored.secret.accepts("v3", v2_until));
    assert_eq!(s.store.get("client/rot2").await.unwrap().secret, stored.secret);
    // The next rotation drops what has expired by then.
    s.clock.advance(Duration::hours(23));
    let now = s.now();
    let after = s
        .store
        .rotate("client/rot2", &secret("v4"), now + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(after.previous, Some(secret("v3")));
    assert_eq!(after.older.len(), 1, "v1 expired and was dropped, v2 is kept");
    assert_eq!(after.older[0].value, secret("v2"));
}

async fn secrets_rotation_during_an_overlap_is_conflict_unless_forced_and_changes_nothing(s: &Secrets) {
    s.store.create("client/ovl", &secret("v1")).await.unwrap();
    let until = s.now() + Duration::hours(1);
    s.store
        .rotate_with(
            "client/ovl",
            &secret("v2"),
            until,
            RotationPolicy::RefuseDuringOverlap,
        )
        .await
        .unwrap();
    let before = s.store.refresh("client/ovl").await.unwrap().secret;
    s.clock.advance(Duration::minutes(59));
    let later = s.now() + Duration::hours(1);
    assert_conflict(
        s.store
            .rotate_with(
                "client/ovl",
                &secret("v3"),
                later,
                RotationPolicy::RefuseDuringOverlap,
            )
            .await,
    );
    assert_eq!(s.store.refresh("client/ovl").await.unwrap().secret, before);
    // Forced, it goes through; unforced, it goes through once the overlap is over.
    s.clock.advance(Duration::minutes(1));
    let rotated = s
        .store
        .rotate_with(
            "client/ovl",
            &secret("v3"),
            s.now(),
            RotationPolicy::RefuseDuringOverlap,
        )
        .await
        .unwrap();
    assert_eq!(rotated.before, before);
    assert_eq!(rotated.after, ClientSecret::new(secret("v3")));
}

async fn secrets_at_most_five_earlier_values_even_when_forced(s: &Secrets) {
    s.store.create("client/five", &secret("v0")).await.unwrap();
    for n in 1..=5 {
        let until = s.now() + Duration::hours(1);
        s.store
            .rotate("client/five", &secret(&format!("v{n}")), until)
            .await
            .unwrap();
        s.clock.advance(Duration::minutes(1));
    }
    let before = s.store.refresh("client/five").await.unwrap().secret;
    assert_conflict(
        s.store
            .rotate("client/five", &secret("v6"), s.now() + Duration::hours(1))
            .await,
    );
    assert_eq!(s.store.refresh("client/five").await.unwrap().secret, before);
    for n in 0..=5 {
        assert!(before.accepts(&format!("v{n}"), s.now()));
    }
}

async fn secrets_concurrent_rotations_have_one_winner_and_lose_no_update(s: &Secrets) {
    s.store.create("client/race", &secret("v0")).await.unwrap();
    let until = s.now() + Duration::hours(1);
    // Refusing during an overlap: exactly one of 20 wins, whatever the interleaving.
    let results = futures::future::join_all((1..=20).map(|n| {
        let store = s.store.clone();
        tokio::spawn(async move {
            let value = format!("a{n}");
            let result = store
                .rotate_with(
                    "client/race",
                    &secret(&value),
                    until,
                    RotationPolicy::RefuseDuringOverlap,
                )
                .await;
            (value, result)
        })
    }))
    .await;
    let mut winners = Vec::new();
    for joined in results {
        let (value, result) = joined.unwrap();
        match result {
            Ok(_) => winners.push(value),
            Err(StoreError::Conflict(_)) => {}
            Err(other) => panic!("{value}: {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    let stored = s.store.refresh("client/race").await.unwrap().secret;
    assert_eq!(stored.current, secret(&winners[0]));
    assert_eq!(stored.previous, Some(secret("v0")));
    assert!(stored.older.is_empty());

    // Forced: several may win one after another, but no winner's value is lost and no loser's exists.
    let results = futures::future::join_all((1..=20).map(|n| {
        let store = s.store.clone();
        tokio::spawn(async move {
            let value = format!("f{n}");
            let result = store.rotate("client/race", &secret(&value), until).await;
            (value, result)
        })
    }))
    .await;
    let stored_now = s.now();
    let stored = s.store.refresh("client/race").await.unwrap().secret;
    let mut won = 0;
    for joined in results {
        let (value, result) = joined.unwrap();
        match result {
            Ok(_) => {
                won += 1;
                assert!(stored.accepts(&value, stored_now), "{value} won but was lost");
            }
            Err(StoreError::Conflict(_)) => {
                assert!(!stored.accepts(&value, stored_now), "{value} lost but was stored");
            }
            Err(other) => panic!("{value}: {other:?}"),
        }
    }
    assert!(
        (1..=4).contains(&won),
        "at most four more fit beside v0 and the first winner: {won}"
    );
    assert!(stored.accepts("v0", stored_now) && stored.accepts(&winners[0], stored_now));
}

async fn secrets_replace_writes_only_over_the_expected_document(s: &Secrets) {
    s.store.create("client/undo", &secret("v1")).await.unwrap();
    let until = s.now() + Duration::hours(1);
    let rotated = s
        .store
        .rotate_with("client/undo", &secret("v2"), until, RotationPolicy::Force)
        .await
        .unwrap();
    assert_eq!(rotated.before, ClientSecret::new(secret("v1")));
    // A stale expectation changes nothing.
    assert_conflict(
        s.store
            .replace("client/undo", &rotated.before, &ClientSecret::new(secret("x")))
            .await,
    );
    assert_eq!(
        s.store.refresh("client/undo").await.unwrap().secret,
        rotated.after
    );
    s.store
        .replace("client/undo", &rotated.after, &rotated.before)
        .await
        .unwrap();
    assert_eq!(s.store.get("client/undo").await.unwrap().secret, rotated.before);
    assert_eq!(
        s.store.refresh("client/undo").await.unwrap().secret,
        rotated.before
    );
    assert_eq!(
        s.store
            .replace("client/ghost", &rotated.after, &rotated.before)
            .await
            .unwrap_err(),
        StoreError::NotFound
    );
}

async fn secrets_delete_removes_the_secret(s: &Secrets) {
    s.store.create("client/del", &secret("gone-soon")).await.unwrap();
    s.store.create("client/keep", &secret("stays")).await.unwrap();
    s.store.get("client/del").await.unwrap();
    s.store.delete("client/del").await.unwrap();
    assert_eq!(s.store.get("client/del").await.unwrap_err(), StoreError::NotFound);
    assert_eq!(
        s.store.refresh("client/del").await.unwrap_err(),
        StoreError::NotFound
    );
    let until = s.now() + Duration::hours(1);
    assert_eq!(
        s.store
            .rotate("client/del", &secret("x"), until)
            .await
            .unwrap_err(),
        StoreError::NotFound
    );
    assert_eq!(
        s.store.delete("client/del").await.unwrap_err(),
        StoreError::NotFound
    );
    assert!(
        s.store
            .get("client/keep")
            .await
            .unwrap()
            .secret
            .accepts("stays", s.now())
    );
}

async fn secrets_name_can_be_created_again_after_delete(s: &Secrets) {
    s.store
        .create("client/again", &secret("first-life"))
        .await
        .unwrap();
    s.store.delete("client/again").await.unwrap();
    s.store
        .create("client/again", &secret("second-life"))
        .await
        .unwrap();
    let stored = s.store.refresh("client/again").await.unwrap();
    assert_eq!(stored.secret, ClientSecret::new(secret("second-life")));
    assert!(!stored.secret.accepts("first-life", s.now()));
    assert_eq!(s.store.get("client/again").await.unwrap().secret, stored.secret);
}

async fn secrets_debug_output_never_shows_values(s: &Secrets) {
    s.store
        .create("client/dbg", &secret("hunter2-current"))
        .await
        .unwrap();
    let until = s.now() + Duration::hours(1);
    let rotated = s
        .store
        .rotate("client/dbg", &secret("hunter2-next"), until)
        .await
        .unwrap();
    let stored = s.store.get("client/dbg").await.unwrap();
    let conflict = s
        .store
        .create("client/dbg", &secret("hunter2-dup"))
        .await
        .unwrap_err();
    let texts = [
        format!("{rotated:?}"),
        format!("{rotated:#?}"),
        format!("{stored:?}"),
        format!("{:?}", stored.secret),
        format!("{conflict:?}"),
        conflict.to_string(),
    ];
    for text in texts {
        assert!(!text.contains("hunter2"), "a secret value leaked: {text}");
    }
    // The redaction is there (the test would pass vacuously if nothing were formatted).
    assert!(format!("{stored:?}").contains("redacted"));
}

macro_rules! contract {
    ($adapter:ident, $make:expr, { $($extra:item)* }) => {
        mod $adapter {
            #[allow(unused_imports)]
            use super::*;

            contract!(@tests $make;
                secrets_create_then_get_returns_the_value,
                secrets_duplicate_create_is_conflict_and_keeps_the_value,
                secrets_unknown_name_is_not_found,
                secrets_rotation_accepts_both_values_until_the_deadline_then_only_the_new_one,
                secrets_forced_rotation_keeps_each_previous_value_until_its_own_deadline,
                secrets_rotation_during_an_overlap_is_conflict_unless_forced_and_changes_nothing,
                secrets_at_most_five_earlier_values_even_when_forced,
                secrets_concurrent_rotations_have_one_winner_and_lose_no_update,
                secrets_replace_writes_only_over_the_expected_document,
                secrets_delete_removes_the_secret,
                secrets_name_can_be_created_again_after_delete,
                secrets_debug_output_never_shows_values,
            );

            $($extra)*
        }
    };
    (@tests $make:expr; $($rule:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $rule() {
                let secrets = $make.await;
                super::$rule(&secrets).await;
            }
        )*
    };
}

contract!(memory, memory_secrets(), {});

contract!(secrets_manager, manager_secrets(), {
    // The cache: Secrets Manager costs a call per read, so a warm Lambda instance must not make one.

    /// Two stores with the same prefix, as two Lambda containers see one account; one shared clock.
    async fn two_instances() -> (SecretsManagerStore, SecretsManagerStore, Arc<FixedClock>) {
        let clock = Arc::new(FixedClock::at(T0));
        let prefix = format!("{}/", support::unique("onair-test"));
        let client = aws_sdk_secretsmanager::Client::new(&support::sdk_config().await);
        let a = SecretsManagerStore::new(client.clone(), prefix.clone(), TTL, clock.clone());
        let b = SecretsManagerStore::new(client, prefix, TTL, clock.clone());
        (a, b, clock)
    }

    #[tokio::test]
    async fn get_within_the_ttl_makes_no_call_and_after_it_one() {
        let (a, b, clock) = two_instances().await;
        b.create("client/c1", &secret("value")).await.unwrap();
        let calls = a.round_trips();
        calls.reset();
        a.get("client/c1").await.unwrap();
        assert_eq!(calls.get(), 1, "a cold get reads the service");
        for _ in 0..5 {
            a.get("client/c1").await.unwrap();
        }
        clock.advance(TTL - Duration::seconds(1));
        let warm = a.get("client/c1").await.unwrap();
        assert_eq!(calls.get(), 1, "warm gets make no call");
        assert_eq!(warm.fetched_at, T0);
        clock.advance(Duration::seconds(1));
        let fresh = a.get("client/c1").await.unwrap();
        assert_eq!(calls.get(), 2, "after the TTL one call");
        assert_eq!(fresh.fetched_at, T0 + TTL);
        a.get("client/c1").await.unwrap();
        assert_eq!(calls.get(), 2, "and the refilled cache is warm again");
        assert_eq!(a.calls(), 2);
        assert_eq!(b.calls(), 1, "instances count their own calls");
    }

    #[tokio::test]
    async fn refresh_always_calls_the_service() {
        let (a, _b, _clock) = two_instances().await;
        a.create("client/c1", &secret("value")).await.unwrap();
        a.get("client/c1").await.unwrap();
        let calls = a.round_trips();
        calls.reset();
        for n in 1..=3 {
            a.refresh("client/c1").await.unwrap();
            assert_eq!(calls.get(), n);
        }
        a.get("client/c1").await.unwrap();
        assert_eq!(calls.get(), 3, "a refresh refills the cache");
    }

    #[tokio::test]
    async fn rotation_by_another_instance_is_invisible_to_a_cached_get_until_refresh_or_ttl() {
        let (a, b, clock) = two_instances().await;
        a.create("client/c1", &secret("v1")).await.unwrap();
        a.get("client/c1").await.unwrap();
        let until = T0 + Duration::hours(24);
        b.rotate("client/c1", &secret("v2"), until).await.unwrap();

        let calls = a.round_trips();
        calls.reset();
        let cached = a.get("client/c1").await.unwrap();
        assert_eq!(calls.get(), 0);
        assert_eq!(
            cached.secret,
            ClientSecret::new(secret("v1")),
            "the cached copy is stale"
        );
        assert!(!cached.secret.accepts("v2", clock_now(&clock)));
        // What callers do when a presented value does not match: refresh, once.
        let refreshed = a.refresh("client/c1").await.unwrap();
        assert_eq!(calls.get(), 1);
        assert!(refreshed.secret.accepts("v2", clock_now(&clock)));
        assert!(refreshed.secret.accepts("v1", clock_now(&clock)));
        assert_eq!(a.get("client/c1").await.unwrap().secret, refreshed.secret);
        assert_eq!(calls.get(), 1);

        // Without a refresh, the TTL is what brings the next rotation in.
        clock.advance(Duration::minutes(1));
        b.rotate(
            "client/c1",
            &secret("v3"),
            clock_now(&clock) + Duration::hours(24),
        )
        .await
        .unwrap();
        assert!(
            !a.get("client/c1")
                .await
                .unwrap()
                .secret
                .accepts("v3", clock_now(&clock))
        );
        clock.advance(TTL);
        let after_ttl = a.get("client/c1").await.unwrap();
        assert!(after_ttl.secret.accepts("v3", clock_now(&clock)));
        // v1 keeps the deadline its rotation stated (T0 + 24 h), although v2 was rotated out since.
        assert!(after_ttl.secret.accepts("v1", clock_now(&clock)));
        assert!(!after_ttl.secret.accepts("v1", T0 + Duration::hours(24)));
        assert_eq!(calls.get(), 2);
    }

    #[tokio::test]
    async fn rotation_starts_from_the_stored_value_not_a_stale_cache() {
        let (a, b, _clock) = two_instances().await;
        a.create("client/c1", &secret("v1")).await.unwrap();
        a.get("client/c1").await.unwrap();
        let until = T0 + Duration::hours(24);
        b.rotate("client/c1", &secret("v2"), until).await.unwrap();
        // `a` still caches v1, but its rotation must keep v2 (the real current) as the previous value.
        let rotated = a.rotate("client/c1", &secret("v3"), until).await.unwrap();
        assert_eq!(rotated.previous, Some(secret("v2")));
        assert_eq!(b.refresh("client/c1").await.unwrap().secret, rotated);
    }

    #[tokio::test]
    async fn deletion_by_another_instance_is_seen_on_refresh() {
        let (a, b, _clock) = two_instances().await;
        a.create("client/c1", &secret("v1")).await.unwrap();
        a.get("client/c1").await.unwrap();
        b.delete("client/c1").await.unwrap();
        assert!(
            a.get("client/c1").await.is_ok(),
            "cached until refresh or the TTL"
        );
        assert_eq!(a.refresh("client/c1").await.unwrap_err(), StoreError::NotFound);
        let calls = a.round_trips();
        calls.reset();
        assert_eq!(a.get("client/c1").await.unwrap_err(), StoreError::NotFound);
        assert_eq!(calls.get(), 1, "the NotFound evicted the cached copy");
    }

    #[tokio::test]
    async fn store_debug_output_never_shows_cached_values() {
        let (a, _b, _clock) = two_instances().await;
        a.create("client/c1", &secret("hunter2-cached")).await.unwrap();
        a.get("client/c1").await.unwrap();
        let text = format!("{a:?} {a:#?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("SecretsManagerStore"));
    }

    #[tokio::test]
    async fn documents_written_before_the_list_of_earlier_values_are_read_and_rotated() {
        let clock = Arc::new(FixedClock::at(T0));
        let prefix = format!("{}/", support::unique("onair-test"));
        let client = aws_sdk_secretsmanager::Client::new(&support::sdk_config().await);
        // The document shape of earlier releases (and of the README's manual signing-key procedure).
        let legacy = r#"{"current":"new-one","previous":"old-one","previousUntil":"2026-11-01T01:00:00Z"}"#;
        client
            .create_secret()
            .name(format!("{prefix}client/legacy"))
            .secret_string(legacy)
            .send()
            .await
            .unwrap();
        let store = SecretsManagerStore::new(client.clone(), prefix.clone(), TTL, clock.clone());
        let stored = store.get("client/legacy").await.unwrap().secret;
        assert!(stored.accepts("new-one", T0) && stored.accepts("old-one", T0));
        assert!(!stored.accepts("old-one", T0 + Duration::hours(1)));
        assert_conflict(
            store
                .rotate_with(
                    "client/legacy",
                    &secret("newer"),
                    T0 + Duration::hours(2),
                    RotationPolicy::RefuseDuringOverlap,
                )
                .await,
        );
        let rotated = store
            .rotate("client/legacy", &secret("newer"), T0 + Duration::hours(2))
            .await
            .unwrap();
        assert_eq!(rotated.older.len(), 1);
        let raw = client
            .get_secret_value()
            .secret_id(format!("{prefix}client/legacy"))
            .send()
            .await
            .unwrap();
        let raw: serde_json::Value = serde_json::from_str(raw.secret_string().unwrap()).unwrap();
        assert_eq!(raw["current"], "newer");
        assert_eq!(raw["previous"], "new-one");
        assert_eq!(raw["older"][0]["value"], "old-one");
        assert_eq!(raw["older"][0]["until"], "2026-11-01T01:00:00Z");
    }

    #[tokio::test]
    async fn a_write_computed_from_an_older_version_is_refused() {
        // Two instances read the same version; the second to write loses even though its own read
        // happened before the first write, which a plain read-then-write would let through.
        let (a, b, _clock) = two_instances().await;
        a.create("client/c1", &secret("v1")).await.unwrap();
        let v1 = a.refresh("client/c1").await.unwrap().secret;
        let rotated = a
            .rotate("client/c1", &secret("v2"), T0 + Duration::hours(1))
            .await
            .unwrap();
        // `replace` with the old document as expectation reads afresh, so it is refused outright...
        assert_conflict(b.replace("client/c1", &v1, &ClientSecret::new(secret("x"))).await);
        // ...and a write racing on the same version token is refused by Secrets Manager itself.
        let client = aws_sdk_secretsmanager::Client::new(&support::sdk_config().await);
        let id = format!("{}client/c1", b_prefix(&b));
        let versions = client
            .list_secret_version_ids()
            .secret_id(&id)
            .send()
            .await
            .unwrap();
        let first = versions
            .versions()
            .iter()
            .find(|v| !v.version_stages().contains(&"AWSCURRENT".to_owned()))
            .and_then(|v| v.version_id())
            .unwrap()
            .to_owned();
        let racing = client
            .put_secret_value()
            .secret_id(&id)
            .client_request_token(onair_store::secrets::manager::successor_token(&first))
            .secret_string(r#"{"current":"intruder"}"#)
            .send()
            .await;
        assert!(racing.is_err(), "the successor token of v1's version is taken");
        assert_eq!(b.refresh("client/c1").await.unwrap().secret, rotated);
    }

    fn b_prefix(store: &SecretsManagerStore) -> String {
        store.prefix().to_owned()
    }

    fn clock_now(clock: &FixedClock) -> time::OffsetDateTime {
        onair_domain::Clock::now(clock)
    }
});
