//! The storage port of live chat: one chat store behind both faces (PRISM O1–O8 and YouTube's
//! `liveChatMessages`, `liveChatBans`, `liveChatModerators`).
//!
//! A chat is identified by its chat id: the live id for a PRISM live (every broadcast of the live,
//! restarts included, shares it), the broadcast id for a broadcast created through the YouTube API.
//! It holds three kinds of records: the chat's meta ([`ChatMeta`]: owner, channel, current broadcast,
//! moderators, last sequence, message count), its messages (numbered by a per-chat sequence from 1,
//! never reused) and one [`AuthorState`] per author who posted or was banned (ban and rate bucket).
//!
//! Contract (held by `tests/integration/contract/chat.rs` for every adapter):
//! - [`ChatStore::open`] is idempotent: it creates the chat if absent; if present with the same owner
//!   it points the chat at the given broadcast (a restart); another owner's chat is `Conflict`.
//! - [`ChatStore::insert`] is one atomic write of the message, the chat's sequence and count, and the
//!   author's state, conditional on the sequence and the author version the caller read: of
//!   concurrent inserts exactly one wins each sequence number, losers change nothing. A loser whose
//!   author state is unchanged learns the sequence that won ([`Inserted::SequenceTaken`]) and may try
//!   the next one at once, without reading again; any other loss is `Conflict` (read again). So
//!   sequences are dense as written (1, 2, 3 …), and a reader that has seen sequence N never later
//!   finds a new message numbered ≤ N (reads are strongly consistent).
//! - [`ChatStore::list_after`] answers, with the chat's meta, the messages numbered after a cursor,
//!   oldest first, at most `max` — one request on DynamoDB in the usual case (a poll that finds a few
//!   new messages). [`ChatStore::latest`] answers the newest `max`, oldest first.
//! - Deleting a message removes it for good; its number is never reused. Deleting an absent message
//!   is `NotFound`.
//! - Author and moderator writes are conditional on the version read (author version 0: no record
//!   yet); concurrent writes have exactly one winner, the rest `Conflict` and change nothing. A
//!   moderator change never touches the sequence, an insert never the moderators.
//! - A chat that does not exist is `NotFound` for every operation but `open`.

use crate::error::StoreError;
use async_trait::async_trait;
use onair_domain::chat::{Ban, Message, RateState};
use onair_domain::{ChannelId, UserId};
use time::OffsetDateTime;

/// A chat's meta record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMeta {
    /// The chat id (a live id or a broadcast id).
    pub chat_id: String,
    /// The user owning the live or broadcast: the streamer.
    pub owner: UserId,
    /// The channel the chat belongs to.
    pub channel_id: ChannelId,
    /// The broadcast the chat currently follows (a PRISM restart moves it to the new broadcast).
    pub broadcast_id: String,
    /// User ids of the chat's moderators, sorted, without duplicates.
    pub moderators: Vec<String>,
    /// The sequence of the last message posted (0 before the first).
    pub last_sequence: u64,
    /// Messages ever posted (PRISM's `chatCount`); a delete does not lower it.
    pub count: u64,
    /// When the chat was opened.
    pub created_at: OffsetDateTime,
    /// Optimistic-concurrency version of the moderator set and broadcast pointer; 1 on open.
    pub version: u64,
}

impl ChatMeta {
    /// The moderator ids as the domain's rules take them.
    pub fn moderator_refs(&self) -> Vec<&str> {
        self.moderators.iter().map(String::as_str).collect()
    }
}

/// What opening a chat needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatOpen {
    /// The chat id.
    pub chat_id: String,
    /// The owner.
    pub owner: UserId,
    /// The owner's channel.
    pub channel_id: ChannelId,
    /// The broadcast the chat follows from now on.
    pub broadcast_id: String,
    /// Now.
    pub at: OffsetDateTime,
}

/// One author's state in one chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorState {
    /// The author's user id.
    pub author_id: String,
    /// The author's ban, if any (a timed ban that has ended may still be recorded).
    pub ban: Option<Ban>,
    /// The rate-limit bucket (`None` before the first message).
    pub rate: Option<RateState>,
    /// Optimistic-concurrency version; 0 while no record exists.
    pub version: u64,
}

impl AuthorState {
    /// The state of an author with no record yet.
    pub fn new(author_id: &str) -> Self {
        Self {
            author_id: author_id.to_owned(),
            ban: None,
            rate: None,
            version: 0,
        }
    }
}

