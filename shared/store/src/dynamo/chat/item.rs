//! Key layout and item mapping of live chats (registrations table; the layout table is in
//! [`crate::dynamo::keys`]).
//!
//! A chat is one partition, `LIVE#{chatId}`, shared with the PRISM live item (`LIVE`) and the mirror
//! items the live model adds (`BROADCAST#…`, `STREAM#…`, `STATS#…`). Message sort keys start with `#`,
//! which sorts before every letter, so a query for the messages after a cursor reads on, past the last
//! message, into `CHAT`: one request answers the new messages and the meta together.

use crate::chat_ports::{AuthorState, ChatMeta};
use crate::dynamo::attrs::{Item, Reader, attr, n, put_opt, s, timestamp, unix_nanos};
use crate::dynamo::keys::{SK, key};
use crate::dynamo::lives::item::live_pk;
use crate::error::StoreError;
use aws_sdk_dynamodb::types::AttributeValue;
use onair_domain::chat::{Ban, Message, RateState};
use onair_domain::{ChannelId, UserId};
use time::OffsetDateTime;

/// `sk` of a chat's meta item.
pub const CHAT_SK: &str = "CHAT";
/// Prefix of message sort keys.
pub const MSG_PREFIX: &str = "#MSG#";
/// Prefix of author sort keys.
const AUTHOR_PREFIX: &str = "#AUTHOR#";

/// Chat attribute names (beyond the shared glossary in `attrs::attr`).
pub mod names {
    /// The moderators' user ids (a list, sorted).
    pub const MODERATORS: &str = "moderators";
    /// The last sequence handed out.
    pub const LAST_SEQUENCE: &str = "lastSequence";
    /// Messages ever posted: PRISM's `chatCount` (the live model reads this attribute).
    pub const COUNT: &str = "count";
    /// A message's sequence.
    pub const SEQUENCE: &str = "sequence";
    /// A message's chat id.
    pub const CHAT_ID: &str = "chatId";
    /// A message's author id.
    pub const AUTHOR_ID: &str = "authorId";
    /// The author's display name at posting time.
    pub const AUTHOR_NAME: &str = "authorName";
    /// The author's avatar at posting time.
    pub const AUTHOR_THUMBNAIL: &str = "authorThumbnail";
    /// The message text.
    pub const TEXT: &str = "text";
    /// When the message was posted.
    pub const POSTED_AT: &str = "postedAt";
    /// Whether the author is the chat's owner.
    pub const IS_LIVE_OWNER: &str = "isLiveOwner";
    /// `permanent` or `until`.
    pub const BAN: &str = "ban";
    /// End of a timed ban, unix nanoseconds.
    pub const BAN_UNTIL: &str = "banUntilNanos";
    /// Rate-bucket credit, nanoseconds of refill time.
    pub const RATE_CREDIT: &str = "rateCreditNanos";
    /// When the rate bucket was last computed, unix nanoseconds.
    pub const RATE_AT: &str = "rateAtNanos";
}

/// Digits of a zero-padded sequence in a message's sort key (every u64 fits).
const SEQUENCE_DIGITS: usize = 20;

/// `pk` of a chat.
pub fn chat_pk(chat_id: &str) -> String {
    live_pk(chat_id)
}

/// `sk` of the message numbered `sequence`.
pub fn message_sk(sequence: u64) -> String {
    format!("{MSG_PREFIX}{sequence:0SEQUENCE_DIGITS$}")
}

/// Key of a chat's meta item.
pub fn chat_key(chat_id: &str) -> Item {
    key(chat_pk(chat_id), CHAT_SK)
}

/// Key of a message.
pub fn message_key(chat_id: &str, sequence: u64) -> Item {
    key(chat_pk(chat_id), &message_sk(sequence))
}

/// Key of an author's state.
pub fn author_key(chat_id: &str, author_id: &str) -> Item {
    key(chat_pk(chat_id), &format!("{AUTHOR_PREFIX}{author_id}"))
}

/// The sort key of an item, if it has one.
pub fn sort_key(item: &Item) -> Option<&str> {
    match item.get(SK) {
        Some(AttributeValue::S(sk)) => Some(sk),
        _ => None,
    }
}

/// A chat's meta read back from its item.
pub fn meta_from(item: &Item) -> Result<ChatMeta, StoreError> {
    let r = Reader::new(item);
    Ok(ChatMeta {
        chat_id: r.s(attr::ID)?.to_owned(),
        owner: r.parsed(attr::OWNER, UserId::parse)?,
        channel_id: r.parsed(attr::CHANNEL_ID, ChannelId::parse)?,
        broadcast_id: r.s(attr::BROADCAST_ID)?.to_owned(),
        moderators: r.strings(names::MODERATORS)?,
        last_sequence: r.u64(names::LAST_SEQUENCE)?,
        count: r.u64(names::COUNT)?,
        created_at: r.timestamp(attr::CREATED_AT)?,
        version: r.u64(attr::VERSION)?,
    })
}

