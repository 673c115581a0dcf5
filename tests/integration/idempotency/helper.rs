//! The `Idempotency-Key` helper's rules over HTTP, proved with a test route whose handler counts its
//! runs and answers as each request asks (`x-answer`, `x-delay-ms` — headers stay out of the
//! fingerprint, so changing them is a retry of the same request). Refusals are rendered by a minimal
//! surface error type that shows the application error's reason and status as Google's envelope does.

use crate::faults::inject::{Fault, Faults, wrap};
use crate::support::{Backend, TestApp};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, Request, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use futures::future::join_all;
use http_body_util::BodyExt;
use onair_api::idempotency::{IdempotentRequest, idempotent};
use onair_app::{AppError, AppState};
use onair_domain::UserId;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use time::Duration;
use tower::ServiceExt;

crate::support::on_both_backends!(
    requests_without_a_key_run_every_time,
    a_retry_with_the_same_key_and_request_replays_the_first_success_without_running,
    the_same_key_with_another_body_or_query_is_refused_422_and_runs_nothing,
    malformed_or_repeated_keys_are_refused_400_and_run_nothing,
    a_refused_or_failed_request_releases_its_key_so_the_retry_runs_again,
    a_duplicate_while_the_first_runs_is_told_409_with_retry_after,
    the_same_key_of_another_caller_runs_separately,
    twenty_parallel_requests_with_one_key_run_once_and_agree,
    an_outage_of_the_idempotency_store_runs_nothing_and_is_503,
    a_lost_completion_holds_the_key_until_the_lease_ends,
    a_failed_release_holds_the_key_until_the_lease_ends,
);

/// A minimal surface error: the application error's reason and status, in Google's envelope shape.
struct TestError(AppError);

impl From<AppError> for TestError {
    fn from(err: AppError) -> Self {
        TestError(err)
    }
}

impl IntoResponse for TestError {
    fn into_response(self) -> Response {
        let (status, reason) = match &self.0 {
            AppError::Lifecycle(e) => (StatusCode::from_u16(e.code()).unwrap(), e.reason.as_str()),
            AppError::Unavailable(_) | AppError::Busy(_) => (StatusCode::SERVICE_UNAVAILABLE, "backendError"),
            AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internalError"),
            _ => (StatusCode::BAD_REQUEST, "badRequest"),
        };
        let body = json!({"error": {"code": status.as_u16(), "errors": [{"reason": reason}]}});
        (status, axum::Json(body)).into_response()
    }
}

#[derive(Clone)]
struct Harness {
    state: AppState,
    runs: Arc<AtomicUsize>,
}

async fn handler(
    State(h): State<Harness>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let owner = UserId::parse(&header("x-user").unwrap_or_else(|| "user-1".into())).unwrap();
    let answer: u16 = header("x-answer").map_or(201, |v| v.parse().unwrap());
    let delay: u64 = header("x-delay-ms").map_or(0, |v| v.parse().unwrap());
    let request = IdempotentRequest::new(&owner, "test.insert", &method, &uri, &headers, &body);
    idempotent::<TestError, _, _>(&h.state, request, |_| async {
        let run = h.runs.fetch_add(1, Ordering::SeqCst) + 1;
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
        (
            StatusCode::from_u16(answer).unwrap(),
            [
                ("content-type", "application/json; charset=UTF-8"),
                ("x-run", "first"),
            ],
            json!({"run": run, "id": format!("res-{run}")}).to_string(),
        )
            .into_response()
    })
    .await
}

struct Fixture {
    app: TestApp,
    router: Router,
    runs: Arc<AtomicUsize>,
}

impl Fixture {
    async fn new(backend: Backend) -> Fixture {
        let app = TestApp::new(backend).await;
        let state = app.state.clone();
        Self::over(app, state)
    }

    fn over(app: TestApp, state: AppState) -> Fixture {
        let runs = Arc::new(AtomicUsize::new(0));
        let router = Router::new()
            .route("/test/insert", post(handler))
            .with_state(Harness {
                state,
                runs: runs.clone(),
            });
        Fixture { app, router, runs }
    }

