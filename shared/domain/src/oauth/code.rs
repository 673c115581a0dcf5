//! Authorization codes (RFC 6749 §4.1.2): single use, 60 s, bound to the client, the redirect URI, the
//! user and the PKCE challenge.
//!
//! The order of the checks matters: a replay is recognised before expiry and before the redirect
//! checks, because RFC 6749 §4.1.2 makes *any* second use a reason to revoke what the code issued — a
//! replay a minute, or a month, later is still a replay. Only a code presented by another client is
//! refused first: it says nothing about who holds the owner's tokens, and must not let one client
//! revoke another's.

use crate::ids::{ClientId, UserId};
use time::{Duration, OffsetDateTime};

/// How long a code can be redeemed (RFC 6749 §4.1.2 recommends at most 10 minutes; 60 s is plenty for
/// a server-side client such as PRISM and shrinks the interception window).
pub const CODE_LIFETIME: Duration = Duration::seconds(60);

/// An issued code, as stored (by hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRecord {
    /// SHA-256 of the code.
    pub hash: String,
    /// The client it was issued to.
    pub client_id: ClientId,
    /// The exact redirect URI of the authorization request.
    pub redirect_uri: String,
    /// The user who logged in.
    pub user_id: UserId,
    /// The S256 PKCE challenge, if one was sent.
    pub code_challenge: Option<String>,
    /// The requested scope, recorded.
    pub scope: Option<String>,
    /// The token family this code starts (pre-assigned, so a replay can revoke it).
    pub family_id: String,
    /// When issued.
    pub issued_at: OffsetDateTime,
    /// When it stops being redeemable.
    pub expires_at: OffsetDateTime,
    /// When redeemed, if it was.
    pub redeemed_at: Option<OffsetDateTime>,
}

/// What a token request presents about a code; redemption succeeds only if all of it matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redemption {
    /// The authenticated client.
    pub client_id: ClientId,
    /// The `redirect_uri` parameter of the token request.
    pub redirect_uri: String,
    /// S256 of the `code_verifier`, if one was sent.
    pub challenge_of_verifier: Option<String>,
    /// Whether the client still registers `redirect_uri`. A URI removed after the code was issued no
    /// longer redeems it (the admin withdrew trust in that destination; the code may have gone there).
    pub redirect_uri_registered: bool,
}

/// Why a code could not be redeemed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedeemRefusal {
    /// Unknown or expired.
    Invalid,
    /// Issued to another client.
    WrongClient,
    /// Redirect URI differs from the authorization request's.
    WrongRedirect,
    /// The redirect URI was removed from the client after the code was issued. Not misuse: nothing is
    /// revoked, and the code is not spent.
    RedirectUnregistered,
    /// PKCE verifier missing, unexpected or wrong.
    WrongVerifier,
    /// Already redeemed: RFC 6749 §4.1.2 says revoke what it issued.
    Replayed,
}

