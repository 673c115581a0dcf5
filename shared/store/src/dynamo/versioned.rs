//! The conditional whole-item writes of the adapters: create an item only if its key is free, and
//! replace one only if it exists and still carries the version the caller read.

use super::Context;
use super::attrs::{Item, attr, n};
use super::errors::{WriteFailure, version_failure, write_failure};
use super::keys::PK;
use crate::error::StoreError;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;

/// Puts `item` if no item has its key yet. `Ok(false)` when one does: the caller words that conflict
/// (or, for an append a retry may repeat, accepts it).
pub(super) async fn put_new(ctx: &Context, item: Item) -> Result<bool, StoreError> {
    let request = ctx
        .client
        .put_item()
        .table_name(&ctx.table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(#pk)")
        .expression_attribute_names("#pk", PK);
    match ctx.send(request.send()).await {
        Ok(_) => Ok(true),
        Err(err) => match write_failure("PutItem", err) {
            WriteFailure::ConditionFailed(_) => Ok(false),
            WriteFailure::Other(err) => Err(err),
        },
    }
}

/// Puts `item` (which already carries `expected_version + 1`) if the stored item's version is
/// `expected_version`. A lost race is `Conflict` naming the version found, a missing item `NotFound`.
pub(super) async fn put_versioned(
    ctx: &Context,
    item: Item,
    expected_version: u64,
) -> Result<(), StoreError> {
    let request = ctx
        .client
        .put_item()
        .table_name(&ctx.table)
        .set_item(Some(item))
        .condition_expression("attribute_exists(#pk) AND #version = :expected")
        .expression_attribute_names("#pk", PK)
        .expression_attribute_names("#version", attr::VERSION)
        .expression_attribute_values(":expected", n(expected_version))
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
    match ctx.send(request.send()).await {
        Ok(_) => Ok(()),
        Err(err) => Err(version_failure(write_failure("PutItem", err), expected_version)),
    }
}
