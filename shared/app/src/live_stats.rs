//! Live statistics: an operator (the admin surface) records snapshots of a live's audience; PRISM
//! sees them in `liveStat` (R6/R7) and YouTube clients in `statistics.concurrentViewers` while the
//! broadcast is `live`.
//!
//! One snapshot per live per call, kept for the live's *current* broadcast (a restart starts from
//! zero). A snapshot whose `at` is not newer than the stored one changes nothing and is answered
//! with `applied: false` (a late or replayed report is not an error the reporter can fix). The
//! cumulative counters (`viewCount`, `likeCount`) never decrease: the stored value is the maximum
//! seen; `viewerCount` is concurrent and taken as reported.

use crate::{AppError, AppState};
use onair_domain::UserId;
use onair_domain::lifecycle::broadcast::BroadcastStatistics;
use onair_domain::lifecycle::wire::{LifeCycleStatus, rfc3339};
use onair_store::{LiveStats, StoreError, StoredBroadcast, StoredLive};
use time::OffsetDateTime;

/// What recording a snapshot did.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The live.
    pub live: StoredLive,
    /// Whether the snapshot was newer than the stored one (and so was stored).
    pub applied: bool,
    /// The snapshot stored now.
    pub stats: LiveStats,
}

/// Parses a snapshot's time: RFC 3339 with an offset, not before 1970.
pub fn parse_at(raw: &str) -> Option<OffsetDateTime> {
    rfc3339::parse(raw).filter(|at| at.unix_timestamp() >= 0)
}

/// Records a snapshot for the live's current broadcast; `NotFound("live")` for an unknown live.
pub async fn record(state: &AppState, live_id: &str, stats: &LiveStats) -> Result<Recorded, AppError> {
    let live = match state.lives.find(live_id).await {
        Ok(live) => live,
        Err(StoreError::NotFound) => return Err(AppError::NotFound("live")),
        Err(other) => return Err(other.into()),
    };
    let (applied, stats) = match state.lives.record_stats(&live, stats).await {
        Ok(done) => done,
        Err(StoreError::NotFound) => return Err(AppError::NotFound("live")),
        Err(other) => return Err(other.into()),
    };
    Ok(Recorded { live, applied, stats })
}

/// Fills `statistics.concurrentViewers` of the `live` broadcasts among `records` that belong to a
/// live with a snapshot, in one batch read (none when no listed broadcast is live).
pub async fn fill_concurrent_viewers(
    state: &AppState,
    user: &UserId,
    records: &mut [StoredBroadcast],
) -> Result<(), AppError> {
    let keys: Vec<(String, String)> = records
        .iter()
        .filter(|b| b.broadcast.state() == LifeCycleStatus::Live)
        .filter_map(|b| b.live.clone().map(|live| (live, b.broadcast.id.clone())))
        .collect();
    if keys.is_empty() {
        return Ok(());
    }
    let found = state.lives.stats_many(user, &keys).await?;
    for b in records.iter_mut() {
        if let Some((_, stats)) = found.iter().find(|(id, _)| id == &b.broadcast.id) {
            b.broadcast.statistics = Some(BroadcastStatistics {
                concurrent_viewers: stats.viewer_count,
            });
        }
    }
    Ok(())
}
