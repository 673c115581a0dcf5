//! The broadcast state machine (spec §5) as plain functions: each takes the current record, what it
//! needs to know about the bound stream, and `now`, and returns the next record or a refusal. The
//! caller persists the result with a conditional write on the version it read, so of two racing
//! requests exactly one wins and the loser re-reads and gets `redundantTransition`/`invalidTransition`.
//!
//! Decisions on the gaps of spec §15 (also in `lifecycle-decisions.md`):
//! - **created ⇄ ready** (gap 3): insert yields `created`; binding a stream makes it `ready`; unbinding a
//!   `ready` broadcast returns it to `created`. A bound stream is the only "complete settings" criterion.
//! - **Transient states** (gap 7): `transition(testing|live)` answers with `testStarting`/`liveStarting`;
//!   [`settle`] later completes them (by itself, within a configured bound). Settling is idempotent:
//!   it does nothing unless the broadcast is still in the transient state.
//! - **Precedence**: a request for the state the broadcast is in or is moving to is
//!   `redundantTransition` before anything else is checked; then reachability (`invalidTransition`);
//!   then the bound stream (`errorStreamInactive`, which also covers "no stream bound").
//! - **complete** (gap 4): allowed from `testStarting`, `testing`, `liveStarting` and `live` (ending a
//!   test without going live, or aborting a start); refused from `created`/`ready` as observed on
//!   YouTube. Completing does not need an active stream.
//! - **Auto-start** (gaps 5, 6): fires when the bound stream becomes active (or is bound while active)
//!   and the broadcast is `ready` or `testing`; it goes to `liveStarting` even with the monitor stream
//!   on (auto-start skips testing). With `onairStartAtScheduledTime` it waits for the scheduled start.
//! - **Auto-stop**: only `liveStarting`/`live` broadcasts stop; a `testing` broadcast whose encoder
//!   drops stays in testing so the owner can fix the encoder.
//! - **Bind/unbind** (gap 4): allowed in `created`, `ready`, `testing` (guide step 3.5); refused with
//!   `liveBroadcastBindingNotAllowed` elsewhere. A non-reusable stream already bound to another broadcast
//!   is refused with the same reason.
//! - **Delete**: allowed in `created`, `ready`, `complete` (a finished broadcast is deletable) and
//!   `revoked`; refused (`liveBroadcastDeletionNotAllowed`) while testing or on air.
//! - **Side effects** (§5.6): `actualStartTime` and `recordingStatus=recording` (when `recordFromStart`)
//!   when `live` is reached; `actualEndTime` and `recording → recorded` on `complete`. Recording media is
//!   the media plane's job; the control plane only tracks the status.

use super::broadcast::Broadcast;
use super::error::{LifecycleError, Reason};
use super::wire::{LifeCycleStatus as S, RecordingStatus, StreamStatus, TransitionTarget};
use time::{Duration, OffsetDateTime};

/// How many live broadcasts one stream may feed at once (YouTube's broadcasts-and-streams guide).
pub const MAX_LIVE_BROADCASTS_PER_STREAM: usize = 3;

/// What an operation other than a transition wants to do to a broadcast (the §5.4 matrix rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mutation {
    /// Update title, description, privacy or monetization.
    Metadata,
    /// Update `scheduledStartTime` / `scheduledEndTime`.
    Schedule,
    /// Update any `contentDetails` field.
    ContentDetails,
    /// Bind or unbind a stream.
    Bind,
    /// Delete the broadcast.
    Delete,
    /// Insert a cuepoint.
    Cuepoint,
}

impl Mutation {
    /// Every mutation.
    pub const ALL: &'static [Mutation] = &[
        Mutation::Metadata,
        Mutation::Schedule,
        Mutation::ContentDetails,
        Mutation::Bind,
        Mutation::Delete,
        Mutation::Cuepoint,
    ];
}

