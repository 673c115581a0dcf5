//! DynamoDB [`BroadcastStore`] and [`StreamStore`] in the registrations table.
//!
//! Each broadcast and stream is one item under its own id (`BROADCAST#{id}`, `STREAM#{id}`), so a
//! get is one `GetItem`; the owner is an attribute checked on every read and in every write
//! condition, so another user's record is `NotFound`. Lists go through `gsi1` with one partition per
//! owner and kind, newest first: one `Query` per page (a channel filter is a `FilterExpression` on
//! that partition and may read on for a full page).
//!
//! A stream's key reservation `STREAMKEY#{hash}` is a full copy of the stream item, written in the
//! same transaction as the stream on every change, so the ingest hook's look-up by key hash is one
//! `GetItem` and can never see a stream that does not exist. Every multi-item write (stream create,
//! update and delete; bind; broadcast delete) is one `TransactWriteItems` whose conditions hold every
//! version read, so racing writers have exactly one winner.

pub(crate) mod item;
mod videos;

pub use videos::DynamoVideoStore;

use super::Context;
use super::attrs::{Item, Reader, attr, n, s};
use super::batch::batch_get;
use super::channels::item::channel_key;
use super::errors::{Cancelled, WriteFailure, build_failed, cancelled, unavailable, write_failure};
use super::keys::{GSI1, GSI1PK, GSI1SK, PK, SK};
use super::query::read_page;
use super::users::item::profile_key;
use super::versioned::put_new;
use crate::error::StoreError;
use crate::lifecycle_ports::{check_guarded, distinct_ids, plan_bind, plan_unbind_on_delete};
use crate::{
    BindChange, BroadcastStore, GuardedUpdate, GuardedWriteError, IngestGate, StoredBroadcast, StoredStream,
    StreamStore, page_token,
};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, Delete, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem,
};
use item::{
    Kind, bound_entry, bound_text, broadcast_from, broadcast_item, broadcast_mirror, is_list_sk, mirror_key,
    owner_of, stream_from, stream_item, stream_key_item, stream_key_key, stream_mirror,
};
use onair_domain::lifecycle::wire::StreamStatus;
use onair_domain::{ChannelId, Page, PageRequest, UserId};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// Broadcasts in DynamoDB.
#[derive(Debug, Clone)]
pub struct DynamoBroadcastStore {
    context: Arc<Context>,
}

impl DynamoBroadcastStore {
    pub(super) fn new(context: Arc<Context>) -> Self {
        Self { context }
    }
}

/// Streams in DynamoDB.
#[derive(Debug, Clone)]
pub struct DynamoStreamStore {
    context: Arc<Context>,
}

impl DynamoStreamStore {
    pub(super) fn new(context: Arc<Context>) -> Self {
        Self { context }
    }
}

/// Where the next page starts: the index key of the last item returned.
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Cursor {
    pk: String,
    sk: String,
    gsi1pk: String,
    gsi1sk: String,
}

impl Cursor {
    fn after(item: &Item) -> Result<Self, StoreError> {
        let r = Reader::new(item);
        Ok(Self {
            pk: r.s(PK)?.to_owned(),
            sk: r.s(SK)?.to_owned(),
            gsi1pk: r.s(GSI1PK)?.to_owned(),
            gsi1sk: r.s(GSI1SK)?.to_owned(),
        })
    }

    /// The start key, if this store could have issued the cursor for this owner and kind: a token of
    /// another owner (or a forged one) must not start in someone else's partition.
    fn into_start_key(self, kind: Kind, owner: &UserId) -> Result<Item, StoreError> {
        let id = kind.id_of_pk(&self.pk).ok_or(StoreError::InvalidPageToken)?;
        let valid = self.sk == kind.sk()
            && self.gsi1pk == kind.owner_partition(owner)
            && is_list_sk(&self.gsi1sk, id);
        if !valid {
            return Err(StoreError::InvalidPageToken);
        }
        Ok(Item::from([
            (PK.to_owned(), s(self.pk)),
            (SK.to_owned(), s(self.sk)),
            (GSI1PK.to_owned(), s(self.gsi1pk)),
            (GSI1SK.to_owned(), s(self.gsi1sk)),
        ]))
    }
}

