//! PRISM chat O1–O3 and moderation O4–O8 (`onair_app::chat` behind `onair_api::prism::chat`), through
//! the in-process router on both stores, one test per rule. PRISM acts as the streamer; viewers (who
//! post through the YouTube face) are driven through the use cases directly.

use crate::faults::inject::{Fault, Faults, wrap};
use crate::support::{Backend, Reply, TestApp, call};
use crate::youtube::{Yt, token_for};
use futures::future::join_all;
use http::{Method, StatusCode};
use onair_app::AppError;
use onair_app::chat::{self, Actor, Scope};
use onair_domain::UserId;
use onair_domain::chat::{ChatError, Message};
use serde_json::{Value, json};
use time::Duration;

crate::support::on_both_backends!(
    both: [
        o1_on_a_new_live_is_an_empty_array_and_a_token,
        o1_gives_every_dto_field_with_the_text_in_message_oldest_first,
        o1_max_results_negative_or_not_a_number_is_refused,
        o1_max_results_zero_or_over_one_hundred_means_one_hundred,
        o1_with_a_token_gives_only_newer_messages_and_the_same_token_when_nothing_is_new,
        o1_a_forged_or_other_live_page_token_is_refused,
        o2_posts_as_the_streamer_with_html_kept_as_text,
        o2_an_empty_blank_or_201_character_message_is_refused_and_nothing_stored,
        o3_deletes_a_message_for_good,
        deleting_someone_elses_message_as_a_non_moderator_is_refused,
        moderators_delete_and_ban_viewers_and_is_live_manager_follows_o7_o8,
        o4_a_banned_author_is_refused_and_nothing_is_stored_until_o6,
        o5_ban_time_zero_negative_missing_or_fractional_is_refused_and_changes_nothing,
        o5_a_timed_ban_lifts_by_itself_at_its_end,
        moderating_as_a_non_owner_is_refused,
        the_chat_closes_when_the_live_ends_and_its_history_stays_readable,
        a_restarted_live_keeps_one_chat_open_again,
        fifty_parallel_inserts_by_one_author_accept_exactly_five,
        fifty_parallel_inserts_by_distinct_authors_are_all_stored,
        oversized_bodies_and_duplicated_query_parameters_are_refused,
        unknown_and_foreign_lives_are_404_on_every_chat_route,
        a_chat_store_outage_is_503_and_a_refused_write_stores_nothing,
    ],
    dynamodb_only: [o1_with_a_page_token_is_one_dynamodb_round_trip],
);

const T_RESERVED: &str = "2026-11-01T18:30:00+09:00";

fn chat_path(live: &str) -> String {
    format!("/prism/v1/service/live/{live}/chat")
}

fn action_path(live: &str, action: &str, user: &str) -> String {
    format!("/prism/v1/service/live/{live}/{action}/{user}")
}

async fn new_live(yt: &Yt) -> String {
    let reply = yt
        .call(
            Method::POST,
            &format!("/prism/v1/service/channel/{}/live", yt.channel),
            Some(json!({ "title": "Show", "reservedAt": T_RESERVED })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["data"]["live"]["liveId"].as_str().unwrap().to_owned()
}

async fn list(yt: &Yt, live: &str, body: Value) -> Reply {
    yt.call(Method::POST, &chat_path(live), Some(body)).await
}

/// O1 that must succeed: (messages, nextPageToken).
async fn page(yt: &Yt, live: &str, body: Value) -> (Vec<Value>, String) {
    let reply = list(yt, live, body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["data"]["liveId"], live);
    let messages = reply.body["data"]["messages"].as_array().unwrap().clone();
    let token = reply.body["data"]["nextPageToken"].as_str().unwrap().to_owned();
    (messages, token)
}

fn texts(messages: &[Value]) -> Vec<String> {
    messages
        .iter()
        .map(|m| m["message"].as_str().unwrap().to_owned())
        .collect()
}

async fn send(yt: &Yt, live: &str, text: &str) -> Reply {
    yt.call(Method::PUT, &chat_path(live), Some(json!({ "message": text })))
        .await
}

async fn put(yt: &Yt, live: &str, action: &str, user: &str, body: Option<Value>) -> Reply {
    yt.call(Method::PUT, &action_path(live, action, user), body).await
}

fn ok(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["success"], true);
    assert_eq!(reply.body["data"], Value::Null);
}

fn refused(reply: &Reply, status: StatusCode, name: &str) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(reply.body["success"], false, "{}", reply.text);
    assert_eq!(reply.body["errorName"], name, "{}", reply.text);
}

