//! Conversions between the domain types and DynamoDB items.
//!
//! Attribute names are camelCase and defined once in [`attr`]. Optional fields are omitted when `None`
//! (DynamoDB has no use for NULLs and a sparse item is smaller), timestamps are RFC 3339 strings with
//! nanoseconds, counters and versions are numbers, and the password hash is a plain string that leaves
//! its `SecretString` wrapper only here, on its way into the item.

use super::attrs::{Item, Reader, epoch_seconds, n, s, timestamp, unix_nanos};
use super::keys;
use crate::error::StoreError;
use aws_sdk_dynamodb::types::AttributeValue;
use onair_domain::audit::{AuditEntry, AuditEvent};
use onair_domain::channel::Channel;
use onair_domain::client::{Client, ClientKind};
use onair_domain::oauth::code::CodeRecord;
use onair_domain::oauth::refresh::{Family, RefreshRecord, Rotation};
use onair_domain::user::User;
use onair_domain::{ChannelId, ClientId, SecretString, UserId};
use time::{Duration, OffsetDateTime};

/// Attribute names of every item in the registrations table.
pub mod attr {
    /// Own id of a client, user or channel.
    pub const ID: &str = "id";
    /// Client or channel display name.
    pub const NAME: &str = "name";
    /// Client kind (`confidential` / `public`).
    pub const KIND: &str = "kind";
    /// A client's exact redirect URIs, in registration order.
    pub const REDIRECT_URIS: &str = "redirectUris";
    /// Name of a client's secret.
    pub const SECRET_NAME: &str = "secretName";
    /// Creation time.
    pub const CREATED_AT: &str = "createdAt";
    /// Time of the last change.
    pub const MODIFIED_AT: &str = "modifiedAt";
    /// Optimistic-concurrency version.
    pub const VERSION: &str = "version";
    /// A user's login name.
    pub const LOGIN: &str = "login";
    /// A user's display name.
    pub const USER_NAME: &str = "userName";
    /// A user's profile image.
    pub const PROFILE_THUMBNAIL: &str = "profileThumbnail";
    /// A user's argon2id PHC string.
    pub const PASSWORD_HASH: &str = "passwordHash";
    /// Whether a user is disabled.
    pub const DISABLED: &str = "disabled";
    /// How many channels a user owns; guarded by channel creation and user deletion.
    pub const CHANNEL_COUNT: &str = "channelCount";
    /// The user a login reservation points at.
    pub const USER_ID: &str = "userId";
    /// A channel's owner.
    pub const OWNER: &str = "owner";
    /// A channel's own switch.
    pub const ENABLED: &str = "enabled";
    /// A channel's home page.
    pub const LINK: &str = "link";
    /// A channel's description.
    pub const DESCRIPTION: &str = "description";
    /// A channel's `;`-joined tags.
    pub const TAGS: &str = "tags";
    /// A channel's thumbnail.
    pub const THUMBNAIL_URL: &str = "thumbnailUrl";
    /// A channel's follower count.
    pub const FOLLOWER_COUNT: &str = "followerCount";

    // Tokens table and audit entries.

