//! Domain records as the store's opaque partition records (JSON documents with versions).

use crate::AppError;
use onair_store::StoredRecord;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The record `value` stored under `sk` at `version`.
pub fn encode<T: Serialize>(sk: String, value: &T, version: u64) -> Result<StoredRecord, AppError> {
    let doc = serde_json::to_string(value).map_err(|e| AppError::Internal(format!("encode {sk}: {e}")))?;
    Ok(StoredRecord { sk, doc, version })
}

/// The value of a stored record.
pub fn decode<T: DeserializeOwned>(record: &StoredRecord) -> Result<T, AppError> {
    serde_json::from_str(&record.doc).map_err(|_| AppError::Internal(format!("corrupt record {}", record.sk)))
}
