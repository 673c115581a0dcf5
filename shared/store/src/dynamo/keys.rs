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
//! The broadcast lifecycle (adapters in `lifecycle`) adds, with no schema change:
//!
//! | item                   | `pk`                 | `sk`         | `gsi1pk`                  | `gsi1sk`                 |
//! |------------------------|----------------------|--------------|---------------------------|--------------------------|
//! | broadcast              | `BROADCAST#{id}`     | `BROADCAST`  | `OWNER#{owner}#BROADCASTS` | `{published nanos}#{id}` |
//! | stream                 | `STREAM#{id}`        | `STREAM`     | `OWNER#{owner}#STREAMS`   | `{published nanos}#{id}` |
//! | stream-key reservation | `STREAMKEY#{hash}`   | `STREAMKEY`  |                           |                          |
//!
//! PRISM lives add one partition per live, `LIVE#{liveId}`, with no schema change:
//!
//! | item                  | `pk`            | `sk`                  | `gsi1pk`                  | `gsi1sk`                                |
//! |-----------------------|-----------------|-----------------------|---------------------------|-----------------------------------------|
//! | chat message / author | `LIVE#{liveId}` | `#MSG#{seq:020}`, `#AUTHOR#{id}` | (chat store's)  |                                         |
//! | live                  | `LIVE#{liveId}` | `LIVE`                | `CHANNEL#{channel}#LIVES` | `{modified nanos}#{created nanos}#{id}` |
//! | chat meta             | `LIVE#{liveId}` | `CHAT`                | (chat store's)            |                                         |
//! | broadcast copy        | `LIVE#{liveId}` | `BROADCAST#{id}`      | `CHANNEL#{channel}#LIVES` | `MIRROR#{liveId}#BROADCAST#{id}`        |
//! | stream copy           | `LIVE#{liveId}` | `STREAM#{id}`         | `CHANNEL#{channel}#LIVES` | `MIRROR#{liveId}#STREAM#{id}`           |
//! | statistics            | `LIVE#{liveId}` | `STATS#{broadcastId}` | `CHANNEL#{channel}#LIVES` | `MIRROR#{liveId}#STATS#{broadcastId}`   |
//!
//! Sort keys starting with `#` belong to chat and are never read by the live read model: everything
//! else of a live is `pk = LIVE#{id} AND sk > "$"` (`#` is 0x23, `$` 0x24, capitals above), one
//! `Query` for R7. The broadcast and stream copies are full copies of their items, written by the
//! lifecycle adapter in the same transaction as the record whenever the record belongs to a live
//! (its `live` attribute), and deleted with it, like the stream-key reservation below; the channel's
//! lives partition of `gsi1` lists the lives with their copies and statistics, one `Query` for R6.
//!
//! Broadcasts and streams live under their own id, not in the owner's partition: an owner may have
//! thousands, and the user partition is read whole for the channel list. The owner is an attribute,
//! checked on every read and in every write condition. Each owner's list is its own `gsi1` partition
//! (one per owner and kind), so listing never concentrates on one key as the `CLIENTS` list does. The
//! key reservation, keyed by the SHA-256 of the stream key (never the key), is a full copy of the
//! stream item written in every transaction that writes the stream: it makes keys unique and lets the
//! ingest hook read a stream by key hash in one `GetItem`. The key itself is inside the stream's
//! record (`doc`), because YouTube shows it again on every `liveStreams.list` with `part=cdn`; it is
//! never part of a key, an index, an error or a log line.
//!
//! Content ID adds one partition per content owner, `CONTENTOWNER#{id}`, with no schema change
//! (adapter in `content_id`):
//!
//! | item            | `pk`                 | `sk`           | attributes                                    |
//! |-----------------|----------------------|----------------|-----------------------------------------------|
//! | asset           | `CONTENTOWNER#{id}`  | `ASSET#{id}`   | `doc` (asset, ownership, match policy), `version` |
//! | content owner   | `CONTENTOWNER#{id}`  | `OWNER`        | `doc`, `version`, `channels` (map channel → user) |
//! | policy          | `CONTENTOWNER#{id}`  | `POLICY#{id}`  | `doc` (with `timeUpdated`), `version`         |
//!
//! A get reads the owner item with the records it needs (one `BatchGetItem`), `policies.list` is one
//! `Query` (`sk BETWEEN "OWNER" AND "POLICY#…"`), and a write is one transaction whose condition
//! check on the owner item requires the entitling link (`channels.{channel} = user`) still to be there.
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
//! | idempotency record     | `IDEM#{owner}#{operation}#{Idempotency-Key}` |

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
