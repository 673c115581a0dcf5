//! DynamoDB [`LockoutStore`]: one counter item per lockout key in the tokens table. A failure is one
//! atomic `ADD` (no read-modify-write race between concurrent logins), and the item's TTL is the end of
//! its window; the window is part of the key, so a lapsed counter is never read again even while TTL
//! has not deleted it yet.
//!
//! A reservation is the same `ADD` under the condition `attribute_not_exists(failures) OR failures <
//! :limit`: DynamoDB evaluates the condition and applies the update atomically per item, so concurrent
//! reservations of one key never take it past the limit, and a refused one writes nothing.

use super::Context;
use super::attrs::{Item, Reader, epoch_seconds, n};
use super::errors::{WriteFailure, unavailable, write_failure};
pub(crate) mod item;

use super::attrs::attr;
use super::keys::PK;
use crate::LockoutStore;
use crate::error::StoreError;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use item::{failures_from, lock_key, lock_pk};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use time::OffsetDateTime;

/// Failed-login counters in DynamoDB.
#[derive(Debug, Clone)]
pub struct DynamoLockoutStore {
    context: Arc<Context>,
    tokens_table: Arc<str>,
}

impl DynamoLockoutStore {
    pub(super) fn new(context: Arc<Context>, tokens_table: Arc<str>) -> Self {
        Self {
            context,
            tokens_table,
        }
    }

    /// Every counter under `keys` (distinct, at most [`BATCH_GET_LIMIT`]) that exists.
    async fn batch_get(&self, keys: Vec<Item>) -> Result<Vec<Item>, StoreError> {
        super::batch::batch_get(
            &self.context,
            &self.tokens_table,
            keys,
            Some(&[PK, attr::FAILURES]),
        )
        .await
    }
}

/// Most keys one `BatchGetItem` may ask for.
const BATCH_GET_LIMIT: usize = 100;

#[async_trait]
impl LockoutStore for DynamoLockoutStore {
    /// One `BatchGetItem` per 100 distinct keys (a login checks two: the account and the IP).
    async fn failures(&self, keys: &[String]) -> Result<Vec<u32>, StoreError> {
        // BatchGetItem refuses duplicate keys, so each is asked for once.
        let mut seen = HashSet::new();
        let distinct: Vec<&String> = keys.iter().filter(|k| seen.insert(k.as_str())).collect();
        let mut counts: HashMap<String, u32> = HashMap::new();
        for chunk in distinct.chunks(BATCH_GET_LIMIT) {
            let items = self
                .batch_get(chunk.iter().map(|k| lock_key(k)).collect())
                .await?;
            for item in &items {
                counts.insert(Reader::new(item).s(PK)?.to_owned(), failures_from(item)?);
            }
        }
        Ok(keys
            .iter()
            .map(|k| counts.get(&lock_pk(k)).copied().unwrap_or(0))
            .collect())
    }

    async fn add_failure(&self, key: &str, expires_at: OffsetDateTime) -> Result<u32, StoreError> {
        let ctx = &self.context;
        let request = ctx
            .client
            .update_item()
            .table_name(&*self.tokens_table)
            .set_key(Some(lock_key(key)))
            .update_expression("ADD #failures :one SET #ttl = :ttl")
            .expression_attribute_names("#failures", attr::FAILURES)
            .expression_attribute_names("#ttl", attr::TTL)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":ttl", epoch_seconds(expires_at))
            .return_values(ReturnValue::UpdatedNew);
        let output = ctx
            .send(request.send())
            .await
            .map_err(|e| unavailable("UpdateItem", &e))?;
        let updated = output.attributes.unwrap_or_default();
        failures_from(&updated)
    }

    async fn reserve(
        &self,
        key: &str,
        limit: u32,
        expires_at: OffsetDateTime,
    ) -> Result<Option<u32>, StoreError> {
        let ctx = &self.context;
        let request = ctx
            .client
            .update_item()
            .table_name(&*self.tokens_table)
            .set_key(Some(lock_key(key)))
            .update_expression("ADD #failures :one SET #ttl = :ttl")
            .condition_expression("attribute_not_exists(#failures) OR #failures < :limit")
            .expression_attribute_names("#failures", attr::FAILURES)
            .expression_attribute_names("#ttl", attr::TTL)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":limit", n(u64::from(limit)))
            .expression_attribute_values(":ttl", epoch_seconds(expires_at))
            .return_values(ReturnValue::UpdatedNew);
        match ctx.send(request.send()).await {
            Ok(output) => failures_from(&output.attributes.unwrap_or_default()).map(Some),
            Err(err) => match write_failure("UpdateItem", err) {
                WriteFailure::ConditionFailed(_) => Ok(None),
                WriteFailure::Other(err) => Err(err),
            },
        }
    }

    async fn release(&self, key: &str) -> Result<(), StoreError> {
        let ctx = &self.context;
        let request = ctx
            .client
            .update_item()
            .table_name(&*self.tokens_table)
            .set_key(Some(lock_key(key)))
            .update_expression("ADD #failures :minus_one")
            // Only an existing, positive counter: a release never creates an item or goes negative
            // (the counter may have been cleared by a successful login meanwhile).
            .condition_expression("#failures > :zero")
            .expression_attribute_names("#failures", attr::FAILURES)
            .expression_attribute_values(":minus_one", AttributeValue::N("-1".into()))
            .expression_attribute_values(":zero", n(0));
        match ctx.send(request.send()).await {
            Ok(_) => Ok(()),
            Err(err) => match write_failure("UpdateItem", err) {
                WriteFailure::ConditionFailed(_) => Ok(()),
                WriteFailure::Other(err) => Err(err),
            },
        }
    }

    async fn clear(&self, key: &str) -> Result<(), StoreError> {
        let ctx = &self.context;
        let request = ctx
            .client
            .delete_item()
            .table_name(&*self.tokens_table)
            .set_key(Some(lock_key(key)));
        ctx.send(request.send())
            .await
            .map_err(|e| unavailable("DeleteItem", &e))?;
        Ok(())
    }
}
