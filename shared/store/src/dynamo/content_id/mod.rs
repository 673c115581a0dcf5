//! DynamoDB adapter of the Content ID port (registrations table).
//!
//! One partition per content owner, `pk = CONTENTOWNER#{id}`:
//!
//! | item            | `sk`           | attributes                                              |
//! |-----------------|----------------|---------------------------------------------------------|
//! | the owner       | `OWNER`        | `doc` (JSON), `version`, `channels` (map channel → user) |
//! | an asset        | `ASSET#{id}`   | `doc` (asset + ownership + match policy), `version`      |
//! | a policy        | `POLICY#{id}`  | `doc`, `version`                                         |
//!
//! The linked channels are a map attribute beside the document so a write's transaction can
//! condition-check one link (`channels.#channel = :user`) on the owner item without reading it.
//! `get_with` is one `BatchGetItem`, `list_with` one `Query` (`sk BETWEEN` the owner and the prefix's
//! end: `ASSET#` < `OWNER` < `POLICY#`, items of other kinds inside the range are dropped in code), and
//! `write` one `TransactWriteItems` (the owner link check, then each record's put on its expectation).
//!
//! `write_exclusive` adds, last in the same transaction, the put of an item in a partition of its
//! own (`pk = VIDEOCLAIM#{videoId}`, `sk = EXCLUSIVE`, attributes `owner`, `record`) on its absence.
//! It is a different item from every partition record, so DynamoDB's one-operation-per-item rule holds.
//! The same partition holds the video's shared records (`sk = ADOPTIONS`: `doc`, `version`):
//! `video` reads the key item and those records in one `BatchGetItem`, and `get_with_video` the owner's
//! items and the video's together in one; `write_video` is one
//! transaction of the owner link check, a check that the key item names the owner, and the put.
//!
//! `write_with_broadcast` appends to `write`'s transaction the lifecycle store's own broadcast put
//! (on its owner, version and binding, plus the PRISM live's copy when the broadcast has one): the
//! broadcast items are in the same table, so the live reference and its `recordFromStart` lock are one
//! `TransactWriteItems`.

use super::Context;
use super::attrs::{Item, Reader, attr, n, s};
use super::batch::batch_get;
use super::errors::{build_failed, cancelled};
use super::keys::{PK, SK, key};
use super::query::read_all;
use super::versioned::{put_new, put_versioned};
use crate::content_id_ports::VideoView;
use crate::content_id_ports::{
    ContentIdStore, Exclusive, Expect, LinkGuard, MAX_GET_WITH, MAX_WRITES, OwnerView, RecordWrite,
    StoredOwner, StoredRecord, WriteError,
};
use crate::error::StoreError;
use crate::lifecycle_ports::StoredBroadcast;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, TransactWriteItem};
use onair_domain::content_id::ContentOwner;
use std::sync::Arc;

const PARTITION_PREFIX: &str = "CONTENTOWNER#";
/// `sk` of the owner item.
const OWNER_SK: &str = "OWNER";
/// The map of linked channels.
const CHANNELS: &str = "channels";

fn partition(owner_id: &str) -> String {
    format!("{PARTITION_PREFIX}{owner_id}")
}

fn owner_item(owner: &StoredOwner) -> Result<Item, StoreError> {
    let doc = serde_json::to_string(&owner.owner)
        .map_err(|e| StoreError::Unavailable(format!("content owner not serialisable: {e}")))?;
    let channels = owner
        .owner
        .channels
        .iter()
        .map(|(channel, user)| (channel.clone(), s(user.as_str())))
        .collect();
    let mut item = key(partition(&owner.owner.id), OWNER_SK);
    item.insert(attr::DOC.into(), s(doc));
    item.insert(attr::VERSION.into(), n(owner.version));
    item.insert(CHANNELS.into(), AttributeValue::M(channels));
    Ok(item)
}

fn owner_from(item: &Item) -> Result<StoredOwner, StoreError> {
    let r = Reader::new(item);
    let owner: ContentOwner = serde_json::from_str(r.s(attr::DOC)?).map_err(|_| r.corrupt(attr::DOC))?;
    Ok(StoredOwner {
        owner,
        version: r.u64(attr::VERSION)?,
    })
}

fn record_item(owner_id: &str, record: &StoredRecord) -> Item {
    let mut item = key(partition(owner_id), &record.sk);
    item.insert(attr::DOC.into(), s(record.doc.as_str()));
    item.insert(attr::VERSION.into(), n(record.version));
    item
}

