//! Helpers shared by the OAuth and PRISM handler tests: registering clients, users and channels through
//! the admin API, driving the login page to an authorization code (GET the form, carry its hidden
//! fields and CSRF cookie back in the POST, read the redirect), calling the token, revocation,
//! introspection and PRISM resource endpoints with the headers each one expects, and reading the audit
//! trail so a test can prove that a refused request wrote nothing.
//!
//! Everything goes through the in-process router of a [`TestApp`](crate::support::TestApp); nothing
//! here asserts on behaviour under test except where a helper needs a step to have worked (a setup
//! call that fails panics with the reply, so a broken fixture is never mistaken for a passing test).

#![allow(dead_code)] // each test module uses its own subset

use crate::support::{Reply, admin};
use axum::Router;
use axum::body::Body;
use http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use onair_app::AppState;
use onair_domain::PageRequest;
use onair_domain::audit::AuditEntry;
use reqwest::Url;
use serde_json::{Value, json};
use tower::ServiceExt;

/// PRISM's redirect URI (spec §4.1), registered for every test client.
pub const REDIRECT: &str = "https://global.apis.naver.com/prism/prism-auth-api/oauth/partner/onair";

/// The password of every test user.
pub const PASSWORD: &str = "correct horse battery";

/// RFC 7636 Appendix B's code verifier.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

/// The S256 challenge of [`VERIFIER`].
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

/// PRISM's token endpoint.
pub const PRISM_TOKEN: &str = "/prism/v1/service/oauth2/token";

/// The standard token endpoint.
pub const TOKEN: &str = "/oauth/token";

// ---------------------------------------------------------------------------------------------------
// Requests

/// Percent-encodes `s` for a query string or form body (everything but RFC 3986 unreserved bytes).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `name=value&…`, each part percent-encoded; repeated names are kept (tests need them).
pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(n, v)| format!("{}={}", encode(n), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Sends `request` through `router` in-process and decodes the reply (JSON body when it is JSON).
pub async fn send(router: &Router, request: Request<Body>) -> Reply {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
        text,
    }
}

