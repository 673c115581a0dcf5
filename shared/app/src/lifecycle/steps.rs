//! The timed lifecycle steps (settle, stream changed, auto-stop, scheduled start and end): what each
//! step function does with one delivery of a [`Step`].
//!
//! Delivery is at least once and may be late (EventBridge Scheduler, the SQS delay queue, or the
//! embedded scheduler locally), so every step:
//! - re-reads the record it acts on and applies the pure rule of [`onair_domain::lifecycle::machine`]
//!   to what it read, never to what the step carried — a duplicate, late or superseded delivery finds
//!   nothing to do;
//! - writes conditionally on the version it read; when that write loses a race it re-reads and
//!   re-applies the rule, as the request use cases do ([`WRITE_ATTEMPTS`] times), then reports itself
//!   busy (retryable);
//! - treats a missing record (the broadcast or stream was deleted) as done: [`StepOutcome::Missing`];
//! - after a write, replans the broadcast's server-executed schedules
//!   ([`super::schedule::replan`]).
//!
//! Decisions:
//! - **Stream changed** evaluates the stream's *current* status, not the one that triggered it, so of
//!   several status changes delivered out of order the last word is the stored status. The auto-stop
//!   deadline counts from when the stream stopped (the later of the step's due time and the stream's
//!   last health change), not from when the step ran.
//! - **Auto-start** writes with the guards of `liveBroadcasts.transition` (one atomic write): a
//!   disabled channel or user does not go live by itself either (a disabled channel or user cannot
//!   transition), nor does a stream that stopped meanwhile start anything, nor does a stream feed more
//!   than three live broadcasts.
//! - **Auto-stop** completes only if the stream has been inactive for the whole auto-stop delay when
//!   the step runs, so a late delivery of a step planned for an earlier stop cannot end a broadcast
//!   whose encoder came back and left again more recently.

use super::access::WRITE_ATTEMPTS;
use super::schedule;
use crate::{AppError, AppState};
use onair_domain::UserId;
use onair_domain::lifecycle::broadcast::Broadcast;
use onair_domain::lifecycle::machine::{self, AutoStart};
use onair_domain::lifecycle::step::{Step, StepKind};
use onair_domain::lifecycle::wire::StreamStatus;
use onair_store::{GuardedUpdate, GuardedWriteError, StoreError, StoredBroadcast, StoredStream};
use time::OffsetDateTime;

/// What one delivery of a step did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    /// The rule applied and the record was written (at this version).
    Applied {
        /// The version written.
        version: u64,
    },
    /// Nothing to do: the record has moved on (a duplicate, late or superseded delivery).
    Moot,
    /// The record no longer exists (deleted): nothing to do, ever.
    Missing,
    /// A stream change was handled for each bound broadcast: how many were written.
    StreamChanged {
        /// The stream's status as read.
        status: StreamStatus,
        /// Broadcasts started (auto-start).
        started: usize,
        /// Auto-stop steps planned.
        stops_planned: usize,
    },
}

/// Performs one delivery of `step`, whatever its kind.
pub async fn perform(state: &AppState, step: &Step) -> Result<StepOutcome, AppError> {
    match step.kind {
        StepKind::Settle => settle(state, step).await,
        StepKind::StreamChanged => stream_changed(state, step).await,
        StepKind::AutoStop => auto_stop(state, step).await,
        StepKind::ScheduledStart => scheduled_start(state, step).await,
        StepKind::ScheduledEnd => scheduled_end(state, step).await,
    }
}

/// `lifecycle-settle`: `testStarting → testing`, `liveStarting → live`; nothing if not transient.
pub async fn settle(state: &AppState, step: &Step) -> Result<StepOutcome, AppError> {
    let now = state.clock.now();
    let written = write_broadcast(state, &step.owner, &step.target, |stored| {
        machine::settle(&stored.broadcast, now)
    })
    .await?;
    Ok(outcome(written))
}

