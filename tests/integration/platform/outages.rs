//! Outages on every surface, on both stores: the token endpoints (PRISM's and the standard one, RFC
//! JSON `temporarily_unavailable`), PRISM resource calls (envelope `errorCode` 50301), the login page
//! (the localised error page), introspection and revocation all answer 503 with `Retry-After` while the
//! store is down, and work again once it is back.
//!
//! DynamoDB: the application runs on its own moto server (production timeouts and retries), which the
//! test really stops mid-test (kills the process) and starts again. The embedded store cannot go down,
//! so there every port fails through the fault decorator ([`crate::faults::inject`]).

use crate::faults::inject::Fault;
use crate::faults::{FaultApp, assert_503};
use crate::support::Moto;
use crate::support::oauth::{
    PASSWORD, TestClient, authorize_path, basic, create_channel, create_client, create_user, form, get,
    login_tokens, open_login, page_error, post_form, prism_exchange, prism_get, prism_refresh,
    standard_token, tokens,
};
use crate::support::{ADMIN_TOKEN, Backend, ISSUER, Reply, T0};
use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{Credentials, Region};
use axum::Router;
use http::StatusCode;
use onair_app::{AdminAuth, OAuthSettings, Settings};
use onair_domain::{FixedClock, SecretString, SequenceGenerator};
use onair_platform::wiring::dynamo_state;
use onair_store::dynamo::{DynamoStores, schema};
use onair_store::secrets::manager::SecretsManagerStore;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The Korean text of the login page's outage message.
const UNAVAILABLE_KO: &str = "일시적으로 서비스를 이용할 수 없습니다";

/// What a test needs to call every surface.
struct Scene {
    client: TestClient,
    user: String,
    channel: String,
    refresh: String,
    access: String,
    /// A code issued before the outage, not yet exchanged.
    code: String,
}

async fn set_scene(router: &Router) -> Scene {
    let client = create_client(router, "PRISM").await;
    let user = create_user(router, "streamer").await;
    let channel = create_channel(router, &user, "live").await;
    let issued = login_tokens(router, &client, "streamer").await;
    let code = crate::support::oauth::obtain_code(router, &client.id, "streamer", None, None).await;
    Scene {
        client,
        user,
        channel,
        refresh: issued.refresh,
        access: issued.access,
        code,
    }
}

#[track_caller]
fn assert_quick(started: Instant, what: &str) {
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(5),
        "{what} took {elapsed:?} to give up"
    );
}

/// Every surface answers 503 with `Retry-After`, in its own format, within a few seconds.
async fn every_surface_is_unavailable(router: &Router, scene: &Scene) {
    let started = Instant::now();
    let reply = prism_refresh(router, &scene.client, &scene.refresh).await;
    assert_503(&reply, "PRISM token endpoint, refresh");
    assert_eq!(reply.body["error"], "temporarily_unavailable", "{}", reply.text);
    assert_quick(started, "PRISM refresh");

    let started = Instant::now();
    let reply = prism_exchange(router, &scene.client, &scene.code, &[]).await;
    assert_503(&reply, "PRISM token endpoint, code");
    assert_eq!(reply.body["error"], "temporarily_unavailable", "{}", reply.text);
    assert_quick(started, "PRISM code exchange");

    let auth = scene.client.basic();
    let started = Instant::now();
    let reply = standard_token(
        router,
        &[("authorization", &auth)],
        &[("grant_type", "refresh_token"), ("refresh_token", &scene.refresh)],
    )
    .await;
    assert_503(&reply, "standard token endpoint");
    assert_eq!(reply.body["error"], "temporarily_unavailable", "{}", reply.text);
    assert!(reply.body.get("error_description").is_none_or(|d| d.is_string()));
    assert_quick(started, "standard token endpoint");

    for path in [
        "/prism/v1/service/user".to_owned(),
        "/prism/v1/service/channel/list".to_owned(),
        format!("/prism/v1/service/channel/{}", scene.channel),
    ] {
        let started = Instant::now();
        let reply = prism_get(router, &path, &scene.access).await;
        assert_503(&reply, &path);
        assert_eq!(reply.body["success"], false, "{path}: {}", reply.text);
        assert_eq!(reply.body["errorCode"], 50301, "{path}: {}", reply.text);
        assert_quick(started, &path);
    }

    let started = Instant::now();
    let reply = post_form(
        router,
        "/oauth/introspect",
        &[("authorization", &auth)],
        &form(&[("token", &scene.refresh)]),
    )
    .await;
    assert_503(&reply, "introspection");
    assert_quick(started, "introspection");

    let started = Instant::now();
    let reply = post_form(
        router,
        "/oauth/revoke",
        &[("authorization", &auth)],
        &form(&[("token", &scene.refresh)]),
    )
    .await;
    assert_503(&reply, "revocation");
    assert_quick(started, "revocation");
}

