//! A keyed insert whose write landed but whose answer was lost (the store's reply timed out: 503)
//! releases its key like any failure; its retry must find the resource the first attempt stored —
//! inserts under a key take an id derived from it — and store nothing more. On both stores, with the
//! fault injected by the port decorator of `faults::inject`.

use crate::faults::inject::{Fault, Faults, wrap};
use crate::support::Backend;
use crate::youtube::{Yt, broadcast_body, stream_body};
use axum::body::Body;
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;

crate::support::on_both_backends!(
    a_broadcast_insert_retried_after_a_lost_answer_returns_the_stored_broadcast,
    a_stream_insert_retried_after_a_lost_answer_returns_the_stored_stream,
    the_same_key_of_another_user_makes_another_resource_after_a_lost_answer,
);

async fn post(
    router: &axum::Router,
    token: &str,
    path: &str,
    key: &str,
    body: &Value,
) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header("authorization", format!("Bearer {token}"))
        .header("idempotency-key", key)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// The first attempt's create lands and its answer is lost; the retry runs with the fault gone.
async fn lost_then_retried(yt: &Yt, token: &str, op: &'static str, path: &str, body: &Value) -> Value {
    let faults = Faults::new();
    faults.fail_nth(op, 1, Fault::LostResponse);
    let router = onair_api::host::local_router(wrap(&yt.app.state, &faults));
    let (status, first) = post(&router, token, path, "lost-1", body).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{first}");
    assert_eq!(
        faults.fired(),
        vec![(op, Fault::LostResponse)],
        "the write landed, its answer was lost"
    );
    let (status, retry) = post(&router, token, path, "lost-1", body).await;
    assert_eq!(status, StatusCode::OK, "{retry}");
    retry
}

async fn a_broadcast_insert_retried_after_a_lost_answer_returns_the_stored_broadcast(backend: Backend) {
    let yt = Yt::new(backend).await;
    let path = "/youtube/v3/liveBroadcasts?part=snippet,status,contentDetails";
    let retry = lost_then_retried(
        &yt,
        &yt.token,
        "broadcasts.create",
        path,
        &broadcast_body("Show", true),
    )
    .await;
    let (broadcasts, _) = yt.snapshot().await;
    assert_eq!(broadcasts.len(), 1, "the retry stored nothing more");
    assert_eq!(retry["id"], broadcasts[0].broadcast.id.as_str());
    assert_eq!(retry["snippet"]["title"], "Show");
}

async fn a_stream_insert_retried_after_a_lost_answer_returns_the_stored_stream(backend: Backend) {
    let yt = Yt::new(backend).await;
    let path = "/youtube/v3/liveStreams?part=snippet,cdn,contentDetails,status";
    let retry = lost_then_retried(
        &yt,
        &yt.token,
        "streams.create",
        path,
        &stream_body("Camera", true),
    )
    .await;
    let (_, streams) = yt.snapshot().await;
    assert_eq!(streams.len(), 1, "the retry stored nothing more");
    assert_eq!(retry["id"], streams[0].stream.id.as_str());
    assert_eq!(
        retry["cdn"]["ingestionInfo"]["streamName"],
        streams[0].stream.cdn.ingestion_info.stream_name.expose(),
        "the retry answers with the key the stored stream has"
    );
}

async fn the_same_key_of_another_user_makes_another_resource_after_a_lost_answer(backend: Backend) {
    let yt = Yt::new(backend).await;
    let path = "/youtube/v3/liveBroadcasts?part=snippet,status,contentDetails";
    let body = broadcast_body("Show", true);
    let mine = lost_then_retried(&yt, &yt.token, "broadcasts.create", path, &body).await;
    let (_, other_token) = yt.other_user().await;
    let theirs = lost_then_retried(&yt, &other_token, "broadcasts.create", path, &body).await;
    assert_ne!(mine["id"], theirs["id"], "derived ids are per caller");
}