fn viewer(id: &str) -> Actor {
    Actor {
        user: UserId::parse(id).unwrap(),
        name: format!("Viewer {id}"),
        thumbnail: Some(format!("https://img.example.com/{id}.png")),
    }
}

/// A viewer posts through the use case (as the YouTube face will).
async fn viewer_posts(yt: &Yt, live: &str, who: &str, text: &str) -> Result<Message, AppError> {
    chat::insert(&yt.app.state, Scope::Anyone, &viewer(who), live, text)
        .await
        .map(|(_, m)| m)
}

async fn count(yt: &Yt, live: &str) -> u64 {
    yt.app.state.chats.meta(live).await.unwrap().count
}

async fn o1_on_a_new_live_is_an_empty_array_and_a_token(backend: Backend) {
    let yt = Yt::new(backend).await;
    let live = new_live(&yt).await;
    let reply = list(&yt, &live, json!({ "maxResults": 10, "pageToken": null })).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["data"]["messages"], json!([]), "never null");
    assert!(
        reply.body["data"]["nextPageToken"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
    assert_eq!(reply.headers["cache-control"], "no-store");
}

async fn o1_gives_every_dto_field_with_the_text_in_message_oldest_first(backend: Backend) {
    let yt = Yt::new(backend).await;
    let live = new_live(&yt).await;
    ok(&send(&yt, &live, "hello from the streamer").await);
    viewer_posts(&yt, &live, "viewer-1", "hi!").await.unwrap();
    let (messages, _) = page(&yt, &live, json!({ "maxResults": 0 })).await;
    assert_eq!(texts(&messages), ["hello from the streamer", "hi!"]);
    let mut keys: Vec<&str> = messages[1]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "authorId",
            "authorName",
            "authorProfileThumbnail",
            "isLiveManager",
            "isLiveOwner",
            "message",
            "messageAt",
            "messageId",
        ]
    );
    let owner = &messages[0];
    assert_eq!(owner["authorId"], yt.user.as_str());
    assert_eq!(owner["isLiveOwner"], true);
    assert_eq!(owner["isLiveManager"], false);
    assert_eq!(owner["messageId"], format!("{live}.1"));
    assert_eq!(owner["messageAt"], "2026-11-01T00:00:00+00:00");
    let v = &messages[1];
    assert_eq!(v["authorId"], "viewer-1");
    assert_eq!(v["authorName"], "Viewer viewer-1");
    assert_eq!(
        v["authorProfileThumbnail"],
        "https://img.example.com/viewer-1.png"
    );
    assert_eq!(v["isLiveOwner"], false);
    assert!(v["messageId"].is_string());
}

async fn o1_max_results_negative_or_not_a_number_is_refused(backend: Backend) {
    let yt = Yt::new(backend).await;
    let live = new_live(&yt).await;
    ok(&send(&yt, &live, "one").await);
    for bad in [
        json!(-1),
        json!("10"),
        json!(1.5),
        json!(true),
        json!([1]),
        json!(i64::MIN),
    ] {
        let reply = list(&yt, &live, json!({ "maxResults": bad })).await;
        refused(&reply, StatusCode::BAD_REQUEST, "INVALID_REQUEST");
    }
    for bad in ["[]", "not json", "{\"maxResults\":", "null"] {
        let reply = call(
            &yt.router,
            Method::POST,
            &chat_path(&live),
            Some(&yt.token),
            Some(bad),
        )
        .await;
        refused(&reply, StatusCode::BAD_REQUEST, "INVALID_REQUEST");
    }
    assert_eq!(count(&yt, &live).await, 1, "a refused list changes nothing");
}

async fn o1_max_results_zero_or_over_one_hundred_means_one_hundred(backend: Backend) {
    let yt = Yt::new(backend).await;
    let live = new_live(&yt).await;
    for i in 0..105 {
        viewer_posts(&yt, &live, &format!("v{i}"), &format!("m{i}"))
            .await
            .unwrap();
    }
    for max in [json!(0), json!(100), json!(101), json!(u64::MAX), Value::Null] {
        let (messages, _) = page(&yt, &live, json!({ "maxResults": max })).await;
        assert_eq!(messages.len(), 100, "{max}");
        assert_eq!(messages[0]["message"], "m5", "the most recent 100, oldest first");
        assert_eq!(messages[99]["message"], "m104");
    }
    let (messages, _) = page(&yt, &live, json!({ "maxResults": 3 })).await;
    assert_eq!(texts(&messages), ["m102", "m103", "m104"]);
}

