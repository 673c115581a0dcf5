//! Login throttling under concurrency, per-IP limits with real client addresses, and the bounded memory
//! of password hashing.
//!
//! - Parallel bursts of failed logins on the in-process router, on both stores: a burst of any size
//!   checks at most `account_limit` passwords per account and `ip_limit` per client IP in a window.
//!   "Passwords checked" is the number of `login_failed` audit entries: each one is written after a
//!   password was verified and found wrong; a refusal before verifying writes `login_locked`. The client
//!   address reaches the router as the local server's does: as the TCP peer (`ConnectInfo`).
//! - The lockout port's reservation contract (N parallel reservations, exactly `limit` succeed).
//! - Against the local server over real sockets from distinct 127.x source addresses: one address gets
//!   locked after `ip_limit` failures over many accounts while another is still served.
//! - Memory: 6 bursts of 32 parallel failed logins against the `onair-local` binary leave its RSS under
//!   256 MiB (`infra/scripts/login-rss-bench.py` is the same measurement as a benchmark).

use crate::support::local_binary;
use crate::support::oauth::{
    PASSWORD, REDIRECT, TestClient, audit_events, authorize_path, create_client, create_user, csrf_cookie,
    form, hidden_inputs, open_login, page_error, send,
};
use crate::support::{Backend, Reply, TestApp, unique};
use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use futures::future::join_all;
use http::{Method, Request, StatusCode, header};
use onair_app::hashing::HashingLimits;
use onair_domain::lockout::LockSubject;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use tokio::sync::Barrier;

crate::support::on_both_backends!(
    burst_of_20_from_one_ip_checks_at_most_the_account_limit,
    burst_of_50_from_one_ip_checks_at_most_the_account_limit,
    burst_of_100_from_one_ip_checks_at_most_the_account_limit,
    burst_of_20_from_many_ips_checks_at_most_the_account_limit,
    burst_of_50_from_many_ips_checks_at_most_the_account_limit,
    burst_of_100_from_many_ips_checks_at_most_the_account_limit,
    burst_over_many_accounts_from_one_ip_checks_at_most_the_ip_limit,
    lockout_reservations_in_parallel_succeed_exactly_up_to_the_limit,
    lockout_release_gives_back_one_slot_and_never_goes_below_zero,
    busy_hashing_answers_the_login_page_with_503_and_locks_nobody_out,
    busy_hashing_refuses_admin_user_writes_with_503_and_writes_nothing,
);

const LOCKED: &str = "Too many failed attempts. Please wait a few minutes and try again.";

/// The address every attempt of a one-IP burst comes from.
const ONE_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7));

/// The `i`-th address of a many-IP burst (distinct for every attempt).
fn many_ip(i: usize) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(198, 51, (i / 250) as u8, (i % 250 + 1) as u8))
}

/// A state with a confidential client and the user `alice`.
struct Fx {
    app: TestApp,
    router: Router,
    client: TestClient,
}

impl Fx {
    async fn new(backend: Backend) -> Fx {
        let app = TestApp::new(backend).await;
        let router = app.router();
        let client = create_client(&router, "PRISM").await;
        create_user(&router, "alice").await;
        Fx { app, router, client }
    }

    /// How many passwords were verified and found wrong so far.
    async fn passwords_checked(&self) -> usize {
        count(&audit_events(&self.app.state).await, "login_failed")
    }

    /// A filled-in login form (body and CSRF cookie) for `login` and `password`.
    async fn form(&self, login: &str, password: &str) -> (String, String) {
        let page = open_login(&self.router, &authorize_path(&self.client.id, &[]), &[]).await;
        (
            page.body(login, password, "login", &[]),
            format!("onair_csrf={}", page.cookie),
        )
    }

    /// One login POST from the TCP peer `ip`.
    async fn attempt(&self, login: &str, password: &str, ip: IpAddr) -> Reply {
        let (body, cookie) = self.form(login, password).await;
        post_from(&self.router, body, cookie, ip).await
    }

