//! Key construction for the single-table layout of the registrations table.
//!
//! Every key string is built here, by typed functions, so the layout is written down once and a user
//! id can never end up in a client key. Layout:
//!
//! | item              | `pk`              | `sk`            | `gsi1pk`  | `gsi1sk`              |
//! |-------------------|-------------------|-----------------|-----------|-----------------------|
//! | client            | `CLIENT#{id}`     | `CLIENT`        | `CLIENTS` | `{created nanos}#{id}` |
//! | user profile      | `USER#{id}`       | `PROFILE`       |           |                       |
//! | login reservation | `LOGIN#{login}`   | `LOGIN`         |           |                       |
//! | channel           | `USER#{owner}`    | `CHANNEL#{id}`  |           |                       |
//!
//! Channels share their owner's partition so one query reads a user with all their channels.
//!
//! The registrations table also keeps the audit trail, one partition per UTC day:
//!
//! | item        | `pk`                  | `sk`                                   |
//! |-------------|-----------------------|----------------------------------------|
//! | audit entry | `AUDIT#{YYYY-MM-DD}`  | `{unix nanos, 20 digits}#{entry id}`   |
//!
//! A day partition takes roughly 1,000 writes per second before DynamoDB throttles it (adaptive capacity
//! splits hot partitions further, but that is not something to design on). Audit entries are written
//! for logins, code and token events of one platform's streamers, orders of magnitude below that. One
//! constant partition would be simpler to list but would hold every entry forever and make one key hot
//! for all time; a partition per entry would not list by day at all. The day is also the unit an
//! operator reads ("what happened on the 3rd") and the sort key lists it newest first.
//!
//! The tokens table (hash key `pk` only; every item carries the TTL attribute) holds the short-lived
//! OAuth state, each item addressed by a hash or id, never by the secret itself:
//!
//! | item                   | `pk`            |
//! |------------------------|-----------------|
//! | authorization code     | `CODE#{hash}`   |
//! | refresh token          | `RT#{hash}`     |
//! | token family           | `FAM#{id}`      |
//! | failed-login counter   | `LOCK#{key}`    |

use super::attrs::Item;
use aws_sdk_dynamodb::types::AttributeValue;
use onair_domain::{ChannelId, ClientId, UserId};
use time::{Date, OffsetDateTime, UtcOffset};

/// Partition key attribute.
pub const PK: &str = "pk";
/// Sort key attribute.
pub const SK: &str = "sk";
/// Partition key of `gsi1`.
pub const GSI1PK: &str = "gsi1pk";
/// Sort key of `gsi1`.
pub const GSI1SK: &str = "gsi1sk";
/// The index listing clients.
pub const GSI1: &str = "gsi1";

const CLIENT_PREFIX: &str = "CLIENT#";
const USER_PREFIX: &str = "USER#";
const LOGIN_PREFIX: &str = "LOGIN#";
const CHANNEL_PREFIX: &str = "CHANNEL#";
const AUDIT_PREFIX: &str = "AUDIT#";
const CODE_PREFIX: &str = "CODE#";
const REFRESH_PREFIX: &str = "RT#";
const FAMILY_PREFIX: &str = "FAM#";
const LOCK_PREFIX: &str = "LOCK#";

/// Sort key of a client item.
pub const CLIENT_SK: &str = "CLIENT";
/// Sort key of a user's profile item.
pub const PROFILE_SK: &str = "PROFILE";
/// Sort key of a login reservation.
pub const LOGIN_SK: &str = "LOGIN";
/// The one `gsi1` partition holding every client. A constant partition is a hot key in general, but
/// clients are registered and listed only by administrators, a few times a day, far below one
/// partition's throughput; OAuth requests read clients by `pk`, never through this index.
pub const CLIENTS_PARTITION: &str = "CLIENTS";

/// Digits of the zero-padded creation time in a client's `gsi1sk` (covers every u64).
const NANOS_DIGITS: usize = 20;
/// Largest value that fits in [`NANOS_DIGITS`] digits.
const MAX_SORT_NANOS: i128 = 99_999_999_999_999_999_999;

/// `pk` of a client.
pub fn client_pk(id: &ClientId) -> String {
    format!("{CLIENT_PREFIX}{id}")
}

/// The client id inside a client `pk`, if it is one.
pub fn client_id_of_pk(pk: &str) -> Option<ClientId> {
    pk.strip_prefix(CLIENT_PREFIX).and_then(ClientId::parse)
}

/// `gsi1sk` of a client: creation time then id, so the index sorts by (created, id). Times before 1970
/// sort as 1970 (the padding cannot express negative numbers); no real client predates its service.
pub fn client_gsi1sk(created_at: OffsetDateTime, id: &ClientId) -> String {
    let nanos = created_at.unix_timestamp_nanos().clamp(0, MAX_SORT_NANOS);
    format!("{nanos:0width$}#{id}", width = NANOS_DIGITS)
}

