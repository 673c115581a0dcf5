//! DynamoDB [`LiveStore`] in the registrations table.
//!
//! Each live is one item under its own id (`LIVE#{id}`), so a get is one `GetItem`; the owner is an
//! attribute checked on every read and in the update condition, so another user's live is
//! `NotFound`. A channel's lives are one `gsi1` partition (`CHANNEL#{id}#LIVES`) sorted by
//! (modified, created, id), read backwards: the list is one `Query` while it fits in a response.
//!
//! The live's partition also holds, beside the live item (`sk = LIVE`), full copies of its broadcasts
//! (`BROADCAST#{id}`) and streams (`STREAM#{id}`), written by the lifecycle adapter in the same
//! transaction as the record itself, and the statistics of each broadcast (`STATS#{broadcastId}`);
//! all of them carry the channel's `gsi1pk`. So R7 is one `Query` of the partition (`sk > "$"`, which
//! skips the chat messages under `#`), and R6 one `Query` of the channel's `gsi1` partition. The
//! live's `CHAT` item (the chat store's) is read with it for its `count`.

pub(crate) mod item;

use super::Context;
use super::attrs::{Item, Reader, attr, n, s};
use super::batch::{batch_get, get_consistent};
use super::errors::{WriteFailure, build_failed, cancelled, version_failure, write_failure};
use super::keys::{GSI1, GSI1PK, PK, SK};
use super::lifecycle::item::{Kind, broadcast_from, owner_of, stream_from};
use super::lifecycle::{enabled_checks, lost, put_broadcast, transact};
use super::query::read_all;
use super::versioned::put_new;
use crate::error::StoreError;
use crate::lifecycle_ports::{GuardedWriteError, distinct_ids};
use crate::live_ports::{
    LiveStats, LiveStore, LiveWrite, StoredLive, StoredLiveView, check_live, check_write, list_order,
    merge_stats,
};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem};
use item::{
    CHAT_SK, LIVE_SK, NOT_CHAT_FLOOR, at_nanos, broadcast_of_stats_sk, channel_partition, live_from,
    live_item, live_key, live_pk, stats_from, stats_item, stats_key,
};
use onair_domain::{ChannelId, UserId};
use std::collections::BTreeMap;
use std::sync::Arc;

/// How often a statistics write is sent again after a concurrent snapshot changed the stored one
/// (each retry follows a write of another snapshot, so the bound is only a guard).
const STATS_ATTEMPTS: usize = 100;

/// The condition of a live write: it exists, at the version read, of the same owner and channel.
const LIVE_AT_VERSION: &str =
    "attribute_exists(#pk) AND #version = :expected AND #owner = :owner AND #channel = :channel";

/// The views made of the items of one or more live partitions, in list order; `NotFound` if an item
/// belongs to another owner than `owner`.
fn assemble(items: &[Item], owner: &UserId) -> Result<Vec<StoredLiveView>, StoreError> {
    let mut partitions: BTreeMap<&str, Vec<&Item>> = BTreeMap::new();
    for item in items {
        // Only the live model's own items decide ownership; the chat store's items (`CHAT`) may
        // carry attributes of their own.
        let sk = Reader::new(item).s(SK)?;
        let ours = sk == LIVE_SK
            || ["BROADCAST#", "STREAM#", "STATS#"]
                .iter()
                .any(|p| sk.starts_with(p));
        if ours && owner_of(item) != Some(owner.as_str()) {
            return Err(StoreError::NotFound);
        }
        let pk = Reader::new(item).s(PK)?;
        partitions.entry(pk).or_default().push(item);
    }
    let mut views = Vec::new();
    for items in partitions.values() {
        let sk_of = |item: &Item| Reader::new(item).s(SK).map(str::to_owned);
        let Some(live_item) = items.iter().find(|i| sk_of(i).is_ok_and(|sk| sk == LIVE_SK)) else {
            // Copies without their live (being created or deleted): nothing to show.
            continue;
        };
        let live = live_from(live_item)?;
        if &live.owner != owner {
            return Err(StoreError::NotFound);
        }
        let mut view = StoredLiveView {
            live,
            broadcast: None,
            stream: None,
            stats: None,
            chat_count: 0,
        };
        for item in items {
            let sk = sk_of(item)?;
            if sk == Kind::Broadcast.pk(&view.live.broadcast_id) {
                view.broadcast = Some(broadcast_from(item)?);
            } else if sk == Kind::Stream.pk(&view.live.stream_id) {
                view.stream = Some(stream_from(item)?);
            } else if broadcast_of_stats_sk(&sk) == Some(view.live.broadcast_id.as_str()) {
                view.stats = Some(stats_from(item)?);
            } else if sk == CHAT_SK {
                // The chat store's item: its count if it has one, never a reason to fail the read.
                view.chat_count = Reader::new(item).u64(attr::COUNT).unwrap_or(0);
            }
        }
        views.push(view);
    }
    views.sort_by(|a, b| list_order(&a.live, &b.live));
    Ok(views)
}

