//! The store contract (see `onair_store::ports`): one generic suite over the `ClientStore`, `UserStore`
//! and `ChannelStore` ports, run against the embedded store and against DynamoDB on moto (a fresh pair
//! of tables per test). Each rule is an async function over [`Stores`]; the `contract!` macro
//! instantiates every one of them once per adapter, as `contract::store::embedded::<rule>` and
//! `contract::store::dynamodb::<rule>`. The DynamoDB module also holds the round-trip budget of each
//! operation the API relies on.

use crate::support::{self, T0};
use onair_domain::channel::{Channel, MAX_CHANNELS_PER_USER};
use onair_domain::client::{Client, ClientKind};
use onair_domain::user::User;
use onair_domain::{ChannelId, ClientId, PageRequest, SecretString, UserId};
use onair_store::dynamo::DynamoStores;
use onair_store::embedded::EmbeddedStore;
use onair_store::{ChannelStore, ClientStore, OwnedChannel, StoreError, UserStore};
use std::sync::Arc;
use time::Duration;

/// The three ports of one adapter.
struct Stores {
    clients: Arc<dyn ClientStore>,
    users: Arc<dyn UserStore>,
    channels: Arc<dyn ChannelStore>,
}

async fn embedded_stores() -> Stores {
    let store = EmbeddedStore::new();
    Stores {
        clients: Arc::new(store.clone()),
        users: Arc::new(store.clone()),
        channels: Arc::new(store),
    }
}

fn stores_of(dynamo: &DynamoStores) -> Stores {
    Stores {
        clients: Arc::new(dynamo.clients()),
        users: Arc::new(dynamo.users()),
        channels: Arc::new(dynamo.channels()),
    }
}

async fn dynamo_stores() -> Stores {
    stores_of(&support::fresh_dynamo().await)
}

// ---------------------------------------------------------------------------------------------------
// Fixtures: records built directly, with fixed timestamps (some with nanoseconds, which must survive).

fn client_id(id: &str) -> ClientId {
    ClientId::parse(id).unwrap()
}

fn user_id(id: &str) -> UserId {
    UserId::parse(id).unwrap()
}

fn channel_id(id: &str) -> ChannelId {
    ChannelId::parse(id).unwrap()
}

fn client(id: &str, created: Duration) -> Client {
    Client {
        id: client_id(id),
        name: format!("client {id}"),
        kind: ClientKind::Confidential,
        redirect_uris: vec![
            "https://prism.example/oauth/callback".into(),
            "http://127.0.0.1:8080/cb".into(),
        ],
        secret_name: Some(format!("client/{id}")),
        created_at: T0 + created,
        modified_at: T0 + created,
        version: 1,
    }
}

fn user(id: &str, login: &str) -> User {
    User {
        id: user_id(id),
        login: login.into(),
        user_name: format!("User {id}"),
        profile_thumbnail: Some(format!("https://img.example/{id}.png")),
        password_hash: Some(SecretString::new(format!(
            "$argon2id$v=19$m=19456,t=2,p=1$salt${id}"
        ))),
        disabled: false,
        created_at: T0 + Duration::nanoseconds(123_456_789),
        modified_at: T0 + Duration::nanoseconds(123_456_789),
        version: 1,
    }
}

fn channel(owner: &str, id: &str, created: Duration, modified: Duration) -> Channel {
    Channel {
        id: channel_id(id),
        owner: user_id(owner),
        name: format!("channel {id}"),
        enabled: true,
        link: format!("https://live.example/{id}"),
        description: Some(format!("all about {id}")),
        tags: Some("talk;games".into()),
        thumbnail_url: None,
        follower_count: 7,
        created_at: T0 + created,
        modified_at: T0 + modified,
        version: 1,
    }
}

fn secs(n: i64) -> Duration {
    Duration::seconds(n)
}

fn is_conflict<T: std::fmt::Debug>(result: &Result<T, StoreError>) -> bool {
    matches!(result, Err(StoreError::Conflict(_)))
}

#[track_caller]
fn assert_conflict<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert!(is_conflict(&result), "expected Conflict, got {result:?}");
}

/// Every client, walking the list `limit` at a time; checks each page's size and token on the way.
async fn walk_clients(s: &Stores, limit: usize) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut request = PageRequest::first(limit);
    loop {
        let page = s.clients.list(&request).await.unwrap();
        assert!(page.items.len() <= limit);
        pages.push(page.items.iter().map(|c| c.id.to_string()).collect());
        match page.next {
            Some(token) => {
                assert_eq!(page.items.len(), limit, "only the last page may be short");
                request.token = Some(token);
            }
            None => return pages,
        }
        assert!(pages.len() <= 20, "pagination does not terminate");
    }
}

/// Every channel of `owner`, walking the list `limit` at a time.
async fn walk_channels(s: &Stores, owner: &str, limit: usize) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut request = PageRequest::first(limit);
    loop {
        let listed = s.channels.list(&user_id(owner), &request).await.unwrap();
        assert_eq!(listed.owner.id, user_id(owner));
        assert!(listed.page.items.len() <= limit);
        pages.push(listed.page.items.iter().map(|c| c.id.to_string()).collect());
        match listed.page.next {
            Some(token) => {
                assert_eq!(listed.page.items.len(), limit, "only the last page may be short");
                request.token = Some(token);
            }
            None => return pages,
        }
        assert!(pages.len() <= 60, "pagination does not terminate");
    }
}

