//! Real ingest drives stream status: the use case behind every ingest server's callbacks.
//!
//! **The port.** An ingest adapter translates its server's callback into a presented stream key and an
//! [`IngestEvent`] and calls [`report`]; it authenticates the server first with [`authenticate`].
//! nginx-rtmp's `on_publish` / `on_update` / `on_publish_done` form posts are the first adapter
//! (`onair_api::ingest`). SRS's `on_publish` / `on_unpublish` JSON hooks map onto the same two calls
//! one for one; AWS IVS "IVS Stream State Change" events (an EventBridge-triggered function) name the
//! IVS channel rather than the key, so that adapter would first resolve the channel to the stream's key
//! and then call [`report`] the same way. Nothing here knows which server spoke.
//!
//! **Cost.** One read (the stream by its key hash: `StreamStore::find_by_key_hash`); for a publish or
//! an update, one more read, the admission gate (`BroadcastStore::ingest_gate`: the owner's profile, the
//! channel and, for a non-reusable stream, its bound broadcast, in one `BatchGetItem`); and, only when
//! the status or health changes, one conditional write on the version read. A periodic update that
//! changes nothing costs two round trips (one before the platform could end a live), a publish three,
//! a publish end one or two.
//!
//! **Decisions.**
//! - An unknown key, or the key of a deleted stream (its reservation goes with it), is refused:
//!   nginx answers the encoder with an error and drops it.
//! - **Closed streams** ([`Verdict::Closed`]): a publish or an update is refused, and nothing is
//!   written, when the stream's owner is disabled, its channel is disabled (or either is gone), or the
//!   stream is non-reusable and every broadcast bound to it is `complete` or `revoked` (a PRISM live's
//!   stream after R10, an admin end or a restart). nginx refuses a refused publish at once and drops a
//!   running encoder on a refused update, within one update interval (`notify_update_timeout`); its
//!   `on_publish_done` then makes the stream `inactive`. The end of a publish is never refused: it
//!   only records that the encoder left. A reusable stream outlives its broadcasts (YouTube binds the
//!   next one to it), so completing one of them never closes it. The gate is read on every update, not
//!   denormalised onto the stream: disabling a user or channel and ending a broadcast then need no
//!   write to any stream, and no race between such a write and a concurrent bind can leave an encoder
//!   admitted.
//! - Publish starts, stops and failures plan a [`StepKind::StreamChanged`] step, due at once, when
//!   broadcasts are bound to the stream — also when the status did not change, so a callback retried
//!   after a failed planning still plans it (the step is idempotent). Periodic updates never plan one.

use crate::{AppError, AppState};
use onair_domain::lifecycle::StreamKey;
use onair_domain::lifecycle::ingest::{self, IngestEvent};
use onair_domain::lifecycle::step::{Step, StepKind};
use onair_domain::lifecycle::wire::LifeCycleStatus;
use onair_domain::lifecycle::wire::{HealthStatus, StreamStatus};
use onair_store::lifecycle_ports::MAX_BATCH;
use onair_store::{IngestGate, StoreError, StoredStream};
use time::{Duration, OffsetDateTime};

/// How many times a callback re-reads the stream after losing its conditional write to a concurrent
/// one (a bind or an update of the stream).
const ATTEMPTS: usize = 3;

/// A cached copy of the ingest secret older than this is re-read once when a presented value does not
/// match, so a rotation made elsewhere is seen at once; younger copies are trusted, so a stream of
/// wrong tokens cannot turn into a stream of Secrets Manager calls.
pub const SECRET_RECHECK_AFTER: Duration = Duration::seconds(30);

/// What the ingest server is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The key is known; the stream now has this status and health.
    Accepted {
        /// The stream's status after the event.
        status: StreamStatus,
        /// Its health after the event.
        health: HealthStatus,
        /// Whether the stream was written.
        changed: bool,
    },
    /// No stream has this key (never had, or it was deleted): the publisher must be refused.
    UnknownKey,
    /// The stream is closed to publishing (see the module docs): the publisher must be refused or
    /// dropped. Nothing was written.
    Closed,
}

