//! The idempotency store contract (see `onair_store::idempotency_ports`) on the embedded store and on
//! DynamoDB (moto, fresh tables per test), as `contract::idempotency::embedded::<rule>` and
//! `contract::idempotency::dynamodb::<rule>`, plus the DynamoDB round-trip budget. Time is injected
//! through each claim's `now`, so expiry and leases are tested without waiting.

use crate::support::{self, Backend, T0};
use futures::future::join_all;
use onair_domain::UserId;
use onair_store::dynamo::DynamoStores;
use onair_store::embedded::EmbeddedStore;
use onair_store::{Claim, ClaimOutcome, IdempotencyScope, IdempotencyStore, StoreError, StoredResponse};
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

crate::support::on_both_backends!(
    both: [
        a_free_key_is_fresh_and_a_retry_while_it_runs_is_in_progress,
        a_completed_key_replays_the_stored_response_to_the_same_request,
        another_request_under_a_used_key_is_a_mismatch_and_changes_nothing,
        a_record_expires_24_hours_after_the_first_request,
        an_abandoned_claim_can_be_taken_again_after_its_lease,
        a_superseded_claim_can_neither_complete_nor_release_the_new_one,
        release_frees_the_key_for_a_retry_and_leaves_completed_records_alone,
        twenty_parallel_claims_of_one_key_have_exactly_one_fresh,
        keys_are_separate_per_owner_and_per_operation,
    ],
    dynamodb_only: [dynamodb_claim_complete_and_release_are_one_round_trip_each],
);

const LEASE: Duration = Duration::seconds(30);
const RETENTION: Duration = Duration::hours(24);

async fn store_of(backend: Backend) -> (Arc<dyn IdempotencyStore>, Option<DynamoStores>) {
    match backend {
        Backend::Embedded => (Arc::new(EmbeddedStore::new()), None),
        Backend::Aws => {
            let dynamo = support::fresh_dynamo().await;
            (Arc::new(dynamo.idempotency()), Some(dynamo))
        }
    }
}

fn scope(owner: &str, operation: &str, key: &str) -> IdempotencyScope {
    IdempotencyScope {
        owner: UserId::parse(owner).unwrap(),
        operation: operation.into(),
        key: key.into(),
    }
}

fn key(k: &str) -> IdempotencyScope {
    scope("user-1", "liveBroadcasts.insert", k)
}

/// A claim of `scope` made at `now` (the first request's retention counts from `first`).
fn claim_at(scope: &IdempotencyScope, fingerprint: &str, now: OffsetDateTime) -> Claim {
    Claim {
        scope: scope.clone(),
        fingerprint: fingerprint.into(),
        now,
        lease_until: now + LEASE,
        expires_at: now + RETENTION,
    }
}

fn response(body: &str) -> StoredResponse {
    StoredResponse {
        status: 200,
        content_type: Some("application/json; charset=UTF-8".into()),
        body: body.as_bytes().to_vec(),
    }
}

async fn a_free_key_is_fresh_and_a_retry_while_it_runs_is_in_progress(backend: Backend) {
    let (store, _) = store_of(backend).await;
    let k = key("k1");
    assert_eq!(
        store.claim(&claim_at(&k, "fp", T0)).await.unwrap(),
        ClaimOutcome::Fresh
    );
    let retry = store
        .claim(&claim_at(&k, "fp", T0 + Duration::seconds(5)))
        .await
        .unwrap();
    assert_eq!(
        retry,
        ClaimOutcome::InProgress {
            lease_until: T0 + LEASE
        }
    );
    // Just before the lease ends it is still in progress.
    let late = store
        .claim(&claim_at(&k, "fp", T0 + LEASE - Duration::nanoseconds(1)))
        .await
        .unwrap();
    assert!(matches!(late, ClaimOutcome::InProgress { .. }), "{late:?}");
}

async fn a_completed_key_replays_the_stored_response_to_the_same_request(backend: Backend) {
    let (store, _) = store_of(backend).await;
    let k = key("k1");
    assert_eq!(
        store.claim(&claim_at(&k, "fp", T0)).await.unwrap(),
        ClaimOutcome::Fresh
    );
    let first = StoredResponse {
        status: 201,
        content_type: None,
        body: vec![0, 159, 146, 150, b'{'],
    };
    store.complete(&k, T0, &first).await.unwrap();
    for later in [Duration::seconds(1), LEASE, RETENTION - Duration::nanoseconds(1)] {
        let again = store.claim(&claim_at(&k, "fp", T0 + later)).await.unwrap();
        assert_eq!(again, ClaimOutcome::Replay(first.clone()), "at T0 + {later}");
    }
    let typed = key("k2");
    store.claim(&claim_at(&typed, "fp", T0)).await.unwrap();
    store
        .complete(&typed, T0, &response("{\"id\":\"b1\"}"))
        .await
        .unwrap();
    assert_eq!(
        store.claim(&claim_at(&typed, "fp", T0)).await.unwrap(),
        ClaimOutcome::Replay(response("{\"id\":\"b1\"}"))
    );
}

