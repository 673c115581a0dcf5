//! The lifecycle of an OAuth client registration: registering (secret first, record second), deleting
//! (record first, secret second) and rotating its secret — so a readable client always has its secret.
//!
//! The secret is generated here, stored only in the secret store and handed back exactly once. The
//! admin surface validates the input and renders the results.

use crate::error::{AppError, StoreResult};
use crate::state::{AppState, client_secret_name};
use onair_domain::client::{Client, ClientKind};
use onair_domain::{ClientId, SecretString};
use onair_store::{RotationPolicy, StoreError};
use time::{Duration, OffsetDateTime};

/// A registration to make (already validated).
#[derive(Debug)]
pub struct NewClient {
    /// Display name.
    pub name: String,
    /// Confidential or public.
    pub kind: ClientKind,
    /// Exact redirect URIs.
    pub redirect_uris: Vec<String>,
}

/// Registers a client; a confidential client's secret comes back once, beside the record.
pub async fn register(state: &AppState, new: NewClient) -> Result<(Client, Option<SecretString>), AppError> {
    let id = ClientId::parse(&state.generator.id())
        .ok_or_else(|| AppError::Internal("generated an invalid id".into()))?;
    let now = state.clock.now();
    let secret = match new.kind {
        ClientKind::Confidential => {
            let secret = state.generator.secret();
            let name = client_secret_name(&id);
            if let Err(err) = state.secrets.create(&name, &secret).await {
                // An unavailable store may have written the secret and lost the answer: remove it, so
                // a failed registration leaves nothing behind (the id is fresh, so it is ours).
                if matches!(err, StoreError::Unavailable(_)) {
                    match state.secrets.delete(&name).await {
                        Ok(()) | Err(StoreError::NotFound) => {}
                        Err(cleanup) => {
                            tracing::warn!(error = %cleanup, "could not remove the secret of a failed client registration")
                        }
                    }
                }
                return Err(AppError::from(err).of("client secret"));
            }
            Some(secret)
        }
        ClientKind::Public => None,
    };
    let record = Client {
        name: new.name.trim().to_owned(),
        kind: new.kind,
        redirect_uris: new.redirect_uris,
        secret_name: secret.as_ref().map(|_| client_secret_name(&id)),
        id,
        created_at: now,
        modified_at: now,
        version: 1,
    };
    if let Err(err) = state.clients.create(&record).await {
        // Undo the registration so a failed one leaves nothing behind. An unavailable store may have
        // written the record and lost the answer, so the record goes first (`NotFound`: it was never
        // written), then the secret. A `Conflict` means the id belongs to another registration: its
        // record is not ours, but the secret is (creating it succeeded, so no client had one under this
        // name). Only a second failure leaves something: an orphan secret no record points to, or — if
        // the record was written and cannot be removed — a record without a secret; both are logged.
        if !matches!(err, StoreError::Conflict(_)) {
            match state.clients.delete(&record.id).await {
                Ok(()) | Err(StoreError::NotFound) => {}
                Err(cleanup) => {
                    tracing::warn!(client_id = %record.id, error = %cleanup, "could not remove the record of a failed client registration");
                }
            }
        }
        if let Some(name) = &record.secret_name
            && let Err(cleanup) = state.secrets.delete(name).await
        {
            tracing::warn!(error = %cleanup, "could not remove the secret of a failed client registration");
        }
        return Err(AppError::from(err).of("client"));
    }
    tracing::info!(client_id = %record.id, "client registered");
    Ok((record, secret))
}

/// Deletes a client: the record, then its secret.
pub async fn delete(state: &AppState, id: &ClientId) -> Result<(), AppError> {
    let client = state.clients.get(id).await.what("client")?;
    state.clients.delete(id).await.what("client")?;
    state.client_cache.invalidate(id);
    if let Some(name) = &client.secret_name {
        match state.secrets.delete(name).await {
            Ok(()) | Err(StoreError::NotFound) => {}
            // The record is gone, so nothing can authenticate with this secret any more; the orphan
            // only costs storage and is logged for the operator.
            Err(err) => {
                tracing::warn!(client_id = %id, error = %err, "client deleted but its secret remains")
            }
        }
    }
    tracing::info!(client_id = %id, "client deleted");
    Ok(())
}

/// A secret rotation that went through.
#[derive(Debug)]
pub struct SecretRotation {
    /// The new secret, handed back once.
    pub secret: SecretString,
    /// Until when the replaced secret keeps working.
    pub previous_until: OffsetDateTime,
    /// The record's new version.
    pub version: u64,
}

/// How often the record's version bump is retried when a concurrent update moved the version on.
const BUMP_ATTEMPTS: usize = 3;

/// Issues a new secret; the previous one keeps working for `overlap`.
///
/// The secret store is where a rotation is decided: its conditional write lets exactly one of
/// concurrent rotations through, and it refuses (conflict) a rotation while an earlier overlap is
/// running unless the policy forces it, so every deadline a reply states holds. The record's version is
/// bumped after that, so a refused or losing rotation changes nothing at all; if the bump cannot be
/// made, the rotation is undone (conditionally, so a later rotation is never reverted) and the error
/// returned.
pub async fn rotate_secret(
    state: &AppState,
    id: &ClientId,
    overlap: Duration,
    policy: RotationPolicy,
) -> Result<SecretRotation, AppError> {
    let current = state.clients.get(id).await.what("client")?;
    let Some(secret_name) = current.secret_name.clone() else {
        return Err(AppError::Conflict(
            "public clients have no secret to rotate".into(),
        ));
    };
    let now = state.clock.now();
    let secret = state.generator.secret();
    let until = now + overlap;
    let rotated = state
        .secrets
        .rotate_with(&secret_name, &secret, until, policy)
        .await
        .what("client secret")?;
    let version = match bump(state, current, now).await {
        Ok(version) => version,
        Err(err) => {
            match state
                .secrets
                .replace(&secret_name, &rotated.after, &rotated.before)
                .await
            {
                Ok(()) => tracing::info!(client_id = %id, "client secret rotation undone"),
                // Undo is best effort: the rotation stands (and its secret is lost to the caller), but
                // the replaced secret keeps working for the overlap, so nothing is locked out.
                Err(undo) => tracing::warn!(
                    client_id = %id, error = %undo, "client secret rotated but the record was not updated"
                ),
            }
            return Err(err);
        }
    };
    state.client_cache.invalidate(id);
    tracing::info!(
        client_id = %id,
        overlap_seconds = overlap.whole_seconds(),
        forced = policy == RotationPolicy::Force,
        "client secret rotated"
    );
    Ok(SecretRotation {
        secret,
        previous_until: until,
        version,
    })
}

/// Bumps the record's version and modification time after a rotation, re-reading it when a concurrent
/// update (a rename, say) moved the version on; returns the new version.
async fn bump(state: &AppState, mut current: Client, now: OffsetDateTime) -> Result<u64, AppError> {
    for attempt in 1..=BUMP_ATTEMPTS {
        let expected = current.version;
        let bumped = Client {
            modified_at: now,
            version: expected + 1,
            ..current
        };
        match state.clients.update(&bumped, expected).await {
            Ok(()) => return Ok(bumped.version),
            Err(StoreError::Conflict(_)) if attempt < BUMP_ATTEMPTS => {
                current = state.clients.get(&bumped.id).await.what("client")?;
            }
            Err(err) => return Err(AppError::from(err).of("client")),
        }
    }
    Err(AppError::Conflict("the client kept changing; retry".into()))
}
