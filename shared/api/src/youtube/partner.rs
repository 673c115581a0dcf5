//! The Content ID API (`/youtube/partner/v1/…`, spec §12): assets, ownership, policies, asset match
//! policies, claims, video advertising options and references, on the YouTube surface (Google's error envelope, bearer access tokens).
//!
//! Every method takes `onBehalfOfContentOwner`; the scope and entitlement rules are the use case's
//! ([`onair_app::content_id`]): a scoped token needs `youtubepartner`, and the caller must own a
//! channel linked to the owner. Bodies are JSON of at most 64 KiB (the host answers bigger ones 413).

use super::auth::YouTubeCaller;
use super::params::{Query, json_body};
use super::reply::Resource;
use super::{READ, WRITE};
use crate::error::GoogleError;
use crate::registry::{Function, http};
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, RawQuery, State};
use onair_app::AppState;
use onair_app::content_id::partner::{self, Acting};
use onair_app::content_id::{ad_options, claims, references};

/// The owner parameter every method takes.
const OWNER: &str = "onBehalfOfContentOwner";

fn acting<'a>(caller: &'a YouTubeCaller, q: &'a Query) -> Acting<'a> {
    Acting {
        user: &caller.user,
        scope: caller.scope.as_deref(),
        owner: q.get(OWNER),
    }
}

fn asset_id(path: Result<Path<String>, PathRejection>) -> Result<String, GoogleError> {
    path.map(|Path(id)| id).map_err(|_| GoogleError::NoRoute)
}

