//! The real Lambda wrapper end to end: API Gateway HTTP API (payload v2) events, decoded by
//! `lambda_http::request::from_str` exactly as the runtime does, sent through
//! `onair_platform::lambda::gateway_router` — the router `lambda_http::run` serves. Unlike
//! `lambda_parity`, nothing is bypassed: the IAM requirement on admin routes and the adoption of the
//! request context (request id, source IP, public URL) are what is under test.

use crate::support::oauth::{
    PASSWORD, REDIRECT, TestClient, audit_trail, authorize_path, basic, create_channel, create_client,
    create_user, form, obtain_code, open_login, param, prism_exchange, redirect_params, tokens,
};
use crate::support::{Backend, Reply, TestApp};
use http_body_util::BodyExt;
use onair_api::host::{ClientIp, RequestId};
use onair_api::registry::{self, Surface};
use onair_app::{AdminAuth, AppState, Settings};
use onair_domain::audit::AuditEvent;
use serde_json::{Value, json};
use std::sync::Arc;
use tower::ServiceExt;

const REQUEST_ID: &str = "apigw-request-7";
const SOURCE_IP: &str = "203.0.113.9";
const DOMAIN: &str = "abc123.execute-api.eu-west-1.amazonaws.com";

/// What API Gateway adds around a request.
#[derive(Clone, Copy)]
struct Context {
    iam: bool,
    stage: &'static str,
}

const PUBLIC: Context = Context {
    iam: false,
    stage: "$default",
};
const SIGNED: Context = Context {
    iam: true,
    stage: "$default",
};

/// An API Gateway v2 event for `method path?query`, as `lambda_http` decodes it on Lambda. Cookies go
/// where API Gateway puts them (`cookies`), not in the headers.
fn event(
    route: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
    ctx: Context,
) -> lambda_http::Request {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut header_map = serde_json::Map::new();
    let mut cookies = Vec::new();
    for (name, value) in headers {
        if name.eq_ignore_ascii_case("cookie") {
            cookies.extend(value.split("; ").map(|c| Value::String(c.to_owned())));
        } else {
            header_map.insert(name.to_ascii_lowercase(), Value::String((*value).to_owned()));
        }
    }
    let authorizer = if ctx.iam {
        json!({"iam": {"accessKey": "AKIAEXAMPLE", "accountId": "123456789012", "callerId": "AIDAEXAMPLE",
            "principalOrgId": null, "userArn": "arn:aws:iam::123456789012:user/ops", "userId": "AIDAEXAMPLE"}})
    } else {
        Value::Null
    };
    let mut event = json!({
        "version": "2.0",
        "routeKey": format!("{method} {route}"),
        "rawPath": path,
        "rawQueryString": query,
        "headers": header_map,
        "requestContext": {
            "accountId": "123456789012", "apiId": "abc123", "domainName": DOMAIN, "domainPrefix": "abc123",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": SOURCE_IP,
                     "userAgent": "wrapper-test"},
            "requestId": REQUEST_ID, "routeKey": format!("{method} {route}"), "stage": ctx.stage,
            "time": "01/Nov/2026:00:00:00 +0000", "timeEpoch": 1_793_491_200_000i64
        },
        "body": body,
        "isBase64Encoded": false
    });
    if !cookies.is_empty() {
        event["cookies"] = Value::Array(cookies);
    }
    if !authorizer.is_null() {
        event["requestContext"]["authorizer"] = authorizer;
    }
    lambda_http::request::from_str(&event.to_string()).expect("a valid API Gateway v2 event")
}

async fn reply_of(response: axum::response::Response) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
        text,
    }
}

/// Sends one event through the function's Lambda router.
async fn through_lambda(
    state: &AppState,
    name: &str,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
    ctx: Context,
) -> Reply {
    let function = registry::find(name).unwrap();
    let route = function.http().unwrap().path;
    let router = onair_platform::lambda::gateway_router(function, state.clone());
    let response = router
        .oneshot(event(route, method, target, headers, body, ctx))
        .await
        .unwrap();
    reply_of(response).await
}

/// The state as on Lambda: admin routes are authorised by API Gateway only (no admin token).
fn gateway_auth(state: &AppState) -> AppState {
    let mut state = state.clone();
    state.settings = Arc::new(Settings {
        admin_auth: AdminAuth::Gateway,
        ..(*state.settings).clone()
    });
    state
}

