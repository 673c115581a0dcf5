//! The live read model of the live store contract (see `onair_store::live_ports`) on both adapters:
//! `view` and `list_views` answer the live with its current broadcast, stream and statistics and
//! follow every write of those records (on DynamoDB: through the copies in the live's partition);
//! `commit` is one atomic write with exactly one winner; statistics keep the newest snapshot with
//! cumulative counters that never decrease; the admin `find` is owner-free.

use super::lifecycle::{broadcast, stream, user};
use crate::support::{self, Backend, T0};
use futures::future::join_all;
use onair_domain::ChannelId;
use onair_domain::channel::Channel;
use onair_domain::lifecycle::wire::{LifeCycleStatus, StreamStatus};
use onair_domain::user::User;
use onair_store::dynamo::DynamoStores;
use onair_store::embedded::EmbeddedStore;
use onair_store::{
    BindChange, BroadcastStore, ChannelStore, GuardedWriteError, LiveStats, LiveStore, LiveWrite, StoreError,
    StoredBroadcast, StoredLive, StoredStream, StreamStore, UserStore,
};
use std::sync::Arc;
use time::Duration;

crate::support::on_both_backends!(
    both: [
    a_view_is_the_live_with_its_current_broadcast_stream_and_statistics,
    views_follow_every_write_of_the_broadcast_and_the_stream,
    another_users_live_or_channel_is_not_found_in_views,
    fifty_parallel_commits_have_exactly_one_winner_and_losers_change_nothing,
    a_commit_writes_every_record_or_none,
    a_guarded_commit_lands_only_while_the_owner_and_the_channel_are_enabled,
    statistics_keep_the_newest_snapshot_and_the_highest_cumulative_counters,
    statistics_are_read_in_batch_for_their_owner_only,
    ],
    dynamodb_only: [a_dynamodb_view_reads_the_chat_count_and_never_the_chat_messages],
);

struct Ports {
    users: Arc<dyn UserStore>,
    channels: Arc<dyn ChannelStore>,
    lives: Arc<dyn LiveStore>,
    broadcasts: Arc<dyn BroadcastStore>,
    streams: Arc<dyn StreamStore>,
    dynamo: Option<DynamoStores>,
}

async fn ports(backend: Backend) -> Ports {
    match backend {
        Backend::Embedded => {
            let store = EmbeddedStore::new();
            Ports {
                users: Arc::new(store.clone()),
                channels: Arc::new(store.clone()),
                lives: Arc::new(store.clone()),
                broadcasts: Arc::new(store.clone()),
                streams: Arc::new(store),
                dynamo: None,
            }
        }
        Backend::Aws => {
            let dynamo = support::fresh_dynamo().await;
            Ports {
                users: Arc::new(dynamo.users()),
                channels: Arc::new(dynamo.channels()),
                lives: Arc::new(dynamo.lives()),
                broadcasts: Arc::new(dynamo.broadcasts()),
                streams: Arc::new(dynamo.streams()),
                dynamo: Some(dynamo),
            }
        }
    }
}

/// A live `id` of `owner` on channel `ch` with a broadcast bound to its own stream, all written
/// through the stores as R8 does; returns (live, broadcast as stored, stream as stored).
async fn open(p: &Ports, owner: &str, ch: &str, id: &str) -> (StoredLive, StoredBroadcast, StoredStream) {
    let mut b = broadcast(owner, ch, &format!("b-{id}"), Duration::ZERO);
    b.live = Some(id.into());
    b.broadcast.snippet.live_chat_id = Some(id.into());
    let mut s = stream(
        owner,
        ch,
        &format!("s-{id}"),
        &format!("key-{id}"),
        false,
        Duration::ZERO,
    );
    s.live = Some(id.into());
    p.broadcasts.create(&b).await.unwrap();
    p.streams.create(&s).await.unwrap();
    let mut next = b.clone();
    next.broadcast.content_details.bound_stream_id = Some(s.stream.id.clone());
    next.broadcast.status.life_cycle_status = LifeCycleStatus::Ready;
    next.version = 2;
    p.broadcasts
        .bind(&BindChange {
            broadcast: &next,
            expected_version: 1,
            attach: Some(&s),
            detach: None,
        })
        .await
        .unwrap();
    let live = StoredLive {
        live_id: id.into(),
        owner: user(owner),
        channel_id: ChannelId::parse(ch).unwrap(),
        broadcast_id: next.broadcast.id.clone(),
        stream_id: s.stream.id.clone(),
        started: false,
        broadcasts: vec![next.broadcast.id.clone()],
        created_at: T0,
        modified_at: T0,
        version: 1,
        channel_link: format!("https://example.com/{ch}"),
    };
    p.lives.create(&live).await.unwrap();
    let s = p.streams.get(&user(owner), &s.stream.id).await.unwrap();
    (live, next, s)
}

