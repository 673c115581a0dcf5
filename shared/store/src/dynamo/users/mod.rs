//! DynamoDB [`UserStore`]: a profile item in the user's partition plus a login reservation item, kept
//! together by transactions so a login is never taken twice nor left behind.

use super::Context;
use super::attrs::{Item, Reader, n, s};
use super::errors::{build_failed, cancelled, unavailable, version_failure, write_failure};
pub(crate) mod item;

use super::attrs::attr;
use super::keys::{PK, SK};
use crate::UserStore;
use crate::dynamo::channels::item::is_channel_sk;
use crate::error::StoreError;
use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Delete, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem};
use item::{
    PROFILE_SK, login_item, login_key, login_user_id, new_user_item, profile_key, user_from,
    user_mutable_fields, user_pk,
};
use onair_domain::UserId;
use onair_domain::user::User;
use std::collections::HashMap;
use std::sync::Arc;

/// Users and their unique logins in DynamoDB.
#[derive(Debug, Clone)]
pub struct DynamoUserStore {
    context: Arc<Context>,
}

impl DynamoUserStore {
    pub(super) fn new(context: Arc<Context>) -> Self {
        Self { context }
    }

    /// A user's profile item, read consistently.
    async fn profile(&self, id: &UserId) -> Result<Option<Item>, StoreError> {
        let ctx = &self.context;
        let request = ctx
            .client
            .get_item()
            .table_name(&ctx.table)
            .set_key(Some(profile_key(id)))
            .consistent_read(true);
        let output = ctx
            .send(request.send())
            .await
            .map_err(|e| unavailable("GetItem", &e))?;
        Ok(output.item)
    }
}

/// Every item of a user's partition (profile and channels), read consistently. One request in
/// practice: 50 channels and a profile are far below DynamoDB's 1 MB page, but further pages are
/// followed rather than silently dropped.
pub(super) async fn read_partition(ctx: &Context, id: &UserId) -> Result<Vec<Item>, StoreError> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let request = ctx
            .client
            .query()
            .table_name(&ctx.table)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", PK)
            .expression_attribute_values(":pk", s(user_pk(id)))
            .consistent_read(true)
            .set_exclusive_start_key(start);
        let output = ctx
            .send(request.send())
            .await
            .map_err(|e| unavailable("Query", &e))?;
        start = output.last_evaluated_key;
        items.extend(output.items.unwrap_or_default());
        if start.is_none() {
            return Ok(items);
        }
    }
}

/// Whether an item is a profile (as opposed to a channel in the same partition).
pub(super) fn is_profile(item: &Item) -> bool {
    Reader::new(item).s(SK).is_ok_and(|sk| sk == PROFILE_SK)
}

fn put(table: &str, item: Item, condition: &str) -> Result<TransactWriteItem, StoreError> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression(condition)
        .expression_attribute_names("#pk", PK)
        .build()
        .map_err(build_failed)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

fn delete(table: &str, key: Item) -> Result<TransactWriteItem, StoreError> {
    let delete = Delete::builder()
        .table_name(table)
        .set_key(Some(key))
        .build()
        .map_err(build_failed)?;
    Ok(TransactWriteItem::builder().delete(delete).build())
}

