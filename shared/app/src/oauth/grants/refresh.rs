//! `grant_type=refresh_token` with rotation (RFC 6749 §6, RFC 9700 §4.14): a retry inside the grace
//! window gets the successor already issued; any other reuse revokes the family.

use super::{Caller, Misuse, audit, revoke_after_misuse, tokens_for};
use crate::error::AppError;
use crate::oauth::issue::IssuedTokens;
use crate::signing_keys::key_set;
use crate::state::AppState;
use onair_domain::audit::AuditEvent;
use onair_domain::client::Client;
use onair_domain::oauth::OAuthError;
use onair_domain::oauth::jwt::KeySet;
use onair_domain::oauth::params::Params;
use onair_domain::oauth::refresh::{
    GraceDecision, RefreshDecision, RefreshRecord, Successor, decide, decide_grace,
};
use onair_domain::oauth::token::{successor, token_hash};
use onair_store::{RotateError, StoreError};

/// The refresh token of a request: `refresh_token`, or PRISM's newer `token` / `_token` spellings.
pub fn presented_refresh_token(params: &Params) -> Result<&str, AppError> {
    let names = ["refresh_token", "token", "_token"];
    let mut found = names.iter().filter_map(|n| params.get(n));
    match (found.next(), found.next()) {
        (Some(t), None) => Ok(t),
        (Some(_), Some(_)) => Err(OAuthError::invalid_request("send the refresh token once").into()),
        (None, _) => Err(OAuthError::invalid_request("missing parameter refresh_token").into()),
    }
}

/// The successor of `presented` under the current key, or under the previous one when that is the one
/// that produced `expected_hash` (a key rotation between a rotation and its retry).
fn successor_for(keys: &KeySet, presented: &str, expected_hash: Option<&str>) -> onair_domain::SecretString {
    let current = successor(keys.current.material(), presented);
    match (expected_hash, &keys.previous) {
        (Some(hash), Some(previous)) if token_hash(current.expose()) != hash => {
            let old = successor(previous.material(), presented);
            if token_hash(old.expose()) == hash {
                old
            } else {
                current
            }
        }
        _ => current,
    }
}

