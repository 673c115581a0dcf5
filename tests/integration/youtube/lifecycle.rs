//! The lifecycle over HTTP: resources as YouTube renders them, binding, transitions with their side
//! effects and planned settle step, lists with paging and filters, the delete rules.

use super::{Yt, assert_google_error};
use crate::support::{Backend, T0};
use http::{Method, StatusCode};
use onair_domain::lifecycle::step::StepKind;
use onair_domain::lifecycle::wire::{LifeCycleStatus, StreamStatus};
use serde_json::json;
use time::Duration;

crate::support::on_both_backends!(
    inserted_resources_carry_kind_etag_and_the_parts_asked_for,
    binding_makes_a_broadcast_ready_and_unbinding_makes_it_created,
    testing_then_live_then_complete_with_their_side_effects,
    broadcast_lists_page_with_tokens_and_filter_by_status,
    non_reusable_streams_are_listed_by_id_only,
    insert_uses_the_oldest_enabled_channel_or_the_one_named,
    broadcast_delete_follows_the_state_and_frees_the_stream,
    update_replaces_by_part_and_keeps_the_matrix,
    binding_an_active_stream_to_an_auto_start_broadcast_plans_a_stream_changed_step,
    a_stream_feeds_at_most_three_live_broadcasts,
);

const BROADCASTS: &str = "/youtube/v3/liveBroadcasts";
const STREAMS: &str = "/youtube/v3/liveStreams";