/// Whether an encoder may publish to `stream` given what the admission gate read.
pub fn admits(stream: &StoredStream, gate: &IngestGate) -> bool {
    if !gate.live_enabled {
        return false;
    }
    if stream.stream.content_details.is_reusable || stream.bound_broadcasts.is_empty() {
        return true;
    }
    // A bound broadcast the gate did not return was deleted meanwhile (a delete unbinds it): it does
    // not keep the stream open.
    gate.broadcasts.iter().any(|b| {
        !matches!(
            b.broadcast.state(),
            LifeCycleStatus::Complete | LifeCycleStatus::Revoked
        )
    })
}

/// Reads the admission gate of `stream` (one request).
async fn gate_of(state: &AppState, stream: &StoredStream) -> Result<IngestGate, AppError> {
    // A reusable stream's broadcasts never close it, so they are not read.
    let bound: &[String] = if stream.stream.content_details.is_reusable {
        &[]
    } else {
        &stream.bound_broadcasts[..stream.bound_broadcasts.len().min(MAX_BATCH)]
    };
    Ok(state
        .broadcasts
        .ingest_gate(&stream.owner, stream.stream.channel_id(), bound)
        .await?)
}

/// Whether `presented` is the ingest server's shared secret (current, or an earlier one inside its
/// rotation overlap), compared in constant time. The secret is cached by the secret store, so a warm
/// call makes no Secrets Manager request.
pub async fn authenticate(state: &AppState, presented: &str) -> Result<bool, AppError> {
    let name = &state.settings.lifecycle.ingest_secret_name;
    let missing = |err: StoreError| match err {
        StoreError::NotFound => AppError::Internal(format!("the ingest secret {name} does not exist")),
        other => other.into(),
    };
    let now = state.clock.now();
    let stored = state.secrets.get(name).await.map_err(missing)?;
    if stored.secret.accepts(presented, now) {
        return Ok(true);
    }
    if now - stored.fetched_at < SECRET_RECHECK_AFTER {
        return Ok(false);
    }
    let fresh = state.secrets.refresh(name).await.map_err(missing)?;
    Ok(fresh.secret.accepts(presented, now))
}

/// Applies one ingest event to the stream whose key is `key`.
pub async fn report(
    state: &AppState,
    key: &StreamKey,
    event: &IngestEvent,
    now: OffsetDateTime,
) -> Result<Verdict, AppError> {
    let hash = key.hash();
    let mut attempts = 0;
    loop {
        let stored = match state.streams.find_by_key_hash(&hash).await {
            Ok(stored) => stored,
            Err(StoreError::NotFound) => return Ok(Verdict::UnknownKey),
            Err(err) => return Err(err.into()),
        };
        if matches!(event, IngestEvent::PublishStarted | IngestEvent::Update(_))
            && !admits(&stored, &gate_of(state, &stored).await?)
        {
            return Ok(Verdict::Closed);
        }
        let change = ingest::apply(&stored.stream.status, event, now);
        let mut current = stored.clone();
        if change.changed {
            current.stream.status = change.status.clone();
            current.version = stored.version.saturating_add(1);
            match state.streams.update(&current, stored.version).await {
                Ok(()) => {}
                Err(StoreError::Conflict(_)) if attempts + 1 < ATTEMPTS => {
                    attempts += 1;
                    continue;
                }
                // Deleted between the read and the write: the key no longer exists.
                Err(StoreError::NotFound) => return Ok(Verdict::UnknownKey),
                Err(err) => return Err(err.into()),
            }
        }
        if matches!(
            event,
            IngestEvent::PublishStarted | IngestEvent::PublishStopped | IngestEvent::Failed
        ) {
            plan_stream_changed(state, &current, now).await?;
        }
        return Ok(Verdict::Accepted {
            status: current.stream.stream_status(),
            health: current.stream.status.health_status.status,
            changed: change.changed,
        });
    }
}

async fn plan_stream_changed(
    state: &AppState,
    stream: &StoredStream,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    if stream.bound_broadcasts.is_empty() {
        return Ok(());
    }
    let step = Step {
        kind: StepKind::StreamChanged,
        owner: stream.owner.clone(),
        target: stream.stream.id.clone(),
        version: stream.version,
        due: now,
    };
    state.steps.schedule(&step).await?;
    Ok(())
}
