//! Handler tests of the admin API on the in-process router.
//!
//! Every test runs twice: on the embedded store (`admin::api::embedded::…`) and on DynamoDB plus Secrets
//! Manager on moto (`admin::api::dynamodb::…`). Tests are named after the rule they hold. Every test of
//! bad input takes a snapshot of the whole store before and after — every client and its secret, every
//! user (including the password hash) and every channel — and requires the two to be equal, so a
//! rejected request is proven to have written nothing.

use crate::support::{ADMIN_TOKEN, Backend, Reply, T0, TestApp, admin, call};
use axum::Router;
use axum::body::Body;
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use onair_domain::password::verify_password;
use onair_domain::{ChannelId, Clock, UserId};
use onair_store::StoreError;
use serde_json::{Value, json};
use std::collections::HashSet;
use time::Duration;
use time::format_description::well_known::Rfc3339;
use tower::ServiceExt;

crate::support::on_both_backends!(
    // happy paths: clients
    client_secret_is_returned_only_by_create,
    public_client_has_no_secret_to_rotate,
    clients_list_newest_first_in_pages,
    client_update_replaces_redirect_uris,
    rotated_secret_overlaps_then_only_the_new_one_works,
    rotate_without_body_uses_the_default_overlap,
    deleted_client_is_gone_with_its_secret,
    // happy paths: users
    user_replies_never_carry_the_password_hash,
    user_is_disabled_and_enabled_through_patch,
    password_change_replaces_the_hash,
    user_profile_update_and_null_clears_thumbnail,
    deleting_a_user_deletes_their_channels,
    // happy paths: channels
    channel_create_keeps_every_prism_field,
    channel_create_defaults_optional_fields,
    channels_list_by_modified_then_created_desc,
    channel_update_changes_exactly_the_given_field,
    channel_null_clears_optional_fields,
    channel_is_disabled_and_enabled_through_patch,
    a_user_owns_at_most_fifty_channels,
    // auth
    missing_token_is_401_with_www_authenticate,
    wrong_token_is_401_with_www_authenticate,
    // bad input
    malformed_json_is_rejected,
    redirect_uris_of_wrong_type_are_rejected,
    negative_follower_count_is_rejected,
    non_boolean_disabled_is_rejected,
    unknown_fields_are_rejected,
    body_over_64_kib_is_413,
    body_without_json_content_type_is_415,
    empty_strings_are_rejected,
    client_name_over_100_characters_is_rejected,
    login_over_64_characters_is_rejected,
    invalid_urls_are_rejected,
    plain_http_redirect_uri_needs_a_loopback_host,
    redirect_uri_with_fragment_is_rejected,
    duplicate_redirect_uris_are_rejected,
    redirect_uri_count_must_be_one_to_ten,
    short_password_is_rejected,
    bad_limit_is_rejected,
    garbage_page_token_is_rejected,
    unknown_query_parameter_is_rejected,
    rotate_overlap_out_of_range_is_rejected,
    unknown_ids_are_404,
    ids_that_cannot_be_ids_are_404,
    channel_under_the_wrong_owner_is_404,
    duplicate_login_is_rejected_and_changes_nothing,
    patch_with_nothing_to_change_is_400,
    stale_expected_version_is_409_and_changes_nothing,
    // concurrency
    concurrent_patches_with_one_expected_version_have_one_winner,
    // methods, paths, request ids
    head_and_options_are_405_on_every_route,
    wrong_method_is_405_json,
    unknown_path_is_404_json,
    every_response_carries_a_request_id,
);

// ---------------------------------------------------------------------------------------------------
// Fixture

const REDIRECT: &str = "https://prism.example/oauth/callback";
const PASSWORD: &str = "correct horse battery";

struct Api {
    app: TestApp,
    router: Router,
}

impl Api {
    async fn new(backend: Backend) -> Api {
        let app = TestApp::new(backend).await;
        let router = app.router();
        Api { app, router }
    }

    async fn send(&self, method: Method, path: &str, body: Option<&str>) -> Reply {
        admin(&self.router, method, path, body).await
    }

