//! Key layout and item mapping of broadcasts, streams and stream-key reservations (registrations
//! table; the layout table is in [`crate::dynamo::keys`]).
//!
//! The record itself is stored as one JSON document (`doc`, the domain type's serde form with the
//! discovery document's names): the lifecycle records are deep, change shape with the API, and are
//! always read and written whole under a version condition, so nothing is gained by one attribute per
//! field. What conditions, keys and filters need is copied beside it as plain attributes.

use crate::dynamo::attrs::{Item, Reader, attr, n, s};
use crate::dynamo::keys::{self, MAX_SORT_NANOS, NANOS_DIGITS, key};
use crate::dynamo::lives::item::{channel_partition, live_pk, mirror_list_sk};
use crate::error::StoreError;
use crate::{StoredBroadcast, StoredStream};
use onair_domain::UserId;
use time::OffsetDateTime;

const BROADCAST_PREFIX: &str = "BROADCAST#";
/// `sk` of a broadcast item.
pub const BROADCAST_SK: &str = "BROADCAST";
const STREAM_PREFIX: &str = "STREAM#";
/// `sk` of a stream item.
pub const STREAM_SK: &str = "STREAM";
const STREAM_KEY_PREFIX: &str = "STREAMKEY#";
/// `sk` of a stream-key reservation.
pub const STREAM_KEY_SK: &str = "STREAMKEY";

/// Which of the two listed kinds an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A liveBroadcast.
    Broadcast,
    /// A liveStream.
    Stream,
}

impl Kind {
    fn prefix(self) -> &'static str {
        match self {
            Self::Broadcast => BROADCAST_PREFIX,
            Self::Stream => STREAM_PREFIX,
        }
    }

    /// The fixed `sk` of the kind's items.
    pub fn sk(self) -> &'static str {
        match self {
            Self::Broadcast => BROADCAST_SK,
            Self::Stream => STREAM_SK,
        }
    }

    /// `pk` of the item with this id.
    pub fn pk(self, id: &str) -> String {
        format!("{}{id}", self.prefix())
    }

    /// The id in a `pk` of this kind.
    pub fn id_of_pk(self, pk: &str) -> Option<&str> {
        pk.strip_prefix(self.prefix()).filter(|id| !id.is_empty())
    }

    /// Primary key of the item with this id.
    pub fn key(self, id: &str) -> Item {
        key(self.pk(id), self.sk())
    }

    /// `gsi1pk` of an owner's list of this kind: one partition per owner and kind, so no list is hot.
    pub fn owner_partition(self, owner: &UserId) -> String {
        match self {
            Self::Broadcast => format!("OWNER#{owner}#BROADCASTS"),
            Self::Stream => format!("OWNER#{owner}#STREAMS"),
        }
    }
}

/// `gsi1sk`: publication time then id, so the index sorts by (published, id). Times before 1970
/// sort as 1970 (ties then break by id).
pub fn list_sk(published_at: OffsetDateTime, id: &str) -> String {
    let nanos = published_at.unix_timestamp_nanos().clamp(0, MAX_SORT_NANOS);
    format!("{nanos:0width$}#{id}", width = NANOS_DIGITS)
}

/// Whether `sk` is exactly a `gsi1sk` for `id`.
pub fn is_list_sk(sk: &str, id: &str) -> bool {
    sk.split_once('#').is_some_and(|(nanos, rest)| {
        nanos.len() == NANOS_DIGITS && nanos.bytes().all(|b| b.is_ascii_digit()) && rest == id
    })
}

/// `pk` of the reservation of a stream key hash.
pub fn stream_key_pk(hash: &str) -> String {
    format!("{STREAM_KEY_PREFIX}{hash}")
}

/// Primary key of a stream-key reservation.
pub fn stream_key_key(hash: &str) -> Item {
    key(stream_key_pk(hash), STREAM_KEY_SK)
}

fn doc<T: serde::Serialize>(record: &T) -> Result<String, StoreError> {
    serde_json::to_string(record).map_err(|e| StoreError::Unavailable(format!("encoding record: {e}")))
}