/// Lives in DynamoDB.
#[derive(Debug, Clone)]
pub struct DynamoLiveStore {
    context: Arc<Context>,
}

impl DynamoLiveStore {
    pub(super) fn new(context: Arc<Context>) -> Self {
        Self { context }
    }
}

#[async_trait]
impl LiveStore for DynamoLiveStore {
    async fn create(&self, live: &StoredLive) -> Result<(), StoreError> {
        check_live(live)?;
        if put_new(&self.context, live_item(live)?).await? {
            Ok(())
        } else {
            Err(StoreError::Conflict("live id already exists".into()))
        }
    }

    async fn get(&self, owner: &UserId, live_id: &str) -> Result<StoredLive, StoreError> {
        let item = get_consistent(&self.context, live_key(live_id)).await?;
        let live = item.as_ref().map(live_from).transpose()?;
        live.filter(|l| &l.owner == owner).ok_or(StoreError::NotFound)
    }

    async fn update(&self, live: &StoredLive, expected_version: u64) -> Result<(), StoreError> {
        check_live(live)?;
        let ctx = &self.context;
        // The owner, channel and creation time are part of the condition: an update can never move a
        // live to another user or channel, and another user's live is "not found".
        let request = ctx
            .client
            .put_item()
            .table_name(&ctx.table)
            .set_item(Some(live_item(live)?))
            .condition_expression(
                "attribute_exists(#pk) AND #version = :expected AND #owner = :owner AND #channel = :channel",
            )
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#version", attr::VERSION)
            .expression_attribute_names("#owner", attr::OWNER)
            .expression_attribute_names("#channel", attr::CHANNEL_ID)
            .expression_attribute_values(":expected", n(expected_version))
            .expression_attribute_values(":owner", s(live.owner.as_str()))
            .expression_attribute_values(":channel", s(live.channel_id.as_str()))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        match ctx.send(request.send()).await {
            Ok(_) => Ok(()),
            Err(err) => {
                let failure = write_failure("PutItem", err);
                // Another user's (or another channel's) live reads as absent.
                if let super::errors::WriteFailure::ConditionFailed(Some(old)) = &failure {
                    let r = super::attrs::Reader::new(old);
                    let same_owner = r.s(attr::OWNER).ok() == Some(live.owner.as_str());
                    let same_channel = r.s(attr::CHANNEL_ID).ok() == Some(live.channel_id.as_str());
                    if !same_owner || !same_channel {
                        return Err(StoreError::NotFound);
                    }
                }
                Err(version_failure(failure, expected_version))
            }
        }
    }

