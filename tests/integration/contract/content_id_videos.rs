//! The Content ID store contract for a video's shared partition (`VIDEOCLAIM#{videoId}`), on the
//! embedded store and on DynamoDB (moto): the exclusive claim key taken once across owners and only
//! together with the owner's record (all or nothing), the video's shared records written only by the
//! key's holder on their version, the combined owner-and-video read, 50 parallel claims by two owners
//! with exactly one winner, and the DynamoDB round trips (every call one request).

use super::content_id::{guard, owner, ports, put, record};
use crate::support::Backend;
use futures::future::join_all;
use onair_store::{Exclusive, Expect, WriteError};

crate::support::on_both_backends!(
    both: [
        the_exclusive_key_is_taken_once_across_owners,
        an_exclusive_write_is_all_or_nothing,
        fifty_parallel_claims_by_two_owners_have_exactly_one_winner,
        video_records_are_written_by_the_holder_on_their_version,
        get_with_video_reads_the_owner_and_the_video_together,
    ],
    dynamodb_only: [dynamodb_video_calls_are_one_request_each],
);

const KEY: &str = "VIDEOCLAIM#vid1";

fn exclusive(owner_id: &str, sk: &str) -> Exclusive {
    Exclusive {
        key: KEY.into(),
        owner_id: owner_id.into(),
        record_sk: sk.into(),
    }
}

/// Two owners, each linking its own channel.
async fn two_owners(p: &super::content_id::Ports) {
    p.store
        .create_owner(&owner("ownA", &[("chA", "uA")]))
        .await
        .unwrap();
    p.store
        .create_owner(&owner("ownB", &[("chB", "uB")]))
        .await
        .unwrap();
}

async fn the_exclusive_key_is_taken_once_across_owners(backend: Backend) {
    let p = ports(backend).await;
    two_owners(&p).await;
    assert_eq!(p.store.video(KEY, &[]).await.unwrap().holder, None);
    p.store
        .write_exclusive(
            "ownA",
            &guard("chA", "uA"),
            &[put("CLAIM#a", "{}", 1, Expect::Absent)],
            &exclusive("ownA", "CLAIM#a"),
        )
        .await
        .unwrap();
    let r = p
        .store
        .write_exclusive(
            "ownB",
            &guard("chB", "uB"),
            &[put("CLAIM#b", "{}", 1, Expect::Absent)],
            &exclusive("ownB", "CLAIM#b"),
        )
        .await;
    assert_eq!(r, Err(WriteError::Taken));
    // The loser's record was not written; the key still names the winner's record.
    let b = p
        .store
        .get_with("ownB", &["CLAIM#b".into()])
        .await
        .unwrap()
        .unwrap();
    assert!(b.records.is_empty());
    assert_eq!(
        p.store.video(KEY, &[]).await.unwrap().holder,
        Some(exclusive("ownA", "CLAIM#a"))
    );
}

async fn an_exclusive_write_is_all_or_nothing(backend: Backend) {
    let p = ports(backend).await;
    two_owners(&p).await;
    let g = guard("chA", "uA");
    p.store
        .write("ownA", &g, &[put("CLAIM#x", "{}", 1, Expect::Absent)])
        .await
        .unwrap();
    // The record's expectation fails: the key is not taken.
    let r = p
        .store
        .write_exclusive(
            "ownA",
            &g,
            &[put("CLAIM#x", "{}", 1, Expect::Absent)],
            &exclusive("ownA", "CLAIM#x"),
        )
        .await;
    assert!(matches!(r, Err(WriteError::Conflict(_))), "{r:?}");
    assert_eq!(p.store.video(KEY, &[]).await.unwrap().holder, None);
    // The guard fails (another owner's channel): nothing is written either.
    let r = p
        .store
        .write_exclusive(
            "ownA",
            &guard("chB", "uB"),
            &[put("CLAIM#y", "{}", 1, Expect::Absent)],
            &exclusive("ownA", "CLAIM#y"),
        )
        .await;
    assert_eq!(r, Err(WriteError::Unlinked));
    assert_eq!(p.store.video(KEY, &[]).await.unwrap().holder, None);
    let a = p
        .store
        .get_with("ownA", &["CLAIM#y".into()])
        .await
        .unwrap()
        .unwrap();
    assert!(a.records.is_empty());
}

async fn fifty_parallel_claims_by_two_owners_have_exactly_one_winner(backend: Backend) {
    let p = ports(backend).await;
    two_owners(&p).await;
    let attempts = (0..50).map(|i| {
        let store = p.store.clone();
        tokio::spawn(async move {
            let (owner_id, channel, user) = if i % 2 == 0 {
                ("ownA", "chA", "uA")
            } else {
                ("ownB", "chB", "uB")
            };
            let sk = format!("CLAIM#{i}");
            store
                .write_exclusive(
                    owner_id,
                    &guard(channel, user),
                    &[put(&sk, "{}", 1, Expect::Absent)],
                    &exclusive(owner_id, &sk),
                )
                .await
        })
    });
    let results: Vec<_> = join_all(attempts).await.into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert!(
        results.iter().all(|r| r.is_ok() || *r == Err(WriteError::Taken)),
        "{results:?}"
    );
    // Exactly one claim record exists across both owners, and it is the key's.
    let holder = p.store.video(KEY, &[]).await.unwrap().holder.unwrap();
    let mut records = 0;
    for owner_id in ["ownA", "ownB"] {
        let view = p.store.list_with(owner_id, "CLAIM#").await.unwrap().unwrap();
        for r in &view.records {
            assert_eq!(
                (owner_id, r.sk.as_str()),
                (holder.owner_id.as_str(), holder.record_sk.as_str())
            );
        }
        records += view.records.len();
    }
    assert_eq!(records, 1);
}

