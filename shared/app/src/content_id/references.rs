//! `references.insert` (with `claimId`) and `references.get` (spec §12, stage 6 of the guide).
//!
//! A reference is built from one of the acting owner's claims; its asset and video are the claim's.
//! The claim's broadcast must record from the start (`403 recordFromStartRequired`), and either
//! - its recording is **processed** (the media plane reported success): the reference is `active`;
//! - or the owner is approved for **live fingerprinting** and the broadcast has not gone to testing
//!   (`created` or `ready`): the reference is `activating` (the media plane fingerprints the stream
//!   while it runs), and the same transaction LOCKS `recordFromStart` on the broadcast
//!   (`contentDetails.recordFromStartLocked`, never rendered), written on the broadcast version read —
//!   so a concurrent transition or update of the broadcast and the reference have exactly one winner,
//!   and a later update turning `recordFromStart` off is `403 recordFromStartModificationNotAllowed`;
//! - otherwise `403 fingerprintingNotAllowed`.
//!
//! One reference per claim: the reference is written with the claim's marker (`CLAIMREF#{claimId}`)
//! on its absence, so of racing inserts exactly one lands (`409 alreadyExists` for the rest).
//!
//! Round trips of `references.insert`: the owner with the claim and its marker (one `BatchGetItem`),
//! the video (the broadcast and its processing report, one read), one transaction — three. A lost
//! race with a broadcast write re-reads the video and decides again (at most [`ATTEMPTS`] times).
//! `references.get` is one read.

use super::partner::{Acting, etag, id_param, parse, time_string};
use super::records::{decode, encode};
use super::{entitled_with, linked_video, not_found, owned_record, write_error};
use crate::AppError;
use crate::state::AppState;
use onair_domain::content_id::validate;
use onair_domain::content_id::{Claim, Reference, ReferenceBody, claim_reference_sk, claim_sk, reference_sk};
use onair_domain::lifecycle::error::{ErrorDomain, LifecycleError, Reason};
use onair_domain::lifecycle::wire::{LifeCycleStatus, UploadStatus};
use onair_store::{Expect, RecordWrite, WriteError};
use serde_json::{Value, json};

/// How many times an insert that lost a race with a broadcast write reads and decides again.
pub const ATTEMPTS: usize = 3;

/// The reference as the API answers it.
fn render(reference: &Reference, version: u64) -> Value {
    let mut out = json!({
        "kind": "youtubePartner#reference",
        "etag": etag("reference", &reference.id, version),
        "id": reference.id,
        "assetId": reference.asset_id,
        "claimId": reference.claim_id,
        "videoId": reference.video_id,
        "contentType": reference.content_type,
        "status": reference.status,
        "fpDirect": reference.fp_direct,
        "ignoreFpMatch": reference.ignore_fp_match,
        "urlReference": false,
        "audioswapEnabled": false,
        "timeCreated": time_string(reference.time_created),
    });
    if !reference.excluded_intervals.is_empty() {
        out["excludedIntervals"] = json!(reference.excluded_intervals);
    }
    out
}

fn refuse(reason: Reason, message: &str) -> AppError {
    LifecycleError::new(ErrorDomain::Global, reason, message).into()
}

fn already_exists() -> AppError {
    refuse(
        Reason::AlreadyExists,
        "The claim already has a reference: one reference per claim.",
    )
}