/// A request with `headers` and an optional raw body.
pub async fn request(
    router: &Router,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Reply {
    let mut builder = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let request = builder.body(Body::from(body.unwrap_or("").to_owned())).unwrap();
    send(router, request).await
}

/// `GET path` with `headers`.
pub async fn get(router: &Router, path: &str, headers: &[(&str, &str)]) -> Reply {
    request(router, Method::GET, path, headers, None).await
}

/// `POST path` with a form-encoded `body` and extra `headers`.
pub async fn post_form(router: &Router, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let mut all = vec![("content-type", "application/x-www-form-urlencoded")];
    all.extend_from_slice(headers);
    request(router, Method::POST, path, &all, Some(body)).await
}

/// The `Authorization: Basic` value of a client (RFC 6749 §2.3.1: each part form-encoded first).
pub fn basic(client_id: &str, secret: &str) -> String {
    format!(
        "Basic {}",
        base64(format!("{}:{}", encode(client_id), encode(secret)).as_bytes())
    )
}

/// Standard base64 with padding (no base64 crate in this binary).
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------------
// Registrations through the admin API

/// A registered client and, for a confidential one, its secret.
#[derive(Debug, Clone)]
pub struct TestClient {
    /// `clientId`.
    pub id: String,
    /// `clientSecret` (confidential clients only).
    pub secret: Option<String>,
}

impl TestClient {
    /// The secret of a confidential client.
    pub fn secret(&self) -> &str {
        self.secret
            .as_deref()
            .expect("a confidential client has a secret")
    }

    /// PRISM's client headers for this client.
    pub fn prism_headers(&self) -> [(&str, &str); 2] {
        [
            ("x-prism-client-id", self.id.as_str()),
            ("x-prism-client-secret", self.secret()),
        ]
    }

    /// `Authorization: Basic` for this client.
    pub fn basic(&self) -> String {
        basic(&self.id, self.secret())
    }
}

/// Registers a client of `kind` (`"confidential"` or `"public"`) redirecting to [`REDIRECT`].
pub async fn create_client_of_kind(router: &Router, name: &str, kind: &str) -> TestClient {
    let body = json!({"name": name, "kind": kind, "redirectUris": [REDIRECT]});
    let reply = admin(router, Method::POST, "/admin/clients", Some(&body.to_string())).await;
    assert_eq!(
        reply.status,
        StatusCode::CREATED,
        "creating client: {}",
        reply.text
    );
    TestClient {
        id: reply.body["clientId"].as_str().unwrap().to_owned(),
        secret: reply.body["clientSecret"].as_str().map(str::to_owned),
    }
}

/// Registers a confidential client (PRISM's kind) redirecting to [`REDIRECT`].
pub async fn create_client(router: &Router, name: &str) -> TestClient {
    create_client_of_kind(router, name, "confidential").await
}

/// Creates a user with [`PASSWORD`] and the display name `User {login}`; returns the user id.
pub async fn create_user(router: &Router, login: &str) -> String {
    let body = json!({"login": login, "password": PASSWORD, "userName": format!("User {login}")});
    let reply = admin(router, Method::POST, "/admin/users", Some(&body.to_string())).await;
    assert_eq!(reply.status, StatusCode::CREATED, "creating user: {}", reply.text);
    reply.body["userId"].as_str().unwrap().to_owned()
}

/// Creates a channel of `user` from an admin-API body; returns the admin view of it.
pub async fn create_channel_with(router: &Router, user: &str, body: Value) -> Value {
    let path = format!("/admin/users/{user}/channels");
    let reply = admin(router, Method::POST, &path, Some(&body.to_string())).await;
    assert_eq!(
        reply.status,
        StatusCode::CREATED,
        "creating channel: {}",
        reply.text
    );
    reply.body
}

/// Creates an enabled channel named `name` of `user`; returns its id.
pub async fn create_channel(router: &Router, user: &str, name: &str) -> String {
    let body = json!({"channelName": name, "channelLink": "https://live.example/c"});
    let view = create_channel_with(router, user, body).await;
    view["channelId"].as_str().unwrap().to_owned()
}

/// `PATCH /admin/users/{user}` with `body`, which must succeed.
pub async fn patch_user(router: &Router, user: &str, body: Value) {
    let reply = admin(
        router,
        Method::PATCH,
        &format!("/admin/users/{user}"),
        Some(&body.to_string()),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "patching user: {}", reply.text);
}

/// Disables (or re-enables) a user through the admin API.
pub async fn set_user_disabled(router: &Router, user: &str, disabled: bool) {
    patch_user(router, user, json!({"disabled": disabled})).await;
}

// ---------------------------------------------------------------------------------------------------
// The login page

/// `/oauth/authorize?…` for `client` with [`REDIRECT`], `response_type=code` and `extra` pairs.
pub fn authorize_path(client_id: &str, extra: &[(&str, &str)]) -> String {
    let mut pairs = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", REDIRECT),
    ];
    pairs.extend_from_slice(extra);
    format!("/oauth/authorize?{}", form(&pairs))
}

/// Undoes the login page's HTML escaping.
pub fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The page's `<input type="hidden" name=… value=…>` fields, in order, unescaped.
pub fn hidden_inputs(html: &str) -> Vec<(String, String)> {
    const START: &str = "<input type=\"hidden\" name=\"";
    let mut fields = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(START) {
        rest = &rest[at + START.len()..];
        let (name, after) = rest.split_once('"').unwrap();
        let after = after.strip_prefix(" value=\"").expect("hidden input has a value");
        let (value, after) = after.split_once('"').unwrap();
        fields.push((unescape(name), unescape(value)));
        rest = after;
    }
    fields
}

/// The error message a page shows (`<p class="error" …>`), unescaped.
pub fn page_error(html: &str) -> Option<String> {
    let (_, after) = html.split_once("id=\"error\">")?;
    let (message, _) = after.split_once("</p>")?;
    Some(unescape(message))
}

/// The value of the `onair_csrf` cookie a reply sets, if it sets a non-empty one.
pub fn csrf_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| {
            v.split(';')
                .next()?
                .trim()
                .strip_prefix("onair_csrf=")
                .map(str::to_owned)
        })
        .find(|v| !v.is_empty())
}