/// One consistent `GetItem`.
async fn get_item(ctx: &Context, key: Item) -> Result<Option<Item>, StoreError> {
    let request = ctx
        .client
        .get_item()
        .table_name(&ctx.table)
        .set_key(Some(key))
        .consistent_read(true);
    let output = ctx
        .send(request.send())
        .await
        .map_err(|e| unavailable("GetItem", &e))?;
    Ok(output.item)
}

/// The owner's item of `kind` with `id`; `NotFound` if absent or another user's.
async fn get_owned(ctx: &Context, kind: Kind, owner: &UserId, id: &str) -> Result<Item, StoreError> {
    get_item(ctx, kind.key(id))
        .await?
        .filter(|item| owner_of(item) == Some(owner.as_str()))
        .ok_or(StoreError::NotFound)
}

/// The owner's items of `kind` among `ids`, in the order of `ids`, in one `BatchGetItem`.
async fn get_many_owned(
    ctx: &Context,
    kind: Kind,
    owner: &UserId,
    ids: &[String],
) -> Result<Vec<Item>, StoreError> {
    let ids = distinct_ids(ids)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let keys = ids.iter().map(|id| kind.key(id)).collect();
    let mut found: HashMap<String, Item> = HashMap::new();
    for item in batch_get(ctx, &ctx.table, keys, None).await? {
        if owner_of(&item) == Some(owner.as_str())
            && let Some(id) = Reader::new(&item).s(attr::ID).ok().map(str::to_owned)
        {
            found.insert(id, item);
        }
    }
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// A condition check in a transaction: `condition` over the item under `key`, with its names and
/// values.
fn condition_check(
    ctx: &Context,
    key: Item,
    condition: &str,
    names: &[(&str, &str)],
    values: Vec<(&str, AttributeValue)>,
) -> Result<TransactWriteItem, StoreError> {
    let mut check = ConditionCheck::builder()
        .table_name(&ctx.table)
        .set_key(Some(key))
        .condition_expression(condition)
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
    for (placeholder, name) in names {
        check = check.expression_attribute_names(*placeholder, *name);
    }
    for (placeholder, value) in values {
        check = check.expression_attribute_values(placeholder, value);
    }
    Ok(TransactWriteItem::builder()
        .condition_check(check.build().map_err(build_failed)?)
        .build())
}

/// One page of an owner's items of `kind`, optionally of one channel.
async fn list_owned(
    ctx: &Context,
    kind: Kind,
    owner: &UserId,
    channel: Option<&ChannelId>,
    page: &PageRequest,
) -> Result<(Vec<Item>, Option<String>), StoreError> {
    let start = match &page.token {
        Some(token) => Some(page_token::decode::<Cursor>(token)?.into_start_key(kind, owner)?),
        None => None,
    };
    let partition = kind.owner_partition(owner);
    let (items, more) = read_page(ctx, page.limit, start, |start, limit| {
        let query = ctx
            .client
            .query()
            .table_name(&ctx.table)
            .index_name(GSI1)
            .key_condition_expression("#gpk = :gpk")
            .expression_attribute_names("#gpk", GSI1PK)
            .expression_attribute_values(":gpk", s(partition.as_str()))
            .scan_index_forward(false)
            .limit(limit)
            .set_exclusive_start_key(start);
        match channel {
            Some(channel) => query
                .filter_expression("#channel = :channel")
                .expression_attribute_names("#channel", attr::CHANNEL_ID)
                .expression_attribute_values(":channel", s(channel.as_str())),
            None => query,
        }
    })
    .await?;
    let next = match items.last() {
        Some(last) if more => Some(page_token::encode(&Cursor::after(last)?)?),
        _ => None,
    };
    Ok((items, next))
}

/// The condition of a write on an owned, versioned item.
const OWNED_AT_VERSION: &str = "attribute_exists(#pk) AND #owner = :owner AND #version = :expected";

/// A conditional put of an owned item at `expected` (the item carries the owner); `equal` adds
/// "attribute equals value" conditions.
fn put_owned(
    ctx: &Context,
    item: Item,
    owner: &UserId,
    expected: u64,
    equal: &[(&str, String)],
) -> Result<TransactWriteItem, StoreError> {
    put_owned_absent(ctx, item, owner, expected, equal, &[])
}

/// [`put_owned`] that also requires the attributes `absent` not to exist.
fn put_owned_absent(
    ctx: &Context,
    item: Item,
    owner: &UserId,
    expected: u64,
    equal: &[(&str, String)],
    absent: &[&str],
) -> Result<TransactWriteItem, StoreError> {
    let mut condition = OWNED_AT_VERSION.to_owned();
    let mut put = Put::builder()
        .table_name(&ctx.table)
        .set_item(Some(item))
        .expression_attribute_names("#pk", PK)
        .expression_attribute_names("#owner", attr::OWNER)
        .expression_attribute_names("#version", attr::VERSION)
        .expression_attribute_values(":owner", s(owner.as_str()))
        .expression_attribute_values(":expected", n(expected))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
    for (index, (name, value)) in equal.iter().enumerate() {
        condition.push_str(&format!(" AND #x{index} = :x{index}"));
        put = put
            .expression_attribute_names(format!("#x{index}"), *name)
            .expression_attribute_values(format!(":x{index}"), s(value.as_str()));
    }
    for (index, name) in absent.iter().enumerate() {
        condition.push_str(&format!(" AND attribute_not_exists(#a{index})"));
        put = put.expression_attribute_names(format!("#a{index}"), *name);
    }
    let put = put
        .condition_expression(condition)
        .build()
        .map_err(build_failed)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// An unconditional put (the key reservation copy, guarded by its stream's condition).
fn put_plain(ctx: &Context, item: Item) -> Result<TransactWriteItem, StoreError> {
    let put = Put::builder()
        .table_name(&ctx.table)
        .set_item(Some(item))
        .build()
        .map_err(build_failed)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// The two puts that write a stream: the item (conditioned on owner, version and key) and its key
/// reservation copy.
fn put_stream(
    ctx: &Context,
    next: &StoredStream,
    expected: u64,
    equal: &[(&str, String)],
) -> Result<Vec<TransactWriteItem>, StoreError> {
    let mut equal = equal.to_vec();
    // The key is fixed at create: a record with another key would orphan its reservation.
    equal.push((attr::KEY_HASH, next.key_hash()));
    let mut items = vec![
        put_owned(ctx, stream_item(next)?, &next.owner, expected, &equal)?,
        put_plain(ctx, stream_key_item(next)?)?,
    ];
    if let Some(mirror) = stream_mirror(next)? {
        items.push(put_plain(ctx, mirror)?);
    }
    Ok(items)
}

/// The puts that write a broadcast on its version (`equal` as for [`put_owned`]; `bound_as_stored`
/// also requires the stored binding to be the record's): the item, then its live's copy when it
/// belongs to a live (unconditional: guarded by the item's own condition).
pub(super) fn put_broadcast(
    ctx: &Context,
    next: &StoredBroadcast,
    expected: u64,
    equal: &[(&str, String)],
    bound_as_stored: bool,
) -> Result<Vec<TransactWriteItem>, StoreError> {
    let mut equal = equal.to_vec();
    let mut absent = Vec::new();
    if bound_as_stored {
        match next.broadcast.bound_stream_id() {
            Some(stream) => equal.push((attr::BOUND_STREAM_ID, stream.to_owned())),
            None => absent.push(attr::BOUND_STREAM_ID),
        }
    }
    let item = broadcast_item(next)?;
    let mut items = vec![put_owned_absent(
        ctx,
        item,
        &next.owner,
        expected,
        &equal,
        &absent,
    )?];
    if let Some(mirror) = broadcast_mirror(next)? {
        items.push(put_plain(ctx, mirror)?);
    }
    Ok(items)
}

/// An unconditional delete (a live's copy, guarded by its record's condition).
fn delete_plain(ctx: &Context, key: Item) -> Result<TransactWriteItem, StoreError> {
    let delete = Delete::builder()
        .table_name(&ctx.table)
        .set_key(Some(key))
        .build()
        .map_err(build_failed)?;
    Ok(TransactWriteItem::builder().delete(delete).build())
}

/// The two condition checks of a write that needs a live-able owner and channel: the owner's profile
/// is not disabled and the owner's `channel` is enabled (both present).
pub(super) fn enabled_checks(
    ctx: &Context,
    owner: &UserId,
    channel: &ChannelId,
) -> Result<[TransactWriteItem; 2], StoreError> {
    Ok([
        condition_check(
            ctx,
            profile_key(owner),
            "attribute_exists(#pk) AND #disabled = :no",
            &[("#pk", PK), ("#disabled", attr::DISABLED)],
            vec![(":no", AttributeValue::Bool(false))],
        )?,
        condition_check(
            ctx,
            channel_key(owner, channel),
            "attribute_exists(#pk) AND #enabled = :yes",
            &[("#pk", PK), ("#enabled", attr::ENABLED)],
            vec![(":yes", AttributeValue::Bool(true))],
        )?,
    ])
}

/// Why a transaction over owned items lost: an item gone or another user's is `NotFound`, any other
/// failed condition (a version moved on) or a concurrent transaction `Conflict`.
pub(super) fn lost(cancelled: &Cancelled, items: usize, owner: &UserId) -> StoreError {
    for index in 0..items {
        if cancelled.condition_failed(index) {
            return match cancelled.old_item(index) {
                Some(old) if owner_of(old) == Some(owner.as_str()) => {
                    StoreError::Conflict("version mismatch: the record changed since it was read".into())
                }
                _ => StoreError::NotFound,
            };
        }
    }
    cancelled.otherwise()
}

/// Sends a transaction of owned items; see [`lost`] for the failures.
pub(super) async fn transact(
    ctx: &Context,
    items: Vec<TransactWriteItem>,
    owner: &UserId,
) -> Result<(), StoreError> {
    let count = items.len();
    let request = ctx.client.transact_write_items().set_transact_items(Some(items));
    match ctx.send(request.send()).await {
        Ok(_) => Ok(()),
        Err(err) => Err(lost(&cancelled("TransactWriteItems", err)?, count, owner)),
    }
}

#[async_trait]
impl BroadcastStore for DynamoBroadcastStore {
    async fn create(&self, broadcast: &StoredBroadcast) -> Result<(), StoreError> {
        let ctx = &self.context;
        let Some(mirror) = broadcast_mirror(broadcast)? else {
            return if put_new(ctx, broadcast_item(broadcast)?).await? {
                Ok(())
            } else {
                Err(StoreError::Conflict("broadcast id already exists".into()))
            };
        };
        // A live's broadcast: the item and the live's copy together.
        let put = Put::builder()
            .table_name(&ctx.table)
            .set_item(Some(broadcast_item(broadcast)?))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .build()
            .map_err(build_failed)?;
        let request = ctx
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put).build())
            .transact_items(put_plain(ctx, mirror)?);
        let Err(err) = ctx.send(request.send()).await else {
            return Ok(());
        };
        let cancelled = cancelled("TransactWriteItems", err)?;
        Err(cancelled.conflict_of(&["broadcast id already exists"]))
    }

    async fn get(&self, owner: &UserId, id: &str) -> Result<StoredBroadcast, StoreError> {
        broadcast_from(&get_owned(&self.context, Kind::Broadcast, owner, id).await?)
    }

    async fn get_many(&self, owner: &UserId, ids: &[String]) -> Result<Vec<StoredBroadcast>, StoreError> {
        get_many_owned(&self.context, Kind::Broadcast, owner, ids)
            .await?
            .iter()
            .map(broadcast_from)
            .collect()
    }

    async fn ingest_gate(
        &self,
        owner: &UserId,
        channel: &ChannelId,
        broadcasts: &[String],
    ) -> Result<IngestGate, StoreError> {
        let ctx = &self.context;
        let ids = distinct_ids(broadcasts)?;
        // One request: the profile and the channel share the owner's partition, the broadcasts are
        // under their ids; 2 + at most 50 keys, inside BatchGetItem's 100.
        let mut keys = vec![profile_key(owner), channel_key(owner, channel)];
        keys.extend(ids.iter().map(|id| Kind::Broadcast.key(id)));
        let found = batch_get(ctx, &ctx.table, keys, None).await?;
        let owner_enabled = found
            .iter()
            .find(|item| super::users::is_profile(item))
            .map(super::users::item::user_from)
            .transpose()?
            .is_some_and(|u| !u.disabled);
        let wanted_sk = super::channels::item::channel_sk(channel);
        let channel_enabled = found
            .iter()
            .find(|item| Reader::new(item).s(SK).is_ok_and(|sk| sk == wanted_sk))
            .map(super::channels::item::channel_from)
            .transpose()?
            .is_some_and(|c| c.enabled);
        let mut owned: HashMap<String, StoredBroadcast> = HashMap::new();
        for item in &found {
            let is_broadcast = Reader::new(item).s(SK).is_ok_and(|sk| sk == Kind::Broadcast.sk());
            if is_broadcast && owner_of(item) == Some(owner.as_str()) {
                let b = broadcast_from(item)?;
                owned.insert(b.broadcast.id.clone(), b);
            }
        }
        Ok(IngestGate {
            live_enabled: owner_enabled && channel_enabled,
            broadcasts: ids.iter().filter_map(|id| owned.remove(id)).collect(),
        })
    }

    async fn transition(&self, update: &GuardedUpdate<'_>) -> Result<(), GuardedWriteError> {
        check_guarded(update)?;
        let ctx = &self.context;
        let next = update.broadcast;
        let owner = &next.owner;
        let bound = match next.broadcast.bound_stream_id() {
            Some(stream) => vec![(attr::BOUND_STREAM_ID, stream.to_owned())],
            None => Vec::new(),
        };
        // The broadcast first (index 0), then its live's copy if any.
        let mut items = put_broadcast(ctx, next, update.expected_version, &bound, false)?;
        let live_at = items.len();
        if update.require_live_enabled {
            items.extend(enabled_checks(ctx, owner, next.broadcast.channel_id())?);
        }
        let stream_at = items.len();
        if let Some(stream) = update.require_active_stream {
            let mut condition =
                "attribute_exists(#pk) AND #owner = :owner AND #status = :active AND contains(#bound, :me)"
                    .to_owned();
            let mut names = vec![
                ("#pk", PK),
                ("#owner", attr::OWNER),
                ("#status", attr::STREAM_STATUS),
                ("#bound", attr::BOUND_BROADCASTS),
            ];
            let mut values = vec![
                (":owner", s(owner.as_str())),
                (":active", s(StreamStatus::Active.as_str())),
                (":me", s(bound_entry(&next.broadcast.id)?)),
            ];
            if let Some(max) = update.require_bound_at_most {
                condition.push_str(" AND #count <= :max");
                names.push(("#count", attr::BOUND_COUNT));
                values.push((":max", n(u64::try_from(max).unwrap_or(u64::MAX))));
            }
            items.push(condition_check(
                ctx,
                Kind::Stream.key(stream),
                &condition,
                &names,
                values,
            )?);
        }
        let count = items.len();
        let request = ctx.client.transact_write_items().set_transact_items(Some(items));
        let Err(err) = ctx.send(request.send()).await else {
            return Ok(());
        };
        let cancelled = cancelled("TransactWriteItems", err)?;
        // The broadcast's own condition first: a writer that lost the race re-reads and decides again.
        if cancelled.condition_failed(0) {
            return Err(lost(&cancelled, 1, owner).into());
        }
        if (live_at..stream_at).any(|i| cancelled.condition_failed(i)) {
            return Err(GuardedWriteError::LiveNotEnabled);
        }
        if (stream_at..count).any(|i| cancelled.condition_failed(i)) {
            // Tell "shared too widely" from "not active" without another read: the condition check
            // returns the stream as it was.
            let shared = (stream_at..count).any(|i| {
                cancelled.old_item(i).is_some_and(|old| {
                    let r = Reader::new(old);
                    r.s(attr::STREAM_STATUS).ok() == Some(StreamStatus::Active.as_str())
                        && r.s(attr::BOUND_BROADCASTS)
                            .is_ok_and(|b| bound_entry(&next.broadcast.id).is_ok_and(|me| b.contains(&me)))
                        && owner_of(old) == Some(owner.as_str())
                })
            });
            return Err(if shared {
                GuardedWriteError::StreamShared
            } else {
                GuardedWriteError::StreamNotActive
            });
        }
        Err(cancelled.otherwise().into())
    }

    async fn list(
        &self,
        owner: &UserId,
        channel: Option<&ChannelId>,
        page: &PageRequest,
    ) -> Result<Page<StoredBroadcast>, StoreError> {
        let (items, next) = list_owned(&self.context, Kind::Broadcast, owner, channel, page).await?;
        let items = items.iter().map(broadcast_from).collect::<Result<_, _>>()?;
        Ok(Page { items, next })
    }

    async fn update(&self, broadcast: &StoredBroadcast, expected_version: u64) -> Result<(), StoreError> {
        let ctx = &self.context;
        if broadcast.live.is_some() {
            // A live's broadcast: the item and the live's copy in one transaction, with the same
            // conditions (the binding must be the stored one).
            let items = put_broadcast(ctx, broadcast, expected_version, &[], true)?;
            return transact(ctx, items, &broadcast.owner).await;
        }
        let binding = match broadcast.broadcast.bound_stream_id() {
            Some(_) => "#bound = :bound".to_owned(),
            None => "attribute_not_exists(#bound)".to_owned(),
        };
        let mut request = ctx
            .client
            .put_item()
            .table_name(&ctx.table)
            .set_item(Some(broadcast_item(broadcast)?))
            .condition_expression(format!("{OWNED_AT_VERSION} AND {binding}"))
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#owner", attr::OWNER)
            .expression_attribute_names("#version", attr::VERSION)
            .expression_attribute_names("#bound", attr::BOUND_STREAM_ID)
            .expression_attribute_values(":owner", s(broadcast.owner.as_str()))
            .expression_attribute_values(":expected", n(expected_version))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        if let Some(stream) = broadcast.broadcast.bound_stream_id() {
            request = request.expression_attribute_values(":bound", s(stream));
        }
        match ctx.send(request.send()).await {
            Ok(_) => Ok(()),
            Err(err) => match write_failure("PutItem", err) {
                WriteFailure::ConditionFailed(Some(old))
                    if owner_of(&old) == Some(broadcast.owner.as_str()) =>
                {
                    Err(StoreError::Conflict(
                        "version mismatch (or a binding change outside bind)".into(),
                    ))
                }
                WriteFailure::ConditionFailed(_) => Err(StoreError::NotFound),
                WriteFailure::Other(err) => Err(err),
            },
        }
    }

    async fn bind(&self, change: &BindChange<'_>) -> Result<(), StoreError> {
        let plan = plan_bind(change)?;
        let ctx = &self.context;
        let owner = &change.broadcast.owner;
        let mut items = put_broadcast(ctx, change.broadcast, change.expected_version, &[], false)?;
        for (stream, expected) in &plan.streams {
            items.extend(put_stream(ctx, stream, *expected, &[])?);
        }
        transact(ctx, items, owner).await
    }

    async fn delete(
        &self,
        owner: &UserId,
        id: &str,
        expected_version: u64,
        bound: Option<&StoredStream>,
        live: Option<&str>,
    ) -> Result<(), StoreError> {
        let ctx = &self.context;
        let freed = bound
            .map(|stream| plan_unbind_on_delete(owner, id, stream))
            .transpose()?;
        let mut delete = Delete::builder()
            .table_name(&ctx.table)
            .set_key(Some(Kind::Broadcast.key(id)))
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#owner", attr::OWNER)
            .expression_attribute_names("#version", attr::VERSION)
            .expression_attribute_values(":owner", s(owner.as_str()))
            .expression_attribute_values(":expected", n(expected_version))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        delete = match &freed {
            Some((stream, _)) => delete
                .condition_expression(format!("{OWNED_AT_VERSION} AND #bound = :bound"))
                .expression_attribute_names("#bound", attr::BOUND_STREAM_ID)
                .expression_attribute_values(":bound", s(stream.stream.id.as_str())),
            None => delete.condition_expression(OWNED_AT_VERSION),
        };
        let mut items = vec![
            TransactWriteItem::builder()
                .delete(delete.build().map_err(build_failed)?)
                .build(),
        ];
        if let Some((stream, expected)) = &freed {
            items.extend(put_stream(ctx, stream, *expected, &[])?);
        }
        if let Some(live) = live {
            items.push(delete_plain(ctx, mirror_key(live, Kind::Broadcast, id))?);
        }
        transact(ctx, items, owner).await
    }
}

#[async_trait]
impl StreamStore for DynamoStreamStore {
    async fn create(&self, stream: &StoredStream) -> Result<(), StoreError> {
        let ctx = &self.context;
        let absent = |item: Item| -> Result<TransactWriteItem, StoreError> {
            let put = Put::builder()
                .table_name(&ctx.table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(#pk)")
                .expression_attribute_names("#pk", PK)
                .build()
                .map_err(build_failed)?;
            Ok(TransactWriteItem::builder().put(put).build())
        };
        let mut request = ctx
            .client
            .transact_write_items()
            .transact_items(absent(stream_item(stream)?)?)
            .transact_items(absent(stream_key_item(stream)?)?);
        if let Some(mirror) = stream_mirror(stream)? {
            request = request.transact_items(put_plain(ctx, mirror)?);
        }
        let Err(err) = ctx.send(request.send()).await else {
            return Ok(());
        };
        let cancelled = cancelled("TransactWriteItems", err)?;
        Err(cancelled.conflict_of(&["stream id already exists", "stream key already exists"]))
    }

    async fn get(&self, owner: &UserId, id: &str) -> Result<StoredStream, StoreError> {
        stream_from(&get_owned(&self.context, Kind::Stream, owner, id).await?)
    }

    async fn get_many(&self, owner: &UserId, ids: &[String]) -> Result<Vec<StoredStream>, StoreError> {
        get_many_owned(&self.context, Kind::Stream, owner, ids)
            .await?
            .iter()
            .map(stream_from)
            .collect()
    }

    async fn list(
        &self,
        owner: &UserId,
        channel: Option<&ChannelId>,
        page: &PageRequest,
    ) -> Result<Page<StoredStream>, StoreError> {
        let (items, next) = list_owned(&self.context, Kind::Stream, owner, channel, page).await?;
        let items = items.iter().map(stream_from).collect::<Result<_, _>>()?;
        Ok(Page { items, next })
    }

    async fn update(&self, stream: &StoredStream, expected_version: u64) -> Result<(), StoreError> {
        let ctx = &self.context;
        // The bound list must be as stored: only bind changes it.
        let bound = (attr::BOUND_BROADCASTS, bound_text(&stream.bound_broadcasts)?);
        let items = put_stream(ctx, stream, expected_version, &[bound])?;
        transact(ctx, items, &stream.owner).await
    }

    async fn delete(&self, stream: &StoredStream) -> Result<(), StoreError> {
        let ctx = &self.context;
        let item = Delete::builder()
            .table_name(&ctx.table)
            .set_key(Some(Kind::Stream.key(&stream.stream.id)))
            .condition_expression(format!("{OWNED_AT_VERSION} AND #hash = :hash"))
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#owner", attr::OWNER)
            .expression_attribute_names("#version", attr::VERSION)
            .expression_attribute_names("#hash", attr::KEY_HASH)
            .expression_attribute_values(":owner", s(stream.owner.as_str()))
            .expression_attribute_values(":expected", n(stream.version))
            .expression_attribute_values(":hash", s(stream.key_hash()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(build_failed)?;
        let reservation = Delete::builder()
            .table_name(&ctx.table)
            .set_key(Some(stream_key_key(&stream.key_hash())))
            .build()
            .map_err(build_failed)?;
        let mut items = vec![
            TransactWriteItem::builder().delete(item).build(),
            TransactWriteItem::builder().delete(reservation).build(),
        ];
        if let Some(live) = &stream.live {
            items.push(delete_plain(
                ctx,
                mirror_key(live, Kind::Stream, &stream.stream.id),
            )?);
        }
        transact(ctx, items, &stream.owner).await
    }

    async fn find_by_key_hash(&self, key_hash: &str) -> Result<StoredStream, StoreError> {
        let item = get_item(&self.context, stream_key_key(key_hash))
            .await?
            .ok_or(StoreError::NotFound)?;
        stream_from(&item)
    }
}
