//! `liveBroadcasts.insert`, `list`, `update` and `delete` (spec §4.1–§4.4).
//!
//! Every write is conditional on the version read; a writer that loses to a concurrent one re-reads
//! and applies the rules again (at most [`WRITE_ATTEMPTS`] times), so a client never sees a bare
//! conflict for a race it did not cause. After each successful write the broadcast's server-executed
//! schedules are replanned ([`super::schedule`]).

use super::access::{
    ListQuery, WRITE_ATTEMPTS, bad_filters, broadcast_not_found, filtered_page, id_list, insert_channel,
    list_response, max_results, or_not_found, require_id,
};
use super::schedule;
use crate::{AppError, AppState};
use onair_domain::UserId;
use onair_domain::lifecycle::body::{BroadcastBody, parse_body};
use onair_domain::lifecycle::broadcast::monitor_embed_html;
use onair_domain::lifecycle::error::Reason;
use onair_domain::lifecycle::machine;
use onair_domain::lifecycle::part::{Method, Part, Parts};
use onair_domain::lifecycle::render;
use onair_domain::lifecycle::resource::{self, NewBroadcast};
use onair_domain::lifecycle::wire::BroadcastStatusFilter;
use onair_store::{StoreError, StoredBroadcast};
use serde_json::Value;

/// `kind` of a broadcast list.
pub const LIST_KIND: &str = "youtube#liveBroadcastListResponse";

/// `liveBroadcasts.insert`: a new `created` broadcast on the chosen channel.
///
/// `id` is the id an `Idempotency-Key` derives (`None`: a fresh one): a retry whose first attempt was
/// stored but lost its answer finds that broadcast and answers with it instead of creating another.
pub async fn insert(
    state: &AppState,
    user: &UserId,
    part: Option<&str>,
    body: &Value,
    id: Option<String>,
) -> Result<Value, AppError> {
    insert_for(state, user, part, body, id, None).await
}

/// [`insert`] of a broadcast that belongs to the PRISM live `live` (when set): the record carries
/// the live (so the store keeps the live's copy), its `snippet.liveChatId` is the live's id, and the
/// caller opens that chat under the live's id, shared by all the live's broadcasts. Without a live the
/// broadcast opens its own chat, under its own id.
pub(crate) async fn insert_for(
    state: &AppState,
    user: &UserId,
    part: Option<&str>,
    body: &Value,
    id: Option<String>,
    live: Option<&str>,
) -> Result<Value, AppError> {
    let parts = Parts::parse(Method::BroadcastInsert, part)?;
    let parsed: BroadcastBody = parse_body(body, &parts)?;
    let requested = parsed.snippet.as_ref().and_then(|s| s.channel_id.as_deref());
    let channel_id = insert_channel(state, user, requested).await?;
    let derived = id.is_some();
    let id = id.unwrap_or_else(|| state.generator.id());
    let embed_html = monitor_embed_html(&state.settings.lifecycle.player_url_template, &id);
    let new = NewBroadcast {
        id,
        channel_id,
        embed_html,
    };
    let mut broadcast = resource::new_broadcast(new, &parsed, &parts, state.clock.now())?;
    if let Some(live) = live {
        broadcast.snippet.live_chat_id = Some(live.to_owned());
    }
    let stored = StoredBroadcast {
        owner: user.clone(),
        broadcast,
        version: 1,
        live: live.map(str::to_owned),
    };
    let stored = match state.broadcasts.create(&stored).await {
        Ok(()) => stored,
        // The same keyed request stored it before and lost its answer: that broadcast is the answer
        // (replanned again below, in case the first attempt stopped before planning its steps).
        Err(StoreError::Conflict(_)) if derived => state.broadcasts.get(user, &stored.broadcast.id).await?,
        // Ids come from the generator: a collision is a fault, not something the client can fix.
        Err(StoreError::Conflict(why)) => {
            return Err(AppError::Internal(format!("broadcast id collision: {why}")));
        }
        Err(other) => return Err(other.into()),
    };
    schedule::replan(state, None, &stored).await?;
    if live.is_none() {
        let b = &stored.broadcast;
        crate::chat::open(state, &b.id, user, &b.snippet.channel_id, &b.id).await?;
    }
    Ok(render::broadcast(&stored.broadcast, &parts))
}

/// Which broadcasts a list asks for.
enum Filter {
    Ids(Vec<String>),
    Mine(Option<BroadcastStatusFilter>),
    Nothing,
}

