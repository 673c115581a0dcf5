//! `claims.insert` / `claims.get`: a claim of the owner's asset on the caller's broadcast, every
//! bad-input rule answered with Google's envelope and changing nothing, one active claim per video
//! (a second claim, of the same or another owner, is `409 alreadyClaimed`; 50 parallel claims make
//! exactly one), and the DynamoDB round trips (insert ≤ 3, get 1).

use super::{Partner, create_owner, link, reason, with_owner};
use crate::support::oauth::{create_channel, create_user};
use crate::support::{Backend, unique};
use crate::youtube::token_for;
use futures::future::join_all;
use http::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;

crate::support::on_both_backends!(
    both: [
        a_claim_is_inserted_and_read_back,
        a_second_claim_on_a_video_is_409_already_claimed_for_any_owner,
        claim_bodies_are_validated_and_refusals_change_nothing,
        claims_need_the_entitlement_and_the_youtubepartner_scope,
        unknown_and_other_owners_ids_are_404_and_change_nothing,
        fifty_parallel_claims_on_one_video_make_exactly_one,
    ],
    dynamodb_only: [claim_calls_stay_within_their_round_trip_budget],
);

const CLAIMS: &str = "/youtube/partner/v1/claims";

fn claim_body(asset: &str, video: &str, policy: Value) -> Value {
    json!({ "assetId": asset, "videoId": video, "policy": policy, "contentType": "audiovisual" })
}

/// The owner's claim records as stored.
async fn stored_claims(p: &Partner) -> usize {
    p.yt.app
        .state
        .content_ids
        .list_with(&p.owner, "CLAIM#")
        .await
        .unwrap()
        .unwrap()
        .records
        .len()
}

async fn a_claim_is_inserted_and_read_back(backend: Backend) {
    let p = Partner::new(backend).await;
    let asset = p.asset("Live").await;
    let policy = p.policy("P").await;
    let video = p.yt.insert_broadcast(false).await;
    let r = p
        .call(
            Method::POST,
            CLAIMS,
            Some(claim_body(&asset, &video, json!({ "id": policy }))),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["kind"], "youtubePartner#claim");
    assert_eq!(r.body["assetId"], asset.as_str());
    assert_eq!(r.body["videoId"], video.as_str());
    assert_eq!(r.body["status"], "active");
    assert_eq!(r.body["policy"]["id"], policy.as_str());
    let id = r.body["id"].as_str().unwrap().to_owned();
    let got = p.call(Method::GET, &format!("{CLAIMS}/{id}"), None).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.text);
    assert_eq!(got.body, r.body);
    // Inline rules are the alternative to a saved policy.
    let video2 = p.yt.insert_broadcast(false).await;
    let r = p
        .call(
            Method::POST,
            CLAIMS,
            Some(claim_body(
                &asset,
                &video2,
                json!({ "rules": [{ "action": "track" }] }),
            )),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(stored_claims(&p).await, 2);
}

