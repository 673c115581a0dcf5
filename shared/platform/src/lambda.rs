//! The Lambda host: runs one registry function, with the runtime its trigger needs.
//!
//! - An HTTP function is served with `lambda_http` (API Gateway HTTP API, payload v2). Two things only
//!   exist on Lambda and are bridged here: API Gateway's request context (request id, source IP, the
//!   public URL) becomes the router's extensions, and admin routes additionally require the IAM identity
//!   API Gateway attaches after SigV4 authorisation, so a misrouted or mis-deployed admin function
//!   refuses rather than serves unauthenticated callers.
//! - A Scheduler- or event-fired function is served with `lambda_runtime`: each invocation's JSON
//!   payload goes to the function's step handler ([`handle_step`]). A retryable failure is returned as
//!   the invocation's error (Lambda's asynchronous retries deliver the event again, then the stack's
//!   dead-letter queue keeps it); a permanent one is logged and acknowledged, since retrying cannot help.
//! - A step function fed by a delay queue receives SQS batches instead (`{"Records":[{"messageId",
//!   "body", "eventSource":"aws:sqs", …}]}`), each body one step payload. Every message is handled on
//!   its own and the reply is a partial batch response: only the messages that failed retryably are
//!   listed in `batchItemFailures`, so the queue redelivers just those (and, after its receive limit,
//!   moves them to the failures queue); permanent failures and malformed bodies are logged and
//!   acknowledged.
//!
//! Configuration, SDK clients and the router are built once per cold start.

use crate::config::{Config, Host};
use crate::{logging, wiring};
use axum::Router;
use axum::extract::Request;
use axum::middleware::{Next, from_fn};
use axum::response::{IntoResponse, Response};
use lambda_http::RequestExt;
use lambda_http::request::RequestContext;
use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use onair_api::error::AdminError;
use onair_api::host::{ClientIp, Issuer, RequestId, function_router};
use onair_api::registry::{self, StepError, Trigger};
use onair_api::{Function, Surface};
use onair_app::{AdminAuth, AppState};
use onair_domain::{RandomGenerator, SystemClock};
use std::process::ExitCode;
use std::sync::Arc;
use tower::ServiceExt;

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
    let Some(function) = registry::find(name) else {
        tracing::error!(function = name, "not in the registry");
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
    let state = wiring.state;
    let served = match &function.trigger {
        Trigger::Http(_) => lambda_http::run(gateway_router(function, state)).await,
        Trigger::Schedule(_) | Trigger::Event(_) | Trigger::Step(_) => {
            lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| {
                handle_step(function, state.clone(), event)
            }))
            .await
        }
    };
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "lambda runtime stopped");
            ExitCode::FAILURE
        }
    }
}

/// One invocation of a Scheduler-, event- or queue-fired function: exactly what `lambda_runtime` calls.
/// For a single payload, returns a small acknowledgement for a success or a permanent failure, and the
/// invocation error (so that the event is delivered again) for a retryable one. For an SQS batch,
/// returns the partial batch response naming the messages that failed retryably.
pub async fn handle_step(
    function: &Function,
    state: AppState,
    event: LambdaEvent<serde_json::Value>,
) -> Result<serde_json::Value, Diagnostic> {
    let request_id = event.context.request_id.clone();
    let Some(handler) = function.step() else {
        return Err(Diagnostic {
            error_type: "NotAStep".into(),
            error_message: format!("{} is an HTTP function", function.name),
        });
    };
    if let Some(records) = sqs_records(&event.payload) {
        return Ok(handle_batch(function, handler, state, &request_id, records).await);
    }
    let span = tracing::info_span!("step", function = function.name, request_id = %request_id);
    let outcome = tracing::Instrument::instrument(handler(state, event.payload), span.clone()).await;
    let _entered = span.enter();
    match outcome {
        Ok(()) => Ok(serde_json::json!({"status": "done"})),
        Err(StepError::Permanent(why)) => {
            tracing::error!(error = %why, "step failed permanently; acknowledged, not retried");
            Ok(serde_json::json!({"status": "rejected", "error": why}))
        }
        Err(StepError::Retryable(why)) => {
            tracing::warn!(error = %why, "step failed; reported for retry");
            Err(Diagnostic {
                error_type: "Retryable".into(),
                error_message: why,
            })
        }
    }
}

