//! Federated login end to end, on both stores: the local server in `ONAIR_LOGIN_MODE=oidc` against an
//! independent, certified OpenID provider (panva's `oidc-provider`, run by `node tests/oidc/provider.mjs`),
//! driven by a browser-like HTTP client that follows every redirect by hand and keeps cookies per host.
//!
//! The provider needs `tests/oidc/node_modules` (`infra/scripts/oidc-tools.sh`, run by `infra/test`);
//! without it the tests fail, they never skip.

use crate::support::{self, Backend, unique};
use onair_domain::{FixedClock, RandomGenerator, SecretString};
use onair_platform::config::{Config, Host};
use onair_platform::local::{self, LocalServer};
use reqwest::header::{COOKIE, HeaderMap, LOCATION, SET_COOKIE};
use reqwest::{Client, StatusCode, redirect};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;
use url::Url;

crate::support::on_both_backends!(
    first_login_provisions_one_user_and_channel_later_logins_map_to_them_and_disabling_refuses,
    a_forged_missing_expired_or_mismatched_pending_login_gets_an_error_page_and_no_code,
    an_upstream_denial_is_redirected_to_the_client_as_access_denied_with_its_state,
);

// The provider's fixed test data (tests/oidc/provider.mjs).
pub(crate) const UPSTREAM_CLIENT_ID: &str = "onair-test";
pub(crate) const UPSTREAM_CLIENT_SECRET: &str = "onair-test-secret-0123456789abcdef";
const UPSTREAM_NAME: &str = "Federated Streamer";
const UPSTREAM_PICTURE: &str = "https://images.example/user-123.png";
const UPSTREAM_PROFILE: &str = "https://profiles.example/user-123";
/// The onair client's redirect URI (never contacted: the test reads the Location header).
const CLIENT_REDIRECT: &str = "https://prism.example/oauth/callback";
/// The error page's text for a pending login that is missing, forged, stale or not this one.
const EXPIRED: &str = "This sign-in form has expired.";
const PENDING_COOKIE: &str = onair_app::federation::PENDING_COOKIE;

// ---------------------------------------------------------------------------------------------------
// The provider process
// ---------------------------------------------------------------------------------------------------

/// `node tests/oidc/provider.mjs`, killed on drop.
pub(crate) struct Provider {
    child: Child,
    pub(crate) issuer: String,
    log: PathBuf,
    /// Where the provider appends every token response it sends (`OIDC_ISSUED_FILE`), so a test can
    /// search logs for the upstream tokens.
    issued: PathBuf,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
        let _ = std::fs::remove_file(&self.issued);
    }
}

impl Provider {
    /// Starts the provider on a free port with onair's `callback` as the client's redirect URI, and
    /// waits for its ready line.
    pub(crate) fn start(callback: &str) -> Provider {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("oidc");
        assert!(
            dir.join("node_modules/oidc-provider/package.json").exists(),
            "{} is missing; run infra/test (its tools step runs infra/scripts/oidc-tools.sh)",
            dir.join("node_modules/oidc-provider").display()
        );
        let log = std::env::temp_dir().join(format!("{}.log", unique("oidc-provider")));
        let stderr = std::fs::File::create(&log).expect("create the provider's log file");
        let issued = std::env::temp_dir().join(format!("{}.jsonl", unique("oidc-issued")));
        let mut child = Command::new("node")
            .arg(dir.join("provider.mjs"))
            .arg("0")
            .arg(callback)
            .current_dir(&dir)
            .env_remove("NODE_ENV")
            .env("OIDC_ISSUED_FILE", &issued)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("start node (is Node.js installed?)");
        let stdout = child.stdout.take().expect("the provider's stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(port) = line.strip_prefix("oidc-provider ready on 127.0.0.1:") {
                    let _ = tx.send(port.trim().to_owned());
                }
            }
        });
        let mut provider = Provider {
            child,
            issuer: String::new(),
            log,
            issued,
        };
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(port) => provider.issuer = format!("http://127.0.0.1:{port}"),
            Err(_) => panic!(
                "the OpenID provider did not get ready within 30 s; its log:\n{}",
                std::fs::read_to_string(&provider.log).unwrap_or_default()
            ),
        }
        provider
    }
}