fn record_from(item: &Item) -> Result<StoredRecord, StoreError> {
    let r = Reader::new(item);
    Ok(StoredRecord {
        sk: r.s(SK)?.to_owned(),
        doc: r.s(attr::DOC)?.to_owned(),
        version: r.u64(attr::VERSION)?,
    })
}

/// Splits a partition's items into the owner and its records (sorted by `sk`).
fn view_of(items: &[Item], keep: impl Fn(&str) -> bool) -> Result<Option<OwnerView>, StoreError> {
    let mut owner = None;
    let mut records = Vec::new();
    for item in items {
        let sk = Reader::new(item).s(SK)?;
        if sk == OWNER_SK {
            owner = Some(owner_from(item)?);
        } else if keep(sk) {
            records.push(record_from(item)?);
        }
    }
    records.sort_by(|a, b| a.sk.cmp(&b.sk));
    Ok(owner.map(|owner| OwnerView { owner, records }))
}

/// The keys of the owner item and the records `sks` of its partition (deduplicated).
fn owner_keys(owner_id: &str, sks: &[String]) -> Result<Vec<Item>, StoreError> {
    let mut keys = vec![key(partition(owner_id), OWNER_SK)];
    keys.extend(
        wanted(sks, OWNER_SK)?
            .iter()
            .map(|sk| key(partition(owner_id), sk)),
    );
    Ok(keys)
}

/// The keys of a video's exclusive item and the records `sks` of its partition (deduplicated).
fn video_keys(key_name: &str, sks: &[String]) -> Result<Vec<Item>, StoreError> {
    let mut keys = vec![key(key_name.to_owned(), EXCLUSIVE_SK)];
    keys.extend(
        wanted(sks, EXCLUSIVE_SK)?
            .iter()
            .map(|sk| key(key_name.to_owned(), sk)),
    );
    Ok(keys)
}

/// The sort keys asked for besides `head`, sorted and deduplicated, at most [`MAX_GET_WITH`].
fn wanted<'a>(sks: &'a [String], head: &str) -> Result<Vec<&'a str>, StoreError> {
    let mut wanted: Vec<&str> = sks.iter().map(String::as_str).filter(|sk| *sk != head).collect();
    wanted.sort_unstable();
    wanted.dedup();
    if wanted.len() > MAX_GET_WITH {
        return Err(StoreError::Conflict(format!(
            "at most {MAX_GET_WITH} records per read"
        )));
    }
    Ok(wanted)
}

/// A video's partition as read: the holder of its exclusive key and its records (sorted by `sk`).
fn video_view(key_name: &str, items: &[Item]) -> Result<VideoView, StoreError> {
    let mut view = VideoView::default();
    for item in items {
        let r = Reader::new(item);
        if r.s(SK)? == EXCLUSIVE_SK {
            view.holder = Some(Exclusive {
                key: key_name.to_owned(),
                owner_id: r.s(OWNER_ATTR)?.to_owned(),
                record_sk: r.s(RECORD_ATTR)?.to_owned(),
            });
        } else {
            view.records.push(record_from(item)?);
        }
    }
    view.records.sort_by(|a, b| a.sk.cmp(&b.sk));
    Ok(view)
}

/// The Content ID store over DynamoDB.
#[derive(Debug, Clone)]
pub struct DynamoContentIdStore {
    context: Arc<Context>,
}

impl DynamoContentIdStore {
    pub(super) fn new(context: Arc<Context>) -> Self {
        Self { context }
    }
}

#[async_trait]
impl ContentIdStore for DynamoContentIdStore {
    async fn create_owner(&self, owner: &StoredOwner) -> Result<(), StoreError> {
        if put_new(&self.context, owner_item(owner)?).await? {
            Ok(())
        } else {
            Err(StoreError::Conflict("the content owner exists".into()))
        }
    }

    async fn update_owner(&self, owner: &StoredOwner, expected_version: u64) -> Result<(), StoreError> {
        put_versioned(&self.context, owner_item(owner)?, expected_version).await
    }

    async fn get_with(&self, owner_id: &str, sks: &[String]) -> Result<Option<OwnerView>, StoreError> {
        let ctx = &self.context;
        let items = batch_get(ctx, &ctx.table, owner_keys(owner_id, sks)?, None).await?;
        view_of(&items, |_| true)
    }