async fn inserted_resources_carry_kind_etag_and_the_parts_asked_for(backend: Backend) {
    let y = Yt::new(backend).await;
    let r = y
        .call(
            Method::POST,
            &format!("{BROADCASTS}?part=snippet,status,contentDetails"),
            Some(super::broadcast_body("Show", true)),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let b = &r.body;
    assert_eq!(b["kind"], json!("youtube#liveBroadcast"));
    assert!(b["etag"].as_str().is_some_and(|e| !e.is_empty()));
    assert_eq!(b["snippet"]["channelId"], json!(y.channel));
    assert_eq!(b["snippet"]["publishedAt"], json!("2026-11-01T00:00:00Z"));
    assert_eq!(b["status"]["lifeCycleStatus"], json!("created"));
    let id = b["id"].as_str().unwrap();
    assert!(
        b["contentDetails"]["monitorStream"]["embedHtml"]
            .as_str()
            .unwrap()
            .contains(&format!("/watch/{id}"))
    );
    let r = y
        .call(
            Method::POST,
            &format!("{STREAMS}?part=id,snippet,cdn,status"),
            Some(json!({"snippet": {"title": "Cam"}, "cdn": {"ingestionType": "rtmp", "resolution": "720p", "frameRate": "60fps"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let s = &r.body;
    assert_eq!(s["kind"], json!("youtube#liveStream"));
    assert_eq!(s["status"]["streamStatus"], json!("ready"));
    assert_eq!(
        s["cdn"]["ingestionInfo"]["ingestionAddress"],
        json!("rtmp://127.0.0.1:1935/live")
    );
    let key = s["cdn"]["ingestionInfo"]["streamName"].as_str().unwrap();
    // the test generator's keys are short; key strength is the domain's unit test
    assert!(!key.is_empty());
    assert!(s.get("contentDetails").is_none(), "contentDetails not asked for");
    // part=id only: id, kind and etag
    let r = y
        .call(
            Method::GET,
            &format!("{STREAMS}?part=id&id={}", s["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(r.body["kind"], json!("youtube#liveStreamListResponse"));
    let item = &r.body["items"][0];
    assert_eq!(item.as_object().unwrap().len(), 3, "{item}");
    assert!(item.get("cdn").is_none());
}

async fn binding_makes_a_broadcast_ready_and_unbinding_makes_it_created(backend: Backend) {
    let y = Yt::new(backend).await;
    let b = y.insert_broadcast(true).await;
    let s = y.insert_stream(true).await;
    let path = format!("{BROADCASTS}/bind?id={b}&part=id,contentDetails,status&streamId={s}");
    let r = y.call(Method::POST, &path, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["contentDetails"]["boundStreamId"], json!(s));
    assert_eq!(r.body["status"]["lifeCycleStatus"], json!("ready"));
    let stored = y.app.state.streams.get(&y.owner(), &s).await.unwrap();
    assert_eq!(stored.bound_broadcasts, vec![b.clone()]);
    // binding again is a no-op
    let again = y.call(Method::POST, &path, None).await;
    assert_eq!(again.body, r.body);
    let r = y
        .call(
            Method::POST,
            &format!("{BROADCASTS}/bind?id={b}&part=contentDetails,status"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.body["contentDetails"].get("boundStreamId").is_none());
    assert_eq!(r.body["status"]["lifeCycleStatus"], json!("created"));
    let stored = y.app.state.streams.get(&y.owner(), &s).await.unwrap();
    assert!(stored.bound_broadcasts.is_empty());
}

async fn testing_then_live_then_complete_with_their_side_effects(backend: Backend) {
    let y = Yt::new(backend).await;
    let (b, _) = y.ready_with_active_stream(true).await;
    let r = y.transition(&b, "testing").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"]["lifeCycleStatus"], json!("testStarting"));
    // the settle step is planned for the new version, due after the configured bound; the broadcast
    // is in the transient state until it runs
    let stored = y.app.state.broadcasts.get(&y.owner(), &b).await.unwrap();
    assert_eq!(stored.broadcast.state(), LifeCycleStatus::TestStarting);
    let settle: Vec<_> = y
        .steps
        .pending()
        .into_iter()
        .filter(|s| s.kind == StepKind::Settle)
        .collect();
    assert_eq!(settle.len(), 1, "{settle:?}");
    assert_eq!(settle[0].target, b);
    assert_eq!(settle[0].version, stored.version);
    assert_eq!(settle[0].due, T0 + y.app.state.settings.lifecycle.settle_after);
    y.force_state(&b, LifeCycleStatus::Testing).await;
    let r = y.transition(&b, "live").await;
    assert_eq!(
        r.body["status"]["lifeCycleStatus"],
        json!("liveStarting"),
        "{}",
        r.text
    );
    y.force_state(&b, LifeCycleStatus::Live).await;
    y.app.clock.advance(Duration::minutes(5));
    let r = y.transition(&b, "complete").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = y
        .call(
            Method::GET,
            &format!("{BROADCASTS}?part=snippet,status&id={b}"),
            None,
        )
        .await;
    let item = &r.body["items"][0];
    assert_eq!(item["status"]["lifeCycleStatus"], json!("complete"));
    assert_eq!(item["snippet"]["actualEndTime"], json!("2026-11-01T00:05:00Z"));
}

async fn broadcast_lists_page_with_tokens_and_filter_by_status(backend: Backend) {
    let y = Yt::new(backend).await;
    let mut ids = Vec::new();
    for _ in 0..7 {
        ids.push(y.insert_broadcast(true).await);
        y.app.clock.advance(Duration::seconds(1));
    }
    y.force_state(&ids[0], LifeCycleStatus::Complete).await;
    let r = y
        .call(Method::GET, &format!("{BROADCASTS}?part=id&mine=true"), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["kind"], json!("youtube#liveBroadcastListResponse"));
    assert_eq!(r.body["pageInfo"]["resultsPerPage"], json!(5));
    let first: Vec<_> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].clone())
        .collect();
    assert_eq!(first.len(), 5);
    assert_eq!(first[0], json!(ids[6]), "newest first");
    let token = r.body["nextPageToken"].as_str().unwrap();
    let r = y
        .call(
            Method::GET,
            &format!("{BROADCASTS}?part=id&mine=true&pageToken={token}"),
            None,
        )
        .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 2);
    assert!(r.body.get("nextPageToken").is_none());
    // status filters page over the matches only
    let r = y
        .call(
            Method::GET,
            &format!("{BROADCASTS}?part=id&broadcastStatus=upcoming&maxResults=6"),
            None,
        )
        .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 6);
    let r = y
        .call(
            Method::GET,
            &format!("{BROADCASTS}?part=id&broadcastStatus=completed"),
            None,
        )
        .await;
    assert_eq!(
        r.body["items"],
        json!([{"kind": "youtube#liveBroadcast", "etag": r.body["items"][0]["etag"], "id": ids[0]}])
    );
    // by id, in the order asked
    let r = y
        .call(
            Method::GET,
            &format!("{BROADCASTS}?part=id&id={},{}", ids[2], ids[5]),
            None,
        )
        .await;
    let got: Vec<_> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].clone())
        .collect();
    assert_eq!(got, vec![json!(ids[2]), json!(ids[5])]);
}

async fn non_reusable_streams_are_listed_by_id_only(backend: Backend) {
    let y = Yt::new(backend).await;
    let reusable = y.insert_stream(true).await;
    let single = y.insert_stream(false).await;
    let r = y
        .call(Method::GET, &format!("{STREAMS}?part=id&mine=true"), None)
        .await;
    let got: Vec<_> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].clone())
        .collect();
    assert_eq!(got, vec![json!(reusable)]);
    let r = y
        .call(Method::GET, &format!("{STREAMS}?part=id&id={single}"), None)
        .await;
    assert_eq!(r.body["items"][0]["id"], json!(single));
}

async fn insert_uses_the_oldest_enabled_channel_or_the_one_named(backend: Backend) {
    let y = Yt::new(backend).await;
    y.app.clock.advance(Duration::seconds(1));
    let second = crate::support::oauth::create_channel(&y.router, &y.user, "second").await;
    let r = y
        .call(
            Method::POST,
            &format!("{BROADCASTS}?part=snippet,status"),
            Some(json!({"snippet": {"title": "t", "scheduledStartTime": "2026-11-01T01:00:00Z"}, "status": {"privacyStatus": "public"}})),
        )
        .await;
    assert_eq!(r.body["snippet"]["channelId"], json!(y.channel), "{}", r.text);
    let r = y
        .call(
            Method::POST,
            &format!("{BROADCASTS}?part=snippet,status"),
            Some(json!({"snippet": {"title": "t", "channelId": second, "scheduledStartTime": "2026-11-01T01:00:00Z"}, "status": {"privacyStatus": "public"}})),
        )
        .await;
    assert_eq!(r.body["snippet"]["channelId"], json!(second), "{}", r.text);
    let before = y.snapshot().await;
    let r = y
        .call(
            Method::POST,
            &format!("{BROADCASTS}?part=snippet,status"),
            Some(json!({"snippet": {"title": "t", "channelId": "UCnope", "scheduledStartTime": "2026-11-01T01:00:00Z"}, "status": {"privacyStatus": "public"}})),
        )
        .await;
    assert_google_error(&r, StatusCode::FORBIDDEN, "insufficientLivePermissions");
    assert_eq!(y.snapshot().await, before);
}

async fn broadcast_delete_follows_the_state_and_frees_the_stream(backend: Backend) {
    let y = Yt::new(backend).await;
    let (b, s) = y.ready_with_active_stream(true).await;
    for state in [LifeCycleStatus::Testing, LifeCycleStatus::Live] {
        y.force_state(&b, state).await;
        let before = y.snapshot().await;
        let r = y
            .call(Method::DELETE, &format!("{BROADCASTS}?id={b}"), None)
            .await;
        assert_google_error(&r, StatusCode::FORBIDDEN, "liveBroadcastDeletionNotAllowed");
        assert_eq!(y.snapshot().await, before);
    }
    y.force_state(&b, LifeCycleStatus::Complete).await;
    let r = y
        .call(Method::DELETE, &format!("{BROADCASTS}?id={b}"), None)
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let stream = y.app.state.streams.get(&y.owner(), &s).await.unwrap();
    assert!(stream.bound_broadcasts.is_empty(), "freed in the same write");
    let r = y
        .call(Method::DELETE, &format!("{BROADCASTS}?id={b}"), None)
        .await;
    assert_google_error(&r, StatusCode::NOT_FOUND, "liveBroadcastNotFound");
    y.set_stream_status(&s, StreamStatus::Inactive).await;
    let r = y.call(Method::DELETE, &format!("{STREAMS}?id={s}"), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
}

async fn update_replaces_by_part_and_keeps_the_matrix(backend: Backend) {
    let y = Yt::new(backend).await;
    let (b, _) = y.ready_with_active_stream(true).await;
    let path = format!("{BROADCASTS}?part=snippet,contentDetails");
    let r = y
        .call(
            Method::PUT,
            &path,
            Some(json!({"id": b, "snippet": {"title": "Renamed", "scheduledStartTime": "2026-11-01T02:00:00Z"}, "contentDetails": {"enableAutoStart": true}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["snippet"]["title"], json!("Renamed"));
    assert_eq!(r.body["contentDetails"]["enableAutoStart"], json!(true));
    y.force_state(&b, LifeCycleStatus::Live).await;
    let before = y.snapshot().await;
    let r = y
        .call(
            Method::PUT,
            &path,
            Some(json!({"id": b, "snippet": {"title": "Renamed", "scheduledStartTime": "2026-11-01T02:00:00Z"}, "contentDetails": {"enableAutoStart": false}})),
        )
        .await;
    assert_google_error(&r, StatusCode::FORBIDDEN, "enableAutoStartModificationNotAllowed");
    assert_eq!(y.snapshot().await, before);
    // metadata may change any time
    let r = y
        .call(
            Method::PUT,
            &format!("{BROADCASTS}?part=snippet"),
            Some(json!({"id": b, "snippet": {"title": "Live now", "scheduledStartTime": "2026-11-01T02:00:00Z"}})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

async fn binding_an_active_stream_to_an_auto_start_broadcast_plans_a_stream_changed_step(backend: Backend) {
    let y = Yt::new(backend).await;
    let r = y
        .call(
            Method::POST,
            &format!("{BROADCASTS}?part=snippet,status,contentDetails"),
            Some(json!({
                "snippet": {"title": "auto", "scheduledStartTime": "2026-11-01T01:00:00Z"},
                "status": {"privacyStatus": "public"},
                "contentDetails": {"enableAutoStart": true},
            })),
        )
        .await;
    let b = r.body["id"].as_str().unwrap().to_owned();
    let s = y.insert_stream(true).await;
    y.set_stream_status(&s, StreamStatus::Active).await;
    let version = y.app.state.streams.get(&y.owner(), &s).await.unwrap().version;
    y.bind(&b, &s).await;
    let changed: Vec<_> = y
        .steps
        .pending()
        .into_iter()
        .filter(|st| st.kind == StepKind::StreamChanged)
        .collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0].target, s);
    assert_eq!(
        changed[0].version,
        version + 1,
        "the stream's version after the bind"
    );
    assert_eq!(changed[0].due, T0, "due at once");
    // a broadcast without auto-start plans nothing (a new plan would move the step to the stream's
    // next version)
    let plain = y.insert_broadcast(true).await;
    let before = y.steps.pending();
    y.bind(&plain, &s).await;
    assert_eq!(y.steps.pending(), before);
}

async fn a_stream_feeds_at_most_three_live_broadcasts(backend: Backend) {
    let y = Yt::new(backend).await;
    let s = y.insert_stream(true).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        let b = y.insert_broadcast(true).await;
        y.bind(&b, &s).await;
        ids.push(b);
    }
    y.set_stream_status(&s, StreamStatus::Active).await;
    for b in &ids[..2] {
        y.force_state(b, LifeCycleStatus::Live).await;
    }
    for b in &ids[2..] {
        y.force_state(b, LifeCycleStatus::Testing).await;
    }
    // two live of five bound: the third may go live (the slow path counts them)
    let r = y.transition(&ids[2], "live").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"]["lifeCycleStatus"], json!("liveStarting"));
    // three live (one starting): the fourth may not
    let before = y.snapshot().await;
    let r = y.transition(&ids[3], "live").await;
    assert_google_error(&r, StatusCode::FORBIDDEN, "sharedIngestionBroadcastsExceedLimit");
    assert_eq!(y.snapshot().await, before);
    // once one completes, it may
    let r = y.transition(&ids[0], "complete").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = y.transition(&ids[3], "live").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}
