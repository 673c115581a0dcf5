//! `grant_type=authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.6): one conditional redeem of the
//! code, then the start of its refresh-token family. A replayed code revokes what it issued.

use super::{Caller, Misuse, audit, revoke_after_misuse, tokens_for};
use crate::error::AppError;
use crate::oauth::issue::IssuedTokens;
use crate::signing_keys::key_set;
use crate::state::AppState;
use onair_domain::audit::AuditEvent;
use onair_domain::client::Client;
use onair_domain::oauth::OAuthError;
use onair_domain::oauth::code::{RedeemRefusal, Redemption};
use onair_domain::oauth::params::Params;
use onair_domain::oauth::pkce;
use onair_domain::oauth::refresh::{Family, RefreshRecord};
use onair_domain::oauth::token::token_hash;
use onair_store::{RedeemError, StoreError};

/// Best effort, after a code exchange failed with the store unavailable: gives the code back if this
/// request's redemption (made at `now`) went through and nothing of its family was written, so the
/// client's retry of the same code succeeds. If the family was written (its answer was lost) or a
/// replay revoked it meanwhile, the code stays spent and the retry is refused as a replay; if the store
/// is still down, the same, and the client starts a new authorization.
async fn unredeem(state: &AppState, client: &Client, code: &str, now: time::OffsetDateTime) {
    match state.grants.unredeem_code(&token_hash(code), now).await {
        Ok(()) => tracing::info!(client_id = %client.id, "code given back after a failed exchange"),
        Err(StoreError::Conflict(_) | StoreError::NotFound) => {}
        Err(e) => {
            tracing::warn!(client_id = %client.id, error = %e, "could not give a code back after a failed exchange")
        }
    }
}

/// `grant_type=authorization_code`.
pub(super) async fn authorization_code(
    state: &AppState,
    client: &Client,
    params: &Params,
    caller: &Caller,
) -> Result<IssuedTokens, AppError> {
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
        Err(RedeemError::Store(e)) => {
            // The redemption may have happened with only its answer lost: give the code back, or the
            // client's retry would be taken for a replay.
            if matches!(e, StoreError::Unavailable(_)) {
                unredeem(state, client, code, now).await;
            }
            return Err(e.into());
        }
    };
    let keys = key_set(state).await?;
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
    match state.grants.start_family(&family, &token, &entry).await {
        Ok(()) => {}
        // The family's start is conditional on the user still being able to sign in.
        Err(StoreError::Conflict(_)) => {
            return Err(OAuthError::invalid_grant("the user can no longer sign in").into());
        }
        Err(e) => {
            // Nothing of the family may have been written: give the code back (it stays spent if the
            // family was written after all).
            if matches!(e, StoreError::Unavailable(_)) {
                unredeem(state, client, code, now).await;
            }
            return Err(e.into());
        }
    }
    let family = (&record.user_id, record.family_id.as_str(), record.scope.clone());
    tokens_for(state, &keys, caller, client, family, refresh)
}