    async fn get_with_video(
        &self,
        owner_id: &str,
        sks: &[String],
        video_key: &str,
        video_sks: &[String],
    ) -> Result<(Option<OwnerView>, VideoView), StoreError> {
        let mut keys = owner_keys(owner_id, sks)?;
        keys.extend(video_keys(video_key, video_sks)?);
        let ctx = &self.context;
        let items = batch_get(ctx, &ctx.table, keys, None).await?;
        let owner_pk = partition(owner_id);
        let (owner_items, video_items): (Vec<Item>, Vec<Item>) = items
            .into_iter()
            .partition(|item| Reader::new(item).s(PK).is_ok_and(|pk| pk == owner_pk));
        Ok((
            view_of(&owner_items, |_| true)?,
            video_view(video_key, &video_items)?,
        ))
    }

    async fn list_with(&self, owner_id: &str, prefix: &str) -> Result<Option<OwnerView>, StoreError> {
        let ctx = &self.context;
        let end = format!("{prefix}{}", char::MAX);
        let (low, high) = if prefix < OWNER_SK {
            (prefix.to_owned(), OWNER_SK.to_owned())
        } else {
            (OWNER_SK.to_owned(), end)
        };
        let items = read_all(ctx, |start| {
            ctx.client
                .query()
                .table_name(&ctx.table)
                .key_condition_expression("#pk = :pk AND #sk BETWEEN :low AND :high")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_names("#sk", SK)
                .expression_attribute_values(":pk", s(partition(owner_id)))
                .expression_attribute_values(":low", s(low.as_str()))
                .expression_attribute_values(":high", s(high.as_str()))
                .consistent_read(true)
                .set_exclusive_start_key(start)
        })
        .await?;
        view_of(&items, |sk| sk.starts_with(prefix))
    }

    async fn write(
        &self,
        owner_id: &str,
        guard: &LinkGuard,
        writes: &[RecordWrite],
    ) -> Result<(), WriteError> {
        self.write_inner(owner_id, guard, writes, None, None).await
    }

    async fn write_with_broadcast(
        &self,
        owner_id: &str,
        guard: &LinkGuard,
        writes: &[RecordWrite],
        broadcast: &StoredBroadcast,
        expected_version: u64,
    ) -> Result<(), WriteError> {
        self.write_inner(owner_id, guard, writes, None, Some((broadcast, expected_version)))
            .await
    }

    async fn video(&self, key_name: &str, sks: &[String]) -> Result<VideoView, StoreError> {
        let ctx = &self.context;
        let items = batch_get(ctx, &ctx.table, video_keys(key_name, sks)?, None).await?;
        video_view(key_name, &items)
    }

    async fn write_video(
        &self,
        owner_id: &str,
        guard: &LinkGuard,
        key_name: &str,
        write: &RecordWrite,
    ) -> Result<(), WriteError> {
        let ctx = &self.context;
        let link = ConditionCheck::builder()
            .table_name(&ctx.table)
            .set_key(Some(key(partition(owner_id), OWNER_SK)))
            .condition_expression("#channels.#channel = :user")
            .expression_attribute_names("#channels", CHANNELS)
            .expression_attribute_names("#channel", guard.channel_id.as_str())
            .expression_attribute_values(":user", s(guard.user_id.as_str()))
            .build()
            .map_err(build_failed)?;
        let holder = ConditionCheck::builder()
            .table_name(&ctx.table)
            .set_key(Some(key(key_name.to_owned(), EXCLUSIVE_SK)))
            .condition_expression("#owner = :owner")
            .expression_attribute_names("#owner", OWNER_ATTR)
            .expression_attribute_values(":owner", s(owner_id))
            .build()
            .map_err(build_failed)?;
        let mut item = key(key_name.to_owned(), &write.record.sk);
        item.insert(attr::DOC.into(), s(write.record.doc.as_str()));
        item.insert(attr::VERSION.into(), n(write.record.version));
        let put = Put::builder()
            .table_name(&ctx.table)
            .set_item(Some(item))
            .expression_attribute_names("#pk", PK);
        let put = match write.expect {
            Expect::Absent => put.condition_expression("attribute_not_exists(#pk)"),
            Expect::Version(v) => put
                .condition_expression("attribute_exists(#pk) AND #version = :expected")
                .expression_attribute_names("#version", attr::VERSION)
                .expression_attribute_values(":expected", n(v)),
        };
        let items = vec![
            TransactWriteItem::builder().condition_check(link).build(),
            TransactWriteItem::builder().condition_check(holder).build(),
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
            return Err(WriteError::Unlinked);
        }
        if cancelled.condition_failed(1) {
            return Err(WriteError::Missing);
        }
        if cancelled.condition_failed(2) {
            return Err(WriteError::Conflict("the record moved on".into()));
        }
        Err(cancelled.otherwise().into())
    }

