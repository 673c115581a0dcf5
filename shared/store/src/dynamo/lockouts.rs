//! DynamoDB [`LockoutStore`]: one counter item per lockout key in the tokens table. A failure is one
//! atomic `ADD` (no read-modify-write race between concurrent logins), and the item's TTL is the end of
//! its window; the window is part of the key, so a lapsed counter is never read again even while TTL
//! has not deleted it yet.

use super::Context;
use super::attrs::{Item, Reader, epoch_seconds, n};
use super::errors::{build_failed, unavailable};
use super::items::{attr, failures_from};
use super::keys::{self, PK};
use crate::LockoutStore;
use crate::error::StoreError;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{KeysAndAttributes, ReturnValue};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
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

    /// Every item under `keys` (distinct, at most [`BATCH_GET_LIMIT`]) that exists, read consistently
    /// with one `BatchGetItem`, re-sending only keys DynamoDB left unprocessed (throttling).
    async fn batch_get(&self, mut keys: Vec<Item>) -> Result<Vec<Item>, StoreError> {
        let ctx = &self.context;
        let table = &*self.tokens_table;
        let mut found = Vec::new();
        let mut pause = FIRST_RETRY_PAUSE;
        for attempt in 0..=UNPROCESSED_RETRIES {
            if attempt > 0 {
                tokio::time::sleep(pause).await;
                pause *= 2;
            }
            let wanted = KeysAndAttributes::builder()
                .set_keys(Some(std::mem::take(&mut keys)))
                .projection_expression("#pk, #failures")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_names("#failures", attr::FAILURES)
                .consistent_read(true)
                .build()
                .map_err(build_failed)?;
            let request = ctx.client.batch_get_item().request_items(table, wanted);
            let mut output = ctx
                .send(request.send())
                .await
                .map_err(|e| unavailable("BatchGetItem", &e))?;
            if let Some(items) = output.responses.as_mut().and_then(|r| r.remove(table)) {
                found.extend(items);
            }
            keys = output
                .unprocessed_keys
                .and_then(|mut u| u.remove(table))
                .map(|k| k.keys)
                .unwrap_or_default();
            if keys.is_empty() {
                return Ok(found);
            }
        }
        Err(StoreError::Unavailable(
            "dynamodb BatchGetItem: keys still unprocessed after retries".into(),
        ))
    }
}

/// Most keys one `BatchGetItem` may ask for.
const BATCH_GET_LIMIT: usize = 100;
/// How many times `BatchGetItem` is re-sent for keys DynamoDB left unprocessed (throttling), with
/// doubling pauses from [`FIRST_RETRY_PAUSE`]; beyond that the table is treated as unavailable.
const UNPROCESSED_RETRIES: u32 = 4;
const FIRST_RETRY_PAUSE: Duration = Duration::from_millis(25);

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
                .batch_get(chunk.iter().map(|k| keys::lock_key(k)).collect())
                .await?;
            for item in &items {
                counts.insert(Reader::new(item).s(PK)?.to_owned(), failures_from(item)?);
            }
        }
        Ok(keys
            .iter()
            .map(|k| counts.get(&keys::lock_pk(k)).copied().unwrap_or(0))
            .collect())
    }

    async fn add_failure(&self, key: &str, expires_at: OffsetDateTime) -> Result<u32, StoreError> {
        let ctx = &self.context;
        let request = ctx
            .client
            .update_item()
            .table_name(&*self.tokens_table)
            .set_key(Some(keys::lock_key(key)))
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

    async fn clear(&self, key: &str) -> Result<(), StoreError> {
        let ctx = &self.context;
        let request = ctx
            .client
            .delete_item()
            .table_name(&*self.tokens_table)
            .set_key(Some(keys::lock_key(key)));
        ctx.send(request.send())
            .await
            .map_err(|e| unavailable("DeleteItem", &e))?;
        Ok(())
    }
}
