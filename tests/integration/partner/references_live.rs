//! The live-fingerprinting path of `references.insert`: an owner approved for live fingerprinting
//! gets an `activating` reference while the claimed broadcast is `created` or `ready`, and the same
//! write locks `recordFromStart` on (a later `liveBroadcasts.update` turning it off is `403
//! recordFromStartModificationNotAllowed` and changes nothing; other changes still land; the lock is
//! never rendered). From `testStarting` on, or with a failed recording, the approved owner is refused
//! `fingerprintingNotAllowed`. A reference racing an update that turns `recordFromStart` off never
//! lets both land, and one racing the transition to testing is either refused or locked in.

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
    a_live_reference_racing_the_transition_to_testing_is_never_left_unlocked,
);

/// The head starts of a race's round: alternately one side waits 0–45 ms (steps of 5 ms: on moto the insert takes tens of ms), so the rounds sweep the
/// interleavings of the reference's three round trips against the other write.
fn stagger(round: u64) -> (std::time::Duration, std::time::Duration) {
    let wait = std::time::Duration::from_millis(round / 2 * 5);
    if round.is_multiple_of(2) {
        (std::time::Duration::ZERO, wait)
    } else {
        (wait, std::time::Duration::ZERO)
    }
}

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
    for round in 0..20u64 {
        let video = p.yt.insert_broadcast(false).await;
        let claim = claim(&p, &video).await;
        let (wait_reference, wait_other) = stagger(round);
        let reference = {
            let (p, claim) = (p.clone(), claim.clone());
            tokio::spawn(async move {
                tokio::time::sleep(wait_reference).await;
                insert(&p, &claim, json!({})).await
            })
        };
        let turn_off = {
            let (p, video) = (p.clone(), video.clone());
            tokio::spawn(async move {
                tokio::time::sleep(wait_other).await;
                update(&p, &video, false, true).await
            })
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

async fn a_live_reference_racing_the_transition_to_testing_is_never_left_unlocked(backend: Backend) {
    let p = Arc::new(partner(backend, true).await);
    let (mut references_won, mut refused) = (0, 0);
    for round in 0..20u64 {
        let (video, _stream) = p.yt.ready_with_active_stream(true).await;
        let claim = claim(&p, &video).await;
        let (wait_reference, wait_other) = stagger(round);
        let reference = {
            let (p, claim) = (p.clone(), claim.clone());
            tokio::spawn(async move {
                tokio::time::sleep(wait_reference).await;
                insert(&p, &claim, json!({})).await
            })
        };
        let testing = {
            let (p, video) = (p.clone(), video.clone());
            tokio::spawn(async move {
                tokio::time::sleep(wait_other).await;
                p.yt.transition(&video, "testing").await
            })
        };
        let replies = join_all([reference, testing]).await;
        let (r, t) = (replies[0].as_ref().unwrap(), replies[1].as_ref().unwrap());
        let now = stored(&p, &video).await;
        let details = &now.broadcast.content_details;
        if r.status == StatusCode::OK {
            references_won += 1;
            // The reference was decided before testing, and its write held that version: the lock
            // is in, whatever the transition did after it.
            assert!(
                details.record_from_start_locked,
                "round {round}: a reference without the lock"
            );
        } else {
            refused += 1;
            assert!(
                matches!(reason(r), "fingerprintingNotAllowed" | "conflict"),
                "round {round}: {}",
                r.text
            );
            assert!(
                !details.record_from_start_locked,
                "round {round}: a lock without a reference"
            );
            assert_eq!(t.status, StatusCode::OK, "round {round}: {}", t.text);
        }
        let (refs, _) = super::references::stored_references(&p).await;
        assert_eq!(refs, references_won, "round {round}");
    }
    println!(
        "20 rounds of references.insert vs transition(testing): {references_won} references, {refused} refused"
    );
}
