//! The live-fingerprinting path of `references.insert`: an owner approved for live fingerprinting
//! gets an `activating` reference while the claimed broadcast is `created` or `ready`, and the same
//! write locks `recordFromStart` on (a later `liveBroadcasts.update` turning it off is `403
//! recordFromStartModificationNotAllowed` and changes nothing; other changes still land; the lock is
//! never rendered). From `testStarting` on, or with a failed recording, the approved owner is refused
//! `fingerprintingNotAllowed`. A reference racing an update that turns `recordFromStart` off never
//! lets both land.

use super::references::{REFERENCES, claim, insert, partner, processed_claim, report, stored};
use super::{Partner, reason};
use crate::support::{Backend, Reply};
use futures::future::join_all;
use http::{Method, StatusCode};
use onair_domain::lifecycle::wire::LifeCycleStatus;
use serde_json::json;
use std::sync::Arc;

crate::support::on_both_backends!(
    an_approved_owner_gets_an_activating_reference_before_testing_and_record_from_start_is_locked,
    an_approved_owner_is_refused_once_the_broadcast_went_to_testing,
    a_failed_recording_is_not_processed_even_for_an_approved_owner,
    the_processed_path_of_an_approved_owner_locks_nothing,
    a_live_reference_and_an_update_turning_record_from_start_off_never_both_land,
);

/// `liveBroadcasts.update` of `contentDetails` with `recordFromStart` and `enableDvr`.
async fn update(p: &Partner, video: &str, record_from_start: bool, dvr: bool) -> Reply {
    p.yt.call(
        Method::PUT,
        "/youtube/v3/liveBroadcasts?part=contentDetails",
        Some(json!({
            "id": video,
            "contentDetails": {
                "monitorStream": { "enableMonitorStream": false },
                "recordFromStart": record_from_start,
                "enableDvr": dvr,
            },
        })),
    )
    .await
}

