//! Key layout and item mapping of authorization codes, refresh tokens and token families (tokens table).

use crate::dynamo::attrs::{Item, Reader, attr, epoch_seconds, put_opt, s, timestamp, unix_nanos};
use crate::dynamo::keys::hash_key;
use crate::error::StoreError;
use onair_domain::oauth::code::CodeRecord;
use onair_domain::oauth::refresh::{Family, RefreshRecord, Rotation};
use onair_domain::{ClientId, UserId};
use time::{Duration, OffsetDateTime};

const CODE_PREFIX: &str = "CODE#";

const REFRESH_PREFIX: &str = "RT#";

const FAMILY_PREFIX: &str = "FAM#";

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

/// How long an unredeemed code item outlives its expiry before TTL may delete it. The code decides
/// expiry; the margin only keeps a just-expired code readable and bounds the table's size. Nothing was
/// issued from an unredeemed code, so nothing depends on it after that.
pub const CODE_TTL_MARGIN: Duration = Duration::days(1);
/// How long a redeemed code item is kept after its redemption: as long as the family it started
/// ([`FAMILY_TTL`]), so a replay of the code — however late — still finds it and revokes everything
/// it issued (RFC 6749 §4.1.2). Once the family's record is gone, its tokens no longer refresh anyway.
pub const REDEEMED_CODE_KEPT: Duration = FAMILY_TTL;

/// How long a refresh-token item outlives its expiry: a retired token must stay readable for the
/// grace/reuse decision for a while after it lapsed.
pub const REFRESH_TTL_MARGIN: Duration = Duration::days(1);

/// How long a family item lives after its creation. Families outlive their tokens: each rotation
/// grants a token a fresh lifetime (30 days by default), and a revocation must stay on record for as
/// long as any token of the family can still be presented, so this is well over a year.
pub const FAMILY_TTL: Duration = Duration::days(400);

/// The item of a new authorization code (tokens table).
pub fn code_item(c: &CodeRecord) -> Result<Item, StoreError> {
    let mut item = code_key(&c.hash);
    item.insert(attr::HASH.to_owned(), s(&c.hash));
    item.insert(attr::CLIENT_ID.to_owned(), s(c.client_id.as_str()));
    item.insert(attr::REDIRECT_URI.to_owned(), s(&c.redirect_uri));
    item.insert(attr::USER_ID.to_owned(), s(c.user_id.as_str()));
    put_opt(&mut item, attr::CODE_CHALLENGE, c.code_challenge.as_deref());
    put_opt(&mut item, attr::SCOPE, c.scope.as_deref());
    item.insert(attr::FAMILY_ID.to_owned(), s(&c.family_id));
    item.insert(attr::ISSUED_AT.to_owned(), timestamp(c.issued_at)?);
    item.insert(attr::VALID_UNTIL.to_owned(), timestamp(c.expires_at)?);
    item.insert(attr::EXPIRES_AT_NANOS.to_owned(), unix_nanos(c.expires_at));
    item.insert(attr::TTL.to_owned(), epoch_seconds(code_ttl(c)));
    if let Some(at) = c.redeemed_at {
        item.insert(attr::REDEEMED_AT.to_owned(), timestamp(at)?);
    }
    Ok(item)
}

/// When a code's item may be deleted by TTL: a day after expiry while unredeemed,
/// [`REDEEMED_CODE_KEPT`] after its redemption once redeemed.
pub fn code_ttl(c: &CodeRecord) -> OffsetDateTime {
    match c.redeemed_at {
        None => c.expires_at + CODE_TTL_MARGIN,
        Some(at) => at + REDEEMED_CODE_KEPT,
    }
}

/// A code read back from its item.
pub fn code_from(item: &Item) -> Result<CodeRecord, StoreError> {
    let r = Reader::new(item);
    Ok(CodeRecord {
        hash: r.s(attr::HASH)?.to_owned(),
        client_id: r.parsed(attr::CLIENT_ID, ClientId::parse)?,
        redirect_uri: r.s(attr::REDIRECT_URI)?.to_owned(),
        user_id: r.parsed(attr::USER_ID, UserId::parse)?,
        code_challenge: r.opt_s(attr::CODE_CHALLENGE)?.map(str::to_owned),
        scope: r.opt_s(attr::SCOPE)?.map(str::to_owned),
        family_id: r.s(attr::FAMILY_ID)?.to_owned(),
        issued_at: r.timestamp(attr::ISSUED_AT)?,
        expires_at: r.timestamp(attr::VALID_UNTIL)?,
        redeemed_at: r.opt_timestamp(attr::REDEEMED_AT)?,
    })
}

/// The item of a refresh token (tokens table).
pub fn refresh_item(t: &RefreshRecord) -> Result<Item, StoreError> {
    let mut item = refresh_key(&t.hash);
    item.insert(attr::HASH.to_owned(), s(&t.hash));
    item.insert(attr::FAMILY_ID.to_owned(), s(&t.family_id));
    item.insert(attr::CLIENT_ID.to_owned(), s(t.client_id.as_str()));
    item.insert(attr::USER_ID.to_owned(), s(t.user_id.as_str()));
    put_opt(&mut item, attr::SCOPE, t.scope.as_deref());
    item.insert(attr::ISSUED_AT.to_owned(), timestamp(t.issued_at)?);
    item.insert(attr::VALID_UNTIL.to_owned(), timestamp(t.expires_at)?);
    item.insert(attr::EXPIRES_AT_NANOS.to_owned(), unix_nanos(t.expires_at));
    item.insert(
        attr::TTL.to_owned(),
        epoch_seconds(t.expires_at + REFRESH_TTL_MARGIN),
    );
    if let Some(rotation) = &t.rotated {
        item.insert(attr::ROTATED_AT.to_owned(), timestamp(rotation.at)?);
        item.insert(attr::SUCCESSOR_HASH.to_owned(), s(&rotation.successor_hash));
    }
    Ok(item)
}

