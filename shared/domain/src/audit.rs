//! The audit trail: an append-only record of security-relevant events — who, which client, when, from
//! which IP. Entries never hold token, code, password or secret values.

use crate::ids::{ClientId, UserId};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditEvent {
    /// A user logged in on the authorization page.
    LoginSucceeded,
    /// Wrong password, unknown login or disabled user.
    LoginFailed,
    /// A login attempt refused because of a lockout.
    LoginLocked,
    /// An authorization code was issued.
    CodeIssued,
    /// An authorization code was exchanged for tokens.
    CodeRedeemed,
    /// An already-used code was presented again; its tokens were revoked.
    CodeReplayed,
    /// A refresh token was rotated.
    TokenRefreshed,
    /// A retired refresh token was reused after the grace window; its family was revoked.
    RefreshReuseDetected,
    /// A token was revoked through the revocation endpoint.
    TokenRevoked,
    /// A client secret was rotated.
    ClientSecretRotated,
}

impl AuditEvent {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LoginSucceeded => "login_succeeded",
            Self::LoginFailed => "login_failed",
            Self::LoginLocked => "login_locked",
            Self::CodeIssued => "code_issued",
            Self::CodeRedeemed => "code_redeemed",
            Self::CodeReplayed => "code_replayed",
            Self::TokenRefreshed => "token_refreshed",
            Self::RefreshReuseDetected => "refresh_reuse_detected",
            Self::TokenRevoked => "token_revoked",
            Self::ClientSecretRotated => "client_secret_rotated",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::LoginSucceeded,
            Self::LoginFailed,
            Self::LoginLocked,
            Self::CodeIssued,
            Self::CodeRedeemed,
            Self::CodeReplayed,
            Self::TokenRefreshed,
            Self::RefreshReuseDetected,
            Self::TokenRevoked,
            Self::ClientSecretRotated,
        ]
        .into_iter()
        .find(|e| e.as_str() == s)
    }
}

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Unique id.
    pub id: String,
    /// When.
    pub at: OffsetDateTime,
    /// What.
    pub event: AuditEvent,
    /// The user, when known.
    pub user_id: Option<UserId>,
    /// The login name typed, for login events (it may name no account).
    pub login: Option<String>,
    /// The client.
    pub client_id: Option<ClientId>,
    /// The caller's IP address.
    pub ip: Option<String>,
    /// A short, secret-free detail (`family revoked`, `wrong password`…).
    pub detail: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip() {
        for e in [
            AuditEvent::LoginFailed,
            AuditEvent::RefreshReuseDetected,
            AuditEvent::ClientSecretRotated,
        ] {
            assert_eq!(AuditEvent::parse(e.as_str()), Some(e));
        }
        assert_eq!(AuditEvent::parse("nope"), None);
    }
}
