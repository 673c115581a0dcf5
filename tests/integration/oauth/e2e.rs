//! End-to-end OAuth over real HTTP against the local server, on both stores.
//!
//! Independent clients drive the authorization server: PRISM's own sequence with a plain HTTP client, the
//! `oauth2` crate, and Python's authlib (a script run with the project's virtualenv). Races on one code
//! and on one refresh token prove the single-winner guards through the whole stack, and the real binary's
//! debug log is searched for every secret a full flow handled.

use crate::support::local_binary;
use crate::support::{self, Backend, unique};
use futures::future::join_all;
use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, TokenResponse, TokenUrl,
};
use onair_domain::{RandomGenerator, SystemClock};
use onair_platform::config::{Config, Host};
use onair_platform::local::{self, Demo, LocalServer};
use reqwest::header::{COOKIE, HeaderMap, LOCATION, SET_COOKIE};
use reqwest::{Client, StatusCode, redirect};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Barrier;
use url::Url;

crate::support::on_both_backends!(
    prism_sequence_logs_in_issues_tokens_serves_resources_and_refreshes_under_every_parameter_name,
    rust_oauth2_crate_confidential_client_with_basic_auth_and_pkce,
    rust_oauth2_crate_public_client_with_pkce,
    authlib_flows_pkce_rotation_grace_reuse_revocation_introspection,
    concurrent_code_redemptions_have_one_winner_and_the_replays_revoke_its_tokens,
    concurrent_refreshes_rotate_once_and_every_reply_carries_the_same_successor,
    no_secret_in_logs_of_the_real_binary_after_a_full_flow,
);

// ---------------------------------------------------------------------------------------------------
// The server and a browser-like client
// ---------------------------------------------------------------------------------------------------

/// A local server in-process on the chosen store, on the system clock, with `extra` variables.
async fn start(aws: bool, extra: &[(&str, &str)]) -> (LocalServer, Demo) {
    let mut vars: HashMap<String, String> = HashMap::from([("ONAIR_LISTEN".into(), "127.0.0.1:0".into())]);
    if aws {
        vars.insert("AWS_ENDPOINT_URL".into(), support::moto_endpoint());
        vars.insert(
            "ONAIR_REGISTRATIONS_TABLE".into(),
            unique("oauth-e2e-registrations"),
        );
        vars.insert("ONAIR_TOKENS_TABLE".into(), unique("oauth-e2e-tokens"));
        vars.insert("ONAIR_SECRET_PREFIX".into(), format!("{}/", unique("oauth-e2e")));
    }
    for (k, v) in extra {
        vars.insert((*k).into(), (*v).into());
    }
    let config = Config::from_vars(Host::Local, &vars).unwrap();
    let server = local::start(&config, Arc::new(SystemClock), Arc::new(RandomGenerator))
        .await
        .unwrap();
    assert_eq!(
        server.wiring.dynamodb_round_trips.is_some(),
        aws,
        "the server runs on the store the test asked for"
    );
    let demo = server.demo.clone().expect("an empty store seeds the demo");
    (server, demo)
}

/// An HTTP client that, like a browser under test and as `oauth2` recommends, follows no redirects.
fn http() -> Client {
    Client::builder()
        .redirect(redirect::Policy::none())
        .no_proxy()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// A decoded HTTP reply.
#[derive(Debug)]
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

async fn reply(response: reqwest::Response) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Reply {
        status,
        headers,
        body,
    }
}

/// The value of query parameter `name`.
fn query_param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// The login page's hidden fields, in order.
fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    const OPEN: &str = "<input type=\"hidden\" name=\"";
    let mut fields = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(OPEN) {
        let (name, after) = rest[at + OPEN.len()..].split_once('"').unwrap();
        let after = after
            .strip_prefix(" value=\"")
            .expect("a hidden input carries a value");
        let (value, after) = after.split_once('"').unwrap();
        fields.push((unescape(name), unescape(value)));
        rest = after;
    }
    fields
}

/// The form's `action`, resolved against the page's URL as a browser does.
fn form_action(page: &Url, html: &str) -> Url {
    const OPEN: &str = "<form method=\"post\" action=\"";
    let at = html.find(OPEN).expect("the login page has a POST form");
    let (action, _) = html[at + OPEN.len()..].split_once('"').unwrap();
    page.join(&unescape(action)).unwrap()
}

/// The CSRF cookie the login page sets.
fn csrf_cookie(headers: &HeaderMap) -> String {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("onair_csrf="))
        .and_then(|v| v.split(';').next())
        .filter(|v| !v.is_empty())
        .expect("the login page sets the onair_csrf cookie")
        .to_owned()
}

/// What one pass through the login page saw.
struct LoginPass {
    /// The CSRF token (cookie and hidden field).
    csrf: String,
    /// The reply to the form post.
    reply: Reply,
}

