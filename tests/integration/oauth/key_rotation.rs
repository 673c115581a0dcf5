//! Scheduled signing-key rotation (`keys-rotate`), invoked the way Lambda invokes it for EventBridge
//! Scheduler: a `LambdaEvent` carrying the schedule's target input with Scheduler's placeholders filled,
//! handed to `onair_platform::lambda::handle_step` — the function `lambda_runtime` calls. Runs against
//! the memory secret store and Secrets Manager on moto.

use crate::support::oauth::{create_client, create_user, obtain_code, prism_exchange, prism_get, tokens};
use crate::support::{Backend, T0, TestApp};
use aws_sdk_dynamodb::config::{Credentials, Region};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use lambda_runtime::{Context, LambdaEvent};
use onair_api::registry;
use onair_app::AppState;
use onair_domain::Clock;
use onair_domain::oauth::jwt::{Claims, KeySet, SigningKey, sign};
use onair_store::SecretStore;
use onair_store::secrets::ClientSecret;
use onair_store::secrets::manager::SecretsManagerStore;
use serde_json::{Value, json};
use std::sync::Arc;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// The key every test state starts with (see `support::TestApp`).
const ORIGINAL_KEY: &str = "test-signing-key-0123456789abcdef";

/// The schedule's target input as Scheduler delivers it for the run scheduled at `at`.
fn scheduler_payload(at: OffsetDateTime, attempt: u32) -> Value {
    json!({
        "scheduledTime": at.format(&Rfc3339).unwrap(),
        "executionId": format!("exec-{}-{attempt}", at.unix_timestamp()),
        "scheduleArn": "arn:aws:scheduler:eu-west-1:123456789012:schedule/default/onair-KeysRotateSchedule",
        "attempt": attempt.to_string()
    })
}

/// One invocation through the Lambda host's step path.
async fn invoke(state: &AppState, payload: Value) -> Result<Value, lambda_runtime::Diagnostic> {
    let function = registry::find("keys-rotate").expect("keys-rotate is registered");
    let mut context = Context::default();
    context.request_id = "lambda-request-1".into();
    onair_platform::lambda::handle_step(function, state.clone(), LambdaEvent::new(payload, context)).await
}

async fn stored(state: &AppState) -> ClientSecret {
    state
        .secrets
        .refresh(&state.settings.oauth.signing_key_secret)
        .await
        .unwrap()
        .secret
}

crate::support::on_both_backends!(
    a_scheduled_run_makes_a_new_key_current_and_keeps_the_old_one_for_the_overlap,
    duplicate_deliveries_of_one_run_rotate_once,
    a_token_signed_before_the_rotation_verifies_during_the_overlap_and_not_after_it,
    a_malformed_or_future_run_is_acknowledged_and_changes_nothing,
);

async fn a_scheduled_run_makes_a_new_key_current_and_keeps_the_old_one_for_the_overlap(backend: Backend) {
    let app = TestApp::new(backend).await;
    let run = T0 - Duration::seconds(20); // delivered 20 s after its scheduled time
    let reply = invoke(&app.state, scheduler_payload(run, 1)).await.unwrap();
    assert_eq!(reply["status"], "done");

    let secret = stored(&app.state).await;
    assert_ne!(secret.current.expose(), ORIGINAL_KEY);
    assert_eq!(secret.previous.as_ref().map(|p| p.expose()), Some(ORIGINAL_KEY));
    // At least one access-token lifetime (1 h here) after the write, plus the cache margin.
    assert_eq!(secret.previous_until, Some(T0 + Duration::hours(2)));
    assert_eq!(secret.rotated_for, Some(run));
    // The README's format, plus the run marker.
    let document = serde_json::to_value(&secret).unwrap();
    let mut keys: Vec<&str> = document.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["current", "previous", "previousUntil", "rotatedFor"]);

    // The next run, 30 days later, rotates again from the then-current key.
    app.clock.advance(Duration::days(30));
    let next = T0 + Duration::days(30);
    invoke(&app.state, scheduler_payload(next, 1)).await.unwrap();
    let after = stored(&app.state).await;
    assert_eq!(
        after.previous.as_ref().map(|p| p.expose()),
        Some(secret.current.expose())
    );
    assert_eq!(after.rotated_for, Some(next));
}

