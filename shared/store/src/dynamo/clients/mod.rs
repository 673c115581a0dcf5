//! DynamoDB [`ClientStore`]: one item per client, listed newest first through `gsi1`.

use super::Context;
use super::attrs::{Item, Reader, s};
use super::errors::{WriteFailure, unavailable, write_failure};
use super::query::read_page;
use super::versioned::{put_new, put_versioned};
pub(crate) mod item;

use super::keys::{GSI1, GSI1PK, GSI1SK, PK, SK};
use crate::error::StoreError;
use crate::{ClientStore, page_token};
use async_trait::async_trait;
use item::{
    CLIENT_SK, CLIENTS_PARTITION, client_from, client_id_of_pk, client_item, client_key, is_client_gsi1sk,
};
use onair_domain::client::Client;
use onair_domain::{ClientId, Page, PageRequest};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// OAuth client registrations in DynamoDB.
#[derive(Debug, Clone)]
pub struct DynamoClientStore {
    context: Arc<Context>,
}

impl DynamoClientStore {
    pub(super) fn new(context: Arc<Context>) -> Self {
        Self { context }
    }
}

/// Where the next page of clients starts: the index key of the last client returned, exactly what
/// DynamoDB wants as `ExclusiveStartKey`.
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientCursor {
    pk: String,
    sk: String,
    gsi1pk: String,
    gsi1sk: String,
}

impl ClientCursor {
    fn after(item: &Item) -> Result<Self, StoreError> {
        let r = Reader::new(item);
        Ok(Self {
            pk: r.s(PK)?.to_owned(),
            sk: r.s(SK)?.to_owned(),
            gsi1pk: r.s(GSI1PK)?.to_owned(),
            gsi1sk: r.s(GSI1SK)?.to_owned(),
        })
    }

    /// The start key, if the cursor is one this store could have issued; a forged key could otherwise
    /// make DynamoDB fail with a validation error or start in another partition.
    fn into_start_key(self) -> Result<Item, StoreError> {
        let id = client_id_of_pk(&self.pk).ok_or(StoreError::InvalidPageToken)?;
        let valid =
            self.sk == CLIENT_SK && self.gsi1pk == CLIENTS_PARTITION && is_client_gsi1sk(&self.gsi1sk, &id);
        if !valid {
            return Err(StoreError::InvalidPageToken);
        }
        Ok(Item::from([
            (PK.to_owned(), s(self.pk)),
            (SK.to_owned(), s(self.sk)),
            (GSI1PK.to_owned(), s(self.gsi1pk)),
            (GSI1SK.to_owned(), s(self.gsi1sk)),
        ]))
    }
}

#[async_trait]
impl ClientStore for DynamoClientStore {
    async fn create(&self, client: &Client) -> Result<(), StoreError> {
        if put_new(&self.context, client_item(client)?).await? {
            Ok(())
        } else {
            Err(StoreError::Conflict("client id already exists".into()))
        }
    }

    async fn get(&self, id: &ClientId) -> Result<Client, StoreError> {
        let ctx = &self.context;
        let request = ctx
            .client
            .get_item()
            .table_name(&ctx.table)
            .set_key(Some(client_key(id)))
            .consistent_read(true);
        let output = ctx
            .send(request.send())
            .await
            .map_err(|e| unavailable("GetItem", &e))?;
        output
            .item()
            .map(client_from)
            .unwrap_or(Err(StoreError::NotFound))
    }

    async fn list(&self, page: &PageRequest) -> Result<Page<Client>, StoreError> {
        let start = match &page.token {
            Some(token) => Some(page_token::decode::<ClientCursor>(token)?.into_start_key()?),
            None => None,
        };
        let ctx = &self.context;
        let (items, more) = read_page(ctx, page.limit, start, |start, limit| {
            ctx.client
                .query()
                .table_name(&ctx.table)
                .index_name(GSI1)
                .key_condition_expression("#gpk = :gpk")
                .expression_attribute_names("#gpk", GSI1PK)
                .expression_attribute_values(":gpk", s(CLIENTS_PARTITION))
                .scan_index_forward(false)
                .limit(limit)
                .set_exclusive_start_key(start)
        })
        .await?;
        let next = match items.last() {
            Some(last) if more => Some(page_token::encode(&ClientCursor::after(last)?)?),
            _ => None,
        };
        let items = items.iter().map(client_from).collect::<Result<_, _>>()?;
        Ok(Page { items, next })
    }

    async fn update(&self, client: &Client, expected_version: u64) -> Result<(), StoreError> {
        put_versioned(&self.context, client_item(client)?, expected_version).await
    }

    async fn delete(&self, id: &ClientId) -> Result<(), StoreError> {
        let ctx = &self.context;
        let request = ctx
            .client
            .delete_item()
            .table_name(&ctx.table)
            .set_key(Some(client_key(id)))
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", PK);
        match ctx.send(request.send()).await {
            Ok(_) => Ok(()),
            Err(err) => match write_failure("DeleteItem", err) {
                WriteFailure::ConditionFailed(_) => Err(StoreError::NotFound),
                WriteFailure::Other(err) => Err(err),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use item::{client_gsi1sk, client_pk};
    use time::OffsetDateTime;

    fn cursor_for(id: &str) -> ClientCursor {
        let id = ClientId::parse(id).unwrap();
        ClientCursor {
            pk: client_pk(&id),
            sk: CLIENT_SK.into(),
            gsi1pk: CLIENTS_PARTITION.into(),
            gsi1sk: client_gsi1sk(OffsetDateTime::UNIX_EPOCH, &id),
        }
    }

    #[test]
    fn issued_cursors_round_trip_through_tokens() {
        let token = page_token::encode(&cursor_for("c1")).unwrap();
        let key = page_token::decode::<ClientCursor>(&token)
            .unwrap()
            .into_start_key()
            .unwrap();
        assert_eq!(ClientCursor::after(&key).unwrap(), cursor_for("c1"));
    }

    #[test]
    fn forged_cursors_are_rejected() {
        let other_id = ClientCursor {
            gsi1sk: cursor_for("c2").gsi1sk,
            ..cursor_for("c1")
        };
        let other_partition = ClientCursor {
            gsi1pk: "USERS".into(),
            ..cursor_for("c1")
        };
        let user_key = ClientCursor {
            pk: "USER#c1".into(),
            ..cursor_for("c1")
        };
        for forged in [other_id, other_partition, user_key] {
            assert_eq!(forged.into_start_key().unwrap_err(), StoreError::InvalidPageToken);
        }
        assert_eq!(
            page_token::decode::<ClientCursor>(&page_token::encode(&(1, 2)).unwrap()).unwrap_err(),
            StoreError::InvalidPageToken
        );
    }
}