fn from_doc<T: serde::de::DeserializeOwned>(r: &Reader<'_>) -> Result<T, StoreError> {
    serde_json::from_str(r.s(attr::DOC)?).map_err(|_| r.corrupt(attr::DOC))
}

/// How a broadcast id appears inside the stored bound-broadcast list (a JSON string), so a
/// `contains` condition matches that id exactly and never a longer id it is a prefix of.
pub fn bound_entry(broadcast_id: &str) -> Result<String, StoreError> {
    doc(&broadcast_id)
}

/// The bound-broadcast list as stored: a JSON array, so a condition can compare it whole.
pub fn bound_text(bound: &[String]) -> Result<String, StoreError> {
    doc(&bound)
}

/// The item of a broadcast.
pub fn broadcast_item(b: &StoredBroadcast) -> Result<Item, StoreError> {
    let id = b.broadcast.id.as_str();
    let mut item = Kind::Broadcast.key(id);
    item.insert(
        keys::GSI1PK.to_owned(),
        s(Kind::Broadcast.owner_partition(&b.owner)),
    );
    item.insert(
        keys::GSI1SK.to_owned(),
        s(list_sk(b.broadcast.snippet.published_at, id)),
    );
    item.insert(attr::ID.to_owned(), s(id));
    item.insert(attr::OWNER.to_owned(), s(b.owner.as_str()));
    item.insert(attr::CHANNEL_ID.to_owned(), s(b.broadcast.channel_id().as_str()));
    if let Some(stream) = b.broadcast.bound_stream_id() {
        item.insert(attr::BOUND_STREAM_ID.to_owned(), s(stream));
    }
    item.insert(attr::VERSION.to_owned(), n(b.version));
    item.insert(attr::DOC.to_owned(), s(doc(&b.broadcast)?));
    if let Some(live) = &b.live {
        item.insert(attr::LIVE.to_owned(), s(live));
    }
    Ok(item)
}

/// Moves a copy of an item into its live's partition: `pk = LIVE#{live}`, `sk = {kind}#{id}`, listed
/// in the channel's lives partition of `gsi1` (so R6's one query returns it with the live).
fn into_mirror(mut item: Item, live: &str, kind: Kind, id: &str, channel: &onair_domain::ChannelId) -> Item {
    let sk = kind.pk(id);
    item.insert(keys::PK.to_owned(), s(live_pk(live)));
    item.insert(keys::GSI1PK.to_owned(), s(channel_partition(channel)));
    item.insert(keys::GSI1SK.to_owned(), s(mirror_list_sk(live, &sk)));
    item.insert(keys::SK.to_owned(), s(sk));
    item
}

/// Primary key of the live's copy of a broadcast or stream.
pub fn mirror_key(live: &str, kind: Kind, id: &str) -> Item {
    key(live_pk(live), &kind.pk(id))
}

/// The live's copy of a broadcast (`None` for a broadcast of no live): a full copy of the item,
/// written in every write of the broadcast.
pub fn broadcast_mirror(b: &StoredBroadcast) -> Result<Option<Item>, StoreError> {
    let Some(live) = &b.live else {
        return Ok(None);
    };
    let id = b.broadcast.id.as_str();
    let item = broadcast_item(b)?;
    Ok(Some(into_mirror(
        item,
        live,
        Kind::Broadcast,
        id,
        b.broadcast.channel_id(),
    )))
}

/// The live's copy of a stream (`None` for a stream of no live), as [`broadcast_mirror`].
pub fn stream_mirror(st: &StoredStream) -> Result<Option<Item>, StoreError> {
    let Some(live) = &st.live else {
        return Ok(None);
    };
    let id = st.stream.id.as_str();
    let item = stream_item(st)?;
    Ok(Some(into_mirror(
        item,
        live,
        Kind::Stream,
        id,
        st.stream.channel_id(),
    )))
}

/// A broadcast read back from its item.
pub fn broadcast_from(item: &Item) -> Result<StoredBroadcast, StoreError> {
    let r = Reader::new(item);
    Ok(StoredBroadcast {
        owner: r.parsed(attr::OWNER, UserId::parse)?,
        broadcast: from_doc(&r)?,
        version: r.u64(attr::VERSION)?,
        live: r.opt_s(attr::LIVE)?.map(str::to_owned),
    })
}