    fn runs(&self) -> usize {
        self.runs.load(Ordering::SeqCst)
    }
}

#[derive(Debug, Clone)]
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
    bytes: Bytes,
}

/// POSTs `body` to the test route with the given headers (and `?part=snippet` unless `query` says).
async fn send(router: &Router, query: &str, headers: &[(&str, &str)], body: &str) -> Answer {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(format!("/test/insert?{query}"))
        .header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::from(body.to_owned())).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
        bytes,
    }
}

fn reason(answer: &Answer) -> &str {
    answer.body["error"]["errors"][0]["reason"].as_str().unwrap_or("")
}

const Q: &str = "part=snippet";
const BODY: &str = r#"{"snippet":{"title":"t"}}"#;

async fn requests_without_a_key_run_every_time(backend: Backend) {
    let f = Fixture::new(backend).await;
    let a = send(&f.router, Q, &[], BODY).await;
    let b = send(&f.router, Q, &[], BODY).await;
    assert_eq!((a.status, b.status), (StatusCode::CREATED, StatusCode::CREATED));
    assert_ne!(a.body["id"], b.body["id"]);
    assert_eq!(f.runs(), 2);
    assert!(a.headers.get("idempotent-replayed").is_none());
}

async fn a_retry_with_the_same_key_and_request_replays_the_first_success_without_running(backend: Backend) {
    let f = Fixture::new(backend).await;
    let key = [("idempotency-key", "insert-1")];
    let first = send(&f.router, Q, &key, BODY).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(first.headers["x-run"], "first");
    // Parameter order and encoding do not make another request.
    let again = send(&f.router, "part=snippet", &key, BODY).await;
    f.app.clock.advance(Duration::hours(23));
    let later = send(&f.router, Q, &key, BODY).await;
    assert_eq!(f.runs(), 1, "a retry ran the handler again");
    for replay in [&again, &later] {
        assert_eq!(replay.status, StatusCode::CREATED);
        assert_eq!(replay.bytes, first.bytes);
        assert_eq!(replay.headers["content-type"], "application/json; charset=UTF-8");
        assert_eq!(replay.headers["idempotent-replayed"], "true");
        assert_eq!(replay.headers["cache-control"], "no-store");
    }
    // After 24 hours the key is forgotten: the same request runs again.
    f.app.clock.advance(Duration::hours(1));
    let expired = send(&f.router, Q, &key, BODY).await;
    assert_eq!(
        (expired.status, expired.body["run"].as_u64()),
        (StatusCode::CREATED, Some(2))
    );
    assert!(expired.headers.get("idempotent-replayed").is_none());
}

async fn the_same_key_with_another_body_or_query_is_refused_422_and_runs_nothing(backend: Backend) {
    let f = Fixture::new(backend).await;
    let key = [("idempotency-key", "insert-1")];
    send(&f.router, Q, &key, BODY).await;
    let other_body = send(&f.router, Q, &key, r#"{"snippet":{"title":"u"}}"#).await;
    let other_query = send(&f.router, "part=snippet,status", &key, BODY).await;
    for refused in [&other_body, &other_query] {
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{:?}",
            refused.body
        );
        assert_eq!(reason(refused), "idempotencyKeyReused");
    }
    assert_eq!(f.runs(), 1);
    // The first request's record is intact.
    let replay = send(&f.router, Q, &key, BODY).await;
    assert_eq!(
        (replay.status, replay.body["run"].as_u64()),
        (StatusCode::CREATED, Some(1))
    );
}

async fn malformed_or_repeated_keys_are_refused_400_and_run_nothing(backend: Backend) {
    let f = Fixture::new(backend).await;
    let long = "k".repeat(256);
    for key in ["", "has space", long.as_str(), "tab\tkey"] {
        let refused = send(&f.router, Q, &[("idempotency-key", key)], BODY).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{key:?}");
        assert_eq!(reason(&refused), "invalidIdempotencyKey", "{key:?}");
    }
    let twice = send(
        &f.router,
        Q,
        &[("idempotency-key", "a"), ("idempotency-key", "a")],
        BODY,
    )
    .await;
    assert_eq!(
        (twice.status, reason(&twice)),
        (StatusCode::BAD_REQUEST, "invalidIdempotencyKey")
    );
    assert_eq!(f.runs(), 0);
    // The longest key is fine.
    let longest = "k".repeat(255);
    let ok = send(&f.router, Q, &[("idempotency-key", longest.as_str())], BODY).await;
    assert_eq!(ok.status, StatusCode::CREATED);
}

