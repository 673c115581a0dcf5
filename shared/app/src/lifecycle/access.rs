//! Who may do what with live resources: the caller's channels, ownership answers, and the shared
//! list and lookup helpers of the liveBroadcasts / liveStreams use cases.
//!
//! Decisions (README, "Broadcast lifecycle"):
//! - On insert, `snippet.channelId` picks the channel. A channel id that is unknown *or another user's*
//!   is the same `403 insufficientLivePermissions`, so a caller cannot probe other users' channels.
//!   Without `channelId` the user's oldest enabled channel is used; a user with no enabled channel gets
//!   `403 liveStreamingNotEnabled`.
//! - A disabled user, or a disabled chosen channel, cannot insert (`403 insufficientLivePermissions`)
//!   nor transition to `testing`/`live` (the same reason, checked inside the transition's atomic write,
//!   see [`super::transition`]). Completing stays allowed, so disabling never strands a broadcast on air.
//! - Another user's broadcast or stream is `404 liveBroadcastNotFound` / `404 liveStreamNotFound`,
//!   exactly as an unknown id.

use crate::AppError;
use crate::AppState;
use onair_domain::channel::MAX_CHANNELS_PER_USER;
use onair_domain::lifecycle::error::{LifecycleError, Reason};
use onair_domain::{ChannelId, PageRequest, UserId};
use onair_store::StoreError;

/// `404 liveBroadcastNotFound`.
pub fn broadcast_not_found() -> AppError {
    LifecycleError::broadcast(Reason::LiveBroadcastNotFound, "Broadcast not found").into()
}

/// `404 liveStreamNotFound`.
pub fn stream_not_found() -> AppError {
    LifecycleError::stream(Reason::LiveStreamNotFound, "Stream not found").into()
}

/// A store error where `NotFound` means "no such resource of this caller".
pub fn or_not_found(err: StoreError, not_found: fn() -> AppError) -> AppError {
    match err {
        StoreError::NotFound => not_found(),
        other => other.into(),
    }
}

fn no_permission(why: &str) -> AppError {
    LifecycleError::broadcast(Reason::InsufficientLivePermissions, why).into()
}

/// The channel a new broadcast or stream belongs to: `requested` (`snippet.channelId`) if it is an
/// enabled channel of the enabled caller, else the caller's oldest enabled channel. One store read
/// (the channels come back with their owner).
pub async fn insert_channel(
    state: &AppState,
    user: &UserId,
    requested: Option<&str>,
) -> Result<ChannelId, AppError> {
    match requested.filter(|c| !c.is_empty()) {
        Some(raw) => {
            let id = ChannelId::parse(raw)
                .ok_or_else(|| no_permission("the channel is not one of the caller's channels"))?;
            let owned = match state.channels.get(user, &id).await {
                Ok(owned) => owned,
                Err(StoreError::NotFound) => {
                    return Err(no_permission("the channel is not one of the caller's channels"));
                }
                Err(other) => return Err(other.into()),
            };
            if owned.owner.disabled || !owned.channel.enabled {
                return Err(no_permission("the user or the channel is disabled"));
            }
            Ok(owned.channel.id)
        }
        None => {
            let owned = state
                .channels
                .list(user, &PageRequest::first(MAX_CHANNELS_PER_USER))
                .await
                .map_err(|e| AppError::from(e).of("user"))?;
            if owned.owner.disabled {
                return Err(no_permission("the user is disabled"));
            }
            owned
                .page
                .items
                .into_iter()
                .filter(|c| c.enabled)
                .min_by(|a, b| a.created_at.cmp(&b.created_at).then_with(|| a.id.cmp(&b.id)))
                .map(|c| c.id)
                .ok_or_else(|| {
                    LifecycleError::broadcast(
                        Reason::LiveStreamingNotEnabled,
                        "the caller has no enabled channel",
                    )
                    .into()
                })
        }
    }
}

/// The largest `maxResults` (and the most ids one `id` filter takes).
pub const MAX_RESULTS: usize = onair_store::lifecycle_ports::MAX_BATCH;

/// `maxResults` when absent.
pub const DEFAULT_MAX_RESULTS: usize = 5;