async fn another_request_under_a_used_key_is_a_mismatch_and_changes_nothing(backend: Backend) {
    let (store, _) = store_of(backend).await;
    let k = key("k1");
    store.claim(&claim_at(&k, "fp-a", T0)).await.unwrap();
    // While the first request runs…
    assert_eq!(
        store.claim(&claim_at(&k, "fp-b", T0)).await.unwrap(),
        ClaimOutcome::Mismatch
    );
    // …the first claim is untouched and still completes.
    store.complete(&k, T0, &response("first")).await.unwrap();
    // Once it completed.
    assert_eq!(
        store
            .claim(&claim_at(&k, "fp-b", T0 + Duration::hours(1)))
            .await
            .unwrap(),
        ClaimOutcome::Mismatch
    );
    assert_eq!(
        store
            .claim(&claim_at(&k, "fp-a", T0 + Duration::hours(2)))
            .await
            .unwrap(),
        ClaimOutcome::Replay(response("first"))
    );
}

async fn a_record_expires_24_hours_after_the_first_request(backend: Backend) {
    let (store, _) = store_of(backend).await;
    let k = key("k1");
    store.claim(&claim_at(&k, "fp", T0)).await.unwrap();
    store.complete(&k, T0, &response("first")).await.unwrap();
    assert!(matches!(
        store
            .claim(&claim_at(&k, "other", T0 + RETENTION - Duration::nanoseconds(1)))
            .await
            .unwrap(),
        ClaimOutcome::Mismatch
    ));
    // At the expiry the record is absent, whatever the request (DynamoDB's TTL has not deleted it).
    let expired = T0 + RETENTION;
    assert_eq!(
        store.claim(&claim_at(&k, "other", expired)).await.unwrap(),
        ClaimOutcome::Fresh
    );
    // The new claim is a new record with its own lease and retention.
    assert_eq!(
        store.claim(&claim_at(&k, "fp", expired)).await.unwrap(),
        ClaimOutcome::Mismatch
    );
    store.complete(&k, expired, &response("second")).await.unwrap();
    assert_eq!(
        store
            .claim(&claim_at(&k, "other", expired + Duration::hours(23)))
            .await
            .unwrap(),
        ClaimOutcome::Replay(response("second"))
    );
}

async fn an_abandoned_claim_can_be_taken_again_after_its_lease(backend: Backend) {
    let (store, _) = store_of(backend).await;
    let k = key("k1");
    store.claim(&claim_at(&k, "fp", T0)).await.unwrap();
    // The request holding it died; at the end of its lease a retry runs again.
    assert_eq!(
        store.claim(&claim_at(&k, "fp", T0 + LEASE)).await.unwrap(),
        ClaimOutcome::Fresh
    );
    // An abandoned claim does not hold the key against another request either.
    let k2 = key("k2");
    store.claim(&claim_at(&k2, "fp", T0)).await.unwrap();
    assert_eq!(
        store
            .claim(&claim_at(&k2, "other", T0 + LEASE + Duration::seconds(1)))
            .await
            .unwrap(),
        ClaimOutcome::Fresh
    );
}

async fn a_superseded_claim_can_neither_complete_nor_release_the_new_one(backend: Backend) {
    let (store, _) = store_of(backend).await;
    let k = key("k1");
    store.claim(&claim_at(&k, "fp", T0)).await.unwrap();
    let second = T0 + LEASE;
    assert_eq!(
        store.claim(&claim_at(&k, "fp", second)).await.unwrap(),
        ClaimOutcome::Fresh
    );
    // The first request finally finishes: it may not overwrite or drop the second claim.
    let lost = store.complete(&k, T0, &response("stale")).await;
    assert!(matches!(lost, Err(StoreError::Conflict(_))), "{lost:?}");
    store.release(&k, T0).await.unwrap();
    assert!(matches!(
        store.claim(&claim_at(&k, "fp", second)).await.unwrap(),
        ClaimOutcome::InProgress { .. }
    ));
    store.complete(&k, second, &response("fresh")).await.unwrap();
    assert_eq!(
        store.claim(&claim_at(&k, "fp", second)).await.unwrap(),
        ClaimOutcome::Replay(response("fresh"))
    );
    // A completed record is completed once.
    let twice = store.complete(&k, second, &response("again")).await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
}

