//! The Content ID API methods of spec §12 (assets, ownership, policies, match policies) as use cases.
//!
//! Every call first decides the entitlement on the owner record read together with the records it
//! needs — ONE request for gets and lists — and every write is one conditional write: the record on
//! its version (or absent), guarded by the entitling channel link. Resources carry `kind`, `etag`
//! (derived from the record's version) and `id`. Another owner's asset or policy id is `404 notFound`:
//! it is simply not in the acting owner's partition.

use super::records::{decode, encode};
use super::{Entitlement, entitled_with, not_found, owned_record, write_error};
use crate::AppError;
use crate::state::AppState;
use onair_domain::UserId;
use onair_domain::content_id::validate::{self, invalid};
use onair_domain::content_id::{
    Asset, AssetBody, AssetMatchPolicy, POLICY_PREFIX, Policy, PolicyBody, PolicySort, RightsOwnership,
    asset_sk, policy_sk,
};
use onair_domain::lifecycle::LifecycleError;
use onair_domain::lifecycle::error::{ErrorDomain, Reason};
use onair_domain::oauth::token::token_hash;
use onair_store::{Expect, RecordWrite, StoredRecord};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

/// Most ids `policies.list` takes in `id`.
pub const MAX_LIST_IDS: usize = 50;

/// Who calls, for whom: the verified user, the token's scope and `onBehalfOfContentOwner`.
#[derive(Debug, Clone, Copy)]
pub struct Acting<'a> {
    /// The token's user.
    pub user: &'a UserId,
    /// The token's scope (`None` for a token without one).
    pub scope: Option<&'a str>,
    /// The `onBehalfOfContentOwner` parameter.
    pub owner: Option<&'a str>,
}

pub(super) fn etag(kind: &str, id: &str, version: u64) -> String {
    token_hash(&format!("{kind}/{id}/{version}"))
}

pub(super) fn parse<T: DeserializeOwned>(body: &Value) -> Result<T, AppError> {
    if !body.is_object() {
        return Err(parse_error("the body must be a JSON object"));
    }
    serde_json::from_value(body.clone()).map_err(|e| parse_error(&e.to_string()))
}

fn parse_error(why: &str) -> AppError {
    LifecycleError::new(
        ErrorDomain::Global,
        Reason::ParseError,
        format!("This API does not support parsing this body: {why}"),
    )
    .into()
}

pub(super) fn id_param(name: &str, value: &str) -> Result<(), AppError> {
    // Ids are generated (alphanumerics, `-`, `_`); anything else cannot name a record.
    let ok = !value.is_empty()
        && value.len() <= 128
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(invalid(name, "is not a valid id").into())
    }
}

async fn with_asset(
    state: &AppState,
    acting: Acting<'_>,
    asset_id: &str,
    extra: &[String],
) -> Result<(Entitlement, StoredRecord, Asset), AppError> {
    let id = ("assetId", asset_id, asset_sk as fn(&str) -> String);
    let (ent, record) = owned_record(state, &acting, id, "asset", extra).await?;
    let asset: Asset = decode(&record)?;
    Ok((ent, record, asset))
}

fn render_asset(asset: &Asset, version: u64) -> Value {
    json!({
        "kind": "youtubePartner#asset",
        "etag": etag("asset", &asset.id, version),
        "id": asset.id,
        "type": asset.kind,
        "metadata": asset.metadata,
        "timeCreated": time_string(asset.time_created),
    })
}

fn render_ownership(asset: &Asset, version: u64) -> Value {
    json!({
        "kind": "youtubePartner#rightsOwnership",
        "etag": etag("ownership", &asset.id, version),
        "id": asset.id,
        "general": asset.ownership.general,
    })
}

fn render_match_policy(asset: &Asset, version: u64) -> Value {
    let mut out = json!({
        "kind": "youtubePartner#assetMatchPolicy",
        "etag": etag("matchPolicy", &asset.id, version),
        "id": asset.id,
    });
    if let (Some(map), Value::Object(fields)) = (out.as_object_mut(), json!(asset.match_policy)) {
        map.extend(fields);
    }
    out
}