/// The item of a message.
pub fn message_item(m: &Message) -> Result<Item, StoreError> {
    let mut item = message_key(&m.chat_id, m.sequence);
    item.insert(attr::ID.to_owned(), s(&m.id));
    item.insert(names::CHAT_ID.to_owned(), s(&m.chat_id));
    item.insert(names::AUTHOR_ID.to_owned(), s(&m.author_id));
    item.insert(names::AUTHOR_NAME.to_owned(), s(&m.author_name));
    put_opt(&mut item, names::AUTHOR_THUMBNAIL, m.author_thumbnail.as_deref());
    item.insert(names::TEXT.to_owned(), s(&m.text));
    item.insert(names::POSTED_AT.to_owned(), timestamp(m.posted_at)?);
    item.insert(names::SEQUENCE.to_owned(), n(m.sequence));
    item.insert(
        names::IS_LIVE_OWNER.to_owned(),
        AttributeValue::Bool(m.is_live_owner),
    );
    Ok(item)
}

/// A message read back from its item.
pub fn message_from(item: &Item) -> Result<Message, StoreError> {
    let r = Reader::new(item);
    Ok(Message {
        id: r.s(attr::ID)?.to_owned(),
        chat_id: r.s(names::CHAT_ID)?.to_owned(),
        author_id: r.s(names::AUTHOR_ID)?.to_owned(),
        author_name: r.s(names::AUTHOR_NAME)?.to_owned(),
        author_thumbnail: r.opt_s(names::AUTHOR_THUMBNAIL)?.map(str::to_owned),
        text: r.s(names::TEXT)?.to_owned(),
        posted_at: r.timestamp(names::POSTED_AT)?,
        sequence: r.u64(names::SEQUENCE)?,
        is_live_owner: r.bool(names::IS_LIVE_OWNER)?,
    })
}

fn nanos_of(item: &Item, name: &str) -> Result<OffsetDateTime, StoreError> {
    let nanos = match item.get(name) {
        Some(AttributeValue::N(text)) => text.parse::<i128>().ok(),
        _ => None,
    };
    nanos
        .and_then(|nanos| OffsetDateTime::from_unix_timestamp_nanos(nanos).ok())
        .ok_or_else(|| Reader::new(item).corrupt(name))
}

/// The item of an author's state.
pub fn author_item(chat_id: &str, a: &AuthorState) -> Item {
    let mut item = author_key(chat_id, &a.author_id);
    item.insert(names::AUTHOR_ID.to_owned(), s(&a.author_id));
    match a.ban {
        None => {}
        Some(Ban::Permanent) => {
            item.insert(names::BAN.to_owned(), s("permanent"));
        }
        Some(Ban::Until(until)) => {
            item.insert(names::BAN.to_owned(), s("until"));
            item.insert(names::BAN_UNTIL.to_owned(), unix_nanos(until));
        }
    }
    if let Some(rate) = a.rate {
        item.insert(names::RATE_CREDIT.to_owned(), n(rate.credit_nanos));
        item.insert(names::RATE_AT.to_owned(), unix_nanos(rate.updated_at));
    }
    item.insert(attr::VERSION.to_owned(), n(a.version));
    item
}

/// An author's state read back from its item.
pub fn author_from(item: &Item) -> Result<AuthorState, StoreError> {
    let r = Reader::new(item);
    let ban = match r.opt_s(names::BAN)? {
        None => None,
        Some("permanent") => Some(Ban::Permanent),
        Some("until") => Some(Ban::Until(nanos_of(item, names::BAN_UNTIL)?)),
        Some(_) => return Err(r.corrupt(names::BAN)),
    };
    let rate = match item.contains_key(names::RATE_CREDIT) {
        false => None,
        true => Some(RateState {
            credit_nanos: r.u64(names::RATE_CREDIT)?,
            updated_at: nanos_of(item, names::RATE_AT)?,
        }),
    };
    Ok(AuthorState {
        author_id: r.s(names::AUTHOR_ID)?.to_owned(),
        ban,
        rate,
        version: r.u64(attr::VERSION)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_and_authors_round_trip_and_keys_sort_as_designed() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789).unwrap();
        let m = Message {
            id: "c1.7".into(),
            chat_id: "c1".into(),
            author_id: "u1".into(),
            author_name: "Viewer".into(),
            author_thumbnail: Some("https://x/a.png".into()),
            text: "<b>hi</b>".into(),
            posted_at: t,
            sequence: 7,
            is_live_owner: true,
        };
        assert_eq!(message_from(&message_item(&m).unwrap()).unwrap(), m);
        for ban in [None, Some(Ban::Permanent), Some(Ban::Until(t))] {
            let a = AuthorState {
                author_id: "u1".into(),
                ban,
                rate: Some(RateState {
                    credit_nanos: 5,
                    updated_at: t,
                }),
                version: 3,
            };
            assert_eq!(author_from(&author_item("c1", &a)).unwrap(), a);
        }
        assert_eq!(message_sk(7), "#MSG#00000000000000000007");
        // Messages sort after authors and before every item named by a word (CHAT, LIVE, …).
        assert!("#AUTHOR#zz" < message_sk(0).as_str());
        assert!(message_sk(u64::MAX).as_str() < "BROADCAST#a");
        assert!(message_sk(u64::MAX).as_str() < CHAT_SK);
    }
}
