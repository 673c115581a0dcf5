//! Federated login's HTTP edge: onair's authorization page hands the streamer to the platform's OpenID
//! Connect provider and, when they come back, issues onair's own authorization code as if they had
//! typed a password. The decisions are [`onair_app::federation`]'s; this module reads the callback's
//! query and cookies and renders the outcome.
//!
//! The pending login travels in an HMAC-sealed, `HttpOnly`, `SameSite=Lax` cookie — `Lax` because the
//! provider's redirect back is a top-level cross-site GET, which `Strict` would strip the cookie from —
//! and is cleared by the callback whatever the outcome: it is single-use. An unreachable provider is a
//! 503 page with `Retry-After`, an unusable answer an error page, never a panic.

use super::authorize::{code_redirect, lang_of, to_page};
use super::i18n::{Lang, texts};
use super::request::issuer;
use crate::error::PageError;
use crate::host::ClientIp;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use onair_app::federation::callback::{self, CallbackRequest, Finished};
use onair_app::federation::start::{self, Started};
use onair_app::federation::{Federation, PENDING_COOKIE, PENDING_LIFETIME};
use onair_app::{AppState, LoginMode};
use onair_domain::oauth::authorize::AuthorizeRequest;

/// Starts an upstream login for `request` (already validated): seals the pending login into a cookie
/// and redirects the browser to the provider.
pub async fn start(
    state: &AppState,
    fed: &Federation,
    parts: &Parts,
    request: &AuthorizeRequest,
) -> Result<Response, PageError> {
    let lang = lang_of(parts);
    let issuer = issuer(state, parts);
    let started = start::start(state, fed, request, &issuer)
        .await
        .map_err(|e| PageError::from_app(lang, e))?;
    let (url, sealed) = match started {
        Started::Upstream { url, sealed } => (url, sealed),
        Started::Refused(refused) => return Err(to_page(lang, issuer, refused)),
    };
    let mut response = Redirect::to(&url).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    let cookie = format!(
        "{PENDING_COOKIE}={sealed}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        PENDING_LIFETIME.whole_seconds(),
        secure_attribute(&issuer)
    );
    let cookie = HeaderValue::from_str(&cookie)
        .map_err(|e| PageError::Internal(lang, format!("pending-login cookie: {e}")))?;
    headers.append(header::SET_COOKIE, cookie);
    Ok(response)
}

/// `GET /oauth/federated/callback`: the provider's redirect back. Whatever the outcome, the pending
/// login's cookie is cleared: it is single-use.
pub async fn callback(State(state): State<AppState>, parts: Parts) -> Response {
    let mut response = finish(&state, &parts)
        .await
        .unwrap_or_else(IntoResponse::into_response);
    let clear = format!(
        "{PENDING_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        secure_attribute(&issuer(&state, &parts))
    );
    if let Ok(clear) = HeaderValue::from_str(&clear) {
        response.headers_mut().append(header::SET_COOKIE, clear);
    }
    response
}

/// The callback's query parameters, each at most once; `None` when malformed or repeated.
fn parse_query<'a>(parts: &Parts, cookies: Vec<&'a str>, issuer: &'a str) -> Option<CallbackRequest<'a>> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(parts.uri.query().unwrap_or("")).ok()?;
    let single = |name: &str| -> Result<Option<String>, ()> {
        let mut values = pairs.iter().filter(|(n, _)| n == name).map(|(_, v)| v.clone());
        match (values.next(), values.next()) {
            (v, None) => Ok(v),
            (_, Some(_)) => Err(()),
        }
    };
    Some(CallbackRequest {
        state: single("state").ok()?,
        code: single("code").ok()?,
        error: single("error").ok()?,
        iss: single("iss").ok()?,
        cookies,
        ip: parts.extensions.get::<ClientIp>().map(|ip| ip.0.clone()),
        issuer,
    })
}

/// The values of the request's pending-login cookies.
fn pending_cookies(parts: &Parts) -> Vec<&str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .filter(|(name, _)| *name == PENDING_COOKIE)
        .map(|(_, value)| value)
        .collect()
}

/// The callback's work; errors become pages (or redirects to the client) by the one mapping.
async fn finish(state: &AppState, parts: &Parts) -> Result<Response, PageError> {
    let lang = lang_of(parts);
    let LoginMode::Federated(fed) = &state.settings.oauth.login else {
        return Err(PageError::Deny(lang, "federated login is not configured".into()));
    };
    let issuer = issuer(state, parts);
    let request = parse_query(parts, pending_cookies(parts), &issuer)
        .ok_or_else(|| PageError::Deny(lang, "malformed callback".into()))?;
    let finished = callback::finish(state, fed, &request)
        .await
        .map_err(|e| PageError::from_app(lang, e))?;
    match finished {
        Finished::Issued(to) => Ok(code_redirect(&to)),
        Finished::Expired => Err(expired(lang)),
        Finished::Refused(refused) => Err(to_page(lang, issuer.clone(), refused)),
    }
}

fn expired(lang: Lang) -> PageError {
    PageError::Deny(lang, texts(lang).expired.into())
}

/// `; Secure` when onair is served over https.
fn secure_attribute(issuer: &str) -> &'static str {
    if issuer.starts_with("https://") {
        "; Secure"
    } else {
        ""
    }
}