async fn o1_with_a_token_gives_only_newer_messages_and_the_same_token_when_nothing_is_new(backend: Backend) {
    let yt = Yt::new(backend).await;
    let live = new_live(&yt).await;
    for i in 1..=3 {
        viewer_posts(&yt, &live, &format!("v{i}"), &format!("m{i}"))
            .await
            .unwrap();
    }
    let (first, token) = page(&yt, &live, json!({ "maxResults": 2 })).await;
    assert_eq!(texts(&first), ["m2", "m3"]);
    let (none, same) = page(&yt, &live, json!({ "maxResults": 2, "pageToken": token })).await;
    assert!(none.is_empty());
    assert_eq!(same, token, "nothing new: the same token back");
    for i in 4..=8 {
        viewer_posts(&yt, &live, &format!("v{i}"), &format!("m{i}"))
            .await
            .unwrap();
    }
    let (newer, next) = page(&yt, &live, json!({ "maxResults": 2, "pageToken": same })).await;
    assert_eq!(
        texts(&newer),
        ["m4", "m5"],
        "the oldest new ones first, at most maxResults"
    );
    let (rest, last) = page(&yt, &live, json!({ "maxResults": 10, "pageToken": next })).await;
    assert_eq!(texts(&rest), ["m6", "m7", "m8"]);
    // An empty token counts as none.
    let (latest, _) = page(&yt, &live, json!({ "maxResults": 1, "pageToken": "" })).await;
    assert_eq!(texts(&latest), ["m8"]);
    let (none, again) = page(&yt, &live, json!({ "maxResults": 10, "pageToken": last })).await;
    assert!(none.is_empty());
    assert_eq!(again, last);
}

async fn o1_a_forged_or_other_live_page_token_is_refused(backend: Backend) {
    let yt = Yt::new(backend).await;
    let live = new_live(&yt).await;
    let other = new_live(&yt).await;
    ok(&send(&yt, &live, "one").await);
    let (_, token) = page(&yt, &live, json!({ "maxResults": 1 })).await;
    let (_, other_token) = page(&yt, &other, json!({ "maxResults": 1 })).await;
    let mut flipped = token.clone().into_bytes();
    let last = flipped.len() - 1;
    flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    for bad in [
        other_token.as_str(),
        flipped.as_str(),
        "forged",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let reply = list(&yt, &live, json!({ "maxResults": 1, "pageToken": bad })).await;
        refused(&reply, StatusCode::BAD_REQUEST, "INVALID_REQUEST");
        assert!(reply.body["message"].as_str().unwrap().contains("page token"));
    }
    let reply = list(&yt, &live, json!({ "maxResults": 1, "pageToken": 5 })).await;
    refused(&reply, StatusCode::BAD_REQUEST, "INVALID_REQUEST");
}

async fn o2_posts_as_the_streamer_with_html_kept_as_text(backend: Backend) {
    let yt = Yt::new(backend).await;
    let live = new_live(&yt).await;
    let html = "  <script>alert(1)</script> &amp; <b>hi</b>  ";
    ok(&send(&yt, &live, html).await);
    ok(&send(&yt, &live, &"é".repeat(200)).await);
    let (messages, _) = page(&yt, &live, json!({ "maxResults": 10 })).await;
    assert_eq!(
        messages[0]["message"],
        html.trim(),
        "trimmed, stored and returned as text"
    );
    assert_eq!(messages[0]["isLiveOwner"], true);
    assert_eq!(messages[1]["message"].as_str().unwrap().chars().count(), 200);
    assert_eq!(count(&yt, &live).await, 2);
}

async fn o2_an_empty_blank_or_201_character_message_is_refused_and_nothing_stored(backend: Backend) {
    let yt = Yt::new(backend).await;
    let live = new_live(&yt).await;
    let long = "x".repeat(201);
    for bad in [
        json!(""),
        json!("   "),
        json!(long),
        json!("a\u{0}b"),
        json!(null),
        json!(5),
    ] {
        let reply = yt
            .call(Method::PUT, &chat_path(&live), Some(json!({ "message": bad })))
            .await;
        refused(&reply, StatusCode::BAD_REQUEST, "INVALID_REQUEST");
    }
    let reply = yt.call(Method::PUT, &chat_path(&live), Some(json!({}))).await;
    refused(&reply, StatusCode::BAD_REQUEST, "INVALID_REQUEST");
    assert_eq!(count(&yt, &live).await, 0);
    let (messages, _) = page(&yt, &live, json!({ "maxResults": 10 })).await;
    assert!(messages.is_empty());
}

