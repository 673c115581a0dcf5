//! The paged reads of the adapters: a `Query` that returns exactly one page in list order and says
//! whether another page follows ([`read_page`]), and one that reads every page ([`read_all`]).
//!
//! It asks for one item more than the page: that item's presence says whether a next page exists, so the
//! last page never carries a token that leads to an empty page. A short read that still has a
//! `LastEvaluatedKey` means DynamoDB stopped at its 1 MB response limit, so it reads on.

use super::Context;
use super::attrs::Item;
use super::errors::unavailable;
use crate::error::StoreError;
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;

/// DynamoDB's `Limit` is an `i32`; larger asks are capped (a page never comes near either bound).
pub(super) fn request_limit(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// One page of at most `limit` items, starting after `start`, and whether more follow. `query` builds
/// the request for a start key and a `Limit`; everything else (table, index, key condition, order,
/// consistency) is the caller's.
pub(super) async fn read_page(
    ctx: &Context,
    limit: usize,
    mut start: Option<Item>,
    query: impl Fn(Option<Item>, i32) -> QueryFluentBuilder,
) -> Result<(Vec<Item>, bool), StoreError> {
    let limit = limit.max(1);
    let wanted = limit.saturating_add(1);
    let mut items = Vec::new();
    loop {
        let request = query(start.take(), request_limit(wanted - items.len()));
        let output = ctx
            .send(request.send())
            .await
            .map_err(|e| unavailable("Query", &e))?;
        start = output.last_evaluated_key().cloned();
        items.extend(output.items.unwrap_or_default());
        if items.len() >= wanted || start.is_none() {
            break;
        }
    }
    let more = items.len() > limit;
    items.truncate(limit);
    Ok((items, more))
}

/// Every item the query matches, page after page (DynamoDB stops each response at 1 MB). `query`
/// builds the request for a start key; everything else is the caller's.
pub(super) async fn read_all(
    ctx: &Context,
    query: impl Fn(Option<Item>) -> QueryFluentBuilder,
) -> Result<Vec<Item>, StoreError> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let output = ctx
            .send(query(start.take()).send())
            .await
            .map_err(|e| unavailable("Query", &e))?;
        start = output.last_evaluated_key().cloned();
        items.extend(output.items.unwrap_or_default());
        if start.is_none() {
            return Ok(items);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_beyond_i32_are_capped() {
        assert_eq!(request_limit(usize::MAX), i32::MAX);
        assert_eq!(request_limit(6), 6);
    }
}
