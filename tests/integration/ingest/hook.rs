//! The nginx-rtmp hook in-process, on both stores: the shared secret, the stream key, the status and
//! health it drives, what it costs, and what it never logs.

use crate::steps::world::{INGEST_SECRET, Time, World};
use crate::support::Backend;
use crate::support::Reply;
use crate::support::oauth::post_form;
use http::StatusCode;
use onair_domain::lifecycle::step::StepKind;
use onair_domain::lifecycle::wire::{HealthStatus, StreamStatus};
use time::Duration;

crate::support::on_both_backends!(
    both: [
        a_hook_without_the_secret_is_401_and_with_a_wrong_one_403_and_changes_nothing,
        an_unknown_or_deleted_stream_key_is_refused_and_changes_nothing,
        publish_update_and_publish_done_drive_stream_status_and_health,
        a_callback_the_hook_cannot_read_is_400_and_changes_nothing,
        a_publish_plans_a_stream_changed_step_only_for_a_bound_stream,
        parallel_publish_callbacks_for_one_key_write_the_stream_once,
    ],
    dynamodb_only: [
        a_hook_call_takes_at_most_three_dynamodb_round_trips_and_no_secrets_manager_call_when_warm,
    ],
);

const PATH: &str = "/ingest/nginx-rtmp";

/// nginx-rtmp's form for `call` with key `name` (plus `extra` fields), as measured from nginx 1.22.
fn form(call: &str, name: &str, extra: &str) -> String {
    format!(
        "app=live&flashver=FMLE/3.0%20(compatible%3B%20Lavf59.27&swfurl=&tcurl=rtmp://127.0.0.1:1935/live&pageurl=&addr=127.0.0.1&clientid=7&call={call}{extra}&name={name}&type=live"
    )
}

async fn hook(w: &World, token: Option<&str>, body: &str) -> Reply {
    let path = match token {
        Some(t) => format!("{PATH}?token={t}"),
        None => PATH.to_owned(),
    };
    post_form(&w.router(), &path, &[], body).await
}

async fn manual(backend: Backend) -> World {
    World::new(
        backend,
        Time::Manual,
        World::settings(Duration::seconds(2), Duration::seconds(60)),
    )
    .await
}

async fn a_hook_without_the_secret_is_401_and_with_a_wrong_one_403_and_changes_nothing(backend: Backend) {
    let w = manual(backend).await;
    let s = w.stream("key-secret").await;
    let publish = form("publish", "key-secret", "");
    assert_eq!(hook(&w, None, &publish).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        hook(&w, Some(""), &publish).await.status,
        StatusCode::UNAUTHORIZED
    );
    let wrong = hook(&w, Some("ingest-secret-0123456789abcdeF"), &publish).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert!(!wrong.text.contains("key-secret"));
    let prefix = hook(&w, Some(&INGEST_SECRET[..10]), &publish).await;
    assert_eq!(prefix.status, StatusCode::FORBIDDEN);
    assert_eq!(
        w.get_stream(&s.stream.id).await,
        s,
        "a refused hook changed the stream"
    );
    // and the right secret works
    assert_eq!(
        hook(&w, Some(INGEST_SECRET), &publish).await.status,
        StatusCode::OK
    );
}

async fn an_unknown_or_deleted_stream_key_is_refused_and_changes_nothing(backend: Backend) {
    let w = manual(backend).await;
    let s = w.stream("key-known").await;
    for call in ["publish", "update_publish", "publish_done"] {
        let reply = hook(
            &w,
            Some(INGEST_SECRET),
            &form(call, "key-unknown", "&time=4&timestamp=3956"),
        )
        .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{call}: {}", reply.text);
    }
    assert_eq!(w.get_stream(&s.stream.id).await, s);
    w.state.streams.delete(&s).await.unwrap();
    let reply = hook(&w, Some(INGEST_SECRET), &form("publish", "key-known", "")).await;
    assert_eq!(
        reply.status,
        StatusCode::NOT_FOUND,
        "a deleted stream's key still publishes"
    );
}