async fn release_frees_the_key_for_a_retry_and_leaves_completed_records_alone(backend: Backend) {
    let (store, _) = store_of(backend).await;
    let k = key("k1");
    store.claim(&claim_at(&k, "fp", T0)).await.unwrap();
    store.release(&k, T0).await.unwrap();
    // Released: even another request may use the key now (the failed one changed nothing).
    let retry = T0 + Duration::seconds(1);
    assert_eq!(
        store.claim(&claim_at(&k, "other", retry)).await.unwrap(),
        ClaimOutcome::Fresh
    );
    store.complete(&k, retry, &response("done")).await.unwrap();
    // Releasing a completed record (or an absent one) changes nothing.
    store.release(&k, retry).await.unwrap();
    store.release(&key("never-claimed"), T0).await.unwrap();
    assert_eq!(
        store.claim(&claim_at(&k, "other", retry)).await.unwrap(),
        ClaimOutcome::Replay(response("done"))
    );
    // Completing a released claim is refused and stores nothing.
    let k2 = key("k2");
    store.claim(&claim_at(&k2, "fp", T0)).await.unwrap();
    store.release(&k2, T0).await.unwrap();
    assert!(matches!(
        store.complete(&k2, T0, &response("late")).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.claim(&claim_at(&k2, "fp", T0)).await.unwrap(),
        ClaimOutcome::Fresh
    );
}

async fn twenty_parallel_claims_of_one_key_have_exactly_one_fresh(backend: Backend) {
    let (store, _) = store_of(backend).await;
    let k = key("k1");
    let calls = (0..20).map(|_| {
        let store = store.clone();
        let claim = claim_at(&k, "fp", T0);
        tokio::spawn(async move { store.claim(&claim).await })
    });
    let outcomes: Vec<ClaimOutcome> = join_all(calls)
        .await
        .into_iter()
        .map(|r| r.unwrap().unwrap())
        .collect();
    let fresh = outcomes.iter().filter(|o| **o == ClaimOutcome::Fresh).count();
    let waiting = outcomes
        .iter()
        .filter(|o| matches!(o, ClaimOutcome::InProgress { .. }))
        .count();
    assert_eq!((fresh, waiting), (1, 19), "{outcomes:?}");
}

async fn keys_are_separate_per_owner_and_per_operation(backend: Backend) {
    let (store, _) = store_of(backend).await;
    let mine = scope("user-1", "liveBroadcasts.insert", "same-key");
    let theirs = scope("user-2", "liveBroadcasts.insert", "same-key");
    let other_op = scope("user-1", "liveStreams.insert", "same-key");
    store.claim(&claim_at(&mine, "fp-1", T0)).await.unwrap();
    store.complete(&mine, T0, &response("mine")).await.unwrap();
    // The same key, by another user or for another operation, is a fresh record, and completing it
    // leaves the first alone.
    for (other, body) in [(&theirs, "theirs"), (&other_op, "stream")] {
        assert_eq!(
            store.claim(&claim_at(other, "fp-2", T0)).await.unwrap(),
            ClaimOutcome::Fresh
        );
        store.complete(other, T0, &response(body)).await.unwrap();
        assert_eq!(
            store.claim(&claim_at(other, "fp-2", T0)).await.unwrap(),
            ClaimOutcome::Replay(response(body))
        );
    }
    assert_eq!(
        store.claim(&claim_at(&mine, "fp-1", T0)).await.unwrap(),
        ClaimOutcome::Replay(response("mine"))
    );
    // Keys are case-sensitive and taken whole (`#` inside a key cannot reach another scope).
    for near in ["Same-key", "same-key ", "same-key#x"] {
        let k = scope("user-1", "liveBroadcasts.insert", near);
        assert_eq!(
            store.claim(&claim_at(&k, "fp-9", T0)).await.unwrap(),
            ClaimOutcome::Fresh,
            "{near:?}"
        );
    }
}

async fn dynamodb_claim_complete_and_release_are_one_round_trip_each() {
    let (store, dynamo) = store_of(Backend::Aws).await;
    let round_trips = dynamo.unwrap().round_trips();
    let k = key("k1");
    let count = |what: &str, expected: u64| {
        assert_eq!(round_trips.get(), expected, "{what}");
        round_trips.reset();
    };
    round_trips.reset();
    store.claim(&claim_at(&k, "fp", T0)).await.unwrap();
    count("fresh claim", 1);
    store.claim(&claim_at(&k, "fp", T0)).await.unwrap();
    count("in-progress claim", 1);
    store.complete(&k, T0, &response("x")).await.unwrap();
    count("complete", 1);
    store.claim(&claim_at(&k, "fp", T0)).await.unwrap();
    count("replay", 1);
    store.claim(&claim_at(&k, "other", T0)).await.unwrap();
    count("mismatch", 1);
    let k2 = key("k2");
    store.claim(&claim_at(&k2, "fp", T0)).await.unwrap();
    round_trips.reset();
    store.release(&k2, T0).await.unwrap();
    count("release", 1);
}