/// What the presentation of a token that is no longer active ends with.
enum Retired {
    /// A retry inside the grace window: hand out this already-issued successor (record and value).
    Answer(RefreshRecord, onair_domain::SecretString),
    /// Misuse: revoke the family.
    Reuse,
    /// Refuse, change nothing.
    Refuse(&'static str),
}

/// Applies the grace/reuse rules to `old`, the stored record of a presented token that could not be
/// rotated.
async fn retired(
    state: &AppState,
    keys: &KeySet,
    presented: &str,
    old: &RefreshRecord,
    client: &Client,
    now: time::OffsetDateTime,
) -> Result<Retired, AppError> {
    match decide(old, &client.id, now, state.settings.oauth.grace) {
        RefreshDecision::Grace { successor_hash } => {
            let again = successor_for(keys, presented, Some(&successor_hash));
            if token_hash(again.expose()) != successor_hash {
                return Ok(Retired::Refuse("refresh token is no longer valid"));
            }
            grace_retry(state, old, &successor_hash, again, now).await
        }
        RefreshDecision::Reuse => Ok(Retired::Reuse),
        RefreshDecision::Refuse(why) => Ok(Retired::Refuse(why)),
        RefreshDecision::Rotate => Ok(Retired::Refuse("refresh token changed concurrently")),
    }
}

/// Re-reads of a successor that may still be in flight, and the pause before each: about 1.3 s in
/// all, ample for the one `TransactWriteItems` a rotation's second write is, yet short enough that a
/// client never times out on the retry.
const IN_FLIGHT_PAUSES_MS: [u64; 6] = [20, 40, 80, 160, 320, 640];

/// A retry of `old` inside its grace window: [`decide_grace`] on its successor (`again` is the
/// successor's value). When the successor is not stored yet and the rotation is recent, its write may
/// be in flight (a rotation retires the old token first, then stores the successor): the read is
/// repeated after the pauses of [`IN_FLIGHT_PAUSES_MS`]. One round trip when the successor is there.
async fn grace_retry(
    state: &AppState,
    old: &RefreshRecord,
    successor_hash: &str,
    again: onair_domain::SecretString,
    now: time::OffsetDateTime,
) -> Result<Retired, AppError> {
    const GONE: &str = "refresh token is no longer valid";
    let mut pauses = IN_FLIGHT_PAUSES_MS.iter();
    loop {
        let found = match state
            .grants
            .get_refresh_and_family(successor_hash, &old.family_id)
            .await
        {
            Ok(found) => Some(found),
            Err(StoreError::NotFound) => None,
            Err(other) => return Err(other.into()),
        };
        let successor = match &found {
            Some((token, family)) => Successor::Found { token, family },
            None => Successor::Missing,
        };
        match (decide_grace(old, successor, now), found) {
            (GraceDecision::Answer, Some((successor, _))) => {
                tracing::info!(user_id = %old.user_id, "refresh retried within the grace window");
                return Ok(Retired::Answer(successor, again));
            }
            (GraceDecision::Answer, None) => return Ok(Retired::Refuse(GONE)),
            // RFC 9700 §4.14.2: the successor has been used, so the retired token is in other hands —
            // misuse even inside the grace window.
            (GraceDecision::Reuse, _) => return Ok(Retired::Reuse),
            (GraceDecision::Refuse(why), _) => return Ok(Retired::Refuse(why)),
            (GraceDecision::Wait, _) => match pauses.next() {
                // Real time, not the injected clock: this waits for another request's write to land.
                Some(ms) => tokio::time::sleep(std::time::Duration::from_millis(*ms)).await,
                None => {
                    tracing::warn!(user_id = %old.user_id, "the successor of a rotated refresh token never landed");
                    return Ok(Retired::Refuse(GONE));
                }
            },
        }
    }
}

/// `grant_type=refresh_token`.
pub(super) async fn refresh_token(
    state: &AppState,
    client: &Client,
    params: &Params,
    caller: &Caller,
) -> Result<IssuedTokens, AppError> {
    let presented = presented_refresh_token(params)?;
    let keys = key_set(state).await?;
    let now = state.clock.now();
    let next = successor_for(&keys, presented, None);
    let entry = audit(state, AuditEvent::TokenRefreshed, client, None, caller, None);
    let expires = now + state.settings.oauth.refresh_ttl;
    let issued = match state
        .grants
        .rotate_refresh(
            &token_hash(presented),
            &client.id,
            &token_hash(next.expose()),
            now,
            expires,
            &entry,
        )
        .await
    {
        Ok(record) => (record, next),
        Err(RotateError::Unknown) => return Err(OAuthError::invalid_grant("refresh token is invalid").into()),
        Err(RotateError::GrantInvalid(why)) => return Err(OAuthError::invalid_grant(why).into()),
        Err(RotateError::Store(e)) => return Err(e.into()),
        Err(RotateError::NotActive(old)) => {
            match retired(state, &keys, presented, &old, client, now).await? {
                Retired::Answer(record, value) => (record, value),
                Retired::Reuse => {
                    let misuse = Misuse {
                        family: &old.family_id,
                        owner: &old.client_id,
                        user: &old.user_id,
                    };
                    revoke_after_misuse(
                        state,
                        client,
                        caller,
                        &misuse,
                        AuditEvent::RefreshReuseDetected,
                        now,
                    )
                    .await?;
                    return Err(OAuthError::invalid_grant("refresh token has already been used").into());
                }
                Retired::Refuse(why) => return Err(OAuthError::invalid_grant(why).into()),
            }
        }
    };
    let (record, refresh) = issued;
    let family = (&record.user_id, record.family_id.as_str(), record.scope.clone());
    tokens_for(state, &keys, caller, client, family, refresh)
}