    /// `n` login POSTs released at once (`login(i)` from `ip(i)`), on the multi-thread runtime.
    async fn burst(
        &self,
        n: usize,
        login: impl Fn(usize) -> String,
        password: &str,
        ip: impl Fn(usize) -> IpAddr,
    ) -> Vec<Reply> {
        let barrier = Arc::new(Barrier::new(n));
        let mut tasks = Vec::new();
        for i in 0..n {
            let (body, cookie) = self.form(&login(i), password).await;
            let (router, barrier, from) = (self.router.clone(), barrier.clone(), ip(i));
            tasks.push(tokio::spawn(async move {
                barrier.wait().await;
                post_from(&router, body, cookie, from).await
            }));
        }
        join_all(tasks).await.into_iter().map(Result::unwrap).collect()
    }
}

/// Posts a login form as if from the TCP peer `ip` (how the local server learns the client address).
async fn post_from(router: &Router, body: String, cookie: String, ip: IpAddr) -> Reply {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri("/oauth/authorize")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .body(Body::from(body))
        .unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::new(ip, 40_000)));
    send(router, request).await
}

fn count(events: &[&str], event: &str) -> usize {
    events.iter().filter(|e| **e == event).count()
}

/// A lockout page with its per-render parts (CSRF token, echoed login) replaced, for comparison.
fn normalised(reply: &Reply, login: &str) -> String {
    let csrf = hidden_inputs(&reply.text)
        .into_iter()
        .find(|(n, _)| n == "csrf")
        .map(|(_, v)| v)
        .unwrap();
    reply
        .text
        .replace(&csrf, "CSRF")
        .replace(&format!("value=\"{login}\""), "value=\"LOGIN\"")
}

/// `n` parallel wrong passwords for `alice`, then the same for the nonexistent `ghost` (same length,
/// so the echoed login cannot tell the pages apart); then the right password for each is refused with
/// the same lockout page. From one address, or from a distinct one per attempt.
async fn one_account_burst(backend: Backend, n: usize, many_ips: bool) {
    let fx = Fx::new(backend).await;
    let limit = fx.app.state.settings.oauth.lock.account_limit as usize;
    let ip = |i: usize| if many_ips { many_ip(i) } else { ONE_IP };
    let replies = fx.burst(n, |_| "alice".into(), "wrong password", ip).await;
    let checked = fx.passwords_checked().await;
    println!(
        "FIGURE {backend:?}: {n} parallel attempts for one account from {}: {checked} passwords checked (limit {limit})",
        if many_ips { "many IPs" } else { "one IP" },
    );
    for reply in &replies {
        assert!(
            [StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS].contains(&reply.status),
            "{}: {}",
            reply.status,
            reply.text
        );
    }
    assert!(
        checked <= limit,
        "{n} parallel attempts checked {checked} passwords; the account limit is {limit}"
    );
    assert_eq!(
        checked, limit,
        "a burst larger than the limit uses up exactly the limit"
    );
    let locked = replies
        .iter()
        .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(locked >= n - limit, "{locked} of {n} replies were the lockout");
    let ghost = fx.burst(n, |_| "ghost".into(), "wrong password", ip).await;
    assert_eq!(fx.passwords_checked().await, 2 * limit);
    assert_eq!(
        ghost
            .iter()
            .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
            .count(),
        locked,
        "the burst for a nonexistent account is refused exactly as often"
    );
    // The right password after the burst: from the same address, or from a fresh one.
    let after = if many_ips { many_ip(n + 1) } else { ONE_IP };
    let real = fx.attempt("alice", PASSWORD, after).await;
    let fake = fx.attempt("ghost", PASSWORD, after).await;
    for reply in [&real, &fake] {
        assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "{}", reply.text);
        assert!(reply.headers.get(header::LOCATION).is_none());
        assert_eq!(page_error(&reply.text).as_deref(), Some(LOCKED));
    }
    assert_eq!(normalised(&real, "alice"), normalised(&fake, "ghost"));
    let events = audit_events(&fx.app.state).await;
    assert!(!events.contains(&"code_issued"), "{events:?}");
    assert!(!events.contains(&"login_succeeded"), "{events:?}");
    assert_eq!(
        fx.passwords_checked().await,
        2 * limit,
        "the lockout checks nothing"
    );
}