    async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(&body.to_string())).await
    }

    async fn patch(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PATCH, path, Some(&body.to_string())).await
    }

    async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None).await
    }

    /// Moves the fixed clock one second on, so the next write gets a later timestamp.
    fn tick(&self) {
        self.app.clock.advance(Duration::seconds(1));
    }

    fn now(&self) -> String {
        self.app.clock.now().format(&Rfc3339).unwrap()
    }

    async fn create_client(&self, name: &str) -> Value {
        let reply = self
            .post(
                "/admin/clients",
                json!({"name": name, "redirectUris": [REDIRECT]}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        reply.body
    }

    async fn create_user(&self, login: &str) -> Value {
        let body = json!({"login": login, "password": PASSWORD, "userName": format!("User {login}")});
        let reply = self.post("/admin/users", body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        reply.body
    }

    async fn create_channel(&self, user: &str, name: &str) -> Value {
        let body = json!({"channelName": name, "channelLink": "https://live.example/c"});
        let reply = self.post(&format!("/admin/users/{user}/channels"), body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        reply.body
    }

    /// A client, a user and one channel of theirs, so snapshots have something to lose.
    async fn seeded(backend: Backend) -> (Api, Seed) {
        let api = Api::new(backend).await;
        let client = api.create_client("PRISM").await;
        let user = api.create_user("alice").await;
        let user_id = id(&user, "userId");
        let channel = api.create_channel(&user_id, "Alice live").await;
        let seed = Seed {
            client_id: id(&client, "clientId"),
            user_id,
            channel_id: id(&channel, "channelId"),
        };
        (api, seed)
    }

    /// Every item of every page of a list route.
    async fn list_all(&self, path: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let url = match &token {
                Some(t) => format!("{path}?limit=100&pageToken={t}"),
                None => format!("{path}?limit=100"),
            };
            let reply = self.get(&url).await;
            assert_eq!(reply.status, StatusCode::OK, "{url}: {}", reply.text);
            items.extend(reply.body["items"].as_array().unwrap().iter().cloned());
            match reply.body.get("nextPageToken").and_then(Value::as_str) {
                Some(next) => token = Some(next.to_owned()),
                None => return items,
            }
        }
    }

    /// Everything the store holds, read back through the API (clients, users, channels) and the ports
    /// for what the API never shows (password hashes, secret values). Users have no list route, so
    /// every id the sequence generator has issued so far is probed.
    async fn snapshot(&self) -> Value {
        let issued = self.high_water();
        let clients = self.list_all("/admin/clients").await;
        let mut users = Vec::new();
        let mut secrets = Vec::new();
        for k in 1..issued {
            let raw = format!("id-{k}");
            let user_id = UserId::parse(&raw).unwrap();
            match self.app.state.users.get(&user_id).await {
                Ok(user) => {
                    let reply = self.get(&format!("/admin/users/{raw}")).await;
                    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
                    let channels = self.list_all(&format!("/admin/users/{raw}/channels")).await;
                    let hash = user.password_hash.as_ref().map(|h| h.expose().to_owned());
                    users.push(json!({"user": reply.body, "passwordHash": hash, "channels": channels}));
                }
                Err(StoreError::NotFound) => {}
                Err(err) => panic!("reading user {raw}: {err}"),
            }
            match self.app.state.secrets.refresh(&format!("clients/{raw}")).await {
                Ok(stored) => secrets.push(json!({
                    "name": raw,
                    "current": stored.secret.current.expose(),
                    "previous": stored.secret.previous.as_ref().map(|p| p.expose().to_owned()),
                    "previousUntil": stored.secret.previous_until.map(|t| t.format(&Rfc3339).unwrap()),
                })),
                Err(StoreError::NotFound) => {}
                Err(err) => panic!("reading secret of {raw}: {err}"),
            }
        }
        json!({"clients": clients, "users": users, "secrets": secrets})
    }

    /// One more than the highest id the sequence generator has issued (it issues `id-1`, `id-2`, …; it
    /// also numbers request ids, secrets and salts, so most numbers are not users).
    fn high_water(&self) -> u64 {
        self.app
            .state
            .generator
            .id()
            .strip_prefix("id-")
            .unwrap()
            .parse()
            .unwrap()
    }

    /// Asserts the store equals `before`.
    async fn assert_unchanged(&self, before: &Value) {
        let after = self.snapshot().await;
        assert_eq!(&after, before, "the store changed");
    }
}

struct Seed {
    client_id: String,
    user_id: String,
    channel_id: String,
}

impl Seed {
    fn client(&self) -> String {
        format!("/admin/clients/{}", self.client_id)
    }
    fn user(&self) -> String {
        format!("/admin/users/{}", self.user_id)
    }
    fn channels(&self) -> String {
        format!("/admin/users/{}/channels", self.user_id)
    }
    fn channel(&self) -> String {
        format!("/admin/users/{}/channels/{}", self.user_id, self.channel_id)
    }
}

fn id(body: &Value, field: &str) -> String {
    body[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {body}"))
        .to_owned()
}

/// `value` without `field`.
fn without(value: &Value, field: &str) -> Value {
    let mut value = value.clone();
    value.as_object_mut().unwrap().remove(field);
    value
}

/// Sends a request with exactly the given headers (no defaults) and body.
async fn raw(router: &Router, method: Method, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Reply {
    let mut request = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::from(body)).unwrap())
        .await
        .unwrap();
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

/// Asserts an admin error: the status, the JSON content type and `{error: code, message, details?}`.
#[track_caller]
fn assert_error(reply: &Reply, status: StatusCode, code: &str) {
    assert_eq!(reply.status, status, "{}", reply.text);
    let content_type = reply
        .headers
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(
        content_type.as_deref(),
        Some("application/json"),
        "{}",
        reply.text
    );
    assert_eq!(reply.body["error"], code, "{}", reply.text);
    assert!(
        reply.body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{}",
        reply.text
    );
    let keys: HashSet<&str> = reply
        .body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert!(
        keys.is_subset(&HashSet::from(["error", "message", "details"])),
        "{}",
        reply.text
    );
}

/// Asserts a 400 `invalid_request` whose details name `field`.
#[track_caller]
fn assert_invalid(reply: &Reply, field: &str) {
    assert_error(reply, StatusCode::BAD_REQUEST, "invalid_request");
    let details = reply.body["details"]
        .as_array()
        .unwrap_or_else(|| panic!("no details: {}", reply.text));
    assert!(
        details
            .iter()
            .any(|d| d["field"] == field && d["message"].as_str().is_some_and(|m| !m.is_empty())),
        "expected a problem with {field}: {}",
        reply.text
    );
}

/// Asserts a 400 `malformed_request` whose message mentions `needle`.
#[track_caller]
fn assert_malformed(reply: &Reply, needle: &str) {
    assert_error(reply, StatusCode::BAD_REQUEST, "malformed_request");
    assert!(
        reply.body["message"].as_str().unwrap().contains(needle),
        "expected {needle:?} in {}",
        reply.text
    );
}

// ---------------------------------------------------------------------------------------------------
// Happy paths: clients

async fn client_secret_is_returned_only_by_create(backend: Backend) {
    let api = Api::new(backend).await;
    let body = json!({"name": "  PRISM Live  ", "redirectUris": [REDIRECT, "http://127.0.0.1:8080/cb"]});
    let created = api.post("/admin/clients", body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let secret = created.body["clientSecret"]
        .as_str()
        .expect("clientSecret in the create reply")
        .to_owned();
    assert!(!secret.is_empty());
    let client_id = id(&created.body, "clientId");
    assert_eq!(created.body["name"], "PRISM Live", "names are trimmed");
    assert_eq!(created.body["kind"], "confidential");
    assert_eq!(
        created.body["redirectUris"],
        json!([REDIRECT, "http://127.0.0.1:8080/cb"])
    );
    assert_eq!(created.body["version"], 1);
    assert_eq!(created.body["createdAt"], api.now());
    assert_eq!(created.body["modifiedAt"], api.now());

    let got = api.get(&format!("/admin/clients/{client_id}")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body, without(&created.body, "clientSecret"));
    assert!(!got.text.contains(&secret));

    let listed = api.get("/admin/clients").await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.body["items"], json!([got.body]));
    assert!(!listed.text.contains(&secret));
    assert!(listed.body.get("nextPageToken").is_none());

    let stored = api
        .app
        .state
        .secrets
        .get(&format!("clients/{client_id}"))
        .await
        .unwrap();
    assert!(stored.secret.accepts(&secret, api.app.clock.now()));
}

async fn public_client_has_no_secret_to_rotate(backend: Backend) {
    let api = Api::new(backend).await;
    let created = api
        .post(
            "/admin/clients",
            json!({"name": "app", "kind": "public", "redirectUris": [REDIRECT]}),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["kind"], "public");
    assert!(created.body.get("clientSecret").is_none(), "{}", created.text);
    let client_id = id(&created.body, "clientId");
    assert!(matches!(
        api.app.state.secrets.get(&format!("clients/{client_id}")).await,
        Err(StoreError::NotFound)
    ));
    let before = api.snapshot().await;
    let rotated = api
        .send(
            Method::POST,
            &format!("/admin/clients/{client_id}/rotate-secret"),
            None,
        )
        .await;
    assert_error(&rotated, StatusCode::CONFLICT, "conflict");
    api.assert_unchanged(&before).await;
}

async fn clients_list_newest_first_in_pages(backend: Backend) {
    let api = Api::new(backend).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(id(&api.create_client(&format!("client {i}")).await, "clientId"));
        api.tick();
    }
    ids.reverse();

    let mut seen = Vec::new();
    let mut pages = 0;
    let mut url = "/admin/clients?limit=2".to_owned();
    loop {
        let reply = api.get(&url).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        let items = reply.body["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        assert!(items.iter().all(|c| c.get("clientSecret").is_none()));
        seen.extend(items.iter().map(|c| id(c, "clientId")));
        pages += 1;
        match reply.body.get("nextPageToken").and_then(Value::as_str) {
            Some(token) => url = format!("/admin/clients?limit=2&pageToken={token}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids, "newest first, each exactly once");

    // An empty pageToken is the first page.
    let first = api.get("/admin/clients?limit=5&pageToken=").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.body["items"].as_array().unwrap().len(), 5);
    assert!(first.body.get("nextPageToken").is_none(), "{}", first.text);
}

async fn client_update_replaces_redirect_uris(backend: Backend) {
    let api = Api::new(backend).await;
    let created = api.create_client("PRISM").await;
    let path = format!("/admin/clients/{}", id(&created, "clientId"));
    api.tick();
    let uris = json!(["https://a.example/cb", "https://b.example/cb"]);
    let updated = api
        .patch(&path, json!({"redirectUris": uris, "expectedVersion": 1}))
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.text);
    assert_eq!(updated.body["redirectUris"], uris);
    assert_eq!(updated.body["name"], "PRISM");
    assert_eq!(updated.body["version"], 2);
    assert_eq!(updated.body["createdAt"], created["createdAt"]);
    assert_eq!(updated.body["modifiedAt"], api.now());
    assert!(updated.body.get("clientSecret").is_none());
    assert_eq!(api.get(&path).await.body, updated.body);

    let renamed = api.patch(&path, json!({"name": "PRISM 2"})).await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.text);
    assert_eq!(renamed.body["name"], "PRISM 2");
    assert_eq!(renamed.body["redirectUris"], uris);
    assert_eq!(renamed.body["version"], 3);
}

async fn rotated_secret_overlaps_then_only_the_new_one_works(backend: Backend) {
    let api = Api::new(backend).await;
    let created = api.create_client("PRISM").await;
    let client_id = id(&created, "clientId");
    let old = id(&created, "clientSecret");
    api.tick();
    let rotated = api
        .post(
            &format!("/admin/clients/{client_id}/rotate-secret"),
            json!({"overlapSeconds": 3600}),
        )
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text);
    let new = id(&rotated.body, "clientSecret");
    assert_ne!(new, old);
    assert_eq!(rotated.body["clientId"], client_id.as_str());
    let until = (api.app.clock.now() + Duration::hours(1))
        .format(&Rfc3339)
        .unwrap();
    assert_eq!(rotated.body["previousSecretValidUntil"], until);
    assert_eq!(rotated.body["version"], 2);

    // The new secret is shown once: never by get or list.
    let got = api.get(&format!("/admin/clients/{client_id}")).await;
    assert_eq!(got.body["version"], 2);
    assert!(!got.text.contains(&new) && !got.text.contains(&old));
    assert!(!api.get("/admin/clients").await.text.contains(&new));

    let name = format!("clients/{client_id}");
    let now = api.app.clock.now();
    let stored = api.app.state.secrets.get(&name).await.unwrap();
    assert!(stored.secret.accepts(&new, now), "new secret accepted");
    assert!(
        stored.secret.accepts(&old, now),
        "old secret accepted within the overlap"
    );
    assert!(stored.secret.accepts(&old, now + Duration::seconds(3599)));

    api.app.clock.advance(Duration::seconds(3601));
    let now = api.app.clock.now();
    let stored = api.app.state.secrets.get(&name).await.unwrap();
    assert!(
        stored.secret.accepts(&new, now),
        "new secret accepted after the overlap"
    );
    assert!(
        !stored.secret.accepts(&old, now),
        "old secret rejected after the overlap"
    );
}

async fn rotate_without_body_uses_the_default_overlap(backend: Backend) {
    let api = Api::new(backend).await;
    let created = api.create_client("PRISM").await;
    let client_id = id(&created, "clientId");
    let rotated = api
        .send(
            Method::POST,
            &format!("/admin/clients/{client_id}/rotate-secret"),
            None,
        )
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text);
    let until = (T0 + Duration::hours(24)).format(&Rfc3339).unwrap();
    assert_eq!(rotated.body["previousSecretValidUntil"], until);
    let old = id(&created, "clientSecret");
    let name = format!("clients/{client_id}");
    api.app.clock.advance(Duration::hours(24) - Duration::seconds(1));
    let stored = api.app.state.secrets.get(&name).await.unwrap();
    assert!(stored.secret.accepts(&old, api.app.clock.now()));
    api.app.clock.advance(Duration::seconds(1));
    let stored = api.app.state.secrets.refresh(&name).await.unwrap();
    assert!(!stored.secret.accepts(&old, api.app.clock.now()));
    assert!(
        stored
            .secret
            .accepts(&id(&rotated.body, "clientSecret"), api.app.clock.now())
    );
}

async fn deleted_client_is_gone_with_its_secret(backend: Backend) {
    let api = Api::new(backend).await;
    let keep = api.create_client("keep").await;
    let created = api.create_client("PRISM").await;
    let client_id = id(&created, "clientId");
    let path = format!("/admin/clients/{client_id}");
    let deleted = api.delete(&path).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    assert_error(&api.get(&path).await, StatusCode::NOT_FOUND, "not_found");
    assert_error(&api.delete(&path).await, StatusCode::NOT_FOUND, "not_found");
    assert_error(
        &api.patch(&path, json!({"name": "x"})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &api.send(Method::POST, &format!("{path}/rotate-secret"), None)
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert!(matches!(
        api.app
            .state
            .secrets
            .refresh(&format!("clients/{client_id}"))
            .await,
        Err(StoreError::NotFound)
    ));
    let listed = api.list_all("/admin/clients").await;
    assert_eq!(
        listed.iter().map(|c| id(c, "clientId")).collect::<Vec<_>>(),
        vec![id(&keep, "clientId")]
    );
    assert!(
        api.app
            .state
            .secrets
            .get(&format!("clients/{}", id(&keep, "clientId")))
            .await
            .is_ok()
    );
}

// ---------------------------------------------------------------------------------------------------
// Happy paths: users

async fn user_replies_never_carry_the_password_hash(backend: Backend) {
    let api = Api::new(backend).await;
    let body = json!({
        "login": "  Alice@Example.com ",
        "password": PASSWORD,
        "userName": " Alice ",
        "profileThumbnail": "https://img.example/alice.png",
    });
    let created = api.post("/admin/users", body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let user_id = id(&created.body, "userId");
    assert_eq!(
        created.body,
        json!({
            "userId": user_id,
            "login": "alice@example.com",
            "userName": "Alice",
            "profileThumbnail": "https://img.example/alice.png",
            "disabled": false,
            "createdAt": api.now(),
            "modifiedAt": api.now(),
            "version": 1,
        })
    );
    let got = api.get(&format!("/admin/users/{user_id}")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body, created.body);
    for reply in [&created, &got] {
        assert!(
            !reply.text.contains("argon2") && !reply.text.contains(PASSWORD),
            "{}",
            reply.text
        );
        assert!(!reply.text.to_lowercase().contains("password"), "{}", reply.text);
    }
    let stored = api
        .app
        .state
        .users
        .get(&UserId::parse(&user_id).unwrap())
        .await
        .unwrap();
    let hash = stored.password_hash.unwrap();
    assert!(verify_password(PASSWORD, hash.expose()).unwrap());
}

async fn user_is_disabled_and_enabled_through_patch(backend: Backend) {
    let api = Api::new(backend).await;
    let user = api.create_user("bob").await;
    let path = format!("/admin/users/{}", id(&user, "userId"));
    api.tick();
    let disabled = api.patch(&path, json!({"disabled": true})).await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.text);
    assert_eq!(disabled.body["disabled"], true);
    assert_eq!(disabled.body["version"], 2);
    assert_eq!(disabled.body["modifiedAt"], api.now());
    assert_eq!(api.get(&path).await.body, disabled.body);
    api.tick();
    let enabled = api
        .patch(&path, json!({"disabled": false, "expectedVersion": 2}))
        .await;
    assert_eq!(enabled.status, StatusCode::OK, "{}", enabled.text);
    assert_eq!(enabled.body["disabled"], false);
    assert_eq!(enabled.body["version"], 3);
    let mut expected = user.clone();
    expected["version"] = json!(3);
    expected["modifiedAt"] = json!(api.now());
    assert_eq!(
        enabled.body, expected,
        "only disabled, version and modifiedAt ever changed"
    );
    assert_eq!(api.get(&path).await.body, enabled.body);
}

async fn password_change_replaces_the_hash(backend: Backend) {
    let api = Api::new(backend).await;
    let user = api.create_user("carol").await;
    let user_id = id(&user, "userId");
    let changed = api
        .patch(
            &format!("/admin/users/{user_id}"),
            json!({"password": "a new passphrase"}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert!(
        !changed.text.contains("argon2") && !changed.text.contains("passphrase"),
        "{}",
        changed.text
    );
    assert_eq!(changed.body["version"], 2);
    let stored = api
        .app
        .state
        .users
        .get(&UserId::parse(&user_id).unwrap())
        .await
        .unwrap();
    let hash = stored.password_hash.unwrap();
    assert!(verify_password("a new passphrase", hash.expose()).unwrap());
    assert!(!verify_password(PASSWORD, hash.expose()).unwrap());
}

async fn user_profile_update_and_null_clears_thumbnail(backend: Backend) {
    let api = Api::new(backend).await;
    let user = api.create_user("dave").await;
    let path = format!("/admin/users/{}", id(&user, "userId"));
    let set = api
        .patch(
            &path,
            json!({"userName": "Dave", "profileThumbnail": "https://img.example/d.png"}),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    assert_eq!(set.body["userName"], "Dave");
    assert_eq!(set.body["profileThumbnail"], "https://img.example/d.png");
    let cleared = api.patch(&path, json!({"profileThumbnail": null})).await;
    assert_eq!(cleared.status, StatusCode::OK, "{}", cleared.text);
    assert_eq!(cleared.body["profileThumbnail"], Value::Null);
    assert_eq!(cleared.body["userName"], "Dave");
    assert_eq!(api.get(&path).await.body, cleared.body);
    // The password still works: a profile update keeps the hash.
    let stored = api
        .app
        .state
        .users
        .get(&UserId::parse(&id(&user, "userId")).unwrap())
        .await
        .unwrap();
    assert!(verify_password(PASSWORD, stored.password_hash.unwrap().expose()).unwrap());
}

async fn deleting_a_user_deletes_their_channels(backend: Backend) {
    let api = Api::new(backend).await;
    let other = api.create_user("other").await;
    let other_channel = api.create_channel(&id(&other, "userId"), "Other live").await;
    let user = api.create_user("erin").await;
    let user_id = id(&user, "userId");
    let first = api.create_channel(&user_id, "one").await;
    let second = api.create_channel(&user_id, "two").await;

    let deleted = api.delete(&format!("/admin/users/{user_id}")).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.text);
    assert_error(
        &api.get(&format!("/admin/users/{user_id}")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &api.delete(&format!("/admin/users/{user_id}")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    for channel in [&first, &second] {
        let path = format!("/admin/users/{user_id}/channels/{}", id(channel, "channelId"));
        assert_error(&api.get(&path).await, StatusCode::NOT_FOUND, "not_found");
        let channel_id = ChannelId::parse(&id(channel, "channelId")).unwrap();
        let owner = UserId::parse(&user_id).unwrap();
        assert!(matches!(
            api.app.state.channels.get(&owner, &channel_id).await,
            Err(StoreError::NotFound)
        ));
    }
    assert_error(
        &api.get(&format!("/admin/users/{user_id}/channels")).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    // The login is free again, and the new account starts without channels.
    let again = api.create_user("erin").await;
    assert_ne!(id(&again, "userId"), user_id);
    assert!(
        api.list_all(&format!("/admin/users/{}/channels", id(&again, "userId")))
            .await
            .is_empty()
    );
    // Other users keep theirs.
    let kept = api
        .list_all(&format!("/admin/users/{}/channels", id(&other, "userId")))
        .await;
    assert_eq!(kept, vec![other_channel]);
}

// ---------------------------------------------------------------------------------------------------
// Happy paths: channels

fn full_channel() -> Value {
    json!({
        "channelName": "Alice's kitchen",
        "channelLink": "https://live.example/alice",
        "channelEnabled": false,
        "channelDescription": "Cooking\nevery night",
        "channelTags": "mukbang;talk",
        "channelThumbnailUrl": "https://img.example/alice-channel.png",
        "channelFollowerCount": 12345,
    })
}

async fn channel_create_keeps_every_prism_field(backend: Backend) {
    let api = Api::new(backend).await;
    let user_id = id(&api.create_user("alice").await, "userId");
    let created = api
        .post(&format!("/admin/users/{user_id}/channels"), full_channel())
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let channel_id = id(&created.body, "channelId");
    let mut expected = full_channel();
    let obj = expected.as_object_mut().unwrap();
    obj.insert("channelId".into(), json!(channel_id));
    obj.insert("userId".into(), json!(user_id));
    obj.insert("createdAt".into(), json!(api.now()));
    obj.insert("modifiedAt".into(), json!(api.now()));
    obj.insert("version".into(), json!(1));
    assert_eq!(created.body, expected);
    let got = api
        .get(&format!("/admin/users/{user_id}/channels/{channel_id}"))
        .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.text);
    assert_eq!(got.body, expected);
    assert_eq!(
        api.list_all(&format!("/admin/users/{user_id}/channels")).await,
        vec![expected]
    );
}

async fn channel_create_defaults_optional_fields(backend: Backend) {
    let api = Api::new(backend).await;
    let user_id = id(&api.create_user("alice").await, "userId");
    let created = api.create_channel(&user_id, "  Plain  ").await;
    assert_eq!(created["channelName"], "Plain");
    assert_eq!(created["channelEnabled"], true);
    assert_eq!(created["channelFollowerCount"], 0);
    for field in ["channelDescription", "channelTags", "channelThumbnailUrl"] {
        assert_eq!(created[field], Value::Null, "{field}");
    }
}

async fn channels_list_by_modified_then_created_desc(backend: Backend) {
    let api = Api::new(backend).await;
    let user_id = id(&api.create_user("alice").await, "userId");
    let mut ids = Vec::new();
    for name in ["a", "b", "c", "d"] {
        ids.push(id(&api.create_channel(&user_id, name).await, "channelId"));
        api.tick();
    }
    let (a, b, c, d) = (ids[0].as_str(), ids[1].as_str(), ids[2].as_str(), ids[3].as_str());
    let list = format!("/admin/users/{user_id}/channels");
    let order = |items: Vec<Value>| items.iter().map(|c| id(c, "channelId")).collect::<Vec<_>>();
    assert_eq!(
        order(api.list_all(&list).await),
        vec![d, c, b, a],
        "newest created first"
    );

    // Modifying `a` moves it to the front.
    let touched = api
        .patch(&format!("{list}/{a}"), json!({"channelFollowerCount": 1}))
        .await;
    assert_eq!(touched.status, StatusCode::OK, "{}", touched.text);
    api.tick();
    assert_eq!(order(api.list_all(&list).await), vec![a, d, c, b]);

    // `b` and `c` modified at the same instant: the later-created `c` comes first.
    for ch in [b, c] {
        let reply = api
            .patch(&format!("{list}/{ch}"), json!({"channelEnabled": false}))
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    let expected = vec![c, b, a, d];
    assert_eq!(order(api.list_all(&list).await), expected);

    // The same order, one item per page.
    let mut paged = Vec::new();
    let mut url = format!("{list}?limit=1");
    loop {
        let reply = api.get(&url).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body["items"].as_array().unwrap().len(), 1);
        paged.push(id(&reply.body["items"][0], "channelId"));
        match reply.body.get("nextPageToken").and_then(Value::as_str) {
            Some(token) => url = format!("{list}?limit=1&pageToken={token}"),
            None => break,
        }
    }
    assert_eq!(paged, expected);
}

async fn channel_update_changes_exactly_the_given_field(backend: Backend) {
    let api = Api::new(backend).await;
    let user_id = id(&api.create_user("alice").await, "userId");
    let created = api
        .post(&format!("/admin/users/{user_id}/channels"), full_channel())
        .await;
    assert_eq!(created.status, StatusCode::CREATED);
    let path = format!(
        "/admin/users/{user_id}/channels/{}",
        id(&created.body, "channelId")
    );
    let changes = [
        ("channelName", json!("Renamed")),
        ("channelLink", json!("https://live.example/renamed")),
        ("channelEnabled", json!(true)),
        ("channelDescription", json!("New description")),
        ("channelTags", json!("one;two;three")),
        ("channelThumbnailUrl", json!("https://img.example/new.png")),
        ("channelFollowerCount", json!(u64::MAX)),
    ];
    let mut current = created.body;
    for (version, (field, value)) in (2..).zip(changes) {
        api.tick();
        let reply = api.patch(&path, json!({ field: value })).await;
        assert_eq!(reply.status, StatusCode::OK, "{field}: {}", reply.text);
        let mut expected = current.clone();
        let obj = expected.as_object_mut().unwrap();
        obj.insert(field.into(), value);
        obj.insert("modifiedAt".into(), json!(api.now()));
        obj.insert("version".into(), json!(version));
        assert_eq!(reply.body, expected, "{field}");
        assert_eq!(api.get(&path).await.body, expected, "{field}");
        current = expected;
    }
}

async fn channel_null_clears_optional_fields(backend: Backend) {
    let api = Api::new(backend).await;
    let user_id = id(&api.create_user("alice").await, "userId");
    let created = api
        .post(&format!("/admin/users/{user_id}/channels"), full_channel())
        .await;
    let path = format!(
        "/admin/users/{user_id}/channels/{}",
        id(&created.body, "channelId")
    );
    let body = json!({"channelDescription": null, "channelTags": null, "channelThumbnailUrl": null});
    let cleared = api.patch(&path, body).await;
    assert_eq!(cleared.status, StatusCode::OK, "{}", cleared.text);
    for field in ["channelDescription", "channelTags", "channelThumbnailUrl"] {
        assert_eq!(cleared.body[field], Value::Null, "{field}");
    }
    assert_eq!(cleared.body["channelName"], created.body["channelName"]);
    assert_eq!(
        cleared.body["channelFollowerCount"],
        created.body["channelFollowerCount"]
    );
    assert_eq!(api.get(&path).await.body, cleared.body);
}

async fn channel_is_disabled_and_enabled_through_patch(backend: Backend) {
    let api = Api::new(backend).await;
    let user_id = id(&api.create_user("alice").await, "userId");
    let created = api.create_channel(&user_id, "live").await;
    let path = format!("/admin/users/{user_id}/channels/{}", id(&created, "channelId"));
    let off = api.patch(&path, json!({"channelEnabled": false})).await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.text);
    assert_eq!(off.body["channelEnabled"], false);
    assert_eq!(api.get(&path).await.body["channelEnabled"], false);
    let on = api
        .patch(&path, json!({"channelEnabled": true, "expectedVersion": 2}))
        .await;
    assert_eq!(on.status, StatusCode::OK, "{}", on.text);
    assert_eq!(on.body["channelEnabled"], true);
    assert_eq!(on.body["version"], 3);
    assert_eq!(api.get(&path).await.body, on.body);
}

async fn a_user_owns_at_most_fifty_channels(backend: Backend) {
    let api = Api::new(backend).await;
    let user_id = id(&api.create_user("alice").await, "userId");
    for i in 0..onair_domain::channel::MAX_CHANNELS_PER_USER {
        api.create_channel(&user_id, &format!("channel {i}")).await;
    }
    let before = api.snapshot().await;
    let body = json!({"channelName": "one too many", "channelLink": "https://live.example/x"});
    let reply = api.post(&format!("/admin/users/{user_id}/channels"), body).await;
    assert_error(&reply, StatusCode::CONFLICT, "conflict");
    api.assert_unchanged(&before).await;
    assert_eq!(
        api.list_all(&format!("/admin/users/{user_id}/channels"))
            .await
            .len(),
        50
    );
}

// ---------------------------------------------------------------------------------------------------
// Auth

/// Requests on admin routes, existing and not, with and without bodies.
fn guarded_requests(seed: &Seed) -> Vec<(Method, String, Option<String>)> {
    let client = json!({"name": "sneaky", "redirectUris": [REDIRECT]}).to_string();
    vec![
        (Method::GET, "/admin/clients".into(), None),
        (Method::POST, "/admin/clients".into(), Some(client)),
        (Method::GET, seed.client(), None),
        (Method::DELETE, seed.client(), None),
        (Method::POST, format!("{}/rotate-secret", seed.client()), None),
        (
            Method::PATCH,
            seed.user(),
            Some(json!({"disabled": true}).to_string()),
        ),
        (Method::DELETE, seed.user(), None),
        (
            Method::PATCH,
            seed.channel(),
            Some(json!({"channelName": "x"}).to_string()),
        ),
        (Method::PUT, "/admin/clients".into(), None),
        (Method::GET, "/admin".into(), None),
        (Method::GET, "/admin/".into(), None),
        (Method::GET, "/admin/nope".into(), None),
        (Method::DELETE, "/admin/users/a/b/c/d/e".into(), None),
    ]
}

#[track_caller]
fn assert_unauthorized(reply: &Reply, what: &str) {
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{what}: {}", reply.text);
    assert_error(reply, StatusCode::UNAUTHORIZED, "unauthorized");
    let challenge = reply
        .headers
        .get("www-authenticate")
        .unwrap_or_else(|| panic!("{what}: no WWW-Authenticate"));
    assert!(
        challenge.to_str().unwrap().starts_with("Bearer"),
        "{what}: {challenge:?}"
    );
}

async fn missing_token_is_401_with_www_authenticate(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let before = api.snapshot().await;
    for (method, path, body) in guarded_requests(&seed) {
        let reply = call(&api.router, method.clone(), &path, None, body.as_deref()).await;
        assert_unauthorized(&reply, &format!("{method} {path}"));
    }
    api.assert_unchanged(&before).await;
}

async fn wrong_token_is_401_with_www_authenticate(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let before = api.snapshot().await;
    let longer = format!("{ADMIN_TOKEN}x");
    let shorter = &ADMIN_TOKEN[..ADMIN_TOKEN.len() - 1];
    for token in ["wrong", longer.as_str(), shorter, ""] {
        for (method, path, body) in guarded_requests(&seed) {
            let reply = call(&api.router, method.clone(), &path, Some(token), body.as_deref()).await;
            assert_unauthorized(&reply, &format!("{method} {path} with token {token:?}"));
        }
    }
    // The right token under another scheme, or with no scheme, is not a bearer token.
    for header in [
        format!("Basic {ADMIN_TOKEN}"),
        ADMIN_TOKEN.to_owned(),
        format!("Bearer  {ADMIN_TOKEN}"),
    ] {
        let reply = raw(
            &api.router,
            Method::GET,
            "/admin/clients",
            &[("authorization", &header)],
            vec![],
        )
        .await;
        assert_unauthorized(&reply, &header);
    }
    api.assert_unchanged(&before).await;
}

// ---------------------------------------------------------------------------------------------------
// Bad input

async fn malformed_json_is_rejected(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let before = api.snapshot().await;
    for (method, path) in [
        (Method::POST, "/admin/clients".to_owned()),
        (Method::PATCH, seed.client()),
        (Method::POST, "/admin/users".to_owned()),
        (Method::PATCH, seed.user()),
        (Method::POST, seed.channels()),
        (Method::PATCH, seed.channel()),
        (Method::POST, format!("{}/rotate-secret", seed.client())),
    ] {
        for body in [
            "{\"name\":",
            "",
            "not json",
            "[]",
            "null",
            "{\"name\": \"a\"} trailing",
        ] {
            let reply = api.send(method.clone(), &path, Some(body)).await;
            assert_error(&reply, StatusCode::BAD_REQUEST, "malformed_request");
            assert!(
                reply.body["message"].as_str().unwrap().contains("JSON"),
                "{method} {path} {body:?}"
            );
        }
    }
    api.assert_unchanged(&before).await;
}

async fn redirect_uris_of_wrong_type_are_rejected(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let before = api.snapshot().await;
    for uris in [json!("x"), json!(42), json!([1]), json!({"a": "b"}), json!(null)] {
        let reply = api
            .post("/admin/clients", json!({"name": "n", "redirectUris": uris}))
            .await;
        assert_malformed(&reply, "invalid");
        // `null` for a field that cannot be cleared is a type error, not "unchanged".
        let reply = api.patch(&seed.client(), json!({"redirectUris": uris})).await;
        assert_malformed(&reply, "invalid");
    }
    for body in [
        json!({"name": null, "redirectUris": ["https://a.example/cb"]}),
        json!({"expectedVersion": null, "name": "n"}),
    ] {
        assert_malformed(&api.patch(&seed.client(), body).await, "invalid");
    }
    let reply = api.post("/admin/clients", json!({"name": "n"})).await;
    assert_malformed(&reply, "redirectUris");
    api.assert_unchanged(&before).await;
}

async fn negative_follower_count_is_rejected(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let before = api.snapshot().await;
    for count in [json!(-1), json!(1.5), json!("10"), json!(1e30)] {
        let body =
            json!({"channelName": "n", "channelLink": "https://x.example", "channelFollowerCount": count});
        assert_malformed(&api.post(&seed.channels(), body).await, "invalid");
        assert_malformed(
            &api.patch(&seed.channel(), json!({"channelFollowerCount": count}))
                .await,
            "invalid",
        );
    }
    api.assert_unchanged(&before).await;
}

async fn non_boolean_disabled_is_rejected(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let before = api.snapshot().await;
    for value in [json!("yes"), json!(1), json!("true"), json!([])] {
        assert_malformed(
            &api.patch(&seed.user(), json!({"disabled": value})).await,
            "invalid",
        );
        assert_malformed(
            &api.patch(&seed.channel(), json!({"channelEnabled": value})).await,
            "invalid",
        );
        let body = json!({"channelName": "n", "channelLink": "https://x.example", "channelEnabled": value});
        assert_malformed(&api.post(&seed.channels(), body).await, "invalid");
    }
    assert_malformed(
        &api.patch(&seed.user(), json!({"expectedVersion": "1", "disabled": true}))
            .await,
        "invalid",
    );
    api.assert_unchanged(&before).await;
}

async fn unknown_fields_are_rejected(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let before = api.snapshot().await;
    let cases = [
        (
            Method::POST,
            "/admin/clients".to_owned(),
            json!({"name": "n", "redirectUris": [REDIRECT], "extra": 1}),
        ),
        (
            Method::POST,
            "/admin/clients".to_owned(),
            json!({"name": "n", "redirectUris": [REDIRECT], "clientId": "x"}),
        ),
        (
            Method::PATCH,
            seed.client(),
            json!({"name": "n", "clientSecret": "chosen"}),
        ),
        (Method::PATCH, seed.client(), json!({"name": "n", "version": 7})),
        (
            Method::POST,
            "/admin/users".to_owned(),
            json!({"login": "zed", "password": PASSWORD, "userName": "Z", "disabled": true}),
        ),
        (
            Method::PATCH,
            seed.user(),
            json!({"passwordHash": "$argon2id$forged"}),
        ),
        (Method::PATCH, seed.user(), json!({"login": "mallory"})),
        (
            Method::POST,
            seed.channels(),
            json!({"channelName": "n", "channelLink": "https://x.example", "userId": "id-1"}),
        ),
        (
            Method::PATCH,
            seed.channel(),
            json!({"channelName": "n", "userId": "someone-else"}),
        ),
        (
            Method::PATCH,
            seed.channel(),
            json!({"channel_name": "snake case"}),
        ),
        (
            Method::POST,
            format!("{}/rotate-secret", seed.client()),
            json!({"overlap": 5}),
        ),
    ];
    for (method, path, body) in cases {
        let reply = api.send(method.clone(), &path, Some(&body.to_string())).await;
        assert_malformed(&reply, "unknown field");
    }
    api.assert_unchanged(&before).await;
}

async fn body_over_64_kib_is_413(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let before = api.snapshot().await;
    let limit = onair_api::extract::MAX_BODY;
    // Valid JSON apart from its size, so only the size can be the reason.
    let padded = |len: usize| {
        let skeleton = json!({"name": "", "redirectUris": [REDIRECT]}).to_string();
        let name = "a".repeat(len - skeleton.len());
        json!({"name": name, "redirectUris": [REDIRECT]}).to_string()
    };
    for (method, path) in [
        (Method::POST, "/admin/clients".to_owned()),
        (Method::PATCH, seed.client()),
        (Method::POST, format!("{}/rotate-secret", seed.client())),
    ] {
        let body = padded(limit + 1);
        assert_eq!(body.len(), limit + 1);
        let reply = api.send(method.clone(), &path, Some(&body)).await;
        assert_error(&reply, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
        let huge = padded(4 * limit);
        assert_error(
            &api.send(method, &path, Some(&huge)).await,
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        );
    }
    // Exactly at the limit the body is read; it then fails validation (the name is too long).
    let body = padded(limit);
    assert_eq!(body.len(), limit);
    assert_invalid(
        &api.send(Method::POST, "/admin/clients", Some(&body)).await,
        "name",
    );
    api.assert_unchanged(&before).await;
}

async fn body_without_json_content_type_is_415(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let before = api.snapshot().await;
    let auth = format!("Bearer {ADMIN_TOKEN}");
    let client = json!({"name": "n", "redirectUris": [REDIRECT]}).to_string();
    let user = json!({"login": "zed", "password": PASSWORD, "userName": "Z"}).to_string();
    let rotate = json!({"overlapSeconds": 0}).to_string();
    let cases = [
        (Method::POST, "/admin/clients".to_owned(), client.clone()),
        (Method::PATCH, seed.client(), json!({"name": "x"}).to_string()),
        (Method::POST, "/admin/users".to_owned(), user),
        (Method::PATCH, seed.user(), json!({"disabled": true}).to_string()),
        (
            Method::POST,
            seed.channels(),
            json!({"channelName": "n", "channelLink": "https://x.example"}).to_string(),
        ),
        (
            Method::PATCH,
            seed.channel(),
            json!({"channelName": "x"}).to_string(),
        ),
        (Method::POST, format!("{}/rotate-secret", seed.client()), rotate),
    ];
    for (method, path, body) in cases {
        for content_type in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            Some("json"),
        ] {
            let mut headers = vec![("authorization", auth.as_str())];
            if let Some(ct) = content_type {
                headers.push(("content-type", ct));
            }
            let reply = raw(
                &api.router,
                method.clone(),
                &path,
                &headers,
                body.clone().into_bytes(),
            )
            .await;
            assert_error(
                &reply,
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
            );
        }
    }
    api.assert_unchanged(&before).await;
    // A charset parameter is still JSON.
    let headers = [
        ("authorization", auth.as_str()),
        ("content-type", "application/json; charset=utf-8"),
    ];
    let reply = raw(
        &api.router,
        Method::POST,
        "/admin/clients",
        &headers,
        client.into_bytes(),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
}

async fn empty_strings_are_rejected(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let before = api.snapshot().await;
    for empty in ["", "   ", "\t"] {
        assert_invalid(
            &api.post(
                "/admin/clients",
                json!({"name": empty, "redirectUris": [REDIRECT]}),
            )
            .await,
            "name",
        );
        assert_invalid(&api.patch(&seed.client(), json!({"name": empty})).await, "name");
        let user = json!({"login": empty, "password": PASSWORD, "userName": "Z"});
        assert_invalid(&api.post("/admin/users", user).await, "login");
        let user = json!({"login": "zed", "password": PASSWORD, "userName": empty});
        assert_invalid(&api.post("/admin/users", user).await, "userName");
        assert_invalid(
            &api.patch(&seed.user(), json!({"userName": empty})).await,
            "userName",
        );
        let channel = json!({"channelName": empty, "channelLink": "https://x.example"});
        assert_invalid(&api.post(&seed.channels(), channel).await, "channelName");
        assert_invalid(
            &api.patch(&seed.channel(), json!({"channelName": empty})).await,
            "channelName",
        );
        assert_invalid(
            &api.patch(&seed.channel(), json!({"channelLink": empty})).await,
            "channelLink",
        );
    }
    // Every problem is listed at once.
    let reply = api
        .post(
            "/admin/users",
            json!({"login": "", "password": "", "userName": ""}),
        )
        .await;
    assert_invalid(&reply, "login");
    assert_invalid(&reply, "password");
    assert_invalid(&reply, "userName");
    assert!(matches!(
        api.app.state.users.find_by_login("zed").await,
        Err(StoreError::NotFound)
    ));
    api.assert_unchanged(&before).await;
}

async fn client_name_over_100_characters_is_rejected(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let before = api.snapshot().await;
    for long in ["a".repeat(101), "é".repeat(101), "a".repeat(10_000)] {
        assert_invalid(
            &api.post(
                "/admin/clients",
                json!({"name": long, "redirectUris": [REDIRECT]}),
            )
            .await,
            "name",
        );
        assert_invalid(&api.patch(&seed.client(), json!({"name": long})).await, "name");
        let channel = json!({"channelName": long, "channelLink": "https://x.example"});
        assert_invalid(&api.post(&seed.channels(), channel).await, "channelName");
        assert_invalid(
            &api.patch(&seed.channel(), json!({"channelName": long})).await,
            "channelName",
        );
        assert_invalid(
            &api.patch(&seed.user(), json!({"userName": long})).await,
            "userName",
        );
    }
    assert_invalid(
        &api.patch(&seed.channel(), json!({"channelTags": "t".repeat(501)}))
            .await,
        "channelTags",
    );
    let description = "d".repeat(5001);
    assert_invalid(
        &api.patch(&seed.channel(), json!({"channelDescription": description}))
            .await,
        "channelDescription",
    );
    assert_invalid(
        &api.patch(&seed.client(), json!({"name": "bell\u{7}"})).await,
        "name",
    );
    api.assert_unchanged(&before).await;
    // 100 characters (200 bytes here) are fine.
    let ok = api
        .post(
            "/admin/clients",
            json!({"name": "é".repeat(100), "redirectUris": [REDIRECT]}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
}

async fn login_over_64_characters_is_rejected(backend: Backend) {
    let (api, _seed) = Api::seeded(backend).await;
    let before = api.snapshot().await;
    for login in [
        "a".repeat(65),
        format!("{}@example.com", "a".repeat(53)),
        "has space".into(),
        "slash/y".into(),
    ] {
        let reply = api
            .post(
                "/admin/users",
                json!({"login": login, "password": PASSWORD, "userName": "Z"}),
            )
            .await;
        assert_invalid(&reply, "login");
        assert!(matches!(
            api.app.state.users.find_by_login(&login.to_lowercase()).await,
            Err(StoreError::NotFound)
        ));
    }
    api.assert_unchanged(&before).await;
    let ok = api
        .post(
            "/admin/users",
            json!({"login": "a".repeat(64), "password": PASSWORD, "userName": "Z"}),
        )
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
}

async fn invalid_urls_are_rejected(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let before = api.snapshot().await;
    let too_long = format!("https://x.example/{}", "a".repeat(2048));
    for url in [
        "not a url",
        "ftp://x.example/a",
        "javascript:alert(1)",
        "/relative",
        "https://",
        too_long.as_str(),
    ] {
        let channel = json!({"channelName": "n", "channelLink": url});
        assert_invalid(&api.post(&seed.channels(), channel).await, "channelLink");
        assert_invalid(
            &api.patch(&seed.channel(), json!({"channelLink": url})).await,
            "channelLink",
        );
        let body = json!({"channelThumbnailUrl": url});
        assert_invalid(&api.patch(&seed.channel(), body).await, "channelThumbnailUrl");
        let user = json!({"login": "zed", "password": PASSWORD, "userName": "Z", "profileThumbnail": url});
        assert_invalid(&api.post("/admin/users", user).await, "profileThumbnail");
        assert_invalid(
            &api.patch(&seed.user(), json!({"profileThumbnail": url})).await,
            "profileThumbnail",
        );
        let client = json!({"name": "n", "redirectUris": [url]});
        assert_invalid(&api.post("/admin/clients", client).await, "redirectUris[0]");
        assert_invalid(
            &api.patch(&seed.client(), json!({"redirectUris": [url]})).await,
            "redirectUris[0]",
        );
    }
    api.assert_unchanged(&before).await;
}

async fn plain_http_redirect_uri_needs_a_loopback_host(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let before = api.snapshot().await;
    for uri in [
        "http://prism.example/cb",
        "http://10.0.0.1/cb",
        "http://localhost.example/cb",
        "http://127.0.0.1.nip.io/cb",
    ] {
        let reply = api
            .post(
                "/admin/clients",
                json!({"name": "n", "redirectUris": [REDIRECT, uri]}),
            )
            .await;
        assert_invalid(&reply, "redirectUris[1]");
        assert!(reply.text.contains("https"), "{}", reply.text);
        assert_invalid(
            &api.patch(&seed.client(), json!({"redirectUris": [uri]})).await,
            "redirectUris[0]",
        );
    }
    api.assert_unchanged(&before).await;
    let body = json!({"name": "native", "redirectUris": ["http://127.0.0.1:9000/cb", "http://localhost/cb", "http://[::1]/cb"]});
    let ok = api.post("/admin/clients", body).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
}

async fn redirect_uri_with_fragment_is_rejected(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let before = api.snapshot().await;
    for uri in [
        "https://prism.example/cb#frag",
        "https://prism.example/cb#",
        "https://user:pw@prism.example/cb",
    ] {
        assert_invalid(
            &api.post("/admin/clients", json!({"name": "n", "redirectUris": [uri]}))
                .await,
            "redirectUris[0]",
        );
        assert_invalid(
            &api.patch(&seed.client(), json!({"redirectUris": [uri]})).await,
            "redirectUris[0]",
        );
    }
    api.assert_unchanged(&before).await;
}

async fn duplicate_redirect_uris_are_rejected(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let before = api.snapshot().await;
    let uris = json!([REDIRECT, "https://other.example/cb", REDIRECT]);
    assert_invalid(
        &api.post("/admin/clients", json!({"name": "n", "redirectUris": uris}))
            .await,
        "redirectUris[2]",
    );
    assert_invalid(
        &api.patch(&seed.client(), json!({"redirectUris": uris})).await,
        "redirectUris[2]",
    );
    api.assert_unchanged(&before).await;
}

async fn redirect_uri_count_must_be_one_to_ten(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let before = api.snapshot().await;
    let eleven: Vec<String> = (0..11).map(|i| format!("https://prism.example/cb/{i}")).collect();
    for uris in [json!(eleven), json!([])] {
        assert_invalid(
            &api.post("/admin/clients", json!({"name": "n", "redirectUris": uris}))
                .await,
            "redirectUris",
        );
        assert_invalid(
            &api.patch(&seed.client(), json!({"redirectUris": uris})).await,
            "redirectUris",
        );
    }
    api.assert_unchanged(&before).await;
    let ten = &eleven[..10];
    let ok = api.patch(&seed.client(), json!({"redirectUris": ten})).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
}

async fn short_password_is_rejected(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let before = api.snapshot().await;
    for password in ["", "1234567", "ééééééé", &"p".repeat(257)] {
        let reply = api
            .post(
                "/admin/users",
                json!({"login": "zed", "password": password, "userName": "Z"}),
            )
            .await;
        assert_invalid(&reply, "password");
        assert!(
            !reply.text.contains(password) || password.is_empty(),
            "the password is echoed: {}",
            reply.text
        );
        assert_invalid(
            &api.patch(&seed.user(), json!({"password": password})).await,
            "password",
        );
    }
    assert!(matches!(
        api.app.state.users.find_by_login("zed").await,
        Err(StoreError::NotFound)
    ));
    api.assert_unchanged(&before).await;
    let ok = api.patch(&seed.user(), json!({"password": "12345678"})).await;
    assert_eq!(
        ok.status,
        StatusCode::OK,
        "eight characters are enough: {}",
        ok.text
    );
}

async fn bad_limit_is_rejected(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let before = api.snapshot().await;
    for list in ["/admin/clients".to_owned(), seed.channels()] {
        for limit in ["0", "101", "x", "-1", "", "1.5", "99999999999999999999999"] {
            assert_invalid(&api.get(&format!("{list}?limit={limit}")).await, "limit");
        }
        for limit in ["1", "100"] {
            let reply = api.get(&format!("{list}?limit={limit}")).await;
            assert_eq!(
                reply.status,
                StatusCode::OK,
                "{list}?limit={limit}: {}",
                reply.text
            );
        }
    }
    api.assert_unchanged(&before).await;
}

async fn garbage_page_token_is_rejected(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let before = api.snapshot().await;
    let long = "A".repeat(5000);
    for list in ["/admin/clients".to_owned(), seed.channels()] {
        for token in [
            "garbage",
            "%%%",
            "eyJub3QiOiJhIGN1cnNvciJ9",
            "bnVsbA",
            long.as_str(),
        ] {
            assert_invalid(&api.get(&format!("{list}?pageToken={token}")).await, "pageToken");
        }
    }
    api.assert_unchanged(&before).await;
}

async fn unknown_query_parameter_is_rejected(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let before = api.snapshot().await;
    for list in ["/admin/clients".to_owned(), seed.channels()] {
        assert_malformed(&api.get(&format!("{list}?offset=10")).await, "offset");
        assert_error(
            &api.get(&format!("{list}?limit=1&limit=2")).await,
            StatusCode::BAD_REQUEST,
            "malformed_request",
        );
    }
    api.assert_unchanged(&before).await;
}

async fn rotate_overlap_out_of_range_is_rejected(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let before = api.snapshot().await;
    let path = format!("{}/rotate-secret", seed.client());
    for overlap in [json!(-1), json!(30 * 24 * 3600 + 1), json!(i64::MAX)] {
        assert_invalid(
            &api.post(&path, json!({"overlapSeconds": overlap})).await,
            "overlapSeconds",
        );
    }
    assert_malformed(&api.post(&path, json!({"overlapSeconds": "60"})).await, "invalid");
    api.assert_unchanged(&before).await;
}

async fn unknown_ids_are_404(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let before = api.snapshot().await;
    let channel = json!({"channelName": "n", "channelLink": "https://x.example"});
    let cases = [
        (Method::GET, "/admin/clients/nope".to_owned(), None, "client"),
        (
            Method::PATCH,
            "/admin/clients/nope".to_owned(),
            Some(json!({"name": "x"})),
            "client",
        ),
        (Method::DELETE, "/admin/clients/nope".to_owned(), None, "client"),
        (
            Method::POST,
            "/admin/clients/nope/rotate-secret".to_owned(),
            None,
            "client",
        ),
        (Method::GET, "/admin/users/nope".to_owned(), None, "user"),
        (
            Method::PATCH,
            "/admin/users/nope".to_owned(),
            Some(json!({"disabled": true})),
            "user",
        ),
        (Method::DELETE, "/admin/users/nope".to_owned(), None, "user"),
        (
            Method::POST,
            "/admin/users/nope/channels".to_owned(),
            Some(channel),
            "user",
        ),
        (Method::GET, "/admin/users/nope/channels".to_owned(), None, "user"),
        (
            Method::GET,
            format!("/admin/users/nope/channels/{}", seed.channel_id),
            None,
            "channel",
        ),
        (Method::GET, format!("{}/nope", seed.channels()), None, "channel"),
        (
            Method::PATCH,
            format!("{}/nope", seed.channels()),
            Some(json!({"channelName": "x"})),
            "channel",
        ),
        // A real id of another kind is not an id of this kind.
        (
            Method::GET,
            format!("/admin/clients/{}", seed.user_id),
            None,
            "client",
        ),
        (
            Method::GET,
            format!("/admin/users/{}", seed.client_id),
            None,
            "user",
        ),
        (
            Method::GET,
            format!("{}/{}", seed.channels(), seed.user_id),
            None,
            "channel",
        ),
    ];
    for (method, path, body, resource) in cases {
        let body = body.map(|b| b.to_string());
        let reply = api.send(method.clone(), &path, body.as_deref()).await;
        assert_error(&reply, StatusCode::NOT_FOUND, "not_found");
        assert_eq!(
            reply.body["message"],
            format!("{resource} not found"),
            "{method} {path}"
        );
    }
    api.assert_unchanged(&before).await;
}

async fn ids_that_cannot_be_ids_are_404(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let before = api.snapshot().await;
    let too_long = "a".repeat(65);
    for bad in [
        "%2F..",
        "..",
        "%2e%2e",
        "a%20b",
        "a.b",
        "%00",
        "%FF",
        "%C3%A9",
        "*",
        too_long.as_str(),
    ] {
        for path in [
            format!("/admin/clients/{bad}"),
            format!("/admin/users/{bad}"),
            format!("/admin/users/{bad}/channels"),
            format!("/admin/users/{}/channels/{bad}", seed.user_id),
            format!("/admin/users/{bad}/channels/{}", seed.channel_id),
        ] {
            let reply = api.get(&path).await;
            assert_error(&reply, StatusCode::NOT_FOUND, "not_found");
        }
        let reply = api
            .patch(&format!("/admin/users/{bad}"), json!({"disabled": true}))
            .await;
        assert_error(&reply, StatusCode::NOT_FOUND, "not_found");
        assert_error(
            &api.delete(&format!("/admin/clients/{bad}")).await,
            StatusCode::NOT_FOUND,
            "not_found",
        );
        assert_error(
            &api.delete(&format!("/admin/users/{bad}")).await,
            StatusCode::NOT_FOUND,
            "not_found",
        );
    }
    api.assert_unchanged(&before).await;
}

async fn channel_under_the_wrong_owner_is_404(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let mallory = id(&api.create_user("mallory").await, "userId");
    let before = api.snapshot().await;
    let path = format!("/admin/users/{mallory}/channels/{}", seed.channel_id);
    assert_error(&api.get(&path).await, StatusCode::NOT_FOUND, "not_found");
    let reply = api
        .patch(&path, json!({"channelName": "stolen", "channelEnabled": false}))
        .await;
    assert_error(&reply, StatusCode::NOT_FOUND, "not_found");
    assert!(
        api.list_all(&format!("/admin/users/{mallory}/channels"))
            .await
            .is_empty()
    );
    api.assert_unchanged(&before).await;
    let own = api.get(&seed.channel()).await;
    assert_eq!(own.status, StatusCode::OK);
    assert_eq!(own.body["channelName"], "Alice live");
}

async fn duplicate_login_is_rejected_and_changes_nothing(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let before = api.snapshot().await;
    for login in ["alice", "ALICE", "  Alice "] {
        let body = json!({"login": login, "password": "another password", "userName": "Impostor"});
        let reply = api.post("/admin/users", body).await;
        assert_error(&reply, StatusCode::CONFLICT, "conflict");
    }
    api.assert_unchanged(&before).await;
    let owner = api.app.state.users.find_by_login("alice").await.unwrap();
    assert_eq!(owner.id.as_str(), seed.user_id);
    assert!(verify_password(PASSWORD, owner.password_hash.unwrap().expose()).unwrap());
}

async fn patch_with_nothing_to_change_is_400(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let before = api.snapshot().await;
    for path in [seed.client(), seed.user(), seed.channel()] {
        for body in [json!({}), json!({"expectedVersion": 1})] {
            assert_invalid(&api.patch(&path, body).await, "body");
        }
    }
    api.assert_unchanged(&before).await;
}

async fn stale_expected_version_is_409_and_changes_nothing(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let changes = [
        (
            seed.client(),
            json!({"name": "v2"}),
            json!({"name": "stale", "expectedVersion": 1}),
        ),
        (
            seed.user(),
            json!({"userName": "v2"}),
            json!({"disabled": true, "expectedVersion": 1}),
        ),
        (
            seed.channel(),
            json!({"channelName": "v2"}),
            json!({"channelEnabled": false, "expectedVersion": 1}),
        ),
    ];
    for (path, first, _) in &changes {
        let reply = api.patch(path, first.clone()).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.body["version"], 2);
    }
    let before = api.snapshot().await;
    for (path, _, stale) in &changes {
        assert_error(
            &api.patch(path, stale.clone()).await,
            StatusCode::CONFLICT,
            "conflict",
        );
        // A version from the future is just as stale.
        let mut future = stale.clone();
        future["expectedVersion"] = json!(3);
        assert_error(&api.patch(path, future).await, StatusCode::CONFLICT, "conflict");
    }
    api.assert_unchanged(&before).await;
}

// ---------------------------------------------------------------------------------------------------
// Concurrency

async fn concurrent_patches_with_one_expected_version_have_one_winner(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let path = seed.channel();
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let router = api.router.clone();
            let path = path.clone();
            let body = json!({"channelName": format!("writer {i}"), "channelFollowerCount": i, "expectedVersion": 1});
            tokio::spawn(async move { admin(&router, Method::PATCH, &path, Some(&body.to_string())).await })
        })
        .collect();
    let replies: Vec<Reply> = futures::future::join_all(tasks)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let winners: Vec<&Reply> = replies.iter().filter(|r| r.status == StatusCode::OK).collect();
    assert_eq!(
        winners.len(),
        1,
        "{:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for loser in replies.iter().filter(|r| r.status != StatusCode::OK) {
        assert_error(loser, StatusCode::CONFLICT, "conflict");
    }
    let winner = &winners[0].body;
    assert_eq!(winner["version"], 2);
    let name = winner["channelName"].as_str().unwrap();
    let i: u64 = name.strip_prefix("writer ").unwrap().parse().unwrap();
    assert_eq!(
        winner["channelFollowerCount"], i,
        "the winner's fields come from one request"
    );
    assert_eq!(&api.get(&path).await.body, winner);
}

// ---------------------------------------------------------------------------------------------------
// Methods, paths, request ids

/// Every route of the registry, not only the admin ones: the refusal sits in front of all surfaces. Admin
/// routes also answer in the admin error format (other surfaces have their own formats and tests).
async fn head_and_options_are_405_on_every_route(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let before = api.snapshot().await;
    let mut paths: Vec<String> = onair_api::registry::http_functions()
        .map(|(_, http)| {
            http.path
                .replace("{clientId}", &seed.client_id)
                .replace("{userId}", &seed.user_id)
                .replace("{channelId}", &seed.channel_id)
        })
        .collect();
    paths.push("/admin/nope".into());
    paths.dedup();
    for path in &paths {
        let is_admin = onair_api::Surface::of_path(path) == onair_api::Surface::Admin;
        for method in [Method::HEAD, Method::OPTIONS] {
            let reply = api.send(method.clone(), path, None).await;
            assert_eq!(reply.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            if method == Method::OPTIONS && is_admin {
                assert_error(&reply, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
            }
            let allow = reply.headers.get("allow").map(|v| v.to_str().unwrap().to_owned());
            assert!(
                allow.as_deref().is_none_or(str::is_empty),
                "{method} {path} advertises {allow:?}"
            );
            // CORS preflight headers make no difference.
            let headers = [
                ("authorization", &*format!("Bearer {ADMIN_TOKEN}")),
                ("origin", "https://evil.example"),
                ("access-control-request-method", "DELETE"),
            ];
            let reply = raw(&api.router, method.clone(), path, &headers, vec![]).await;
            assert_eq!(
                reply.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path} (preflight)"
            );
            assert!(reply.headers.get("access-control-allow-origin").is_none());
        }
    }
    api.assert_unchanged(&before).await;
}

async fn wrong_method_is_405_json(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let before = api.snapshot().await;
    for (method, path) in [
        (Method::PUT, "/admin/clients".to_owned()),
        (Method::DELETE, "/admin/clients".to_owned()),
        (Method::PATCH, "/admin/clients".to_owned()),
        (Method::POST, seed.client()),
        (Method::PUT, seed.client()),
        (Method::GET, format!("{}/rotate-secret", seed.client())),
        (Method::GET, "/admin/users".to_owned()),
        (Method::POST, seed.user()),
        (Method::DELETE, seed.channels()),
        (Method::DELETE, seed.channel()),
        (Method::POST, seed.channel()),
        (Method::TRACE, seed.channel()),
    ] {
        let reply = api.send(method, &path, Some("{}")).await;
        assert_error(&reply, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    }
    api.assert_unchanged(&before).await;
}

async fn unknown_path_is_404_json(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let before = api.snapshot().await;
    for path in [
        "/admin".to_owned(),
        "/admin/".to_owned(),
        "/admin/nope".to_owned(),
        "/admin/clients/".to_owned(),
        format!("{}/extra", seed.client()),
        format!("{}/extra", seed.channel()),
        "/admin/users/a/b/c/d/e/f".to_owned(),
    ] {
        let reply = api.get(&path).await;
        assert_error(&reply, StatusCode::NOT_FOUND, "not_found");
        assert_eq!(reply.body["message"], "no such route", "{path}");
        let reply = api.send(Method::POST, &path, Some("{}")).await;
        assert_error(&reply, StatusCode::NOT_FOUND, "not_found");
    }
    api.assert_unchanged(&before).await;
}

async fn every_response_carries_a_request_id(backend: Backend) {
    let (api, seed) = Api::seeded(backend).await;
    let big = "x".repeat(70_000);
    let replies = vec![
        api.get("/admin/clients").await,
        api.post("/admin/clients", json!({"name": "n", "redirectUris": [REDIRECT]}))
            .await,
        api.get(&seed.channel()).await,
        api.post("/admin/clients", json!({"name": ""})).await,
        api.send(Method::POST, "/admin/clients", Some("{")).await,
        api.send(Method::POST, "/admin/clients", Some(&big)).await,
        raw(
            &api.router,
            Method::POST,
            "/admin/clients",
            &[("authorization", &format!("Bearer {ADMIN_TOKEN}"))],
            vec![],
        )
        .await,
        call(&api.router, Method::GET, "/admin/clients", None, None).await,
        call(&api.router, Method::GET, "/admin/nope", Some("wrong"), None).await,
        api.get("/admin/clients/nope").await,
        api.get("/admin/nope").await,
        api.send(Method::PUT, "/admin/clients", None).await,
        api.send(Method::HEAD, "/admin/clients", None).await,
        api.send(Method::OPTIONS, "/admin/clients", None).await,
        api.patch(&seed.user(), json!({"disabled": true, "expectedVersion": 9}))
            .await,
        api.delete(&seed.client()).await,
        call(&api.router, Method::GET, "/", None, None).await,
    ];
    let mut ids = HashSet::new();
    for reply in &replies {
        let request_id = reply
            .headers
            .get("x-request-id")
            .unwrap_or_else(|| panic!("no x-request-id: {reply:?}"));
        let request_id = request_id.to_str().unwrap();
        assert!(!request_id.is_empty());
        assert!(
            ids.insert(request_id.to_owned()),
            "request id {request_id} reused"
        );
    }
    let statuses: HashSet<u16> = replies.iter().map(|r| r.status.as_u16()).collect();
    for status in [200, 201, 204, 400, 401, 404, 405, 409, 413, 415] {
        assert!(statuses.contains(&status), "no {status} among {statuses:?}");
    }
}
