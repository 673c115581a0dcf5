//! Who may learn what about a token, on both stores (`resource_access::embedded::…`,
//! `resource_access::dynamodb::…`): introspection answers confidential clients only, with the RFC 7662
//! members a resource server needs and nothing more; and a deleted user's access token is 401
//! `INVALID_TOKEN` on every PRISM resource call, the single-channel route included.

use crate::support::oauth::{
    CHALLENGE, REDIRECT, VERIFIER, create_channel, create_client, create_client_of_kind, create_user, form,
    introspect, login_tokens, obtain_code, post_form, prism_get, standard_token, tokens,
};
use crate::support::{Backend, ISSUER, Reply, TestApp, admin};
use http::{Method, StatusCode, header};
use serde_json::json;
use std::collections::BTreeSet;

crate::support::on_both_backends!(
    introspection_refuses_public_clients_with_invalid_client,
    introspection_reply_carries_only_the_rfc_7662_members,
    deleted_users_token_is_401_on_every_prism_resource_route,
);

#[track_caller]
fn assert_invalid_client(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text);
    assert_eq!(reply.body["error"], "invalid_client", "{}", reply.text);
    assert!(
        reply.headers.contains_key(header::WWW_AUTHENTICATE),
        "401 carries WWW-Authenticate"
    );
    assert!(reply.body.get("active").is_none(), "{}", reply.text);
}

async fn introspection_refuses_public_clients_with_invalid_client(backend: Backend) {
    let app = TestApp::new(backend).await;
    let router = app.router();
    let public = create_client_of_kind(&router, "App", "public").await;
    create_user(&router, "alice").await;
    let code = obtain_code(&router, &public.id, "alice", Some(CHALLENGE), None).await;
    let issued = tokens(
        &standard_token(
            &router,
            &[],
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("client_id", &public.id),
                ("code_verifier", VERIFIER),
            ],
        )
        .await,
    );
    // Its own live tokens, presented with its own client_id: still refused, they would tell anyone
    // holding a token whose it is.
    for token in [&issued.access, &issued.refresh, &"not-a-token".to_owned()] {
        let reply = post_form(
            &router,
            "/oauth/introspect",
            &[],
            &form(&[("token", token), ("client_id", &public.id)]),
        )
        .await;
        assert_invalid_client(&reply);
    }
    // A confidential client still introspects its own tokens.
    let prism = create_client(&router, "PRISM").await;
    let mine = login_tokens(&router, &prism, "alice").await;
    assert_eq!(introspect(&router, &prism, &mine.access).await["active"], true);
}

async fn introspection_reply_carries_only_the_rfc_7662_members(backend: Backend) {
    let app = TestApp::new(backend).await;
    let router = app.router();
    let prism = create_client(&router, "PRISM").await;
    let user = create_user(&router, "alice").await;
    let issued = login_tokens(&router, &prism, "alice").await;
    let keys =
        |v: &serde_json::Value| -> BTreeSet<String> { v.as_object().unwrap().keys().cloned().collect() };
    let access = introspect(&router, &prism, &issued.access).await;
    assert_eq!(
        keys(&access),
        [
            "active",
            "aud",
            "client_id",
            "exp",
            "iat",
            "iss",
            "jti",
            "sub",
            "token_type",
            "username"
        ]
        .map(String::from)
        .into(),
        "{access}"
    );
    assert_eq!(access["sub"], user.as_str());
    assert_eq!(access["iss"], ISSUER);
    assert_eq!(access["username"], "alice");
    assert_eq!(access["token_type"], "access_token");
    let refresh = introspect(&router, &prism, &issued.refresh).await;
    assert_eq!(
        keys(&refresh),
        [
            "active",
            "client_id",
            "exp",
            "iat",
            "iss",
            "sub",
            "token_type",
            "username"
        ]
        .map(String::from)
        .into(),
        "{refresh}"
    );
    assert_eq!(refresh["token_type"], "refresh_token");
}

async fn deleted_users_token_is_401_on_every_prism_resource_route(backend: Backend) {
    let app = TestApp::new(backend).await;
    let router = app.router();
    let prism = create_client(&router, "PRISM").await;
    let user = create_user(&router, "alice").await;
    let channel = create_channel(&router, &user, "Live").await;
    let issued = login_tokens(&router, &prism, "alice").await;
    // Every PRISM resource route (R3, R4, R5), R5 with an id that existed, one that never did and one
    // that cannot be an id.
    let paths = [
        "/prism/v1/service/user".to_owned(),
        "/prism/v1/service/channel/list".to_owned(),
        format!("/prism/v1/service/channel/{channel}"),
        "/prism/v1/service/channel/never-existed-0000000000".to_owned(),
        "/prism/v1/service/channel/%20not%20an%20id".to_owned(),
    ];
    for path in &paths[..3] {
        let reply = prism_get(&router, path, &issued.access).await;
        assert_eq!(reply.status, StatusCode::OK, "{path} before: {}", reply.text);
    }
    let deleted = admin(&router, Method::DELETE, &format!("/admin/users/{user}"), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    for path in &paths {
        let reply = prism_get(&router, path, &issued.access).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{path}: {}", reply.text);
        assert_eq!(
            reply.body,
            json!({
                "success": false, "errorCode": 40102, "errorName": "INVALID_TOKEN",
                "message": reply.body["message"], "data": null
            }),
            "{path}"
        );
        assert!(reply.headers.contains_key(header::WWW_AUTHENTICATE), "{path}");
    }
    // A live user's missing channel is still 404.
    create_user(&router, "bob").await;
    let bobs = login_tokens(&router, &prism, "bob").await;
    let reply = prism_get(&router, &paths[2], &bobs.access).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND, "{}", reply.text);
}