async fn video_records_are_written_by_the_holder_on_their_version(backend: Backend) {
    let p = ports(backend).await;
    two_owners(&p).await;
    let ga = guard("chA", "uA");
    let gb = guard("chB", "uB");
    let opts = |doc: &str, version: u64, expect| put("ADOPTIONS", doc, version, expect);
    // Nobody holds the key yet: no one may write the video's records.
    assert_eq!(
        p.store
            .write_video("ownA", &ga, KEY, &opts("v1", 1, Expect::Absent))
            .await,
        Err(WriteError::Missing)
    );
    p.store
        .write_exclusive(
            "ownA",
            &ga,
            &[put("CLAIM#a", "{}", 1, Expect::Absent)],
            &exclusive("ownA", "CLAIM#a"),
        )
        .await
        .unwrap();
    // Another owner, even linked to its own channel, is not the holder.
    assert_eq!(
        p.store
            .write_video("ownB", &gb, KEY, &opts("b", 1, Expect::Absent))
            .await,
        Err(WriteError::Missing)
    );
    p.store
        .write_video("ownA", &ga, KEY, &opts("v1", 1, Expect::Absent))
        .await
        .unwrap();
    assert!(matches!(
        p.store
            .write_video("ownA", &ga, KEY, &opts("again", 1, Expect::Absent))
            .await,
        Err(WriteError::Conflict(_))
    ));
    assert!(matches!(
        p.store
            .write_video("ownA", &ga, KEY, &opts("stale", 3, Expect::Version(2)))
            .await,
        Err(WriteError::Conflict(_))
    ));
    p.store
        .write_video("ownA", &ga, KEY, &opts("v2", 2, Expect::Version(1)))
        .await
        .unwrap();
    // The holder's link withdrawn: the guard fails.
    let mut unlinked = owner("ownA", &[]);
    unlinked.version = 2;
    p.store.update_owner(&unlinked, 1).await.unwrap();
    assert_eq!(
        p.store
            .write_video("ownA", &ga, KEY, &opts("v3", 3, Expect::Version(2)))
            .await,
        Err(WriteError::Unlinked)
    );
    let view = p.store.video(KEY, &["ADOPTIONS".into()]).await.unwrap();
    assert_eq!(view.records, vec![record("ADOPTIONS", "v2", 2)]);
}

async fn get_with_video_reads_the_owner_and_the_video_together(backend: Backend) {
    let p = ports(backend).await;
    two_owners(&p).await;
    let ga = guard("chA", "uA");
    // Unclaimed: the owner and its records, an empty video.
    let (owner_view, video) = p
        .store
        .get_with_video("ownA", &["CLAIM#a".into()], KEY, &["ADOPTIONS".into()])
        .await
        .unwrap();
    assert!(owner_view.unwrap().records.is_empty());
    assert_eq!(video.holder, None);
    assert!(video.records.is_empty());
    p.store
        .write_exclusive(
            "ownA",
            &ga,
            &[put("CLAIM#a", "{\"c\":1}", 1, Expect::Absent)],
            &exclusive("ownA", "CLAIM#a"),
        )
        .await
        .unwrap();
    p.store
        .write_video("ownA", &ga, KEY, &put("ADOPTIONS", "o", 1, Expect::Absent))
        .await
        .unwrap();
    let (owner_view, video) = p
        .store
        .get_with_video("ownA", &["CLAIM#a".into()], KEY, &["ADOPTIONS".into()])
        .await
        .unwrap();
    assert_eq!(
        owner_view.unwrap().records,
        vec![record("CLAIM#a", "{\"c\":1}", 1)]
    );
    assert_eq!(video.holder, Some(exclusive("ownA", "CLAIM#a")));
    assert_eq!(video.records, vec![record("ADOPTIONS", "o", 1)]);
    // An unknown owner: no owner view, the video is still read.
    let (ghost, video) = p.store.get_with_video("ghost", &[], KEY, &[]).await.unwrap();
    assert!(ghost.is_none());
    assert_eq!(video.holder, Some(exclusive("ownA", "CLAIM#a")));
}

async fn dynamodb_video_calls_are_one_request_each() {
    let p = ports(Backend::Aws).await;
    two_owners(&p).await;
    let ga = guard("chA", "uA");
    let trips = p.dynamo.as_ref().unwrap().round_trips();
    trips.reset();
    p.store
        .write_exclusive(
            "ownA",
            &ga,
            &[put("CLAIM#a", "{}", 1, Expect::Absent)],
            &exclusive("ownA", "CLAIM#a"),
        )
        .await
        .unwrap();
    assert_eq!(trips.get(), 1, "write_exclusive");
    trips.reset();
    p.store
        .write_video("ownA", &ga, KEY, &put("ADOPTIONS", "o", 1, Expect::Absent))
        .await
        .unwrap();
    assert_eq!(trips.get(), 1, "write_video");
    trips.reset();
    p.store.video(KEY, &["ADOPTIONS".into()]).await.unwrap();
    assert_eq!(trips.get(), 1, "video");
    trips.reset();
    p.store
        .get_with_video("ownA", &["CLAIM#a".into()], KEY, &["ADOPTIONS".into()])
        .await
        .unwrap();
    assert_eq!(trips.get(), 1, "get_with_video");
}
