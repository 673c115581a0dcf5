//! Refresh-token rotation (RFC 9700 §4.14.2): every use returns a new refresh token and retires the
//! old one. A retry of a retired token within a short grace window gets the same successor again (a
//! lost response must not log the streamer out); any later reuse means the token was stolen, and the
//! whole family — every token descended from the same login — is revoked.
//!
//! Two decisions, both pure: [`decide`] on the presented token alone, then — for a retry inside the
//! grace window — [`decide_grace`] on what became of its successor. A retry is only innocent while the
//! successor is unused: a lost response never reaches the client, so once the successor has itself
//! been rotated, whoever still presents the older token is not the legitimate holder, grace or not.

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

/// How long after a rotation its successor may still be on its way to the store. A rotation is two
/// writes (retire the old token, then store the successor), so a retry racing the rotation can find the
/// old token retired and its successor not there yet; within this bound it waits for it. Past it, a
/// missing successor means the second write failed (and its undo too): the retry is refused.
pub const SUCCESSOR_IN_FLIGHT: Duration = Duration::seconds(5);

/// What a retry inside the grace window found about the successor of the token it presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Successor<'a> {
    /// The successor (or its family) is not stored.
    Missing,
    /// The successor and its family as stored.
    Found {
        /// The successor token.
        token: &'a RefreshRecord,
        /// Its family.
        family: &'a Family,
    },
}

/// What a retry inside the grace window gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GraceDecision {
    /// Hand out the successor again.
    Answer,
    /// The successor has been rotated in turn: the presented token is in other hands than the
    /// successor's. Revoke the family.
    Reuse,
    /// The successor's write may still be in flight: read it again shortly.
    Wait,
    /// Refuse, change nothing.
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

/// Decides what a retry of the retired `token` inside its grace window gets, given what became of its
/// `successor` at `now`.
pub fn decide_grace(token: &RefreshRecord, successor: Successor<'_>, now: OffsetDateTime) -> GraceDecision {
    const GONE: &str = "refresh token is no longer valid";
    match successor {
        // A revoked family has nothing left to protect or hand out.
        Successor::Found { family, .. } if family.revoked_at.is_some() => GraceDecision::Refuse(GONE),
        Successor::Found { token: next, .. } if next.rotated.is_some() => GraceDecision::Reuse,
        Successor::Found { token: next, .. } if now >= next.expires_at => GraceDecision::Refuse(GONE),
        Successor::Found { .. } => GraceDecision::Answer,
        Successor::Missing => match &token.rotated {
            Some(r) if now < r.at + SUCCESSOR_IN_FLIGHT => GraceDecision::Wait,
            _ => GraceDecision::Refuse(GONE),
        },
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

    #[test]
    fn a_grace_retry_is_answered_only_while_the_successor_is_unused() {
        let t = OffsetDateTime::UNIX_EPOCH;
        let retired = RefreshRecord {
            rotated: Some(Rotation {
                at: t,
                successor_hash: "s".into(),
            }),
            ..token()
        };
        let live = RefreshRecord {
            hash: "s".into(),
            issued_at: t,
            expires_at: t + Duration::days(30),
            ..token()
        };
        let rotated = RefreshRecord {
            rotated: Some(Rotation {
                at: t + Duration::seconds(1),
                successor_hash: "s2".into(),
            }),
            ..live.clone()
        };
        let lapsed = RefreshRecord {
            expires_at: t + Duration::seconds(2),
            ..live.clone()
        };
        let family = Family {
            id: "f".into(),
            client_id: ClientId::parse("c").unwrap(),
            user_id: UserId::parse("u").unwrap(),
            created_at: t,
            revoked_at: None,
        };
        let revoked = Family {
            revoked_at: Some(t),
            ..family.clone()
        };
        let found = |token, family| Successor::Found { token, family };
        let gone = GraceDecision::Refuse("refresh token is no longer valid");
        let s = Duration::seconds;
        // (successor, seconds after the rotation, decision)
        let table = [
            (found(&live, &family), s(0), GraceDecision::Answer),
            (found(&live, &family), s(29), GraceDecision::Answer),
            (found(&rotated, &family), s(2), GraceDecision::Reuse),
            (found(&rotated, &family), s(29), GraceDecision::Reuse),
            (found(&live, &revoked), s(2), gone.clone()),
            (found(&rotated, &revoked), s(2), gone.clone()),
            (found(&lapsed, &family), s(2), gone.clone()),
            (Successor::Missing, s(0), GraceDecision::Wait),
            (
                Successor::Missing,
                SUCCESSOR_IN_FLIGHT - s(1),
                GraceDecision::Wait,
            ),
            (Successor::Missing, SUCCESSOR_IN_FLIGHT, gone.clone()),
            (Successor::Missing, s(29), gone.clone()),
        ];
        for (successor, after, expected) in table {
            assert_eq!(
                decide_grace(&retired, successor, t + after),
                expected,
                "{successor:?} at +{after}"
            );
        }
        // A token that was never rotated has no successor in flight.
        assert_eq!(decide_grace(&token(), Successor::Missing, t), gone);
    }
}