/// The §5.4 mutation matrix with its `?` cells decided: whether `mutation` is allowed in `state`.
pub fn allowed(mutation: Mutation, state: S) -> bool {
    match mutation {
        // "any time" — except a revoked broadcast, which belongs to the administrator
        Mutation::Metadata => state != S::Revoked,
        Mutation::Schedule => matches!(state, S::Created | S::Ready | S::TestStarting | S::Testing),
        Mutation::ContentDetails => matches!(state, S::Created | S::Ready),
        Mutation::Bind => matches!(state, S::Created | S::Ready | S::Testing),
        Mutation::Delete => matches!(state, S::Created | S::Ready | S::Complete | S::Revoked),
        Mutation::Cuepoint => state == S::Live,
    }
}

/// The result of an accepted state change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The broadcast to persist and return.
    pub broadcast: Broadcast,
    /// When the broadcast was left in a transient state, [`settle`] must run for it.
    pub settle_pending: bool,
}

impl Outcome {
    fn new(broadcast: Broadcast) -> Self {
        let settle_pending = broadcast.state().is_transient();
        Self {
            broadcast,
            settle_pending,
        }
    }
}

/// `liveBroadcasts.transition`: move `broadcast` towards `target`. `bound_stream` is the status of the
/// bound stream (`None` when nothing is bound).
pub fn transition(
    broadcast: &Broadcast,
    bound_stream: Option<StreamStatus>,
    target: TransitionTarget,
    now: OffsetDateTime,
) -> Result<Outcome, LifecycleError> {
    let state = broadcast.state();
    let redundant = match target {
        TransitionTarget::Testing => matches!(state, S::TestStarting | S::Testing),
        TransitionTarget::Live => matches!(state, S::LiveStarting | S::Live),
        TransitionTarget::Complete => state == S::Complete,
    };
    if redundant {
        return Err(LifecycleError::broadcast(
            Reason::RedundantTransition,
            format!("the broadcast is already {state}"),
        ));
    }
    let monitor = broadcast.content_details.monitor_stream.enable_monitor_stream;
    let reachable = match target {
        TransitionTarget::Testing => state == S::Ready && monitor,
        TransitionTarget::Live => (state == S::Ready && !monitor) || state == S::Testing,
        TransitionTarget::Complete => {
            matches!(state, S::TestStarting | S::Testing | S::LiveStarting | S::Live)
        }
    };
    if !reachable {
        let why = match (target, state) {
            (TransitionTarget::Testing, S::Ready) => "testing needs the monitor stream enabled".to_owned(),
            (TransitionTarget::Live, S::Ready) => {
                "with the monitor stream enabled the broadcast must be tested first".to_owned()
            }
            _ => format!("cannot transition from {state} to {}", target.as_str()),
        };
        return Err(LifecycleError::broadcast(Reason::InvalidTransition, why));
    }
    let mut next = broadcast.clone();
    match target {
        TransitionTarget::Testing | TransitionTarget::Live => {
            if bound_stream != Some(StreamStatus::Active) {
                return Err(LifecycleError::broadcast(
                    Reason::ErrorStreamInactive,
                    "Stream is inactive",
                ));
            }
            next.status.life_cycle_status = match target {
                TransitionTarget::Testing => S::TestStarting,
                _ => S::LiveStarting,
            };
        }
        TransitionTarget::Complete => complete(&mut next, now),
    }
    Ok(Outcome::new(next))
}

/// Refuses a `live` transition when the stream already feeds the maximum number of live broadcasts
/// (`others_live` counts the *other* broadcasts bound to it in `liveStarting`/`live`).
pub fn check_shared_ingestion(others_live: usize) -> Result<(), LifecycleError> {
    if others_live >= MAX_LIVE_BROADCASTS_PER_STREAM {
        return Err(LifecycleError::broadcast(
            Reason::SharedIngestionBroadcastsExceedLimit,
            format!("a stream can feed at most {MAX_LIVE_BROADCASTS_PER_STREAM} live broadcasts"),
        ));
    }
    Ok(())
}

