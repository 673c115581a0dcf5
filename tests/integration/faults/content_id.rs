//! Content ID under fault injection, on both stores: every write of the Content ID API, and the
//! processing report its references wait on, with a fault at each store step.
//!
//! One row per (step, fault kind), each on a fresh [`Cid`] (a [`FaultApp`] seen through the partner
//! harness): set the scene through the router, arm the row's faults, send the request, then check
//! 1. the answer: `503 backendError` in Google's envelope with `Retry-After` (or the admin API's 503
//!    for the processing report) — a store failure is never a `403`/`404`, which would tell the
//!    caller "not entitled" or "no such thing";
//! 2. that every armed fault fired (a fault never reached proves nothing);
//! 3. what the store holds, read past the decorator (`base`): the whole write or none of it;
//! 4. the retry: it succeeds, or — where the first attempt had landed and only its answer was lost —
//!    it answers what the landed write implies (`409 alreadyClaimed` for a claim, a replay for a
//!    processing report).
//!
//! Port-level rows run on both stores; SDK-level rows (between the requests of one DynamoDB adapter
//! method) only on DynamoDB.

use super::inject::{Fault, wrap};
use super::sdk::SdkFault;
use super::{FaultApp, assert_503};
use crate::partner::{Partner, ownership_body, reason};
use crate::support::oauth::create_channel;
use crate::support::{Backend, Reply, T0, TestApp, admin};
use crate::youtube::{Yt, assert_google_error};
use http::{Method, StatusCode};
use onair_domain::FixedClock;
use onair_domain::content_id::{AD_OPTIONS_SK, asset_sk, video_claim_key};
use onair_domain::lifecycle::wire::LifeCycleStatus;
use onair_store::StoredRecord;
use serde_json::{Value, json};
use std::sync::Arc;

crate::support::on_both_backends!(
    claims_insert_is_all_or_nothing_under_a_fault_at_each_step,
    owner_record_updates_change_nothing_under_a_fault_on_the_write,
    asset_and_policy_inserts_leave_no_half_written_record,
    a_store_fault_on_the_entitlement_read_answers_503_never_403_or_404,
    a_processing_report_is_applied_once_under_a_fault_on_its_write,
    a_store_fault_on_the_midroll_check_answers_503_and_inserts_no_cuepoint,
    owner_links_are_all_or_nothing_under_a_fault_on_the_owner_write,
);

/// One injected fault.
#[derive(Debug, Clone, Copy)]
pub(super) enum Step {
    /// The `n`-th call of a port operation.
    Port(&'static str, u32, Fault),
    /// The `n`-th request of a DynamoDB operation (DynamoDB only).
    Sdk(&'static str, u32, SdkFault),
}

pub(super) use Fault::{LostResponse, Unavailable};
pub(super) use SdkFault::{BeforeSend, LostResponse as Lost};
pub(super) use Step::{Port, Sdk};

/// What the store holds after the fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Held {
    /// None of the write.
    Nothing,
    /// All of it (the write landed, its answer was lost).
    Whole,
}

#[derive(Debug)]
pub(super) struct Row {
    pub(super) step: Step,
    pub(super) held: Held,
}

pub(super) const fn row(step: Step, held: Held) -> Row {
    Row { step, held }
}

/// The partner harness over a fault app: `p.yt.router` and `p.yt.app.state` go through the decorator,
/// `app.base` reads the store directly.
pub(super) struct Cid {
    pub(super) app: FaultApp,
    pub(super) p: Partner,
}

impl Cid {
    pub(super) async fn new(backend: Backend) -> Cid {
        let clock = Arc::new(FixedClock::at(T0));
        let app = FaultApp::with_clock(backend, clock.clone(), |_| {}).await;
        let test_app = TestApp {
            state: wrap(&app.base, &app.faults),
            clock,
            dynamo: None,
        };
        let p = Partner::with_yt(Yt::with_app(test_app).await).await;
        Cid { app, p }
    }

    /// Arms the row's fault; `false` when it needs an SDK the backend does not have.
    pub(super) fn arm(&self, step: Step) -> bool {
        match step {
            Port(op, n, fault) => {
                self.app.faults.fail_nth(op, n, fault);
                true
            }
            Sdk(_, _, _) if self.app.backend == Backend::Embedded => false,
            Sdk(op, n, fault) => {
                self.app.sdk.fail_nth(op, n, fault);
                true
            }
        }
    }