/// Decides whether `code` may be redeemed by `r` at `now` — the same rule every store adapter
/// enforces atomically. A replay is reported whenever the code was redeemed, however late.
pub fn check_redemption(code: &CodeRecord, r: &Redemption, now: OffsetDateTime) -> Result<(), RedeemRefusal> {
    if code.client_id != r.client_id {
        return Err(RedeemRefusal::WrongClient);
    }
    if code.redeemed_at.is_some() {
        return Err(RedeemRefusal::Replayed);
    }
    if now >= code.expires_at {
        return Err(RedeemRefusal::Invalid);
    }
    if code.redirect_uri != r.redirect_uri {
        return Err(RedeemRefusal::WrongRedirect);
    }
    if !r.redirect_uri_registered {
        return Err(RedeemRefusal::RedirectUnregistered);
    }
    if code.code_challenge != r.challenge_of_verifier {
        return Err(RedeemRefusal::WrongVerifier);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code() -> CodeRecord {
        let t = OffsetDateTime::UNIX_EPOCH;
        CodeRecord {
            hash: "h".into(),
            client_id: ClientId::parse("c").unwrap(),
            redirect_uri: "https://a.example/cb".into(),
            user_id: UserId::parse("u").unwrap(),
            code_challenge: Some("ch".into()),
            scope: None,
            family_id: "f".into(),
            issued_at: t,
            expires_at: t + CODE_LIFETIME,
            redeemed_at: None,
        }
    }

    fn redemption() -> Redemption {
        Redemption {
            client_id: ClientId::parse("c").unwrap(),
            redirect_uri: "https://a.example/cb".into(),
            challenge_of_verifier: Some("ch".into()),
            redirect_uri_registered: true,
        }
    }

    #[test]
    fn every_binding_is_checked() {
        let t = OffsetDateTime::UNIX_EPOCH;
        assert_eq!(check_redemption(&code(), &redemption(), t), Ok(()));
        assert_eq!(
            check_redemption(&code(), &redemption(), t + CODE_LIFETIME),
            Err(RedeemRefusal::Invalid)
        );
        let other = Redemption {
            client_id: ClientId::parse("d").unwrap(),
            ..redemption()
        };
        assert_eq!(
            check_redemption(&code(), &other, t),
            Err(RedeemRefusal::WrongClient)
        );
        let other = Redemption {
            redirect_uri: "https://a.example/cb2".into(),
            ..redemption()
        };
        assert_eq!(
            check_redemption(&code(), &other, t),
            Err(RedeemRefusal::WrongRedirect)
        );
        let other = Redemption {
            challenge_of_verifier: None,
            ..redemption()
        };
        assert_eq!(
            check_redemption(&code(), &other, t),
            Err(RedeemRefusal::WrongVerifier)
        );
        let used = CodeRecord {
            redeemed_at: Some(t),
            ..code()
        };
        assert_eq!(
            check_redemption(&used, &redemption(), t),
            Err(RedeemRefusal::Replayed)
        );
    }

    #[test]
    fn a_verifier_without_a_stored_challenge_is_refused() {
        let t = OffsetDateTime::UNIX_EPOCH;
        let plain = CodeRecord {
            code_challenge: None,
            ..code()
        };
        assert_eq!(
            check_redemption(&plain, &redemption(), t),
            Err(RedeemRefusal::WrongVerifier)
        );
        let none = Redemption {
            challenge_of_verifier: None,
            ..redemption()
        };
        assert_eq!(check_redemption(&plain, &none, t), Ok(()));
    }

    /// Every combination of the refusals, in order: the first that applies is the answer.
    #[test]
    fn a_replay_is_recognised_before_expiry_and_the_redirect_checks() {
        let t = OffsetDateTime::UNIX_EPOCH;
        let late = t + CODE_LIFETIME + Duration::days(30);
        let used = CodeRecord {
            redeemed_at: Some(t + Duration::seconds(1)),
            ..code()
        };
        let other_client = Redemption {
            client_id: ClientId::parse("d").unwrap(),
            ..redemption()
        };
        let other_uri = Redemption {
            redirect_uri: "https://a.example/cb2".into(),
            ..redemption()
        };
        let unregistered = Redemption {
            redirect_uri_registered: false,
            ..redemption()
        };
        let unregistered_no_verifier = Redemption {
            challenge_of_verifier: None,
            ..unregistered.clone()
        };
        use RedeemRefusal::*;
        // (code, redemption, at, answer)
        let table = [
            (&used, &redemption(), t, Err(Replayed)),
            (&used, &redemption(), late, Err(Replayed)),
            (&used, &other_uri, late, Err(Replayed)),
            (&used, &unregistered, t, Err(Replayed)),
            (&used, &other_client, t, Err(WrongClient)),
            (&code(), &other_client, late, Err(WrongClient)),
            (&code(), &redemption(), late, Err(Invalid)),
            (&code(), &unregistered, late, Err(Invalid)),
            (&code(), &other_uri, t, Err(WrongRedirect)),
            (&code(), &unregistered, t, Err(RedirectUnregistered)),
            (&code(), &unregistered_no_verifier, t, Err(RedirectUnregistered)),
            (&code(), &redemption(), t, Ok(())),
        ];
        for (i, (code, r, at, answer)) in table.into_iter().enumerate() {
            assert_eq!(check_redemption(code, r, at), answer, "row {i}");
        }
    }
}
