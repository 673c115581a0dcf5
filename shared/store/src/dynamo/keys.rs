//! The key layout of both tables, written down once, and the key primitives every entity shares.
//!
//! Each entity builds its own keys by typed functions in its `item` module, beside its adapter
//! (`clients::item`, `users::item`, …), so a user id can never end up in a client key. Layout:
//!
//! | item              | `pk`              | `sk`            | `gsi1pk`  | `gsi1sk`              |
//! |-------------------|-------------------|-----------------|-----------|-----------------------|
//! | client            | `CLIENT#{id}`     | `CLIENT`        | `CLIENTS` | `{created nanos}#{id}` |
//! | user profile      | `USER#{id}`       | `PROFILE`       |           |                       |
//! | login reservation | `LOGIN#{login}`   | `LOGIN`         |           |                       |
//! | channel           | `USER#{owner}`    | `CHANNEL#{id}`  |           |                       |
//!
//! Channels share their owner's partition so one query reads a user with all their channels.
//!
//! The registrations table also keeps the audit trail, one partition per UTC day:
//!
//! | item        | `pk`                  | `sk`                                   |
//! |-------------|-----------------------|----------------------------------------|
//! | audit entry | `AUDIT#{YYYY-MM-DD}`  | `{unix nanos, 20 digits}#{entry id}`   |
//!
//! A day partition takes roughly 1,000 writes per second before DynamoDB throttles it (adaptive capacity
//! splits hot partitions further, but that is not something to design on). Audit entries are written
//! for logins, code and token events of one platform's streamers, orders of magnitude below that. One
//! constant partition would be simpler to list but would hold every entry forever and make one key hot
//! for all time; a partition per entry would not list by day at all. The day is also the unit an
//! operator reads ("what happened on the 3rd") and the sort key lists it newest first.
//!
//! The tokens table (hash key `pk` only; every item carries the TTL attribute) holds the short-lived
//! OAuth state, each item addressed by a hash or id, never by the secret itself:
//!
//! | item                   | `pk`            |
//! |------------------------|-----------------|
//! | authorization code     | `CODE#{hash}`   |
//! | refresh token          | `RT#{hash}`     |
//! | token family           | `FAM#{id}`      |
//! | failed-login counter   | `LOCK#{key}`    |

use super::attrs::Item;
use aws_sdk_dynamodb::types::AttributeValue;

/// Partition key attribute.
pub const PK: &str = "pk";

/// Sort key attribute.
pub const SK: &str = "sk";

/// Partition key of `gsi1`.
pub const GSI1PK: &str = "gsi1pk";

/// Sort key of `gsi1`.
pub const GSI1SK: &str = "gsi1sk";

/// The index listing clients.
pub const GSI1: &str = "gsi1";

/// Digits of the zero-padded creation time in a client's `gsi1sk` (covers every u64).
pub(crate) const NANOS_DIGITS: usize = 20;

/// Largest value that fits in [`NANOS_DIGITS`] digits.
pub(crate) const MAX_SORT_NANOS: i128 = 99_999_999_999_999_999_999;

pub(crate) fn key(pk: String, sk: &str) -> Item {
    Item::from([
        (PK.to_owned(), AttributeValue::S(pk)),
        (SK.to_owned(), AttributeValue::S(sk.to_owned())),
    ])
}

pub(crate) fn hash_key(pk: String) -> Item {
    Item::from([(PK.to_owned(), AttributeValue::S(pk))])
}
