//! PRISM's resource API (`/prism/v1/service/user`, `/channel/list`, `/channel/{channelId}`; spec §4.3,
//! §5) on the in-process router: the exact envelope and field types, list ordering, `channelEnabled`,
//! ownership, the access token in either header and every way it can be wrong, the methods PRISM
//! forbids, and — on DynamoDB only — the round-trip and Secrets Manager budgets a warm function keeps.
//!
//! Tests on both stores are `prism::resources::embedded::…` and `prism::resources::dynamodb::…`; the
//! budgets exist only in the `dynamodb` module.

use crate::support::oauth::{
    PRISM_TOKEN, REDIRECT, TestClient, Tokens, create_channel, create_channel_with, create_client,
    create_user, form, login_tokens, obtain_code, patch_user, prism_exchange, prism_get, prism_refresh,
    request, tokens,
};
use crate::support::{
    ADMIN_TOKEN, Backend, ISSUER, Reply, T0, TestApp, admin, fresh_dynamo, fresh_secrets_manager,
};
use axum::Router;
use http::{Method, StatusCode, header};
use onair_app::{AdminAuth, OAuthSettings, Settings};
use onair_domain::oauth::jwt::{Claims, KeySet, SigningKey, sign};
use onair_domain::{FixedClock, Generator, SecretString, SequenceGenerator};
use onair_platform::wiring::dynamo_state;
use serde_json::{Value, json};
use std::sync::Arc;
use time::Duration;

crate::support::on_both_backends!(
    both: [
        // shapes
        user_reply_is_prisms_envelope_with_exact_fields,
        channel_list_reply_is_prisms_envelope_with_exact_fields,
        channel_get_reply_is_prisms_envelope_with_exact_fields,
        channels_list_by_modified_then_created_desc,
        channel_enabled_is_the_channel_flag_and_the_users_status,
        missing_or_foreign_channel_is_404_envelope,
        // the access token
        token_is_accepted_in_either_header,
        two_different_tokens_are_401,
        missing_token_is_401_missing_token,
        garbage_token_is_401_invalid_token,
        expired_token_is_401_expired_token,
        token_signed_with_another_key_is_401,
        deleted_users_token_is_401,
        // methods and paths
        head_and_options_are_refused_on_every_prism_path,
        unknown_prism_path_is_404_envelope,
    ],
    dynamodb_only: [
        resource_calls_take_one_round_trip,
        warm_token_calls_take_at_most_two_round_trips,
        warm_token_and_resource_calls_make_no_secrets_manager_call,
    ],
);

const USER: &str = "/prism/v1/service/user";
const LIST: &str = "/prism/v1/service/channel/list";

fn channel_path(id: &str) -> String {
    format!("/prism/v1/service/channel/{id}")
}

// ---------------------------------------------------------------------------------------------------
// Fixture

/// A state with a confidential client, a user `alice` and her tokens.
struct Fx {
    app: TestApp,
    router: Router,
    client: TestClient,
    user: String,
    tokens: Tokens,
}

impl Fx {
    async fn new(backend: Backend) -> Fx {
        let app = TestApp::new(backend).await;
        let router = app.router();
        let client = create_client(&router, "PRISM").await;
        let user = create_user(&router, "alice").await;
        let tokens = login_tokens(&router, &client, "alice").await;
        Fx {
            app,
            router,
            client,
            user,
            tokens,
        }
    }

    async fn get(&self, path: &str) -> Reply {
        prism_get(&self.router, path, &self.tokens.access).await
    }

    /// Moves the clock one second on, so the next write gets a later timestamp.
    fn tick(&self) {
        self.app.clock.advance(Duration::seconds(1));
    }

    async fn patch_channel(&self, id: &str, body: Value) {
        let path = format!("/admin/users/{}/channels/{id}", self.user);
        let reply = admin(&self.router, Method::PATCH, &path, Some(&body.to_string())).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }

