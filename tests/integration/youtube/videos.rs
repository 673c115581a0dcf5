//! `videos.list` for broadcasts (`GET /youtube/v3/videos`) on both stores: every served part's shape,
//! `liveBroadcastContent` and the upload status per broadcast state, unknown and other users' ids
//! left out, bad parts and parameters refused, the scopes that may list, `concurrentViewers` only
//! while live, and (DynamoDB) one round trip for broadcasts and reports together.

use super::{Yt, assert_google_error, token_for};
use crate::support::{self, Backend};
use http::{Method, StatusCode};
use onair_domain::lifecycle::wire::LifeCycleStatus;
use serde_json::{Value, json};

crate::support::on_both_backends!(
    videos_list_shows_every_served_part_of_a_broadcast_video,
    live_broadcast_content_and_upload_status_follow_the_broadcast_state,
    unknown_and_other_users_ids_are_left_out_in_the_order_asked,
    bad_parts_and_parameters_are_refused_as_on_the_other_youtube_routes,
    videos_list_takes_the_discovery_documents_scopes,
    concurrent_viewers_show_only_while_live_and_the_chat_only_while_open,
    videos_list_reads_broadcasts_and_reports_in_one_round_trip,
);

const ALL_PARTS: &str = "id,snippet,status,processingDetails,liveStreamingDetails";

/// `videos.list` with `query`, which must succeed.
pub async fn videos(yt: &Yt, query: &str) -> Value {
    let reply = yt
        .call(Method::GET, &format!("/youtube/v3/videos?{query}"), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.text);
    reply.body
}

/// The one video `id` with every part.
pub async fn video(yt: &Yt, id: &str) -> Value {
    let body = videos(yt, &format!("part={ALL_PARTS}&id={id}")).await;
    assert_eq!(body["items"].as_array().map(Vec::len), Some(1), "{body}");
    body["items"][0].clone()
}

async fn videos_list_shows_every_served_part_of_a_broadcast_video(backend: Backend) {
    let yt = Yt::new(backend).await;
    let b = yt.insert_broadcast(true).await;
    let listed = yt
        .call(
            Method::GET,
            &format!("/youtube/v3/liveBroadcasts?part=id,snippet&id={b}"),
            None,
        )
        .await;
    let snippet = &listed.body["items"][0]["snippet"];
    let body = videos(&yt, &format!("part={ALL_PARTS}&id={b}")).await;
    assert_eq!(body["kind"], "youtube#videoListResponse");
    assert!(body["etag"].is_string(), "{body}");
    assert_eq!(
        body["pageInfo"],
        json!({ "totalResults": 1, "resultsPerPage": 1 })
    );
    assert!(body.get("nextPageToken").is_none(), "{body}");
    let v = &body["items"][0];
    assert_eq!(v["kind"], "youtube#video");
    assert!(v["etag"].as_str().is_some_and(|e| !e.is_empty()), "{v}");
    assert_eq!(v["id"], b.as_str());
    assert_eq!(
        v["snippet"],
        json!({
            "publishedAt": snippet["publishedAt"],
            "channelId": yt.channel,
            "title": "Show",
            "description": "",
            "liveBroadcastContent": "upcoming",
        })
    );
    let status = &v["status"];
    assert_eq!(status["uploadStatus"], "uploaded");
    assert_eq!(status["privacyStatus"], "private");
    assert_eq!(status["license"], "youtube");
    assert_eq!(status["publicStatsViewable"], true);
    assert_eq!(status["madeForKids"], false);
    assert!(status.get("failureReason").is_none(), "{v}");
    assert!(status.get("rejectionReason").is_none(), "{v}");
    assert!(v["status"]["embeddable"].is_boolean(), "{v}");
    assert_eq!(
        v["processingDetails"],
        json!({ "processingStatus": "processing" })
    );
    assert_eq!(
        v["liveStreamingDetails"],
        json!({
            "scheduledStartTime": "2026-11-01T01:00:00Z",
            "activeLiveChatId": snippet["liveChatId"],
        })
    );
    assert!(snippet["liveChatId"].is_string(), "{}", listed.text);
    // Only the parts asked for; kind, etag and id always.
    let only_id = videos(&yt, &format!("part=id&id={b}")).await;
    let item = only_id["items"][0].as_object().unwrap();
    let mut keys: Vec<&str> = item.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["etag", "id", "kind"]);
    let status_only = videos(&yt, &format!("part=status&id={b}")).await;
    assert_eq!(status_only["items"][0]["status"]["uploadStatus"], "uploaded");
    assert!(status_only["items"][0].get("snippet").is_none());
    // The etag changes with what the client sees.
    assert_ne!(status_only["items"][0]["etag"], only_id["items"][0]["etag"]);
}

