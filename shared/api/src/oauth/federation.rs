//! Federated login: onair's authorization page hands the streamer to the platform's OpenID Connect
//! provider and, when they come back, issues onair's own authorization code as if they had typed a
//! password.
//!
//! Why it is built this way:
//! - **Nothing server-side between the two legs.** `start` validates the onair authorization request,
//!   then puts it, a random upstream `state` and the start time into an HMAC-sealed, `HttpOnly`,
//!   `SameSite=Lax` cookie ([`pending`]) — `Lax` because the provider's redirect back is a top-level
//!   cross-site GET, which `Strict` would strip the cookie from. The PKCE verifier and `nonce` are derived
//!   from the state with onair's key rather than stored, so the browser never holds them.
//! - **The callback trusts nothing it is sent.** It checks the cookie's seal and age (10 minutes, by the
//!   injected clock), compares `state` in constant time, checks RFC 9207's `iss` when present, validates
//!   the onair request again against the client as stored now, and only then spends the code.
//! - **Identity from the provider over TLS.** The code is exchanged with `oauth2` (client secret from the
//!   secret store, PKCE verifier, redirects off); the ID token's claims (`iss`, `aud`, `exp`, `nonce`)
//!   are checked without its signature, which OpenID Connect Core §3.1.3.7 allows for a token received
//!   directly from the token endpoint over TLS; the user's `sub` and profile come from the UserInfo
//!   endpoint with the access token, and its `sub` must equal the ID token's.
//! - **Short budgets.** Every upstream request has a 2.5 s timeout; an unreachable provider is a 503 page
//!   with `Retry-After`, an unusable answer an error page, never a panic. Discovery is fetched once per
//!   process and retried on the next login if it failed.
//! - **Local accounts are derived, not chosen** ([`account`]): the login is a hash of (issuer, sub), the
//!   first login creates the user (no password) and one channel, and a disabled user is refused.

use super::authorize::lang_of;
use super::i18n::{Lang, texts};
use super::request::issuer;
use crate::error::PageError;
use crate::host::ClientIp;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use onair_app::AppError;
use onair_app::audit::Who;
use onair_app::federation::Federation;
use onair_app::federation::account::{self, ProvisionError, Provisioned};
use onair_app::federation::claims::IdTokenClaims;
use onair_app::federation::pending::{self, Pending, Sealer};
use onair_app::federation::upstream::{self, AuthorizationRequest, Exchange, UpstreamError};
use onair_app::signing_keys::key_set;
use onair_app::state::{AppState, LoginMode};
use onair_domain::audit::AuditEvent;
use onair_domain::client::Client;
use onair_domain::oauth::authorize::{self, AuthorizeRequest};
use onair_domain::oauth::{OAuthError, OAuthErrorCode};
use onair_domain::{ClientId, UserId};
use onair_store::StoreError;
use subtle::ConstantTimeEq;
use url::Url;

/// Path of the callback, appended to onair's issuer URL; this is the redirect URI registered at the
/// provider.
pub const CALLBACK_PATH: &str = "/oauth/federated/callback";

/// Shown when the provider answered something onair cannot use.
const PROVIDER_TROUBLE: &str = "The sign-in provider's answer could not be used. Please try again.";