/// Whether `sk` is exactly a client `gsi1sk` for `id`.
pub fn is_client_gsi1sk(sk: &str, id: &ClientId) -> bool {
    sk.split_once('#').is_some_and(|(nanos, rest)| {
        nanos.len() == NANOS_DIGITS && nanos.bytes().all(|b| b.is_ascii_digit()) && rest == id.as_str()
    })
}

/// `pk` of a user's partition: the profile and every channel they own.
pub fn user_pk(id: &UserId) -> String {
    format!("{USER_PREFIX}{id}")
}

/// `pk` of a login reservation.
pub fn login_pk(login: &str) -> String {
    format!("{LOGIN_PREFIX}{login}")
}

/// `sk` of a channel inside its owner's partition.
pub fn channel_sk(id: &ChannelId) -> String {
    format!("{CHANNEL_PREFIX}{id}")
}

/// Whether `sk` belongs to a channel item.
pub fn is_channel_sk(sk: &str) -> bool {
    sk.starts_with(CHANNEL_PREFIX)
}

fn key(pk: String, sk: &str) -> Item {
    Item::from([
        (PK.to_owned(), AttributeValue::S(pk)),
        (SK.to_owned(), AttributeValue::S(sk.to_owned())),
    ])
}

/// Primary key of a client item.
pub fn client_key(id: &ClientId) -> Item {
    key(client_pk(id), CLIENT_SK)
}

/// Primary key of a user's profile item.
pub fn profile_key(id: &UserId) -> Item {
    key(user_pk(id), PROFILE_SK)
}

/// Primary key of a login reservation.
pub fn login_key(login: &str) -> Item {
    key(login_pk(login), LOGIN_SK)
}

/// Primary key of a channel item.
pub fn channel_key(owner: &UserId, id: &ChannelId) -> Item {
    key(user_pk(owner), &channel_sk(id))
}

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

fn hash_key(pk: String) -> Item {
    Item::from([(PK.to_owned(), AttributeValue::S(pk))])
}

/// Key (tokens table) of an authorization code, by the code's hash.
pub fn code_key(hash: &str) -> Item {
    hash_key(format!("{CODE_PREFIX}{hash}"))
}

/// Key (tokens table) of a refresh token, by the token's hash.
pub fn refresh_key(hash: &str) -> Item {
    hash_key(format!("{REFRESH_PREFIX}{hash}"))
}

/// Key (tokens table) of a token family.
pub fn family_key(id: &str) -> Item {
    hash_key(format!("{FAMILY_PREFIX}{id}"))
}

/// `pk` (tokens table) of a failed-login counter.
pub fn lock_pk(key: &str) -> String {
    format!("{LOCK_PREFIX}{key}")
}

/// Key (tokens table) of a failed-login counter.
pub fn lock_key(key: &str) -> Item {
    hash_key(lock_pk(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_sort_keys_order_like_creation_then_id() {
        let a = ClientId::parse("a").unwrap();
        let b = ClientId::parse("b").unwrap();
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789).unwrap();
        let later = t + time::Duration::nanoseconds(1);
        assert_eq!(client_gsi1sk(t, &a), "01700000000123456789#a");
        assert!(client_gsi1sk(t, &a) < client_gsi1sk(t, &b));
        assert!(client_gsi1sk(t, &b) < client_gsi1sk(later, &a));
        assert!(is_client_gsi1sk(&client_gsi1sk(t, &a), &a));
        assert!(!is_client_gsi1sk(&client_gsi1sk(t, &a), &b));
        assert!(!is_client_gsi1sk("12#a", &a));
        assert_eq!(
            client_gsi1sk(OffsetDateTime::UNIX_EPOCH - time::Duration::days(1), &a),
            format!("{}#a", "0".repeat(20))
        );
    }

    #[test]
    fn keys_follow_the_layout() {
        let u = UserId::parse("u1").unwrap();
        let c = ChannelId::parse("c1").unwrap();
        assert_eq!(user_pk(&u), "USER#u1");
        assert_eq!(channel_sk(&c), "CHANNEL#c1");
        assert!(is_channel_sk(&channel_sk(&c)));
        assert!(!is_channel_sk(PROFILE_SK));
        assert_eq!(login_pk("alice"), "LOGIN#alice");
        let id = ClientId::parse("x").unwrap();
        assert_eq!(client_id_of_pk(&client_pk(&id)), Some(id));
        assert_eq!(client_id_of_pk("USER#x"), None);
        assert_eq!(channel_key(&u, &c)[SK], AttributeValue::S("CHANNEL#c1".into()));
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

    #[test]
    fn token_table_keys_have_only_a_hash_key() {
        assert_eq!(code_key("h")[PK], AttributeValue::S("CODE#h".into()));
        assert_eq!(refresh_key("h")[PK], AttributeValue::S("RT#h".into()));
        assert_eq!(family_key("f")[PK], AttributeValue::S("FAM#f".into()));
        assert_eq!(
            lock_key("acct#1#a")[PK],
            AttributeValue::S("LOCK#acct#1#a".into())
        );
        assert_eq!(code_key("h").len(), 1);
    }
}
