//! PRISM lives (R6–R10) on the broadcast engine: a live is a handle on a broadcast of the lifecycle
//! engine, bound to its own non-reusable stream with its own key.
//!
//! - R8 creates the broadcast and the stream through the YouTube use cases (same validation, same
//!   records, so `liveBroadcasts.list` shows them), binds them and stores the live (`started=false`).
//! - R9 ends any other on-air live of the channel, switches auto-start on (the broadcast goes live as
//!   soon as its stream is active, or at once through a `StreamChanged` step if it already is) and
//!   marks the live started. After `END`, R9 opens a new broadcast and stream under the same live
//!   (after R8's check of the user and channel, so a disabled one opens nothing). A disabled user
//!   or channel gets R8's answer (400 on `channelId`) from R9 too.
//! - R10 completes the broadcast; one that never left `created`/`ready` ends by
//!   [`machine::end_unaired`]. Stopping an ended live changes nothing.
//!
//! Reads: R7 is one read of the store ([`onair_store::LiveStore::view`]: the live, its current
//! broadcast and stream, their statistics and the chat count, kept together in the live's partition)
//! and R6 one ([`onair_store::LiveStore::list_views`]); `liveLink` needs no channel read because the
//! live keeps its channel's link (taken at R8 and at each restart).
//!
//! Writes: R9 and R10 read the live once (strongly consistent), R9 also the channel's lives, then
//! write everything of the call in ONE atomic write ([`onair_store::LiveStore::commit`]), each
//! record on the version read; a loser re-reads and decides again. Schedules and steps follow the
//! write (they are not the store). R9's write also holds that the owner and the live's channel are
//! enabled (no extra read: two condition checks in the same transaction on DynamoDB), so a live never
//! starts on a disabled channel, even racing the disable: a start committed before the disable is
//! ended by the disable's end pass ([`crate::live_end`]), one after it is refused with R8's answer.

use crate::lifecycle::{bind, broadcasts, schedule, streams};
use crate::{AppError, AppState};
use onair_domain::lifecycle::broadcast::Broadcast;
use onair_domain::lifecycle::machine;
use onair_domain::lifecycle::step::{Step, StepKind};
use onair_domain::lifecycle::stream::Stream;
use onair_domain::lifecycle::wire::{LifeCycleStatus, StreamStatus, TransitionTarget, rfc3339};
use onair_domain::live::scope::Scope;
use onair_domain::live::status::{LiveStatus, StatusFilter};
use onair_domain::{ChannelId, UserId, Violations};
use onair_store::{
    GuardedWriteError, LiveStats, LiveWrite, StoreError, StoredBroadcast, StoredLive, StoredLiveView,
    StoredStream,
};
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

/// A live with what its DTO is made of, as one read of the store returns it.
#[derive(Debug, Clone)]
pub struct LiveView {
    /// The live.
    pub live: StoredLive,
    /// Its current broadcast.
    pub broadcast: Broadcast,
    /// Its current stream (`None` if it was deleted through the YouTube API).
    pub stream: Option<Stream>,
    /// The statistics snapshot of the current broadcast, if an operator recorded one.
    pub stats: Option<LiveStats>,
    /// The raw `count` of the live's chat item, as the store read it (see [`chat_count`]).
    pub chat_items: u64,
    /// The current broadcast as stored (with its version), for R9/R10's write.
    stored_broadcast: StoredBroadcast,
    /// The current stream as stored (with its version), for R9's kick.
    stored_stream: Option<StoredStream>,
}

impl LiveView {
    /// PRISM's status of the live.
    pub fn status(&self) -> LiveStatus {
        LiveStatus::of(self.broadcast.state(), self.live.started)
    }

    /// The channel link shown as `liveLink` without a live URL template (kept on the live, so no
    /// read of the channel).
    pub fn channel_link(&self) -> &str {
        &self.live.channel_link
    }

    /// The view of a store read; `NotFound("live")` without a current broadcast.
    fn of(read: StoredLiveView) -> Result<Self, AppError> {
        let stored_broadcast = read.broadcast.ok_or(AppError::NotFound("live"))?;
        Ok(Self {
            broadcast: stored_broadcast.broadcast.clone(),
            stream: read.stream.as_ref().map(|s| s.stream.clone()),
            stats: read.stats,
            chat_items: read.chat_count,
            live: read.live,
            stored_broadcast,
            stored_stream: read.stream,
        })
    }
}