/// The records of an SQS event, if the payload is one. A step payload (a Scheduler target input) is a
/// flat object without `Records`, so the two never mix.
fn sqs_records(payload: &serde_json::Value) -> Option<&[serde_json::Value]> {
    let records = payload.get("Records")?.as_array()?;
    let all_sqs = records
        .iter()
        .all(|r| r.get("eventSource").and_then(serde_json::Value::as_str) == Some("aws:sqs"));
    (all_sqs && !records.is_empty()).then_some(records.as_slice())
}

/// One SQS batch: every message's body is handed to the step handler, concurrently, and the reply
/// lists the messages to deliver again (`batchItemFailures`, for `ReportBatchItemFailures`).
async fn handle_batch(
    function: &Function,
    handler: registry::StepHandler,
    state: AppState,
    request_id: &str,
    records: &[serde_json::Value],
) -> serde_json::Value {
    let deliveries = records.iter().map(|record| {
        let message_id = record
            .get("messageId")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let body = record.get("body").and_then(serde_json::Value::as_str);
        let payload = body.map(serde_json::from_str::<serde_json::Value>);
        let state = state.clone();
        let span = tracing::info_span!("step", function = function.name, request_id = %request_id, message_id = %message_id);
        let delivery = async move {
            let payload = match payload {
                Some(Ok(payload)) => payload,
                _ => {
                    tracing::error!("message body is not a JSON step payload; acknowledged, not retried");
                    return None;
                }
            };
            match handler(state, payload).await {
                Ok(()) => None,
                Err(StepError::Permanent(why)) => {
                    tracing::error!(error = %why, "step failed permanently; acknowledged, not retried");
                    None
                }
                Err(StepError::Retryable(why)) => {
                    tracing::warn!(error = %why, "step failed; message left for redelivery");
                    Some(message_id)
                }
            }
        };
        tracing::Instrument::instrument(delivery, span)
    });
    let failures: Vec<serde_json::Value> = futures::future::join_all(deliveries)
        .await
        .into_iter()
        .flatten()
        .map(|id| serde_json::json!({"itemIdentifier": id}))
        .collect();
    serde_json::json!({"batchItemFailures": failures})
}

/// The router one function serves on Lambda: its route with the shared layers, the IAM requirement on
/// admin routes, and the adoption of API Gateway's request context. This is exactly what
/// `lambda_http::run` receives, so tests drive it with API Gateway v2 events.
pub fn gateway_router(function: &Function, state: AppState) -> Router {
    let mut router = function_router(function, state);
    if function.http().is_some_and(|http| http.surface == Surface::Admin) {
        router = router.layer(from_fn(require_iam));
    }
    let router = router.layer(from_fn(adopt_gateway_context));
    // Layers on a router run after routing, so the stage is taken off the path in front of it.
    Router::new().fallback_service(router.map_request(strip_stage))
}

/// Removes a named stage from the path. On a stage other than `$default`, `lambda_http` makes the path
/// start with `/<stage>` (whether API Gateway's `rawPath` carried it, as on the execute-api URL, or not,
/// as behind a custom domain mapping), but the routes are registered without it: left there, every
/// request of a `prod` stage would be a 404.
fn strip_stage(mut req: Request) -> Request {
    let stage = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.stage.clone(),
        _ => None,
    };
    let Some(stage) = stage.filter(|s| s != "$default") else {
        return req;
    };
    let prefix = format!("/{stage}");
    let uri = req.uri();
    let Some(rest) = uri.path().strip_prefix(&prefix) else {
        return req;
    };
    if !(rest.is_empty() || rest.starts_with('/')) {
        return req;
    }
    let path = if rest.is_empty() { "/" } else { rest };
    let path_and_query = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    };
    let mut parts = uri.clone().into_parts();
    match path_and_query.parse() {
        Ok(pq) => parts.path_and_query = Some(pq),
        Err(_) => return req,
    }
    if let Ok(stripped) = axum::http::Uri::from_parts(parts) {
        *req.uri_mut() = stripped;
    }
    req
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
