//! The two grants, shared by PRISM's token endpoint and the standard one: authorization code
//! (RFC 6749 §4.1.3, RFC 7636 §4.6) and refresh token with rotation (RFC 6749 §6, RFC 9700 §4.14).
//!
//! Round trips on a warm function (client and secret cached): code exchange = redeem (1) + start
//! family (1); refresh = rotate (2), or a grace retry = failed rotate (1) + successor-and-family read (1,
//! repeated a few times only while a concurrent rotation's successor is still being written).

use super::audit::Who;
use super::issue::{Grant, IssuedTokens, access_token};
use super::keys::token_keys;
use crate::error::TokenError;
use onair_app::state::AppState;
use onair_domain::audit::{AuditEntry, AuditEvent};
use onair_domain::client::Client;
use onair_domain::oauth::OAuthError;
use onair_domain::oauth::code::{RedeemRefusal, Redemption};
use onair_domain::oauth::jwt::KeySet;
use onair_domain::oauth::params::Params;
use onair_domain::oauth::pkce;
use onair_domain::oauth::refresh::{
    Family, GraceDecision, RefreshDecision, RefreshRecord, Successor, decide, decide_grace,
};
use onair_domain::oauth::token::{successor, token_hash};
use onair_store::{RedeemError, RotateError, StoreError};

/// Who is asking, for the audit trail.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The issuer URL in force for this request.
    pub issuer: String,
    /// The client IP.
    pub ip: Option<String>,
}

fn audit(
    state: &AppState,
    event: AuditEvent,
    client: &Client,
    user: Option<&onair_domain::UserId>,
    caller: &Caller,
    detail: Option<&str>,
) -> AuditEntry {
    let who = Who {
        client: Some(&client.id),
        user,
        login: None,
        ip: caller.ip.as_deref(),
    };
    super::audit::entry(state, event, who, detail)
}

/// The family a misused code or refresh token belongs to.
struct Misuse<'a> {
    family: &'a str,
    owner: &'a onair_domain::ClientId,
    user: &'a onair_domain::UserId,
}

/// Revokes the family of a replayed code or a reused refresh token — the token was stolen or leaked,
/// so everything descended from the same login dies — and records why.
async fn revoke_after_misuse(
    state: &AppState,
    client: &Client,
    caller: &Caller,
    misuse: &Misuse<'_>,
    event: AuditEvent,
    now: time::OffsetDateTime,
) -> Result<(), TokenError> {
    let entry = audit(
        state,
        event,
        client,
        Some(misuse.user),
        caller,
        Some("family revoked"),
    );
    state
        .grants
        .revoke_family(misuse.family, misuse.owner, misuse.user, now, &entry)
        .await
        .map_err(TokenError::store)?;
    tracing::warn!(client_id = %client.id, user_id = %misuse.user, event = event.as_str(), "token misuse; family revoked");
    Ok(())
}

/// `grant_type=authorization_code`.
pub async fn authorization_code(
    state: &AppState,
    client: &Client,
    params: &Params,
    caller: &Caller,
) -> Result<IssuedTokens, TokenError> {
    let code = params.require("code")?;
    let redirect_uri = params.require("redirect_uri")?;
    let challenge_of_verifier = match params.get("code_verifier") {
        None => None,
        Some(v) => Some(
            pkce::challenge_of(v).ok_or_else(|| OAuthError::invalid_grant("code_verifier is malformed"))?,
        ),
    };
    let now = state.clock.now();
    let redemption = Redemption {
        client_id: client.id.clone(),
        redirect_uri: redirect_uri.to_owned(),
        challenge_of_verifier,
        // The client as this instance knows it (cached for at most the client-cache TTL): a redirect
        // URI removed since the code was issued no longer redeems it.
        redirect_uri_registered: client.allows_redirect(redirect_uri),
    };
    let record = match state
        .grants
        .redeem_code(&token_hash(code), &redemption, now)
        .await
    {
        Ok(record) => record,
        Err(RedeemError::Refused(RedeemRefusal::Replayed, Some(record))) => {
            // RFC 6749 §4.1.2: a reused code revokes every token issued from it.
            let misuse = Misuse {
                family: &record.family_id,
                owner: &record.client_id,
                user: &record.user_id,
            };
            revoke_after_misuse(state, client, caller, &misuse, AuditEvent::CodeReplayed, now).await?;
            return Err(OAuthError::invalid_grant("authorization code has already been used").into());
        }
        Err(RedeemError::Refused(refusal, _)) => {
            let why = match refusal {
                RedeemRefusal::Invalid | RedeemRefusal::Replayed => {
                    "authorization code is invalid or expired"
                }
                RedeemRefusal::WrongClient => "authorization code was issued to another client",
                RedeemRefusal::WrongRedirect => "redirect_uri does not match the authorization request",
                RedeemRefusal::RedirectUnregistered => "redirect_uri is no longer registered for this client",
                RedeemRefusal::WrongVerifier => "PKCE verification failed",
            };
            return Err(OAuthError::invalid_grant(why).into());
        }
        Err(RedeemError::Store(e)) => return Err(TokenError::store(e)),
    };
    let keys = token_keys(state).await?;
    let refresh = state.generator.secret();
    let family = Family {
        id: record.family_id.clone(),
        client_id: client.id.clone(),
        user_id: record.user_id.clone(),
        created_at: now,
        revoked_at: None,
    };
    let token = RefreshRecord {
        hash: token_hash(refresh.expose()),
        family_id: record.family_id.clone(),
        client_id: client.id.clone(),
        user_id: record.user_id.clone(),
        scope: record.scope.clone(),
        issued_at: now,
        expires_at: now + state.settings.oauth.refresh_ttl,
        rotated: None,
    };
    let entry = audit(
        state,
        AuditEvent::CodeRedeemed,
        client,
        Some(&record.user_id),
        caller,
        None,
    );
    state
        .grants
        .start_family(&family, &token, &entry)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => OAuthError::invalid_grant("the user can no longer sign in").into(),
            other => TokenError::store(other),
        })?;
    let grant = Grant {
        user: &record.user_id,
        client: &client.id,
        family: &record.family_id,
        scope: record.scope.as_deref(),
    };
    let (access, expires_in) = access_token(state, &keys, &caller.issuer, &grant)?;
    Ok(IssuedTokens {
        access_token: access,
        refresh_token: refresh,
        expires_in,
        scope: record.scope,
    })
}

/// The refresh token of a request: `refresh_token`, or PRISM's newer `token` / `_token` spellings.
pub fn presented_refresh_token(params: &Params) -> Result<&str, TokenError> {
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
) -> Result<Retired, TokenError> {
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
) -> Result<Retired, TokenError> {
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
            Err(other) => return Err(TokenError::store(other)),
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
pub async fn refresh_token(
    state: &AppState,
    client: &Client,
    params: &Params,
    caller: &Caller,
) -> Result<IssuedTokens, TokenError> {
    let presented = presented_refresh_token(params)?;
    let keys = token_keys(state).await?;
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
        Err(RotateError::Store(e)) => return Err(TokenError::store(e)),
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
    let grant = Grant {
        user: &record.user_id,
        client: &client.id,
        family: &record.family_id,
        scope: record.scope.as_deref(),
    };
    let (access, expires_in) = access_token(state, &keys, &caller.issuer, &grant)?;
    Ok(IssuedTokens {
        access_token: access,
        refresh_token: refresh,
        expires_in,
        scope: record.scope,
    })
}
