//! DynamoDB [`AuditStore`]: one item per entry in the registrations table, partitioned by UTC day and
//! sorted by time then id (layout and the reasons for the day partition in [`item`]).
//!
//! The grant store writes its entries inside its own transactions through [`audit_put`]; this store
//! appends the rest and lists a day newest first.

use super::Context;
use super::attrs::{Item, Reader, s};
use super::errors::build_failed;
use super::query::read_page;
use super::versioned::put_new;
pub(crate) mod item;

use super::keys::{PK, SK};
use crate::error::StoreError;
use crate::{AuditStore, page_token};
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use item::{audit_from, audit_item, audit_pk, is_audit_sk_of};
use onair_domain::audit::AuditEntry;
use onair_domain::{Page, PageRequest};
use std::sync::Arc;
use time::Date;

/// Entries are append-only: a second entry with the same time and id is refused.
const NEW_ENTRY: &str = "attribute_not_exists(#pk)";

/// The audit trail in DynamoDB.
#[derive(Debug, Clone)]
pub struct DynamoAuditStore {
    context: Arc<Context>,
}

impl DynamoAuditStore {
    pub(super) fn new(context: Arc<Context>) -> Self {
        Self { context }
    }
}

/// The transaction item appending `entry` to the audit trail in `table` (the registrations table).
pub(super) fn audit_put(table: &str, entry: &AuditEntry) -> Result<TransactWriteItem, StoreError> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(audit_item(entry)?))
        .condition_expression(NEW_ENTRY)
        .expression_attribute_names("#pk", PK)
        .build()
        .map_err(build_failed)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// The conflict of an audit entry whose id was already recorded at the same instant.
pub(super) fn duplicate_entry() -> StoreError {
    StoreError::Conflict("audit entry already exists".into())
}

/// Appends `entry` with one `PutItem`. `Ok(false)` when exactly this entry (same time and id) is
/// already stored, which a retried write may legitimately find.
pub(super) async fn append_entry(ctx: &Context, entry: &AuditEntry) -> Result<bool, StoreError> {
    put_new(ctx, audit_item(entry)?).await
}

/// The start key of the page after `token`, if the token is one this store could have issued for
/// `day`; a forged key could otherwise fail with a validation error or start in another partition.
fn start_key(token: &str, day: Date) -> Result<Item, StoreError> {
    let sk: String = page_token::decode(token)?;
    if !is_audit_sk_of(&sk, day) {
        return Err(StoreError::InvalidPageToken);
    }
    Ok(Item::from([
        (PK.to_owned(), s(audit_pk(day))),
        (SK.to_owned(), s(sk)),
    ]))
}

#[async_trait]
impl AuditStore for DynamoAuditStore {
    async fn append(&self, entry: &AuditEntry) -> Result<(), StoreError> {
        if append_entry(&self.context, entry).await? {
            Ok(())
        } else {
            Err(duplicate_entry())
        }
    }

    async fn list(&self, day: Date, page: &PageRequest) -> Result<Page<AuditEntry>, StoreError> {
        let ctx = &self.context;
        let start = page
            .token
            .as_deref()
            .map(|token| start_key(token, day))
            .transpose()?;
        let (items, more) = read_page(ctx, page.limit, start, |start, limit| {
            // Consistent: an entry written by the request before must be listed.
            ctx.client
                .query()
                .table_name(&ctx.table)
                .key_condition_expression("#pk = :pk")
                .expression_attribute_names("#pk", PK)
                .expression_attribute_values(":pk", s(audit_pk(day)))
                .scan_index_forward(false)
                .consistent_read(true)
                .limit(limit)
                .set_exclusive_start_key(start)
        })
        .await?;
        let next = match items.last() {
            Some(last) if more => Some(page_token::encode(&Reader::new(last).s(SK)?)?),
            _ => None,
        };
        let items = items.iter().map(audit_from).collect::<Result<_, _>>()?;
        Ok(Page { items, next })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use item::audit_sk;
    use time::OffsetDateTime;

    #[test]
    fn tokens_start_after_an_issued_sort_key_of_the_same_day_only() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_000_000_007).unwrap();
        let token = page_token::encode(&audit_sk(t, "e1")).unwrap();
        let key = start_key(&token, t.date()).unwrap();
        assert_eq!(key[PK], s("AUDIT#2023-11-14"));
        assert_eq!(key[SK], s(audit_sk(t, "e1")));
        let other_day = t.date().previous_day().unwrap();
        assert_eq!(
            start_key(&token, other_day).unwrap_err(),
            StoreError::InvalidPageToken
        );
        for forged in ["x#e1", "", "00000000000000000000#"] {
            let token = page_token::encode(&forged).unwrap();
            assert_eq!(
                start_key(&token, t.date()).unwrap_err(),
                StoreError::InvalidPageToken
            );
        }
        assert_eq!(
            start_key("!!", t.date()).unwrap_err(),
            StoreError::InvalidPageToken
        );
    }
}