async fn channel_count(s: &Stores, owner: &str) -> usize {
    let listed = s
        .channels
        .list(&user_id(owner), &PageRequest::first(100))
        .await
        .unwrap();
    assert_eq!(listed.page.next, None);
    listed.page.items.len()
}

/// Tokens no store issued.
fn garbage_tokens() -> Vec<String> {
    vec![
        "garbage!!".into(),
        String::new(),
        "eyJ4IjoxfQ".into(),  // {"x":1}
        "bm90IGpzb24".into(), // not json
        "WzEsMl0".into(),     // [1,2]
        "A".repeat(2000),
    ]
}

// ---------------------------------------------------------------------------------------------------
// Clients

async fn clients_create_then_get_returns_the_same_client(s: &Stores) {
    let mut c = client("c1", Duration::nanoseconds(987_654_321));
    c.kind = ClientKind::Public;
    c.secret_name = None;
    s.clients.create(&c).await.unwrap();
    assert_eq!(s.clients.get(&c.id).await.unwrap(), c);
    let confidential = client("c2", secs(5));
    s.clients.create(&confidential).await.unwrap();
    assert_eq!(s.clients.get(&confidential.id).await.unwrap(), confidential);
}

async fn clients_duplicate_id_is_conflict_and_keeps_the_stored_client(s: &Stores) {
    let original = client("dup", secs(1));
    s.clients.create(&original).await.unwrap();
    let other = Client {
        name: "impostor".into(),
        redirect_uris: vec!["https://evil.example/cb".into()],
        version: 9,
        ..client("dup", secs(2))
    };
    assert_conflict(s.clients.create(&other).await);
    assert_eq!(s.clients.get(&original.id).await.unwrap(), original);
}

async fn clients_unknown_id_is_not_found(s: &Stores) {
    let ghost = client("ghost", secs(1));
    assert_eq!(s.clients.get(&ghost.id).await.unwrap_err(), StoreError::NotFound);
    let next = Client {
        version: 2,
        ..ghost.clone()
    };
    assert_eq!(
        s.clients.update(&next, 1).await.unwrap_err(),
        StoreError::NotFound
    );
    assert_eq!(
        s.clients.delete(&ghost.id).await.unwrap_err(),
        StoreError::NotFound
    );
    // A failed update must not have created anything.
    assert_eq!(s.clients.get(&ghost.id).await.unwrap_err(), StoreError::NotFound);
}

async fn clients_update_with_the_current_version_replaces_the_client(s: &Stores) {
    let c = client("upd", secs(1));
    s.clients.create(&c).await.unwrap();
    let v2 = Client {
        name: "renamed".into(),
        redirect_uris: vec!["https://new.example/cb".into()],
        secret_name: None,
        modified_at: T0 + secs(60),
        version: 2,
        ..c.clone()
    };
    s.clients.update(&v2, 1).await.unwrap();
    assert_eq!(s.clients.get(&c.id).await.unwrap(), v2);
    let v3 = Client {
        name: "again".into(),
        version: 3,
        ..v2.clone()
    };
    s.clients.update(&v3, 2).await.unwrap();
    assert_eq!(s.clients.get(&c.id).await.unwrap(), v3);
}

async fn clients_stale_version_update_is_conflict_and_changes_nothing(s: &Stores) {
    let c = client("stale", secs(1));
    s.clients.create(&c).await.unwrap();
    let v2 = Client {
        name: "second".into(),
        version: 2,
        ..c.clone()
    };
    s.clients.update(&v2, 1).await.unwrap();
    let stale = Client {
        name: "lost update".into(),
        version: 2,
        ..c.clone()
    };
    assert_conflict(s.clients.update(&stale, 1).await);
    let ahead = Client {
        name: "from the future".into(),
        version: 6,
        ..c.clone()
    };
    assert_conflict(s.clients.update(&ahead, 5).await);
    assert_eq!(s.clients.get(&c.id).await.unwrap(), v2);
}

async fn clients_delete_then_get_is_not_found_and_the_id_is_free_again(s: &Stores) {
    let c = client("del", secs(1));
    let keep = client("keep", secs(2));
    s.clients.create(&c).await.unwrap();
    s.clients.create(&keep).await.unwrap();
    s.clients.delete(&c.id).await.unwrap();
    assert_eq!(s.clients.get(&c.id).await.unwrap_err(), StoreError::NotFound);
    assert_eq!(s.clients.delete(&c.id).await.unwrap_err(), StoreError::NotFound);
    assert_eq!(s.clients.get(&keep.id).await.unwrap(), keep);
    let listed = s.clients.list(&PageRequest::first(10)).await.unwrap();
    assert_eq!(listed.items, vec![keep.clone()]);
    let again = Client {
        name: "reborn".into(),
        ..client("del", secs(3))
    };
    s.clients.create(&again).await.unwrap();
    assert_eq!(s.clients.get(&again.id).await.unwrap(), again);
}

