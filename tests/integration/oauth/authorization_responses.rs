//! Where authorization responses go and what they say, on both stores
//! (`authorization_responses::embedded::…`, `authorization_responses::dynamodb::…`).
//!
//! Redirect URIs are registered only in canonical form (the string equals its own parsed
//! serialisation), and the browser is sent to exactly the registered string plus the response
//! parameters. Every authorization response — the code, and every error redirected to the client —
//! carries `iss` (RFC 9207), and the metadata says so.

use crate::support::oauth::{
    PASSWORD, REDIRECT, create_client, create_user, form, get, location, open_login, redirect_params,
};
use crate::support::{Backend, ISSUER, TestApp, admin};
use http::{Method, StatusCode};
use serde_json::{Value, json};

crate::support::on_both_backends!(
    non_canonical_redirect_uris_are_refused_at_create_and_update_and_nothing_is_stored,
    the_redirect_goes_to_exactly_the_registered_string,
    every_authorization_response_carries_the_issuer,
    metadata_announces_the_iss_parameter,
);

/// URIs that parse, but whose serialisation differs from what was typed, and why each is refused.
const NOT_CANONICAL: &[(&str, &str)] = &[
    ("https:///cb", "host"),
    ("https://prism.example/c\nb", "control"),
    ("https://prism.example/c\tb", "control"),
    ("https://prism.example/cb\r", "control"),
    ("https://prism.example/c b", "whitespace"),
    ("https://PRISM.example:443/cb", "lower case"),
    ("https://Prism.example/cb", "lower case"),
    ("https://prism.example:443/cb", "default port"),
    ("http://127.0.0.1:80/cb", "default port"),
    ("https://user@prism.example/cb", "credentials"),
    ("https://@prism.example/cb", "credentials"),
    ("https://prism.example", "canonical form: https://prism.example/"),
    (
        "https://prism.example/a/../cb",
        "canonical form: https://prism.example/cb",
    ),
    (
        "https://prism.example/caf\u{e9}",
        "canonical form: https://prism.example/caf%C3%A9",
    ),
];

async fn clients(app: &TestApp) -> Value {
    let router = app.router();
    let list = admin(&router, Method::GET, "/admin/clients", None).await;
    assert_eq!(list.status, StatusCode::OK);
    list.body["items"].clone()
}

async fn non_canonical_redirect_uris_are_refused_at_create_and_update_and_nothing_is_stored(
    backend: Backend,
) {
    let app = TestApp::new(backend).await;
    let router = app.router();
    let existing = create_client(&router, "PRISM").await;
    let path = format!("/admin/clients/{}", existing.id);
    let before = admin(&router, Method::GET, &path, None).await.body;
    let listed = clients(&app).await;
    for (uri, why) in NOT_CANONICAL {
        let body = json!({"name": "bad", "redirectUris": [REDIRECT, uri]}).to_string();
        let created = admin(&router, Method::POST, "/admin/clients", Some(&body)).await;
        assert_eq!(
            created.status,
            StatusCode::BAD_REQUEST,
            "create {uri:?}: {}",
            created.text
        );
        assert_eq!(created.body["error"], "invalid_request");
        let details = &created.body["details"];
        assert_eq!(details[0]["field"], "redirectUris[1]", "{uri:?}: {details}");
        let message = details[0]["message"].as_str().unwrap();
        assert!(message.contains(why), "{uri:?}: {message}");

        let body = json!({"redirectUris": [uri]}).to_string();
        let updated = admin(&router, Method::PATCH, &path, Some(&body)).await;
        assert_eq!(
            updated.status,
            StatusCode::BAD_REQUEST,
            "update {uri:?}: {}",
            updated.text
        );
        assert_eq!(updated.body["details"][0]["field"], "redirectUris[0]");
    }
    assert_eq!(clients(&app).await, listed, "no client was stored");
    assert_eq!(
        admin(&router, Method::GET, &path, None).await.body,
        before,
        "the existing client is unchanged"
    );
}