/// Drives the login page like a browser: GET shows the form and sets the CSRF cookie; POST sends the
/// hidden fields back with the credentials and the cookie.
async fn submit_login(http: &Client, authorize_url: &str, login: &str, password: &str) -> LoginPass {
    let page = http.get(authorize_url).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK, "login page for {authorize_url}");
    let csrf = csrf_cookie(page.headers());
    let html = page.text().await.unwrap();
    let mut form = hidden_inputs(&html);
    assert!(
        form.iter().any(|(n, v)| n == "csrf" && *v == csrf),
        "the form's csrf field is the cookie's value"
    );
    form.extend([
        ("login".to_owned(), login.to_owned()),
        ("password".to_owned(), password.to_owned()),
        ("action".to_owned(), "login".to_owned()),
    ]);
    let target = form_action(&Url::parse(authorize_url).unwrap(), &html);
    let response = http
        .post(target)
        .header(COOKIE, format!("onair_csrf={csrf}"))
        .form(&form)
        .send()
        .await
        .unwrap();
    LoginPass {
        csrf,
        reply: reply(response).await,
    }
}

/// Logs in and returns where the server redirected the browser (the redirect URI with the code).
async fn log_in(http: &Client, authorize_url: &str, login: &str, password: &str) -> Url {
    let pass = submit_login(http, authorize_url, login, password).await;
    redirect_target(&pass.reply)
}

fn redirect_target(reply: &Reply) -> Url {
    assert_eq!(
        reply.status,
        StatusCode::SEE_OTHER,
        "login answers 303: {:?}",
        reply.body
    );
    let location = reply
        .headers
        .get(LOCATION)
        .expect("a Location header")
        .to_str()
        .unwrap();
    Url::parse(location).unwrap()
}

/// The PRISM-style authorization URL (no PKCE, a state).
fn prism_authorize_url(base: &str, client_id: &str, redirect_uri: &str, state: &str) -> String {
    Url::parse_with_params(
        &format!("{base}/oauth/authorize"),
        [
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", redirect_uri),
            ("state", state),
        ],
    )
    .unwrap()
    .to_string()
}

/// Who logs in where: the streamer's credentials and the client's redirect URI.
struct Login<'a> {
    login: &'a str,
    password: &'a str,
    redirect_uri: &'a str,
}

impl<'a> From<&'a Demo> for Login<'a> {
    fn from(demo: &'a Demo) -> Self {
        Login {
            login: &demo.username,
            password: &demo.password,
            redirect_uri: &demo.redirect_uri,
        }
    }
}

/// Logs the streamer in for `client_id` (PRISM-style, no PKCE) and returns the authorization code.
async fn authorization_code(http: &Client, base: &str, who: Login<'_>, client_id: &str) -> String {
    let state = unique("state");
    let url = prism_authorize_url(base, client_id, who.redirect_uri, &state);
    let back = log_in(http, &url, who.login, who.password).await;
    assert!(
        back.as_str().starts_with(who.redirect_uri),
        "redirected to the registered URI: {back}"
    );
    assert_eq!(
        query_param(&back, "state").as_deref(),
        Some(state.as_str()),
        "state is echoed"
    );
    query_param(&back, "code").expect("the redirect carries a code")
}

/// `GET /prism/v1/service/oauth2/token` with PRISM's client headers.
async fn prism_token(http: &Client, base: &str, client: (&str, &str), params: &[(&str, &str)]) -> Reply {
    let response = http
        .get(format!("{base}/prism/v1/service/oauth2/token"))
        .query(params)
        .header("x-prism-client-id", client.0)
        .header("x-prism-client-secret", client.1)
        .send()
        .await
        .unwrap();
    reply(response).await
}

/// A resource call with PRISM's `x-prism-access-token` header.
async fn prism_get(http: &Client, base: &str, path: &str, access: &str) -> Reply {
    let response = http
        .get(format!("{base}{path}"))
        .header("x-prism-access-token", access)
        .send()
        .await
        .unwrap();
    reply(response).await
}

