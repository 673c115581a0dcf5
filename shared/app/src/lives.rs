//! PRISM lives (R6–R10) on the broadcast engine: a live is a handle on a broadcast of the lifecycle
//! engine, bound to its own non-reusable stream with its own key.
//!
//! - R8 creates the broadcast and the stream through the YouTube use cases (same validation, same
//!   records, so `liveBroadcasts.list` shows them), binds them and stores the live (`started=false`).
//! - R9 ends any other on-air live of the channel, switches auto-start on (the broadcast goes live as
//!   soon as its stream is active, or at once through a `StreamChanged` step if it already is) and
//!   marks the live started. After `END`, R9 opens a new broadcast and stream under the same live.
//! - R10 completes the broadcast; one that never left `created`/`ready` ends by
//!   [`machine::end_unaired`]. Stopping an ended live changes nothing.
//!
//! Every write is conditional on the version read; a loser re-reads and decides again.

use crate::lifecycle::{bind, broadcasts, schedule, streams, transition};
use crate::{AppError, AppState};
use onair_domain::lifecycle::broadcast::Broadcast;
use onair_domain::lifecycle::machine;
use onair_domain::lifecycle::step::{Step, StepKind};
use onair_domain::lifecycle::stream::Stream;
use onair_domain::lifecycle::wire::{LifeCycleStatus, StreamStatus, rfc3339};
use onair_domain::live::scope::Scope;
use onair_domain::live::status::{LiveStatus, StatusFilter};
use onair_domain::{ChannelId, UserId, Violations};
use onair_store::{StoreError, StoredBroadcast, StoredLive};
use serde_json::{Value, json};
use time::OffsetDateTime;

/// How often a write that lost a race is decided again.
const WRITE_ATTEMPTS: usize = 10;

/// What R8 asks for.
#[derive(Debug, Clone)]
pub struct NewLive {
    /// The live's title.
    pub title: String,
    /// The scheduled start, with its offset.
    pub reserved_at: OffsetDateTime,
    /// The description.
    pub description: String,
    /// The visibility.
    pub scope: Scope,
}

impl NewLive {
    /// Reads R8's body: `title` and `reservedAt` (ISO 8601 with an offset) required, `description`
    /// and `scope` (`PUBLIC` by default) optional. Every problem is reported at once.
    pub fn parse(body: &Value) -> Result<Self, AppError> {
        let mut v = Violations::default();
        let text = |name: &str| body.get(name).and_then(Value::as_str).map(str::trim);
        let title = text("title").unwrap_or_default().to_owned();
        if title.is_empty() {
            v.add("title", "is required");
        }
        let reserved_at = match text("reservedAt").map(rfc3339::parse) {
            Some(Some(at)) => Some(at),
            Some(None) => {
                v.add("reservedAt", "must be an ISO 8601 date-time with an offset");
                None
            }
            None => {
                v.add("reservedAt", "is required");
                None
            }
        };
        let scope = match body.get("scope") {
            None | Some(Value::Null) => Scope::default(),
            Some(raw) => serde_json::from_value(raw.clone()).unwrap_or_else(|_| {
                v.add("scope", "must be one of PUBLIC, LIMITED, PRIVATE");
                Scope::default()
            }),
        };
        let description = match body.get("description") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(d)) => d.clone(),
            Some(_) => {
                v.add("description", "must be a string");
                String::new()
            }
        };
        match (v.list().is_empty(), reserved_at) {
            (true, Some(reserved_at)) => Ok(Self {
                title,
                reserved_at,
                description,
                scope,
            }),
            _ => Err(AppError::Invalid(v)),
        }
    }
}

/// A live with what its DTO is made of.
#[derive(Debug, Clone)]
pub struct LiveView {
    /// The live.
    pub live: StoredLive,
    /// Its current broadcast.
    pub broadcast: Broadcast,
    /// Its current stream (`None` if it was deleted through the YouTube API).
    pub stream: Option<Stream>,
    /// The channel link, read only when no live URL template is configured.
    pub channel_link: Option<String>,
}

impl LiveView {
    /// PRISM's status of the live.
    pub fn status(&self) -> LiveStatus {
        LiveStatus::of(self.broadcast.state(), self.live.started)
    }
}

fn live_not_found(err: StoreError) -> AppError {
    match err {
        StoreError::NotFound => AppError::NotFound("live"),
        other => other.into(),
    }
}

fn id_of(value: &Value) -> Result<String, AppError> {
    value
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| AppError::Internal("a created resource came back without an id".into()))
}

