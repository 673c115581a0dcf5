//! Password hashing with argon2id (PHC string format, per-password random salt).
//!
//! Each hash needs a 19 MiB work area. [`hash_password`] and [`verify_password`] allocate it per call;
//! [`HashMemory`] lets a long-lived worker thread reuse one area for every call instead
//! ([`hash_password_with`], [`verify_password_with`]). Allocating 19 MiB per call on many threads is
//! what makes the allocator keep hundreds of MiB (glibc keeps freed blocks in per-thread arenas).

use crate::secret::SecretString;
use argon2::password_hash::{
    Output, ParamsString, PasswordHash, PasswordHasher, PasswordVerifier, Salt, SaltString,
};
use argon2::{Algorithm, Argon2, Block, Params, Version};

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

/// A reusable argon2 work area (grown to the largest cost seen, then kept).
#[derive(Default)]
pub struct HashMemory(Vec<Block>);

impl std::fmt::Debug for HashMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HashMemory({} blocks)", self.0.len())
    }
}

impl HashMemory {
    /// An empty area; the first hash sizes it.
    pub fn new() -> Self {
        Self::default()
    }

    fn blocks(&mut self, count: usize) -> &mut [Block] {
        if self.0.len() < count {
            self.0.resize(count, Block::default());
        }
        &mut self.0[..count]
    }
}

fn failed(e: impl std::fmt::Display) -> PasswordError {
    PasswordError(e.to_string())
}

/// [`hash_password`] in `memory`: the same PHC string, without allocating a work area.
pub fn hash_password_with(
    memory: &mut HashMemory,
    password: &SecretString,
    salt_bytes: &[u8; 16],
) -> Result<String, PasswordError> {
    let argon2 = argon2()?;
    let params = argon2.params().clone();
    let salt = SaltString::encode_b64(salt_bytes).map_err(failed)?;
    let mut out = vec![0u8; params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN)];
    argon2
        .hash_password_into_with_memory(
            password.expose().as_bytes(),
            salt_bytes,
            &mut out,
            memory.blocks(params.block_count()),
        )
        .map_err(failed)?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(failed)?,
        salt: Some(Salt::from(&salt)),
        hash: Some(Output::new(&out).map_err(failed)?),
    };
    Ok(hash.to_string())
}

/// [`verify_password`] in `memory`: recomputes the hash with the stored parameters and salt and
/// compares in constant time.
pub fn verify_password_with(
    memory: &mut HashMemory,
    password: &str,
    hash: &str,
) -> Result<bool, PasswordError> {
    let parsed = PasswordHash::new(hash).map_err(failed)?;
    let algorithm = Algorithm::try_from(parsed.algorithm).map_err(failed)?;
    let version = parsed
        .version
        .map(Version::try_from)
        .transpose()
        .map_err(failed)?
        .unwrap_or_default();
    let params = Params::try_from(&parsed).map_err(failed)?;
    let expected = parsed
        .hash
        .ok_or_else(|| PasswordError("the stored hash has no output".into()))?;
    let salt = parsed
        .salt
        .ok_or_else(|| PasswordError("the stored hash has no salt".into()))?;
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_buf).map_err(failed)?;
    let mut out = vec![0u8; expected.len()];
    let blocks = memory.blocks(params.block_count());
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password.as_bytes(), salt_bytes, &mut out, blocks)
        .map_err(failed)?;
    // `Output`'s equality is constant-time.
    Ok(Output::new(&out).map_err(failed)? == expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashing_in_reused_memory_matches_the_allocating_functions() {
        let mut memory = HashMemory::new();
        let password = SecretString::new("correct horse");
        let hash = hash_password_with(&mut memory, &password, &[7; 16]).unwrap();
        assert_eq!(hash, hash_password(&password, &[7; 16]).unwrap());
        assert!(verify_password_with(&mut memory, "correct horse", &hash).unwrap());
        assert!(!verify_password_with(&mut memory, "wrong horse", &hash).unwrap());
        let other = hash_password(&SecretString::new("another one"), &[9; 16]).unwrap();
        assert!(verify_password_with(&mut memory, "another one", &other).unwrap());
        assert!(verify_password_with(&mut memory, "x", "not a hash").is_err());
    }

    #[test]
    fn hashes_verify_only_the_right_password() {
        let hash = hash_password(&SecretString::new("correct horse"), &[7; 16]).unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash).unwrap());
        assert!(!verify_password("wrong horse", &hash).unwrap());
    }
}