/// A resource call with `Authorization: Bearer`.
async fn bearer_get(http: &Client, base: &str, path: &str, access: &str) -> Reply {
    let response = http
        .get(format!("{base}{path}"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    reply(response).await
}

/// A token-endpoint success (RFC 6749 §5.1 / PRISM R1): string tokens, a positive `expires_in`, a
/// bearer `token_type`, and no caching. Returns (access, refresh).
fn tokens(reply: &Reply) -> (String, String) {
    assert_eq!(reply.status, StatusCode::OK, "token reply: {:?}", reply.body);
    let body = &reply.body;
    let access = body["access_token"].as_str().expect("access_token is a string");
    let refresh = body["refresh_token"].as_str().expect("refresh_token is a string");
    assert!(
        !access.is_empty() && !refresh.is_empty() && access != refresh,
        "{body}"
    );
    assert!(
        body["expires_in"].as_u64().is_some_and(|n| n > 0),
        "expires_in is a positive number: {body}"
    );
    assert!(
        body["token_type"]
            .as_str()
            .is_some_and(|t| t.eq_ignore_ascii_case("bearer")),
        "token_type is bearer: {body}"
    );
    assert_eq!(
        reply.headers.get("cache-control").and_then(|v| v.to_str().ok()),
        Some("no-store"),
        "token replies are not cached"
    );
    (access.to_owned(), refresh.to_owned())
}

/// An OAuth error reply with `code` (RFC 6749 §5.2).
fn oauth_error(reply: &Reply, status: StatusCode, code: &str, what: &str) {
    assert_eq!(reply.status, status, "{what}: {:?}", reply.body);
    assert_eq!(
        reply.body["error"].as_str(),
        Some(code),
        "{what}: {:?}",
        reply.body
    );
}

/// PRISM's success envelope; returns `data`.
fn envelope(reply: &Reply) -> &Value {
    assert_eq!(reply.status, StatusCode::OK, "resource reply: {:?}", reply.body);
    let body = &reply.body;
    assert_eq!(body["success"], json!(true), "{body}");
    assert_eq!(body["errorCode"], json!(0), "{body}");
    assert!(body["errorName"].is_null() && body["message"].is_null(), "{body}");
    assert!(body["data"].is_object(), "{body}");
    &body["data"]
}

/// A channel DTO per spec §5.1: required strings and boolean, optional fields of their types.
fn check_channel_dto(c: &Value) {
    for key in ["channelId", "channelName", "channelLink"] {
        assert!(
            c[key].as_str().is_some_and(|v| !v.is_empty()),
            "{key} is a non-empty string: {c}"
        );
    }
    assert!(
        c["channelEnabled"].is_boolean(),
        "channelEnabled is a boolean: {c}"
    );
    for key in ["channelDescription", "channelTags", "channelThumbnailUrl"] {
        assert!(
            c[key].is_string() || c[key].is_null(),
            "{key} is a string or absent: {c}"
        );
    }
    assert!(
        c["channelFollowerCount"].is_number() || c["channelFollowerCount"].is_null(),
        "channelFollowerCount is a number or absent: {c}"
    );
}

/// `POST /admin/clients`; returns the id and, for a confidential client, the secret.
async fn register_client(http: &Client, base: &str, admin: &str, kind: &str) -> (String, Option<String>) {
    let response = http
        .post(format!("{base}/admin/clients"))
        .bearer_auth(admin)
        .json(&json!({"name": format!("e2e {kind}"), "kind": kind, "redirectUris": ["http://127.0.0.1/callback"]}))
        .send()
        .await
        .unwrap();
    let created = reply(response).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let id = created.body["clientId"].as_str().unwrap().to_owned();
    let secret = created.body["clientSecret"].as_str().map(str::to_owned);
    assert_eq!(secret.is_some(), kind == "confidential", "{:?}", created.body);
    (id, secret)
}

/// Today's audit trail (every page), oldest last.
async fn audit_trail(http: &Client, base: &str, admin: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut request = http
            .get(format!("{base}/admin/audit"))
            .bearer_auth(admin)
            .query(&[("limit", "100")]);
        if let Some(t) = &token {
            request = request.query(&[("pageToken", t)]);
        }
        let page = reply(request.send().await.unwrap()).await;
        assert_eq!(page.status, StatusCode::OK, "{:?}", page.body);
        items.extend(page.body["items"].as_array().unwrap().iter().cloned());
        match page.body["nextPageToken"].as_str() {
            Some(next) => token = Some(next.to_owned()),
            None => return items,
        }
    }
}

fn count_events(trail: &[Value], event: &str, client_id: &str) -> usize {
    trail
        .iter()
        .filter(|e| e["event"] == json!(event) && e["clientId"] == json!(client_id))
        .count()
}

/// `POST /oauth/introspect` with HTTP Basic client authentication.
async fn introspect(http: &Client, base: &str, client: (&str, &str), token: &str) -> Value {
    let response = http
        .post(format!("{base}/oauth/introspect"))
        .basic_auth(client.0, Some(client.1))
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    let reply = reply(response).await;
    assert_eq!(reply.status, StatusCode::OK, "{:?}", reply.body);
    reply.body
}

// ---------------------------------------------------------------------------------------------------
// 1. PRISM's sequence with a plain HTTP client
// ---------------------------------------------------------------------------------------------------

/// Spec §4.4: login page → R1 (code) → R3 → R4 → R5 → R1 (refresh) under each spelling PRISM's
/// revisions use for the refresh token (`refresh_token`, `token`, `_token`), each rotating.
async fn prism_sequence_logs_in_issues_tokens_serves_resources_and_refreshes_under_every_parameter_name(
    backend: Backend,
) {
    let aws = backend == Backend::Aws;
    let (server, demo) = start(aws, &[]).await;
    let base = server.base_url();
    let http = http();
    let client = (demo.client_id.as_str(), demo.client_secret.as_str());

    // R2: the login page, PRISM-style (no PKCE), with a state that must come back.
    let state = unique("prism-state");
    let url = prism_authorize_url(&base, &demo.client_id, &demo.redirect_uri, &state);
    let back = log_in(&http, &url, &demo.username, &demo.password).await;
    assert_eq!(
        format!("{}://{}{}", back.scheme(), back.host_str().unwrap(), back.path()),
        demo.redirect_uri
    );
    assert_eq!(query_param(&back, "state").as_deref(), Some(state.as_str()));
    let code = query_param(&back, "code").expect("a code");

    // R1 issue: GET with query parameters, the client in x-prism-* headers, the state passed back.
    let issued = prism_token(
        &http,
        &base,
        client,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &demo.redirect_uri),
            ("state", &state),
        ],
    )
    .await;
    let (mut access, mut refresh) = tokens(&issued);

    // R3: the user, nested under data.user, ids as strings.
    let user = prism_get(&http, &base, "/prism/v1/service/user", &access).await;
    let data = envelope(&user);
    assert_eq!(
        data["user"]["userId"].as_str(),
        Some(demo.user_id.as_str()),
        "{data}"
    );
    assert_eq!(data["user"]["userName"].as_str(), Some("Demo Streamer"), "{data}");
    let thumbnail = &data["user"]["profileThumbnail"];
    assert!(thumbnail.is_string() || thumbnail.is_null(), "{data}");

    // R4: both demo channels, the second disabled; every field of its spec type.
    let list = prism_get(&http, &base, "/prism/v1/service/channel/list", &access).await;
    let data = envelope(&list).clone();
    assert_eq!(data["userName"].as_str(), Some("Demo Streamer"), "{data}");
    let channels = data["channels"].as_array().expect("channels is an array");
    channels.iter().for_each(check_channel_dto);
    let by_id: HashMap<&str, &Value> = channels
        .iter()
        .map(|c| (c["channelId"].as_str().unwrap(), c))
        .collect();
    assert_eq!(
        by_id.keys().copied().collect::<HashSet<_>>(),
        demo.channel_ids
            .iter()
            .map(String::as_str)
            .collect::<HashSet<_>>()
    );
    assert_eq!(by_id[demo.channel_ids[0].as_str()]["channelEnabled"], json!(true));
    assert_eq!(
        by_id[demo.channel_ids[1].as_str()]["channelEnabled"],
        json!(false)
    );
    let seeded = by_id[demo.channel_ids[0].as_str()];
    assert_eq!(seeded["channelTags"], json!("demo;onair"));
    assert_eq!(seeded["channelFollowerCount"], json!(42));

    // R5: the first listed channel, the same DTO as in the list.
    let first = &channels[0];
    let path = format!(
        "/prism/v1/service/channel/{}",
        first["channelId"].as_str().unwrap()
    );
    let one = prism_get(&http, &base, &path, &access).await;
    let data = envelope(&one);
    assert_eq!(&data["channel"], first, "R5 returns the channel as R4 lists it");
    assert_eq!(data["userName"].as_str(), Some("Demo Streamer"));

    // R1 refresh, once per parameter name: each rotates, and the new access token works.
    let mut seen: HashSet<String> = HashSet::from([refresh.clone()]);
    for name in ["refresh_token", "token", "_token"] {
        let renewed = prism_token(
            &http,
            &base,
            client,
            &[("grant_type", "refresh_token"), (name, &refresh)],
        )
        .await;
        let (new_access, new_refresh) = tokens(&renewed);
        assert!(
            seen.insert(new_refresh.clone()),
            "refresh under `{name}` rotates to a new token"
        );
        assert_ne!(
            new_access, access,
            "refresh under `{name}` issues a new access token"
        );
        let user = prism_get(&http, &base, "/prism/v1/service/user", &new_access).await;
        assert_eq!(
            envelope(&user)["user"]["userId"].as_str(),
            Some(demo.user_id.as_str())
        );
        let list = bearer_get(&http, &base, "/prism/v1/service/channel/list", &new_access).await;
        envelope(&list);
        (access, refresh) = (new_access, new_refresh);
    }
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------------
// 2. The `oauth2` crate
// ---------------------------------------------------------------------------------------------------