async fn an_approved_owner_gets_an_activating_reference_before_testing_and_record_from_start_is_locked(
    backend: Backend,
) {
    let p = partner(backend, true).await;
    for state in [LifeCycleStatus::Created, LifeCycleStatus::Ready] {
        let video = p.yt.insert_broadcast(false).await;
        let claim = claim(&p, &video).await;
        if state != LifeCycleStatus::Created {
            p.yt.force_state(&video, state).await;
        }
        let before = stored(&p, &video).await;
        assert!(!before.broadcast.content_details.record_from_start_locked);
        let r = insert(&p, &claim, json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{state}: {}", r.text);
        assert_eq!(r.body["status"], "activating", "{state}");
        assert_eq!(r.body["videoId"], video.as_str());
        let id = r.body["id"].as_str().unwrap();
        let got = p.call(Method::GET, &format!("{REFERENCES}/{id}"), None).await;
        assert_eq!(got.body, r.body);

        // The reference's write locked recordFromStart on, on the next version, nothing else changed.
        let locked = stored(&p, &video).await;
        assert_eq!(locked.version, before.version + 1, "{state}");
        assert!(locked.broadcast.content_details.record_from_start_locked);
        let mut expected = before.clone();
        expected.broadcast.content_details.record_from_start_locked = true;
        expected.version += 1;
        assert_eq!(locked, expected, "{state}: only the lock changed");

        // The lock is onair's bookkeeping: never part of the YouTube resource.
        let r =
            p.yt.call(
                Method::GET,
                &format!("/youtube/v3/liveBroadcasts?part=id,contentDetails&id={video}"),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        assert_eq!(r.body["items"][0]["contentDetails"]["recordFromStart"], true);
        assert!(!r.text.contains("recordFromStartLocked"), "{}", r.text);

        // Turning recordFromStart off is refused and changes nothing.
        let r = update(&p, &video, false, true).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{state}: {}", r.text);
        assert_eq!(reason(&r), "recordFromStartModificationNotAllowed");
        assert!(r.text.contains("Content ID reference"), "{}", r.text);
        assert_eq!(stored(&p, &video).await, locked, "the broadcast is unchanged");

        // Keeping it on while changing something else still lands, and the lock stays.
        let r = update(&p, &video, true, false).await;
        assert_eq!(r.status, StatusCode::OK, "{state}: {}", r.text);
        assert!(!r.text.contains("recordFromStartLocked"), "{}", r.text);
        let after = stored(&p, &video).await;
        assert!(!after.broadcast.content_details.enable_dvr);
        assert!(after.broadcast.content_details.record_from_start);
        assert!(after.broadcast.content_details.record_from_start_locked);
    }
}

async fn an_approved_owner_is_refused_once_the_broadcast_went_to_testing(backend: Backend) {
    use LifeCycleStatus::*;
    let p = partner(backend, true).await;
    for state in [TestStarting, Testing, LiveStarting, Live, Complete] {
        let video = p.yt.insert_broadcast(false).await;
        let claim = claim(&p, &video).await;
        p.yt.force_state(&video, state).await;
        let before = stored(&p, &video).await;
        let r = insert(&p, &claim, json!({})).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{state}: {}", r.text);
        assert_eq!(reason(&r), "fingerprintingNotAllowed", "{state}");
        assert_eq!(
            stored(&p, &video).await,
            before,
            "{state}: the broadcast is unchanged"
        );
    }
    assert_eq!(super::references::stored_references(&p).await, (0, 0));
}

async fn a_failed_recording_is_not_processed_even_for_an_approved_owner(backend: Backend) {
    let p = partner(backend, true).await;
    let video = p.yt.insert_broadcast(false).await;
    let claim = claim(&p, &video).await;
    p.yt.force_state(&video, LifeCycleStatus::Complete).await;
    report(&p, &video, "failed").await;
    let before = stored(&p, &video).await;
    let r = insert(&p, &claim, json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert_eq!(reason(&r), "fingerprintingNotAllowed");
    assert_eq!(stored(&p, &video).await, before);
    assert_eq!(super::references::stored_references(&p).await, (0, 0));
}

async fn the_processed_path_of_an_approved_owner_locks_nothing(backend: Backend) {
    let p = partner(backend, true).await;
    let (video, claim) = processed_claim(&p).await;
    let before = stored(&p, &video).await;
    let r = insert(&p, &claim, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["status"], "active");
    assert_eq!(
        stored(&p, &video).await,
        before,
        "a complete broadcast is not locked"
    );
}

async fn a_live_reference_and_an_update_turning_record_from_start_off_never_both_land(backend: Backend) {
    let p = Arc::new(partner(backend, true).await);
    let (mut references_won, mut updates_won) = (0, 0);
    for round in 0..20 {
        let video = p.yt.insert_broadcast(false).await;
        let claim = claim(&p, &video).await;
        let reference = {
            let (p, claim) = (p.clone(), claim.clone());
            tokio::spawn(async move { insert(&p, &claim, json!({})).await })
        };
        let turn_off = {
            let (p, video) = (p.clone(), video.clone());
            tokio::spawn(async move { update(&p, &video, false, true).await })
        };
        let replies = join_all([reference, turn_off]).await;
        let (r, u) = (replies[0].as_ref().unwrap(), replies[1].as_ref().unwrap());
        let now = stored(&p, &video).await;
        let details = &now.broadcast.content_details;
        let (refs, markers) = super::references::stored_references(&p).await;
        let reference_landed = r.status == StatusCode::OK;
        let update_landed = u.status == StatusCode::OK;
        assert!(
            !(reference_landed && update_landed),
            "round {round}: both landed: {} / {}",
            r.text,
            u.text
        );
        assert!(
            reference_landed || update_landed,
            "round {round}: neither landed: {} / {}",
            r.text,
            u.text
        );
        if reference_landed {
            references_won += 1;
            assert!(
                details.record_from_start && details.record_from_start_locked,
                "round {round}"
            );
            assert_eq!(u.status, StatusCode::FORBIDDEN, "round {round}: {}", u.text);
            assert_eq!(reason(u), "recordFromStartModificationNotAllowed");
        } else {
            updates_won += 1;
            assert!(
                !details.record_from_start && !details.record_from_start_locked,
                "round {round}"
            );
            assert!(
                matches!(
                    reason(r),
                    "recordFromStartRequired" | "conflict" | "alreadyExists"
                ),
                "round {round}: {}",
                r.text
            );
        }
        assert_eq!((refs, markers), (references_won, references_won), "round {round}");
    }
    println!(
        "20 rounds of references.insert vs update(recordFromStart=false): {references_won} references, {updates_won} updates won"
    );
}
