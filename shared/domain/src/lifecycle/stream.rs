//! The liveStream record: the ingest point of a broadcast, with the discovery document's field names.
//!
//! `cdn` is fixed at insert (only `snippet` may change later); `cdn.ingestionInfo.streamName` is the
//! [`StreamKey`], which serializes to the owner but never appears in `Debug`.

use super::key::StreamKey;
use super::wire::{
    FrameRate, HealthStatus, IngestionType, IssueSeverity, Resolution, StreamStatus, int_string, rfc3339,
};
use crate::ids::ChannelId;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A stored liveStream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stream {
    /// The stream id.
    pub id: String,
    /// `snippet`.
    pub snippet: StreamSnippet,
    /// `cdn`.
    pub cdn: Cdn,
    /// `status`.
    pub status: StreamStatusPart,
    /// `contentDetails`.
    pub content_details: StreamContentDetails,
}

impl Stream {
    /// The owning channel.
    pub fn channel_id(&self) -> &ChannelId {
        &self.snippet.channel_id
    }

    /// The stream status.
    pub fn stream_status(&self) -> StreamStatus {
        self.status.stream_status
    }
}

/// `snippet` of a liveStream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamSnippet {
    /// When the stream was inserted.
    #[serde(with = "rfc3339")]
    pub published_at: OffsetDateTime,
    /// The owning channel.
    pub channel_id: ChannelId,
    /// 1–128 characters.
    pub title: String,
    /// At most 10000 characters; empty when unset.
    #[serde(default)]
    pub description: String,
}

/// `cdn` of a liveStream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cdn {
    /// How video arrives.
    pub ingestion_type: IngestionType,
    /// Declared resolution.
    pub resolution: Resolution,
    /// Declared frame rate.
    pub frame_rate: FrameRate,
    /// Where and with which key to publish.
    pub ingestion_info: IngestionInfo,
}

/// `cdn.ingestionInfo`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IngestionInfo {
    /// The stream key.
    pub stream_name: StreamKey,
    /// The primary ingestion URL (`ONAIR_INGEST_RTMP_URL`).
    pub ingestion_address: String,
    /// A backup ingestion URL, when one is configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_ingestion_address: Option<String>,
    /// The RTMPS ingestion URL, when one is configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtmps_ingestion_address: Option<String>,
    /// The RTMPS backup URL, when one is configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rtmps_backup_ingestion_address: Option<String>,
}

/// `status` of a liveStream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamStatusPart {
    /// Whether data is arriving.
    pub stream_status: StreamStatus,
    /// How healthy the arriving data is.
    pub health_status: StreamHealth,
}

/// `status.healthStatus`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamHealth {
    /// The summary.
    pub status: HealthStatus,
    /// When the summary last changed (Unix seconds, a uint64 carried as a string).
    #[serde(with = "int_string")]
    pub last_update_time_seconds: u64,
    /// The issues behind the summary.
    #[serde(default)]
    pub configuration_issues: Vec<ConfigurationIssue>,
}

/// `status.healthStatus.configurationIssues[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigurationIssue {
    /// The issue type, e.g. `bitrateLow` (discovery's enum; kept as text so new types pass through).
    #[serde(rename = "type")]
    pub kind: String,
    /// How severe it is.
    pub severity: IssueSeverity,
    /// Short reason.
    pub reason: String,
    /// Long description.
    pub description: String,
}

/// `contentDetails` of a liveStream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamContentDetails {
    /// Whether the stream may serve several broadcasts; fixed at insert.
    pub is_reusable: bool,
    /// Where HTTP-POST captions go, when configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_captions_ingestion_url: Option<String>,
}
