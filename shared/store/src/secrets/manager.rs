//! AWS Secrets Manager adapter of [`SecretStore`], with a TTL cache.
//!
//! Client authentication reads a secret on every token request, and a Secrets Manager call costs tens
//! of milliseconds and money, so values are cached per Lambda instance for `ttl`; a warm `get` makes no
//! call at all. A rotation done by another instance is picked up when the TTL runs out, or at once
//! through [`SecretStore::refresh`], which callers use when a presented secret does not match.
//!
//! Each secret is one Secrets Manager value holding the [`ClientSecret`] JSON (current value, earlier
//! values and their deadlines), so one read returns every version and a rotation is one write.
//!
//! Rotations are conditional. Secrets Manager has no compare-and-set, but it refuses a
//! `PutSecretValue` whose `ClientRequestToken` names an existing version with different content. Every
//! write therefore uses a token derived from the version it was computed from ([`successor_token`]):
//! two writers that read the same version race for the same token and exactly one wins, and a writer
//! that read an older version collides with the token its successor already used. The loser gets
//! `Conflict` and has written nothing.
//!
//! Values never reach a message: errors carry the service's error code and message (the `Display`
//! chain, not the SDK's `DisplayErrorContext`, whose `Debug` part prints raw response bodies), the
//! secret's name at most, and JSON errors only their category (serde's messages can quote the input).

use crate::dynamo::{RoundTrips, error_chain};
use crate::secrets::{ClientSecret, Rotated, RotationPolicy, StoredSecret};
use crate::{SecretStore, StoreError};
use async_trait::async_trait;
use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::error::SdkError;
use onair_domain::{Clock, SecretString};
use std::collections::HashMap;
use std::error::Error;
use std::fmt::Debug;
use std::sync::{Arc, Mutex, MutexGuard};
use time::{Duration, OffsetDateTime};

/// Secrets in AWS Secrets Manager under `{prefix}{name}`, cached for a TTL; clones share the cache and
/// the call counter.
#[derive(Clone)]
pub struct SecretsManagerStore {
    client: Client,
    prefix: String,
    ttl: Duration,
    clock: Arc<dyn Clock>,
    cache: Arc<Mutex<HashMap<String, StoredSecret>>>,
    calls: RoundTrips,
}

impl std::fmt::Debug for SecretsManagerStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The cache holds secret values (redacted by `SecretString`, but there is no need to list it).
        f.debug_struct("SecretsManagerStore")
            .field("prefix", &self.prefix)
            .field("ttl", &self.ttl)
            .finish()
    }
}

fn unavailable<E, R>(operation: &str, err: &SdkError<E, R>) -> StoreError
where
    E: Error + 'static,
    R: Debug,
{
    StoreError::Unavailable(format!("secretsmanager {operation}: {}", error_chain(err)))
}

fn encode(secret: &ClientSecret) -> Result<String, StoreError> {
    serde_json::to_string(secret)
        .map_err(|e| StoreError::Unavailable(format!("encoding secret: {:?} error", e.classify())))
}

fn decode(name: &str, text: &str) -> Result<ClientSecret, StoreError> {
    serde_json::from_str(text).map_err(|e| {
        StoreError::Unavailable(format!(
            "secret {name} is not a client secret document ({:?} error)",
            e.classify()
        ))
    })
}

impl SecretsManagerStore {
    /// A store for secrets named `{prefix}{name}`, trusting cached values for `ttl`.
    pub fn new(client: Client, prefix: impl Into<String>, ttl: Duration, clock: Arc<dyn Clock>) -> Self {
        Self {
            client,
            prefix: prefix.into(),
            ttl,
            clock,
            cache: Arc::default(),
            calls: RoundTrips::default(),
        }
    }

    /// Secrets Manager calls made so far by this store and its clones.
    pub fn calls(&self) -> u64 {
        self.calls.get()
    }

    /// The call counter itself, e.g. to reset it between test steps.
    pub fn round_trips(&self) -> RoundTrips {
        self.calls.clone()
    }

    /// The name prefix of this store's secrets.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn id(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    fn cache(&self) -> MutexGuard<'_, HashMap<String, StoredSecret>> {
        // Entries are replaced whole, so a panic elsewhere cannot leave one half-written.
        self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn remember(&self, name: &str, secret: ClientSecret) -> StoredSecret {
        let stored = StoredSecret {
            secret,
            fetched_at: self.clock.now(),
        };
        self.cache().insert(name.to_owned(), stored.clone());
        stored
    }

    /// Sends one request, counting it. Every Secrets Manager call goes through here.
    async fn send<F: IntoFuture>(&self, request: F) -> F::Output {
        self.calls.record();
        request.await
    }

    /// The value stored in Secrets Manager now, bypassing the cache.
    async fn fetch(&self, name: &str) -> Result<ClientSecret, StoreError> {
        Ok(self.fetch_versioned(name).await?.0)
    }