/// `liveStat.chatCount` of a live: every message ever posted to its chat (deleted ones included, as
/// a cumulative counter), the chat item's `count`, read with the live in the same request.
pub fn chat_count(view: &LiveView) -> u64 {
    view.chat_items
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

/// The owner's enabled channel and its link, or `NotFound("channel")`; a disabled user or channel is
/// refused.
async fn enabled_channel(
    state: &AppState,
    user: &UserId,
    channel: &str,
) -> Result<(ChannelId, String), AppError> {
    let id = ChannelId::parse(channel).ok_or(AppError::NotFound("channel"))?;
    let owned = match state.channels.get(user, &id).await {
        Ok(owned) => owned,
        Err(StoreError::NotFound) => return Err(AppError::NotFound("channel")),
        Err(other) => return Err(other.into()),
    };
    if owned.owner.disabled || !owned.channel.enabled {
        return Err(channel_disabled());
    }
    Ok((owned.channel.id, owned.channel.link))
}

/// R8's, R9's and a restart's answer on a disabled user or channel (PRISM's 400 on `channelId`).
fn channel_disabled() -> AppError {
    AppError::Invalid(Violations::one("channelId", "the channel is disabled"))
}

/// A new broadcast bound to a new non-reusable stream on `channel`, both belonging to the live
/// `live_id`: (broadcast id, stream id).
async fn open_broadcast(
    state: &AppState,
    user: &UserId,
    channel: &ChannelId,
    new: &NewLive,
    live_id: &str,
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
    let broadcast = broadcasts::insert_for(
        state,
        user,
        Some("snippet,status,contentDetails"),
        &broadcast,
        None,
        Some(live_id),
    )
    .await?;
    let broadcast_id = id_of(&broadcast)?;
    let stream = json!({
        "snippet": { "title": new.title, "channelId": channel.as_str() },
        "cdn": { "ingestionType": "rtmp", "resolution": "variable", "frameRate": "variable" },
        "contentDetails": { "isReusable": false },
    });
    let stream = streams::insert_for(
        state,
        user,
        Some("snippet,cdn,contentDetails"),
        &stream,
        None,
        Some(live_id),
    )
    .await?;
    let stream_id = id_of(&stream)?;
    bind::bind(state, user, Some(&broadcast_id), Some(&stream_id), Some("id")).await?;
    Ok((broadcast_id, stream_id))
}

/// The owner's live as one read (strongly consistent when `consistent`, before a write).
async fn read(
    state: &AppState,
    user: &UserId,
    live_id: &str,
    consistent: bool,
) -> Result<LiveView, AppError> {
    let read = state
        .lives
        .view(user, live_id, consistent)
        .await
        .map_err(live_not_found)?;
    LiveView::of(read)
}

/// R8: a new live on the caller's enabled channel.
pub async fn create(
    state: &AppState,
    user: &UserId,
    channel: &str,
    new: &NewLive,
) -> Result<LiveView, AppError> {
    let (channel, link) = enabled_channel(state, user, channel).await?;
    // The live's id comes first: its broadcast and stream carry it from their first write.
    let live_id = state.generator.id();
    let (broadcast_id, stream_id) = open_broadcast(state, user, &channel, new, &live_id).await?;
    let now = state.clock.now();
    let live = StoredLive {
        live_id,
        owner: user.clone(),
        channel_id: channel,
        broadcast_id: broadcast_id.clone(),
        stream_id,
        started: false,
        broadcasts: vec![broadcast_id],
        created_at: now,
        modified_at: now,
        version: 1,
        channel_link: link,
    };
    match state.lives.create(&live).await {
        Ok(()) => {
            crate::chat::open(state, &live.live_id, user, &live.channel_id, &live.broadcast_id).await?;
            read(state, user, &live.live_id, true).await
        }
        Err(StoreError::Conflict(why)) => Err(AppError::Internal(format!("live id collision: {why}"))),
        Err(other) => Err(other.into()),
    }
}

/// R7: the caller's live, in one read of the store.
pub async fn get(state: &AppState, user: &UserId, live_id: &str) -> Result<LiveView, AppError> {
    read(state, user, live_id, false).await
}

/// R6: the lives of the caller's channel with the given status (`ALL` by default), modified desc
/// then created desc, in one read of the store. Only a channel without lives costs a read of the
/// channel (to tell an empty channel from an unknown or foreign one).
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
    let found = match state.lives.list_views(user, &id).await {
        Ok(found) => found,
        Err(StoreError::NotFound) => return Err(AppError::NotFound("channel")),
        Err(other) => return Err(other.into()),
    };
    if found.is_empty() {
        match state.channels.get(user, &id).await {
            Ok(_) => {}
            Err(StoreError::NotFound) => return Err(AppError::NotFound("channel")),
            Err(other) => return Err(other.into()),
        }
    }
    let views = found
        .into_iter()
        // A live whose broadcast was deleted through the YouTube API has nothing to show.
        .filter_map(|read| LiveView::of(read).ok())
        .filter(|v| filter.admits(v.status()))
        .collect();
    Ok((id, views))
}

