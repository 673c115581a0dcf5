//! Store outages: every write answers 503 with `Retry-After` and a body free of internal details, within
//! a few seconds; nothing is left half-written; and the same router recovers once the store is back.
//!
//! Each test runs its own moto server (or two) on a free port, so stopping one disturbs nobody else, and
//! builds the application state on that endpoint with the production timeouts and retries (copied from
//! `onair_platform::wiring`, which only reads the endpoint from the environment) and
//! `onair_platform::wiring::dynamo_state`. moto keeps its state in
//! memory, so a restarted moto is empty: after a restart the tests recreate the tables and seed again.
//! That makes "nothing half-written" invisible when one moto serves both DynamoDB and Secrets Manager;
//! the client-registration flow, the one that writes to two services, is therefore also tested with
//! one moto per service, stopping only one of them while the other keeps its state.

use crate::support::Moto;
use crate::support::{ADMIN_TOKEN, ISSUER, Reply, T0, call};
use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{Credentials, Region};
use axum::Router;
use http::{Method, StatusCode};
use onair_app::{AdminAuth, AppState, OAuthSettings, Settings};
use onair_domain::{FixedClock, SecretString, SequenceGenerator};
use onair_platform::wiring::dynamo_state;
use onair_store::StoreError;
use onair_store::dynamo::{DynamoStores, schema};
use onair_store::secrets::manager::SecretsManagerStore;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

const REGISTRATIONS: &str = "onair-registrations";
const TOKENS: &str = "onair-tokens";

/// SDK configuration for one moto, with the timeouts and retries of `onair_platform::wiring`.
async fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
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
        .await
}

/// The application on its own moto server(s): `dynamo` serves DynamoDB, and Secrets Manager too
/// unless `secrets` is a second server.
struct Outage {
    dynamo: Moto,
    secrets: Option<Moto>,
    dynamodb: aws_sdk_dynamodb::Client,
    state: AppState,
    router: Router,
}

impl Outage {
    /// One moto for both services.
    async fn shared() -> Outage {
        Self::build(Moto::start().await, None).await
    }

    /// One moto per service.
    async fn split() -> Outage {
        let dynamo = Moto::start().await;
        let secrets = Moto::start().await;
        Self::build(dynamo, Some(secrets)).await
    }

    async fn build(dynamo: Moto, secrets: Option<Moto>) -> Outage {
        let dynamo_sdk = sdk_config(&dynamo.endpoint()).await;
        let secrets_sdk = match &secrets {
            Some(moto) => sdk_config(&moto.endpoint()).await,
            None => dynamo_sdk.clone(),
        };
        let dynamodb = aws_sdk_dynamodb::Client::new(&dynamo_sdk);
        let clock = Arc::new(FixedClock::at(T0));
        let stores = DynamoStores::new(dynamodb.clone(), REGISTRATIONS, TOKENS);
        let secret_store = SecretsManagerStore::new(
            aws_sdk_secretsmanager::Client::new(&secrets_sdk),
            "onair/",
            time::Duration::minutes(5),
            clock.clone(),
        );
        let settings = Arc::new(Settings {
            admin_auth: AdminAuth::Token(SecretString::new(ADMIN_TOKEN)),
            secret_overlap: time::Duration::hours(24),
            oauth: OAuthSettings {
                issuer: Some(ISSUER.into()),
                ..OAuthSettings::default()
            },
            lifecycle: Default::default(),
        });
        let generator = Arc::new(SequenceGenerator::default());
        let state = dynamo_state(&stores, Arc::new(secret_store), clock, generator, settings);
        let router = onair_api::host::local_router(state.clone());
        let outage = Outage {
            dynamo,
            secrets,
            dynamodb,
            state,
            router,
        };
        outage.create_tables().await;
        outage
    }