async fn o3_deletes_a_message_for_good(backend: Backend) {
    let yt = Yt::new(backend).await;
    let live = new_live(&yt).await;
    let spam = viewer_posts(&yt, &live, "v1", "spam").await.unwrap();
    viewer_posts(&yt, &live, "v2", "fine").await.unwrap();
    let path = format!("{}/{}", chat_path(&live), spam.id);
    ok(&yt.call(Method::DELETE, &path, None).await);
    let (messages, token) = page(&yt, &live, json!({ "maxResults": 10 })).await;
    assert_eq!(texts(&messages), ["fine"]);
    let again = yt.call(Method::DELETE, &path, None).await;
    refused(&again, StatusCode::NOT_FOUND, "MESSAGE_NOT_FOUND");
    for bad in ["nope", &format!("{live}.99"), &format!("other.{}", spam.sequence)] {
        let reply = yt
            .call(Method::DELETE, &format!("{}/{bad}", chat_path(&live)), None)
            .await;
        refused(&reply, StatusCode::NOT_FOUND, "MESSAGE_NOT_FOUND");
    }
    viewer_posts(&yt, &live, "v3", "later").await.unwrap();
    let (newer, _) = page(&yt, &live, json!({ "maxResults": 10, "pageToken": token })).await;
    assert_eq!(texts(&newer), ["later"], "a deleted message never reappears");
    assert_eq!(
        newer[0]["messageId"],
        format!("{live}.3"),
        "its number is not reused"
    );
}

async fn deleting_someone_elses_message_as_a_non_moderator_is_refused(backend: Backend) {
    let yt = Yt::new(backend).await;
    let live = new_live(&yt).await;
    let theirs = viewer_posts(&yt, &live, "v1", "mine").await.unwrap();
    let state = &yt.app.state;
    let stranger = UserId::parse("v2").unwrap();
    assert_eq!(
        chat::delete(state, Scope::Anyone, &stranger, &live, &theirs.id).await,
        Err(AppError::Chat(ChatError::NotAllowed))
    );
    assert_eq!(count(&yt, &live).await, 1);
    assert!(
        yt.app.state.chats.message(&live, theirs.sequence).await.is_ok(),
        "still there"
    );
    // Its author may.
    let author = UserId::parse("v1").unwrap();
    chat::delete(state, Scope::Anyone, &author, &live, &theirs.id)
        .await
        .unwrap();
}

async fn moderators_delete_and_ban_viewers_and_is_live_manager_follows_o7_o8(backend: Backend) {
    let yt = Yt::new(backend).await;
    let live = new_live(&yt).await;
    viewer_posts(&yt, &live, "mod-1", "I help").await.unwrap();
    let victim = viewer_posts(&yt, &live, "v1", "spam").await.unwrap();
    ok(&put(&yt, &live, "mod", "mod-1", None).await);
    ok(&put(&yt, &live, "mod", "mod-1", None).await); // again: unchanged
    let (messages, _) = page(&yt, &live, json!({ "maxResults": 10 })).await;
    assert_eq!(messages[0]["isLiveManager"], true);
    assert_eq!(messages[1]["isLiveManager"], false);
    let state = &yt.app.state;
    let moderator = UserId::parse("mod-1").unwrap();
    chat::delete(state, Scope::Anyone, &moderator, &live, &victim.id)
        .await
        .unwrap();
    chat::ban(
        state,
        Scope::Anyone,
        &moderator,
        &live,
        "v1",
        chat::BanRequest::Permanent,
    )
    .await
    .unwrap();
    assert_eq!(
        viewer_posts(&yt, &live, "v1", "again").await,
        Err(AppError::Chat(ChatError::Banned))
    );
    // A moderator acts on neither the owner nor another moderator.
    assert_eq!(
        chat::ban(
            state,
            Scope::Anyone,
            &moderator,
            &live,
            &yt.user,
            chat::BanRequest::Permanent
        )
        .await,
        Err(AppError::Chat(ChatError::NotAllowed))
    );
    ok(&put(&yt, &live, "unmod", "mod-1", None).await);
    let (messages, _) = page(&yt, &live, json!({ "maxResults": 10 })).await;
    assert_eq!(
        messages[0]["isLiveManager"], false,
        "computed from the moderator set now"
    );
    assert_eq!(
        chat::unban(state, Scope::Anyone, &moderator, &live, "v1").await,
        Err(AppError::Chat(ChatError::NotAllowed)),
        "no longer a moderator"
    );
}

