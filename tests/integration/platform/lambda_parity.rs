//! Parity: API Gateway HTTP API (payload v2) events, decoded by `lambda_http` exactly as on Lambda,
//! reach the same router and get the same answers as over the local server.

use crate::support::{ADMIN_TOKEN, Backend, TestApp};
use http_body_util::BodyExt;
use lambda_http::request::LambdaRequest;
use serde_json::{Value, json};
use tower::ServiceExt;

fn event(method: &str, path: &str, body: Option<&str>, with_iam: bool) -> lambda_http::Request {
    let mut authorizer = json!({});
    if with_iam {
        authorizer = json!({"iam": {"accessKey": "AKIA", "accountId": "123456789012", "callerId": "AIDA",
            "principalOrgId": null, "userArn": "arn:aws:iam::123456789012:user/ops", "userId": "AIDA"}});
    }
    let event = json!({
        "version": "2.0",
        "routeKey": format!("{method} {path}"),
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json", "authorization": format!("Bearer {ADMIN_TOKEN}")},
        "requestContext": {
            "accountId": "123456789012", "apiId": "api", "domainName": "api.example.com", "domainPrefix": "api",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.9", "userAgent": "test"},
            "requestId": "apigw-request-1", "routeKey": format!("{method} {path}"), "stage": "$default",
            "time": "21/Nov/2026:00:00:00 +0000", "timeEpoch": 1795000000000i64,
            "authorizer": authorizer
        },
        "body": body,
        "isBase64Encoded": false
    });
    let decoded: LambdaRequest = serde_json::from_value(event).unwrap();
    lambda_http::Request::from(decoded)
}

#[tokio::test]
async fn api_gateway_v2_events_reach_the_admin_router() {
    let app = TestApp::new(Backend::Embedded).await;
    let function = onair_api::registry::find("admin-users-create").unwrap();
    let router = onair_api::host::function_router(function, app.state.clone());
    let body = r#"{"login":"parity","password":"long enough pw","userName":"Parity"}"#;
    let response = router
        .oneshot(event("POST", "/admin/users", Some(body), true))
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let created: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(created["login"], "parity");
}

#[tokio::test]
async fn one_function_router_serves_only_its_own_route() {
    let app = TestApp::new(Backend::Embedded).await;
    let function = onair_api::registry::find("admin-users-create").unwrap();
    let router = onair_api::host::function_router(function, app.state.clone());
    let response = router
        .oneshot(event("GET", "/admin/clients", None, true))
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
}
