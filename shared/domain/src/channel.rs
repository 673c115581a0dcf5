//! Channels: every field of PRISM's channel object, plus ownership, the disabled flag and timestamps
//! that order lists (modified desc, then created desc).

use crate::ids::{ChannelId, UserId};
use crate::validate::Violations;
use time::OffsetDateTime;

/// Longest channel name.
pub const MAX_CHANNEL_NAME: usize = 100;
/// Longest description.
pub const MAX_DESCRIPTION: usize = 5000;
/// Longest `;`-joined tag string.
pub const MAX_TAGS: usize = 500;
/// Most channels one user may own (keeps a user's deletion inside one transaction).
pub const MAX_CHANNELS_PER_USER: usize = 50;

/// A streamer's channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// PRISM's `channelId`.
    pub id: ChannelId,
    /// Owning user.
    pub owner: UserId,
    /// `channelName`.
    pub name: String,
    /// The channel's own switch; PRISM's `channelEnabled` also requires an enabled owner.
    pub enabled: bool,
    /// `channelLink`: the channel's home page.
    pub link: String,
    /// `channelDescription`.
    pub description: Option<String>,
    /// `channelTags`: tags joined with `;`.
    pub tags: Option<String>,
    /// `channelThumbnailUrl`.
    pub thumbnail_url: Option<String>,
    /// `channelFollowerCount`.
    pub follower_count: u64,
    /// When created.
    pub created_at: OffsetDateTime,
    /// When last changed.
    pub modified_at: OffsetDateTime,
    /// Optimistic-concurrency version.
    pub version: u64,
}

impl Channel {
    /// What PRISM sees as `channelEnabled`: the channel's switch and its owner's status together.
    pub fn effective_enabled(&self, owner_disabled: bool) -> bool {
        self.enabled && !owner_disabled
    }
}

/// Validates `channelTags`: `;`-separated, no empty tags, at most 500 characters.
pub fn check_tags(v: &mut Violations, field: &str, tags: &str) {
    v.optional_text(field, tags, MAX_TAGS);
    if !tags.is_empty() && tags.split(';').any(|t| t.trim().is_empty()) {
        v.add(field, "must be tags joined with ';' and no empty tag");
    }
}

/// The total order of channel lists: modified desc, then created desc, then id (for stability).
pub fn list_order(a: &Channel, b: &Channel) -> std::cmp::Ordering {
    b.modified_at
        .cmp(&a.modified_at)
        .then(b.created_at.cmp(&a.created_at))
        .then(b.id.cmp(&a.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_semicolon_joined_without_empties() {
        let mut v = Violations::default();
        check_tags(&mut v, "t", "mukbang;talk");
        check_tags(&mut v, "t", "");
        assert!(v.list().is_empty());
        check_tags(&mut v, "t", "a;;b");
        check_tags(&mut v, "t", ";");
        assert_eq!(v.list().len(), 2);
    }

    #[test]
    fn disabled_owner_disables_every_channel() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let c = Channel {
            id: ChannelId::parse("c").unwrap(),
            owner: UserId::parse("u").unwrap(),
            name: "n".into(),
            enabled: true,
            link: "https://x.example".into(),
            description: None,
            tags: None,
            thumbnail_url: None,
            follower_count: 0,
            created_at: now,
            modified_at: now,
            version: 1,
        };
        assert!(c.effective_enabled(false));
        assert!(!c.effective_enabled(true));
    }
}