    /// Claims like the server's for alice, issued now.
    fn claims(&self) -> Claims {
        let now = T0.unix_timestamp();
        Claims {
            iss: ISSUER.into(),
            sub: self.user.clone(),
            aud: self.app.state.settings.oauth.audience.clone(),
            client_id: self.client.id.clone(),
            iat: now,
            exp: now + 3600,
            jti: "forged-1".into(),
            scope: None,
            fam: "forged-family".into(),
        }
    }
}

/// A success: 200, the envelope around `data`, JSON, never cached.
fn assert_success(reply: &Reply, data: &Value) {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert_eq!(
        reply.body,
        json!({"success": true, "errorCode": 0, "errorName": null, "message": null, "data": data})
    );
    assert!(
        reply.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(reply.headers[header::CACHE_CONTROL], "no-store");
}

/// A failure in PRISM's envelope with exactly this status, code and name, and no data.
fn assert_failure(reply: &Reply, status: StatusCode, code: u32, name: &str) {
    assert_eq!(reply.status, status, "{}", reply.text);
    let body = reply
        .body
        .as_object()
        .unwrap_or_else(|| panic!("not JSON: {}", reply.text));
    let keys: Vec<&str> = body.keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 5, "{keys:?}");
    assert_eq!(reply.body["success"], false);
    assert_eq!(reply.body["errorCode"], json!(code));
    assert_eq!(reply.body["errorName"], name);
    assert!(reply.body["message"].is_string());
    assert_eq!(reply.body["data"], Value::Null);
    if status == StatusCode::UNAUTHORIZED {
        assert!(
            reply.headers[header::WWW_AUTHENTICATE]
                .to_str()
                .unwrap()
                .starts_with("Bearer")
        );
    }
}

/// PRISM's channel DTO for an admin-API channel view (whose field names PRISM shares).
fn dto(view: &Value, enabled: bool) -> Value {
    json!({
        "channelId": view["channelId"],
        "channelName": view["channelName"],
        "channelEnabled": enabled,
        "channelLink": view["channelLink"],
        "channelDescription": view["channelDescription"],
        "channelTags": view["channelTags"],
        "channelThumbnailUrl": view["channelThumbnailUrl"],
        "channelFollowerCount": view["channelFollowerCount"],
    })
}

async fn full_and_minimal_channels(fx: &Fx) -> (Value, Value) {
    let full = create_channel_with(
        &fx.router,
        &fx.user,
        json!({
            "channelName": "Alice live",
            "channelLink": "https://live.example/alice",
            "channelDescription": "Cooking and talk",
            "channelTags": "mukbang;talk",
            "channelThumbnailUrl": "https://img.example/alice.png",
            "channelFollowerCount": 12345,
        }),
    )
    .await;
    fx.tick();
    let minimal = create_channel_with(
        &fx.router,
        &fx.user,
        json!({"channelName": "Alice second", "channelLink": "https://live.example/alice2"}),
    )
    .await;
    (full, minimal)
}

// ---------------------------------------------------------------------------------------------------
// Shapes

async fn user_reply_is_prisms_envelope_with_exact_fields(backend: Backend) {
    let fx = Fx::new(backend).await;
    let reply = fx.get(USER).await;
    assert_success(
        &reply,
        &json!({"user": {"userId": fx.user, "userName": "User alice", "profileThumbnail": null}}),
    );
    patch_user(
        &fx.router,
        &fx.user,
        json!({"profileThumbnail": "https://img.example/a.png", "userName": "Alice"}),
    )
    .await;
    let reply = fx.get(USER).await;
    assert_success(
        &reply,
        &json!({"user": {"userId": fx.user, "userName": "Alice", "profileThumbnail": "https://img.example/a.png"}}),
    );
}