async fn the_redirect_goes_to_exactly_the_registered_string(backend: Backend) {
    let app = TestApp::new(backend).await;
    let router = app.router();
    let registered = [
        "https://prism.example/cb",
        "https://prism.example/cb?from=onair",
        "https://prism.example/cb?from=onair&",
        "https://prism.example/cb?",
        "http://127.0.0.1:8080/cb",
        "https://prism.example/%7Eprism/cb",
    ];
    let body = json!({"name": "PRISM", "redirectUris": registered}).to_string();
    let created = admin(&router, Method::POST, "/admin/clients", Some(&body)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["redirectUris"], json!(registered), "stored as given");
    let client_id = created.body["clientId"].as_str().unwrap().to_owned();
    create_user(&router, "alice").await;
    for uri in registered {
        let path = format!(
            "/oauth/authorize?{}",
            form(&[
                ("response_type", "code"),
                ("client_id", &client_id),
                ("redirect_uri", uri),
                ("state", "s t"),
            ])
        );
        let page = open_login(&router, &path, &[]).await;
        for action in ["login", "cancel"] {
            let reply = page.submit(&router, "alice", PASSWORD, action, &[]).await;
            assert!(reply.status.is_redirection(), "{uri} {action}: {}", reply.text);
            let to = location(&reply).unwrap();
            let rest = to
                .strip_prefix(uri)
                .unwrap_or_else(|| panic!("{action}: {to} does not begin with {uri}"));
            let first = if action == "login" { "code=" } else { "error=" };
            let expected_start = match (uri.contains('?'), uri.ends_with(['?', '&'])) {
                (false, _) => format!("?{first}"),
                (true, true) => first.to_owned(),
                (true, false) => format!("&{first}"),
            };
            assert!(rest.starts_with(&expected_start), "{uri} {action}: {to}");
            assert!(rest.contains("&state=s+t&"), "{to}");
            assert!(to.ends_with(&format!("&iss={}", form_value(ISSUER))), "{to}");
        }
    }
}

fn form_value(value: &str) -> String {
    form(&[("v", value)]).trim_start_matches("v=").to_owned()
}

/// The one `iss` of a redirect, which must be there exactly once.
fn iss(pairs: &[(String, String)]) -> &str {
    let all: Vec<&str> = pairs
        .iter()
        .filter(|(n, _)| n == "iss")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(all.len(), 1, "exactly one iss: {pairs:?}");
    all[0]
}

async fn every_authorization_response_carries_the_issuer(backend: Backend) {
    let app = TestApp::new(backend).await;
    let router = app.router();
    let client = create_client(&router, "PRISM").await;
    create_user(&router, "alice").await;
    let base = [
        ("response_type", "code"),
        ("client_id", client.id.as_str()),
        ("redirect_uri", REDIRECT),
        ("state", "xyz"),
    ];

    // Success: the code.
    let page = open_login(&router, &format!("/oauth/authorize?{}", form(&base)), &[]).await;
    let reply = page.submit(&router, "alice", PASSWORD, "login", &[]).await;
    let pairs = redirect_params(&reply);
    assert!(pairs.iter().any(|(n, _)| n == "code"), "{pairs:?}");
    assert_eq!(iss(&pairs), ISSUER);

    // The user cancels: access_denied.
    let reply = page.submit(&router, "alice", PASSWORD, "cancel", &[]).await;
    let pairs = redirect_params(&reply);
    assert!(
        pairs.contains(&("error".into(), "access_denied".into())),
        "{pairs:?}"
    );
    assert_eq!(iss(&pairs), ISSUER);

    // Protocol errors found after the redirect URI is verified, on GET and on POST.
    let cases: [(&[(&str, &str)], &str); 3] = [
        (&[("response_type", "token")], "unsupported_response_type"),
        (
            &[("code_challenge_method", "plain"), ("code_challenge", "x")],
            "invalid_request",
        ),
        (&[("scope", "a\"b")], "invalid_scope"),
    ];
    for (change, error) in cases {
        let mut pairs: Vec<(&str, &str)> = base
            .iter()
            .filter(|(n, _)| !change.iter().any(|(c, _)| c == n))
            .copied()
            .collect();
        pairs.extend_from_slice(change);
        let reply = get(&router, &format!("/oauth/authorize?{}", form(&pairs)), &[]).await;
        let got = redirect_params(&reply);
        assert_eq!(
            got.iter().find(|(n, _)| n == "error").map(|(_, v)| v.as_str()),
            Some(error),
            "{got:?}"
        );
        assert_eq!(iss(&got), ISSUER, "{error}");
    }
}

async fn metadata_announces_the_iss_parameter(backend: Backend) {
    let app = TestApp::new(backend).await;
    let router = app.router();
    let meta = get(&router, "/.well-known/oauth-authorization-server", &[]).await;
    assert_eq!(meta.status, StatusCode::OK);
    assert_eq!(meta.body["issuer"], ISSUER);
    assert_eq!(meta.body["authorization_response_iss_parameter_supported"], true);
}
