//! The one optimistic-concurrency write of the adapters: replace a whole item only if it exists and
//! still carries the version the caller read.

use super::Context;
use super::attrs::{Item, attr, n};
use super::errors::{version_failure, write_failure};
use super::keys::PK;
use crate::error::StoreError;
use aws_sdk_dynamodb::types::ReturnValuesOnConditionCheckFailure;

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
