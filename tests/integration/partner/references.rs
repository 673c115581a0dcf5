//! `references.insert` / `references.get` on the processed path and every refusal: a reference from
//! a claim whose recording is processed is `active` and read back in one round trip; unknown,
//! forbidden and scope-less-of-youtubepartner callers, missing, unknown and other owners' claims,
//! `recordFromStart=false`, an unprocessed (or failed) recording without live approval, a second
//! reference, bad and oversized bodies are refused and change nothing (no reference record, no
//! marker, the broadcast at the same version); 50 parallel inserts on one claim make exactly one.

use super::{Partner, create_owner, link, reason, with_owner};
use crate::support::oauth::{create_channel, create_user};
use crate::support::{self, Backend, Reply, unique};
use crate::youtube::{Yt, token_for};
use futures::future::join_all;
use http::{Method, StatusCode};
use onair_domain::lifecycle::wire::LifeCycleStatus;
use onair_store::StoredBroadcast;
use serde_json::{Value, json};
use std::sync::Arc;

crate::support::on_both_backends!(
    both: [
        a_processed_recording_makes_an_active_reference_that_is_read_back,
        references_need_the_entitlement_and_the_youtubepartner_scope,
        missing_unknown_and_other_owners_claims_are_refused_and_change_nothing,
        a_broadcast_without_record_from_start_is_403_record_from_start_required,
        an_unprocessed_or_failed_recording_without_live_approval_is_fingerprinting_not_allowed,
        a_second_reference_from_a_claim_is_409_already_exists,
        reference_bodies_are_validated_and_oversized_ones_refused,
        fifty_parallel_references_on_one_claim_make_exactly_one,
    ],
    dynamodb_only: [reference_calls_stay_within_their_round_trip_budget],
);

pub const REFERENCES: &str = "/youtube/partner/v1/references";

/// `references.insert` path for `claim`.
pub fn insert_path(claim: &str) -> String {
    format!("{REFERENCES}?claimId={claim}")
}

