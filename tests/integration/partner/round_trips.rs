//! DynamoDB round trips of the Content ID calls, counted by the adapter: every get and
//! `policies.list` is ONE request (the owner item read with the records), every write two (that read
//! and one conditional transaction).

use super::{Partner, ownership_body};
use crate::support::Backend;
use http::{Method, StatusCode};
use serde_json::json;

crate::support::on_backend!(dynamodb: content_id_calls_stay_within_their_round_trip_budget);

async fn content_id_calls_stay_within_their_round_trip_budget() {
    let p = Partner::new(Backend::Aws).await;
    let asset = p.asset("Live").await;
    let policy = p.policy("P").await;
    let trips = p.yt.app.dynamo.as_ref().unwrap().round_trips();
    let a = format!("/youtube/partner/v1/assets/{asset}");
    let cases: Vec<(&str, Method, String, Option<serde_json::Value>, u64)> = vec![
        ("assets.get", Method::GET, a.clone(), None, 1),
        ("ownership.get", Method::GET, format!("{a}/ownership"), None, 1),
        (
            "assetMatchPolicy.get",
            Method::GET,
            format!("{a}/matchPolicy"),
            None,
            1,
        ),
        (
            "policies.list",
            Method::GET,
            "/youtube/partner/v1/policies?sort=timeUpdatedDesc".into(),
            None,
            1,
        ),
        (
            "assets.insert",
            Method::POST,
            "/youtube/partner/v1/assets".into(),
            Some(super::asset_body("web", "X")),
            2,
        ),
        (
            "ownership.update",
            Method::PUT,
            format!("{a}/ownership"),
            Some(ownership_body(json!(100), json!(["US"]), "include")),
            2,
        ),
        (
            "ownership.patch",
            Method::PATCH,
            format!("{a}/ownership"),
            Some(ownership_body(json!(50), json!(["KR"]), "exclude")),
            2,
        ),
        (
            "assetMatchPolicy.update",
            Method::PUT,
            format!("{a}/matchPolicy"),
            Some(json!({ "policyId": policy })),
            2,
        ),
        (
            "assetMatchPolicy.patch",
            Method::PATCH,
            format!("{a}/matchPolicy"),
            Some(json!({ "rules": [{ "action": "track" }] })),
            2,
        ),
        (
            "policies.insert",
            Method::POST,
            "/youtube/partner/v1/policies".into(),
            Some(super::policy_body("Q", "block")),
            2,
        ),
    ];
    for (name, method, path, body, budget) in cases {
        trips.reset();
        let r = p.call(method, &path, body).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.text);
        let n = trips.get();
        println!("{name}: {n} DynamoDB requests");
        assert!(n <= budget, "{name}: {n} > {budget}");
    }
}