/// `lifecycle-auto-stop`: completes an auto-stop broadcast whose stream stayed inactive for the
/// auto-stop delay; nothing otherwise (the encoder came back, the broadcast ended, auto-stop is off).
pub async fn auto_stop(state: &AppState, step: &Step) -> Result<StepOutcome, AppError> {
    let now = state.clock.now();
    let delay = state.settings.lifecycle.auto_stop_after;
    let mut attempts = 0;
    loop {
        let Some(stored) = read_broadcast(state, &step.owner, &step.target).await? else {
            return Ok(StepOutcome::Missing);
        };
        let stream = bound_stream(state, &stored).await?;
        let status = stream.as_ref().map(|s| s.stream.stream_status());
        // The deadline counts from when the stream last stopped, whatever the step carried.
        let inactive_since = stream.as_ref().map(health_changed_at);
        let deadline = inactive_since.map_or(step.due, |since| step.due.max(since + delay));
        let Some(next) = machine::auto_stop(&stored.broadcast, status, deadline, now) else {
            return Ok(StepOutcome::Moot);
        };
        match commit(state, &stored, next).await? {
            Some(written) => return Ok(outcome(Written::Yes(written.version))),
            None => retry(&mut attempts, "auto-stop")?,
        }
    }
}

/// `lifecycle-scheduled-start`: re-evaluates auto-start at the scheduled start time.
pub async fn scheduled_start(state: &AppState, step: &Step) -> Result<StepOutcome, AppError> {
    let mut attempts = 0;
    loop {
        let Some(stored) = read_broadcast(state, &step.owner, &step.target).await? else {
            return Ok(StepOutcome::Missing);
        };
        let stream = bound_stream(state, &stored).await?;
        let status = stream.as_ref().map(|s| s.stream.stream_status());
        match start(state, &stored, status).await? {
            Started::Yes(version) => return Ok(StepOutcome::Applied { version }),
            Started::No => return Ok(StepOutcome::Moot),
            Started::Lost => retry(&mut attempts, "scheduled start")?,
        }
    }
}

/// `lifecycle-scheduled-end`: completes a live broadcast at its scheduled end (extension flag).
pub async fn scheduled_end(state: &AppState, step: &Step) -> Result<StepOutcome, AppError> {
    let now = state.clock.now();
    let written = write_broadcast(state, &step.owner, &step.target, |stored| {
        machine::scheduled_end(&stored.broadcast, now)
    })
    .await?;
    Ok(outcome(written))
}

/// `lifecycle-stream-changed` (target = stream id): for each broadcast bound to the stream, an active
/// stream cancels the pending auto-stop and runs auto-start; an inactive one plans auto-stop.
pub async fn stream_changed(state: &AppState, step: &Step) -> Result<StepOutcome, AppError> {
    let stream = match state.streams.get(&step.owner, &step.target).await {
        Ok(stream) => stream,
        Err(StoreError::NotFound) => return Ok(StepOutcome::Missing),
        Err(err) => return Err(err.into()),
    };
    let status = stream.stream.stream_status();
    let now = state.clock.now();
    let (mut started, mut stops_planned) = (0, 0);
    for id in &stream.bound_broadcasts {
        if status == StreamStatus::Active {
            state.steps.cancel(StepKind::AutoStop, id).await?;
            let mut attempts = 0;
            loop {
                let Some(stored) = read_broadcast(state, &step.owner, id).await? else {
                    break;
                };
                match start(state, &stored, Some(status)).await? {
                    Started::Yes(_) => {
                        started += 1;
                        break;
                    }
                    Started::No => break,
                    Started::Lost => retry(&mut attempts, "auto-start")?,
                }
            }
        } else {
            let Some(stored) = read_broadcast(state, &step.owner, id).await? else {
                continue;
            };
            let stopped_at = step.due.max(health_changed_at(&stream));
            let delay = state.settings.lifecycle.auto_stop_after;
            if let Some(due) = machine::auto_stop_deadline(&stored.broadcast, stopped_at, delay) {
                let auto_stop = Step {
                    kind: StepKind::AutoStop,
                    owner: step.owner.clone(),
                    target: id.clone(),
                    version: stored.version,
                    // never in the past by more than the scheduler can express: due at once then
                    due: due.max(now),
                };
                state.steps.schedule(&auto_stop).await?;
                stops_planned += 1;
            }
        }
    }
    Ok(StepOutcome::StreamChanged {
        status,
        started,
        stops_planned,
    })
}

