//! `liveStreams.insert`, `list`, `update` and `delete` (spec §7).
//!
//! A new stream gets a fresh 256-bit key from the generator ([`StreamKey::generate`]) and the
//! configured RTMP ingestion address. The key is part of the stream resource shown to its owner
//! (`cdn.ingestionInfo.streamName`, as on YouTube) and nowhere else: no log line, audit entry or error
//! message carries it. Only `snippet` changes after insert.

use super::access::{
    ListQuery, WRITE_ATTEMPTS, bad_filters, filtered_page, id_list, insert_channel, list_response,
    max_results, or_not_found, require_id, stream_not_found,
};
use crate::{AppError, AppState};
use onair_domain::UserId;
use onair_domain::lifecycle::StreamKey;
use onair_domain::lifecycle::body::{StreamBody, parse_body};
use onair_domain::lifecycle::error::Reason;
use onair_domain::lifecycle::machine;
use onair_domain::lifecycle::part::{Method, Parts};
use onair_domain::lifecycle::render;
use onair_domain::lifecycle::resource::{self, NewStream};
use onair_store::lifecycle_ports::MAX_BATCH;
use onair_store::{StoreError, StoredStream};
use serde_json::Value;

/// `kind` of a stream list.
pub const LIST_KIND: &str = "youtube#liveStreamListResponse";

/// `liveStreams.insert`: a new `ready` stream with a fresh key.
///
/// `id` is the id an `Idempotency-Key` derives (`None`: a fresh one): a retry whose first attempt was
/// stored but lost its answer finds that stream and answers with it instead of creating another.
pub async fn insert(
    state: &AppState,
    user: &UserId,
    part: Option<&str>,
    body: &Value,
    id: Option<String>,
) -> Result<Value, AppError> {
    insert_for(state, user, part, body, id, None).await
}

/// [`insert`] of a stream that belongs to the PRISM live `live` (when set): the record carries the
/// live, so the store keeps the live's copy.
pub(crate) async fn insert_for(
    state: &AppState,
    user: &UserId,
    part: Option<&str>,
    body: &Value,
    id: Option<String>,
    live: Option<&str>,
) -> Result<Value, AppError> {
    let parts = Parts::parse(Method::StreamInsert, part)?;
    let parsed: StreamBody = parse_body(body, &parts)?;
    let requested = parsed.snippet.as_ref().and_then(|s| s.channel_id.as_deref());
    let channel_id = insert_channel(state, user, requested).await?;
    let derived = id.is_some();
    let new = NewStream {
        id: id.unwrap_or_else(|| state.generator.id()),
        channel_id,
        key: StreamKey::generate(state.generator.as_ref()),
        ingestion_address: state.settings.lifecycle.ingest_rtmp_url.clone(),
    };
    let stream = resource::new_stream(new, &parsed, &parts, state.clock.now())?;
    let stored = StoredStream {
        owner: user.clone(),
        stream,
        version: 1,
        bound_broadcasts: Vec::new(),
        live: live.map(str::to_owned),
    };
    match state.streams.create(&stored).await {
        Ok(()) => Ok(render::stream(&stored.stream, &parts)),
        // The same keyed request stored it before and lost its answer: that stream is the answer.
        Err(StoreError::Conflict(_)) if derived => {
            let first = state.streams.get(user, &stored.stream.id).await?;
            Ok(render::stream(&first.stream, &parts))
        }
        // Ids and keys come from the generator: a collision is a fault (the message names no key).
        Err(StoreError::Conflict(why)) => Err(AppError::Internal(format!("stream collision: {why}"))),
        Err(other) => Err(other.into()),
    }
}

/// `liveStreams.list`: by `id` (one batch read) or the caller's (`mine=true`), newest first, paged.
/// As on YouTube, a stream that is not reusable is listed by `id` only, never by `mine`.
pub async fn list(state: &AppState, user: &UserId, q: &ListQuery) -> Result<Value, AppError> {
    let parts = Parts::parse(Method::StreamList, q.part.as_deref())?;
    let max = max_results(q.max_results.as_deref())?;
    let mine = match q.mine.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(bad_filters(Reason::InvalidFilters, "mine must be true or false")),
    };
    let (records, next) = match (q.id.as_deref(), mine) {
        (Some(_), true) => {
            return Err(bad_filters(
                Reason::IncompatibleParameters,
                "id cannot be combined with mine",
            ));
        }
        (Some(ids), false) => (state.streams.get_many(user, &id_list(ids)?).await?, None),
        (None, true) => {
            let store = &state.streams;
            filtered_page(
                max,
                q.page_token.clone(),
                |page| async move { store.list(user, None, &page).await },
                |s: &StoredStream| s.stream.content_details.is_reusable,
            )
            .await?
        }
        (None, false) => {
            return Err(bad_filters(
                Reason::InvalidFilters,
                "exactly one of id and mine must be given",
            ));
        }
    };
    let items = records
        .iter()
        .map(|s| render::stream(&s.stream, &parts))
        .collect();
    Ok(list_response(LIST_KIND, items, next, max))
}

/// `liveStreams.update`: only `snippet` changes; a different `cdn` value or `isReusable` is
/// `liveStreamModificationNotAllowed`.
pub async fn update(
    state: &AppState,
    user: &UserId,
    part: Option<&str>,
    body: &Value,
) -> Result<Value, AppError> {
    let parts = Parts::parse(Method::StreamUpdate, part)?;
    let parsed: StreamBody = parse_body(body, &parts)?;
    let id = require_id(parsed.id.as_deref(), false)?;
    for _ in 0..WRITE_ATTEMPTS {
        let current = state
            .streams
            .get(user, &id)
            .await
            .map_err(|e| or_not_found(e, stream_not_found))?;
        let next = resource::update_stream(&current.stream, &parsed, &parts)?;
        let stored = StoredStream {
            stream: next,
            version: current.version.saturating_add(1),
            ..current.clone()
        };
        match state.streams.update(&stored, current.version).await {
            Ok(()) => return Ok(render::stream(&stored.stream, &parts)),
            Err(StoreError::Conflict(_)) => continue,
            Err(err) => return Err(or_not_found(err, stream_not_found)),
        }
    }
    Err(AppError::Conflict(
        "the stream kept changing during the update; retry".into(),
    ))
}

/// `liveStreams.delete`: refused while the stream is bound to a broadcast that is not over. The
/// delete is conditioned on the stream's version, and every bind bumps it, so a bind racing the delete
/// either lands first (and the delete, re-deciding, is refused) or finds the stream gone.
pub async fn delete(state: &AppState, user: &UserId, id: Option<&str>) -> Result<(), AppError> {
    let id = require_id(id, false)?;
    for _ in 0..WRITE_ATTEMPTS {
        let current = state
            .streams
            .get(user, &id)
            .await
            .map_err(|e| or_not_found(e, stream_not_found))?;
        let mut states = Vec::new();
        for ids in current.bound_broadcasts.chunks(MAX_BATCH) {
            let bound = state.broadcasts.get_many(user, ids).await?;
            states.extend(bound.iter().map(|b| b.broadcast.state()));
        }
        machine::check_delete_stream(&states)?;
        match state.streams.delete(&current).await {
            Ok(()) => return Ok(()),
            Err(StoreError::Conflict(_)) => continue,
            Err(err) => return Err(or_not_found(err, stream_not_found)),
        }
    }
    Err(AppError::Conflict(
        "the stream kept changing during the delete; retry".into(),
    ))
}
