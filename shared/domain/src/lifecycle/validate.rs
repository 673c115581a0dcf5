//! Field rules of the live resources (spec §3, §6, §14), each returning the exact YouTube reason.
//!
//! Lengths count Unicode scalar values, as YouTube's "characters" do. A title that is only whitespace
//! is `invalidTitle`: it would render as no title at all.
//!
//! Scheduled times (gap: YouTube documents "in the future and near enough" without numbers): a start
//! up to [`SCHEDULE_PAST_SLACK`] in the past is accepted, so a client that computes "now" on a skewed
//! clock, or creates a broadcast to start immediately, is not refused; a start more than
//! [`SCHEDULE_HORIZON`] ahead is `invalidScheduledStartTime`. The end must be strictly after the start.

use super::body::{BroadcastContentDetailsBody, CdnBody};
use super::broadcast::BroadcastContentDetails;
use super::error::{LifecycleError, Reason};
use super::wire::{
    ClosedCaptionsType, FrameRate, IngestionType, LatencyPreference, PrivacyStatus, Projection, Resolution,
    rfc3339,
};
use time::{Duration, OffsetDateTime};

/// Longest broadcast title.
pub const BROADCAST_TITLE_MAX: usize = 100;
/// Longest broadcast description.
pub const BROADCAST_DESCRIPTION_MAX: usize = 5000;
/// Longest stream title.
pub const STREAM_TITLE_MAX: usize = 128;
/// Longest stream description.
pub const STREAM_DESCRIPTION_MAX: usize = 10000;
/// How far in the past a new scheduled start may lie.
pub const SCHEDULE_PAST_SLACK: Duration = Duration::minutes(15);
/// How far ahead a scheduled start may lie.
pub const SCHEDULE_HORIZON: Duration = Duration::days(366);

/// Which resource a rule is checked for (decides the error domain).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// A liveBroadcast.
    Broadcast,
    /// A liveStream.
    Stream,
}

impl Resource {
    fn error(self, reason: Reason, message: impl Into<String>) -> LifecycleError {
        match self {
            Resource::Broadcast => LifecycleError::broadcast(reason, message),
            Resource::Stream => LifecycleError::stream(reason, message),
        }
    }

    fn title_max(self) -> usize {
        match self {
            Resource::Broadcast => BROADCAST_TITLE_MAX,
            Resource::Stream => STREAM_TITLE_MAX,
        }
    }

    fn description_max(self) -> usize {
        match self {
            Resource::Broadcast => BROADCAST_DESCRIPTION_MAX,
            Resource::Stream => STREAM_DESCRIPTION_MAX,
        }
    }
}

