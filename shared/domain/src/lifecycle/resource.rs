//! Building and updating the stored records from write bodies (insert and update, spec §4.1, §4.3,
//! §7.1, §7.3), with the §5.4 matrix deciding which changes the current state permits.
//!
//! Update is replace-by-part, with YouTube's exemptions: an omitted `snippet.title` or
//! `status.privacyStatus` keeps its value (2023-08), as do `enableEmbed`, `enableDvr` and
//! `recordFromStart` (2022-10). onair also keeps an omitted `monitorStream` and its extension flags
//! (decision: YouTube calls the monitor fields required in an update body but publishes no reason for
//! their absence). A field is refused only when its value actually *changes*, so a client that sends a
//! listed resource back unchanged never trips the matrix.

use super::body::{BroadcastBody, StreamBody};
use super::broadcast::{Broadcast, BroadcastContentDetails, BroadcastSnippet, BroadcastStatus};
use super::error::{LifecycleError, Reason};
use super::key::StreamKey;
use super::machine::{Mutation, allowed};
use super::part::{Part, Parts};
use super::stream::{
    Cdn, IngestionInfo, Stream, StreamContentDetails, StreamHealth, StreamSnippet, StreamStatusPart,
};
use super::validate::{self, Omitted, Resource};
use super::wire::{HealthStatus, LifeCycleStatus, RecordingStatus, StreamStatus};
use crate::ids::ChannelId;
use time::OffsetDateTime;

/// Server-chosen values of a new broadcast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBroadcast {
    /// A fresh id from the generator.
    pub id: String,
    /// The owning channel, already resolved and authorized.
    pub channel_id: ChannelId,
    /// The monitor embed code ([`super::broadcast::monitor_embed_html`]).
    pub embed_html: String,
}

/// `liveBroadcasts.insert`: a new `created` broadcast. Parts not named in `part` take their defaults;
/// the body must already have passed [`Parts::check_body`].
pub fn new_broadcast(
    new: NewBroadcast,
    body: &BroadcastBody,
    parts: &Parts,
    now: OffsetDateTime,
) -> Result<Broadcast, LifecycleError> {
    let snippet = parts
        .contains(Part::Snippet)
        .then_some(body.snippet.as_ref())
        .flatten();
    let status = parts
        .contains(Part::Status)
        .then_some(body.status.as_ref())
        .flatten();
    let title = validate::title(Resource::Broadcast, snippet.and_then(|s| s.title.as_deref()))?;
    let description = validate::description(
        Resource::Broadcast,
        snippet.and_then(|s| s.description.as_deref()),
    )?;
    let start = validate::scheduled_start(snippet.and_then(|s| s.scheduled_start_time.as_deref()))?;
    validate::start_window(start, now)?;
    let end = validate::scheduled_end(snippet.and_then(|s| s.scheduled_end_time.as_deref()), start)?;
    let privacy = validate::privacy(status.and_then(|s| s.privacy_status.as_deref()))?;
    let defaults = BroadcastContentDetails::default();
    let mut details = match (parts.contains(Part::ContentDetails), &body.content_details) {
        (true, Some(cd)) => validate::content_details(cd, &defaults, Omitted::Default)?,
        _ => defaults,
    };
    details.monitor_stream.embed_html = Some(new.embed_html);
    let kids = status.and_then(|s| s.self_declared_made_for_kids);
    Ok(Broadcast {
        id: new.id.clone(),
        snippet: BroadcastSnippet {
            published_at: now,
            channel_id: new.channel_id,
            title,
            description,
            scheduled_start_time: start,
            scheduled_end_time: end,
            actual_start_time: None,
            actual_end_time: None,
            // A broadcast's own chat; a PRISM live replaces it by the live's id.
            live_chat_id: Some(new.id.clone()),
        },
        status: BroadcastStatus {
            life_cycle_status: LifeCycleStatus::Created,
            privacy_status: privacy,
            recording_status: RecordingStatus::NotRecording,
            made_for_kids: kids.unwrap_or(false),
            self_declared_made_for_kids: kids,
        },
        content_details: details,
        monetization_details: None,
        statistics: None,
    })
}

fn refuse(reason: Reason, what: &str, state: LifeCycleStatus) -> LifecycleError {
    LifecycleError::broadcast(
        reason,
        format!("{what} cannot be changed while the broadcast is {state}"),
    )
}

