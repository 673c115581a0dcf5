//! Tests behind claims the README makes that no other test would notice breaking:
//!
//! - the signing key's previous value verifies until `previousUntil`, and not a moment after;
//! - `/admin/audit?day=` returns that UTC day's entries only, each naming who, the client and the
//!   caller's IP exactly, and no audit entry of a full flow holds a token, code or secret value;
//! - a federated login leaves neither the upstream client secret nor the upstream tokens, nor onair's
//!   own signing key, in the logs of the real binary (debug level, Lambda's JSON format).

use crate::support::oauth::{
    PASSWORD, TestClient, Tokens, authorize_path, create_client, create_user, introspect, obtain_code,
    open_login, prism_exchange, prism_get, prism_refresh, revoke, tokens,
};
use crate::support::{ADMIN_TOKEN, Backend, Reply, TestApp, admin, unique};
use axum::Router;
use http::{Method, StatusCode};
use onair_api::host::ClientIp;
use onair_domain::{Clock, SecretString, SystemClock};
use onair_store::SecretStore;
use onair_store::secrets::manager::SecretsManagerStore;
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Arc;
use time::Duration;

crate::support::on_both_backends!(
    signing_keys_previous_value_verifies_until_previous_until_and_not_after,
    audit_day_filter_returns_that_days_entries_only,
    audit_entries_name_who_client_and_ip_and_hold_no_secret_of_a_full_flow,
);

/// The signing key of every in-process test state ([`TestApp`]).
const SIGNING_KEY: &str = "test-signing-key-0123456789abcdef";

/// The caller IP the host hands the router (as API Gateway's `sourceIp` or the TCP peer would).
const CALLER_IP: &str = "203.0.113.7";

/// Writes a fresh signing key under `prefix` in Secrets Manager on moto, before a server that reads
/// it starts, and returns its value (so a test can search logs for it).
pub(crate) async fn seed_signing_key(prefix: &str) -> String {
    let client = aws_sdk_secretsmanager::Client::new(&crate::support::sdk_config().await);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let store = SecretsManagerStore::new(client, prefix, Duration::minutes(5), clock);
    let key = format!("{}-signing-key-0123456789abcdef", unique("log"));
    store
        .create("signing-key", &SecretString::new(key.clone()))
        .await
        .expect("seed the signing key");
    key
}

/// A state with a confidential client and a user `alice`; the router sees every request as coming
/// from [`CALLER_IP`].
struct Fx {
    app: TestApp,
    router: Router,
    client: TestClient,
    user: String,
}

impl Fx {
    async fn new(backend: Backend) -> Fx {
        let app = TestApp::new(backend).await;
        let router = app.router().layer(axum::Extension(ClientIp(CALLER_IP.into())));
        let client = create_client(&router, "PRISM").await;
        let user = create_user(&router, "alice").await;
        Fx {
            app,
            router,
            client,
            user,
        }
    }

    async fn login(&self) -> Tokens {
        let code = obtain_code(&self.router, &self.client.id, "alice", None, None).await;
        tokens(&prism_exchange(&self.router, &self.client, &code, &[]).await)
    }

    /// `GET /admin/audit` with `query`, every page.
    async fn audit(&self, query: &str) -> Vec<Value> {
        let mut entries = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let mut path = format!("/admin/audit?limit=100{query}");
            if let Some(token) = &next {
                path.push_str(&format!("&pageToken={token}"));
            }
            let reply = admin(&self.router, Method::GET, &path, None).await;
            assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.text);
            entries.extend(reply.body["items"].as_array().unwrap().iter().cloned());
            match reply.body["nextPageToken"].as_str() {
                Some(token) => next = Some(token.to_owned()),
                None => return entries,
            }
        }
    }
}