/// The owner's enabled channel, or `NotFound("channel")`; a disabled user or channel is refused.
async fn enabled_channel(state: &AppState, user: &UserId, channel: &str) -> Result<ChannelId, AppError> {
    let id = ChannelId::parse(channel).ok_or(AppError::NotFound("channel"))?;
    let owned = match state.channels.get(user, &id).await {
        Ok(owned) => owned,
        Err(StoreError::NotFound) => return Err(AppError::NotFound("channel")),
        Err(other) => return Err(other.into()),
    };
    if owned.owner.disabled || !owned.channel.enabled {
        return Err(AppError::Invalid(Violations::one(
            "channelId",
            "the channel is disabled",
        )));
    }
    Ok(owned.channel.id)
}

/// A new broadcast bound to a new non-reusable stream on `channel`: (broadcast id, stream id).
async fn open_broadcast(
    state: &AppState,
    user: &UserId,
    channel: &ChannelId,
    new: &NewLive,
) -> Result<(String, String), AppError> {
    let scheduled = rfc3339::format(new.reserved_at);
    let broadcast = json!({
        "snippet": {
            "title": new.title,
            "description": new.description,
            "scheduledStartTime": scheduled,
            "channelId": channel.as_str(),
        },
        "status": { "privacyStatus": new.scope.privacy().as_str() },
        "contentDetails": {
            "enableAutoStart": false,
            "enableAutoStop": false,
            "monitorStream": { "enableMonitorStream": false },
        },
    });
    let broadcast = broadcasts::insert_with_chat(
        state,
        user,
        Some("snippet,status,contentDetails"),
        &broadcast,
        None,
        broadcasts::BroadcastChat::ByCaller,
    )
    .await?;
    let broadcast_id = id_of(&broadcast)?;
    let stream = json!({
        "snippet": { "title": new.title, "channelId": channel.as_str() },
        "cdn": { "ingestionType": "rtmp", "resolution": "variable", "frameRate": "variable" },
        "contentDetails": { "isReusable": false },
    });
    let stream = streams::insert(state, user, Some("snippet,cdn,contentDetails"), &stream, None).await?;
    let stream_id = id_of(&stream)?;
    bind::bind(state, user, Some(&broadcast_id), Some(&stream_id), Some("id")).await?;
    Ok((broadcast_id, stream_id))
}

/// Reads what the DTO of `live` needs: its broadcast, its stream and (without a live URL template)
/// the channel link.
async fn view(state: &AppState, live: StoredLive) -> Result<LiveView, AppError> {
    let broadcast = state
        .broadcasts
        .get(&live.owner, &live.broadcast_id)
        .await
        .map_err(live_not_found)?
        .broadcast;
    let stream = match state.streams.get(&live.owner, &live.stream_id).await {
        Ok(stream) => Some(stream.stream),
        Err(StoreError::NotFound) => None,
        Err(other) => return Err(other.into()),
    };
    let channel_link = match state.settings.lifecycle.live_url_template {
        Some(_) => None,
        None => match state.channels.get(&live.owner, &live.channel_id).await {
            Ok(owned) => Some(owned.channel.link),
            Err(StoreError::NotFound) => None,
            Err(other) => return Err(other.into()),
        },
    };
    Ok(LiveView {
        live,
        broadcast,
        stream,
        channel_link,
    })
}

/// R8: a new live on the caller's enabled channel.
pub async fn create(
    state: &AppState,
    user: &UserId,
    channel: &str,
    new: &NewLive,
) -> Result<LiveView, AppError> {
    let channel = enabled_channel(state, user, channel).await?;
    let (broadcast_id, stream_id) = open_broadcast(state, user, &channel, new).await?;
    let now = state.clock.now();
    let live = StoredLive {
        live_id: state.generator.id(),
        owner: user.clone(),
        channel_id: channel,
        broadcast_id: broadcast_id.clone(),
        stream_id,
        started: false,
        broadcasts: vec![broadcast_id],
        created_at: now,
        modified_at: now,
        version: 1,
    };
    match state.lives.create(&live).await {
        Ok(()) => {
            crate::chat::open(state, &live.live_id, user, &live.channel_id, &live.broadcast_id).await?;
            view(state, live).await
        }
        Err(StoreError::Conflict(why)) => Err(AppError::Internal(format!("live id collision: {why}"))),
        Err(other) => Err(other.into()),
    }
}

/// R7: the caller's live.
pub async fn get(state: &AppState, user: &UserId, live_id: &str) -> Result<LiveView, AppError> {
    let live = state.lives.get(user, live_id).await.map_err(live_not_found)?;
    view(state, live).await
}

