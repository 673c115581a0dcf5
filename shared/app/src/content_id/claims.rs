//! `claims.insert` and `claims.get` (spec §12): an owner's asset matched to a video under a policy.
//!
//! A claim names the caller's own broadcast (the video id is the broadcast id) on a channel linked
//! to the acting owner for the caller: videos are addressed through their owning user, and the
//! entitling link is the caller's, so another user's broadcast — even on a linked channel — is
//! `404 notFound` like an unknown one.
//!
//! One active claim per video, across owners: the claim record is written in the owner's partition
//! together with the video's shared claim key (`VIDEOCLAIM#{videoId}`) on its absence, in one
//! transaction guarded by the entitling link; the loser of a race gets `409 alreadyClaimed` and
//! writes nothing. Round trips of `claims.insert`: the owner with the asset and policy (one
//! `BatchGetItem`), the video (one read), the transaction — three.

use super::partner::{Acting, etag, id_param, parse, time_string};
use super::records::{decode, encode};
use super::{entitled_with, linked_video, not_found, owned_record, write_error};
use crate::AppError;
use crate::state::AppState;
use onair_domain::content_id::validate;
use onair_domain::content_id::{Claim, ClaimBody, asset_sk, claim_sk, policy_sk, video_claim_key};
use onair_store::{Exclusive, Expect, RecordWrite};
use serde_json::{Value, json};

/// The claim as the API answers it.
fn render(claim: &Claim, version: u64) -> Value {
    json!({
        "kind": "youtubePartner#claim",
        "etag": etag("claim", &claim.id, version),
        "id": claim.id,
        "assetId": claim.asset_id,
        "videoId": claim.video_id,
        "status": claim.status,
        "contentType": claim.content_type,
        "policy": claim.policy,
        "isPartnerUploaded": true,
        "timeCreated": time_string(claim.time_created),
    })
}

/// `claims.insert`.
pub async fn insert_claim(state: &AppState, acting: Acting<'_>, body: &Value) -> Result<Value, AppError> {
    // Parsed first so the asset and policy are read with the owner, judged after the entitlement.
    let parsed: Result<ClaimBody, AppError> = parse(body);
    let mut sks = Vec::new();
    if let Ok(b) = &parsed {
        let asset_id = b.asset_id.as_deref();
        if let Some(id) = asset_id.filter(|id| id_param("assetId", id).is_ok()) {
            sks.push(asset_sk(id));
        }
        let policy_id = b.policy.as_ref().and_then(|p| p.id.as_deref());
        if let Some(id) = policy_id.filter(|id| id_param("policy.id", id).is_ok()) {
            sks.push(policy_sk(id));
        }
    }
    let ent = entitled_with(state, acting.user, acting.scope, acting.owner, &sks).await?;
    let body = parsed?;
    validate::claim(&body)?;
    let (Some(asset_id), Some(video_id), Some(policy), Some(content_type)) =
        (body.asset_id, body.video_id, body.policy, body.content_type)
    else {
        return Err(validate::required("claim").into());
    };
    if ent.view.record(&asset_sk(&asset_id)).is_none() {
        return Err(not_found("asset"));
    }
    if policy
        .id
        .as_ref()
        .is_some_and(|id| ent.view.record(&policy_sk(id)).is_none())
    {
        return Err(not_found("policy"));
    }
    id_param("videoId", &video_id).map_err(|_| not_found("video"))?;
    linked_video(state, &ent, acting.user, &video_id).await?;
    let claim = Claim {
        id: state.generator.id(),
        asset_id,
        video_id,
        content_type,
        policy,
        status: "active".into(),
        time_created: state.clock.now(),
    };
    let record = encode(claim_sk(&claim.id), &claim, 1)?;
    let exclusive = Exclusive {
        key: video_claim_key(&claim.video_id),
        owner_id: ent.owner().id.clone(),
        record_sk: record.sk.clone(),
    };
    state
        .content_ids
        .write_exclusive(
            &ent.owner().id,
            &ent.guard,
            &[RecordWrite {
                record,
                expect: Expect::Absent,
            }],
            &exclusive,
        )
        .await
        .map_err(write_error)?;
    Ok(render(&claim, 1))
}

/// `claims.get`: a claim of the acting owner (another owner's id is `404 notFound`). One read.
pub async fn get_claim(state: &AppState, acting: Acting<'_>, claim_id: &str) -> Result<Value, AppError> {
    let id = ("claimId", claim_id, claim_sk as fn(&str) -> String);
    let (_, record) = owned_record(state, &acting, id, "claim", &[]).await?;
    let claim: Claim = decode(&record)?;
    Ok(render(&claim, record.version))
}
