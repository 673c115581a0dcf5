//! The platform ends lives: an admin disables a channel or a user, or ends one live or one broadcast.
//!
//! **Complete, not revoked.** A forced end completes the broadcast through the lifecycle machine
//! (`transition(complete)`, or [`onair_domain::lifecycle::machine::end_unaired`] for a started PRISM
//! live whose encoder never connected, as R10 does): `actualEndTime` is set, the recording is
//! `recorded`, PRISM's R7 answers `END` and `liveBroadcasts.list` shows `complete`. YouTube's
//! `revoked` means the broadcast was taken down by an admin — its content is gone — and clients treat
//! it as an error; disabling a channel is not a takedown (the channel may be enabled again, and the
//! broadcast that aired stays a normal ended broadcast whose metadata the owner may still edit, which
//! `revoked` forbids). Every client that follows a broadcast to its end already understands
//! `complete`.
//!
//! **What is ended.** On a channel: every started PRISM live that has not ended (R10's rule, so a live
//! waiting for its encoder ends too), then every broadcast of the channel that is on air
//! (`testStarting`, `testing`, `liveStarting`, `live`) — plain YouTube broadcasts included. On a user:
//! the same on every channel of the user. Broadcasts that are `created`/`ready` and not behind a
//! started live are left alone: they are not on air, cannot start while the channel or user is
//! disabled (the transition's write holds that guard), and stay usable after re-enabling. Nothing is
//! ever reopened: enabling again does not resurrect an ended broadcast; a PRISM live is started again
//! with R9 (a new broadcast and key, like any restart).
//!
//! **Races.** The disable is written first, so from then on no broadcast of the channel or user can go
//! to `testing`/`live` (the transition's atomic write checks that the owner and channel are enabled)
//! and the ingest hook refuses the encoders. The broadcasts to end are found through the owner's list
//! (a `gsi1` query, eventually consistent on DynamoDB), so each candidate that is not already ended is
//! re-read consistently before it is judged; an ended state is final, so a stale list can only offer
//! an extra candidate, never hide an ended one. Every completion is a conditional write; a loser
//! re-reads and stops when the broadcast has ended meanwhile. Each step is idempotent: a failed or
//! retried disable runs the whole end again and changes only what is still on air.
//!
//! **The encoder.** Ending writes nothing to any stream: the ingest hook refuses the next `on_update`
//! of a stream whose owner or channel is disabled, or whose non-reusable stream's broadcast ended
//! (`lifecycle::ingest`), and nginx-rtmp drops the publisher.

use crate::lifecycle::{schedule, transition};
use crate::lives::{self, LiveView};
use crate::{AppError, AppState};
use onair_domain::lifecycle::machine;
use onair_domain::lifecycle::wire::LifeCycleStatus as S;
use onair_domain::page::MAX_PAGE;
use onair_domain::{ChannelId, PageRequest, UserId};
use onair_store::lifecycle_ports::MAX_BATCH;
use onair_store::{StoreError, StoredBroadcast};

/// How often a completion that lost to a concurrent write is tried again after re-reading.
const ATTEMPTS: usize = 4;

/// What a forced end changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ended {
    /// PRISM lives ended.
    pub lives: usize,
    /// Broadcasts completed besides the lives' own.
    pub broadcasts: usize,
}

/// Whether a broadcast in `state` is on air (testing or live, or on the way there).
fn on_air(state: S) -> bool {
    matches!(state, S::TestStarting | S::Testing | S::LiveStarting | S::Live)
}

/// Whether a broadcast in `state` has ended for good.
fn ended(state: S) -> bool {
    matches!(state, S::Complete | S::Revoked)
}

/// Admin "end live": ends the owner's live as R10 does; an ended live is returned unchanged.
/// `NotFound("live")` for an unknown live or another user's.
pub async fn end_live(state: &AppState, owner: &UserId, live_id: &str) -> Result<LiveView, AppError> {
    lives::stop(state, owner, live_id).await
}

/// Admin "end broadcast", for any broadcast (a plain YouTube one, or a PRISM live's): one that is on
/// air completes through `transition(complete)`; one that never aired (`created`/`ready`) ends by
/// [`machine::end_unaired`], as R10 ends a live whose encoder never connected, since "end" means it
/// will never be on air; an ended broadcast is answered unchanged. `NotFound("broadcast")` for an
/// unknown broadcast or another user's.
pub async fn end_broadcast(state: &AppState, owner: &UserId, id: &str) -> Result<StoredBroadcast, AppError> {
    for _ in 0..ATTEMPTS {
        let Some(b) = current(state, owner, id).await? else {
            return Err(AppError::NotFound("broadcast"));
        };
        let now_state = b.broadcast.state();
        if ended(now_state) {
            return Ok(b);
        }
        if on_air(now_state) {
            // completed here or by a racing writer: read again and answer what is stored
            complete(state, owner, id).await?;
            continue;
        }
        let Some(done) = machine::end_unaired(&b.broadcast, state.clock.now()) else {
            continue;
        };
        let next = StoredBroadcast {
            owner: owner.clone(),
            broadcast: done,
            version: b.version.saturating_add(1),
        };
        match state.broadcasts.update(&next, b.version).await {
            Ok(()) => {
                schedule::replan(state, Some(&b.broadcast), &next).await?;
                return Ok(next);
            }
            Err(StoreError::Conflict(_)) => continue,
            Err(StoreError::NotFound) => return Err(AppError::NotFound("broadcast")),
            Err(other) => return Err(other.into()),
        }
    }
    Err(AppError::Conflict(
        "the broadcast kept changing while it was being ended; retry".into(),
    ))
}