fn ids(entries: &[Value]) -> BTreeSet<String> {
    entries
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The header segment of a JWT (it names the signing key's `kid`).
fn jwt_header(token: &str) -> &str {
    token.split('.').next().unwrap()
}

// ---------------------------------------------------------------------------------------------------
// The signing key's overlap

/// A key rotation as the README's procedure (and the scheduled rotation) does it: new `current`, old
/// value as `previous` until `previousUntil`. A token signed with the old key verifies — on a PRISM
/// resource call and in introspection — until one second before `previousUntil`, and is refused from
/// `previousUntil` on, although the token itself has not expired. Tokens of the new key keep working.
async fn signing_keys_previous_value_verifies_until_previous_until_and_not_after(backend: Backend) {
    let fx = Fx::new(backend).await;
    let state = &fx.app.state;
    let old = fx.login().await;
    let user_path = "/prism/v1/service/user";
    assert_eq!(
        prism_get(&fx.router, user_path, &old.access).await.status,
        StatusCode::OK
    );

    // Rotate: the overlap (20 min) ends well inside the old token's lifetime (1 h), so only the
    // overlap can make it fail.
    let previous_until = fx.app.clock.now() + Duration::minutes(20);
    state
        .secrets
        .rotate(
            &state.settings.oauth.signing_key_secret,
            &SecretString::new("rotated-signing-key-fedcba9876543210"),
            previous_until,
        )
        .await
        .unwrap();
    // Past the secret cache's TTL (5 min on Secrets Manager): every instance has read the rotation.
    fx.app.clock.advance(Duration::minutes(6));
    let new = fx.login().await;
    assert_ne!(
        jwt_header(&new.access),
        jwt_header(&old.access),
        "the new key signs (another kid)"
    );
    assert_eq!(
        prism_get(&fx.router, user_path, &old.access).await.status,
        StatusCode::OK,
        "the previous key verifies during the overlap"
    );

    fx.app
        .clock
        .advance(previous_until - fx.app.clock.now() - Duration::seconds(1));
    let last_second = prism_get(&fx.router, user_path, &old.access).await;
    assert_eq!(last_second.status, StatusCode::OK, "{}", last_second.text);
    assert_eq!(
        introspect(&fx.router, &fx.client, &old.access).await["active"],
        true
    );

    fx.app.clock.advance(Duration::seconds(1));
    let after = prism_get(&fx.router, user_path, &old.access).await;
    assert_eq!(
        after.status,
        StatusCode::UNAUTHORIZED,
        "the previous key stops verifying at previousUntil: {}",
        after.text
    );
    assert_eq!(
        introspect(&fx.router, &fx.client, &old.access).await["active"],
        false
    );
    // The new key's token is unaffected, and the old token had not expired on its own.
    assert_eq!(
        prism_get(&fx.router, user_path, &new.access).await.status,
        StatusCode::OK
    );
    assert!(fx.app.clock.now() < crate::support::T0 + state.settings.oauth.access_ttl);
}

// ---------------------------------------------------------------------------------------------------
// The audit trail

/// Entries of day 1 (a login) and day 2 (another login): `?day=` returns exactly that day's entries,
/// each dated that day; no `day` means today.
async fn audit_day_filter_returns_that_days_entries_only(backend: Backend) {
    let fx = Fx::new(backend).await;
    let day1 = fx.app.clock.now().date();
    fx.login().await;
    let first = fx.audit(&format!("&day={day1}")).await;
    assert!(first.len() >= 3, "login, code, redemption: {first:?}");

    fx.app.clock.advance(Duration::days(1));
    let day2 = fx.app.clock.now().date();
    fx.login().await;
    let on_day1 = fx.audit(&format!("&day={day1}")).await;
    let on_day2 = fx.audit(&format!("&day={day2}")).await;
    assert_eq!(ids(&on_day1), ids(&first), "day 1 holds exactly day 1's entries");
    assert!(!on_day2.is_empty());
    assert!(
        ids(&on_day1).is_disjoint(&ids(&on_day2)),
        "no entry is on both days"
    );
    for (day, entries) in [(day1, &on_day1), (day2, &on_day2)] {
        for e in entries.iter() {
            assert!(
                e["at"].as_str().unwrap().starts_with(&day.to_string()),
                "{day}: {e}"
            );
        }
    }
    assert_eq!(ids(&fx.audit("").await), ids(&on_day2), "no day means today");
    let day0 = day1.previous_day().unwrap();
    assert!(
        fx.audit(&format!("&day={day0}")).await.is_empty(),
        "the day before holds nothing"
    );
}

/// A full flow — a wrong password, login, code, token, refresh, revocation, a replay — through the
/// router: each audit entry names exactly the user, the login typed (login events only), the client
/// and the caller's IP; and no token, code or secret value appears anywhere in any entry.
async fn audit_entries_name_who_client_and_ip_and_hold_no_secret_of_a_full_flow(backend: Backend) {
    let fx = Fx::new(backend).await;
    let mut secrets: Vec<(&str, String)> = vec![
        ("password", PASSWORD.into()),
        ("client secret", fx.client.secret().into()),
        ("signing key", SIGNING_KEY.into()),
        ("admin token", ADMIN_TOKEN.into()),
    ];
    let wrong = "wrong-password-4711";
    secrets.push(("wrong password", wrong.into()));
    let page = open_login(&fx.router, &authorize_path(&fx.client.id, &[]), &[]).await;
    let refused = page.submit(&fx.router, "alice", wrong, "login", &[]).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.text);
    secrets.push(("csrf token", page.csrf().to_owned()));

    let code = obtain_code(&fx.router, &fx.client.id, "alice", None, None).await;
    secrets.push(("code", code.clone()));
    let first = tokens(&prism_exchange(&fx.router, &fx.client, &code, &[]).await);
    let second = tokens(&prism_refresh(&fx.router, &fx.client, &first.refresh).await);
    for (label, t) in [("first", &first), ("refreshed", &second)] {
        secrets.push((label, t.access.clone()));
        secrets.push((label, t.access.rsplit('.').next().unwrap().to_owned()));
        secrets.push((label, t.refresh.clone()));
    }
    let revoked: Reply = revoke(&fx.router, &fx.client, &second.refresh).await;
    assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text);
    let replay = prism_exchange(&fx.router, &fx.client, &code, &[]).await;
    assert_eq!(replay.status, StatusCode::BAD_REQUEST, "{}", replay.text);

    let entries = fx.audit("").await;
    let mut events: Vec<&str> = entries.iter().map(|e| e["event"].as_str().unwrap()).collect();
    events.sort_unstable();
    assert_eq!(
        events,
        [
            "code_issued",
            "code_redeemed",
            "code_replayed",
            "login_failed",
            "login_succeeded",
            "token_refreshed",
            "token_revoked"
        ],
        "{entries:?}"
    );
    for e in &entries {
        let event = e["event"].as_str().unwrap();
        let login = matches!(event, "login_failed" | "login_succeeded").then_some("alice");
        assert_eq!(e["userId"].as_str(), Some(fx.user.as_str()), "who: {e}");
        assert_eq!(e["login"].as_str(), login, "login typed: {e}");
        assert_eq!(e["clientId"].as_str(), Some(fx.client.id.as_str()), "client: {e}");
        assert_eq!(e["ip"].as_str(), Some(CALLER_IP), "caller IP: {e}");
    }
    let text = serde_json::to_string(&entries).unwrap();
    let leaked: Vec<&str> = secrets
        .iter()
        .filter(|(_, value)| text.contains(value.as_str()))
        .map(|(label, _)| *label)
        .collect();
    assert!(leaked.is_empty(), "secret values in the audit trail: {leaked:?}");
    // The search sees what the trail holds: identifiers are there.
    assert!(text.contains(&fx.user) && text.contains(&fx.client.id));
    // The stored entries, read through the port, say the same (nothing hidden by the admin view).
    let stored = format!("{:?}", crate::support::oauth::audit_trail(&fx.app.state).await);
    assert!(
        secrets.iter().all(|(_, value)| !stored.contains(value.as_str())),
        "secret values in the stored entries"
    );
}