    async fn list(&self, owner: &UserId, channel: &ChannelId) -> Result<Vec<StoredLive>, StoreError> {
        let ctx = &self.context;
        let items = read_all(ctx, |start| {
            ctx.client
                .query()
                .table_name(&ctx.table)
                .index_name(GSI1)
                .key_condition_expression("#gpk = :gpk")
                .filter_expression("#owner = :owner")
                .expression_attribute_names("#gpk", GSI1PK)
                .expression_attribute_names("#owner", attr::OWNER)
                .expression_attribute_values(":gpk", s(channel_partition(channel)))
                .expression_attribute_values(":owner", s(owner.as_str()))
                .scan_index_forward(false)
                .set_exclusive_start_key(start)
        })
        .await?;
        // The channel's partition also lists the copies kept in each live's partition.
        let mut lives = Vec::new();
        for item in &items {
            if Reader::new(item).s(SK)? == LIVE_SK {
                lives.push(live_from(item)?);
            }
        }
        // The index is eventually consistent and sorts by the same key; sorting again costs nothing
        // and keeps the order exact where two lives share a nanosecond.
        lives.sort_by(list_order);
        Ok(lives)
    }

    async fn view(
        &self,
        owner: &UserId,
        live_id: &str,
        consistent: bool,
    ) -> Result<StoredLiveView, StoreError> {
        let ctx = &self.context;
        let items = read_all(ctx, |start| {
            ctx.client
                .query()
                .table_name(&ctx.table)
                .key_condition_expression("#pk = :pk AND #sk > :floor")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_names("#sk", SK)
                .expression_attribute_values(":pk", s(live_pk(live_id)))
                .expression_attribute_values(":floor", s(NOT_CHAT_FLOOR))
                .consistent_read(consistent)
                .set_exclusive_start_key(start)
        })
        .await?;
        assemble(&items, owner)?.pop().ok_or(StoreError::NotFound)
    }

    async fn list_views(
        &self,
        owner: &UserId,
        channel: &ChannelId,
    ) -> Result<Vec<StoredLiveView>, StoreError> {
        let ctx = &self.context;
        let items = read_all(ctx, |start| {
            ctx.client
                .query()
                .table_name(&ctx.table)
                .index_name(GSI1)
                .key_condition_expression("#gpk = :gpk")
                .expression_attribute_names("#gpk", GSI1PK)
                .expression_attribute_values(":gpk", s(channel_partition(channel)))
                .set_exclusive_start_key(start)
        })
        .await?;
        assemble(&items, owner)
    }

    async fn commit(&self, write: &LiveWrite) -> Result<(), GuardedWriteError> {
        check_write(write)?;
        let ctx = &self.context;
        let owner = match (write.lives.first(), write.broadcasts.first()) {
            (Some((live, _)), _) => live.owner.clone(),
            (None, Some((b, _))) => b.owner.clone(),
            (None, None) => return Err(StoreError::Conflict("nothing to write".into()).into()),
        };
        let mut items = Vec::new();
        for (b, expected) in &write.broadcasts {
            if b.owner != owner {
                return Err(StoreError::NotFound.into());
            }
            items.extend(put_broadcast(ctx, b, *expected, &[], true)?);
        }
        for (live, expected) in &write.lives {
            if live.owner != owner {
                return Err(StoreError::NotFound.into());
            }
            let put = Put::builder()
                .table_name(&ctx.table)
                .set_item(Some(live_item(live)?))
                .condition_expression(LIVE_AT_VERSION)
                .expression_attribute_names("#pk", PK)
                .expression_attribute_names("#version", attr::VERSION)
                .expression_attribute_names("#owner", attr::OWNER)
                .expression_attribute_names("#channel", attr::CHANNEL_ID)
                .expression_attribute_values(":expected", n(*expected))
                .expression_attribute_values(":owner", s(live.owner.as_str()))
                .expression_attribute_values(":channel", s(live.channel_id.as_str()))
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
                .build()
                .map_err(build_failed)?;
            items.push(TransactWriteItem::builder().put(put).build());
        }
        let Some(channel) = &write.require_enabled else {
            return Ok(transact(ctx, items, &owner).await?);
        };
        // The guard rides in the same transaction (no read): the records first, then the checks.
        let records = items.len();
        items.extend(enabled_checks(ctx, &owner, channel)?);
        let request = ctx.client.transact_write_items().set_transact_items(Some(items));
        let Err(err) = ctx.send(request.send()).await else {
            return Ok(());
        };
        let cancelled = cancelled("TransactWriteItems", err)?;
        // A record that moved on first: the writer re-reads and decides again.
        if (0..records).any(|i| cancelled.condition_failed(i)) {
            return Err(lost(&cancelled, records, &owner).into());
        }
        if (records..records + 2).any(|i| cancelled.condition_failed(i)) {
            return Err(GuardedWriteError::LiveNotEnabled);
        }
        Err(cancelled.otherwise().into())
    }

