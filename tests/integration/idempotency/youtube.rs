//! `Idempotency-Key` on the YouTube surface, through the in-process router on both stores:
//! `liveBroadcasts.insert`, `liveStreams.insert` and `liveBroadcasts.transition` retried with their
//! key answer as the first time and store nothing new; a key reused for another request is refused
//! and changes nothing; parallel duplicates run once.

use crate::support::{Backend, Reply};
use crate::youtube::{Yt, assert_google_error, broadcast_body, stream_body};
use axum::body::Body;
use futures::future::join_all;
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use onair_domain::lifecycle::wire::StreamStatus;
use serde_json::{Value, json};
use tower::ServiceExt;

crate::support::on_both_backends!(
    both: [
    a_retried_broadcast_insert_returns_the_same_broadcast_and_stores_one,
    a_retried_stream_insert_returns_the_same_stream_and_stores_one,
    an_insert_reusing_a_key_with_another_body_is_refused_and_creates_nothing,
    twenty_parallel_broadcast_inserts_with_one_key_store_one_broadcast,
    a_retried_transition_replays_its_answer_instead_of_a_redundant_transition,
    a_transition_reusing_a_key_for_another_status_is_refused_and_changes_nothing,
    a_refused_transition_releases_its_key_for_the_retry,
    keys_are_per_user_and_per_method,
    a_malformed_key_is_refused_and_creates_nothing,
    ],
    dynamodb_only: [a_keyed_insert_costs_two_round_trips_more_and_a_replay_one],
);

const BROADCASTS: &str = "/youtube/v3/liveBroadcasts?part=snippet,status,contentDetails";
const STREAMS: &str = "/youtube/v3/liveStreams?part=snippet,cdn,contentDetails,status";