async fn o4_a_banned_author_is_refused_and_nothing_is_stored_until_o6(backend: Backend) {
    let yt = Yt::new(backend).await;
    let live = new_live(&yt).await;
    viewer_posts(&yt, &live, "v1", "before").await.unwrap();
    ok(&put(&yt, &live, "ban", "v1", None).await);
    assert_eq!(
        viewer_posts(&yt, &live, "v1", "during").await,
        Err(AppError::Chat(ChatError::Banned))
    );
    assert_eq!(count(&yt, &live).await, 1, "nothing stored");
    yt.app.clock.advance(Duration::days(365));
    assert_eq!(
        viewer_posts(&yt, &live, "v1", "a year later").await,
        Err(AppError::Chat(ChatError::Banned)),
        "a permanent ban never lifts by itself"
    );
    // The year outlived the fixture's token: a fresh one for the same streamer.
    let token = token_for(&yt.app, &yt.user, None);
    let unban = yt
        .call_as(&token, Method::PUT, &action_path(&live, "unban", "v1"), None)
        .await;
    ok(&unban);
    viewer_posts(&yt, &live, "v1", "after").await.unwrap();
    let reply = yt
        .call_as(
            &token,
            Method::POST,
            &chat_path(&live),
            Some(json!({ "maxResults": 10 })),
        )
        .await;
    assert_eq!(reply.body["data"]["messages"][0]["message"], "before");
    assert_eq!(reply.body["data"]["messages"][1]["message"], "after");
    // Nobody bans the owner.
    let owner = yt
        .call_as(&token, Method::PUT, &action_path(&live, "ban", &yt.user), None)
        .await;
    refused(&owner, StatusCode::FORBIDDEN, "FORBIDDEN");
}

async fn o5_ban_time_zero_negative_missing_or_fractional_is_refused_and_changes_nothing(backend: Backend) {
    let yt = Yt::new(backend).await;
    let live = new_live(&yt).await;
    for body in [
        Some(json!({ "banTime": 0 })),
        Some(json!({ "banTime": -5 })),
        Some(json!({})),
        None,
        Some(json!({ "banTime": null })),
        Some(json!({ "banTime": 1.5 })),
        Some(json!({ "banTime": "60" })),
        Some(json!({ "banTime": 2_592_001 })),
    ] {
        let reply = put(&yt, &live, "timedBan", "v1", body.clone()).await;
        refused(&reply, StatusCode::BAD_REQUEST, "INVALID_REQUEST");
        assert!(
            reply.body["message"].as_str().unwrap().contains("banTime"),
            "{body:?}"
        );
    }
    viewer_posts(&yt, &live, "v1", "still allowed").await.unwrap();
}

async fn o5_a_timed_ban_lifts_by_itself_at_its_end(backend: Backend) {
    let yt = Yt::new(backend).await;
    let live = new_live(&yt).await;
    ok(&put(&yt, &live, "timedBan", "v1", Some(json!({ "banTime": 60 }))).await);
    yt.app.clock.advance(Duration::seconds(59));
    assert_eq!(
        viewer_posts(&yt, &live, "v1", "too early").await,
        Err(AppError::Chat(ChatError::Banned))
    );
    yt.app.clock.advance(Duration::seconds(1));
    viewer_posts(&yt, &live, "v1", "on time").await.unwrap();
    // The newest ban replaces the previous one: a permanent one after a timed one holds.
    ok(&put(&yt, &live, "timedBan", "v2", Some(json!({ "banTime": 10 }))).await);
    ok(&put(&yt, &live, "ban", "v2", None).await);
    yt.app.clock.advance(Duration::seconds(11));
    assert_eq!(
        viewer_posts(&yt, &live, "v2", "no").await,
        Err(AppError::Chat(ChatError::Banned))
    );
}

