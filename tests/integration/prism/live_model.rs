//! The PRISM live read model: R7 and R6 in one DynamoDB request, R9 and R10 in at most three with one
//! `TransactWriteItems`, the live's copies of its broadcast and stream following every write made
//! through the YouTube API, and `snippet.liveChatId` (the live's id for every broadcast of a live, the
//! broadcast's own id otherwise). Runs on both stores unless it counts DynamoDB requests.

use crate::support::{Backend, Reply, TestApp};
use crate::youtube::Yt;
use http::{Method, StatusCode};
use onair_app::lifecycle::steps;
use onair_domain::Clock;
use onair_domain::lifecycle::step::{Step, StepKind};
use onair_domain::lifecycle::wire::StreamStatus;
use serde_json::{Value, json};
use time::Duration;

crate::support::on_both_backends!(
    both: [
        every_broadcast_of_a_live_carries_the_live_id_as_its_live_chat_id,
        a_youtube_broadcast_carries_its_own_id_as_its_live_chat_id,
        youtube_writes_to_a_lives_broadcast_and_stream_show_in_r7_and_r6,
        a_lives_broadcast_deleted_through_youtube_makes_r7_404_and_r6_skip_it,
        r6_of_an_empty_channel_is_an_empty_list_and_of_a_foreign_one_404,
        r9_ends_the_other_on_air_live_in_the_same_write,
        the_live_link_is_the_channel_link_taken_at_creation_and_at_each_restart,
    ],
    dynamodb_only: [
        r7_and_r6_take_one_dynamodb_request,
        r9_and_r10_take_at_most_three_dynamodb_requests_and_one_transaction,
    ],
);

const T_RESERVED: &str = "2026-11-01T18:30:00+09:00";