fn stats(second: i64, views: u64, viewers: u64, likes: u64) -> LiveStats {
    LiveStats {
        at: T0 + Duration::seconds(second),
        view_count: views,
        viewer_count: viewers,
        like_count: likes,
    }
}

async fn a_view_is_the_live_with_its_current_broadcast_stream_and_statistics(backend: Backend) {
    let p = ports(backend).await;
    let (live, b, s) = open(&p, "u1", "c1", "l1").await;
    let view = p.lives.view(&user("u1"), "l1", true).await.unwrap();
    assert_eq!(view.live, live);
    assert_eq!(view.broadcast.as_ref(), Some(&b));
    assert_eq!(view.stream.as_ref(), Some(&s));
    assert_eq!(view.stats, None);
    assert_eq!(view.chat_count, 0);
    let (applied, stored) = p.lives.record_stats(&live, &stats(1, 10, 5, 2)).await.unwrap();
    assert!(applied);
    assert_eq!(stored, stats(1, 10, 5, 2));
    let view = p.lives.view(&user("u1"), "l1", false).await.unwrap();
    assert_eq!(view.stats, Some(stats(1, 10, 5, 2)));
    // list_views: the same, for every live of the channel, in list order.
    let (second, _, _) = open(&p, "u1", "c1", "l2").await;
    let mut moved = second.clone();
    moved.modified_at = T0 + Duration::seconds(5);
    moved.version = 2;
    p.lives.update(&moved, 1).await.unwrap();
    open(&p, "u1", "c2", "l3").await;
    let views = p
        .lives
        .list_views(&user("u1"), &ChannelId::parse("c1").unwrap())
        .await
        .unwrap();
    let ids: Vec<&str> = views.iter().map(|v| v.live.live_id.as_str()).collect();
    assert_eq!(ids, ["l2", "l1"]);
    assert_eq!(views[1], view);
    assert!(views[0].broadcast.is_some() && views[0].stream.is_some());
    let none = p
        .lives
        .list_views(&user("u1"), &ChannelId::parse("c9").unwrap())
        .await
        .unwrap();
    assert!(none.is_empty());
    assert_eq!(p.lives.find("l1").await.unwrap(), live);
    assert_eq!(p.lives.find("nope").await, Err(StoreError::NotFound));
}

async fn views_follow_every_write_of_the_broadcast_and_the_stream(backend: Backend) {
    let p = ports(backend).await;
    let (_, b, s) = open(&p, "u1", "c1", "l1").await;
    let owner = user("u1");
    // A plain broadcast update (liveBroadcasts.update).
    let mut next = b.clone();
    next.broadcast.snippet.title = "renamed".into();
    next.version = b.version + 1;
    p.broadcasts.update(&next, b.version).await.unwrap();
    let view = p.lives.view(&owner, "l1", true).await.unwrap();
    assert_eq!(view.broadcast.as_ref(), Some(&next));
    // A stream update (the ingest hook): the view and the key look-up agree.
    let mut active = s.clone();
    active.stream.status.stream_status = StreamStatus::Active;
    active.version = s.version + 1;
    p.streams.update(&active, s.version).await.unwrap();
    let view = p.lives.view(&owner, "l1", true).await.unwrap();
    assert_eq!(view.stream.as_ref(), Some(&active));
    let by_key = p.streams.find_by_key_hash(&active.key_hash()).await.unwrap();
    assert_eq!(by_key, active);
    // A guarded transition.
    let mut testing = next.clone();
    testing.broadcast.status.life_cycle_status = LifeCycleStatus::Live;
    testing.version = next.version + 1;
    p.broadcasts
        .transition(&onair_store::GuardedUpdate {
            broadcast: &testing,
            expected_version: next.version,
            require_active_stream: None,
            require_live_enabled: false,
            require_bound_at_most: None,
        })
        .await
        .unwrap();
    let view = p.lives.view(&owner, "l1", true).await.unwrap();
    assert_eq!(view.broadcast.as_ref(), Some(&testing));
    // Deletes take the copies with them.
    let mut over = testing.clone();
    over.broadcast.status.life_cycle_status = LifeCycleStatus::Complete;
    over.version = testing.version + 1;
    p.broadcasts.update(&over, testing.version).await.unwrap();
    let bound = p.streams.get(&owner, &s.stream.id).await.unwrap();
    p.broadcasts
        .delete(
            &owner,
            &over.broadcast.id,
            over.version,
            Some(&bound),
            over.live.as_deref(),
        )
        .await
        .unwrap();
    let view = p.lives.view(&owner, "l1", true).await.unwrap();
    assert_eq!(view.broadcast, None);
    let freed = p.streams.get(&owner, &s.stream.id).await.unwrap();
    assert_eq!(view.stream.as_ref(), Some(&freed));
    p.streams.delete(&freed).await.unwrap();
    let view = p.lives.view(&owner, "l1", true).await.unwrap();
    assert_eq!(view.stream, None);
}

