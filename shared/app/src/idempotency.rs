//! Idempotent writes: a request carrying an `Idempotency-Key` runs at most once per (caller,
//! operation, key) within [`RETENTION`]; a retry with the same request gets the first success again,
//! and a retry with another request under the same key is refused.
//!
//! The flow, driven by the HTTP helper (`onair_api::idempotency`):
//! 1. [`parse_key`] checks the header, [`fingerprint`] reduces the request to a SHA-256.
//! 2. [`begin`] claims the key: the caller either runs the request ([`Begun::Run`]) or answers with the
//!    stored response ([`Begun::Replay`]). A key used with another request is `idempotencyKeyReused`
//!    (422), a key whose first request is still running is `idempotencyKeyInProgress` (409).
//! 3. After running, [`succeed`] stores a success for replay, or [`fail`] drops the claim: a refused or
//!    failed request changed nothing, so a retry must be evaluated afresh.
//!
//! A write whose answer was lost (it landed, then the store's reply timed out: a 503) releases its key
//! like any failure. So that its retry cannot create a second resource, inserts take their id from
//! [`Ticket::derived_id`] — a hash of the caller, operation, key and request — and a retry whose create
//! meets that id already stored answers with the stored resource.
//!
//! Limits, deliberately: a request that dies between its write and [`succeed`] (a crash, a timeout, an
//! outage of the idempotency record) leaves the claim in progress until its [`LEASE`] runs out; a retry
//! after that runs again. The lease outlives every function's timeout (10 s), so a request still
//! running is never overtaken.

use crate::{AppError, AppState};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use onair_domain::lifecycle::{ErrorDomain, LifecycleError, Reason};
use onair_store::{Claim, ClaimOutcome, IdempotencyScope, StoredResponse};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

/// How long a key answers retries, counted from its first request.
pub const RETENTION: Duration = Duration::hours(24);

/// How long a claimed key waits for its request before the claim counts as abandoned; longer than
/// any function's timeout.
pub const LEASE: Duration = Duration::seconds(30);

/// Longest accepted key, in characters (all ASCII).
pub const MAX_KEY_CHARS: usize = 255;

/// Largest response body kept for replay; far above any resource this API returns, and well inside
/// DynamoDB's 400 KB item limit. A larger success is not stored (its claim is released).
pub const MAX_STORED_BODY: usize = 256 * 1024;

/// Seconds a caller refused with `idempotencyKeyInProgress` should wait: a running write takes well
/// under a second.
pub const IN_PROGRESS_RETRY_AFTER_SECONDS: u64 = 1;

fn refusal(reason: Reason, message: &str) -> AppError {
    AppError::Lifecycle(LifecycleError::new(ErrorDomain::Global, reason, message))
}

/// The key of an `Idempotency-Key` header value: 1–[`MAX_KEY_CHARS`] visible ASCII characters
/// (`!`–`~`), else `invalidIdempotencyKey`. Case matters: keys are compared exactly.
pub fn parse_key(raw: &[u8]) -> Result<String, AppError> {
    let visible = raw.iter().all(|b| (0x21..=0x7e).contains(b));
    if raw.is_empty() || raw.len() > MAX_KEY_CHARS || !visible {
        return Err(refusal(
            Reason::InvalidIdempotencyKey,
            "The Idempotency-Key header must be 1 to 255 visible ASCII characters.",
        ));
    }
    // All bytes are ASCII, so this is the same text.
    Ok(raw.iter().map(|&b| char::from(b)).collect())
}

/// The refusal for a repeated `Idempotency-Key` header (which of them would count is ambiguous).
pub fn repeated_key() -> AppError {
    refusal(
        Reason::InvalidIdempotencyKey,
        "Send the Idempotency-Key header once.",
    )
}

/// SHA-256 (base64url) of the canonical request: the method, the path, the query parameters decoded
/// and sorted (so their order and percent-encoding do not matter), and the body bytes. Each part is
/// length-prefixed, so no two requests share a canonical form.
pub fn fingerprint(method: &str, path: &str, query: Option<&str>, body: &[u8]) -> String {
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    pairs.sort();
    let mut hash = Sha256::new();
    let mut part = |bytes: &[u8]| {
        hash.update((bytes.len() as u64).to_be_bytes());
        hash.update(bytes);
    };
    part(method.to_ascii_uppercase().as_bytes());
    part(path.as_bytes());
    part(&(pairs.len() as u64).to_be_bytes());
    for (name, value) in &pairs {
        part(name.as_bytes());
        part(value.as_bytes());
    }
    part(body);
    URL_SAFE_NO_PAD.encode(hash.finalize())
}

/// A claim the caller holds: hand it to [`succeed`] or [`fail`] once the request has run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    scope: IdempotencyScope,
    claimed_at: OffsetDateTime,
    fingerprint: String,
}

impl Ticket {
    /// The id an insert under this claim gives its resource: 128 bits of SHA-256 over the caller, the
    /// operation, the key and the request's fingerprint, in the generator's id alphabet. Every retry of
    /// the same request derives the same id, so a retry after a lost answer finds the resource its
    /// first attempt stored instead of creating a second one; another request under the key (refused
    /// anyway) or another caller derives another id.
    pub fn derived_id(&self) -> String {
        let mut hash = Sha256::new();
        for part in [
            "onair idempotent id".as_bytes(),
            self.scope.owner.as_str().as_bytes(),
            self.scope.operation.as_bytes(),
            self.scope.key.as_bytes(),
            self.fingerprint.as_bytes(),
        ] {
            hash.update((part.len() as u64).to_be_bytes());
            hash.update(part);
        }
        URL_SAFE_NO_PAD.encode(&hash.finalize()[..16])
    }
}

