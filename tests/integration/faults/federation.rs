//! Federation's first-login provisioning under a fault at each step, on both stores.
//!
//! A first federated login writes the user, then their channel (no store offers one transaction over
//! both), then the login's audit entry and the authorization code. Each row runs a real login against
//! the certified OpenID provider (`tests/oidc/provider.mjs`) on a fresh [`FaultApp`] in federated
//! mode, arms its faults just before onair's callback, and checks
//! 1. the browser's answer: the localised 503 page with `Retry-After` (the callback is sent with
//!    `Accept-Language: ko`, so the Korean text proves the localisation),
//! 2. that every armed fault fired,
//! 3. what the store holds, read past the decorator: no federated user, or one with exactly one
//!    channel — or, where the undo of a half-made user is made to fail too, the documented leftover (a
//!    user without a channel),
//! 4. that a retry of the whole login succeeds, its code exchanges for tokens, and the store then holds
//!    exactly one federated user with exactly one channel.

use super::inject::Fault::{self, Conflict, LostResponse, Unavailable};
use super::{FaultApp, assert_503};
use crate::oauth::federation::{
    Browser, Provider, UPSTREAM_CLIENT_ID, UPSTREAM_CLIENT_SECRET, http, location,
};
use crate::support::oauth::{
    TestClient, authorize_path, create_client, get, param, prism_exchange, redirect_params, tokens,
};
use crate::support::{Backend, ISSUER, Reply, unique};
use http::StatusCode;
use onair_app::LoginMode;
use onair_app::federation::{CALLBACK_PATH, Federation, PENDING_COOKIE};
use onair_domain::user::User;
use onair_domain::{FixedClock, PageRequest, SecretString, UserId};
use onair_store::StoreError;
use std::sync::Arc;
use url::Url;

crate::support::on_both_backends!(
    federated_first_login_provisions_all_or_nothing_under_a_fault_at_each_step_and_a_retry_completes_it,
);

/// What the store holds after the fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Held {
    /// No federated user.
    Nothing,
    /// One federated user with exactly one channel.
    Whole,
    /// One federated user without a channel: the undo failed too. The next login completes it.
    Leftover,
}

#[derive(Debug)]
struct Row {
    steps: &'static [(&'static str, u32, Fault)],
    held: Held,
}

const fn row(steps: &'static [(&'static str, u32, Fault)], held: Held) -> Row {
    Row { steps, held }
}

/// Every row answers the browser with the localised 503 page; the retry always succeeds.
const ROWS: &[Row] = &[
    // Looking the user up.
    row(&[("users.find_by_login", 1, Unavailable)], Held::Nothing),
    // Step 1, the user. A lost answer means the user was written: it is undone.
    row(&[("users.create", 1, Unavailable)], Held::Nothing),
    row(&[("users.create", 1, LostResponse)], Held::Nothing),
    // A conflict is a concurrent first login of the same person; here its user is gone (it was
    // undone), so this login answers 503 rather than using a user that does not exist.
    row(&[("users.create", 1, Conflict)], Held::Nothing),
    // Step 2, the channel: the user is undone with it.
    row(&[("channels.create", 1, Unavailable)], Held::Nothing),
    row(&[("channels.create", 1, LostResponse)], Held::Nothing),
    // The undo fails too: a user without a channel (documented), which the retry completes.
    row(
        &[
            ("users.create", 1, LostResponse),
            ("users.delete", 1, Unavailable),
        ],
        Held::Leftover,
    ),
    row(
        &[
            ("channels.create", 1, Unavailable),
            ("users.delete", 1, Unavailable),
        ],
        Held::Leftover,
    ),
    // The channel was written but its answer lost, and the undo fails: everything is there.
    row(
        &[
            ("channels.create", 1, LostResponse),
            ("users.delete", 1, Unavailable),
        ],
        Held::Whole,
    ),
    // After provisioning: the login's audit entry, then the code.
    row(&[("audit.append", 1, Unavailable)], Held::Whole),
    row(&[("grants.put_code", 1, Unavailable)], Held::Whole),
];

/// Name of the upstream client secret in each app's secret store.
const UPSTREAM_SECRET: &str = "oidc-client-secret";

/// A fault app federated to `provider`, with a PRISM client.
async fn federated_app(backend: Backend, provider: &Provider) -> (FaultApp, TestClient) {
    // The provider stamps its ID tokens with the real time; onair's clock must be near it.
    #[allow(clippy::disallowed_methods)]
    let clock = Arc::new(FixedClock::at(time::OffsetDateTime::now_utc()));
    let federation = Federation::new(
        provider.issuer.clone(),
        UPSTREAM_CLIENT_ID.into(),
        UPSTREAM_SECRET.into(),
    )
    .unwrap();
    let app = FaultApp::with_clock(backend, clock, |oauth| {
        oauth.login = LoginMode::Federated(Arc::new(federation));
    })
    .await;
    app.base
        .secrets
        .create(UPSTREAM_SECRET, &SecretString::new(UPSTREAM_CLIENT_SECRET))
        .await
        .unwrap();
    let client = create_client(&app.router, "PRISM").await;
    (app, client)
}