fn stream_attrs(item: &mut Item, st: &StoredStream) -> Result<(), StoreError> {
    item.insert(attr::ID.to_owned(), s(st.stream.id.as_str()));
    item.insert(attr::OWNER.to_owned(), s(st.owner.as_str()));
    item.insert(attr::CHANNEL_ID.to_owned(), s(st.stream.channel_id().as_str()));
    item.insert(attr::KEY_HASH.to_owned(), s(st.key_hash()));
    item.insert(
        attr::BOUND_BROADCASTS.to_owned(),
        s(bound_text(&st.bound_broadcasts)?),
    );
    item.insert(
        attr::BOUND_COUNT.to_owned(),
        n(u64::try_from(st.bound_broadcasts.len()).unwrap_or(u64::MAX)),
    );
    item.insert(
        attr::STREAM_STATUS.to_owned(),
        s(st.stream.stream_status().as_str()),
    );
    item.insert(attr::VERSION.to_owned(), n(st.version));
    item.insert(attr::DOC.to_owned(), s(doc(&st.stream)?));
    if let Some(live) = &st.live {
        item.insert(attr::LIVE.to_owned(), s(live));
    }
    Ok(())
}

/// The item of a stream (listed through `gsi1`).
pub fn stream_item(st: &StoredStream) -> Result<Item, StoreError> {
    let id = st.stream.id.as_str();
    let mut item = Kind::Stream.key(id);
    item.insert(
        keys::GSI1PK.to_owned(),
        s(Kind::Stream.owner_partition(&st.owner)),
    );
    item.insert(
        keys::GSI1SK.to_owned(),
        s(list_sk(st.stream.snippet.published_at, id)),
    );
    stream_attrs(&mut item, st)?;
    Ok(item)
}

/// The reservation of a stream's key hash: a full copy of the stream item (without index keys, so
/// lists never see it), rewritten in every transaction that writes the stream, so the ingest hook
/// reads a stream by key hash in one `GetItem`.
pub fn stream_key_item(st: &StoredStream) -> Result<Item, StoreError> {
    let mut item = stream_key_key(&st.key_hash());
    stream_attrs(&mut item, st)?;
    Ok(item)
}

/// A stream read back from its item or its key reservation.
pub fn stream_from(item: &Item) -> Result<StoredStream, StoreError> {
    let r = Reader::new(item);
    let bound: Vec<String> =
        serde_json::from_str(r.s(attr::BOUND_BROADCASTS)?).map_err(|_| r.corrupt(attr::BOUND_BROADCASTS))?;
    Ok(StoredStream {
        owner: r.parsed(attr::OWNER, UserId::parse)?,
        stream: from_doc(&r)?,
        version: r.u64(attr::VERSION)?,
        bound_broadcasts: bound,
        live: r.opt_s(attr::LIVE)?.map(str::to_owned),
    })
}

/// The owner named in an item, if readable (to tell "another user's" from "moved on").
pub fn owner_of(item: &Item) -> Option<&str> {
    Reader::new(item).s(attr::OWNER).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_layout() {
        let u = UserId::parse("u1").unwrap();
        assert_eq!(Kind::Broadcast.pk("b1"), "BROADCAST#b1");
        assert_eq!(Kind::Stream.pk("s1"), "STREAM#s1");
        assert_eq!(Kind::Broadcast.owner_partition(&u), "OWNER#u1#BROADCASTS");
        assert_eq!(Kind::Stream.owner_partition(&u), "OWNER#u1#STREAMS");
        assert_eq!(Kind::Stream.id_of_pk("STREAM#s1"), Some("s1"));
        assert_eq!(Kind::Stream.id_of_pk("BROADCAST#s1"), None);
        assert_eq!(Kind::Stream.id_of_pk("STREAM#"), None);
        assert_eq!(stream_key_pk("h"), "STREAMKEY#h");
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789).unwrap();
        assert_eq!(list_sk(t, "a"), "01700000000123456789#a");
        assert!(is_list_sk(&list_sk(t, "a"), "a"));
        assert!(!is_list_sk(&list_sk(t, "a"), "b"));
        assert!(!is_list_sk("12#a", "a"));
    }
}