/// The login page: the form (client lookup) and the sign-in (user lookup) give the localised error
/// page with 503 — or, if the client record is still cached, the form renders and the sign-in fails.
async fn login_page_is_unavailable(router: &Router, scene: &Scene) {
    let korean = [("accept-language", "ko-KR,ko;q=0.9")];
    let path = authorize_path(&scene.client.id, &[]);
    let started = Instant::now();
    let page = get(router, &path, &korean).await;
    let reply: Reply = if page.status == StatusCode::OK {
        // The client record came from the warm cache; the sign-in needs the user store.
        let form = open_login(router, &path, &korean).await;
        form.submit(router, "streamer", PASSWORD, "login", &korean).await
    } else {
        page
    };
    assert_503(&reply, "login page");
    assert_quick(started, "login page");
    let content_type = reply.headers["content-type"].to_str().unwrap();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let message = page_error(&reply.text).unwrap_or_else(|| reply.text.clone());
    assert!(
        message.contains(UNAVAILABLE_KO),
        "not the Korean outage text: {}",
        reply.text
    );
}

/// After recovery: the token endpoint answers by the rules again (not 503).
async fn every_surface_works(router: &Router, scene: &Scene) {
    let refreshed = tokens(&prism_refresh(router, &scene.client, &scene.refresh).await);
    let reply = prism_get(router, "/prism/v1/service/user", &refreshed.access).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    let form = open_login(router, &authorize_path(&scene.client.id, &[]), &[]).await;
    let reply = form.submit(router, "streamer", PASSWORD, "login", &[]).await;
    assert!(reply.status.is_redirection(), "{}", reply.text);
    let auth = basic(&scene.client.id, scene.client.secret());
    let reply = post_form(
        router,
        "/oauth/revoke",
        &[("authorization", &auth)],
        &form_pairs(&refreshed.refresh),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
}

fn form_pairs(token: &str) -> String {
    form(&[("token", token)])
}

async fn embedded_outage() {
    let app = FaultApp::new(Backend::Embedded).await;
    let scene = set_scene(&app.router).await;
    assert!(!scene.user.is_empty());
    app.faults.fail_all(Fault::Unavailable);
    every_surface_is_unavailable(&app.router, &scene).await;
    login_page_is_unavailable(&app.router, &scene).await;
    assert!(!app.faults.fired().is_empty());
    app.faults.clear();
    every_surface_works(&app.router, &scene).await;
}

// ---------------------------------------------------------------------------------------------------
// DynamoDB: a moto server of this test, really stopped.

const REGISTRATIONS: &str = "onair-registrations";
const TOKENS: &str = "onair-tokens";

async fn create_tables(client: &aws_sdk_dynamodb::Client) {
    for (spec, name) in [(&schema::REGISTRATIONS, REGISTRATIONS), (&schema::TOKENS, TOKENS)] {
        schema::create_table(client, spec, name)
            .await
            .expect("create table");
    }
}

async fn dynamodb_outage() {
    let mut moto = Moto::start().await;
    // The production timeouts and retries of `onair_platform::wiring`.
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(moto.endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_millis(500))
                .operation_attempt_timeout(Duration::from_millis(1000))
                .operation_timeout(Duration::from_millis(2000))
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(2))
        .load()
        .await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&sdk);
    create_tables(&dynamodb).await;
    let clock = Arc::new(FixedClock::at(T0));
    let secrets = Arc::new(SecretsManagerStore::new(
        aws_sdk_secretsmanager::Client::new(&sdk),
        "onair/",
        time::Duration::minutes(5),
        clock.clone(),
    ));
    let settings = Arc::new(Settings {
        admin_auth: AdminAuth::Token(SecretString::new(ADMIN_TOKEN)),
        secret_overlap: time::Duration::hours(24),
        oauth: OAuthSettings {
            issuer: Some(ISSUER.into()),
            ..OAuthSettings::default()
        },
        lifecycle: Default::default(),
    });
    let stores = DynamoStores::new(dynamodb.clone(), REGISTRATIONS, TOKENS);
    let state = dynamo_state(
        &stores,
        secrets,
        clock,
        Arc::new(SequenceGenerator::default()),
        settings,
    );
    let key = SecretString::new("test-signing-key-0123456789abcdef");
    let key_name = state.settings.oauth.signing_key_secret.clone();
    state.secrets.create(&key_name, &key).await.unwrap();
    let router = onair_api::host::local_router(state.clone());
    let scene = set_scene(&router).await;

    moto.stop();
    every_surface_is_unavailable(&router, &scene).await;
    login_page_is_unavailable(&router, &scene).await;

    // moto comes back empty: the same router and SDK clients serve again once the data is back.
    moto.restart().await;
    create_tables(&dynamodb).await;
    state.secrets.create(&key_name, &key).await.unwrap();
    let scene = set_scene(&router).await;
    every_surface_works(&router, &scene).await;
}

mod embedded {
    /// Every port fails through the decorator, then recovers.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn every_surface_answers_503_with_retry_after_during_an_outage_and_recovers() {
        super::embedded_outage().await;
    }
}

mod dynamodb {
    /// This test's own moto server is killed mid-test, then restarted.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn every_surface_answers_503_with_retry_after_while_moto_is_stopped_and_recovers() {
        super::dynamodb_outage().await;
    }
}
