//! The live store contract (see `onair_store::live_ports`): PRISM lives on the embedded store and on
//! DynamoDB (moto, fresh tables per test), plus the DynamoDB round-trip budget (get 1, list 1).

use crate::support::{self, Backend, T0};
use futures::future::join_all;
use onair_domain::{ChannelId, UserId};
use onair_store::dynamo::DynamoStores;
use onair_store::embedded::EmbeddedStore;
use onair_store::{LiveStore, StoreError, StoredLive};
use std::sync::Arc;
use time::Duration;

crate::support::on_both_backends!(
    both: [
        live_create_is_conditional_on_the_id,
        a_live_reads_back_as_written,
        another_users_live_is_not_found_for_reads_and_writes,
        live_updates_are_conditional_on_the_version,
        ten_parallel_live_updates_have_exactly_one_winner,
        live_lists_are_per_channel_modified_desc_then_created_desc,
    ],
    dynamodb_only: [dynamodb_live_round_trips_are_one_per_get_and_list],
);

struct Ports {
    lives: Arc<dyn LiveStore>,
    dynamo: Option<DynamoStores>,
}

async fn ports(backend: Backend) -> Ports {
    match backend {
        Backend::Embedded => Ports {
            lives: Arc::new(EmbeddedStore::new()),
            dynamo: None,
        },
        Backend::Aws => {
            let dynamo = support::fresh_dynamo().await;
            Ports {
                lives: Arc::new(dynamo.lives()),
                dynamo: Some(dynamo),
            }
        }
    }
}

fn user(id: &str) -> UserId {
    UserId::parse(id).unwrap()
}

fn live(owner: &str, ch: &str, id: &str, created: Duration, modified: Duration) -> StoredLive {
    StoredLive {
        live_id: id.into(),
        owner: user(owner),
        channel_id: ChannelId::parse(ch).unwrap(),
        broadcast_id: format!("b-{id}"),
        stream_id: format!("s-{id}"),
        started: false,
        broadcasts: vec![format!("b-{id}")],
        created_at: T0 + created,
        modified_at: T0 + modified,
        version: 1,
        channel_link: format!("https://example.com/{ch}"),
    }
}