async fn a_refused_or_failed_request_releases_its_key_so_the_retry_runs_again(backend: Backend) {
    let f = Fixture::new(backend).await;
    let refused = send(
        &f.router,
        Q,
        &[("idempotency-key", "k"), ("x-answer", "403")],
        BODY,
    )
    .await;
    let failed = send(
        &f.router,
        Q,
        &[("idempotency-key", "k"), ("x-answer", "503")],
        BODY,
    )
    .await;
    assert_eq!(
        (refused.status, failed.status),
        (StatusCode::FORBIDDEN, StatusCode::SERVICE_UNAVAILABLE)
    );
    let ok = send(&f.router, Q, &[("idempotency-key", "k")], BODY).await;
    assert_eq!(
        (ok.status, ok.body["run"].as_u64()),
        (StatusCode::CREATED, Some(3))
    );
    // Only the success is kept.
    let replay = send(
        &f.router,
        Q,
        &[("idempotency-key", "k"), ("x-answer", "403")],
        BODY,
    )
    .await;
    assert_eq!(
        (replay.status, replay.body["run"].as_u64()),
        (StatusCode::CREATED, Some(3))
    );
    assert_eq!(f.runs(), 3);
    // A 200 is kept as a 200.
    let plain = send(
        &f.router,
        Q,
        &[("idempotency-key", "k2"), ("x-answer", "200")],
        BODY,
    )
    .await;
    let plain_again = send(&f.router, Q, &[("idempotency-key", "k2")], BODY).await;
    assert_eq!(
        (plain.status, plain_again.status),
        (StatusCode::OK, StatusCode::OK)
    );
    assert_eq!(plain_again.bytes, plain.bytes);
}

async fn a_duplicate_while_the_first_runs_is_told_409_with_retry_after(backend: Backend) {
    let f = Fixture::new(backend).await;
    let router = f.router.clone();
    let first = tokio::spawn(async move {
        send(
            &router,
            Q,
            &[("idempotency-key", "k"), ("x-delay-ms", "1500")],
            BODY,
        )
        .await
    });
    // Wait until the first request holds the key and runs.
    while f.runs() == 0 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let duplicate = send(&f.router, Q, &[("idempotency-key", "k")], BODY).await;
    assert_eq!(duplicate.status, StatusCode::CONFLICT, "{:?}", duplicate.body);
    assert_eq!(reason(&duplicate), "idempotencyKeyInProgress");
    assert_eq!(duplicate.headers["retry-after"], "1");
    let first = first.await.unwrap();
    assert_eq!(first.status, StatusCode::CREATED);
    let retry = send(&f.router, Q, &[("idempotency-key", "k")], BODY).await;
    assert_eq!(retry.bytes, first.bytes);
    assert_eq!(f.runs(), 1);
}

async fn the_same_key_of_another_caller_runs_separately(backend: Backend) {
    let f = Fixture::new(backend).await;
    let mine = send(
        &f.router,
        Q,
        &[("idempotency-key", "k"), ("x-user", "alice")],
        BODY,
    )
    .await;
    let theirs = send(&f.router, Q, &[("idempotency-key", "k"), ("x-user", "bob")], BODY).await;
    assert_eq!(
        (mine.status, theirs.status),
        (StatusCode::CREATED, StatusCode::CREATED)
    );
    assert_ne!(mine.body["id"], theirs.body["id"]);
    // Another caller's different body under the same key is no mismatch for me.
    let other = send(
        &f.router,
        Q,
        &[("idempotency-key", "k"), ("x-user", "carol")],
        "{}",
    )
    .await;
    assert_eq!(other.status, StatusCode::CREATED);
    assert_eq!(f.runs(), 3);
}