/// Completes a transient state: `testStarting → testing`, `liveStarting → live` (with the side effects
/// of going live). `None` when the broadcast is not transient any more (a duplicate or late step).
pub fn settle(broadcast: &Broadcast, now: OffsetDateTime) -> Option<Broadcast> {
    let mut next = broadcast.clone();
    match broadcast.state() {
        S::TestStarting => next.status.life_cycle_status = S::Testing,
        S::LiveStarting => {
            next.status.life_cycle_status = S::Live;
            next.snippet.actual_start_time = Some(now);
            if next.content_details.record_from_start {
                next.status.recording_status = RecordingStatus::Recording;
            }
        }
        _ => return None,
    }
    Some(next)
}

/// What the auto-start rule asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AutoStart {
    /// Nothing to do.
    No,
    /// Start now: persist and settle like a `live` transition.
    Start(Box<Outcome>),
    /// Run the rule again at this time (`onairStartAtScheduledTime` before the scheduled start).
    WaitUntil(OffsetDateTime),
}

/// The auto-start rule, evaluated when the bound stream became active, when an active stream is bound,
/// and at the scheduled start. `stream` is the bound stream's status now.
pub fn auto_start(broadcast: &Broadcast, stream: Option<StreamStatus>, now: OffsetDateTime) -> AutoStart {
    let details = &broadcast.content_details;
    if !details.enable_auto_start
        || stream != Some(StreamStatus::Active)
        || !matches!(broadcast.state(), S::Ready | S::Testing)
    {
        return AutoStart::No;
    }
    let start = broadcast.snippet.scheduled_start_time;
    if details.onair_start_at_scheduled_time && now < start {
        return AutoStart::WaitUntil(start);
    }
    let mut next = broadcast.clone();
    next.status.life_cycle_status = S::LiveStarting;
    AutoStart::Start(Box::new(Outcome::new(next)))
}

/// When the auto-stop step should run, given that publishing stopped at `stopped_at`; `None` when
/// auto-stop does not apply to this broadcast now.
pub fn auto_stop_deadline(
    broadcast: &Broadcast,
    stopped_at: OffsetDateTime,
    delay: Duration,
) -> Option<OffsetDateTime> {
    (broadcast.content_details.enable_auto_stop && matches!(broadcast.state(), S::LiveStarting | S::Live))
        .then_some(stopped_at + delay)
}

/// The auto-stop step: completes the broadcast when auto-stop applies, the stream is still not active
/// and the deadline has passed; `None` otherwise (a re-publish or a late delivery changes nothing).
pub fn auto_stop(
    broadcast: &Broadcast,
    stream: Option<StreamStatus>,
    deadline: OffsetDateTime,
    now: OffsetDateTime,
) -> Option<Broadcast> {
    let applies = broadcast.content_details.enable_auto_stop
        && matches!(broadcast.state(), S::LiveStarting | S::Live)
        && stream != Some(StreamStatus::Active)
        && now >= deadline;
    applies.then(|| {
        let mut next = broadcast.clone();
        complete(&mut next, now);
        next
    })
}

/// The extension step `onairStopAtScheduledEndTime`: completes a live broadcast at its scheduled end.
pub fn scheduled_end(broadcast: &Broadcast, now: OffsetDateTime) -> Option<Broadcast> {
    let end = broadcast.snippet.scheduled_end_time?;
    let applies = broadcast.content_details.onair_stop_at_scheduled_end_time
        && matches!(broadcast.state(), S::LiveStarting | S::Live)
        && now >= end;
    applies.then(|| {
        let mut next = broadcast.clone();
        complete(&mut next, now);
        next
    })
}

fn complete(broadcast: &mut Broadcast, now: OffsetDateTime) {
    broadcast.status.life_cycle_status = S::Complete;
    broadcast.snippet.actual_end_time = Some(now);
    if broadcast.status.recording_status == RecordingStatus::Recording {
        broadcast.status.recording_status = RecordingStatus::Recorded;
    }
    // statistics are not returned after the end
    broadcast.statistics = None;
}