async fn live_broadcast_content_and_upload_status_follow_the_broadcast_state(backend: Backend) {
    use LifeCycleStatus::*;
    let yt = Yt::new(backend).await;
    let b = yt.insert_broadcast(true).await;
    for (state, content, upload, processing) in [
        (Created, "upcoming", "uploaded", "processing"),
        (Ready, "upcoming", "uploaded", "processing"),
        (TestStarting, "upcoming", "uploaded", "processing"),
        (Testing, "upcoming", "uploaded", "processing"),
        (LiveStarting, "live", "uploaded", "processing"),
        (Live, "live", "uploaded", "processing"),
        (Complete, "none", "uploaded", "processing"),
        (Revoked, "none", "rejected", "terminated"),
    ] {
        yt.force_state(&b, state).await;
        let v = video(&yt, &b).await;
        assert_eq!(v["snippet"]["liveBroadcastContent"], content, "{state}");
        assert_eq!(v["status"]["uploadStatus"], upload, "{state}");
        assert_eq!(v["processingDetails"]["processingStatus"], processing, "{state}");
        if state == Revoked {
            assert_eq!(v["status"]["rejectionReason"], "termsOfUse");
        } else {
            assert!(v["status"].get("rejectionReason").is_none(), "{state}: {v}");
        }
        assert!(v["status"].get("failureReason").is_none(), "{state}: {v}");
    }
}

async fn unknown_and_other_users_ids_are_left_out_in_the_order_asked(backend: Backend) {
    let yt = Yt::new(backend).await;
    let first = yt.insert_broadcast(true).await;
    let second = yt.insert_broadcast(false).await;
    let (_, their_token) = yt.other_user().await;
    let theirs = yt
        .call_as(
            &their_token,
            Method::POST,
            "/youtube/v3/liveBroadcasts?part=snippet,status,contentDetails",
            Some(super::broadcast_body("Theirs", true)),
        )
        .await;
    assert_eq!(theirs.status, StatusCode::OK, "{}", theirs.text);
    let theirs = theirs.body["id"].as_str().unwrap().to_owned();
    let body = videos(
        &yt,
        &format!("part=id&id={second},nope,{theirs},{first},{second}"),
    )
    .await;
    let ids: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [second.as_str(), first.as_str()]);
    // Their own list shows theirs.
    let reply = yt
        .call_as(
            &their_token,
            Method::GET,
            &format!("/youtube/v3/videos?part=id&id={theirs},{first}"),
            None,
        )
        .await;
    assert_eq!(
        reply.body["items"].as_array().map(Vec::len),
        Some(1),
        "{}",
        reply.text
    );
    assert_eq!(reply.body["items"][0]["id"], theirs.as_str());
    // Nothing known: an empty list, not an error.
    let none = videos(&yt, "part=id&id=nope,other").await;
    assert_eq!(none["items"], json!([]));
    assert_eq!(none["pageInfo"]["totalResults"], 0);
}

