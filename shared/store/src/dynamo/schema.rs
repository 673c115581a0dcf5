//! The DynamoDB tables this code expects, as plain data.
//!
//! The same specs create tables for tests and local bootstrap ([`create_table`]) and are compared with
//! `template.yaml` by the drift test, so the deployed schema, the test schema and the key names used in
//! code cannot disagree. Every key attribute is a string (`S`).

use super::errors::{build_failed, unavailable};
use super::keys;
use crate::error::StoreError;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::operation::create_table::CreateTableError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TableStatus, TimeToLiveSpecification, TimeToLiveStatus,
};
use std::time::Duration;

/// One table: its template resource, the environment variable carrying its name, keys, indexes, TTL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableSpec {
    /// Logical id of the table in `template.yaml`.
    pub logical_id: &'static str,
    /// Environment variable holding the deployed table name.
    pub env_var: &'static str,
    /// Partition key attribute.
    pub hash_key: &'static str,
    /// Sort key attribute, if any.
    pub range_key: Option<&'static str>,
    /// Global secondary indexes (all project every attribute).
    pub indexes: &'static [IndexSpec],
    /// Attribute holding the expiry time in epoch seconds, if the table uses TTL.
    pub ttl_attribute: Option<&'static str>,
}

/// A global secondary index with `ALL` projection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IndexSpec {
    /// Index name.
    pub name: &'static str,
    /// Partition key attribute.
    pub hash_key: &'static str,
    /// Sort key attribute, if any.
    pub range_key: Option<&'static str>,
}

/// Clients, users, login reservations and channels (see [`super::keys`] for the layout).
pub const REGISTRATIONS: TableSpec = TableSpec {
    logical_id: "RegistrationsTable",
    env_var: "ONAIR_REGISTRATIONS_TABLE",
    hash_key: keys::PK,
    range_key: Some(keys::SK),
    indexes: &[IndexSpec {
        name: keys::GSI1,
        hash_key: keys::GSI1PK,
        range_key: Some(keys::GSI1SK),
    }],
    ttl_attribute: None,
};

/// Short-lived OAuth state: authorization codes, refresh tokens, lockouts. Expired items are filtered
/// in code as well, because DynamoDB deletes them lazily (up to days late).
pub const TOKENS: TableSpec = TableSpec {
    logical_id: "TokensTable",
    env_var: "ONAIR_TOKENS_TABLE",
    hash_key: keys::PK,
    range_key: None,
    indexes: &[],
    ttl_attribute: Some("expiresAt"),
};

/// Every table of the application.
pub const TABLES: &[&TableSpec] = &[&REGISTRATIONS, &TOKENS];

/// How often, and how far apart, [`create_table`] checks that a new table is ready.
const READY_POLLS: u32 = 60;
const READY_POLL_INTERVAL: Duration = Duration::from_millis(500);

fn key_schema(hash: &str, range: Option<&str>) -> Result<Vec<KeySchemaElement>, StoreError> {
    let hash = KeySchemaElement::builder()
        .attribute_name(hash)
        .key_type(KeyType::Hash)
        .build();
    let range = range.map(|r| {
        KeySchemaElement::builder()
            .attribute_name(r)
            .key_type(KeyType::Range)
            .build()
    });
    std::iter::once(hash)
        .chain(range)
        .map(|k| k.map_err(build_failed))
        .collect()
}

fn attribute_definitions(spec: &TableSpec) -> Result<Vec<AttributeDefinition>, StoreError> {
    let mut names = vec![spec.hash_key];
    names.extend(spec.range_key);
    for index in spec.indexes {
        names.push(index.hash_key);
        names.extend(index.range_key);
    }
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(build_failed)
        })
        .collect()
}

fn global_indexes(spec: &TableSpec) -> Result<Option<Vec<GlobalSecondaryIndex>>, StoreError> {
    if spec.indexes.is_empty() {
        return Ok(None);
    }
    let all = Projection::builder().projection_type(ProjectionType::All).build();
    spec.indexes
        .iter()
        .map(|index| {
            GlobalSecondaryIndex::builder()
                .index_name(index.name)
                .set_key_schema(Some(key_schema(index.hash_key, index.range_key)?))
                .projection(all.clone())
                .build()
                .map_err(build_failed)
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// Creates table `name` as `spec` describes (on-demand billing), waits until it is active and enables
/// TTL. Idempotent: an existing table is accepted as is (its schema is not compared).
pub async fn create_table(client: &Client, spec: &TableSpec, name: &str) -> Result<(), StoreError> {
    let created = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_attribute_definitions(Some(attribute_definitions(spec)?))
        .set_key_schema(Some(key_schema(spec.hash_key, spec.range_key)?))
        .set_global_secondary_indexes(global_indexes(spec)?)
        .send()
        .await;
    match created {
        Ok(_) => {}
        Err(err)
            if matches!(
                err.as_service_error(),
                Some(CreateTableError::ResourceInUseException(_))
            ) => {}
        Err(err) => return Err(unavailable("CreateTable", &err)),
    }
    wait_until_active(client, name).await?;
    if let Some(attribute) = spec.ttl_attribute {
        enable_ttl(client, name, attribute).await?;
    }
    Ok(())
}

async fn wait_until_active(client: &Client, name: &str) -> Result<(), StoreError> {
    for _ in 0..READY_POLLS {
        let described = client
            .describe_table()
            .table_name(name)
            .send()
            .await
            .map_err(|e| unavailable("DescribeTable", &e))?;
        if described.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
            return Ok(());
        }
        tokio::time::sleep(READY_POLL_INTERVAL).await;
    }
    Err(StoreError::Unavailable(format!(
        "table {name} did not become active"
    )))
}

/// Enables TTL unless it already is: enabling it twice is a validation error.
async fn enable_ttl(client: &Client, name: &str, attribute: &str) -> Result<(), StoreError> {
    let described = client
        .describe_time_to_live()
        .table_name(name)
        .send()
        .await
        .map_err(|e| unavailable("DescribeTimeToLive", &e))?;
    let current = described.time_to_live_description();
    let on = matches!(
        current.and_then(|d| d.time_to_live_status()),
        Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
    );
    if on && current.and_then(|d| d.attribute_name()) == Some(attribute) {
        return Ok(());
    }
    let ttl = TimeToLiveSpecification::builder()
        .attribute_name(attribute)
        .enabled(true)
        .build()
        .map_err(build_failed)?;
    client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(ttl)
        .send()
        .await
        .map_err(|e| unavailable("UpdateTimeToLive", &e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_attribute_is_defined_once() {
        let names: Vec<String> = attribute_definitions(&REGISTRATIONS)
            .unwrap()
            .iter()
            .map(|d| d.attribute_name().to_owned())
            .collect();
        assert_eq!(names, ["gsi1pk", "gsi1sk", "pk", "sk"]);
        assert_eq!(attribute_definitions(&TOKENS).unwrap().len(), 1);
        assert!(global_indexes(&TOKENS).unwrap().is_none());
        assert_eq!(
            global_indexes(&REGISTRATIONS).unwrap().unwrap()[0].index_name(),
            "gsi1"
        );
    }

    #[test]
    fn tables_have_distinct_names_and_env_vars() {
        assert_eq!(TABLES.len(), 2);
        assert_ne!(TABLES[0].logical_id, TABLES[1].logical_id);
        assert_ne!(TABLES[0].env_var, TABLES[1].env_var);
    }
}