/// A rendered login form: the reply, its hidden fields and the CSRF cookie it set.
#[derive(Debug)]
pub struct LoginForm {
    /// The `GET /oauth/authorize` reply.
    pub reply: Reply,
    /// Hidden fields (the carried authorization request and `csrf`).
    pub hidden: Vec<(String, String)>,
    /// The `onair_csrf` cookie value.
    pub cookie: String,
}

impl LoginForm {
    /// The hidden `csrf` field.
    pub fn csrf(&self) -> &str {
        self.hidden
            .iter()
            .find(|(n, _)| n == "csrf")
            .map(|(_, v)| v.as_str())
            .unwrap()
    }

    /// The form body for `action` with `login` and `password`, the hidden fields included except
    /// those named in `drop`.
    pub fn body(&self, login: &str, password: &str, action: &str, drop: &[&str]) -> String {
        let mut pairs: Vec<(&str, &str)> = self
            .hidden
            .iter()
            .filter(|(n, _)| !drop.contains(&n.as_str()))
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        pairs.extend([("login", login), ("password", password), ("action", action)]);
        form(&pairs)
    }

    /// Posts the form back with its cookie (and `headers`, e.g. `Accept-Language`).
    pub async fn submit(
        &self,
        router: &Router,
        login: &str,
        password: &str,
        action: &str,
        headers: &[(&str, &str)],
    ) -> Reply {
        let cookie = format!("onair_csrf={}", self.cookie);
        let mut all = vec![("cookie", cookie.as_str())];
        all.extend_from_slice(headers);
        post_form(
            router,
            "/oauth/authorize",
            &all,
            &self.body(login, password, action, &[]),
        )
        .await
    }
}

/// Opens the login page at `path` (from [`authorize_path`]); it must render (200, a CSRF cookie).
pub async fn open_login(router: &Router, path: &str, headers: &[(&str, &str)]) -> LoginForm {
    let reply = get(router, path, headers).await;
    assert_eq!(reply.status, StatusCode::OK, "login page: {}", reply.text);
    let hidden = hidden_inputs(&reply.text);
    let cookie = csrf_cookie(&reply.headers).expect("the login page sets the CSRF cookie");
    LoginForm {
        reply,
        hidden,
        cookie,
    }
}

/// The `Location` header of a reply.
pub fn location(reply: &Reply) -> Option<String> {
    reply
        .headers
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned())
}

/// The query pairs of a redirect reply's `Location`, which must start with [`REDIRECT`].
pub fn redirect_params(reply: &Reply) -> Vec<(String, String)> {
    assert!(
        reply.status.is_redirection(),
        "expected a redirect, got {}: {}",
        reply.status,
        reply.text
    );
    let location = location(reply).expect("a redirect has a Location");
    assert!(location.starts_with(REDIRECT), "redirected to {location}");
    let url = Url::parse(&location).unwrap();
    url.query_pairs()
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect()
}

/// The value of `name` in redirect pairs.
pub fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// Logs `login` in for `client_id` (with a PKCE `challenge` and a `state` when given) and returns the
/// authorization code from the redirect.
pub async fn obtain_code(
    router: &Router,
    client_id: &str,
    login: &str,
    challenge: Option<&str>,
    state: Option<&str>,
) -> String {
    let mut extra = Vec::new();
    if let Some(c) = challenge {
        extra.extend([("code_challenge", c), ("code_challenge_method", "S256")]);
    }
    if let Some(s) = state {
        extra.push(("state", s));
    }
    let page = open_login(router, &authorize_path(client_id, &extra), &[]).await;
    let reply = page.submit(router, login, PASSWORD, "login", &[]).await;
    let params = redirect_params(&reply);
    assert_eq!(param(&params, "state"), state, "state is echoed");
    param(&params, "code")
        .expect("the redirect carries a code")
        .to_owned()
}

// ---------------------------------------------------------------------------------------------------
// Token, revocation, introspection

