//! Stream keys (`cdn.ingestionInfo.streamName`): the secret an encoder presents to publish.
//!
//! A key is a 256-bit URL-safe secret drawn from the injected [`Generator`] (well above the 128 bits the
//! issue demands). It is shown to the stream's owner, but look-ups by the ingest hook go through its
//! SHA-256 ([`StreamKey::hash`], the same function that hashes OAuth tokens) so the hot path never keys a
//! table by the secret, and `Debug` never prints it.

use crate::generate::Generator;
use crate::oauth::token::token_hash;
use crate::secret::SecretString;
use serde::{Deserialize, Serialize};

/// A stream key.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StreamKey(SecretString);

impl StreamKey {
    /// A fresh, unguessable key.
    pub fn generate(generator: &dyn Generator) -> Self {
        Self(generator.secret())
    }

    /// Wraps a presented key (from an ingest callback).
    pub fn presented(value: impl Into<String>) -> Self {
        Self(SecretString::new(value))
    }

    /// The key itself, for the owner's `cdn.ingestionInfo.streamName` only.
    pub fn expose(&self) -> &str {
        self.0.expose()
    }

    /// The look-up form: base64url SHA-256.
    pub fn hash(&self) -> String {
        token_hash(self.0.expose())
    }

    /// Constant-time comparison with a presented value.
    pub fn matches(&self, presented: &str) -> bool {
        self.0.matches(presented)
    }
}

impl std::fmt::Debug for StreamKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StreamKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{RandomGenerator, SequenceGenerator};

    #[test]
    fn stream_keys_carry_at_least_128_bits_and_are_url_safe() {
        let k = StreamKey::generate(&RandomGenerator);
        // 43 base64url characters = 258 bits of text for 256 random bits
        assert!(k.expose().len() * 6 >= 128);
        assert_eq!(k.expose().len(), 43);
        assert!(
            k.expose()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_ne!(k, StreamKey::generate(&RandomGenerator));
    }

    #[test]
    fn stream_keys_come_from_the_injected_generator() {
        let k = StreamKey::generate(&SequenceGenerator::default());
        assert_eq!(k.expose(), "secret-1");
    }

    #[test]
    fn stream_key_debug_never_shows_the_key() {
        let k = StreamKey::presented("live-key-123");
        let shown = format!("{k:?}");
        assert!(!shown.contains("live-key-123"), "{shown}");
    }

    #[test]
    fn stream_key_hash_is_stable_and_hides_the_key() {
        let k = StreamKey::presented("live-key-123");
        assert_eq!(k.hash(), StreamKey::presented("live-key-123").hash());
        assert_ne!(k.hash(), StreamKey::presented("live-key-124").hash());
        assert!(!k.hash().contains("live-key"));
        assert_eq!(k.hash(), token_hash("live-key-123"));
    }

    #[test]
    fn stream_key_matches_only_the_exact_key() {
        let k = StreamKey::presented("abc");
        assert!(k.matches("abc"));
        assert!(!k.matches("abd") && !k.matches("ab") && !k.matches("abcd"));
    }

    #[test]
    fn stream_key_serializes_as_the_bare_string() {
        let k = StreamKey::presented("abc");
        assert_eq!(serde_json::to_string(&k).unwrap(), "\"abc\"");
    }
}