async fn moderating_as_a_non_owner_is_refused(backend: Backend) {
    let yt = Yt::new(backend).await;
    let live = new_live(&yt).await;
    let state = &yt.app.state;
    let v1 = UserId::parse("v1").unwrap();
    let refusal = Err(AppError::Chat(ChatError::NotAllowed));
    assert_eq!(
        chat::ban(
            state,
            Scope::Anyone,
            &v1,
            &live,
            "v2",
            chat::BanRequest::Permanent
        )
        .await
        .map(|_| ()),
        refusal
    );
    assert_eq!(
        chat::ban(
            state,
            Scope::Anyone,
            &v1,
            &live,
            "v2",
            chat::BanRequest::Timed(Some(60))
        )
        .await
        .map(|_| ()),
        refusal
    );
    assert_eq!(chat::unban(state, Scope::Anyone, &v1, &live, "v2").await, refusal);
    assert_eq!(
        chat::add_moderator(state, Scope::Anyone, &v1, &live, "v2").await,
        refusal
    );
    // A moderator may ban, but only the owner grants or revokes moderation.
    ok(&put(&yt, &live, "mod", "v1", None).await);
    assert_eq!(
        chat::add_moderator(state, Scope::Anyone, &v1, &live, "v2").await,
        refusal
    );
    assert_eq!(
        chat::remove_moderator(state, Scope::Anyone, &v1, &live, "v1").await,
        refusal
    );
    // The owner never makes itself a moderator.
    refused(
        &put(&yt, &live, "mod", &yt.user, None).await,
        StatusCode::FORBIDDEN,
        "FORBIDDEN",
    );
    assert_eq!(
        chat::moderators(state, Scope::Anyone, &live).await.unwrap(),
        ["v1"]
    );
    assert_eq!(
        chat::ban_of(state, Scope::Anyone, &live, "v2").await.unwrap(),
        None
    );
    // Another streamer reaching this live through PRISM finds no live at all.
    let (_, theirs) = yt.other_user().await;
    for action in ["ban", "unban", "mod", "unmod"] {
        let reply = yt
            .call_as(&theirs, Method::PUT, &action_path(&live, action, "v2"), None)
            .await;
        refused(&reply, StatusCode::NOT_FOUND, "LIVE_NOT_FOUND");
    }
    assert_eq!(
        chat::moderators(state, Scope::Anyone, &live).await.unwrap(),
        ["v1"]
    );
}

async fn the_chat_closes_when_the_live_ends_and_its_history_stays_readable(backend: Backend) {
    let yt = Yt::new(backend).await;
    let live = new_live(&yt).await;
    ok(&send(&yt, &live, "last words").await);
    let stop = yt
        .call(Method::PUT, &format!("/prism/v1/service/live/{live}/stop"), None)
        .await;
    assert_eq!(stop.status, StatusCode::OK, "{}", stop.text);
    refused(
        &send(&yt, &live, "too late").await,
        StatusCode::FORBIDDEN,
        "CHAT_ENDED",
    );
    assert_eq!(
        viewer_posts(&yt, &live, "v1", "too late").await,
        Err(AppError::Chat(ChatError::Ended))
    );
    let (messages, _) = page(&yt, &live, json!({ "maxResults": 10 })).await;
    assert_eq!(texts(&messages), ["last words"], "history stays readable");
    assert_eq!(count(&yt, &live).await, 1);
}

async fn a_restarted_live_keeps_one_chat_open_again(backend: Backend) {
    let yt = Yt::new(backend).await;
    let live = new_live(&yt).await;
    ok(&send(&yt, &live, "first show").await);
    let path = |a: &str| format!("/prism/v1/service/live/{live}/{a}");
    assert_eq!(
        yt.call(Method::PUT, &path("stop"), None).await.status,
        StatusCode::OK
    );
    let restart = yt.call(Method::PUT, &path("start"), None).await;
    assert_eq!(restart.status, StatusCode::OK, "{}", restart.text);
    ok(&send(&yt, &live, "second show").await);
    let (messages, _) = page(&yt, &live, json!({ "maxResults": 10 })).await;
    assert_eq!(
        texts(&messages),
        ["first show", "second show"],
        "one chat across broadcasts"
    );
    let meta = yt.app.state.chats.meta(&live).await.unwrap();
    let stored = yt.app.state.lives.get(&yt.owner(), &live).await.unwrap();
    assert_eq!(
        meta.broadcast_id, stored.broadcast_id,
        "the chat follows the new broadcast"
    );
}

