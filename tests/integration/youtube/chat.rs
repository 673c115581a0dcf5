//! YouTube's live chat for viewers (`/youtube/v3/liveChat/…`: `liveChatMessages`, `liveChatBans`,
//! `liveChatModerators`) through the in-process router on both stores, one test per rule. The chat is
//! the one PRISM's O1–O8 use; a YouTube broadcast's chat id is its own id. Every refusal proves
//! nothing changed.

use super::{Yt, assert_google_error, token_for};
use crate::support::{Backend, Reply, call, unique};
use futures::future::join_all;
use http::{Method, StatusCode};
use onair_app::chat::{self, Scope};
use onair_domain::UserId;
use onair_domain::lifecycle::wire::LifeCycleStatus;
use onair_domain::user::User;
use serde_json::{Value, json};
use time::Duration;

crate::support::on_both_backends!(
    both: [
    list_answers_the_discovery_shape_oldest_first_with_polling_interval_and_page_info,
    paging_gives_only_newer_messages_and_the_same_token_when_nothing_is_new,
    max_results_follows_the_discovery_range_and_a_page_holds_at_most_one_hundred,
    an_unknown_chat_is_404_live_chat_not_found_on_every_method,
    a_private_broadcasts_chat_exists_only_for_its_owner_and_moderators,
    empty_blank_or_201_character_text_is_refused_and_nothing_stored,
    control_characters_are_refused_and_nothing_stored,
    html_is_stored_and_returned_as_text,
    a_banned_viewers_insert_is_refused_and_stored_nowhere_until_the_ban_is_deleted,
    a_temporary_ban_lifts_by_itself_and_a_bad_duration_changes_nothing,
    moderators_delete_others_messages_and_ban_viewers,
    a_non_moderator_can_neither_delete_others_messages_nor_ban_nor_manage_moderators,
    the_owner_cannot_be_banned,
    the_chat_closes_after_the_broadcast_completes_and_its_history_stays_readable,
    a_sixth_fast_message_is_refused_with_rate_limit_exceeded,
    fifty_parallel_inserts_by_distinct_viewers_are_all_stored_with_distinct_ids,
    parallel_bans_and_unbans_leave_one_consistent_state,
    moderators_list_pages_and_only_the_owner_inserts_or_deletes_them,
    a_read_only_token_lists_but_cannot_write,
    oversized_bodies_and_duplicated_query_parameters_are_refused,
    bad_ids_and_write_bodies_are_refused_and_change_nothing,
    ],
    dynamodb_only: [a_poll_with_a_page_token_costs_four_dynamodb_round_trips],
);

const MESSAGES: &str = "/youtube/v3/liveChat/messages";
const BANS: &str = "/youtube/v3/liveChat/bans";
const MODERATORS: &str = "/youtube/v3/liveChat/moderators";

/// A viewer: a second onair user with a full-access token.
struct Viewer {
    id: String,
    token: String,
}

async fn viewer(yt: &Yt) -> Viewer {
    let (id, token) = yt.other_user().await;
    Viewer { id, token }
}

/// A public broadcast of the owner; its id is its chat id.
async fn public_chat(yt: &Yt) -> String {
    broadcast_with_privacy(yt, "public").await
}