fn filter_of(q: &ListQuery) -> Result<Filter, AppError> {
    let status = match q.broadcast_status.as_deref() {
        None => None,
        Some(raw) => Some(BroadcastStatusFilter::parse(raw).ok_or_else(|| {
            bad_filters(
                Reason::InvalidFilters,
                "broadcastStatus must be one of active, all, completed, upcoming",
            )
        })?),
    };
    let mine = match q.mine.as_deref() {
        None => false,
        Some("true") => true,
        Some("false") => false,
        Some(_) => return Err(bad_filters(Reason::InvalidFilters, "mine must be true or false")),
    };
    let persistent = match q.broadcast_type.as_deref() {
        None | Some("all") | Some("event") => false,
        Some("persistent") => true,
        Some(_) => {
            return Err(bad_filters(
                Reason::InvalidFilters,
                "broadcastType must be one of all, event, persistent",
            ));
        }
    };
    match (q.id.as_deref(), mine, status) {
        (Some(_), true, _) | (Some(_), _, Some(_)) => Err(bad_filters(
            Reason::IncompatibleParameters,
            "id cannot be combined with mine or broadcastStatus",
        )),
        (Some(ids), false, None) => Ok(Filter::Ids(id_list(ids)?)),
        // Default broadcasts were retired in 2020: `persistent` lists nothing, as on YouTube.
        (None, _, _) if persistent && (mine || status.is_some()) => Ok(Filter::Nothing),
        (None, true, status) => Ok(Filter::Mine(status)),
        (None, false, Some(status)) => Ok(Filter::Mine(Some(status))),
        (None, false, None) => Err(bad_filters(
            Reason::InvalidFilters,
            "exactly one of id, mine and broadcastStatus must be given",
        )),
    }
}

/// `liveBroadcasts.list`: by `id` (one batch read), or the caller's (`mine`, `broadcastStatus`),
/// newest first, paged.
pub async fn list(state: &AppState, user: &UserId, q: &ListQuery) -> Result<Value, AppError> {
    let parts = Parts::parse(Method::BroadcastList, q.part.as_deref())?;
    let max = max_results(q.max_results.as_deref())?;
    let (records, next) = match filter_of(q)? {
        Filter::Ids(ids) => (state.broadcasts.get_many(user, &ids).await?, None),
        Filter::Nothing => (Vec::new(), None),
        Filter::Mine(status) => {
            let store = &state.broadcasts;
            filtered_page(
                max,
                q.page_token.clone(),
                |page| async move { store.list(user, None, &page).await },
                |b: &StoredBroadcast| status.is_none_or(|s| s.matches(b.broadcast.state())),
            )
            .await?
        }
    };
    let mut records = records;
    if parts.contains(Part::Statistics) {
        crate::live_stats::fill_concurrent_viewers(state, user, &mut records).await?;
    }
    let items = records
        .iter()
        .map(|b| render::broadcast(&b.broadcast, &parts))
        .collect();
    Ok(list_response(LIST_KIND, items, next, max))
}

/// `liveBroadcasts.update`: replace-by-part under the §5.4 matrix.
pub async fn update(
    state: &AppState,
    user: &UserId,
    part: Option<&str>,
    body: &Value,
) -> Result<Value, AppError> {
    let parts = Parts::parse(Method::BroadcastUpdate, part)?;
    let parsed: BroadcastBody = parse_body(body, &parts)?;
    let id = require_id(parsed.id.as_deref(), true)?;
    for _ in 0..WRITE_ATTEMPTS {
        let current = state
            .broadcasts
            .get(user, &id)
            .await
            .map_err(|e| or_not_found(e, broadcast_not_found))?;
        let next = resource::update_broadcast(&current.broadcast, &parsed, &parts, state.clock.now())?;
        let stored = StoredBroadcast {
            owner: user.clone(),
            broadcast: next,
            version: current.version.saturating_add(1),
            live: current.live.clone(),
        };
        match state.broadcasts.update(&stored, current.version).await {
            Ok(()) => {
                schedule::replan(state, Some(&current.broadcast), &stored).await?;
                return Ok(render::broadcast(&stored.broadcast, &parts));
            }
            Err(StoreError::Conflict(_)) => continue,
            Err(err) => return Err(or_not_found(err, broadcast_not_found)),
        }
    }
    Err(AppError::Conflict(
        "the broadcast kept changing during the update; retry".into(),
    ))
}

/// `liveBroadcasts.delete`: allowed in `created`, `ready`, `complete` and `revoked`; frees the bound
/// stream in the same atomic write and cancels the broadcast's pending steps.
pub async fn delete(state: &AppState, user: &UserId, id: Option<&str>) -> Result<(), AppError> {
    let id = require_id(id, true)?;
    for _ in 0..WRITE_ATTEMPTS {
        let current = state
            .broadcasts
            .get(user, &id)
            .await
            .map_err(|e| or_not_found(e, broadcast_not_found))?;
        machine::check_delete_broadcast(&current.broadcast)?;
        let bound = match current.broadcast.bound_stream_id() {
            Some(stream) => match state.streams.get(user, stream).await {
                Ok(stream) => Some(stream),
                Err(StoreError::NotFound) => None,
                Err(err) => return Err(err.into()),
            },
            None => None,
        };
        match state
            .broadcasts
            .delete(
                user,
                &id,
                current.version,
                bound.as_ref(),
                current.live.as_deref(),
            )
            .await
        {
            Ok(()) => {
                schedule::forget(state, &id).await?;
                return Ok(());
            }
            // The broadcast or its stream moved on (or the stream went away): read both again.
            Err(StoreError::Conflict(_) | StoreError::NotFound) => continue,
            Err(err) => return Err(err.into()),
        }
    }
    Err(AppError::Conflict(
        "the broadcast kept changing during the delete; retry".into(),
    ))
}
