//! The chat store contract (see `onair_store::chat_ports`) on the embedded store and on DynamoDB
//! (moto, fresh tables per test), plus the DynamoDB round-trip budget (a cursor poll is one request).

use crate::support::{self, Backend, T0};
use futures::future::join_all;
use onair_domain::chat::{Ban, Message, RateState};
use onair_domain::{ChannelId, UserId};
use onair_store::chat_ports::message_id;
use onair_store::dynamo::DynamoStores;
use onair_store::embedded::EmbeddedStore;
use onair_store::{
    AuthorState, ChatMeta, ChatOpen, ChatStore, Inserted, LiveStore, Post, StoreError, StoredLive,
};
use std::sync::Arc;

crate::support::on_both_backends!(
    both: [
        opening_a_chat_is_idempotent_and_repoints_only_the_owners_chat,
        a_missing_chat_is_not_found_everywhere_but_open,
        messages_read_back_in_sequence_order_with_the_meta,
        an_insert_is_conditional_on_the_sequence_and_author_version_read,
        fifty_parallel_inserts_take_sequences_one_to_fifty_without_gap_or_duplicate,
        a_deleted_message_is_gone_and_its_number_never_reused,
        parallel_bans_and_unbans_of_one_author_have_exactly_one_winner,
        parallel_moderator_changes_have_exactly_one_winner_and_leave_the_sequence_alone,
    ],
    dynamodb_only: [
        dynamodb_a_cursor_poll_is_one_request_beside_the_lives_own_items,
        dynamodb_chat_round_trips_are_as_budgeted,
    ],
);

struct Ports {
    chats: Arc<dyn ChatStore>,
}

async fn ports(backend: Backend) -> Ports {
    match backend {
        Backend::Embedded => Ports {
            chats: Arc::new(EmbeddedStore::new()),
        },
        Backend::Aws => Ports {
            chats: Arc::new(support::fresh_dynamo().await.chats()),
        },
    }
}

fn user(id: &str) -> UserId {
    UserId::parse(id).unwrap()
}

fn opening(chat: &str, owner: &str, broadcast: &str) -> ChatOpen {
    ChatOpen {
        chat_id: chat.into(),
        owner: user(owner),
        channel_id: ChannelId::parse("ch1").unwrap(),
        broadcast_id: broadcast.into(),
        at: T0,
    }
}

fn message(chat: &str, author: &str, sequence: u64) -> Message {
    Message {
        id: message_id(chat, sequence),
        chat_id: chat.into(),
        author_id: author.into(),
        author_name: format!("name of {author}"),
        author_thumbnail: None,
        text: format!("message {sequence}"),
        posted_at: T0,
        sequence,
        is_live_owner: false,
    }
}

/// Posts as `author` the way the use case does: read, decide, write on what was read; after a lost
/// sequence try the next one, after any other loss read again. Returns the sequence taken.
async fn post(chats: &dyn ChatStore, chat: &str, author: &str) -> u64 {
    loop {
        let (meta, state) = chats.author(chat, author).await.unwrap();
        let next = AuthorState {
            rate: Some(RateState {
                credit_nanos: 0,
                updated_at: T0,
            }),
            version: state.version + 1,
            ..state.clone()
        };
        let mut last = meta.last_sequence;
        loop {
            let m = message(chat, author, last + 1);
            let p = Post {
                chat_id: chat,
                read_sequence: last,
                author: &next,
                expected_author_version: state.version,
                message: &m,
            };
            match chats.insert(&p).await {
                Ok(Inserted::Stored) => return m.sequence,
                Ok(Inserted::SequenceTaken { last_sequence }) => {
                    assert!(last_sequence > last, "the sequence only moves on");
                    last = last_sequence;
                }
                Err(StoreError::Conflict(_)) => break,
                Err(other) => panic!("insert: {other:?}"),
            }
        }
    }
}

fn sequences(messages: &[Message]) -> Vec<u64> {
    messages.iter().map(|m| m.sequence).collect()
}

async fn opening_a_chat_is_idempotent_and_repoints_only_the_owners_chat(backend: Backend) {
    let p = ports(backend).await;
    let first = p.chats.open(&opening("c1", "u1", "b1")).await.unwrap();
    assert_eq!(
        (
            first.last_sequence,
            first.count,
            first.version,
            first.broadcast_id.as_str()
        ),
        (0, 0, 1, "b1")
    );
    assert!(first.moderators.is_empty());
    post(&*p.chats, "c1", "v1").await;
    let again = p.chats.open(&opening("c1", "u1", "b2")).await.unwrap();
    assert_eq!(again.broadcast_id, "b2");
    assert_eq!(
        (again.last_sequence, again.count),
        (1, 1),
        "a restart keeps the history"
    );
    assert_eq!(
        p.chats.open(&opening("c1", "u2", "b3")).await,
        Err(StoreError::Conflict("the chat id is another owner's".into()))
    );
    let meta = p.chats.meta("c1").await.unwrap();
    assert_eq!((meta.owner, meta.broadcast_id.as_str()), (user("u1"), "b2"));
}

