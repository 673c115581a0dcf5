//! The lifecycle store contract (see `onair_store::lifecycle_ports`): liveBroadcasts and liveStreams on
//! the embedded store and on DynamoDB (moto, fresh tables per test), as `contract::lifecycle::embedded::
//! <rule>` and `contract::lifecycle::dynamodb::<rule>`, plus the DynamoDB round-trip budget.

use crate::support::{self, Backend, T0};
use futures::future::join_all;
use onair_domain::lifecycle::StreamKey;
use onair_domain::lifecycle::broadcast::{
    Broadcast, BroadcastContentDetails, BroadcastSnippet, BroadcastStatus,
};
use onair_domain::lifecycle::stream::{
    Cdn, IngestionInfo, Stream, StreamContentDetails, StreamHealth, StreamSnippet, StreamStatusPart,
};
use onair_domain::lifecycle::wire::{
    FrameRate, HealthStatus, IngestionType, LifeCycleStatus, PrivacyStatus, RecordingStatus, Resolution,
    StreamStatus,
};
use onair_domain::{ChannelId, PageRequest, UserId};
use onair_store::dynamo::DynamoStores;
use onair_store::embedded::EmbeddedStore;
use onair_store::{BindChange, BroadcastStore, StoreError, StoredBroadcast, StoredStream, StreamStore};
use std::sync::Arc;
use time::Duration;

crate::support::on_both_backends!(
    both: [
        broadcasts_create_is_conditional_on_the_id,
        streams_create_is_conditional_on_the_id_and_the_key_hash,
        records_of_another_owner_are_not_found_for_reads_and_writes,
        broadcast_lists_are_newest_first_per_owner_and_channel_and_page_with_tokens,
        stream_lists_are_newest_first_per_owner_and_page_with_tokens,
        fifty_parallel_broadcast_updates_have_exactly_one_winner,
        fifty_parallel_stream_updates_have_exactly_one_winner,
        racing_binds_of_a_non_reusable_stream_bind_exactly_one_broadcast,
        a_non_reusable_stream_bound_elsewhere_is_refused_by_the_store,
        a_reusable_stream_takes_several_broadcasts,
        racing_bind_and_stream_delete_have_one_winner_and_stay_consistent,
        rebind_moves_the_broadcast_between_streams_atomically,
        unbind_frees_the_stream,
        key_hash_look_up_finds_the_current_stream_and_nothing_else,
        broadcast_delete_is_conditional_and_frees_its_stream,
        stream_delete_is_conditional_and_frees_its_key,
        updates_cannot_change_bindings_or_keys,
    ],
    dynamodb_only: [dynamodb_round_trips_stay_within_budget],
);

pub(super) struct Ports {
    pub(super) broadcasts: Arc<dyn BroadcastStore>,
    pub(super) streams: Arc<dyn StreamStore>,
    pub(super) dynamo: Option<DynamoStores>,
}

pub(super) async fn ports(backend: Backend) -> Ports {
    match backend {
        Backend::Embedded => {
            let store = EmbeddedStore::new();
            Ports {
                broadcasts: Arc::new(store.clone()),
                streams: Arc::new(store),
                dynamo: None,
            }
        }
        Backend::Aws => {
            let dynamo = support::fresh_dynamo().await;
            Ports {
                broadcasts: Arc::new(dynamo.broadcasts()),
                streams: Arc::new(dynamo.streams()),
                dynamo: Some(dynamo),
            }
        }
    }
}

pub(super) fn user(id: &str) -> UserId {
    UserId::parse(id).unwrap()
}

fn channel(id: &str) -> ChannelId {
    ChannelId::parse(id).unwrap()
}

pub(super) fn broadcast(owner: &str, ch: &str, id: &str, published: Duration) -> StoredBroadcast {
    StoredBroadcast {
        owner: user(owner),
        broadcast: Broadcast {
            id: id.into(),
            snippet: BroadcastSnippet {
                published_at: T0 + published,
                channel_id: channel(ch),
                title: format!("broadcast {id}"),
                description: String::new(),
                scheduled_start_time: T0 + Duration::hours(1),
                scheduled_end_time: None,
                actual_start_time: None,
                actual_end_time: None,
                live_chat_id: None,
            },
            status: BroadcastStatus {
                life_cycle_status: LifeCycleStatus::Created,
                privacy_status: PrivacyStatus::Private,
                recording_status: RecordingStatus::NotRecording,
                made_for_kids: false,
                self_declared_made_for_kids: None,
            },
            content_details: BroadcastContentDetails::default(),
            monetization_details: None,
            statistics: None,
        },
        version: 1,
        live: None,
    }
}