    /// The value stored now and the id of its Secrets Manager version.
    async fn fetch_versioned(&self, name: &str) -> Result<(ClientSecret, String), StoreError> {
        let request = self.client.get_secret_value().secret_id(self.id(name));
        match self.send(request.send()).await {
            Ok(output) => {
                let secret = decode(name, output.secret_string().unwrap_or_default())?;
                let version = output.version_id().map(str::to_owned).ok_or_else(|| {
                    StoreError::Unavailable(format!("secret {name} was returned without a version id"))
                })?;
                Ok((secret, version))
            }
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                self.cache().remove(name);
                Err(StoreError::NotFound)
            }
            Err(err) => Err(unavailable("GetSecretValue", &err)),
        }
    }

    /// Writes `secret` as the successor of version `after`; `Conflict` if another write already
    /// succeeded it.
    async fn put_after(&self, name: &str, after: &str, secret: &ClientSecret) -> Result<(), StoreError> {
        let request = self
            .client
            .put_secret_value()
            .secret_id(self.id(name))
            .client_request_token(successor_token(after))
            .secret_string(encode(secret)?);
        match self.send(request.send()).await {
            Ok(_) => Ok(()),
            Err(err) => {
                // Whatever happened, the cached copy may be stale now.
                self.cache().remove(name);
                match err.as_service_error() {
                    Some(e) if e.is_resource_not_found_exception() => Err(StoreError::NotFound),
                    Some(e) if e.is_resource_exists_exception() => Err(StoreError::Conflict(
                        "the secret was changed by a concurrent write; nothing was changed".into(),
                    )),
                    _ => Err(unavailable("PutSecretValue", &err)),
                }
            }
        }
    }
}

/// The `ClientRequestToken` of the version written after `version`: a fixed function of it (43
/// characters, inside the 32–64 Secrets Manager demands), so every writer that starts from `version`
/// claims the same token. The chain cannot meet itself again, and versions created without a token
/// (by `CreateSecret`, or by hand) carry random UUIDs, which a hash never equals.
pub fn successor_token(version: &str) -> String {
    onair_domain::oauth::token::token_hash(&format!("onair secret version after {version}"))
}

#[async_trait]
impl SecretStore for SecretsManagerStore {
    async fn create(&self, name: &str, value: &SecretString) -> Result<(), StoreError> {
        let secret = ClientSecret::new(value.clone());
        let request = self
            .client
            .create_secret()
            .name(self.id(name))
            .secret_string(encode(&secret)?);
        match self.send(request.send()).await {
            Ok(_) => {
                self.remember(name, secret);
                Ok(())
            }
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_exists_exception()) =>
            {
                Err(StoreError::Conflict("secret already exists".into()))
            }
            Err(err) => Err(unavailable("CreateSecret", &err)),
        }
    }

    async fn get(&self, name: &str) -> Result<StoredSecret, StoreError> {
        let now: OffsetDateTime = self.clock.now();
        if let Some(hit) = self.cache().get(name).filter(|s| now - s.fetched_at < self.ttl) {
            return Ok(hit.clone());
        }
        self.refresh(name).await
    }

    async fn refresh(&self, name: &str) -> Result<StoredSecret, StoreError> {
        let secret = self.fetch(name).await?;
        Ok(self.remember(name, secret))
    }

    async fn rotate_with(
        &self,
        name: &str,
        value: &SecretString,
        previous_until: OffsetDateTime,
        policy: RotationPolicy,
    ) -> Result<Rotated, StoreError> {
        // Rotate from the stored value, not a cached one, so a rotation made elsewhere is not undone.
        let (stored, version) = self.fetch_versioned(name).await?;
        let rotated = stored
            .rotation(value.clone(), self.clock.now(), previous_until, policy)
            .map_err(|refused| StoreError::Conflict(refused.to_string()))?;
        self.put_after(name, &version, &rotated).await?;
        self.remember(name, rotated.clone());
        Ok(Rotated {
            before: stored,
            after: rotated,
        })
    }

    async fn replace(
        &self,
        name: &str,
        expected: &ClientSecret,
        replacement: &ClientSecret,
    ) -> Result<(), StoreError> {
        let (stored, version) = self.fetch_versioned(name).await?;
        if &stored != expected {
            self.remember(name, stored);
            return Err(StoreError::Conflict("the secret changed in the meantime".into()));
        }
        self.put_after(name, &version, replacement).await?;
        self.remember(name, replacement.clone());
        Ok(())
    }

    async fn put_version(&self, name: &str, next: &ClientSecret, version: &str) -> Result<(), StoreError> {
        let request = self
            .client
            .put_secret_value()
            .secret_id(self.id(name))
            .client_request_token(version)
            .secret_string(encode(next)?);
        match self.send(request.send()).await {
            Ok(_) => {
                self.remember(name, next.clone());
                Ok(())
            }
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_exists_exception()) =>
            {
                // The version exists with another value: an earlier write for the same purpose won.
                self.cache().remove(name);
                Err(StoreError::Conflict("secret version already written".into()))
            }
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                self.cache().remove(name);
                Err(StoreError::NotFound)
            }
            Err(err) => Err(unavailable("PutSecretValue", &err)),
        }
    }

    async fn delete(&self, name: &str) -> Result<(), StoreError> {
        self.cache().remove(name);
        // A forced delete of a missing secret succeeds (in AWS as in moto), so existence is checked
        // first to report `NotFound`. Deletion is a rare admin action; the extra call is cheap.
        let request = self.client.describe_secret().secret_id(self.id(name));
        match self.send(request.send()).await {
            Ok(_) => {}
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                return Err(StoreError::NotFound);
            }
            Err(err) => return Err(unavailable("DescribeSecret", &err)),
        }
        let request = self
            .client
            .delete_secret()
            .secret_id(self.id(name))
            .force_delete_without_recovery(true);
        match self.send(request.send()).await {
            Ok(_) => Ok(()),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                Err(StoreError::NotFound)
            }
            Err(err) => Err(unavailable("DeleteSecret", &err)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undecodable_values_are_not_quoted() {
        let err = decode("client/x", "{\"current\": 12345678}")
            .unwrap_err()
            .to_string();
        assert!(err.contains("client/x") && !err.contains("12345678"));
        let err = decode("client/x", "hunter2").unwrap_err().to_string();
        assert!(!err.contains("hunter2"));
    }
}