impl Provider {
    /// Every token value the provider has handed out so far (access and ID tokens of its token
    /// responses), as `(field, value)`.
    pub(crate) fn issued_tokens(&self) -> Vec<(String, String)> {
        let text = std::fs::read_to_string(&self.issued).unwrap_or_default();
        text.lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .flat_map(|body| {
                ["access_token", "id_token", "refresh_token"]
                    .into_iter()
                    .filter_map(move |f| body[f].as_str().map(|v| (f.to_owned(), v.to_owned())))
            })
            .collect()
    }
}

/// A port nobody listens on right now (onair must know its callback URL before the provider starts).
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

// ---------------------------------------------------------------------------------------------------
// onair in federated mode
// ---------------------------------------------------------------------------------------------------

struct Fixture {
    server: LocalServer,
    provider: Provider,
    clock: Arc<FixedClock>,
    http: Client,
    base: String,
    client_id: String,
    client_secret: String,
}

/// A browser-like HTTP client: no redirects followed, no proxy.
pub(crate) fn http() -> Client {
    Client::builder()
        .redirect(redirect::Policy::none())
        .no_proxy()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap()
}

/// The provider, then onair federated to it on the chosen store, with an OAuth client registered
/// through the admin API.
async fn fixture(aws: bool) -> Fixture {
    let port = free_port();
    let provider = Provider::start(&format!("http://127.0.0.1:{port}/oauth/federated/callback"));
    let secret_name = unique("oidc-client-secret");
    let mut vars: HashMap<String, String> = HashMap::from([
        ("ONAIR_LISTEN".into(), format!("127.0.0.1:{port}")),
        ("ONAIR_LOGIN_MODE".into(), "oidc".into()),
        ("ONAIR_OIDC_ISSUER".into(), provider.issuer.clone()),
        ("ONAIR_OIDC_CLIENT_ID".into(), UPSTREAM_CLIENT_ID.into()),
        ("ONAIR_OIDC_CLIENT_SECRET_NAME".into(), secret_name.clone()),
    ]);
    if aws {
        vars.insert("AWS_ENDPOINT_URL".into(), support::moto_endpoint());
        vars.insert("ONAIR_REGISTRATIONS_TABLE".into(), unique("fed-registrations"));
        vars.insert("ONAIR_TOKENS_TABLE".into(), unique("fed-tokens"));
        vars.insert("ONAIR_SECRET_PREFIX".into(), format!("{}/", unique("fed")));
    }
    let config = Config::from_vars(Host::Local, &vars).unwrap();
    // The provider stamps its tokens with the real time; onair's clock starts there and the tests move
    // it forward to expire pending logins.
    #[allow(clippy::disallowed_methods)]
    let clock = Arc::new(FixedClock::at(time::OffsetDateTime::now_utc()));
    let server = local::start(&config, clock.clone(), Arc::new(RandomGenerator))
        .await
        .unwrap();
    assert_eq!(
        server.wiring.dynamodb_round_trips.is_some(),
        aws,
        "the server runs on the store the test asked for"
    );
    server
        .wiring
        .state
        .secrets
        .create(&secret_name, &SecretString::new(UPSTREAM_CLIENT_SECRET))
        .await
        .unwrap();
    let base = server.base_url();
    let http = http();
    let created: Value = http
        .post(format!("{base}/admin/clients"))
        .bearer_auth(server.admin_token.expose())
        .json(&json!({"name": "PRISM", "redirectUris": [CLIENT_REDIRECT]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let client_id = created["clientId"].as_str().expect("clientId").to_owned();
    let client_secret = created["clientSecret"].as_str().expect("clientSecret").to_owned();
    Fixture {
        server,
        provider,
        clock,
        http,
        base,
        client_id,
        client_secret,
    }
}

// ---------------------------------------------------------------------------------------------------
// A browser: cookies per host, redirects by hand
// ---------------------------------------------------------------------------------------------------

#[derive(Default)]
pub(crate) struct Browser {
    jar: HashMap<String, HashMap<String, String>>,
}

fn origin(url: &Url) -> String {
    format!(
        "{}:{}",
        url.host_str().unwrap_or(""),
        url.port_or_known_default().unwrap_or(0)
    )
}

/// A redirect's target, resolved against the request URL.
pub(crate) fn location(url: &Url, headers: &HeaderMap) -> Url {
    let value = headers
        .get(LOCATION)
        .expect("a Location header")
        .to_str()
        .unwrap();
    url.join(value).unwrap()
}

pub(crate) fn query_param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The `Set-Cookie` lines for cookie `name`.
fn set_cookies<'h>(headers: &'h HeaderMap, name: &str) -> Vec<&'h str> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter(|v| v.split_once('=').is_some_and(|(n, _)| n.trim() == name))
        .collect()
}

impl Browser {
    fn cookie(&self, url: &Url, name: &str) -> Option<String> {
        self.jar.get(&origin(url)).and_then(|c| c.get(name)).cloned()
    }

    /// One GET with this browser's cookies for the host; keeps the cookies it sets.
    pub(crate) async fn get(&mut self, http: &Client, url: &Url) -> reqwest::Response {
        let mut request = http.get(url.clone());
        if let Some(cookies) = self.jar.get(&origin(url)).filter(|c| !c.is_empty()) {
            let header: Vec<String> = cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            request = request.header(COOKIE, header.join("; "));
        }
        let response = request.send().await.unwrap();
        let jar = self.jar.entry(origin(url)).or_default();
        for line in response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
        {
            let mut attributes = line.split(';');
            let Some((name, value)) = attributes.next().and_then(|nv| nv.split_once('=')) else {
                continue;
            };
            let removed = attributes.any(|a| {
                let a = a.trim().to_ascii_lowercase();
                a == "max-age=0" || a.starts_with("expires=thu, 01 jan 1970")
            });
            if removed || value.is_empty() {
                jar.remove(name.trim());
            } else {
                jar.insert(name.trim().to_owned(), value.trim().to_owned());
            }
        }
        response
    }
}

/// onair's authorization URL for the fixture's client.
fn authorize_url(fx: &Fixture, state: &str) -> Url {
    let mut url = Url::parse(&format!("{}/oauth/authorize", fx.base)).unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &fx.client_id)
        .append_pair("redirect_uri", CLIENT_REDIRECT)
        .append_pair("state", state);
    url
}