pub(super) fn stream(
    owner: &str,
    ch: &str,
    id: &str,
    key: &str,
    reusable: bool,
    published: Duration,
) -> StoredStream {
    StoredStream {
        owner: user(owner),
        stream: Stream {
            id: id.into(),
            snippet: StreamSnippet {
                published_at: T0 + published,
                channel_id: channel(ch),
                title: format!("stream {id}"),
                description: String::new(),
            },
            cdn: Cdn {
                ingestion_type: IngestionType::Rtmp,
                resolution: Resolution::R1080p,
                frame_rate: FrameRate::Fps30,
                ingestion_info: IngestionInfo {
                    stream_name: StreamKey::presented(key),
                    ingestion_address: "rtmp://127.0.0.1:1935/live".into(),
                    backup_ingestion_address: None,
                    rtmps_ingestion_address: None,
                    rtmps_backup_ingestion_address: None,
                },
            },
            status: StreamStatusPart {
                stream_status: StreamStatus::Ready,
                health_status: StreamHealth {
                    status: HealthStatus::NoData,
                    last_update_time_seconds: 0,
                    configuration_issues: vec![],
                },
            },
            content_details: StreamContentDetails {
                is_reusable: reusable,
                closed_captions_ingestion_url: None,
            },
        },
        version: 1,
        bound_broadcasts: vec![],
        live: None,
    }
}

/// `b` bound to `s` (or unbound), one version on, as `machine::bind` would return it.
fn bound(b: &StoredBroadcast, s: Option<&StoredStream>) -> StoredBroadcast {
    let mut next = b.clone();
    next.broadcast.content_details.bound_stream_id = s.map(|s| s.stream.id.clone());
    next.broadcast.status.life_cycle_status = if s.is_some() {
        LifeCycleStatus::Ready
    } else {
        LifeCycleStatus::Created
    };
    next.version = b.version + 1;
    next
}

pub(super) async fn bind(p: &Ports, b: &StoredBroadcast, s: &StoredStream) -> Result<(), StoreError> {
    let next = bound(b, Some(s));
    p.broadcasts
        .bind(&BindChange {
            broadcast: &next,
            expected_version: b.version,
            attach: Some(s),
            detach: None,
        })
        .await
}

async fn all_broadcast_ids(p: &Ports, owner: &str, ch: Option<&ChannelId>, limit: usize) -> Vec<String> {
    let mut seen = Vec::new();
    let mut request = PageRequest::first(limit);
    loop {
        let page = p.broadcasts.list(&user(owner), ch, &request).await.unwrap();
        assert!(page.items.len() <= limit);
        seen.extend(page.items.into_iter().map(|b| b.broadcast.id));
        match page.next {
            Some(token) => request.token = Some(token),
            None => return seen,
        }
    }
}

// ---------------------------------------------------------------------------------------------------