async fn duplicate_deliveries_of_one_run_rotate_once(backend: Backend) {
    let app = TestApp::new(backend).await;
    // Eight deliveries of the same run at once (at-least-once delivery, several instances).
    let deliveries: Vec<_> = (1..=8)
        .map(|attempt| {
            let state = app.state.clone();
            tokio::spawn(async move { invoke(&state, scheduler_payload(T0, attempt)).await })
        })
        .collect();
    for delivery in futures::future::join_all(deliveries).await {
        assert_eq!(delivery.unwrap().unwrap()["status"], "done");
    }
    let once = stored(&app.state).await;
    // Rotated twice, the original key would have been pushed out of `previous`.
    assert_eq!(once.previous.as_ref().map(|p| p.expose()), Some(ORIGINAL_KEY));
    assert_eq!(once.rotated_for, Some(T0));

    // A late retry of the same run, and a straggler of an older run: no change.
    app.clock.advance(Duration::minutes(10));
    invoke(&app.state, scheduler_payload(T0, 9)).await.unwrap();
    invoke(&app.state, scheduler_payload(T0 - Duration::days(30), 3))
        .await
        .unwrap();
    assert_eq!(stored(&app.state).await, once);
}

/// `claims` re-signed with `key` and a distant expiry: a token from before the rotation that outlives
/// the overlap, so only `previousUntil` can make it stop verifying.
fn long_lived(token: &str, key: &str) -> String {
    let payload = token.split('.').nth(1).unwrap();
    let mut claims: Claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    claims.exp = (T0 + Duration::days(7)).unix_timestamp();
    let keys = KeySet {
        current: SigningKey::new(key.as_bytes()),
        previous: None,
    };
    sign(&keys, &claims).unwrap()
}

/// Whether `token` is its own claims signed with `key`.
fn signed_with(token: &str, key: &str) -> bool {
    let payload = token.split('.').nth(1).unwrap();
    let claims: Claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    let keys = KeySet {
        current: SigningKey::new(key.as_bytes()),
        previous: None,
    };
    sign(&keys, &claims).unwrap() == token
}

async fn a_token_signed_before_the_rotation_verifies_during_the_overlap_and_not_after_it(backend: Backend) {
    let app = TestApp::new(backend).await;
    let router = app.router();
    let client = create_client(&router, "rotation").await;
    create_user(&router, "rotation").await;
    let code = obtain_code(&router, &client.id, "rotation", None, None).await;
    let issued = tokens(&prism_exchange(&router, &client, &code, &[]).await).access;
    let outliving = long_lived(&issued, ORIGINAL_KEY);
    for token in [&issued, &outliving] {
        assert_eq!(
            prism_get(&router, "/prism/v1/service/user", token).await.status,
            200
        );
    }

    invoke(&app.state, scheduler_payload(T0, 1)).await.unwrap();
    let until = stored(&app.state).await.previous_until.unwrap();

    // During the overlap both old-key tokens verify, and new tokens are signed with the new key.
    app.clock.advance(Duration::minutes(59));
    for token in [&issued, &outliving] {
        let reply = prism_get(&router, "/prism/v1/service/user", token).await;
        assert_eq!(
            reply.status, 200,
            "old-key token during the overlap: {}",
            reply.text
        );
    }
    let code = obtain_code(&router, &client.id, "rotation", None, None).await;
    let fresh = tokens(&prism_exchange(&router, &client, &code, &[]).await).access;
    let new_key = stored(&app.state).await.current;
    assert!(
        signed_with(&fresh, new_key.expose()),
        "new tokens are signed with the new key"
    );
    assert!(signed_with(&issued, ORIGINAL_KEY));
    assert_eq!(
        prism_get(&router, "/prism/v1/service/user", &fresh).await.status,
        200
    );

    // After previousUntil the old key verifies nothing, even a token whose exp is days away.
    app.clock.advance(until - app.clock.now());
    let reply = prism_get(&router, "/prism/v1/service/user", &outliving).await;
    assert_eq!(
        reply.status, 401,
        "old-key token after previousUntil: {}",
        reply.text
    );
    let still = long_lived(&fresh, new_key.expose());
    assert_eq!(
        prism_get(&router, "/prism/v1/service/user", &still).await.status,
        200
    );
}

async fn a_malformed_or_future_run_is_acknowledged_and_changes_nothing(backend: Backend) {
    let app = TestApp::new(backend).await;
    let before = stored(&app.state).await;
    for payload in [
        json!({"scheduledTime": "<aws.scheduler.scheduled-time>"}),
        json!({}),
        json!("not an object"),
        scheduler_payload(T0 + Duration::days(1), 1),
    ] {
        let reply = invoke(&app.state, payload.clone()).await;
        let reply =
            reply.unwrap_or_else(|e| panic!("{payload}: a permanent failure must not be retried: {e:?}"));
        assert_eq!(reply["status"], "rejected", "{payload}");
    }
    assert_eq!(stored(&app.state).await, before);
}

