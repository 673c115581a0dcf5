//! Fault injection: a decorator for every port ([`inject`]), an SDK interceptor for the steps inside
//! one DynamoDB / Secrets Manager adapter method ([`sdk`]), and the table of every multi-step write
//! with a fault at each step ([`table`], federation's first login in [`federation`], Content ID and
//! the processing report in [`content_id`]), run on both stores.
//!
//! [`FaultApp`] is `TestApp` with its ports wrapped: its `router` goes through the decorator,
//! `base` reaches the same store directly so a test can read what was really written.

mod content_id;
mod content_id_references;
mod federation;
pub mod inject;
pub mod sdk;
mod table;

use crate::support::{ADMIN_TOKEN, Backend, ISSUER, Reply, T0, unique};
use axum::Router;
use http::StatusCode;
use inject::Faults;
use onair_app::{AdminAuth, AppState, OAuthSettings, Settings};
use onair_domain::{FixedClock, Generator, SecretString, SequenceGenerator};
use onair_platform::wiring::{dynamo_state, embedded_state};
use onair_store::dynamo::{DynamoStores, schema};
use onair_store::embedded::EmbeddedStore;
use onair_store::secrets::manager::SecretsManagerStore;
use onair_store::secrets::memory::MemorySecretStore;
use sdk::SdkFaults;
use std::sync::Arc;
use time::Duration;

/// An in-process application whose ports can be made to fail.
pub struct FaultApp {
    pub backend: Backend,
    /// The unwrapped state: reads and writes the store with no faults.
    pub base: AppState,
    /// Port-level faults.
    pub faults: Faults,
    /// SDK-level faults (DynamoDB and Secrets Manager requests; unused on the embedded store).
    pub sdk: SdkFaults,
    pub router: Router,
}

impl FaultApp {
    pub async fn new(backend: Backend) -> FaultApp {
        Self::with_settings(backend, |_| {}).await
    }

    /// A fault app whose OAuth settings `tune` may adjust.
    pub async fn with_settings(backend: Backend, tune: impl FnOnce(&mut OAuthSettings)) -> FaultApp {
        Self::with_clock(backend, Arc::new(FixedClock::at(T0)), tune).await
    }

    /// A fault app on `clock` (federation needs one near the real time: the provider stamps its ID
    /// tokens with it) whose OAuth settings `tune` may adjust.
    pub async fn with_clock(
        backend: Backend,
        clock: Arc<FixedClock>,
        tune: impl FnOnce(&mut OAuthSettings),
    ) -> FaultApp {
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
        let sdk = SdkFaults::default();
        let base = match backend {
            Backend::Embedded => {
                let secrets = Arc::new(MemorySecretStore::new(clock.clone()));
                embedded_state(&EmbeddedStore::new(), secrets, clock.clone(), generator, settings)
            }
            Backend::Aws => {
                let client = sdk::dynamodb_client(&sdk).await;
                let (registrations, tokens) = (unique("fault-registrations"), unique("fault-tokens"));
                schema::create_table(&client, &schema::REGISTRATIONS, &registrations)
                    .await
                    .expect("create registrations table");
                schema::create_table(&client, &schema::TOKENS, &tokens)
                    .await
                    .expect("create tokens table");
                let stores = DynamoStores::new(client, registrations, tokens);
                let secrets = Arc::new(SecretsManagerStore::new(
                    sdk::secrets_client(&sdk).await,
                    format!("{}/", unique("onair-fault")),
                    Duration::minutes(5),
                    clock.clone(),
                ));
                dynamo_state(&stores, secrets, clock.clone(), generator, settings)
            }
        };
        let name = base.settings.oauth.signing_key_secret.clone();
        base.secrets
            .create(&name, &SecretString::new("test-signing-key-0123456789abcdef"))
            .await
            .unwrap();
        let faults = Faults::new();
        let state = inject::wrap(&base, &faults);
        let router = onair_api::host::local_router(state.clone());
        FaultApp {
            backend,
            base,
            faults,
            sdk,
            router,
        }
    }
}

/// The outage reply of an HTTP surface: 503 with a positive `Retry-After` in seconds.
#[track_caller]
pub fn assert_503(reply: &Reply, what: &str) {
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{what}: expected 503, got {}: {}",
        reply.status,
        reply.text
    );
    let seconds: u64 = reply
        .headers
        .get("retry-after")
        .unwrap_or_else(|| panic!("{what}: 503 without Retry-After"))
        .to_str()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("{what}: Retry-After is not in seconds"));
    assert!(seconds > 0, "{what}: Retry-After {seconds}");
    let text = reply.text.to_lowercase();
    for leak in ["injected", "dynamodb", "secretsmanager", "127.0.0.1", "dispatch"] {
        assert!(
            !text.contains(leak),
            "{what}: the body leaks {leak:?}: {}",
            reply.text
        );
    }
}