async fn channel_list_reply_is_prisms_envelope_with_exact_fields(backend: Backend) {
    let fx = Fx::new(backend).await;
    assert_success(
        &fx.get(LIST).await,
        &json!({"userName": "User alice", "channels": []}),
    );
    let (full, minimal) = full_and_minimal_channels(&fx).await;
    let reply = fx.get(LIST).await;
    let expected_full = json!({
        "channelId": full["channelId"],
        "channelName": "Alice live",
        "channelEnabled": true,
        "channelLink": "https://live.example/alice",
        "channelDescription": "Cooking and talk",
        "channelTags": "mukbang;talk",
        "channelThumbnailUrl": "https://img.example/alice.png",
        "channelFollowerCount": 12345,
    });
    let expected_minimal = json!({
        "channelId": minimal["channelId"],
        "channelName": "Alice second",
        "channelEnabled": true,
        "channelLink": "https://live.example/alice2",
        "channelDescription": null,
        "channelTags": null,
        "channelThumbnailUrl": null,
        "channelFollowerCount": 0,
    });
    assert_success(
        &reply,
        &json!({"userName": "User alice", "channels": [expected_minimal, expected_full]}),
    );
    for channel in reply.body["data"]["channels"].as_array().unwrap() {
        assert!(channel["channelId"].is_string());
        assert!(channel["channelEnabled"].is_boolean());
        assert!(channel["channelFollowerCount"].is_u64());
    }
}

async fn channel_get_reply_is_prisms_envelope_with_exact_fields(backend: Backend) {
    let fx = Fx::new(backend).await;
    let (full, minimal) = full_and_minimal_channels(&fx).await;
    for view in [&full, &minimal] {
        let reply = fx.get(&channel_path(view["channelId"].as_str().unwrap())).await;
        assert_success(
            &reply,
            &json!({"userName": "User alice", "channel": dto(view, true)}),
        );
    }
    assert_eq!(
        fx.get(&channel_path(full["channelId"].as_str().unwrap()))
            .await
            .body["data"]["channel"]["channelFollowerCount"],
        json!(12345)
    );
}