fn render_policy(policy: &Policy, version: u64) -> Value {
    let mut out = json!({
        "kind": "youtubePartner#policy",
        "etag": etag("policy", &policy.id, version),
        "id": policy.id,
        "name": policy.name,
        "rules": policy.rules,
        "timeUpdated": time_string(policy.time_updated),
    });
    if let (Some(map), Some(d)) = (out.as_object_mut(), &policy.description) {
        map.insert("description".into(), Value::String(d.clone()));
    }
    out
}

pub(super) fn time_string(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

async fn write_one(
    state: &AppState,
    ent: &Entitlement,
    record: StoredRecord,
    expect: Expect,
) -> Result<(), AppError> {
    state
        .content_ids
        .write(&ent.owner().id, &ent.guard, &[RecordWrite { record, expect }])
        .await
        .map_err(write_error)
}

/// `assets.insert`.
pub async fn insert_asset(state: &AppState, acting: Acting<'_>, body: &Value) -> Result<Value, AppError> {
    let ent = entitled_with(state, acting.user, acting.scope, acting.owner, &[]).await?;
    let body: AssetBody = parse(body)?;
    validate::asset(&body)?;
    let metadata = body.metadata.unwrap_or_default();
    let asset = Asset {
        id: state.generator.id(),
        kind: body.kind.unwrap_or_default(),
        metadata: onair_domain::content_id::AssetMetadata {
            title: metadata.title.map(|t| t.trim().to_owned()),
            ..metadata
        },
        ownership: RightsOwnership::default(),
        match_policy: AssetMatchPolicy::default(),
        time_created: state.clock.now(),
    };
    write_one(
        state,
        &ent,
        encode(asset_sk(&asset.id), &asset, 1)?,
        Expect::Absent,
    )
    .await?;
    Ok(render_asset(&asset, 1))
}

/// `assets.get`.
pub async fn get_asset(state: &AppState, acting: Acting<'_>, asset_id: &str) -> Result<Value, AppError> {
    let (_, record, asset) = with_asset(state, acting, asset_id, &[]).await?;
    Ok(render_asset(&asset, record.version))
}

/// `ownership.get`.
pub async fn get_ownership(state: &AppState, acting: Acting<'_>, asset_id: &str) -> Result<Value, AppError> {
    let (_, record, asset) = with_asset(state, acting, asset_id, &[]).await?;
    Ok(render_ownership(&asset, record.version))
}

/// `ownership.update` (`patch = false`: the body replaces the ownership) and `ownership.patch`
/// (`patch = true`: only the lists present in the body replace the stored ones).
pub async fn put_ownership(
    state: &AppState,
    acting: Acting<'_>,
    asset_id: &str,
    body: &Value,
    patch: bool,
) -> Result<Value, AppError> {
    let (ent, record, mut asset) = with_asset(state, acting, asset_id, &[]).await?;
    let incoming: RightsOwnership = parse(body)?;
    validate::ownership(&incoming)?;
    if !patch || body.get("general").is_some() {
        asset.ownership.general = incoming.general;
    }
    let version = record.version + 1;
    write_one(
        state,
        &ent,
        encode(record.sk, &asset, version)?,
        Expect::Version(record.version),
    )
    .await?;
    Ok(render_ownership(&asset, version))
}

/// `assetMatchPolicy.get`.
pub async fn get_match_policy(
    state: &AppState,
    acting: Acting<'_>,
    asset_id: &str,
) -> Result<Value, AppError> {
    let (_, record, asset) = with_asset(state, acting, asset_id, &[]).await?;
    Ok(render_match_policy(&asset, record.version))
}

/// `assetMatchPolicy.update` / `.patch`. The result is exactly one of `policyId` (a policy of the same
/// owner, read in the same request as the asset) and `rules`. A patch that sets one of them drops
/// the other: they are alternatives.
pub async fn put_match_policy(
    state: &AppState,
    acting: Acting<'_>,
    asset_id: &str,
    body: &Value,
    patch: bool,
) -> Result<Value, AppError> {
    // The body is parsed first (its policy id is read with the asset) but judged only after the
    // entitlement, so an unentitled caller learns nothing from a bad body either.
    let parsed: Result<AssetMatchPolicy, AppError> = parse(body);
    let extra: Vec<String> = match parsed.as_ref().ok().and_then(|p| p.policy_id.as_deref()) {
        Some(id) if id_param("policyId", id).is_ok() => vec![policy_sk(id)],
        _ => vec![],
    };
    let (ent, record, mut asset) = with_asset(state, acting, asset_id, &extra).await?;
    let incoming = parsed?;
    let next = if patch {
        let mut merged = asset.match_policy.clone();
        if body.get("policyId").is_some() {
            merged.policy_id = incoming.policy_id;
            merged.rules.clear();
        }
        if body.get("rules").is_some() {
            merged.rules = incoming.rules;
            if body.get("policyId").is_none() {
                merged.policy_id = None;
            }
        }
        merged
    } else {
        incoming
    };
    validate::match_policy(&next)?;
    if let Some(id) = &next.policy_id {
        let known = extra.first().is_some_and(|sk| ent.view.record(sk).is_some())
            || (patch
                && body.get("policyId").is_none()
                && asset.match_policy.policy_id.as_deref() == Some(id));
        if !known {
            return Err(not_found("policy"));
        }
    }
    asset.match_policy = next;
    let version = record.version + 1;
    write_one(
        state,
        &ent,
        encode(record.sk, &asset, version)?,
        Expect::Version(record.version),
    )
    .await?;
    Ok(render_match_policy(&asset, version))
}

/// `policies.insert`.
pub async fn insert_policy(state: &AppState, acting: Acting<'_>, body: &Value) -> Result<Value, AppError> {
    let ent = entitled_with(state, acting.user, acting.scope, acting.owner, &[]).await?;
    let body: PolicyBody = parse(body)?;
    validate::policy(&body)?;
    let policy = Policy {
        id: state.generator.id(),
        name: body.name.map(|n| n.trim().to_owned()).unwrap_or_default(),
        description: body.description,
        rules: body.rules,
        time_updated: state.clock.now(),
    };
    write_one(
        state,
        &ent,
        encode(policy_sk(&policy.id), &policy, 1)?,
        Expect::Absent,
    )
    .await?;
    Ok(render_policy(&policy, 1))
}

/// `policies.list`: the owner's policies (only those in `id`, a comma list of at most 50, when given),
/// sorted by `sort` (`timeUpdatedAsc` / `timeUpdatedDesc`; default ascending). One request.
pub async fn list_policies(
    state: &AppState,
    acting: Acting<'_>,
    ids: Option<&str>,
    sort: Option<&str>,
) -> Result<Value, AppError> {
    let sort = match sort {
        None => PolicySort::TimeUpdatedAsc,
        Some(s) => PolicySort::parse(s)
            .ok_or_else(|| invalid("sort", "must be timeUpdatedAsc or timeUpdatedDesc"))?,
    };
    let wanted: Option<Vec<&str>> = match ids {
        None => None,
        Some(list) => {
            let ids: Vec<&str> = list.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
            if ids.is_empty() {
                return Err(invalid("id", "names no policy").into());
            }
            if ids.len() > MAX_LIST_IDS {
                return Err(invalid("id", &format!("names more than {MAX_LIST_IDS} policies")).into());
            }
            Some(ids)
        }
    };
    let owner_id = super::precheck(acting.scope, acting.owner)?;
    let view = state.content_ids.list_with(&owner_id, POLICY_PREFIX).await?;
    let ent = super::decide(view, acting.user)?;
    let mut policies = Vec::new();
    for record in &ent.view.records {
        let policy: Policy = decode(record)?;
        if wanted
            .as_ref()
            .is_none_or(|ids| ids.contains(&policy.id.as_str()))
        {
            policies.push((policy, record.version));
        }
    }
    let mut sorted: Vec<Policy> = policies.iter().map(|(p, _)| p.clone()).collect();
    sort.apply(&mut sorted);
    let items: Vec<Value> = sorted
        .iter()
        .map(|p| {
            let version = policies.iter().find(|(q, _)| q.id == p.id).map_or(1, |(_, v)| *v);
            render_policy(p, version)
        })
        .collect();
    let mut out = Map::new();
    out.insert("kind".into(), Value::String("youtubePartner#policyList".into()));
    out.insert("items".into(), Value::Array(items));
    Ok(Value::Object(out))
}