/// The server's RFC 8414 metadata; checks the endpoints are the server's own.
async fn metadata(http: &Client, base: &str) -> Value {
    let meta = reply(
        http.get(format!("{base}/.well-known/oauth-authorization-server"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(meta.status, StatusCode::OK);
    assert_eq!(meta.body["issuer"].as_str(), Some(base));
    assert_eq!(meta.body["code_challenge_methods_supported"], json!(["S256"]));
    meta.body
}

/// A `BasicClient` from the metadata, with HTTP Basic client authentication when it has a secret.
fn oauth2_client(
    meta: &Value,
    id: &str,
    secret: Option<&str>,
    redirect_uri: &str,
) -> oauth2::basic::BasicClient<
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
> {
    let client = BasicClient::new(ClientId::new(id.to_owned()))
        .set_auth_uri(AuthUrl::new(meta["authorization_endpoint"].as_str().unwrap().to_owned()).unwrap())
        .set_token_uri(TokenUrl::new(meta["token_endpoint"].as_str().unwrap().to_owned()).unwrap())
        .set_redirect_uri(RedirectUrl::new(redirect_uri.to_owned()).unwrap())
        .set_auth_type(AuthType::BasicAuth);
    match secret {
        Some(s) => client.set_client_secret(ClientSecret::new(s.to_owned())),
        None => client,
    }
}

/// The `oauth2` crate's flow: PKCE S256 authorization → code exchange → resource → refresh rotation.
async fn oauth2_crate_flow(base: &str, demo: &Demo, client_id: &str, secret: Option<&str>) {
    let http = http();
    let meta = metadata(&http, base).await;
    let client = oauth2_client(&meta, client_id, secret, &demo.redirect_uri);

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, csrf) = client
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge)
        .url();
    let back = log_in(&http, auth_url.as_str(), &demo.username, &demo.password).await;
    assert_eq!(
        query_param(&back, "state").as_deref(),
        Some(csrf.secret().as_str())
    );
    let code = query_param(&back, "code").expect("a code");
    let token = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .unwrap_or_else(|e| panic!("code exchange failed: {e:?}"));
    let access = token.access_token().secret().clone();
    let refresh = token.refresh_token().expect("a refresh token").secret().clone();
    assert!(token.expires_in().is_some_and(|d| d > Duration::ZERO));
    let user = bearer_get(&http, base, "/prism/v1/service/user", &access).await;
    assert_eq!(
        envelope(&user)["user"]["userId"].as_str(),
        Some(demo.user_id.as_str())
    );

    let renewed = client
        .exchange_refresh_token(&RefreshToken::new(refresh.clone()))
        .request_async(&http)
        .await
        .unwrap_or_else(|e| panic!("refresh failed: {e:?}"));
    let new_refresh = renewed
        .refresh_token()
        .expect("a rotated refresh token")
        .secret()
        .clone();
    assert_ne!(new_refresh, refresh, "refresh rotates");
    let user = bearer_get(
        &http,
        base,
        "/prism/v1/service/user",
        renewed.access_token().secret(),
    )
    .await;
    assert_eq!(
        envelope(&user)["user"]["userId"].as_str(),
        Some(demo.user_id.as_str())
    );

    // A wrong PKCE verifier is refused (invalid_grant), whatever the client kind.
    let (challenge, _) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, _) = client
        .authorize_url(CsrfToken::new_random)
        .set_pkce_challenge(challenge)
        .url();
    let back = log_in(&http, auth_url.as_str(), &demo.username, &demo.password).await;
    let code = query_param(&back, "code").expect("a code");
    let wrong = PkceCodeVerifier::new("a".repeat(64));
    match client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(wrong)
        .request_async(&http)
        .await
    {
        Err(RequestTokenError::ServerResponse(e)) => {
            assert_eq!(*e.error(), BasicErrorResponseType::InvalidGrant, "{e:?}")
        }
        other => panic!("a wrong verifier must be refused with invalid_grant: {other:?}"),
    }
}

