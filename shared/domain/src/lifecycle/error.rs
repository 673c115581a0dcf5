//! Lifecycle refusals with YouTube's exact `reason` strings.
//!
//! Google's error envelope carries `code` (the HTTP status), and per error a `domain` and a `reason`.
//! Both are data here — this crate knows no HTTP types — so the one place per surface that renders
//! errors reads [`LifecycleError::code`], [`LifecycleError::domain`] and [`Reason::as_str`] and never
//! maps reasons by hand. Statuses the docs print next to a category are used as printed; categories
//! printed without a number follow Google's conventions (`insufficientPermissions`, `limitExceeded` and
//! `rateLimitExceeded` are 403, `backendError` is 500), as spec §2.5 and the gap list §15.2 record.

macro_rules! reasons {
    ($($(#[$doc:meta])* $name:ident = $wire:literal => $code:literal,)+) => {
        /// A refusal reason, spelled exactly as YouTube spells it on the wire.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Reason {
            $($(#[$doc])* $name,)+
        }

        impl Reason {
            /// Every reason, in declaration order.
            pub const ALL: &'static [Reason] = &[$(Reason::$name,)+];

            /// The `reason` string of Google's error envelope.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Reason::$name => $wire,)+
                }
            }

            /// The HTTP status code YouTube answers this reason with.
            pub fn code(self) -> u16 {
                match self {
                    $(Reason::$name => $code,)+
                }
            }
        }
    };
}

reasons! {
    // --- permissions (every liveBroadcasts / liveStreams method) ---
    /// The caller may not create or change live resources (disabled user or channel).
    InsufficientLivePermissions = "insufficientLivePermissions" => 403,
    /// The channel is currently blocked from live streaming.
    LivePermissionBlocked = "livePermissionBlocked" => 403,
    /// The channel is not enabled for live streaming.
    LiveStreamingNotEnabled = "liveStreamingNotEnabled" => 403,
    /// Too many requests in a window.
    UserRequestsExceedRateLimit = "userRequestsExceedRateLimit" => 403,
    /// Too many scheduled or live broadcasts on the channel.
    UserBroadcastsExceedLimit = "userBroadcastsExceedLimit" => 403,

    // --- generic request errors (Data API) ---
    /// A `part` name that no resource has.
    UnknownPart = "unknownPart" => 400,
    /// A `part` name this method does not accept, or a body part not named in `part`.
    UnexpectedPart = "unexpectedPart" => 400,
    /// A required query parameter is missing.
    MissingRequiredParameter = "missingRequiredParameter" => 400,
    /// Parameters that may not be combined (e.g. more than one list filter).
    IncompatibleParameters = "incompatibleParameters" => 400,
    /// No valid filter, or an unsupported filter value.
    InvalidFilters = "invalidFilters" => 400,
    /// A `pageToken` this server did not issue.
    InvalidPageToken = "invalidPageToken" => 400,
    /// A query parameter this method does not take.
    UnexpectedParameter = "unexpectedParameter" => 400,
    /// The request body is not the JSON the method expects.
    ParseError = "parseError" => 400,
    /// A required `id` (parameter or body field) is missing.
    IdRequired = "idRequired" => 400,
    /// A server-side failure; retryable.
    InternalError = "internalError" => 500,

    // --- idempotent writes (`Idempotency-Key`; onair-chosen names, statuses of the IETF
    // httpapi `Idempotency-Key` header draft, as YouTube has no such header) ---
    /// The `Idempotency-Key` header is not 1–255 visible ASCII characters, or is repeated.
    InvalidIdempotencyKey = "invalidIdempotencyKey" => 400,
    /// The key was already used by this caller for this method with a different request.
    IdempotencyKeyReused = "idempotencyKeyReused" => 422,
    /// A request with this key is still being processed; retry after `Retry-After`.
    IdempotencyKeyInProgress = "idempotencyKeyInProgress" => 409,

    // --- liveBroadcasts ---
    /// No broadcast with this id is visible to the caller.
    LiveBroadcastNotFound = "liveBroadcastNotFound" => 404,
    /// The broadcast's state forbids deleting it.
    LiveBroadcastDeletionNotAllowed = "liveBroadcastDeletionNotAllowed" => 403,
    /// The broadcast's state forbids (un)binding, or the stream may not be bound again.
    LiveBroadcastBindingNotAllowed = "liveBroadcastBindingNotAllowed" => 403,
    /// `snippet.title` missing on insert.
    TitleRequired = "titleRequired" => 400,
    /// Title empty or too long.
    InvalidTitle = "invalidTitle" => 400,
    /// Description too long.
    InvalidDescription = "invalidDescription" => 400,
    /// `snippet.scheduledStartTime` missing.
    ScheduledStartTimeRequired = "scheduledStartTimeRequired" => 400,
    /// `snippet.scheduledEndTime` missing (legacy; kept for completeness).
    ScheduledEndTimeRequired = "scheduledEndTimeRequired" => 400,
    /// Start time not an RFC 3339 time, too far in the past or too far ahead.
    InvalidScheduledStartTime = "invalidScheduledStartTime" => 400,
    /// End time not an RFC 3339 time or not after the start.
    InvalidScheduledEndTime = "invalidScheduledEndTime" => 400,
    /// `status.privacyStatus` missing on insert.
    PrivacyStatusRequired = "privacyStatusRequired" => 400,
    /// `status.privacyStatus` not one of `public`, `unlisted`, `private`.
    InvalidPrivacyStatus = "invalidPrivacyStatus" => 400,
    /// Auto-start not supported for this broadcast.
    InvalidAutoStart = "invalidAutoStart" => 400,
    /// Auto-stop not supported for this broadcast.
    InvalidAutoStop = "invalidAutoStop" => 400,
    /// The broadcast cannot take this embed setting.
    InvalidEmbedSetting = "invalidEmbedSetting" => 400,
    /// A setting incompatible with the latency preference, or an unknown preference.
    InvalidLatencyPreferenceOptions = "invalidLatencyPreferenceOptions" => 400,
    /// An unsupported projection.
    InvalidProjection = "invalidProjection" => 400,
    /// `enableClosedCaptions` contradicts `closedCaptionsType`, or an unknown captions type.
    InvalidEnableClosedCaptions = "invalidEnableClosedCaptions" => 400,
    /// A field that may not change in the broadcast's current state (no field-specific reason exists).
    ModificationNotAllowed = "modificationNotAllowed" => 403,
    /// `closedCaptionsType` changed outside `created`/`ready`.
    ClosedCaptionsTypeModificationNotAllowed = "closedCaptionsTypeModificationNotAllowed" => 403,
    /// `enableClosedCaptions` changed outside `created`/`ready`.
    EnableClosedCaptionsModificationNotAllowed = "enableClosedCaptionsModificationNotAllowed" => 403,
    /// `enableDvr` changed outside `created`/`ready`.
    EnableDvrModificationNotAllowed = "enableDvrModificationNotAllowed" => 403,
    /// `monitorStream` changed outside `created`/`ready`.
    EnableMonitorStreamModificationNotAllowed = "enableMonitorStreamModificationNotAllowed" => 403,
    /// `enableAutoStart` changed outside `created`/`ready`.
    EnableAutoStartModificationNotAllowed = "enableAutoStartModificationNotAllowed" => 403,
    /// `enableAutoStop` changed outside `created`/`ready`.
    EnableAutoStopModificationNotAllowed = "enableAutoStopModificationNotAllowed" => 403,
    /// `recordFromStart` changed outside `created`/`ready`.
    RecordFromStartModificationNotAllowed = "recordFromStartModificationNotAllowed" => 403,
    /// The requested status is not reachable from the current one.
    InvalidTransition = "invalidTransition" => 403,
    /// Already in, or already moving to, the requested status.
    RedundantTransition = "redundantTransition" => 403,
    /// The operation needs an active bound stream.
    ErrorStreamInactive = "errorStreamInactive" => 403,
    /// The server failed while changing status; retryable.
    ErrorExecutingTransition = "errorExecutingTransition" => 500,
    /// `broadcastStatus` missing on transition.
    StatusRequired = "statusRequired" => 400,
    /// The channel already has the maximum number of concurrent live broadcasts.
    ConcurrentBroadcastsExceedLimit = "concurrentBroadcastsExceedLimit" => 403,
    /// Too many live broadcasts share this stream.
    SharedIngestionBroadcastsExceedLimit = "sharedIngestionBroadcastsExceedLimit" => 403,

    // --- Content ID (youtubePartner; Google's generic reasons) ---
    /// A required parameter or field is missing (`onBehalfOfContentOwner`, `metadata.title`, ...).
    Required = "required" => 400,
    /// A parameter or field has a value outside its domain (enum, range, territory code, ...).
    InvalidValue = "invalidValue" => 400,
    /// The caller may not act for this content owner (unknown and not-entitled owners alike).
    Forbidden = "forbidden" => 403,
    /// No such resource of the acting content owner.
    NotFound = "notFound" => 404,
    /// A write lost to a concurrent one, or the resource already exists.
    Conflict = "conflict" => 409,
    /// A scoped token without the `youtubepartner` scope.
    InsufficientPermissions = "insufficientPermissions" => 403,
    /// A live reference for an owner not approved for live fingerprinting.
    FingerprintingNotAllowed = "fingerprintingNotAllowed" => 403,
    /// The video already has an active claim (of any content owner): one active claim per video.
    AlreadyClaimed = "alreadyClaimed" => 409,
    /// A cuepoint on a claimed broadcast whose advertising options do not enable midroll breaks.
    MidrollNotEnabled = "midrollNotEnabled" => 403,
    /// A reference from a claim whose broadcast does not record from the start (`recordFromStart`).
    RecordFromStartRequired = "recordFromStartRequired" => 403,
    /// The resource exists already (a second reference from the same claim).
    AlreadyExists = "alreadyExists" => 409,

    // --- cuepoints ---
    /// Both `insertionOffsetTimeMs` and `walltimeMs` were given.
    ConflictingTimeFields = "conflictingTimeFields" => 400,
    /// `cueType` missing (onair-chosen name; YouTube's table is unpublished).
    CueTypeRequired = "cueTypeRequired" => 400,
    /// `cueType` other than `cueTypeAd` (onair-chosen name).
    InvalidCueType = "invalidCueType" => 400,
    /// `durationSecs` zero or not a whole number (onair-chosen name).
    InvalidDuration = "invalidDuration" => 400,
    /// A time field that is not a whole number of milliseconds (onair-chosen name).
    InvalidCuepointTime = "invalidCuepointTime" => 400,
    /// A cuepoint for a broadcast that is not `live` (onair-chosen name).
    LiveBroadcastNotLive = "liveBroadcastNotLive" => 403,

    // --- liveStreams ---
    /// No stream with this id is visible to the caller.
    LiveStreamNotFound = "liveStreamNotFound" => 404,
    /// The stream is bound to a broadcast that is not complete.
    LiveStreamDeletionNotAllowed = "liveStreamDeletionNotAllowed" => 403,
    /// An attempt to change `cdn` or flip `isReusable`.
    LiveStreamModificationNotAllowed = "liveStreamModificationNotAllowed" => 403,
    /// The `cdn` part is missing on insert.
    CdnRequired = "cdnRequired" => 400,
    /// `cdn.frameRate` missing.
    FrameRateRequired = "frameRateRequired" => 400,
    /// `cdn.ingestionType` missing.
    IngestionTypeRequired = "ingestionTypeRequired" => 400,
    /// `cdn.resolution` missing.
    ResolutionRequired = "resolutionRequired" => 400,
    /// `cdn.frameRate` not a known value, or not `variable` with a `variable` resolution.
    InvalidFrameRate = "invalidFrameRate" => 400,
    /// `cdn.ingestionType` not a known value, or one onair does not ingest.
    InvalidIngestionType = "invalidIngestionType" => 400,
    /// `cdn.resolution` not a known value.
    InvalidResolution = "invalidResolution" => 400,
    /// The legacy `cdn.format`, unsupported since 2020.
    InvalidFormat = "invalidFormat" => 400,
}

/// The `domain` of an error in Google's envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorDomain {
    /// `youtube.liveBroadcast`
    LiveBroadcast,
    /// `youtube.liveStream`
    LiveStream,
    /// `youtube.part` — the `part` parameter and body parts.
    Part,
    /// `youtube.parameter` — other query parameters.
    Parameter,
    /// `global` — malformed bodies and server failures.
    Global,
}

