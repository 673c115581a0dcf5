//! Password login on the authorization page, its throttling, and issuing the authorization code.

use super::authorize::{CSRF_COOKIE, form_response, lang_of};
use super::i18n::texts;
use crate::error::PageError;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use onair_app::audit::Who;
use onair_app::hashing::HashingError;
use onair_app::state::AppState;
use onair_domain::audit::{AuditEntry, AuditEvent};
use onair_domain::client::Client;
use onair_domain::lockout::{Attempt, LockSubject};
use onair_domain::oauth::authorize::{AuthorizeRequest, authorization_response};
use onair_domain::oauth::code::{CODE_LIFETIME, CodeRecord};
use onair_domain::oauth::token::token_hash;
use onair_domain::user::{User, normalize_login};
use onair_domain::{SecretString, UserId};
use onair_store::StoreError;

fn unavailable(parts: &Parts) -> impl Fn(StoreError) -> PageError + '_ {
    move |e| match e {
        StoreError::Unavailable(cause) => PageError::Unavailable(lang_of(parts), cause),
        other => PageError::Internal(lang_of(parts), other.to_string()),
    }
}

/// A busy hashing pool is an outage of the login page (503 with `Retry-After`); a hash that cannot be
/// computed is an internal error.
fn hashing_failed(parts: &Parts) -> impl Fn(HashingError) -> PageError + '_ {
    move |e| match e {
        HashingError::Busy => PageError::Unavailable(lang_of(parts), e.to_string()),
        HashingError::Failed(cause) => PageError::Internal(lang_of(parts), cause),
    }
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
    onair_app::audit::entry(state, event, who, detail)
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
    let expires = policy.window_end(now);
    // Reserve this attempt on both counters before any password is checked, so that parallel attempts
    // cannot all pass a check made before any of them failed (see `onair_domain::lockout`).
    let account = state
        .lockouts
        .reserve(&account_key, policy.account_limit, expires)
        .await
        .map_err(unavailable(parts))?;
    let by_ip = match account {
        Some(_) => {
            let by_ip = state
                .lockouts
                .reserve(&ip_key, policy.ip_limit, expires)
                .await
                .map_err(unavailable(parts))?;
            if by_ip.is_none() {
                // The address is locked: this attempt is not a failure of the account.
                state
                    .lockouts
                    .release(&account_key)
                    .await
                    .map_err(unavailable(parts))?;
            }
            by_ip
        }
        None => None,
    };
    let attempt = Attempt::of(account, by_ip);
    if attempt == Attempt::Locked {
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
    let password_ok = match state.hashing.verify(password, hash).await {
        Ok(ok) => ok,
        Err(err) => {
            // No password was checked: the attempt gives its slots back, so a busy server does not
            // lock anyone out.
            for key in [&account_key, &ip_key] {
                state.lockouts.release(key).await.map_err(unavailable(parts))?;
            }
            return Err(hashing_failed(parts)(err));
        }
    };
    let user = match user {
        Some(u) if password_ok && !u.disabled => u,
        found => {
            let detail = match &found {
                Some(u) if u.disabled => "user disabled",
                Some(_) => "wrong password",
                None => "unknown login",
            };
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
            // The reserved slots stay taken: they are this failure.
            let (message, status) = if attempt.locks_when_wrong(&policy) {
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
    state
        .lockouts
        .release(&ip_key)
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
