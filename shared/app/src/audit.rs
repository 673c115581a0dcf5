//! Audit entries as the authorization server writes them: a fresh id, the injected clock's time, and
//! who did it — never a token, code, password or secret.

use crate::state::AppState;
use onair_domain::audit::{AuditEntry, AuditEvent};
use onair_domain::{ClientId, UserId};

/// Who an audit entry is about.
#[derive(Debug, Clone, Copy, Default)]
pub struct Who<'a> {
    /// The client involved.
    pub client: Option<&'a ClientId>,
    /// The user, when known.
    pub user: Option<&'a UserId>,
    /// The login name typed (login events).
    pub login: Option<&'a str>,
    /// The caller's IP address.
    pub ip: Option<&'a str>,
}

/// An entry for `event` happening now.
pub fn entry(state: &AppState, event: AuditEvent, who: Who<'_>, detail: Option<&str>) -> AuditEntry {
    AuditEntry {
        id: state.generator.id(),
        at: state.clock.now(),
        event,
        user_id: who.user.cloned(),
        login: who.login.map(str::to_owned),
        client_id: who.client.cloned(),
        ip: who.ip.map(str::to_owned),
        detail: detail.map(str::to_owned),
    }
}