async fn clients_list_is_created_desc_then_id_desc_and_pages_with_tokens(s: &Stores) {
    // Inserted out of order; three share a creation time, so the id breaks the tie.
    let fixtures = [
        ("c-b", secs(180)),
        ("c-g", Duration::nanoseconds(1)),
        ("c-e", secs(300)),
        ("c-a", secs(60)),
        ("c-f", secs(180)),
        ("c-d", secs(120)),
        ("c-c", secs(180)),
    ];
    for (id, created) in fixtures {
        s.clients.create(&client(id, created)).await.unwrap();
    }
    let expected = ["c-e", "c-f", "c-c", "c-b", "c-d", "c-a", "c-g"];
    let all = s.clients.list(&PageRequest::first(100)).await.unwrap();
    let ids: Vec<&str> = all.items.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, expected);
    assert_eq!(all.next, None);
    // Whole records come back, not just ids.
    assert_eq!(all.items[0], client("c-e", secs(300)));

    let pages = walk_clients(s, 3).await;
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, [3, 3, 1]);
    assert_eq!(pages.concat(), expected);
    // A page that ends exactly at the end of the list has no next token (no empty last page).
    assert_eq!(walk_clients(s, 7).await, vec![expected.to_vec()]);
    let sizes: Vec<usize> = walk_clients(s, 1).await.iter().map(Vec::len).collect();
    assert_eq!(sizes, [1; 7]);
}

async fn clients_list_of_no_clients_is_empty(s: &Stores) {
    let page = s.clients.list(&PageRequest::first(10)).await.unwrap();
    assert!(page.items.is_empty());
    assert_eq!(page.next, None);
}

async fn clients_list_rejects_a_garbage_page_token(s: &Stores) {
    for i in 0..4 {
        s.clients
            .create(&client(&format!("c{i}"), secs(i)))
            .await
            .unwrap();
    }
    for token in garbage_tokens() {
        let request = PageRequest {
            limit: 2,
            token: Some(token.clone()),
        };
        assert_eq!(
            s.clients.list(&request).await.unwrap_err(),
            StoreError::InvalidPageToken,
            "token {token:?}"
        );
    }
    // A token from the channel list of this very store is not a client token either.
    s.users.create(&user("u1", "tok")).await.unwrap();
    for i in 0..3 {
        s.channels
            .create(&channel("u1", &format!("ch{i}"), secs(i), secs(i)))
            .await
            .unwrap();
    }
    let channel_token = s
        .channels
        .list(&user_id("u1"), &PageRequest::first(1))
        .await
        .unwrap()
        .page
        .next;
    let request = PageRequest {
        limit: 2,
        token: channel_token,
    };
    assert_eq!(
        s.clients.list(&request).await.unwrap_err(),
        StoreError::InvalidPageToken
    );
}

// ---------------------------------------------------------------------------------------------------
// Users

async fn users_create_then_get_and_find_by_login_return_the_user(s: &Stores) {
    let u = user("u1", "alice");
    s.users.create(&u).await.unwrap();
    assert_eq!(s.users.get(&u.id).await.unwrap(), u);
    assert_eq!(s.users.find_by_login("alice").await.unwrap(), u);
    let federated = User {
        password_hash: None,
        profile_thumbnail: None,
        disabled: true,
        ..user("u2", "bob")
    };
    s.users.create(&federated).await.unwrap();
    assert_eq!(s.users.get(&federated.id).await.unwrap(), federated);
}

async fn users_duplicate_id_is_conflict_and_reserves_nothing(s: &Stores) {
    let first = user("u1", "alice");
    s.users.create(&first).await.unwrap();
    assert_conflict(s.users.create(&user("u1", "mallory")).await);
    assert_eq!(s.users.get(&first.id).await.unwrap(), first);
    // The losing create took no login: it can still be registered by someone else.
    assert_eq!(
        s.users.find_by_login("mallory").await.unwrap_err(),
        StoreError::NotFound
    );
    s.users.create(&user("u2", "mallory")).await.unwrap();
}

async fn users_duplicate_login_is_conflict_and_keeps_the_first_user(s: &Stores) {
    let first = user("u1", "alice");
    s.users.create(&first).await.unwrap();
    assert_conflict(s.users.create(&user("u2", "alice")).await);
    assert_eq!(s.users.get(&first.id).await.unwrap(), first);
    assert_eq!(s.users.find_by_login("alice").await.unwrap(), first);
    // The loser's profile was not written either.
    assert_eq!(
        s.users.get(&user_id("u2")).await.unwrap_err(),
        StoreError::NotFound
    );
}

async fn users_unknown_is_not_found(s: &Stores) {
    let ghost = user("ghost", "ghost");
    assert_eq!(s.users.get(&ghost.id).await.unwrap_err(), StoreError::NotFound);
    assert_eq!(
        s.users.find_by_login("ghost").await.unwrap_err(),
        StoreError::NotFound
    );
    let next = User {
        version: 2,
        ..ghost.clone()
    };
    assert_eq!(s.users.update(&next, 1).await.unwrap_err(), StoreError::NotFound);
    assert_eq!(s.users.delete(&ghost.id).await.unwrap_err(), StoreError::NotFound);
    assert_eq!(s.users.get(&ghost.id).await.unwrap_err(), StoreError::NotFound);
}

async fn users_update_replaces_mutable_fields_but_never_the_login(s: &Stores) {
    let u = user("u1", "alice");
    s.users.create(&u).await.unwrap();
    let v2 = User {
        login: "alice2".into(),
        user_name: "Alice Renamed".into(),
        profile_thumbnail: None,
        password_hash: Some(SecretString::new("$argon2id$new")),
        disabled: true,
        modified_at: T0 + secs(90),
        version: 2,
        ..u.clone()
    };
    s.users.update(&v2, 1).await.unwrap();
    let expected = User {
        login: "alice".into(),
        ..v2.clone()
    };
    assert_eq!(s.users.get(&u.id).await.unwrap(), expected);
    assert_eq!(s.users.find_by_login("alice").await.unwrap(), expected);
    assert_eq!(
        s.users.find_by_login("alice2").await.unwrap_err(),
        StoreError::NotFound
    );
    // Optional fields can be set again and cleared.
    let v3 = User {
        password_hash: None,
        profile_thumbnail: Some("https://img.example/new.png".into()),
        version: 3,
        ..expected.clone()
    };
    s.users.update(&v3, 2).await.unwrap();
    assert_eq!(s.users.get(&u.id).await.unwrap(), v3);
}