/// One insert, as decided on what was read.
#[derive(Debug, Clone, Copy)]
pub struct Post<'a> {
    /// The chat id.
    pub chat_id: &'a str,
    /// The chat's last sequence as read; the message must carry this plus one.
    pub read_sequence: u64,
    /// The author's state to store, carrying `expected_author_version + 1`.
    pub author: &'a AuthorState,
    /// The author's version as read (0: no record).
    pub expected_author_version: u64,
    /// The message to store.
    pub message: &'a Message,
}

/// What an insert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    /// The message, the sequence and the author's state are stored.
    Stored,
    /// Nothing was written: another message took the sequence. The author's state was as read, and
    /// the chat's last sequence is now `last_sequence`.
    SequenceTaken {
        /// The chat's last sequence, as the failed write found it.
        last_sequence: u64,
    },
}

/// The id of the message numbered `sequence` in `chat_id`: `{chatId}.{sequence}`. Chat ids are
/// URL-safe base64 (no `.`), so the id names its chat and a face given only a message id (YouTube's
/// `liveChatMessages.delete`) finds it.
pub fn message_id(chat_id: &str, sequence: u64) -> String {
    format!("{chat_id}.{sequence}")
}

/// The chat id and sequence a message id names, if it is one.
pub fn parse_message_id(id: &str) -> Option<(&str, u64)> {
    let (chat, sequence) = id.rsplit_once('.')?;
    if chat.is_empty() || sequence.is_empty() || !sequence.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sequence: u64 = sequence.parse().ok()?;
    // One spelling per message: no leading zeros, no sequence 0.
    (sequence > 0 && message_id(chat, sequence) == id).then_some((chat, sequence))
}

/// The checks both adapters make before an insert.
pub(crate) fn check_post(post: &Post<'_>) -> Result<(), StoreError> {
    let m = post.message;
    if m.chat_id != post.chat_id
        || m.sequence != post.read_sequence.saturating_add(1)
        || m.id != message_id(post.chat_id, m.sequence)
        || m.author_id != post.author.author_id
        || post.author.version != post.expected_author_version.saturating_add(1)
    {
        return Err(StoreError::Conflict(
            "the message must carry the next sequence and its id, the author state the next version".into(),
        ));
    }
    Ok(())
}

/// Live chat storage.
#[async_trait]
pub trait ChatStore: Send + Sync {
    /// Creates the chat, or points the owner's existing chat at `open.broadcast_id`. `Conflict` if the
    /// chat id is another owner's.
    async fn open(&self, open: &ChatOpen) -> Result<ChatMeta, StoreError>;
    /// The chat's meta.
    async fn meta(&self, chat_id: &str) -> Result<ChatMeta, StoreError>;
    /// The chat's meta and one author's state (a fresh [`AuthorState`] if none is stored), in one read.
    async fn author(&self, chat_id: &str, author_id: &str) -> Result<(ChatMeta, AuthorState), StoreError>;
    /// Stores a message with the chat's next sequence and the author's next state (see the contract).
    async fn insert(&self, post: &Post<'_>) -> Result<Inserted, StoreError>;
    /// The chat's meta and the messages numbered after `after`, oldest first, at most `max`.
    async fn list_after(
        &self,
        chat_id: &str,
        after: u64,
        max: usize,
    ) -> Result<(ChatMeta, Vec<Message>), StoreError>;
    /// The chat's meta and its newest `max` messages, oldest first.
    async fn latest(&self, chat_id: &str, max: usize) -> Result<(ChatMeta, Vec<Message>), StoreError>;
    /// One message.
    async fn message(&self, chat_id: &str, sequence: u64) -> Result<Message, StoreError>;
    /// Removes one message; `NotFound` if it is not there (any more).
    async fn delete_message(&self, chat_id: &str, sequence: u64) -> Result<(), StoreError>;
    /// Writes an author's state (a ban or its lifting) if the stored version is `expected_version`
    /// (0: no record yet); `author.version` is the next one.
    async fn set_author(
        &self,
        chat_id: &str,
        author: &AuthorState,
        expected_version: u64,
    ) -> Result<(), StoreError>;
    /// Writes the chat's moderator set if the meta is stored at `expected_version`; `meta.version` is
    /// the next one. Only `moderators` and `version` are written.
    async fn set_moderators(&self, meta: &ChatMeta, expected_version: u64) -> Result<(), StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_ids_name_their_chat_and_sequence_in_one_spelling() {
        assert_eq!(message_id("abc-_9", 12), "abc-_9.12");
        assert_eq!(parse_message_id("abc-_9.12"), Some(("abc-_9", 12)));
        for bad in [
            "abc", "abc.", ".1", "abc.0", "abc.012", "abc.1x", "abc.-1", "abc.+1",
        ] {
            assert_eq!(parse_message_id(bad), None, "{bad}");
        }
    }
}
