//! Key layout and item mapping of PRISM lives (registrations table; the layout table is in
//! [`crate::dynamo::keys`]).
//!
//! A live is a handful of flat fields, so it is one attribute per field (unlike the deep lifecycle
//! records kept as one JSON document).

use crate::dynamo::attrs::{Item, Reader, attr, n, s, timestamp};
use crate::dynamo::keys::{self, MAX_SORT_NANOS, NANOS_DIGITS, key};
use crate::error::StoreError;
use crate::live_ports::{LiveStats, StoredLive};
use aws_sdk_dynamodb::types::AttributeValue;
use onair_domain::{ChannelId, UserId};
use time::OffsetDateTime;

const LIVE_PREFIX: &str = "LIVE#";
/// `sk` of a live item.
pub const LIVE_SK: &str = "LIVE";

/// `sk` of the live's chat item (owned by the chat store; R6/R7 read its `count`).
pub const CHAT_SK: &str = "CHAT";
/// Every sort key of a live's partition that is not chat is above this one: chat messages and
/// authors start with `#` (0x23), everything else with `$` (0x24) or above.
pub const NOT_CHAT_FLOOR: &str = "$";
const STATS_PREFIX: &str = "STATS#";

/// `pk` of the live with this id.
pub fn live_pk(id: &str) -> String {
    format!("{LIVE_PREFIX}{id}")
}

/// Primary key of the live with this id.
pub fn live_key(id: &str) -> Item {
    key(live_pk(id), LIVE_SK)
}

/// `gsi1pk` of a channel's list of lives: one partition per channel.
pub fn channel_partition(channel: &ChannelId) -> String {
    format!("CHANNEL#{channel}#LIVES")
}

fn sort_nanos(at: OffsetDateTime) -> i128 {
    at.unix_timestamp_nanos().clamp(0, MAX_SORT_NANOS)
}

/// `gsi1sk`: modification time, then creation time, then id, so the index read backwards gives the
/// list order (modified desc, created desc, id desc). Times before 1970 sort as 1970.
pub fn list_sk(live: &StoredLive) -> String {
    format!(
        "{:0width$}#{:0width$}#{}",
        sort_nanos(live.modified_at),
        sort_nanos(live.created_at),
        live.live_id,
        width = NANOS_DIGITS
    )
}

/// `gsi1sk` of a copy kept in a live's partition (a broadcast or stream mirror, a statistics item):
/// under the channel's lives partition, after every live (`M` sorts after digits) and grouped by live.
pub fn mirror_list_sk(live: &str, sk: &str) -> String {
    format!("MIRROR#{live}#{sk}")
}

/// `sk` of the statistics of one broadcast of a live.
pub fn stats_sk(broadcast_id: &str) -> String {
    format!("{STATS_PREFIX}{broadcast_id}")
}

/// Primary key of the statistics of one broadcast of a live.
pub fn stats_key(live: &str, broadcast_id: &str) -> Item {
    key(live_pk(live), &stats_sk(broadcast_id))
}

/// The broadcast id of a statistics `sk`.
pub fn broadcast_of_stats_sk(sk: &str) -> Option<&str> {
    sk.strip_prefix(STATS_PREFIX)
}

fn nanos_of(at: OffsetDateTime) -> u64 {
    u64::try_from(at.unix_timestamp_nanos().max(0)).unwrap_or(u64::MAX)
}

/// The statistics item of the live's current broadcast (listed with the channel's lives).
pub fn stats_item(live: &StoredLive, stats: &LiveStats) -> Result<Item, StoreError> {
    let sk = stats_sk(&live.broadcast_id);
    let mut item = stats_key(&live.live_id, &live.broadcast_id);
    item.insert(keys::GSI1PK.to_owned(), s(channel_partition(&live.channel_id)));
    item.insert(keys::GSI1SK.to_owned(), s(mirror_list_sk(&live.live_id, &sk)));
    item.insert(attr::OWNER.to_owned(), s(live.owner.as_str()));
    item.insert(attr::BROADCAST_ID.to_owned(), s(&live.broadcast_id));
    item.insert(attr::AT.to_owned(), timestamp(stats.at)?);
    item.insert(attr::AT_NANOS.to_owned(), n(nanos_of(stats.at)));
    item.insert(attr::VIEW_COUNT.to_owned(), n(stats.view_count));
    item.insert(attr::VIEWER_COUNT.to_owned(), n(stats.viewer_count));
    item.insert(attr::LIKE_COUNT.to_owned(), n(stats.like_count));
    Ok(item)
}