async fn users_stale_version_update_is_conflict_and_changes_nothing(s: &Stores) {
    let u = user("u1", "alice");
    s.users.create(&u).await.unwrap();
    let v2 = User {
        user_name: "second".into(),
        version: 2,
        ..u.clone()
    };
    s.users.update(&v2, 1).await.unwrap();
    let stale = User {
        user_name: "lost update".into(),
        version: 2,
        ..u.clone()
    };
    assert_conflict(s.users.update(&stale, 1).await);
    assert_eq!(s.users.get(&u.id).await.unwrap(), v2);
}

async fn users_update_keeps_the_ability_to_create_channels(s: &Stores) {
    let u = user("u1", "alice");
    s.users.create(&u).await.unwrap();
    s.channels
        .create(&channel("u1", "ch1", secs(1), secs(1)))
        .await
        .unwrap();
    let v2 = User {
        user_name: "renamed".into(),
        version: 2,
        ..u.clone()
    };
    s.users.update(&v2, 1).await.unwrap();
    s.channels
        .create(&channel("u1", "ch2", secs(2), secs(2)))
        .await
        .unwrap();
    let listed = s.channels.list(&u.id, &PageRequest::first(10)).await.unwrap();
    let ids: Vec<&str> = listed.page.items.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["ch2", "ch1"]);
    assert_eq!(listed.owner, v2);
    // The user can still be deleted with both channels (the count the delete checks is intact).
    s.users.delete(&u.id).await.unwrap();
    assert_eq!(
        s.channels.list(&u.id, &PageRequest::first(10)).await.unwrap_err(),
        StoreError::NotFound
    );
}

async fn users_delete_removes_the_user_the_login_and_every_channel(s: &Stores) {
    let u = user("u1", "alice");
    let other = user("u2", "bob");
    s.users.create(&u).await.unwrap();
    s.users.create(&other).await.unwrap();
    for i in 0..3 {
        s.channels
            .create(&channel("u1", &format!("ch{i}"), secs(i), secs(i)))
            .await
            .unwrap();
    }
    let bobs = channel("u2", "bobs", secs(1), secs(1));
    s.channels.create(&bobs).await.unwrap();

    s.users.delete(&u.id).await.unwrap();
    assert_eq!(s.users.get(&u.id).await.unwrap_err(), StoreError::NotFound);
    assert_eq!(
        s.users.find_by_login("alice").await.unwrap_err(),
        StoreError::NotFound
    );
    for i in 0..3 {
        let id = channel_id(&format!("ch{i}"));
        assert_eq!(
            s.channels.get(&u.id, &id).await.unwrap_err(),
            StoreError::NotFound
        );
    }
    assert_eq!(
        s.channels.list(&u.id, &PageRequest::first(10)).await.unwrap_err(),
        StoreError::NotFound
    );
    assert_eq!(s.users.delete(&u.id).await.unwrap_err(), StoreError::NotFound);
    // Nobody else was touched.
    assert_eq!(s.users.get(&other.id).await.unwrap(), other);
    assert_eq!(s.channels.get(&other.id, &bobs.id).await.unwrap().channel, bobs);

    // The login is free for a new user, and the old id starts again with no channels left behind.
    let newcomer = user("u3", "alice");
    s.users.create(&newcomer).await.unwrap();
    assert_eq!(s.users.find_by_login("alice").await.unwrap(), newcomer);
    s.users.create(&user("u1", "carol")).await.unwrap();
    assert_eq!(channel_count(s, "u1").await, 0);
    s.channels
        .create(&channel("u1", "ch0", secs(9), secs(9)))
        .await
        .unwrap();
    assert_eq!(channel_count(s, "u1").await, 1);
}

// ---------------------------------------------------------------------------------------------------
// Channels

async fn channels_create_for_a_missing_owner_is_not_found(s: &Stores) {
    let orphan = channel("nobody", "ch1", secs(1), secs(1));
    assert_eq!(
        s.channels.create(&orphan).await.unwrap_err(),
        StoreError::NotFound
    );
    assert_eq!(
        s.channels.get(&orphan.owner, &orphan.id).await.unwrap_err(),
        StoreError::NotFound
    );
    // Nothing was left behind for a user who registers later under that id.
    s.users.create(&user("nobody", "late")).await.unwrap();
    assert_eq!(channel_count(s, "nobody").await, 0);
}

async fn channels_create_then_get_returns_the_channel_with_its_owner(s: &Stores) {
    let u = user("u1", "alice");
    s.users.create(&u).await.unwrap();
    let c = Channel {
        thumbnail_url: Some("https://img.example/t.png".into()),
        description: None,
        tags: None,
        enabled: false,
        ..channel(
            "u1",
            "ch1",
            Duration::nanoseconds(5),
            Duration::nanoseconds(123_456_789),
        )
    };
    s.channels.create(&c).await.unwrap();
    let got = s.channels.get(&u.id, &c.id).await.unwrap();
    assert_eq!(
        got,
        OwnedChannel {
            owner: u.clone(),
            channel: c.clone()
        }
    );
    assert_eq!(
        s.channels.get(&u.id, &channel_id("other")).await.unwrap_err(),
        StoreError::NotFound
    );
}