async fn fifty_parallel_inserts_by_one_author_accept_exactly_five(backend: Backend) {
    let yt = Yt::new(backend).await;
    let live = new_live(&yt).await;
    let path = chat_path(&live);
    let calls = (0..50).map(|i| {
        let router = yt.router.clone();
        let token = yt.token.clone();
        let path = path.clone();
        tokio::spawn(async move {
            let body = json!({ "message": format!("burst {i}") }).to_string();
            call(&router, Method::PUT, &path, Some(&token), Some(&body)).await
        })
    });
    let replies: Vec<Reply> = join_all(calls).await.into_iter().map(Result::unwrap).collect();
    let accepted = replies.iter().filter(|r| r.status == StatusCode::OK).count();
    let limited: Vec<&Reply> = replies
        .iter()
        .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert_eq!(
        accepted,
        5,
        "{:?}",
        replies.iter().map(|r| &r.text).collect::<Vec<_>>()
    );
    assert_eq!(limited.len(), 45);
    assert!(limited.iter().all(|r| r.body["errorName"] == "RATE_LIMITED"));
    assert!(limited.iter().all(|r| r.headers["retry-after"] == "1"));
    assert_eq!(count(&yt, &live).await, 5);
    let (messages, _) = page(&yt, &live, json!({ "maxResults": 100 })).await;
    assert_eq!(messages.len(), 5);
    yt.app.clock.advance(Duration::seconds(1));
    ok(&send(&yt, &live, "one more after a second").await);
}