// ---------------------------------------------------------------------------------------------------
// The logs of a federated login

mod logs {
    //! Runs only against DynamoDB and Secrets Manager on moto: the upstream client secret and the
    //! signing key must exist before the binary starts, which only an external secret store allows
    //! (the embedded store's secrets live in the process's memory).

    mod dynamodb {
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn no_secret_in_logs_of_the_real_binary_after_a_federated_login() {
            super::super::no_secret_in_logs_of_the_real_binary_after_a_federated_login().await;
        }
    }
}

/// The `onair-local` binary in `ONAIR_LOGIN_MODE=oidc` against the OpenID provider, with
/// `RUST_LOG=debug` and Lambda's JSON log format: a login through the provider, the code exchange,
/// a refresh and a resource call. Then no value of the upstream client secret, the upstream code,
/// the upstream access and ID tokens, the signing key, or onair's own codes and tokens appears in
/// what the binary logged.
async fn no_secret_in_logs_of_the_real_binary_after_a_federated_login() {
    use crate::oauth::e2e::{Running, Secrets};
    use crate::oauth::federation::{
        Browser, Provider, UPSTREAM_CLIENT_ID, UPSTREAM_CLIENT_SECRET, free_port, http, location, query_param,
    };
    use crate::support::local_binary;
    use std::process::{Command, Stdio};
    use std::time::Instant;
    use url::Url;

    let port = free_port();
    let provider = Provider::start(&format!("http://127.0.0.1:{port}/oauth/federated/callback"));
    let prefix = format!("{}/", unique("fedlog"));
    let signing_key = seed_signing_key(&prefix).await;
    let upstream_secret_name = "oidc-client-secret";
    {
        let client = aws_sdk_secretsmanager::Client::new(&crate::support::sdk_config().await);
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        SecretsManagerStore::new(client, prefix.clone(), Duration::minutes(5), clock)
            .create(upstream_secret_name, &SecretString::new(UPSTREAM_CLIENT_SECRET))
            .await
            .unwrap();
    }
    let dir = std::env::temp_dir();
    let demo_file = dir.join(format!("{}.json", unique("onair-fedlog-demo")));
    let log_file = dir.join(format!("{}.log", unique("onair-fedlog-debug")));
    let process = Running(
        Command::new(local_binary())
            .env("ONAIR_LISTEN", format!("127.0.0.1:{port}"))
            .env("ONAIR_DEMO_FILE", &demo_file)
            .env("RUST_LOG", "debug")
            .env("ONAIR_LOG_FORMAT", "json")
            .env("AWS_ENDPOINT_URL", crate::support::moto_endpoint())
            .env("ONAIR_REGISTRATIONS_TABLE", unique("fedlog-registrations"))
            .env("ONAIR_TOKENS_TABLE", unique("fedlog-tokens"))
            .env("ONAIR_SECRET_PREFIX", &prefix)
            .env("ONAIR_LOGIN_MODE", "oidc")
            .env("ONAIR_OIDC_ISSUER", &provider.issuer)
            .env("ONAIR_OIDC_CLIENT_ID", UPSTREAM_CLIENT_ID)
            .env("ONAIR_OIDC_CLIENT_SECRET_NAME", upstream_secret_name)
            .stdout(Stdio::null())
            .stderr(Stdio::from(std::fs::File::create(&log_file).unwrap()))
            .spawn()
            .expect("start onair-local"),
    );
    let deadline = Instant::now() + std::time::Duration::from_secs(60);
    let demo: Value = loop {
        if let Ok(bytes) = std::fs::read(&demo_file)
            && let Ok(demo) = serde_json::from_slice::<Value>(&bytes)
        {
            let _ = std::fs::remove_file(&demo_file);
            break demo;
        }
        assert!(Instant::now() < deadline, "onair-local did not start within 60 s");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let field = |name: &str| demo[name].as_str().unwrap().to_owned();
    let (base, client_id, client_secret) = (field("base_url"), field("client_id"), field("client_secret"));
    let redirect_uri = field("redirect_uri");
    let mut secrets = Secrets::default();
    secrets.add("upstream client secret", UPSTREAM_CLIENT_SECRET);
    secrets.add("signing key", &signing_key);
    secrets.add("client secret", &client_secret);
    secrets.add("admin token", &field("admin_token"));

    // The browser: onair → provider → onair's callback → the client's redirect URI.
    let http = http();
    let mut browser = Browser::default();
    let mut next = Url::parse(&format!("{base}/oauth/authorize")).unwrap();
    next.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &client_id)
        .append_pair("redirect_uri", &redirect_uri)
        .append_pair("state", "fedlog-state");
    let code = loop {
        let response = browser.get(&http, &next).await;
        assert!(
            response.status().is_redirection(),
            "{next}: {} {:?}",
            response.status(),
            response.text().await
        );
        let target = location(&next, response.headers());
        if next.path() == "/oauth/federated/callback" {
            secrets.add(
                "upstream code",
                &query_param(&next, "code").expect("an upstream code"),
            );
            assert!(
                target.as_str().starts_with(&redirect_uri),
                "to the client: {target}"
            );
            break query_param(&target, "code").expect("onair's code");
        }
        next = target;
    };
    secrets.add("authorization code", &code);
    let upstream = provider.issued_tokens();
    assert!(
        upstream.iter().any(|(f, _)| f == "access_token") && upstream.iter().any(|(f, _)| f == "id_token"),
        "the provider recorded its token response: {:?}",
        upstream.iter().map(|(f, _)| f).collect::<Vec<_>>()
    );
    for (f, value) in &upstream {
        if f == "id_token" {
            secrets.add_jwt("upstream id token", value);
        } else {
            secrets.add(format!("upstream {f}"), value);
        }
    }

    // onair's tokens: code exchange, refresh, a resource call.
    let token = |pairs: Vec<(&'static str, String)>| {
        let (http, base) = (http.clone(), base.clone());
        let (id, secret) = (client_id.clone(), client_secret.clone());
        async move {
            let reply: Value = http
                .get(format!("{base}/prism/v1/service/oauth2/token"))
                .header("x-prism-client-id", id)
                .header("x-prism-client-secret", secret)
                .query(&pairs)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let get = |f: &str| {
                reply[f]
                    .as_str()
                    .unwrap_or_else(|| panic!("{f} in {reply}"))
                    .to_owned()
            };
            (get("access_token"), get("refresh_token"))
        }
    };
    let (access, refresh) = token(vec![
        ("grant_type", "authorization_code".into()),
        ("code", code.clone()),
        ("redirect_uri", redirect_uri.clone()),
    ])
    .await;
    secrets.add_jwt("access token", &access);
    secrets.add("refresh token", &refresh);
    let (access2, refresh2) = token(vec![
        ("grant_type", "refresh_token".into()),
        ("refresh_token", refresh),
    ])
    .await;
    secrets.add_jwt("refreshed access token", &access2);
    secrets.add("refreshed refresh token", &refresh2);
    let user = http
        .get(format!("{base}/prism/v1/service/user"))
        .header("x-prism-access-token", &access2)
        .send()
        .await
        .unwrap();
    assert_eq!(user.status(), StatusCode::OK);

    drop(process);
    let log = std::fs::read_to_string(&log_file).unwrap();
    assert!(
        log.contains("DEBUG"),
        "RUST_LOG=debug was in force ({})",
        log_file.display()
    );
    assert!(
        log.contains("/oauth/federated/callback") && log.contains("/prism/v1/service/oauth2/token"),
        "the requests were logged ({})",
        log_file.display()
    );
    assert!(
        log.contains(&client_id),
        "the log names the client ({})",
        log_file.display()
    );
    let leaked: Vec<&str> = secrets
        .0
        .iter()
        .filter(|(_, value)| log.contains(value.as_str()))
        .map(|(label, _)| label.as_str())
        .collect();
    assert!(
        leaked.is_empty(),
        "secrets in the log {}: {leaked:?}",
        log_file.display()
    );
    let _ = std::fs::remove_file(&log_file);
}