    /// Creates the tables on the DynamoDB moto (again, after a restart emptied it).
    async fn create_tables(&self) {
        for (spec, name) in [(&schema::REGISTRATIONS, REGISTRATIONS), (&schema::TOKENS, TOKENS)] {
            schema::create_table(&self.dynamodb, spec, name)
                .await
                .expect("create table");
        }
    }

    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let body = body.map(|b| b.to_string());
        call(&self.router, method, path, Some(ADMIN_TOKEN), body.as_deref()).await
    }

    async fn create_user(&self, login: &str) -> Reply {
        let body = json!({"login": login, "password": "correct horse battery", "userName": login});
        self.send(Method::POST, "/admin/users", Some(body)).await
    }

    async fn create_channel(&self, user_id: &str) -> Reply {
        let body = json!({"channelName": "live", "channelLink": "https://live.example/c"});
        self.send(
            Method::POST,
            &format!("/admin/users/{user_id}/channels"),
            Some(body),
        )
        .await
    }

    async fn create_client(&self) -> Reply {
        let body = json!({"name": "PRISM", "redirectUris": ["https://prism.example/cb"]});
        self.send(Method::POST, "/admin/clients", Some(body)).await
    }

    /// Sends a request while something is down and checks the outage reply.
    async fn expect_unavailable(&self, method: Method, path: &str, body: Option<Value>) {
        let started = Instant::now();
        let reply = self.send(method.clone(), path, body).await;
        let elapsed = started.elapsed();
        assert_unavailable(&reply, &format!("{method} {path}"));
        assert!(
            elapsed < Duration::from_secs(5),
            "{method} {path} took {elapsed:?} to give up"
        );
    }

    /// The names of client secrets present in Secrets Manager, probing every id issued so far.
    async fn client_secrets(&self) -> Vec<String> {
        let issued: u64 = self
            .state
            .generator
            .id()
            .strip_prefix("id-")
            .unwrap()
            .parse()
            .unwrap();
        let mut names = Vec::new();
        for k in 1..issued {
            let name = format!("clients/id-{k}");
            match self.state.secrets.refresh(&name).await {
                Ok(_) => names.push(name),
                Err(StoreError::NotFound) => {}
                Err(err) => panic!("reading {name}: {err}"),
            }
        }
        names
    }

    async fn client_ids(&self) -> Vec<String> {
        let reply = self.send(Method::GET, "/admin/clients", None).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["clientId"].as_str().unwrap().to_owned())
            .collect()
    }
}

#[track_caller]
fn assert_status(reply: &Reply, status: StatusCode) {
    assert_eq!(reply.status, status, "{}", reply.text);
}

#[track_caller]
fn assert_unavailable(reply: &Reply, what: &str) {
    assert_eq!(
        reply.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{what}: {}",
        reply.text
    );
    let retry_after = reply
        .headers
        .get("retry-after")
        .unwrap_or_else(|| panic!("{what}: no Retry-After"));
    let seconds: u64 = retry_after
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After in seconds");
    assert!(seconds > 0, "{what}: Retry-After {seconds}");
    assert_eq!(reply.body["error"], "unavailable", "{what}: {}", reply.text);
    assert!(
        reply.body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{what}: {}",
        reply.text
    );
    assert!(reply.body.get("details").is_none(), "{what}: {}", reply.text);
    let text = reply.text.to_lowercase();
    for leak in [
        "dispatch",
        "connection",
        "127.0.0.1",
        "dynamodb",
        "secretsmanager",
        "transact",
        "io error",
        "refused",
    ] {
        assert!(
            !text.contains(leak),
            "{what}: the body leaks {leak:?}: {}",
            reply.text
        );
    }
    assert!(
        reply.headers.get("x-request-id").is_some(),
        "{what}: no request id"
    );
}

/// User creation (one DynamoDB transaction: profile plus login reservation). Proves: 503 quickly with
/// `Retry-After` and a generic body while moto is down, for reads as well as the write; the same router
/// and SDK client work again once moto is back; and the login the failed request wanted is free (moto
/// restarted empty, so this is the API working again, not evidence about partial writes — the
/// transaction's all-or-nothing is the store contract suite's business).
async fn user_create_during_outage_is_503_then_recovers() {
    let mut outage = Outage::shared().await;
    let seeded = outage.create_user("seed").await;
    assert_status(&seeded, StatusCode::CREATED);
    let seed_id = seeded.body["userId"].as_str().unwrap().to_owned();

    outage.dynamo.stop();
    let body = json!({"login": "newcomer", "password": "correct horse battery", "userName": "N"});
    outage
        .expect_unavailable(Method::POST, "/admin/users", Some(body))
        .await;
    outage
        .expect_unavailable(Method::GET, &format!("/admin/users/{seed_id}"), None)
        .await;
    let patch = json!({"disabled": true});
    outage
        .expect_unavailable(Method::PATCH, &format!("/admin/users/{seed_id}"), Some(patch))
        .await;
    outage
        .expect_unavailable(Method::DELETE, &format!("/admin/users/{seed_id}"), None)
        .await;

    outage.dynamo.restart().await;
    outage.create_tables().await;
    let created = outage.create_user("newcomer").await;
    assert_status(&created, StatusCode::CREATED);
    let user_id = created.body["userId"].as_str().unwrap();
    let got = outage
        .send(Method::GET, &format!("/admin/users/{user_id}"), None)
        .await;
    assert_status(&got, StatusCode::OK);
    assert_eq!(got.body, created.body);
    assert_status(&outage.create_user("newcomer").await, StatusCode::CONFLICT);
}

