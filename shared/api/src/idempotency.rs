//! `Idempotency-Key` for write handlers: wrap the handler's work in [`idempotent`] and a retry of the
//! same request returns the first success instead of running again (rules in
//! [`onair_app::idempotency`]).
//!
//! ```ignore
//! pub async fn insert(State(state): State<AppState>, caller: YouTubeCaller, request: RequestParts,
//!                     body: Bytes) -> Response {
//!     let user = match caller.require(Need::Write) { Ok(user) => user.clone(), Err(e) => return e.into_response() };
//!     let request = request.idempotent(&user, "liveBroadcasts.insert", &body);
//!     idempotent::<GoogleError, _, _>(&state, request, |id| async {
//!         insert_once(&state, &user, &body, id).await.into_response()
//!     })
//!     .await
//! }
//! ```
//!
//! - No header: the work just runs.
//! - Only 2xx answers are kept, and replayed with the same status, `Content-Type` and body, plus
//!   `Cache-Control: no-store` and `Idempotent-Replayed: true` (other headers of the first answer are
//!   not kept). Any other answer releases the key: a refused or failed request
//!   changed nothing, so its retry runs again.
//! - Refusals (a malformed or repeated key, a key reused with another request, a key whose first
//!   request is still running) are application errors, rendered by the surface's own error type `E`
//!   like every other error; the in-progress refusal also gets `Retry-After`.

use axum::body::{Body, Bytes};
use axum::extract::FromRequestParts;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, RETRY_AFTER};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use onair_app::idempotency::{self as rules, Begun};
use onair_app::{AppError, AppState};
use onair_domain::UserId;
use onair_store::{IdempotencyScope, StoredResponse};
use std::convert::Infallible;
use std::future::Future;

/// The request header naming a write's idempotency key.
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

/// The response header marking a replayed answer.
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// What [`idempotent`] needs to know about a request.
#[derive(Debug, Clone, Copy)]
pub struct IdempotentRequest<'a> {
    /// The authenticated caller (keys are per caller).
    pub owner: &'a UserId,
    /// The operation, as the API names it (`liveBroadcasts.insert`); keys are per operation.
    pub operation: &'static str,
    /// The method.
    pub method: &'a Method,
    /// The URI (path and query enter the fingerprint).
    pub uri: &'a Uri,
    /// The headers (for `Idempotency-Key`).
    pub headers: &'a HeaderMap,
    /// The body bytes, exactly as received.
    pub body: &'a [u8],
}

impl<'a> IdempotentRequest<'a> {
    /// The request of `owner` for `operation`.
    pub fn new(
        owner: &'a UserId,
        operation: &'static str,
        method: &'a Method,
        uri: &'a Uri,
        headers: &'a HeaderMap,
        body: &'a [u8],
    ) -> Self {
        Self {
            owner,
            operation,
            method,
            uri,
            headers,
            body,
        }
    }
}

/// Runs `run` under the request's `Idempotency-Key`, if it has one (see the module doc). `E` is the
/// surface's error type, which renders the refusals. `run` receives the id an insert must give its
/// resource under this key ([`rules::Ticket::derived_id`]; `None` without a key).
pub async fn idempotent<E, F, Fut>(state: &AppState, request: IdempotentRequest<'_>, run: F) -> Response
where
    E: From<AppError> + IntoResponse,
    F: FnOnce(Option<String>) -> Fut,
    Fut: Future<Output = Response>,
{
    let mut values = request.headers.get_all(&IDEMPOTENCY_KEY).iter();
    let Some(value) = values.next() else {
        return run(None).await;
    };
    if values.next().is_some() {
        return refuse::<E>(rules::repeated_key());
    }
    let key = match rules::parse_key(value.as_bytes()) {
        Ok(key) => key,
        Err(err) => return refuse::<E>(err),
    };
    let scope = IdempotencyScope {
        owner: request.owner.clone(),
        operation: request.operation.to_owned(),
        key,
    };
    let fingerprint = rules::fingerprint(
        request.method.as_str(),
        request.uri.path(),
        request.uri.query(),
        request.body,
    );
    let ticket = match rules::begin(state, scope, fingerprint).await {
        Ok(Begun::Run(ticket)) => ticket,
        Ok(Begun::Replay(stored)) => return replay(stored),
        Err(err) => return refuse::<E>(err),
    };
    let response = run(Some(ticket.derived_id())).await;
    if !response.status().is_success() {
        rules::fail(state, &ticket).await;
        return response;
    }
    let (parts, body) = response.into_parts();
    // The body is this process's own answer, already complete in memory; reading it cannot block on a
    // client, and it bounds itself.
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(err) => {
            rules::fail(state, &ticket).await;
            return E::from(AppError::Internal(format!(
                "reading a response to keep it: {err}"
            )))
            .into_response();
        }
    };
    let stored = StoredResponse {
        status: parts.status.as_u16(),
        content_type: parts
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: bytes.to_vec(),
    };
    rules::succeed(state, &ticket, &stored).await;
    Response::from_parts(parts, Body::from(bytes))
}

/// The surface's rendering of a refusal; the in-progress one says when to retry.
fn refuse<E: From<AppError> + IntoResponse>(err: AppError) -> Response {
    let in_progress = rules::is_in_progress(&err);
    let mut response = E::from(err).into_response();
    if in_progress {
        response.headers_mut().insert(
            RETRY_AFTER,
            HeaderValue::from(rules::IN_PROGRESS_RETRY_AFTER_SECONDS),
        );
    }
    response
}

/// The first success again.
fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = (status, Bytes::from(stored.body)).into_response();
    let headers = response.headers_mut();
    headers.remove(CONTENT_TYPE);
    if let Some(content_type) = stored.content_type.and_then(|v| HeaderValue::from_str(&v).ok()) {
        headers.insert(CONTENT_TYPE, content_type);
    }
    // A replay answers a write of one caller: never for a shared cache, like every API answer.
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    response
}

/// The parts of a request its fingerprint needs, as an extractor that never fails (put it before the
/// body extractor).
#[derive(Debug, Clone)]
pub struct RequestParts {
    /// The method.
    pub method: Method,
    /// The URI.
    pub uri: Uri,
    /// The headers.
    pub headers: HeaderMap,
}

impl RequestParts {
    /// The [`IdempotentRequest`] of `owner` for `operation` with `body`.
    pub fn idempotent<'a>(
        &'a self,
        owner: &'a UserId,
        operation: &'static str,
        body: &'a [u8],
    ) -> IdempotentRequest<'a> {
        IdempotentRequest::new(owner, operation, &self.method, &self.uri, &self.headers, body)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestParts {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(RequestParts {
            method: parts.method.clone(),
            uri: parts.uri.clone(),
            headers: parts.headers.clone(),
        })
    }
}