    async fn find(&self, live_id: &str) -> Result<StoredLive, StoreError> {
        let item = get_consistent(&self.context, live_key(live_id)).await?;
        item.as_ref()
            .map(live_from)
            .transpose()?
            .ok_or(StoreError::NotFound)
    }

    async fn record_stats(
        &self,
        live: &StoredLive,
        stats: &LiveStats,
    ) -> Result<(bool, LiveStats), StoreError> {
        let ctx = &self.context;
        // `None`: the stored snapshot is not known yet; the first write holds the "newer, counters
        // not lower" rule in its condition, so the common case is one request.
        let mut known: Option<LiveStats> = None;
        for _ in 0..STATS_ATTEMPTS {
            let (next, request) = match &known {
                None => {
                    let request = ctx
                        .client
                        .put_item()
                        .table_name(&ctx.table)
                        .set_item(Some(stats_item(live, stats)?))
                        .condition_expression(
                            "attribute_not_exists(#pk) OR (#at < :at AND #views <= :views AND #likes <= :likes)",
                        )
                        .expression_attribute_names("#views", attr::VIEW_COUNT)
                        .expression_attribute_names("#likes", attr::LIKE_COUNT)
                        .expression_attribute_values(":at", at_nanos(stats.at))
                        .expression_attribute_values(":views", n(stats.view_count))
                        .expression_attribute_values(":likes", n(stats.like_count));
                    (stats.clone(), request)
                }
                Some(stored) => {
                    let Some(merged) = merge_stats(Some(stored), stats) else {
                        return Ok((false, stored.clone()));
                    };
                    // Over exactly the snapshot seen: a concurrent one makes this write lose.
                    let request = ctx
                        .client
                        .put_item()
                        .table_name(&ctx.table)
                        .set_item(Some(stats_item(live, &merged)?))
                        .condition_expression("attribute_exists(#pk) AND #at = :seen")
                        .expression_attribute_values(":seen", at_nanos(stored.at));
                    (merged, request)
                }
            };
            let request = request
                .expression_attribute_names("#pk", PK)
                .expression_attribute_names("#at", attr::AT_NANOS)
                .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
            match ctx.send(request.send()).await {
                Ok(_) => return Ok((true, next)),
                Err(err) => match write_failure("PutItem", err) {
                    WriteFailure::ConditionFailed(Some(old)) => known = Some(stats_from(&old)?),
                    WriteFailure::ConditionFailed(None) => known = None,
                    WriteFailure::Other(err) => return Err(err),
                },
            }
        }
        Err(StoreError::Conflict("statistics kept changing; retry".into()))
    }

    async fn stats_many(
        &self,
        owner: &UserId,
        keys: &[(String, String)],
    ) -> Result<Vec<(String, LiveStats)>, StoreError> {
        let ids: Vec<String> = keys.iter().map(|(_, b)| b.clone()).collect();
        distinct_ids(&ids)?;
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut wanted: Vec<Item> = Vec::new();
        for (live, b) in keys {
            let key = stats_key(live, b);
            if !wanted.contains(&key) {
                wanted.push(key);
            }
        }
        let ctx = &self.context;
        let mut found = Vec::new();
        for item in batch_get(ctx, &ctx.table, wanted, None).await? {
            if owner_of(&item) != Some(owner.as_str()) {
                continue;
            }
            let broadcast = Reader::new(&item).s(attr::BROADCAST_ID)?.to_owned();
            found.push((broadcast, stats_from(&item)?));
        }
        Ok(found)
    }
}