/// R6: the lives of the caller's channel with the given status (`ALL` by default), modified desc
/// then created desc. The status comes from each live's broadcast (one batch read).
pub async fn list(
    state: &AppState,
    user: &UserId,
    channel: &str,
    status: Option<&str>,
) -> Result<(ChannelId, Vec<LiveView>), AppError> {
    let filter = StatusFilter::parse(status).ok_or_else(|| {
        AppError::Invalid(Violations::one(
            "status",
            "must be one of ALL, RESERVED, ON_AIR, END",
        ))
    })?;
    let id = ChannelId::parse(channel).ok_or(AppError::NotFound("channel"))?;
    let owned = match state.channels.get(user, &id).await {
        Ok(owned) => owned,
        Err(StoreError::NotFound) => return Err(AppError::NotFound("channel")),
        Err(other) => return Err(other.into()),
    };
    let lives = state.lives.list(user, &id).await?;
    let mut views = Vec::new();
    for chunk in lives.chunks(onair_store::lifecycle_ports::MAX_BATCH) {
        let broadcast_ids: Vec<String> = chunk.iter().map(|l| l.broadcast_id.clone()).collect();
        let stream_ids: Vec<String> = chunk.iter().map(|l| l.stream_id.clone()).collect();
        let found = state.broadcasts.get_many(user, &broadcast_ids).await?;
        let streams = state.streams.get_many(user, &stream_ids).await?;
        for live in chunk {
            let Some(b) = found.iter().find(|b| b.broadcast.id == live.broadcast_id) else {
                continue;
            };
            let stream = streams
                .iter()
                .find(|s| s.stream.id == live.stream_id)
                .map(|s| s.stream.clone());
            let v = LiveView {
                live: live.clone(),
                broadcast: b.broadcast.clone(),
                stream,
                channel_link: Some(owned.channel.link.clone()),
            };
            if filter.admits(v.status()) {
                views.push(v);
            }
        }
    }
    Ok((id, views))
}

/// R9: starts the live (see the module documentation).
pub async fn start(state: &AppState, user: &UserId, live_id: &str) -> Result<LiveView, AppError> {
    for _ in 0..WRITE_ATTEMPTS {
        let live = state.lives.get(user, live_id).await.map_err(live_not_found)?;
        let current = state
            .broadcasts
            .get(user, &live.broadcast_id)
            .await
            .map_err(live_not_found)?;
        match LiveStatus::of(current.broadcast.state(), live.started) {
            LiveStatus::OnAir => return view(state, live).await,
            LiveStatus::End => {
                reopen(state, user, live, &current.broadcast).await?;
                continue;
            }
            LiveStatus::Reserved => {}
        }
        end_others(state, user, &live).await?;
        if !current.broadcast.content_details.enable_auto_start && !auto_start(state, &current).await? {
            continue;
        }
        let now = state.clock.now();
        let next = StoredLive {
            started: true,
            modified_at: now,
            version: live.version.saturating_add(1),
            ..live.clone()
        };
        match state.lives.update(&next, live.version).await {
            Ok(()) => {
                kick_if_active(state, user, &next).await?;
                return view(state, next).await;
            }
            Err(StoreError::Conflict(_)) => continue,
            Err(other) => return Err(live_not_found(other)),
        }
    }
    Err(AppError::Conflict(
        "the live kept changing during the start; retry".into(),
    ))
}

/// Switches auto-start on; `false` when the broadcast moved on meanwhile (decide again).
async fn auto_start(state: &AppState, current: &StoredBroadcast) -> Result<bool, AppError> {
    let mut next = current.clone();
    next.broadcast.content_details.enable_auto_start = true;
    next.version = current.version.saturating_add(1);
    match state.broadcasts.update(&next, current.version).await {
        Ok(()) => {
            schedule::replan(state, Some(&current.broadcast), &next).await?;
            Ok(true)
        }
        Err(StoreError::Conflict(_)) => Ok(false),
        Err(other) => Err(live_not_found(other)),
    }
}

/// If the live's stream is already active, plans a `StreamChanged` step due now so the auto-start
/// rule runs as if the stream had just become active (as a bind does).
async fn kick_if_active(state: &AppState, user: &UserId, live: &StoredLive) -> Result<(), AppError> {
    let stream = match state.streams.get(user, &live.stream_id).await {
        Ok(stream) => stream,
        Err(StoreError::NotFound) => return Ok(()),
        Err(other) => return Err(other.into()),
    };
    if stream.stream.stream_status() == StreamStatus::Active {
        let step = Step {
            kind: StepKind::StreamChanged,
            owner: user.clone(),
            target: stream.stream.id.clone(),
            version: stream.version,
            due: state.clock.now(),
        };
        state.steps.schedule(&step).await?;
    }
    Ok(())
}

