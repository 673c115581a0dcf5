//! Shared test fixtures: a fixed clock reading and records in any state.

use super::body::{BroadcastBody, StreamBody};
use super::broadcast::Broadcast;
use super::key::StreamKey;
use super::part::{Method, Parts};
use super::resource::{NewBroadcast, NewStream, new_broadcast, new_stream};
use super::stream::Stream;
use super::wire::LifeCycleStatus;
use crate::ids::ChannelId;
use serde_json::json;
use time::OffsetDateTime;
use time::macros::datetime;

pub const NOW: OffsetDateTime = datetime!(2025-01-01 12:00 UTC);

pub fn channel() -> ChannelId {
    ChannelId::parse("chan-1").unwrap()
}

pub fn broadcast_json() -> serde_json::Value {
    json!({
        "snippet": {"title": "Launch", "scheduledStartTime": "2025-01-01T13:00:00Z"},
        "status": {"privacyStatus": "unlisted"}
    })
}

pub fn insert_broadcast(body: serde_json::Value, part: &str) -> Result<Broadcast, super::LifecycleError> {
    let parts = Parts::parse(Method::BroadcastInsert, Some(part))?;
    let body: BroadcastBody = super::body::parse_body(&body, &parts)?;
    new_broadcast(
        NewBroadcast {
            id: "b-1".into(),
            channel_id: channel(),
            embed_html: "<iframe></iframe>".into(),
        },
        &body,
        &parts,
        NOW,
    )
}

/// A fresh broadcast (monitor on, no auto start/stop).
pub fn fresh() -> Broadcast {
    insert_broadcast(broadcast_json(), "snippet,status,contentDetails").unwrap()
}

/// A broadcast forced into `state`, with a stream bound unless it is `created`.
pub fn in_state(state: LifeCycleStatus) -> Broadcast {
    let mut b = fresh();
    b.status.life_cycle_status = state;
    if state != LifeCycleStatus::Created {
        b.content_details.bound_stream_id = Some("s-1".into());
    }
    b
}

pub fn stream_json() -> serde_json::Value {
    json!({
        "snippet": {"title": "Main encoder"},
        "cdn": {"ingestionType": "rtmp", "resolution": "720p", "frameRate": "30fps"}
    })
}

pub fn insert_stream(body: serde_json::Value, part: &str) -> Result<Stream, super::LifecycleError> {
    let parts = Parts::parse(Method::StreamInsert, Some(part))?;
    let body: StreamBody = super::body::parse_body(&body, &parts)?;
    new_stream(
        NewStream {
            id: "s-1".into(),
            channel_id: channel(),
            key: StreamKey::presented("key-123"),
            ingestion_address: "rtmp://127.0.0.1:1935/live".into(),
        },
        &body,
        &parts,
        NOW,
    )
}