/// One call with `token` and, when given, an `Idempotency-Key`.
async fn send(
    yt: &Yt,
    token: &str,
    method: Method,
    path: &str,
    key: Option<&str>,
    body: Option<&Value>,
) -> Reply {
    let mut request = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {token}"));
    if let Some(key) = key {
        request = request.header("idempotency-key", key);
    }
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let body = body.map(Value::to_string).unwrap_or_default();
    let response = yt
        .router
        .clone()
        .oneshot(request.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

fn transition_path(broadcast: &str, to: &str) -> String {
    format!("/youtube/v3/liveBroadcasts/transition?id={broadcast}&part=status&broadcastStatus={to}")
}

async fn a_retried_broadcast_insert_returns_the_same_broadcast_and_stores_one(backend: Backend) {
    let yt = Yt::new(backend).await;
    let body = broadcast_body("Show", true);
    let first = send(
        &yt,
        &yt.token,
        Method::POST,
        BROADCASTS,
        Some("insert-1"),
        Some(&body),
    )
    .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let retry = send(
        &yt,
        &yt.token,
        Method::POST,
        BROADCASTS,
        Some("insert-1"),
        Some(&body),
    )
    .await;
    assert_eq!(retry.status, StatusCode::OK, "{}", retry.text);
    assert_eq!(
        retry.text, first.text,
        "the retry answers exactly as the first time"
    );
    assert_eq!(retry.headers["idempotent-replayed"], "true");
    let (broadcasts, _) = yt.snapshot().await;
    assert_eq!(broadcasts.len(), 1);
    assert_eq!(json!(broadcasts[0].broadcast.id), first.body["id"]);
}

async fn a_retried_stream_insert_returns_the_same_stream_and_stores_one(backend: Backend) {
    let yt = Yt::new(backend).await;
    let body = stream_body("Camera", true);
    let first = send(
        &yt,
        &yt.token,
        Method::POST,
        STREAMS,
        Some("stream-1"),
        Some(&body),
    )
    .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let retry = send(
        &yt,
        &yt.token,
        Method::POST,
        STREAMS,
        Some("stream-1"),
        Some(&body),
    )
    .await;
    assert_eq!(retry.text, first.text);
    let (_, streams) = yt.snapshot().await;
    assert_eq!(streams.len(), 1);
    assert_eq!(json!(streams[0].stream.id), first.body["id"]);
}

async fn an_insert_reusing_a_key_with_another_body_is_refused_and_creates_nothing(backend: Backend) {
    let yt = Yt::new(backend).await;
    let first = send(
        &yt,
        &yt.token,
        Method::POST,
        BROADCASTS,
        Some("k"),
        Some(&broadcast_body("Show", true)),
    )
    .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let before = yt.snapshot().await;
    let other = broadcast_body("Another show", true);
    let refused = send(&yt, &yt.token, Method::POST, BROADCASTS, Some("k"), Some(&other)).await;
    assert_google_error(&refused, StatusCode::UNPROCESSABLE_ENTITY, "idempotencyKeyReused");
    let other_part = send(
        &yt,
        &yt.token,
        Method::POST,
        "/youtube/v3/liveBroadcasts?part=snippet,status",
        Some("k"),
        Some(&json!({"snippet": {"title": "Show", "scheduledStartTime": "2026-11-01T01:00:00Z"}, "status": {"privacyStatus": "private"}})),
    )
    .await;
    assert_google_error(
        &other_part,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotencyKeyReused",
    );
    assert_eq!(yt.snapshot().await, before, "a refused reuse changed something");
}

async fn twenty_parallel_broadcast_inserts_with_one_key_store_one_broadcast(backend: Backend) {
    let yt = std::sync::Arc::new(Yt::new(backend).await);
    let body = broadcast_body("Show", true);
    let calls = (0..20).map(|_| {
        let (yt, body) = (yt.clone(), body.clone());
        tokio::spawn(async move {
            send(
                &yt,
                &yt.token,
                Method::POST,
                BROADCASTS,
                Some("race"),
                Some(&body),
            )
            .await
        })
    });
    let replies: Vec<Reply> = join_all(calls).await.into_iter().map(|r| r.unwrap()).collect();
    let (broadcasts, _) = yt.snapshot().await;
    assert_eq!(
        broadcasts.len(),
        1,
        "parallel duplicates created {} broadcasts",
        broadcasts.len()
    );
    let id = json!(broadcasts[0].broadcast.id);
    let mut ok = 0;
    for reply in &replies {
        if reply.status == StatusCode::OK {
            ok += 1;
            assert_eq!(reply.body["id"], id, "{}", reply.text);
        } else {
            assert_google_error(reply, StatusCode::CONFLICT, "idempotencyKeyInProgress");
            assert_eq!(reply.headers["retry-after"], "1");
        }
    }
    assert!(ok >= 1);
}

async fn a_retried_transition_replays_its_answer_instead_of_a_redundant_transition(backend: Backend) {
    let yt = Yt::new(backend).await;
    let (b, _) = yt.ready_with_active_stream(true).await;
    let path = transition_path(&b, "testing");
    let first = send(&yt, &yt.token, Method::POST, &path, Some("t-1"), None).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.body["status"]["lifeCycleStatus"], "testStarting");
    let stored = yt.app.state.broadcasts.get(&yt.owner(), &b).await.unwrap();
    let retry = send(&yt, &yt.token, Method::POST, &path, Some("t-1"), None).await;
    assert_eq!((retry.status, &retry.text), (StatusCode::OK, &first.text));
    // Nothing was written again.
    assert_eq!(
        yt.app.state.broadcasts.get(&yt.owner(), &b).await.unwrap(),
        stored
    );
    // Without the key the same call is what it always was.
    let plain = send(&yt, &yt.token, Method::POST, &path, None, None).await;
    assert_google_error(&plain, StatusCode::FORBIDDEN, "redundantTransition");
}

async fn a_transition_reusing_a_key_for_another_status_is_refused_and_changes_nothing(backend: Backend) {
    let yt = Yt::new(backend).await;
    let (b, _) = yt.ready_with_active_stream(true).await;
    let first = send(
        &yt,
        &yt.token,
        Method::POST,
        &transition_path(&b, "testing"),
        Some("t"),
        None,
    )
    .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    let before = yt.snapshot().await;
    let refused = send(
        &yt,
        &yt.token,
        Method::POST,
        &transition_path(&b, "complete"),
        Some("t"),
        None,
    )
    .await;
    assert_google_error(&refused, StatusCode::UNPROCESSABLE_ENTITY, "idempotencyKeyReused");
    assert_eq!(yt.snapshot().await, before);
}

async fn a_refused_transition_releases_its_key_for_the_retry(backend: Backend) {
    let yt = Yt::new(backend).await;
    let (b, s) = yt.ready_with_active_stream(true).await;
    yt.set_stream_status(&s, StreamStatus::Inactive).await;
    let path = transition_path(&b, "testing");
    let refused = send(&yt, &yt.token, Method::POST, &path, Some("t"), None).await;
    assert_google_error(&refused, StatusCode::FORBIDDEN, "errorStreamInactive");
    // The encoder comes up; the client retries with the same key and the transition now runs.
    yt.set_stream_status(&s, StreamStatus::Active).await;
    let retry = send(&yt, &yt.token, Method::POST, &path, Some("t"), None).await;
    assert_eq!(retry.status, StatusCode::OK, "{}", retry.text);
    assert_eq!(retry.body["status"]["lifeCycleStatus"], "testStarting");
    // That success is now the key's answer.
    let again = send(&yt, &yt.token, Method::POST, &path, Some("t"), None).await;
    assert_eq!((again.status, &again.text), (StatusCode::OK, &retry.text));
    assert_eq!(again.headers["idempotent-replayed"], "true");
}

async fn keys_are_per_user_and_per_method(backend: Backend) {
    let yt = Yt::new(backend).await;
    let (_, other_token) = yt.other_user().await;
    let body = broadcast_body("Show", true);
    let mine = send(
        &yt,
        &yt.token,
        Method::POST,
        BROADCASTS,
        Some("shared"),
        Some(&body),
    )
    .await;
    let theirs = send(
        &yt,
        &other_token,
        Method::POST,
        BROADCASTS,
        Some("shared"),
        Some(&body),
    )
    .await;
    let stream = send(
        &yt,
        &yt.token,
        Method::POST,
        STREAMS,
        Some("shared"),
        Some(&stream_body("Cam", true)),
    )
    .await;
    for reply in [&mine, &theirs, &stream] {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert!(reply.headers.get("idempotent-replayed").is_none());
    }
    assert_ne!(mine.body["id"], theirs.body["id"]);
    // Each (user, method) keeps its own answer under the one key.
    let mine_again = send(
        &yt,
        &yt.token,
        Method::POST,
        BROADCASTS,
        Some("shared"),
        Some(&body),
    )
    .await;
    let theirs_again = send(
        &yt,
        &other_token,
        Method::POST,
        BROADCASTS,
        Some("shared"),
        Some(&body),
    )
    .await;
    let stream_again = send(
        &yt,
        &yt.token,
        Method::POST,
        STREAMS,
        Some("shared"),
        Some(&stream_body("Cam", true)),
    )
    .await;
    assert_eq!(mine_again.text, mine.text);
    assert_eq!(theirs_again.text, theirs.text);
    assert_eq!(stream_again.text, stream.text);
    let (broadcasts, streams) = yt.snapshot().await;
    assert_eq!((broadcasts.len(), streams.len()), (1, 1));
}

async fn a_malformed_key_is_refused_and_creates_nothing(backend: Backend) {
    let yt = Yt::new(backend).await;
    let long = "k".repeat(256);
    for key in ["has space", long.as_str()] {
        let refused = send(
            &yt,
            &yt.token,
            Method::POST,
            BROADCASTS,
            Some(key),
            Some(&broadcast_body("Show", true)),
        )
        .await;
        assert_google_error(&refused, StatusCode::BAD_REQUEST, "invalidIdempotencyKey");
    }
    assert_eq!(yt.snapshot().await, (vec![], vec![]));
}

async fn a_keyed_insert_costs_two_round_trips_more_and_a_replay_one() {
    let yt = Yt::new(Backend::Aws).await;
    let round_trips = yt.app.dynamo.as_ref().unwrap().round_trips();
    let body = broadcast_body("Show", true);
    round_trips.reset();
    let plain = send(&yt, &yt.token, Method::POST, BROADCASTS, None, Some(&body)).await;
    assert_eq!(plain.status, StatusCode::OK, "{}", plain.text);
    let plain_cost = round_trips.get();
    round_trips.reset();
    let keyed = send(&yt, &yt.token, Method::POST, BROADCASTS, Some("k"), Some(&body)).await;
    assert_eq!(keyed.status, StatusCode::OK, "{}", keyed.text);
    assert_eq!(
        round_trips.get(),
        plain_cost + 2,
        "claim and complete, one request each"
    );
    round_trips.reset();
    let replay = send(&yt, &yt.token, Method::POST, BROADCASTS, Some("k"), Some(&body)).await;
    assert_eq!(replay.text, keyed.text);
    assert_eq!(round_trips.get(), 1, "a replay is the claim alone");
    println!(
        "liveBroadcasts.insert DynamoDB requests: plain {plain_cost}, keyed {}, replay 1",
        plain_cost + 2
    );
}
