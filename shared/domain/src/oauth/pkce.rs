//! Proof Key for Code Exchange (RFC 7636), S256 only: `plain` offers no protection once the challenge
//! leaks, so it is refused (RFC 9700 §2.1.1).

use super::error::OAuthError;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

fn is_unreserved(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~')
}

/// Validates the authorization request's `code_challenge` / `code_challenge_method` pair and returns
/// the challenge to store.
pub fn check_challenge(challenge: Option<&str>, method: Option<&str>) -> Result<Option<String>, OAuthError> {
    match (challenge, method) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err(OAuthError::invalid_request(
            "code_challenge_method without code_challenge",
        )),
        (Some(_), Some(m)) if m != "S256" => Err(OAuthError::invalid_request(
            "code_challenge_method must be S256 (plain is not supported)",
        )),
        // RFC 7636 §4.3: a missing method means `plain`, which is refused.
        (Some(_), None) => Err(OAuthError::invalid_request("code_challenge_method must be S256")),
        (Some(c), Some(_)) => {
            // An S256 challenge is the base64url SHA-256: exactly 43 unreserved characters.
            if c.len() == 43 && c.bytes().all(is_unreserved) {
                Ok(Some(c.to_owned()))
            } else {
                Err(OAuthError::invalid_request(
                    "code_challenge is not a valid S256 challenge",
                ))
            }
        }
    }
}

/// The S256 challenge of a well-formed `verifier` (43–128 unreserved characters, RFC 7636 §4.1);
/// `None` for a malformed one.
pub fn challenge_of(verifier: &str) -> Option<String> {
    ((43..=128).contains(&verifier.len()) && verifier.bytes().all(is_unreserved))
        .then(|| URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())))
}

/// Whether `verifier` hashes to `challenge` (constant-time comparison).
pub fn verify(verifier: &str, challenge: &str) -> bool {
    challenge_of(verifier).is_some_and(|computed| computed.as_bytes().ct_eq(challenge.as_bytes()).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7636 Appendix B.
    const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    #[test]
    fn rfc7636_example_verifies() {
        assert!(verify(VERIFIER, CHALLENGE));
        assert!(!verify(&VERIFIER.replace('d', "e"), CHALLENGE));
        assert!(!verify("short", CHALLENGE));
    }

    #[test]
    fn only_s256_challenges_are_accepted() {
        assert_eq!(
            check_challenge(Some(CHALLENGE), Some("S256")).unwrap().as_deref(),
            Some(CHALLENGE)
        );
        assert!(check_challenge(Some(CHALLENGE), Some("plain")).is_err());
        assert!(check_challenge(Some(CHALLENGE), None).is_err());
        assert!(check_challenge(None, Some("S256")).is_err());
        assert!(check_challenge(Some("too-short"), Some("S256")).is_err());
        assert_eq!(check_challenge(None, None).unwrap(), None);
    }
}