async fn a_missing_chat_is_not_found_everywhere_but_open(backend: Backend) {
    let p = ports(backend).await;
    let nf = Err::<(), _>(StoreError::NotFound);
    assert_eq!(p.chats.meta("nope").await.map(|_| ()), nf);
    assert_eq!(p.chats.author("nope", "v1").await.map(|_| ()), nf);
    assert_eq!(p.chats.list_after("nope", 0, 10).await.map(|_| ()), nf);
    assert_eq!(p.chats.latest("nope", 10).await.map(|_| ()), nf);
    assert_eq!(p.chats.message("nope", 1).await.map(|_| ()), nf);
    assert_eq!(p.chats.delete_message("nope", 1).await, nf);
    let m = message("nope", "v1", 1);
    let author = AuthorState {
        version: 1,
        ..AuthorState::new("v1")
    };
    let post = Post {
        chat_id: "nope",
        read_sequence: 0,
        author: &author,
        expected_author_version: 0,
        message: &m,
    };
    assert_eq!(p.chats.insert(&post).await.map(|_| ()), nf);
    assert_eq!(p.chats.set_author("nope", &author, 0).await, nf);
    let meta = ChatMeta {
        chat_id: "nope".into(),
        owner: user("u1"),
        channel_id: ChannelId::parse("ch1").unwrap(),
        broadcast_id: "b".into(),
        moderators: vec!["m1".into()],
        last_sequence: 0,
        count: 0,
        created_at: T0,
        version: 2,
    };
    assert_eq!(p.chats.set_moderators(&meta, 1).await, nf);
}

async fn messages_read_back_in_sequence_order_with_the_meta(backend: Backend) {
    let p = ports(backend).await;
    p.chats.open(&opening("c1", "u1", "b1")).await.unwrap();
    for i in 0..7 {
        post(&*p.chats, "c1", &format!("v{}", i % 3)).await;
    }
    let (meta, all) = p.chats.list_after("c1", 0, 100).await.unwrap();
    assert_eq!(sequences(&all), (1..=7).collect::<Vec<_>>());
    assert_eq!((meta.last_sequence, meta.count), (7, 7));
    assert_eq!(all[3], message("c1", "v0", 4), "a message reads back as written");
    let (_, after) = p.chats.list_after("c1", 3, 2).await.unwrap();
    assert_eq!(
        sequences(&after),
        vec![4, 5],
        "after the cursor, oldest first, at most max"
    );
    let (_, none) = p.chats.list_after("c1", 7, 100).await.unwrap();
    assert!(none.is_empty());
    let (meta, newest) = p.chats.latest("c1", 3).await.unwrap();
    assert_eq!(sequences(&newest), vec![5, 6, 7], "the newest, oldest first");
    assert_eq!(meta.count, 7);
    assert_eq!(p.chats.message("c1", 2).await.unwrap(), message("c1", "v1", 2));
    let (_, v1) = p.chats.author("c1", "v1").await.unwrap();
    assert_eq!(v1.version, 2, "one author record, versioned per message");
    let (_, fresh) = p.chats.author("c1", "never").await.unwrap();
    assert_eq!(fresh, AuthorState::new("never"));
}

async fn an_insert_is_conditional_on_the_sequence_and_author_version_read(backend: Backend) {
    let p = ports(backend).await;
    p.chats.open(&opening("c1", "u1", "b1")).await.unwrap();
    post(&*p.chats, "c1", "v1").await;
    // A stale sequence (someone else posted 1 after we read 0).
    let stale = message("c1", "v2", 1);
    let author = AuthorState {
        version: 1,
        ..AuthorState::new("v2")
    };
    let lost = Post {
        chat_id: "c1",
        read_sequence: 0,
        author: &author,
        expected_author_version: 0,
        message: &stale,
    };
    assert_eq!(
        p.chats.insert(&lost).await,
        Ok(Inserted::SequenceTaken { last_sequence: 1 }),
        "a lost sequence says which one won"
    );
    // A stale author version (the author's record moved on, e.g. a ban, after we read it).
    let m = message("c1", "v1", 2);
    let author = AuthorState {
        version: 1,
        ..AuthorState::new("v1")
    };
    let stale_author = Post {
        chat_id: "c1",
        read_sequence: 1,
        author: &author,
        expected_author_version: 0,
        message: &m,
    };
    assert!(matches!(
        p.chats.insert(&stale_author).await,
        Err(StoreError::Conflict(_))
    ));
    // Both stale: the author moved on too, so the loser must read again (no sequence hint).
    let m1 = message("c1", "v1", 1);
    let both = Post {
        chat_id: "c1",
        read_sequence: 0,
        author: &author,
        expected_author_version: 0,
        message: &m1,
    };
    assert!(matches!(
        p.chats.insert(&both).await,
        Err(StoreError::Conflict(_))
    ));
    // A message that does not carry the next sequence is refused before any write.
    let skip = message("c1", "v1", 5);
    let author = AuthorState {
        version: 2,
        ..AuthorState::new("v1")
    };
    let skipping = Post {
        chat_id: "c1",
        read_sequence: 1,
        author: &author,
        expected_author_version: 1,
        message: &skip,
    };
    assert!(matches!(
        p.chats.insert(&skipping).await,
        Err(StoreError::Conflict(_))
    ));
    let (meta, all) = p.chats.list_after("c1", 0, 100).await.unwrap();
    assert_eq!(sequences(&all), vec![1], "losers changed nothing");
    assert_eq!((meta.last_sequence, meta.count), (1, 1));
    let (_, v2) = p.chats.author("c1", "v2").await.unwrap();
    assert_eq!(v2.version, 0);
}

