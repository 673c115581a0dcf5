//! Self-contained access tokens: JWTs per RFC 9068 (`typ: at+jwt`), signed with HMAC-SHA256.
//!
//! onair is both the issuer and the only verifier of its access tokens, so a symmetric key suffices
//! (RFC 9068 §2.1 allows any JWS algorithm but `none`). Verification makes no store call — the point of
//! the format, since PRISM polls every live every 5 s. Keys carry a `kid` derived from the key bytes; the
//! previous key stays accepted for its overlap window so rotation never invalidates live tokens.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// A signing key and its id.
#[derive(Clone)]
pub struct SigningKey {
    /// `kid`: base64url of the first 9 bytes of SHA-256 of the key.
    pub kid: String,
    secret: Vec<u8>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A key from secret material (at least 32 bytes recommended).
    pub fn new(secret: &[u8]) -> Self {
        let digest = Sha256::digest(secret);
        Self {
            kid: URL_SAFE_NO_PAD.encode(&digest[..9]),
            secret: secret.to_vec(),
        }
    }

    /// The raw key bytes, for deriving other values (refresh successors) from the same secret.
    pub fn material(&self) -> &[u8] {
        &self.secret
    }

    fn mac(&self, data: &[u8]) -> Vec<u8> {
        match Hmac::<Sha256>::new_from_slice(&self.secret) {
            Ok(mut mac) => {
                mac.update(data);
                mac.finalize().into_bytes().to_vec()
            }
            // HMAC takes keys of any length; unreachable, and an empty MAC never verifies.
            Err(_) => Vec::new(),
        }
    }
}

/// The keys a verifier accepts: the current one (which also signs) and, during an overlap, the previous.
#[derive(Debug, Clone)]
pub struct KeySet {
    /// Signs and verifies.
    pub current: SigningKey,
    /// Verifies only, until its overlap ends.
    pub previous: Option<SigningKey>,
}

/// Access-token claims (RFC 9068 §2.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Issuer.
    pub iss: String,
    /// Subject: the user id.
    pub sub: String,
    /// Audience: the resource server.
    pub aud: String,
    /// The client the token was issued to.
    pub client_id: String,
    /// Issued at (seconds).
    pub iat: i64,
    /// Expires (seconds).
    pub exp: i64,
    /// Unique id.
    pub jti: String,
    /// Granted scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The refresh-token family, so revocation and introspection can find it.
    pub fam: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    alg: String,
    typ: String,
    kid: String,
}

/// Why a token was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    /// Not a well-formed JWT of ours.
    #[error("malformed token")]
    Malformed,
    /// Signature does not verify under the key its `kid` names.
    #[error("bad signature")]
    BadSignature,
    /// The `kid` names none of the accepted keys: forged, signed with a key dropped after its overlap,
    /// or with a key newer than the caller's copy of the key set (a rotation it has not seen yet).
    #[error("unknown key")]
    UnknownKey,
    /// Past `exp`.
    #[error("token expired")]
    Expired,
    /// Wrong issuer or audience.
    #[error("token not meant for this server")]
    WrongAudience,
}

/// Signs `claims` with the current key.
pub fn sign(keys: &KeySet, claims: &Claims) -> Result<String, JwtError> {
    let header = Header {
        alg: "HS256".into(),
        typ: "at+jwt".into(),
        kid: keys.current.kid.clone(),
    };
    let header = serde_json::to_vec(&header).map_err(|_| JwtError::Malformed)?;
    let claims = serde_json::to_vec(claims).map_err(|_| JwtError::Malformed)?;
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let signature = URL_SAFE_NO_PAD.encode(keys.current.mac(signing_input.as_bytes()));
    Ok(format!("{signing_input}.{signature}"))
}

