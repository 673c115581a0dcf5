//! The media plane's processing report on both stores, through the admin route
//! `PUT /admin/users/{userId}/videos/{videoId}/processing` and the `Recording Processed` EventBridge
//! event through the Lambda host: refused before the broadcast is complete, `uploaded` →
//! `processed` / `failed` (with its reason) as `videos.list` shows, a replay changes nothing, a
//! different report is refused (a report is final), unknown and other users' videos are 404, bad and
//! oversized bodies are refused with nothing stored, the admin credentials are required, and of 50
//! parallel reports (processed and failed racing) exactly one is stored.

use crate::support::{self, Backend, Reply};
use crate::youtube::Yt;
use crate::youtube::videos::video;
use futures::future::join_all;
use http::{Method, StatusCode};
use lambda_runtime::{Context, LambdaEvent};
use onair_api::registry;
use onair_domain::lifecycle::wire::LifeCycleStatus;
use serde_json::{Value, json};

crate::support::on_both_backends!(
    a_report_before_the_broadcast_is_complete_is_refused,
    a_processed_report_moves_the_video_from_uploaded_to_processed,
    a_failed_report_shows_its_failure_reason,
    a_replayed_report_changes_nothing_and_a_different_one_is_refused,
    unknown_and_other_users_videos_are_404,
    bad_and_oversized_bodies_are_refused_with_nothing_stored,
    reports_require_the_admin_credentials,
    of_fifty_parallel_reports_processed_and_failed_exactly_one_is_stored,
    the_recording_processed_event_applies_the_same_report,
);

fn path(yt: &Yt, video: &str) -> String {
    format!("/admin/users/{}/videos/{video}/processing", yt.user)
}

async fn report(yt: &Yt, video: &str, body: &Value) -> Reply {
    support::admin(&yt.router, Method::PUT, &path(yt, video), Some(&body.to_string())).await
}

/// A broadcast of the test user, forced to `complete`.
async fn complete_broadcast(yt: &Yt) -> String {
    let b = yt.insert_broadcast(true).await;
    yt.force_state(&b, LifeCycleStatus::Complete).await;
    b
}

async fn upload_status(yt: &Yt, id: &str) -> (Value, Value, Value) {
    let v = video(yt, id).await;
    (
        v["status"]["uploadStatus"].clone(),
        v["status"]["failureReason"].clone(),
        v["processingDetails"]["processingStatus"].clone(),
    )
}

async fn a_report_before_the_broadcast_is_complete_is_refused(backend: Backend) {
    use LifeCycleStatus::*;
    let yt = Yt::new(backend).await;
    let b = yt.insert_broadcast(true).await;
    for state in [Created, Ready, Testing, Live, Revoked] {
        yt.force_state(&b, state).await;
        for body in [
            json!({ "status": "processed" }),
            json!({ "status": "failed", "failureReason": "codec" }),
        ] {
            let reply = report(&yt, &b, &body).await;
            assert_eq!(reply.status, StatusCode::CONFLICT, "{state}: {}", reply.text);
            assert_eq!(reply.body["error"], "conflict", "{}", reply.text);
            assert!(
                reply
                    .text
                    .contains(&format!("the broadcast is {state}, not complete")),
                "{}",
                reply.text
            );
        }
    }
    yt.force_state(&b, Live).await;
    assert_eq!(
        upload_status(&yt, &b).await,
        (json!("uploaded"), Value::Null, json!("processing"))
    );
}

async fn a_processed_report_moves_the_video_from_uploaded_to_processed(backend: Backend) {
    let yt = Yt::new(backend).await;
    let b = complete_broadcast(&yt).await;
    assert_eq!(
        upload_status(&yt, &b).await,
        (json!("uploaded"), Value::Null, json!("processing"))
    );
    let reply = report(
        &yt,
        &b,
        &json!({ "status": "processed", "at": "2026-11-01T00:00:00+09:00" }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        reply.body,
        json!({
            "userId": yt.user,
            "videoId": b,
            "uploadStatus": "processed",
            "processingStatus": "succeeded",
            "applied": true,
            "processedAt": "2026-10-31T15:00:00Z",
        })
    );
    assert_eq!(
        upload_status(&yt, &b).await,
        (json!("processed"), Value::Null, json!("succeeded"))
    );
    // Without `at`, the report's arrival is the time.
    let other = complete_broadcast(&yt).await;
    let reply = report(&yt, &other, &json!({ "status": "processed" })).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["processedAt"], "2026-11-01T00:00:00Z");
}

async fn a_failed_report_shows_its_failure_reason(backend: Backend) {
    let yt = Yt::new(backend).await;
    for reason in [
        "conversion",
        "invalidFile",
        "emptyFile",
        "tooSmall",
        "codec",
        "uploadAborted",
    ] {
        let b = complete_broadcast(&yt).await;
        let reply = report(&yt, &b, &json!({ "status": "failed", "failureReason": reason })).await;
        assert_eq!(reply.status, StatusCode::OK, "{reason}: {}", reply.text);
        assert_eq!(reply.body["uploadStatus"], "failed");
        assert_eq!(reply.body["failureReason"], reason);
        assert_eq!(
            upload_status(&yt, &b).await,
            (json!("failed"), json!(reason), json!("failed"))
        );
    }
}