/// Secrets Manager unreachable: the invocation fails (so Lambda retries it), and nothing was written.
async fn a_secrets_manager_outage_is_reported_as_retryable() {
    let app = TestApp::new(Backend::Aws).await;
    let config = aws_sdk_secretsmanager::Config::builder()
        .behavior_version(aws_sdk_secretsmanager::config::BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        // A port nothing listens on: every call fails to connect.
        .endpoint_url("http://127.0.0.1:9")
        .retry_config(aws_sdk_secretsmanager::config::retry::RetryConfig::disabled())
        .build();
    let down = SecretsManagerStore::new(
        aws_sdk_secretsmanager::Client::from_conf(config),
        "onair-test-outage/",
        time::Duration::minutes(5),
        app.clock.clone(),
    );
    let mut state = app.state.clone();
    state.secrets = Arc::new(down);
    let error = invoke(&state, scheduler_payload(T0, 1)).await.unwrap_err();
    assert_eq!(error.error_type, "Retryable", "{error:?}");
    assert!(!error.error_message.contains(ORIGINAL_KEY));
    // The real secret is untouched, and the retry (service back) rotates.
    assert_eq!(stored(&app.state).await.current.expose(), ORIGINAL_KEY);
    assert_eq!(
        invoke(&app.state, scheduler_payload(T0, 2)).await.unwrap()["status"],
        "done"
    );
}

/// Two warm instances over one Secrets Manager secret, each with its own 5-minute cache: B runs the
/// rotation, A still holds the old key set. A token B signs with the new key verifies on A at once —
/// A re-reads the key when a token names a key it does not know — and old-key tokens keep verifying.
async fn a_token_signed_with_a_key_another_instance_rotated_in_verifies_everywhere_at_once() {
    let app = TestApp::new(Backend::Aws).await;
    let prefix = format!("{}/", crate::support::unique("onair-test-instances"));
    let instance = |clock: Arc<dyn Clock>| {
        let prefix = prefix.clone();
        async move {
            let client = aws_sdk_secretsmanager::Client::new(&crate::support::sdk_config().await);
            Arc::new(SecretsManagerStore::new(
                client,
                prefix,
                Duration::minutes(5),
                clock,
            ))
        }
    };
    let (secrets_a, secrets_b) = (
        instance(app.clock.clone()).await,
        instance(app.clock.clone()).await,
    );
    let name = app.state.settings.oauth.signing_key_secret.clone();
    secrets_a
        .create(&name, &onair_domain::SecretString::new(ORIGINAL_KEY))
        .await
        .unwrap();
    let mut a = app.state.clone();
    a.secrets = secrets_a;
    let mut b = app.state.clone();
    b.secrets = secrets_b;
    let router_a = onair_api::host::local_router(a.clone());

    let client = create_client(&router_a, "instances").await;
    create_user(&router_a, "instances").await;
    let code = obtain_code(&router_a, &client.id, "instances", None, None).await;
    let old = tokens(&prism_exchange(&router_a, &client, &code, &[]).await).access;
    assert_eq!(
        prism_get(&router_a, "/prism/v1/service/user", &old).await.status,
        200
    );

    invoke(&b, scheduler_payload(T0, 1)).await.unwrap();
    let new_key = stored(&b).await.current;
    app.clock.advance(Duration::seconds(10));
    let from_b = long_lived(&old, new_key.expose());
    let reply = prism_get(&router_a, "/prism/v1/service/user", &from_b).await;
    assert_eq!(
        reply.status, 200,
        "new-key token on the instance that missed the rotation: {}",
        reply.text
    );
    assert_eq!(
        prism_get(&router_a, "/prism/v1/service/user", &old).await.status,
        200
    );

    // A key id nobody issued is refused, and re-reading is bounded: right after a re-read, the copy is
    // trusted for KEY_RECHECK_AFTER.
    let forged = long_lived(&old, "a key nobody has, 0123456789abcdef");
    assert_eq!(
        prism_get(&router_a, "/prism/v1/service/user", &forged)
            .await
            .status,
        401
    );
}

crate::support::on_backend!(
    secrets_manager: a_secrets_manager_outage_is_reported_as_retryable,
    a_token_signed_with_a_key_another_instance_rotated_in_verifies_everywhere_at_once,
);