/// The primary key of an item read from the table.
fn key_of(item: &Item) -> Item {
    item.iter()
        .filter(|(name, _)| *name == PK || *name == SK)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[async_trait]
impl UserStore for DynamoUserStore {
    async fn create(&self, user: &User) -> Result<(), StoreError> {
        let ctx = &self.context;
        const NEW: &str = "attribute_not_exists(#pk)";
        let request = ctx
            .client
            .transact_write_items()
            .transact_items(put(&ctx.table, new_user_item(user)?, NEW)?)
            .transact_items(put(&ctx.table, login_item(user), NEW)?);
        let Err(err) = ctx.send(request.send()).await else {
            return Ok(());
        };
        let cancelled = cancelled("TransactWriteItems", err)?;
        Err(cancelled.conflict_of(&["user id already exists", "login already taken"]))
    }

    async fn get(&self, id: &UserId) -> Result<User, StoreError> {
        self.profile(id)
            .await?
            .as_ref()
            .map(user_from)
            .unwrap_or(Err(StoreError::NotFound))
    }

    async fn find_by_login(&self, login: &str) -> Result<User, StoreError> {
        let ctx = &self.context;
        let request = ctx
            .client
            .get_item()
            .table_name(&ctx.table)
            .set_key(Some(login_key(login)))
            .consistent_read(true);
        let output = ctx
            .send(request.send())
            .await
            .map_err(|e| unavailable("GetItem", &e))?;
        let id = output
            .item()
            .map(login_user_id)
            .unwrap_or(Err(StoreError::NotFound))?;
        self.get(&id).await
    }

    async fn update(&self, user: &User, expected_version: u64) -> Result<(), StoreError> {
        let ctx = &self.context;
        // Placeholders are the attribute names themselves (all plain camelCase), which sidesteps
        // DynamoDB's reserved words and keeps one placeholder per attribute.
        let mut set = Vec::new();
        let mut remove = Vec::new();
        let mut names = HashMap::from([("#pk".to_owned(), PK.to_owned())]);
        let mut values = HashMap::from([(":expected".to_owned(), n(expected_version))]);
        for (name, value) in user_mutable_fields(user)? {
            names.insert(format!("#{name}"), name.to_owned());
            match value {
                Some(value) => {
                    set.push(format!("#{name} = :{name}"));
                    values.insert(format!(":{name}"), value);
                }
                None => remove.push(format!("#{name}")),
            }
        }
        let mut expression = format!("SET {}", set.join(", "));
        if !remove.is_empty() {
            expression.push_str(&format!(" REMOVE {}", remove.join(", ")));
        }
        let request = ctx
            .client
            .update_item()
            .table_name(&ctx.table)
            .set_key(Some(profile_key(&user.id)))
            .update_expression(expression)
            .condition_expression(format!(
                "attribute_exists(#pk) AND #{} = :expected",
                attr::VERSION
            ))
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        match ctx.send(request.send()).await {
            Ok(_) => Ok(()),
            Err(err) => Err(version_failure(
                write_failure("UpdateItem", err),
                expected_version,
            )),
        }
    }

    async fn delete(&self, id: &UserId) -> Result<(), StoreError> {
        let ctx = &self.context;
        let items = read_partition(ctx, id).await?;
        let profile = items
            .iter()
            .find(|item| is_profile(item))
            .ok_or(StoreError::NotFound)?;
        let channels: Vec<&Item> = items
            .iter()
            .filter(|item| Reader::new(item).s(SK).is_ok_and(is_channel_sk))
            .collect();
        let login = Reader::new(profile).s(attr::LOGIN)?;
        // The count condition makes the delete lose against a channel created after the query, which
        // would otherwise survive its owner.
        let profile_delete = Delete::builder()
            .table_name(&ctx.table)
            .set_key(Some(profile_key(id)))
            .condition_expression("#count = :count")
            .expression_attribute_names("#count", attr::CHANNEL_COUNT)
            .expression_attribute_values(":count", n(channels.len() as u64))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(build_failed)?;
        let mut request = ctx
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().delete(profile_delete).build())
            .transact_items(delete(&ctx.table, login_key(login))?);
        for channel in channels {
            request = request.transact_items(delete(&ctx.table, key_of(channel))?);
        }
        let Err(err) = ctx.send(request.send()).await else {
            return Ok(());
        };
        let cancelled = cancelled("TransactWriteItems", err)?;
        if !cancelled.condition_failed(0) {
            return Err(cancelled.otherwise());
        }
        // The profile changed or vanished since the query: `ALL_OLD` returns it only if it exists.
        Err(if cancelled.old_item(0).is_some() {
            StoreError::Conflict("user changed concurrently, retry".into())
        } else {
            StoreError::NotFound
        })
    }
}