/// `liveBroadcasts.update`: the broadcast after applying `body` to the parts named in `part`.
pub fn update_broadcast(
    current: &Broadcast,
    body: &BroadcastBody,
    parts: &Parts,
    now: OffsetDateTime,
) -> Result<Broadcast, LifecycleError> {
    if body.id.as_deref().is_none_or(str::is_empty) {
        return Err(LifecycleError::broadcast(Reason::IdRequired, "id is required"));
    }
    let state = current.state();
    let mut next = current.clone();

    if parts.contains(Part::Snippet) {
        let snippet = body.snippet.clone().unwrap_or_default();
        if let Some(title) = snippet.title.as_deref() {
            next.snippet.title = validate::title(Resource::Broadcast, Some(title))?;
        }
        next.snippet.description =
            validate::description(Resource::Broadcast, snippet.description.as_deref())?;
        let start = validate::scheduled_start(snippet.scheduled_start_time.as_deref())?;
        let end = match snippet.scheduled_end_time.as_deref() {
            None => None,
            Some(raw) => Some(validate::parse_end(raw)?),
        };
        let schedule_changed =
            start != current.snippet.scheduled_start_time || end != current.snippet.scheduled_end_time;
        if schedule_changed {
            if !allowed(Mutation::Schedule, state) {
                return Err(refuse(Reason::ModificationNotAllowed, "the schedule", state));
            }
            if start != current.snippet.scheduled_start_time {
                validate::start_window(start, now)?;
            }
            validate::end_after_start(end, start)?;
        }
        next.snippet.scheduled_start_time = start;
        next.snippet.scheduled_end_time = end;
    }

    if parts.contains(Part::Status)
        && let Some(privacy) = body.status.as_ref().and_then(|s| s.privacy_status.as_deref())
    {
        next.status.privacy_status = validate::privacy(Some(privacy))?;
    }

    if parts.contains(Part::MonetizationDetails) {
        next.monetization_details = body.monetization_details.clone();
    }

    let metadata_changed = next.snippet.title != current.snippet.title
        || next.snippet.description != current.snippet.description
        || next.status.privacy_status != current.status.privacy_status
        || next.monetization_details != current.monetization_details;
    if metadata_changed && !allowed(Mutation::Metadata, state) {
        return Err(refuse(Reason::ModificationNotAllowed, "the broadcast", state));
    }

    if parts.contains(Part::ContentDetails) {
        let cd = body.content_details.clone().unwrap_or_default();
        let wanted = validate::content_details(&cd, &current.content_details, Omitted::Update)?;
        if current.content_details.record_from_start_locked && !wanted.record_from_start {
            return Err(LifecycleError::broadcast(
                Reason::RecordFromStartModificationNotAllowed,
                "contentDetails.recordFromStart cannot be turned off: a live Content ID reference \
fingerprints this broadcast's whole recording",
            ));
        }
        if !allowed(Mutation::ContentDetails, state) {
            check_frozen_details(&current.content_details, &wanted, state)?;
        }
        next.content_details = wanted;
    }
    Ok(next)
}

/// Outside `created`/`ready` no `contentDetails` field may change; the first changed field decides
/// the reason (its own `…ModificationNotAllowed` where YouTube has one).
fn check_frozen_details(
    current: &BroadcastContentDetails,
    wanted: &BroadcastContentDetails,
    state: LifeCycleStatus,
) -> Result<(), LifecycleError> {
    let checks: [(bool, Reason, &str); 12] = [
        (
            current.monitor_stream != wanted.monitor_stream,
            Reason::EnableMonitorStreamModificationNotAllowed,
            "contentDetails.monitorStream",
        ),
        (
            current.enable_dvr != wanted.enable_dvr,
            Reason::EnableDvrModificationNotAllowed,
            "contentDetails.enableDvr",
        ),
        (
            current.enable_auto_start != wanted.enable_auto_start,
            Reason::EnableAutoStartModificationNotAllowed,
            "contentDetails.enableAutoStart",
        ),
        (
            current.enable_auto_stop != wanted.enable_auto_stop,
            Reason::EnableAutoStopModificationNotAllowed,
            "contentDetails.enableAutoStop",
        ),
        (
            current.record_from_start != wanted.record_from_start,
            Reason::RecordFromStartModificationNotAllowed,
            "contentDetails.recordFromStart",
        ),
        (
            current.closed_captions_type != wanted.closed_captions_type,
            Reason::ClosedCaptionsTypeModificationNotAllowed,
            "contentDetails.closedCaptionsType",
        ),
        (
            current.enable_closed_captions != wanted.enable_closed_captions,
            Reason::EnableClosedCaptionsModificationNotAllowed,
            "contentDetails.enableClosedCaptions",
        ),
        (
            current.enable_embed != wanted.enable_embed,
            Reason::ModificationNotAllowed,
            "contentDetails.enableEmbed",
        ),
        (
            current.latency_preference != wanted.latency_preference,
            Reason::ModificationNotAllowed,
            "contentDetails.latencyPreference",
        ),
        (
            current.projection != wanted.projection,
            Reason::ModificationNotAllowed,
            "contentDetails.projection",
        ),
        (
            current.onair_start_at_scheduled_time != wanted.onair_start_at_scheduled_time,
            Reason::ModificationNotAllowed,
            "contentDetails.onairStartAtScheduledTime",
        ),
        (
            current.onair_stop_at_scheduled_end_time != wanted.onair_stop_at_scheduled_end_time,
            Reason::ModificationNotAllowed,
            "contentDetails.onairStopAtScheduledEndTime",
        ),
    ];
    match checks.into_iter().find(|(changed, _, _)| *changed) {
        Some((_, reason, what)) => Err(refuse(reason, what, state)),
        None => Ok(()),
    }
}

