//! Scheduled rotation of the access-token signing key.
//!
//! The signing-key secret holds `{"current", "previous", "previousUntil"}` — the format of the README's
//! manual procedure — plus `rotatedFor`, the scheduled time of the run that wrote it. A run makes a new
//! key current and keeps the old one as `previous` until one access-token lifetime plus
//! [`CACHE_MARGIN`] later, so every token signed with the old key keeps verifying until it expires.
//!
//! Delivery is at least once, and two deliveries of one run may even arrive at the same moment. A run
//! is keyed by its scheduled time: a delivery whose run is not newer than `rotatedFor` does nothing, and
//! the write itself is the secret version named after the run, which only one writer can create
//! ([`SecretStore::put_version`]); the loser of a race changes nothing.

use crate::error::{AppError, StoreResult};
use onair_domain::{Clock, Generator, Violations};
use onair_store::{SecretStore, StoreError};
use time::{Duration, OffsetDateTime};

/// Added to the access-token lifetime for the overlap: a warm instance keeps signing with the key it
/// cached until its secret cache expires (`SecretCacheSeconds`, at most one hour by the template's
/// bounds), and the tokens it signs then must verify for their whole lifetime too.
pub const CACHE_MARGIN: Duration = Duration::hours(1);

/// How far in the future a run may claim to be scheduled (clock skew). A run further ahead is refused:
/// recording it would make every real run until then a no-op.
pub const FUTURE_TOLERANCE: Duration = Duration::minutes(5);

/// The ports rotation needs.
pub struct KeyPorts<'a> {
    /// Where the signing key lives.
    pub secrets: &'a dyn SecretStore,
    /// The time.
    pub clock: &'a dyn Clock,
    /// Draws the new key.
    pub generator: &'a dyn Generator,
}

/// What a rotation run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// A new key is current; the old one verifies until `previous_until`.
    Rotated {
        /// End of the old key's overlap.
        previous_until: OffsetDateTime,
    },
    /// This run (or a newer one) was already applied; nothing changed.
    AlreadyApplied {
        /// The run recorded in the secret.
        rotated_for: Option<OffsetDateTime>,
    },
}

/// The old key's overlap for an access-token lifetime.
pub fn overlap_for(access_ttl: Duration) -> Duration {
    access_ttl + CACHE_MARGIN
}

/// The secret version a run writes: the same for every delivery of one run.
pub fn version_of(run: OffsetDateTime) -> String {
    format!("signing-key-rotation-{:020}", run.unix_timestamp())
}

/// Rotates the key in `secret_name` for the run scheduled at `run`, once.
pub async fn rotate_signing_key(
    ports: &KeyPorts<'_>,
    secret_name: &str,
    overlap: Duration,
    run: OffsetDateTime,
) -> Result<Rotation, AppError> {
    let now = ports.clock.now();
    if run > now + FUTURE_TOLERANCE {
        return Err(AppError::Invalid(Violations::one(
            "scheduledTime",
            format!("the run scheduled for {run} is in the future"),
        )));
    }
    // The stored value, never a cached one: a run decides on what another instance may just have done.
    let stored = ports
        .secrets
        .refresh(secret_name)
        .await
        .what("signing-key secret")?
        .secret;
    if stored.rotated_for.is_some_and(|done| done >= run) {
        return Ok(Rotation::AlreadyApplied {
            rotated_for: stored.rotated_for,
        });
    }
    // From the later of the two: a delivery retried late still keeps the promise from the moment the
    // old key stops being current.
    let previous_until = now.max(run) + overlap;
    let mut next = stored.rotated(ports.generator.secret(), previous_until);
    next.rotated_for = Some(run);
    match ports
        .secrets
        .put_version(secret_name, &next, &version_of(run))
        .await
    {
        Ok(()) => Ok(Rotation::Rotated { previous_until }),
        // A concurrent delivery of the same run wrote first.
        Err(StoreError::Conflict(_)) => Ok(Rotation::AlreadyApplied {
            rotated_for: Some(run),
        }),
        Err(err) => Err(AppError::from(err).of("signing-key secret")),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use onair_domain::{FixedClock, SecretString, SequenceGenerator};
    use onair_store::secrets::memory::MemorySecretStore;
    use std::sync::Arc;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-11-01 00:00:00 UTC);

    async fn setup() -> (MemorySecretStore, Arc<FixedClock>, SequenceGenerator) {
        let clock = Arc::new(FixedClock::at(T0));
        let store = MemorySecretStore::new(clock.clone());
        store
            .create("signing-key", &SecretString::new("k0"))
            .await
            .unwrap();
        (store, clock, SequenceGenerator::default())
    }

    #[tokio::test]
    async fn a_run_rotates_once_and_keeps_the_old_key_for_the_overlap() {
        let (store, clock, generator) = setup().await;
        let ports = KeyPorts {
            secrets: &store,
            clock: clock.as_ref(),
            generator: &generator,
        };
        let overlap = overlap_for(Duration::hours(1));
        let first = rotate_signing_key(&ports, "signing-key", overlap, T0)
            .await
            .unwrap();
        assert_eq!(
            first,
            Rotation::Rotated {
                previous_until: T0 + Duration::hours(2)
            }
        );
        let again = rotate_signing_key(&ports, "signing-key", overlap, T0)
            .await
            .unwrap();
        assert_eq!(
            again,
            Rotation::AlreadyApplied {
                rotated_for: Some(T0)
            }
        );
        let older = rotate_signing_key(&ports, "signing-key", overlap, T0 - Duration::days(30))
            .await
            .unwrap();
        assert!(matches!(older, Rotation::AlreadyApplied { .. }));
        let secret = store.get("signing-key").await.unwrap().secret;
        assert_eq!(secret.previous.unwrap().expose(), "k0");
        assert_eq!(secret.rotated_for, Some(T0));
    }

    #[tokio::test]
    async fn a_run_from_the_future_is_refused_and_changes_nothing() {
        let (store, clock, generator) = setup().await;
        let ports = KeyPorts {
            secrets: &store,
            clock: clock.as_ref(),
            generator: &generator,
        };
        let err = rotate_signing_key(&ports, "signing-key", Duration::hours(1), T0 + Duration::days(1))
            .await
            .unwrap_err();
        assert!(matches!(err, AppError::Invalid(_)) && !err.is_retryable());
        assert_eq!(
            store.get("signing-key").await.unwrap().secret.current.expose(),
            "k0"
        );
    }

    #[test]
    fn versions_are_valid_client_request_tokens() {
        let version = version_of(T0);
        assert!((32..=64).contains(&version.len()), "{version}");
        assert_ne!(version, version_of(T0 + Duration::seconds(1)));
    }
}