async fn rust_oauth2_crate_confidential_client_with_basic_auth_and_pkce(backend: Backend) {
    let aws = backend == Backend::Aws;
    let (server, demo) = start(aws, &[]).await;
    let base = server.base_url();
    oauth2_crate_flow(&base, &demo, &demo.client_id, Some(&demo.client_secret)).await;

    // HTTP Basic really carries the secret: a wrong one is invalid_client.
    let http = http();
    let meta = metadata(&http, &base).await;
    let impostor = oauth2_client(&meta, &demo.client_id, Some("not-the-secret"), &demo.redirect_uri);
    match impostor
        .exchange_refresh_token(&RefreshToken::new("whatever".into()))
        .request_async(&http)
        .await
    {
        Err(RequestTokenError::ServerResponse(e)) => {
            assert_eq!(*e.error(), BasicErrorResponseType::InvalidClient, "{e:?}")
        }
        other => panic!("a wrong client secret must be invalid_client: {other:?}"),
    }
    server.stop().await;
}

async fn rust_oauth2_crate_public_client_with_pkce(backend: Backend) {
    let aws = backend == Backend::Aws;
    let (server, demo) = start(aws, &[]).await;
    let base = server.base_url();
    let (public_id, secret) = register_client(&http(), &base, server.admin_token.expose(), "public").await;
    assert!(secret.is_none());
    oauth2_crate_flow(&base, &demo, &public_id, None).await;
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------------
// 3. Python's authlib
// ---------------------------------------------------------------------------------------------------

/// The grace window of the authlib run: short, so the script can wait it out for reuse detection.
const AUTHLIB_GRACE_SECONDS: &str = "2";

async fn authlib_flows_pkce_rotation_grace_reuse_revocation_introspection(backend: Backend) {
    let aws = backend == Backend::Aws;
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let python = root.join("../.venv/bin/python");
    assert!(
        python.exists(),
        "{} is missing: run infra/test, which installs authlib into the project's virtualenv",
        python.display()
    );
    let script = root.join("python/authlib_flows.py");
    let (server, demo) = start(aws, &[("ONAIR_REFRESH_GRACE_SECONDS", AUTHLIB_GRACE_SECONDS)]).await;
    let mut command = Command::new(&python);
    command
        .arg(&script)
        .arg(server.base_url())
        .env("AUTHLIB_INSECURE_TRANSPORT", "1")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("ONAIR_E2E_ADMIN_TOKEN", server.admin_token.expose())
        .env("ONAIR_E2E_CLIENT_ID", &demo.client_id)
        .env("ONAIR_E2E_CLIENT_SECRET", &demo.client_secret)
        .env("ONAIR_E2E_REDIRECT_URI", &demo.redirect_uri)
        .env("ONAIR_E2E_USERNAME", &demo.username)
        .env("ONAIR_E2E_PASSWORD", &demo.password)
        .env("ONAIR_E2E_USER_ID", &demo.user_id)
        .env("ONAIR_E2E_GRACE_SECONDS", AUTHLIB_GRACE_SECONDS);
    // The server runs on this runtime's workers; the script blocks a thread of its own.
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{} failed ({}):\n{stdout}\n{stderr}",
        script.display(),
        output.status
    );
    let checks: usize = stdout
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("ok: ")?.strip_suffix(" checks")?.parse().ok())
        .unwrap_or_else(|| panic!("the script reports `ok: N checks`:\n{stdout}"));
    assert!(
        checks >= 40,
        "the script ran all its checks, not {checks}:\n{stdout}"
    );
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------------
// 4. Races
// ---------------------------------------------------------------------------------------------------

const RACERS: usize = 50;