/// How a broadcast ends: `complete` through the lifecycle machine from a started state, by
/// [`machine::end_unaired`] from `created`/`ready`; `None` once it is over. The flag asks for a
/// settle step (the machine left a transient state).
fn ended(broadcast: &Broadcast, now: OffsetDateTime) -> Option<(Broadcast, bool)> {
    match broadcast.state() {
        LifeCycleStatus::Complete | LifeCycleStatus::Revoked => None,
        LifeCycleStatus::Created | LifeCycleStatus::Ready => {
            machine::end_unaired(broadcast, now).map(|b| (b, false))
        }
        _ => machine::transition(broadcast, None, TransitionTarget::Complete, now)
            .ok()
            .map(|o| (o.broadcast, o.settle_pending)),
    }
}

/// A broadcast written by R9/R10: replaces `before` (as read), with the settle flag.
struct Ending {
    next: StoredBroadcast,
    before: Broadcast,
    settle: bool,
}

/// What ending `view`'s live adds to a write (its broadcast, its live); `None` if it is over.
fn end_of(view: &LiveView, now: OffsetDateTime) -> Option<(Ending, StoredLive)> {
    let current = &view.stored_broadcast;
    let (done, settle) = ended(&current.broadcast, now)?;
    let next = StoredBroadcast {
        broadcast: done,
        version: current.version.saturating_add(1),
        ..current.clone()
    };
    let live = StoredLive {
        modified_at: now,
        version: view.live.version.saturating_add(1),
        ..view.live.clone()
    };
    Some((
        Ending {
            next,
            before: current.broadcast.clone(),
            settle,
        },
        live,
    ))
}

/// After a committed write: the settle steps and schedules of every broadcast written.
async fn after_write(state: &AppState, written: &[Ending]) -> Result<(), AppError> {
    for w in written {
        if w.settle {
            let step = Step {
                kind: StepKind::Settle,
                owner: w.next.owner.clone(),
                target: w.next.broadcast.id.clone(),
                version: w.next.version,
                due: state.clock.now() + state.settings.lifecycle.settle_after,
            };
            state.steps.schedule(&step).await?;
        }
        schedule::replan(state, Some(&w.before), &w.next).await?;
    }
    Ok(())
}

/// The view after a write of `live` and `broadcast` over `view` (no read: the write is what it shows).
fn written(view: LiveView, live: StoredLive, broadcast: StoredBroadcast) -> LiveView {
    LiveView {
        live,
        broadcast: broadcast.broadcast.clone(),
        stored_broadcast: broadcast,
        ..view
    }
}