async fn another_users_live_or_channel_is_not_found_in_views(backend: Backend) {
    let p = ports(backend).await;
    let (live, b, _) = open(&p, "u1", "c1", "l1").await;
    assert_eq!(
        p.lives.view(&user("u2"), "l1", true).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        p.lives.view(&user("u1"), "nope", false).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        p.lives
            .list_views(&user("u2"), &ChannelId::parse("c1").unwrap())
            .await,
        Err(StoreError::NotFound)
    );
    // A commit naming another owner writes nothing.
    let mut theirs = live.clone();
    theirs.owner = user("u2");
    theirs.started = true;
    theirs.version = 2;
    let write = LiveWrite {
        broadcasts: vec![],
        lives: vec![(theirs, 1)],
        require_enabled: None,
    };
    assert_eq!(p.lives.commit(&write).await, Err(StoreError::NotFound.into()));
    let mut foreign = b.clone();
    foreign.owner = user("u2");
    foreign.version = b.version + 1;
    let write = LiveWrite {
        broadcasts: vec![(foreign, b.version)],
        lives: vec![],
        require_enabled: None,
    };
    assert_eq!(p.lives.commit(&write).await, Err(StoreError::NotFound.into()));
    assert_eq!(p.lives.view(&user("u1"), "l1", true).await.unwrap().live, live);
    assert!(
        p.lives
            .stats_many(&user("u2"), &[("l1".into(), b.broadcast.id.clone())])
            .await
            .unwrap()
            .is_empty()
    );
}

/// R10's write over `view`'s records: the broadcast complete, the live moved on.
fn ending(live: &StoredLive, b: &StoredBroadcast, n: i64) -> LiveWrite {
    let mut done = b.clone();
    done.broadcast.status.life_cycle_status = LifeCycleStatus::Complete;
    done.version = b.version + 1;
    let mut next = live.clone();
    next.modified_at = T0 + Duration::seconds(n);
    next.version = live.version + 1;
    LiveWrite {
        broadcasts: vec![(done, b.version)],
        lives: vec![(next, live.version)],
        require_enabled: None,
    }
}

/// R9's write over `live`: the live started, guarded by its channel.
fn starting(live: &StoredLive) -> LiveWrite {
    let mut next = live.clone();
    next.started = true;
    next.version = live.version + 1;
    LiveWrite {
        broadcasts: vec![],
        lives: vec![(next, live.version)],
        require_enabled: Some(live.channel_id.clone()),
    }
}