/// Ends everything of `channel` that is on air (see the module documentation). Call it after the
/// channel was disabled.
pub async fn end_channel(state: &AppState, owner: &UserId, channel: &ChannelId) -> Result<Ended, AppError> {
    let lives = end_lives(state, owner, channel).await?;
    let broadcasts = complete_on_air(state, owner, Some(channel)).await?;
    Ok(Ended { lives, broadcasts })
}

/// Ends everything of every channel of `owner` that is on air. Call it after the user was disabled.
pub async fn end_user(state: &AppState, owner: &UserId) -> Result<Ended, AppError> {
    let mut page = PageRequest::first(MAX_PAGE);
    let mut lives = 0;
    loop {
        let owned = match state.channels.list(owner, &page).await {
            Ok(owned) => owned,
            // Deleted meanwhile: its channels went with it, and its broadcasts are listed below.
            Err(StoreError::NotFound) => break,
            Err(other) => return Err(other.into()),
        };
        for channel in &owned.page.items {
            lives += end_lives(state, owner, &channel.id).await?;
        }
        match owned.page.next {
            Some(token) => page.token = Some(token),
            None => break,
        }
    }
    let broadcasts = complete_on_air(state, owner, None).await?;
    Ok(Ended { lives, broadcasts })
}

/// Ends every started live of the channel whose broadcast has not ended; how many it ended.
async fn end_lives(state: &AppState, owner: &UserId, channel: &ChannelId) -> Result<usize, AppError> {
    let mut count = 0;
    for live in state.lives.list(owner, channel).await? {
        if !live.started {
            // Not on air as far as PRISM is concerned; a YouTube client may still have taken its
            // broadcast live, which the broadcast pass completes.
            continue;
        }
        let current = match state.broadcasts.get(owner, &live.broadcast_id).await {
            Ok(current) => current,
            Err(StoreError::NotFound) => continue,
            Err(other) => return Err(other.into()),
        };
        if ended(current.broadcast.state()) {
            continue;
        }
        match lives::stop(state, owner, &live.live_id).await {
            Ok(_) => count += 1,
            Err(AppError::NotFound(_)) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(count)
}

/// Completes every on-air broadcast of `owner` (of one channel when set); how many it completed.
async fn complete_on_air(
    state: &AppState,
    owner: &UserId,
    channel: Option<&ChannelId>,
) -> Result<usize, AppError> {
    let mut page = PageRequest::first(MAX_PAGE);
    let mut candidates = Vec::new();
    loop {
        let listed = state.broadcasts.list(owner, channel, &page).await?;
        candidates.extend(
            listed
                .items
                .iter()
                .filter(|b| !ended(b.broadcast.state()))
                .map(|b| b.broadcast.id.clone()),
        );
        match listed.next {
            Some(token) => page.token = Some(token),
            None => break,
        }
    }
    let mut count = 0;
    for ids in candidates.chunks(MAX_BATCH) {
        // The list may lag behind the table: judge each candidate on a consistent read.
        for current in state.broadcasts.get_many(owner, ids).await? {
            if on_air(current.broadcast.state()) && complete(state, owner, &current.broadcast.id).await? {
                count += 1;
            }
        }
    }
    Ok(count)
}

/// Completes one broadcast if it is on air; `true` if this call completed it.
async fn complete(state: &AppState, owner: &UserId, id: &str) -> Result<bool, AppError> {
    for _ in 0..ATTEMPTS {
        match transition::transition(state, owner, Some(id), Some("complete"), Some("id")).await {
            Ok(_) => return Ok(true),
            // Refused: it ended (or went away) meanwhile, or kept losing races; read and decide.
            Err(AppError::Lifecycle(_)) => match current(state, owner, id).await? {
                Some(b) if on_air(b.broadcast.state()) => continue,
                _ => return Ok(false),
            },
            Err(other) => return Err(other),
        }
    }
    Err(AppError::Conflict(
        "a broadcast kept changing while it was being ended; retry".into(),
    ))
}

/// The broadcast as stored now, `None` if it is gone.
async fn current(state: &AppState, owner: &UserId, id: &str) -> Result<Option<StoredBroadcast>, AppError> {
    match state.broadcasts.get(owner, id).await {
        Ok(b) => Ok(Some(b)),
        Err(StoreError::NotFound) => Ok(None),
        Err(other) => Err(other.into()),
    }
}