/// Sends `RACERS` identical PRISM token requests at once (released together by a barrier).
async fn race_prism_token(base: &str, client: (&str, &str), params: &[(&str, &str)]) -> Vec<Reply> {
    let http = http();
    let barrier = Arc::new(Barrier::new(RACERS));
    let client = (client.0.to_owned(), client.1.to_owned());
    let params: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let tasks = (0..RACERS).map(|_| {
        let (http, barrier, client, params, base) = (
            http.clone(),
            barrier.clone(),
            client.clone(),
            params.clone(),
            base.to_owned(),
        );
        tokio::spawn(async move {
            let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            barrier.wait().await;
            prism_token(&http, &base, (&client.0, &client.1), &params).await
        })
    });
    join_all(tasks).await.into_iter().map(Result::unwrap).collect()
}

fn summary(replies: &[Reply]) -> String {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for r in replies {
        let mut key = format!("{} {}", r.status.as_u16(), r.body["error"].as_str().unwrap_or(""));
        if r.status != StatusCode::OK && r.status != StatusCode::BAD_REQUEST {
            key = format!("{key}: {}", r.body["error_description"].as_str().unwrap_or(""));
        }
        *counts.entry(key).or_default() += 1;
    }
    format!("{counts:?}")
}

/// `RACERS` redemptions of one code at once: exactly one wins. RFC 6749 §4.1.2: "If an authorization
/// code is used more than once, the authorization server MUST deny the request and SHOULD revoke (when
/// possible) all tokens previously issued based on that authorization code" — so the 49 replays also
/// revoke the winner's family, and its refresh token is refused afterwards.
async fn concurrent_code_redemptions_have_one_winner_and_the_replays_revoke_its_tokens(backend: Backend) {
    let aws = backend == Backend::Aws;
    let (server, demo) = start(aws, &[]).await;
    let base = server.base_url();
    let http = http();
    let client = (demo.client_id.as_str(), demo.client_secret.as_str());
    let code = authorization_code(&http, &base, (&demo).into(), &demo.client_id).await;
    let params = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", demo.redirect_uri.as_str()),
    ];
    let replies = race_prism_token(&base, client, &params).await;
    let winners: Vec<&Reply> = replies.iter().filter(|r| r.status == StatusCode::OK).collect();
    let replays = replies
        .iter()
        .filter(|r| r.status == StatusCode::BAD_REQUEST && r.body["error"] == json!("invalid_grant"))
        .count();
    assert_eq!(
        (winners.len(), replays),
        (1, RACERS - 1),
        "one winner, the rest invalid_grant: {}",
        summary(&replies)
    );
    let (access, refresh) = tokens(winners[0]);

    let after = prism_token(
        &http,
        &base,
        client,
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    )
    .await;
    oauth_error(
        &after,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        "the winner's refresh token after replays",
    );
    let view = introspect(&http, &base, client, &access).await;
    assert_eq!(
        view,
        json!({"active": false}),
        "the winner's access token is revoked"
    );

    let trail = audit_trail(&http, &base, server.admin_token.expose()).await;
    assert_eq!(
        count_events(&trail, "code_redeemed", &demo.client_id),
        1,
        "one redemption recorded"
    );
    assert_eq!(
        count_events(&trail, "code_replayed", &demo.client_id),
        RACERS - 1,
        "every replay recorded"
    );
    server.stop().await;
}

/// `RACERS` refreshes of one refresh token at once: one rotation; the other 49 fall in the grace window
/// and get the same successor, which then refreshes normally; the audit holds one rotation.
async fn concurrent_refreshes_rotate_once_and_every_reply_carries_the_same_successor(backend: Backend) {
    let aws = backend == Backend::Aws;
    let (server, demo) = start(aws, &[]).await;
    let base = server.base_url();
    let admin = server.admin_token.expose().to_owned();
    let http = http();
    // A client of its own, so the audit's rotations for it are exactly this test's.
    let (client_id, secret) = register_client(&http, &base, &admin, "confidential").await;
    let secret = secret.unwrap();
    let client = (client_id.as_str(), secret.as_str());
    let code = authorization_code(&http, &base, (&demo).into(), &client_id).await;
    let issued = prism_token(
        &http,
        &base,
        client,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", &demo.redirect_uri),
        ],
    )
    .await;
    let (_, refresh) = tokens(&issued);

    let replies = race_prism_token(
        &base,
        client,
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    )
    .await;
    assert!(
        replies.iter().all(|r| r.status == StatusCode::OK),
        "every racer gets tokens (one rotation, the rest grace replies): {}",
        summary(&replies)
    );
    let pairs: Vec<(String, String)> = replies.iter().map(tokens).collect();
    let successors: HashSet<&str> = pairs.iter().map(|(_, r)| r.as_str()).collect();
    assert_eq!(
        successors.len(),
        1,
        "all replies carry the same successor: {successors:?}"
    );
    let successor = pairs[0].1.clone();
    assert_ne!(successor, refresh);
    let checks = pairs
        .iter()
        .map(|(access, _)| prism_get(&http, &base, "/prism/v1/service/user", access));
    for user in join_all(checks).await {
        assert_eq!(
            envelope(&user)["user"]["userId"].as_str(),
            Some(demo.user_id.as_str())
        );
    }

    let trail = audit_trail(&http, &base, &admin).await;
    let rotations: Vec<&Value> = trail
        .iter()
        .filter(|e| e["event"] == json!("token_refreshed") && e["clientId"] == json!(client_id))
        .collect();
    assert_eq!(rotations.len(), 1, "exactly one rotation recorded: {rotations:?}");
    assert_eq!(
        rotations[0]["userId"].as_str(),
        Some(demo.user_id.as_str()),
        "the rotation names its user: {:?}",
        rotations[0]
    );

    // The family is consistent: the successor rotates normally.
    let next = prism_token(
        &http,
        &base,
        client,
        &[("grant_type", "refresh_token"), ("refresh_token", &successor)],
    )
    .await;
    let (_, next_refresh) = tokens(&next);
    assert!(next_refresh != successor && next_refresh != refresh);
    let trail = audit_trail(&http, &base, &admin).await;
    assert_eq!(count_events(&trail, "token_refreshed", &client_id), 2);
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------------
// 5. No secret in the logs of the real binary
// ---------------------------------------------------------------------------------------------------