async fn channels_list_by_modified_then_created_desc(backend: Backend) {
    let fx = Fx::new(backend).await;
    let mut ids = Vec::new();
    for name in ["first", "second", "third"] {
        ids.push(create_channel(&fx.router, &fx.user, name).await);
        fx.tick();
    }
    let order = |reply: &Reply| -> Vec<String> {
        reply.body["data"]["channels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["channelName"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(order(&fx.get(LIST).await), ["third", "second", "first"]);
    // Updating the oldest makes it the most recently modified.
    fx.patch_channel(&ids[0], json!({"channelFollowerCount": 7}))
        .await;
    assert_eq!(order(&fx.get(LIST).await), ["first", "third", "second"]);
    // Two channels modified at the same instant: the later-created comes first.
    fx.tick();
    fx.patch_channel(&ids[1], json!({"channelName": "second*"})).await;
    fx.patch_channel(&ids[2], json!({"channelName": "third*"})).await;
    assert_eq!(order(&fx.get(LIST).await), ["third*", "second*", "first"]);
}

async fn channel_enabled_is_the_channel_flag_and_the_users_status(backend: Backend) {
    let fx = Fx::new(backend).await;
    let on = create_channel(&fx.router, &fx.user, "on").await;
    fx.tick();
    let off_view = create_channel_with(
        &fx.router,
        &fx.user,
        json!({"channelName": "off", "channelLink": "https://live.example/off", "channelEnabled": false}),
    )
    .await;
    let off = off_view["channelId"].as_str().unwrap().to_owned();
    let enabled = |reply: &Reply| -> Vec<(String, bool)> {
        reply.body["data"]["channels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["channelName"].as_str().unwrap().to_owned(),
                    c["channelEnabled"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    let single = |reply: &Reply| reply.body["data"]["channel"]["channelEnabled"].as_bool().unwrap();
    assert_eq!(
        enabled(&fx.get(LIST).await),
        [("off".into(), false), ("on".into(), true)]
    );
    assert!(single(&fx.get(&channel_path(&on)).await));
    assert!(!single(&fx.get(&channel_path(&off)).await));
    // A disabled user's channels all read false; the channel flags themselves are untouched.
    patch_user(&fx.router, &fx.user, json!({"disabled": true})).await;
    assert_eq!(
        enabled(&fx.get(LIST).await),
        [("off".into(), false), ("on".into(), false)]
    );
    assert!(!single(&fx.get(&channel_path(&on)).await));
    patch_user(&fx.router, &fx.user, json!({"disabled": false})).await;
    assert_eq!(
        enabled(&fx.get(LIST).await),
        [("off".into(), false), ("on".into(), true)]
    );
    // Switching the channel itself flips it.
    fx.tick();
    fx.patch_channel(&on, json!({"channelEnabled": false})).await;
    assert!(!single(&fx.get(&channel_path(&on)).await));
}

async fn missing_or_foreign_channel_is_404_envelope(backend: Backend) {
    let fx = Fx::new(backend).await;
    let own = create_channel(&fx.router, &fx.user, "mine").await;
    let bob = create_user(&fx.router, "bob").await;
    let foreign = create_channel(&fx.router, &bob, "bob's").await;
    let long = "c".repeat(300);
    for id in [
        foreign.as_str(),
        "id-9999",
        "no-such-channel",
        long.as_str(),
        "%2E%2E",
        fx.user.as_str(),
    ] {
        let reply = fx.get(&channel_path(id)).await;
        assert_failure(&reply, StatusCode::NOT_FOUND, 40401, "CHANNEL_NOT_FOUND");
        assert!(!reply.text.contains("bob"), "{}", reply.text);
    }
    assert_eq!(fx.get(&channel_path(&own)).await.status, StatusCode::OK);
    // Bob's own token reaches it.
    let bobs = login_tokens(&fx.router, &fx.client, "bob").await;
    assert_eq!(
        prism_get(&fx.router, &channel_path(&foreign), &bobs.access)
            .await
            .status,
        StatusCode::OK
    );
    let alices_list = fx.get(LIST).await;
    assert!(!alices_list.text.contains(&foreign), "{}", alices_list.text);
}

// ---------------------------------------------------------------------------------------------------
// The access token

async fn token_is_accepted_in_either_header(backend: Backend) {
    let fx = Fx::new(backend).await;
    let channel = create_channel(&fx.router, &fx.user, "c").await;
    let bearer = format!("Bearer {}", fx.tokens.access);
    for path in [USER.to_owned(), LIST.to_owned(), channel_path(&channel)] {
        let prism = request(
            &fx.router,
            Method::GET,
            &path,
            &[("x-prism-access-token", &fx.tokens.access)],
            None,
        )
        .await;
        let standard = request(
            &fx.router,
            Method::GET,
            &path,
            &[("authorization", &bearer)],
            None,
        )
        .await;
        let both = request(
            &fx.router,
            Method::GET,
            &path,
            &[
                ("x-prism-access-token", &fx.tokens.access),
                ("authorization", &bearer),
            ],
            None,
        )
        .await;
        assert_eq!(prism.status, StatusCode::OK, "{path}: {}", prism.text);
        assert_eq!(standard.body, prism.body, "{path}");
        assert_eq!(both.body, prism.body, "{path}");
        // RFC 9110 §11.1: the scheme name is case-insensitive.
        let lower = format!("bearer {}", fx.tokens.access);
        let lower = request(&fx.router, Method::GET, &path, &[("authorization", &lower)], None).await;
        assert_eq!(lower.body, prism.body, "{path}");
    }
}

async fn two_different_tokens_are_401(backend: Backend) {
    let fx = Fx::new(backend).await;
    let second = login_tokens(&fx.router, &fx.client, "alice").await;
    assert_ne!(second.access, fx.tokens.access);
    let (a, b) = (fx.tokens.access.as_str(), second.access.as_str());
    let bearer_b = format!("Bearer {b}");
    let header_sets: [Vec<(&str, &str)>; 3] = [
        vec![("x-prism-access-token", a), ("authorization", &bearer_b)],
        vec![("x-prism-access-token", a), ("x-prism-access-token", b)],
        vec![("x-prism-access-token", a), ("x-prism-access-token", a)],
    ];
    for headers in &header_sets {
        for path in [USER, LIST] {
            let reply = request(&fx.router, Method::GET, path, headers, None).await;
            assert_failure(&reply, StatusCode::UNAUTHORIZED, 40102, "INVALID_TOKEN");
        }
    }
    // Each token alone is fine.
    assert_eq!(prism_get(&fx.router, USER, b).await.status, StatusCode::OK);
}

async fn missing_token_is_401_missing_token(backend: Backend) {
    let fx = Fx::new(backend).await;
    let basic = format!("Basic {}", crate::support::oauth::base64(b"alice:secret"));
    let header_sets: [Vec<(&str, &str)>; 4] = [
        vec![],
        vec![("x-prism-access-token", "")],
        vec![("authorization", "Bearer ")],
        vec![("authorization", &basic)],
    ];
    for headers in &header_sets {
        for path in [USER, LIST, "/prism/v1/service/channel/id-1"] {
            let reply = request(&fx.router, Method::GET, path, headers, None).await;
            assert_failure(&reply, StatusCode::UNAUTHORIZED, 40101, "MISSING_TOKEN");
        }
    }
}

async fn garbage_token_is_401_invalid_token(backend: Backend) {
    let fx = Fx::new(backend).await;
    // One signature character changed (a middle one, so every bit of it counts).
    let mut chars: Vec<char> = fx.tokens.access.chars().collect();
    let at = chars.len() - 10;
    chars[at] = if chars[at] == 'a' { 'b' } else { 'a' };
    let tampered: String = chars.into_iter().collect();
    let long = "x".repeat(5000);
    for token in [
        "garbage",
        "a.b.c",
        "e30.e30.",
        fx.tokens.refresh.as_str(),
        tampered.as_str(),
        long.as_str(),
    ] {
        for path in [USER, LIST, "/prism/v1/service/channel/id-1"] {
            let reply = prism_get(&fx.router, path, token).await;
            assert_failure(&reply, StatusCode::UNAUTHORIZED, 40102, "INVALID_TOKEN");
        }
    }
    assert_eq!(fx.get(USER).await.status, StatusCode::OK);
}

async fn expired_token_is_401_expired_token(backend: Backend) {
    let fx = Fx::new(backend).await;
    let channel = create_channel(&fx.router, &fx.user, "c").await;
    fx.app.clock.advance(Duration::seconds(3599));
    assert_eq!(
        fx.get(USER).await.status,
        StatusCode::OK,
        "still valid a second before expiry"
    );
    fx.app.clock.advance(Duration::seconds(1));
    for path in [USER.to_owned(), LIST.to_owned(), channel_path(&channel)] {
        assert_failure(
            &fx.get(&path).await,
            StatusCode::UNAUTHORIZED,
            40103,
            "EXPIRED_TOKEN",
        );
    }
    // The refresh token still gets a fresh one.
    let fresh = tokens(&prism_refresh(&fx.router, &fx.client, &fx.tokens.refresh).await);
    assert_eq!(
        prism_get(&fx.router, USER, &fresh.access).await.status,
        StatusCode::OK
    );
}

async fn token_signed_with_another_key_is_401(backend: Backend) {
    let fx = Fx::new(backend).await;
    let ours = KeySet {
        current: SigningKey::new(b"test-signing-key-0123456789abcdef"),
        previous: None,
    };
    let theirs = KeySet {
        current: SigningKey::new(b"some-other-key-0123456789abcdef!"),
        previous: None,
    };
    // Control: the same claims under the server's key are accepted, so only the key differs.
    let genuine = sign(&ours, &fx.claims()).unwrap();
    assert_eq!(prism_get(&fx.router, USER, &genuine).await.status, StatusCode::OK);
    let forged = sign(&theirs, &fx.claims()).unwrap();
    // The right key but another issuer or audience is refused too.
    let other_issuer = sign(
        &ours,
        &Claims {
            iss: "https://evil.example".into(),
            ..fx.claims()
        },
    )
    .unwrap();
    let other_audience = sign(
        &ours,
        &Claims {
            aud: "someone-else".into(),
            ..fx.claims()
        },
    )
    .unwrap();
    for token in [&forged, &other_issuer, &other_audience] {
        for path in [USER, LIST] {
            assert_failure(
                &prism_get(&fx.router, path, token).await,
                StatusCode::UNAUTHORIZED,
                40102,
                "INVALID_TOKEN",
            );
        }
    }
}

async fn deleted_users_token_is_401(backend: Backend) {
    let fx = Fx::new(backend).await;
    let channel = create_channel(&fx.router, &fx.user, "c").await;
    assert_eq!(fx.get(USER).await.status, StatusCode::OK);
    let reply = admin(
        &fx.router,
        Method::DELETE,
        &format!("/admin/users/{}", fx.user),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    for path in [USER, LIST] {
        assert_failure(
            &fx.get(path).await,
            StatusCode::UNAUTHORIZED,
            40102,
            "INVALID_TOKEN",
        );
    }
    // Its channels went with it: a single channel is simply not found.
    let reply = fx.get(&channel_path(&channel)).await;
    assert!(
        reply.status == StatusCode::UNAUTHORIZED || reply.status == StatusCode::NOT_FOUND,
        "{}: {}",
        reply.status,
        reply.text
    );
    assert_eq!(reply.body["success"], false);
}

// ---------------------------------------------------------------------------------------------------
// Methods and paths

async fn head_and_options_are_refused_on_every_prism_path(backend: Backend) {
    let fx = Fx::new(backend).await;
    let channel = create_channel(&fx.router, &fx.user, "Secret show").await;
    let code = obtain_code(&fx.router, &fx.client.id, "alice", None, None).await;
    let token_query = format!(
        "{PRISM_TOKEN}?{}",
        form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT)
        ])
    );
    let paths = [
        USER.to_owned(),
        LIST.to_owned(),
        channel_path(&channel),
        token_query,
        "/prism/v1/service/nope".into(),
    ];
    let headers = [
        ("x-prism-access-token", fx.tokens.access.as_str()),
        ("x-prism-client-id", fx.client.id.as_str()),
        ("x-prism-client-secret", fx.client.secret()),
        ("origin", "https://evil.example"),
        ("access-control-request-method", "GET"),
    ];
    for path in &paths {
        for method in [Method::HEAD, Method::OPTIONS] {
            let reply = request(&fx.router, method.clone(), path, &headers, None).await;
            assert!(
                reply.status == StatusCode::METHOD_NOT_ALLOWED || reply.status == StatusCode::NOT_FOUND,
                "{method} {path}: {} {}",
                reply.status,
                reply.text
            );
            for leak in [
                "User alice",
                "Secret show",
                "access_token",
                "refresh_token",
                fx.user.as_str(),
                channel.as_str(),
            ] {
                assert!(
                    !reply.text.contains(leak),
                    "{method} {path} leaks {leak}: {}",
                    reply.text
                );
            }
            assert!(reply.headers.get("access-control-allow-origin").is_none());
            let allow = reply
                .headers
                .get(header::ALLOW)
                .map(|v| v.to_str().unwrap().to_owned())
                .unwrap_or_default();
            assert!(!allow.contains("GET"), "{method} {path} advertises {allow}");
        }
    }
    // The code was not spent by the refused HEAD/OPTIONS of the token endpoint.
    tokens(&prism_exchange(&fx.router, &fx.client, &code, &[]).await);
}

async fn unknown_prism_path_is_404_envelope(backend: Backend) {
    let fx = Fx::new(backend).await;
    for path in [
        "/prism/v1/service/nope",
        "/prism/v1/service/channel",
        "/prism/v1/service/channel/list/extra",
        "/prism/v2/service/user",
    ] {
        let reply = fx.get(path).await;
        assert_failure(&reply, StatusCode::NOT_FOUND, 40400, "NOT_FOUND");
    }
    // A known path with a method PRISM does not use is 405 in the same envelope.
    let reply = request(
        &fx.router,
        Method::POST,
        USER,
        &[("x-prism-access-token", &fx.tokens.access)],
        Some("{}"),
    )
    .await;
    assert_failure(
        &reply,
        StatusCode::METHOD_NOT_ALLOWED,
        40501,
        "METHOD_NOT_ALLOWED",
    );
}

// ---------------------------------------------------------------------------------------------------
// Budgets (DynamoDB only)

async fn resource_calls_take_one_round_trip() {
    let fx = Fx::new(Backend::Aws).await;
    let channel = create_channel(&fx.router, &fx.user, "c").await;
    create_channel(&fx.router, &fx.user, "d").await;
    let trips = fx.app.dynamo.as_ref().unwrap().round_trips();
    for path in [USER.to_owned(), LIST.to_owned(), channel_path(&channel)] {
        trips.reset();
        let reply = fx.get(&path).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(trips.get(), 1, "{path}");
    }
    // Refusals of the token itself cost nothing.
    trips.reset();
    assert_eq!(
        prism_get(&fx.router, LIST, "garbage").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(trips.get(), 0);
}

async fn warm_token_calls_take_at_most_two_round_trips() {
    let fx = Fx::new(Backend::Aws).await;
    let trips = fx.app.dynamo.as_ref().unwrap().round_trips();
    let code = obtain_code(&fx.router, &fx.client.id, "alice", None, None).await;
    trips.reset();
    let issued = tokens(&prism_exchange(&fx.router, &fx.client, &code, &[]).await);
    assert!(trips.get() <= 2, "code exchange took {} round trips", trips.get());
    trips.reset();
    let refreshed = tokens(&prism_refresh(&fx.router, &fx.client, &issued.refresh).await);
    assert!(trips.get() <= 2, "refresh took {} round trips", trips.get());
    trips.reset();
    tokens(&prism_refresh(&fx.router, &fx.client, &refreshed.refresh).await);
    assert!(
        trips.get() <= 2,
        "second refresh took {} round trips",
        trips.get()
    );
}

async fn warm_token_and_resource_calls_make_no_secrets_manager_call() {
    let clock = Arc::new(FixedClock::at(T0));
    let generator: Arc<dyn Generator> = Arc::new(SequenceGenerator::default());
    let settings = Arc::new(Settings {
        admin_auth: AdminAuth::Token(SecretString::new(ADMIN_TOKEN)),
        secret_overlap: Duration::hours(24),
        oauth: OAuthSettings {
            issuer: Some(ISSUER.into()),
            ..OAuthSettings::default()
        },
        lifecycle: Default::default(),
    });
    let stores = fresh_dynamo().await;
    let secrets = fresh_secrets_manager(clock.clone(), Duration::minutes(5)).await;
    let state = dynamo_state(
        &stores,
        Arc::new(secrets.clone()),
        clock.clone(),
        generator,
        settings,
    );
    let key_name = state.settings.oauth.signing_key_secret.clone();
    state
        .secrets
        .create(&key_name, &SecretString::new("test-signing-key-0123456789abcdef"))
        .await
        .unwrap();
    let router = onair_api::host::local_router(state);
    let client = create_client(&router, "PRISM").await;
    let user = create_user(&router, "alice").await;
    let channel = create_channel(&router, &user, "c").await;
    assert!(
        secrets.calls() > 0,
        "the store under test is the one the state uses"
    );
    // Warm up: one full login and exchange.
    let warm = login_tokens(&router, &client, "alice").await;
    let code = obtain_code(&router, &client.id, "alice", None, None).await;
    let counter = secrets.round_trips();
    counter.reset();
    let issued = tokens(&prism_exchange(&router, &client, &code, &[]).await);
    let refreshed = tokens(&prism_refresh(&router, &client, &issued.refresh).await);
    tokens(&prism_refresh(&router, &client, &warm.refresh).await);
    for path in [USER.to_owned(), LIST.to_owned(), channel_path(&channel)] {
        let reply = prism_get(&router, &path, &refreshed.access).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    assert_eq!(secrets.calls(), 0, "warm calls read secrets from the cache");
    // A wrong secret is re-checked against Secrets Manager at most once, and only once the cached copy
    // is old enough.
    let forged = TestClient {
        id: client.id.clone(),
        secret: Some("wrong".into()),
    };
    let reply = prism_refresh(&router, &forged, &refreshed.refresh).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text);
    assert_eq!(secrets.calls(), 0);
}