/// A claim of a new asset of `p`'s owner on `video`; returns the claim id.
pub async fn claim(p: &Partner, video: &str) -> String {
    let asset = p.asset("Live").await;
    let r = p
        .call(
            Method::POST,
            "/youtube/partner/v1/claims",
            Some(json!({
                "assetId": asset,
                "videoId": video,
                "policy": { "rules": [{ "action": "monetize" }] },
                "contentType": "audiovisual",
            })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["id"].as_str().unwrap().to_owned()
}

/// A partner whose owner is (or is not) approved for live fingerprinting.
pub async fn partner(backend: Backend, live: bool) -> Partner {
    let yt = Yt::new(backend).await;
    let owner = create_owner(&yt, "Rights Co", live).await;
    let r = link(&yt, &owner, &yt.channel, &yt.user).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    Partner { yt, owner }
}

/// The broadcast as stored now.
pub async fn stored(p: &Partner, video: &str) -> StoredBroadcast {
    p.yt.app.state.broadcasts.get(&p.yt.owner(), video).await.unwrap()
}

/// How many reference records and claim markers the owner has.
pub async fn stored_references(p: &Partner) -> (usize, usize) {
    let count = |prefix: &'static str| async move {
        p.yt.app
            .state
            .content_ids
            .list_with(&p.owner, prefix)
            .await
            .unwrap()
            .unwrap()
            .records
            .len()
    };
    (count("REFERENCE#").await, count("CLAIMREF#").await)
}

/// Sets `recordFromStart` through the store (the refusal under test is the reference's, not the
/// update's).
pub async fn set_record_from_start(p: &Partner, video: &str, on: bool) {
    let current = stored(p, video).await;
    let mut next = current.clone();
    next.broadcast.content_details.record_from_start = on;
    next.version += 1;
    p.yt.app
        .state
        .broadcasts
        .update(&next, current.version)
        .await
        .unwrap();
}

/// Reports the media plane's processing of `video` (`processed` or `failed`).
pub async fn report(p: &Partner, video: &str, status: &str) {
    let body = match status {
        "failed" => json!({ "status": "failed", "failureReason": "codec" }),
        _ => json!({ "status": status }),
    };
    let r = support::admin(
        &p.yt.router,
        Method::PUT,
        &format!("/admin/users/{}/videos/{video}/processing", p.yt.user),
        Some(&body.to_string()),
    )
    .await;
    assert!(r.status.is_success(), "report: {}", r.text);
}

/// A complete broadcast whose recording the media plane reported `processed`, with a claim.
pub async fn processed_claim(p: &Partner) -> (String, String) {
    let video = p.yt.insert_broadcast(false).await;
    let claim = claim(p, &video).await;
    p.yt.force_state(&video, LifeCycleStatus::Complete).await;
    report(p, &video, "processed").await;
    (video, claim)
}

pub async fn insert(p: &Partner, claim: &str, body: Value) -> Reply {
    p.call(Method::POST, &insert_path(claim), Some(body)).await
}

async fn a_processed_recording_makes_an_active_reference_that_is_read_back(backend: Backend) {
    let p = partner(backend, false).await;
    let (video, claim) = processed_claim(&p).await;
    let before = stored(&p, &video).await;
    let r = insert(&p, &claim, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["kind"], "youtubePartner#reference");
    assert_eq!(r.body["claimId"], claim.as_str());
    assert_eq!(r.body["videoId"], video.as_str());
    assert_eq!(r.body["contentType"], "audiovisual", "the claim's by default");
    assert_eq!(r.body["status"], "active");
    assert!(r.body["etag"].as_str().is_some_and(|e| !e.is_empty()));
    assert!(r.body["assetId"].as_str().is_some_and(|a| !a.is_empty()));
    let id = r.body["id"].as_str().unwrap().to_owned();
    let got = p.call(Method::GET, &format!("{REFERENCES}/{id}"), None).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.text);
    assert_eq!(got.body, r.body);
    assert_eq!(stored_references(&p).await, (1, 1));
    // The processed path locks nothing: the broadcast is complete.
    assert_eq!(stored(&p, &video).await, before);

    // contentType and excludedIntervals come from the body when given.
    let (_, claim2) = processed_claim(&p).await;
    let r = insert(
        &p,
        &claim2,
        json!({ "contentType": "audio", "excludedIntervals": [{ "low": 0, "high": 12.5 }] }),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["contentType"], "audio");
    assert_eq!(r.body["excludedIntervals"], json!([{ "low": 0.0, "high": 12.5 }]));
    assert_eq!(stored_references(&p).await, (2, 2));
}