/// R9: starts the live (see the module documentation). On the warm path: one consistent read of the
/// live, one read of the channel's lives (the other on-air live), one atomic write.
pub async fn start(state: &AppState, user: &UserId, live_id: &str) -> Result<LiveView, AppError> {
    for _ in 0..WRITE_ATTEMPTS {
        let view = read(state, user, live_id, true).await?;
        match view.status() {
            LiveStatus::OnAir => return Ok(view),
            LiveStatus::End => {
                reopen(state, user, view.live.clone(), &view.broadcast).await?;
                continue;
            }
            LiveStatus::Reserved => {}
        }
        let now = state.clock.now();
        // The guard rides in the write: a channel or user disabled since R8 (or racing this call)
        // refuses the start, and the disable's end pass ends any start that won before it.
        let mut write = LiveWrite {
            require_enabled: Some(view.live.channel_id.clone()),
            ..LiveWrite::default()
        };
        let mut endings = Vec::new();
        // R9's rule: every other on-air live of the channel ends in the same write.
        for other in state.lives.list_views(user, &view.live.channel_id).await? {
            if other.live.live_id == view.live.live_id || !other.live.started {
                continue;
            }
            let Ok(other) = LiveView::of(other) else {
                continue;
            };
            if other.status() != LiveStatus::OnAir {
                continue;
            }
            if let Some((ending, live)) = end_of(&other, now) {
                write
                    .broadcasts
                    .push((ending.next.clone(), other.stored_broadcast.version));
                write.lives.push((live, other.live.version));
                endings.push(ending);
            }
        }
        let current = view.stored_broadcast.clone();
        let mut broadcast = current.clone();
        if !current.broadcast.content_details.enable_auto_start {
            broadcast.broadcast.content_details.enable_auto_start = true;
            broadcast.version = current.version.saturating_add(1);
            write.broadcasts.push((broadcast.clone(), current.version));
            endings.push(Ending {
                next: broadcast.clone(),
                before: current.broadcast.clone(),
                settle: false,
            });
        }
        let live = StoredLive {
            started: true,
            modified_at: now,
            version: view.live.version.saturating_add(1),
            ..view.live.clone()
        };
        write.lives.push((live.clone(), view.live.version));
        match state.lives.commit(&write).await {
            Ok(()) => {
                after_write(state, &endings).await?;
                kick_if_active(state, user, view.stored_stream.as_ref()).await?;
                return Ok(written(view, live, broadcast));
            }
            Err(GuardedWriteError::LiveNotEnabled) => return Err(channel_disabled()),
            // Something read moved on (or went away meanwhile): read again and decide again.
            Err(GuardedWriteError::Store(StoreError::Conflict(_) | StoreError::NotFound)) => continue,
            Err(GuardedWriteError::Store(other)) => return Err(other.into()),
            Err(other) => return Err(AppError::Internal(other.to_string())),
        }
    }
    Err(AppError::Conflict(
        "the live kept changing during the start; retry".into(),
    ))
}

/// If the live's stream is already active, plans a `StreamChanged` step due now so the auto-start
/// rule runs as if the stream had just become active (as a bind does).
async fn kick_if_active(
    state: &AppState,
    user: &UserId,
    stream: Option<&StoredStream>,
) -> Result<(), AppError> {
    let Some(stream) = stream else {
        return Ok(());
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

/// A restart after `END`: a new broadcast and stream (new key) under the same live, appended to its
/// broadcasts; the channel link is taken again. A lost race leaves an unused broadcast and stream
/// behind, visible to the owner through the YouTube API, never attached to the live.
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
    // R8's check before anything is opened: a disabled user or channel gets R8's answer and no
    // orphan broadcast or stream. (A disable racing past this check is caught by R9's guarded write,
    // which refuses to start the reopened live.) The read also refreshes the link the live shows.
    let (_, link) = enabled_channel(state, user, live.channel_id.as_str()).await?;
    let (broadcast_id, stream_id) =
        open_broadcast(state, user, &live.channel_id, &new, &live.live_id).await?;
    let mut next = live.clone();
    next.broadcasts.push(broadcast_id.clone());
    next.broadcast_id = broadcast_id;
    next.stream_id = stream_id;
    next.started = false;
    next.modified_at = now;
    next.version = live.version.saturating_add(1);
    next.channel_link = link;
    match state.lives.update(&next, live.version).await {
        Ok(()) => crate::chat::open(state, &next.live_id, user, &next.channel_id, &next.broadcast_id)
            .await
            .map(|_| ()),
        Err(StoreError::Conflict(_)) => Ok(()),
        Err(other) => Err(live_not_found(other)),
    }
}

/// R10: ends the live (see the module documentation); an ended live is returned unchanged. On the
/// warm path: one consistent read of the live, one atomic write.
pub async fn stop(state: &AppState, user: &UserId, live_id: &str) -> Result<LiveView, AppError> {
    for _ in 0..WRITE_ATTEMPTS {
        let view = read(state, user, live_id, true).await?;
        let Some((ending, live)) = end_of(&view, state.clock.now()) else {
            return Ok(view);
        };
        // No guard: ending is always allowed (the disable's end pass relies on it).
        let write = LiveWrite {
            broadcasts: vec![(ending.next.clone(), view.stored_broadcast.version)],
            lives: vec![(live.clone(), view.live.version)],
            require_enabled: None,
        };
        match state.lives.commit(&write).await {
            Ok(()) => {
                let broadcast = ending.next.clone();
                after_write(state, &[ending]).await?;
                return Ok(written(view, live, broadcast));
            }
            Err(GuardedWriteError::Store(StoreError::Conflict(_) | StoreError::NotFound)) => continue,
            Err(GuardedWriteError::Store(other)) => return Err(other.into()),
            Err(other) => return Err(AppError::Internal(other.to_string())),
        }
    }
    Err(AppError::Conflict(
        "the live kept changing during the stop; retry".into(),
    ))
}