/// From onair's authorization endpoint through the provider (its interactions finish by themselves,
/// or deny with `deny`) up to — not including — onair's callback, whose URL is returned.
async fn to_callback(fx: &Fixture, browser: &mut Browser, state: &str, deny: bool) -> Url {
    let start = authorize_url(fx, state);
    let response = browser.get(&fx.http, &start).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "onair sends the browser to the provider"
    );
    let mut next = location(&start, response.headers());
    assert!(
        next.as_str().starts_with(&format!("{}/auth", fx.provider.issuer)),
        "to the provider: {next}"
    );
    assert_eq!(query_param(&next, "scope").as_deref(), Some("openid profile"));
    assert_eq!(
        query_param(&next, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert!(
        query_param(&next, "nonce").is_some_and(|n| n.len() >= 22),
        "a nonce: {next}"
    );
    let upstream_state = query_param(&next, "state").expect("an upstream state");
    assert_ne!(
        upstream_state, state,
        "the upstream state is onair's own, not the client's"
    );
    let pending = set_cookies(response.headers(), PENDING_COOKIE);
    assert_eq!(
        pending.len(),
        1,
        "one pending-login cookie: {:?}",
        response.headers()
    );
    let attributes: Vec<String> = pending[0]
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    for wanted in ["httponly", "samesite=lax", "path=/", "max-age=600"] {
        assert!(
            attributes.iter().any(|a| a == wanted),
            "{wanted} in {:?}",
            pending[0]
        );
    }
    assert!(
        !attributes.iter().any(|a| a == "secure"),
        "onair runs on http here: {:?}",
        pending[0]
    );
    for _ in 0..10 {
        if next
            .as_str()
            .starts_with(&format!("{}/oauth/federated/callback", fx.base))
        {
            return next;
        }
        if deny && next.path().starts_with("/interaction/") {
            next.query_pairs_mut().append_pair("deny", "1");
        }
        let response = browser.get(&fx.http, &next).await;
        assert!(
            response.status().is_redirection(),
            "the provider redirects from {next}: {}",
            response.status()
        );
        next = location(&next, response.headers());
    }
    panic!("the provider did not send the browser back to onair: {next}");
}

/// A full login: returns onair's authorization code for `state`.
async fn log_in(fx: &Fixture, browser: &mut Browser, state: &str) -> String {
    let callback = to_callback(fx, browser, state, false).await;
    let response = browser.get(&fx.http, &callback).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "{:?}",
        response.text().await
    );
    assert_eq!(
        set_cookies(response.headers(), PENDING_COOKIE).len(),
        1,
        "the callback clears the pending login"
    );
    assert!(browser.cookie(&callback, PENDING_COOKIE).is_none());
    let back = location(&callback, response.headers());
    assert!(
        back.as_str().starts_with(CLIENT_REDIRECT),
        "to the client: {back}"
    );
    assert_eq!(
        query_param(&back, "state").as_deref(),
        Some(state),
        "the client's state is echoed"
    );
    // RFC 9207: the response names onair (the local server's own address) as its issuer.
    assert_eq!(query_param(&back, "iss").as_deref(), Some(fx.base.as_str()));
    query_param(&back, "code").expect("an onair authorization code")
}

