//! Key layout and item mapping of idempotency records (tokens table).
//!
//! `pk` is `IDEM#{owner}#{operation}#{key}`: user ids and operation names never contain `#` and the key
//! comes last, so the key (which may) cannot make two scopes collide. Each record is its own partition,
//! so no key is hot however many requests carry idempotency keys.

use crate::dynamo::attrs::{Item, Reader, attr, epoch_seconds, n, s, unix_nanos};
use crate::dynamo::keys::hash_key;
use crate::error::StoreError;
use crate::idempotency_ports::{IdempotencyRecord, IdempotencyScope, StoredResponse};
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::AttributeValue;
use time::OffsetDateTime;

const IDEM_PREFIX: &str = "IDEM#";

/// Attribute names of idempotency records (besides `pk`, [`attr::USER_ID`], [`attr::EXPIRES_AT_NANOS`]
/// and the TTL [`attr::TTL`]).
pub mod name {
    /// The operation (`liveBroadcasts.insert`).
    pub const OPERATION: &str = "operation";
    /// The client's key, for operators reading the table.
    pub const KEY: &str = "idempotencyKey";
    /// Fingerprint of the request that claimed the key.
    pub const FINGERPRINT: &str = "fingerprint";
    /// When the current claim was made, unix nanoseconds (identifies the claim in conditions).
    pub const CLAIMED_AT_NANOS: &str = "claimedAtNanos";
    /// End of the in-progress lease, unix nanoseconds.
    pub const LEASE_UNTIL_NANOS: &str = "leaseUntilNanos";
    /// The stored response's status; present exactly when the record is complete.
    pub const STATUS: &str = "responseStatus";
    /// The stored response's `Content-Type`.
    pub const CONTENT_TYPE: &str = "responseContentType";
    /// The stored response's body (binary; may hold a secret).
    pub const BODY: &str = "responseBody";
}

/// Key (tokens table) of the record of `scope`.
pub fn idempotency_key(scope: &IdempotencyScope) -> Item {
    hash_key(format!(
        "{IDEM_PREFIX}{}#{}#{}",
        scope.owner, scope.operation, scope.key
    ))
}

/// The in-progress item a claim puts.
pub fn claim_item(scope: &IdempotencyScope, record: &IdempotencyRecord) -> Item {
    let mut item = idempotency_key(scope);
    item.insert(attr::USER_ID.to_owned(), s(scope.owner.as_str()));
    item.insert(name::OPERATION.to_owned(), s(&scope.operation));
    item.insert(name::KEY.to_owned(), s(&scope.key));
    item.insert(name::FINGERPRINT.to_owned(), s(&record.fingerprint));
    item.insert(name::CLAIMED_AT_NANOS.to_owned(), unix_nanos(record.claimed_at));
    item.insert(name::LEASE_UNTIL_NANOS.to_owned(), unix_nanos(record.lease_until));
    item.insert(attr::EXPIRES_AT_NANOS.to_owned(), unix_nanos(record.expires_at));
    item.insert(attr::TTL.to_owned(), epoch_seconds(record.expires_at));
    item
}

/// The attribute values `complete` sets.
pub fn response_values(response: &StoredResponse) -> Vec<(&'static str, AttributeValue)> {
    let mut values = vec![
        (name::STATUS, n(u64::from(response.status))),
        (name::BODY, AttributeValue::B(Blob::new(response.body.clone()))),
    ];
    if let Some(content_type) = &response.content_type {
        values.push((name::CONTENT_TYPE, s(content_type)));
    }
    values
}

fn nanos(reader: &Reader<'_>, item: &Item, name: &str) -> Result<OffsetDateTime, StoreError> {
    match item.get(name) {
        Some(AttributeValue::N(v)) => v
            .parse::<i128>()
            .ok()
            .and_then(|v| OffsetDateTime::from_unix_timestamp_nanos(v).ok())
            .ok_or_else(|| reader.corrupt(name)),
        _ => Err(reader.corrupt(name)),
    }
}

/// The record in an item written by [`claim_item`] (and perhaps completed).
pub fn record_from(item: &Item) -> Result<IdempotencyRecord, StoreError> {
    let r = Reader::new(item);
    let response = match item.get(name::STATUS) {
        None => None,
        Some(_) => Some(StoredResponse {
            status: u16::try_from(r.u64(name::STATUS)?).map_err(|_| r.corrupt(name::STATUS))?,
            content_type: r.opt_s(name::CONTENT_TYPE)?.map(str::to_owned),
            body: match item.get(name::BODY) {
                Some(AttributeValue::B(blob)) => blob.as_ref().to_vec(),
                _ => return Err(r.corrupt(name::BODY)),
            },
        }),
    };
    Ok(IdempotencyRecord {
        fingerprint: r.s(name::FINGERPRINT)?.to_owned(),
        claimed_at: nanos(&r, item, name::CLAIMED_AT_NANOS)?,
        lease_until: nanos(&r, item, name::LEASE_UNTIL_NANOS)?,
        expires_at: nanos(&r, item, attr::EXPIRES_AT_NANOS)?,
        response,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use onair_domain::UserId;
    use time::macros::datetime;

    fn scope(key: &str) -> IdempotencyScope {
        IdempotencyScope {
            owner: UserId::parse("u1").unwrap(),
            operation: "liveBroadcasts.insert".into(),
            key: key.into(),
        }
    }

    #[test]
    fn items_read_back_as_written_with_and_without_a_response() {
        let t = datetime!(2026-11-01 00:00:00.000000001 UTC);
        let record = IdempotencyRecord {
            fingerprint: "fp".into(),
            claimed_at: t,
            lease_until: t + time::Duration::seconds(30),
            expires_at: t + time::Duration::hours(24),
            response: None,
        };
        let mut item = claim_item(&scope("k#1"), &record);
        assert_eq!(record_from(&item).unwrap(), record);
        let response = StoredResponse {
            status: 200,
            content_type: Some("application/json".into()),
            body: b"{\"id\":\"b1\"}".to_vec(),
        };
        for (name, value) in response_values(&response) {
            item.insert(name.to_owned(), value);
        }
        let read = record_from(&item).unwrap();
        assert_eq!(read.response, Some(response));
    }

    #[test]
    fn keys_keep_scopes_apart() {
        assert_ne!(idempotency_key(&scope("a")), idempotency_key(&scope("a#")));
        let mut other = scope("a");
        other.operation = "liveStreams.insert".into();
        assert_ne!(idempotency_key(&scope("a")), idempotency_key(&other));
    }
}
