//! Real parallel writes: many ownership updates of one asset at once lose no update (each success
//! is exactly one version step, every loser is `409 conflict` and changes nothing), and concurrent
//! policy inserts all land.

use super::{Partner, ownership_body};
use crate::support::Backend;
use futures::future::join_all;
use http::{Method, StatusCode};
use onair_domain::content_id::asset_sk;
use serde_json::json;
use std::sync::Arc;

crate::support::on_both_backends!(
    parallel_ownership_updates_lose_no_update,
    parallel_policy_inserts_all_land,
);

async fn parallel_ownership_updates_lose_no_update(backend: Backend) {
    let p = Arc::new(Partner::new(backend).await);
    let asset = p.asset("Live").await;
    let calls = (0..50).map(|i| {
        let p = p.clone();
        let asset = asset.clone();
        tokio::spawn(async move {
            let body = ownership_body(json!(i), json!(["US"]), "include");
            p.call(
                Method::PUT,
                &format!("/youtube/partner/v1/assets/{asset}/ownership"),
                Some(body),
            )
            .await
        })
    });
    let replies: Vec<_> = join_all(calls).await.into_iter().map(Result::unwrap).collect();
    let won: Vec<_> = replies.iter().filter(|r| r.status == StatusCode::OK).collect();
    let lost = replies
        .iter()
        .filter(|r| r.status == StatusCode::CONFLICT)
        .count();
    assert_eq!(won.len() + lost, 50, "only 200 or 409");
    assert!(!won.is_empty());
    for r in replies.iter().filter(|r| r.status == StatusCode::CONFLICT) {
        assert_eq!(super::reason(r), "conflict");
    }
    let view =
        p.yt.app
            .state
            .content_ids
            .get_with(&p.owner, &[asset_sk(&asset)])
            .await
            .unwrap()
            .unwrap();
    let version = view.records[0].version;
    println!(
        "50 parallel ownership updates: {} won, {lost} lost with 409",
        won.len()
    );
    assert_eq!(
        version,
        1 + won.len() as u64,
        "each success is one version step, no lost update"
    );
    // The stored ownership is one of the winners' bodies.
    let stored = p.ownership(&asset).await;
    assert!(won.iter().any(|r| r.body["general"] == stored["general"]));
}

async fn parallel_policy_inserts_all_land(backend: Backend) {
    let p = Arc::new(Partner::new(backend).await);
    let calls = (0..20).map(|i| {
        let p = p.clone();
        tokio::spawn(async move {
            p.call(
                Method::POST,
                "/youtube/partner/v1/policies",
                Some(super::policy_body(&format!("P{i}"), "track")),
            )
            .await
        })
    });
    let replies: Vec<_> = join_all(calls).await.into_iter().map(Result::unwrap).collect();
    assert!(replies.iter().all(|r| r.status == StatusCode::OK));
    assert_eq!(p.policy_ids().await.len(), 20);
}
