//! DynamoDB [`ChannelStore`]: channels live in their owner's partition, so a channel with its owner is
//! one `BatchGetItem` and an owner's whole list one `Query`; the profile's `channelCount` enforces the
//! per-user maximum inside the creating transaction.

use super::Context;
use super::attrs::{Item, Reader, n};
use super::errors::{build_failed, cancelled};
use super::versioned::put_versioned;
pub(crate) mod item;

use super::attrs::attr;
use super::keys::{PK, SK};
use super::users::item::{profile_key, user_from};
use super::users::{is_profile, read_partition};
use crate::error::StoreError;
use crate::page_token::{nanos, paginate_desc};
use crate::{ChannelStore, OwnedChannel, OwnedChannels};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};
use item::{channel_from, channel_item, channel_key, channel_sk, is_channel_sk};
use onair_domain::channel::{Channel, MAX_CHANNELS_PER_USER};
use onair_domain::{ChannelId, PageRequest, UserId};
use std::sync::Arc;

/// Channels in DynamoDB.
#[derive(Debug, Clone)]
pub struct DynamoChannelStore {
    context: Arc<Context>,
}

impl DynamoChannelStore {
    pub(super) fn new(context: Arc<Context>) -> Self {
        Self { context }
    }
}

/// The descending list key: modified, then created, then id. The same key as the embedded store, so
/// both order and page identically.
fn list_key(c: &Channel) -> (i128, i128, String) {
    (nanos(c.modified_at), nanos(c.created_at), c.id.to_string())
}

fn sk_is(item: &Item, sk: &str) -> bool {
    Reader::new(item).s(SK).is_ok_and(|s| s == sk)
}

#[async_trait]
impl ChannelStore for DynamoChannelStore {
    async fn create(&self, channel: &Channel) -> Result<(), StoreError> {
        let ctx = &self.context;
        let put = Put::builder()
            .table_name(&ctx.table)
            .set_item(Some(channel_item(channel)?))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", PK)
            .build()
            .map_err(build_failed)?;
        let count = Update::builder()
            .table_name(&ctx.table)
            .set_key(Some(profile_key(&channel.owner)))
            .update_expression("SET #count = #count + :one")
            .condition_expression("attribute_exists(#pk) AND #count < :max")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#count", attr::CHANNEL_COUNT)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":max", n(MAX_CHANNELS_PER_USER as u64))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(build_failed)?;
        let request = ctx
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put).build())
            .transact_items(TransactWriteItem::builder().update(count).build());
        let Err(err) = ctx.send(request.send()).await else {
            return Ok(());
        };
        let cancelled = cancelled("TransactWriteItems", err)?;
        if cancelled.condition_failed(1) {
            // The owner is missing or full: `ALL_OLD` returns the profile only if it exists.
            if cancelled.old_item(1).is_none() {
                return Err(StoreError::NotFound);
            }
            if !cancelled.condition_failed(0) {
                return Err(StoreError::Conflict(format!(
                    "owner already has the maximum of {MAX_CHANNELS_PER_USER} channels"
                )));
            }
        }
        Err(if cancelled.condition_failed(0) {
            StoreError::Conflict("channel id already exists".into())
        } else {
            cancelled.otherwise()
        })
    }

    async fn get(&self, owner: &UserId, id: &ChannelId) -> Result<OwnedChannel, StoreError> {
        let ctx = &self.context;
        let wanted = vec![profile_key(owner), channel_key(owner, id)];
        let found = super::batch::batch_get(ctx, &ctx.table, wanted, None).await?;
        let profile = found
            .iter()
            .find(|item| is_profile(item))
            .ok_or(StoreError::NotFound)?;
        let channel = found
            .iter()
            .find(|item| sk_is(item, &channel_sk(id)))
            .ok_or(StoreError::NotFound)?;
        Ok(OwnedChannel {
            owner: user_from(profile)?,
            channel: channel_from(channel)?,
        })
    }

    async fn list(&self, owner: &UserId, page: &PageRequest) -> Result<OwnedChannels, StoreError> {
        let items = read_partition(&self.context, owner).await?;
        let profile = items
            .iter()
            .find(|item| is_profile(item))
            .ok_or(StoreError::NotFound)?;
        let channels = items
            .iter()
            .filter(|item| Reader::new(item).s(SK).is_ok_and(is_channel_sk))
            .map(channel_from)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(OwnedChannels {
            owner: user_from(profile)?,
            page: paginate_desc(channels, list_key, page)?,
        })
    }

    async fn update(&self, channel: &Channel, expected_version: u64) -> Result<(), StoreError> {
        put_versioned(&self.context, channel_item(channel)?, expected_version).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use onair_domain::channel::list_order;
    use time::OffsetDateTime;

    fn channel(id: &str, created: i128, modified: i128) -> Channel {
        let t = |n| OffsetDateTime::from_unix_timestamp_nanos(n).unwrap();
        Channel {
            id: ChannelId::parse(id).unwrap(),
            owner: UserId::parse("u").unwrap(),
            name: id.into(),
            enabled: true,
            link: "https://x.example".into(),
            description: None,
            tags: None,
            thumbnail_url: None,
            follower_count: 0,
            created_at: t(created),
            modified_at: t(modified),
            version: 1,
        }
    }

    #[test]
    fn pages_follow_the_domain_list_order_without_gaps() {
        let all = vec![
            channel("a", 1, 5),
            channel("b", 2, 5),
            channel("c", 2, 5),
            channel("d", 9, 3),
            channel("e", 0, 7),
        ];
        let mut expected = all.clone();
        expected.sort_by(list_order);
        let mut seen = Vec::new();
        let mut request = PageRequest::first(2);
        loop {
            let page = paginate_desc(all.clone(), list_key, &request).unwrap();
            seen.extend(page.items);
            match page.next {
                Some(token) => request.token = Some(token),
                None => break,
            }
        }
        assert_eq!(seen, expected);
    }
}