/// `references.insert` from the claim `claim_id`.
pub async fn insert_reference(
    state: &AppState,
    acting: Acting<'_>,
    claim_id: Option<&str>,
    body: &Value,
) -> Result<Value, AppError> {
    let claim_id = claim_id.map(str::trim).unwrap_or_default();
    let valid = id_param("claimId", claim_id).is_ok();
    let sks = if valid {
        vec![claim_sk(claim_id), claim_reference_sk(claim_id)]
    } else {
        vec![]
    };
    // The entitlement is decided before anything else, so an unentitled caller learns nothing.
    let ent = entitled_with(state, acting.user, acting.scope, acting.owner, &sks).await?;
    if claim_id.is_empty() {
        return Err(validate::required("claimId").into());
    }
    let body: ReferenceBody = parse(body)?;
    validate::reference(&body)?;
    if !valid {
        return Err(not_found("claim"));
    }
    let record = ent
        .view
        .record(&claim_sk(claim_id))
        .ok_or_else(|| not_found("claim"))?;
    let claim: Claim = decode(record)?;
    if ent.view.record(&claim_reference_sk(claim_id)).is_some() {
        return Err(already_exists());
    }
    for _ in 0..ATTEMPTS {
        // As for claims: the caller's broadcast, on a channel still linked to the owner.
        let video = linked_video(state, &ent, acting.user, &claim.video_id).await?;
        let broadcast = &video.broadcast;
        if !broadcast.broadcast.content_details.record_from_start {
            return Err(refuse(
                Reason::RecordFromStartRequired,
                "A reference needs the whole recording: the claimed broadcast must have \
contentDetails.recordFromStart=true.",
            ));
        }
        let processed = video.upload_status() == UploadStatus::Processed;
        let before_testing = matches!(
            broadcast.broadcast.state(),
            LifeCycleStatus::Created | LifeCycleStatus::Ready
        );
        let live = !processed && ent.owner().live_fingerprinting && before_testing;
        if !processed && !live {
            return Err(refuse(
                Reason::FingerprintingNotAllowed,
                "A reference needs the processed recording, or an owner approved for live \
fingerprinting and a broadcast that has not yet gone to testing.",
            ));
        }
        let reference = Reference {
            id: state.generator.id(),
            claim_id: claim.id.clone(),
            asset_id: claim.asset_id.clone(),
            video_id: claim.video_id.clone(),
            content_type: body
                .content_type
                .clone()
                .unwrap_or_else(|| claim.content_type.clone()),
            status: if live { "activating" } else { "active" }.into(),
            excluded_intervals: body.excluded_intervals.clone().unwrap_or_default(),
            fp_direct: body.fp_direct.unwrap_or(false),
            ignore_fp_match: body.ignore_fp_match.unwrap_or(false),
            live,
            time_created: state.clock.now(),
        };
        let writes = [
            RecordWrite {
                record: encode(reference_sk(&reference.id), &reference, 1)?,
                expect: Expect::Absent,
            },
            RecordWrite {
                record: encode(
                    claim_reference_sk(claim_id),
                    &json!({ "referenceId": reference.id }),
                    1,
                )?,
                expect: Expect::Absent,
            },
        ];
        let owner_id = &ent.owner().id;
        let written = if live {
            let mut locked = broadcast.clone();
            locked.broadcast.content_details.record_from_start_locked = true;
            locked.version = broadcast.version.saturating_add(1);
            state
                .content_ids
                .write_with_broadcast(owner_id, &ent.guard, &writes, &locked, broadcast.version)
                .await
        } else {
            state.content_ids.write(owner_id, &ent.guard, &writes).await
        };
        return match written {
            Ok(()) => Ok(render(&reference, 1)),
            // The reference's id is fresh: only the claim's marker can exist.
            Err(WriteError::Conflict(_)) => Err(already_exists()),
            // The broadcast moved between the read and the write: read it again and decide again.
            Err(WriteError::BroadcastMoved) => continue,
            Err(err) => Err(write_error(err)),
        };
    }
    Err(write_error(WriteError::Conflict(
        "the broadcast kept changing".into(),
    )))
}

/// `references.get`: a reference of the acting owner (another owner's id is `404 notFound`). One read.
pub async fn get_reference(
    state: &AppState,
    acting: Acting<'_>,
    reference_id: &str,
) -> Result<Value, AppError> {
    let id = ("referenceId", reference_id, reference_sk as fn(&str) -> String);
    let (_, record) = owned_record(state, &acting, id, "reference", &[]).await?;
    let reference: Reference = decode(&record)?;
    Ok(render(&reference, record.version))
}