async fn burst_of_20_from_one_ip_checks_at_most_the_account_limit(backend: Backend) {
    one_account_burst(backend, 20, false).await;
}

async fn burst_of_50_from_one_ip_checks_at_most_the_account_limit(backend: Backend) {
    one_account_burst(backend, 50, false).await;
}

async fn burst_of_100_from_one_ip_checks_at_most_the_account_limit(backend: Backend) {
    one_account_burst(backend, 100, false).await;
}

async fn burst_of_20_from_many_ips_checks_at_most_the_account_limit(backend: Backend) {
    one_account_burst(backend, 20, true).await;
}

async fn burst_of_50_from_many_ips_checks_at_most_the_account_limit(backend: Backend) {
    one_account_burst(backend, 50, true).await;
}

async fn burst_of_100_from_many_ips_checks_at_most_the_account_limit(backend: Backend) {
    one_account_burst(backend, 100, true).await;
}

/// 100 parallel attempts, each for a different account, from one address: at most `ip_limit` passwords
/// are checked, the rest are refused with the lockout, and a right password from that address is
/// refused too, while another address is still served.
async fn burst_over_many_accounts_from_one_ip_checks_at_most_the_ip_limit(backend: Backend) {
    let fx = Fx::new(backend).await;
    let limit = fx.app.state.settings.oauth.lock.ip_limit as usize;
    let n = 100;
    let replies = fx
        .burst(n, |i| format!("user{i}"), "wrong password", |_| ONE_IP)
        .await;
    let checked = fx.passwords_checked().await;
    println!(
        "FIGURE {backend:?}: {n} parallel attempts over {n} accounts from one IP: {checked} passwords checked (limit {limit})"
    );
    assert!(
        checked <= limit,
        "{checked} passwords checked from one IP; the IP limit is {limit}"
    );
    assert_eq!(checked, limit);
    let locked = replies
        .iter()
        .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(locked >= n - limit, "{locked} lockouts");
    let reply = fx.attempt("alice", PASSWORD, ONE_IP).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "{}", reply.text);
    let reply = fx.attempt("alice", PASSWORD, many_ip(0)).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
    assert!(
        reply.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with(REDIRECT)
    );
}

// ---------------------------------------------------------------------------------------------------
// The hashing pool under overload

/// One hashing worker and a 1 ms wait.
async fn tiny_pool(backend: Backend) -> TestApp {
    TestApp::with_settings(backend, |o| {
        o.hashing = HashingLimits {
            workers: 1,
            wait: std::time::Duration::from_millis(1),
        }
    })
    .await
}

