//! The Content ID store contract (see `onair_store::content_id_ports`) on the embedded store and on
//! DynamoDB (moto, fresh tables per test): conditional owner creates and versioned updates, reads of
//! the owner with its records, prefix lists, link-guarded atomic writes, exactly one winner among 50
//! parallel writes on one version, and the DynamoDB round trips (get 1, list 1, write 1).

use crate::support::{self, Backend};
use futures::future::join_all;
use onair_domain::content_id::ContentOwner;
use onair_store::dynamo::DynamoStores;
use onair_store::embedded::EmbeddedStore;
use onair_store::{
    ContentIdStore, Expect, LinkGuard, RecordWrite, StoreError, StoredOwner, StoredRecord, WriteError,
};
use std::collections::BTreeMap;
use std::sync::Arc;

crate::support::on_both_backends!(
    both: [
        owner_create_is_conditional_on_the_id,
        owner_updates_are_conditional_on_the_version,
        get_with_reads_the_owner_and_the_named_records_only,
        list_with_reads_the_records_under_a_prefix_in_key_order,
        writes_need_the_link_and_their_expectations_all_or_nothing,
        fifty_parallel_writes_on_one_version_have_exactly_one_winner,
        partitions_are_per_owner,
    ],
    dynamodb_only: [dynamodb_content_id_round_trips_are_one_per_call],
);

pub(super) struct Ports {
    pub(super) store: Arc<dyn ContentIdStore>,
    pub(super) dynamo: Option<DynamoStores>,
}

pub(super) async fn ports(backend: Backend) -> Ports {
    match backend {
        Backend::Embedded => Ports {
            store: Arc::new(EmbeddedStore::new()),
            dynamo: None,
        },
        Backend::Aws => {
            let dynamo = support::fresh_dynamo().await;
            Ports {
                store: Arc::new(dynamo.content_ids()),
                dynamo: Some(dynamo),
            }
        }
    }
}

pub(super) fn owner(id: &str, links: &[(&str, &str)]) -> StoredOwner {
    StoredOwner {
        owner: ContentOwner {
            id: id.into(),
            display_name: format!("Owner {id}"),
            live_fingerprinting: false,
            channels: links
                .iter()
                .map(|(c, u)| (c.to_string(), u.to_string()))
                .collect::<BTreeMap<_, _>>(),
        },
        version: 1,
    }
}

pub(super) fn record(sk: &str, doc: &str, version: u64) -> StoredRecord {
    StoredRecord {
        sk: sk.into(),
        doc: doc.into(),
        version,
    }
}

pub(super) fn guard(channel: &str, user: &str) -> LinkGuard {
    LinkGuard {
        channel_id: channel.into(),
        user_id: user.into(),
    }
}

pub(super) fn put(sk: &str, doc: &str, version: u64, expect: Expect) -> RecordWrite {
    RecordWrite {
        record: record(sk, doc, version),
        expect,
    }
}

async fn owner_create_is_conditional_on_the_id(backend: Backend) {
    let p = ports(backend).await;
    let o = owner("own1", &[("ch1", "u1")]);
    p.store.create_owner(&o).await.unwrap();
    let mut other = owner("own1", &[]);
    other.owner.display_name = "Impostor".into();
    assert!(matches!(
        p.store.create_owner(&other).await,
        Err(StoreError::Conflict(_))
    ));
    let view = p.store.get_with("own1", &[]).await.unwrap().unwrap();
    assert_eq!(view.owner, o, "overwrote nothing");
    assert_eq!(p.store.get_with("nobody", &[]).await.unwrap(), None);
}