/// Tokens from a successful token reply.
#[derive(Debug, Clone)]
pub struct Tokens {
    /// `access_token`.
    pub access: String,
    /// `refresh_token`.
    pub refresh: String,
}

/// Reads the tokens of a reply that must be a 200 token response.
pub fn tokens(reply: &Reply) -> Tokens {
    assert_eq!(reply.status, StatusCode::OK, "token request: {}", reply.text);
    Tokens {
        access: reply.body["access_token"].as_str().unwrap().to_owned(),
        refresh: reply.body["refresh_token"].as_str().unwrap().to_owned(),
    }
}

/// `GET /prism/v1/service/oauth2/token?{pairs}` with `client`'s PRISM headers.
pub async fn prism_token(router: &Router, client: &TestClient, pairs: &[(&str, &str)]) -> Reply {
    get(
        router,
        &format!("{PRISM_TOKEN}?{}", form(pairs)),
        &client.prism_headers(),
    )
    .await
}

/// PRISM's code exchange (`redirect_uri` = [`REDIRECT`], plus `extra` such as `code_verifier`).
pub async fn prism_exchange(
    router: &Router,
    client: &TestClient,
    code: &str,
    extra: &[(&str, &str)],
) -> Reply {
    let mut pairs = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
    ];
    pairs.extend_from_slice(extra);
    prism_token(router, client, &pairs).await
}

/// PRISM's refresh with the token under `refresh_token`.
pub async fn prism_refresh(router: &Router, client: &TestClient, refresh: &str) -> Reply {
    prism_token(
        router,
        client,
        &[("grant_type", "refresh_token"), ("refresh_token", refresh)],
    )
    .await
}

/// Logs `login` in for the confidential `client` and exchanges the code at PRISM's endpoint.
pub async fn login_tokens(router: &Router, client: &TestClient, login: &str) -> Tokens {
    let code = obtain_code(router, &client.id, login, None, None).await;
    tokens(&prism_exchange(router, client, &code, &[]).await)
}

/// `POST /oauth/token` with a form body and `headers` (e.g. `authorization`).
pub async fn standard_token(router: &Router, headers: &[(&str, &str)], pairs: &[(&str, &str)]) -> Reply {
    post_form(router, TOKEN, headers, &form(pairs)).await
}

/// `POST /oauth/revoke` of `token`, authenticated as `client` with HTTP Basic.
pub async fn revoke(router: &Router, client: &TestClient, token: &str) -> Reply {
    let auth = client.basic();
    post_form(
        router,
        "/oauth/revoke",
        &[("authorization", &auth)],
        &form(&[("token", token)]),
    )
    .await
}

/// `POST /oauth/introspect` of `token`, authenticated as `client` with HTTP Basic; must answer 200.
pub async fn introspect(router: &Router, client: &TestClient, token: &str) -> Value {
    let auth = client.basic();
    let reply = post_form(
        router,
        "/oauth/introspect",
        &[("authorization", &auth)],
        &form(&[("token", token)]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "introspection: {}", reply.text);
    reply.body
}

// ---------------------------------------------------------------------------------------------------
// PRISM resources

/// `GET path` with the access token in `x-prism-access-token`.
pub async fn prism_get(router: &Router, path: &str, access: &str) -> Reply {
    get(router, path, &[("x-prism-access-token", access)]).await
}

// ---------------------------------------------------------------------------------------------------
// The audit trail

/// Every audit entry of the clock's current UTC day, newest first.
pub async fn audit_trail(state: &AppState) -> Vec<AuditEntry> {
    let day = state.clock.now().date();
    let mut page = PageRequest::first(100);
    let mut entries = Vec::new();
    loop {
        let listed = state
            .audit
            .list(day, &page)
            .await
            .expect("listing the audit trail");
        entries.extend(listed.items);
        match listed.next {
            Some(token) => {
                page = PageRequest {
                    limit: 100,
                    token: Some(token),
                }
            }
            None => return entries,
        }
    }
}

/// The event names of [`audit_trail`], oldest first.
pub async fn audit_events(state: &AppState) -> Vec<&'static str> {
    audit_trail(state)
        .await
        .iter()
        .rev()
        .map(|e| e.event.as_str())
        .collect()
}
