//! Typed identifiers. Each id is a short URL-safe string; the types keep a user id from being passed
//! where a channel id is expected, and parsing rejects anything that could not have been issued.

use serde::{Deserialize, Serialize};

/// Longest accepted identifier.
pub const MAX_ID: usize = 64;

/// Whether `s` has the shape of an identifier: 1–64 of `[A-Za-z0-9_-]`.
pub fn is_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_ID
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parses an identifier, rejecting anything not shaped like one.
            pub fn parse(s: &str) -> Option<Self> {
                is_id(s).then(|| Self(s.to_owned()))
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                if is_id(&s) { Ok(Self(s)) } else { Err(format!("invalid identifier {s:?}")) }
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

id_type!(
    /// Identifies an OAuth client.
    ClientId
);
id_type!(
    /// Identifies a user (streamer); this is PRISM's `userId`.
    UserId
);
id_type!(
    /// Identifies a channel; this is PRISM's `channelId`.
    ChannelId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_url_safe_short_strings_are_ids() {
        assert!(UserId::parse("abc_-09").is_some());
        assert!(UserId::parse("").is_none());
        assert!(UserId::parse("a/b").is_none());
        assert!(UserId::parse(&"a".repeat(65)).is_none());
        assert!(serde_json::from_str::<UserId>("\"a b\"").is_err());
    }
}