async fn new_live(yt: &Yt, title: &str) -> String {
    let reply = yt
        .call(
            Method::POST,
            &format!("/prism/v1/service/channel/{}/live", yt.channel),
            Some(json!({ "title": title, "reservedAt": T_RESERVED })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["data"]["live"]["liveId"].as_str().unwrap().to_owned()
}

async fn get(yt: &Yt, id: &str) -> Reply {
    yt.call(Method::GET, &format!("/prism/v1/service/live/{id}"), None)
        .await
}

async fn put(yt: &Yt, id: &str, action: &str) -> Reply {
    let reply = yt
        .call(
            Method::PUT,
            &format!("/prism/v1/service/live/{id}/{action}"),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply
}

async fn list(yt: &Yt) -> Reply {
    yt.call(
        Method::GET,
        &format!("/prism/v1/service/channel/{}/lives", yt.channel),
        None,
    )
    .await
}

async fn stored(yt: &Yt, id: &str) -> onair_store::StoredLive {
    yt.app.state.lives.get(&yt.owner(), id).await.unwrap()
}

async fn youtube_broadcast(yt: &Yt, id: &str) -> Value {
    let reply = yt
        .call(
            Method::GET,
            &format!("/youtube/v3/liveBroadcasts?part=id,snippet,status&id={id}"),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    reply.body["items"][0].clone()
}

/// The stream became active and the broadcast went live (the ingest hook and the steps, run here).
async fn goes_live(yt: &Yt, stream: &str) {
    yt.set_stream_status(stream, StreamStatus::Active).await;
    let step = Step {
        kind: StepKind::StreamChanged,
        owner: yt.owner(),
        target: stream.to_owned(),
        version: 0,
        due: yt.app.clock.now(),
    };
    steps::perform(&yt.app.state, &step).await.unwrap();
    yt.app.clock.advance(Duration::seconds(5));
    for step in yt.steps.pending() {
        if step.kind == StepKind::Settle {
            steps::perform(&yt.app.state, &step).await.unwrap();
        }
    }
}

async fn every_broadcast_of_a_live_carries_the_live_id_as_its_live_chat_id(backend: Backend) {
    let yt = Yt::new(backend).await;
    let id = new_live(&yt, "Show").await;
    put(&yt, &id, "start").await;
    put(&yt, &id, "stop").await;
    // A restart opens a second broadcast under the same live: same chat.
    put(&yt, &id, "start").await;
    let live = stored(&yt, &id).await;
    assert_eq!(live.broadcasts.len(), 2);
    for b in &live.broadcasts {
        let item = youtube_broadcast(&yt, b).await;
        assert_eq!(item["snippet"]["liveChatId"], id.as_str(), "{item}");
    }
}

async fn a_youtube_broadcast_carries_its_own_id_as_its_live_chat_id(backend: Backend) {
    let yt = Yt::new(backend).await;
    let b = yt.insert_broadcast(false).await;
    let item = youtube_broadcast(&yt, &b).await;
    assert_eq!(item["snippet"]["liveChatId"], b.as_str(), "{item}");
}

async fn youtube_writes_to_a_lives_broadcast_and_stream_show_in_r7_and_r6(backend: Backend) {
    let yt = Yt::new(backend).await;
    let id = new_live(&yt, "Before").await;
    let live = stored(&yt, &id).await;
    // liveBroadcasts.update through the YouTube API: R7 and R6 show the new title.
    let reply = yt
        .call(
            Method::PUT,
            "/youtube/v3/liveBroadcasts?part=snippet",
            Some(json!({
                "id": live.broadcast_id,
                "snippet": { "title": "After", "scheduledStartTime": "2026-11-01T09:30:00Z" },
            })),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(get(&yt, &id).await.body["data"]["live"]["title"], "After");
    assert_eq!(list(&yt).await.body["data"]["lives"][0]["title"], "After");
    // The stream goes active and the broadcast live (store writes, steps): R7 shows it on air with a
    // start time, so the copies follow writes of every path.
    put(&yt, &id, "start").await;
    goes_live(&yt, &live.stream_id).await;
    let r7 = get(&yt, &id).await.body["data"]["live"].clone();
    assert_eq!(r7["status"], "ON_AIR");
    assert!(r7["startAt"].is_string(), "{r7}");
    let r6 = list(&yt).await.body["data"]["lives"][0].clone();
    assert_eq!(r6, r7);
}

async fn a_lives_broadcast_deleted_through_youtube_makes_r7_404_and_r6_skip_it(backend: Backend) {
    let yt = Yt::new(backend).await;
    let kept = new_live(&yt, "Kept").await;
    let gone = new_live(&yt, "Gone").await;
    let live = stored(&yt, &gone).await;
    let reply = yt
        .call(
            Method::DELETE,
            &format!("/youtube/v3/liveBroadcasts?id={}", live.broadcast_id),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    let r7 = get(&yt, &gone).await;
    assert_eq!(r7.status, StatusCode::NOT_FOUND, "{}", r7.text);
    assert_eq!(r7.body["errorName"], "LIVE_NOT_FOUND");
    let ids: Vec<Value> = list(&yt).await.body["data"]["lives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["liveId"].clone())
        .collect();
    assert_eq!(ids, vec![json!(kept)]);
}

async fn r6_of_an_empty_channel_is_an_empty_list_and_of_a_foreign_one_404(backend: Backend) {
    let yt = Yt::new(backend).await;
    let reply = list(&yt).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["data"]["lives"], json!([]));
    new_live(&yt, "Mine").await;
    let (_, theirs) = yt.other_user().await;
    let reply = yt
        .call_as(
            &theirs,
            Method::GET,
            &format!("/prism/v1/service/channel/{}/lives", yt.channel),
            None,
        )
        .await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.text);
    assert_eq!(reply.body["errorName"], "CHANNEL_NOT_FOUND");
}

async fn r9_ends_the_other_on_air_live_in_the_same_write(backend: Backend) {
    let yt = Yt::new(backend).await;
    let first = new_live(&yt, "First").await;
    let second = new_live(&yt, "Second").await;
    put(&yt, &first, "start").await;
    goes_live(&yt, &stored(&yt, &first).await.stream_id).await;
    let before = stored(&yt, &first).await;
    put(&yt, &second, "start").await;
    // The first live's broadcast is complete and its live item moved on (version and modified time).
    let after = stored(&yt, &first).await;
    assert_eq!(after.version, before.version + 1);
    assert!(after.modified_at >= before.modified_at);
    let b = youtube_broadcast(&yt, &after.broadcast_id).await;
    assert_eq!(b["status"]["lifeCycleStatus"], "complete");
    assert_eq!(get(&yt, &first).await.body["data"]["live"]["status"], "END");
    assert_eq!(get(&yt, &second).await.body["data"]["live"]["status"], "ON_AIR");
    let second_live = stored(&yt, &second).await;
    assert!(second_live.started);
    let b = yt
        .app
        .state
        .broadcasts
        .get(&yt.owner(), &second_live.broadcast_id)
        .await
        .unwrap();
    assert!(b.broadcast.content_details.enable_auto_start);
}

async fn r7_and_r6_take_one_dynamodb_request() {
    let yt = Yt::with_app(TestApp::new(Backend::Aws).await).await;
    let a = new_live(&yt, "A").await;
    new_live(&yt, "B").await;
    put(&yt, &a, "start").await;
    let trips = yt.app.dynamo.as_ref().unwrap().round_trips();
    trips.reset();
    let r7 = get(&yt, &a).await;
    assert_eq!(r7.status, StatusCode::OK, "{}", r7.text);
    // The live, its broadcast, its stream, statistics and chat count; the token costs none (the
    // signing key is cached) and the channel link is kept on the live.
    assert_eq!(trips.get(), 1, "R7");
    let channel = yt
        .app
        .state
        .channels
        .get(&yt.owner(), &onair_domain::ChannelId::parse(&yt.channel).unwrap())
        .await
        .unwrap();
    assert_eq!(r7.body["data"]["live"]["liveLink"], channel.channel.link.as_str());
    trips.reset();
    let r6 = list(&yt).await;
    assert_eq!(r6.status, StatusCode::OK, "{}", r6.text);
    assert_eq!(r6.body["data"]["lives"].as_array().unwrap().len(), 2);
    assert_eq!(trips.get(), 1, "R6");
    println!("R7: 1 DynamoDB request, R6: 1 DynamoDB request");
}

async fn r9_and_r10_take_at_most_three_dynamodb_requests_and_one_transaction() {
    let yt = Yt::with_app(TestApp::new(Backend::Aws).await).await;
    let first = new_live(&yt, "First").await;
    let second = new_live(&yt, "Second").await;
    put(&yt, &first, "start").await;
    let trips = yt.app.dynamo.as_ref().unwrap().round_trips();
    // R9 that also ends the other on-air live of the channel.
    trips.reset();
    put(&yt, &second, "start").await;
    let (r9, r9_tx) = (trips.get(), trips.transactions());
    assert!(r9 <= 3, "R9: {r9} DynamoDB requests");
    assert_eq!(r9_tx, 1, "R9 writes once");
    assert_eq!(get(&yt, &first).await.body["data"]["live"]["status"], "END");
    // R10.
    trips.reset();
    let reply = put(&yt, &second, "stop").await;
    assert_eq!(reply.body["data"]["live"]["status"], "END");
    let (r10, r10_tx) = (trips.get(), trips.transactions());
    assert!(r10 <= 3, "R10: {r10} DynamoDB requests");
    assert_eq!(r10_tx, 1, "R10 writes once");
    // R10 on an ended live: one read, no write.
    trips.reset();
    put(&yt, &second, "stop").await;
    assert_eq!((trips.get(), trips.transactions()), (1, 0));
    println!("R9 (ending another live): {r9} DynamoDB requests, R10: {r10}");
}

async fn the_live_link_is_the_channel_link_taken_at_creation_and_at_each_restart(backend: Backend) {
    let yt = Yt::new(backend).await;
    let id = new_live(&yt, "Show").await;
    let before = get(&yt, &id).await.body["data"]["live"]["liveLink"].clone();
    let path = format!("/admin/users/{}/channels/{}", yt.user, yt.channel);
    let body = json!({ "channelLink": "https://example.com/renamed" }).to_string();
    let reply = crate::support::admin(&yt.router, Method::PATCH, &path, Some(&body)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    // Kept on the live (R7 reads no channel): unchanged until the live is restarted.
    assert_eq!(get(&yt, &id).await.body["data"]["live"]["liveLink"], before);
    put(&yt, &id, "start").await;
    put(&yt, &id, "stop").await;
    let restarted = put(&yt, &id, "start").await;
    assert_eq!(
        restarted.body["data"]["live"]["liveLink"],
        "https://example.com/renamed"
    );
    assert_eq!(
        get(&yt, &id).await.body["data"]["live"]["liveLink"],
        "https://example.com/renamed"
    );
}
