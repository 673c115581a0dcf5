//! The randomness port: identifiers and secrets come from an injected [`Generator`], so tests can
//! predict them and production draws them from the operating system's CSPRNG.

use crate::secret::SecretString;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::TryRngCore;
use rand::rngs::OsRng;
use std::sync::atomic::{AtomicU64, Ordering};

/// Produces identifiers and secrets.
pub trait Generator: Send + Sync {
    /// A new identifier: URL-safe, unguessable, 22 characters (128 random bits).
    fn id(&self) -> String;
    /// A new secret: URL-safe, 43 characters (256 random bits).
    fn secret(&self) -> SecretString;
    /// Sixteen random bytes, for password salts.
    fn salt(&self) -> [u8; 16];
}

/// Draws from the operating system's CSPRNG.
#[derive(Debug, Default, Clone, Copy)]
pub struct RandomGenerator;

impl RandomGenerator {
    fn bytes<const N: usize>() -> [u8; N] {
        let mut buf = [0u8; N];
        // The OS RNG failing means the machine cannot produce secrets at all; there is no safe fallback,
        // and an all-zero value must never be used, so this is the one place we abort.
        #[allow(clippy::panic)]
        if let Err(err) = OsRng.try_fill_bytes(&mut buf) {
            panic!("operating system random number generator failed: {err}");
        }
        buf
    }
}

impl Generator for RandomGenerator {
    fn id(&self) -> String {
        URL_SAFE_NO_PAD.encode(Self::bytes::<16>())
    }

    fn secret(&self) -> SecretString {
        SecretString::new(URL_SAFE_NO_PAD.encode(Self::bytes::<32>()))
    }

    fn salt(&self) -> [u8; 16] {
        Self::bytes::<16>()
    }
}

/// Predictable ids and secrets (`id-1`, `secret-2`, …); for tests.
#[derive(Debug, Default)]
pub struct SequenceGenerator(AtomicU64);

impl SequenceGenerator {
    fn next(&self) -> u64 {
        self.0.fetch_add(1, Ordering::Relaxed) + 1
    }
}

impl Generator for SequenceGenerator {
    fn id(&self) -> String {
        format!("id-{}", self.next())
    }

    fn secret(&self) -> SecretString {
        SecretString::new(format!("secret-{}", self.next()))
    }

    fn salt(&self) -> [u8; 16] {
        let mut salt = [0u8; 16];
        salt[..8].copy_from_slice(&self.next().to_be_bytes());
        salt
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_and_secrets_are_url_safe_and_distinct() {
        let g = RandomGenerator;
        let (a, b) = (g.id(), g.id());
        assert_ne!(a, b);
        assert_eq!(a.len(), 22);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_eq!(g.secret().expose().len(), 43);
    }
}
