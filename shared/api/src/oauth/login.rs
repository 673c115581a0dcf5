//! Password login on the authorization page, its throttling, and issuing the authorization code.

use super::audit::Who;
use super::authorize::{CSRF_COOKIE, form_response, lang_of};
use super::i18n::texts;
use crate::error::PageError;
use crate::state::AppState;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use onair_domain::audit::{AuditEntry, AuditEvent};
use onair_domain::client::Client;
use onair_domain::lockout::LockSubject;
use onair_domain::oauth::authorize::{AuthorizeRequest, authorization_response};
use onair_domain::oauth::code::{CODE_LIFETIME, CodeRecord};
use onair_domain::oauth::token::token_hash;
use onair_domain::password::{hash_password, verify_password};
use onair_domain::user::{User, normalize_login};
use onair_domain::{SecretString, UserId};
use onair_store::StoreError;
use std::sync::OnceLock;

fn unavailable(parts: &Parts) -> impl Fn(StoreError) -> PageError + '_ {
    move |e| match e {
        StoreError::Unavailable(cause) => PageError::Unavailable(lang_of(parts), cause),
        other => PageError::Internal(lang_of(parts), other.to_string()),
    }
}

/// A hash to verify against when the login names no account, so the reply takes as long as a real
/// check and timing does not reveal which logins exist.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        hash_password(&SecretString::new("decoy password for timing"), &[0x5a; 16]).unwrap_or_default()
    })
}

async fn verify_off_thread(password: &SecretString, hash: Option<String>) -> bool {
    let password = password.clone();
    tokio::task::spawn_blocking(move || {
        let hash = hash.as_deref().unwrap_or_else(|| decoy_hash());
        verify_password(password.expose(), hash).unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

fn audit_entry(
    state: &AppState,
    event: AuditEvent,
    client: &Client,
    user: Option<&UserId>,
    login: Option<&str>,
    ip: &Option<String>,
    detail: Option<&str>,
) -> AuditEntry {
    let who = Who {
        client: Some(&client.id),
        user,
        login,
        ip: ip.as_deref(),
    };
    super::audit::entry(state, event, who, detail)
}

/// Checks the password and, if it is right and no lockout applies, issues a code.
pub async fn password_login(
    state: &AppState,
    parts: &Parts,
    client: &Client,
    request: &AuthorizeRequest,
    login_value: &str,
    password: &SecretString,
    ip: Option<String>,
) -> Result<Response, PageError> {
    let lang = lang_of(parts);
    let t = texts(lang);
    let login = normalize_login(login_value);
    let policy = state.settings.oauth.lock;
    let now = state.clock.now();
    let ip_text = ip.clone().unwrap_or_else(|| "unknown".into());
    let account_key = policy.key(LockSubject::Account(&login), now);
    let ip_key = policy.key(LockSubject::Ip(&ip_text), now);
    let counts = state
        .lockouts
        .failures(&[account_key.clone(), ip_key.clone()])
        .await
        .map_err(unavailable(parts))?;
    let locked = |account: u32, by_ip: u32| account >= policy.account_limit || by_ip >= policy.ip_limit;
    if locked(
        counts.first().copied().unwrap_or(0),
        counts.get(1).copied().unwrap_or(0),
    ) {
        let entry = audit_entry(
            state,
            AuditEvent::LoginLocked,
            client,
            None,
            Some(&login),
            &ip,
            None,
        );
        state.audit.append(&entry).await.map_err(unavailable(parts))?;
        return Ok(form_response(
            state,
            parts,
            client,
            request,
            login_value,
            Some(t.locked),
            StatusCode::TOO_MANY_REQUESTS,
        ));
    }
    let user: Option<User> = if login.is_empty() || login.len() > onair_domain::user::MAX_LOGIN {
        None
    } else {
        match state.users.find_by_login(&login).await {
            Ok(u) => Some(u),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(unavailable(parts)(e)),
        }
    };
    let hash = user
        .as_ref()
        .and_then(|u| u.password_hash.as_ref())
        .map(|h| h.expose().to_owned());
    let password_ok = verify_off_thread(password, hash).await;
    let user = match user {
        Some(u) if password_ok && !u.disabled => u,
        found => {
            let detail = match &found {
                Some(u) if u.disabled => "user disabled",
                Some(_) => "wrong password",
                None => "unknown login",
            };
            let expires = policy.window_end(now);
            let account = state
                .lockouts
                .add_failure(&account_key, expires)
                .await
                .map_err(unavailable(parts))?;
            let by_ip = state
                .lockouts
                .add_failure(&ip_key, expires)
                .await
                .map_err(unavailable(parts))?;
            let user_id = found.as_ref().map(|u| u.id.clone());
            let entry = audit_entry(
                state,
                AuditEvent::LoginFailed,
                client,
                user_id.as_ref(),
                Some(&login),
                &ip,
                Some(detail),
            );
            state.audit.append(&entry).await.map_err(unavailable(parts))?;
            let (message, status) = if locked(account, by_ip) {
                (t.locked, StatusCode::TOO_MANY_REQUESTS)
            } else {
                (t.wrong, StatusCode::UNAUTHORIZED)
            };
            return Ok(form_response(
                state,
                parts,
                client,
                request,
                login_value,
                Some(message),
                status,
            ));
        }
    };
    state
        .lockouts
        .clear(&account_key)
        .await
        .map_err(unavailable(parts))?;
    let entry = audit_entry(
        state,
        AuditEvent::LoginSucceeded,
        client,
        Some(&user.id),
        Some(&login),
        &ip,
        None,
    );
    state.audit.append(&entry).await.map_err(unavailable(parts))?;
    issue_code(state, parts, client, request, &user.id, ip).await
}

/// Issues an authorization code for `user` and redirects back to the client with it.
pub async fn issue_code(
    state: &AppState,
    parts: &Parts,
    client: &Client,
    request: &AuthorizeRequest,
    user: &UserId,
    ip: Option<String>,
) -> Result<Response, PageError> {
    let now = state.clock.now();
    let code = state.generator.secret();
    let record = CodeRecord {
        hash: token_hash(code.expose()),
        client_id: client.id.clone(),
        redirect_uri: request.redirect_uri.clone(),
        user_id: user.clone(),
        code_challenge: request.code_challenge.clone(),
        scope: request.scope.clone(),
        family_id: state.generator.id(),
        issued_at: now,
        expires_at: now + CODE_LIFETIME,
        redeemed_at: None,
    };
    let entry = audit_entry(state, AuditEvent::CodeIssued, client, Some(user), None, &ip, None);
    state
        .grants
        .put_code(&record, &entry)
        .await
        .map_err(unavailable(parts))?;
    let mut params = vec![("code", code.expose())];
    if let Some(s) = &request.state {
        params.push(("state", s.as_str()));
    }
    let issuer = super::request::issuer(state, parts);
    let to = authorization_response(&request.redirect_uri, &issuer, &params);
    let mut response = Redirect::to(&to).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    if let Ok(clear) = HeaderValue::from_str(&format!(
        "{CSRF_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
    )) {
        headers.append(header::SET_COOKIE, clear);
    }
    Ok(response)
}
