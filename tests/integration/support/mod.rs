//! Shared test fixtures: the moto endpoint, fresh tables and secret prefixes per test, in-process
//! application state, and a small HTTP helper for routers.

pub mod oauth;
pub mod processes;
pub mod rtmp;

pub use processes::{Moto, local_binary, run_unittest_script};

use aws_sdk_dynamodb::config::{Credentials, Region};
use axum::Router;
use axum::body::Body;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt;
use onair_app::{AdminAuth, AppState, OAuthSettings, Settings};
use onair_domain::{Clock, FixedClock, Generator, SecretString, SequenceGenerator};
use onair_platform::wiring::{dynamo_state, embedded_state};
use onair_store::dynamo::{DynamoStores, schema};
use onair_store::embedded::EmbeddedStore;
use onair_store::secrets::manager::SecretsManagerStore;
use onair_store::secrets::memory::MemorySecretStore;
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use time::{Duration, OffsetDateTime, macros::datetime};
use tower::ServiceExt;

/// The admin token of in-process test states.
pub const ADMIN_TOKEN: &str = "test-admin-token-0123456789";

/// The issuer of in-process test states.
pub const ISSUER: &str = "https://onair.test";

/// The instant every fixed clock starts at.
pub const T0: OffsetDateTime = datetime!(2026-11-01 00:00:00 UTC);

/// The moto server the test command started. Its absence fails the test: a DynamoDB test must never
/// quietly run on something else.
#[allow(clippy::disallowed_methods)] // the test command hands the endpoint over in the environment
pub fn moto_endpoint() -> String {
    match std::env::var("AWS_ENDPOINT_URL") {
        Ok(url) if url.starts_with("http://127.0.0.1:") => url,
        _ => panic!(
            "AWS_ENDPOINT_URL must point at the moto server on 127.0.0.1; run the tests with infra/test"
        ),
    }
}

/// SDK configuration for moto.
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(moto_endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .load()
        .await
}

/// A name no other test (or earlier run against the same server) uses.
pub fn unique(prefix: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{}-{n}", std::process::id())
}

/// DynamoDB stores on a fresh pair of tables.
pub async fn fresh_dynamo() -> DynamoStores {
    let client = aws_sdk_dynamodb::Client::new(&sdk_config().await);
    let (registrations, tokens) = (unique("registrations"), unique("tokens"));
    schema::create_table(&client, &schema::REGISTRATIONS, &registrations)
        .await
        .expect("create registrations table");
    schema::create_table(&client, &schema::TOKENS, &tokens)
        .await
        .expect("create tokens table");
    DynamoStores::new(client, registrations, tokens)
}

/// A Secrets Manager store under a fresh prefix.
pub async fn fresh_secrets_manager(clock: Arc<dyn Clock>, ttl: Duration) -> SecretsManagerStore {
    let client = aws_sdk_secretsmanager::Client::new(&sdk_config().await);
    SecretsManagerStore::new(client, format!("{}/", unique("onair-test")), ttl, clock)
}

/// Runs each listed `async fn name(backend: Backend)` of the calling module once per backend, as
/// `embedded::name` and `dynamodb::name` (the summary of the test command counts tests by those module
/// names). The one per-backend harness of the suite: every area uses it.
macro_rules! on_both_backends {
    // `both` functions run on each backend; `dynamodb_only` ones (no argument) only in `dynamodb`.
    (both: [$($name:ident),* $(,)?], dynamodb_only: [$($only:ident),* $(,)?] $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name($crate::support::Backend::Embedded).await;
                }
            )*
        }
        mod dynamodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name($crate::support::Backend::Aws).await;
                }
            )*
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $only() {
                    super::$only().await;
                }
            )*
        }
    };
    ($($name:ident),* $(,)?) => {
        mod embedded {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name($crate::support::Backend::Embedded).await;
                }
            )*
        }
        mod dynamodb {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name($crate::support::Backend::Aws).await;
                }
            )*
        }
    };
}
pub(crate) use on_both_backends;

/// Runs each listed `async fn name()` of the calling module as a test in `mod $backend` — `embedded`,
/// `dynamodb` or `secrets_manager` — for tests that exist for one backend only. The test command's
/// summary counts tests by those module names, so every test that talks to moto sits in `dynamodb` or
/// `secrets_manager`.
macro_rules! on_backend {
    ($backend:ident: $($name:ident),* $(,)?) => {
        mod $backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name().await;
                }
            )*
        }
    };
}
pub(crate) use on_backend;

/// Which store an in-process state runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Embedded,
    Aws,
}

/// An in-process state on a fixed clock and predictable generator.
pub struct TestApp {
    pub state: AppState,
    pub clock: Arc<FixedClock>,
    pub dynamo: Option<DynamoStores>,
}

impl TestApp {
    pub async fn new(backend: Backend) -> TestApp {
        Self::with_settings(backend, |_| {}).await
    }

    /// A state whose OAuth settings `tune` may adjust (lifetimes, lockout limits…).
    pub async fn with_settings(backend: Backend, tune: impl FnOnce(&mut OAuthSettings)) -> TestApp {
        let clock = Arc::new(FixedClock::at(T0));
        let generator: Arc<dyn Generator> = Arc::new(SequenceGenerator::default());
        let mut oauth = OAuthSettings {
            issuer: Some(ISSUER.into()),
            client_cache_ttl: Duration::seconds(60),
            ..OAuthSettings::default()
        };
        tune(&mut oauth);
        let settings = Arc::new(Settings {
            admin_auth: AdminAuth::Token(SecretString::new(ADMIN_TOKEN)),
            secret_overlap: Duration::hours(24),
            oauth,
            lifecycle: Default::default(),
        });
        let (state, dynamo) = match backend {
            Backend::Embedded => {
                let secrets = Arc::new(MemorySecretStore::new(clock.clone()));
                (
                    embedded_state(&EmbeddedStore::new(), secrets, clock.clone(), generator, settings),
                    None,
                )
            }
            Backend::Aws => {
                let stores = fresh_dynamo().await;
                let secrets = Arc::new(fresh_secrets_manager(clock.clone(), Duration::minutes(5)).await);
                (
                    dynamo_state(&stores, secrets, clock.clone(), generator, settings),
                    Some(stores),
                )
            }
        };
        let name = state.settings.oauth.signing_key_secret.clone();
        state
            .secrets
            .create(&name, &SecretString::new("test-signing-key-0123456789abcdef"))
            .await
            .unwrap();
        TestApp { state, clock, dynamo }
    }

    pub fn router(&self) -> Router {
        onair_api::host::local_router(self.state.clone())
    }
}

/// A response, decoded.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

/// Sends one request through `router` in-process. `body` is sent verbatim as JSON when given.
pub async fn call(
    router: &Router,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Reply {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    if body.is_some() {
        request = request.header("content-type", "application/json");
    }
    let request = request.body(Body::from(body.unwrap_or("").to_owned())).unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
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

/// An admin call with the test admin token.
pub async fn admin(router: &Router, method: Method, path: &str, body: Option<&str>) -> Reply {
    call(router, method, path, Some(ADMIN_TOKEN), body).await
}