/// Exchanges an onair code at PRISM's token endpoint; returns the access token.
async fn prism_access_token(fx: &Fixture, code: &str, state: &str) -> String {
    let reply: Value = fx
        .http
        .get(format!("{}/prism/v1/service/oauth2/token", fx.base))
        .query(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", CLIENT_REDIRECT),
            ("state", state),
        ])
        .header("x-prism-client-id", &fx.client_id)
        .header("x-prism-client-secret", &fx.client_secret)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    reply["access_token"]
        .as_str()
        .unwrap_or_else(|| panic!("a token reply: {reply}"))
        .to_owned()
}

/// PRISM resource `path` with `access`; returns `data`.
async fn prism_get(fx: &Fixture, path: &str, access: &str) -> Value {
    let response = fx
        .http
        .get(format!("{}{path}", fx.base))
        .header("x-prism-access-token", access)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["success"], json!(true), "{body}");
    body["data"].clone()
}

/// Asserts an error page saying `says`: 400, no redirect, no code anywhere.
async fn assert_error_page(response: reqwest::Response, what: &str, says: &str) {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{what}");
    assert!(response.headers().get(LOCATION).is_none(), "{what}: no redirect");
    let body = response.text().await.unwrap();
    assert!(!body.contains("code="), "{what}: no code in the page");
    assert!(body.contains(says), "{what}: the page says {says:?}: {body}");
}

// ---------------------------------------------------------------------------------------------------
// The rules
// ---------------------------------------------------------------------------------------------------