    /// Checks that the armed fault fired once, then disarms.
    #[track_caller]
    pub(super) fn check_fired(&self, step: Step) {
        let (port, sdk) = match step {
            Port(..) => (1, 0),
            Sdk(..) => (0, 1),
        };
        assert_eq!(
            self.app.faults.fired().len(),
            port,
            "{step:?}: port faults fired: {:?}; calls: {:?}",
            self.app.faults.fired(),
            self.app.faults.calls()
        );
        assert_eq!(
            self.app.sdk.fired().len(),
            sdk,
            "{step:?}: SDK faults fired: {:?}; requests: {:?}",
            self.app.sdk.fired(),
            self.app.sdk.sent()
        );
        self.app.faults.clear();
    }

    /// The owner's records whose sort key starts with `prefix`, read directly.
    pub(super) async fn records(&self, prefix: &str) -> Vec<StoredRecord> {
        self.app
            .base
            .content_ids
            .list_with(&self.p.owner, prefix)
            .await
            .unwrap()
            .unwrap()
            .records
    }

    /// The asset record, read directly.
    async fn asset_record(&self, asset: &str) -> StoredRecord {
        let view = self
            .app
            .base
            .content_ids
            .get_with(&self.p.owner, &[asset_sk(asset)])
            .await
            .unwrap()
            .unwrap();
        view.record(&asset_sk(asset)).unwrap().clone()
    }