async fn references_need_the_entitlement_and_the_youtubepartner_scope(backend: Backend) {
    let p = partner(backend, true).await;
    let (video, claim) = processed_claim(&p).await;
    let before = stored(&p, &video).await;
    let path = insert_path(&claim);
    let r = p.yt.call(Method::POST, &path, Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(reason(&r), "required", "no onBehalfOfContentOwner");
    let r =
        p.yt.call(Method::POST, &with_owner(&path, "no-such-owner"), Some(json!({})))
            .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert_eq!(reason(&r), "forbidden");
    let stranger = create_owner(&p.yt, "Stranger", true).await;
    let r =
        p.yt.call(Method::POST, &with_owner(&path, &stranger), Some(json!({})))
            .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert_eq!(reason(&r), "forbidden");
    let token = p.token_with("youtube");
    let r = p.call_as(&token, Method::POST, &path, Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert_eq!(reason(&r), "insufficientPermissions");
    assert_eq!(stored_references(&p).await, (0, 0), "no refusal wrote anything");
    assert_eq!(stored(&p, &video).await, before);

    let token = p.token_with("https://www.googleapis.com/auth/youtubepartner");
    let r = p.call_as(&token, Method::POST, &path, Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let id = r.body["id"].as_str().unwrap();
    let get = format!("{REFERENCES}/{id}");
    let r = p.yt.call(Method::GET, &with_owner(&get, &stranger), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let token = p.token_with("youtube");
    let r = p.call_as(&token, Method::GET, &get, None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert_eq!(reason(&r), "insufficientPermissions");
}

async fn missing_unknown_and_other_owners_claims_are_refused_and_change_nothing(backend: Backend) {
    let p = partner(backend, true).await;
    let (video, claim) = processed_claim(&p).await;
    let before = stored(&p, &video).await;
    let r = p.call(Method::POST, REFERENCES, Some(json!({}))).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(reason(&r), "required", "no claimId");
    for bad in ["nope", "a%2Fb", &"x".repeat(200)] {
        let r = insert(&p, bad, json!({})).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{bad}: {}", r.text);
        assert_eq!(reason(&r), "notFound");
    }
    // Another user, with their own channel linked to their own owner and a processed claim.
    let other_user = create_user(&p.yt.router, &unique("other")).await;
    let other_channel = create_channel(&p.yt.router, &other_user, "theirs").await;
    let other_token = token_for(&p.yt.app, &other_user, None);
    let other_owner = create_owner(&p.yt, "Other", true).await;
    let l = link(&p.yt, &other_owner, &other_channel, &other_user).await;
    assert_eq!(l.status, StatusCode::OK, "{}", l.text);
    // The other owner cannot use this owner's claim, and this owner cannot use the other's.
    let r =
        p.yt.call_as(
            &other_token,
            Method::POST,
            &with_owner(&insert_path(&claim), &other_owner),
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    assert_eq!(reason(&r), "notFound");
    assert_eq!(stored_references(&p).await, (0, 0));
    assert_eq!(stored(&p, &video).await, before);

    // A reference of this owner is 404 for the other owner, like an unknown id.
    let r = insert(&p, &claim, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let id = r.body["id"].as_str().unwrap();
    for path in [format!("{REFERENCES}/{id}"), format!("{REFERENCES}/nope")] {
        let r =
            p.yt.call_as(&other_token, Method::GET, &with_owner(&path, &other_owner), None)
                .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
        assert_eq!(reason(&r), "notFound");
    }
    let r = p.call(Method::GET, &format!("{REFERENCES}/nope"), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
}

async fn a_broadcast_without_record_from_start_is_403_record_from_start_required(backend: Backend) {
    // Both paths: a processed recording, and an approved owner before testing.
    let p = partner(backend, true).await;
    let (video, claim) = processed_claim(&p).await;
    set_record_from_start(&p, &video, false).await;
    let live_video = p.yt.insert_broadcast(false).await;
    let live_claim = super::references::claim(&p, &live_video).await;
    set_record_from_start(&p, &live_video, false).await;
    for (video, claim) in [(video, claim), (live_video, live_claim)] {
        let before = stored(&p, &video).await;
        let r = insert(&p, &claim, json!({})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        assert_eq!(reason(&r), "recordFromStartRequired");
        assert!(r.text.contains("whole recording"), "{}", r.text);
        assert_eq!(stored(&p, &video).await, before, "the broadcast is unchanged");
    }
    assert_eq!(stored_references(&p).await, (0, 0));
}

async fn an_unprocessed_or_failed_recording_without_live_approval_is_fingerprinting_not_allowed(
    backend: Backend,
) {
    let p = partner(backend, false).await;
    // Before testing, while live, complete but not yet reported, and a failed report.
    let created = p.yt.insert_broadcast(false).await;
    let live = p.yt.insert_broadcast(false).await;
    let unreported = p.yt.insert_broadcast(false).await;
    let failed = p.yt.insert_broadcast(false).await;
    let mut cases = Vec::new();
    for video in [&created, &live, &unreported, &failed] {
        cases.push((video.clone(), claim(&p, video).await));
    }
    p.yt.force_state(&live, LifeCycleStatus::Live).await;
    p.yt.force_state(&unreported, LifeCycleStatus::Complete).await;
    p.yt.force_state(&failed, LifeCycleStatus::Complete).await;
    report(&p, &failed, "failed").await;
    for (video, claim) in &cases {
        let before = stored(&p, video).await;
        let r = insert(&p, claim, json!({})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{video}: {}", r.text);
        assert_eq!(reason(&r), "fingerprintingNotAllowed", "{video}");
        assert_eq!(stored(&p, video).await, before, "the broadcast is unchanged");
    }
    assert_eq!(stored_references(&p).await, (0, 0));
}

async fn a_second_reference_from_a_claim_is_409_already_exists(backend: Backend) {
    let p = partner(backend, false).await;
    let (_, claim) = processed_claim(&p).await;
    let r = insert(&p, &claim, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let again = insert(&p, &claim, json!({ "contentType": "audio" })).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    assert_eq!(reason(&again), "alreadyExists");
    assert_eq!(stored_references(&p).await, (1, 1), "the second wrote nothing");
}

async fn reference_bodies_are_validated_and_oversized_ones_refused(backend: Backend) {
    let p = partner(backend, false).await;
    let (video, claim) = processed_claim(&p).await;
    let before = stored(&p, &video).await;
    let cases: Vec<(Value, &str)> = vec![
        (json!({ "contentType": "audiovideo" }), "invalidValue"),
        (json!({ "contentType": 3 }), "parseError"),
        (
            json!({ "excludedIntervals": [{ "low": 5, "high": 1 }] }),
            "invalidValue",
        ),
        (
            json!({ "excludedIntervals": [{ "low": -1, "high": 1 }] }),
            "invalidValue",
        ),
        (json!({ "excludedIntervals": [{ "high": 1 }] }), "required"),
        (json!({ "excludedIntervals": "all" }), "parseError"),
        (json!({ "fpDirect": "yes" }), "parseError"),
        (json!([]), "parseError"),
    ];
    for (body, want) in cases {
        let r = insert(&p, &claim, body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.text);
        assert_eq!(reason(&r), want, "{body}");
    }
    let r = support::call(
        &p.yt.router,
        Method::POST,
        &p.path(&insert_path(&claim)),
        Some(&p.yt.token),
        Some("{\"contentType\":"),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "malformed JSON: {}", r.text);
    let big = json!({ "excludedIntervals": [], "pad": "x".repeat(70 * 1024) });
    let r = insert(&p, &claim, big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
    assert_eq!(stored_references(&p).await, (0, 0), "no refusal wrote anything");
    assert_eq!(stored(&p, &video).await, before);
    // The claim is still free.
    let r = insert(&p, &claim, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

async fn fifty_parallel_references_on_one_claim_make_exactly_one(backend: Backend) {
    let p = Arc::new(partner(backend, false).await);
    let (_, claim) = processed_claim(&p).await;
    let calls = (0..50).map(|_| {
        let p = p.clone();
        let claim = claim.clone();
        tokio::spawn(async move { insert(&p, &claim, json!({})).await })
    });
    let replies: Vec<Reply> = join_all(calls).await.into_iter().map(Result::unwrap).collect();
    let won = replies.iter().filter(|r| r.status == StatusCode::OK).count();
    let lost: Vec<_> = replies
        .iter()
        .filter(|r| r.status == StatusCode::CONFLICT)
        .collect();
    println!(
        "50 parallel references.insert on one claim: {won} won, {} lost",
        lost.len()
    );
    assert_eq!(won, 1, "exactly one reference");
    assert_eq!(lost.len(), 49, "every other is 409");
    assert!(lost.iter().all(|r| reason(r) == "alreadyExists"));
    assert_eq!(stored_references(&p).await, (1, 1), "one record, one marker");
}

async fn reference_calls_stay_within_their_round_trip_budget() {
    let p = partner(Backend::Aws, true).await;
    let (_, claim) = processed_claim(&p).await;
    let live_video = p.yt.insert_broadcast(false).await;
    let live_claim = super::references::claim(&p, &live_video).await;
    let trips = p.yt.app.dynamo.as_ref().unwrap().round_trips();
    let mut ids = Vec::new();
    for (name, claim) in [("processed", &claim), ("live", &live_claim)] {
        trips.reset();
        let r = insert(&p, claim, json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.text);
        let n = trips.get();
        println!("references.insert ({name} path): {n} DynamoDB requests");
        assert!(n <= 3, "references.insert ({name}): {n} > 3");
        ids.push(r.body["id"].as_str().unwrap().to_owned());
    }
    for id in ids {
        trips.reset();
        let r = p.call(Method::GET, &format!("{REFERENCES}/{id}"), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        let n = trips.get();
        println!("references.get: {n} DynamoDB requests");
        assert_eq!(n, 1, "references.get is one read");
    }
}