async fn first_login_provisions_one_user_and_channel_later_logins_map_to_them_and_disabling_refuses(
    backend: Backend,
) {
    let aws = backend == Backend::Aws;
    let fx = fixture(aws).await;
    let mut browser = Browser::default();

    let state = unique("client-state");
    let code = log_in(&fx, &mut browser, &state).await;
    let access = prism_access_token(&fx, &code, &state).await;
    let user = prism_get(&fx, "/prism/v1/service/user", &access).await;
    assert_eq!(user["user"]["userName"].as_str(), Some(UPSTREAM_NAME), "{user}");
    assert_eq!(
        user["user"]["profileThumbnail"].as_str(),
        Some(UPSTREAM_PICTURE),
        "{user}"
    );
    let user_id = user["user"]["userId"].as_str().expect("userId").to_owned();
    let list = prism_get(&fx, "/prism/v1/service/channel/list", &access).await;
    let channels = list["channels"].as_array().expect("channels").clone();
    assert_eq!(channels.len(), 1, "one channel on first login: {list}");
    assert_eq!(channels[0]["channelName"].as_str(), Some(UPSTREAM_NAME));
    assert_eq!(channels[0]["channelLink"].as_str(), Some(UPSTREAM_PROFILE));
    assert_eq!(channels[0]["channelEnabled"], json!(true));

    // The stored user: derived login, no password (checked through the admin API).
    let admin: Value = fx
        .http
        .get(format!("{}/admin/users/{user_id}", fx.base))
        .bearer_auth(fx.server.admin_token.expose())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let login = admin["login"].as_str().unwrap_or_default();
    assert!(login.starts_with("fed.") && login.len() == 36, "{admin}");

    // Second login, same browser (the provider remembers the session and the grant) and a new browser
    // (full interaction again): both map to the same user, and no channel is added.
    for mut browser in [browser, Browser::default()] {
        let state = unique("client-state");
        let code = log_in(&fx, &mut browser, &state).await;
        let access = prism_access_token(&fx, &code, &state).await;
        let again = prism_get(&fx, "/prism/v1/service/user", &access).await;
        assert_eq!(
            again["user"]["userId"].as_str(),
            Some(user_id.as_str()),
            "the same local user"
        );
        let list = prism_get(&fx, "/prism/v1/service/channel/list", &access).await;
        assert_eq!(
            list["channels"].as_array().map(Vec::len),
            Some(1),
            "still one channel: {list}"
        );
    }

    // A disabled local user cannot log in, however good the provider's answer.
    let disabled = fx
        .http
        .patch(format!("{}/admin/users/{user_id}", fx.base))
        .bearer_auth(fx.server.admin_token.expose())
        .json(&json!({"disabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(disabled.status(), StatusCode::OK);
    let mut browser = Browser::default();
    let callback = to_callback(&fx, &mut browser, &unique("client-state"), false).await;
    assert_error_page(
        browser.get(&fx.http, &callback).await,
        "disabled user",
        "This account is disabled.",
    )
    .await;
    fx.server.stop().await;
}

async fn a_forged_missing_expired_or_mismatched_pending_login_gets_an_error_page_and_no_code(
    backend: Backend,
) {
    let aws = backend == Backend::Aws;
    let fx = fixture(aws).await;
    let mut browser = Browser::default();
    let state = unique("client-state");
    let callback = to_callback(&fx, &mut browser, &state, false).await;
    let cookie = browser
        .cookie(&callback, PENDING_COOKIE)
        .expect("the pending-login cookie");
    let send = |cookie: Option<String>, url: Url| {
        let mut request = fx.http.get(url);
        if let Some(c) = cookie {
            request = request.header(COOKIE, format!("{PENDING_COOKIE}={c}"));
        }
        request.send()
    };

    assert_error_page(send(None, callback.clone()).await.unwrap(), "no cookie", EXPIRED).await;
    // Flip one character of the sealed JSON: the MAC no longer matches.
    let (body, tag) = cookie.split_once('.').unwrap();
    let mut forged: Vec<char> = body.chars().collect();
    forged[10] = if forged[10] == 'A' { 'B' } else { 'A' };
    let forged = format!("{}.{tag}", forged.into_iter().collect::<String>());
    assert_error_page(
        send(Some(forged), callback.clone()).await.unwrap(),
        "forged cookie",
        EXPIRED,
    )
    .await;
    let mut wrong_state = callback.clone();
    let pairs: Vec<(String, String)> = callback
        .query_pairs()
        .map(|(k, v)| {
            (
                k.clone().into_owned(),
                if k == "state" {
                    format!("{v}x")
                } else {
                    v.into_owned()
                },
            )
        })
        .collect();
    wrong_state.query_pairs_mut().clear().extend_pairs(pairs);
    assert_error_page(
        send(Some(cookie.clone()), wrong_state).await.unwrap(),
        "wrong state",
        EXPIRED,
    )
    .await;

    // None of that spent the provider's code: the genuine pair still completes the login.
    let response = send(Some(cookie), callback.clone()).await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let back = location(&callback, response.headers());
    assert!(query_param(&back, "code").is_some(), "{back}");
    assert_eq!(query_param(&back, "state").as_deref(), Some(state.as_str()));

    // A pending login older than ten minutes is refused.
    let mut browser = Browser::default();
    let callback = to_callback(&fx, &mut browser, &unique("client-state"), false).await;
    fx.clock
        .advance(time::Duration::minutes(10) + time::Duration::seconds(1));
    assert_error_page(
        browser.get(&fx.http, &callback).await,
        "expired pending login",
        EXPIRED,
    )
    .await;
    fx.server.stop().await;
}

async fn an_upstream_denial_is_redirected_to_the_client_as_access_denied_with_its_state(backend: Backend) {
    let aws = backend == Backend::Aws;
    let fx = fixture(aws).await;
    let mut browser = Browser::default();
    let state = unique("client-state");
    let callback = to_callback(&fx, &mut browser, &state, true).await;
    assert_eq!(
        query_param(&callback, "error").as_deref(),
        Some("access_denied"),
        "{callback}"
    );
    let response = browser.get(&fx.http, &callback).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let back = location(&callback, response.headers());
    assert!(back.as_str().starts_with(CLIENT_REDIRECT), "{back}");
    assert_eq!(query_param(&back, "error").as_deref(), Some("access_denied"));
    assert_eq!(query_param(&back, "state").as_deref(), Some(state.as_str()));
    // RFC 9207: error responses name the issuer too.
    assert_eq!(query_param(&back, "iss").as_deref(), Some(fx.base.as_str()));
    assert_eq!(query_param(&back, "code"), None);
    assert!(
        browser.cookie(&callback, PENDING_COOKIE).is_none(),
        "the pending login is cleared"
    );
    fx.server.stop().await;
}