impl ErrorDomain {
    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LiveBroadcast => "youtube.liveBroadcast",
            Self::LiveStream => "youtube.liveStream",
            Self::Part => "youtube.part",
            Self::Parameter => "youtube.parameter",
            Self::Global => "global",
        }
    }
}

/// A refused lifecycle request: reason, domain and a message safe to show (never a secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} ({}): {message}", reason.as_str(), domain.as_str())]
pub struct LifecycleError {
    /// The refusal reason.
    pub reason: Reason,
    /// The envelope domain.
    pub domain: ErrorDomain,
    /// Human-readable detail.
    pub message: String,
}

impl LifecycleError {
    /// An error in `domain`.
    pub fn new(domain: ErrorDomain, reason: Reason, message: impl Into<String>) -> Self {
        Self {
            reason,
            domain,
            message: message.into(),
        }
    }

    /// An error about a liveBroadcast.
    pub fn broadcast(reason: Reason, message: impl Into<String>) -> Self {
        Self::new(ErrorDomain::LiveBroadcast, reason, message)
    }

    /// An error about a liveStream.
    pub fn stream(reason: Reason, message: impl Into<String>) -> Self {
        Self::new(ErrorDomain::LiveStream, reason, message)
    }

    /// An error about the `part` parameter or the parts of a body.
    pub fn part(reason: Reason, message: impl Into<String>) -> Self {
        Self::new(ErrorDomain::Part, reason, message)
    }

