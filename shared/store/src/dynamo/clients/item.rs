//! Key layout and item mapping of a client (registrations table).

use crate::dynamo::attrs::{Item, Reader, attr, n, put_opt, s, timestamp};
use crate::dynamo::keys::{self, MAX_SORT_NANOS, NANOS_DIGITS, key};
use crate::error::StoreError;
use aws_sdk_dynamodb::types::AttributeValue;
use onair_domain::ClientId;
use onair_domain::client::{Client, ClientKind};
use time::OffsetDateTime;

const CLIENT_PREFIX: &str = "CLIENT#";

/// Sort key of a client item.
pub const CLIENT_SK: &str = "CLIENT";

/// The one `gsi1` partition holding every client. A constant partition is a hot key in general, but
/// clients are registered and listed only by administrators, a few times a day, far below one
/// partition's throughput; OAuth requests read clients by `pk`, never through this index.
pub const CLIENTS_PARTITION: &str = "CLIENTS";

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

/// Primary key of a client item.
pub fn client_key(id: &ClientId) -> Item {
    key(client_pk(id), CLIENT_SK)
}

fn kind_str(kind: ClientKind) -> &'static str {
    match kind {
        ClientKind::Confidential => "confidential",
        ClientKind::Public => "public",
    }
}

fn parse_kind(text: &str) -> Option<ClientKind> {
    match text {
        "confidential" => Some(ClientKind::Confidential),
        "public" => Some(ClientKind::Public),
        _ => None,
    }
}

/// The item of a client, index keys included.
pub fn client_item(c: &Client) -> Result<Item, StoreError> {
    let mut item = client_key(&c.id);
    item.insert(keys::GSI1PK.to_owned(), s(CLIENTS_PARTITION));
    item.insert(keys::GSI1SK.to_owned(), s(client_gsi1sk(c.created_at, &c.id)));
    item.insert(attr::ID.to_owned(), s(c.id.as_str()));
    item.insert(attr::NAME.to_owned(), s(&c.name));
    item.insert(attr::KIND.to_owned(), s(kind_str(c.kind)));
    let uris = c.redirect_uris.iter().map(s).collect();
    item.insert(attr::REDIRECT_URIS.to_owned(), AttributeValue::L(uris));
    put_opt(&mut item, attr::SECRET_NAME, c.secret_name.as_deref());
    item.insert(attr::CREATED_AT.to_owned(), timestamp(c.created_at)?);
    item.insert(attr::MODIFIED_AT.to_owned(), timestamp(c.modified_at)?);
    item.insert(attr::VERSION.to_owned(), n(c.version));
    Ok(item)
}

/// A client read back from its item.
pub fn client_from(item: &Item) -> Result<Client, StoreError> {
    let r = Reader::new(item);
    Ok(Client {
        id: r.parsed(attr::ID, ClientId::parse)?,
        name: r.s(attr::NAME)?.to_owned(),
        kind: r.parsed(attr::KIND, parse_kind)?,
        redirect_uris: r.strings(attr::REDIRECT_URIS)?,
        secret_name: r.opt_s(attr::SECRET_NAME)?.map(str::to_owned),
        created_at: r.timestamp(attr::CREATED_AT)?,
        modified_at: r.timestamp(attr::MODIFIED_AT)?,
        version: r.u64(attr::VERSION)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(nanos: i128) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap()
    }

    #[test]
    fn clients_round_trip() {
        let mut c = Client {
            id: ClientId::parse("prism").unwrap(),
            name: "PRISM".into(),
            kind: ClientKind::Confidential,
            redirect_uris: vec!["https://b.example/cb".into(), "https://a.example/cb".into()],
            secret_name: Some("client/prism".into()),
            created_at: t(1_700_000_000_000_000_001),
            modified_at: t(1_700_000_000_500_000_000),
            version: 3,
        };
        let item = client_item(&c).unwrap();
        assert_eq!(item[keys::GSI1PK], s("CLIENTS"));
        assert_eq!(client_from(&item).unwrap(), c);
        c.secret_name = None;
        c.kind = ClientKind::Public;
        let item = client_item(&c).unwrap();
        assert!(!item.contains_key(attr::SECRET_NAME));
        assert_eq!(client_from(&item).unwrap(), c);
    }

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
}
