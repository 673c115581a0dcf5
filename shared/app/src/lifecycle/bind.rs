//! `liveBroadcasts.bind` (with `streamId`) and unbind (without), spec §4.5.
//!
//! The broadcast and every stream it touches are written in one atomic write conditioned on every
//! version read ([`onair_store::BroadcastStore::bind`]). A writer that loses re-reads and answers by the
//! rules, so of racing binds of one non-reusable stream exactly one wins and the others get
//! `liveBroadcastBindingNotAllowed`; a bind racing the stream's delete either wins (and the delete is
//! refused) or finds the stream gone (`liveStreamNotFound`).
//!
//! Binding a stream that is already `active` to an auto-start broadcast plans a stream-changed step
//! due at once, so the auto-start rule runs as if the stream had just become active.

use super::access::{WRITE_ATTEMPTS, broadcast_not_found, or_not_found, require_id, stream_not_found};
use super::schedule;
use crate::{AppError, AppState};
use onair_domain::UserId;
use onair_domain::lifecycle::machine::{self, BindTarget};
use onair_domain::lifecycle::part::{Method, Parts};
use onair_domain::lifecycle::render;
use onair_domain::lifecycle::step::{Step, StepKind};
use onair_domain::lifecycle::wire::StreamStatus;
use onair_store::{BindChange, StoreError, StoredBroadcast};
use serde_json::Value;

/// `liveBroadcasts.bind`: binds `stream_id` to broadcast `id`, or unbinds it when `stream_id` is absent.
pub async fn bind(
    state: &AppState,
    user: &UserId,
    id: Option<&str>,
    stream_id: Option<&str>,
    part: Option<&str>,
) -> Result<Value, AppError> {
    let parts = Parts::parse(Method::BroadcastBind, part)?;
    let id = require_id(id, true)?;
    let stream_id = stream_id.map(str::trim).filter(|s| !s.is_empty());
    for _ in 0..WRITE_ATTEMPTS {
        let now = state.clock.now();
        let current = state
            .broadcasts
            .get(user, &id)
            .await
            .map_err(|e| or_not_found(e, broadcast_not_found))?;
        let attach = match stream_id {
            Some(sid) => Some(
                state
                    .streams
                    .get(user, sid)
                    .await
                    .map_err(|e| or_not_found(e, stream_not_found))?,
            ),
            None => None,
        };
        let target = attach.as_ref().map(|s| BindTarget {
            stream_id: s.stream.id.as_str(),
            is_reusable: s.stream.content_details.is_reusable,
            bound_elsewhere: s.bound_elsewhere(&id),
        });
        let next = machine::bind(&current.broadcast, target, now)?;
        if next == current.broadcast {
            // Already bound as asked (or already unbound): nothing to write.
            return Ok(render::broadcast(&current.broadcast, &parts));
        }
        let detach = match current.broadcast.bound_stream_id() {
            Some(old) if Some(old) != stream_id => match state.streams.get(user, old).await {
                Ok(stream) => Some(stream),
                Err(StoreError::NotFound) => None,
                Err(err) => return Err(err.into()),
            },
            _ => None,
        };
        let stored = StoredBroadcast {
            owner: user.clone(),
            broadcast: next,
            version: current.version.saturating_add(1),
            live: current.live.clone(),
        };
        let change = BindChange {
            broadcast: &stored,
            expected_version: current.version,
            attach: attach.as_ref(),
            detach: detach.as_ref(),
        };
        match state.broadcasts.bind(&change).await {
            Ok(()) => {
                if let Some(stream) = &attach
                    && stream.stream.stream_status() == StreamStatus::Active
                    && stored.broadcast.content_details.enable_auto_start
                {
                    let step = Step {
                        kind: StepKind::StreamChanged,
                        owner: user.clone(),
                        target: stream.stream.id.clone(),
                        version: stream.version.saturating_add(1),
                        due: now,
                    };
                    state.steps.schedule(&step).await?;
                }
                schedule::replan(state, Some(&current.broadcast), &stored).await?;
                return Ok(render::broadcast(&stored.broadcast, &parts));
            }
            // Something read moved on, or a stream went away: read again and decide again.
            Err(StoreError::Conflict(_) | StoreError::NotFound) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(AppError::Conflict(
        "the broadcast or the stream kept changing during the bind; retry".into(),
    ))
}
