//! Key layout and item mapping of a user profile and its login reservation (registrations table).

use crate::dynamo::attrs::{Item, Reader, attr, n, s, timestamp};
use crate::dynamo::keys::key;
use crate::error::StoreError;
use aws_sdk_dynamodb::types::AttributeValue;
use onair_domain::user::User;
use onair_domain::{SecretString, UserId};

const USER_PREFIX: &str = "USER#";

const LOGIN_PREFIX: &str = "LOGIN#";

/// Sort key of a user's profile item.
pub const PROFILE_SK: &str = "PROFILE";

/// Sort key of a login reservation.
pub const LOGIN_SK: &str = "LOGIN";

/// `pk` of a user's partition: the profile and every channel they own.
pub fn user_pk(id: &UserId) -> String {
    format!("{USER_PREFIX}{id}")
}

/// `pk` of a login reservation.
pub fn login_pk(login: &str) -> String {
    format!("{LOGIN_PREFIX}{login}")
}

/// Primary key of a user's profile item.
pub fn profile_key(id: &UserId) -> Item {
    key(user_pk(id), PROFILE_SK)
}

/// Primary key of a login reservation.
pub fn login_key(login: &str) -> Item {
    key(login_pk(login), LOGIN_SK)
}

/// The profile item of a new user, with no channels yet.
pub fn new_user_item(u: &User) -> Result<Item, StoreError> {
    let mut item = profile_key(&u.id);
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
    let mut item = login_key(&u.login);
    item.insert(attr::USER_ID.to_owned(), s(u.id.as_str()));
    item
}

/// The user a login reservation points at.
pub fn login_user_id(item: &Item) -> Result<UserId, StoreError> {
    Reader::new(item).parsed(attr::USER_ID, UserId::parse)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::OffsetDateTime;

    fn t(nanos: i128) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap()
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
}