async fn a_replayed_report_changes_nothing_and_a_different_one_is_refused(backend: Backend) {
    let yt = Yt::new(backend).await;
    let processed = complete_broadcast(&yt).await;
    let first = report(
        &yt,
        &processed,
        &json!({ "status": "processed", "at": "2026-10-31T23:00:00Z" }),
    )
    .await;
    assert_eq!(first.body["applied"], true, "{}", first.text);
    // A replay (even with another `at`) answers the stored report.
    let again = report(
        &yt,
        &processed,
        &json!({ "status": "processed", "at": "2026-10-31T23:30:00Z" }),
    )
    .await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.body["applied"], false);
    assert_eq!(again.body["processedAt"], "2026-10-31T23:00:00Z");
    // A processed video never becomes failed.
    let reply = report(
        &yt,
        &processed,
        &json!({ "status": "failed", "failureReason": "codec" }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{}", reply.text);
    assert!(reply.text.contains("already processed"), "{}", reply.text);
    assert_eq!(
        upload_status(&yt, &processed).await,
        (json!("processed"), Value::Null, json!("succeeded"))
    );
    // A failed one is not reprocessed under the same id, nor does its reason change.
    let failed = complete_broadcast(&yt).await;
    report(
        &yt,
        &failed,
        &json!({ "status": "failed", "failureReason": "codec" }),
    )
    .await;
    for body in [
        json!({ "status": "processed" }),
        json!({ "status": "failed", "failureReason": "tooSmall" }),
    ] {
        let reply = report(&yt, &failed, &body).await;
        assert_eq!(reply.status, StatusCode::CONFLICT, "{body}: {}", reply.text);
    }
    let replay = report(
        &yt,
        &failed,
        &json!({ "status": "failed", "failureReason": "codec" }),
    )
    .await;
    assert_eq!(replay.status, StatusCode::OK, "{}", replay.text);
    assert_eq!(replay.body["applied"], false);
    assert_eq!(
        upload_status(&yt, &failed).await,
        (json!("failed"), json!("codec"), json!("failed"))
    );
}

async fn unknown_and_other_users_videos_are_404(backend: Backend) {
    let yt = Yt::new(backend).await;
    let mine = complete_broadcast(&yt).await;
    let (other, _) = yt.other_user().await;
    let body = json!({ "status": "processed" }).to_string();
    for path in [
        format!("/admin/users/{other}/videos/{mine}/processing"),
        format!("/admin/users/{}/videos/nope/processing", yt.user),
        format!("/admin/users/nope/videos/{mine}/processing"),
        format!("/admin/users/{}/videos/bad%20id/processing", yt.user),
    ] {
        let reply = support::admin(&yt.router, Method::PUT, &path, Some(&body)).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}: {}", reply.text);
    }
    assert_eq!(
        upload_status(&yt, &mine).await,
        (json!("uploaded"), Value::Null, json!("processing"))
    );
}

async fn bad_and_oversized_bodies_are_refused_with_nothing_stored(backend: Backend) {
    let yt = Yt::new(backend).await;
    let b = complete_broadcast(&yt).await;
    for bad in [
        json!({}),
        json!({ "status": "done" }),
        json!({ "status": "Processed" }),
        json!({ "status": "failed" }),
        json!({ "status": "processed", "failureReason": "codec" }),
        json!({ "status": "failed", "failureReason": "tooBig" }),
        json!({ "status": "processed", "at": "yesterday" }),
        json!({ "status": "processed", "at": "2026-11-01T00:00:00" }),
        json!({ "status": "processed", "at": "2026-11-01T00:00:01Z" }),
        json!({ "status": "processed", "extra": 1 }),
        json!({ "status": 1 }),
    ] {
        let reply = report(&yt, &b, &bad).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}: {}", reply.text);
    }
    for raw in ["[1]", "not json", ""] {
        let reply = support::admin(&yt.router, Method::PUT, &path(&yt, &b), Some(raw)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{raw}: {}", reply.text);
    }
    let oversized = format!(
        r#"{{"status":"processed","failureReason":"{}"}}"#,
        "x".repeat(70 * 1024)
    );
    let reply = support::admin(&yt.router, Method::PUT, &path(&yt, &b), Some(&oversized)).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", reply.text);
    assert_eq!(
        upload_status(&yt, &b).await,
        (json!("uploaded"), Value::Null, json!("processing"))
    );
}

async fn reports_require_the_admin_credentials(backend: Backend) {
    let yt = Yt::new(backend).await;
    let b = complete_broadcast(&yt).await;
    let body = json!({ "status": "processed" }).to_string();
    for token in [None, Some(yt.token.as_str()), Some("wrong")] {
        let reply = support::call(&yt.router, Method::PUT, &path(&yt, &b), token, Some(&body)).await;
        assert_eq!(
            reply.status,
            StatusCode::UNAUTHORIZED,
            "{token:?}: {}",
            reply.text
        );
    }
    assert_eq!(
        upload_status(&yt, &b).await,
        (json!("uploaded"), Value::Null, json!("processing"))
    );
}