async fn a_guarded_commit_lands_only_while_the_owner_and_the_channel_are_enabled(backend: Backend) {
    let p = ports(backend).await;
    let owner = User {
        id: user("u1"),
        login: "u1".into(),
        user_name: "User u1".into(),
        profile_thumbnail: None,
        password_hash: None,
        disabled: false,
        created_at: T0,
        modified_at: T0,
        version: 1,
    };
    p.users.create(&owner).await.unwrap();
    let (live, b, _) = open(&p, "u1", "c1", "l1").await;
    // No channel record yet: the guard fails and nothing is written.
    assert_eq!(
        p.lives.commit(&starting(&live)).await,
        Err(GuardedWriteError::LiveNotEnabled)
    );
    let channel = Channel {
        id: ChannelId::parse("c1").unwrap(),
        owner: user("u1"),
        name: "channel c1".into(),
        enabled: false,
        link: "https://example.com/c1".into(),
        description: None,
        tags: None,
        thumbnail_url: None,
        follower_count: 0,
        created_at: T0,
        modified_at: T0,
        version: 1,
    };
    p.channels.create(&channel).await.unwrap();
    // A disabled channel: refused, with the broadcast of the same write untouched too.
    let mut guarded = ending(&live, &b, 1);
    guarded.require_enabled = Some(live.channel_id.clone());
    assert_eq!(
        p.lives.commit(&guarded).await,
        Err(GuardedWriteError::LiveNotEnabled)
    );
    assert_eq!(
        p.lives.commit(&starting(&live)).await,
        Err(GuardedWriteError::LiveNotEnabled)
    );
    assert_eq!(p.lives.view(&user("u1"), "l1", true).await.unwrap().live, live);
    assert_eq!(p.broadcasts.get(&user("u1"), &b.broadcast.id).await.unwrap(), b);
    // A record that moved on is reported before the guard: the writer re-reads first.
    let mut stale = starting(&live);
    stale.lives[0].1 = 7;
    stale.lives[0].0.version = 8;
    assert!(matches!(
        p.lives.commit(&stale).await,
        Err(GuardedWriteError::Store(StoreError::Conflict(_)))
    ));
    // Channel enabled, user disabled: refused.
    let enabled = Channel {
        enabled: true,
        version: 2,
        ..channel.clone()
    };
    p.channels.update(&enabled, 1).await.unwrap();
    let disabled_owner = User {
        disabled: true,
        version: 2,
        ..owner.clone()
    };
    p.users.update(&disabled_owner, 1).await.unwrap();
    assert_eq!(
        p.lives.commit(&starting(&live)).await,
        Err(GuardedWriteError::LiveNotEnabled)
    );
    assert_eq!(p.lives.view(&user("u1"), "l1", true).await.unwrap().live, live);
    // Both enabled: it lands; the unguarded end lands whatever the flags.
    let enabled_owner = User {
        disabled: false,
        version: 3,
        ..owner.clone()
    };
    p.users.update(&enabled_owner, 2).await.unwrap();
    let write = starting(&live);
    p.lives.commit(&write).await.unwrap();
    assert_eq!(
        p.lives.view(&user("u1"), "l1", true).await.unwrap().live,
        write.lives[0].0
    );
    let disabled = Channel {
        enabled: false,
        version: 3,
        ..enabled
    };
    p.channels.update(&disabled, 2).await.unwrap();
    p.lives.commit(&ending(&write.lives[0].0, &b, 2)).await.unwrap();
}