/// Ends every other on-air live of the live's channel (R9's rule).
async fn end_others(state: &AppState, user: &UserId, live: &StoredLive) -> Result<(), AppError> {
    for other in state.lives.list(user, &live.channel_id).await? {
        if other.live_id == live.live_id || !other.started {
            continue;
        }
        let b = match state.broadcasts.get(user, &other.broadcast_id).await {
            Ok(b) => b,
            Err(StoreError::NotFound) => continue,
            Err(err) => return Err(err.into()),
        };
        if LiveStatus::of(b.broadcast.state(), other.started) == LiveStatus::OnAir {
            stop(state, user, &other.live_id).await?;
        }
    }
    Ok(())
}

/// A restart after `END`: a new broadcast and stream (new key) under the same live, appended to its
/// broadcasts. A lost race leaves an unused broadcast and stream behind, visible to the owner through
/// the YouTube API, never attached to the live.
async fn reopen(
    state: &AppState,
    user: &UserId,
    live: StoredLive,
    ended: &Broadcast,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let new = NewLive {
        title: ended.snippet.title.clone(),
        reserved_at: now,
        description: ended.snippet.description.clone(),
        scope: Scope::of(ended.status.privacy_status),
    };
    let (broadcast_id, stream_id) = open_broadcast(state, user, &live.channel_id, &new).await?;
    let mut next = live.clone();
    next.broadcasts.push(broadcast_id.clone());
    next.broadcast_id = broadcast_id;
    next.stream_id = stream_id;
    next.started = false;
    next.modified_at = now;
    next.version = live.version.saturating_add(1);
    match state.lives.update(&next, live.version).await {
        Ok(()) => crate::chat::open(state, &next.live_id, user, &next.channel_id, &next.broadcast_id)
            .await
            .map(|_| ()),
        Err(StoreError::Conflict(_)) => Ok(()),
        Err(other) => Err(live_not_found(other)),
    }
}

/// R10: ends the live (see the module documentation); an ended live is returned unchanged.
pub async fn stop(state: &AppState, user: &UserId, live_id: &str) -> Result<LiveView, AppError> {
    for _ in 0..WRITE_ATTEMPTS {
        let live = state.lives.get(user, live_id).await.map_err(live_not_found)?;
        let current = state
            .broadcasts
            .get(user, &live.broadcast_id)
            .await
            .map_err(live_not_found)?;
        let ended = match current.broadcast.state() {
            LifeCycleStatus::Complete | LifeCycleStatus::Revoked => return view(state, live).await,
            LifeCycleStatus::Created | LifeCycleStatus::Ready => {
                let Some(done) = machine::end_unaired(&current.broadcast, state.clock.now()) else {
                    continue;
                };
                let next = StoredBroadcast {
                    owner: user.clone(),
                    broadcast: done,
                    version: current.version.saturating_add(1),
                };
                match state.broadcasts.update(&next, current.version).await {
                    Ok(()) => {
                        schedule::replan(state, Some(&current.broadcast), &next).await?;
                        true
                    }
                    Err(StoreError::Conflict(_)) => false,
                    Err(other) => return Err(live_not_found(other)),
                }
            }
            _ => match transition::transition(
                state,
                user,
                Some(&live.broadcast_id),
                Some("complete"),
                Some("id"),
            )
            .await
            {
                Ok(_) => true,
                // A racing stop completed it first: read again, it is ended now.
                Err(AppError::Lifecycle(_)) => false,
                Err(other) => return Err(other),
            },
        };
        if ended {
            // The list order follows changes: record the end on the live (best effort on a race, the
            // status itself comes from the broadcast).
            let next = StoredLive {
                modified_at: state.clock.now(),
                version: live.version.saturating_add(1),
                ..live.clone()
            };
            let live = match state.lives.update(&next, live.version).await {
                Ok(()) => next,
                Err(StoreError::Conflict(_)) => {
                    state.lives.get(user, live_id).await.map_err(live_not_found)?
                }
                Err(other) => return Err(live_not_found(other)),
            };
            return view(state, live).await;
        }
    }
    Err(AppError::Conflict(
        "the live kept changing during the stop; retry".into(),
    ))
}