/// The `atNanos` value a snapshot is compared by.
pub fn at_nanos(at: OffsetDateTime) -> AttributeValue {
    n(nanos_of(at))
}

/// A statistics snapshot read back from its item.
pub fn stats_from(item: &Item) -> Result<LiveStats, StoreError> {
    let r = Reader::new(item);
    Ok(LiveStats {
        at: r.timestamp(attr::AT)?,
        view_count: r.u64(attr::VIEW_COUNT)?,
        viewer_count: r.u64(attr::VIEWER_COUNT)?,
        like_count: r.u64(attr::LIKE_COUNT)?,
    })
}

/// The item of a live.
pub fn live_item(live: &StoredLive) -> Result<Item, StoreError> {
    let mut item = live_key(&live.live_id);
    item.insert(keys::GSI1PK.to_owned(), s(channel_partition(&live.channel_id)));
    item.insert(keys::GSI1SK.to_owned(), s(list_sk(live)));
    item.insert(attr::ID.to_owned(), s(&live.live_id));
    item.insert(attr::OWNER.to_owned(), s(live.owner.as_str()));
    item.insert(attr::CHANNEL_ID.to_owned(), s(live.channel_id.as_str()));
    item.insert(attr::BROADCAST_ID.to_owned(), s(&live.broadcast_id));
    item.insert(attr::STREAM_ID.to_owned(), s(&live.stream_id));
    item.insert(attr::STARTED.to_owned(), AttributeValue::Bool(live.started));
    item.insert(
        attr::BROADCASTS.to_owned(),
        AttributeValue::L(live.broadcasts.iter().map(s).collect()),
    );
    item.insert(attr::CREATED_AT.to_owned(), timestamp(live.created_at)?);
    item.insert(attr::MODIFIED_AT.to_owned(), timestamp(live.modified_at)?);
    item.insert(attr::VERSION.to_owned(), n(live.version));
    item.insert(attr::CHANNEL_LINK.to_owned(), s(&live.channel_link));
    Ok(item)
}

/// A live read back from its item.
pub fn live_from(item: &Item) -> Result<StoredLive, StoreError> {
    let r = Reader::new(item);
    Ok(StoredLive {
        live_id: r.s(attr::ID)?.to_owned(),
        owner: r.parsed(attr::OWNER, UserId::parse)?,
        channel_id: r.parsed(attr::CHANNEL_ID, ChannelId::parse)?,
        broadcast_id: r.s(attr::BROADCAST_ID)?.to_owned(),
        stream_id: r.s(attr::STREAM_ID)?.to_owned(),
        started: r.bool(attr::STARTED)?,
        broadcasts: r.strings(attr::BROADCASTS)?,
        created_at: r.timestamp(attr::CREATED_AT)?,
        modified_at: r.timestamp(attr::MODIFIED_AT)?,
        version: r.u64(attr::VERSION)?,
        // Lives stored before the link was kept show none until their next restart.
        channel_link: r.opt_s(attr::CHANNEL_LINK)?.unwrap_or_default().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_round_trips_through_its_item() {
        let t = OffsetDateTime::from_unix_timestamp_nanos(1_700_000_000_123_456_789).unwrap();
        let live = StoredLive {
            live_id: "l1".into(),
            owner: UserId::parse("u1").unwrap(),
            channel_id: ChannelId::parse("c1").unwrap(),
            broadcast_id: "b2".into(),
            stream_id: "s2".into(),
            started: true,
            broadcasts: vec!["b1".into(), "b2".into()],
            created_at: t,
            modified_at: t + time::Duration::seconds(1),
            version: 3,
            channel_link: "https://example.com/c1".into(),
        };
        let item = live_item(&live).unwrap();
        assert_eq!(live_from(&item).unwrap(), live);
        assert_eq!(live_pk("l1"), "LIVE#l1");
        assert_eq!(channel_partition(&live.channel_id), "CHANNEL#c1#LIVES");
        assert_eq!(list_sk(&live), "01700000001123456789#01700000000123456789#l1");
    }
}
