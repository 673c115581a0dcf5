//! Key layout and item mapping of audit entries, one partition per UTC day (registrations table).

use crate::dynamo::attrs::{Item, Reader, attr, put_opt, s, timestamp};
use crate::dynamo::keys::{MAX_SORT_NANOS, NANOS_DIGITS, key};
use crate::error::StoreError;
use onair_domain::audit::{AuditEntry, AuditEvent};
use onair_domain::{ClientId, UserId};
use time::{Date, OffsetDateTime, UtcOffset};

const AUDIT_PREFIX: &str = "AUDIT#";

/// Unix nanoseconds of `t`, zero-padded to [`NANOS_DIGITS`] so that string order is time order. Times
/// before 1970 sort as 1970 (the padding cannot express negative numbers).
fn sort_nanos(t: OffsetDateTime) -> String {
    let nanos = t.unix_timestamp_nanos().clamp(0, MAX_SORT_NANOS);
    format!("{nanos:0width$}", width = NANOS_DIGITS)
}

/// `pk` of the audit entries of one UTC day.
pub fn audit_pk(day: Date) -> String {
    format!(
        "{AUDIT_PREFIX}{:04}-{:02}-{:02}",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

/// `sk` of an audit entry: time then id, so the partition sorts by (time, id) like the embedded list.
pub fn audit_sk(at: OffsetDateTime, id: &str) -> String {
    format!("{}#{id}", sort_nanos(at))
}

/// Primary key of an audit entry, in the partition of its UTC day.
pub fn audit_key(at: OffsetDateTime, id: &str) -> Item {
    key(audit_pk(at.to_offset(UtcOffset::UTC).date()), &audit_sk(at, id))
}

/// Whether `sk` is an audit `sk` this code could have written into `day`'s partition.
pub fn is_audit_sk_of(sk: &str, day: Date) -> bool {
    let Some((nanos, id)) = sk.split_once('#') else {
        return false;
    };
    if nanos.len() != NANOS_DIGITS || !nanos.bytes().all(|b| b.is_ascii_digit()) || id.is_empty() {
        return false;
    }
    nanos
        .parse::<i128>()
        .ok()
        .and_then(|n| OffsetDateTime::from_unix_timestamp_nanos(n).ok())
        .is_some_and(|t| t.date() == day)
}

/// An optional value parsed from a string attribute (absent means `None`, unparsable is corrupt).
fn opt_parsed<T>(
    r: &Reader<'_>,
    name: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<Option<T>, StoreError> {
    r.opt_s(name)?
        .map(|v| parse(v).ok_or_else(|| r.corrupt(name)))
        .transpose()
}

/// The item of an audit entry (registrations table), in its day's partition.
pub fn audit_item(e: &AuditEntry) -> Result<Item, StoreError> {
    let mut item = audit_key(e.at, &e.id);
    item.insert(attr::ID.to_owned(), s(&e.id));
    item.insert(attr::EVENT.to_owned(), s(e.event.as_str()));
    put_opt(&mut item, attr::USER_ID, e.user_id.as_ref().map(UserId::as_str));
    put_opt(&mut item, attr::LOGIN, e.login.as_deref());
    put_opt(
        &mut item,
        attr::CLIENT_ID,
        e.client_id.as_ref().map(ClientId::as_str),
    );
    put_opt(&mut item, attr::IP, e.ip.as_deref());
    put_opt(&mut item, attr::DETAIL, e.detail.as_deref());
    item.insert(attr::AT.to_owned(), timestamp(e.at)?);
    Ok(item)
}

/// An audit entry read back from its item.
pub fn audit_from(item: &Item) -> Result<AuditEntry, StoreError> {
    let r = Reader::new(item);
    Ok(AuditEntry {
        id: r.s(attr::ID)?.to_owned(),
        at: r.timestamp(attr::AT)?,
        event: r.parsed(attr::EVENT, AuditEvent::parse)?,
        user_id: opt_parsed(&r, attr::USER_ID, UserId::parse)?,
        login: r.opt_s(attr::LOGIN)?.map(str::to_owned),
        client_id: opt_parsed(&r, attr::CLIENT_ID, ClientId::parse)?,
        ip: r.opt_s(attr::IP)?.map(str::to_owned),
        detail: r.opt_s(attr::DETAIL)?.map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamo::keys::{self, PK};
    use aws_sdk_dynamodb::types::AttributeValue;

    fn t(nanos: i128) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap()
    }

    #[test]
    fn audit_entries_round_trip_in_their_day_partition() {
        let mut e = AuditEntry {
            id: "e1".into(),
            at: t(1_700_000_000_000_000_003),
            event: AuditEvent::TokenRefreshed,
            user_id: Some(UserId::parse("u1").unwrap()),
            login: Some("alice".into()),
            client_id: Some(ClientId::parse("prism").unwrap()),
            ip: Some("192.0.2.1".into()),
            detail: Some("rotated".into()),
        };
        let item = audit_item(&e).unwrap();
        assert_eq!(item[keys::PK], s("AUDIT#2023-11-14"));
        assert_eq!(item[attr::EVENT], s("token_refreshed"));
        assert_eq!(audit_from(&item).unwrap(), e);
        e.user_id = None;
        e.login = None;
        e.client_id = None;
        e.ip = None;
        e.detail = None;
        assert_eq!(audit_from(&audit_item(&e).unwrap()).unwrap(), e);
    }

    #[test]
    fn audit_keys_partition_by_utc_day_and_sort_by_time_then_id() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789).unwrap();
        let day = t.date();
        assert_eq!(audit_pk(day), "AUDIT#2023-11-14");
        assert_eq!(audit_sk(t, "e1"), "01700000000123456789#e1");
        assert!(audit_sk(t, "a") < audit_sk(t, "b"));
        assert!(audit_sk(t, "b") < audit_sk(t + time::Duration::nanoseconds(1), "a"));
        let shifted = t.to_offset(UtcOffset::from_hms(23, 0, 0).unwrap());
        assert_eq!(
            audit_key(shifted, "e1")[PK],
            AttributeValue::S("AUDIT#2023-11-14".into())
        );
        assert!(is_audit_sk_of(&audit_sk(t, "e1"), day));
        assert!(!is_audit_sk_of(&audit_sk(t, "e1"), day.next_day().unwrap()));
        assert!(!is_audit_sk_of(&audit_sk(t, ""), day));
        assert!(!is_audit_sk_of("123#e1", day));
        assert!(!is_audit_sk_of("0170000000012345678x#e1", day));
    }
}
