//! Password hashing with argon2id (PHC string format, per-password random salt).

use crate::secret::SecretString;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

/// Shortest and longest accepted passwords.
pub const MIN_PASSWORD: usize = 8;
/// Longest accepted password; bounds the hashing cost an attacker can request.
pub const MAX_PASSWORD: usize = 256;

/// Password hashing failed (the hash string is corrupt or the parameters are invalid).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct PasswordError(String);

fn argon2() -> Result<Argon2<'static>, PasswordError> {
    // OWASP's argon2id floor (19 MiB, 2 passes): strong enough offline, cheap enough for a 128 MB Lambda.
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| PasswordError(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes `password` with a salt drawn from `salt_bytes` (16 random bytes from the injected generator).
pub fn hash_password(password: &SecretString, salt_bytes: &[u8; 16]) -> Result<String, PasswordError> {
    let salt = SaltString::encode_b64(salt_bytes).map_err(|e| PasswordError(e.to_string()))?;
    argon2()?
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError(e.to_string()))
}

/// Whether `password` matches the stored PHC `hash` (constant-time inside argon2).
pub fn verify_password(password: &str, hash: &str) -> Result<bool, PasswordError> {
    let parsed = PasswordHash::new(hash).map_err(|e| PasswordError(e.to_string()))?;
    Ok(argon2()?.verify_password(password.as_bytes(), &parsed).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_only_the_right_password() {
        let hash = hash_password(&SecretString::new("correct horse"), &[7; 16]).unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash).unwrap());
        assert!(!verify_password("wrong horse", &hash).unwrap());
    }
}
