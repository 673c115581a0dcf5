//! DynamoDB [`LiveStore`] in the registrations table.
//!
//! Each live is one item under its own id (`LIVE#{id}`), so a get is one `GetItem`; the owner is an
//! attribute checked on every read and in the update condition, so another user's live is
//! `NotFound`. A channel's lives are one `gsi1` partition (`CHANNEL#{id}#LIVES`) sorted by
//! (modified, created, id), read backwards: the list is one `Query` while it fits in a response.

pub(crate) mod item;

use super::Context;
use super::attrs::{attr, n, s};
use super::errors::{unavailable, version_failure, write_failure};
use super::keys::{GSI1, GSI1PK, PK};
use super::versioned::put_new;
use crate::error::StoreError;
use crate::live_ports::{LiveStore, StoredLive, check_live, list_order};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;
use item::{channel_partition, live_from, live_item, live_key};
use onair_domain::{ChannelId, UserId};
use std::sync::Arc;

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
        let ctx = &self.context;
        let request = ctx
            .client
            .get_item()
            .table_name(&ctx.table)
            .set_key(Some(live_key(live_id)))
            .consistent_read(true);
        let output = ctx
            .send(request.send())
            .await
            .map_err(|e| unavailable("GetItem", &e))?;
        let live = output.item.as_ref().map(live_from).transpose()?;
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
        let mut lives = Vec::new();
        let mut start = None;
        loop {
            let request = ctx
                .client
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
                .set_exclusive_start_key(start.take());
            let output = ctx
                .send(request.send())
                .await
                .map_err(|e| unavailable("Query", &e))?;
            for item in output.items() {
                lives.push(live_from(item)?);
            }
            match output.last_evaluated_key() {
                Some(key) => start = Some(key.clone()),
                None => break,
            }
        }
        // The index is eventually consistent and sorts by the same key; sorting again costs nothing
        // and keeps the order exact where two lives share a nanosecond.
        lives.sort_by(list_order);
        Ok(lives)
    }
}