/// When the stream's health last changed: for an inactive stream, when it stopped.
fn health_changed_at(stream: &StoredStream) -> OffsetDateTime {
    let seconds = stream.stream.status.health_status.last_update_time_seconds;
    i64::try_from(seconds)
        .ok()
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

enum Started {
    /// Written at this version; the settle step is planned.
    Yes(u64),
    /// The rule does not start it, or the write's guards refused (the channel or user is disabled,
    /// the stream is no longer active, or it already feeds the most live broadcasts).
    No,
    /// The conditional write lost a race: re-read and try again.
    Lost,
}

/// Auto-start for one broadcast as read: writes `liveStarting` and plans the settle step. The write
/// is the guarded transition write of `liveBroadcasts.transition`, so the same conditions hold in the
/// same atomic write: the bound stream still active, the user and the channel still enabled, and the
/// stream feeding at most three live broadcasts (counted with reads only when it is bound to more).
async fn start(
    state: &AppState,
    stored: &StoredBroadcast,
    stream: Option<StreamStatus>,
) -> Result<Started, AppError> {
    let now = state.clock.now();
    let AutoStart::Start(outcome) = machine::auto_start(&stored.broadcast, stream, now) else {
        // `WaitUntil` needs nothing here: the scheduled-start step is planned by `replan` whenever
        // the flags and state call for it.
        return Ok(Started::No);
    };
    let Some(bound) = stored.broadcast.bound_stream_id() else {
        return Ok(Started::No);
    };
    let written = StoredBroadcast {
        owner: stored.owner.clone(),
        broadcast: outcome.broadcast,
        version: stored.version.saturating_add(1),
        live: stored.live.clone(),
    };
    let mut sharing_checked = false;
    loop {
        let update = GuardedUpdate {
            broadcast: &written,
            expected_version: stored.version,
            require_active_stream: Some(bound),
            require_live_enabled: true,
            require_bound_at_most: (!sharing_checked).then_some(machine::MAX_LIVE_BROADCASTS_PER_STREAM),
        };
        match state.broadcasts.transition(&update).await {
            Ok(()) => break,
            Err(GuardedWriteError::LiveNotEnabled) => {
                tracing::info!(broadcast = %stored.broadcast.id, "auto-start skipped: the channel or its owner is disabled");
                return Ok(Started::No);
            }
            Err(GuardedWriteError::StreamNotActive) => return Ok(Started::No),
            Err(GuardedWriteError::StreamShared) if !sharing_checked => {
                let others_live =
                    super::transition::live_sharing(state, &stored.owner, bound, &stored.broadcast.id)
                        .await
                        .or_else(|err| match err {
                            // the stream went away: nothing to start
                            AppError::Lifecycle(_) => Ok(usize::MAX),
                            other => Err(other),
                        })?;
                if machine::check_shared_ingestion(others_live).is_err() {
                    tracing::info!(broadcast = %stored.broadcast.id, "auto-start skipped: the stream already feeds the most live broadcasts");
                    return Ok(Started::No);
                }
                sharing_checked = true;
            }
            Err(GuardedWriteError::StreamShared) => return Ok(Started::No),
            Err(GuardedWriteError::Store(StoreError::Conflict(_) | StoreError::NotFound)) => {
                return Ok(Started::Lost);
            }
            Err(GuardedWriteError::Store(err)) => return Err(err.into()),
        }
    }
    schedule::replan(state, Some(&stored.broadcast), &written).await?;
    if outcome.settle_pending {
        plan_settle(state, &written).await?;
    }
    Ok(Started::Yes(written.version))
}

/// Plans the step that completes a transient state `settle_after` from now.
pub async fn plan_settle(state: &AppState, stored: &StoredBroadcast) -> Result<(), AppError> {
    let step = Step {
        kind: StepKind::Settle,
        owner: stored.owner.clone(),
        target: stored.broadcast.id.clone(),
        version: stored.version,
        due: state.clock.now() + state.settings.lifecycle.settle_after,
    };
    state.steps.schedule(&step).await?;
    Ok(())
}

async fn read_broadcast(
    state: &AppState,
    owner: &UserId,
    id: &str,
) -> Result<Option<StoredBroadcast>, AppError> {
    match state.broadcasts.get(owner, id).await {
        Ok(stored) => Ok(Some(stored)),
        Err(StoreError::NotFound) => Ok(None),
        Err(err) => Err(err.into()),
    }
}

async fn bound_stream(state: &AppState, stored: &StoredBroadcast) -> Result<Option<StoredStream>, AppError> {
    let Some(id) = stored.broadcast.bound_stream_id() else {
        return Ok(None);
    };
    match state.streams.get(&stored.owner, id).await {
        Ok(stream) => Ok(Some(stream)),
        Err(StoreError::NotFound) => Ok(None),
        Err(err) => Err(err.into()),
    }
}

/// Writes `next` over `stored` on its version and replans; `None` when the write lost a race (or the
/// record vanished meanwhile, which the next read reports).
async fn commit(
    state: &AppState,
    stored: &StoredBroadcast,
    next: Broadcast,
) -> Result<Option<StoredBroadcast>, AppError> {
    let written = StoredBroadcast {
        owner: stored.owner.clone(),
        broadcast: next,
        version: stored.version.saturating_add(1),
        live: stored.live.clone(),
    };
    match state.broadcasts.update(&written, stored.version).await {
        Ok(()) => {
            schedule::replan(state, Some(&stored.broadcast), &written).await?;
            Ok(Some(written))
        }
        Err(StoreError::Conflict(_) | StoreError::NotFound) => Ok(None),
        Err(err) => Err(err.into()),
    }
}

fn retry(attempts: &mut usize, what: &str) -> Result<(), AppError> {
    *attempts += 1;
    if *attempts >= WRITE_ATTEMPTS {
        // Retryable: the step is delivered again and re-reads whatever won.
        Err(AppError::Busy(format!(
            "{what}: the broadcast kept changing during {WRITE_ATTEMPTS} attempts"
        )))
    } else {
        Ok(())
    }
}

enum Written {
    /// Written at this version.
    Yes(u64),
    Moot,
    Missing,
}

fn outcome(written: Written) -> StepOutcome {
    match written {
        Written::Yes(version) => StepOutcome::Applied { version },
        Written::Moot => StepOutcome::Moot,
        Written::Missing => StepOutcome::Missing,
    }
}

/// Reads, applies `rule` to what was read, writes on the version read; again on a lost race.
async fn write_broadcast(
    state: &AppState,
    owner: &UserId,
    id: &str,
    mut rule: impl FnMut(&StoredBroadcast) -> Option<Broadcast>,
) -> Result<Written, AppError> {
    let mut attempts = 0;
    loop {
        let Some(stored) = read_broadcast(state, owner, id).await? else {
            return Ok(Written::Missing);
        };
        let Some(next) = rule(&stored) else {
            return Ok(Written::Moot);
        };
        match commit(state, &stored, next).await? {
            Some(written) => return Ok(Written::Yes(written.version)),
            None => retry(&mut attempts, "step")?,
        }
    }
}
