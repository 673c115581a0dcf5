//! Typed reading and writing of DynamoDB attribute values.
//!
//! There is no serde bridge for the SDK's `AttributeValue` among our dependencies, and the item shapes
//! are few, so conversions are explicit. Reading is strict: a missing or ill-typed attribute means the
//! item was not written by this code, which is reported as `Unavailable` (an operator problem) with
//! the attribute's name and the item's key, never its values — an item may hold a password hash.

use crate::error::StoreError;
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// One DynamoDB item (or key).
pub type Item = HashMap<String, AttributeValue>;

/// A string attribute.
pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

/// A number attribute.
pub fn n(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// A timestamp attribute: RFC 3339 in UTC with full nanoseconds, so it reads back to the same instant.
pub fn timestamp(value: OffsetDateTime) -> Result<AttributeValue, StoreError> {
    value
        .to_offset(UtcOffset::UTC)
        .format(&Rfc3339)
        .map(AttributeValue::S)
        .map_err(|_| StoreError::Unavailable("timestamp outside the years 0000-9999 cannot be stored".into()))
}

/// A number attribute holding a timestamp in unix nanoseconds, for exact comparisons in conditions.
pub fn unix_nanos(value: OffsetDateTime) -> AttributeValue {
    AttributeValue::N(value.unix_timestamp_nanos().to_string())
}

/// A TTL attribute: whole epoch seconds, as DynamoDB's TTL wants them (times before 1970 become 0).
pub fn epoch_seconds(value: OffsetDateTime) -> AttributeValue {
    n(u64::try_from(value.unix_timestamp()).unwrap_or(0))
}

/// Reads the attributes of one item, naming the item's key in errors.
pub struct Reader<'a> {
    item: &'a Item,
}

impl<'a> Reader<'a> {
    /// A reader over `item`.
    pub fn new(item: &'a Item) -> Self {
        Self { item }
    }

    /// The error for an attribute that is missing or of the wrong type.
    pub fn corrupt(&self, attribute: &str) -> StoreError {
        let key = |name: &str| match self.item.get(name) {
            Some(AttributeValue::S(v)) => v.as_str(),
            _ => "?",
        };
        StoreError::Unavailable(format!(
            "corrupt item {}/{}: attribute {attribute:?} is missing or ill-typed",
            key(super::keys::PK),
            key(super::keys::SK)
        ))
    }