async fn fifty_parallel_inserts_take_sequences_one_to_fifty_without_gap_or_duplicate(backend: Backend) {
    let p = ports(backend).await;
    p.chats.open(&opening("c1", "u1", "b1")).await.unwrap();
    let tasks = (0..50).map(|i| {
        let chats = p.chats.clone();
        tokio::spawn(async move { post(&*chats, "c1", &format!("v{i}")).await })
    });
    let mut taken: Vec<u64> = join_all(tasks).await.into_iter().map(Result::unwrap).collect();
    taken.sort_unstable();
    assert_eq!(taken, (1..=50).collect::<Vec<_>>());
    let (meta, all) = p.chats.list_after("c1", 0, 100).await.unwrap();
    assert_eq!(sequences(&all), (1..=50).collect::<Vec<_>>());
    assert_eq!((meta.last_sequence, meta.count), (50, 50));
    let mut authors: Vec<&str> = all.iter().map(|m| m.author_id.as_str()).collect();
    authors.sort_unstable();
    authors.dedup();
    assert_eq!(authors.len(), 50, "every poster's message is stored once");
}

async fn a_deleted_message_is_gone_and_its_number_never_reused(backend: Backend) {
    let p = ports(backend).await;
    p.chats.open(&opening("c1", "u1", "b1")).await.unwrap();
    for _ in 0..3 {
        post(&*p.chats, "c1", "v1").await;
    }
    p.chats.delete_message("c1", 3).await.unwrap();
    assert_eq!(p.chats.delete_message("c1", 3).await, Err(StoreError::NotFound));
    assert_eq!(p.chats.message("c1", 3).await, Err(StoreError::NotFound));
    assert_eq!(
        post(&*p.chats, "c1", "v2").await,
        4,
        "the number of a deleted message is not reused"
    );
    let (meta, all) = p.chats.list_after("c1", 0, 100).await.unwrap();
    assert_eq!(sequences(&all), vec![1, 2, 4]);
    assert_eq!(meta.count, 4, "the count is of messages ever posted");
}

async fn parallel_bans_and_unbans_of_one_author_have_exactly_one_winner(backend: Backend) {
    let p = ports(backend).await;
    p.chats.open(&opening("c1", "u1", "b1")).await.unwrap();
    post(&*p.chats, "c1", "v1").await;
    let (_, read) = p.chats.author("c1", "v1").await.unwrap();
    let tasks = (0..50).map(|i| {
        let chats = p.chats.clone();
        let read = read.clone();
        tokio::spawn(async move {
            let ban = match i % 3 {
                0 => None,
                1 => Some(Ban::Permanent),
                _ => Some(Ban::Until(T0 + time::Duration::seconds(i))),
            };
            let next = AuthorState {
                ban,
                version: read.version + 1,
                ..read.clone()
            };
            (next.clone(), chats.set_author("c1", &next, read.version).await)
        })
    });
    let results: Vec<_> = join_all(tasks).await.into_iter().map(Result::unwrap).collect();
    let winners: Vec<&AuthorState> = results
        .iter()
        .filter(|(_, r)| r.is_ok())
        .map(|(next, _)| next)
        .collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    assert!(
        results
            .iter()
            .all(|(_, r)| r.is_ok() || matches!(r, Err(StoreError::Conflict(_))))
    );
    let (_, stored) = p.chats.author("c1", "v1").await.unwrap();
    assert_eq!(&stored, winners[0], "the winner's write, and only it, is stored");
    // A first ban of an author with no record is conditional on there being none.
    let fresh = AuthorState {
        ban: Some(Ban::Permanent),
        version: 1,
        ..AuthorState::new("v9")
    };
    let both = join_all([
        p.chats.set_author("c1", &fresh, 0),
        p.chats.set_author("c1", &fresh, 0),
    ])
    .await;
    assert_eq!(both.iter().filter(|r| r.is_ok()).count(), 1, "{both:?}");
}