    /// Hash of a code or refresh token.
    pub const HASH: &str = "hash";
    /// The OAuth client of a code, token, family or audit entry.
    pub const CLIENT_ID: &str = "clientId";
    /// A code's exact redirect URI.
    pub const REDIRECT_URI: &str = "redirectUri";
    /// A code's S256 PKCE challenge.
    pub const CODE_CHALLENGE: &str = "codeChallenge";
    /// Granted scope of a code or token.
    pub const SCOPE: &str = "scope";
    /// The family a code starts or a token belongs to.
    pub const FAMILY_ID: &str = "familyId";
    /// When a code or token was issued.
    pub const ISSUED_AT: &str = "issuedAt";
    /// When a code or token stops working, RFC 3339 (the domain value, read back).
    pub const VALID_UNTIL: &str = "validUntil";
    /// The same instant as [`VALID_UNTIL`] in unix nanoseconds, compared in conditions.
    pub const EXPIRES_AT_NANOS: &str = "expiresAtNanos";
    /// DynamoDB TTL, epoch seconds: when the item may be garbage-collected. Never read for decisions:
    /// TTL deletes up to days late, and it lies after the real expiry by a margin.
    pub const TTL: &str = "expiresAt";
    /// When a code was redeemed.
    pub const REDEEMED_AT: &str = "redeemedAt";
    /// When a refresh token was rotated.
    pub const ROTATED_AT: &str = "rotatedAt";
    /// Hash of a rotated token's successor.
    pub const SUCCESSOR_HASH: &str = "successorHash";
    /// When a family was revoked.
    pub const REVOKED_AT: &str = "revokedAt";
    /// Failed logins counted under a lockout key.
    pub const FAILURES: &str = "failures";
    /// An audit entry's event (wire name).
    pub const EVENT: &str = "event";
    /// The caller's IP address of an audit entry.
    pub const IP: &str = "ip";
    /// An audit entry's secret-free detail.
    pub const DETAIL: &str = "detail";
    /// When an audited event happened.
    pub const AT: &str = "at";
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

fn put_opt(item: &mut Item, name: &str, value: Option<&str>) {
    if let Some(v) = value {
        item.insert(name.to_owned(), s(v));
    }
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
    let mut item = keys::client_key(&c.id);
    item.insert(keys::GSI1PK.to_owned(), s(keys::CLIENTS_PARTITION));
    item.insert(
        keys::GSI1SK.to_owned(),
        s(keys::client_gsi1sk(c.created_at, &c.id)),
    );
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

/// The profile item of a new user, with no channels yet.
pub fn new_user_item(u: &User) -> Result<Item, StoreError> {
    let mut item = keys::profile_key(&u.id);
    item.insert(attr::ID.to_owned(), s(u.id.as_str()));
    item.insert(attr::LOGIN.to_owned(), s(&u.login));
    item.insert(attr::CHANNEL_COUNT.to_owned(), n(0));
    for (name, value) in user_mutable_fields(u)? {
        if let Some(value) = value {
            item.insert(name.to_owned(), value);
        }
    }
    Ok(item)
}

/// The fields an update may change, each with its new value (`None`: remove the attribute). The login
/// is absent because it keys the uniqueness reservation, and `channelCount` because only channel
/// creation and user deletion own it. `createdAt` is included so an update stores exactly the user it
/// was given, like the embedded store does.
pub fn user_mutable_fields(u: &User) -> Result<Vec<(&'static str, Option<AttributeValue>)>, StoreError> {
    Ok(vec![
        (attr::USER_NAME, Some(s(&u.user_name))),
        (attr::PROFILE_THUMBNAIL, u.profile_thumbnail.as_deref().map(s)),
        (
            attr::PASSWORD_HASH,
            u.password_hash.as_ref().map(|h| s(h.expose())),
        ),
        (attr::DISABLED, Some(AttributeValue::Bool(u.disabled))),
        (attr::CREATED_AT, Some(timestamp(u.created_at)?)),
        (attr::MODIFIED_AT, Some(timestamp(u.modified_at)?)),
        (attr::VERSION, Some(n(u.version))),
    ])
}

/// A user read back from their profile item.
pub fn user_from(item: &Item) -> Result<User, StoreError> {
    let r = Reader::new(item);
    Ok(User {
        id: r.parsed(attr::ID, UserId::parse)?,
        login: r.s(attr::LOGIN)?.to_owned(),
        user_name: r.s(attr::USER_NAME)?.to_owned(),
        profile_thumbnail: r.opt_s(attr::PROFILE_THUMBNAIL)?.map(str::to_owned),
        password_hash: r.opt_s(attr::PASSWORD_HASH)?.map(SecretString::new),
        disabled: r.bool(attr::DISABLED)?,
        created_at: r.timestamp(attr::CREATED_AT)?,
        modified_at: r.timestamp(attr::MODIFIED_AT)?,
        version: r.u64(attr::VERSION)?,
    })
}

/// The reservation item of a user's login.
pub fn login_item(u: &User) -> Item {
    let mut item = keys::login_key(&u.login);
    item.insert(attr::USER_ID.to_owned(), s(u.id.as_str()));
    item
}

/// The user a login reservation points at.
pub fn login_user_id(item: &Item) -> Result<UserId, StoreError> {
    Reader::new(item).parsed(attr::USER_ID, UserId::parse)
}

/// The item of a channel, in its owner's partition.
pub fn channel_item(c: &Channel) -> Result<Item, StoreError> {
    let mut item = keys::channel_key(&c.owner, &c.id);
    item.insert(attr::ID.to_owned(), s(c.id.as_str()));
    item.insert(attr::OWNER.to_owned(), s(c.owner.as_str()));
    item.insert(attr::NAME.to_owned(), s(&c.name));
    item.insert(attr::ENABLED.to_owned(), AttributeValue::Bool(c.enabled));
    item.insert(attr::LINK.to_owned(), s(&c.link));
    put_opt(&mut item, attr::DESCRIPTION, c.description.as_deref());
    put_opt(&mut item, attr::TAGS, c.tags.as_deref());
    put_opt(&mut item, attr::THUMBNAIL_URL, c.thumbnail_url.as_deref());
    item.insert(attr::FOLLOWER_COUNT.to_owned(), n(c.follower_count));
    item.insert(attr::CREATED_AT.to_owned(), timestamp(c.created_at)?);
    item.insert(attr::MODIFIED_AT.to_owned(), timestamp(c.modified_at)?);
    item.insert(attr::VERSION.to_owned(), n(c.version));
    Ok(item)
}

/// A channel read back from its item.
pub fn channel_from(item: &Item) -> Result<Channel, StoreError> {
    let r = Reader::new(item);
    Ok(Channel {
        id: r.parsed(attr::ID, ChannelId::parse)?,
        owner: r.parsed(attr::OWNER, UserId::parse)?,
        name: r.s(attr::NAME)?.to_owned(),
        enabled: r.bool(attr::ENABLED)?,
        link: r.s(attr::LINK)?.to_owned(),
        description: r.opt_s(attr::DESCRIPTION)?.map(str::to_owned),
        tags: r.opt_s(attr::TAGS)?.map(str::to_owned),
        thumbnail_url: r.opt_s(attr::THUMBNAIL_URL)?.map(str::to_owned),
        follower_count: r.u64(attr::FOLLOWER_COUNT)?,
        created_at: r.timestamp(attr::CREATED_AT)?,
        modified_at: r.timestamp(attr::MODIFIED_AT)?,
        version: r.u64(attr::VERSION)?,
    })
}

/// The version stored in an item, if readable (used to word version conflicts).
pub fn version_of(item: &Item) -> Option<u64> {
    Reader::new(item).u64(attr::VERSION).ok()
}

/// The item of a new authorization code (tokens table).
pub fn code_item(c: &CodeRecord) -> Result<Item, StoreError> {
    let mut item = keys::code_key(&c.hash);
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
    let mut item = keys::refresh_key(&t.hash);
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

/// The failure count in a lockout counter item; counts beyond `u32` read as `u32::MAX`.
pub fn failures_from(item: &Item) -> Result<u32, StoreError> {
    Ok(u32::try_from(Reader::new(item).u64(attr::FAILURES)?).unwrap_or(u32::MAX))
}

/// The item of an audit entry (registrations table), in its day's partition.
pub fn audit_item(e: &AuditEntry) -> Result<Item, StoreError> {
    let mut item = keys::audit_key(e.at, &e.id);
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
    use time::OffsetDateTime;

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
    fn users_round_trip_and_start_without_channels() {
        let mut u = User {
            id: UserId::parse("u1").unwrap(),
            login: "alice".into(),
            user_name: "Alice".into(),
            profile_thumbnail: Some("https://img.example/a.png".into()),
            password_hash: Some(SecretString::new("$argon2id$v=19$x")),
            disabled: true,
            created_at: t(1),
            modified_at: t(2),
            version: 1,
        };
        let item = new_user_item(&u).unwrap();
        assert_eq!(item[attr::CHANNEL_COUNT], n(0));
        assert_eq!(user_from(&item).unwrap(), u);
        u.profile_thumbnail = None;
        u.password_hash = None;
        let item = new_user_item(&u).unwrap();
        assert!(!item.contains_key(attr::PASSWORD_HASH));
        assert_eq!(user_from(&item).unwrap(), u);
        assert_eq!(login_user_id(&login_item(&u)).unwrap(), u.id);
    }

    #[test]
    fn channels_round_trip() {
        let mut c = Channel {
            id: ChannelId::parse("ch").unwrap(),
            owner: UserId::parse("u1").unwrap(),
            name: "Cooking".into(),
            enabled: true,
            link: "https://live.example/ch".into(),
            description: Some("desc".into()),
            tags: Some("a;b".into()),
            thumbnail_url: Some("https://img.example/c.png".into()),
            follower_count: 42,
            created_at: t(10),
            modified_at: t(20),
            version: 7,
        };
        let item = channel_item(&c).unwrap();
        assert_eq!(item[keys::PK], s("USER#u1"));
        assert_eq!(channel_from(&item).unwrap(), c);
        assert_eq!(version_of(&item), Some(7));
        c.description = None;
        c.tags = None;
        c.thumbnail_url = None;
        assert_eq!(channel_from(&channel_item(&c).unwrap()).unwrap(), c);
    }

    #[test]
    fn corrupt_user_items_do_not_leak_the_hash() {
        let u = User {
            id: UserId::parse("u1").unwrap(),
            login: "alice".into(),
            user_name: "Alice".into(),
            profile_thumbnail: None,
            password_hash: Some(SecretString::new("$argon2id$leak")),
            disabled: false,
            created_at: t(1),
            modified_at: t(2),
            version: 1,
        };
        let mut item = new_user_item(&u).unwrap();
        item.insert(attr::VERSION.to_owned(), s("x"));
        let err = user_from(&item).unwrap_err().to_string();
        assert!(err.contains("version") && !err.contains("leak"));
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
        assert_eq!(item[keys::PK], s("CODE#abc"));
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
        assert_eq!(item[keys::PK], s("RT#rt"));
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
    fn the_ttl_attribute_is_the_one_the_tokens_table_declares() {
        assert_eq!(super::super::schema::TOKENS.ttl_attribute, Some(attr::TTL));
    }
}
