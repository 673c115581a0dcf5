//! Password login on the authorization page, its throttling, and issuing the authorization code.
//!
//! The page handler renders what [`password_login`] decides ([`LoginOutcome`]); a code is handed back
//! as the redirect URL [`issue_code`] builds. Cookies, headers and the form stay with the surface.

use crate::audit::{Who, entry};
use crate::error::AppError;
use crate::state::AppState;
use onair_domain::audit::{AuditEntry, AuditEvent};
use onair_domain::client::Client;
use onair_domain::lockout::{Attempt, LockSubject};
use onair_domain::oauth::authorize::{AuthorizeRequest, authorization_response};
use onair_domain::oauth::code::{CODE_LIFETIME, CodeRecord};
use onair_domain::oauth::token::token_hash;
use onair_domain::user::{User, normalize_login};
use onair_domain::{SecretString, UserId};
use onair_store::StoreError;

/// What a password login ends with, for the page to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginOutcome {
    /// The password was right: redirect the browser here (the client's redirect URI with the code,
    /// `state` and `iss`).
    Issued(String),
    /// The account or the address is locked; no password was checked (or this failure locked it). The
    /// same answer whether or not the account exists.
    Locked,
    /// Wrong login or password.
    Refused,
}

/// A password login: who typed what, from where.
#[derive(Debug)]
pub struct LoginAttempt<'a> {
    /// The login name as typed.
    pub login: &'a str,
    /// The password typed.
    pub password: &'a SecretString,
    /// The caller's IP address.
    pub ip: Option<String>,
    /// The issuer URL in force, sent as `iss` with the code (RFC 9207).
    pub issuer: &'a str,
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
    entry(state, event, who, detail)
}

/// Checks the password and, if it is right and no lockout applies, issues a code.
pub async fn password_login(
    state: &AppState,
    client: &Client,
    request: &AuthorizeRequest,
    attempt_of: &LoginAttempt<'_>,
) -> Result<LoginOutcome, AppError> {
    let ip = &attempt_of.ip;
    let login = normalize_login(attempt_of.login);
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
        .await?;
    let by_ip = match account {
        Some(_) => {
            let by_ip = state.lockouts.reserve(&ip_key, policy.ip_limit, expires).await?;
            if by_ip.is_none() {
                // The address is locked: this attempt is not a failure of the account.
                state.lockouts.release(&account_key).await?;
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
            ip,
            None,
        );
        state.audit.append(&entry).await?;
        return Ok(LoginOutcome::Locked);
    }
    let user: Option<User> = if login.is_empty() || login.len() > onair_domain::user::MAX_LOGIN {
        None
    } else {
        match state.users.find_by_login(&login).await {
            Ok(u) => Some(u),
            Err(StoreError::NotFound) => None,
            Err(e) => return Err(e.into()),
        }
    };
    let hash = user
        .as_ref()
        .and_then(|u| u.password_hash.as_ref())
        .map(|h| h.expose().to_owned());
    let password_ok = match state.hashing.verify(attempt_of.password, hash).await {
        Ok(ok) => ok,
        Err(err) => {
            // No password was checked: the attempt gives its slots back, so a busy server does not
            // lock anyone out.
            for key in [&account_key, &ip_key] {
                state.lockouts.release(key).await?;
            }
            return Err(err.into());
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
                ip,
                Some(detail),
            );
            state.audit.append(&entry).await?;
            // The reserved slots stay taken: they are this failure.
            return Ok(if attempt.locks_when_wrong(&policy) {
                LoginOutcome::Locked
            } else {
                LoginOutcome::Refused
            });
        }
    };
    state.lockouts.clear(&account_key).await?;
    state.lockouts.release(&ip_key).await?;
    let entry = audit_entry(
        state,
        AuditEvent::LoginSucceeded,
        client,
        Some(&user.id),
        Some(&login),
        ip,
        None,
    );
    state.audit.append(&entry).await?;
    let to = issue_code(state, client, request, &user.id, ip.clone(), attempt_of.issuer).await?;
    Ok(LoginOutcome::Issued(to))
}

/// Issues an authorization code for `user` and returns where to redirect the browser with it: the
/// registered redirect URI plus `code`, `state` and `iss` (RFC 9207).
pub async fn issue_code(
    state: &AppState,
    client: &Client,
    request: &AuthorizeRequest,
    user: &UserId,
    ip: Option<String>,
    issuer: &str,
) -> Result<String, AppError> {
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
    state.grants.put_code(&record, &entry).await?;
    let mut params = vec![("code", code.expose())];
    if let Some(s) = &request.state {
        params.push(("state", s.as_str()));
    }
    Ok(authorization_response(&request.redirect_uri, issuer, &params))
}
