//! The authorization endpoint: `GET /oauth/authorize` shows the login page, `POST /oauth/authorize`
//! takes the form back.
//!
//! The request is validated in RFC 9700's order (client and exact redirect URI first, error page
//! otherwise; protocol errors redirected after). The form carries the authorization request in hidden
//! fields and is re-validated on POST, so nothing is kept server-side between the two. CSRF protection is
//! a double-submit token: a random value in a `SameSite=Strict`, `HttpOnly` cookie that must equal the
//! form's hidden field. Failed logins are throttled per account and per IP with a lockout that looks the
//! same whether or not the account exists.

use super::federation;
use super::i18n::{Lang, texts};
use super::page::{LoginForm, login_page};
use super::request::issuer;
use crate::error::PageError;
use crate::host::ClientIp;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use onair_app::AppError;
use onair_app::login::{self, LoginAttempt, LoginOutcome};
use onair_app::{AppState, LoginMode};
use onair_domain::client::Client;
use onair_domain::oauth::OAuthError;
use onair_domain::oauth::OAuthErrorCode;
use onair_domain::oauth::authorize::{self, AuthorizeError, AuthorizeRequest};

/// Name of the CSRF cookie.
pub const CSRF_COOKIE: &str = "onair_csrf";
/// The authorization request's own parameters, carried through the form.
const CARRIED: &[&str] = &[
    "response_type",
    "client_id",
    "redirect_uri",
    "state",
    "code_challenge",
    "code_challenge_method",
    "scope",
];

/// The negotiated language of a request.
pub fn lang_of(parts: &Parts) -> Lang {
    Lang::negotiate(
        parts
            .headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    )
}

/// Validates pairs as an authorization request, loading the client.
async fn validate(
    state: &AppState,
    parts: &Parts,
    lang: Lang,
    pairs: Vec<(String, String)>,
) -> Result<(Client, AuthorizeRequest), PageError> {
    let (client_id, _) = authorize::identify(&pairs).map_err(|e| to_page(lang, issuer(state, parts), e))?;
    let client = state.client_cache.get(&client_id).await.map_err(|e| match e {
        AppError::NotFound(_) => PageError::Deny(lang, "unknown client".into()),
        other => PageError::from_app(lang, other),
    })?;
    let request = authorize::validate(pairs, &client).map_err(|e| to_page(lang, issuer(state, parts), e))?;
    Ok((client, request))
}

/// The page error for a failed validation; redirected errors carry the issuer as `iss` (RFC 9207).
pub fn to_page(lang: Lang, issuer: String, e: AuthorizeError) -> PageError {
    match e {
        AuthorizeError::Deny(why) => PageError::Deny(lang, why),
        AuthorizeError::Redirect {
            redirect_uri,
            error,
            state,
        } => PageError::Redirect {
            redirect_uri,
            error,
            state,
            issuer,
        },
    }
}

/// The hidden fields that carry `request` through the form.
fn carried(request: &AuthorizeRequest) -> Vec<(&'static str, String)> {
    let mut fields = vec![
        ("response_type", "code".to_owned()),
        ("client_id", request.client_id.to_string()),
        ("redirect_uri", request.redirect_uri.clone()),
    ];
    if let Some(s) = &request.state {
        fields.push(("state", s.clone()));
    }
    if let Some(c) = &request.code_challenge {
        fields.push(("code_challenge", c.clone()));
        fields.push(("code_challenge_method", "S256".to_owned()));
    }
    if let Some(s) = &request.scope {
        fields.push(("scope", s.clone()));
    }
    fields
}

