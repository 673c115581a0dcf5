//! Enumerations of the live resources, spelled exactly as the `youtube.v3.json` discovery document
//! spells them, plus the two wire encodings Google uses that serde does not do by itself: RFC 3339 UTC
//! timestamps and 64-bit integers carried as JSON strings.
//!
//! Discovery's `…Unspecified` placeholders are deliberately absent: no client sends them and onair never
//! produces them. Values that exist on the wire but that onair never produces (`healthStatus` `revoked`)
//! are present so a round trip never fails.

use serde::{Deserialize, Serialize};

macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $var:ident = $wire:literal,)+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $wire)] $var,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$var,)+];

            /// The wire string.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$var => $wire,)+
                }
            }

            /// Parses the exact wire string (case-sensitive, as Google's API is).
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum!(
    /// `status.lifeCycleStatus` of a liveBroadcast.
    LifeCycleStatus {
        /// Exists, but has no bound stream yet.
        Created = "created",
        /// A stream is bound; may go to testing or live.
        Ready = "ready",
        /// `transition(testing)` accepted, settling.
        TestStarting = "testStarting",
        /// Visible to the owner only (monitor stream).
        Testing = "testing",
        /// `transition(live)` or auto-start accepted, settling.
        LiveStarting = "liveStarting",
        /// On air.
        Live = "live",
        /// Finished (terminal).
        Complete = "complete",
        /// Removed by an administrator (terminal).
        Revoked = "revoked",
    }
);

impl LifeCycleStatus {
    /// Terminal states: nothing moves a broadcast out of them.
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Complete | Self::Revoked)
    }

    /// The transient states that [`super::machine::settle`] completes.
    pub fn is_transient(self) -> bool {
        matches!(self, Self::TestStarting | Self::LiveStarting)
    }
}

wire_enum!(
    /// The `broadcastStatus` parameter of `liveBroadcasts.transition`.
    TransitionTarget {
        /// Start the monitor-only test.
        Testing = "testing",
        /// Go on air.
        Live = "live",
        /// End the broadcast.
        Complete = "complete",
    }
);

wire_enum!(
    /// The `broadcastStatus` filter of `liveBroadcasts.list`.
    BroadcastStatusFilter {
        /// Every broadcast of the caller except revoked ones.
        All = "all",
        /// `liveStarting` or `live`.
        Active = "active",
        /// `created`, `ready`, `testStarting` or `testing`.
        Upcoming = "upcoming",
        /// `complete`.
        Completed = "completed",
    }
);

impl BroadcastStatusFilter {
    /// Whether a broadcast in `state` passes this filter (the mapping spec §4.2 proposes).
    pub fn matches(self, state: LifeCycleStatus) -> bool {
        use LifeCycleStatus as S;
        match self {
            Self::All => state != S::Revoked,
            Self::Active => matches!(state, S::LiveStarting | S::Live),
            Self::Upcoming => matches!(state, S::Created | S::Ready | S::TestStarting | S::Testing),
            Self::Completed => state == S::Complete,
        }
    }
}

wire_enum!(
    /// `status.privacyStatus`.
    PrivacyStatus {
        /// Anyone.
        Public = "public",
        /// Anyone with the link.
        Unlisted = "unlisted",
        /// The owner only.
        Private = "private",
    }
);

wire_enum!(
    /// `status.recordingStatus`.
    RecordingStatus {
        /// Not (yet) recording.
        NotRecording = "notRecording",
        /// Recording while live.
        Recording = "recording",
        /// Recorded; final.
        Recorded = "recorded",
    }
);

wire_enum!(
    /// `contentDetails.closedCaptionsType`.
    ClosedCaptionsType {
        /// No captions.
        Disabled = "closedCaptionsDisabled",
        /// Captions posted over HTTP.
        HttpPost = "closedCaptionsHttpPost",
        /// Captions embedded in the video.
        Embedded = "closedCaptionsEmbedded",
    }
);

wire_enum!(
    /// `contentDetails.latencyPreference`.
    LatencyPreference {
        /// Normal latency.
        Normal = "normal",
        /// Low latency.
        Low = "low",
        /// Ultra-low latency (no captions).
        UltraLow = "ultraLow",
    }
);