async fn channels_duplicate_id_is_conflict_and_keeps_the_stored_channel(s: &Stores) {
    s.users.create(&user("u1", "alice")).await.unwrap();
    let original = channel("u1", "ch1", secs(1), secs(1));
    s.channels.create(&original).await.unwrap();
    let other = Channel {
        name: "impostor".into(),
        ..channel("u1", "ch1", secs(2), secs(2))
    };
    assert_conflict(s.channels.create(&other).await);
    assert_eq!(
        s.channels
            .get(&original.owner, &original.id)
            .await
            .unwrap()
            .channel,
        original
    );
    assert_eq!(channel_count(s, "u1").await, 1);
}

async fn channels_the_51st_channel_of_an_owner_is_conflict(s: &Stores) {
    assert_eq!(MAX_CHANNELS_PER_USER, 50);
    s.users.create(&user("u1", "alice")).await.unwrap();
    s.users.create(&user("u2", "bob")).await.unwrap();
    s.channels
        .create(&channel("u1", "ch0", secs(0), secs(0)))
        .await
        .unwrap();
    // Lost creates (duplicate ids) do not use up any of the owner's places.
    for _ in 0..3 {
        assert_conflict(s.channels.create(&channel("u1", "ch0", secs(0), secs(0))).await);
    }
    for i in 1..50 {
        s.channels
            .create(&channel("u1", &format!("ch{i}"), secs(i), secs(i)))
            .await
            .unwrap();
    }
    assert_eq!(channel_count(s, "u1").await, 50);
    let extra = channel("u1", "ch50", secs(50), secs(50));
    assert_conflict(s.channels.create(&extra).await);
    assert_eq!(
        s.channels.get(&extra.owner, &extra.id).await.unwrap_err(),
        StoreError::NotFound
    );
    assert_eq!(channel_count(s, "u1").await, 50);
    // The limit is per owner.
    s.channels
        .create(&channel("u2", "ch50", secs(50), secs(50)))
        .await
        .unwrap();
}

async fn channels_of_another_owner_are_not_found(s: &Stores) {
    let alice = user("u1", "alice");
    s.users.create(&alice).await.unwrap();
    s.users.create(&user("u2", "bob")).await.unwrap();
    let c = channel("u1", "ch1", secs(1), secs(1));
    s.channels.create(&c).await.unwrap();
    assert_eq!(
        s.channels.get(&user_id("u2"), &c.id).await.unwrap_err(),
        StoreError::NotFound
    );
    assert_eq!(
        s.channels.get(&user_id("nobody"), &c.id).await.unwrap_err(),
        StoreError::NotFound
    );
    assert_eq!(channel_count(s, "u2").await, 0);
    // Updating it as if bob owned it finds nothing and changes nothing.
    let hijack = Channel {
        owner: user_id("u2"),
        name: "hijacked".into(),
        version: 2,
        ..c.clone()
    };
    assert_eq!(
        s.channels.update(&hijack, 1).await.unwrap_err(),
        StoreError::NotFound
    );
    assert_eq!(
        s.channels.get(&alice.id, &c.id).await.unwrap(),
        OwnedChannel {
            owner: alice,
            channel: c
        }
    );
    assert_eq!(channel_count(s, "u2").await, 0);
}

async fn channels_update_with_the_current_version_replaces_the_channel(s: &Stores) {
    s.users.create(&user("u1", "alice")).await.unwrap();
    let c = channel("u1", "ch1", secs(1), secs(1));
    s.channels.create(&c).await.unwrap();
    let v2 = Channel {
        name: "renamed".into(),
        enabled: false,
        description: None,
        tags: Some("music".into()),
        thumbnail_url: Some("https://img.example/x.png".into()),
        follower_count: 1_000_000,
        modified_at: T0 + secs(100),
        version: 2,
        ..c.clone()
    };
    s.channels.update(&v2, 1).await.unwrap();
    assert_eq!(s.channels.get(&c.owner, &c.id).await.unwrap().channel, v2);
}

async fn channels_stale_or_unknown_update_changes_nothing(s: &Stores) {
    s.users.create(&user("u1", "alice")).await.unwrap();
    let c = channel("u1", "ch1", secs(1), secs(1));
    s.channels.create(&c).await.unwrap();
    let v2 = Channel {
        name: "second".into(),
        version: 2,
        ..c.clone()
    };
    s.channels.update(&v2, 1).await.unwrap();
    let stale = Channel {
        name: "lost update".into(),
        version: 2,
        ..c.clone()
    };
    assert_conflict(s.channels.update(&stale, 1).await);
    assert_eq!(s.channels.get(&c.owner, &c.id).await.unwrap().channel, v2);
    let ghost = Channel {
        version: 2,
        ..channel("u1", "ghost", secs(1), secs(1))
    };
    assert_eq!(
        s.channels.update(&ghost, 1).await.unwrap_err(),
        StoreError::NotFound
    );
    assert_eq!(
        s.channels.get(&c.owner, &ghost.id).await.unwrap_err(),
        StoreError::NotFound
    );
    assert_eq!(channel_count(s, "u1").await, 1);
}

