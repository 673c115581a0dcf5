//! The provider's redirect back: every decision of the callback.
//!
//! The callback trusts nothing it is sent. It checks the pending login's seal and age (10 minutes, by
//! the injected clock), compares `state` in constant time, checks RFC 9207's `iss` when present,
//! validates the onair request again against the client as stored now, and only then spends the code.
//! Identity comes from the provider over TLS: the code is exchanged (client secret from the secret
//! store, PKCE verifier), the ID token's claims are checked, and the UserInfo `sub` must equal the ID
//! token's. The surface parses the query and cookies and renders the outcome.

use super::account::{self, ProvisionError, Provisioned};
use super::claims::IdTokenClaims;
use super::pending::{Pending, Sealer};
use super::upstream::{self, Exchange, UpstreamError};
use super::{Federation, callback_url};
use crate::audit::{Who, entry};
use crate::error::AppError;
use crate::login::issue_code;
use crate::signing_keys::key_set;
use crate::state::AppState;
use onair_domain::audit::AuditEvent;
use onair_domain::client::Client;
use onair_domain::oauth::authorize::{self, AuthorizeError, AuthorizeRequest};
use onair_domain::oauth::{OAuthError, OAuthErrorCode};
use onair_domain::{ClientId, UserId};
use onair_store::StoreError;
use subtle::ConstantTimeEq;

/// The callback's query parameters (each sent at most once) and what else the request carried.
#[derive(Debug, Default)]
pub struct CallbackRequest<'a> {
    /// `state`.
    pub state: Option<String>,
    /// `code`.
    pub code: Option<String>,
    /// `error`.
    pub error: Option<String>,
    /// `iss` (RFC 9207).
    pub iss: Option<String>,
    /// The values of every pending-login cookie the browser sent.
    pub cookies: Vec<&'a str>,
    /// The caller's IP address.
    pub ip: Option<String>,
    /// onair's issuer URL for this request.
    pub issuer: &'a str,
}

/// What the callback ends with, for the page to render.
#[derive(Debug)]
pub enum Finished {
    /// The user signed in: redirect the browser here (the client's redirect URI with onair's code).
    Issued(String),
    /// No usable pending login (missing, forged, stale, or its `state` differs): ask to start over.
    Expired,
    /// Refused: an error page, or an error redirected to the verified client.
    Refused(AuthorizeError),
}

/// Runs the callback's checks and, when they pass, signs the user in.
pub async fn finish(
    state: &AppState,
    fed: &Federation,
    req: &CallbackRequest<'_>,
) -> Result<Finished, AppError> {
    let keys = key_set(state).await?;
    let sealers: Vec<Sealer> = std::iter::once(&keys.current)
        .chain(keys.previous.as_ref())
        .map(|k| Sealer::new(k.material()))
        .collect();
    let opened = req
        .cookies
        .iter()
        .find_map(|value| sealers.iter().find_map(|s| s.open(value).map(|p| (p, s))));
    let Some((pending, sealer)) = opened else {
        tracing::info!("federated callback without a valid pending-login cookie");
        return Ok(Finished::Expired);
    };
    if !pending.is_fresh(state.clock.now()) || pending.issuer != fed.issuer() {
        tracing::info!("federated callback for an expired pending login");
        return Ok(Finished::Expired);
    }
    let state_matches = req
        .state
        .as_deref()
        .is_some_and(|s| bool::from(s.as_bytes().ct_eq(pending.upstream_state.as_bytes())));
    if !state_matches {
        tracing::info!("federated callback whose state does not match this browser's pending login");
        return Ok(Finished::Expired);
    }
    let (client, request) = match revalidate(state, &pending).await? {
        Ok(found) => found,
        Err(refused) => return Ok(Finished::Refused(refused)),
    };
    let endpoints = fed.endpoints().await?;
    // RFC 9207 §2.4: the `iss` of the authorization response must be the provider the request went to.
    match &req.iss {
        Some(iss) if iss != fed.issuer() => return Err(UpstreamError::Bad("iss mismatch".into()).into()),
        None if endpoints.iss_in_response => {
            return Err(UpstreamError::Bad("iss missing from the response".into()).into());
        }
        _ => {}
    }
    let audit = Audit {
        state,
        client: &client,
        ip: &req.ip,
    };
    if let Some(error) = &req.error {
        let code = wire_code(error);
        audit
            .append(
                AuditEvent::LoginFailed,
                None,
                None,
                &format!("federated: provider error {code}"),
            )
            .await?;
        return Ok(Finished::Refused(AuthorizeError::Redirect {
            redirect_uri: request.redirect_uri,
            error: mapped_error(&code),
            state: request.state,
        }));
    }
    let Some(code) = req.code.as_deref().filter(|c| !c.is_empty()) else {
        return Err(UpstreamError::Bad("the callback has neither code nor error".into()).into());
    };

    let secret = match state.secrets.get(fed.client_secret_name()).await {
        Ok(secret) => secret,
        Err(StoreError::NotFound) => {
            return Err(AppError::Internal(format!(
                "secret {} is missing",
                fed.client_secret_name()
            )));
        }
        Err(other) => return Err(other.into()),
    };
    let redirect_uri = callback_url(req.issuer)?;
    let nonce = sealer.nonce(&pending.upstream_state);
    let exchange = Exchange {
        client_id: fed.client_id(),
        client_secret: &secret.secret.current,
        redirect_uri: &redirect_uri,
        code,
        verifier: &sealer.pkce_verifier(&pending.upstream_state),
    };
    let identity = async {
        let tokens = upstream::exchange(fed.http(), endpoints, &exchange).await?;
        let expected = IdTokenClaims {
            issuer: fed.issuer(),
            client_id: fed.client_id(),
            nonce: &nonce,
            now: state.clock.now(),
        };
        let subject = upstream::id_token_subject(&tokens, &expected)?;
        let info = upstream::userinfo(fed.http(), endpoints, &tokens.access_token).await?;
        // OpenID Connect Core §5.3.2: the UserInfo `sub` MUST match the ID token's.
        if info.sub != subject {
            return Err(UpstreamError::Bad(
                "userinfo sub differs from the id_token's".into(),
            ));
        }
        Ok(info)
    };
    let info = match identity.await {
        Ok(info) => info,
        Err(UpstreamError::Bad(cause)) => {
            audit
                .append(
                    AuditEvent::LoginFailed,
                    None,
                    None,
                    "federated: unusable provider answer",
                )
                .await?;
            return Err(UpstreamError::Bad(cause).into());
        }
        Err(down) => return Err(down.into()),
    };

    let provisioned = account::find_or_create(state, fed.issuer(), req.issuer, &info)
        .await
        .map_err(|e| match e {
            ProvisionError::Store(e) => AppError::from(e),
            ProvisionError::Internal(cause) => AppError::Internal(cause),
        })?;
    let user = provisioned.user();
    if user.disabled {
        audit
            .append(
                AuditEvent::LoginFailed,
                Some(&user.id),
                Some(&user.login),
                "federated: user disabled",
            )
            .await?;
        return Ok(Finished::Refused(AuthorizeError::Deny(
            "This account is disabled.".into(),
        )));
    }
    let detail = match &provisioned {
        Provisioned::Created(_) => "federated: first login, user created",
        Provisioned::Existing(_) => "federated",
    };
    audit
        .append(
            AuditEvent::LoginSucceeded,
            Some(&user.id),
            Some(&user.login),
            detail,
        )
        .await?;
    let to = issue_code(state, &client, &request, &user.id, req.ip.clone(), req.issuer).await?;
    Ok(Finished::Issued(to))
}