async fn fifty_parallel_inserts_by_distinct_authors_are_all_stored(backend: Backend) {
    let yt = Yt::new(backend).await;
    let live = new_live(&yt).await;
    let posts = (0..50).map(|i| {
        let state = yt.app.state.clone();
        let live = live.clone();
        tokio::spawn(async move {
            chat::insert(
                &state,
                Scope::Anyone,
                &viewer(&format!("v{i}")),
                &live,
                &format!("m{i}"),
            )
            .await
            .map(|(_, m)| m.sequence)
        })
    });
    let mut sequences: Vec<u64> = join_all(posts)
        .await
        .into_iter()
        .map(|r| r.unwrap().unwrap())
        .collect();
    sequences.sort_unstable();
    assert_eq!(sequences, (1..=50).collect::<Vec<_>>(), "no gap, no duplicate");
    let (messages, _) = page(&yt, &live, json!({ "maxResults": 100 })).await;
    assert_eq!(messages.len(), 50);
    let ids: Vec<&str> = messages
        .iter()
        .map(|m| m["messageId"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (1..=50).map(|n| format!("{live}.{n}")).collect();
    assert_eq!(ids, expected, "oldest first by sequence");
    assert_eq!(count(&yt, &live).await, 50);
}

async fn oversized_bodies_and_duplicated_query_parameters_are_refused(backend: Backend) {
    let yt = Yt::new(backend).await;
    let live = new_live(&yt).await;
    let huge = json!({ "message": "x".repeat(70 * 1024) }).to_string();
    for method in [Method::PUT, Method::POST] {
        let reply = call(
            &yt.router,
            method,
            &chat_path(&live),
            Some(&yt.token),
            Some(&huge),
        )
        .await;
        refused(&reply, StatusCode::BAD_REQUEST, "INVALID_REQUEST");
    }
    let dup = format!("{}?pageToken=a&pageToken=b", chat_path(&live));
    let reply = yt
        .call(Method::POST, &dup, Some(json!({ "maxResults": 1 })))
        .await;
    refused(&reply, StatusCode::BAD_REQUEST, "INVALID_REQUEST");
    let dup = format!("{}?x=1&x=1", chat_path(&live));
    let reply = yt.call(Method::PUT, &dup, Some(json!({ "message": "hi" }))).await;
    refused(&reply, StatusCode::BAD_REQUEST, "INVALID_REQUEST");
    let dup = format!("{}?banTime=1&banTime=2", action_path(&live, "timedBan", "v1"));
    let reply = yt.call(Method::PUT, &dup, Some(json!({ "banTime": 60 }))).await;
    refused(&reply, StatusCode::BAD_REQUEST, "INVALID_REQUEST");
    assert_eq!(count(&yt, &live).await, 0, "nothing stored");
    viewer_posts(&yt, &live, "v1", "not banned").await.unwrap();
}

async fn unknown_and_foreign_lives_are_404_on_every_chat_route(backend: Backend) {
    let yt = Yt::new(backend).await;
    let live = new_live(&yt).await;
    let message = viewer_posts(&yt, &live, "v1", "hello").await.unwrap();
    let (_, theirs) = yt.other_user().await;
    for (token, target) in [(&yt.token, "nope"), (&theirs, live.as_str())] {
        let routes = [
            (Method::POST, chat_path(target), Some(json!({ "maxResults": 1 }))),
            (Method::PUT, chat_path(target), Some(json!({ "message": "x" }))),
            (
                Method::DELETE,
                format!("{}/{}", chat_path(target), message.id),
                None,
            ),
            (Method::PUT, action_path(target, "ban", "v1"), None),
            (
                Method::PUT,
                action_path(target, "timedBan", "v1"),
                Some(json!({ "banTime": 5 })),
            ),
            (Method::PUT, action_path(target, "unban", "v1"), None),
            (Method::PUT, action_path(target, "mod", "v1"), None),
            (Method::PUT, action_path(target, "unmod", "v1"), None),
        ];
        for (method, path, body) in routes {
            let reply = yt.call_as(token, method.clone(), &path, body).await;
            refused(&reply, StatusCode::NOT_FOUND, "LIVE_NOT_FOUND");
        }
    }
    // Nothing of the owner's chat changed.
    let meta = yt.app.state.chats.meta(&live).await.unwrap();
    assert_eq!((meta.count, meta.moderators.len()), (1, 0));
    assert_eq!(
        chat::ban_of(&yt.app.state, Scope::Anyone, &live, "v1")
            .await
            .unwrap(),
        None
    );
    assert!(yt.app.state.chats.message(&live, message.sequence).await.is_ok());
}

/// PRISM polls O1 every few seconds per live: with a token it is one strongly consistent query (the
/// token costs no read: the signing key and the page key are cached).
async fn o1_with_a_page_token_is_one_dynamodb_round_trip() {
    let yt = Yt::with_app(TestApp::new(Backend::Aws).await).await;
    let live = new_live(&yt).await;
    viewer_posts(&yt, &live, "v1", "one").await.unwrap();
    let (_, token) = page(&yt, &live, json!({ "maxResults": 10 })).await;
    viewer_posts(&yt, &live, "v2", "two").await.unwrap();
    let trips = yt.app.dynamo.as_ref().unwrap().round_trips();
    trips.reset();
    let (messages, next) = page(&yt, &live, json!({ "maxResults": 10, "pageToken": token })).await;
    assert_eq!(trips.get(), 1);
    assert_eq!(texts(&messages), ["two"]);
    trips.reset();
    let (none, _) = page(&yt, &live, json!({ "maxResults": 10, "pageToken": next })).await;
    assert_eq!(trips.get(), 1);
    assert!(none.is_empty());
}

/// The fault decorator covers the chat port: an outage of the chat store is PRISM's 503 with
/// `Retry-After`, and an insert that failed before its write stores nothing (one whose answer was lost
/// after the write is stored once; the client's retry posts again: O2 has no idempotency key).
async fn a_chat_store_outage_is_503_and_a_refused_write_stores_nothing(backend: Backend) {
    let yt = Yt::new(backend).await;
    let live = new_live(&yt).await;
    let faults = Faults::new();
    let state = wrap(&yt.app.state, &faults);
    let router = onair_api::host::local_router(state.clone());
    faults.fail_matching(|op| op.starts_with("chats."), Fault::Unavailable);
    for (method, body) in [
        (Method::POST, json!({ "maxResults": 1 }).to_string()),
        (Method::PUT, json!({ "message": "hi" }).to_string()),
    ] {
        let reply = call(&router, method, &chat_path(&live), Some(&yt.token), Some(&body)).await;
        refused(&reply, StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE");
        assert!(reply.headers.contains_key("retry-after"));
    }
    faults.clear();
    faults.fail_nth("chats.insert", 1, Fault::Unavailable);
    let refused_write = chat::insert(&state, Scope::Anyone, &viewer("v1"), &live, "lost").await;
    assert!(
        matches!(refused_write, Err(AppError::Unavailable(_))),
        "{refused_write:?}"
    );
    assert!(faults.fired().iter().any(|(op, _)| *op == "chats.insert"));
    assert_eq!(count(&yt, &live).await, 0, "nothing stored");
    faults.clear();
    faults.fail_nth("chats.insert", 1, Fault::LostResponse);
    let lost = chat::insert(&state, Scope::Anyone, &viewer("v1"), &live, "stored once").await;
    assert!(matches!(lost, Err(AppError::Unavailable(_))), "{lost:?}");
    let (messages, _) = page(&yt, &live, json!({ "maxResults": 10 })).await;
    assert_eq!(texts(&messages), ["stored once"]);
}