async fn of_fifty_parallel_reports_processed_and_failed_exactly_one_is_stored(backend: Backend) {
    let yt = Yt::new(backend).await;
    let b = complete_broadcast(&yt).await;
    let calls = (0..50).map(|i| {
        let body = if i % 2 == 0 {
            json!({ "status": "processed" })
        } else {
            json!({ "status": "failed", "failureReason": "conversion" })
        }
        .to_string();
        let router = yt.router.clone();
        let path = path(&yt, &b);
        tokio::spawn(async move { support::admin(&router, Method::PUT, &path, Some(&body)).await })
    });
    let replies = join_all(calls).await;
    let (mut applied, mut ok, mut conflicts) = (0, 0, 0);
    let mut outcomes = std::collections::BTreeSet::new();
    for reply in replies {
        let reply = reply.unwrap();
        match reply.status {
            StatusCode::OK => {
                ok += 1;
                outcomes.insert(reply.body["uploadStatus"].as_str().unwrap().to_owned());
                if reply.body["applied"] == true {
                    applied += 1;
                }
            }
            StatusCode::CONFLICT => conflicts += 1,
            other => panic!("unexpected {other}: {}", reply.text),
        }
    }
    assert_eq!(applied, 1, "exactly one report is stored");
    assert_eq!(ok + conflicts, 50);
    assert_eq!(
        ok, 25,
        "every report equal to the winner succeeds (a replay), every other is 409"
    );
    assert_eq!(outcomes.len(), 1, "{outcomes:?}");
    let winner = outcomes.into_iter().next().unwrap();
    let (upload, _, _) = upload_status(&yt, &b).await;
    assert_eq!(upload, json!(winner));
}

/// One delivery of `detail` through the Lambda host's event path.
async fn deliver(yt: &Yt, source: &str, detail_type: &str, detail: Value) -> Value {
    let function = registry::find("media-recording-processed").expect("registered");
    let event = json!({
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": detail_type,
        "source": source,
        "account": "123456789012",
        "time": "2026-11-01T00:00:00Z",
        "region": "eu-west-1",
        "resources": [],
        "detail": detail,
    });
    let mut context = Context::default();
    context.request_id = "lambda-request-1".into();
    onair_platform::lambda::handle_step(function, yt.app.state.clone(), LambdaEvent::new(event, context))
        .await
        .expect("only a store outage is retried")
}

async fn the_recording_processed_event_applies_the_same_report(backend: Backend) {
    let yt = Yt::new(backend).await;
    let b = complete_broadcast(&yt).await;
    let detail = json!({ "userId": yt.user, "videoId": b, "status": "failed", "failureReason": "emptyFile" });
    let done = deliver(&yt, "onair.media", "Recording Processed", detail.clone()).await;
    assert_eq!(done, json!({ "status": "done" }));
    assert_eq!(
        upload_status(&yt, &b).await,
        (json!("failed"), json!("emptyFile"), json!("failed"))
    );
    // At-least-once delivery: the same event again is a success that changes nothing.
    assert_eq!(
        deliver(&yt, "onair.media", "Recording Processed", detail).await,
        json!({ "status": "done" })
    );
    // What can never apply is acknowledged as rejected (not retried) and stores nothing.
    let ready = yt.insert_broadcast(true).await;
    for (source, detail_type, detail) in [
        (
            "onair.media",
            "Recording Processed",
            json!({ "userId": yt.user, "videoId": b, "status": "processed" }),
        ),
        (
            "onair.media",
            "Recording Processed",
            json!({ "userId": yt.user, "videoId": ready, "status": "processed" }),
        ),
        (
            "onair.media",
            "Recording Processed",
            json!({ "userId": yt.user, "videoId": "nope", "status": "processed" }),
        ),
        (
            "onair.media",
            "Recording Processed",
            json!({ "userId": yt.user, "videoId": b, "status": "done" }),
        ),
        (
            "onair.media",
            "Recording Processed",
            json!({ "videoId": b, "status": "processed" }),
        ),
        (
            "onair.other",
            "Recording Processed",
            json!({ "userId": yt.user, "videoId": ready, "status": "processed" }),
        ),
        (
            "onair.media",
            "Publish Done",
            json!({ "userId": yt.user, "videoId": ready, "status": "processed" }),
        ),
    ] {
        let reply = deliver(&yt, source, detail_type, detail.clone()).await;
        assert_eq!(
            reply["status"], "rejected",
            "{source} {detail_type} {detail}: {reply}"
        );
    }
    assert_eq!(
        upload_status(&yt, &b).await,
        (json!("failed"), json!("emptyFile"), json!("failed"))
    );
    assert_eq!(
        upload_status(&yt, &ready).await,
        (json!("uploaded"), Value::Null, json!("processing"))
    );
    // The event and the admin route are one use case: the route sees the event's report.
    let reply = report(
        &yt,
        &b,
        &json!({ "status": "failed", "failureReason": "emptyFile" }),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(reply.body["applied"], false);
}