async fn channels_list_is_modified_desc_then_created_desc_then_id_desc(s: &Stores) {
    s.users.create(&user("u1", "alice")).await.unwrap();
    // (id, created, modified)
    let fixtures = [
        ("a", 1, 10),
        ("b", 2, 10), // same modified as a, created later: before a
        ("c", 3, 5),
        ("d", 3, 5), // same modified and created as c: id desc puts d first
        ("e", 4, 4), // modified again below, moves to the front
        ("f", 6, 6), // modified again below, to the same instant as a and b, created latest of the three
    ];
    for (id, created, modified) in fixtures {
        s.channels
            .create(&channel("u1", id, secs(created), secs(modified)))
            .await
            .unwrap();
    }
    let e = channel("u1", "e", secs(4), secs(4));
    s.channels
        .update(
            &Channel {
                modified_at: T0 + secs(20),
                version: 2,
                ..e
            },
            1,
        )
        .await
        .unwrap();
    let f = channel("u1", "f", secs(6), secs(6));
    s.channels
        .update(
            &Channel {
                modified_at: T0 + secs(10),
                version: 2,
                ..f
            },
            1,
        )
        .await
        .unwrap();

    let listed = s
        .channels
        .list(&user_id("u1"), &PageRequest::first(100))
        .await
        .unwrap();
    let ids: Vec<&str> = listed.page.items.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["e", "f", "b", "a", "d", "c"]);
    assert_eq!(listed.page.next, None);
    assert_eq!(listed.page.items[0].modified_at, T0 + secs(20));
    assert_eq!(listed.page.items[0].version, 2);
}

async fn channels_list_pages_with_tokens(s: &Stores) {
    let alice = user("u1", "alice");
    s.users.create(&alice).await.unwrap();
    s.users.create(&user("u2", "bob")).await.unwrap();
    for (i, id) in ["p", "q", "r", "s", "t"].into_iter().enumerate() {
        let i = i as i64;
        s.channels
            .create(&channel("u1", id, secs(i), secs(10 - i)))
            .await
            .unwrap();
    }
    s.channels
        .create(&channel("u2", "z", secs(0), secs(99)))
        .await
        .unwrap();
    let pages = walk_channels(s, "u1", 2).await;
    assert_eq!(pages, vec![vec!["p", "q"], vec!["r", "s"], vec!["t"]]);
    assert_eq!(
        walk_channels(s, "u1", 5).await,
        vec![vec!["p", "q", "r", "s", "t"]]
    );
    let first = s.channels.list(&alice.id, &PageRequest::first(2)).await.unwrap();
    assert_eq!(first.owner, alice);
    for token in garbage_tokens() {
        let request = PageRequest {
            limit: 2,
            token: Some(token.clone()),
        };
        assert_eq!(
            s.channels.list(&alice.id, &request).await.unwrap_err(),
            StoreError::InvalidPageToken,
            "token {token:?}"
        );
    }
}

async fn channels_list_of_an_owner_without_channels_is_empty(s: &Stores) {
    let u = user("u1", "alice");
    s.users.create(&u).await.unwrap();
    let listed = s.channels.list(&u.id, &PageRequest::first(10)).await.unwrap();
    assert_eq!(listed.owner, u);
    assert!(listed.page.items.is_empty());
    assert_eq!(listed.page.next, None);
}

async fn channels_list_of_a_missing_owner_is_not_found(s: &Stores) {
    assert_eq!(
        s.channels
            .list(&user_id("nobody"), &PageRequest::first(10))
            .await
            .unwrap_err(),
        StoreError::NotFound
    );
}

// ---------------------------------------------------------------------------------------------------
// Concurrency: optimistic versions have exactly one winner.
//
// On DynamoDB these need a moto server that handles one request at a time. moto's DynamoDB backend has
// no lock of its own: a conditional write is check-then-act in Python, and a cancelled TransactWriteItems
// restores a deep copy of the whole table taken when it started, undoing writes other threads made in the
// meantime. Under `moto_server`'s default threaded mode that yields two winners, or 51 channels. Real
// DynamoDB serialises conditional writes per item and transactions across items, which is what the
// adapters rely on, so the rules are asserted as the contract states them.

const RACERS: usize = 20;

/// Checks that exactly one of `results` is `Ok` and every other one is `Conflict`; returns the winner.
#[track_caller]
fn single_winner(results: &[Result<(), StoreError>]) -> usize {
    let winners: Vec<usize> = (0..results.len()).filter(|i| results[*i].is_ok()).collect();
    assert_eq!(winners.len(), 1, "exactly one winner expected: {results:?}");
    for result in results {
        assert!(
            result.is_ok() || is_conflict(result),
            "losers must see Conflict: {result:?}"
        );
    }
    winners[0]
}

async fn join_all(
    tasks: Vec<tokio::task::JoinHandle<Result<(), StoreError>>>,
) -> Vec<Result<(), StoreError>> {
    let mut results = Vec::new();
    for result in futures::future::join_all(tasks).await {
        results.push(result.unwrap());
    }
    results
}

async fn concurrent_client_updates_have_exactly_one_winner(s: &Stores) {
    let c = client("hot", secs(1));
    s.clients.create(&c).await.unwrap();
    let v2 = Client {
        version: 2,
        ..c.clone()
    };
    s.clients.update(&v2, 1).await.unwrap();
    let barrier = Arc::new(tokio::sync::Barrier::new(RACERS));
    let tasks = (0..RACERS)
        .map(|i| {
            let (store, barrier) = (s.clients.clone(), barrier.clone());
            let next = Client {
                name: format!("winner-{i}"),
                version: 3,
                ..c.clone()
            };
            tokio::spawn(async move {
                barrier.wait().await;
                store.update(&next, 2).await
            })
        })
        .collect();
    let winner = single_winner(&join_all(tasks).await);
    let stored = s.clients.get(&c.id).await.unwrap();
    assert_eq!(stored.version, 3);
    assert_eq!(stored.name, format!("winner-{winner}"));
}

