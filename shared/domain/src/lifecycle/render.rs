//! Rendering a record as the YouTube resource: `kind`, `etag`, `id` and exactly the parts `part` names.
//!
//! The etag is the base64url SHA-256 of the rendered parts, so it changes whenever anything the client
//! sees changes (state, stream status, health) and is equal for equal representations. `statistics`
//! appear only while the broadcast is `live` (spec §3.4).

use super::broadcast::Broadcast;
use super::part::{Part, Parts};
use super::stream::Stream;
use super::wire::LifeCycleStatus;
use crate::oauth::token::token_hash;
use serde_json::{Map, Value};

/// `kind` of a liveBroadcast.
pub const BROADCAST_KIND: &str = "youtube#liveBroadcast";
/// `kind` of a liveStream.
pub const STREAM_KIND: &str = "youtube#liveStream";
/// `kind` of a cuepoint response.
pub const CUEPOINT_KIND: &str = "youtube#cuepoint";

fn finish(kind: &str, id: &str, parts: &Parts, available: Map<String, Value>) -> Value {
    let mut body = Map::new();
    if parts.contains(Part::Id) {
        body.insert("id".into(), Value::String(id.to_owned()));
    }
    for part in parts.iter().filter(|p| *p != Part::Id) {
        if let Some(v) = available.get(part.as_str()) {
            body.insert(part.as_str().into(), v.clone());
        }
    }
    let etag = token_hash(&Value::Object(body.clone()).to_string());
    let mut out = Map::new();
    out.insert("kind".into(), Value::String(kind.to_owned()));
    out.insert("etag".into(), Value::String(etag));
    // `id` is always present, as on YouTube, even when `part` omits it
    out.insert("id".into(), Value::String(id.to_owned()));
    out.extend(body.into_iter().filter(|(k, _)| k != "id"));
    Value::Object(out)
}

/// A broadcast as the API returns it.
pub fn broadcast(b: &Broadcast, parts: &Parts) -> Value {
    let mut available = match serde_json::to_value(b) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    if b.state() != LifeCycleStatus::Live {
        available.remove("statistics");
    }
    // The Content ID lock is onair's bookkeeping, not a field of YouTube's resource.
    if let Some(Value::Object(details)) = available.get_mut("contentDetails") {
        details.remove("recordFromStartLocked");
    }
    finish(BROADCAST_KIND, &b.id, parts, available)
}

/// A stream as the API returns it (to its owner: the key is included).
pub fn stream(s: &Stream, parts: &Parts) -> Value {
    let available = match serde_json::to_value(s) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    finish(STREAM_KIND, &s.id, parts, available)
}