wire_enum!(
    /// `contentDetails.projection`.
    Projection {
        /// Flat video.
        Rectangular = "rectangular",
        /// 360° video.
        Equirectangular = "360",
        /// Mesh projection (needs `contentDetails.mesh`; not accepted by onair).
        Mesh = "mesh",
    }
);

wire_enum!(
    /// `status.streamStatus` of a liveStream.
    StreamStatus {
        /// Exists but CDN settings are not valid (onair never produces it: insert validates `cdn`).
        Created = "created",
        /// Valid settings; nothing received yet.
        Ready = "ready",
        /// Receiving data.
        Active = "active",
        /// Not receiving data after having been active.
        Inactive = "inactive",
        /// The ingest reported an error.
        Error = "error",
    }
);

wire_enum!(
    /// `status.healthStatus.status` of a liveStream.
    HealthStatus {
        /// No issue of severity warning or worse.
        Good = "good",
        /// No issue of severity error.
        Ok = "ok",
        /// At least one error-severity issue.
        Bad = "bad",
        /// Nothing is arriving, so there is nothing to judge.
        NoData = "noData",
        /// Discovery-only value; never produced.
        Revoked = "revoked",
    }
);

wire_enum!(
    /// `status.healthStatus.configurationIssues[].severity`.
    IssueSeverity {
        /// No adverse effect.
        Info = "info",
        /// Suboptimal.
        Warning = "warning",
        /// Cannot be broadcast.
        Error = "error",
    }
);

wire_enum!(
    /// `cdn.ingestionType`.
    IngestionType {
        /// RTMP (the only type onair ingests).
        Rtmp = "rtmp",
        /// MPEG-DASH.
        Dash = "dash",
        /// WebRTC.
        Webrtc = "webrtc",
        /// HLS.
        Hls = "hls",
    }
);

wire_enum!(
    /// `cdn.resolution`.
    Resolution {
        /// 240p.
        R240p = "240p",
        /// 360p.
        R360p = "360p",
        /// 480p.
        R480p = "480p",
        /// 720p.
        R720p = "720p",
        /// 1080p.
        R1080p = "1080p",
        /// 1440p.
        R1440p = "1440p",
        /// 2160p.
        R2160p = "2160p",
        /// Decided by the encoder.
        Variable = "variable",
    }
);

wire_enum!(
    /// `cdn.frameRate`.
    FrameRate {
        /// 30 frames per second.
        Fps30 = "30fps",
        /// 60 frames per second.
        Fps60 = "60fps",
        /// Decided by the encoder.
        Variable = "variable",
    }
);

wire_enum!(
    /// `cuepoint.cueType`.
    CueType {
        /// An ad break (the only type).
        Ad = "cueTypeAd",
    }
);

/// RFC 3339 timestamps in UTC (`2024-05-01T12:00:00Z`), as Google writes them.
pub mod rfc3339 {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;

    /// Formats `t` in UTC.
    pub fn format(t: OffsetDateTime) -> String {
        t.checked_to_offset(time::UtcOffset::UTC)
            .and_then(|t| t.format(&Rfc3339).ok())
            .unwrap_or_default()
    }

    /// Parses an RFC 3339 timestamp with any offset and returns it in UTC; `None` also when its UTC
    /// form falls outside the representable years (`to_offset` would panic on such client input).
    pub fn parse(s: &str) -> Option<OffsetDateTime> {
        OffsetDateTime::parse(s, &Rfc3339)
            .ok()?
            .checked_to_offset(time::UtcOffset::UTC)
    }

    /// Serde `serialize_with`.
    pub fn serialize<S: Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format(*t))
    }

    /// Serde `deserialize_with`.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        let s = String::deserialize(d)?;
        parse(&s).ok_or_else(|| serde::de::Error::custom("not an RFC 3339 timestamp"))
    }

    /// The same for optional timestamps (absent or `null` is `None`).
    pub mod option {
        use serde::{Deserialize, Deserializer, Serializer};
        use time::OffsetDateTime;

        /// Serde `serialize_with`.
        pub fn serialize<S: Serializer>(t: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
            match t {
                Some(t) => s.serialize_str(&super::format(*t)),
                None => s.serialize_none(),
            }
        }

        /// Serde `deserialize_with`.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<OffsetDateTime>, D::Error> {
            match Option::<String>::deserialize(d)? {
                None => Ok(None),
                Some(s) => super::parse(&s)
                    .map(Some)
                    .ok_or_else(|| serde::de::Error::custom("not an RFC 3339 timestamp")),
            }
        }
    }
}