    async fn write_exclusive(
        &self,
        owner_id: &str,
        guard: &LinkGuard,
        writes: &[RecordWrite],
        exclusive: &Exclusive,
    ) -> Result<(), WriteError> {
        self.write_inner(owner_id, guard, writes, Some(exclusive), None)
            .await
    }
}

/// `sk` of an exclusive item.
const EXCLUSIVE_SK: &str = "EXCLUSIVE";
/// The exclusive item's holder.
const OWNER_ATTR: &str = "owner";
/// The holder's record the exclusive item points at.
const RECORD_ATTR: &str = "record";

impl DynamoContentIdStore {
    async fn write_inner(
        &self,
        owner_id: &str,
        guard: &LinkGuard,
        writes: &[RecordWrite],
        exclusive: Option<&Exclusive>,
        broadcast: Option<(&StoredBroadcast, u64)>,
    ) -> Result<(), WriteError> {
        if writes.is_empty() || writes.len() > MAX_WRITES {
            return Err(WriteError::Conflict(format!(
                "1 to {MAX_WRITES} records per write"
            )));
        }
        let ctx = &self.context;
        let check = ConditionCheck::builder()
            .table_name(&ctx.table)
            .set_key(Some(key(partition(owner_id), OWNER_SK)))
            .condition_expression("#channels.#channel = :user")
            .expression_attribute_names("#channels", CHANNELS)
            .expression_attribute_names("#channel", guard.channel_id.as_str())
            .expression_attribute_values(":user", s(guard.user_id.as_str()))
            .build()
            .map_err(build_failed)?;
        let mut items = vec![TransactWriteItem::builder().condition_check(check).build()];
        for w in writes {
            let put = Put::builder()
                .table_name(&ctx.table)
                .set_item(Some(record_item(owner_id, &w.record)))
                .expression_attribute_names("#pk", PK);
            let put = match w.expect {
                Expect::Absent => put.condition_expression("attribute_not_exists(#pk)"),
                Expect::Version(v) => put
                    .condition_expression("attribute_exists(#pk) AND #version = :expected")
                    .expression_attribute_names("#version", attr::VERSION)
                    .expression_attribute_values(":expected", n(v))
                    .return_values_on_condition_check_failure(
                        aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure::AllOld,
                    ),
            };
            items.push(
                TransactWriteItem::builder()
                    .put(put.build().map_err(build_failed)?)
                    .build(),
            );
        }
        if let Some(x) = exclusive {
            let mut item = key(x.key.clone(), EXCLUSIVE_SK);
            item.insert(OWNER_ATTR.into(), s(x.owner_id.as_str()));
            item.insert(RECORD_ATTR.into(), s(x.record_sk.as_str()));
            let put = Put::builder()
                .table_name(&ctx.table)
                .set_item(Some(item))
                .expression_attribute_names("#pk", PK)
                .condition_expression("attribute_not_exists(#pk)");
            items.push(
                TransactWriteItem::builder()
                    .put(put.build().map_err(build_failed)?)
                    .build(),
            );
        }
        let broadcast_at = items.len();
        if let Some((next, expected)) = broadcast {
            // The lifecycle adapter's own put: the broadcast on its owner, version and binding as
            // stored, then the live's copy if any (unconditional, guarded by the broadcast's put).
            items.extend(super::lifecycle::put_broadcast(ctx, next, expected, &[], true)?);
        }
        let request = ctx.client.transact_write_items().set_transact_items(Some(items));
        let Err(err) = ctx.send(request.send()).await else {
            return Ok(());
        };
        let cancelled = cancelled("TransactWriteItems", err)?;
        if cancelled.condition_failed(0) {
            return Err(WriteError::Unlinked);
        }
        if broadcast.is_some() && cancelled.condition_failed(broadcast_at) {
            return Err(WriteError::BroadcastMoved);
        }
        for (i, w) in writes.iter().enumerate() {
            if cancelled.condition_failed(i + 1) {
                return Err(match w.expect {
                    Expect::Absent => WriteError::Conflict("the record exists".into()),
                    Expect::Version(_) if cancelled.old_item(i + 1).is_none() => WriteError::Missing,
                    Expect::Version(v) => WriteError::Conflict(format!("version mismatch: expected {v}")),
                });
            }
        }
        if exclusive.is_some() && cancelled.condition_failed(writes.len() + 1) {
            return Err(WriteError::Taken);
        }
        Err(cancelled.otherwise().into())
    }
}
