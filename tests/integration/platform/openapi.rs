//! The published contract: the OpenAPI document is generated from the code, the committed copy is that
//! document, the local server serves it, and it describes every function of the registry.
//!
//! (Whether the server keeps to it is schemathesis' job, run by the test command.)

use onair_api::registry::http_functions;
use onair_domain::{FixedClock, RandomGenerator};
use onair_platform::config::{Config, Host};
use onair_platform::local;
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

fn committed_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../infra/openapi.json")
}

#[test]
fn committed_openapi_document_is_the_generated_one() {
    let generated = onair_api::openapi::to_pretty_json().unwrap();
    let committed = std::fs::read_to_string(committed_path()).unwrap_or_default();
    assert!(
        committed == generated,
        "infra/openapi.json differs from the document the code generates; regenerate it with\n  \
         cargo run -p onair-local -- --openapi > infra/openapi.json"
    );
}

/// Every registry function is an operation at its method and path, named after its binary, and every
/// `{parameter}` of its path is declared.
fn assert_describes_the_registry(doc: &Value) {
    for (f, http) in http_functions() {
        let op = &doc["paths"][http.path][http.method.to_ascii_lowercase()];
        assert_eq!(
            op["operationId"], f.name,
            "{} {} ({}) has no operation in the OpenAPI document",
            http.method, http.path, f.name
        );
        assert!(
            op["responses"].as_object().is_some_and(|r| !r.is_empty()),
            "{} has no responses",
            f.name
        );
        let declared: Vec<&str> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "path")
            .filter_map(|p| p["name"].as_str())
            .collect();
        let in_path: Vec<&str> = http
            .path
            .split('{')
            .skip(1)
            .filter_map(|s| s.split('}').next())
            .collect();
        assert_eq!(declared, in_path, "path parameters of {}", f.name);
    }
}

#[test]
fn openapi_document_describes_every_registry_function() {
    assert_describes_the_registry(&onair_api::openapi::document().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_server_serves_its_openapi_3_1_document() {
    let vars = HashMap::from([("ONAIR_LISTEN".to_owned(), "127.0.0.1:0".to_owned())]);
    let config = Config::from_vars(Host::Local, &vars).unwrap();
    let server = local::start(
        &config,
        Arc::new(FixedClock::at(crate::support::T0)),
        Arc::new(RandomGenerator),
    )
    .await
    .unwrap();
    let response = reqwest::get(format!("{}/openapi.json", server.base_url()))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let text = response.text().await.unwrap();
    server.stop().await;
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1."),
        "{}",
        doc["openapi"]
    );
    assert!(doc["info"]["title"].is_string() && doc["info"]["version"].is_string());
    assert_eq!(text, onair_api::openapi::to_pretty_json().unwrap());
    assert_describes_the_registry(&doc);
    // Every reference points at a component that exists.
    for piece in text.split("\"$ref\": \"#/components/").skip(1) {
        let target = piece.split('"').next().unwrap();
        let (section, name) = target.split_once('/').unwrap();
        assert!(
            doc["components"][section].get(name).is_some(),
            "dangling $ref #/components/{target}"
        );
    }
}

/// Found by schemathesis' checks applied by hand to a 70 KB form: the OAuth endpoints and the login
/// form answered axum's plain-text 413, a shape no surface documents. Each surface answers in its own.
#[tokio::test]
async fn oversized_bodies_get_the_surfaces_own_413() {
    use axum::body::Body;
    use http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;
    let app = crate::support::TestApp::new(crate::support::Backend::Embedded).await;
    let big = "a".repeat(70 * 1024);
    for (path, content_type) in [
        ("/oauth/token", "application/json"),
        ("/oauth/revoke", "application/json"),
        ("/oauth/introspect", "application/json"),
        ("/oauth/authorize", "text/html"),
    ] {
        let request = Request::post(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(big.clone()))
            .unwrap();
        let response = app.router().oneshot(request).await.unwrap();
        assert_eq!(response.status(), 413, "{path}");
        let got = response.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(got.starts_with(content_type), "{path}: {got}");
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        if content_type == "application/json" {
            let body: Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(body["error"], "invalid_request", "{path}: {body}");
        }
    }
}