    /// An error about a query parameter.
    pub fn parameter(reason: Reason, message: impl Into<String>) -> Self {
        Self::new(ErrorDomain::Parameter, reason, message)
    }

    /// The HTTP status code of the envelope.
    pub fn code(&self) -> u16 {
        self.reason.code()
    }

    /// The envelope domain string.
    pub fn domain(&self) -> &'static str {
        self.domain.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn reason_strings_are_unique_lower_camel_case() {
        let mut seen = HashSet::new();
        for r in Reason::ALL {
            let s = r.as_str();
            assert!(seen.insert(s), "duplicate reason {s}");
            assert!(s.chars().next().is_some_and(|c| c.is_ascii_lowercase()), "{s}");
            assert!(s.chars().all(|c| c.is_ascii_alphanumeric()), "{s}");
        }
    }

    #[test]
    fn reasons_named_by_the_issue_carry_youtube_statuses() {
        let expected = [
            ("invalidTransition", 403),
            ("redundantTransition", 403),
            ("errorStreamInactive", 403),
            ("liveBroadcastNotFound", 404),
            ("liveStreamNotFound", 404),
            ("liveStreamDeletionNotAllowed", 403),
            ("liveStreamModificationNotAllowed", 403),
            ("invalidTitle", 400),
            ("titleRequired", 400),
            ("invalidResolution", 400),
            ("invalidFrameRate", 400),
            ("invalidIngestionType", 400),
            ("conflictingTimeFields", 400),
            ("insufficientLivePermissions", 403),
            ("liveBroadcastDeletionNotAllowed", 403),
            ("liveBroadcastBindingNotAllowed", 403),
            ("userRequestsExceedRateLimit", 403),
            ("errorExecutingTransition", 500),
            ("unknownPart", 400),
            ("unexpectedPart", 400),
        ];
        for (wire, code) in expected {
            let r = Reason::ALL.iter().find(|r| r.as_str() == wire);
            assert_eq!(r.map(|r| r.code()), Some(code), "{wire}");
        }
    }

    #[test]
    fn every_status_is_a_client_or_server_error() {
        for r in Reason::ALL {
            assert!(
                matches!(r.code(), 400 | 403 | 404 | 409 | 422 | 500),
                "{}",
                r.as_str()
            );
        }
    }

    #[test]
    fn errors_carry_the_domain_of_their_resource() {
        let b = LifecycleError::broadcast(Reason::InvalidTitle, "x");
        let s = LifecycleError::stream(Reason::InvalidTitle, "x");
        assert_eq!(b.domain(), "youtube.liveBroadcast");
        assert_eq!(s.domain(), "youtube.liveStream");
        assert_eq!(
            LifecycleError::part(Reason::UnknownPart, "x").domain(),
            "youtube.part"
        );
        assert_eq!(b.code(), 400);
    }
}
