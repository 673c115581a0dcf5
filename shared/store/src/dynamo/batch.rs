//! Consistent `BatchGetItem` with the retry DynamoDB asks for: keys it leaves unprocessed (throttling)
//! are re-sent with doubling pauses; every request is counted as a round trip. Also the one consistent
//! `GetItem` of a single key.

use super::Context;
use super::attrs::Item;
use super::errors::{build_failed, unavailable};
use crate::error::StoreError;
use aws_sdk_dynamodb::types::KeysAndAttributes;
use std::time::Duration;

/// How many times `BatchGetItem` is re-sent for keys DynamoDB left unprocessed, with doubling pauses
/// from [`FIRST_RETRY_PAUSE`]; beyond that the table is treated as unavailable.
const UNPROCESSED_RETRIES: u32 = 4;

/// The item at `key`, read strongly consistently in one `GetItem`; `None` if there is none.
pub(super) async fn get_consistent(ctx: &Context, key: Item) -> Result<Option<Item>, StoreError> {
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
const FIRST_RETRY_PAUSE: Duration = Duration::from_millis(25);

/// Every item under `keys` (distinct, at most 100) in `table` that exists, read consistently;
/// `projection` limits the attributes returned.
pub(super) async fn batch_get(
    ctx: &Context,
    table: &str,
    mut keys: Vec<Item>,
    projection: Option<&[&str]>,
) -> Result<Vec<Item>, StoreError> {
    let mut found = Vec::new();
    let mut pause = FIRST_RETRY_PAUSE;
    for attempt in 0..=UNPROCESSED_RETRIES {
        if attempt > 0 {
            tokio::time::sleep(pause).await;
            pause *= 2;
        }
        let mut wanted = KeysAndAttributes::builder()
            .set_keys(Some(std::mem::take(&mut keys)))
            .consistent_read(true);
        if let Some(names) = projection {
            let placeholders: Vec<String> = (0..names.len()).map(|i| format!("#p{i}")).collect();
            wanted = wanted.projection_expression(placeholders.join(", "));
            for (placeholder, name) in placeholders.iter().zip(names) {
                wanted = wanted.expression_attribute_names(placeholder, *name);
            }
        }
        let request = ctx
            .client
            .batch_get_item()
            .request_items(table, wanted.build().map_err(build_failed)?);
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
