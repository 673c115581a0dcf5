//! Authorization codes (RFC 6749 §4.1.2): single use, 60 s, bound to the client, the redirect URI, the
//! user and the PKCE challenge.

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
    /// PKCE verifier missing, unexpected or wrong.
    WrongVerifier,
    /// Already redeemed: RFC 6749 §4.1.2 says revoke what it issued.
    Replayed,
}

/// Decides whether `code` may be redeemed by `r` at `now` — the same rule every store adapter
/// enforces atomically.
pub fn check_redemption(code: &CodeRecord, r: &Redemption, now: OffsetDateTime) -> Result<(), RedeemRefusal> {
    if now >= code.expires_at {
        return Err(RedeemRefusal::Invalid);
    }
    if code.client_id != r.client_id {
        return Err(RedeemRefusal::WrongClient);
    }
    if code.redeemed_at.is_some() {
        return Err(RedeemRefusal::Replayed);
    }
    if code.redirect_uri != r.redirect_uri {
        return Err(RedeemRefusal::WrongRedirect);
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
}