/// Google carries 64-bit integers (`format: uint64` / `int64`) as JSON strings so JavaScript keeps every
/// digit; readers accept a number too, because hand-written clients send one.
pub mod int_string {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::fmt::Display;
    use std::str::FromStr;

    /// Serde `serialize_with`: the decimal digits as a string.
    pub fn serialize<T: Display, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(v)
    }

    /// Serde `deserialize_with`: a string of digits or a JSON number.
    pub fn deserialize<'de, T, D>(d: D) -> Result<T, D::Error>
    where
        T: FromStr + TryFrom<i64> + TryFrom<u64>,
        D: Deserializer<'de>,
    {
        parse_value(&serde_json::Value::deserialize(d)?)
            .ok_or_else(|| serde::de::Error::custom("not a whole number"))
    }

    /// A whole number from a JSON string or number.
    pub fn parse_value<T>(v: &serde_json::Value) -> Option<T>
    where
        T: FromStr + TryFrom<i64> + TryFrom<u64>,
    {
        match v {
            serde_json::Value::String(s) => s.parse().ok(),
            serde_json::Value::Number(n) => match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => T::try_from(u).ok(),
                (None, Some(i)) => T::try_from(i).ok(),
                _ => None,
            },
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_timestamp_whose_utc_form_leaves_the_supported_range_is_refused_not_a_panic() {
        // 9999-12-31T23:00-05:00 is 10000-01-01T04:00Z, beyond what `time` can represent.
        assert_eq!(rfc3339::parse("9999-12-31T23:00:00-05:00"), None);
        assert!(rfc3339::parse("9999-12-31T23:00:00Z").is_some());
    }
    use super::*;

    #[test]
    fn enum_values_round_trip_through_their_wire_strings() {
        fn check<T: Copy + PartialEq + std::fmt::Debug + Serialize + for<'de> Deserialize<'de>>(
            all: &[T],
            as_str: fn(T) -> &'static str,
            parse: fn(&str) -> Option<T>,
        ) {
            for &v in all {
                let json = serde_json::to_string(&v).unwrap();
                assert_eq!(json, format!("\"{}\"", as_str(v)));
                assert_eq!(serde_json::from_str::<T>(&json).unwrap(), v);
                assert_eq!(parse(as_str(v)), Some(v));
            }
        }
        check(
            LifeCycleStatus::ALL,
            LifeCycleStatus::as_str,
            LifeCycleStatus::parse,
        );
        check(StreamStatus::ALL, StreamStatus::as_str, StreamStatus::parse);
        check(HealthStatus::ALL, HealthStatus::as_str, HealthStatus::parse);
        check(Resolution::ALL, Resolution::as_str, Resolution::parse);
        check(FrameRate::ALL, FrameRate::as_str, FrameRate::parse);
        check(IngestionType::ALL, IngestionType::as_str, IngestionType::parse);
        check(Projection::ALL, Projection::as_str, Projection::parse);
        check(PrivacyStatus::ALL, PrivacyStatus::as_str, PrivacyStatus::parse);
        check(
            RecordingStatus::ALL,
            RecordingStatus::as_str,
            RecordingStatus::parse,
        );
    }

    #[test]
    fn wire_names_match_the_discovery_document() {
        let states: Vec<_> = LifeCycleStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            states,
            [
                "created",
                "ready",
                "testStarting",
                "testing",
                "liveStarting",
                "live",
                "complete",
                "revoked"
            ]
        );
        let health: Vec<_> = HealthStatus::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(health, ["good", "ok", "bad", "noData", "revoked"]);
        assert_eq!(Projection::Equirectangular.as_str(), "360");
        assert_eq!(ClosedCaptionsType::HttpPost.as_str(), "closedCaptionsHttpPost");
        assert_eq!(LatencyPreference::UltraLow.as_str(), "ultraLow");
        assert_eq!(CueType::Ad.as_str(), "cueTypeAd");
    }

    #[test]
    fn parsing_is_case_sensitive() {
        assert_eq!(Resolution::parse("720P"), None);
        assert_eq!(FrameRate::parse("30FPS"), None);
        assert_eq!(LifeCycleStatus::parse("Live"), None);
    }

    #[test]
    fn broadcast_status_filter_maps_every_state() {
        use BroadcastStatusFilter as F;
        use LifeCycleStatus as S;
        for &s in S::ALL {
            let hits: Vec<_> = [F::Active, F::Upcoming, F::Completed]
                .into_iter()
                .filter(|f| f.matches(s))
                .collect();
            // every state but revoked belongs to exactly one of the narrow filters, and to `all`
            if s == S::Revoked {
                assert!(hits.is_empty() && !F::All.matches(s));
            } else {
                assert_eq!(hits.len(), 1, "{s}");
                assert!(F::All.matches(s));
            }
        }
        assert!(F::Active.matches(S::LiveStarting));
        assert!(F::Upcoming.matches(S::TestStarting));
    }

    #[test]
    fn timestamps_are_written_in_utc_with_z() {
        let t = rfc3339::parse("2024-05-01T14:00:00+02:00").unwrap();
        assert_eq!(rfc3339::format(t), "2024-05-01T12:00:00Z");
        assert_eq!(rfc3339::parse("2024-05-01 12:00"), None);
    }

    #[test]
    fn large_integers_accept_strings_and_numbers() {
        use serde_json::json;
        assert_eq!(int_string::parse_value::<u64>(&json!("42")), Some(42));
        assert_eq!(int_string::parse_value::<u64>(&json!(42)), Some(42));
        assert_eq!(int_string::parse_value::<i64>(&json!(-5)), Some(-5));
        assert_eq!(int_string::parse_value::<u64>(&json!(-5)), None);
        assert_eq!(int_string::parse_value::<u64>(&json!(1.5)), None);
        assert_eq!(int_string::parse_value::<u64>(&json!("x")), None);
    }
}