async fn live_create_is_conditional_on_the_id(backend: Backend) {
    let p = ports(backend).await;
    let first = live("u1", "c1", "l1", Duration::ZERO, Duration::ZERO);
    p.lives.create(&first).await.unwrap();
    let mut again = live("u2", "c2", "l1", Duration::seconds(1), Duration::seconds(1));
    again.started = true;
    assert!(matches!(
        p.lives.create(&again).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(p.lives.get(&user("u1"), "l1").await.unwrap(), first);
    assert_eq!(p.lives.get(&user("u2"), "l1").await, Err(StoreError::NotFound));
}

async fn a_live_reads_back_as_written(backend: Backend) {
    let p = ports(backend).await;
    let mut l = live("u1", "c1", "l1", Duration::ZERO, Duration::seconds(3));
    l.broadcasts = vec!["b0".into(), "b-l1".into()];
    l.started = true;
    l.created_at += Duration::nanoseconds(123_456_789);
    p.lives.create(&l).await.unwrap();
    assert_eq!(p.lives.get(&user("u1"), "l1").await.unwrap(), l);
    assert_eq!(p.lives.get(&user("u1"), "nope").await, Err(StoreError::NotFound));
}

async fn another_users_live_is_not_found_for_reads_and_writes(backend: Backend) {
    let p = ports(backend).await;
    let l = live("u1", "c1", "l1", Duration::ZERO, Duration::ZERO);
    p.lives.create(&l).await.unwrap();
    assert_eq!(p.lives.get(&user("u2"), "l1").await, Err(StoreError::NotFound));
    let mut hijack = l.clone();
    hijack.owner = user("u2");
    hijack.version = 2;
    assert_eq!(p.lives.update(&hijack, 1).await, Err(StoreError::NotFound));
    let mut moved = l.clone();
    moved.channel_id = ChannelId::parse("c9").unwrap();
    moved.version = 2;
    assert_eq!(p.lives.update(&moved, 1).await, Err(StoreError::NotFound));
    assert!(p.lives.list(&user("u2"), &l.channel_id).await.unwrap().is_empty());
    assert_eq!(p.lives.get(&user("u1"), "l1").await.unwrap(), l);
}

async fn live_updates_are_conditional_on_the_version(backend: Backend) {
    let p = ports(backend).await;
    let l = live("u1", "c1", "l1", Duration::ZERO, Duration::ZERO);
    p.lives.create(&l).await.unwrap();
    let mut next = l.clone();
    next.started = true;
    next.version = 2;
    next.modified_at = T0 + Duration::seconds(5);
    p.lives.update(&next, 1).await.unwrap();
    let mut stale = l.clone();
    stale.version = 2;
    assert!(matches!(
        p.lives.update(&stale, 1).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(p.lives.get(&user("u1"), "l1").await.unwrap(), next);
    let ghost = live("u1", "c1", "ghost", Duration::ZERO, Duration::ZERO);
    assert_eq!(p.lives.update(&ghost, 1).await, Err(StoreError::NotFound));
    // The current broadcast must be the last of the live's broadcasts.
    let mut broken = next.clone();
    broken.broadcast_id = "other".into();
    broken.version = 3;
    assert!(matches!(
        p.lives.update(&broken, 2).await,
        Err(StoreError::Conflict(_))
    ));
}

async fn ten_parallel_live_updates_have_exactly_one_winner(backend: Backend) {
    let p = ports(backend).await;
    let l = live("u1", "c1", "l1", Duration::ZERO, Duration::ZERO);
    p.lives.create(&l).await.unwrap();
    let tasks = (0..10).map(|i| {
        let store = p.lives.clone();
        let mut next = l.clone();
        next.stream_id = format!("s{i}");
        next.version = 2;
        tokio::spawn(async move { (i, store.update(&next, 1).await) })
    });
    let results: Vec<_> = join_all(tasks).await.into_iter().map(Result::unwrap).collect();
    let winners: Vec<_> = results.iter().filter(|(_, r)| r.is_ok()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    assert!(
        results
            .iter()
            .all(|(_, r)| r.is_ok() || matches!(r, Err(StoreError::Conflict(_))))
    );
    let stored = p.lives.get(&user("u1"), "l1").await.unwrap();
    assert_eq!(stored.version, 2);
    assert_eq!(stored.stream_id, format!("s{}", winners[0].0));
}

async fn live_lists_are_per_channel_modified_desc_then_created_desc(backend: Backend) {
    let p = ports(backend).await;
    // (id, created, modified): a and b share a modification time, so creation decides.
    for (id, created, modified) in [("a", 1, 10), ("b", 2, 10), ("c", 3, 5), ("d", 0, 20)] {
        p.lives
            .create(&live(
                "u1",
                "c1",
                id,
                Duration::seconds(created),
                Duration::seconds(modified),
            ))
            .await
            .unwrap();
    }
    p.lives
        .create(&live(
            "u1",
            "c2",
            "other-channel",
            Duration::ZERO,
            Duration::seconds(99),
        ))
        .await
        .unwrap();
    let ids = |lives: Vec<StoredLive>| lives.into_iter().map(|l| l.live_id).collect::<Vec<_>>();
    let c1 = ChannelId::parse("c1").unwrap();
    assert_eq!(
        ids(p.lives.list(&user("u1"), &c1).await.unwrap()),
        ["d", "b", "a", "c"]
    );
    // An update moves a live up: its modification time is part of the order.
    let mut c = p.lives.get(&user("u1"), "c").await.unwrap();
    c.modified_at = T0 + Duration::seconds(30);
    c.version = 2;
    p.lives.update(&c, 1).await.unwrap();
    assert_eq!(
        ids(p.lives.list(&user("u1"), &c1).await.unwrap()),
        ["c", "d", "b", "a"]
    );
    assert!(
        p.lives
            .list(&user("u1"), &ChannelId::parse("none").unwrap())
            .await
            .unwrap()
            .is_empty()
    );
}

async fn dynamodb_live_round_trips_are_one_per_get_and_list() {
    let p = ports(Backend::Aws).await;
    let Some(dynamo) = &p.dynamo else { unreachable!() };
    let trips = dynamo.round_trips();
    for i in 0..5 {
        p.lives
            .create(&live(
                "u1",
                "c1",
                &format!("l{i}"),
                Duration::seconds(i),
                Duration::seconds(i),
            ))
            .await
            .unwrap();
    }
    trips.reset();
    let l = p.lives.get(&user("u1"), "l0").await.unwrap();
    assert_eq!(trips.get(), 1, "get");
    trips.reset();
    assert_eq!(p.lives.list(&user("u1"), &l.channel_id).await.unwrap().len(), 5);
    assert_eq!(trips.get(), 1, "list");
    trips.reset();
    let mut next = l.clone();
    next.version = 2;
    p.lives.update(&next, 1).await.unwrap();
    assert_eq!(trips.get(), 1, "update");
}