async fn a_second_claim_on_a_video_is_409_already_claimed_for_any_owner(backend: Backend) {
    let p = Partner::new(backend).await;
    let asset = p.asset("Live").await;
    let video = p.yt.insert_broadcast(false).await;
    let body = claim_body(&asset, &video, json!({ "rules": [{ "action": "monetize" }] }));
    let r = p.call(Method::POST, CLAIMS, Some(body.clone())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let again = p.call(Method::POST, CLAIMS, Some(body)).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    assert_eq!(reason(&again), "alreadyClaimed");
    assert_eq!(stored_claims(&p).await, 1, "the loser wrote nothing");

    // A second owner linking the same channel cannot claim the video either.
    let other = create_owner(&p.yt, "Other Rights", false).await;
    let l = link(&p.yt, &other, &p.yt.channel, &p.yt.user).await;
    assert_eq!(l.status, StatusCode::OK, "{}", l.text);
    let r =
        p.yt.call(
            Method::POST,
            &with_owner("/youtube/partner/v1/assets", &other),
            Some(super::asset_body("web", "Theirs")),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let their_asset = r.body["id"].as_str().unwrap().to_owned();
    let r =
        p.yt.call(
            Method::POST,
            &with_owner(CLAIMS, &other),
            Some(claim_body(
                &their_asset,
                &video,
                json!({ "rules": [{ "action": "block" }] }),
            )),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert_eq!(reason(&r), "alreadyClaimed");
    let theirs =
        p.yt.app
            .state
            .content_ids
            .list_with(&other, "CLAIM#")
            .await
            .unwrap()
            .unwrap();
    assert!(theirs.records.is_empty(), "the other owner wrote nothing");
}

async fn claim_bodies_are_validated_and_refusals_change_nothing(backend: Backend) {
    let p = Partner::new(backend).await;
    let asset = p.asset("Live").await;
    let policy = p.policy("P").await;
    let video = p.yt.insert_broadcast(false).await;
    let rules = json!({ "rules": [{ "action": "track" }] });
    let cases: Vec<(Value, StatusCode, &str)> = vec![
        (
            json!({ "videoId": video, "policy": rules, "contentType": "audio" }),
            StatusCode::BAD_REQUEST,
            "required",
        ),
        (
            json!({ "assetId": asset, "policy": rules, "contentType": "audio" }),
            StatusCode::BAD_REQUEST,
            "required",
        ),
        (
            json!({ "assetId": asset, "videoId": video, "contentType": "audio" }),
            StatusCode::BAD_REQUEST,
            "required",
        ),
        (
            json!({ "assetId": asset, "videoId": video, "policy": rules }),
            StatusCode::BAD_REQUEST,
            "required",
        ),
        (
            json!({ "assetId": asset, "videoId": video, "policy": rules, "contentType": "music" }),
            StatusCode::BAD_REQUEST,
            "invalidValue",
        ),
        (
            json!({ "assetId": asset, "videoId": video, "policy": {}, "contentType": "audio" }),
            StatusCode::BAD_REQUEST,
            "required",
        ),
        (
            json!({ "assetId": asset, "videoId": video, "contentType": "audio",
                    "policy": { "id": policy, "rules": [{ "action": "track" }] } }),
            StatusCode::BAD_REQUEST,
            "invalidValue",
        ),
        (
            json!({ "assetId": asset, "videoId": video, "contentType": "audio",
                    "policy": { "rules": [{ "action": "explode" }] } }),
            StatusCode::BAD_REQUEST,
            "invalidValue",
        ),
        (
            json!(["not", "an", "object"]),
            StatusCode::BAD_REQUEST,
            "parseError",
        ),
    ];
    for (body, status, why) in cases {
        let r = p.call(Method::POST, CLAIMS, Some(body.clone())).await;
        assert_eq!(r.status, status, "{body}: {}", r.text);
        assert_eq!(reason(&r), why, "{body}");
    }
    let big = claim_body(
        &asset,
        &video,
        json!({ "rules": [{ "action": "track", "subaction": ["x".repeat(70 * 1024)] }] }),
    );
    let r = p.call(Method::POST, CLAIMS, Some(big)).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
    assert_eq!(stored_claims(&p).await, 0, "no refusal wrote a claim");
    // The video is still free.
    let r = p
        .call(Method::POST, CLAIMS, Some(claim_body(&asset, &video, rules)))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

async fn claims_need_the_entitlement_and_the_youtubepartner_scope(backend: Backend) {
    let p = Partner::new(backend).await;
    let asset = p.asset("Live").await;
    let video = p.yt.insert_broadcast(false).await;
    let body = claim_body(&asset, &video, json!({ "rules": [{ "action": "track" }] }));
    let r = p.yt.call(Method::POST, CLAIMS, Some(body.clone())).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(reason(&r), "required", "no onBehalfOfContentOwner");
    let r =
        p.yt.call(
            Method::POST,
            &with_owner(CLAIMS, "no-such-owner"),
            Some(body.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert_eq!(reason(&r), "forbidden");
    let stranger_owner = create_owner(&p.yt, "Stranger", false).await;
    let r =
        p.yt.call(
            Method::POST,
            &with_owner(CLAIMS, &stranger_owner),
            Some(body.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert_eq!(reason(&r), "forbidden");
    let token = p.token_with("youtube");
    let r = p.call_as(&token, Method::POST, CLAIMS, Some(body.clone())).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert_eq!(reason(&r), "insufficientPermissions");
    assert_eq!(stored_claims(&p).await, 0);
    let token = p.token_with("https://www.googleapis.com/auth/youtubepartner");
    let r = p.call_as(&token, Method::POST, CLAIMS, Some(body)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let id = r.body["id"].as_str().unwrap();
    let r =
        p.yt.call(
            Method::GET,
            &with_owner(&format!("{CLAIMS}/{id}"), &stranger_owner),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
}

async fn unknown_and_other_owners_ids_are_404_and_change_nothing(backend: Backend) {
    let p = Partner::new(backend).await;
    let asset = p.asset("Live").await;
    let video = p.yt.insert_broadcast(false).await;
    let rules = json!({ "rules": [{ "action": "track" }] });
    // Another user with their own channel, linked to their own owner, with an asset and a broadcast.
    let other_user = create_user(&p.yt.router, &unique("other")).await;
    let other_channel = create_channel(&p.yt.router, &other_user, "theirs").await;
    let other_token = token_for(&p.yt.app, &other_user, None);
    let other_owner = create_owner(&p.yt, "Other", false).await;
    let l = link(&p.yt, &other_owner, &other_channel, &other_user).await;
    assert_eq!(l.status, StatusCode::OK, "{}", l.text);
    let r =
        p.yt.call_as(
            &other_token,
            Method::POST,
            &with_owner("/youtube/partner/v1/assets", &other_owner),
            Some(super::asset_body("web", "Theirs")),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let their_asset = r.body["id"].as_str().unwrap().to_owned();
    let r =
        p.yt.call_as(
            &other_token,
            Method::POST,
            "/youtube/v3/liveBroadcasts?part=snippet,status,contentDetails",
            Some(crate::youtube::broadcast_body("Theirs", false)),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let their_video = r.body["id"].as_str().unwrap().to_owned();
    let r =
        p.yt.call_as(
            &other_token,
            Method::POST,
            &with_owner(CLAIMS, &other_owner),
            Some(claim_body(&their_asset, &their_video, rules.clone())),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let their_claim = r.body["id"].as_str().unwrap().to_owned();

    let cases = [
        claim_body("no-such-asset", &video, rules.clone()),
        claim_body(&their_asset, &video, rules.clone()),
        claim_body(&asset, &video, json!({ "id": "no-such-policy" })),
        claim_body(&asset, "no-such-video", rules.clone()),
        claim_body(&asset, &their_video, rules.clone()),
        claim_body(&asset, "bad/id", rules.clone()),
    ];
    for body in cases {
        let r = p.call(Method::POST, CLAIMS, Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{body}: {}", r.text);
        assert_eq!(reason(&r), "notFound", "{body}");
    }
    for id in [their_claim.as_str(), "no-such-claim"] {
        let r = p.call(Method::GET, &format!("{CLAIMS}/{id}"), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{id}: {}", r.text);
        assert_eq!(reason(&r), "notFound");
    }
    assert_eq!(stored_claims(&p).await, 0, "no refusal wrote a claim");
}

async fn fifty_parallel_claims_on_one_video_make_exactly_one(backend: Backend) {
    let p = Arc::new(Partner::new(backend).await);
    let asset = p.asset("Live").await;
    let video = p.yt.insert_broadcast(false).await;
    let calls = (0..50).map(|_| {
        let p = p.clone();
        let body = claim_body(&asset, &video, json!({ "rules": [{ "action": "track" }] }));
        tokio::spawn(async move { p.call(Method::POST, CLAIMS, Some(body)).await })
    });
    let replies: Vec<_> = join_all(calls).await.into_iter().map(Result::unwrap).collect();
    let won = replies.iter().filter(|r| r.status == StatusCode::OK).count();
    let lost: Vec<_> = replies.iter().filter(|r| r.status != StatusCode::OK).collect();
    for r in &lost {
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
        assert_eq!(reason(r), "alreadyClaimed");
    }
    println!(
        "50 parallel claims.insert on one video: {won} won, {} lost with 409",
        lost.len()
    );
    assert_eq!(won, 1);
    assert_eq!(stored_claims(&p).await, 1);
}

async fn claim_calls_stay_within_their_round_trip_budget() {
    let p = Partner::new(Backend::Aws).await;
    let asset = p.asset("Live").await;
    let policy = p.policy("P").await;
    let video = p.yt.insert_broadcast(false).await;
    let trips = p.yt.app.dynamo.as_ref().unwrap().round_trips();
    trips.reset();
    let r = p
        .call(
            Method::POST,
            CLAIMS,
            Some(claim_body(&asset, &video, json!({ "id": policy }))),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let insert = trips.get();
    let id = r.body["id"].as_str().unwrap();
    trips.reset();
    let r = p.call(Method::GET, &format!("{CLAIMS}/{id}"), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let get = trips.get();
    println!("round trips: claims.insert {insert}, claims.get {get}");
    assert!(insert <= 3, "claims.insert took {insert}");
    assert_eq!(get, 1, "claims.get took {get}");
}
