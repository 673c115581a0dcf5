//! `liveBroadcasts.transition` (spec §4.6, §5).
//!
//! Two DynamoDB requests on the happy path: read the broadcast, then one atomic write that stores the
//! new state on the version read and, in the same transaction, checks what the decision assumed —
//! the bound stream is still the caller's, still bound to this broadcast and still `active`; for
//! `testing`/`live` the user and the broadcast's channel are still enabled. The stream is never read:
//! the rules are applied as if it were active, and a failed stream check is `errorStreamInactive`,
//! which the rules would have answered (it is the last check after `redundantTransition` and
//! `invalidTransition`).
//!
//! Races: of 50 parallel `transition(live)` calls one wins; each loser re-reads and applies the rules
//! again, which now answer `redundantTransition` (or `invalidTransition`). Never a conflict.
//!
//! `sharedIngestionBroadcastsExceedLimit` (a stream feeds at most three live broadcasts) costs no read
//! on the happy path either: a stream bound to at most three broadcasts cannot exceed it, and the write
//! holds that as one more guard. Only when the stream is bound to more does the use case read the stream
//! and its broadcasts, count the live ones, and write again without that guard. That count is not part
//! of the atomic write: two broadcasts of one widely shared stream going live at the same instant can
//! both pass it (README).
//!
//! A transition into `testStarting`/`liveStarting` plans the settle step, due after
//! `settings.lifecycle.settle_after`, for the new version; it completes the transient state by itself.

use super::access::{WRITE_ATTEMPTS, broadcast_not_found, or_not_found, require_id};
use super::schedule;
use crate::{AppError, AppState};
use onair_domain::UserId;
use onair_domain::lifecycle::error::{LifecycleError, Reason};
use onair_domain::lifecycle::machine;
use onair_domain::lifecycle::part::{Method, Parts};
use onair_domain::lifecycle::render;
use onair_domain::lifecycle::step::{Step, StepKind};
use onair_domain::lifecycle::wire::{LifeCycleStatus as S, StreamStatus, TransitionTarget};
use onair_store::lifecycle_ports::MAX_BATCH;
use onair_store::{GuardedUpdate, GuardedWriteError, StoreError, StoredBroadcast};
use serde_json::Value;

/// The `broadcastStatus` parameter: required, one of `testing`, `live`, `complete`.
fn target_of(raw: Option<&str>) -> Result<TransitionTarget, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Err(LifecycleError::broadcast(Reason::StatusRequired, "broadcastStatus is required").into()),
        Some(raw) => TransitionTarget::parse(raw).ok_or_else(|| {
            AppError::Invalid(onair_domain::Violations::one(
                "broadcastStatus",
                "must be one of testing, live, complete",
            ))
        }),
    }
}

/// How many broadcasts other than `id` bound to `stream` are `liveStarting` or `live`.
pub(super) async fn live_sharing(
    state: &AppState,
    user: &UserId,
    stream: &str,
    id: &str,
) -> Result<usize, AppError> {
    let stream = match state.streams.get(user, stream).await {
        Ok(stream) => stream,
        Err(StoreError::NotFound) => {
            return Err(LifecycleError::broadcast(Reason::ErrorStreamInactive, "Stream is inactive").into());
        }
        Err(err) => return Err(err.into()),
    };
    let others: Vec<String> = stream.bound_broadcasts.into_iter().filter(|b| b != id).collect();
    let mut live = 0;
    for ids in others.chunks(MAX_BATCH) {
        live += state
            .broadcasts
            .get_many(user, ids)
            .await?
            .iter()
            .filter(|b| matches!(b.broadcast.state(), S::LiveStarting | S::Live))
            .count();
    }
    Ok(live)
}

/// `liveBroadcasts.transition`: moves broadcast `id` towards `broadcast_status`.
pub async fn transition(
    state: &AppState,
    user: &UserId,
    id: Option<&str>,
    broadcast_status: Option<&str>,
    part: Option<&str>,
) -> Result<Value, AppError> {
    let parts = Parts::parse(Method::BroadcastTransition, part)?;
    let id = require_id(id, true)?;
    let target = target_of(broadcast_status)?;
    // Set once the live broadcasts sharing the stream were counted (the slow path above).
    let mut sharing_checked = false;
    for _ in 0..WRITE_ATTEMPTS {
        let now = state.clock.now();
        let current = state
            .broadcasts
            .get(user, &id)
            .await
            .map_err(|e| or_not_found(e, broadcast_not_found))?;
        let bound = current.broadcast.bound_stream_id();
        // Decided as if the bound stream were active; the write's guard holds that assumption.
        let assumed = bound.map(|_| StreamStatus::Active);
        let outcome = machine::transition(&current.broadcast, assumed, target, now)?;
        let starting = target != TransitionTarget::Complete;
        let stored = StoredBroadcast {
            owner: user.clone(),
            broadcast: outcome.broadcast,
            version: current.version.saturating_add(1),
            live: current.live.clone(),
        };
        let update = GuardedUpdate {
            broadcast: &stored,
            expected_version: current.version,
            require_active_stream: if starting { bound } else { None },
            require_live_enabled: starting,
            require_bound_at_most: (target == TransitionTarget::Live && !sharing_checked)
                .then_some(machine::MAX_LIVE_BROADCASTS_PER_STREAM),
        };
        match state.broadcasts.transition(&update).await {
            Ok(()) => {
                if outcome.settle_pending {
                    let step = Step {
                        kind: StepKind::Settle,
                        owner: user.clone(),
                        target: id.clone(),
                        version: stored.version,
                        due: now + state.settings.lifecycle.settle_after,
                    };
                    state.steps.schedule(&step).await?;
                }
                schedule::replan(state, Some(&current.broadcast), &stored).await?;
                return Ok(render::broadcast(&stored.broadcast, &parts));
            }
            Err(GuardedWriteError::StreamNotActive) => {
                return Err(
                    LifecycleError::broadcast(Reason::ErrorStreamInactive, "Stream is inactive").into(),
                );
            }
            Err(GuardedWriteError::LiveNotEnabled) => {
                return Err(LifecycleError::broadcast(
                    Reason::InsufficientLivePermissions,
                    "the user or the channel is disabled",
                )
                .into());
            }
            Err(GuardedWriteError::StreamShared) => {
                let stream = bound.unwrap_or_default();
                let others_live = live_sharing(state, user, stream, &id).await?;
                machine::check_shared_ingestion(others_live)?;
                sharing_checked = true;
                continue;
            }
            // Lost to a concurrent write: read again and apply the rules to what won.
            Err(GuardedWriteError::Store(StoreError::Conflict(_))) => continue,
            Err(GuardedWriteError::Store(err)) => return Err(or_not_found(err, broadcast_not_found)),
        }
    }
    Err(LifecycleError::broadcast(
        Reason::ErrorExecutingTransition,
        "the broadcast kept changing during the transition; retry",
    )
    .into())
}
