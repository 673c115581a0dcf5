//! Token values and their stored form.
//!
//! Codes and refresh tokens are 256-bit random strings handed to the client once; the store keeps only
//! their SHA-256 (a high-entropy secret needs no salt), so a leaked table yields nothing usable. A
//! rotated refresh token's successor is *derived* — HMAC-SHA256 of the old value under a server key —
//! so a retry within the grace window can be answered with the very same successor without the store
//! ever holding a token value.

use crate::secret::SecretString;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The stored form of a code or token: base64url SHA-256.
pub fn token_hash(value: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(value.as_bytes()))
}

/// The refresh token that replaces `old` on rotation: unpredictable without the server key, and the
/// same every time for the same `old`.
pub fn successor(key: &[u8], old: &str) -> SecretString {
    // HMAC accepts keys of any length, so this cannot fail; the fallback only satisfies the type.
    let mac = Hmac::<Sha256>::new_from_slice(key).map(|mut mac| {
        mac.update(b"onair refresh successor\0");
        mac.update(old.as_bytes());
        mac.finalize().into_bytes()
    });
    match mac {
        Ok(bytes) => SecretString::new(URL_SAFE_NO_PAD.encode(bytes)),
        Err(_) => SecretString::new(URL_SAFE_NO_PAD.encode(Sha256::digest(old.as_bytes()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_stable_and_hide_the_value() {
        assert_eq!(token_hash("abc"), token_hash("abc"));
        assert_ne!(token_hash("abc"), token_hash("abd"));
        assert!(!token_hash("abc").contains("abc"));
    }

    #[test]
    fn successors_are_deterministic_per_key() {
        assert_eq!(successor(b"k", "t").expose(), successor(b"k", "t").expose());
        assert_ne!(successor(b"k", "t").expose(), successor(b"k2", "t").expose());
        assert_ne!(successor(b"k", "t").expose(), successor(b"k", "u").expose());
        assert_eq!(successor(b"k", "t").expose().len(), 43);
    }
}