/// PRISM's R10 on a live whose encoder never connected: YouTube's `complete` transition is refused
/// from `created`/`ready`, but a PRISM stop must end the live (R7 then reads `END`). Only the PRISM
/// live use case calls this; the YouTube surface keeps refusing the transition. `None` outside
/// `created`/`ready`.
pub fn end_unaired(broadcast: &Broadcast, now: OffsetDateTime) -> Option<Broadcast> {
    if !matches!(broadcast.state(), S::Created | S::Ready) {
        return None;
    }
    let mut next = broadcast.clone();
    complete(&mut next, now);
    Some(next)
}

/// What the bind rule needs to know about the stream being bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BindTarget<'a> {
    /// The stream id.
    pub stream_id: &'a str,
    /// `contentDetails.isReusable` of the stream.
    pub is_reusable: bool,
    /// How many *other* broadcasts the stream is bound to now.
    pub bound_elsewhere: usize,
}

/// `liveBroadcasts.bind` (with a stream) or unbind (`None`).
pub fn bind(
    broadcast: &Broadcast,
    target: Option<BindTarget<'_>>,
    now: OffsetDateTime,
) -> Result<Broadcast, LifecycleError> {
    let state = broadcast.state();
    if !allowed(Mutation::Bind, state) {
        return Err(LifecycleError::broadcast(
            Reason::LiveBroadcastBindingNotAllowed,
            format!("a broadcast cannot be bound or unbound while {state}"),
        ));
    }
    let mut next = broadcast.clone();
    match target {
        Some(t) => {
            if broadcast.bound_stream_id() == Some(t.stream_id) {
                return Ok(next);
            }
            if !t.is_reusable && t.bound_elsewhere > 0 {
                return Err(LifecycleError::broadcast(
                    Reason::LiveBroadcastBindingNotAllowed,
                    "the stream is not reusable and is already bound to another broadcast",
                ));
            }
            next.content_details.bound_stream_id = Some(t.stream_id.to_owned());
            next.content_details.bound_stream_last_update_time_ms = Some(now);
            if state == S::Created {
                next.status.life_cycle_status = S::Ready;
            }
        }
        None => {
            if broadcast.bound_stream_id().is_none() {
                return Ok(next);
            }
            next.content_details.bound_stream_id = None;
            next.content_details.bound_stream_last_update_time_ms = Some(now);
            if state == S::Ready {
                next.status.life_cycle_status = S::Created;
            }
        }
    }
    Ok(next)
}

/// `liveBroadcasts.delete`.
pub fn check_delete_broadcast(broadcast: &Broadcast) -> Result<(), LifecycleError> {
    let state = broadcast.state();
    if allowed(Mutation::Delete, state) {
        Ok(())
    } else {
        Err(LifecycleError::broadcast(
            Reason::LiveBroadcastDeletionNotAllowed,
            format!("a broadcast cannot be deleted while {state}"),
        ))
    }
}

/// `liveStreams.delete`: refused while the stream is bound to a broadcast that is not over.
/// `bound_to` lists the states of the broadcasts the stream is bound to.
pub fn check_delete_stream(bound_to: &[S]) -> Result<(), LifecycleError> {
    if bound_to.iter().all(|s| s.is_terminal()) {
        Ok(())
    } else {
        Err(LifecycleError::stream(
            Reason::LiveStreamDeletionNotAllowed,
            "the stream is bound to a broadcast that is not complete",
        ))
    }
}

/// `liveBroadcasts.cuepoint`: only a `live` broadcast whose bound stream is active takes a cuepoint.
pub fn check_cuepoint(
    broadcast: &Broadcast,
    bound_stream: Option<StreamStatus>,
) -> Result<(), LifecycleError> {
    let state = broadcast.state();
    if !allowed(Mutation::Cuepoint, state) {
        return Err(LifecycleError::broadcast(
            Reason::LiveBroadcastNotLive,
            format!("cuepoints can only be inserted into a live broadcast; this one is {state}"),
        ));
    }
    if bound_stream != Some(StreamStatus::Active) {
        return Err(LifecycleError::broadcast(
            Reason::ErrorStreamInactive,
            "Stream is inactive",
        ));
    }
    Ok(())
}