/// 20 parallel logins (distinct accounts and addresses) on one worker with a 1 ms wait: those that
/// find no free worker get the localised 503 page with `Retry-After`, had no password checked, and
/// gave their lockout slots back; the others were checked (401). A right password then logs in.
async fn busy_hashing_answers_the_login_page_with_503_and_locks_nobody_out(backend: Backend) {
    let app = tiny_pool(backend).await;
    let router = app.router();
    let client = create_client(&router, "PRISM").await;
    create_user(&router, "alice").await;
    let fx = Fx { app, router, client };
    let n = 20;
    let replies = fx
        .burst(n, |i| format!("user{i}"), "wrong password", many_ip)
        .await;
    let busy: Vec<&Reply> = replies
        .iter()
        .filter(|r| r.status == StatusCode::SERVICE_UNAVAILABLE)
        .collect();
    let checked = replies
        .iter()
        .filter(|r| r.status == StatusCode::UNAUTHORIZED)
        .count();
    assert_eq!(busy.len() + checked, n, "only 401 and 503");
    assert!(!busy.is_empty(), "20 at once on one worker with a 1 ms wait");
    for reply in &busy {
        assert!(
            reply.headers.get(header::RETRY_AFTER).is_some(),
            "{:?}",
            reply.headers
        );
        assert!(reply.headers.get(header::LOCATION).is_none());
        assert!(
            reply.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert_eq!(
            page_error(&reply.text).as_deref(),
            Some("The service is temporarily unavailable. Please try again shortly.")
        );
    }
    assert_eq!(fx.passwords_checked().await, checked);
    let state = &fx.app.state;
    let policy = state.settings.oauth.lock;
    let now = state.clock.now();
    let mut keys: Vec<String> = (0..n)
        .map(|i| policy.key(LockSubject::Account(&format!("user{i}")), now))
        .collect();
    keys.extend((0..n).map(|i| policy.key(LockSubject::Ip(&many_ip(i).to_string()), now)));
    let counted: u32 = state.lockouts.failures(&keys).await.unwrap().iter().sum();
    assert_eq!(
        counted as usize,
        2 * checked,
        "one account and one IP failure per checked password, none for a busy reply"
    );
    let reply = fx.attempt("alice", PASSWORD, many_ip(n)).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
}

/// Parallel user creations on one worker with a 1 ms wait: each is either created (201) or refused
/// with 503, `Retry-After` and the admin error body, and a refused one wrote no user.
async fn busy_hashing_refuses_admin_user_writes_with_503_and_writes_nothing(backend: Backend) {
    let app = tiny_pool(backend).await;
    let router = app.router();
    let n = 12;
    let barrier = Arc::new(Barrier::new(n));
    let tasks = (0..n).map(|i| {
        let (router, barrier) = (router.clone(), barrier.clone());
        tokio::spawn(async move {
            let body =
                serde_json::json!({"login": format!("user{i}"), "password": PASSWORD, "userName": "U"});
            barrier.wait().await;
            crate::support::admin(&router, Method::POST, "/admin/users", Some(&body.to_string())).await
        })
    });
    let replies: Vec<Reply> = join_all(tasks).await.into_iter().map(Result::unwrap).collect();
    let mut refused = 0;
    for (i, reply) in replies.iter().enumerate() {
        let stored = app.state.users.find_by_login(&format!("user{i}")).await;
        match reply.status {
            StatusCode::CREATED => assert!(stored.is_ok()),
            StatusCode::SERVICE_UNAVAILABLE => {
                refused += 1;
                assert_eq!(reply.body["error"], "unavailable", "{}", reply.text);
                assert!(
                    reply.headers.get(header::RETRY_AFTER).is_some(),
                    "{:?}",
                    reply.headers
                );
                assert!(
                    matches!(stored, Err(onair_store::StoreError::NotFound)),
                    "a refused creation wrote nothing"
                );
            }
            other => panic!("{other}: {}", reply.text),
        }
    }
    assert!(refused > 0 && refused < n, "{refused} of {n} refused");
}

// ---------------------------------------------------------------------------------------------------
// The lockout port's reservation contract

/// 50 parallel reservations of one key with limit 5: exactly 5 succeed (counts 1..=5, each once), the
/// refused ones write nothing, and other keys are untouched.
async fn lockout_reservations_in_parallel_succeed_exactly_up_to_the_limit(backend: Backend) {
    let app = TestApp::new(backend).await;
    let lockouts = app.state.lockouts.clone();
    let expires = crate::support::T0 + time::Duration::minutes(15);
    let barrier = Arc::new(Barrier::new(50));
    let tasks = (0..50).map(|_| {
        let (lockouts, barrier) = (lockouts.clone(), barrier.clone());
        tokio::spawn(async move {
            barrier.wait().await;
            lockouts.reserve("acct#1#alice", 5, expires).await.unwrap()
        })
    });
    let results: Vec<Option<u32>> = join_all(tasks).await.into_iter().map(Result::unwrap).collect();
    let mut granted: Vec<u32> = results.iter().flatten().copied().collect();
    granted.sort_unstable();
    assert_eq!(granted, vec![1, 2, 3, 4, 5], "{results:?}");
    let keys = ["acct#1#alice".to_owned(), "acct#1#bob".to_owned()];
    assert_eq!(lockouts.failures(&keys).await.unwrap(), vec![5, 0]);
    assert_eq!(lockouts.reserve("acct#1#alice", 5, expires).await.unwrap(), None);
    assert_eq!(
        lockouts.failures(&keys).await.unwrap(),
        vec![5, 0],
        "a refusal writes nothing"
    );
    // A higher limit on the same key admits more; add_failure still counts past any limit.
    assert_eq!(
        lockouts.reserve("acct#1#alice", 6, expires).await.unwrap(),
        Some(6)
    );
    assert_eq!(lockouts.add_failure("acct#1#alice", expires).await.unwrap(), 7);
    assert_eq!(lockouts.reserve("acct#1#bob", 5, expires).await.unwrap(), Some(1));
}

/// A release gives back one slot (the next reservation succeeds again), and releasing an absent or
/// cleared counter creates nothing.
async fn lockout_release_gives_back_one_slot_and_never_goes_below_zero(backend: Backend) {
    let app = TestApp::new(backend).await;
    let lockouts = app.state.lockouts.clone();
    let expires = crate::support::T0 + time::Duration::minutes(15);
    let key = "ip#1#203.0.113.7".to_owned();
    for expected in 1..=3 {
        assert_eq!(lockouts.reserve(&key, 3, expires).await.unwrap(), Some(expected));
    }
    assert_eq!(lockouts.reserve(&key, 3, expires).await.unwrap(), None);
    lockouts.release(&key).await.unwrap();
    assert_eq!(
        lockouts.failures(std::slice::from_ref(&key)).await.unwrap(),
        vec![2]
    );
    assert_eq!(lockouts.reserve(&key, 3, expires).await.unwrap(), Some(3));
    lockouts.clear(&key).await.unwrap();
    lockouts.release(&key).await.unwrap();
    lockouts.release("ip#1#never-seen").await.unwrap();
    let keys = [key.clone(), "ip#1#never-seen".to_owned()];
    assert_eq!(lockouts.failures(&keys).await.unwrap(), vec![0, 0]);
    assert_eq!(
        lockouts.reserve(&key, 3, expires).await.unwrap(),
        Some(1),
        "never below zero"
    );
}

// ---------------------------------------------------------------------------------------------------
// Against the local server: real sockets, real client addresses

mod over_sockets {
    use super::*;
    use onair_domain::{FixedClock, RandomGenerator};
    use onair_platform::config::{Config, Host};
    use onair_platform::local;
    use std::collections::HashMap;

    crate::support::on_both_backends!(per_ip_limit_locks_one_source_address_and_serves_another);

    /// A client whose connections come from `source` (a 127.x address on the loopback interface).
    fn client_from(source: Ipv4Addr) -> reqwest::Client {
        reqwest::Client::builder()
            .local_address(IpAddr::V4(source))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// Fields and CSRF cookie of the demo client's login form.
    pub(super) async fn login_form(
        http: &reqwest::Client,
        base: &str,
        client_id: &str,
        redirect_uri: &str,
    ) -> (Vec<(String, String)>, String) {
        let query = form(&[
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", redirect_uri),
        ]);
        let reply = http
            .get(format!("{base}/oauth/authorize?{query}"))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), StatusCode::OK);
        let cookie = csrf_cookie(reply.headers()).unwrap();
        let hidden = hidden_inputs(&reply.text().await.unwrap());
        (hidden, cookie)
    }

    /// Posts the login form; returns the status.
    pub(super) async fn post_login(
        http: &reqwest::Client,
        base: &str,
        (hidden, cookie): &(Vec<(String, String)>, String),
        login: &str,
        password: &str,
    ) -> StatusCode {
        let mut pairs: Vec<(&str, &str)> = hidden.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        pairs.extend([("login", login), ("password", password), ("action", "login")]);
        http.post(format!("{base}/oauth/authorize"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("onair_csrf={cookie}"))
            .body(form(&pairs))
            .send()
            .await
            .unwrap()
            .status()
    }

    /// `ip_limit` failed logins over as many accounts from 127.0.2.1 lock that address: the next
    /// account's login from it (even with the right password) is refused, while 127.0.2.2 is still
    /// served, both for a wrong password (401, checked) and for the right one (a code).
    async fn per_ip_limit_locks_one_source_address_and_serves_another(backend: Backend) {
        let mut vars: HashMap<String, String> =
            HashMap::from([("ONAIR_LISTEN".into(), "127.0.0.1:0".into())]);
        if backend == Backend::Aws {
            vars.insert("AWS_ENDPOINT_URL".into(), crate::support::moto_endpoint());
            vars.insert("ONAIR_REGISTRATIONS_TABLE".into(), unique("ip-registrations"));
            vars.insert("ONAIR_TOKENS_TABLE".into(), unique("ip-tokens"));
            vars.insert("ONAIR_SECRET_PREFIX".into(), format!("{}/", unique("ip")));
        }
        let config = Config::from_vars(Host::Local, &vars).unwrap();
        let clock = Arc::new(FixedClock::at(crate::support::T0));
        let server = local::start(&config, clock, Arc::new(RandomGenerator))
            .await
            .unwrap();
        let demo = server.demo.clone().unwrap();
        let base = server.base_url();
        let ip_limit = server.wiring.state.settings.oauth.lock.ip_limit;
        let account_limit = server.wiring.state.settings.oauth.lock.account_limit;
        assert!(
            ip_limit > account_limit,
            "the test spreads failures over accounts"
        );
        let (locked_out, other) = (
            client_from(Ipv4Addr::new(127, 0, 2, 1)),
            client_from(Ipv4Addr::new(127, 0, 2, 2)),
        );
        let page = login_form(&locked_out, &base, &demo.client_id, &demo.redirect_uri).await;
        let mut statuses = Vec::new();
        for i in 0..ip_limit {
            // One failure per account: no account comes near its own limit.
            statuses.push(post_login(&locked_out, &base, &page, &format!("user{i}"), "wrong password").await);
        }
        assert!(
            statuses[..statuses.len() - 1]
                .iter()
                .all(|s| *s == StatusCode::UNAUTHORIZED),
            "{statuses:?}"
        );
        assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS));
        let status = post_login(&locked_out, &base, &page, "fresh", "wrong password").await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "the address is locked");
        let status = post_login(&locked_out, &base, &page, &demo.username, &demo.password).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "even the right password");
        let page = login_form(&other, &base, &demo.client_id, &demo.redirect_uri).await;
        let status = post_login(&other, &base, &page, "fresh", "wrong password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "another address is served");
        let status = post_login(&other, &base, &page, &demo.username, &demo.password).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "and logs in");
        let trail = crate::support::oauth::audit_trail(&server.wiring.state).await;
        let checked_from = |ip: &str| {
            trail
                .iter()
                .filter(|e| e.ip.as_deref() == Some(ip) && e.event.as_str() == "login_failed")
                .count()
        };
        assert_eq!(checked_from("127.0.2.1"), ip_limit as usize);
        assert_eq!(checked_from("127.0.2.2"), 1);
        server.stop().await;
    }
}

