//! The storage port of idempotent writes ([`IdempotencyStore`]): one record per (owner, operation,
//! `Idempotency-Key`), holding the request's fingerprint and, once the request succeeded, its response.
//!
//! Contract (held by `tests/integration/contract/idempotency.rs` for every adapter):
//! - Records are addressed by [`IdempotencyScope`]: the same key of another owner or another operation
//!   is another record, so keys never collide across users or methods.
//! - [`IdempotencyStore::claim`] is one conditional write. Of any number of concurrent claims of one
//!   scope exactly one is [`ClaimOutcome::Fresh`]; the others see the winner's record and change
//!   nothing. A record that expired (`now >= expires_at`) or whose in-progress lease ran out
//!   (`now >= lease_until`) behaves as absent: the claim replaces it. Expiry is decided in code, never
//!   by DynamoDB's TTL, which deletes days late (and never on moto).
//! - A live record answers a claim with [`ClaimOutcome::Mismatch`] when its fingerprint differs (first,
//!   whatever its state), else [`ClaimOutcome::Replay`] with the stored response when it is complete,
//!   else [`ClaimOutcome::InProgress`].
//! - [`IdempotencyStore::complete`] and [`IdempotencyStore::release`] act only on the claim made at
//!   `claimed_at` that is still in progress: a request whose lease ran out and whose key was claimed
//!   again cannot overwrite or drop the newer claim.
//! - Stored bodies may hold secrets (a `liveStreams.insert` answer carries the stream key), so
//!   [`StoredResponse`]'s `Debug` shows the body's length only, and no adapter logs a body.

use crate::error::StoreError;
use async_trait::async_trait;
use onair_domain::UserId;
use time::OffsetDateTime;

/// Which record a key names: the caller, the operation (`liveBroadcasts.insert`, …) and the key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdempotencyScope {
    /// The user whose request it is.
    pub owner: UserId,
    /// The operation, as the API names it (`liveBroadcasts.insert`); never contains `#`.
    pub operation: String,
    /// The client's `Idempotency-Key`: 1–255 visible ASCII characters (checked by the caller).
    pub key: String,
}

/// A claim of one scope for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The record claimed.
    pub scope: IdempotencyScope,
    /// The request's fingerprint (SHA-256 of its canonical form, base64url).
    pub fingerprint: String,
    /// The time of the claim; it also identifies the claim to [`IdempotencyStore::complete`] and
    /// [`IdempotencyStore::release`].
    pub now: OffsetDateTime,
    /// Until when a request holding the claim is presumed running; after it, the claim is abandoned
    /// (its request crashed or timed out) and the key may be claimed again.
    pub lease_until: OffsetDateTime,
    /// Until when the record answers retries (24 h after the first request).
    pub expires_at: OffsetDateTime,
}

/// A successful response kept for replay.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// The HTTP status (2xx).
    pub status: u16,
    /// The `Content-Type` it was sent with, if any.
    pub content_type: Option<String>,
    /// The body bytes (may hold a secret; never logged).
    pub body: Vec<u8>,
}

impl std::fmt::Debug for StoredResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredResponse")
            .field("status", &self.status)
            .field("content_type", &self.content_type)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// What a claim found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// The caller holds the claim: run the request, then complete or release it.
    Fresh,
    /// The request already succeeded with the same fingerprint: answer with this.
    Replay(StoredResponse),
    /// The key was used with another request (another fingerprint); nothing was changed.
    Mismatch,
    /// A request with the same fingerprint holds the claim until `lease_until`.
    InProgress {
        /// When the running request's lease ends.
        lease_until: OffsetDateTime,
    },
}

/// Idempotency records.
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims `claim.scope` for the request with `claim.fingerprint`, writing an in-progress record if
    /// the scope is free (absent, expired or abandoned). One conditional write.
    async fn claim(&self, claim: &Claim) -> Result<ClaimOutcome, StoreError>;

    /// Stores `response` in the claim made at `claimed_at`. `Conflict` when that claim is no longer in
    /// progress (its lease ran out and another claim replaced it, or it was released). One write.
    async fn complete(
        &self,
        scope: &IdempotencyScope,
        claimed_at: OffsetDateTime,
        response: &StoredResponse,
    ) -> Result<(), StoreError>;

    /// Drops the in-progress claim made at `claimed_at` (its request failed, and failures change
    /// nothing, so a retry must run again). Does nothing if that claim is not in progress any more.
    async fn release(&self, scope: &IdempotencyScope, claimed_at: OffsetDateTime) -> Result<(), StoreError>;
}

/// A record as both adapters hold it; the rules of the contract above, written once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// Fingerprint of the request that claimed the key.
    pub fingerprint: String,
    /// When the current claim was made (identifies it).
    pub claimed_at: OffsetDateTime,
    /// End of the in-progress lease (meaningless once complete).
    pub lease_until: OffsetDateTime,
    /// When the record stops answering.
    pub expires_at: OffsetDateTime,
    /// The stored response, once the request succeeded.
    pub response: Option<StoredResponse>,
}

impl IdempotencyRecord {
    /// The in-progress record a successful claim writes.
    pub fn of_claim(claim: &Claim) -> Self {
        Self {
            fingerprint: claim.fingerprint.clone(),
            claimed_at: claim.now,
            lease_until: claim.lease_until,
            expires_at: claim.expires_at,
            response: None,
        }
    }

    /// Whether the record still answers claims at `now`: unexpired, and either complete or within its
    /// lease. A record that does not is treated as absent.
    pub fn is_live(&self, now: OffsetDateTime) -> bool {
        now < self.expires_at && (self.response.is_some() || now < self.lease_until)
    }

    /// The answer this live record gives a claim with `fingerprint`.
    pub fn answer(self, fingerprint: &str) -> ClaimOutcome {
        if self.fingerprint != fingerprint {
            return ClaimOutcome::Mismatch;
        }
        match self.response {
            Some(response) => ClaimOutcome::Replay(response),
            None => ClaimOutcome::InProgress {
                lease_until: self.lease_until,
            },
        }
    }

    /// Whether this record is the claim made at `claimed_at`, still in progress.
    pub fn is_pending_claim(&self, claimed_at: OffsetDateTime) -> bool {
        self.response.is_none() && self.claimed_at == claimed_at
    }
}
