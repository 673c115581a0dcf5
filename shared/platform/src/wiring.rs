//! Builds the ports the configuration asks for and assembles the handlers' [`AppState`].
//!
//! AWS SDK clients are created here once per process (once per Lambda cold start) and shared by every
//! request. Timeouts are short on purpose: PRISM gives up after 3 s, so a store that does not answer
//! within about a second is reported as unavailable (503 with `Retry-After`) rather than waited on.

use crate::config::{Config, LoginConfig, SecretsConfig, StepsConfig, StoreConfig};
use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use onair_app::client_cache::ClientCache;
use onair_app::hashing::{Hashing, HashingLimits};
use onair_app::{AdminAuth, AppState, LoginMode, OAuthSettings, Settings};
use onair_domain::lifecycle::step::Step;
use onair_domain::{Clock, Generator};
use onair_store::dynamo::{DynamoStores, RoundTrips, schema};
use onair_store::embedded::{EmbeddedSteps, EmbeddedStore, StepSink};
use onair_store::secrets::manager::SecretsManagerStore;
use onair_store::secrets::memory::MemorySecretStore;
use onair_store::steps::AwsSteps;
use onair_store::{SecretStore, StepScheduler, Stores};
use std::sync::Arc;
use std::time::Duration;

/// The assembled state plus the counters benchmarks and tests read.
#[derive(Clone)]
pub struct Wiring {
    /// What the handlers receive.
    pub state: AppState,
    /// DynamoDB requests sent (absent on the embedded store).
    pub dynamodb_round_trips: Option<RoundTrips>,
    /// Secrets Manager requests sent (absent on static secrets).
    pub secrets_round_trips: Option<RoundTrips>,
}

/// Start-up failed.
#[derive(Debug, thiserror::Error)]
#[error("start-up failed: {0}")]
pub struct WiringError(String);

async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_millis(500))
                .operation_attempt_timeout(Duration::from_millis(1000))
                .operation_timeout(Duration::from_millis(2000))
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(2))
        .load()
        .await
}

/// Builds every port from `config`, with the given clock, generator and admin authorisation.
pub async fn build(
    config: &Config,
    clock: Arc<dyn Clock>,
    generator: Arc<dyn Generator>,
    admin_auth: AdminAuth,
) -> Result<Wiring, WiringError> {
    let needs_aws = matches!(config.store, StoreConfig::DynamoDb { .. })
        || matches!(config.secrets, SecretsConfig::Manager { .. })
        || matches!(config.steps, StepsConfig::Aws(_));
    let sdk = if needs_aws { Some(sdk_config().await) } else { None };

    let login = match &config.oauth.login {
        LoginConfig::Builtin => LoginMode::Builtin,
        LoginConfig::Oidc {
            issuer,
            client_id,
            client_secret_name,
        } => LoginMode::Federated(Arc::new(
            onair_app::federation::Federation::new(
                issuer.clone(),
                client_id.clone(),
                client_secret_name.clone(),
            )
            .map_err(|e| WiringError(format!("federation: {e}")))?,
        )),
    };
    let oauth = OAuthSettings {
        access_ttl: config.oauth.access_ttl,
        refresh_ttl: config.oauth.refresh_ttl,
        grace: config.oauth.grace,
        signing_key_secret: config.oauth.signing_key_secret.clone(),
        issuer: config.oauth.issuer.clone(),
        login,
        client_cache_ttl: config.oauth.client_cache_ttl,
        hashing: HashingLimits {
            workers: config.oauth.hash_workers,
            ..HashingLimits::default()
        },
        ..OAuthSettings::default()
    };
    let settings = Arc::new(Settings {
        admin_auth,
        secret_overlap: config.secret_overlap,
        oauth,
        lifecycle: config.lifecycle.clone(),
    });
    let (secrets, secrets_round_trips): (Arc<dyn SecretStore>, _) = match (&config.secrets, &sdk) {
        (SecretsConfig::Manager { prefix, cache_ttl }, Some(sdk)) => {
            let store = SecretsManagerStore::new(
                aws_sdk_secretsmanager::Client::new(sdk),
                prefix.clone(),
                *cache_ttl,
                clock.clone(),
            );
            let counter = store.round_trips();
            (Arc::new(store), Some(counter))
        }
        _ => (Arc::new(MemorySecretStore::new(clock.clone())), None),
    };

    let steps: Option<Arc<dyn StepScheduler>> = match (&config.steps, &sdk) {
        (StepsConfig::Aws(targets), Some(sdk)) => Some(Arc::new(AwsSteps::new(
            aws_sdk_scheduler::Client::new(sdk),
            aws_sdk_sqs::Client::new(sdk),
            targets.clone(),
            clock.clone(),
        ))),
        _ => None,
    };

    let wiring = match (&config.store, &sdk) {
        (
            StoreConfig::DynamoDb {
                registrations_table,
                tokens_table,
                create_tables,
            },
            Some(sdk),
        ) => {
            let client = aws_sdk_dynamodb::Client::new(sdk);
            if *create_tables {
                for (spec, name) in [
                    (&schema::REGISTRATIONS, registrations_table),
                    (&schema::TOKENS, tokens_table),
                ] {
                    schema::create_table(&client, spec, name)
                        .await
                        .map_err(|e| WiringError(format!("creating table {name}: {e}")))?;
                }
            }
            let stores = DynamoStores::new(client, registrations_table.clone(), tokens_table.clone());
            Wiring {
                state: assemble(
                    Stores::dynamo(&stores),
                    secrets,
                    clock,
                    generator,
                    settings,
                    steps,
                ),
                dynamodb_round_trips: Some(stores.round_trips()),
                secrets_round_trips,
            }
        }
        _ => {
            let store = EmbeddedStore::new();
            Wiring {
                state: assemble(
                    Stores::embedded(&store),
                    secrets,
                    clock,
                    generator,
                    settings,
                    steps,
                ),
                dynamodb_round_trips: None,
                secrets_round_trips,
            }
        }
    };
    Ok(wiring)
}