    /// A required string.
    pub fn s(&self, name: &str) -> Result<&'a str, StoreError> {
        self.opt_s(name)?.ok_or_else(|| self.corrupt(name))
    }

    /// An optional string (absent means `None`).
    pub fn opt_s(&self, name: &str) -> Result<Option<&'a str>, StoreError> {
        match self.item.get(name) {
            None => Ok(None),
            Some(AttributeValue::S(v)) => Ok(Some(v.as_str())),
            Some(_) => Err(self.corrupt(name)),
        }
    }

    /// A required non-negative integer.
    pub fn u64(&self, name: &str) -> Result<u64, StoreError> {
        match self.item.get(name) {
            Some(AttributeValue::N(v)) => v.parse().map_err(|_| self.corrupt(name)),
            _ => Err(self.corrupt(name)),
        }
    }

    /// A required boolean.
    pub fn bool(&self, name: &str) -> Result<bool, StoreError> {
        match self.item.get(name) {
            Some(AttributeValue::Bool(v)) => Ok(*v),
            _ => Err(self.corrupt(name)),
        }
    }

    /// A required timestamp written by [`timestamp`].
    pub fn timestamp(&self, name: &str) -> Result<OffsetDateTime, StoreError> {
        OffsetDateTime::parse(self.s(name)?, &Rfc3339).map_err(|_| self.corrupt(name))
    }

    /// An optional timestamp written by [`timestamp`] (absent means `None`).
    pub fn opt_timestamp(&self, name: &str) -> Result<Option<OffsetDateTime>, StoreError> {
        self.opt_s(name)?
            .map(|text| OffsetDateTime::parse(text, &Rfc3339).map_err(|_| self.corrupt(name)))
            .transpose()
    }

    /// A required list of strings.
    pub fn strings(&self, name: &str) -> Result<Vec<String>, StoreError> {
        match self.item.get(name) {
            Some(AttributeValue::L(values)) => values
                .iter()
                .map(|v| match v {
                    AttributeValue::S(s) => Ok(s.clone()),
                    _ => Err(self.corrupt(name)),
                })
                .collect(),
            _ => Err(self.corrupt(name)),
        }
    }

    /// A required value parsed from a string attribute (ids, enums).
    pub fn parsed<T>(&self, name: &str, parse: impl FnOnce(&str) -> Option<T>) -> Result<T, StoreError> {
        parse(self.s(name)?).ok_or_else(|| self.corrupt(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_keep_nanoseconds_and_instant() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_000_000_001)
            .unwrap()
            .to_offset(UtcOffset::from_hms(9, 0, 0).unwrap());
        let item = Item::from([("t".to_owned(), timestamp(t).unwrap())]);
        assert_eq!(Reader::new(&item).timestamp("t").unwrap(), t);
    }

    #[test]
    fn numeric_times_keep_nanoseconds_and_ttls_are_whole_seconds() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_000_000_001).unwrap();
        assert_eq!(unix_nanos(t), AttributeValue::N("1700000000000000001".into()));
        assert_eq!(epoch_seconds(t), n(1_700_000_000));
        assert_eq!(
            epoch_seconds(OffsetDateTime::UNIX_EPOCH - time::Duration::days(1)),
            n(0)
        );
        let item = Item::from([("t".to_owned(), timestamp(t).unwrap()), ("x".to_owned(), n(1))]);
        assert_eq!(Reader::new(&item).opt_timestamp("t").unwrap(), Some(t));
        assert_eq!(Reader::new(&item).opt_timestamp("missing").unwrap(), None);
        assert!(Reader::new(&item).opt_timestamp("x").is_err());
    }

    #[test]
    fn corrupt_attributes_name_the_key_but_not_values() {
        let item = Item::from([
            ("pk".to_owned(), s("USER#u")),
            ("sk".to_owned(), s("PROFILE")),
            ("passwordHash".to_owned(), n(7)),
            ("count".to_owned(), s("secret-ish")),
        ]);
        let r = Reader::new(&item);
        let StoreError::Unavailable(msg) = r.opt_s("passwordHash").unwrap_err() else {
            panic!()
        };
        assert!(msg.contains("USER#u/PROFILE") && msg.contains("passwordHash"));
        let StoreError::Unavailable(msg) = r.u64("count").unwrap_err() else {
            panic!()
        };
        assert!(!msg.contains("secret-ish"));
        assert!(r.bool("missing").is_err());
        assert_eq!(r.opt_s("missing").unwrap(), None);
    }
}

/// Attribute names of every item in the registrations table.
pub mod attr {
    /// Own id of a client, user or channel.
    pub const ID: &str = "id";
    /// Client or channel display name.
    pub const NAME: &str = "name";
    /// Client kind (`confidential` / `public`).
    pub const KIND: &str = "kind";
    /// A client's exact redirect URIs, in registration order.
    pub const REDIRECT_URIS: &str = "redirectUris";
    /// Name of a client's secret.
    pub const SECRET_NAME: &str = "secretName";
    /// Creation time.
    pub const CREATED_AT: &str = "createdAt";
    /// Time of the last change.
    pub const MODIFIED_AT: &str = "modifiedAt";
    /// Optimistic-concurrency version.
    pub const VERSION: &str = "version";
    /// A user's login name.
    pub const LOGIN: &str = "login";
    /// A user's display name.
    pub const USER_NAME: &str = "userName";
    /// A user's profile image.
    pub const PROFILE_THUMBNAIL: &str = "profileThumbnail";
    /// A user's argon2id PHC string.
    pub const PASSWORD_HASH: &str = "passwordHash";
    /// Whether a user is disabled.
    pub const DISABLED: &str = "disabled";
    /// How many channels a user owns; guarded by channel creation and user deletion.
    pub const CHANNEL_COUNT: &str = "channelCount";
    /// The user a login reservation points at.
    pub const USER_ID: &str = "userId";
    /// A channel's owner.
    pub const OWNER: &str = "owner";
    /// A channel's own switch.
    pub const ENABLED: &str = "enabled";
    /// A channel's home page.
    pub const LINK: &str = "link";
    /// A channel's description.
    pub const DESCRIPTION: &str = "description";
    /// A channel's `;`-joined tags.
    pub const TAGS: &str = "tags";
    /// A channel's thumbnail.
    pub const THUMBNAIL_URL: &str = "thumbnailUrl";
    /// A channel's follower count.
    pub const FOLLOWER_COUNT: &str = "followerCount";

    // Broadcasts and streams.