/// A body each admin route would accept.
fn admin_body(path: &str) -> &'static str {
    match path {
        "/admin/users" => r#"{"login":"wrapper","password":"long enough pw","userName":"W"}"#,
        "/admin/clients" => r#"{"name":"w","kind":"confidential","redirectUris":["https://a.example/cb"]}"#,
        _ => "{}",
    }
}

#[tokio::test]
async fn admin_routes_refuse_events_without_an_iam_identity_and_accept_signed_ones() {
    let app = TestApp::new(Backend::Embedded).await;
    let state = gateway_auth(&app.state);
    let mut refused = 0;
    for (function, http) in registry::http_functions().filter(|(_, h)| h.surface == Surface::Admin) {
        let target = http
            .path
            .replace("{clientId}", "AAAAAAAAAAAAAAAAAAAAAA")
            .replace("{userId}", "AAAAAAAAAAAAAAAAAAAAAA")
            .replace("{channelId}", "AAAAAAAAAAAAAAAAAAAAAA")
            .replace("{liveId}", "AAAAAAAAAAAAAAAAAAAAAA")
            .replace("{broadcastId}", "AAAAAAAAAAAAAAAAAAAAAA")
            .replace("{videoId}", "AAAAAAAAAAAAAAAAAAAAAA")
            .replace("{contentOwnerId}", "AAAAAAAAAAAAAAAAAAAAAA");
        let body = Some(admin_body(http.path));
        let headers = [("content-type", "application/json")];
        let reply = through_lambda(
            &state,
            function.name,
            http.method,
            &target,
            &headers,
            body,
            PUBLIC,
        )
        .await;
        assert_eq!(
            reply.status, 401,
            "{} {target} without IAM: {}",
            http.method, reply.text
        );
        assert_eq!(
            reply.body["error"], "unauthorized",
            "{}: {}",
            function.name, reply.text
        );
        refused += 1;
    }
    assert_eq!(refused, 24, "every admin function was tried");
    assert!(
        audit_trail(&state).await.is_empty() && app.state.users.find_by_login("wrapper").await.is_err(),
        "a refused admin call wrote nothing"
    );

    let body = r#"{"login":"wrapper","password":"long enough pw","userName":"W"}"#;
    let headers = [("content-type", "application/json")];
    let created = through_lambda(
        &state,
        "admin-users-create",
        "POST",
        "/admin/users",
        &headers,
        Some(body),
        SIGNED,
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let listed = through_lambda(
        &state,
        "admin-clients-list",
        "GET",
        "/admin/clients",
        &[],
        None,
        SIGNED,
    )
    .await;
    assert_eq!(listed.status, 200, "{}", listed.text);
}

#[tokio::test]
async fn request_id_source_ip_and_issuer_come_from_the_request_context() {
    // No fixed issuer: it is derived from the request, as on a deployment without ONAIR_ISSUER.
    let app = TestApp::with_settings(Backend::Embedded, |o| o.issuer = None).await;
    let state = app.state.clone();
    let router = app.router();

    let metadata = through_lambda(
        &state,
        "oauth-metadata",
        "GET",
        "/.well-known/oauth-authorization-server",
        &[],
        None,
        Context {
            iam: false,
            stage: "prod",
        },
    )
    .await;
    assert_eq!(metadata.status, 200);
    assert_eq!(metadata.headers["x-request-id"], REQUEST_ID);
    assert_eq!(metadata.body["issuer"], format!("https://{DOMAIN}/prod"));
    let default_stage = through_lambda(
        &state,
        "oauth-metadata",
        "GET",
        "/.well-known/oauth-authorization-server",
        &[],
        None,
        PUBLIC,
    )
    .await;
    assert_eq!(default_stage.body["issuer"], format!("https://{DOMAIN}"));

    // A login through the wrapper: its audit entry carries API Gateway's source IP.
    let client = create_client(&router, "wrapper").await;
    create_user(&router, "wrapped").await;
    let page = open_login(&router, &authorize_path(&client.id, &[]), &[]).await;
    let cookie = format!("onair_csrf={}", page.cookie);
    let login = through_lambda(
        &state,
        "oauth-login",
        "POST",
        "/oauth/authorize",
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("cookie", &cookie),
        ],
        Some(&page.body("wrapped", PASSWORD, "login", &[])),
        PUBLIC,
    )
    .await;
    assert_eq!(login.status, 303, "login through the wrapper: {}", login.text);
    let trail = audit_trail(&state).await;
    let entry = trail
        .iter()
        .find(|e| e.event == AuditEvent::LoginSucceeded)
        .expect("the login is audited");
    assert_eq!(entry.ip.as_deref(), Some(SOURCE_IP));

    // The code exchange through the wrapper: the token's `iss` is the request's public URL.
    let code = param(&redirect_params(&login), "code").unwrap().to_owned();
    let target = format!(
        "/prism/v1/service/oauth2/token?{}",
        form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT)
        ])
    );
    let exchanged = through_lambda(
        &state,
        "prism-token",
        "GET",
        &target,
        &client.prism_headers(),
        None,
        Context {
            iam: false,
            stage: "prod",
        },
    )
    .await;
    let access = tokens(&exchanged).access;
    let claims = access.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&base64_url(claims)).unwrap();
    assert_eq!(claims["iss"], format!("https://{DOMAIN}/prod"));
}

