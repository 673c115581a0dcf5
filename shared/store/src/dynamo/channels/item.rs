//! Key layout and item mapping of a channel, in its owner's partition (registrations table).

use crate::dynamo::attrs::{Item, Reader, attr, n, put_opt, s, timestamp};
use crate::dynamo::keys::key;
use crate::dynamo::users::item::user_pk;
use crate::error::StoreError;
use aws_sdk_dynamodb::types::AttributeValue;
use onair_domain::channel::Channel;
use onair_domain::{ChannelId, UserId};

const CHANNEL_PREFIX: &str = "CHANNEL#";

/// `sk` of a channel inside its owner's partition.
pub fn channel_sk(id: &ChannelId) -> String {
    format!("{CHANNEL_PREFIX}{id}")
}

/// Whether `sk` belongs to a channel item.
pub fn is_channel_sk(sk: &str) -> bool {
    sk.starts_with(CHANNEL_PREFIX)
}

/// Primary key of a channel item.
pub fn channel_key(owner: &UserId, id: &ChannelId) -> Item {
    key(user_pk(owner), &channel_sk(id))
}

/// The item of a channel, in its owner's partition.
pub fn channel_item(c: &Channel) -> Result<Item, StoreError> {
    let mut item = channel_key(&c.owner, &c.id);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dynamo::attrs::version_of;
    use crate::dynamo::clients::item::{client_id_of_pk, client_pk};
    use crate::dynamo::keys::{self, SK};
    use crate::dynamo::users::item::{PROFILE_SK, login_pk};
    use onair_domain::ClientId;
    use time::OffsetDateTime;

    fn t(nanos: i128) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap()
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
}