async fn publish_update_and_publish_done_drive_stream_status_and_health(backend: Backend) {
    let w = manual(backend).await;
    let s = w.stream("key-drive").await;
    let id = s.stream.id.clone();
    let status =
        |st: &onair_store::StoredStream| (st.stream.stream_status(), st.stream.status.health_status.status);
    assert_eq!(status(&s), (StreamStatus::Ready, HealthStatus::NoData));

    let ok = |r: Reply| assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    ok(hook(&w, Some(INGEST_SECRET), &form("publish", "key-drive", "")).await);
    let active = w.get_stream(&id).await;
    assert_eq!(status(&active), (StreamStatus::Active, HealthStatus::Good));
    assert_eq!(active.version, s.version + 1);

    // a healthy update (media time keeps up with the wall clock) writes nothing
    w.advance(Duration::seconds(4));
    ok(hook(
        &w,
        Some(INGEST_SECRET),
        &form("update_publish", "key-drive", "&time=4&timestamp=3956"),
    )
    .await);
    assert_eq!(w.get_stream(&id).await, active);

    // the encoder is connected but silent: its media time stopped
    w.advance(Duration::seconds(4));
    ok(hook(
        &w,
        Some(INGEST_SECRET),
        &form("update_publish", "key-drive", "&time=8&timestamp=2490"),
    )
    .await);
    let silent = w.get_stream(&id).await;
    assert_eq!(status(&silent), (StreamStatus::Active, HealthStatus::NoData));
    let silent_since = silent.stream.status.health_status.last_update_time_seconds;
    assert_eq!(silent_since, w.now().unix_timestamp() as u64);

    // data again
    w.advance(Duration::seconds(2));
    ok(hook(
        &w,
        Some(INGEST_SECRET),
        &form("update_publish", "key-drive", "&time=10&timestamp=9990"),
    )
    .await);
    assert_eq!(
        status(&w.get_stream(&id).await),
        (StreamStatus::Active, HealthStatus::Good)
    );

    ok(hook(&w, Some(INGEST_SECRET), &form("publish_done", "key-drive", "")).await);
    let inactive = w.get_stream(&id).await;
    assert_eq!(status(&inactive), (StreamStatus::Inactive, HealthStatus::NoData));
    // a late update racing publish_done cannot resurrect it; a duplicate done changes nothing
    ok(hook(
        &w,
        Some(INGEST_SECRET),
        &form("update_publish", "key-drive", "&time=12&timestamp=11990"),
    )
    .await);
    ok(hook(&w, Some(INGEST_SECRET), &form("publish_done", "key-drive", "")).await);
    assert_eq!(w.get_stream(&id).await, inactive);
}

