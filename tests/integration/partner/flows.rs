//! The happy paths of spec §12 steps 2.1–2.3c: an asset, its ownership (update and patch), a policy
//! found by `policies.list` or created, and the asset's match policy — YouTube's shapes with `kind`,
//! `etag` and `id`, each etag moving with the record's version.

use super::{Partner, ownership_body, policy_body};
use crate::support::Backend;
use http::{Method, StatusCode};
use serde_json::json;
use time::Duration;

crate::support::on_both_backends!(
    an_asset_its_ownership_and_match_policy_round_trip,
    policies_are_listed_by_id_and_sorted_by_time_updated,
    a_match_policy_patch_replaces_the_alternative,
);

const ASSETS: &str = "/youtube/partner/v1/assets";
const POLICIES: &str = "/youtube/partner/v1/policies";

async fn an_asset_its_ownership_and_match_policy_round_trip(backend: Backend) {
    let p = Partner::new(backend).await;
    let r = p
        .call(
            Method::POST,
            ASSETS,
            Some(json!({ "type": "web", "metadata": { "title": " Launch live ", "customId": "live-1", "description": "d" } })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["kind"], "youtubePartner#asset");
    assert_eq!(r.body["type"], "web");
    assert_eq!(r.body["metadata"]["title"], "Launch live");
    assert_eq!(r.body["metadata"]["customId"], "live-1");
    let id = r.body["id"].as_str().unwrap().to_owned();
    let etag = r.body["etag"].as_str().unwrap().to_owned();
    let got = p.call(Method::GET, &format!("{ASSETS}/{id}"), None).await;
    assert_eq!(got.body, r.body);

    let own = ownership_body(json!(100), json!(["US", "KR"]), "include");
    let r = p
        .call(Method::PUT, &format!("{ASSETS}/{id}/ownership"), Some(own))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["kind"], "youtubePartner#rightsOwnership");
    assert_eq!(r.body["general"][0]["ratio"], 100.0);
    assert_eq!(r.body["general"][0]["territories"], json!(["US", "KR"]));
    assert_eq!(p.ownership(&id).await, r.body);
    // The asset's etag moved with its version.
    let got = p.call(Method::GET, &format!("{ASSETS}/{id}"), None).await;
    assert_ne!(got.body["etag"], etag);

    // A patch without `general` keeps it; a put with an empty list clears it.
    let r = p
        .call(
            Method::PATCH,
            &format!("{ASSETS}/{id}/ownership"),
            Some(json!({})),
        )
        .await;
    assert_eq!(r.body["general"][0]["owner"], "Rights Co", "{}", r.text);
    let r = p
        .call(Method::PUT, &format!("{ASSETS}/{id}/ownership"), Some(json!({})))
        .await;
    assert_eq!(r.body["general"], json!([]), "{}", r.text);

    let policy = p.policy("Monetize everywhere").await;
    let r = p
        .call(
            Method::PUT,
            &format!("{ASSETS}/{id}/matchPolicy"),
            Some(json!({ "policyId": policy })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["kind"], "youtubePartner#assetMatchPolicy");
    assert_eq!(r.body["policyId"], policy.as_str());
    assert_eq!(p.match_policy(&id).await, r.body);
}

async fn policies_are_listed_by_id_and_sorted_by_time_updated(backend: Backend) {
    let p = Partner::new(backend).await;
    let mut ids = Vec::new();
    for name in ["first", "second", "third"] {
        ids.push(p.policy(name).await);
        p.yt.app.clock.advance(Duration::minutes(1));
    }
    let r = p.call(Method::GET, POLICIES, None).await;
    assert_eq!(r.body["kind"], "youtubePartner#policyList");
    assert_eq!(p.policy_ids().await, ids, "ascending by default");
    let r = p
        .call(Method::GET, &format!("{POLICIES}?sort=timeUpdatedDesc"), None)
        .await;
    let desc: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(desc, vec![ids[2].as_str(), ids[1].as_str(), ids[0].as_str()]);
    let r = p
        .call(
            Method::GET,
            &format!("{POLICIES}?id={},{}&sort=timeUpdatedAsc", ids[2], ids[0]),
            None,
        )
        .await;
    let some: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(some, vec![ids[0].as_str(), ids[2].as_str()]);
    assert_eq!(r.body["items"][0]["kind"], "youtubePartner#policy");
    assert_eq!(r.body["items"][0]["rules"][0]["action"], "monetize");
    assert_eq!(
        r.body["items"][0]["rules"][0]["conditions"]["requiredTerritories"]["territories"],
        json!(["US", "KR"])
    );
}

async fn a_match_policy_patch_replaces_the_alternative(backend: Backend) {
    let p = Partner::new(backend).await;
    let asset = p.asset("Live").await;
    let policy = p.policy("P").await;
    let r = p
        .call(
            Method::PATCH,
            &format!("{ASSETS}/{asset}/matchPolicy"),
            Some(json!({ "policyId": policy })),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = p
        .call(
            Method::PATCH,
            &format!("{ASSETS}/{asset}/matchPolicy"),
            Some(
                json!({ "rules": [{ "action": "track", "conditions": { "contentMatchType": ["video"] } }] }),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body.get("policyId"), None);
    assert_eq!(r.body["rules"][0]["action"], "track");
    let r = p
        .call(Method::POST, POLICIES, Some(policy_body("Q", "block")))
        .await;
    assert_eq!(r.status, StatusCode::OK);
}
