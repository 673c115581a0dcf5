//! Write bodies as clients send them: every field optional and every enumeration kept as text, so a
//! missing field becomes its `…Required` reason and a bad value its `invalid…` reason (from
//! [`super::validate`]) instead of a generic parse error. Read-only fields a client echoes back
//! (`publishedAt`, `lifeCycleStatus`, `boundStreamId`, …) are accepted and ignored.

use super::broadcast::MonetizationDetails;
use super::error::{ErrorDomain, LifecycleError, Reason};
use super::part::Parts;
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// Parses a write body: its parts must be named by `part`, and its shape must be the resource's.
pub fn parse_body<T: DeserializeOwned>(body: &serde_json::Value, parts: &Parts) -> Result<T, LifecycleError> {
    parts.check_body(body)?;
    serde_json::from_value(body.clone()).map_err(|err| {
        LifecycleError::new(
            ErrorDomain::Global,
            Reason::ParseError,
            format!("The request body does not match the resource: {err}"),
        )
    })
}

/// A liveBroadcast write body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BroadcastBody {
    /// `id` (required on update).
    pub id: Option<String>,
    /// `snippet`.
    pub snippet: Option<BroadcastSnippetBody>,
    /// `status`.
    pub status: Option<BroadcastStatusBody>,
    /// `contentDetails`.
    pub content_details: Option<BroadcastContentDetailsBody>,
    /// `monetizationDetails`.
    pub monetization_details: Option<MonetizationDetails>,
}

/// `snippet` of a liveBroadcast write body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BroadcastSnippetBody {
    /// Picks the owning channel on insert (absent: the user's oldest enabled channel).
    pub channel_id: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// RFC 3339.
    pub scheduled_start_time: Option<String>,
    /// RFC 3339.
    pub scheduled_end_time: Option<String>,
}

/// `status` of a liveBroadcast write body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BroadcastStatusBody {
    /// `public`, `unlisted` or `private`.
    pub privacy_status: Option<String>,
    /// Creator's made-for-kids declaration (insert only).
    pub self_declared_made_for_kids: Option<bool>,
}

/// `contentDetails.monitorStream` of a write body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonitorStreamBody {
    /// Monitor on or off.
    pub enable_monitor_stream: Option<bool>,
    /// Delay of the public stream.
    pub broadcast_stream_delay_ms: Option<u32>,
}

/// `contentDetails` of a liveBroadcast write body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BroadcastContentDetailsBody {
    /// Monitor stream settings.
    pub monitor_stream: Option<MonitorStreamBody>,
    /// Embeddable.
    pub enable_embed: Option<bool>,
    /// DVR.
    pub enable_dvr: Option<bool>,
    /// Record from start.
    pub record_from_start: Option<bool>,
    /// Captions mode (text).
    pub closed_captions_type: Option<String>,
    /// Deprecated captions boolean.
    pub enable_closed_captions: Option<bool>,
    /// Latency preference (text).
    pub latency_preference: Option<String>,
    /// Deprecated latency boolean.
    pub enable_low_latency: Option<bool>,
    /// Projection (text).
    pub projection: Option<String>,
    /// Auto-start.
    pub enable_auto_start: Option<bool>,
    /// Auto-stop.
    pub enable_auto_stop: Option<bool>,
    /// Extension: auto-start waits for the scheduled start.
    pub onair_start_at_scheduled_time: Option<bool>,
    /// Extension: complete at the scheduled end.
    pub onair_stop_at_scheduled_end_time: Option<bool>,
}

/// A liveStream write body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamBody {
    /// `id` (required on update).
    pub id: Option<String>,
    /// `snippet`.
    pub snippet: Option<StreamSnippetBody>,
    /// `cdn`.
    pub cdn: Option<CdnBody>,
    /// `contentDetails`.
    pub content_details: Option<StreamContentDetailsBody>,
}

/// `snippet` of a liveStream write body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamSnippetBody {
    /// Picks the owning channel on insert.
    pub channel_id: Option<String>,
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
}

/// `cdn` of a liveStream write body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CdnBody {
    /// Legacy combined format (refused).
    pub format: Option<String>,
    /// Ingestion type (text).
    pub ingestion_type: Option<String>,
    /// Resolution (text).
    pub resolution: Option<String>,
    /// Frame rate (text).
    pub frame_rate: Option<String>,
    /// Server-owned; an update that changes it is refused.
    pub ingestion_info: Option<IngestionInfoBody>,
}

/// `cdn.ingestionInfo` of a write body (server-owned).
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IngestionInfoBody {
    /// The stream key as the client echoes it.
    pub stream_name: Option<String>,
    /// The ingestion address as the client echoes it.
    pub ingestion_address: Option<String>,
}

impl std::fmt::Debug for IngestionInfoBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IngestionInfoBody")
            .field("stream_name", &self.stream_name.as_ref().map(|_| "<redacted>"))
            .field("ingestion_address", &self.ingestion_address)
            .finish()
    }
}

/// `contentDetails` of a liveStream write body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamContentDetailsBody {
    /// Reusable; fixed at insert.
    pub is_reusable: Option<bool>,
}