async fn bad_parts_and_parameters_are_refused_as_on_the_other_youtube_routes(backend: Backend) {
    let yt = Yt::new(backend).await;
    let b = yt.insert_broadcast(true).await;
    let many: Vec<String> = (0..51).map(|i| format!("id{i}")).collect();
    let many = many.join(",");
    for (query, status, reason) in [
        (
            format!("id={b}"),
            StatusCode::BAD_REQUEST,
            "missingRequiredParameter",
        ),
        (
            format!("part=&id={b}"),
            StatusCode::BAD_REQUEST,
            "missingRequiredParameter",
        ),
        (
            format!("part=bogus&id={b}"),
            StatusCode::BAD_REQUEST,
            "unknownPart",
        ),
        (
            format!("part=id,cdn&id={b}"),
            StatusCode::BAD_REQUEST,
            "unknownPart",
        ),
        (
            format!("part=statistics&id={b}"),
            StatusCode::BAD_REQUEST,
            "unexpectedPart",
        ),
        (
            format!("part=contentDetails&id={b}"),
            StatusCode::BAD_REQUEST,
            "unexpectedPart",
        ),
        (
            "part=id".to_owned(),
            StatusCode::BAD_REQUEST,
            "missingRequiredParameter",
        ),
        (
            "part=id&chart=mostPopular".to_owned(),
            StatusCode::BAD_REQUEST,
            "unexpectedParameter",
        ),
        (
            format!("part=id&id={b}&myRating=like"),
            StatusCode::BAD_REQUEST,
            "unexpectedParameter",
        ),
        (
            format!("part=id&id={b}&onBehalfOfContentOwner=cms"),
            StatusCode::BAD_REQUEST,
            "unexpectedParameter",
        ),
        (
            format!("part=id&id={b}&regionCode=US"),
            StatusCode::BAD_REQUEST,
            "unexpectedParameter",
        ),
        (
            format!("part=id&id={b}&maxHeight=100"),
            StatusCode::BAD_REQUEST,
            "unexpectedParameter",
        ),
        (
            format!("part=id&id={b}&mine=true"),
            StatusCode::BAD_REQUEST,
            "unexpectedParameter",
        ),
        (
            format!("part=id&id={many}"),
            StatusCode::BAD_REQUEST,
            "invalidValue",
        ),
        (
            format!("part=id&id={b}&maxResults=51"),
            StatusCode::BAD_REQUEST,
            "invalidValue",
        ),
        (
            format!("part=id&id={b}&maxResults=x"),
            StatusCode::BAD_REQUEST,
            "invalidValue",
        ),
        (
            format!("part=id&id={b}&pageToken=abc"),
            StatusCode::BAD_REQUEST,
            "invalidPageToken",
        ),
        (
            format!("part=id&id={b}&id={b}"),
            StatusCode::BAD_REQUEST,
            "invalidValue",
        ),
        (
            format!("part=id&id={b}&alt=xml"),
            StatusCode::BAD_REQUEST,
            "invalidValue",
        ),
    ] {
        let reply = yt
            .call(Method::GET, &format!("/youtube/v3/videos?{query}"), None)
            .await;
        assert_google_error(&reply, status, reason);
    }
    // What is accepted: maxResults in range (unused with id), an empty pageToken, hl, system params.
    let ok = videos(
        &yt,
        &format!("part=id&id={b}&maxResults=1&pageToken=&hl=fr&alt=json&prettyPrint=false"),
    )
    .await;
    assert_eq!(ok["items"][0]["id"], b.as_str());
    // Fifty ids are fine.
    let fifty: Vec<String> = std::iter::once(b.clone())
        .chain((0..49).map(|i| format!("id{i}")))
        .collect();
    let ok = videos(&yt, &format!("part=id&id={}", fifty.join(","))).await;
    assert_eq!(ok["items"].as_array().map(Vec::len), Some(1));
    // No token, or a bad one.
    let reply = support::call(
        &yt.router,
        Method::GET,
        &format!("/youtube/v3/videos?part=id&id={b}"),
        None,
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text);
}