/// Renders the form with a fresh CSRF token (cookie and hidden field).
pub fn form_response(
    state: &AppState,
    parts: &Parts,
    client: &Client,
    request: &AuthorizeRequest,
    login_value: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let lang = lang_of(parts);
    let csrf = state.generator.secret();
    let mut hidden: Vec<(&str, String)> = carried(request);
    hidden.push(("csrf", csrf.expose().to_owned()));
    let hidden: Vec<(&str, &str)> = hidden.iter().map(|(n, v)| (*n, v.as_str())).collect();
    let form = LoginForm {
        lang,
        client_name: &client.name,
        action: "authorize",
        hidden: &hidden,
        login: login_value,
        error,
        federated: matches!(state.settings.oauth.login, LoginMode::Federated(_)),
    };
    let mut response = login_page(&form, status);
    let secure = if issuer(state, parts).starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{CSRF_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age=900{secure}",
        csrf.expose()
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// `GET /oauth/authorize`.
pub async fn show(State(state): State<AppState>, parts: Parts) -> Result<Response, PageError> {
    let lang = lang_of(&parts);
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(parts.uri.query().unwrap_or(""))
        .map_err(|_| PageError::Deny(lang, "malformed request".into()))?;
    let (client, request) = validate(&state, &parts, lang, pairs).await?;
    if let LoginMode::Federated(fed) = &state.settings.oauth.login {
        return federation::start(&state, fed, &parts, &request).await;
    }
    Ok(form_response(
        &state,
        &parts,
        &client,
        &request,
        "",
        None,
        StatusCode::OK,
    ))
}

/// `POST /oauth/authorize`: the login form (or its cancel button).
pub async fn submit(State(state): State<AppState>, parts: Parts, body: Bytes) -> Result<Response, PageError> {
    let lang = lang_of(&parts);
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&body).map_err(|_| PageError::Deny(lang, "malformed form".into()))?;
    let field = |name: &str| -> Result<Option<String>, PageError> {
        let mut values = pairs.iter().filter(|(n, _)| n == name).map(|(_, v)| v.clone());
        match (values.next(), values.next()) {
            (v, None) => Ok(v),
            (_, Some(_)) => Err(PageError::Deny(lang, format!("{name} is repeated"))),
        }
    };
    let request_pairs: Vec<(String, String)> = pairs
        .iter()
        .filter(|(n, _)| CARRIED.contains(&n.as_str()))
        .cloned()
        .collect();
    let (client, request) = validate(&state, &parts, lang, request_pairs).await?;
    let action = field("action")?;
    let csrf_field = field("csrf")?.unwrap_or_default();
    if !csrf_matches(&parts, &csrf_field) {
        tracing::info!(client_id = %client.id, "login form with a missing or wrong CSRF token");
        return Ok(form_response(
            &state,
            &parts,
            &client,
            &request,
            "",
            Some(texts(lang).expired),
            StatusCode::FORBIDDEN,
        ));
    }
    if action.as_deref() == Some("cancel") {
        return Err(PageError::Redirect {
            redirect_uri: request.redirect_uri,
            error: OAuthError::new(OAuthErrorCode::AccessDenied, "the user cancelled the login"),
            state: request.state,
            issuer: issuer(&state, &parts),
        });
    }
    if matches!(state.settings.oauth.login, LoginMode::Federated(_)) {
        return Err(PageError::Deny(
            lang,
            "this server signs users in through the platform's identity provider".into(),
        ));
    }
    let login_value = field("login")?.unwrap_or_default();
    let password = onair_domain::SecretString::new(field("password")?.unwrap_or_default());
    let ip = parts.extensions.get::<ClientIp>().map(|ip| ip.0.clone());
    let attempt = LoginAttempt {
        login: &login_value,
        password: &password,
        ip,
        issuer: &issuer(&state, &parts),
    };
    let outcome = login::password_login(&state, &client, &request, &attempt)
        .await
        .map_err(|e| PageError::from_app(lang, e))?;
    let (message, status) = match outcome {
        LoginOutcome::Issued(to) => return Ok(code_redirect(&to)),
        LoginOutcome::Locked => (texts(lang).locked, StatusCode::TOO_MANY_REQUESTS),
        LoginOutcome::Refused => (texts(lang).wrong, StatusCode::UNAUTHORIZED),
    };
    Ok(form_response(
        &state,
        &parts,
        &client,
        &request,
        &login_value,
        Some(message),
        status,
    ))
}

/// The redirect that hands a fresh code to the client: never cached, no `Referer` leaking the code,
/// and the CSRF cookie cleared (the form is spent).
pub fn code_redirect(to: &str) -> Response {
    let mut response = Redirect::to(to).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if let Ok(clear) = HeaderValue::from_str(&format!(
        "{CSRF_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
    )) {
        headers.append(header::SET_COOKIE, clear);
    }
    response
}

/// Double-submit check: the form's token equals the cookie's, in constant time.
fn csrf_matches(parts: &Parts, field: &str) -> bool {
    if field.is_empty() {
        return false;
    }
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .filter(|(name, _)| *name == CSRF_COOKIE)
        .any(|(_, value)| onair_domain::SecretString::new(value).matches(field))
}