/// The application state over `stores`, with the embedded step scheduler firing the registry's step
/// functions in process.
pub fn state(
    stores: Stores,
    secrets: Arc<dyn SecretStore>,
    clock: Arc<dyn Clock>,
    generator: Arc<dyn Generator>,
    settings: Arc<Settings>,
) -> AppState {
    assemble(stores, secrets, clock, generator, settings, None)
}

/// The one place a state is assembled, whatever the backend: with the given step scheduler (the AWS
/// one on Lambda), or else an embedded one connected to the registry's step functions.
pub fn assemble(
    stores: Stores,
    secrets: Arc<dyn SecretStore>,
    clock: Arc<dyn Clock>,
    generator: Arc<dyn Generator>,
    settings: Arc<Settings>,
    steps: Option<Arc<dyn StepScheduler>>,
) -> AppState {
    let ttl = settings.oauth.client_cache_ttl;
    let (steps, embedded): (Arc<dyn StepScheduler>, _) = match steps {
        Some(steps) => (steps, None),
        None => {
            let embedded = EmbeddedSteps::new(clock.clone());
            (Arc::new(embedded.clone()), Some(embedded))
        }
    };
    let state = AppState {
        client_cache: Arc::new(ClientCache::new(stores.clients.clone(), clock.clone(), ttl)),
        hashing: Arc::new(Hashing::new(settings.oauth.hashing)),
        clients: stores.clients,
        users: stores.users,
        channels: stores.channels,
        grants: stores.grants,
        lockouts: stores.lockouts,
        audit: stores.audit,
        broadcasts: stores.broadcasts,
        streams: stores.streams,
        lives: stores.lives,
        idempotency: stores.idempotency,
        chats: stores.chats,
        content_ids: stores.content_ids,
        videos: stores.videos,
        steps,
        secrets,
        clock,
        generator,
        settings,
    };
    if let Some(embedded) = embedded {
        // The dispatcher's state schedules through a weak handle: the scheduler holds the dispatcher,
        // so a strong one would be a cycle that never frees the state.
        let mut fired = state.clone();
        fired.steps = Arc::new(embedded.downgrade());
        embedded.connect(dispatcher(fired));
    }
    state
}

/// Hands each step the embedded scheduler fires to its function in the registry, as the deployed
/// Scheduler and delay queue invoke the step Lambdas. A step that fails is logged; it is retried only
/// by being planned again, as on AWS once the asynchronous retries are spent.
fn dispatcher(state: AppState) -> StepSink {
    Arc::new(move |step: Step| {
        let state = state.clone();
        Box::pin(async move {
            let name = step.kind.function_name();
            let Some(handler) = onair_api::registry::find(name).and_then(|f| f.step()) else {
                tracing::error!(step = name, "no step function is registered for this step");
                return;
            };
            let payload = match serde_json::to_value(&step) {
                Ok(payload) => payload,
                Err(err) => {
                    tracing::error!(step = name, error = %err, "step payload");
                    return;
                }
            };
            if let Err(err) = handler(state, payload).await {
                tracing::warn!(step = name, target = %step.target, error = %err, "step failed");
            }
        })
    })
}

/// The state over DynamoDB stores.
pub fn dynamo_state(
    stores: &DynamoStores,
    secrets: Arc<dyn SecretStore>,
    clock: Arc<dyn Clock>,
    generator: Arc<dyn Generator>,
    settings: Arc<Settings>,
) -> AppState {
    state(Stores::dynamo(stores), secrets, clock, generator, settings)
}

/// The state over the embedded store.
pub fn embedded_state(
    store: &EmbeddedStore,
    secrets: Arc<dyn SecretStore>,
    clock: Arc<dyn Clock>,
    generator: Arc<dyn Generator>,
    settings: Arc<Settings>,
) -> AppState {
    state(Stores::embedded(store), secrets, clock, generator, settings)
}
