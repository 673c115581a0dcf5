//! DynamoDB [`ChatStore`] in the registrations table (layout in `item`).
//!
//! Round trips: `open` is one `UpdateItem` (create-or-repoint in one conditional write); `author` one
//! consistent `BatchGetItem` (meta + author); `insert` one `TransactWriteItems` (meta sequence and
//! count on the sequence read, the message, the author on its version read); `list_after` one
//! consistent `Query` reading the new messages and then the meta item after them (a second `GetItem`
//! only when more than a page of messages is waiting); `latest` a `GetItem` and a `Query` sent
//! together.

pub(crate) mod item;

use super::Context;
use super::attrs::{attr, n, s, timestamp};
use super::batch::{batch_get, get_consistent};
use super::errors::{build_failed, cancelled, unavailable, version_failure, write_failure};
use super::keys::{GSI1PK, GSI1SK, PK, SK};
use super::lives::item::{channel_partition, mirror_list_sk};
use crate::chat_ports::{AuthorState, ChatMeta, ChatOpen, ChatStore, Inserted, Post, check_post};
use crate::error::StoreError;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{
    AttributeValue, Put, ReturnValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use item::{
    CHAT_SK, MSG_PREFIX, author_from, author_item, author_key, chat_key, chat_pk, message_from, message_item,
    message_key, message_sk, meta_from, names, sort_key,
};
use onair_domain::chat::Message;
use std::sync::Arc;

/// Items beyond the messages a cursor query may read to reach `CHAT`: the live's own items that sort
/// before it (`BROADCAST#…` mirrors, one per broadcast of the live). More than that is read with a
/// second request.
const META_READ_AHEAD: usize = 64;

/// Live chats in DynamoDB.
#[derive(Debug, Clone)]
pub struct DynamoChatStore {
    context: Arc<Context>,
}

impl DynamoChatStore {
    pub(super) fn new(context: Arc<Context>) -> Self {
        Self { context }
    }

    async fn get_meta(&self, chat_id: &str) -> Result<ChatMeta, StoreError> {
        let item = get_consistent(&self.context, chat_key(chat_id)).await?;
        item.as_ref()
            .map(meta_from)
            .transpose()?
            .ok_or(StoreError::NotFound)
    }
}

fn limit(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

#[async_trait]
impl ChatStore for DynamoChatStore {
    async fn open(&self, open: &ChatOpen) -> Result<ChatMeta, StoreError> {
        let ctx = &self.context;
        // Create-or-repoint in one write: every attribute but the broadcast keeps its stored value.
        // A PRISM live's chat (its id is the live's, not its broadcast's) is also listed in the
        // channel's lives partition of `gsi1`, beside the live's copies, so R6's one query reads each
        // live's `count` (chatCount). A YouTube broadcast's own chat stays out of that partition.
        let listed = open.chat_id != open.broadcast_id;
        let mut request = ctx
            .client
            .update_item()
            .table_name(&ctx.table)
            .set_key(Some(chat_key(&open.chat_id)))
            .update_expression(
                "SET #id = :id, #owner = if_not_exists(#owner, :owner), \
                 #channel = if_not_exists(#channel, :channel), #broadcast = :broadcast, \
                 #mods = if_not_exists(#mods, :empty), #seq = if_not_exists(#seq, :zero), \
                 #count = if_not_exists(#count, :zero), #created = if_not_exists(#created, :at), \
                 #version = if_not_exists(#version, :zero) + :one",
            )
            .condition_expression("attribute_not_exists(#pk) OR #owner = :owner")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#id", attr::ID)
            .expression_attribute_names("#owner", attr::OWNER)
            .expression_attribute_names("#channel", attr::CHANNEL_ID)
            .expression_attribute_names("#broadcast", attr::BROADCAST_ID)
            .expression_attribute_names("#mods", names::MODERATORS)
            .expression_attribute_names("#seq", names::LAST_SEQUENCE)
            .expression_attribute_names("#count", names::COUNT)
            .expression_attribute_names("#created", attr::CREATED_AT)
            .expression_attribute_names("#version", attr::VERSION)
            .expression_attribute_values(":id", s(&open.chat_id))
            .expression_attribute_values(":owner", s(open.owner.as_str()))
            .expression_attribute_values(":channel", s(open.channel_id.as_str()))
            .expression_attribute_values(":broadcast", s(&open.broadcast_id))
            .expression_attribute_values(":empty", AttributeValue::L(Vec::new()))
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":at", timestamp(open.at)?)
            .return_values(ReturnValue::AllNew);
        if listed {
            let update = "SET #id = :id, #owner = if_not_exists(#owner, :owner), \
                 #channel = if_not_exists(#channel, :channel), #broadcast = :broadcast, \
                 #mods = if_not_exists(#mods, :empty), #seq = if_not_exists(#seq, :zero), \
                 #count = if_not_exists(#count, :zero), #created = if_not_exists(#created, :at), \
                 #version = if_not_exists(#version, :zero) + :one, #gpk = :gpk, #gsk = :gsk";
            request = request
                .update_expression(update)
                .expression_attribute_names("#gpk", GSI1PK)
                .expression_attribute_names("#gsk", GSI1SK)
                .expression_attribute_values(":gpk", s(channel_partition(&open.channel_id)))
                .expression_attribute_values(":gsk", s(mirror_list_sk(&open.chat_id, CHAT_SK)));
        }
        match ctx.send(request.send()).await {
            Ok(output) => output
                .attributes
                .as_ref()
                .map(meta_from)
                .transpose()?
                .ok_or_else(|| StoreError::Unavailable("dynamodb UpdateItem returned no attributes".into())),
            Err(err) => Err(match write_failure("UpdateItem", err) {
                super::errors::WriteFailure::ConditionFailed(_) => {
                    StoreError::Conflict("the chat id is another owner's".into())
                }
                super::errors::WriteFailure::Other(err) => err,
            }),
        }
    }

    async fn meta(&self, chat_id: &str) -> Result<ChatMeta, StoreError> {
        self.get_meta(chat_id).await
    }

    async fn author(&self, chat_id: &str, author_id: &str) -> Result<(ChatMeta, AuthorState), StoreError> {
        let ctx = &self.context;
        let items = batch_get(
            ctx,
            &ctx.table,
            vec![chat_key(chat_id), author_key(chat_id, author_id)],
            None,
        )
        .await?;
        let mut meta = None;
        let mut author = AuthorState::new(author_id);
        for item in &items {
            if sort_key(item) == Some(CHAT_SK) {
                meta = Some(meta_from(item)?);
            } else {
                author = author_from(item)?;
            }
        }
        Ok((meta.ok_or(StoreError::NotFound)?, author))
    }

    async fn insert(&self, post: &Post<'_>) -> Result<Inserted, StoreError> {
        check_post(post)?;
        let ctx = &self.context;
        let meta = Update::builder()
            .table_name(&ctx.table)
            .set_key(Some(chat_key(post.chat_id)))
            .update_expression("SET #seq = :next, #count = #count + :one")
            .condition_expression("attribute_exists(#pk) AND #seq = :read")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#seq", names::LAST_SEQUENCE)
            .expression_attribute_names("#count", names::COUNT)
            .expression_attribute_values(":next", n(post.message.sequence))
            .expression_attribute_values(":read", n(post.read_sequence))
            .expression_attribute_values(":one", n(1))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(build_failed)?;
        let message = Put::builder()
            .table_name(&ctx.table)
            .set_item(Some(message_item(post.message)?))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .build()
            .map_err(build_failed)?;
        let author = Put::builder()
            .table_name(&ctx.table)
            .set_item(Some(author_item(post.chat_id, post.author)));
        let author = if post.expected_author_version == 0 {
            author
                .condition_expression("attribute_not_exists(#pk)")
                .expression_attribute_names("#pk", PK)
        } else {
            author
                .condition_expression("#version = :expected")
                .expression_attribute_names("#version", attr::VERSION)
                .expression_attribute_values(":expected", n(post.expected_author_version))
        };
        let items = vec![
            TransactWriteItem::builder().update(meta).build(),
            TransactWriteItem::builder().put(message).build(),
            TransactWriteItem::builder()
                .put(author.build().map_err(build_failed)?)
                .build(),
        ];
        let request = ctx.client.transact_write_items().set_transact_items(Some(items));
        let Err(err) = ctx.send(request.send()).await else {
            return Ok(Inserted::Stored);
        };
        let cancelled = cancelled("TransactWriteItems", err)?;
        if cancelled.condition_failed(0) && !cancelled.condition_failed(2) {
            // Only the sequence was lost: the old meta says which one won, so the caller can try the
            // next without reading again.
            return match cancelled.old_item(0) {
                None => Err(StoreError::NotFound),
                Some(old) => Ok(Inserted::SequenceTaken {
                    last_sequence: meta_from(old)?.last_sequence,
                }),
            };
        }
        Err(cancelled.conflict_of(&[
            "another message took the sequence",
            "the message number is taken",
            "the author's state changed",
        ]))
    }

    async fn list_after(
        &self,
        chat_id: &str,
        after: u64,
        max: usize,
    ) -> Result<(ChatMeta, Vec<Message>), StoreError> {
        let ctx = &self.context;
        // Ascending from the cursor: the new messages, then the partition's named items, `CHAT` among
        // them. One message more than the page tells whether the meta lies beyond this read.
        let request = ctx
            .client
            .query()
            .table_name(&ctx.table)
            .key_condition_expression("#pk = :pk AND #sk > :from")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":pk", s(chat_pk(chat_id)))
            .expression_attribute_values(":from", s(message_sk(after)))
            .consistent_read(true)
            .limit(limit(max.saturating_add(1).saturating_add(META_READ_AHEAD)));
        let output = ctx
            .send(request.send())
            .await
            .map_err(|e| unavailable("Query", &e))?;
        let mut messages = Vec::new();
        let mut meta = None;
        for item in output.items() {
            match sort_key(item) {
                Some(sk) if sk.starts_with(MSG_PREFIX) => messages.push(message_from(item)?),
                Some(CHAT_SK) => meta = Some(meta_from(item)?),
                _ => {}
            }
        }
        messages.truncate(max);
        let meta = match meta {
            Some(meta) => meta,
            None if output.last_evaluated_key().is_some() => self.get_meta(chat_id).await?,
            None => return Err(StoreError::NotFound),
        };
        Ok((meta, messages))
    }

    async fn latest(&self, chat_id: &str, max: usize) -> Result<(ChatMeta, Vec<Message>), StoreError> {
        let ctx = &self.context;
        let request = ctx
            .client
            .query()
            .table_name(&ctx.table)
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#sk", SK)
            .expression_attribute_values(":pk", s(chat_pk(chat_id)))
            .expression_attribute_values(":prefix", s(MSG_PREFIX))
            .consistent_read(true)
            .scan_index_forward(false)
            .limit(limit(max.max(1)));
        // The meta and the messages are independent reads: sent together, one round trip of latency.
        let (meta, output) = tokio::join!(self.get_meta(chat_id), ctx.send(request.send()));
        let meta = meta?;
        let output = output.map_err(|e| unavailable("Query", &e))?;
        let mut messages = output
            .items()
            .iter()
            .map(message_from)
            .collect::<Result<Vec<_>, _>>()?;
        messages.truncate(max);
        messages.reverse();
        Ok((meta, messages))
    }

    async fn message(&self, chat_id: &str, sequence: u64) -> Result<Message, StoreError> {
        let item = get_consistent(&self.context, message_key(chat_id, sequence)).await?;
        item.as_ref()
            .map(message_from)
            .transpose()?
            .ok_or(StoreError::NotFound)
    }

    async fn delete_message(&self, chat_id: &str, sequence: u64) -> Result<(), StoreError> {
        let ctx = &self.context;
        let request = ctx
            .client
            .delete_item()
            .table_name(&ctx.table)
            .set_key(Some(message_key(chat_id, sequence)))
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", PK);
        match ctx.send(request.send()).await {
            Ok(_) => Ok(()),
            Err(err) => Err(match write_failure("DeleteItem", err) {
                super::errors::WriteFailure::ConditionFailed(_) => StoreError::NotFound,
                super::errors::WriteFailure::Other(err) => err,
            }),
        }
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
        let ctx = &self.context;
        // The chat must exist: the author item is written in a transaction with a check on `CHAT`.
        let check = aws_sdk_dynamodb::types::ConditionCheck::builder()
            .table_name(&ctx.table)
            .set_key(Some(chat_key(chat_id)))
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .build()
            .map_err(build_failed)?;
        let put = Put::builder()
            .table_name(&ctx.table)
            .set_item(Some(author_item(chat_id, author)));
        let put = if expected_version == 0 {
            put.condition_expression("attribute_not_exists(#pk)")
                .expression_attribute_names("#pk", PK)
        } else {
            put.condition_expression("#version = :expected")
                .expression_attribute_names("#version", attr::VERSION)
                .expression_attribute_values(":expected", n(expected_version))
        };
        let items = vec![
            TransactWriteItem::builder().condition_check(check).build(),
            TransactWriteItem::builder()
                .put(put.build().map_err(build_failed)?)
                .build(),
        ];
        let request = ctx.client.transact_write_items().set_transact_items(Some(items));
        let Err(err) = ctx.send(request.send()).await else {
            return Ok(());
        };
        let cancelled = cancelled("TransactWriteItems", err)?;
        if cancelled.condition_failed(0) {
            return Err(StoreError::NotFound);
        }
        Err(cancelled.conflict_of(&["the chat is gone", "the author's state changed"]))
    }

    async fn set_moderators(&self, meta: &ChatMeta, expected_version: u64) -> Result<(), StoreError> {
        if meta.version != expected_version.saturating_add(1) {
            return Err(StoreError::Conflict(
                "the chat must carry the next version".into(),
            ));
        }
        let ctx = &self.context;
        let request = ctx
            .client
            .update_item()
            .table_name(&ctx.table)
            .set_key(Some(chat_key(&meta.chat_id)))
            .update_expression("SET #mods = :mods, #version = :next")
            .condition_expression("attribute_exists(#pk) AND #version = :expected")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#mods", names::MODERATORS)
            .expression_attribute_names("#version", attr::VERSION)
            .expression_attribute_values(
                ":mods",
                AttributeValue::L(meta.moderators.iter().map(s).collect()),
            )
            .expression_attribute_values(":next", n(meta.version))
            .expression_attribute_values(":expected", n(expected_version))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        match ctx.send(request.send()).await {
            Ok(_) => Ok(()),
            Err(err) => Err(version_failure(
                write_failure("UpdateItem", err),
                expected_version,
            )),
        }
    }
}
