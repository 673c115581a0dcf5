//! Every multi-step write, with a fault at each step, on both stores.
//!
//! One row per (write, step, fault kind). Each row runs on a fresh [`FaultApp`]: set the scene through
//! the router, arm the row's faults, send the request, then check
//! 1. the caller's answer (503 with `Retry-After`, or the documented error),
//! 2. that every armed fault really fired (a fault that is never reached proves nothing),
//! 3. what the store holds, read directly (past the decorator): the whole write or none of it — or,
//!    for the rows where a best-effort undo is itself made to fail, the documented leftover,
//! 4. that the retry succeeds (or, for a spent authorization code, that the code is refused as the
//!    RFC requires and a fresh authorization succeeds).
//!
//! Port-level rows (`Port`) run on both stores; SDK-level rows (`Sdk`, a fault between the requests of
//! one DynamoDB / Secrets Manager adapter method) only where there is an SDK, and the embedded half of
//! each test skips them.

use super::inject::Fault;
use super::sdk::SdkFault;
use super::{FaultApp, assert_503};
use crate::support::oauth::{
    REDIRECT, TestClient, audit_events, basic, create_channel, create_client, create_user, form,
    login_tokens, obtain_code, post_form, prism_exchange, prism_refresh, tokens,
};
use crate::support::{Backend, Reply, admin};
use http::{Method, StatusCode};
use onair_domain::oauth::token::token_hash;
use onair_domain::{PageRequest, UserId};
use onair_store::StoreError;
use serde_json::json;

crate::support::on_both_backends!(
    refresh_rotation_is_all_or_nothing_under_a_fault_at_each_step,
    code_exchange_with_its_audit_entry_is_all_or_nothing_under_a_fault_at_each_step,
    user_delete_with_its_channels_is_all_or_nothing_under_a_fault_at_each_step,
    client_create_record_and_secret_are_all_or_nothing_under_a_fault_at_each_step,
    secret_rotation_is_all_or_nothing_under_a_fault_at_each_step,
);