/// `POST /youtube/partner/v1/assets` (`assets.insert`).
pub async fn assets_insert(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Resource, GoogleError> {
    let q = Query::parse(raw.as_deref(), &[OWNER])?;
    let body = json_body(&body)?;
    Ok(Resource(
        partner::insert_asset(&state, acting(&caller, &q), &body).await?,
    ))
}

/// `GET /youtube/partner/v1/assets/{assetId}` (`assets.get`).
pub async fn assets_get(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Resource, GoogleError> {
    let id = asset_id(path)?;
    let q = Query::parse(raw.as_deref(), &[OWNER])?;
    Ok(Resource(
        partner::get_asset(&state, acting(&caller, &q), &id).await?,
    ))
}

/// `GET /youtube/partner/v1/assets/{assetId}/ownership` (`ownership.get`).
pub async fn ownership_get(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Resource, GoogleError> {
    let id = asset_id(path)?;
    let q = Query::parse(raw.as_deref(), &[OWNER])?;
    Ok(Resource(
        partner::get_ownership(&state, acting(&caller, &q), &id).await?,
    ))
}

async fn ownership_put(
    state: AppState,
    caller: YouTubeCaller,
    path: Result<Path<String>, PathRejection>,
    raw: Option<String>,
    body: Bytes,
    patch: bool,
) -> Result<Resource, GoogleError> {
    let id = asset_id(path)?;
    let q = Query::parse(raw.as_deref(), &[OWNER])?;
    let body = json_body(&body)?;
    Ok(Resource(
        partner::put_ownership(&state, acting(&caller, &q), &id, &body, patch).await?,
    ))
}

/// `PUT /youtube/partner/v1/assets/{assetId}/ownership` (`ownership.update`).
pub async fn ownership_update(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Resource, GoogleError> {
    ownership_put(state, caller, path, raw, body, false).await
}

/// `PATCH /youtube/partner/v1/assets/{assetId}/ownership` (`ownership.patch`).
pub async fn ownership_patch(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Resource, GoogleError> {
    ownership_put(state, caller, path, raw, body, true).await
}

/// `GET /youtube/partner/v1/assets/{assetId}/matchPolicy` (`assetMatchPolicy.get`).
pub async fn match_policy_get(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Resource, GoogleError> {
    let id = asset_id(path)?;
    let q = Query::parse(raw.as_deref(), &[OWNER])?;
    Ok(Resource(
        partner::get_match_policy(&state, acting(&caller, &q), &id).await?,
    ))
}

async fn match_policy_put(
    state: AppState,
    caller: YouTubeCaller,
    path: Result<Path<String>, PathRejection>,
    raw: Option<String>,
    body: Bytes,
    patch: bool,
) -> Result<Resource, GoogleError> {
    let id = asset_id(path)?;
    let q = Query::parse(raw.as_deref(), &[OWNER])?;
    let body = json_body(&body)?;
    Ok(Resource(
        partner::put_match_policy(&state, acting(&caller, &q), &id, &body, patch).await?,
    ))
}

/// `PUT /youtube/partner/v1/assets/{assetId}/matchPolicy` (`assetMatchPolicy.update`).
pub async fn match_policy_update(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Resource, GoogleError> {
    match_policy_put(state, caller, path, raw, body, false).await
}

/// `PATCH /youtube/partner/v1/assets/{assetId}/matchPolicy` (`assetMatchPolicy.patch`).
pub async fn match_policy_patch(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Resource, GoogleError> {
    match_policy_put(state, caller, path, raw, body, true).await
}

/// `GET /youtube/partner/v1/policies` (`policies.list`).
pub async fn policies_list(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    RawQuery(raw): RawQuery,
) -> Result<Resource, GoogleError> {
    let q = Query::parse(raw.as_deref(), &[OWNER, "id", "sort"])?;
    Ok(Resource(
        partner::list_policies(&state, acting(&caller, &q), q.get("id"), q.get("sort")).await?,
    ))
}

/// `POST /youtube/partner/v1/policies` (`policies.insert`).
pub async fn policies_insert(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Resource, GoogleError> {
    let q = Query::parse(raw.as_deref(), &[OWNER])?;
    let body = json_body(&body)?;
    Ok(Resource(
        partner::insert_policy(&state, acting(&caller, &q), &body).await?,
    ))
}

/// `POST /youtube/partner/v1/claims` (`claims.insert`).
pub async fn claims_insert(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Resource, GoogleError> {
    let q = Query::parse(raw.as_deref(), &[OWNER])?;
    let body = json_body(&body)?;
    Ok(Resource(
        claims::insert_claim(&state, acting(&caller, &q), &body).await?,
    ))
}

/// `GET /youtube/partner/v1/claims/{claimId}` (`claims.get`).
pub async fn claims_get(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Resource, GoogleError> {
    let id = asset_id(path)?;
    let q = Query::parse(raw.as_deref(), &[OWNER])?;
    Ok(Resource(
        claims::get_claim(&state, acting(&caller, &q), &id).await?,
    ))
}

/// `GET /youtube/partner/v1/videoAdvertisingOptions/{videoId}` (`videoAdvertisingOptions.get`).
pub async fn ad_options_get(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Resource, GoogleError> {
    let id = asset_id(path)?;
    let q = Query::parse(raw.as_deref(), &[OWNER])?;
    Ok(Resource(ad_options::get(&state, acting(&caller, &q), &id).await?))
}

async fn ad_options_put(
    state: AppState,
    caller: YouTubeCaller,
    path: Result<Path<String>, PathRejection>,
    raw: Option<String>,
    body: Bytes,
    patch: bool,
) -> Result<Resource, GoogleError> {
    let id = asset_id(path)?;
    let q = Query::parse(raw.as_deref(), &[OWNER])?;
    let body = json_body(&body)?;
    Ok(Resource(
        ad_options::put(&state, acting(&caller, &q), &id, &body, patch).await?,
    ))
}

/// `PUT /youtube/partner/v1/videoAdvertisingOptions/{videoId}` (`videoAdvertisingOptions.update`).
pub async fn ad_options_update(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Resource, GoogleError> {
    ad_options_put(state, caller, path, raw, body, false).await
}

/// `PATCH /youtube/partner/v1/videoAdvertisingOptions/{videoId}` (`videoAdvertisingOptions.patch`).
pub async fn ad_options_patch(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Resource, GoogleError> {
    ad_options_put(state, caller, path, raw, body, true).await
}

/// `POST /youtube/partner/v1/references?claimId=…` (`references.insert`).
pub async fn references_insert(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Resource, GoogleError> {
    let q = Query::parse(raw.as_deref(), &[OWNER, "claimId"])?;
    let body = json_body(&body)?;
    Ok(Resource(
        references::insert_reference(&state, acting(&caller, &q), q.get("claimId"), &body).await?,
    ))
}

/// `GET /youtube/partner/v1/references/{referenceId}` (`references.get`).
pub async fn references_get(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    path: Result<Path<String>, PathRejection>,
    RawQuery(raw): RawQuery,
) -> Result<Resource, GoogleError> {
    let id = asset_id(path)?;
    let q = Query::parse(raw.as_deref(), &[OWNER])?;
    Ok(Resource(
        references::get_reference(&state, acting(&caller, &q), &id).await?,
    ))
}

/// The Content ID functions: reads need the registrations table (read) and the signing key; writes
/// also write the registrations table.
pub static FUNCTIONS: &[Function] = &[
    http!(
        "partner-assets-insert",
        POST,
        "/youtube/partner/v1/assets",
        YouTube,
        assets_insert,
        WRITE
    ),
    http!(
        "partner-assets-get",
        GET,
        "/youtube/partner/v1/assets/{assetId}",
        YouTube,
        assets_get,
        READ
    ),
    http!(
        "partner-ownership-get",
        GET,
        "/youtube/partner/v1/assets/{assetId}/ownership",
        YouTube,
        ownership_get,
        READ
    ),
    http!(
        "partner-ownership-update",
        PUT,
        "/youtube/partner/v1/assets/{assetId}/ownership",
        YouTube,
        ownership_update,
        WRITE
    ),
    http!(
        "partner-ownership-patch",
        PATCH,
        "/youtube/partner/v1/assets/{assetId}/ownership",
        YouTube,
        ownership_patch,
        WRITE
    ),
    http!(
        "partner-match-policy-get",
        GET,
        "/youtube/partner/v1/assets/{assetId}/matchPolicy",
        YouTube,
        match_policy_get,
        READ
    ),
    http!(
        "partner-match-policy-update",
        PUT,
        "/youtube/partner/v1/assets/{assetId}/matchPolicy",
        YouTube,
        match_policy_update,
        WRITE
    ),
    http!(
        "partner-match-policy-patch",
        PATCH,
        "/youtube/partner/v1/assets/{assetId}/matchPolicy",
        YouTube,
        match_policy_patch,
        WRITE
    ),
    http!(
        "partner-policies-list",
        GET,
        "/youtube/partner/v1/policies",
        YouTube,
        policies_list,
        READ
    ),
    http!(
        "partner-policies-insert",
        POST,
        "/youtube/partner/v1/policies",
        YouTube,
        policies_insert,
        WRITE
    ),
    http!(
        "partner-claims-insert",
        POST,
        "/youtube/partner/v1/claims",
        YouTube,
        claims_insert,
        WRITE
    ),
    http!(
        "partner-claims-get",
        GET,
        "/youtube/partner/v1/claims/{claimId}",
        YouTube,
        claims_get,
        READ
    ),
    http!(
        "partner-ad-options-get",
        GET,
        "/youtube/partner/v1/videoAdvertisingOptions/{videoId}",
        YouTube,
        ad_options_get,
        READ
    ),
    http!(
        "partner-ad-options-update",
        PUT,
        "/youtube/partner/v1/videoAdvertisingOptions/{videoId}",
        YouTube,
        ad_options_update,
        WRITE
    ),
    http!(
        "partner-ad-options-patch",
        PATCH,
        "/youtube/partner/v1/videoAdvertisingOptions/{videoId}",
        YouTube,
        ad_options_patch,
        WRITE
    ),
    http!(
        "partner-references-insert",
        POST,
        "/youtube/partner/v1/references",
        YouTube,
        references_insert,
        WRITE
    ),
    http!(
        "partner-references-get",
        GET,
        "/youtube/partner/v1/references/{referenceId}",
        YouTube,
        references_get,
        READ
    ),
];