async fn owner_updates_are_conditional_on_the_version(backend: Backend) {
    let p = ports(backend).await;
    p.store.create_owner(&owner("own1", &[])).await.unwrap();
    let mut next = owner("own1", &[("ch1", "u1")]);
    next.version = 2;
    p.store.update_owner(&next, 1).await.unwrap();
    let mut stale = owner("own1", &[]);
    stale.version = 2;
    assert!(matches!(
        p.store.update_owner(&stale, 1).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(p.store.get_with("own1", &[]).await.unwrap().unwrap().owner, next);
    let mut missing = owner("ghost", &[]);
    missing.version = 2;
    assert_eq!(p.store.update_owner(&missing, 1).await, Err(StoreError::NotFound));
}

async fn get_with_reads_the_owner_and_the_named_records_only(backend: Backend) {
    let p = ports(backend).await;
    p.store
        .create_owner(&owner("own1", &[("ch1", "u1")]))
        .await
        .unwrap();
    let g = guard("ch1", "u1");
    p.store
        .write(
            "own1",
            &g,
            &[
                put("ASSET#a", "{\"a\":1}", 1, Expect::Absent),
                put("POLICY#p", "{}", 1, Expect::Absent),
            ],
        )
        .await
        .unwrap();
    let view = p
        .store
        .get_with("own1", &["ASSET#a".into(), "ASSET#missing".into()])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.records, vec![record("ASSET#a", "{\"a\":1}", 1)]);
    assert_eq!(
        view.owner.owner.channels.get("ch1").map(String::as_str),
        Some("u1")
    );
}

async fn list_with_reads_the_records_under_a_prefix_in_key_order(backend: Backend) {
    let p = ports(backend).await;
    p.store
        .create_owner(&owner("own1", &[("ch1", "u1")]))
        .await
        .unwrap();
    let g = guard("ch1", "u1");
    for sk in ["POLICY#b", "POLICY#a", "ASSET#x", "PZZ#other"] {
        p.store
            .write("own1", &g, &[put(sk, "{}", 1, Expect::Absent)])
            .await
            .unwrap();
    }
    let view = p.store.list_with("own1", "POLICY#").await.unwrap().unwrap();
    let sks: Vec<&str> = view.records.iter().map(|r| r.sk.as_str()).collect();
    assert_eq!(sks, vec!["POLICY#a", "POLICY#b"]);
    let view = p.store.list_with("own1", "ASSET#").await.unwrap().unwrap();
    assert_eq!(view.records.len(), 1);
    assert_eq!(p.store.list_with("nobody", "POLICY#").await.unwrap(), None);
}

async fn writes_need_the_link_and_their_expectations_all_or_nothing(backend: Backend) {
    let p = ports(backend).await;
    p.store
        .create_owner(&owner("own1", &[("ch1", "u1")]))
        .await
        .unwrap();
    let g = guard("ch1", "u1");
    // Wrong user for the channel, unknown channel, unknown owner: Unlinked, nothing written.
    for (owner_id, bad) in [
        ("own1", guard("ch1", "u2")),
        ("own1", guard("ch9", "u1")),
        ("ghost", g.clone()),
    ] {
        let r = p
            .store
            .write(owner_id, &bad, &[put("ASSET#a", "{}", 1, Expect::Absent)])
            .await;
        assert_eq!(r, Err(WriteError::Unlinked));
    }
    assert!(
        p.store
            .get_with("own1", &["ASSET#a".into()])
            .await
            .unwrap()
            .unwrap()
            .records
            .is_empty()
    );
    p.store
        .write("own1", &g, &[put("ASSET#a", "v1", 1, Expect::Absent)])
        .await
        .unwrap();
    // A second create of the same record; a stale version; a missing record.
    assert!(matches!(
        p.store
            .write("own1", &g, &[put("ASSET#a", "again", 1, Expect::Absent)])
            .await,
        Err(WriteError::Conflict(_))
    ));
    assert!(matches!(
        p.store
            .write("own1", &g, &[put("ASSET#a", "stale", 3, Expect::Version(2))])
            .await,
        Err(WriteError::Conflict(_))
    ));
    assert_eq!(
        p.store
            .write("own1", &g, &[put("ASSET#b", "x", 2, Expect::Version(1))])
            .await,
        Err(WriteError::Missing)
    );
    // All or nothing: a good put beside a failing one writes neither.
    let r = p
        .store
        .write(
            "own1",
            &g,
            &[
                put("POLICY#new", "{}", 1, Expect::Absent),
                put("ASSET#a", "x", 9, Expect::Version(8)),
            ],
        )
        .await;
    assert!(matches!(r, Err(WriteError::Conflict(_))));
    let view = p
        .store
        .get_with("own1", &["ASSET#a".into(), "POLICY#new".into()])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.records, vec![record("ASSET#a", "v1", 1)]);
    p.store
        .write("own1", &g, &[put("ASSET#a", "v2", 2, Expect::Version(1))])
        .await
        .unwrap();
    // After an unlink the same guard fails.
    let mut unlinked = owner("own1", &[]);
    unlinked.version = 2;
    p.store.update_owner(&unlinked, 1).await.unwrap();
    assert_eq!(
        p.store
            .write("own1", &g, &[put("ASSET#a", "v3", 3, Expect::Version(2))])
            .await,
        Err(WriteError::Unlinked)
    );
}

