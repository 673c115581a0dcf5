//! DynamoDB [`IdempotencyStore`]: one item per scope in the tokens table (layout in `item`), TTL set to
//! the record's expiry. Every operation is one request:
//! - `claim` is a `PutItem` on condition that the key is free — no item, an expired one, or an
//!   in-progress one whose lease ran out — returning the old item when the condition fails
//!   (`ReturnValuesOnConditionCheckFailure`), which the shared rules turn into a replay, a mismatch or
//!   an in-progress answer without a second read. DynamoDB evaluates the condition and writes
//!   atomically per item, so of concurrent claims exactly one puts.
//! - `complete` is an `UpdateItem` and `release` a `DeleteItem`, both on condition that the item is
//!   still the in-progress claim made at `claimed_at`.

use super::Context;
use super::attrs::{attr, unix_nanos};
use super::errors::{WriteFailure, write_failure};
use super::keys::PK;
use crate::error::StoreError;
use crate::idempotency_ports::{
    Claim, ClaimOutcome, IdempotencyRecord, IdempotencyScope, IdempotencyStore, StoredResponse,
};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;
use item::{claim_item, idempotency_key, name, record_from, response_values};
use std::sync::Arc;
use time::OffsetDateTime;

pub(crate) mod item;

/// The condition under which an item is still the in-progress claim made at `:claimedAt`.
const PENDING_CLAIM: &str =
    "attribute_exists(#pk) AND attribute_not_exists(#status) AND #claimedAt = :claimedAt";

/// Idempotency records in DynamoDB.
#[derive(Debug, Clone)]
pub struct DynamoIdempotencyStore {
    context: Arc<Context>,
    tokens_table: Arc<str>,
}

impl DynamoIdempotencyStore {
    pub(super) fn new(context: Arc<Context>, tokens_table: Arc<str>) -> Self {
        Self {
            context,
            tokens_table,
        }
    }
}

#[async_trait]
impl IdempotencyStore for DynamoIdempotencyStore {
    async fn claim(&self, claim: &Claim) -> Result<ClaimOutcome, StoreError> {
        let ctx = &self.context;
        let record = IdempotencyRecord::of_claim(claim);
        let request = ctx
            .client
            .put_item()
            .table_name(&*self.tokens_table)
            .set_item(Some(claim_item(&claim.scope, &record)))
            .condition_expression(
                "attribute_not_exists(#pk) OR #expiresAtNanos <= :now \
                 OR (attribute_not_exists(#status) AND #leaseUntil <= :now)",
            )
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#expiresAtNanos", attr::EXPIRES_AT_NANOS)
            .expression_attribute_names("#status", name::STATUS)
            .expression_attribute_names("#leaseUntil", name::LEASE_UNTIL_NANOS)
            .expression_attribute_values(":now", unix_nanos(claim.now))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        match ctx.send(request.send()).await {
            Ok(_) => Ok(ClaimOutcome::Fresh),
            Err(err) => match write_failure("PutItem", err) {
                WriteFailure::ConditionFailed(Some(old)) => Ok(record_from(&old)?.answer(&claim.fingerprint)),
                // The condition only fails on an existing item, which DynamoDB returns; without it
                // nothing can be answered, so the caller retries.
                WriteFailure::ConditionFailed(None) => Err(StoreError::Unavailable(
                    "dynamodb PutItem: no old item returned with the failed condition".into(),
                )),
                WriteFailure::Other(err) => Err(err),
            },
        }
    }

    async fn complete(
        &self,
        scope: &IdempotencyScope,
        claimed_at: OffsetDateTime,
        response: &StoredResponse,
    ) -> Result<(), StoreError> {
        let ctx = &self.context;
        let values = response_values(response);
        let set = values
            .iter()
            .enumerate()
            .map(|(i, _)| format!("#r{i} = :r{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut request = ctx
            .client
            .update_item()
            .table_name(&*self.tokens_table)
            .set_key(Some(idempotency_key(scope)))
            .update_expression(format!("SET {set}"))
            .condition_expression(PENDING_CLAIM)
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#status", name::STATUS)
            .expression_attribute_names("#claimedAt", name::CLAIMED_AT_NANOS)
            .expression_attribute_values(":claimedAt", unix_nanos(claimed_at));
        for (i, (attribute, value)) in values.into_iter().enumerate() {
            request = request
                .expression_attribute_names(format!("#r{i}"), attribute)
                .expression_attribute_values(format!(":r{i}"), value);
        }
        match ctx.send(request.send()).await {
            Ok(_) => Ok(()),
            Err(err) => match write_failure("UpdateItem", err) {
                WriteFailure::ConditionFailed(_) => Err(StoreError::Conflict(
                    "the idempotency claim is no longer held".into(),
                )),
                WriteFailure::Other(err) => Err(err),
            },
        }
    }

    async fn release(&self, scope: &IdempotencyScope, claimed_at: OffsetDateTime) -> Result<(), StoreError> {
        let ctx = &self.context;
        let request = ctx
            .client
            .delete_item()
            .table_name(&*self.tokens_table)
            .set_key(Some(idempotency_key(scope)))
            .condition_expression(PENDING_CLAIM)
            .expression_attribute_names("#pk", PK)
            .expression_attribute_names("#status", name::STATUS)
            .expression_attribute_names("#claimedAt", name::CLAIMED_AT_NANOS)
            .expression_attribute_values(":claimedAt", unix_nanos(claimed_at));
        match ctx.send(request.send()).await {
            Ok(_) => Ok(()),
            Err(err) => match write_failure("DeleteItem", err) {
                WriteFailure::ConditionFailed(_) => Ok(()),
                WriteFailure::Other(err) => Err(err),
            },
        }
    }
}
