//! Typed reading and writing of DynamoDB attribute values.
//!
//! There is no serde bridge for the SDK's `AttributeValue` among our dependencies, and the item shapes
//! are few, so conversions are explicit. Reading is strict: a missing or ill-typed attribute means the
//! item was not written by this code, which is reported as `Unavailable` (an operator problem) with
//! the attribute's name and the item's key, never its values — an item may hold a password hash.

use crate::error::StoreError;
use aws_sdk_dynamodb::types::AttributeValue;
use std::collections::HashMap;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// One DynamoDB item (or key).
pub type Item = HashMap<String, AttributeValue>;

/// A string attribute.
pub fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

/// A number attribute.
pub fn n(value: u64) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// A timestamp attribute: RFC 3339 in UTC with full nanoseconds, so it reads back to the same instant.
pub fn timestamp(value: OffsetDateTime) -> Result<AttributeValue, StoreError> {
    value
        .to_offset(UtcOffset::UTC)
        .format(&Rfc3339)
        .map(AttributeValue::S)
        .map_err(|_| StoreError::Unavailable("timestamp outside the years 0000-9999 cannot be stored".into()))
}

/// A number attribute holding a timestamp in unix nanoseconds, for exact comparisons in conditions.
pub fn unix_nanos(value: OffsetDateTime) -> AttributeValue {
    AttributeValue::N(value.unix_timestamp_nanos().to_string())
}

/// A TTL attribute: whole epoch seconds, as DynamoDB's TTL wants them (times before 1970 become 0).
pub fn epoch_seconds(value: OffsetDateTime) -> AttributeValue {
    n(u64::try_from(value.unix_timestamp()).unwrap_or(0))
}

/// Reads the attributes of one item, naming the item's key in errors.
pub struct Reader<'a> {
    item: &'a Item,
}

impl<'a> Reader<'a> {
    /// A reader over `item`.
    pub fn new(item: &'a Item) -> Self {
        Self { item }
    }

    /// The error for an attribute that is missing or of the wrong type.
    pub fn corrupt(&self, attribute: &str) -> StoreError {
        let key = |name: &str| match self.item.get(name) {
            Some(AttributeValue::S(v)) => v.as_str(),
            _ => "?",
        };
        StoreError::Unavailable(format!(
            "corrupt item {}/{}: attribute {attribute:?} is missing or ill-typed",
            key(super::keys::PK),
            key(super::keys::SK)
        ))
    }

    /// A required string.
    pub fn s(&self, name: &str) -> Result<&'a str, StoreError> {
        self.opt_s(name)?.ok_or_else(|| self.corrupt(name))
    }

    /// An optional string (absent means `None`).
    pub fn opt_s(&self, name: &str) -> Result<Option<&'a str>, StoreError> {
        match self.item.get(name) {
            None => Ok(None),
            Some(AttributeValue::S(v)) => Ok(Some(v.as_str())),
            Some(_) => Err(self.corrupt(name)),
        }
    }

    /// A required non-negative integer.
    pub fn u64(&self, name: &str) -> Result<u64, StoreError> {
        match self.item.get(name) {
            Some(AttributeValue::N(v)) => v.parse().map_err(|_| self.corrupt(name)),
            _ => Err(self.corrupt(name)),
        }
    }

    /// A required boolean.
    pub fn bool(&self, name: &str) -> Result<bool, StoreError> {
        match self.item.get(name) {
            Some(AttributeValue::Bool(v)) => Ok(*v),
            _ => Err(self.corrupt(name)),
        }
    }

    /// A required timestamp written by [`timestamp`].
    pub fn timestamp(&self, name: &str) -> Result<OffsetDateTime, StoreError> {
        OffsetDateTime::parse(self.s(name)?, &Rfc3339).map_err(|_| self.corrupt(name))
    }

    /// An optional timestamp written by [`timestamp`] (absent means `None`).
    pub fn opt_timestamp(&self, name: &str) -> Result<Option<OffsetDateTime>, StoreError> {
        self.opt_s(name)?
            .map(|text| OffsetDateTime::parse(text, &Rfc3339).map_err(|_| self.corrupt(name)))
            .transpose()
    }

    /// A required list of strings.
    pub fn strings(&self, name: &str) -> Result<Vec<String>, StoreError> {
        match self.item.get(name) {
            Some(AttributeValue::L(values)) => values
                .iter()
                .map(|v| match v {
                    AttributeValue::S(s) => Ok(s.clone()),
                    _ => Err(self.corrupt(name)),
                })
                .collect(),
            _ => Err(self.corrupt(name)),
        }
    }

    /// A required value parsed from a string attribute (ids, enums).
    pub fn parsed<T>(&self, name: &str, parse: impl FnOnce(&str) -> Option<T>) -> Result<T, StoreError> {
        parse(self.s(name)?).ok_or_else(|| self.corrupt(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_keep_nanoseconds_and_instant() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_000_000_001)
            .unwrap()
            .to_offset(UtcOffset::from_hms(9, 0, 0).unwrap());
        let item = Item::from([("t".to_owned(), timestamp(t).unwrap())]);
        assert_eq!(Reader::new(&item).timestamp("t").unwrap(), t);
    }

    #[test]
    fn numeric_times_keep_nanoseconds_and_ttls_are_whole_seconds() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_000_000_001).unwrap();
        assert_eq!(unix_nanos(t), AttributeValue::N("1700000000000000001".into()));
        assert_eq!(epoch_seconds(t), n(1_700_000_000));
        assert_eq!(
            epoch_seconds(OffsetDateTime::UNIX_EPOCH - time::Duration::days(1)),
            n(0)
        );
        let item = Item::from([("t".to_owned(), timestamp(t).unwrap()), ("x".to_owned(), n(1))]);
        assert_eq!(Reader::new(&item).opt_timestamp("t").unwrap(), Some(t));
        assert_eq!(Reader::new(&item).opt_timestamp("missing").unwrap(), None);
        assert!(Reader::new(&item).opt_timestamp("x").is_err());
    }

    #[test]
    fn corrupt_attributes_name_the_key_but_not_values() {
        let item = Item::from([
            ("pk".to_owned(), s("USER#u")),
            ("sk".to_owned(), s("PROFILE")),
            ("passwordHash".to_owned(), n(7)),
            ("count".to_owned(), s("secret-ish")),
        ]);
        let r = Reader::new(&item);
        let StoreError::Unavailable(msg) = r.opt_s("passwordHash").unwrap_err() else {
            panic!()
        };
        assert!(msg.contains("USER#u/PROFILE") && msg.contains("passwordHash"));
        let StoreError::Unavailable(msg) = r.u64("count").unwrap_err() else {
            panic!()
        };
        assert!(!msg.contains("secret-ish"));
        assert!(r.bool("missing").is_err());
        assert_eq!(r.opt_s("missing").unwrap(), None);
    }
}