/// A required title: present (`titleRequired`), not blank and not too long (`invalidTitle`).
pub fn title(resource: Resource, value: Option<&str>) -> Result<String, LifecycleError> {
    let value = value.ok_or_else(|| resource.error(Reason::TitleRequired, "snippet.title is required"))?;
    let max = resource.title_max();
    if value.trim().is_empty() || value.chars().count() > max {
        return Err(resource.error(
            Reason::InvalidTitle,
            format!("snippet.title must be 1 to {max} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// An optional description (absent is empty); too long is `invalidDescription`.
pub fn description(resource: Resource, value: Option<&str>) -> Result<String, LifecycleError> {
    let value = value.unwrap_or_default();
    let max = resource.description_max();
    if value.chars().count() > max {
        return Err(resource.error(
            Reason::InvalidDescription,
            format!("snippet.description must be at most {max} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// A required privacy status.
pub fn privacy(value: Option<&str>) -> Result<PrivacyStatus, LifecycleError> {
    let value = value.ok_or_else(|| {
        LifecycleError::broadcast(Reason::PrivacyStatusRequired, "status.privacyStatus is required")
    })?;
    PrivacyStatus::parse(value).ok_or_else(|| {
        LifecycleError::broadcast(
            Reason::InvalidPrivacyStatus,
            "status.privacyStatus must be public, unlisted or private",
        )
    })
}

/// Parses the required `scheduledStartTime` (no window check).
pub fn scheduled_start(value: Option<&str>) -> Result<OffsetDateTime, LifecycleError> {
    let value = value.ok_or_else(|| {
        LifecycleError::broadcast(
            Reason::ScheduledStartTimeRequired,
            "snippet.scheduledStartTime is required",
        )
    })?;
    rfc3339::parse(value).ok_or_else(|| {
        LifecycleError::broadcast(
            Reason::InvalidScheduledStartTime,
            "snippet.scheduledStartTime must be an RFC 3339 timestamp",
        )
    })
}

/// A newly set start must lie within the schedulable window around `now`.
pub fn start_window(start: OffsetDateTime, now: OffsetDateTime) -> Result<(), LifecycleError> {
    if start < now - SCHEDULE_PAST_SLACK || start > now + SCHEDULE_HORIZON {
        return Err(LifecycleError::broadcast(
            Reason::InvalidScheduledStartTime,
            "snippet.scheduledStartTime must be in the future and at most a year ahead",
        ));
    }
    Ok(())
}

/// Parses the optional `scheduledEndTime` and checks it is after `start`.
pub fn scheduled_end(
    value: Option<&str>,
    start: OffsetDateTime,
) -> Result<Option<OffsetDateTime>, LifecycleError> {
    let Some(value) = value else { return Ok(None) };
    let end = parse_end(value)?;
    end_after_start(Some(end), start)?;
    Ok(Some(end))
}

/// Parses a `scheduledEndTime` (no ordering check).
pub fn parse_end(value: &str) -> Result<OffsetDateTime, LifecycleError> {
    rfc3339::parse(value).ok_or_else(|| {
        LifecycleError::broadcast(
            Reason::InvalidScheduledEndTime,
            "snippet.scheduledEndTime must be an RFC 3339 timestamp",
        )
    })
}

/// The end, when set, must be strictly after the start.
pub fn end_after_start(end: Option<OffsetDateTime>, start: OffsetDateTime) -> Result<(), LifecycleError> {
    match end {
        Some(end) if end <= start => Err(LifecycleError::broadcast(
            Reason::InvalidScheduledEndTime,
            "snippet.scheduledEndTime must be after snippet.scheduledStartTime",
        )),
        _ => Ok(()),
    }
}

/// Which omitted `contentDetails` fields keep their current value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Omitted {
    /// Insert: every omitted field takes its default.
    Default,
    /// Update: replace-by-part, except the fields YouTube exempted (2022-10: embed, DVR, record from
    /// start; onair adds the monitor stream settings and its extension flags), which are kept.
    Update,
}

/// The `contentDetails` a body asks for, starting from `current`; consistency rules included.
pub fn content_details(
    body: &BroadcastContentDetailsBody,
    current: &BroadcastContentDetails,
    omitted: Omitted,
) -> Result<BroadcastContentDetails, LifecycleError> {
    let defaults = BroadcastContentDetails::default();
    // the base for fields that are replaced (reset to default when omitted) vs kept
    let kept = match omitted {
        Omitted::Default => &defaults,
        Omitted::Update => current,
    };
    let mut out = current.clone();

    let monitor = body.monitor_stream.clone().unwrap_or_default();
    out.monitor_stream.enable_monitor_stream = monitor
        .enable_monitor_stream
        .unwrap_or(kept.monitor_stream.enable_monitor_stream);
    out.monitor_stream.broadcast_stream_delay_ms = monitor
        .broadcast_stream_delay_ms
        .unwrap_or(kept.monitor_stream.broadcast_stream_delay_ms);
    out.enable_embed = body.enable_embed.unwrap_or(kept.enable_embed);
    out.enable_dvr = body.enable_dvr.unwrap_or(kept.enable_dvr);
    out.record_from_start = body.record_from_start.unwrap_or(kept.record_from_start);
    out.onair_start_at_scheduled_time = body
        .onair_start_at_scheduled_time
        .unwrap_or(kept.onair_start_at_scheduled_time);
    out.onair_stop_at_scheduled_end_time = body
        .onair_stop_at_scheduled_end_time
        .unwrap_or(kept.onair_stop_at_scheduled_end_time);
    out.enable_auto_start = body.enable_auto_start.unwrap_or(defaults.enable_auto_start);
    out.enable_auto_stop = body.enable_auto_stop.unwrap_or(defaults.enable_auto_stop);

    out.projection = match body.projection.as_deref() {
        None => defaults.projection,
        Some(p) => match Projection::parse(p) {
            Some(p @ (Projection::Rectangular | Projection::Equirectangular)) => p,
            _ => {
                return Err(LifecycleError::broadcast(
                    Reason::InvalidProjection,
                    "contentDetails.projection must be rectangular or 360",
                ));
            }
        },
    };

    let captions = match body.closed_captions_type.as_deref() {
        None => None,
        Some(c) => Some(ClosedCaptionsType::parse(c).ok_or_else(|| {
            LifecycleError::broadcast(
                Reason::InvalidEnableClosedCaptions,
                "contentDetails.closedCaptionsType is not a known captions type",
            )
        })?),
    };
    out.closed_captions_type = match (captions, body.enable_closed_captions) {
        (None, None) => defaults.closed_captions_type,
        (Some(t), None) => t,
        (None, Some(true)) => ClosedCaptionsType::HttpPost,
        (None, Some(false)) => ClosedCaptionsType::Disabled,
        (Some(t), Some(enabled)) if (t != ClosedCaptionsType::Disabled) == enabled => t,
        (Some(_), Some(_)) => {
            return Err(LifecycleError::broadcast(
                Reason::InvalidEnableClosedCaptions,
                "contentDetails.enableClosedCaptions contradicts contentDetails.closedCaptionsType",
            ));
        }
    };
    out.enable_closed_captions = out.closed_captions_type != ClosedCaptionsType::Disabled;

    let latency = match body.latency_preference.as_deref() {
        None => None,
        Some(l) => Some(LatencyPreference::parse(l).ok_or_else(|| {
            LifecycleError::broadcast(
                Reason::InvalidLatencyPreferenceOptions,
                "contentDetails.latencyPreference must be normal, low or ultraLow",
            )
        })?),
    };
    out.latency_preference = match (latency, body.enable_low_latency) {
        (None, None) => defaults.latency_preference,
        (Some(l), None) => l,
        (None, Some(true)) => LatencyPreference::Low,
        (None, Some(false)) => LatencyPreference::Normal,
        (Some(l), Some(low)) if (l != LatencyPreference::Normal) == low => l,
        (Some(_), Some(_)) => {
            return Err(LifecycleError::broadcast(
                Reason::InvalidLatencyPreferenceOptions,
                "contentDetails.enableLowLatency contradicts contentDetails.latencyPreference",
            ));
        }
    };
    out.enable_low_latency = out.latency_preference != LatencyPreference::Normal;
    if out.latency_preference == LatencyPreference::UltraLow
        && out.closed_captions_type != ClosedCaptionsType::Disabled
    {
        return Err(LifecycleError::broadcast(
            Reason::InvalidLatencyPreferenceOptions,
            "ultraLow latency does not support closed captions",
        ));
    }
    Ok(out)
}

/// The validated `cdn` settings of a new stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CdnSettings {
    /// Ingestion type (always RTMP).
    pub ingestion_type: IngestionType,
    /// Resolution.
    pub resolution: Resolution,
    /// Frame rate.
    pub frame_rate: FrameRate,
}

/// The `cdn` part of a new stream. onair ingests RTMP only (nginx-rtmp), so `dash`, `hls` and `webrtc`
/// — valid discovery values — are `invalidIngestionType` rather than streams that can never go active.
pub fn cdn(body: Option<&CdnBody>) -> Result<CdnSettings, LifecycleError> {
    let body = body.ok_or_else(|| LifecycleError::stream(Reason::CdnRequired, "cdn is required"))?;
    if body.format.as_deref().is_some_and(|f| !f.is_empty()) {
        return Err(LifecycleError::stream(
            Reason::InvalidFormat,
            "cdn.format is no longer supported; set cdn.resolution and cdn.frameRate",
        ));
    }
    let ingestion_type = body.ingestion_type.as_deref().ok_or_else(|| {
        LifecycleError::stream(Reason::IngestionTypeRequired, "cdn.ingestionType is required")
    })?;
    let ingestion_type = match IngestionType::parse(ingestion_type) {
        Some(IngestionType::Rtmp) => IngestionType::Rtmp,
        Some(_) => {
            return Err(LifecycleError::stream(
                Reason::InvalidIngestionType,
                "onair ingests rtmp only",
            ));
        }
        None => {
            return Err(LifecycleError::stream(
                Reason::InvalidIngestionType,
                "cdn.ingestionType must be rtmp",
            ));
        }
    };
    let (resolution, frame_rate) = match (body.resolution.as_deref(), body.frame_rate.as_deref()) {
        (None, _) => {
            return Err(LifecycleError::stream(
                Reason::ResolutionRequired,
                "cdn.resolution is required",
            ));
        }
        (_, None) => {
            return Err(LifecycleError::stream(
                Reason::FrameRateRequired,
                "cdn.frameRate is required",
            ));
        }
        (Some(r), Some(f)) => (r, f),
    };
    let resolution = Resolution::parse(resolution).ok_or_else(|| {
        LifecycleError::stream(
            Reason::InvalidResolution,
            "cdn.resolution is not a known resolution",
        )
    })?;
    let frame_rate = FrameRate::parse(frame_rate).ok_or_else(|| {
        LifecycleError::stream(
            Reason::InvalidFrameRate,
            "cdn.frameRate must be 30fps, 60fps or variable",
        )
    })?;
    if resolution == Resolution::Variable && frame_rate != FrameRate::Variable {
        return Err(LifecycleError::stream(
            Reason::InvalidFrameRate,
            "a variable resolution needs a variable frame rate",
        ));
    }
    Ok(CdnSettings {
        ingestion_type,
        resolution,
        frame_rate,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2025-01-01 12:00 UTC);

    fn r<T: std::fmt::Debug>(x: Result<T, LifecycleError>) -> &'static str {
        x.err().map(|e| e.reason.as_str()).unwrap_or("ok")
    }

    #[test]
    fn title_is_required_and_one_to_100_characters_for_broadcasts() {
        let b = Resource::Broadcast;
        assert_eq!(r(title(b, None)), "titleRequired");
        assert_eq!(r(title(b, Some(""))), "invalidTitle");
        assert_eq!(r(title(b, Some("   "))), "invalidTitle");
        assert_eq!(r(title(b, Some("a"))), "ok");
        assert_eq!(r(title(b, Some(&"a".repeat(100)))), "ok");
        assert_eq!(r(title(b, Some(&"a".repeat(101)))), "invalidTitle");
        // characters, not bytes
        assert_eq!(r(title(b, Some(&"é".repeat(100)))), "ok");
        assert_eq!(title(b, None).unwrap_err().domain(), "youtube.liveBroadcast");
    }

    #[test]
    fn title_is_required_and_one_to_128_characters_for_streams() {
        let s = Resource::Stream;
        assert_eq!(r(title(s, None)), "titleRequired");
        assert_eq!(r(title(s, Some(""))), "invalidTitle");
        assert_eq!(r(title(s, Some(&"a".repeat(128)))), "ok");
        assert_eq!(r(title(s, Some(&"a".repeat(129)))), "invalidTitle");
        assert_eq!(title(s, Some("")).unwrap_err().domain(), "youtube.liveStream");
    }

    #[test]
    fn description_is_at_most_5000_or_10000_characters() {
        let (b, s) = (Resource::Broadcast, Resource::Stream);
        assert_eq!(description(b, None).unwrap(), "");
        assert_eq!(r(description(b, Some(&"d".repeat(5000)))), "ok");
        assert_eq!(r(description(b, Some(&"d".repeat(5001)))), "invalidDescription");
        assert_eq!(r(description(s, Some(&"d".repeat(10000)))), "ok");
        assert_eq!(r(description(s, Some(&"d".repeat(10001)))), "invalidDescription");
    }

    #[test]
    fn privacy_status_is_required_and_one_of_three() {
        assert_eq!(r(privacy(None)), "privacyStatusRequired");
        assert_eq!(r(privacy(Some("secret"))), "invalidPrivacyStatus");
        assert_eq!(privacy(Some("unlisted")).unwrap(), PrivacyStatus::Unlisted);
    }

    #[test]
    fn scheduled_start_is_required_rfc3339_and_within_the_window() {
        assert_eq!(r(scheduled_start(None)), "scheduledStartTimeRequired");
        assert_eq!(r(scheduled_start(Some("tomorrow"))), "invalidScheduledStartTime");
        let t = scheduled_start(Some("2025-01-01T13:00:00+01:00")).unwrap();
        assert_eq!(t, NOW);
        assert_eq!(r(start_window(NOW, NOW)), "ok");
        assert_eq!(r(start_window(NOW - SCHEDULE_PAST_SLACK, NOW)), "ok");
        assert_eq!(
            r(start_window(
                NOW - SCHEDULE_PAST_SLACK - Duration::seconds(1),
                NOW
            )),
            "invalidScheduledStartTime"
        );
        assert_eq!(r(start_window(NOW + SCHEDULE_HORIZON, NOW)), "ok");
        assert_eq!(
            r(start_window(NOW + SCHEDULE_HORIZON + Duration::seconds(1), NOW)),
            "invalidScheduledStartTime"
        );
    }

    #[test]
    fn scheduled_end_must_be_after_the_start() {
        assert_eq!(scheduled_end(None, NOW).unwrap(), None);
        assert_eq!(
            r(scheduled_end(Some("2025-01-01T12:00:00Z"), NOW)),
            "invalidScheduledEndTime"
        );
        assert_eq!(
            r(scheduled_end(Some("2025-01-01T11:00:00Z"), NOW)),
            "invalidScheduledEndTime"
        );
        assert_eq!(r(scheduled_end(Some("x"), NOW)), "invalidScheduledEndTime");
        assert_eq!(
            scheduled_end(Some("2025-01-01T12:00:01Z"), NOW).unwrap(),
            Some(NOW + Duration::seconds(1))
        );
    }

    fn cd(json: serde_json::Value) -> Result<BroadcastContentDetails, LifecycleError> {
        let body: BroadcastContentDetailsBody = serde_json::from_value(json).unwrap();
        content_details(&body, &BroadcastContentDetails::default(), Omitted::Default)
    }

    #[test]
    fn content_details_enums_are_checked() {
        use serde_json::json;
        assert_eq!(r(cd(json!({"projection": "360"}))), "ok");
        assert_eq!(r(cd(json!({"projection": "mesh"}))), "invalidProjection");
        assert_eq!(r(cd(json!({"projection": "flat"}))), "invalidProjection");
        assert_eq!(
            r(cd(json!({"closedCaptionsType": "on"}))),
            "invalidEnableClosedCaptions"
        );
        assert_eq!(
            r(cd(json!({"latencyPreference": "fast"}))),
            "invalidLatencyPreferenceOptions"
        );
    }

    #[test]
    fn deprecated_booleans_must_agree_with_their_enums() {
        use serde_json::json;
        let d = cd(json!({"enableClosedCaptions": true})).unwrap();
        assert_eq!(d.closed_captions_type, ClosedCaptionsType::HttpPost);
        assert_eq!(
            r(cd(
                json!({"enableClosedCaptions": false, "closedCaptionsType": "closedCaptionsEmbedded"})
            )),
            "invalidEnableClosedCaptions"
        );
        let d = cd(json!({"enableLowLatency": true})).unwrap();
        assert_eq!(d.latency_preference, LatencyPreference::Low);
        assert!(d.enable_low_latency);
        assert_eq!(
            r(cd(json!({"enableLowLatency": false, "latencyPreference": "low"}))),
            "invalidLatencyPreferenceOptions"
        );
    }

    #[test]
    fn ultra_low_latency_excludes_closed_captions() {
        use serde_json::json;
        assert_eq!(
            r(cd(
                json!({"latencyPreference": "ultraLow", "closedCaptionsType": "closedCaptionsHttpPost"})
            )),
            "invalidLatencyPreferenceOptions"
        );
        assert_eq!(r(cd(json!({"latencyPreference": "ultraLow"}))), "ok");
    }

    fn cdn_of(json: serde_json::Value) -> Result<CdnSettings, LifecycleError> {
        let body: CdnBody = serde_json::from_value(json).unwrap();
        cdn(Some(&body))
    }

    #[test]
    fn cdn_is_required_with_ingestion_type_resolution_and_frame_rate() {
        use serde_json::json;
        assert_eq!(r(cdn(None)), "cdnRequired");
        assert_eq!(
            r(cdn_of(json!({"resolution": "720p", "frameRate": "30fps"}))),
            "ingestionTypeRequired"
        );
        assert_eq!(
            r(cdn_of(json!({"ingestionType": "rtmp", "frameRate": "30fps"}))),
            "resolutionRequired"
        );
        assert_eq!(
            r(cdn_of(json!({"ingestionType": "rtmp", "resolution": "720p"}))),
            "frameRateRequired"
        );
        let ok =
            cdn_of(json!({"ingestionType": "rtmp", "resolution": "1080p", "frameRate": "60fps"})).unwrap();
        assert_eq!(
            (ok.resolution, ok.frame_rate),
            (Resolution::R1080p, FrameRate::Fps60)
        );
    }

    #[test]
    fn cdn_enums_are_checked() {
        use serde_json::json;
        let base = |k: &str, v: &str| {
            let mut j = json!({"ingestionType": "rtmp", "resolution": "720p", "frameRate": "30fps"});
            j[k] = json!(v);
            r(cdn_of(j))
        };
        assert_eq!(base("resolution", "4k"), "invalidResolution");
        assert_eq!(base("resolution", "720P"), "invalidResolution");
        assert_eq!(base("frameRate", "25fps"), "invalidFrameRate");
        assert_eq!(base("ingestionType", "srt"), "invalidIngestionType");
        assert_eq!(base("format", "720p"), "invalidFormat");
        for every in Resolution::ALL.iter().filter(|r| **r != Resolution::Variable) {
            assert_eq!(base("resolution", every.as_str()), "ok");
        }
    }

    #[test]
    fn only_rtmp_is_ingested() {
        use serde_json::json;
        for t in ["dash", "hls", "webrtc"] {
            let j = json!({"ingestionType": t, "resolution": "720p", "frameRate": "30fps"});
            assert_eq!(r(cdn_of(j)), "invalidIngestionType", "{t}");
        }
    }

    #[test]
    fn variable_resolution_needs_variable_frame_rate() {
        use serde_json::json;
        let j = json!({"ingestionType": "rtmp", "resolution": "variable", "frameRate": "30fps"});
        assert_eq!(r(cdn_of(j)), "invalidFrameRate");
        let j = json!({"ingestionType": "rtmp", "resolution": "variable", "frameRate": "variable"});
        assert_eq!(r(cdn_of(j)), "ok");
    }
}