wire_enum!(
    /// `status.uploadStatus` of a video (spec §11). onair produces `uploaded`, `processed`, `failed`
    /// and `rejected`; `deleted` exists on the wire only.
    UploadStatus {
        /// Not yet processed (every broadcast until the media plane reports on its recording).
        Uploaded = "uploaded",
        /// The recording is processed (stage 6 waits for this).
        Processed = "processed",
        /// Processing failed; `failureReason` says why.
        Failed = "failed",
        /// The video was rejected (onair: the broadcast was revoked).
        Rejected = "rejected",
        /// The video was deleted.
        Deleted = "deleted",
    }
);

wire_enum!(
    /// `status.failureReason` of a video whose processing failed (spec §11).
    FailureReason {
        /// The recording could not be converted.
        Conversion = "conversion",
        /// The recording is not a valid file.
        InvalidFile = "invalidFile",
        /// The recording is empty.
        EmptyFile = "emptyFile",
        /// The recording is too small.
        TooSmall = "tooSmall",
        /// The codec is not supported.
        Codec = "codec",
        /// The upload of the recording was aborted.
        UploadAborted = "uploadAborted",
    }
);

wire_enum!(
    /// `processingDetails.processingStatus` of a video (spec §11).
    ProcessingStatus {
        /// Not yet processed.
        Processing = "processing",
        /// Processed.
        Succeeded = "succeeded",
        /// Processing failed.
        Failed = "failed",
        /// Processing stopped for good (onair: the broadcast was revoked).
        Terminated = "terminated",
    }
);

wire_enum!(
    /// `snippet.liveBroadcastContent` of a video.
    LiveBroadcastContent {
        /// A broadcast not yet on air.
        Upcoming = "upcoming",
        /// A broadcast on air (or starting).
        Live = "live",
        /// Not a live broadcast any more.
        None = "none",
    }
);