async fn parallel_moderator_changes_have_exactly_one_winner_and_leave_the_sequence_alone(backend: Backend) {
    let p = ports(backend).await;
    let read = p.chats.open(&opening("c1", "u1", "b1")).await.unwrap();
    let tasks = (0..50).map(|i| {
        let chats = p.chats.clone();
        let read = read.clone();
        tokio::spawn(async move {
            let next = ChatMeta {
                moderators: vec![format!("m{i}")],
                version: read.version + 1,
                ..read.clone()
            };
            (
                next.moderators.clone(),
                chats.set_moderators(&next, read.version).await,
            )
        })
    });
    let results: Vec<_> = join_all(tasks).await.into_iter().map(Result::unwrap).collect();
    let winners: Vec<&Vec<String>> = results
        .iter()
        .filter(|(_, r)| r.is_ok())
        .map(|(m, _)| m)
        .collect();
    assert_eq!(winners.len(), 1, "{results:?}");
    // Posting and moderating touch different attributes of the meta: neither undoes the other.
    post(&*p.chats, "c1", "v1").await;
    let meta = p.chats.meta("c1").await.unwrap();
    assert_eq!(&meta.moderators, winners[0]);
    assert_eq!((meta.last_sequence, meta.count, meta.version), (1, 1, 2));
    let stale = ChatMeta {
        moderators: vec![],
        version: 2,
        ..meta.clone()
    };
    assert!(matches!(
        p.chats.set_moderators(&stale, 1).await,
        Err(StoreError::Conflict(_))
    ));
}

/// The live's own items share the chat's partition (`LIVE`, and the live model's mirrors): a cursor
/// poll still reads the new messages and the meta in one request, and nothing else leaks in.
async fn dynamodb_a_cursor_poll_is_one_request_beside_the_lives_own_items() {
    let dynamo: DynamoStores = support::fresh_dynamo().await;
    let chats = dynamo.chats();
    let live = StoredLive {
        live_id: "c1".into(),
        owner: user("u1"),
        channel_id: ChannelId::parse("ch1").unwrap(),
        broadcast_id: "b1".into(),
        stream_id: "s1".into(),
        started: false,
        broadcasts: vec!["b1".into()],
        created_at: T0,
        modified_at: T0,
        version: 1,
        channel_link: "https://example.test/ch1".into(),
    };
    dynamo.lives().create(&live).await.unwrap();
    chats.open(&opening("c1", "u1", "b1")).await.unwrap();
    for _ in 0..5 {
        post(&chats, "c1", "v1").await;
    }
    let trips = dynamo.round_trips();
    trips.reset();
    let (meta, after) = chats.list_after("c1", 2, 100).await.unwrap();
    assert_eq!(trips.get(), 1);
    assert_eq!(sequences(&after), vec![3, 4, 5]);
    assert_eq!(meta.count, 5);
    trips.reset();
    let (_, page) = chats.list_after("c1", 0, 2).await.unwrap();
    assert_eq!(sequences(&page), vec![1, 2]);
    assert!(
        trips.get() <= 2,
        "more messages than the page: the meta may take a second read"
    );
    assert_eq!(dynamo.lives().get(&user("u1"), "c1").await.unwrap(), live);
}

async fn dynamodb_chat_round_trips_are_as_budgeted() {
    let dynamo: DynamoStores = support::fresh_dynamo().await;
    let chats = dynamo.chats();
    let trips = dynamo.round_trips();
    chats.open(&opening("c1", "u1", "b1")).await.unwrap();
    post(&chats, "c1", "v1").await;
    trips.reset();
    chats.open(&opening("c1", "u1", "b2")).await.unwrap();
    assert_eq!(trips.get(), 1, "open");
    trips.reset();
    let (meta, author) = chats.author("c1", "v1").await.unwrap();
    assert_eq!(trips.get(), 1, "meta + author");
    let m = message("c1", "v1", meta.last_sequence + 1);
    let next = AuthorState {
        version: author.version + 1,
        ..author.clone()
    };
    trips.reset();
    chats
        .insert(&Post {
            chat_id: "c1",
            read_sequence: meta.last_sequence,
            author: &next,
            expected_author_version: author.version,
            message: &m,
        })
        .await
        .unwrap();
    assert_eq!(trips.get(), 1, "insert");
    trips.reset();
    chats.latest("c1", 10).await.unwrap();
    assert_eq!(trips.get(), 2, "latest: meta and messages, sent together");
}