/// Starts an upstream login for `request` (already validated): seals the pending login into a cookie
/// and redirects the browser to the provider.
pub async fn start(
    state: &AppState,
    fed: &Federation,
    parts: &Parts,
    request: &AuthorizeRequest,
) -> Result<Response, PageError> {
    let lang = lang_of(parts);
    let endpoints = fed.endpoints().await.map_err(|e| upstream_page(lang, e))?;
    let callback = callback_url(state, parts, lang)?;
    let keys = key_set(state).await.map_err(|e| PageError::from_app(lang, e))?;
    let sealer = Sealer::new(keys.current.material());
    let upstream_state = state.generator.secret();
    let pending = Pending::new(&fed.issuer(), upstream_state.expose(), request, state.clock.now());
    let Some(sealed) = sealer.seal(&pending) else {
        return Err(PageError::Redirect {
            redirect_uri: request.redirect_uri.clone(),
            error: OAuthError::invalid_request("the authorization request is too large for federated login"),
            state: request.state.clone(),
            issuer: super::request::issuer(state, parts),
        });
    };
    let url = upstream::authorization_url(
        endpoints,
        &AuthorizationRequest {
            client_id: &fed.client_id(),
            redirect_uri: &callback,
            state: &pending.upstream_state,
            nonce: &sealer.nonce(&pending.upstream_state),
            verifier: &sealer.pkce_verifier(&pending.upstream_state),
        },
    )
    .map_err(|e| upstream_page(lang, e))?;
    let mut response = Redirect::to(url.as_str()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    let cookie = format!(
        "{}={sealed}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        pending::COOKIE,
        pending::LIFETIME.whole_seconds(),
        secure_attribute(state, parts)
    );
    let cookie = HeaderValue::from_str(&cookie)
        .map_err(|e| PageError::Internal(lang, format!("pending-login cookie: {e}")))?;
    headers.append(header::SET_COOKIE, cookie);
    tracing::info!(client_id = %request.client_id, provider = %fed.issuer(), "federated login started");
    Ok(response)
}

/// `GET /oauth/federated/callback`: the provider's redirect back. Whatever the outcome, the pending
/// login's cookie is cleared: it is single-use.
pub async fn callback(State(state): State<AppState>, parts: Parts) -> Response {
    let mut response = finish(&state, &parts)
        .await
        .unwrap_or_else(IntoResponse::into_response);
    let clear = format!(
        "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        pending::COOKIE,
        secure_attribute(&state, &parts)
    );
    if let Ok(clear) = HeaderValue::from_str(&clear) {
        response.headers_mut().append(header::SET_COOKIE, clear);
    }
    response
}

/// The callback's query parameters, each at most once.
#[derive(Debug, Default)]
struct CallbackQuery {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
    iss: Option<String>,
}

impl CallbackQuery {
    fn parse(parts: &Parts) -> Option<Self> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(parts.uri.query().unwrap_or("")).ok()?;
        let single = |name: &str| -> Result<Option<String>, ()> {
            let mut values = pairs.iter().filter(|(n, _)| n == name).map(|(_, v)| v.clone());
            match (values.next(), values.next()) {
                (v, None) => Ok(v),
                (_, Some(_)) => Err(()),
            }
        };
        Some(Self {
            state: single("state").ok()?,
            code: single("code").ok()?,
            error: single("error").ok()?,
            iss: single("iss").ok()?,
        })
    }
}