async fn broadcast_with_privacy(yt: &Yt, privacy: &str) -> String {
    let reply = yt
        .call(
            Method::POST,
            "/youtube/v3/liveBroadcasts?part=snippet,status",
            Some(json!({
                "snippet": { "title": "Show", "scheduledStartTime": "2026-11-01T01:00:00Z" },
                "status": { "privacyStatus": privacy },
            })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let id = reply.body["id"].as_str().unwrap().to_owned();
    // Where the broadcast already names its chat, it is this one.
    if let Some(chat) = reply.body["snippet"]["liveChatId"].as_str() {
        assert_eq!(chat, id);
    }
    id
}

fn insert_body(chat: &str, text: &str) -> Value {
    json!({ "snippet": { "liveChatId": chat, "type": "textMessageEvent",
        "textMessageDetails": { "messageText": text } } })
}

async fn post(yt: &Yt, token: &str, chat: &str, text: &str) -> Reply {
    yt.call_as(
        token,
        Method::POST,
        &format!("{MESSAGES}?part=snippet,authorDetails"),
        Some(insert_body(chat, text)),
    )
    .await
}

/// A post that must succeed; returns the message id.
async fn posted(yt: &Yt, token: &str, chat: &str, text: &str) -> String {
    let reply = post(yt, token, chat, text).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["id"].as_str().unwrap().to_owned()
}

async fn list_as(yt: &Yt, token: &str, chat: &str, extra: &str) -> Reply {
    yt.call_as(
        token,
        Method::GET,
        &format!("{MESSAGES}?liveChatId={chat}&part=id,snippet,authorDetails{extra}"),
        None,
    )
    .await
}

/// A list that must succeed: (items, nextPageToken).
async fn page(yt: &Yt, token: &str, chat: &str, extra: &str) -> (Vec<Value>, String) {
    let reply = list_as(yt, token, chat, extra).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let items = reply.body["items"].as_array().unwrap().clone();
    (items, reply.body["nextPageToken"].as_str().unwrap().to_owned())
}

fn texts(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|m| {
            m["snippet"]["textMessageDetails"]["messageText"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// Messages ever stored in the chat (a delete does not lower it).
async fn count(yt: &Yt, chat: &str) -> u64 {
    yt.app.state.chats.meta(chat).await.unwrap().count
}

async fn ban(yt: &Yt, token: &str, chat: &str, target: &str, extra: Value) -> Reply {
    let mut snippet = json!({ "liveChatId": chat, "type": "permanent",
        "bannedUserDetails": { "channelId": target } });
    if let (Some(s), Some(e)) = (snippet.as_object_mut(), extra.as_object()) {
        s.extend(e.clone());
    }
    yt.call_as(
        token,
        Method::POST,
        &format!("{BANS}?part=snippet"),
        Some(json!({ "snippet": snippet })),
    )
    .await
}

async fn delete(yt: &Yt, token: &str, path: &str, id: &str) -> Reply {
    yt.call_as(token, Method::DELETE, &format!("{path}?id={id}"), None)
        .await
}

async fn add_moderator(yt: &Yt, token: &str, chat: &str, target: &str) -> Reply {
    yt.call_as(
        token,
        Method::POST,
        &format!("{MODERATORS}?part=snippet"),
        Some(json!({ "snippet": { "liveChatId": chat, "moderatorDetails": { "channelId": target } } })),
    )
    .await
}

async fn banned(yt: &Yt, chat: &str, who: &str) -> bool {
    chat::ban_of(&yt.app.state, Scope::Anyone, chat, who)
        .await
        .unwrap()
        .is_some()
}

async fn list_answers_the_discovery_shape_oldest_first_with_polling_interval_and_page_info(backend: Backend) {
    let yt = Yt::new(backend).await;
    let chat = public_chat(&yt).await;
    let v = viewer(&yt).await;
    let first = post(&yt, &yt.token, &chat, "  welcome  ").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.body["kind"], "youtube#liveChatMessage");
    assert!(first.body["etag"].is_string());
    assert_eq!(first.body["snippet"]["displayMessage"], "welcome", "trimmed");
    posted(&yt, &v.token, &chat, "hello").await;
    let reply = list_as(&yt, &v.token, &chat, "").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let body = &reply.body;
    assert_eq!(body["kind"], "youtube#liveChatMessageListResponse");
    assert!(body["etag"].is_string() && body["nextPageToken"].is_string());
    assert_eq!(body["pollingIntervalMillis"], 5000);
    assert_eq!(
        body["pageInfo"],
        json!({ "totalResults": 2, "resultsPerPage": 100 })
    );
    assert!(body.get("offlineAt").is_none(), "open chat has no offlineAt");
    let items = body["items"].as_array().unwrap();
    assert_eq!(texts(items), ["welcome", "hello"], "oldest first");
    let (owner_msg, viewer_msg) = (&items[0], &items[1]);
    assert_eq!(owner_msg["id"], first.body["id"]);
    let s = &viewer_msg["snippet"];
    assert_eq!(s["type"], "textMessageEvent");
    assert_eq!(s["liveChatId"], chat.as_str());
    assert_eq!(s["authorChannelId"], v.id.as_str());
    assert_eq!(s["hasDisplayContent"], true);
    assert_eq!(s["displayMessage"], "hello");
    assert!(
        time::OffsetDateTime::parse(
            s["publishedAt"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339
        )
        .is_ok()
    );
    let a = &viewer_msg["authorDetails"];
    assert_eq!(a["channelId"], v.id.as_str());
    assert!(a["displayName"].as_str().unwrap().starts_with("User "), "{a}");
    assert_eq!(
        (
            a["isChatOwner"].clone(),
            a["isChatModerator"].clone(),
            a["isChatSponsor"].clone(),
            a["isVerified"].clone()
        ),
        (json!(false), json!(false), json!(false), json!(false))
    );
    let o = &owner_msg["authorDetails"];
    assert_eq!(
        o["channelId"],
        yt.user.as_str(),
        "the onair user id, as PRISM's authorId"
    );
    assert_eq!(o["isChatOwner"], true);
    assert_eq!(o["channelUrl"], "https://live.example/c");
    // The same message on PRISM's face has the same author id (one store).
    let (_, stored) = yt.app.state.chats.latest(&chat, 10).await.unwrap();
    assert_eq!(stored[1].author_id, v.id);
    // part=id gives only kind, etag and id.
    let reply = yt
        .call(
            Method::GET,
            &format!("{MESSAGES}?liveChatId={chat}&part=id"),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let item = &reply.body["items"][0];
    assert!(item.get("snippet").is_none() && item.get("authorDetails").is_none());
    assert!(item["id"].is_string());
}

async fn paging_gives_only_newer_messages_and_the_same_token_when_nothing_is_new(backend: Backend) {
    let yt = Yt::new(backend).await;
    let chat = public_chat(&yt).await;
    let v = viewer(&yt).await;
    posted(&yt, &v.token, &chat, "one").await;
    let (items, token) = page(&yt, &v.token, &chat, "").await;
    assert_eq!(texts(&items), ["one"]);
    let (items, same) = page(&yt, &v.token, &chat, &format!("&pageToken={token}")).await;
    assert!(items.is_empty());
    assert_eq!(same, token, "nothing new: the same token");
    posted(&yt, &yt.token, &chat, "two").await;
    let (items, next) = page(&yt, &v.token, &chat, &format!("&pageToken={token}")).await;
    assert_eq!(texts(&items), ["two"], "only newer");
    assert_ne!(next, token);
    // A forged token or another chat's token is refused.
    let other = public_chat(&yt).await;
    let (_, foreign) = page(&yt, &v.token, &other, "").await;
    for bad in [foreign.as_str(), "forged"] {
        let reply = list_as(&yt, &v.token, &chat, &format!("&pageToken={bad}")).await;
        assert_google_error(&reply, StatusCode::BAD_REQUEST, "invalidPageToken");
    }
}

async fn max_results_follows_the_discovery_range_and_a_page_holds_at_most_one_hundred(backend: Backend) {
    let yt = Yt::new(backend).await;
    let chat = public_chat(&yt).await;
    for bad in ["-1", "abc", "2001", "1.5"] {
        let reply = list_as(&yt, &yt.token, &chat, &format!("&maxResults={bad}")).await;
        assert_google_error(&reply, StatusCode::BAD_REQUEST, "invalidValue");
    }
    for (given, per_page) in [("200", 100), ("2000", 100), ("0", 100), ("3", 3)] {
        let reply = list_as(&yt, &yt.token, &chat, &format!("&maxResults={given}")).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body["pageInfo"]["resultsPerPage"], per_page);
    }
    for i in 0..4 {
        chat::insert(
            &yt.app.state,
            Scope::Anyone,
            &chat::Actor {
                user: UserId::parse(&format!("v{i}")).unwrap(),
                name: "v".into(),
                thumbnail: None,
            },
            &chat,
            &format!("m{i}"),
        )
        .await
        .unwrap();
    }
    let (items, _) = page(&yt, &yt.token, &chat, "&maxResults=3").await;
    assert_eq!(
        texts(&items),
        ["m1", "m2", "m3"],
        "the newest three, oldest first"
    );
}

async fn an_unknown_chat_is_404_live_chat_not_found_on_every_method(backend: Backend) {
    let yt = Yt::new(backend).await;
    let v = viewer(&yt).await;
    let reply = list_as(&yt, &yt.token, "nope", "").await;
    assert_google_error(&reply, StatusCode::NOT_FOUND, "liveChatNotFound");
    assert_google_error(
        &post(&yt, &yt.token, "nope", "hi").await,
        StatusCode::NOT_FOUND,
        "liveChatNotFound",
    );
    assert_google_error(
        &ban(&yt, &yt.token, "nope", &v.id, json!({})).await,
        StatusCode::NOT_FOUND,
        "liveChatNotFound",
    );
    assert_google_error(
        &add_moderator(&yt, &yt.token, "nope", &v.id).await,
        StatusCode::NOT_FOUND,
        "liveChatNotFound",
    );
    let reply = yt
        .call(
            Method::GET,
            &format!("{MODERATORS}?liveChatId=nope&part=snippet"),
            None,
        )
        .await;
    assert_google_error(&reply, StatusCode::NOT_FOUND, "liveChatNotFound");
    for (path, id) in [
        (MESSAGES, "nope.1".to_owned()),
        (BANS, format!("nope.ban.{}", v.id)),
        (MODERATORS, format!("nope.mod.{}", v.id)),
    ] {
        assert_eq!(
            delete(&yt, &yt.token, path, &id).await.status,
            StatusCode::NOT_FOUND
        );
    }
    assert!(
        yt.app.state.chats.meta("nope").await.is_err(),
        "no chat was created"
    );
}

async fn a_private_broadcasts_chat_exists_only_for_its_owner_and_moderators(backend: Backend) {
    let yt = Yt::new(backend).await;
    let chat = broadcast_with_privacy(&yt, "private").await;
    let (v, m) = (viewer(&yt).await, viewer(&yt).await);
    let reply = list_as(&yt, &v.token, &chat, "").await;
    assert_google_error(&reply, StatusCode::NOT_FOUND, "liveChatNotFound");
    assert_google_error(
        &post(&yt, &v.token, &chat, "hi").await,
        StatusCode::NOT_FOUND,
        "liveChatNotFound",
    );
    assert_eq!(count(&yt, &chat).await, 0);
    assert_eq!(
        add_moderator(&yt, &yt.token, &chat, &m.id).await.status,
        StatusCode::OK
    );
    posted(&yt, &m.token, &chat, "mods may post").await;
    posted(&yt, &yt.token, &chat, "the owner too").await;
    let (items, _) = page(&yt, &m.token, &chat, "").await;
    assert_eq!(texts(&items), ["mods may post", "the owner too"]);
    // Unlisted is like public.
    let unlisted = broadcast_with_privacy(&yt, "unlisted").await;
    posted(&yt, &v.token, &unlisted, "unlisted is open").await;
}

async fn empty_blank_or_201_character_text_is_refused_and_nothing_stored(backend: Backend) {
    let yt = Yt::new(backend).await;
    let chat = public_chat(&yt).await;
    let v = viewer(&yt).await;
    for (text, reason) in [("", "messageTextRequired"), ("   ", "messageTextRequired")] {
        assert_google_error(
            &post(&yt, &v.token, &chat, text).await,
            StatusCode::BAD_REQUEST,
            reason,
        );
    }
    let missing = yt
        .call_as(
            &v.token,
            Method::POST,
            &format!("{MESSAGES}?part=snippet"),
            Some(json!({ "snippet": { "liveChatId": chat, "type": "textMessageEvent" } })),
        )
        .await;
    assert_google_error(&missing, StatusCode::BAD_REQUEST, "messageTextRequired");
    let long = "é".repeat(201);
    assert_google_error(
        &post(&yt, &v.token, &chat, &long).await,
        StatusCode::BAD_REQUEST,
        "messageTextInvalid",
    );
    assert_eq!(count(&yt, &chat).await, 0, "nothing stored");
    posted(&yt, &v.token, &chat, &"é".repeat(200)).await;
}

async fn control_characters_are_refused_and_nothing_stored(backend: Backend) {
    let yt = Yt::new(backend).await;
    let chat = public_chat(&yt).await;
    let v = viewer(&yt).await;
    for text in ["a\u{0}b", "line\nbreak", "tab\there", "bell\u{7}", "del\u{7f}"] {
        assert_google_error(
            &post(&yt, &v.token, &chat, text).await,
            StatusCode::BAD_REQUEST,
            "messageTextInvalid",
        );
    }
    assert_eq!(count(&yt, &chat).await, 0);
}

async fn html_is_stored_and_returned_as_text(backend: Backend) {
    let yt = Yt::new(backend).await;
    let chat = public_chat(&yt).await;
    let v = viewer(&yt).await;
    let html = "<script>alert('x')</script> &amp; <b>bold</b>";
    let reply = post(&yt, &v.token, &chat, html).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["snippet"]["displayMessage"], html);
    let (items, _) = page(&yt, &v.token, &chat, "").await;
    assert_eq!(texts(&items), [html]);
    assert_eq!(
        items[0]["snippet"]["displayMessage"], html,
        "not escaped, not interpreted"
    );
}

async fn a_banned_viewers_insert_is_refused_and_stored_nowhere_until_the_ban_is_deleted(backend: Backend) {
    let yt = Yt::new(backend).await;
    let chat = public_chat(&yt).await;
    let v = viewer(&yt).await;
    posted(&yt, &v.token, &chat, "before").await;
    let reply = ban(&yt, &yt.token, &chat, &v.id, json!({})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["kind"], "youtube#liveChatBan");
    assert_eq!(reply.body["snippet"]["type"], "permanent");
    assert_eq!(
        reply.body["snippet"]["bannedUserDetails"]["channelId"],
        v.id.as_str()
    );
    let ban_id = reply.body["id"].as_str().unwrap().to_owned();
    // A year later it still holds (tokens minted now: the earlier ones have expired).
    yt.app.clock.advance(Duration::days(365));
    let (owner, v_token) = (
        token_for(&yt.app, &yt.user, None),
        token_for(&yt.app, &v.id, None),
    );
    assert_google_error(
        &post(&yt, &v_token, &chat, "during").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let (items, _) = page(&yt, &owner, &chat, "").await;
    assert_eq!(texts(&items), ["before"], "stored nowhere");
    assert_eq!(count(&yt, &chat).await, 1);
    assert_eq!(
        delete(&yt, &owner, BANS, &ban_id).await.status,
        StatusCode::NO_CONTENT
    );
    posted(&yt, &v_token, &chat, "after").await;
    // Lifting a lifted ban changes nothing.
    assert_eq!(
        delete(&yt, &owner, BANS, &ban_id).await.status,
        StatusCode::NO_CONTENT
    );
}

async fn a_temporary_ban_lifts_by_itself_and_a_bad_duration_changes_nothing(backend: Backend) {
    let yt = Yt::new(backend).await;
    let chat = public_chat(&yt).await;
    let v = viewer(&yt).await;
    for bad in [
        json!({ "type": "temporary" }),
        json!({ "type": "temporary", "banDurationSeconds": "0" }),
        json!({ "type": "temporary", "banDurationSeconds": -5 }),
        json!({ "type": "temporary", "banDurationSeconds": "x" }),
    ] {
        let reply = ban(&yt, &yt.token, &chat, &v.id, bad).await;
        assert_google_error(&reply, StatusCode::BAD_REQUEST, "invalidBanTime");
    }
    let reply = ban(&yt, &yt.token, &chat, &v.id, json!({ "type": "bogus" })).await;
    assert_google_error(&reply, StatusCode::BAD_REQUEST, "invalidValue");
    assert!(!banned(&yt, &chat, &v.id).await, "nothing changed");
    let reply = ban(
        &yt,
        &yt.token,
        &chat,
        &v.id,
        json!({ "type": "temporary", "banDurationSeconds": "60" }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["snippet"]["banDurationSeconds"], "60");
    assert_eq!(reply.body["snippet"]["type"], "temporary");
    yt.app.clock.advance(Duration::seconds(59));
    assert_google_error(
        &post(&yt, &v.token, &chat, "early").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    yt.app.clock.advance(Duration::seconds(1));
    posted(&yt, &v.token, &chat, "free again").await;
}

async fn moderators_delete_others_messages_and_ban_viewers(backend: Backend) {
    let yt = Yt::new(backend).await;
    let chat = public_chat(&yt).await;
    let (m, v) = (viewer(&yt).await, viewer(&yt).await);
    let reply = add_moderator(&yt, &yt.token, &chat, &m.id).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let spam = posted(&yt, &v.token, &chat, "spam").await;
    let owners = posted(&yt, &yt.token, &chat, "owner speaks").await;
    assert_eq!(
        delete(&yt, &m.token, MESSAGES, &spam).await.status,
        StatusCode::NO_CONTENT
    );
    assert_google_error(
        &delete(&yt, &m.token, MESSAGES, &owners).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let (items, _) = page(&yt, &m.token, &chat, "").await;
    assert_eq!(texts(&items), ["owner speaks"], "deleted for good");
    assert_eq!(items[0]["authorDetails"]["isChatOwner"], true);
    let reply = ban(&yt, &m.token, &chat, &v.id, json!({})).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_google_error(
        &post(&yt, &v.token, &chat, "again").await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    // The moderator's own messages show isChatModerator.
    posted(&yt, &m.token, &chat, "mod here").await;
    let (items, _) = page(&yt, &v.token, &chat, "").await;
    assert_eq!(items.last().unwrap()["authorDetails"]["isChatModerator"], true);
    // A viewer deletes its own message.
    let reply = delete(&yt, &m.token, BANS, reply.body["id"].as_str().unwrap()).await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let own = posted(&yt, &v.token, &chat, "oops").await;
    assert_eq!(
        delete(&yt, &v.token, MESSAGES, &own).await.status,
        StatusCode::NO_CONTENT
    );
}

async fn a_non_moderator_can_neither_delete_others_messages_nor_ban_nor_manage_moderators(backend: Backend) {
    let yt = Yt::new(backend).await;
    let chat = public_chat(&yt).await;
    let (v, w) = (viewer(&yt).await, viewer(&yt).await);
    let theirs = posted(&yt, &w.token, &chat, "mine").await;
    assert_google_error(
        &delete(&yt, &v.token, MESSAGES, &theirs).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    assert_google_error(
        &ban(&yt, &v.token, &chat, &w.id, json!({})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    assert_google_error(
        &add_moderator(&yt, &v.token, &chat, &v.id).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let list = yt
        .call_as(
            &v.token,
            Method::GET,
            &format!("{MODERATORS}?liveChatId={chat}&part=snippet"),
            None,
        )
        .await;
    assert_google_error(&list, StatusCode::FORBIDDEN, "forbidden");
    // A moderator may not grant moderation either.
    assert_eq!(
        add_moderator(&yt, &yt.token, &chat, &v.id).await.status,
        StatusCode::OK
    );
    assert_google_error(
        &add_moderator(&yt, &v.token, &chat, &w.id).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let meta = yt.app.state.chats.meta(&chat).await.unwrap();
    assert_eq!(meta.moderators, vec![v.id.clone()]);
    assert!(!banned(&yt, &chat, &w.id).await);
    assert!(yt.app.state.chats.message(&chat, 1).await.is_ok());
}

async fn the_owner_cannot_be_banned(backend: Backend) {
    let yt = Yt::new(backend).await;
    let chat = public_chat(&yt).await;
    let m = viewer(&yt).await;
    assert_eq!(
        add_moderator(&yt, &yt.token, &chat, &m.id).await.status,
        StatusCode::OK
    );
    for token in [&m.token, &yt.token] {
        let reply = ban(&yt, token, &chat, &yt.user, json!({})).await;
        assert_google_error(&reply, StatusCode::FORBIDDEN, "forbidden");
    }
    assert!(!banned(&yt, &chat, &yt.user).await);
    posted(&yt, &yt.token, &chat, "still here").await;
}

async fn the_chat_closes_after_the_broadcast_completes_and_its_history_stays_readable(backend: Backend) {
    let yt = Yt::new(backend).await;
    let chat = public_chat(&yt).await;
    let v = viewer(&yt).await;
    posted(&yt, &v.token, &chat, "last words").await;
    // Taken live and then completed (testing/live settle through steps; the store is set directly).
    yt.force_state(&chat, LifeCycleStatus::Live).await;
    let reply = yt.transition(&chat, "complete").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_google_error(
        &post(&yt, &v.token, &chat, "too late").await,
        StatusCode::FORBIDDEN,
        "liveChatEnded",
    );
    assert_google_error(
        &post(&yt, &yt.token, &chat, "too late").await,
        StatusCode::FORBIDDEN,
        "liveChatEnded",
    );
    let reply = list_as(&yt, &v.token, &chat, "").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(texts(reply.body["items"].as_array().unwrap()), ["last words"]);
    let end = yt.app.state.broadcasts.get(&yt.owner(), &chat).await.unwrap();
    let end = end.broadcast.snippet.actual_end_time.unwrap();
    let offline = time::OffsetDateTime::parse(
        reply.body["offlineAt"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!(offline, end);
    assert_eq!(count(&yt, &chat).await, 1);
}

async fn a_sixth_fast_message_is_refused_with_rate_limit_exceeded(backend: Backend) {
    let yt = Yt::new(backend).await;
    let chat = public_chat(&yt).await;
    let v = viewer(&yt).await;
    for i in 0..5 {
        posted(&yt, &v.token, &chat, &format!("burst {i}")).await;
    }
    assert_google_error(
        &post(&yt, &v.token, &chat, "one too many").await,
        StatusCode::FORBIDDEN,
        "rateLimitExceeded",
    );
    assert_eq!(count(&yt, &chat).await, 5);
    yt.app.clock.advance(Duration::seconds(1));
    posted(&yt, &v.token, &chat, "after a second").await;
}

async fn fifty_parallel_inserts_by_distinct_viewers_are_all_stored_with_distinct_ids(backend: Backend) {
    let yt = Yt::new(backend).await;
    let chat = public_chat(&yt).await;
    // Fifty users written straight into the store (the admin API would hash fifty passwords).
    let mut tokens = Vec::new();
    for i in 0..50 {
        let now = yt.app.state.clock.now();
        let user = User {
            id: UserId::parse(&unique("viewer")).unwrap(),
            login: unique("login"),
            user_name: format!("Viewer {i}"),
            profile_thumbnail: None,
            password_hash: None,
            disabled: false,
            created_at: now,
            modified_at: now,
            version: 1,
        };
        yt.app.state.users.create(&user).await.unwrap();
        tokens.push(token_for(&yt.app, user.id.as_str(), Some("youtube")));
    }
    let path = format!("{MESSAGES}?part=snippet");
    let calls = tokens.into_iter().enumerate().map(|(i, token)| {
        let (router, path) = (yt.router.clone(), path.clone());
        let body = insert_body(&chat, &format!("m{i}")).to_string();
        tokio::spawn(async move { call(&router, Method::POST, &path, Some(&token), Some(&body)).await })
    });
    let replies: Vec<Reply> = join_all(calls).await.into_iter().map(Result::unwrap).collect();
    let mut ids: Vec<String> = replies
        .iter()
        .map(|r| {
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            r.body["id"].as_str().unwrap().to_owned()
        })
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 50, "distinct ids");
    let (items, _) = page(&yt, &yt.token, &chat, "&maxResults=200").await;
    assert_eq!(items.len(), 50);
    assert_eq!(count(&yt, &chat).await, 50);
}

async fn parallel_bans_and_unbans_leave_one_consistent_state(backend: Backend) {
    let yt = Yt::new(backend).await;
    let chat = public_chat(&yt).await;
    let v = viewer(&yt).await;
    let ban_id = format!("{chat}.ban.{}", v.id);
    let calls = (0..50).map(|i| {
        let router = yt.router.clone();
        let token = yt.token.clone();
        let (chat, target, ban_id) = (chat.clone(), v.id.clone(), ban_id.clone());
        tokio::spawn(async move {
            if i % 2 == 0 {
                let body = json!({ "snippet": { "liveChatId": chat, "type": "permanent",
                    "bannedUserDetails": { "channelId": target } } })
                .to_string();
                call(
                    &router,
                    Method::POST,
                    &format!("{BANS}?part=snippet"),
                    Some(&token),
                    Some(&body),
                )
                .await
            } else {
                call(
                    &router,
                    Method::DELETE,
                    &format!("{BANS}?id={ban_id}"),
                    Some(&token),
                    None,
                )
                .await
            }
        })
    });
    let replies: Vec<Reply> = join_all(calls).await.into_iter().map(Result::unwrap).collect();
    for r in &replies {
        assert!(
            r.status == StatusCode::OK || r.status == StatusCode::NO_CONTENT,
            "every call succeeds: {}",
            r.text
        );
    }
    // Whatever order they ran in, the stored ban and the insert rule agree.
    let is_banned = banned(&yt, &chat, &v.id).await;
    let reply = post(&yt, &v.token, &chat, "am I banned?").await;
    if is_banned {
        assert_google_error(&reply, StatusCode::FORBIDDEN, "forbidden");
    } else {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    // And one more unban settles it.
    assert_eq!(
        delete(&yt, &yt.token, BANS, &ban_id).await.status,
        StatusCode::NO_CONTENT
    );
    assert!(!banned(&yt, &chat, &v.id).await);
}

async fn moderators_list_pages_and_only_the_owner_inserts_or_deletes_them(backend: Backend) {
    let yt = Yt::new(backend).await;
    let chat = public_chat(&yt).await;
    let mut mods = Vec::new();
    for _ in 0..3 {
        let m = viewer(&yt).await;
        let reply = add_moderator(&yt, &yt.token, &chat, &m.id).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body["kind"], "youtube#liveChatModerator");
        assert_eq!(
            reply.body["snippet"]["moderatorDetails"]["channelId"],
            m.id.as_str()
        );
        let name = reply.body["snippet"]["moderatorDetails"]["displayName"]
            .as_str()
            .unwrap();
        assert!(name.starts_with("User "), "{name}");
        mods.push(m);
    }
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..3 {
        let extra = token
            .as_ref()
            .map(|t| format!("&pageToken={t}"))
            .unwrap_or_default();
        let reply = yt
            .call(
                Method::GET,
                &format!("{MODERATORS}?liveChatId={chat}&part=snippet&maxResults=2{extra}"),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body["kind"], "youtube#liveChatModeratorListResponse");
        for item in reply.body["items"].as_array().unwrap() {
            seen.push(
                item["snippet"]["moderatorDetails"]["channelId"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        token = reply.body["nextPageToken"].as_str().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    let mut expected: Vec<String> = mods.iter().map(|m| m.id.clone()).collect();
    expected.sort();
    assert_eq!(seen, expected, "every moderator once, by id");
    // A moderator lists them too, but cannot revoke one.
    let id = format!("{chat}.mod.{}", mods[1].id);
    assert_google_error(
        &delete(&yt, &mods[0].token, MODERATORS, &id).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    assert_eq!(
        delete(&yt, &yt.token, MODERATORS, &id).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(yt.app.state.chats.meta(&chat).await.unwrap().moderators.len(), 2);
    // An unknown user cannot be made a moderator.
    let reply = add_moderator(&yt, &yt.token, &chat, "nobody-at-all").await;
    assert_google_error(&reply, StatusCode::BAD_REQUEST, "invalidValue");
    let reply = yt
        .call(
            Method::GET,
            &format!("{MODERATORS}?liveChatId={chat}&part=snippet&pageToken=forged"),
            None,
        )
        .await;
    assert_google_error(&reply, StatusCode::BAD_REQUEST, "invalidPageToken");
}

async fn a_read_only_token_lists_but_cannot_write(backend: Backend) {
    let yt = Yt::new(backend).await;
    let chat = public_chat(&yt).await;
    let read_only = token_for(
        &yt.app,
        &yt.user,
        Some("https://www.googleapis.com/auth/youtube.readonly"),
    );
    let reply = list_as(&yt, &read_only, &chat, "").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let reply = post(&yt, &read_only, &chat, "hi").await;
    assert_google_error(&reply, StatusCode::FORBIDDEN, "insufficientPermissions");
    let force_ssl = token_for(&yt.app, &yt.user, Some("youtube.force-ssl"));
    posted(&yt, &force_ssl, &chat, "force-ssl writes").await;
    let profile = token_for(&yt.app, &yt.user, Some("profile"));
    assert_google_error(
        &list_as(&yt, &profile, &chat, "").await,
        StatusCode::FORBIDDEN,
        "insufficientPermissions",
    );
    assert_eq!(count(&yt, &chat).await, 1);
}

async fn oversized_bodies_and_duplicated_query_parameters_are_refused(backend: Backend) {
    let yt = Yt::new(backend).await;
    let chat = public_chat(&yt).await;
    let huge = insert_body(&chat, &"x".repeat(70 * 1024)).to_string();
    for path in [MESSAGES, BANS, MODERATORS] {
        let reply = call(
            &yt.router,
            Method::POST,
            &format!("{path}?part=snippet"),
            Some(&yt.token),
            Some(&huge),
        )
        .await;
        assert_google_error(&reply, StatusCode::PAYLOAD_TOO_LARGE, "uploadTooLarge");
    }
    let reply = yt
        .call(
            Method::POST,
            &format!("{MESSAGES}?part=snippet&part=snippet"),
            Some(insert_body(&chat, "dup")),
        )
        .await;
    assert_google_error(&reply, StatusCode::BAD_REQUEST, "invalidValue");
    let reply = list_as(&yt, &yt.token, &chat, &format!("&liveChatId={chat}")).await;
    assert_google_error(&reply, StatusCode::BAD_REQUEST, "invalidValue");
    let reply = list_as(&yt, &yt.token, &chat, "&bogus=1").await;
    assert_google_error(&reply, StatusCode::BAD_REQUEST, "unexpectedParameter");
    assert_eq!(count(&yt, &chat).await, 0, "nothing stored");
}

async fn bad_ids_and_write_bodies_are_refused_and_change_nothing(backend: Backend) {
    let yt = Yt::new(backend).await;
    let chat = public_chat(&yt).await;
    let v = viewer(&yt).await;
    let id = posted(&yt, &v.token, &chat, "keep me").await;
    // Message ids of no message, or of another chat's message, are not found.
    let other = public_chat(&yt).await;
    for bad in [
        "garbage".to_owned(),
        format!("{chat}.99"),
        format!("{chat}.01"),
        format!("{other}.1"),
    ] {
        assert_eq!(
            delete(&yt, &yt.token, MESSAGES, &bad).await.status,
            StatusCode::NOT_FOUND,
            "{bad}"
        );
    }
    assert_eq!(
        delete(&yt, &yt.token, BANS, &id).await.status,
        StatusCode::NOT_FOUND,
        "a message id is no ban id"
    );
    let reply = yt.call(Method::DELETE, MESSAGES, None).await;
    assert_google_error(&reply, StatusCode::BAD_REQUEST, "missingRequiredParameter");
    let reply = yt
        .call(Method::GET, &format!("{MESSAGES}?part=snippet"), None)
        .await;
    assert_google_error(&reply, StatusCode::BAD_REQUEST, "missingRequiredParameter");
    let reply = yt
        .call(
            Method::GET,
            &format!("{MESSAGES}?liveChatId={chat}&part=bogus"),
            None,
        )
        .await;
    assert_google_error(&reply, StatusCode::BAD_REQUEST, "unknownPart");
    let reply = yt
        .call(
            Method::POST,
            &format!("{MESSAGES}?part=snippet"),
            Some(json!({ "snippet": { "type": "textMessageEvent" } })),
        )
        .await;
    assert_google_error(&reply, StatusCode::BAD_REQUEST, "liveChatIdRequired");
    let mut wrong_type = insert_body(&chat, "hi");
    wrong_type["snippet"]["type"] = json!("superChatEvent");
    let reply = yt
        .call(
            Method::POST,
            &format!("{MESSAGES}?part=snippet"),
            Some(wrong_type),
        )
        .await;
    assert_google_error(&reply, StatusCode::BAD_REQUEST, "invalidValue");
    let reply = call(
        &yt.router,
        Method::POST,
        &format!("{MESSAGES}?part=snippet"),
        Some(&yt.token),
        Some("not json"),
    )
    .await;
    assert_google_error(&reply, StatusCode::BAD_REQUEST, "parseError");
    let reply = ban(&yt, &yt.token, &chat, "", json!({})).await;
    assert_google_error(&reply, StatusCode::BAD_REQUEST, "invalidValue");
    let (items, _) = page(&yt, &yt.token, &chat, "").await;
    assert_eq!(texts(&items), ["keep me"]);
    assert_eq!(count(&yt, &chat).await, 1);
}

/// What a viewer's poll costs: the chat's meta, the broadcast behind it (privacy, closed), the owner's
/// channel (its link) and the page itself (the tokens cost no read: both keys are cached).
async fn a_poll_with_a_page_token_costs_four_dynamodb_round_trips() {
    let yt = Yt::with_app(crate::support::TestApp::new(Backend::Aws).await).await;
    let chat = public_chat(&yt).await;
    let v = viewer(&yt).await;
    posted(&yt, &v.token, &chat, "one").await;
    let (_, token) = page(&yt, &v.token, &chat, "").await;
    posted(&yt, &yt.token, &chat, "two").await;
    let trips = yt.app.dynamo.as_ref().unwrap().round_trips();
    trips.reset();
    let (items, _) = page(&yt, &v.token, &chat, &format!("&pageToken={token}")).await;
    assert_eq!(texts(&items), ["two"]);
    assert_eq!(trips.get(), 4);
}