/// Server-chosen values of a new stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStream {
    /// A fresh id from the generator.
    pub id: String,
    /// The owning channel, already resolved and authorized.
    pub channel_id: ChannelId,
    /// A fresh key ([`StreamKey::generate`]).
    pub key: StreamKey,
    /// `ONAIR_INGEST_RTMP_URL`.
    pub ingestion_address: String,
}

/// `liveStreams.insert`: a new `ready` stream with `noData` health.
pub fn new_stream(
    new: NewStream,
    body: &StreamBody,
    parts: &Parts,
    now: OffsetDateTime,
) -> Result<Stream, LifecycleError> {
    let snippet = parts
        .contains(Part::Snippet)
        .then_some(body.snippet.as_ref())
        .flatten();
    let title = validate::title(Resource::Stream, snippet.and_then(|s| s.title.as_deref()))?;
    let description =
        validate::description(Resource::Stream, snippet.and_then(|s| s.description.as_deref()))?;
    let cdn = validate::cdn(parts.contains(Part::Cdn).then_some(body.cdn.as_ref()).flatten())?;
    let is_reusable = parts
        .contains(Part::ContentDetails)
        .then_some(body.content_details.as_ref())
        .flatten()
        .and_then(|c| c.is_reusable)
        .unwrap_or(true);
    Ok(Stream {
        id: new.id,
        snippet: StreamSnippet {
            published_at: now,
            channel_id: new.channel_id,
            title,
            description,
        },
        cdn: Cdn {
            ingestion_type: cdn.ingestion_type,
            resolution: cdn.resolution,
            frame_rate: cdn.frame_rate,
            ingestion_info: IngestionInfo {
                stream_name: new.key,
                ingestion_address: new.ingestion_address,
                backup_ingestion_address: None,
                rtmps_ingestion_address: None,
                rtmps_backup_ingestion_address: None,
            },
        },
        status: StreamStatusPart {
            stream_status: StreamStatus::Ready,
            health_status: StreamHealth {
                status: HealthStatus::NoData,
                last_update_time_seconds: unix_seconds(now),
                configuration_issues: Vec::new(),
            },
        },
        content_details: StreamContentDetails {
            is_reusable,
            closed_captions_ingestion_url: None,
        },
    })
}

pub(crate) fn unix_seconds(t: OffsetDateTime) -> u64 {
    u64::try_from(t.unix_timestamp()).unwrap_or(0)
}

fn stream_frozen(what: &str) -> LifecycleError {
    LifecycleError::stream(
        Reason::LiveStreamModificationNotAllowed,
        format!("{what} cannot be changed after the stream is created"),
    )
}

/// `liveStreams.update`: only `snippet.title` and `snippet.description` change; a `cdn` value or
/// `isReusable` that differs from the stored one is `liveStreamModificationNotAllowed`.
pub fn update_stream(current: &Stream, body: &StreamBody, parts: &Parts) -> Result<Stream, LifecycleError> {
    if body.id.as_deref().is_none_or(str::is_empty) {
        return Err(LifecycleError::stream(Reason::IdRequired, "id is required"));
    }
    let mut next = current.clone();
    if parts.contains(Part::Snippet) {
        let snippet = body.snippet.clone().unwrap_or_default();
        next.snippet.title = validate::title(Resource::Stream, snippet.title.as_deref())?;
        next.snippet.description = validate::description(Resource::Stream, snippet.description.as_deref())?;
    }
    if parts.contains(Part::Cdn) {
        let cdn = body.cdn.clone().unwrap_or_default();
        let ingestion_type = cdn.ingestion_type.as_deref().ok_or_else(|| {
            LifecycleError::stream(Reason::IngestionTypeRequired, "cdn.ingestionType is required")
        })?;
        if ingestion_type != current.cdn.ingestion_type.as_str() {
            return Err(stream_frozen("cdn.ingestionType"));
        }
        if cdn
            .resolution
            .as_deref()
            .is_some_and(|r| r != current.cdn.resolution.as_str())
        {
            return Err(stream_frozen("cdn.resolution"));
        }
        if cdn
            .frame_rate
            .as_deref()
            .is_some_and(|f| f != current.cdn.frame_rate.as_str())
        {
            return Err(stream_frozen("cdn.frameRate"));
        }
        if cdn.format.as_deref().is_some_and(|f| !f.is_empty()) {
            return Err(stream_frozen("cdn.format"));
        }
        if let Some(info) = &cdn.ingestion_info {
            let key_changed = info
                .stream_name
                .as_deref()
                .is_some_and(|k| !current.cdn.ingestion_info.stream_name.matches(k));
            let address_changed = info
                .ingestion_address
                .as_deref()
                .is_some_and(|a| a != current.cdn.ingestion_info.ingestion_address);
            if key_changed || address_changed {
                return Err(stream_frozen("cdn.ingestionInfo"));
            }
        }
    }
    if parts.contains(Part::ContentDetails)
        && let Some(reusable) = body.content_details.as_ref().and_then(|c| c.is_reusable)
        && reusable != current.content_details.is_reusable
    {
        return Err(stream_frozen("contentDetails.isReusable"));
    }
    Ok(next)
}