/// The callback's work; errors become pages (or redirects to the client) by the one mapping.
async fn finish(state: &AppState, parts: &Parts) -> Result<Response, PageError> {
    let lang = lang_of(parts);
    let LoginMode::Federated(fed) = &state.settings.oauth.login else {
        return Err(PageError::Deny(lang, "federated login is not configured".into()));
    };
    let expired = || PageError::Deny(lang, texts(lang).expired.into());
    let query =
        CallbackQuery::parse(parts).ok_or_else(|| PageError::Deny(lang, "malformed callback".into()))?;
    let keys = key_set(state).await.map_err(|e| PageError::from_app(lang, e))?;
    let sealers: Vec<Sealer> = std::iter::once(&keys.current)
        .chain(keys.previous.as_ref())
        .map(|k| Sealer::new(k.material()))
        .collect();
    let Some((pending, sealer)) = open_cookie(parts, &sealers) else {
        tracing::info!("federated callback without a valid pending-login cookie");
        return Err(expired());
    };
    if !pending.is_fresh(state.clock.now()) || pending.issuer != fed.issuer() {
        tracing::info!("federated callback for an expired pending login");
        return Err(expired());
    }
    let state_matches = query
        .state
        .as_deref()
        .is_some_and(|s| bool::from(s.as_bytes().ct_eq(pending.upstream_state.as_bytes())));
    if !state_matches {
        tracing::info!("federated callback whose state does not match this browser's pending login");
        return Err(expired());
    }
    let (client, request) = revalidate(state, lang, &super::request::issuer(state, parts), &pending).await?;
    let endpoints = fed.endpoints().await.map_err(|e| upstream_page(lang, e))?;
    // RFC 9207 §2.4: the `iss` of the authorization response must be the provider the request went to.
    match &query.iss {
        Some(iss) if iss != &fed.issuer() => {
            return Err(upstream_page(lang, UpstreamError::Bad("iss mismatch".into())));
        }
        None if endpoints.iss_in_response => {
            return Err(upstream_page(
                lang,
                UpstreamError::Bad("iss missing from the response".into()),
            ));
        }
        _ => {}
    }
    let ip = parts.extensions.get::<ClientIp>().map(|ip| ip.0.clone());
    let audit = Audit {
        state,
        client: &client,
        ip: &ip,
        lang,
    };
    if let Some(error) = &query.error {
        let code = wire_code(error);
        audit
            .append(
                AuditEvent::LoginFailed,
                None,
                None,
                &format!("federated: provider error {code}"),
            )
            .await?;
        return Err(PageError::Redirect {
            redirect_uri: request.redirect_uri,
            error: mapped_error(&code),
            state: request.state,
            issuer: super::request::issuer(state, parts),
        });
    }
    let Some(code) = query.code.as_deref().filter(|c| !c.is_empty()) else {
        return Err(upstream_page(
            lang,
            UpstreamError::Bad("the callback has neither code nor error".into()),
        ));
    };

    let secret = state
        .secrets
        .get(&fed.client_secret_name())
        .await
        .map_err(|e| match e {
            StoreError::NotFound => {
                PageError::Internal(lang, format!("secret {} is missing", fed.client_secret_name()))
            }
            StoreError::Unavailable(cause) => PageError::Unavailable(lang, cause),
            other => PageError::Internal(lang, other.to_string()),
        })?;
    let redirect_uri = callback_url(state, parts, lang)?;
    let nonce = sealer.nonce(&pending.upstream_state);
    let exchange = Exchange {
        client_id: &fed.client_id(),
        client_secret: &secret.secret.current,
        redirect_uri: &redirect_uri,
        code,
        verifier: &sealer.pkce_verifier(&pending.upstream_state),
    };
    let identity = async {
        let tokens = upstream::exchange(fed.http(), endpoints, &exchange).await?;
        let expected = IdTokenClaims {
            issuer: &fed.issuer(),
            client_id: &fed.client_id(),
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
            return Err(upstream_page(lang, UpstreamError::Bad(cause)));
        }
        Err(down) => return Err(upstream_page(lang, down)),
    };

    let provisioned = account::find_or_create(state, &fed.issuer(), &issuer(state, parts), &info)
        .await
        .map_err(|e| match e {
            ProvisionError::Store(StoreError::Unavailable(cause)) => PageError::Unavailable(lang, cause),
            other => PageError::Internal(lang, other.to_string()),
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
        return Err(PageError::Deny(lang, "This account is disabled.".into()));
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
    let to = onair_app::login::issue_code(
        state,
        &client,
        &request,
        &user.id,
        ip.clone(),
        &issuer(state, parts),
    )
    .await
    .map_err(|e| PageError::from_app(lang, e))?;
    Ok(super::authorize::code_redirect(&to))
}

/// The pending login in the request's cookie, with the sealer (current or previous key) that opened it.
fn open_cookie<'s>(parts: &Parts, sealers: &'s [Sealer]) -> Option<(Pending, &'s Sealer)> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .filter(|(name, _)| *name == pending::COOKIE)
        .find_map(|(_, value)| sealers.iter().find_map(|s| s.open(value).map(|p| (p, s))))
}

/// The client and the onair request as they stand now (the client may have been changed or deleted
/// while the user was at the provider).
async fn revalidate(
    state: &AppState,
    lang: Lang,
    issuer: &str,
    pending: &Pending,
) -> Result<(Client, AuthorizeRequest), PageError> {
    let client_id =
        ClientId::parse(&pending.client_id).ok_or_else(|| PageError::Deny(lang, "unknown client".into()))?;
    let client = state.client_cache.get(&client_id).await.map_err(|e| match e {
        AppError::NotFound(_) => PageError::Deny(lang, "unknown client".into()),
        other => PageError::from_app(lang, other),
    })?;
    let request = authorize::validate(pending.request_pairs(), &client)
        .map_err(|e| super::authorize::to_page(lang, issuer.to_owned(), e))?;
    Ok((client, request))
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

/// onair's callback URL for this request, which must be an absolute http(s) URL.
fn callback_url(state: &AppState, parts: &Parts, lang: Lang) -> Result<String, PageError> {
    let base = issuer(state, parts);
    let url = format!("{}{CALLBACK_PATH}", base.trim_end_matches('/'));
    match Url::parse(&url) {
        Ok(u) if matches!(u.scheme(), "https" | "http") => Ok(url),
        _ => Err(PageError::Internal(
            lang,
            "no issuer URL to build the federation callback from".into(),
        )),
    }
}

/// `; Secure` when onair is served over https.
fn secure_attribute(state: &AppState, parts: &Parts) -> &'static str {
    if issuer(state, parts).starts_with("https://") {
        "; Secure"
    } else {
        ""
    }
}

fn upstream_page(lang: Lang, e: UpstreamError) -> PageError {
    match e {
        UpstreamError::Down(cause) => PageError::Unavailable(lang, format!("identity provider: {cause}")),
        UpstreamError::Bad(cause) => {
            tracing::warn!(cause = %cause, "unusable answer from the identity provider");
            PageError::Deny(lang, PROVIDER_TROUBLE.into())
        }
    }
}

/// Writes the callback's audit entries.
struct Audit<'a> {
    state: &'a AppState,
    client: &'a Client,
    ip: &'a Option<String>,
    lang: Lang,
}

impl Audit<'_> {
    async fn append(
        &self,
        event: AuditEvent,
        user: Option<&UserId>,
        login: Option<&str>,
        detail: &str,
    ) -> Result<(), PageError> {
        let who = Who {
            client: Some(&self.client.id),
            user,
            login,
            ip: self.ip.as_deref(),
        };
        let entry = onair_app::audit::entry(self.state, event, who, Some(detail));
        self.state.audit.append(&entry).await.map_err(|e| match e {
            StoreError::Unavailable(cause) => PageError::Unavailable(self.lang, cause),
            other => PageError::Internal(self.lang, other.to_string()),
        })
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