async fn twenty_parallel_requests_with_one_key_run_once_and_agree(backend: Backend) {
    let f = Fixture::new(backend).await;
    let calls = (0..20).map(|_| {
        let router = f.router.clone();
        tokio::spawn(async move {
            send(
                &router,
                Q,
                &[("idempotency-key", "race"), ("x-delay-ms", "200")],
                BODY,
            )
            .await
        })
    });
    let answers: Vec<Answer> = join_all(calls).await.into_iter().map(|a| a.unwrap()).collect();
    assert_eq!(f.runs(), 1, "the handler ran more than once");
    let successes: Vec<&Answer> = answers
        .iter()
        .filter(|a| a.status == StatusCode::CREATED)
        .collect();
    assert!(!successes.is_empty());
    for answer in &answers {
        if answer.status == StatusCode::CREATED {
            assert_eq!(answer.bytes, successes[0].bytes);
        } else {
            assert_eq!(answer.status, StatusCode::CONFLICT, "{:?}", answer.body);
            assert_eq!(reason(answer), "idempotencyKeyInProgress");
        }
    }
}

async fn an_outage_of_the_idempotency_store_runs_nothing_and_is_503(backend: Backend) {
    let app = TestApp::new(backend).await;
    let faults = Faults::new();
    let state = wrap(&app.state, &faults);
    let f = Fixture::over(app, state);
    faults.fail_nth("idempotency.claim", 1, Fault::Unavailable);
    let down = send(&f.router, Q, &[("idempotency-key", "k")], BODY).await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(faults.fired(), vec![("idempotency.claim", Fault::Unavailable)]);
    assert_eq!(f.runs(), 0);
    let up = send(&f.router, Q, &[("idempotency-key", "k")], BODY).await;
    assert_eq!((up.status, f.runs()), (StatusCode::CREATED, 1));
}

async fn a_lost_completion_holds_the_key_until_the_lease_ends(backend: Backend) {
    let app = TestApp::new(backend).await;
    let faults = Faults::new();
    let state = wrap(&app.state, &faults);
    let f = Fixture::over(app, state);
    faults.fail_nth("idempotency.complete", 1, Fault::Unavailable);
    // The work is done, so its answer still reaches the caller.
    let first = send(&f.router, Q, &[("idempotency-key", "k")], BODY).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(faults.fired(), vec![("idempotency.complete", Fault::Unavailable)]);
    // Unrecorded, the key stays claimed: retries wait rather than run twice…
    let retry = send(&f.router, Q, &[("idempotency-key", "k")], BODY).await;
    assert_eq!(
        (retry.status, reason(&retry)),
        (StatusCode::CONFLICT, "idempotencyKeyInProgress")
    );
    // …until the lease ends (the lease outlives every function's timeout); then it runs again.
    f.app.clock.advance(onair_app::idempotency::LEASE);
    let after = send(&f.router, Q, &[("idempotency-key", "k")], BODY).await;
    assert_eq!(
        (after.status, after.body["run"].as_u64()),
        (StatusCode::CREATED, Some(2))
    );
    assert_eq!(f.runs(), 2);
}

async fn a_failed_release_holds_the_key_until_the_lease_ends(backend: Backend) {
    let app = TestApp::new(backend).await;
    let faults = Faults::new();
    let state = wrap(&app.state, &faults);
    let f = Fixture::over(app, state);
    faults.fail_nth("idempotency.release", 1, Fault::Unavailable);
    let refused = send(
        &f.router,
        Q,
        &[("idempotency-key", "k"), ("x-answer", "403")],
        BODY,
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "the handler's own answer still goes out"
    );
    assert_eq!(faults.fired(), vec![("idempotency.release", Fault::Unavailable)]);
    let retry = send(&f.router, Q, &[("idempotency-key", "k")], BODY).await;
    assert_eq!(
        (retry.status, reason(&retry)),
        (StatusCode::CONFLICT, "idempotencyKeyInProgress")
    );
    f.app.clock.advance(onair_app::idempotency::LEASE);
    let after = send(&f.router, Q, &[("idempotency-key", "k")], BODY).await;
    assert_eq!(
        (after.status, after.body["run"].as_u64()),
        (StatusCode::CREATED, Some(2))
    );
}
