//! Refresh-token rotation (RFC 9700 §4.14.2): every use returns a new refresh token and retires the
//! old one. A retry of a retired token within a short grace window gets the same successor again (a
//! lost response must not log the streamer out); any later reuse means the token was stolen, and the
//! whole family — every token descended from the same login — is revoked.

use crate::ids::{ClientId, UserId};
use time::{Duration, OffsetDateTime};

/// Default refresh-token lifetime.
pub const DEFAULT_REFRESH_LIFETIME: Duration = Duration::days(30);
/// Default grace window for retries of a just-rotated token.
pub const DEFAULT_GRACE: Duration = Duration::seconds(30);

/// A refresh token, as stored (by hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRecord {
    /// SHA-256 of the token.
    pub hash: String,
    /// The family (one per login).
    pub family_id: String,
    /// The client it was issued to.
    pub client_id: ClientId,
    /// The user it acts for.
    pub user_id: UserId,
    /// Granted scope.
    pub scope: Option<String>,
    /// When issued.
    pub issued_at: OffsetDateTime,
    /// When it stops working; each rotation grants a fresh lifetime, so an active streamer stays
    /// logged in while an abandoned login lapses.
    pub expires_at: OffsetDateTime,
    /// Set once the token has been exchanged.
    pub rotated: Option<Rotation>,
}

/// The retirement of a refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    /// When it was exchanged.
    pub at: OffsetDateTime,
    /// SHA-256 of its successor.
    pub successor_hash: String,
}

/// A token family: everything issued from one authorization code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Family {
    /// Identifier.
    pub id: String,
    /// Client.
    pub client_id: ClientId,
    /// User.
    pub user_id: UserId,
    /// When the login happened.
    pub created_at: OffsetDateTime,
    /// Set when the family is revoked (reuse detected, code replayed, explicit revocation).
    pub revoked_at: Option<OffsetDateTime>,
}

/// What to do with a presented refresh token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshDecision {
    /// Retire it and issue its successor.
    Rotate,
    /// A retry inside the grace window: answer with this already-issued successor.
    Grace {
        /// SHA-256 of the successor to hand out again.
        successor_hash: String,
    },
    /// Reuse after the grace window: revoke the family.
    Reuse,
    /// Expired, or issued to another client: refuse, change nothing.
    Refuse(&'static str),
}

/// Decides what a refresh request with `token` by `client` at `now` means.
pub fn decide(
    token: &RefreshRecord,
    client: &ClientId,
    now: OffsetDateTime,
    grace: Duration,
) -> RefreshDecision {
    if &token.client_id != client {
        return RefreshDecision::Refuse("refresh token was issued to another client");
    }
    match &token.rotated {
        None if now >= token.expires_at => RefreshDecision::Refuse("refresh token expired"),
        None => RefreshDecision::Rotate,
        Some(r) if now < r.at + grace => RefreshDecision::Grace {
            successor_hash: r.successor_hash.clone(),
        },
        Some(_) => RefreshDecision::Reuse,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> RefreshRecord {
        let t = OffsetDateTime::UNIX_EPOCH;
        RefreshRecord {
            hash: "h".into(),
            family_id: "f".into(),
            client_id: ClientId::parse("c").unwrap(),
            user_id: UserId::parse("u").unwrap(),
            scope: None,
            issued_at: t,
            expires_at: t + Duration::days(30),
            rotated: None,
        }
    }

    #[test]
    fn active_tokens_rotate_until_they_expire() {
        let t = OffsetDateTime::UNIX_EPOCH;
        let c = ClientId::parse("c").unwrap();
        assert_eq!(decide(&token(), &c, t, DEFAULT_GRACE), RefreshDecision::Rotate);
        assert!(matches!(
            decide(&token(), &c, t + Duration::days(30), DEFAULT_GRACE),
            RefreshDecision::Refuse(_)
        ));
        let other = ClientId::parse("d").unwrap();
        assert!(matches!(
            decide(&token(), &other, t, DEFAULT_GRACE),
            RefreshDecision::Refuse(_)
        ));
    }

    #[test]
    fn retired_tokens_get_grace_then_trigger_family_revocation() {
        let t = OffsetDateTime::UNIX_EPOCH;
        let c = ClientId::parse("c").unwrap();
        let retired = RefreshRecord {
            rotated: Some(Rotation {
                at: t,
                successor_hash: "s".into(),
            }),
            ..token()
        };
        assert_eq!(
            decide(&retired, &c, t + Duration::seconds(29), DEFAULT_GRACE),
            RefreshDecision::Grace {
                successor_hash: "s".into()
            }
        );
        assert_eq!(
            decide(&retired, &c, t + Duration::seconds(30), DEFAULT_GRACE),
            RefreshDecision::Reuse
        );
    }
}
