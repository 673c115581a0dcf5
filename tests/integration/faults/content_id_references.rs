//! `references.insert` under fault injection, on both stores, on its two paths: from a processed
//! recording (the reference and its claim marker in one transaction) and the live-fingerprinting path
//! (the same transaction also locks `recordFromStart` on the broadcast). A fault at each store step —
//! the owner-and-claim read, the video read, the transaction, at the port and between the SDK requests,
//! and a transaction that landed with its answer lost — answers `503 backendError`, leaves the whole
//! write or none of it (never a reference without its marker, never a live reference on an unlocked
//! broadcast, never a locked broadcast without its reference), and the retry either makes the
//! reference or, when the first attempt had landed, answers `409 alreadyExists`.

use super::content_id::{
    BeforeSend, Cid, Held, Lost, LostResponse, Port, Row, Sdk, Unavailable, assert_backend_error, row,
};
use crate::partner::references::{claim, insert_path, processed_claim};
use crate::support::{Backend, admin};
use crate::youtube::assert_google_error;
use http::{Method, StatusCode};
use serde_json::json;

crate::support::on_both_backends!(
    a_processed_reference_is_all_or_nothing_under_a_fault_at_each_step,
    a_live_reference_and_its_lock_are_all_or_nothing_under_a_fault_at_each_step,
);

/// The rows of one path, its write named by `write` (the port operation of the transaction).
const fn rows(write: &'static str) -> [Row; 12] {
    [
        row(Port("content_ids.get_with", 1, Unavailable), Held::Nothing),
        row(Port("content_ids.get_with", 1, LostResponse), Held::Nothing),
        row(Port("videos.get", 1, Unavailable), Held::Nothing),
        row(Port("videos.get", 1, LostResponse), Held::Nothing),
        row(Port(write, 1, Unavailable), Held::Nothing),
        // The reference landed; only its answer was lost.
        row(Port(write, 1, LostResponse), Held::Whole),
        // Step 1, the owner with the claim and its marker.
        row(Sdk("BatchGetItem", 1, BeforeSend), Held::Nothing),
        row(Sdk("BatchGetItem", 1, Lost), Held::Nothing),
        // Step 2, the video (the broadcast and its processing report).
        row(Sdk("BatchGetItem", 2, BeforeSend), Held::Nothing),
        row(Sdk("BatchGetItem", 2, Lost), Held::Nothing),
        // Step 3, the transaction.
        row(Sdk("TransactWriteItems", 1, BeforeSend), Held::Nothing),
        row(Sdk("TransactWriteItems", 1, Lost), Held::Whole),
    ]
}

/// What the store holds, read past the decorator: no reference, no marker and (on the live path) an
/// unlocked broadcast — or all of them.
async fn held(c: &Cid, video: &str, live: bool, what: &str) -> Held {
    let references = c.records("REFERENCE#").await.len();
    let markers = c.records("CLAIMREF#").await.len();
    let locked = c
        .app
        .base
        .broadcasts
        .get(&c.p.yt.owner(), video)
        .await
        .unwrap()
        .broadcast
        .content_details
        .record_from_start_locked;
    match (references, markers, locked) {
        (0, 0, false) => Held::Nothing,
        (1, 1, lock) if lock == live => Held::Whole,
        other => panic!("{what}: partial reference: (references, markers, locked) = {other:?}"),
    }
}

async fn run(backend: Backend, live: bool) {
    let write = if live {
        "content_ids.write_with_broadcast"
    } else {
        "content_ids.write"
    };
    for row in rows(write) {
        let c = Cid::new(backend).await;
        let (video, claim_id) = if live {
            let r = admin(
                &c.p.yt.router,
                Method::PATCH,
                &format!("/admin/content-owners/{}", c.p.owner),
                Some(&json!({ "liveFingerprinting": true }).to_string()),
            )
            .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            let video = c.p.yt.insert_broadcast(false).await;
            let claim_id = claim(&c.p, &video).await;
            (video, claim_id)
        } else {
            processed_claim(&c.p).await
        };
        if !c.arm(row.step) {
            continue;
        }
        let what = format!("{} path, {row:?}", if live { "live" } else { "processed" });
        let path = c.p.path(&insert_path(&claim_id));
        let reply = c.p.yt.call(Method::POST, &path, Some(json!({}))).await;
        assert_backend_error(&reply, &what);
        c.check_fired(row.step);
        let now = held(&c, &video, live, &what).await;
        assert_eq!(now, row.held, "{what}: the store holds {now:?}");

        let again = c.p.yt.call(Method::POST, &path, Some(json!({}))).await;
        match now {
            Held::Nothing => {
                assert_eq!(again.status, StatusCode::OK, "{what}: {}", again.text);
                let status = if live { "activating" } else { "active" };
                assert_eq!(again.body["status"], status, "{what}");
            }
            Held::Whole => assert_google_error(&again, StatusCode::CONFLICT, "alreadyExists"),
        }
        // Either way the claim has exactly one reference, and the live path's broadcast is locked.
        assert_eq!(held(&c, &video, live, &what).await, Held::Whole, "{what}");
    }
}

async fn a_processed_reference_is_all_or_nothing_under_a_fault_at_each_step(backend: Backend) {
    run(backend, false).await;
}

async fn a_live_reference_and_its_lock_are_all_or_nothing_under_a_fault_at_each_step(backend: Backend) {
    run(backend, true).await;
}