/// Verifies a token: shape, `typ`, `alg`, key, signature (constant time), issuer, audience and expiry.
pub fn verify(
    keys: &KeySet,
    token: &str,
    iss: &str,
    aud: &str,
    now: OffsetDateTime,
) -> Result<Claims, JwtError> {
    if token.len() > 4096 {
        return Err(JwtError::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(h), Some(c), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(JwtError::Malformed);
    };
    let header: Header = URL_SAFE_NO_PAD
        .decode(h)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(JwtError::Malformed)?;
    // Only our exact algorithm: never `none`, never a downgrade chosen by the token.
    if header.alg != "HS256" || header.typ != "at+jwt" {
        return Err(JwtError::Malformed);
    }
    let key = std::iter::once(&keys.current)
        .chain(keys.previous.as_ref())
        .find(|k| k.kid == header.kid)
        .ok_or(JwtError::UnknownKey)?;
    let signature = URL_SAFE_NO_PAD.decode(s).map_err(|_| JwtError::Malformed)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key.secret).map_err(|_| JwtError::BadSignature)?;
    mac.update(h.as_bytes());
    mac.update(b".");
    mac.update(c.as_bytes());
    mac.verify_slice(&signature).map_err(|_| JwtError::BadSignature)?;
    let claims: Claims = URL_SAFE_NO_PAD
        .decode(c)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or(JwtError::Malformed)?;
    if claims.iss != iss || claims.aud != aud {
        return Err(JwtError::WrongAudience);
    }
    if now.unix_timestamp() >= claims.exp {
        return Err(JwtError::Expired);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Claims {
        Claims {
            iss: "https://issuer".into(),
            sub: "user".into(),
            aud: "onair".into(),
            client_id: "client".into(),
            iat: 0,
            exp,
            jti: "j".into(),
            scope: None,
            fam: "f".into(),
        }
    }

    fn keys(current: &[u8], previous: Option<&[u8]>) -> KeySet {
        KeySet {
            current: SigningKey::new(current),
            previous: previous.map(SigningKey::new),
        }
    }

    #[test]
    fn signed_tokens_verify_until_expiry() {
        let k = keys(b"0123456789abcdef0123456789abcdef", None);
        let t = sign(&k, &claims(100)).unwrap();
        let at = |s| OffsetDateTime::from_unix_timestamp(s).unwrap();
        assert_eq!(
            verify(&k, &t, "https://issuer", "onair", at(99)).unwrap(),
            claims(100)
        );
        assert_eq!(
            verify(&k, &t, "https://issuer", "onair", at(100)),
            Err(JwtError::Expired)
        );
        assert_eq!(
            verify(&k, &t, "https://other", "onair", at(1)),
            Err(JwtError::WrongAudience)
        );
    }

    #[test]
    fn rotation_keeps_previous_key_tokens_valid() {
        let old = keys(b"old-key-old-key-old-key-old-key!", None);
        let t = sign(&old, &claims(100)).unwrap();
        let rotated = keys(
            b"new-key-new-key-new-key-new-key!",
            Some(b"old-key-old-key-old-key-old-key!"),
        );
        let at = OffsetDateTime::from_unix_timestamp(1).unwrap();
        assert!(verify(&rotated, &t, "https://issuer", "onair", at).is_ok());
        let dropped = keys(b"new-key-new-key-new-key-new-key!", None);
        assert_eq!(
            verify(&dropped, &t, "https://issuer", "onair", at),
            Err(JwtError::UnknownKey)
        );
    }

    #[test]
    fn tampering_and_alg_none_are_rejected() {
        let k = keys(b"0123456789abcdef0123456789abcdef", None);
        let t = sign(&k, &claims(100)).unwrap();
        let at = OffsetDateTime::from_unix_timestamp(1).unwrap();
        let mut forged: Vec<&str> = t.split('.').collect();
        let other = URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(&Claims {
                sub: "admin".into(),
                ..claims(100)
            })
            .unwrap(),
        );
        forged[1] = &other;
        assert_eq!(
            verify(&k, &forged.join("."), "https://issuer", "onair", at),
            Err(JwtError::BadSignature)
        );
        let none = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"at+jwt","kid":"x"}"#);
        let unsigned = format!("{none}.{}.", t.split('.').nth(1).unwrap());
        assert_eq!(
            verify(&k, &unsigned, "https://issuer", "onair", at),
            Err(JwtError::Malformed)
        );
        assert_eq!(
            verify(&k, "a.b", "https://issuer", "onair", at),
            Err(JwtError::Malformed)
        );
    }
}
