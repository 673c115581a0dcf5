//! The liveBroadcast record: the parts of YouTube's resource that onair stores, with the discovery
//! document's field names. `kind`, `etag` and part selection are added when rendering
//! ([`super::render`]); ownership is [`Broadcast::channel_id`], which is also `snippet.channelId`.
//!
//! Two opt-in extension fields live in `contentDetails` (Google's client passes unknown body fields
//! through unchanged): `onairStartAtScheduledTime` makes an auto-start broadcast whose stream is already
//! active wait until `snippet.scheduledStartTime`, and `onairStopAtScheduledEndTime` completes a live
//! broadcast at `snippet.scheduledEndTime`. Both default to `false`, so a plain YouTube client sees
//! YouTube's behaviour.

use super::wire::{
    ClosedCaptionsType, LatencyPreference, LifeCycleStatus, PrivacyStatus, Projection, RecordingStatus,
    int_string, rfc3339,
};
use crate::ids::ChannelId;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// A stored liveBroadcast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Broadcast {
    /// The broadcast id (also its video id).
    pub id: String,
    /// `snippet`.
    pub snippet: BroadcastSnippet,
    /// `status`.
    pub status: BroadcastStatus,
    /// `contentDetails`.
    pub content_details: BroadcastContentDetails,
    /// `monetizationDetails`, stored as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monetization_details: Option<MonetizationDetails>,
    /// `statistics`; rendered only while the broadcast is `live`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistics: Option<BroadcastStatistics>,
}

impl Broadcast {
    /// The owning channel.
    pub fn channel_id(&self) -> &ChannelId {
        &self.snippet.channel_id
    }

    /// The lifecycle state.
    pub fn state(&self) -> LifeCycleStatus {
        self.status.life_cycle_status
    }

    /// The bound stream, if any.
    pub fn bound_stream_id(&self) -> Option<&str> {
        self.content_details.bound_stream_id.as_deref()
    }
}

/// `snippet` of a liveBroadcast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BroadcastSnippet {
    /// When the broadcast was inserted.
    #[serde(with = "rfc3339")]
    pub published_at: OffsetDateTime,
    /// The owning channel.
    pub channel_id: ChannelId,
    /// 1–100 characters.
    pub title: String,
    /// At most 5000 characters; empty when unset.
    #[serde(default)]
    pub description: String,
    /// When the owner plans to start.
    #[serde(with = "rfc3339")]
    pub scheduled_start_time: OffsetDateTime,
    /// When the owner plans to end; absent means "indefinitely".
    #[serde(default, with = "rfc3339::option", skip_serializing_if = "Option::is_none")]
    pub scheduled_end_time: Option<OffsetDateTime>,
    /// Set when the broadcast becomes `live`.
    #[serde(default, with = "rfc3339::option", skip_serializing_if = "Option::is_none")]
    pub actual_start_time: Option<OffsetDateTime>,
    /// Set when the broadcast becomes `complete`.
    #[serde(default, with = "rfc3339::option", skip_serializing_if = "Option::is_none")]
    pub actual_end_time: Option<OffsetDateTime>,
    /// The broadcast's live chat: the PRISM live's id for the broadcasts of a live (all of them,
    /// restarts included), the broadcast's own id otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_chat_id: Option<String>,
}

/// `status` of a liveBroadcast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BroadcastStatus {
    /// The lifecycle state.
    pub life_cycle_status: LifeCycleStatus,
    /// Who may watch.
    pub privacy_status: PrivacyStatus,
    /// Whether the control plane considers the broadcast recorded (media is the media plane's job).
    pub recording_status: RecordingStatus,
    /// The platform's made-for-kids decision; onair takes the creator's declaration.
    pub made_for_kids: bool,
    /// The creator's declaration, returned to the owner only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_declared_made_for_kids: Option<bool>,
}

/// `contentDetails.monitorStream`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonitorStream {
    /// With the monitor on, the broadcast must pass through `testing` before `live`.
    pub enable_monitor_stream: bool,
    /// Delay of the public stream behind the monitor stream.
    pub broadcast_stream_delay_ms: u32,
    /// The monitor player's embed code, set at insert from the configured player URL template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embed_html: Option<String>,
}