/// The client and the onair request as they stand now (the client may have been changed or deleted
/// while the user was at the provider).
async fn revalidate(
    state: &AppState,
    pending: &Pending,
) -> Result<Result<(Client, AuthorizeRequest), AuthorizeError>, AppError> {
    let unknown = || AuthorizeError::Deny("unknown client".into());
    let Some(client_id) = ClientId::parse(&pending.client_id) else {
        return Ok(Err(unknown()));
    };
    let client = match state.client_cache.get(&client_id).await {
        Ok(client) => client,
        Err(AppError::NotFound(_)) => return Ok(Err(unknown())),
        Err(other) => return Err(other),
    };
    Ok(authorize::validate(pending.request_pairs(), &client).map(|request| (client, request)))
}

/// An upstream error code, reduced to its wire charset (RFC 6749 §4.1.2.1) for logs and the audit.
fn wire_code(error: &str) -> String {
    error
        .chars()
        .filter(|c| c.is_ascii_lowercase() || *c == '_')
        .take(64)
        .collect()
}

/// The onair error the client sees for an upstream authorization error.
fn mapped_error(code: &str) -> OAuthError {
    match code {
        "access_denied"
        | "login_required"
        | "consent_required"
        | "interaction_required"
        | "account_selection_required" => OAuthError::new(
            OAuthErrorCode::AccessDenied,
            "the user did not sign in at the identity provider",
        ),
        "temporarily_unavailable" => OAuthError::new(
            OAuthErrorCode::TemporarilyUnavailable,
            "the identity provider is temporarily unavailable",
        ),
        _ => OAuthError::new(
            OAuthErrorCode::ServerError,
            "the identity provider refused the sign-in request",
        ),
    }
}

/// Writes the callback's audit entries.
struct Audit<'a> {
    state: &'a AppState,
    client: &'a Client,
    ip: &'a Option<String>,
}

impl Audit<'_> {
    async fn append(
        &self,
        event: AuditEvent,
        user: Option<&UserId>,
        login: Option<&str>,
        detail: &str,
    ) -> Result<(), AppError> {
        let who = Who {
            client: Some(&self.client.id),
            user,
            login,
            ip: self.ip.as_deref(),
        };
        let entry = entry(self.state, event, who, Some(detail));
        Ok(self.state.audit.append(&entry).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_errors_map_to_onair_errors() {
        assert_eq!(mapped_error("access_denied").code, OAuthErrorCode::AccessDenied);
        assert_eq!(mapped_error("login_required").code, OAuthErrorCode::AccessDenied);
        assert_eq!(
            mapped_error("temporarily_unavailable").code,
            OAuthErrorCode::TemporarilyUnavailable
        );
        assert_eq!(mapped_error("invalid_request").code, OAuthErrorCode::ServerError);
        assert_eq!(wire_code("access_denied<script>"), "access_deniedscript");
    }
}