/// What to do with a request after [`begin`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begun {
    /// Run it, then report through the ticket.
    Run(Ticket),
    /// Answer with the first success.
    Replay(StoredResponse),
}

/// Claims `scope` for the request with `fingerprint` at the clock's now.
pub async fn begin(
    state: &AppState,
    scope: IdempotencyScope,
    fingerprint: String,
) -> Result<Begun, AppError> {
    let now = state.clock.now();
    let claim = Claim {
        scope,
        fingerprint,
        now,
        lease_until: now + LEASE,
        expires_at: now + RETENTION,
    };
    match state.idempotency.claim(&claim).await? {
        ClaimOutcome::Fresh => Ok(Begun::Run(Ticket {
            scope: claim.scope,
            claimed_at: now,
            fingerprint: claim.fingerprint,
        })),
        ClaimOutcome::Replay(response) => Ok(Begun::Replay(response)),
        ClaimOutcome::Mismatch => Err(refusal(
            Reason::IdempotencyKeyReused,
            "This Idempotency-Key was already used with a different request.",
        )),
        ClaimOutcome::InProgress { .. } => Err(refusal(
            Reason::IdempotencyKeyInProgress,
            "A request with this Idempotency-Key is still being processed; retry shortly.",
        )),
    }
}

/// Stores `response` (a success) for replay. A failure to store is logged, not returned: the request
/// did its work and its answer must reach the caller; the claim then lapses with its lease.
pub async fn succeed(state: &AppState, ticket: &Ticket, response: &StoredResponse) {
    if response.body.len() > MAX_STORED_BODY {
        tracing::warn!(
            operation = %ticket.scope.operation,
            body_len = response.body.len(),
            "response too large to keep for idempotent replay; releasing its key"
        );
        fail(state, ticket).await;
        return;
    }
    if let Err(err) = state
        .idempotency
        .complete(&ticket.scope, ticket.claimed_at, response)
        .await
    {
        tracing::warn!(operation = %ticket.scope.operation, error = %err, "storing an idempotent response failed");
    }
}

/// Drops the claim of a request that was refused or failed. A failure to drop it is logged: the claim
/// then lapses with its lease, and retries meanwhile are told to wait.
pub async fn fail(state: &AppState, ticket: &Ticket) {
    if let Err(err) = state.idempotency.release(&ticket.scope, ticket.claimed_at).await {
        tracing::warn!(operation = %ticket.scope.operation, error = %err, "releasing an idempotency key failed");
    }
}

/// Whether `err` is the in-progress refusal (its answer carries `Retry-After`).
pub fn is_in_progress(err: &AppError) -> bool {
    matches!(err, AppError::Lifecycle(e) if e.reason == Reason::IdempotencyKeyInProgress)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_one_to_255_visible_ascii_characters() {
        assert_eq!(parse_key(b"a").unwrap(), "a");
        assert_eq!(parse_key(b"!~#=").unwrap(), "!~#=");
        assert!(parse_key(&[b'k'; 255]).is_ok());
        for bad in [&b""[..], &[b'k'; 256], b"a b", b"tab\t", "é".as_bytes(), b"\x7f"] {
            let Err(AppError::Lifecycle(e)) = parse_key(bad) else {
                panic!("{bad:?} accepted")
            };
            assert_eq!((e.reason.as_str(), e.code()), ("invalidIdempotencyKey", 400));
        }
    }

    #[test]
    fn fingerprints_ignore_query_order_and_encoding_but_nothing_else() {
        let base = fingerprint("POST", "/p", Some("a=1&b=x%20y"), b"{}");
        assert_eq!(base, fingerprint("post", "/p", Some("b=x+y&a=1"), b"{}"));
        assert_ne!(base, fingerprint("PUT", "/p", Some("a=1&b=x%20y"), b"{}"));
        assert_ne!(base, fingerprint("POST", "/q", Some("a=1&b=x%20y"), b"{}"));
        assert_ne!(base, fingerprint("POST", "/p", Some("a=1&b=x"), b"{}"));
        assert_ne!(base, fingerprint("POST", "/p", Some("a=1&b=x%20y"), b"{ }"));
        // Length prefixes: moving bytes between parts changes the fingerprint.
        assert_ne!(
            fingerprint("POST", "/p", Some("ab=c"), b""),
            fingerprint("POST", "/p", Some("a=bc"), b"")
        );
        assert_eq!(
            fingerprint("POST", "/p", None, b""),
            fingerprint("POST", "/p", Some(""), b"")
        );
    }

    #[test]
    fn refusals_carry_their_reasons_and_statuses() {
        let reused = refusal(Reason::IdempotencyKeyReused, "x");
        let busy = refusal(Reason::IdempotencyKeyInProgress, "x");
        let AppError::Lifecycle(e) = &reused else { panic!() };
        assert_eq!(
            (e.reason.as_str(), e.code(), e.domain()),
            ("idempotencyKeyReused", 422, "global")
        );
        let AppError::Lifecycle(e) = &busy else { panic!() };
        assert_eq!((e.reason.as_str(), e.code()), ("idempotencyKeyInProgress", 409));
        assert!(is_in_progress(&busy) && !is_in_progress(&reused));
    }
}