/// `contentDetails` of a liveBroadcast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BroadcastContentDetails {
    /// The bound stream.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bound_stream_id: Option<String>,
    /// When the binding last changed.
    #[serde(default, with = "rfc3339::option", skip_serializing_if = "Option::is_none")]
    pub bound_stream_last_update_time_ms: Option<OffsetDateTime>,
    /// The monitor stream settings.
    pub monitor_stream: MonitorStream,
    /// Whether the broadcast may be embedded.
    pub enable_embed: bool,
    /// Viewer pause and rewind.
    pub enable_dvr: bool,
    /// Recording starts when the broadcast goes live.
    pub record_from_start: bool,
    /// Captions mode.
    pub closed_captions_type: ClosedCaptionsType,
    /// Deprecated boolean form of `closedCaptionsType`; always consistent with it.
    pub enable_closed_captions: bool,
    /// Latency preference.
    pub latency_preference: LatencyPreference,
    /// Deprecated boolean form of `latencyPreference` (`true` ⇔ not `normal`).
    pub enable_low_latency: bool,
    /// Projection.
    pub projection: Projection,
    /// Go live when the bound stream becomes active.
    pub enable_auto_start: bool,
    /// Complete once the bound stream has been inactive for the auto-stop delay.
    pub enable_auto_stop: bool,
    /// Extension: an auto-start waits for `scheduledStartTime`.
    #[serde(default)]
    pub onair_start_at_scheduled_time: bool,
    /// Extension: a live broadcast completes at `scheduledEndTime`.
    #[serde(default)]
    pub onair_stop_at_scheduled_end_time: bool,
    /// Internal, never rendered: a live Content ID reference fingerprints this broadcast's whole
    /// recording, so `recordFromStart` may no longer be turned off. Set only by `references.insert`
    /// (live path), in the reference's own transaction.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub record_from_start_locked: bool,
}

impl Default for BroadcastContentDetails {
    /// The insert defaults of spec §3.3.
    fn default() -> Self {
        Self {
            bound_stream_id: None,
            bound_stream_last_update_time_ms: None,
            monitor_stream: MonitorStream {
                enable_monitor_stream: true,
                broadcast_stream_delay_ms: 0,
                embed_html: None,
            },
            enable_embed: true,
            enable_dvr: true,
            record_from_start: true,
            closed_captions_type: ClosedCaptionsType::Disabled,
            enable_closed_captions: false,
            latency_preference: LatencyPreference::Normal,
            enable_low_latency: false,
            projection: Projection::Rectangular,
            enable_auto_start: false,
            enable_auto_stop: false,
            onair_start_at_scheduled_time: false,
            onair_stop_at_scheduled_end_time: false,
            record_from_start_locked: false,
        }
    }
}

/// `monetizationDetails` (stored and returned as written).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MonetizationDetails {
    /// `cuepointSchedule`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cuepoint_schedule: Option<CuepointSchedule>,
}

/// `monetizationDetails.cuepointSchedule`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CuepointSchedule {
    /// Automatic mid-rolls on or off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// No ads until this time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause_ads_until: Option<String>,
    /// `concurrent` or `nonConcurrent`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_strategy: Option<String>,
    /// Seconds between automatic mid-rolls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat_interval_secs: Option<i32>,
}

/// `statistics` of a liveBroadcast (filled by the chat/statistics slice).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BroadcastStatistics {
    /// Current viewers, a uint64 carried as a string.
    #[serde(with = "int_string")]
    pub concurrent_viewers: u64,
}

/// The embed code of the monitor player: `template` with `{id}` replaced by the broadcast id.
///
/// The id is URL-safe by construction, but both the URL and the attribute are escaped anyway so a
/// misconfigured template can never break out of the `src` attribute.
pub fn monitor_embed_html(template: &str, broadcast_id: &str) -> String {
    let url = template.replace("{id}", broadcast_id);
    let escaped: String = url
        .chars()
        .map(|c| match c {
            '&' => "&amp;".to_owned(),
            '"' => "&quot;".to_owned(),
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '\'' => "&#39;".to_owned(),
            c => c.to_string(),
        })
        .collect();
    format!(
        "<iframe width=\"425\" height=\"344\" src=\"{escaped}\" frameborder=\"0\" allowfullscreen></iframe>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn monitor_embed_html_substitutes_the_id_and_escapes() {
        let html = monitor_embed_html("https://p.example/embed/{id}?a=1&b=\"x\"", "abc");
        assert!(html.contains("src=\"https://p.example/embed/abc?a=1&amp;b=&quot;x&quot;\""));
        assert!(html.starts_with("<iframe"));
    }

    #[test]
    fn content_details_defaults_follow_the_spec() {
        let d = BroadcastContentDetails::default();
        assert!(d.monitor_stream.enable_monitor_stream);
        assert_eq!(d.monitor_stream.broadcast_stream_delay_ms, 0);
        assert!(d.enable_embed && d.enable_dvr && d.record_from_start);
        assert!(!d.enable_auto_start && !d.enable_auto_stop);
        assert_eq!(d.closed_captions_type, ClosedCaptionsType::Disabled);
        assert_eq!(d.latency_preference, LatencyPreference::Normal);
        assert_eq!(d.projection, Projection::Rectangular);
    }
}