async fn concurrent_channel_updates_have_exactly_one_winner(s: &Stores) {
    s.users.create(&user("u1", "alice")).await.unwrap();
    let c = channel("u1", "hot", secs(1), secs(1));
    s.channels.create(&c).await.unwrap();
    let barrier = Arc::new(tokio::sync::Barrier::new(RACERS));
    let tasks = (0..RACERS)
        .map(|i| {
            let (store, barrier) = (s.channels.clone(), barrier.clone());
            let next = Channel {
                name: format!("winner-{i}"),
                version: 2,
                ..c.clone()
            };
            tokio::spawn(async move {
                barrier.wait().await;
                store.update(&next, 1).await
            })
        })
        .collect();
    let winner = single_winner(&join_all(tasks).await);
    let stored = s.channels.get(&c.owner, &c.id).await.unwrap().channel;
    assert_eq!(stored.version, 2);
    assert_eq!(stored.name, format!("winner-{winner}"));
}

async fn concurrent_user_updates_have_exactly_one_winner(s: &Stores) {
    let u = user("u1", "alice");
    s.users.create(&u).await.unwrap();
    let barrier = Arc::new(tokio::sync::Barrier::new(RACERS));
    let tasks = (0..RACERS)
        .map(|i| {
            let (store, barrier) = (s.users.clone(), barrier.clone());
            let next = User {
                user_name: format!("winner-{i}"),
                version: 2,
                ..u.clone()
            };
            tokio::spawn(async move {
                barrier.wait().await;
                store.update(&next, 1).await
            })
        })
        .collect();
    let winner = single_winner(&join_all(tasks).await);
    let stored = s.users.get(&u.id).await.unwrap();
    assert_eq!(stored.version, 2);
    assert_eq!(stored.user_name, format!("winner-{winner}"));
    assert_eq!(s.users.find_by_login("alice").await.unwrap(), stored);
}

async fn concurrent_creates_of_one_login_have_exactly_one_winner(s: &Stores) {
    let barrier = Arc::new(tokio::sync::Barrier::new(RACERS));
    let tasks = (0..RACERS)
        .map(|i| {
            let (store, barrier) = (s.users.clone(), barrier.clone());
            let candidate = user(&format!("u{i}"), "popular");
            tokio::spawn(async move {
                barrier.wait().await;
                store.create(&candidate).await
            })
        })
        .collect();
    let winner = single_winner(&join_all(tasks).await);
    let owner = s.users.find_by_login("popular").await.unwrap();
    assert_eq!(owner, user(&format!("u{winner}"), "popular"));
    for i in (0..RACERS).filter(|i| *i != winner) {
        assert_eq!(
            s.users.get(&user_id(&format!("u{i}"))).await.unwrap_err(),
            StoreError::NotFound
        );
    }
}

async fn concurrent_channel_creates_never_exceed_the_maximum(s: &Stores) {
    s.users.create(&user("u1", "alice")).await.unwrap();
    let existing = MAX_CHANNELS_PER_USER - 3;
    for i in 0..existing {
        let i = i as i64;
        s.channels
            .create(&channel("u1", &format!("ch{i}"), secs(i), secs(i)))
            .await
            .unwrap();
    }
    let barrier = Arc::new(tokio::sync::Barrier::new(RACERS));
    let tasks = (0..RACERS)
        .map(|i| {
            let (store, barrier) = (s.channels.clone(), barrier.clone());
            let candidate = channel("u1", &format!("new{i}"), secs(100), secs(100));
            tokio::spawn(async move {
                barrier.wait().await;
                store.create(&candidate).await
            })
        })
        .collect();
    let results = join_all(tasks).await;
    let won = results.iter().filter(|r| r.is_ok()).count();
    assert!(results.iter().all(|r| r.is_ok() || is_conflict(r)), "{results:?}");
    assert!(
        (1..=3).contains(&won),
        "{won} winners for 3 free places: {results:?}"
    );
    assert_eq!(channel_count(s, "u1").await, existing + won);
    // The count the adapter keeps agrees with what is stored: the owner can fill up to exactly 50.
    for i in 0..(3 - won) {
        s.channels
            .create(&channel("u1", &format!("fill{i}"), secs(200), secs(200)))
            .await
            .unwrap();
    }
    assert_conflict(
        s.channels
            .create(&channel("u1", "over", secs(300), secs(300)))
            .await,
    );
    assert_eq!(channel_count(s, "u1").await, MAX_CHANNELS_PER_USER);
}

// ---------------------------------------------------------------------------------------------------
// One test per rule and adapter.