/// A child process killed when dropped.
pub(crate) struct Running(pub(crate) Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Every secret the flow handled, labelled.
#[derive(Default)]
pub(crate) struct Secrets(pub(crate) Vec<(String, String)>);

impl Secrets {
    pub(crate) fn add(&mut self, label: impl Into<String>, value: &str) {
        assert!(value.len() >= 8, "{} is too short to search for", label.into());
        self.0.push((label.into(), value.to_owned()));
    }

    /// An access token and, separately, its signature (a log could cut the token up).
    pub(crate) fn add_jwt(&mut self, label: &str, token: &str) {
        self.add(label, token);
        if let Some(signature) = token.rsplit('.').next().filter(|s| *s != token) {
            self.add(format!("{label} (signature)"), signature);
        }
    }
}

/// Runs the binary with `RUST_LOG=debug`, stderr to a file, through login (right and wrong password),
/// both token endpoints, refresh, resource calls, introspection, revocation and replays; then no
/// secret value may appear anywhere in what it logged.
async fn no_secret_in_logs_of_the_real_binary_after_a_full_flow(backend: Backend) {
    let aws = backend == Backend::Aws;
    let dir = std::env::temp_dir();
    let demo_file = dir.join(format!("{}.json", unique("onair-e2e-demo")));
    let log_file = dir.join(format!("{}.log", unique("onair-e2e-debug")));
    let mut cmd = Command::new(local_binary());
    cmd.env("ONAIR_LISTEN", "127.0.0.1:0")
        .env("ONAIR_DEMO_FILE", &demo_file)
        .env("RUST_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(Stdio::from(std::fs::File::create(&log_file).unwrap()));
    // The signing key, when the test can know it: on Secrets Manager it is written before the server
    // starts (the server keeps an existing key); the embedded store's key is random and in memory.
    let mut signing_key = None;
    if aws {
        let prefix = format!("{}/", unique("log"));
        signing_key = Some(crate::oauth::claims::seed_signing_key(&prefix).await);
        cmd.env("AWS_ENDPOINT_URL", support::moto_endpoint())
            .env("ONAIR_REGISTRATIONS_TABLE", unique("log-registrations"))
            .env("ONAIR_TOKENS_TABLE", unique("log-tokens"))
            .env("ONAIR_SECRET_PREFIX", &prefix)
            // Lambda's format, with the current span's fields on every line.
            .env("ONAIR_LOG_FORMAT", "json");
    } else {
        for var in [
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_DYNAMODB",
            "AWS_ENDPOINT_URL_SECRETS_MANAGER",
        ] {
            cmd.env_remove(var);
        }
    }
    let process = Running(cmd.spawn().expect("start onair-local"));
    let deadline = Instant::now() + Duration::from_secs(60);
    let demo: Value = loop {
        if let Ok(bytes) = std::fs::read(&demo_file)
            && let Ok(demo) = serde_json::from_slice::<Value>(&bytes)
        {
            let _ = std::fs::remove_file(&demo_file);
            break demo;
        }
        assert!(
            Instant::now() < deadline,
            "onair-local did not write its demo file within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let field = |name: &str| demo[name].as_str().unwrap().to_owned();
    let base = field("base_url");
    let (client_id, client_secret) = (field("client_id"), field("client_secret"));
    let (username, password) = (field("username"), field("password"));
    let (redirect_uri, admin) = (field("redirect_uri"), field("admin_token"));
    let channel = demo["channel_ids"][0].as_str().unwrap().to_owned();
    let client = (client_id.as_str(), client_secret.as_str());
    let http = http();
    let mut secrets = Secrets::default();
    secrets.add("client secret", &client_secret);
    secrets.add("user password", &password);
    secrets.add("admin token", &admin);
    if let Some(key) = &signing_key {
        secrets.add("signing key", key);
    }

    // A failed login with a wrong password.
    let wrong_password = format!("wrong-{}", unique("password"));
    secrets.add("wrong password", &wrong_password);
    let state = unique("state");
    let url = prism_authorize_url(&base, &client_id, &redirect_uri, &state);
    let failed = submit_login(&http, &url, &username, &wrong_password).await;
    assert_eq!(failed.reply.status, StatusCode::UNAUTHORIZED);
    secrets.add("csrf token (failed login)", &failed.csrf);

    // PRISM: login, code, tokens, resources, refresh.
    let pass = submit_login(&http, &url, &username, &password).await;
    secrets.add("csrf token", &pass.csrf);
    let code = query_param(&redirect_target(&pass.reply), "code").unwrap();
    secrets.add("authorization code (PRISM)", &code);
    let code_params = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", redirect_uri.as_str()),
    ];
    let (access, refresh) = tokens(&prism_token(&http, &base, client, &code_params).await);
    secrets.add_jwt("access token (PRISM)", &access);
    secrets.add("refresh token (PRISM)", &refresh);
    for path in [
        "/prism/v1/service/user".to_owned(),
        "/prism/v1/service/channel/list".to_owned(),
        format!("/prism/v1/service/channel/{channel}"),
    ] {
        envelope(&prism_get(&http, &base, &path, &access).await);
    }
    let renewed = prism_token(
        &http,
        &base,
        client,
        &[("grant_type", "refresh_token"), ("token", &refresh)],
    )
    .await;
    let (access2, refresh2) = tokens(&renewed);
    secrets.add_jwt("access token (PRISM refresh)", &access2);
    secrets.add("refresh token (PRISM refresh)", &refresh2);

    // Standard endpoint: client_secret_basic for the code, client_secret_post for the refresh.
    let who = Login {
        login: &username,
        password: &password,
        redirect_uri: &redirect_uri,
    };
    let code2 = authorization_code(&http, &base, who, &client_id).await;
    secrets.add("authorization code (standard)", &code2);
    let standard = http
        .post(format!("{base}/oauth/token"))
        .basic_auth(&client_id, Some(&client_secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code2),
            ("redirect_uri", &redirect_uri),
        ])
        .send()
        .await
        .unwrap();
    let (access3, refresh3) = tokens(&reply(standard).await);
    secrets.add_jwt("access token (standard)", &access3);
    secrets.add("refresh token (standard)", &refresh3);
    let posted = http
        .post(format!("{base}/oauth/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &refresh3),
            ("client_id", &client_id),
            ("client_secret", &client_secret),
        ])
        .send()
        .await
        .unwrap();
    let (access4, refresh4) = tokens(&reply(posted).await);
    secrets.add_jwt("access token (standard refresh)", &access4);
    secrets.add("refresh token (standard refresh)", &refresh4);
    envelope(&bearer_get(&http, &base, "/prism/v1/service/user", &access4).await);

    // Introspection and revocation.
    assert_eq!(
        introspect(&http, &base, client, &access2).await["active"],
        json!(true)
    );
    assert_eq!(
        introspect(&http, &base, client, &refresh4).await["active"],
        json!(true)
    );
    let revoked = http
        .post(format!("{base}/oauth/revoke"))
        .form(&[
            ("token", &refresh4),
            ("client_id", &client_id),
            ("client_secret", &client_secret),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::OK);
    let revoked = http
        .post(format!("{base}/oauth/revoke"))
        .basic_auth(&client_id, Some(&client_secret))
        .form(&[("token", &access2)])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::OK);
    assert_eq!(
        introspect(&http, &base, client, &refresh4).await["active"],
        json!(false)
    );

    // Failures that log warnings: a revoked refresh token, a replayed code, a wrong client secret, a
    // forged access token, a wrong admin token.
    let refused = prism_token(
        &http,
        &base,
        client,
        &[("grant_type", "refresh_token"), ("token", &refresh2)],
    )
    .await;
    oauth_error(
        &refused,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
        "revoked family",
    );
    let replay = prism_token(&http, &base, client, &code_params).await;
    oauth_error(&replay, StatusCode::BAD_REQUEST, "invalid_grant", "replayed code");
    let wrong_secret = format!("wrong-secret-{}", unique("s"));
    secrets.add("wrong client secret", &wrong_secret);
    let bad_client = prism_token(
        &http,
        &base,
        (&client_id, &wrong_secret),
        &[("grant_type", "refresh_token"), ("token", &refresh)],
    )
    .await;
    oauth_error(
        &bad_client,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "wrong client secret",
    );
    let forged = format!("{}x", &access3[..access3.len() - 1]);
    secrets.add("forged access token", &forged);
    assert_eq!(
        prism_get(&http, &base, "/prism/v1/service/user", &forged)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    let wrong_admin = format!("wrong-admin-{}", unique("t"));
    secrets.add("wrong admin token", &wrong_admin);
    let denied = http
        .get(format!("{base}/admin/clients"))
        .bearer_auth(&wrong_admin)
        .send()
        .await
        .unwrap();
    assert_eq!(denied.status(), StatusCode::UNAUTHORIZED);
    assert!(audit_trail(&http, &base, &admin).await.len() >= 10);

    drop(process);
    let log = std::fs::read_to_string(&log_file).unwrap();
    // onair itself logs nothing below INFO, but the AWS SDK does: on DynamoDB the debug level shows.
    assert!(
        !aws || log.contains("DEBUG"),
        "RUST_LOG=debug was in force ({})",
        log_file.display()
    );
    assert!(
        log.contains("/prism/v1/service/oauth2/token") && log.contains("/oauth/introspect"),
        "the requests were logged ({})",
        log_file.display()
    );
    // The search sees what the server logged: identifiers (not secrets) are there.
    assert!(
        log.contains(&client_id) && log.contains(&field("user_id")),
        "the log names the client and the user ({})",
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