fn base64_url(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .unwrap()
}

/// One request: function, target, headers, body.
type Case<'a> = (&'a str, String, Vec<(&'a str, String)>, Option<String>);

/// Two identical worlds: same clock, same id sequence, same registrations and token.
struct Seeded {
    app: TestApp,
    client: TestClient,
    channel: String,
    access: String,
}

async fn seeded() -> Seeded {
    let app = TestApp::new(Backend::Embedded).await;
    let router = app.router();
    let client = create_client(&router, "parity").await;
    let user = create_user(&router, "parity").await;
    let channel = create_channel(&router, &user, "Parity").await;
    let code = obtain_code(&router, &client.id, "parity", None, None).await;
    let access = tokens(&prism_exchange(&router, &client, &code, &[]).await).access;
    Seeded {
        app,
        client,
        channel,
        access,
    }
}

fn json_type() -> (&'static str, String) {
    ("content-type", "application/json".into())
}

#[tokio::test]
async fn every_public_route_answers_through_the_lambda_wrapper_as_through_the_local_router() {
    let (local, lambda) = (seeded().await, seeded().await);
    assert_eq!(local.access, lambda.access, "the two worlds are identical");
    let s = &local;
    let bearer = format!("Bearer {}", s.access);
    let client_basic = basic(&s.client.id, s.client.secret());
    let form_type = ("content-type", "application/x-www-form-urlencoded");
    let requests: Vec<Case> = vec![
        ("oauth-authorize", authorize_path(&s.client.id, &[]), vec![], None),
        (
            "oauth-login",
            "/oauth/authorize".into(),
            vec![(form_type.0, form_type.1.into())],
            Some(form(&[("login", "x")])),
        ),
        (
            "oauth-federated-callback",
            "/oauth/federated/callback?state=x&code=y".into(),
            vec![],
            None,
        ),
        (
            "oauth-token",
            "/oauth/token".into(),
            vec![
                (form_type.0, form_type.1.into()),
                ("authorization", client_basic.clone()),
            ],
            Some(form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", "nope"),
            ])),
        ),
        (
            "oauth-revoke",
            "/oauth/revoke".into(),
            vec![
                (form_type.0, form_type.1.into()),
                ("authorization", client_basic.clone()),
            ],
            Some(form(&[("token", "nope")])),
        ),
        (
            "oauth-introspect",
            "/oauth/introspect".into(),
            vec![
                (form_type.0, form_type.1.into()),
                ("authorization", client_basic.clone()),
            ],
            Some(form(&[("token", &s.access)])),
        ),
        (
            "oauth-metadata",
            "/.well-known/oauth-authorization-server".into(),
            vec![],
            None,
        ),
        (
            "prism-token",
            "/prism/v1/service/oauth2/token?grant_type=authorization_code&code=nope".into(),
            vec![
                ("x-prism-client-id", s.client.id.clone()),
                ("x-prism-client-secret", s.client.secret().into()),
            ],
            None,
        ),
        (
            "prism-user",
            "/prism/v1/service/user".into(),
            vec![("authorization", bearer.clone())],
            None,
        ),
        (
            "prism-channel-list",
            "/prism/v1/service/channel/list".into(),
            vec![("authorization", bearer.clone())],
            None,
        ),
        (
            "prism-channel-get",
            format!("/prism/v1/service/channel/{}", s.channel),
            vec![("authorization", bearer.clone())],
            None,
        ),
        // PRISM lives: reads of nothing and refusals, so both states stay equal.
        (
            "prism-live-list",
            "/prism/v1/service/channel/nope/lives".into(),
            vec![("authorization", bearer.clone())],
            None,
        ),
        (
            "prism-live-create",
            "/prism/v1/service/channel/nope/live".into(),
            vec![("authorization", bearer.clone()), json_type()],
            Some(r#"{"title":"t","reservedAt":"2026-11-01T01:00:00+00:00"}"#.into()),
        ),
        (
            "prism-live-get",
            "/prism/v1/service/live/nope".into(),
            vec![("authorization", bearer.clone())],
            None,
        ),
        (
            "prism-live-start",
            "/prism/v1/service/live/nope/start".into(),
            vec![("authorization", bearer.clone())],
            None,
        ),
        (
            "prism-live-stop",
            "/prism/v1/service/live/nope/stop".into(),
            vec![("authorization", bearer.clone())],
            None,
        ),
        (
            "prism-chat-list",
            "/prism/v1/service/live/nope/chat".into(),
            vec![("authorization", bearer.clone()), json_type()],
            Some(r#"{"maxResults":1}"#.into()),
        ),
        (
            "prism-chat-send",
            "/prism/v1/service/live/nope/chat".into(),
            vec![("authorization", bearer.clone()), json_type()],
            Some(r#"{"message":"hi"}"#.into()),
        ),
        (
            "prism-chat-delete",
            "/prism/v1/service/live/nope/chat/nope.1".into(),
            vec![("authorization", bearer.clone())],
            None,
        ),
        (
            "prism-chat-ban",
            "/prism/v1/service/live/nope/ban/v1".into(),
            vec![("authorization", bearer.clone())],
            None,
        ),
        (
            "prism-chat-timed-ban",
            "/prism/v1/service/live/nope/timedBan/v1".into(),
            vec![("authorization", bearer.clone()), json_type()],
            Some(r#"{"banTime":60}"#.into()),
        ),
        (
            "prism-chat-unban",
            "/prism/v1/service/live/nope/unban/v1".into(),
            vec![("authorization", bearer.clone())],
            None,
        ),
        (
            "prism-chat-mod",
            "/prism/v1/service/live/nope/mod/v1".into(),
            vec![("authorization", bearer.clone())],
            None,
        ),
        (
            "prism-chat-unmod",
            "/prism/v1/service/live/nope/unmod/v1".into(),
            vec![("authorization", bearer.clone())],
            None,
        ),
        // YouTube: reads of nothing and refusals, so both states stay equal.
        (
            "youtube-broadcasts-list",
            "/youtube/v3/liveBroadcasts?part=id&id=nope".into(),
            vec![("authorization", bearer.clone())],
            None,
        ),
        (
            "youtube-broadcasts-insert",
            "/youtube/v3/liveBroadcasts?part=snippet".into(),
            vec![("authorization", bearer.clone()), json_type()],
            Some(r#"{"snippet":{"title":""}}"#.into()),
        ),
        (
            "youtube-broadcasts-update",
            "/youtube/v3/liveBroadcasts?part=snippet".into(),
            vec![("authorization", bearer.clone()), json_type()],
            Some(
                r#"{"id":"nope","snippet":{"title":"t","scheduledStartTime":"2026-11-01T01:00:00Z"}}"#.into(),
            ),
        ),
        (
            "youtube-broadcasts-delete",
            "/youtube/v3/liveBroadcasts?id=nope".into(),
            vec![("authorization", bearer.clone())],
            None,
        ),
        (
            "youtube-broadcasts-bind",
            "/youtube/v3/liveBroadcasts/bind?id=nope&part=id".into(),
            vec![("authorization", bearer.clone())],
            None,
        ),
        (
            "youtube-broadcasts-transition",
            "/youtube/v3/liveBroadcasts/transition?id=nope&part=id&broadcastStatus=live".into(),
            vec![("authorization", bearer.clone())],
            None,
        ),
        (
            "youtube-broadcasts-cuepoint",
            "/youtube/v3/liveBroadcasts/cuepoint?id=nope".into(),
            vec![("authorization", bearer.clone()), json_type()],
            Some(r#"{"cueType":"cueTypeAd"}"#.into()),
        ),
        (
            "youtube-streams-list",
            "/youtube/v3/liveStreams?part=id&id=nope".into(),
            vec![("authorization", bearer.clone())],
            None,
        ),
        (
            "youtube-streams-insert",
            "/youtube/v3/liveStreams?part=snippet,cdn".into(),
            vec![("authorization", bearer.clone()), json_type()],
            Some(r#"{"snippet":{"title":"t"}}"#.into()),
        ),
        (
            "youtube-streams-update",
            "/youtube/v3/liveStreams?part=snippet".into(),
            vec![("authorization", bearer.clone()), json_type()],
            Some(r#"{"id":"nope","snippet":{"title":"t"}}"#.into()),
        ),
        (
            "youtube-streams-delete",
            "/youtube/v3/liveStreams?id=nope".into(),
            vec![("authorization", bearer.clone())],
            None,
        ),
        (
            "youtube-videos-list",
            "/youtube/v3/videos?part=id,status&id=nope".into(),
            vec![("authorization", bearer.clone())],
            None,
        ),
        (
            "youtube-chat-messages-list",
            "/youtube/v3/liveChat/messages?liveChatId=nope&part=snippet".into(),
            vec![("authorization", bearer.clone())],
            None,
        ),
        (
            "youtube-chat-messages-insert",
            "/youtube/v3/liveChat/messages?part=snippet".into(),
            vec![("authorization", bearer.clone()), json_type()],
            Some(
                r#"{"snippet":{"liveChatId":"nope","type":"textMessageEvent","textMessageDetails":{"messageText":"hi"}}}"#
                    .into(),
            ),
        ),
        (
            "youtube-chat-messages-delete",
            "/youtube/v3/liveChat/messages?id=nope.1".into(),
            vec![("authorization", bearer.clone())],
            None,
        ),
        (
            "youtube-chat-bans-insert",
            "/youtube/v3/liveChat/bans?part=snippet".into(),
            vec![("authorization", bearer.clone()), json_type()],
            Some(r#"{"snippet":{"liveChatId":"nope","type":"permanent","bannedUserDetails":{"channelId":"v1"}}}"#.into()),
        ),
        (
            "youtube-chat-bans-delete",
            "/youtube/v3/liveChat/bans?id=nope.ban.v1".into(),
            vec![("authorization", bearer.clone())],
            None,
        ),
        (
            "youtube-chat-moderators-list",
            "/youtube/v3/liveChat/moderators?liveChatId=nope&part=snippet".into(),
            vec![("authorization", bearer.clone())],
            None,
        ),
        (
            "youtube-chat-moderators-insert",
            "/youtube/v3/liveChat/moderators?part=snippet".into(),
            vec![("authorization", bearer.clone()), json_type()],
            Some(r#"{"snippet":{"liveChatId":"nope","moderatorDetails":{"channelId":"v1"}}}"#.into()),
        ),
        (
            "youtube-chat-moderators-delete",
            "/youtube/v3/liveChat/moderators?id=nope.mod.v1".into(),
            vec![("authorization", bearer.clone())],
            None,
        ),
        (
            "partner-assets-insert",
            "/youtube/partner/v1/assets?onBehalfOfContentOwner=nope".into(),
            vec![("authorization", bearer.clone()), json_type()],
            Some("{}".into()),
        ),
        (
            "partner-assets-get",
            "/youtube/partner/v1/assets/nope?onBehalfOfContentOwner=nope".into(),
            vec![("authorization", bearer.clone())],
            None,
        ),
        (
            "partner-ownership-get",
            "/youtube/partner/v1/assets/nope/ownership?onBehalfOfContentOwner=nope".into(),
            vec![("authorization", bearer.clone())],
            None,
        ),
        (
            "partner-ownership-update",
            "/youtube/partner/v1/assets/nope/ownership?onBehalfOfContentOwner=nope".into(),
            vec![("authorization", bearer.clone()), json_type()],
            Some("{}".into()),
        ),
        (
            "partner-ownership-patch",
            "/youtube/partner/v1/assets/nope/ownership?onBehalfOfContentOwner=nope".into(),
            vec![("authorization", bearer.clone()), json_type()],
            Some("{}".into()),
        ),
        (
            "partner-match-policy-get",
            "/youtube/partner/v1/assets/nope/matchPolicy?onBehalfOfContentOwner=nope".into(),
            vec![("authorization", bearer.clone())],
            None,
        ),
        (
            "partner-match-policy-update",
            "/youtube/partner/v1/assets/nope/matchPolicy?onBehalfOfContentOwner=nope".into(),
            vec![("authorization", bearer.clone()), json_type()],
            Some("{}".into()),
        ),
        (
            "partner-match-policy-patch",
            "/youtube/partner/v1/assets/nope/matchPolicy?onBehalfOfContentOwner=nope".into(),
            vec![("authorization", bearer.clone()), json_type()],
            Some("{}".into()),
        ),
        (
            "partner-policies-list",
            "/youtube/partner/v1/policies?onBehalfOfContentOwner=nope".into(),
            vec![("authorization", bearer.clone())],
            None,
        ),
        (
            "partner-policies-insert",
            "/youtube/partner/v1/policies?onBehalfOfContentOwner=nope".into(),
            vec![("authorization", bearer.clone()), json_type()],
            Some("{}".into()),
        ),
        (
            "partner-claims-insert",
            "/youtube/partner/v1/claims?onBehalfOfContentOwner=nope".into(),
            vec![("authorization", bearer.clone()), json_type()],
            Some("{}".into()),
        ),
        (
            "partner-claims-get",
            "/youtube/partner/v1/claims/c1?onBehalfOfContentOwner=nope".into(),
            vec![("authorization", bearer.clone())],
            None,
        ),
        (
            "partner-ad-options-get",
            "/youtube/partner/v1/videoAdvertisingOptions/v1?onBehalfOfContentOwner=nope".into(),
            vec![("authorization", bearer.clone())],
            None,
        ),
        (
            "partner-ad-options-update",
            "/youtube/partner/v1/videoAdvertisingOptions/v1?onBehalfOfContentOwner=nope".into(),
            vec![("authorization", bearer.clone()), json_type()],
            Some("{}".into()),
        ),
        (
            "partner-ad-options-patch",
            "/youtube/partner/v1/videoAdvertisingOptions/v1?onBehalfOfContentOwner=nope".into(),
            vec![("authorization", bearer.clone()), json_type()],
            Some("{}".into()),
        ),
        (
            "partner-references-insert",
            "/youtube/partner/v1/references?claimId=c1&onBehalfOfContentOwner=nope".into(),
            vec![("authorization", bearer.clone()), json_type()],
            Some("{}".into()),
        ),
        (
            "partner-references-get",
            "/youtube/partner/v1/references/r1?onBehalfOfContentOwner=nope".into(),
            vec![("authorization", bearer.clone())],
            None,
        ),
        (
            "ingest-nginx-rtmp",
            "/ingest/nginx-rtmp".into(),
            vec![(form_type.0, form_type.1.into())],
            Some(form(&[("call", "publish"), ("name", "no-such-key")])),
        ),
    ];
    let public: Vec<&str> = registry::http_functions()
        .filter(|(_, h)| h.surface != Surface::Admin)
        .map(|(f, _)| f.name)
        .collect();
    let covered: Vec<&str> = requests.iter().map(|r| r.0).collect();
    assert_eq!(covered, public, "one request per public route, in registry order");

    let local_router = local.app.router();
    for (name, target, headers, body) in &requests {
        let http = registry::find(name).unwrap().http().unwrap();
        let header_refs: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let through = through_lambda(
            &lambda.app.state,
            name,
            http.method,
            target,
            &header_refs,
            body.as_deref(),
            PUBLIC,
        )
        .await;

        let mut request = http::Request::builder().method(http.method).uri(target.as_str());
        for (n, v) in &header_refs {
            request = request.header(*n, *v);
        }
        let mut request = request
            .body(axum::body::Body::from(body.clone().unwrap_or_default()))
            .unwrap();
        // What the local server knows from its socket, here given as the gateway gives it.
        request.extensions_mut().insert(RequestId(REQUEST_ID.into()));
        request.extensions_mut().insert(ClientIp(SOURCE_IP.into()));
        let direct = reply_of(local_router.clone().oneshot(request).await.unwrap()).await;

        assert_eq!(
            through.status, direct.status,
            "{name}: status\nlambda: {}\nlocal: {}",
            through.text, direct.text
        );
        assert_eq!(through.text, direct.text, "{name}: body");
        for header in [
            "content-type",
            "location",
            "www-authenticate",
            "cache-control",
            "retry-after",
        ] {
            assert_eq!(
                through.headers.get(header),
                direct.headers.get(header),
                "{name}: {header}"
            );
        }
    }
}