async fn videos_list_takes_the_discovery_documents_scopes(backend: Backend) {
    let yt = Yt::new(backend).await;
    let b = yt.insert_broadcast(true).await;
    let path = format!("/youtube/v3/videos?part=status&id={b}");
    for scope in [
        "https://www.googleapis.com/auth/youtube",
        "https://www.googleapis.com/auth/youtube.force-ssl",
        "https://www.googleapis.com/auth/youtube.readonly",
        "https://www.googleapis.com/auth/youtubepartner",
        "youtube.readonly",
    ] {
        let token = token_for(&yt.app, &yt.user, Some(scope));
        let reply = yt.call_as(&token, Method::GET, &path, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{scope}: {}", reply.text);
        assert_eq!(reply.body["items"][0]["status"]["uploadStatus"], "uploaded");
    }
    for scope in ["openid", "https://www.googleapis.com/auth/youtube.upload"] {
        let token = token_for(&yt.app, &yt.user, Some(scope));
        let reply = yt.call_as(&token, Method::GET, &path, None).await;
        assert_google_error(&reply, StatusCode::FORBIDDEN, "insufficientPermissions");
    }
}

async fn concurrent_viewers_show_only_while_live_and_the_chat_only_while_open(backend: Backend) {
    let yt = Yt::new(backend).await;
    let reply = yt
        .call(
            Method::POST,
            &format!("/prism/v1/service/channel/{}/live", yt.channel),
            Some(json!({ "title": "Show", "reservedAt": "2026-11-01T18:30:00+09:00" })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let live = reply.body["data"]["live"]["liveId"].as_str().unwrap().to_owned();
    let stored = yt.app.state.lives.get(&yt.owner(), &live).await.unwrap();
    let b = stored.broadcast_id.clone();
    let snapshot =
        json!({ "at": "2026-11-01T00:00:10Z", "viewCount": 10, "viewerCount": 85, "likeCount": 1 });
    let reply = support::admin(
        &yt.router,
        Method::PUT,
        &format!("/admin/lives/{live}/statistics"),
        Some(&snapshot.to_string()),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    // Not live yet: no viewers; the live's chat is open.
    let v = video(&yt, &b).await;
    assert!(
        v["liveStreamingDetails"].get("concurrentViewers").is_none(),
        "{v}"
    );
    assert_eq!(v["liveStreamingDetails"]["activeLiveChatId"], live.as_str());
    yt.force_state(&b, LifeCycleStatus::Live).await;
    let v = video(&yt, &b).await;
    assert_eq!(v["liveStreamingDetails"]["concurrentViewers"], "85");
    assert_eq!(v["snippet"]["liveBroadcastContent"], "live");
    // Without liveStreamingDetails no statistics are read or shown.
    let plain = videos(&yt, &format!("part=id,status&id={b}")).await;
    assert!(plain["items"][0].get("liveStreamingDetails").is_none());
    yt.force_state(&b, LifeCycleStatus::Complete).await;
    let v = video(&yt, &b).await;
    let details = v["liveStreamingDetails"].as_object().unwrap();
    assert!(!details.contains_key("concurrentViewers"), "{v}");
    assert!(!details.contains_key("activeLiveChatId"), "{v}");
    assert!(details.contains_key("scheduledStartTime"), "{v}");
}

async fn videos_list_reads_broadcasts_and_reports_in_one_round_trip(backend: Backend) {
    let yt = Yt::new(backend).await;
    let first = yt.insert_broadcast(true).await;
    let second = yt.insert_broadcast(true).await;
    yt.force_state(&second, LifeCycleStatus::Complete).await;
    let reply = support::admin(
        &yt.router,
        Method::PUT,
        &format!("/admin/users/{}/videos/{second}/processing", yt.user),
        Some(r#"{"status":"processed"}"#),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    // warm the signing-key cache
    videos(&yt, &format!("part=id&id={first}")).await;
    let Some(dynamo) = &yt.app.dynamo else {
        return;
    };
    let trips = dynamo.round_trips();
    trips.reset();
    let body = videos(&yt, &format!("part={ALL_PARTS}&id={first},{second},nope")).await;
    assert_eq!(trips.get(), 1, "videos.list of 3 ids with every part");
    assert_eq!(body["items"][0]["status"]["uploadStatus"], "uploaded");
    assert_eq!(body["items"][1]["status"]["uploadStatus"], "processed");
    // A processing report: one read, one write.
    let third = yt.insert_broadcast(true).await;
    yt.force_state(&third, LifeCycleStatus::Complete).await;
    trips.reset();
    let reply = support::admin(
        &yt.router,
        Method::PUT,
        &format!("/admin/users/{}/videos/{third}/processing", yt.user),
        Some(r#"{"status":"failed","failureReason":"codec"}"#),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(trips.get(), 2, "a processing report");
}