async fn fifty_parallel_writes_on_one_version_have_exactly_one_winner(backend: Backend) {
    let p = ports(backend).await;
    p.store
        .create_owner(&owner("own1", &[("ch1", "u1")]))
        .await
        .unwrap();
    let g = guard("ch1", "u1");
    p.store
        .write("own1", &g, &[put("ASSET#a", "v1", 1, Expect::Absent)])
        .await
        .unwrap();
    let writes = (0..50).map(|i| {
        let store = p.store.clone();
        let g = g.clone();
        tokio::spawn(async move {
            store
                .write(
                    "own1",
                    &g,
                    &[put("ASSET#a", &format!("writer {i}"), 2, Expect::Version(1))],
                )
                .await
                .map(|_| i)
        })
    });
    let results: Vec<_> = join_all(writes).await.into_iter().map(Result::unwrap).collect();
    let winners: Vec<usize> = results.iter().filter_map(|r| r.as_ref().ok().copied()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    assert!(
        results
            .iter()
            .filter(|r| r.is_err())
            .all(|r| matches!(r, Err(WriteError::Conflict(_))))
    );
    let view = p
        .store
        .get_with("own1", &["ASSET#a".into()])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(view.records[0].doc, format!("writer {}", winners[0]));
    assert_eq!(view.records[0].version, 2);
}

async fn partitions_are_per_owner(backend: Backend) {
    let p = ports(backend).await;
    p.store
        .create_owner(&owner("own1", &[("ch1", "u1")]))
        .await
        .unwrap();
    p.store
        .create_owner(&owner("own2", &[("ch2", "u2")]))
        .await
        .unwrap();
    p.store
        .write(
            "own1",
            &guard("ch1", "u1"),
            &[put("ASSET#a", "mine", 1, Expect::Absent)],
        )
        .await
        .unwrap();
    let theirs = p
        .store
        .get_with("own2", &["ASSET#a".into()])
        .await
        .unwrap()
        .unwrap();
    assert!(theirs.records.is_empty());
    // own2's link cannot write into own1's partition.
    assert_eq!(
        p.store
            .write(
                "own1",
                &guard("ch2", "u2"),
                &[put("ASSET#a", "x", 2, Expect::Version(1))]
            )
            .await,
        Err(WriteError::Unlinked)
    );
}

async fn dynamodb_content_id_round_trips_are_one_per_call() {
    let p = ports(Backend::Aws).await;
    let dynamo = p.dynamo.as_ref().unwrap();
    p.store
        .create_owner(&owner("own1", &[("ch1", "u1")]))
        .await
        .unwrap();
    let trips = dynamo.round_trips();
    trips.reset();
    p.store
        .write(
            "own1",
            &guard("ch1", "u1"),
            &[put("POLICY#a", "{}", 1, Expect::Absent)],
        )
        .await
        .unwrap();
    assert_eq!(trips.get(), 1, "write");
    trips.reset();
    p.store
        .get_with("own1", &["POLICY#a".into(), "ASSET#b".into()])
        .await
        .unwrap();
    assert_eq!(trips.get(), 1, "get_with");
    trips.reset();
    p.store.list_with("own1", "POLICY#").await.unwrap();
    assert_eq!(trips.get(), 1, "list_with");
}