/// One injected fault.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// The `n`-th call of a port operation.
    Port(&'static str, u32, Fault),
    /// The `n`-th request of an SDK operation (DynamoDB / Secrets Manager only).
    Sdk(&'static str, u32, SdkFault),
}

use Fault::{Conflict, LostResponse, Unavailable};
use SdkFault::{BeforeSend, LostResponse as Lost};
use Step::{Port, Sdk};

/// What the caller gets.
#[derive(Debug, Clone, Copy)]
enum Answer {
    /// 503 with `Retry-After`.
    Unavailable,
    /// This status (and, for OAuth, this `error`).
    Status(u16, Option<&'static str>),
}

/// What the store holds after the fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Held {
    /// None of the write.
    Nothing,
    /// All of it.
    Whole,
    /// A documented leftover when the best-effort undo fails too (named by the write's checker).
    Leftover,
}

/// What the retry gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Retry {
    /// The same request again succeeds.
    Succeeds,
    /// The same request is refused with this OAuth error; a fresh start of the flow succeeds.
    Refused(&'static str),
}

#[derive(Debug)]
struct Row {
    steps: &'static [Step],
    answer: Answer,
    held: Held,
    retry: Retry,
}

const fn row(steps: &'static [Step], answer: Answer, held: Held, retry: Retry) -> Row {
    Row {
        steps,
        answer,
        held,
        retry,
    }
}

const FAIL: Answer = Answer::Unavailable;
const OK: Retry = Retry::Succeeds;

/// Arms the row's faults; `false` when the row needs an SDK the backend does not have.
fn arm(app: &FaultApp, row: &Row) -> bool {
    let sdk_row = row.steps.iter().any(|s| matches!(s, Sdk(..)));
    if sdk_row && app.backend == Backend::Embedded {
        return false;
    }
    for step in row.steps {
        match *step {
            Port(op, n, fault) => {
                app.faults.fail_nth(op, n, fault);
            }
            Sdk(op, n, fault) => app.sdk.fail_nth(op, n, fault),
        }
    }
    true
}

/// Checks the answer and that every armed fault fired.
#[track_caller]
fn check_answer(app: &FaultApp, row: &Row, reply: &Reply) {
    let what = format!("{row:?}");
    match row.answer {
        Answer::Unavailable => assert_503(reply, &what),
        Answer::Status(status, error) => {
            assert_eq!(reply.status.as_u16(), status, "{what}: {}", reply.text);
            if let Some(error) = error {
                assert_eq!(reply.body["error"], error, "{what}: {}", reply.text);
            }
        }
    }
    let port_steps = row.steps.iter().filter(|s| matches!(s, Port(..))).count();
    let sdk_steps = row.steps.iter().filter(|s| matches!(s, Sdk(..))).count();
    assert_eq!(
        app.faults.fired().len(),
        port_steps,
        "{what}: port faults fired: {:?}; calls: {:?}",
        app.faults.fired(),
        app.faults.calls()
    );
    assert_eq!(
        app.sdk.fired().len(),
        sdk_steps,
        "{what}: SDK faults fired: {:?}; requests: {:?}",
        app.sdk.fired(),
        app.sdk.sent()
    );
    app.faults.clear();
}

// ---------------------------------------------------------------------------------------------------
// Refresh rotation: retire the presented token, write its successor with the audit entry; on a failed
// second step, put the presented token back in service (the best-effort undo).

const REFRESH_ROWS: &[Row] = &[
    row(
        &[Port("grants.rotate_refresh", 1, Unavailable)],
        FAIL,
        Held::Nothing,
        OK,
    ),
    row(
        &[Port("grants.rotate_refresh", 1, LostResponse)],
        FAIL,
        Held::Whole,
        OK,
    ),
    row(
        &[Port("grants.rotate_refresh", 1, Conflict)],
        Answer::Status(400, Some("invalid_grant")),
        Held::Nothing,
        OK,
    ),
    // Step 1, the retiring UpdateItem.
    row(&[Sdk("UpdateItem", 1, BeforeSend)], FAIL, Held::Nothing, OK),
    row(&[Sdk("UpdateItem", 1, Lost)], FAIL, Held::Nothing, OK),
    // Step 2, the successor transaction; the undo puts the presented token back.
    row(
        &[Sdk("TransactWriteItems", 1, BeforeSend)],
        FAIL,
        Held::Nothing,
        OK,
    ),
    // The successor was stored: the undo must not reinstate the presented token.
    row(&[Sdk("TransactWriteItems", 1, Lost)], FAIL, Held::Whole, OK),
    // Step 2 fails and so does the undo (its transaction is the second one): the presented token stays
    // retired with no successor, and its retry is refused — the streamer logs in again. Documented.
    row(
        &[
            Sdk("TransactWriteItems", 1, BeforeSend),
            Sdk("TransactWriteItems", 2, BeforeSend),
        ],
        FAIL,
        Held::Leftover,
        Retry::Refused("invalid_grant"),
    ),
];

async fn refresh_rotation_is_all_or_nothing_under_a_fault_at_each_step(backend: Backend) {
    for row in REFRESH_ROWS {
        let app = FaultApp::new(backend).await;
        let client = create_client(&app.router, "PRISM").await;
        create_user(&app.router, "streamer").await;
        let issued = login_tokens(&app.router, &client, "streamer").await;
        if !arm(&app, row) {
            continue;
        }
        let reply = prism_refresh(&app.router, &client, &issued.refresh).await;
        check_answer(&app, row, &reply);

        let what = format!("{row:?}");
        let old = app
            .base
            .grants
            .get_refresh(&token_hash(&issued.refresh))
            .await
            .unwrap();
        let audited = count(&audit_events(&app.base).await, "token_refreshed");
        let held = match &old.rotated {
            None => {
                assert_eq!(audited, 0, "{what}: audit entry without rotation");
                Held::Nothing
            }
            Some(rotation) => match app.base.grants.get_refresh(&rotation.successor_hash).await {
                Ok(successor) => {
                    assert!(successor.rotated.is_none(), "{what}: successor already rotated");
                    assert_eq!(audited, 1, "{what}: successor without its audit entry");
                    Held::Whole
                }
                Err(StoreError::NotFound) => {
                    assert_eq!(audited, 0, "{what}: audit entry without a successor");
                    Held::Leftover
                }
                Err(err) => panic!("{what}: reading the successor: {err}"),
            },
        };
        assert_eq!(held, row.held, "{what}: the store holds {held:?}");

        let again = prism_refresh(&app.router, &client, &issued.refresh).await;
        match row.retry {
            Retry::Succeeds => {
                let next = tokens(&again);
                // The successor handed out is live: it rotates once more.
                tokens(&prism_refresh(&app.router, &client, &next.refresh).await);
            }
            Retry::Refused(error) => {
                assert_eq!(again.status, StatusCode::BAD_REQUEST, "{what}: {}", again.text);
                assert_eq!(again.body["error"], error, "{what}: {}", again.text);
                login_tokens(&app.router, &client, "streamer").await;
            }
        }
    }
}

fn count(events: &[&str], event: &str) -> usize {
    events.iter().filter(|e| **e == event).count()
}

// ---------------------------------------------------------------------------------------------------
// Code exchange: redeem the code (single-use guard), then start the family with its first refresh token
// and the `code_redeemed` audit entry in one write. When either step fails with the store unavailable,
// the exchange gives the code back (`grants.unredeem_code`: only if it is still this request's
// redemption and nothing of the family was written), so the retry of the same code succeeds. Only where
// the family was written (its answer lost), or the give-back fails too, is the code spent: a retry is a
// replay (RFC 6749 §4.1.2), refused, and it revokes what the code issued; the client starts a new
// authorization.

const CODE_ROWS: &[Row] = &[
    row(
        &[Port("grants.redeem_code", 1, Unavailable)],
        FAIL,
        Held::Nothing,
        OK,
    ),
    row(
        &[Port("grants.redeem_code", 1, LostResponse)],
        FAIL,
        Held::Nothing,
        OK,
    ),
    row(
        &[Port("grants.start_family", 1, Unavailable)],
        FAIL,
        Held::Nothing,
        OK,
    ),
    // The family was written: the code stays spent. Documented.
    row(
        &[Port("grants.start_family", 1, LostResponse)],
        FAIL,
        Held::Whole,
        Retry::Refused("invalid_grant"),
    ),
    // A conflict is a missing or disabled user: refused, and the code stays spent.
    row(
        &[Port("grants.start_family", 1, Conflict)],
        Answer::Status(400, Some("invalid_grant")),
        Held::Nothing,
        Retry::Refused("invalid_grant"),
    ),
    // The give-back fails too: the code stays spent. Documented.
    row(
        &[
            Port("grants.redeem_code", 1, LostResponse),
            Port("grants.unredeem_code", 1, Unavailable),
        ],
        FAIL,
        Held::Nothing,
        Retry::Refused("invalid_grant"),
    ),
    row(
        &[
            Port("grants.start_family", 1, Unavailable),
            Port("grants.unredeem_code", 1, Unavailable),
        ],
        FAIL,
        Held::Nothing,
        Retry::Refused("invalid_grant"),
    ),
    row(&[Sdk("UpdateItem", 1, BeforeSend)], FAIL, Held::Nothing, OK),
    row(&[Sdk("UpdateItem", 1, Lost)], FAIL, Held::Nothing, OK),
    row(
        &[Sdk("TransactWriteItems", 1, BeforeSend)],
        FAIL,
        Held::Nothing,
        OK,
    ),
    row(
        &[Sdk("TransactWriteItems", 1, Lost)],
        FAIL,
        Held::Whole,
        Retry::Refused("invalid_grant"),
    ),
    // The give-back's own transaction is lost after it was applied: the code was given back.
    row(
        &[
            Sdk("TransactWriteItems", 1, BeforeSend),
            Sdk("TransactWriteItems", 2, Lost),
        ],
        FAIL,
        Held::Nothing,
        OK,
    ),
];

async fn code_exchange_with_its_audit_entry_is_all_or_nothing_under_a_fault_at_each_step(backend: Backend) {
    for row in CODE_ROWS {
        let app = FaultApp::new(backend).await;
        let client = create_client(&app.router, "PRISM").await;
        create_user(&app.router, "streamer").await;
        let code = obtain_code(&app.router, &client.id, "streamer", None, None).await;
        if !arm(&app, row) {
            continue;
        }
        let reply = prism_exchange(&app.router, &client, &code, &[]).await;
        check_answer(&app, row, &reply);

        let what = format!("{row:?}");
        let events = audit_events(&app.base).await;
        let held = match count(&events, "code_redeemed") {
            0 => Held::Nothing,
            1 => Held::Whole,
            n => panic!("{what}: {n} code_redeemed entries"),
        };
        assert_eq!(held, row.held, "{what}: the store holds {held:?}: {events:?}");

        let again = prism_exchange(&app.router, &client, &code, &[]).await;
        match row.retry {
            Retry::Succeeds => {
                let issued = tokens(&again);
                // One family from the code, no replay, and its refresh token is live.
                let events = audit_events(&app.base).await;
                assert_eq!(count(&events, "code_redeemed"), 1, "{what}: {events:?}");
                assert_eq!(count(&events, "code_replayed"), 0, "{what}: {events:?}");
                tokens(&prism_refresh(&app.router, &client, &issued.refresh).await);
            }
            Retry::Refused(error) => {
                assert_eq!(again.status, StatusCode::BAD_REQUEST, "{what}: {}", again.text);
                assert_eq!(again.body["error"], error, "{what}: {}", again.text);
                // Whatever the spent code issued is dead: its replay revoked the family.
                let events = audit_events(&app.base).await;
                assert_eq!(count(&events, "code_replayed"), 1, "{what}: {events:?}");
                login_tokens(&app.router, &client, "streamer").await;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// User delete: the profile, the login reservation and every channel, in one write.

const USER_DELETE_ROWS: &[Row] = &[
    row(&[Port("users.delete", 1, Unavailable)], FAIL, Held::Nothing, OK),
    row(&[Port("users.delete", 1, LostResponse)], FAIL, Held::Whole, OK),
    row(
        &[Port("users.delete", 1, Conflict)],
        Answer::Status(409, None),
        Held::Nothing,
        OK,
    ),
    // Step 1 reads the partition, step 2 is the transaction.
    row(&[Sdk("Query", 1, BeforeSend)], FAIL, Held::Nothing, OK),
    row(
        &[Sdk("TransactWriteItems", 1, BeforeSend)],
        FAIL,
        Held::Nothing,
        OK,
    ),
    row(&[Sdk("TransactWriteItems", 1, Lost)], FAIL, Held::Whole, OK),
];

async fn user_delete_with_its_channels_is_all_or_nothing_under_a_fault_at_each_step(backend: Backend) {
    for row in USER_DELETE_ROWS {
        let app = FaultApp::new(backend).await;
        let id = create_user(&app.router, "leaving").await;
        create_channel(&app.router, &id, "one").await;
        create_channel(&app.router, &id, "two").await;
        if !arm(&app, row) {
            continue;
        }
        let path = format!("/admin/users/{id}");
        let reply = admin(&app.router, Method::DELETE, &path, None).await;
        check_answer(&app, row, &reply);

        let what = format!("{row:?}");
        let user = UserId::parse(&id).unwrap();
        let profile = app.base.users.get(&user).await;
        let login = app.base.users.find_by_login("leaving").await;
        let channels = app.base.channels.list(&user, &PageRequest::first(100)).await;
        let held = match (profile, login, channels) {
            (Ok(_), Ok(_), Ok(owned)) if owned.page.items.len() == 2 => Held::Nothing,
            (Err(StoreError::NotFound), Err(StoreError::NotFound), Err(StoreError::NotFound)) => Held::Whole,
            (profile, login, channels) => {
                panic!("{what}: half-deleted: profile {profile:?}, login {login:?}, channels {channels:?}")
            }
        };
        assert_eq!(held, row.held, "{what}: the store holds {held:?}");

        let again = admin(&app.router, Method::DELETE, &path, None).await;
        let expected = match held {
            Held::Whole => StatusCode::NOT_FOUND,
            _ => StatusCode::NO_CONTENT,
        };
        assert_eq!(again.status, expected, "{what}: {}", again.text);
        // The login reservation went with the user.
        create_user(&app.router, "leaving").await;
    }
}

// ---------------------------------------------------------------------------------------------------
// Client create: the secret (Secrets Manager) first, then the record (DynamoDB); a failed record write
// removes the secret again. Invariant: every client has its secret and every secret has its client.

const CLIENT_CREATE_ROWS: &[Row] = &[
    row(&[Port("secrets.create", 1, Unavailable)], FAIL, Held::Nothing, OK),
    row(
        &[Port("secrets.create", 1, LostResponse)],
        FAIL,
        Held::Nothing,
        OK,
    ),
    row(&[Port("clients.create", 1, Unavailable)], FAIL, Held::Nothing, OK),
    row(
        &[Port("clients.create", 1, LostResponse)],
        FAIL,
        Held::Nothing,
        OK,
    ),
    row(
        &[Port("clients.create", 1, Conflict)],
        Answer::Status(409, None),
        Held::Nothing,
        OK,
    ),
    // The record write fails and so does the removal of the secret: an orphan secret no record points
    // to (unusable, logged). Documented.
    row(
        &[
            Port("clients.create", 1, Unavailable),
            Port("secrets.delete", 1, Unavailable),
        ],
        FAIL,
        Held::Leftover,
        OK,
    ),
    row(&[Sdk("CreateSecret", 1, BeforeSend)], FAIL, Held::Nothing, OK),
    row(&[Sdk("CreateSecret", 1, Lost)], FAIL, Held::Nothing, OK),
    row(&[Sdk("PutItem", 1, BeforeSend)], FAIL, Held::Nothing, OK),
    row(&[Sdk("PutItem", 1, Lost)], FAIL, Held::Nothing, OK),
];

/// The clients in the store and the client secrets in the secret store (probing every id issued).
async fn clients_and_secrets(app: &FaultApp) -> (Vec<String>, Vec<String>) {
    let clients: Vec<String> = app
        .base
        .clients
        .list(&PageRequest::first(100))
        .await
        .unwrap()
        .items
        .iter()
        .map(|c| {
            assert_eq!(
                c.secret_name.as_deref(),
                Some(format!("clients/{}", c.id).as_str()),
                "a confidential client names its secret"
            );
            c.id.as_str().to_owned()
        })
        .collect();
    let issued: u64 = app
        .base
        .generator
        .id()
        .strip_prefix("id-")
        .unwrap()
        .parse()
        .unwrap();
    let mut secrets = Vec::new();
    for k in 1..issued {
        let id = format!("id-{k}");
        match app.base.secrets.refresh(&format!("clients/{id}")).await {
            Ok(_) => secrets.push(id),
            Err(StoreError::NotFound) => {}
            Err(err) => panic!("reading clients/{id}: {err}"),
        }
    }
    (clients, secrets)
}

/// `POST /oauth/introspect` authenticated as `client` with `secret`: whether authentication passed.
async fn authenticates(app: &FaultApp, client: &str, secret: &str) -> bool {
    let auth = basic(client, secret);
    let reply = post_form(
        &app.router,
        "/oauth/introspect",
        &[("authorization", &auth)],
        &form(&[("token", "not-a-token")]),
    )
    .await;
    match reply.status {
        StatusCode::OK => true,
        StatusCode::UNAUTHORIZED => false,
        other => panic!("introspection answered {other}: {}", reply.text),
    }
}

async fn client_create_record_and_secret_are_all_or_nothing_under_a_fault_at_each_step(backend: Backend) {
    for row in CLIENT_CREATE_ROWS {
        let app = FaultApp::new(backend).await;
        let first = create_client(&app.router, "first").await;
        if !arm(&app, row) {
            continue;
        }
        let body = json!({"name": "PRISM", "redirectUris": [REDIRECT]}).to_string();
        let reply = admin(&app.router, Method::POST, "/admin/clients", Some(&body)).await;
        check_answer(&app, row, &reply);

        let what = format!("{row:?}");
        let (clients, secrets) = clients_and_secrets(&app).await;
        let held = if clients == [first.id.clone()] && secrets == [first.id.clone()] {
            Held::Nothing
        } else if clients == [first.id.clone()] && secrets.len() == 2 {
            Held::Leftover
        } else {
            panic!("{what}: clients {clients:?}, secrets {secrets:?}")
        };
        assert_eq!(held, row.held, "{what}: clients {clients:?}, secrets {secrets:?}");

        let again = admin(&app.router, Method::POST, "/admin/clients", Some(&body)).await;
        assert_eq!(again.status, StatusCode::CREATED, "{what}: {}", again.text);
        let created = TestClient {
            id: again.body["clientId"].as_str().unwrap().to_owned(),
            secret: again.body["clientSecret"].as_str().map(str::to_owned),
        };
        assert!(
            authenticates(&app, &created.id, created.secret()).await,
            "{what}: the retried client cannot authenticate"
        );
        let (clients, _) = clients_and_secrets(&app).await;
        assert_eq!(clients.len(), 2, "{what}: {clients:?}");
    }
}

// ---------------------------------------------------------------------------------------------------
// Secret rotation: write the rotated secret (a conditional write: one winner), then bump the record's
// version, undoing the secret write if the bump fails. Whatever fails, the secret in force is either the
// old one or the new one with the old one still accepted, and the old secret keeps authenticating. When
// the rotation did land (its answer was lost), a plain retry is refused with 409 — an overlap is running —
// and the operator's forced retry succeeds.

const ROTATION_ROWS: &[Row] = &[
    row(&[Port("clients.update", 1, Unavailable)], FAIL, Held::Nothing, OK),
    row(
        &[Port("clients.update", 1, LostResponse)],
        FAIL,
        Held::Nothing,
        OK,
    ),
    // A concurrent rename moved the version on: the bump re-reads the record and the rotation stands.
    row(
        &[Port("clients.update", 1, Conflict)],
        Answer::Status(200, None),
        Held::Whole,
        OK,
    ),
    row(&[Port("secrets.rotate", 1, Unavailable)], FAIL, Held::Nothing, OK),
    row(&[Port("secrets.rotate", 1, LostResponse)], FAIL, Held::Whole, OK),
    // The version bump is a conditional PutItem of the record.
    row(&[Sdk("PutItem", 1, BeforeSend)], FAIL, Held::Nothing, OK),
    row(&[Sdk("PutItem", 1, Lost)], FAIL, Held::Nothing, OK),
    row(&[Sdk("GetSecretValue", 1, BeforeSend)], FAIL, Held::Nothing, OK),
    row(&[Sdk("PutSecretValue", 1, BeforeSend)], FAIL, Held::Nothing, OK),
    row(&[Sdk("PutSecretValue", 1, Lost)], FAIL, Held::Whole, OK),
];

async fn secret_rotation_is_all_or_nothing_under_a_fault_at_each_step(backend: Backend) {
    for row in ROTATION_ROWS {
        let app = FaultApp::new(backend).await;
        let client = create_client(&app.router, "PRISM").await;
        let name = format!("clients/{}", client.id);
        if !arm(&app, row) {
            continue;
        }
        let path = format!("/admin/clients/{}/rotate-secret", client.id);
        let reply = admin(&app.router, Method::POST, &path, None).await;
        check_answer(&app, row, &reply);

        let what = format!("{row:?}");
        let stored = app.base.secrets.refresh(&name).await.unwrap().secret;
        let held = if stored.current.expose() == client.secret() {
            assert!(stored.previous.is_none(), "{what}: a previous secret appeared");
            Held::Nothing
        } else {
            assert_eq!(
                stored.previous.as_ref().map(|p| p.expose()),
                Some(client.secret()),
                "{what}: the old secret was not kept as the previous one"
            );
            Held::Whole
        };
        assert_eq!(held, row.held, "{what}: the store holds {held:?}");
        assert!(
            authenticates(&app, &client.id, client.secret()).await,
            "{what}: the old secret stopped working"
        );

        let mut again = admin(&app.router, Method::POST, &path, None).await;
        if held == Held::Whole {
            assert_eq!(again.status, StatusCode::CONFLICT, "{what}: {}", again.text);
            let forced = r#"{"force":true}"#;
            again = admin(&app.router, Method::POST, &path, Some(forced)).await;
        }
        assert_eq!(again.status, StatusCode::OK, "{what}: {}", again.text);
        let rotated = again.body["clientSecret"].as_str().unwrap();
        assert!(
            authenticates(&app, &client.id, rotated).await,
            "{what}: the rotated secret does not work"
        );
        if held == Held::Nothing {
            assert!(
                authenticates(&app, &client.id, client.secret()).await,
                "{what}: the old secret stopped working after the retry"
            );
        }
    }
}