/// Channel creation (one transaction: the channel plus the owner's channel count). Proves the 503
/// contract and recovery with the same router; after the restart the re-seeded owner has exactly the
/// one channel created after recovery.
async fn channel_create_during_outage_is_503_then_recovers() {
    let mut outage = Outage::shared().await;
    let seeded = outage.create_user("owner").await;
    assert_status(&seeded, StatusCode::CREATED);
    let owner = seeded.body["userId"].as_str().unwrap().to_owned();
    assert_status(&outage.create_channel(&owner).await, StatusCode::CREATED);

    outage.dynamo.stop();
    let body = json!({"channelName": "during", "channelLink": "https://live.example/d"});
    outage
        .expect_unavailable(
            Method::POST,
            &format!("/admin/users/{owner}/channels"),
            Some(body),
        )
        .await;
    outage
        .expect_unavailable(Method::GET, &format!("/admin/users/{owner}/channels"), None)
        .await;

    outage.dynamo.restart().await;
    outage.create_tables().await;
    let reseeded = outage.create_user("owner").await;
    assert_status(&reseeded, StatusCode::CREATED);
    let owner = reseeded.body["userId"].as_str().unwrap().to_owned();
    let created = outage.create_channel(&owner).await;
    assert_status(&created, StatusCode::CREATED);
    let listed = outage
        .send(Method::GET, &format!("/admin/users/{owner}/channels"), None)
        .await;
    assert_status(&listed, StatusCode::OK);
    assert_eq!(listed.body["items"], json!([created.body]));
}

/// Client registration with one moto for both services. Proves the 503 contract and recovery; after the
/// restart the client list is empty until a client is registered, and the new client's secret is there.
async fn client_create_during_outage_is_503_then_recovers() {
    let mut outage = Outage::shared().await;
    assert_status(&outage.create_client().await, StatusCode::CREATED);

    outage.dynamo.stop();
    let body = json!({"name": "during", "redirectUris": ["https://prism.example/cb"]});
    outage
        .expect_unavailable(Method::POST, "/admin/clients", Some(body))
        .await;
    outage
        .expect_unavailable(Method::GET, "/admin/clients", None)
        .await;

    outage.dynamo.restart().await;
    outage.create_tables().await;
    assert!(outage.client_ids().await.is_empty());
    let created = outage.create_client().await;
    assert_status(&created, StatusCode::CREATED);
    let client_id = created.body["clientId"].as_str().unwrap().to_owned();
    assert_eq!(outage.client_ids().await, vec![client_id.clone()]);
    assert_eq!(
        outage.client_secrets().await,
        vec![format!("clients/{client_id}")]
    );
}

/// Client registration writes the secret first, then the record. With only DynamoDB down the secret
/// write succeeds and the record write fails: the reply is 503 and the secret has been removed again,
/// checked on the Secrets Manager moto, which kept running (and kept the first client's secret).
async fn client_create_with_dynamodb_down_leaves_no_secret_behind() {
    let mut outage = Outage::split().await;
    let first = outage.create_client().await;
    assert_status(&first, StatusCode::CREATED);
    let first_secret = format!("clients/{}", first.body["clientId"].as_str().unwrap());
    assert_eq!(outage.client_secrets().await, vec![first_secret.clone()]);

    outage.dynamo.stop();
    let body = json!({"name": "during", "redirectUris": ["https://prism.example/cb"]});
    outage
        .expect_unavailable(Method::POST, "/admin/clients", Some(body))
        .await;
    assert_eq!(
        outage.client_secrets().await,
        vec![first_secret],
        "an orphan secret was left behind"
    );

    outage.dynamo.restart().await;
    outage.create_tables().await;
    let created = outage.create_client().await;
    assert_status(&created, StatusCode::CREATED);
    assert_eq!(
        outage.client_ids().await,
        vec![created.body["clientId"].as_str().unwrap().to_owned()]
    );
}

/// With only Secrets Manager down the secret cannot be written, so the record is never written either:
/// 503, and DynamoDB (still running, still holding the first client) lists only the first client.
async fn client_create_with_secrets_manager_down_writes_no_record() {
    let mut outage = Outage::split().await;
    let first = outage.create_client().await;
    assert_status(&first, StatusCode::CREATED);
    let first_id = first.body["clientId"].as_str().unwrap().to_owned();

    let secrets = outage.secrets.as_mut().unwrap();
    secrets.stop();
    let body = json!({"name": "during", "redirectUris": ["https://prism.example/cb"]});
    outage
        .expect_unavailable(Method::POST, "/admin/clients", Some(body))
        .await;
    assert_eq!(
        outage.client_ids().await,
        vec![first_id.clone()],
        "a client was registered without its secret"
    );

    outage.secrets.as_mut().unwrap().restart().await;
    let created = outage.create_client().await;
    assert_status(&created, StatusCode::CREATED);
    let mut ids = outage.client_ids().await;
    ids.sort();
    let mut expected = vec![first_id, created.body["clientId"].as_str().unwrap().to_owned()];
    expected.sort();
    assert_eq!(ids, expected);
}

crate::support::on_backend!(dynamodb: user_create_during_outage_is_503_then_recovers, channel_create_during_outage_is_503_then_recovers, client_create_during_outage_is_503_then_recovers, client_create_with_dynamodb_down_leaves_no_secret_behind, client_create_with_secrets_manager_down_writes_no_record);