    /// The whole lifecycle record as JSON (a stream's includes its key; never logged).
    pub const DOC: &str = "doc";
    /// The channel of a broadcast or stream (for the channel filter of lists).
    pub const CHANNEL_ID: &str = "channelId";
    /// The stream a broadcast is bound to (for the delete condition).
    pub const BOUND_STREAM_ID: &str = "boundStreamId";
    /// SHA-256 of a stream's key (base64url), the only form a key is looked up by.
    pub const KEY_HASH: &str = "keyHash";
    /// The broadcasts bound to a stream, a JSON array of ids (compared whole in conditions).
    pub const BOUND_BROADCASTS: &str = "boundBroadcasts";
    /// How many broadcasts a stream is bound to (for the shared-ingestion guard of a transition).
    pub const BOUND_COUNT: &str = "boundCount";
    /// A stream's `status.streamStatus` (for the guard of a transition).
    pub const STREAM_STATUS: &str = "streamStatus";

    // PRISM lives.

    /// A live's current broadcast.
    pub const BROADCAST_ID: &str = "broadcastId";
    /// A live's current stream.
    pub const STREAM_ID: &str = "streamId";
    /// Whether PRISM started a live's current broadcast (R9).
    pub const STARTED: &str = "started";
    /// Every broadcast of a live, oldest first (a list of strings).
    pub const BROADCASTS: &str = "broadcasts";
    /// The live a broadcast or stream belongs to.
    pub const LIVE: &str = "live";
    /// The channel link a live shows as `liveLink`.
    pub const CHANNEL_LINK: &str = "channelLink";
    /// A statistics snapshot's time, unix nanoseconds (compared in conditions).
    pub const AT_NANOS: &str = "atNanos";
    /// Cumulative views of a statistics snapshot.
    pub const VIEW_COUNT: &str = "viewCount";
    /// Concurrent viewers of a statistics snapshot.
    pub const VIEWER_COUNT: &str = "viewerCount";
    /// Cumulative likes of a statistics snapshot.
    pub const LIKE_COUNT: &str = "likeCount";
    /// The message count of a live's chat item (written by the chat store).
    pub const COUNT: &str = "count";

    // Tokens table and audit entries.

    /// Hash of a code or refresh token.
    pub const HASH: &str = "hash";
    /// The OAuth client of a code, token, family or audit entry.
    pub const CLIENT_ID: &str = "clientId";
    /// A code's exact redirect URI.
    pub const REDIRECT_URI: &str = "redirectUri";
    /// A code's S256 PKCE challenge.
    pub const CODE_CHALLENGE: &str = "codeChallenge";
    /// Granted scope of a code or token.
    pub const SCOPE: &str = "scope";
    /// The family a code starts or a token belongs to.
    pub const FAMILY_ID: &str = "familyId";
    /// When a code or token was issued.
    pub const ISSUED_AT: &str = "issuedAt";
    /// When a code or token stops working, RFC 3339 (the domain value, read back).
    pub const VALID_UNTIL: &str = "validUntil";
    /// The same instant as [`VALID_UNTIL`] in unix nanoseconds, compared in conditions.
    pub const EXPIRES_AT_NANOS: &str = "expiresAtNanos";
    /// DynamoDB TTL, epoch seconds: when the item may be garbage-collected. Never read for decisions:
    /// TTL deletes up to days late, and it lies after the real expiry by a margin.
    pub const TTL: &str = "expiresAt";
    /// When a code was redeemed.
    pub const REDEEMED_AT: &str = "redeemedAt";
    /// When a refresh token was rotated.
    pub const ROTATED_AT: &str = "rotatedAt";
    /// Hash of a rotated token's successor.
    pub const SUCCESSOR_HASH: &str = "successorHash";
    /// When a family was revoked.
    pub const REVOKED_AT: &str = "revokedAt";
    /// Failed logins counted under a lockout key.
    pub const FAILURES: &str = "failures";
    /// An audit entry's event (wire name).
    pub const EVENT: &str = "event";
    /// The caller's IP address of an audit entry.
    pub const IP: &str = "ip";
    /// An audit entry's secret-free detail.
    pub const DETAIL: &str = "detail";
    /// When an audited event happened.
    pub const AT: &str = "at";
}

pub fn put_opt(item: &mut Item, name: &str, value: Option<&str>) {
    if let Some(v) = value {
        item.insert(name.to_owned(), s(v));
    }
}

/// The version stored in an item, if readable (used to word version conflicts).
pub fn version_of(item: &Item) -> Option<u64> {
    Reader::new(item).u64(attr::VERSION).ok()
}
