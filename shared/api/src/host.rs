//! Builds the router that every host serves: one function's route (Lambda) or all of them (local server,
//! end-to-end tests), wrapped in the same layers.
//!
//! Layers, outermost first: a request span carrying the request id (taken from the host's
//! [`RequestId`] extension or generated) with one access-log line per request; refusal of HEAD and
//! OPTIONS (never exposed, as PRISM requires); the admin guard on `/admin/`; the 64 KiB body limit.
//! Unknown paths and methods get the surface's own 404/405 error. The access log records the path only:
//! query strings can carry codes and tokens.

use crate::error::{AdminError, GoogleError, IngestError, PageError, PrismError};
use crate::extract::{MAX_BODY, credentials_of};
use crate::registry::{Function, Surface, http_functions};
use axum::Router;
use axum::extract::ConnectInfo;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::StatusCode;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{Next, from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use onair_app::{AdminAuth, AppState};
use std::net::SocketAddr;
use tracing::Instrument;

/// The request id a host assigned (API Gateway's on Lambda); generated when absent.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The caller's IP address as the host saw it (API Gateway's `sourceIp`, or the TCP peer locally).
#[derive(Debug, Clone)]
pub struct ClientIp(pub String);

/// The public base URL of this deployment for this request, when configuration does not fix it.
#[derive(Debug, Clone)]
pub struct Issuer(pub String);

/// The router of one function, for its Lambda (no route at all for a function without an HTTP
/// trigger: every request then gets its surface's 404).
pub fn function_router(function: &Function, state: AppState) -> Router {
    let routes = match function.http() {
        Some(http) => Router::new().route(http.path, (http.route)()),
        None => Router::new(),
    };
    wrap(routes, state)
}

/// Every HTTP function of the registry on one router, for the local server and tests.
pub fn local_router(state: AppState) -> Router {
    let routes = http_functions().fold(Router::new(), |router, (_, http)| {
        router.route(http.path, (http.route)())
    });
    wrap(routes, state)
}

/// The refusals the host layers produce themselves, rendered in each surface's format.
#[derive(Debug, Clone, Copy)]
enum Refusal {
    NoRoute,
    MethodNotAllowed,
    TooLarge,
}

fn refuse(path: &str, refusal: Refusal) -> Response {
    if matches!(refusal, Refusal::TooLarge) {
        return too_large(path);
    }
    let no_route = matches!(refusal, Refusal::NoRoute);
    match Surface::of_path(path) {
        Surface::Admin => if no_route {
            AdminError::NoRoute
        } else {
            AdminError::MethodNotAllowed
        }
        .into_response(),
        Surface::Prism => if no_route {
            PrismError::NoRoute
        } else {
            PrismError::MethodNotAllowed
        }
        .into_response(),
        Surface::Page => if no_route {
            PageError::NoRoute
        } else {
            PageError::MethodNotAllowed
        }
        .into_response(),
        Surface::YouTube => if no_route {
            GoogleError::NoRoute
        } else {
            GoogleError::MethodNotAllowed
        }
        .into_response(),
        Surface::Ingest => if no_route {
            IngestError::NoRoute
        } else {
            IngestError::MethodNotAllowed
        }
        .into_response(),
        Surface::OAuth => {
            let (status, error) = if no_route {
                (StatusCode::NOT_FOUND, "not_found")
            } else {
                (StatusCode::METHOD_NOT_ALLOWED, "invalid_request")
            };
            (
                status,
                axum::Json(
                    serde_json::json!({"error": error, "error_description": "no such endpoint or method"}),
                ),
            )
                .into_response()
        }
    }
}

/// A body over [`MAX_BODY`], in the surface's format.
fn too_large(path: &str) -> Response {
    const WHY: &str = "request body exceeds 64 KiB";
    match Surface::of_path(path) {
        Surface::Admin => AdminError::TooLarge.into_response(),
        Surface::YouTube => GoogleError::TooLarge.into_response(),
        Surface::Ingest => IngestError::TooLarge.into_response(),
        // PRISM's calls take no body, so its envelope has no 413 code; this is its generic bad request.
        Surface::Prism => PrismError::InvalidRequest(WHY.into()).into_response(),
        Surface::Page => {
            crate::oauth::page::error_page(crate::oauth::i18n::Lang::En, WHY, StatusCode::PAYLOAD_TOO_LARGE)
        }
        Surface::OAuth => (
            StatusCode::PAYLOAD_TOO_LARGE,
            [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
            axum::Json(serde_json::json!({"error": "invalid_request", "error_description": WHY})),
        )
            .into_response(),
    }
}

/// Handlers that read the raw body (`Bytes`: the OAuth endpoints and the login form) meet the body
/// limit as axum's plain-text 413, before their own error type can speak; this renders it in the
/// surface's format like every other refusal.
async fn surface_too_large(req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let response = next.run(req).await;
    let plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"));
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && plain {
        refuse(&path, Refusal::TooLarge)
    } else {
        response
    }
}

fn wrap(routes: Router<AppState>, state: AppState) -> Router {
    routes
        .fallback(|req: Request| async move { refuse(req.uri().path(), Refusal::NoRoute) })
        .method_not_allowed_fallback(|req: Request| async move {
            refuse(req.uri().path(), Refusal::MethodNotAllowed)
        })
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(from_fn(surface_too_large))
        .layer(from_fn_with_state(state.clone(), admin_guard))
        .layer(from_fn(refuse_head_and_options))
        .layer(from_fn_with_state(state.clone(), request_span))
        .layer(from_fn(peer_ip))
        .with_state(state)
}

async fn request_span(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let id = match req.extensions().get::<RequestId>() {
        Some(RequestId(id)) => id.clone(),
        None => {
            let id = state.generator.id();
            req.extensions_mut().insert(RequestId(id.clone()));
            id
        }
    };
    let span =
        tracing::info_span!("request", request_id = %id, method = %req.method(), path = %req.uri().path());
    let started = std::time::Instant::now();
    let mut response = next.run(req).instrument(span.clone()).await;
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            elapsed_ms = started.elapsed().as_secs_f64() * 1e3,
            "request"
        )
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}

/// Adopts the TCP peer as [`ClientIp`] when the host has not set one (the local server).
async fn peer_ip(mut req: Request, next: Next) -> Response {
    if req.extensions().get::<ClientIp>().is_none()
        && let Some(ConnectInfo(addr)) = req.extensions().get::<ConnectInfo<SocketAddr>>().copied()
    {
        req.extensions_mut().insert(ClientIp(addr.ip().to_string()));
    }
    next.run(req).await
}

async fn refuse_head_and_options(req: Request, next: Next) -> Response {
    if req.method() == Method::HEAD || req.method() == Method::OPTIONS {
        let mut response = refuse(req.uri().path(), Refusal::MethodNotAllowed);
        // An empty Allow is deliberate: it advertises nothing, which is all HEAD/OPTIONS may learn.
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static(""));
        return response;
    }
    next.run(req).await
}

async fn admin_guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/admin/") && req.uri().path() != "/admin" {
        return next.run(req).await;
    }
    match &state.settings.admin_auth {
        AdminAuth::Gateway => next.run(req).await,
        AdminAuth::Token(token) => {
            let presented = req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| credentials_of(v, "Bearer"))
                .unwrap_or("");
            if token.matches(presented) {
                next.run(req).await
            } else {
                AdminError::Unauthorized.into_response()
            }
        }
    }
}