async fn a_callback_the_hook_cannot_read_is_400_and_changes_nothing(backend: Backend) {
    let w = manual(backend).await;
    let s = w.stream("key-malformed").await;
    for body in [
        form("play", "key-malformed", ""),
        form("publish", "", ""),
        "name=key-malformed".to_owned(),
        form("update_publish", "key-malformed", "&time=soon"),
    ] {
        let reply = hook(&w, Some(INGEST_SECRET), &body).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{body}: {}", reply.text);
        assert!(!reply.text.contains("key-malformed"));
    }
    assert_eq!(w.get_stream(&s.stream.id).await, s);
    // other methods and paths get this surface's plain answers
    let get = crate::support::oauth::request(&w.router(), http::Method::GET, PATH, &[], None).await;
    assert_eq!(get.status, StatusCode::METHOD_NOT_ALLOWED);
    let none = post_form(&w.router(), "/ingest/srs", &[], "").await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    assert!(
        none.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
}

async fn a_publish_plans_a_stream_changed_step_only_for_a_bound_stream(backend: Backend) {
    let w = manual(backend).await;
    w.stream("key-unbound").await;
    w.take_planned();
    hook(&w, Some(INGEST_SECRET), &form("publish", "key-unbound", "")).await;
    assert!(w.planned(StepKind::StreamChanged).is_empty());

    let s = w.stream("key-bound").await;
    let b = w.broadcast(|_| {}).await;
    w.bind(&b, &s).await;
    w.take_planned();
    hook(&w, Some(INGEST_SECRET), &form("publish", "key-bound", "")).await;
    let planned = w.planned(StepKind::StreamChanged);
    assert_eq!(planned.len(), 1);
    assert_eq!(planned[0].target, s.stream.id);
    // periodic updates never plan one
    hook(
        &w,
        Some(INGEST_SECRET),
        &form("update_publish", "key-bound", "&time=8&timestamp=100"),
    )
    .await;
    assert!(w.planned(StepKind::StreamChanged).is_empty());
}

async fn a_hook_call_takes_at_most_three_dynamodb_round_trips_and_no_secrets_manager_call_when_warm() {
    let w = manual(Backend::Aws).await;
    let s = w.stream("key-trips").await;
    let b = w.broadcast(|_| {}).await;
    w.bind(&b, &s).await;
    let dynamo = w.dynamo.as_ref().unwrap().round_trips();
    let secrets = w.secrets_round_trips.clone().unwrap();
    // warm the secret cache (the first call of a Lambda instance reads it once)
    hook(
        &w,
        Some(INGEST_SECRET),
        &form("update_publish", "key-trips", "&time=1&timestamp=1000"),
    )
    .await;
    let mut trips = Vec::new();
    for (label, body) in [
        ("publish", form("publish", "key-trips", "")),
        (
            "update (no change)",
            form("update_publish", "key-trips", "&time=4&timestamp=3956"),
        ),
        (
            "update (silent)",
            form("update_publish", "key-trips", "&time=9&timestamp=3956"),
        ),
        ("publish_done", form("publish_done", "key-trips", "")),
        ("unknown key", form("publish", "key-nobody", "")),
    ] {
        dynamo.reset();
        secrets.reset();
        let reply = hook(&w, Some(INGEST_SECRET), &body).await;
        assert!(reply.status == StatusCode::OK || reply.status == StatusCode::NOT_FOUND);
        trips.push((label, dynamo.get(), secrets.get()));
    }
    println!("ingest hook round trips (label, DynamoDB, Secrets Manager): {trips:?}");
    // publish and update also read the admission gate (owner, channel, bound broadcast: one
    // BatchGetItem) so that the platform can end a live; the end of a publish does not
    for (label, d, sm) in &trips {
        assert!(*d <= 3, "{label}: {d} DynamoDB round trips");
        assert_eq!(*sm, 0, "{label}: {sm} Secrets Manager calls on a warm instance");
    }
    assert_eq!(
        trips[1].1, 2,
        "an update that changes nothing reads the stream and its gate"
    );
    assert!(trips[3].1 <= 2, "publish_done: {}", trips[3].1);
    assert_eq!(trips[4].1, 1, "an unknown key: one read");
    // a wrong secret does not turn into Secrets Manager calls either (the copy is fresh)
    secrets.reset();
    for _ in 0..20 {
        hook(
            &w,
            Some("wrong-secret-0123456789"),
            &form("publish", "key-trips", ""),
        )
        .await;
    }
    assert_eq!(secrets.get(), 0, "wrong secrets made Secrets Manager calls");
}

async fn parallel_publish_callbacks_for_one_key_write_the_stream_once(backend: Backend) {
    let w = manual(backend).await;
    let s = w.stream("key-parallel").await;
    let router = w.router();
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let router = router.clone();
            tokio::spawn(async move {
                let path = format!("{PATH}?token={INGEST_SECRET}");
                post_form(&router, &path, &[], &form("publish", "key-parallel", "")).await
            })
        })
        .collect();
    let replies = futures::future::join_all(calls).await;
    let statuses: Vec<StatusCode> = replies.into_iter().map(|r| r.unwrap().status).collect();
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "every racing callback is answered 200: {statuses:?}"
    );
    let stored = w.get_stream(&s.stream.id).await;
    assert_eq!(stored.stream.stream_status(), StreamStatus::Active);
    assert_eq!(
        stored.version,
        s.version + 1,
        "twenty racing publishes wrote the stream once"
    );
}
