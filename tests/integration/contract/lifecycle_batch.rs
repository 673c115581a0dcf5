//! The lifecycle store contract, continued: batch reads by id (`get_many`) and the guarded transition
//! write (`BroadcastStore::transition`), on the embedded store and on DynamoDB (moto).

use super::lifecycle::{Ports, bind, broadcast, ports, stream, user};
use crate::support::Backend;
use futures::future::join_all;
use onair_domain::lifecycle::wire::{LifeCycleStatus, StreamStatus};
use onair_store::{GuardedUpdate, GuardedWriteError, StoreError, StoredBroadcast, StoredStream};
use time::Duration;

crate::support::on_both_backends!(
    both: [
        get_many_returns_the_owners_records_in_the_order_asked,
        get_many_refuses_more_than_fifty_ids,
        guarded_transition_writes_only_while_the_bound_stream_is_active_and_bound,
        guarded_transition_is_conditional_on_the_version,
        fifty_parallel_guarded_transitions_have_exactly_one_winner,
        guarded_transition_can_require_a_stream_bound_to_few_broadcasts,
    ],
    dynamodb_only: [dynamodb_batch_reads_and_guarded_transition_are_one_request_each],
);

async fn setup(p: &Ports) -> (StoredBroadcast, StoredStream) {
    let s = stream("u1", "c1", "s1", "key-1", true, Duration::ZERO);
    p.streams.create(&s).await.unwrap();
    let b = broadcast("u1", "c1", "b1", Duration::ZERO);
    p.broadcasts.create(&b).await.unwrap();
    bind(p, &b, &s).await.unwrap();
    let b = p.broadcasts.get(&user("u1"), "b1").await.unwrap();
    (b, p.streams.get(&user("u1"), "s1").await.unwrap())
}

async fn set_stream_status(p: &Ports, s: &StoredStream, status: StreamStatus) -> StoredStream {
    let mut next = s.clone();
    next.stream.status.stream_status = status;
    next.version = s.version + 1;
    p.streams.update(&next, s.version).await.unwrap();
    next
}

fn moved(b: &StoredBroadcast, to: LifeCycleStatus) -> StoredBroadcast {
    let mut next = b.clone();
    next.broadcast.status.life_cycle_status = to;
    next.version = b.version + 1;
    next
}

fn guarded<'a>(next: &'a StoredBroadcast, expected: u64, stream: Option<&'a str>) -> GuardedUpdate<'a> {
    GuardedUpdate {
        broadcast: next,
        expected_version: expected,
        require_active_stream: stream,
        require_live_enabled: false,
        require_bound_at_most: None,
    }
}

async fn get_many_returns_the_owners_records_in_the_order_asked(backend: Backend) {
    let p = ports(backend).await;
    for (owner, id) in [("u1", "b1"), ("u1", "b2"), ("u2", "b3"), ("u1", "b4")] {
        p.broadcasts
            .create(&broadcast(owner, "c1", id, Duration::ZERO))
            .await
            .unwrap();
    }
    let ids: Vec<String> = ["b4", "missing", "b3", "b1", "b4"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let got = p.broadcasts.get_many(&user("u1"), &ids).await.unwrap();
    let got: Vec<&str> = got.iter().map(|b| b.broadcast.id.as_str()).collect();
    assert_eq!(got, ["b4", "b1"], "another user's and missing ids are left out");
    assert!(p.broadcasts.get_many(&user("u1"), &[]).await.unwrap().is_empty());

    for (owner, id, key) in [("u1", "s1", "k1"), ("u2", "s2", "k2")] {
        p.streams
            .create(&stream(owner, "c1", id, key, true, Duration::ZERO))
            .await
            .unwrap();
    }
    let ids = vec!["s2".to_owned(), "s1".to_owned()];
    let got = p.streams.get_many(&user("u1"), &ids).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].stream.id, "s1");
    assert_eq!(got[0].bound_broadcasts, Vec::<String>::new());
}

