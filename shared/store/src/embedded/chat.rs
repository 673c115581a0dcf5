//! Embedded [`ChatStore`]: every chat in memory under the store's one lock, so each operation checks
//! its conditions and writes as one atomic step, like the DynamoDB transaction it mirrors.

use super::{EmbeddedStore, check_version};
use crate::StoreError;
use crate::chat_ports::{AuthorState, ChatMeta, ChatOpen, ChatStore, Inserted, Post, check_post};
use async_trait::async_trait;
use onair_domain::chat::Message;
use std::collections::{BTreeMap, HashMap};

/// One chat as the embedded store keeps it. `meta.count` is PRISM's `chatCount`, which the embedded
/// live read model reads beside the live (the DynamoDB one reads the `count` of the `CHAT` item).
#[derive(Debug, Clone)]
pub(super) struct EmbeddedChat {
    pub(super) meta: ChatMeta,
    messages: BTreeMap<u64, Message>,
    authors: HashMap<String, AuthorState>,
}

fn chat<'a>(chats: &'a HashMap<String, EmbeddedChat>, id: &str) -> Result<&'a EmbeddedChat, StoreError> {
    chats.get(id).ok_or(StoreError::NotFound)
}

fn chat_mut<'a>(
    chats: &'a mut HashMap<String, EmbeddedChat>,
    id: &str,
) -> Result<&'a mut EmbeddedChat, StoreError> {
    chats.get_mut(id).ok_or(StoreError::NotFound)
}

#[async_trait]
impl ChatStore for EmbeddedStore {
    async fn open(&self, open: &ChatOpen) -> Result<ChatMeta, StoreError> {
        let mut state = self.lock();
        if let Some(existing) = state.chats.get_mut(&open.chat_id) {
            if existing.meta.owner != open.owner {
                return Err(StoreError::Conflict("the chat id is another owner's".into()));
            }
            if existing.meta.broadcast_id != open.broadcast_id {
                existing.meta.broadcast_id = open.broadcast_id.clone();
                existing.meta.version = existing.meta.version.saturating_add(1);
            }
            return Ok(existing.meta.clone());
        }
        let meta = ChatMeta {
            chat_id: open.chat_id.clone(),
            owner: open.owner.clone(),
            channel_id: open.channel_id.clone(),
            broadcast_id: open.broadcast_id.clone(),
            moderators: Vec::new(),
            last_sequence: 0,
            count: 0,
            created_at: open.at,
            version: 1,
        };
        state.chats.insert(
            open.chat_id.clone(),
            EmbeddedChat {
                meta: meta.clone(),
                messages: BTreeMap::new(),
                authors: HashMap::new(),
            },
        );
        Ok(meta)
    }

    async fn meta(&self, chat_id: &str) -> Result<ChatMeta, StoreError> {
        Ok(chat(&self.lock().chats, chat_id)?.meta.clone())
    }

    async fn author(&self, chat_id: &str, author_id: &str) -> Result<(ChatMeta, AuthorState), StoreError> {
        let state = self.lock();
        let chat = chat(&state.chats, chat_id)?;
        let author = chat
            .authors
            .get(author_id)
            .cloned()
            .unwrap_or_else(|| AuthorState::new(author_id));
        Ok((chat.meta.clone(), author))
    }

    async fn insert(&self, post: &Post<'_>) -> Result<Inserted, StoreError> {
        check_post(post)?;
        let mut state = self.lock();
        let chat = chat_mut(&mut state.chats, post.chat_id)?;
        let stored_author = chat.authors.get(&post.author.author_id).map_or(0, |a| a.version);
        check_version(stored_author, post.expected_author_version)?;
        if chat.meta.last_sequence != post.read_sequence {
            return Ok(Inserted::SequenceTaken {
                last_sequence: chat.meta.last_sequence,
            });
        }
        chat.meta.last_sequence = post.message.sequence;
        chat.meta.count = chat.meta.count.saturating_add(1);
        chat.messages.insert(post.message.sequence, post.message.clone());
        chat.authors
            .insert(post.author.author_id.clone(), post.author.clone());
        Ok(Inserted::Stored)
    }

    async fn list_after(
        &self,
        chat_id: &str,
        after: u64,
        max: usize,
    ) -> Result<(ChatMeta, Vec<Message>), StoreError> {
        let state = self.lock();
        let chat = chat(&state.chats, chat_id)?;
        let messages = chat
            .messages
            .range(after.saturating_add(1)..)
            .take(max)
            .map(|(_, m)| m.clone())
            .collect();
        Ok((chat.meta.clone(), messages))
    }

    async fn latest(&self, chat_id: &str, max: usize) -> Result<(ChatMeta, Vec<Message>), StoreError> {
        let state = self.lock();
        let chat = chat(&state.chats, chat_id)?;
        let mut messages: Vec<Message> = chat.messages.values().rev().take(max).cloned().collect();
        messages.reverse();
        Ok((chat.meta.clone(), messages))
    }

    async fn message(&self, chat_id: &str, sequence: u64) -> Result<Message, StoreError> {
        let state = self.lock();
        chat(&state.chats, chat_id)?
            .messages
            .get(&sequence)
            .cloned()
            .ok_or(StoreError::NotFound)
    }

    async fn delete_message(&self, chat_id: &str, sequence: u64) -> Result<(), StoreError> {
        let mut state = self.lock();
        chat_mut(&mut state.chats, chat_id)?
            .messages
            .remove(&sequence)
            .map(|_| ())
            .ok_or(StoreError::NotFound)
    }

    async fn set_author(
        &self,
        chat_id: &str,
        author: &AuthorState,
        expected_version: u64,
    ) -> Result<(), StoreError> {
        if author.version != expected_version.saturating_add(1) {
            return Err(StoreError::Conflict(
                "the author state must carry the next version".into(),
            ));
        }
        let mut state = self.lock();
        let chat = chat_mut(&mut state.chats, chat_id)?;
        let stored = chat.authors.get(&author.author_id).map_or(0, |a| a.version);
        check_version(stored, expected_version)?;
        chat.authors.insert(author.author_id.clone(), author.clone());
        Ok(())
    }

    async fn set_moderators(&self, meta: &ChatMeta, expected_version: u64) -> Result<(), StoreError> {
        if meta.version != expected_version.saturating_add(1) {
            return Err(StoreError::Conflict(
                "the chat must carry the next version".into(),
            ));
        }
        let mut state = self.lock();
        let chat = chat_mut(&mut state.chats, &meta.chat_id)?;
        check_version(chat.meta.version, expected_version)?;
        chat.meta.moderators = meta.moderators.clone();
        chat.meta.version = meta.version;
        Ok(())
    }
}