async fn fifty_parallel_commits_have_exactly_one_winner_and_losers_change_nothing(backend: Backend) {
    let p = Arc::new(ports(backend).await);
    let (live, b, _) = open(&p, "u1", "c1", "l1").await;
    let calls = (0..50).map(|n| {
        let p = p.clone();
        let write = ending(&live, &b, n);
        tokio::spawn(async move { (n, p.lives.commit(&write).await) })
    });
    let mut winners = Vec::new();
    for result in join_all(calls).await {
        match result.unwrap() {
            (n, Ok(())) => winners.push(n),
            (_, Err(GuardedWriteError::Store(StoreError::Conflict(_)))) => {}
            (_, other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    let view = p.lives.view(&user("u1"), "l1", true).await.unwrap();
    let won = ending(&live, &b, winners[0]);
    assert_eq!(view.live, won.lives[0].0);
    assert_eq!(view.broadcast.as_ref(), Some(&won.broadcasts[0].0));
    assert_eq!(
        p.broadcasts.get(&user("u1"), &b.broadcast.id).await.unwrap(),
        won.broadcasts[0].0
    );
}

async fn a_commit_writes_every_record_or_none(backend: Backend) {
    let p = ports(backend).await;
    let (first, b1, _) = open(&p, "u1", "c1", "l1").await;
    let (second, b2, _) = open(&p, "u1", "c1", "l2").await;
    let mut write = ending(&first, &b1, 1);
    let other = ending(&second, &b2, 1);
    write.broadcasts.extend(other.broadcasts.clone());
    write.lives.extend(other.lives.clone());
    // The second live moved on since it was read: nothing of the write lands.
    let mut moved = second.clone();
    moved.version = 2;
    p.lives.update(&moved, 1).await.unwrap();
    assert!(matches!(
        p.lives.commit(&write).await,
        Err(GuardedWriteError::Store(StoreError::Conflict(_)))
    ));
    assert_eq!(p.lives.view(&user("u1"), "l1", true).await.unwrap().live, first);
    assert_eq!(p.broadcasts.get(&user("u1"), &b1.broadcast.id).await.unwrap(), b1);
    assert_eq!(p.broadcasts.get(&user("u1"), &b2.broadcast.id).await.unwrap(), b2);
    // Read again, it all lands.
    let mut write = ending(&first, &b1, 1);
    let other = ending(&moved, &b2, 1);
    write.broadcasts.extend(other.broadcasts.clone());
    write.lives.extend(other.lives.clone());
    p.lives.commit(&write).await.unwrap();
    let views = p
        .lives
        .list_views(&user("u1"), &ChannelId::parse("c1").unwrap())
        .await
        .unwrap();
    for view in views {
        assert_eq!(
            view.broadcast.unwrap().broadcast.state(),
            LifeCycleStatus::Complete
        );
    }
}

async fn statistics_keep_the_newest_snapshot_and_the_highest_cumulative_counters(backend: Backend) {
    let p = Arc::new(ports(backend).await);
    let (live, _, _) = open(&p, "u1", "c1", "l1").await;
    assert_eq!(
        p.lives.record_stats(&live, &stats(10, 100, 50, 9)).await.unwrap(),
        (true, stats(10, 100, 50, 9))
    );
    // Newer, lower cumulative counters: kept at their maximum.
    assert_eq!(
        p.lives.record_stats(&live, &stats(20, 80, 30, 4)).await.unwrap(),
        (true, stats(20, 100, 30, 9))
    );
    // Not newer: nothing changes.
    assert_eq!(
        p.lives
            .record_stats(&live, &stats(20, 999, 999, 999))
            .await
            .unwrap(),
        (false, stats(20, 100, 30, 9))
    );
    assert_eq!(
        p.lives
            .record_stats(&live, &stats(1, 999, 999, 999))
            .await
            .unwrap(),
        (false, stats(20, 100, 30, 9))
    );
    // 50 parallel snapshots in scrambled order, older ones with higher view counts: the newest time
    // wins, and the cumulative counters are the maxima of the snapshots that were applied (one that
    // arrives after a newer one is stale and ignored whole, whatever its counts).
    let calls = (0..50i64).map(|i| {
        let p = p.clone();
        let live = live.clone();
        let second = 100 + (i * 31) % 50;
        let snap = stats(second, 200 + (49 - (second - 100)) as u64, second as u64, 5);
        tokio::spawn(async move { (p.lives.record_stats(&live, &snap).await.unwrap().0, snap) })
    });
    let mut most_views = 0;
    for r in join_all(calls).await {
        let (applied, snap) = r.unwrap();
        if applied {
            most_views = most_views.max(snap.view_count);
        }
    }
    assert!(most_views >= 200, "the newest snapshot is applied");
    let view = p.lives.view(&user("u1"), "l1", true).await.unwrap();
    assert_eq!(view.stats, Some(stats(149, most_views, 149, 9)));
}

async fn statistics_are_read_in_batch_for_their_owner_only(backend: Backend) {
    let p = ports(backend).await;
    let (l1, b1, _) = open(&p, "u1", "c1", "l1").await;
    let (_, b2, _) = open(&p, "u1", "c1", "l2").await;
    let (l3, b3, _) = open(&p, "u2", "c3", "l3").await;
    p.lives.record_stats(&l1, &stats(1, 1, 11, 1)).await.unwrap();
    p.lives.record_stats(&l3, &stats(1, 1, 33, 1)).await.unwrap();
    let keys = vec![
        ("l1".to_owned(), b1.broadcast.id.clone()),
        ("l2".to_owned(), b2.broadcast.id.clone()),
        ("l3".to_owned(), b3.broadcast.id.clone()),
    ];
    let found = p.lives.stats_many(&user("u1"), &keys).await.unwrap();
    assert_eq!(found, vec![(b1.broadcast.id.clone(), stats(1, 1, 11, 1))]);
}

async fn a_dynamodb_view_reads_the_chat_count_and_never_the_chat_messages() {
    use aws_sdk_dynamodb::types::AttributeValue as A;
    let p = ports(Backend::Aws).await;
    let (live, _, _) = open(&p, "u1", "c1", "l1").await;
    let dynamo = p.dynamo.as_ref().unwrap();
    let client = aws_sdk_dynamodb::Client::new(&support::sdk_config().await);
    // The chat store's items: its meta item with a count, and a message under `#` whose attributes
    // would break the read (another owner, no live fields) if it were ever read.
    for (sk, extra) in [
        (
            "CHAT",
            vec![("count", A::N("7".into())), ("owner", A::S("chat-author".into()))],
        ),
        ("#MSG#00000000000000000001", vec![("owner", A::S("u2".into()))]),
    ] {
        let mut put = client
            .put_item()
            .table_name(dynamo.registrations_table())
            .item("pk", A::S("LIVE#l1".into()))
            .item("sk", A::S(sk.into()));
        for (name, value) in extra {
            put = put.item(name, value);
        }
        put.send().await.unwrap();
    }
    let trips = dynamo.round_trips();
    trips.reset();
    let view = p.lives.view(&user("u1"), "l1", false).await.unwrap();
    assert_eq!(trips.get(), 1);
    assert_eq!(view.chat_count, 7);
    assert_eq!(view.live, live);
    assert!(view.broadcast.is_some() && view.stream.is_some());
}