    /// The video's advertising options record, read directly.
    async fn ad_options_record(&self, video: &str) -> Option<StoredRecord> {
        let view = self
            .app
            .base
            .content_ids
            .video(&video_claim_key(video), &[AD_OPTIONS_SK.to_owned()])
            .await
            .unwrap();
        view.records.into_iter().find(|r| r.sk == AD_OPTIONS_SK)
    }
}

/// A store failure on the Content ID API: 503 `backendError` in Google's envelope, with `Retry-After`.
#[track_caller]
pub(super) fn assert_backend_error(reply: &Reply, what: &str) {
    assert_503(reply, what);
    assert_google_error(reply, StatusCode::SERVICE_UNAVAILABLE, "backendError");
}

const CLAIMS: &str = "/youtube/partner/v1/claims";

fn claim_body(asset: &str, video: &str) -> Value {
    json!({ "assetId": asset, "videoId": video, "contentType": "audiovisual",
            "policy": { "rules": [{ "action": "monetize" }] } })
}

// ---------------------------------------------------------------------------------------------------
// claims.insert: the owner with the asset (one BatchGetItem), the video (one BatchGetItem), then the
// claim record with the video's claim key in one transaction.

const CLAIM_ROWS: &[Row] = &[
    row(Port("content_ids.get_with", 1, Unavailable), Held::Nothing),
    row(Port("content_ids.get_with", 1, LostResponse), Held::Nothing),
    row(Port("videos.get", 1, Unavailable), Held::Nothing),
    row(Port("videos.get", 1, LostResponse), Held::Nothing),
    row(Port("content_ids.write_exclusive", 1, Unavailable), Held::Nothing),
    // The claim landed; only its answer was lost.
    row(Port("content_ids.write_exclusive", 1, LostResponse), Held::Whole),
    // Step 1, the owner read.
    row(Sdk("BatchGetItem", 1, BeforeSend), Held::Nothing),
    row(Sdk("BatchGetItem", 1, Lost), Held::Nothing),
    // Step 2, the video read.
    row(Sdk("BatchGetItem", 2, BeforeSend), Held::Nothing),
    row(Sdk("BatchGetItem", 2, Lost), Held::Nothing),
    // Step 3, the transaction.
    row(Sdk("TransactWriteItems", 1, BeforeSend), Held::Nothing),
    row(Sdk("TransactWriteItems", 1, Lost), Held::Whole),
];

/// What the store holds of the claims of `video`: nothing, or the claim record AND the video's claim
/// key naming it — never one without the other.
async fn claim_held(c: &Cid, video: &str, what: &str) -> Held {
    let claims = c.records("CLAIM#").await;
    let holder = c
        .app
        .base
        .content_ids
        .video(&video_claim_key(video), &[])
        .await
        .unwrap()
        .holder;
    match (claims.as_slice(), holder) {
        ([], None) => Held::Nothing,
        ([claim], Some(key)) if key.record_sk == claim.sk && key.owner_id == c.p.owner => Held::Whole,
        (claims, holder) => panic!("{what}: partial claim: records {claims:?}, key {holder:?}"),
    }
}

async fn claims_insert_is_all_or_nothing_under_a_fault_at_each_step(backend: Backend) {
    for row in CLAIM_ROWS {
        let c = Cid::new(backend).await;
        let asset = c.p.asset("Live").await;
        let video = c.p.yt.insert_broadcast(false).await;
        if !c.arm(row.step) {
            continue;
        }
        let what = format!("{row:?}");
        let reply =
            c.p.call(Method::POST, CLAIMS, Some(claim_body(&asset, &video)))
                .await;
        assert_backend_error(&reply, &what);
        c.check_fired(row.step);
        let held = claim_held(&c, &video, &what).await;
        assert_eq!(held, row.held, "{what}: the store holds {held:?}");

        let again =
            c.p.call(Method::POST, CLAIMS, Some(claim_body(&asset, &video)))
                .await;
        match held {
            Held::Nothing => {
                assert_eq!(again.status, StatusCode::OK, "{what}: {}", again.text);
                let id = again.body["id"].as_str().unwrap();
                let got = c.p.call(Method::GET, &format!("{CLAIMS}/{id}"), None).await;
                assert_eq!(got.status, StatusCode::OK, "{what}: {}", got.text);
            }
            Held::Whole => {
                assert_google_error(&again, StatusCode::CONFLICT, "alreadyClaimed");
            }
        }
        // Either way the video is claimed exactly once.
        assert_eq!(claim_held(&c, &video, &what).await, Held::Whole, "{what}");
    }
}

// ---------------------------------------------------------------------------------------------------
// ownership.update / assetMatchPolicy.update / videoAdvertisingOptions.update: one conditional write
// (a transaction with the link guard). A fault on it changes nothing; a lost answer leaves the whole
// update; the retry succeeds either way.

const UPDATE_ROWS: &[Row] = &[
    row(Port("content_ids.write", 1, Unavailable), Held::Nothing),
    row(Port("content_ids.write", 1, LostResponse), Held::Whole),
    row(Sdk("TransactWriteItems", 1, BeforeSend), Held::Nothing),
    row(Sdk("TransactWriteItems", 1, Lost), Held::Whole),
];

/// The same rows for the advertising options, whose write is `write_video`.
const AD_OPTION_ROWS: &[Row] = &[
    row(Port("content_ids.write_video", 1, Unavailable), Held::Nothing),
    row(Port("content_ids.write_video", 1, LostResponse), Held::Whole),
    row(Sdk("TransactWriteItems", 1, BeforeSend), Held::Nothing),
    row(Sdk("TransactWriteItems", 1, Lost), Held::Whole),
];

#[derive(Debug, Clone, Copy)]
enum Update {
    Ownership,
    MatchPolicy,
    AdOptions,
}

async fn owner_record_updates_change_nothing_under_a_fault_on_the_write(backend: Backend) {
    let cases = [
        (Update::Ownership, UPDATE_ROWS),
        (Update::MatchPolicy, UPDATE_ROWS),
        (Update::AdOptions, AD_OPTION_ROWS),
    ];
    for (update, rows) in cases {
        for row in rows {
            let c = Cid::new(backend).await;
            let asset = c.p.asset("Live").await;
            let video = c.p.yt.insert_broadcast(false).await;
            let (path, body) = match update {
                Update::Ownership => (
                    format!("/youtube/partner/v1/assets/{asset}/ownership"),
                    ownership_body(json!(100), json!(["US"]), "include"),
                ),
                Update::MatchPolicy => (
                    format!("/youtube/partner/v1/assets/{asset}/matchPolicy"),
                    json!({ "rules": [{ "action": "block" }] }),
                ),
                Update::AdOptions => {
                    let r =
                        c.p.call(Method::POST, CLAIMS, Some(claim_body(&asset, &video)))
                            .await;
                    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
                    let path = format!("/youtube/partner/v1/videoAdvertisingOptions/{video}");
                    // Stored once, so the faulted write is an update on a version.
                    let first = json!({ "adFormats": ["standard_instream"], "breakPosition": ["preroll"] });
                    let r = c.p.call(Method::PUT, &path, Some(first)).await;
                    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
                    (
                        path,
                        json!({ "adFormats": ["standard_instream"], "breakPosition": ["preroll", "midroll"] }),
                    )
                }
            };
            let version = || async {
                match update {
                    Update::AdOptions => c.ad_options_record(&video).await.unwrap().version,
                    _ => c.asset_record(&asset).await.version,
                }
            };
            let read = || async {
                let r = c.p.call(Method::GET, &path, None).await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.text);
                r.body
            };
            let (before, v0) = (read().await, version().await);
            if !c.arm(row.step) {
                continue;
            }
            let what = format!("{update:?} {row:?}");
            let reply = c.p.call(Method::PUT, &path, Some(body.clone())).await;
            assert_backend_error(&reply, &what);
            c.check_fired(row.step);
            let after = read().await;
            match row.held {
                Held::Nothing => {
                    assert_eq!(version().await, v0, "{what}: the version moved");
                    assert_eq!(after, before, "{what}: the resource changed");
                }
                Held::Whole => {
                    assert_eq!(version().await, v0 + 1, "{what}");
                    assert_ne!(after["etag"], before["etag"], "{what}");
                }
            }
            let again = c.p.call(Method::PUT, &path, Some(body.clone())).await;
            assert_eq!(again.status, StatusCode::OK, "{what}: {}", again.text);
            let expected = match row.held {
                Held::Nothing => v0 + 1,
                Held::Whole => v0 + 2,
            };
            assert_eq!(version().await, expected, "{what}: the retry wrote once");
            assert_eq!(
                read().await,
                again.body,
                "{what}: the retry's answer is what is stored"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// assets.insert / policies.insert: the owner read, then one conditional put. The store holds the
// whole record or nothing; a stored record is complete (it reads back through the API).

const INSERT_ROWS: &[Row] = &[
    row(Port("content_ids.get_with", 1, Unavailable), Held::Nothing),
    row(Port("content_ids.write", 1, Unavailable), Held::Nothing),
    row(Port("content_ids.write", 1, LostResponse), Held::Whole),
    row(Sdk("BatchGetItem", 1, BeforeSend), Held::Nothing),
    row(Sdk("TransactWriteItems", 1, BeforeSend), Held::Nothing),
    row(Sdk("TransactWriteItems", 1, Lost), Held::Whole),
];

async fn asset_and_policy_inserts_leave_no_half_written_record(backend: Backend) {
    for (prefix, path, body) in [
        (
            "ASSET#",
            "/youtube/partner/v1/assets",
            crate::partner::asset_body("web", "Live"),
        ),
        (
            "POLICY#",
            "/youtube/partner/v1/policies",
            crate::partner::policy_body("P", "monetize"),
        ),
    ] {
        for row in INSERT_ROWS {
            let c = Cid::new(backend).await;
            if !c.arm(row.step) {
                continue;
            }
            let what = format!("{prefix} {row:?}");
            let reply = c.p.call(Method::POST, path, Some(body.clone())).await;
            assert_backend_error(&reply, &what);
            c.check_fired(row.step);
            let stored = c.records(prefix).await;
            let held = match stored.len() {
                0 => Held::Nothing,
                1 => Held::Whole,
                n => panic!("{what}: {n} records"),
            };
            assert_eq!(held, row.held, "{what}: {stored:?}");
            // A stored record is whole: it reads back through the API, at version 1.
            for record in &stored {
                assert_eq!(record.version, 1, "{what}");
                let id = record.sk.strip_prefix(prefix).unwrap();
                let r = match prefix {
                    "ASSET#" => c.p.call(Method::GET, &format!("{path}/{id}"), None).await,
                    _ => c.p.call(Method::GET, &format!("{path}?id={id}"), None).await,
                };
                assert_eq!(r.status, StatusCode::OK, "{what}: {}", r.text);
                let json = r.body.to_string();
                assert!(json.contains(id), "{what}: {json}");
            }
            let again = c.p.call(Method::POST, path, Some(body.clone())).await;
            assert_eq!(again.status, StatusCode::OK, "{what}: {}", again.text);
            assert_eq!(c.records(prefix).await.len(), stored.len() + 1, "{what}");
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// The entitlement read (the owner record, alone or with the records a call needs) failing: every
// method answers 503 — a store failure must not look like "not entitled" (403) or "no such thing"
// (404) — and the retry gets the real answer.

/// (port operation, method, path, body, the retry's status after the port fault and after the SDK
/// fault).
type EntitledCall = (&'static str, Method, String, Option<Value>, [u16; 2]);

async fn a_store_fault_on_the_entitlement_read_answers_503_never_403_or_404(backend: Backend) {
    let c = Cid::new(backend).await;
    let asset = c.p.asset("Live").await;
    let policy = c.p.policy("P").await;
    let video = c.p.yt.insert_broadcast(false).await;
    let claimed = c.p.yt.insert_broadcast(false).await;
    let r =
        c.p.call(Method::POST, CLAIMS, Some(claim_body(&asset, &claimed)))
            .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let claim = r.body["id"].as_str().unwrap().to_owned();
    let base = "/youtube/partner/v1";
    let opts = format!("{base}/videoAdvertisingOptions/{claimed}");
    let calls: Vec<EntitledCall> = vec![
        (
            "get_with",
            Method::GET,
            format!("{base}/assets/{asset}"),
            None,
            [200, 200],
        ),
        (
            "get_with",
            Method::POST,
            format!("{base}/assets"),
            Some(crate::partner::asset_body("web", "T")),
            [200, 200],
        ),
        (
            "get_with",
            Method::GET,
            format!("{base}/assets/{asset}/ownership"),
            None,
            [200, 200],
        ),
        (
            "get_with",
            Method::PUT,
            format!("{base}/assets/{asset}/ownership"),
            Some(ownership_body(json!(100), json!(["US"]), "include")),
            [200, 200],
        ),
        (
            "get_with",
            Method::GET,
            format!("{base}/assets/{asset}/matchPolicy"),
            None,
            [200, 200],
        ),
        (
            "get_with",
            Method::PUT,
            format!("{base}/assets/{asset}/matchPolicy"),
            Some(json!({ "policyId": policy })),
            [200, 200],
        ),
        (
            "get_with",
            Method::POST,
            format!("{base}/policies"),
            Some(crate::partner::policy_body("Q", "track")),
            [200, 200],
        ),
        (
            "list_with",
            Method::GET,
            format!("{base}/policies"),
            None,
            [200, 200],
        ),
        (
            "get_with",
            Method::POST,
            CLAIMS.to_owned(),
            Some(claim_body(&asset, &video)),
            [200, 409],
        ),
        (
            "get_with",
            Method::GET,
            format!("{CLAIMS}/{claim}"),
            None,
            [200, 200],
        ),
        // The owner and the video's claim partition are read together.
        ("get_with_video", Method::GET, opts.clone(), None, [200, 200]),
        (
            "get_with_video",
            Method::PUT,
            opts.clone(),
            Some(json!({ "adFormats": ["overlay"] })),
            [200, 200],
        ),
        // A second claim on the claimed video: the real answer is 409, never before the store answers.
        (
            "get_with",
            Method::POST,
            CLAIMS.to_owned(),
            Some(claim_body(&asset, &claimed)),
            [409, 409],
        ),
    ];
    for (op, method, path, body, retries) in calls {
        // The port call, and the SDK request that carries it.
        let (port, sdk) = match op {
            "get_with" => ("content_ids.get_with", ("BatchGetItem", 1)),
            "list_with" => ("content_ids.list_with", ("Query", 1)),
            _ => ("content_ids.get_with_video", ("BatchGetItem", 1)),
        };
        let steps = [Port(port, 1, Unavailable), Sdk(sdk.0, sdk.1, BeforeSend)];
        for (step, retry) in steps.into_iter().zip(retries) {
            if !c.arm(step) {
                continue;
            }
            let what = format!("{method} {path} with {step:?}");
            let fired = c.app.faults.fired().len() + c.app.sdk.fired().len();
            let reply = c.p.call(method.clone(), &path, body.clone()).await;
            c.app.faults.clear();
            assert_eq!(
                c.app.faults.fired().len() + c.app.sdk.fired().len(),
                fired + 1,
                "{what}: the fault did not fire once: port {:?}, sdk {:?}",
                c.app.faults.fired(),
                c.app.sdk.fired()
            );
            assert!(
                reply.status != StatusCode::FORBIDDEN && reply.status != StatusCode::NOT_FOUND,
                "{what}: a store failure answered {}: {}",
                reply.status,
                reply.text
            );
            assert_backend_error(&reply, &what);
            let again = c.p.call(method.clone(), &path, body.clone()).await;
            assert_eq!(again.status.as_u16(), retry, "{what}: retry {}", again.text);
            if retry == 409 {
                assert_eq!(reason(&again), "alreadyClaimed", "{what}: {}", again.text);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// The processing report (admin route and the EventBridge function's use case): read the video, then
// one conditional write of the report. A fault on the write leaves it unapplied and the retry applies
// it once; a lost answer leaves it applied and the retry is a replay that changes nothing.

const REPORT_ROWS: &[Row] = &[
    row(Port("videos.get", 1, Unavailable), Held::Nothing),
    row(Port("videos.record", 1, Unavailable), Held::Nothing),
    row(Port("videos.record", 1, LostResponse), Held::Whole),
    row(Sdk("TransactWriteItems", 1, BeforeSend), Held::Nothing),
    row(Sdk("TransactWriteItems", 1, Lost), Held::Whole),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    Admin,
    Event,
}

/// Sends the report; `Ok(Some(applied))` from the admin route, `Ok(None)` from the function.
async fn send_report(c: &Cid, via: Via, video: &str, what: &str) -> Result<Option<bool>, String> {
    let user = &c.p.yt.user;
    match via {
        Via::Admin => {
            let body = json!({ "status": "processed" }).to_string();
            let path = format!("/admin/users/{user}/videos/{video}/processing");
            let reply = admin(&c.p.yt.router, Method::PUT, &path, Some(&body)).await;
            if reply.status == StatusCode::OK {
                return Ok(Some(reply.body["applied"].as_bool().unwrap()));
            }
            assert_503(&reply, what);
            Err(reply.text)
        }
        Via::Event => {
            let payload = json!({
                "source": "onair.media",
                "detail-type": "Recording Processed",
                "detail": { "userId": user, "videoId": video, "status": "processed" },
            });
            let state = c.p.yt.app.state.clone();
            match onair_api::media::recording_processed(state, payload).await {
                Ok(()) => Ok(None),
                Err(onair_api::registry::StepError::Retryable(why)) => Err(why),
                Err(other) => panic!("{what}: a store failure is not retryable: {other}"),
            }
        }
    }
}

async fn a_processing_report_is_applied_once_under_a_fault_on_its_write(backend: Backend) {
    for via in [Via::Admin, Via::Event] {
        for row in REPORT_ROWS {
            let c = Cid::new(backend).await;
            let video = c.p.yt.insert_broadcast(true).await;
            c.p.yt.force_state(&video, LifeCycleStatus::Complete).await;
            if !c.arm(row.step) {
                continue;
            }
            let what = format!("{via:?} {row:?}");
            let first = send_report(&c, via, &video, &what).await;
            assert!(first.is_err(), "{what}: {first:?}");
            c.check_fired(row.step);
            let owner = c.p.yt.owner();
            let stored = c.app.base.videos.get(&owner, &video).await.unwrap().processing;
            let held = if stored.is_some() {
                Held::Whole
            } else {
                Held::Nothing
            };
            assert_eq!(held, row.held, "{what}: {stored:?}");

            let again = send_report(&c, via, &video, &what).await;
            match via {
                // Applied by the retry unless the first attempt had landed (then a replay).
                Via::Admin => assert_eq!(again, Ok(Some(held == Held::Nothing)), "{what}"),
                Via::Event => assert_eq!(again, Ok(None), "{what}"),
            }
            let after = c.app.base.videos.get(&owner, &video).await.unwrap().processing;
            assert!(after.is_some(), "{what}: the retry did not apply the report");
            if held == Held::Whole {
                assert_eq!(after, stored, "{what}: the replay changed the stored report");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// The midroll rule of `liveBroadcasts.insertCuepoint` reads the video's claim key and its advertising
// options: a failed read answers 503 — neither `403 midrollNotEnabled` (a refusal the store did not
// decide) nor a cuepoint let through unchecked — and inserts nothing.

async fn a_store_fault_on_the_midroll_check_answers_503_and_inserts_no_cuepoint(backend: Backend) {
    for midroll in [false, true] {
        let c = Cid::new(backend).await;
        let (b, _) = c.p.yt.ready_with_active_stream(false).await;
        c.p.yt.force_state(&b, LifeCycleStatus::Live).await;
        let asset = c.p.asset("Live").await;
        let r = c.p.call(Method::POST, CLAIMS, Some(claim_body(&asset, &b))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        if midroll {
            let path = format!("/youtube/partner/v1/videoAdvertisingOptions/{b}");
            let r =
                c.p.call(Method::PUT, &path, Some(json!({ "breakPosition": ["midroll"] })))
                    .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        }
        let path = format!("/youtube/v3/liveBroadcasts/cuepoint?id={b}");
        let cuepoint = || {
            c.p.yt
                .call(Method::POST, &path, Some(json!({ "cueType": "cueTypeAd" })))
        };
        let step = Port("content_ids.video", 1, Unavailable);
        c.arm(step);
        let before = c.p.yt.snapshot().await;
        let what = format!("midroll {midroll}");
        let reply = cuepoint().await;
        c.check_fired(step);
        assert_backend_error(&reply, &what);
        assert_eq!(c.p.yt.snapshot().await, before, "{what}: something changed");
        let again = cuepoint().await;
        if midroll {
            assert_eq!(again.status, StatusCode::OK, "{what}: {}", again.text);
        } else {
            assert_google_error(&again, StatusCode::FORBIDDEN, "midrollNotEnabled");
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Admin links and unlinks of an owner's channels: one conditional put of the owner record on its
// version. A fault changes nothing; a lost answer leaves the whole change. The retry of a link
// succeeds either way (linking a linked channel answers the owner); the retry of an unlink whose answer
// was lost answers 404 (the link is gone) — the state the caller wanted.

const OWNER_ROWS: &[Row] = &[
    row(Port("content_ids.update_owner", 1, Unavailable), Held::Nothing),
    row(Port("content_ids.update_owner", 1, LostResponse), Held::Whole),
    row(Port("content_ids.get_with", 1, Unavailable), Held::Nothing),
    row(Sdk("PutItem", 1, BeforeSend), Held::Nothing),
    row(Sdk("PutItem", 1, Lost), Held::Whole),
];

async fn owner_links_are_all_or_nothing_under_a_fault_on_the_owner_write(backend: Backend) {
    for unlink in [false, true] {
        for row in OWNER_ROWS {
            let c = Cid::new(backend).await;
            let router = &c.p.yt.router;
            let second = create_channel(router, &c.p.yt.user, "second").await;
            let path = format!("/admin/content-owners/{}/channels/{second}", c.p.owner);
            let body = json!({ "userId": c.p.yt.user }).to_string();
            if unlink {
                let r = admin(router, Method::PUT, &path, Some(&body)).await;
                assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            }
            let linked = || async {
                let view = c
                    .app
                    .base
                    .content_ids
                    .get_with(&c.p.owner, &[])
                    .await
                    .unwrap()
                    .unwrap();
                (
                    view.owner.owner.channels.contains_key(&second),
                    view.owner.version,
                )
            };
            let (was, v0) = linked().await;
            assert_eq!(was, unlink);
            if !c.arm(row.step) {
                continue;
            }
            let what = format!("unlink {unlink} {row:?}");
            let send = || async {
                match unlink {
                    false => admin(router, Method::PUT, &path, Some(&body)).await,
                    true => admin(router, Method::DELETE, &path, None).await,
                }
            };
            let reply = send().await;
            assert_503(&reply, &what);
            c.check_fired(row.step);
            let (now, v1) = linked().await;
            let held = if (now, v1) == (was, v0) {
                Held::Nothing
            } else {
                assert_eq!((now, v1), (!was, v0 + 1), "{what}");
                Held::Whole
            };
            assert_eq!(held, row.held, "{what}");
            // The first channel's link is untouched whatever happened.
            let r = c.p.call(Method::GET, "/youtube/partner/v1/policies", None).await;
            assert_eq!(r.status, StatusCode::OK, "{what}: {}", r.text);

            let again = send().await;
            let expected = match (unlink, held) {
                (true, Held::Whole) => StatusCode::NOT_FOUND,
                (true, Held::Nothing) => StatusCode::NO_CONTENT,
                (false, _) => StatusCode::OK,
            };
            assert_eq!(again.status, expected, "{what}: {}", again.text);
            assert_eq!(linked().await, (!was, v0 + 1), "{what}: changed exactly once");
        }
    }
}