macro_rules! contract {
    ($adapter:ident, $make:expr, { $($extra:item)* }) => {
        mod $adapter {
            #[allow(unused_imports)]
            use super::*;

            contract!(@tests $make;
                clients_create_then_get_returns_the_same_client,
                clients_duplicate_id_is_conflict_and_keeps_the_stored_client,
                clients_unknown_id_is_not_found,
                clients_update_with_the_current_version_replaces_the_client,
                clients_stale_version_update_is_conflict_and_changes_nothing,
                clients_delete_then_get_is_not_found_and_the_id_is_free_again,
                clients_list_is_created_desc_then_id_desc_and_pages_with_tokens,
                clients_list_of_no_clients_is_empty,
                clients_list_rejects_a_garbage_page_token,
                users_create_then_get_and_find_by_login_return_the_user,
                users_duplicate_id_is_conflict_and_reserves_nothing,
                users_duplicate_login_is_conflict_and_keeps_the_first_user,
                users_unknown_is_not_found,
                users_update_replaces_mutable_fields_but_never_the_login,
                users_stale_version_update_is_conflict_and_changes_nothing,
                users_update_keeps_the_ability_to_create_channels,
                users_delete_removes_the_user_the_login_and_every_channel,
                channels_create_for_a_missing_owner_is_not_found,
                channels_create_then_get_returns_the_channel_with_its_owner,
                channels_duplicate_id_is_conflict_and_keeps_the_stored_channel,
                channels_the_51st_channel_of_an_owner_is_conflict,
                channels_of_another_owner_are_not_found,
                channels_update_with_the_current_version_replaces_the_channel,
                channels_stale_or_unknown_update_changes_nothing,
                channels_list_is_modified_desc_then_created_desc_then_id_desc,
                channels_list_pages_with_tokens,
                channels_list_of_an_owner_without_channels_is_empty,
                channels_list_of_a_missing_owner_is_not_found,
                concurrent_client_updates_have_exactly_one_winner,
                concurrent_channel_updates_have_exactly_one_winner,
                concurrent_user_updates_have_exactly_one_winner,
                concurrent_creates_of_one_login_have_exactly_one_winner,
                concurrent_channel_creates_never_exceed_the_maximum,
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
    // Round trips: latency on Lambda is dominated by requests, so each hot operation has a budget.

    /// Fresh tables with one user (`u1`, channel `ch1`) and one client (`c1`); the counter is reset.
    async fn seeded() -> (DynamoStores, Stores) {
        let dynamo = support::fresh_dynamo().await;
        let s = stores_of(&dynamo);
        s.users.create(&user("u1", "alice")).await.unwrap();
        s.channels
            .create(&channel("u1", "ch1", secs(1), secs(1)))
            .await
            .unwrap();
        s.clients.create(&client("c1", secs(1))).await.unwrap();
        dynamo.round_trips().reset();
        (dynamo, s)
    }

    #[tokio::test]
    async fn channels_get_is_one_round_trip() {
        let (dynamo, s) = seeded().await;
        s.channels.get(&user_id("u1"), &channel_id("ch1")).await.unwrap();
        assert_eq!(dynamo.round_trips().get(), 1);
        dynamo.round_trips().reset();
        s.channels
            .get(&user_id("u1"), &channel_id("missing"))
            .await
            .unwrap_err();
        assert_eq!(dynamo.round_trips().get(), 1);
    }

    #[tokio::test]
    async fn channels_list_is_one_round_trip() {
        let (dynamo, s) = seeded().await;
        for i in 2..=MAX_CHANNELS_PER_USER {
            s.channels
                .create(&channel("u1", &format!("ch{i}"), secs(1), secs(1)))
                .await
                .unwrap();
        }
        dynamo.round_trips().reset();
        s.channels
            .list(&user_id("u1"), &PageRequest::first(100))
            .await
            .unwrap();
        assert_eq!(dynamo.round_trips().get(), 1);
        dynamo.round_trips().reset();
        let page = s
            .channels
            .list(&user_id("u1"), &PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(dynamo.round_trips().get(), 1);
        dynamo.round_trips().reset();
        let request = PageRequest {
            limit: 10,
            token: page.page.next,
        };
        s.channels.list(&user_id("u1"), &request).await.unwrap();
        assert_eq!(dynamo.round_trips().get(), 1);
    }

    #[tokio::test]
    async fn clients_get_is_one_round_trip() {
        let (dynamo, s) = seeded().await;
        s.clients.get(&client_id("c1")).await.unwrap();
        assert_eq!(dynamo.round_trips().get(), 1);
    }

    #[tokio::test]
    async fn users_get_is_one_round_trip() {
        let (dynamo, s) = seeded().await;
        s.users.get(&user_id("u1")).await.unwrap();
        assert_eq!(dynamo.round_trips().get(), 1);
    }

    #[tokio::test]
    async fn clients_create_is_one_round_trip() {
        let (dynamo, s) = seeded().await;
        s.clients.create(&client("c2", secs(2))).await.unwrap();
        assert_eq!(dynamo.round_trips().get(), 1);
        dynamo.round_trips().reset();
        s.clients.create(&client("c2", secs(2))).await.unwrap_err();
        assert_eq!(dynamo.round_trips().get(), 1);
    }

    #[tokio::test]
    async fn channels_create_is_one_round_trip() {
        let (dynamo, s) = seeded().await;
        s.channels
            .create(&channel("u1", "ch2", secs(2), secs(2)))
            .await
            .unwrap();
        assert_eq!(dynamo.round_trips().get(), 1);
        dynamo.round_trips().reset();
        s.channels
            .create(&channel("nobody", "ch2", secs(2), secs(2)))
            .await
            .unwrap_err();
        assert_eq!(dynamo.round_trips().get(), 1);
    }

    #[tokio::test]
    async fn users_create_is_one_round_trip() {
        let (dynamo, s) = seeded().await;
        s.users.create(&user("u2", "bob")).await.unwrap();
        assert_eq!(dynamo.round_trips().get(), 1);
        dynamo.round_trips().reset();
        s.users.create(&user("u3", "bob")).await.unwrap_err();
        assert_eq!(dynamo.round_trips().get(), 1);
    }
});