// ---------------------------------------------------------------------------------------------------
// Memory of password hashing, on the onair-local binary

mod memory {
    use super::*;
    use serde_json::Value;
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    /// RSS ceiling after the bursts.
    const MAX_RSS_KIB: u64 = 256 * 1024;

    struct Running(Child);

    impl Drop for Running {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    /// A `/proc/<pid>/status` figure in KiB.
    fn status_kib(pid: u32, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.split_whitespace().next()?.parse().ok())
            .unwrap()
    }

    /// 6 bursts of 32 parallel failed logins with unknown names, each of a burst from its own 127.0.3.x
    /// address (so neither lockout stops a password from being hashed): the server's RSS, and its peak,
    /// stay under 256 MiB.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn six_bursts_of_32_parallel_failed_logins_keep_rss_under_256_mib() {
        let demo_file = std::env::temp_dir().join(format!("{}.json", unique("onair-rss-demo")));
        let mut cmd = Command::new(local_binary());
        cmd.env("ONAIR_LISTEN", "127.0.0.1:0")
            .env("ONAIR_DEMO_FILE", &demo_file)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for var in [
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_DYNAMODB",
            "AWS_ENDPOINT_URL_SECRETS_MANAGER",
        ] {
            cmd.env_remove(var);
        }
        let server = Running(cmd.spawn().expect("start onair-local"));
        let pid = server.0.id();
        let deadline = Instant::now() + Duration::from_secs(30);
        let demo: Value = loop {
            if let Ok(bytes) = std::fs::read(&demo_file)
                && let Ok(demo) = serde_json::from_slice::<Value>(&bytes)
            {
                let _ = std::fs::remove_file(&demo_file);
                break demo;
            }
            assert!(Instant::now() < deadline, "onair-local did not start");
            std::thread::sleep(Duration::from_millis(50));
        };
        let base = demo["base_url"].as_str().unwrap().to_owned();
        let clients: Vec<reqwest::Client> = (0..32u8)
            .map(|i| {
                reqwest::Client::builder()
                    .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 3, i + 1)))
                    .build()
                    .unwrap()
            })
            .collect();
        let page = Arc::new(
            over_sockets::login_form(
                &clients[0],
                &base,
                demo["client_id"].as_str().unwrap(),
                demo["redirect_uri"].as_str().unwrap(),
            )
            .await,
        );
        let before = status_kib(pid, "VmRSS");
        let mut statuses = Vec::new();
        for burst in 0..6 {
            let tasks = clients.iter().enumerate().map(|(i, http)| {
                let (http, base, page) = (http.clone(), base.clone(), page.clone());
                tokio::spawn(async move {
                    over_sockets::post_login(
                        &http,
                        &base,
                        &page,
                        &format!("nobody-{burst}-{i}"),
                        "wrong password",
                    )
                    .await
                })
            });
            statuses.extend(join_all(tasks).await.into_iter().map(Result::unwrap));
        }
        let (rss, peak) = (status_kib(pid, "VmRSS"), status_kib(pid, "VmHWM"));
        let checked = statuses
            .iter()
            .filter(|s| **s == StatusCode::UNAUTHORIZED)
            .count();
        let busy = statuses
            .iter()
            .filter(|s| **s == StatusCode::SERVICE_UNAVAILABLE)
            .count();
        println!(
            "FIGURE 6x32 parallel failed logins: VmRSS {} KiB before, {rss} KiB after (peak {peak} KiB); {checked} checked, {busy} busy (503)",
            before
        );
        assert_eq!(checked + busy, statuses.len(), "{statuses:?}");
        assert!(
            checked >= 32,
            "most logins were checked, not turned away: {checked}"
        );
        assert!(rss < MAX_RSS_KIB, "VmRSS {rss} KiB after the bursts");
        assert!(peak < MAX_RSS_KIB, "VmHWM {peak} KiB during the bursts");
    }
}
