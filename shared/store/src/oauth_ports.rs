//! The storage ports of the authorization server: codes and token families ([`GrantStore`]), login
//! throttling ([`LockoutStore`]) and the audit trail ([`AuditStore`]).
//!
//! Contract (held by the contract suite for every adapter):
//! - Codes and refresh tokens are addressed by hash only.
//! - `redeem_code` is the single-use guard: of any number of concurrent redemptions exactly one
//!   succeeds; a refused redemption writes nothing (a replay is reported with the record so the
//!   caller can revoke its family — however late it comes: a redeemed code is kept as long as the
//!   family it started, 400 days on DynamoDB).
//! - `rotate_refresh` is the rotation guard: of concurrent rotations of one token exactly one succeeds;
//!   the others get the retired record back to apply the grace/reuse rule.
//! - Every audit entry passed to a write is stored atomically with that write (except revocation's,
//!   appended right after it).
//! - `reserve` is the login-throttling guard: of any number of concurrent reservations of one key at
//!   most `limit` minus the current count succeed; a refused reservation writes nothing.
//! - Expiry is honoured in code: an expired code or token is refused even while the item still exists
//!   (DynamoDB's TTL deletes up to days late).

use crate::error::StoreError;
use async_trait::async_trait;
use onair_domain::audit::AuditEntry;
use onair_domain::oauth::code::{CodeRecord, RedeemRefusal, Redemption};
use onair_domain::oauth::refresh::{Family, RefreshRecord};
use onair_domain::{ClientId, Page, PageRequest, UserId};
use time::{Date, OffsetDateTime};

/// Why a code redemption failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RedeemError {
    /// Refused by the rules; nothing was written. `Replayed` carries the record.
    #[error("code refused: {0:?}")]
    Refused(RedeemRefusal, Option<Box<CodeRecord>>),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a refresh-token rotation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RotateError {
    /// No such token.
    #[error("unknown refresh token")]
    Unknown,
    /// The token is not rotatable now (already rotated, expired, or another client's); nothing was
    /// written. Carries the stored record for the grace/reuse decision.
    #[error("refresh token not active")]
    NotActive(Box<RefreshRecord>),
    /// The family is revoked or the user is missing or disabled. The presented token has been retired.
    #[error("grant no longer valid: {0}")]
    GrantInvalid(&'static str),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Authorization codes, refresh tokens and their families.
#[async_trait]
pub trait GrantStore: Send + Sync {
    /// Stores a new code, with its `code_issued` audit entry.
    async fn put_code(&self, code: &CodeRecord, audit: &AuditEntry) -> Result<(), StoreError>;

    /// Redeems the code with this hash if [`onair_domain::oauth::code::check_redemption`] allows it at
    /// `now`, marking it redeemed; returns the record as it was before. The refusal is the first that
    /// rule names, so a redeemed code is `Replayed` even after it expired.
    async fn redeem_code(
        &self,
        hash: &str,
        redemption: &Redemption,
        now: OffsetDateTime,
    ) -> Result<CodeRecord, RedeemError>;

    /// Undoes the redemption of the code with this hash made at `redeemed_at`, if nothing of its family
    /// was written since: clears the redemption only if the code's `redeemed_at` still equals
    /// `redeemed_at` and the code's family does not exist (a replay's revocation creates it, and so does
    /// a family write whose answer was lost). `Conflict` when either condition fails, `NotFound` when
    /// there is no such code. For a token request whose family write failed before writing anything
    /// (or whose redemption's answer was lost), so that the client's retry of the same code succeeds
    /// instead of being taken for a replay. One conditional write, so it cannot race a replay or a
    /// second redemption into two families.
    async fn unredeem_code(&self, hash: &str, redeemed_at: OffsetDateTime) -> Result<(), StoreError>;

    /// Creates a family and its first refresh token, with the `code_redeemed` audit entry, if the user
    /// exists and is enabled (else `Conflict`). If a replay of the code already revoked the family (a
    /// race between concurrent redemptions), the family stays revoked: the one winning redemption still
    /// gets its tokens, and they are dead on arrival for refresh — RFC 6749 §4.1.2's "revoke all
    /// tokens issued from the code", regardless of which request landed first.
    async fn start_family(
        &self,
        family: &Family,
        token: &RefreshRecord,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;

    /// Retires the token `old_hash` in favour of a successor with `successor_hash` (same family, user,
    /// client and scope; expiring at `expires_at`), if it is active, unexpired at `now` and issued to
    /// `client`; the successor and the `token_refreshed` audit entry are written only if the family is
    /// not revoked and the user exists and is enabled. Returns the successor. The audit entry's
    /// `user_id`, when `None`, is filled in from the token (the caller cannot know it beforehand).
    async fn rotate_refresh(
        &self,
        old_hash: &str,
        client: &ClientId,
        successor_hash: &str,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
        audit: &AuditEntry,
    ) -> Result<RefreshRecord, RotateError>;

    /// One refresh token.
    async fn get_refresh(&self, hash: &str) -> Result<RefreshRecord, StoreError>;

    /// One family.
    async fn get_family(&self, id: &str) -> Result<Family, StoreError>;

    /// A refresh token and a family together, in one round trip; `NotFound` if either is missing.
    async fn get_refresh_and_family(
        &self,
        hash: &str,
        family: &str,
    ) -> Result<(RefreshRecord, Family), StoreError>;

    /// Revokes a family (idempotent). A family that does not exist yet is created revoked, so a
    /// redemption racing with a replay cannot start it live. The audit entry is appended after the
    /// revocation (a single-item write, so concurrent replays never contend on a transaction).
    async fn revoke_family(
        &self,
        id: &str,
        client: &ClientId,
        user: &UserId,
        now: OffsetDateTime,
        audit: &AuditEntry,
    ) -> Result<(), StoreError>;
}

/// Failed-login counters.
#[async_trait]
pub trait LockoutStore: Send + Sync {
    /// The current counts of `keys` (0 for absent ones), in order, in one round trip.
    async fn failures(&self, keys: &[String]) -> Result<Vec<u32>, StoreError>;
    /// Adds one failure to `key` (kept until `expires_at`) and returns the new count. Atomic.
    async fn add_failure(&self, key: &str, expires_at: OffsetDateTime) -> Result<u32, StoreError>;
    /// Takes one attempt slot of `key` if its count is below `limit`: adds one (kept until `expires_at`)
    /// and returns the new count, or returns `None` and writes nothing when the count has reached
    /// `limit`. One conditional write, so of concurrent reservations at most `limit` minus the current
    /// count succeed.
    async fn reserve(
        &self,
        key: &str,
        limit: u32,
        expires_at: OffsetDateTime,
    ) -> Result<Option<u32>, StoreError>;
    /// Gives back one slot taken by [`reserve`](LockoutStore::reserve); never takes a count below zero
    /// and never creates a counter.
    async fn release(&self, key: &str) -> Result<(), StoreError>;
    /// Forgets `key`'s failures.
    async fn clear(&self, key: &str) -> Result<(), StoreError>;
}

/// The audit trail.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends one entry.
    async fn append(&self, entry: &AuditEntry) -> Result<(), StoreError>;
    /// Entries of one UTC day, newest first, paged.
    async fn list(&self, day: Date, page: &PageRequest) -> Result<Page<AuditEntry>, StoreError>;
}