async fn broadcasts_create_is_conditional_on_the_id(backend: Backend) {
    let p = ports(backend).await;
    let b = broadcast("u1", "c1", "b1", Duration::ZERO);
    p.broadcasts.create(&b).await.unwrap();
    assert_eq!(p.broadcasts.get(&user("u1"), "b1").await.unwrap(), b);
    let mut other = broadcast("u2", "c2", "b1", Duration::ZERO);
    other.broadcast.snippet.title = "taken".into();
    assert!(matches!(
        p.broadcasts.create(&other).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(p.broadcasts.get(&user("u1"), "b1").await.unwrap(), b);
    assert_eq!(
        p.broadcasts.get(&user("u2"), "b1").await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        p.broadcasts.get(&user("u1"), "nope").await,
        Err(StoreError::NotFound)
    );
}

async fn streams_create_is_conditional_on_the_id_and_the_key_hash(backend: Backend) {
    let p = ports(backend).await;
    let s = stream("u1", "c1", "s1", "key-1", false, Duration::ZERO);
    p.streams.create(&s).await.unwrap();
    assert_eq!(p.streams.get(&user("u1"), "s1").await.unwrap(), s);
    // the same id with another key: refused, and the other key is not reserved
    let same_id = stream("u1", "c1", "s1", "key-2", false, Duration::ZERO);
    assert!(matches!(
        p.streams.create(&same_id).await,
        Err(StoreError::Conflict(_))
    ));
    let key2 = StreamKey::presented("key-2").hash();
    assert_eq!(p.streams.find_by_key_hash(&key2).await, Err(StoreError::NotFound));
    // another id with the same key: refused, and no stream is created
    let same_key = stream("u2", "c2", "s2", "key-1", false, Duration::ZERO);
    assert!(matches!(
        p.streams.create(&same_key).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(p.streams.get(&user("u2"), "s2").await, Err(StoreError::NotFound));
    assert_eq!(p.streams.find_by_key_hash(&s.key_hash()).await.unwrap(), s);
}

async fn records_of_another_owner_are_not_found_for_reads_and_writes(backend: Backend) {
    let p = ports(backend).await;
    let b = broadcast("u1", "c1", "b1", Duration::ZERO);
    let s = stream("u1", "c1", "s1", "key-1", false, Duration::ZERO);
    p.broadcasts.create(&b).await.unwrap();
    p.streams.create(&s).await.unwrap();
    let stranger = user("u2");
    assert_eq!(p.broadcasts.get(&stranger, "b1").await, Err(StoreError::NotFound));
    assert_eq!(p.streams.get(&stranger, "s1").await, Err(StoreError::NotFound));
    // writes that name another owner change nothing
    let mut hijack = b.clone();
    hijack.owner = stranger.clone();
    hijack.version = 2;
    assert_eq!(p.broadcasts.update(&hijack, 1).await, Err(StoreError::NotFound));
    let mut hijack_s = s.clone();
    hijack_s.owner = stranger.clone();
    hijack_s.version = 2;
    assert_eq!(p.streams.update(&hijack_s, 1).await, Err(StoreError::NotFound));
    assert_eq!(
        p.broadcasts.delete(&stranger, "b1", 1, None, None).await,
        Err(StoreError::NotFound)
    );
    let mut foreign = s.clone();
    foreign.owner = stranger.clone();
    assert_eq!(p.streams.delete(&foreign).await, Err(StoreError::NotFound));
    // binding one's broadcast to another user's stream
    let theirs = stream("u2", "c2", "s2", "key-2", true, Duration::ZERO);
    p.streams.create(&theirs).await.unwrap();
    assert_eq!(bind(&p, &b, &theirs).await, Err(StoreError::NotFound));
    let mut forged = theirs.clone();
    forged.owner = user("u1");
    assert_eq!(bind(&p, &b, &forged).await, Err(StoreError::NotFound));
    let page = p
        .broadcasts
        .list(&stranger, None, &PageRequest::first(10))
        .await
        .unwrap();
    assert!(page.items.is_empty());
    assert_eq!(p.broadcasts.get(&user("u1"), "b1").await.unwrap(), b);
    assert_eq!(p.streams.get(&user("u1"), "s1").await.unwrap(), s);
    assert_eq!(p.streams.get(&user("u2"), "s2").await.unwrap(), theirs);
}

async fn broadcast_lists_are_newest_first_per_owner_and_channel_and_page_with_tokens(backend: Backend) {
    let p = ports(backend).await;
    // (id, channel, published seconds, extra nanoseconds): ties on time break by id desc
    let specs = [
        ("a", "c1", 1, 0),
        ("b", "c2", 5, 0),
        ("c", "c1", 5, 0),
        ("d", "c1", 3, 7),
        ("e", "c2", 3, 8),
        ("f", "c1", 9, 1),
        ("g", "c1", 0, 0),
    ];
    for (id, ch, secs, nanos) in specs {
        let published = Duration::seconds(secs) + Duration::nanoseconds(nanos);
        p.broadcasts
            .create(&broadcast("u1", ch, id, published))
            .await
            .unwrap();
    }
    p.broadcasts
        .create(&broadcast("u2", "c9", "z", Duration::seconds(4)))
        .await
        .unwrap();
    let expected = ["f", "c", "b", "e", "d", "a", "g"];
    for limit in [1, 3, 7, 50] {
        assert_eq!(
            all_broadcast_ids(&p, "u1", None, limit).await,
            expected,
            "limit {limit}"
        );
    }
    assert_eq!(
        all_broadcast_ids(&p, "u1", Some(&channel("c1")), 2).await,
        ["f", "c", "d", "a", "g"]
    );
    assert_eq!(
        all_broadcast_ids(&p, "u1", Some(&channel("c9")), 2).await,
        Vec::<String>::new()
    );
    assert_eq!(all_broadcast_ids(&p, "u2", None, 2).await, ["z"]);
    let exact = p
        .broadcasts
        .list(&user("u1"), None, &PageRequest::first(7))
        .await
        .unwrap();
    assert_eq!(exact.next, None, "a full last page carries no token");
    let garbage = PageRequest {
        limit: 2,
        token: Some("not-a-token!".into()),
    };
    assert_eq!(
        p.broadcasts.list(&user("u1"), None, &garbage).await,
        Err(StoreError::InvalidPageToken)
    );
}

async fn stream_lists_are_newest_first_per_owner_and_page_with_tokens(backend: Backend) {
    let p = ports(backend).await;
    for (i, id) in ["s1", "s2", "s3", "s4", "s5"].into_iter().enumerate() {
        let published = Duration::seconds((i as i64) % 3);
        let s = stream(
            "u1",
            if i % 2 == 0 { "c1" } else { "c2" },
            id,
            id,
            false,
            published,
        );
        p.streams.create(&s).await.unwrap();
    }
    p.streams
        .create(&stream("u2", "c9", "t1", "t1", false, Duration::ZERO))
        .await
        .unwrap();
    // published seconds: s1 0, s2 1, s3 2, s4 0, s5 1
    let mut seen = Vec::new();
    let mut request = PageRequest::first(2);
    loop {
        let page = p.streams.list(&user("u1"), None, &request).await.unwrap();
        seen.extend(page.items.into_iter().map(|s| s.stream.id));
        match page.next {
            Some(token) => request.token = Some(token),
            None => break,
        }
    }
    assert_eq!(seen, ["s3", "s5", "s2", "s4", "s1"]);
    let c2 = p
        .streams
        .list(&user("u1"), Some(&channel("c2")), &PageRequest::first(10))
        .await
        .unwrap();
    let ids: Vec<_> = c2.items.into_iter().map(|s| s.stream.id).collect();
    assert_eq!(ids, ["s2", "s4"]);
}

async fn fifty_parallel_broadcast_updates_have_exactly_one_winner(backend: Backend) {
    let p = ports(backend).await;
    let b = broadcast("u1", "c1", "b1", Duration::ZERO);
    p.broadcasts.create(&b).await.unwrap();
    let tasks = (0..50).map(|i| {
        let store = p.broadcasts.clone();
        let mut next = b.clone();
        next.broadcast.snippet.title = format!("title {i}");
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
    let stored = p.broadcasts.get(&user("u1"), "b1").await.unwrap();
    assert_eq!(stored.version, 2);
    assert_eq!(stored.broadcast.snippet.title, format!("title {}", winners[0].0));
}

async fn fifty_parallel_stream_updates_have_exactly_one_winner(backend: Backend) {
    let p = ports(backend).await;
    let s = stream("u1", "c1", "s1", "key-1", false, Duration::ZERO);
    p.streams.create(&s).await.unwrap();
    let tasks = (0..50).map(|i| {
        let store = p.streams.clone();
        let mut next = s.clone();
        next.stream.snippet.title = format!("title {i}");
        next.version = 2;
        tokio::spawn(async move { (i, store.update(&next, 1).await) })
    });
    let results: Vec<_> = join_all(tasks).await.into_iter().map(Result::unwrap).collect();
    let winners: Vec<_> = results.iter().filter(|(_, r)| r.is_ok()).collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    let stored = p.streams.get(&user("u1"), "s1").await.unwrap();
    assert_eq!(stored.version, 2);
    assert_eq!(stored.stream.snippet.title, format!("title {}", winners[0].0));
    // the key reservation copy moved with it
    assert_eq!(p.streams.find_by_key_hash(&s.key_hash()).await.unwrap(), stored);
}

async fn racing_binds_of_a_non_reusable_stream_bind_exactly_one_broadcast(backend: Backend) {
    let p = Arc::new(ports(backend).await);
    let s = stream("u1", "c1", "s1", "key-1", false, Duration::ZERO);
    p.streams.create(&s).await.unwrap();
    let mut broadcasts = Vec::new();
    for i in 0..20 {
        let b = broadcast("u1", "c1", &format!("b{i:02}"), Duration::seconds(i));
        p.broadcasts.create(&b).await.unwrap();
        broadcasts.push(b);
    }
    // every binder read the same free stream
    let tasks = broadcasts.iter().cloned().map(|b| {
        let p = p.clone();
        let s = s.clone();
        tokio::spawn(async move { bind(&p, &b, &s).await })
    });
    let results: Vec<_> = join_all(tasks).await.into_iter().map(Result::unwrap).collect();
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert!(
        results
            .iter()
            .all(|r| r.is_ok() || matches!(r, Err(StoreError::Conflict(_))))
    );
    let stored = p.streams.get(&user("u1"), "s1").await.unwrap();
    assert_eq!(stored.bound_broadcasts.len(), 1);
    assert_eq!(stored.version, 2);
    let mut bound_to = Vec::new();
    for b in &broadcasts {
        let now = p.broadcasts.get(&user("u1"), &b.broadcast.id).await.unwrap();
        if let Some(id) = now.broadcast.bound_stream_id() {
            assert_eq!(id, "s1");
            assert_eq!(now.version, 2);
            bound_to.push(now.broadcast.id.clone());
        } else {
            assert_eq!(now, *b, "a loser changed nothing");
        }
    }
    assert_eq!(bound_to, stored.bound_broadcasts);
}

async fn a_non_reusable_stream_bound_elsewhere_is_refused_by_the_store(backend: Backend) {
    let p = ports(backend).await;
    let s = stream("u1", "c1", "s1", "key-1", false, Duration::ZERO);
    let b1 = broadcast("u1", "c1", "b1", Duration::ZERO);
    let b2 = broadcast("u1", "c1", "b2", Duration::ZERO);
    p.streams.create(&s).await.unwrap();
    p.broadcasts.create(&b1).await.unwrap();
    p.broadcasts.create(&b2).await.unwrap();
    bind(&p, &b1, &s).await.unwrap();
    // a caller that re-read the stream but skipped the rule
    let fresh = p.streams.get(&user("u1"), "s1").await.unwrap();
    assert_eq!(fresh.bound_elsewhere("b2"), 1);
    assert!(matches!(
        bind(&p, &b2, &fresh).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(p.broadcasts.get(&user("u1"), "b2").await.unwrap(), b2);
    assert_eq!(p.streams.get(&user("u1"), "s1").await.unwrap(), fresh);
}

async fn a_reusable_stream_takes_several_broadcasts(backend: Backend) {
    let p = ports(backend).await;
    let s = stream("u1", "c1", "s1", "key-1", true, Duration::ZERO);
    p.streams.create(&s).await.unwrap();
    for id in ["b1", "b2", "b3"] {
        let b = broadcast("u1", "c1", id, Duration::ZERO);
        p.broadcasts.create(&b).await.unwrap();
        let fresh = p.streams.get(&user("u1"), "s1").await.unwrap();
        bind(&p, &b, &fresh).await.unwrap();
    }
    let stored = p.streams.get(&user("u1"), "s1").await.unwrap();
    assert_eq!(stored.bound_broadcasts, ["b1", "b2", "b3"]);
    assert_eq!(stored.version, 4);
}

async fn racing_bind_and_stream_delete_have_one_winner_and_stay_consistent(backend: Backend) {
    let p = Arc::new(ports(backend).await);
    let (mut bind_won, mut delete_won) = (0, 0);
    for round in 0..15 {
        let s = stream(
            "u1",
            "c1",
            &format!("s{round}"),
            &format!("k{round}"),
            false,
            Duration::ZERO,
        );
        let b = broadcast("u1", "c1", &format!("b{round}"), Duration::ZERO);
        p.streams.create(&s).await.unwrap();
        p.broadcasts.create(&b).await.unwrap();
        let spawn_bind = || {
            let (p, b, s) = (p.clone(), b.clone(), s.clone());
            tokio::spawn(async move { bind(&p, &b, &s).await })
        };
        let spawn_delete = || {
            let (p, s) = (p.clone(), s.clone());
            tokio::spawn(async move { p.streams.delete(&s).await })
        };
        // alternate which one starts first, so both outcomes are exercised
        let (binder, deleter) = if round % 2 == 0 {
            let binder = spawn_bind();
            (binder, spawn_delete())
        } else {
            let deleter = spawn_delete();
            (spawn_bind(), deleter)
        };
        let (bound_result, deleted) = (binder.await.unwrap(), deleter.await.unwrap());
        assert!(
            bound_result.is_ok() != deleted.is_ok(),
            "exactly one wins: {bound_result:?} {deleted:?}"
        );
        let now_b = p.broadcasts.get(&user("u1"), &b.broadcast.id).await.unwrap();
        let now_s = p.streams.get(&user("u1"), &s.stream.id).await;
        if bound_result.is_ok() {
            bind_won += 1;
            let now_s = now_s.unwrap();
            assert_eq!(now_s.bound_broadcasts, vec![b.broadcast.id.clone()]);
            assert_eq!(now_b.broadcast.bound_stream_id(), Some(s.stream.id.as_str()));
        } else {
            delete_won += 1;
            assert_eq!(now_s, Err(StoreError::NotFound));
            assert_eq!(now_b, b, "the losing bind changed nothing");
            assert_eq!(
                p.streams.find_by_key_hash(&s.key_hash()).await,
                Err(StoreError::NotFound)
            );
        }
    }
    eprintln!("bind won {bind_won}, delete won {delete_won} of 15 rounds");
}

async fn rebind_moves_the_broadcast_between_streams_atomically(backend: Backend) {
    let p = ports(backend).await;
    let s1 = stream("u1", "c1", "s1", "key-1", false, Duration::ZERO);
    let s2 = stream("u1", "c1", "s2", "key-2", false, Duration::ZERO);
    let b = broadcast("u1", "c1", "b1", Duration::ZERO);
    p.streams.create(&s1).await.unwrap();
    p.streams.create(&s2).await.unwrap();
    p.broadcasts.create(&b).await.unwrap();
    bind(&p, &b, &s1).await.unwrap();
    let b = p.broadcasts.get(&user("u1"), "b1").await.unwrap();
    let s1 = p.streams.get(&user("u1"), "s1").await.unwrap();
    let next = bound(&b, Some(&s2));
    // with a stale version of the old stream, nothing moves
    let mut stale = s1.clone();
    stale.version = 1;
    let change = BindChange {
        broadcast: &next,
        expected_version: b.version,
        attach: Some(&s2),
        detach: Some(&stale),
    };
    assert!(matches!(
        p.broadcasts.bind(&change).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(p.broadcasts.get(&user("u1"), "b1").await.unwrap(), b);
    assert_eq!(p.streams.get(&user("u1"), "s2").await.unwrap(), s2);
    let change = BindChange {
        detach: Some(&s1),
        ..change
    };
    p.broadcasts.bind(&change).await.unwrap();
    assert!(
        p.streams
            .get(&user("u1"), "s1")
            .await
            .unwrap()
            .bound_broadcasts
            .is_empty()
    );
    assert_eq!(
        p.streams.get(&user("u1"), "s2").await.unwrap().bound_broadcasts,
        ["b1"]
    );
    assert_eq!(
        p.broadcasts
            .get(&user("u1"), "b1")
            .await
            .unwrap()
            .broadcast
            .bound_stream_id(),
        Some("s2")
    );
}

async fn unbind_frees_the_stream(backend: Backend) {
    let p = ports(backend).await;
    let s = stream("u1", "c1", "s1", "key-1", false, Duration::ZERO);
    let b = broadcast("u1", "c1", "b1", Duration::ZERO);
    p.streams.create(&s).await.unwrap();
    p.broadcasts.create(&b).await.unwrap();
    bind(&p, &b, &s).await.unwrap();
    let b = p.broadcasts.get(&user("u1"), "b1").await.unwrap();
    let s = p.streams.get(&user("u1"), "s1").await.unwrap();
    let next = bound(&b, None);
    p.broadcasts
        .bind(&BindChange {
            broadcast: &next,
            expected_version: b.version,
            attach: None,
            detach: Some(&s),
        })
        .await
        .unwrap();
    let s = p.streams.get(&user("u1"), "s1").await.unwrap();
    assert!(s.bound_broadcasts.is_empty());
    assert_eq!(s.version, 3);
    assert_eq!(p.broadcasts.get(&user("u1"), "b1").await.unwrap(), next);
    // free again: another broadcast can take it
    let b2 = broadcast("u1", "c1", "b2", Duration::ZERO);
    p.broadcasts.create(&b2).await.unwrap();
    bind(&p, &b2, &s).await.unwrap();
}

async fn key_hash_look_up_finds_the_current_stream_and_nothing_else(backend: Backend) {
    let p = ports(backend).await;
    let s = stream("u1", "c1", "s1", "key-1", false, Duration::ZERO);
    p.streams.create(&s).await.unwrap();
    assert_eq!(p.streams.find_by_key_hash(&s.key_hash()).await.unwrap(), s);
    let mut next = s.clone();
    next.stream.status.stream_status = StreamStatus::Active;
    next.version = 2;
    p.streams.update(&next, 1).await.unwrap();
    assert_eq!(p.streams.find_by_key_hash(&s.key_hash()).await.unwrap(), next);
    let b = broadcast("u1", "c1", "b1", Duration::ZERO);
    p.broadcasts.create(&b).await.unwrap();
    bind(&p, &b, &next).await.unwrap();
    let found = p.streams.find_by_key_hash(&s.key_hash()).await.unwrap();
    assert_eq!(found, p.streams.get(&user("u1"), "s1").await.unwrap());
    assert_eq!(found.bound_broadcasts, ["b1"]);
    assert_eq!(found.stream.cdn.ingestion_info.stream_name.expose(), "key-1");
    // not by the key itself, nor by anything else
    assert_eq!(
        p.streams.find_by_key_hash("key-1").await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        p.streams
            .find_by_key_hash(&StreamKey::presented("key-2").hash())
            .await,
        Err(StoreError::NotFound)
    );
    assert!(
        !format!("{found:?}").contains("key-1"),
        "Debug never shows the key"
    );
}

async fn broadcast_delete_is_conditional_and_frees_its_stream(backend: Backend) {
    let p = ports(backend).await;
    let s = stream("u1", "c1", "s1", "key-1", false, Duration::ZERO);
    let b = broadcast("u1", "c1", "b1", Duration::ZERO);
    p.streams.create(&s).await.unwrap();
    p.broadcasts.create(&b).await.unwrap();
    bind(&p, &b, &s).await.unwrap();
    let b = p.broadcasts.get(&user("u1"), "b1").await.unwrap();
    let s = p.streams.get(&user("u1"), "s1").await.unwrap();
    // stale broadcast version, stale stream version, the wrong stream: each refused, nothing changes
    assert!(matches!(
        p.broadcasts.delete(&user("u1"), "b1", 1, Some(&s), None).await,
        Err(StoreError::Conflict(_))
    ));
    let mut stale = s.clone();
    stale.version = 1;
    assert!(matches!(
        p.broadcasts
            .delete(&user("u1"), "b1", b.version, Some(&stale), None)
            .await,
        Err(StoreError::Conflict(_))
    ));
    let other = stream("u1", "c1", "s2", "key-2", true, Duration::ZERO);
    p.streams.create(&other).await.unwrap();
    assert!(matches!(
        p.broadcasts
            .delete(&user("u1"), "b1", b.version, Some(&other), None)
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(p.broadcasts.get(&user("u1"), "b1").await.unwrap(), b);
    assert_eq!(p.streams.get(&user("u1"), "s1").await.unwrap(), s);
    p.broadcasts
        .delete(&user("u1"), "b1", b.version, Some(&s), None)
        .await
        .unwrap();
    assert_eq!(
        p.broadcasts.get(&user("u1"), "b1").await,
        Err(StoreError::NotFound)
    );
    let freed = p.streams.get(&user("u1"), "s1").await.unwrap();
    assert!(freed.bound_broadcasts.is_empty());
    assert_eq!(freed.version, s.version + 1);
    assert_eq!(
        p.broadcasts
            .delete(&user("u1"), "b1", b.version, None, None)
            .await,
        Err(StoreError::NotFound)
    );
    // an unbound broadcast deletes alone
    let b2 = broadcast("u1", "c1", "b2", Duration::ZERO);
    p.broadcasts.create(&b2).await.unwrap();
    p.broadcasts
        .delete(&user("u1"), "b2", 1, None, None)
        .await
        .unwrap();
    // the id is free again
    p.broadcasts.create(&b2).await.unwrap();
}

async fn stream_delete_is_conditional_and_frees_its_key(backend: Backend) {
    let p = ports(backend).await;
    let s = stream("u1", "c1", "s1", "key-1", false, Duration::ZERO);
    p.streams.create(&s).await.unwrap();
    let mut next = s.clone();
    next.stream.snippet.title = "renamed".into();
    next.version = 2;
    p.streams.update(&next, 1).await.unwrap();
    assert!(matches!(p.streams.delete(&s).await, Err(StoreError::Conflict(_))));
    assert_eq!(p.streams.get(&user("u1"), "s1").await.unwrap(), next);
    p.streams.delete(&next).await.unwrap();
    assert_eq!(p.streams.get(&user("u1"), "s1").await, Err(StoreError::NotFound));
    assert_eq!(
        p.streams.find_by_key_hash(&s.key_hash()).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(p.streams.delete(&next).await, Err(StoreError::NotFound));
    // the key and the id are free again
    p.streams
        .create(&stream("u1", "c1", "s9", "key-1", false, Duration::ZERO))
        .await
        .unwrap();
    p.streams.create(&s).await.unwrap_err();
    p.streams
        .create(&stream("u1", "c1", "s1", "key-3", false, Duration::ZERO))
        .await
        .unwrap();
}

async fn updates_cannot_change_bindings_or_keys(backend: Backend) {
    let p = ports(backend).await;
    let s = stream("u1", "c1", "s1", "key-1", true, Duration::ZERO);
    let b = broadcast("u1", "c1", "b1", Duration::ZERO);
    p.streams.create(&s).await.unwrap();
    p.broadcasts.create(&b).await.unwrap();
    // a broadcast update that sneaks in a binding
    let sneaky = bound(&b, Some(&s));
    assert!(matches!(
        p.broadcasts.update(&sneaky, 1).await,
        Err(StoreError::Conflict(_))
    ));
    // a stream update that sneaks in a bound broadcast, or a new key
    let mut sneaky_s = s.clone();
    sneaky_s.bound_broadcasts = vec!["b1".into()];
    sneaky_s.version = 2;
    assert!(matches!(
        p.streams.update(&sneaky_s, 1).await,
        Err(StoreError::Conflict(_))
    ));
    let mut rekeyed = s.clone();
    rekeyed.stream.cdn.ingestion_info.stream_name = StreamKey::presented("key-2");
    rekeyed.version = 2;
    assert!(matches!(
        p.streams.update(&rekeyed, 1).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(p.broadcasts.get(&user("u1"), "b1").await.unwrap(), b);
    assert_eq!(p.streams.get(&user("u1"), "s1").await.unwrap(), s);
    assert_eq!(p.streams.find_by_key_hash(&s.key_hash()).await.unwrap(), s);
    assert_eq!(
        p.streams
            .find_by_key_hash(&StreamKey::presented("key-2").hash())
            .await,
        Err(StoreError::NotFound)
    );
}

async fn dynamodb_round_trips_stay_within_budget() {
    let p = ports(Backend::Aws).await;
    let Some(dynamo) = &p.dynamo else { unreachable!() };
    let trips = dynamo.round_trips();
    let count = |f: &str, want: u64| {
        assert_eq!(trips.get(), want, "{f}");
        trips.reset();
    };
    let s = stream("u1", "c1", "s1", "key-1", false, Duration::ZERO);
    trips.reset();
    p.streams.create(&s).await.unwrap();
    count("stream create (one transaction)", 1);
    for i in 0..5 {
        p.broadcasts
            .create(&broadcast("u1", "c1", &format!("b{i}"), Duration::seconds(i)))
            .await
            .unwrap();
    }
    count("five broadcast creates", 5);
    let b = p.broadcasts.get(&user("u1"), "b0").await.unwrap();
    count("broadcast get", 1);
    p.streams.get(&user("u1"), "s1").await.unwrap();
    count("stream get", 1);
    p.streams.find_by_key_hash(&s.key_hash()).await.unwrap();
    count("stream by key hash", 1);
    let first = p
        .broadcasts
        .list(&user("u1"), None, &PageRequest::first(2))
        .await
        .unwrap();
    count("first list page", 1);
    let request = PageRequest {
        limit: 2,
        token: first.next,
    };
    p.broadcasts.list(&user("u1"), None, &request).await.unwrap();
    count("next list page", 1);
    p.streams
        .list(&user("u1"), None, &PageRequest::first(5))
        .await
        .unwrap();
    count("stream list", 1);
    bind(&p, &b, &s).await.unwrap();
    count("bind (one transaction)", 1);
    let mut next = p.streams.get(&user("u1"), "s1").await.unwrap();
    trips.reset();
    next.version += 1;
    p.streams.update(&next, next.version - 1).await.unwrap();
    count("stream update (one transaction)", 1);
    let mut nb = p.broadcasts.get(&user("u1"), "b1").await.unwrap();
    trips.reset();
    nb.version += 1;
    p.broadcasts.update(&nb, nb.version - 1).await.unwrap();
    count("broadcast update", 1);
    let b0 = p.broadcasts.get(&user("u1"), "b0").await.unwrap();
    trips.reset();
    p.broadcasts
        .delete(&user("u1"), "b0", b0.version, Some(&next), None)
        .await
        .unwrap();
    count("broadcast delete freeing its stream (one transaction)", 1);
}
