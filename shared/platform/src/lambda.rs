//! The Lambda host: serves one catalog function's router with `lambda_http` (API Gateway HTTP API,
//! payload v2).
//!
//! Configuration, SDK clients and the router are built once per cold start. Two things only exist on
//! Lambda and are bridged here: API Gateway's request id becomes the router's [`RequestId`], and admin
//! routes additionally require the IAM identity API Gateway attaches after SigV4 authorisation, so a
//! misrouted or mis-deployed admin function refuses rather than serves unauthenticated callers.

use crate::config::{Config, Host};
use crate::{logging, wiring};
use axum::Router;
use axum::extract::Request;
use axum::middleware::{Next, from_fn};
use axum::response::{IntoResponse, Response};
use lambda_http::RequestExt;
use lambda_http::request::RequestContext;
use onair_api::error::AdminError;
use onair_api::host::{ClientIp, Issuer, RequestId, function_router};
use onair_api::{AdminAuth, AppState, Function, Surface, catalog};
use onair_domain::{RandomGenerator, SystemClock};
use std::process::ExitCode;
use std::sync::Arc;

/// Runs the function named `name` on Lambda until the runtime stops it. This is the whole `main` of
/// every binary in `functions/`.
pub fn run(name: &'static str) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(serve(name))
}

async fn serve(name: &'static str) -> ExitCode {
    let config = match Config::from_env(Host::Lambda) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::FAILURE;
        }
    };
    logging::init(&config);
    let Some(function) = catalog::find(name) else {
        tracing::error!(function = name, "not in the catalog");
        return ExitCode::FAILURE;
    };
    let wiring = match wiring::build(
        &config,
        Arc::new(SystemClock),
        Arc::new(RandomGenerator),
        AdminAuth::Gateway,
    )
    .await
    {
        Ok(w) => w,
        Err(err) => {
            tracing::error!(error = %err, "start-up failed");
            return ExitCode::FAILURE;
        }
    };
    match lambda_http::run(gateway_router(function, wiring.state)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "lambda runtime stopped");
            ExitCode::FAILURE
        }
    }
}

/// The router one function serves on Lambda: its route with the shared layers, the IAM requirement on
/// admin routes, and the adoption of API Gateway's request context. This is exactly what
/// `lambda_http::run` receives, so tests drive it with API Gateway v2 events.
pub fn gateway_router(function: &Function, state: AppState) -> Router {
    let mut router = function_router(function, state);
    if function.surface == Surface::Admin {
        router = router.layer(from_fn(require_iam));
    }
    router.layer(from_fn(adopt_gateway_context))
}

/// Adopts what API Gateway knows about the request: its request id (so log lines match API
/// Gateway's access log), the caller's source IP (for login throttling and the audit trail) and the
/// public URL the request arrived on (the issuer, unless `ONAIR_ISSUER` fixes it).
async fn adopt_gateway_context(mut req: Request, next: Next) -> Response {
    let mut found = (None, None, None);
    if let Some(RequestContext::ApiGatewayV2(ctx)) = req.request_context_ref() {
        let stage = match ctx.stage.as_deref() {
            None | Some("$default") => String::new(),
            Some(stage) => format!("/{stage}"),
        };
        found = (
            ctx.request_id.clone(),
            ctx.http.source_ip.clone(),
            ctx.domain_name
                .as_ref()
                .map(|domain| format!("https://{domain}{stage}")),
        );
    }
    let (id, ip, issuer) = found;
    if let Some(id) = id {
        req.extensions_mut().insert(RequestId(id));
    }
    if let Some(ip) = ip {
        req.extensions_mut().insert(ClientIp(ip));
    }
    if let Some(issuer) = issuer {
        req.extensions_mut().insert(Issuer(issuer));
    }
    next.run(req).await
}

/// Admin functions serve only requests API Gateway authorised with IAM.
async fn require_iam(req: Request, next: Next) -> Response {
    let authorised = matches!(
        req.request_context_ref(),
        Some(RequestContext::ApiGatewayV2(ctx)) if ctx.authorizer.as_ref().is_some_and(|a| a.iam.is_some())
    );
    if authorised {
        next.run(req).await
    } else {
        AdminError::Unauthorized.into_response()
    }
}
