//! SDK-level fault injection for the DynamoDB and Secrets Manager clients.
//!
//! Some multi-step writes happen inside one adapter method (refresh rotation's retiring `UpdateItem`,
//! its successor transaction and the best-effort undo; user deletion's query and transaction; a secret
//! rotation's read and write), where a port-level decorator cannot reach between the steps. The
//! [`SdkFaults`] interceptor can: it fails the Nth request of a named operation (`"UpdateItem"`,
//! `"TransactWriteItems"`, `"CreateSecret"`, … — the part of the `X-Amz-Target` header after the dot),
//! either [`SdkFault::BeforeSend`] (nothing reaches the service) or [`SdkFault::LostResponse`] (the
//! service did the work, the answer is thrown away, the adapter sees an error as after a timeout).
//!
//! Clients built by [`dynamodb_client`] and [`secrets_client`] carry the interceptor, with the
//! production timeouts and with SDK retries switched off, so the injected failure is exactly what the
//! adapter sees (with retries on, a lost response would be retried by the SDK: a different scenario,
//! see the README's note on timeouts).

use super::super::support::moto_endpoint;
use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::interceptors::{
    AfterDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Credentials, Intercept, Region, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_smithy_types::config_bag::{Storable, StoreReplace};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// How an injected SDK fault fails a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SdkFault {
    /// The request is not sent.
    BeforeSend,
    /// The request is sent and answered; the answer is dropped and the call fails.
    LostResponse,
}

struct SdkRule {
    operation: String,
    nth: u32,
    fault: SdkFault,
}

#[derive(Default)]
struct SdkPlan {
    rules: Vec<SdkRule>,
    seen: HashMap<String, u32>,
    sent: Vec<String>,
    fired: Vec<(String, u32, SdkFault)>,
}

/// The shared SDK fault plan of one test; clones share it.
#[derive(Clone, Default)]
pub struct SdkFaults(Arc<Mutex<SdkPlan>>);

impl std::fmt::Debug for SdkFaults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SdkFaults")
    }
}

impl SdkFaults {
    fn plan(&self) -> MutexGuard<'_, SdkPlan> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Fails the `nth` request (1-based, counted from now) of `operation` with `fault`, once.
    pub fn fail_nth(&self, operation: &str, nth: u32, fault: SdkFault) {
        assert!(nth >= 1, "requests are counted from 1");
        let mut plan = self.plan();
        let already = plan.seen.get(operation).copied().unwrap_or(0);
        plan.rules.push(SdkRule {
            operation: operation.to_owned(),
            nth: already + nth,
            fault,
        });
    }

    /// The injections that fired so far: operation, its request number, the fault.
    pub fn fired(&self) -> Vec<(String, u32, SdkFault)> {
        self.plan().fired.clone()
    }

    /// Every request the clients attempted so far, by operation name.
    pub fn sent(&self) -> Vec<String> {
        self.plan().sent.clone()
    }

    fn decide(&self, operation: &str) -> Option<SdkFault> {
        let mut plan = self.plan();
        plan.sent.push(operation.to_owned());
        let count = plan.seen.entry(operation.to_owned()).or_insert(0);
        *count += 1;
        let count = *count;
        let fault = plan
            .rules
            .iter()
            .find(|r| r.operation == operation && r.nth == count)
            .map(|r| r.fault)?;
        plan.fired.push((operation.to_owned(), count, fault));
        Some(fault)
    }
}

/// Marks, in one request's config bag, that its response is to be lost.
#[derive(Debug, Clone)]
struct LoseResponse;

impl Storable for LoseResponse {
    type Storer = StoreReplace<Self>;
}

/// The interceptor; one per client, sharing the plan.
#[derive(Debug, Clone)]
struct Injector(SdkFaults);

impl Intercept for Injector {
    fn name(&self) -> &'static str {
        "onair-test-fault-injector"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let target = context
            .request()
            .headers()
            .get("x-amz-target")
            .unwrap_or_default();
        let operation = target.rsplit('.').next().unwrap_or(target);
        match self.0.decide(operation) {
            None => Ok(()),
            Some(SdkFault::BeforeSend) => Err(format!("injected fault: {operation} not sent").into()),
            Some(SdkFault::LostResponse) => {
                cfg.interceptor_state().store_put(LoseResponse);
                Ok(())
            }
        }
    }

    fn read_after_deserialization(
        &self,
        _context: &AfterDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        match cfg.load::<LoseResponse>() {
            Some(_) => Err("injected fault: the response was lost".into()),
            None => Ok(()),
        }
    }
}

/// SDK configuration for the test's moto: production timeouts, no SDK retries.
pub async fn fault_sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(moto_endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_millis(500))
                .operation_attempt_timeout(Duration::from_millis(1000))
                .operation_timeout(Duration::from_millis(2000))
                .build(),
        )
        .retry_config(RetryConfig::disabled())
        .load()
        .await
}

/// A DynamoDB client whose requests go through `faults`.
pub async fn dynamodb_client(faults: &SdkFaults) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::config::Builder::from(&fault_sdk_config().await)
        .interceptor(Injector(faults.clone()))
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// A Secrets Manager client whose requests go through `faults`.
pub async fn secrets_client(faults: &SdkFaults) -> aws_sdk_secretsmanager::Client {
    let config = aws_sdk_secretsmanager::config::Builder::from(&fault_sdk_config().await)
        .interceptor(Injector(faults.clone()))
        .build();
    aws_sdk_secretsmanager::Client::from_conf(config)
}