/// onair's callback request of one login: its path and query, and the pending-login cookie.
struct Callback {
    path: String,
    cookie: String,
}

/// From onair's authorization endpoint (in-process) through the provider (over HTTP, a fresh browser)
/// up to onair's callback.
async fn to_callback(app: &FaultApp, client: &TestClient) -> Callback {
    let state = unique("state");
    let reply = get(
        &app.router,
        &authorize_path(&client.id, &[("state", &state)]),
        &[],
    )
    .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
    let cookie = reply
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|nv| nv.starts_with(&format!("{PENDING_COOKIE}=")))
        .expect("the pending-login cookie")
        .to_owned();
    let mut next = Url::parse(reply.headers["location"].to_str().unwrap()).unwrap();
    let (http, mut browser) = (http(), Browser::default());
    let callback = format!("{ISSUER}{CALLBACK_PATH}");
    for _ in 0..10 {
        if next.as_str().starts_with(&callback) {
            return Callback {
                path: format!("{}?{}", next.path(), next.query().unwrap_or("")),
                cookie,
            };
        }
        let response = browser.get(&http, &next).await;
        assert!(
            response.status().is_redirection(),
            "the provider redirects from {next}: {}",
            response.status()
        );
        next = location(&next, response.headers());
    }
    panic!("the provider did not send the browser back to onair: {next}");
}

/// onair's callback, in Korean.
async fn callback(app: &FaultApp, cb: &Callback) -> Reply {
    get(
        &app.router,
        &cb.path,
        &[("cookie", &cb.cookie), ("accept-language", "ko")],
    )
    .await
}

/// The federated users in the store (probing every id the generator issued) with their channel counts.
async fn federated_users(app: &FaultApp) -> Vec<(User, usize)> {
    let issued: u64 = app
        .base
        .generator
        .id()
        .strip_prefix("id-")
        .unwrap()
        .parse()
        .unwrap();
    let mut found = Vec::new();
    for k in 1..issued {
        let id = UserId::parse(&format!("id-{k}")).unwrap();
        match app.base.users.get(&id).await {
            Ok(user) if user.login.starts_with("fed.") => {
                let owned = app
                    .base
                    .channels
                    .list(&id, &PageRequest::first(100))
                    .await
                    .unwrap();
                found.push((user, owned.page.items.len()));
            }
            Ok(_) | Err(StoreError::NotFound) => {}
            Err(err) => panic!("reading user {id}: {err}"),
        }
    }
    found
}

async fn federated_first_login_provisions_all_or_nothing_under_a_fault_at_each_step_and_a_retry_completes_it(
    backend: Backend,
) {
    let provider = Provider::start(&format!("{ISSUER}{CALLBACK_PATH}"));
    for row in ROWS {
        let what = format!("{row:?}");
        let (app, client) = federated_app(backend, &provider).await;
        let cb = to_callback(&app, &client).await;
        for (op, n, fault) in row.steps {
            app.faults.fail_nth(op, *n, *fault);
        }
        let reply = callback(&app, &cb).await;
        assert_503(&reply, &what);
        assert!(
            reply.text.contains("일시적으로 서비스를 이용할 수 없습니다"),
            "{what}: the 503 page is localised: {}",
            reply.text
        );
        assert_eq!(
            app.faults.fired().len(),
            row.steps.len(),
            "{what}: faults fired: {:?}; calls: {:?}",
            app.faults.fired(),
            app.faults.calls()
        );
        app.faults.clear();

        let users = federated_users(&app).await;
        let held = match users.as_slice() {
            [] => Held::Nothing,
            [(_, 1)] => Held::Whole,
            [(_, 0)] => Held::Leftover,
            other => panic!("{what}: federated users and their channel counts: {other:?}"),
        };
        assert_eq!(held, row.held, "{what}: the store holds {held:?}");

        // The retry: a whole new login.
        let cb = to_callback(&app, &client).await;
        let reply = callback(&app, &cb).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{what}: {}", reply.text);
        let params = redirect_params(&reply);
        let code = param(&params, "code").unwrap_or_else(|| panic!("{what}: no code: {params:?}"));
        tokens(&prism_exchange(&app.router, &client, code, &[]).await);
        let users = federated_users(&app).await;
        assert!(
            matches!(users.as_slice(), [(user, 1)] if !user.disabled),
            "{what}: after the retry, exactly one user with exactly one channel: {users:?}"
        );
    }
}