async fn get_many_refuses_more_than_fifty_ids(backend: Backend) {
    let p = ports(backend).await;
    let ids: Vec<String> = (0..51).map(|i| format!("b{i}")).collect();
    assert!(matches!(
        p.broadcasts.get_many(&user("u1"), &ids).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        p.streams.get_many(&user("u1"), &ids).await,
        Err(StoreError::Conflict(_))
    ));
    let fifty: Vec<String> = (0..50).map(|i| format!("b{i}")).collect();
    assert!(
        p.broadcasts
            .get_many(&user("u1"), &fifty)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn guarded_transition_writes_only_while_the_bound_stream_is_active_and_bound(backend: Backend) {
    let p = ports(backend).await;
    let (b, s) = setup(&p).await;
    let next = moved(&b, LifeCycleStatus::TestStarting);
    // ready: not active
    assert_eq!(
        p.broadcasts
            .transition(&guarded(&next, b.version, Some("s1")))
            .await,
        Err(GuardedWriteError::StreamNotActive)
    );
    assert_eq!(
        p.broadcasts.get(&user("u1"), "b1").await.unwrap(),
        b,
        "nothing written"
    );
    let s = set_stream_status(&p, &s, StreamStatus::Active).await;
    // a stream the broadcast is not bound to, and a missing stream, fail the guard too
    let other = stream("u1", "c1", "s2", "key-2", true, Duration::ZERO);
    p.streams.create(&other).await.unwrap();
    set_stream_status(&p, &other, StreamStatus::Active).await;
    for id in ["s2", "nope"] {
        assert_eq!(
            p.broadcasts
                .transition(&guarded(&next, b.version, Some(id)))
                .await,
            Err(GuardedWriteError::StreamNotActive),
            "{id}"
        );
    }
    p.broadcasts
        .transition(&guarded(&next, b.version, Some("s1")))
        .await
        .unwrap();
    assert_eq!(p.broadcasts.get(&user("u1"), "b1").await.unwrap(), next);
    // the guard only reads the stream
    assert_eq!(p.streams.get(&user("u1"), "s1").await.unwrap(), s);
    // without a stream requirement the stream status does not matter
    set_stream_status(&p, &s, StreamStatus::Inactive).await;
    let done = moved(&next, LifeCycleStatus::Complete);
    p.broadcasts
        .transition(&guarded(&done, next.version, None))
        .await
        .unwrap();
}

async fn guarded_transition_is_conditional_on_the_version(backend: Backend) {
    let p = ports(backend).await;
    let (b, _) = setup(&p).await;
    let next = moved(&b, LifeCycleStatus::Complete);
    assert!(matches!(
        p.broadcasts
            .transition(&guarded(&next, b.version - 1, None))
            .await,
        Err(GuardedWriteError::Store(StoreError::Conflict(_)))
    ));
    let mut foreign = next.clone();
    foreign.owner = user("u2");
    assert!(matches!(
        p.broadcasts.transition(&guarded(&foreign, b.version, None)).await,
        Err(GuardedWriteError::Store(StoreError::NotFound))
    ));
    assert_eq!(p.broadcasts.get(&user("u1"), "b1").await.unwrap(), b);
}

async fn fifty_parallel_guarded_transitions_have_exactly_one_winner(backend: Backend) {
    let p = ports(backend).await;
    let (b, s) = setup(&p).await;
    set_stream_status(&p, &s, StreamStatus::Active).await;
    let tasks = (0..50).map(|i| {
        let store = p.broadcasts.clone();
        let mut next = moved(&b, LifeCycleStatus::LiveStarting);
        next.broadcast.snippet.description = format!("writer {i}");
        tokio::spawn(async move {
            store
                .transition(&GuardedUpdate {
                    broadcast: &next,
                    expected_version: next.version - 1,
                    require_active_stream: Some("s1"),
                    require_live_enabled: false,
                    require_bound_at_most: None,
                })
                .await
                .map(|()| i)
        })
    });
    let results: Vec<_> = join_all(tasks).await.into_iter().map(|r| r.unwrap()).collect();
    let winners: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    for r in results.iter().filter(|r| r.is_err()) {
        assert!(
            matches!(r, Err(GuardedWriteError::Store(StoreError::Conflict(_)))),
            "{r:?}"
        );
    }
    let stored = p.broadcasts.get(&user("u1"), "b1").await.unwrap();
    assert_eq!(stored.version, b.version + 1);
    assert_eq!(
        stored.broadcast.snippet.description,
        format!("writer {}", winners[0])
    );
}

async fn dynamodb_batch_reads_and_guarded_transition_are_one_request_each() {
    let p = ports(Backend::Aws).await;
    let Some(dynamo) = &p.dynamo else { unreachable!() };
    let (b, s) = setup(&p).await;
    set_stream_status(&p, &s, StreamStatus::Active).await;
    let trips = dynamo.round_trips();
    trips.reset();
    let ids: Vec<String> = (0..50).map(|i| format!("b{i}")).collect();
    p.broadcasts.get_many(&user("u1"), &ids).await.unwrap();
    assert_eq!(trips.get(), 1, "broadcasts get_many of 50 ids");
    trips.reset();
    p.streams.get_many(&user("u1"), &["s1".to_owned()]).await.unwrap();
    assert_eq!(trips.get(), 1, "streams get_many");
    trips.reset();
    let next = moved(&b, LifeCycleStatus::TestStarting);
    p.broadcasts
        .transition(&guarded(&next, b.version, Some("s1")))
        .await
        .unwrap();
    assert_eq!(trips.get(), 1, "guarded transition");
}

async fn guarded_transition_can_require_a_stream_bound_to_few_broadcasts(backend: Backend) {
    let p = ports(backend).await;
    let (b, s) = setup(&p).await;
    let mut s = set_stream_status(&p, &s, StreamStatus::Active).await;
    // bind two more broadcasts: the stream is bound to three
    for id in ["b2", "b3"] {
        let other = broadcast("u1", "c1", id, Duration::ZERO);
        p.broadcasts.create(&other).await.unwrap();
        bind(&p, &other, &s).await.unwrap();
        s = p.streams.get(&user("u1"), "s1").await.unwrap();
    }
    let next = moved(&b, LifeCycleStatus::LiveStarting);
    let at_most = |max| GuardedUpdate {
        require_bound_at_most: Some(max),
        ..guarded(&next, b.version, Some("s1"))
    };
    assert_eq!(
        p.broadcasts.transition(&at_most(2)).await,
        Err(GuardedWriteError::StreamShared)
    );
    assert_eq!(
        p.broadcasts.get(&user("u1"), "b1").await.unwrap(),
        b,
        "nothing written"
    );
    // an inactive stream is StreamNotActive whatever its sharing
    let inactive = set_stream_status(&p, &s, StreamStatus::Inactive).await;
    assert_eq!(
        p.broadcasts.transition(&at_most(2)).await,
        Err(GuardedWriteError::StreamNotActive)
    );
    set_stream_status(&p, &inactive, StreamStatus::Active).await;
    p.broadcasts.transition(&at_most(3)).await.unwrap();
    assert_eq!(p.broadcasts.get(&user("u1"), "b1").await.unwrap(), next);
}