/// `maxResults`: a whole number from 0 to 50, default 5.
pub fn max_results(raw: Option<&str>) -> Result<usize, AppError> {
    match raw {
        None => Ok(DEFAULT_MAX_RESULTS),
        Some(raw) => match raw.trim().parse::<usize>() {
            Ok(n) if n <= MAX_RESULTS => Ok(n),
            _ => Err(AppError::Invalid(onair_domain::Violations::one(
                "maxResults",
                format!("must be a whole number from 0 to {MAX_RESULTS}"),
            ))),
        },
    }
}

/// The `id` filter: a comma-separated list of at most 50 distinct ids (empty entries ignored).
pub fn id_list(raw: &str) -> Result<Vec<String>, AppError> {
    let mut ids: Vec<String> = Vec::new();
    for id in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if !ids.iter().any(|seen| seen == id) {
            ids.push(id.to_owned());
        }
    }
    if ids.len() > MAX_RESULTS {
        return Err(AppError::Invalid(onair_domain::Violations::one(
            "id",
            format!("at most {MAX_RESULTS} ids may be given"),
        )));
    }
    Ok(ids)
}

/// A page of the caller's records that pass `keep`, at most `limit` of them, read from the store page
/// by page (each store page asks only for what is still missing, so no record is skipped between two
/// pages); the token resumes after the last store page read.
pub async fn filtered_page<T, F, Fut>(
    limit: usize,
    token: Option<String>,
    mut fetch: F,
    keep: impl Fn(&T) -> bool,
) -> Result<(Vec<T>, Option<String>), AppError>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = Result<onair_domain::Page<T>, StoreError>>,
{
    let mut items = Vec::new();
    let mut token = token.filter(|t| !t.is_empty());
    if limit == 0 {
        return Ok((items, token));
    }
    loop {
        let page = fetch(PageRequest {
            limit: limit - items.len(),
            token: token.take(),
        })
        .await?;
        items.extend(page.items.into_iter().filter(|item| keep(item)));
        token = page.next;
        if token.is_none() || items.len() >= limit {
            return Ok((items, token));
        }
    }
}

/// A list response: `kind`, `etag` (over the items' etags), `nextPageToken` when there is more,
/// `pageInfo` and `items`. `totalResults` counts the items of this response: counting every match
/// would read the caller's whole list on each call.
pub fn list_response(
    kind: &str,
    items: Vec<serde_json::Value>,
    next: Option<String>,
    per_page: usize,
) -> serde_json::Value {
    let etags: Vec<&str> = items.iter().filter_map(|i| i["etag"].as_str()).collect();
    let etag = onair_domain::oauth::token::token_hash(&format!("{kind}|{}|{next:?}", etags.join(",")));
    let mut body = serde_json::json!({
        "kind": kind,
        "etag": etag,
        "pageInfo": { "totalResults": items.len(), "resultsPerPage": per_page },
    });
    if let Some(next) = next {
        body["nextPageToken"] = serde_json::Value::String(next);
    }
    body["items"] = serde_json::Value::Array(items);
    body
}

/// How many times a use case re-reads and decides again after losing a conditional write to a
/// concurrent one before it gives up (each loss means another writer made progress).
pub const WRITE_ATTEMPTS: usize = 4;

/// The query parameters of the list methods, as sent (the HTTP layer has already refused parameters
/// the method does not take).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListQuery {
    /// `part`.
    pub part: Option<String>,
    /// `id`: comma-separated ids.
    pub id: Option<String>,
    /// `mine`: `true` for the caller's records.
    pub mine: Option<String>,
    /// `broadcastStatus` (broadcasts only).
    pub broadcast_status: Option<String>,
    /// `broadcastType` (broadcasts only): `all`, `event` or `persistent`.
    pub broadcast_type: Option<String>,
    /// `maxResults`: 0–50, default 5.
    pub max_results: Option<String>,
    /// `pageToken` from an earlier response.
    pub page_token: Option<String>,
}

/// A refusal of the list filters.
pub fn bad_filters(reason: Reason, why: &str) -> AppError {
    LifecycleError::parameter(reason, why).into()
}

/// A required `id` parameter or body field (`idRequired`).
pub fn require_id(id: Option<&str>, broadcast: bool) -> Result<String, AppError> {
    match id.map(str::trim).filter(|s| !s.is_empty()) {
        Some(id) => Ok(id.to_owned()),
        None if broadcast => Err(LifecycleError::broadcast(Reason::IdRequired, "id is required").into()),
        None => Err(LifecycleError::stream(Reason::IdRequired, "id is required").into()),
    }
}