/// A refresh token read back from its item.
pub fn refresh_from(item: &Item) -> Result<RefreshRecord, StoreError> {
    let r = Reader::new(item);
    let rotated = match (r.opt_timestamp(attr::ROTATED_AT)?, r.opt_s(attr::SUCCESSOR_HASH)?) {
        (Some(at), Some(successor)) => Some(Rotation {
            at,
            successor_hash: successor.to_owned(),
        }),
        (None, None) => None,
        (Some(_), None) => return Err(r.corrupt(attr::SUCCESSOR_HASH)),
        (None, Some(_)) => return Err(r.corrupt(attr::ROTATED_AT)),
    };
    Ok(RefreshRecord {
        hash: r.s(attr::HASH)?.to_owned(),
        family_id: r.s(attr::FAMILY_ID)?.to_owned(),
        client_id: r.parsed(attr::CLIENT_ID, ClientId::parse)?,
        user_id: r.parsed(attr::USER_ID, UserId::parse)?,
        scope: r.opt_s(attr::SCOPE)?.map(str::to_owned),
        issued_at: r.timestamp(attr::ISSUED_AT)?,
        expires_at: r.timestamp(attr::VALID_UNTIL)?,
        rotated,
    })
}

/// A family read back from its item. Families are only ever written by update expressions (they
/// merge with a revocation marker), so there is no whole-item builder.
pub fn family_from(item: &Item) -> Result<Family, StoreError> {
    let r = Reader::new(item);
    Ok(Family {
        id: r.s(attr::ID)?.to_owned(),
        client_id: r.parsed(attr::CLIENT_ID, ClientId::parse)?,
        user_id: r.parsed(attr::USER_ID, UserId::parse)?,
        created_at: r.timestamp(attr::CREATED_AT)?,
        revoked_at: r.opt_timestamp(attr::REVOKED_AT)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamo::attrs::n;
    use crate::dynamo::keys::PK;
    use crate::dynamo::lockouts::item::lock_key;
    use aws_sdk_dynamodb::types::AttributeValue;

    fn t(nanos: i128) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap()
    }

    #[test]
    fn codes_round_trip_with_exact_expiry_and_a_later_ttl() {
        let mut c = CodeRecord {
            hash: "abc".into(),
            client_id: ClientId::parse("prism").unwrap(),
            redirect_uri: "https://prism.example/cb".into(),
            user_id: UserId::parse("u1").unwrap(),
            code_challenge: Some("ch".into()),
            scope: Some("live".into()),
            family_id: "fam".into(),
            issued_at: t(1_700_000_000_000_000_001),
            expires_at: t(1_700_000_060_000_000_001),
            redeemed_at: None,
        };
        let item = code_item(&c).unwrap();
        assert_eq!(item[PK], s("CODE#abc"));
        assert_eq!(
            item[attr::EXPIRES_AT_NANOS],
            AttributeValue::N("1700000060000000001".into())
        );
        assert_eq!(item[attr::TTL], n(1_700_000_060 + 86_400));
        assert_eq!(code_from(&item).unwrap(), c);
        c.code_challenge = None;
        c.scope = None;
        c.redeemed_at = Some(t(1_700_000_001_000_000_000));
        let redeemed = code_item(&c).unwrap();
        assert_eq!(code_from(&redeemed).unwrap(), c);
        // A redeemed code is kept as long as its family, for replay detection.
        assert_eq!(redeemed[attr::TTL], n(1_700_000_001 + 400 * 86_400));
    }

    #[test]
    fn refresh_tokens_round_trip_with_their_rotation() {
        let mut r = RefreshRecord {
            hash: "rt".into(),
            family_id: "fam".into(),
            client_id: ClientId::parse("prism").unwrap(),
            user_id: UserId::parse("u1").unwrap(),
            scope: None,
            issued_at: t(5),
            expires_at: t(1_700_000_000_000_000_009),
            rotated: None,
        };
        let item = refresh_item(&r).unwrap();
        assert_eq!(item[PK], s("RT#rt"));
        assert_eq!(refresh_from(&item).unwrap(), r);
        r.rotated = Some(Rotation {
            at: t(7),
            successor_hash: "next".into(),
        });
        r.scope = Some("live".into());
        let mut item = refresh_item(&r).unwrap();
        assert_eq!(refresh_from(&item).unwrap(), r);
        item.remove(attr::SUCCESSOR_HASH);
        assert!(refresh_from(&item).is_err());
    }

    #[test]
    fn the_ttl_attribute_is_the_one_the_tokens_table_declares() {
        assert_eq!(crate::dynamo::schema::TOKENS.ttl_attribute, Some(attr::TTL));
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
