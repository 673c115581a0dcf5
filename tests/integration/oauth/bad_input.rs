//! Bad input to the authorization server, on the in-process router.
//!
//! Every test runs twice: on the embedded store (`oauth::bad_input::embedded::…`) and on DynamoDB plus
//! Secrets Manager on moto (`oauth::bad_input::dynamodb::…`). Each proves one rule: the exact RFC 6749
//! (§4.1.2.1, §5.2), RFC 7009 or RFC 7636 error — or the login page's own refusal — *and* that the
//! refused request wrote nothing: the audit trail (which every grant write appends to atomically) is
//! unchanged, no code or refresh token appeared, and the correct request that follows still succeeds
//! with the very code or token the bad one carried.

use crate::support::oauth::{
    CHALLENGE, PASSWORD, PRISM_TOKEN, REDIRECT, TOKEN, TestClient, Tokens, VERIFIER, audit_events,
    audit_trail, authorize_path, basic, create_channel, create_client, create_client_of_kind, create_user,
    form, get, introspect, location, login_tokens, obtain_code, open_login, page_error, param, post_form,
    prism_exchange, prism_get, prism_refresh, prism_token, redirect_params, request, revoke,
    set_user_disabled, standard_token, tokens,
};
use crate::support::{Backend, Reply, TestApp, admin};
use axum::Router;
use http::{Method, StatusCode, header};
use onair_domain::audit::AuditEntry;
use onair_domain::lockout::LockSubject;
use serde_json::json;
use time::Duration;

crate::support::on_both_backends!(
    // authorization endpoint: before the client and redirect URI are established (error page)
    unknown_client_gets_an_error_page_and_no_redirect,
    unregistered_redirect_uri_gets_an_error_page_and_no_redirect,
    repeated_or_missing_redirect_uri_gets_an_error_page_and_no_redirect,
    repeated_client_id_gets_an_error_page_and_no_redirect,
    // authorization endpoint: after (error redirect)
    state_over_512_characters_is_refused_without_echoing_it,
    unsupported_response_type_is_redirected_with_state,
    pkce_plain_is_refused,
    public_client_without_pkce_is_refused,
    // the login form
    login_form_without_csrf_token_is_403_and_issues_no_code,
    login_form_with_wrong_csrf_token_is_403_and_issues_no_code,
    cancel_redirects_access_denied_with_state,
    wrong_password_shows_the_error_and_issues_no_code,
    lockout_after_five_failures_refuses_even_the_right_password,
    lockout_reply_is_identical_for_a_nonexistent_account,
    disabled_user_cannot_log_in,
    login_page_forbids_framing_and_caching,
    login_page_is_localised_with_english_fallback,
    login_page_escapes_everything_it_echoes,
    // token endpoints: grants
    wrong_pkce_verifier_is_invalid_grant_and_spends_nothing,
    expired_code_is_invalid_grant,
    replayed_code_is_invalid_grant_and_revokes_its_tokens,
    code_of_another_client_is_invalid_grant_and_spends_nothing,
    // token endpoints: client authentication
    wrong_client_secret_is_401_invalid_client,
    rotated_out_secret_works_during_the_overlap_and_is_refused_after_it,
    prism_client_credentials_in_the_query_are_invalid_request,
    standard_client_secret_in_the_url_is_invalid_request,
    basic_and_body_secret_together_are_invalid_request,
    missing_prism_client_headers_are_401_invalid_client,
    deleted_clients_secret_no_longer_authenticates,
    basic_scheme_name_is_case_insensitive,
    // token endpoints: parameters
    unsupported_grant_type_is_refused,
    missing_grant_type_is_invalid_request,
    duplicated_parameters_are_invalid_request,
    oversized_parameter_is_invalid_request,
    non_form_body_on_standard_token_endpoint_is_invalid_request,
    refresh_token_is_accepted_under_each_name_but_only_once,
    disabled_users_refresh_is_invalid_grant_and_channels_read_disabled,
    token_response_is_uncacheable_bearer_for_an_hour,
    // revocation and introspection
    revoking_an_unknown_token_is_200_and_writes_nothing,
    revoking_another_clients_token_is_200_and_leaves_it_working,
    introspection_after_revocation_is_inactive,
    introspecting_another_clients_access_token_is_inactive,
);

// ---------------------------------------------------------------------------------------------------
// Fixture

/// A state with a confidential client ("PRISM") and a user `alice` owning one channel.
struct Fx {
    app: TestApp,
    router: Router,
    client: TestClient,
    user: String,
}

impl Fx {
    async fn new(backend: Backend) -> Fx {
        let app = TestApp::new(backend).await;
        let router = app.router();
        let client = create_client(&router, "PRISM").await;
        let user = create_user(&router, "alice").await;
        create_channel(&router, &user, "Alice live").await;
        Fx {
            app,
            router,
            client,
            user,
        }
    }

    /// The audit trail, sorted by id so two snapshots compare as sets.
    async fn audit(&self) -> Vec<AuditEntry> {
        let mut entries = audit_trail(&self.app.state).await;
        entries.sort_by(|a, b| a.id.cmp(&b.id));
        entries
    }

    async fn events(&self) -> Vec<&'static str> {
        audit_events(&self.app.state).await
    }

    /// The failure count of `login`'s lockout counter in the current window.
    async fn account_failures(&self, login: &str) -> u32 {
        let state = &self.app.state;
        let key = state
            .settings
            .oauth
            .lock
            .key(LockSubject::Account(login), state.clock.now());
        state.lockouts.failures(&[key]).await.unwrap()[0]
    }

    async fn code(&self) -> String {
        obtain_code(&self.router, &self.client.id, "alice", None, None).await
    }

    async fn tokens(&self) -> Tokens {
        login_tokens(&self.router, &self.client, "alice").await
    }
}

/// An RFC 6749 §5.2 error reply: the status, `error`, a description, and no caching.
fn assert_oauth_error(reply: &Reply, status: StatusCode, error: &str) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert_eq!(reply.body["error"], error, "{}", reply.text);
    assert!(reply.body["error_description"].is_string(), "{}", reply.text);
    assert!(reply.body.get("access_token").is_none() && reply.body.get("refresh_token").is_none());
    assert_eq!(reply.headers[header::CACHE_CONTROL], "no-store");
    if status == StatusCode::UNAUTHORIZED {
        assert!(
            reply.headers.get(header::WWW_AUTHENTICATE).is_some(),
            "401 carries WWW-Authenticate: {:?}",
            reply.headers
        );
    }
}

/// An error page: HTML with `status`, no redirect, no code, no cookie-less surprises.
fn assert_error_page(reply: &Reply, status: StatusCode) {
    assert_eq!(reply.status, status, "{}", reply.text);
    assert!(
        reply.headers.get(header::LOCATION).is_none(),
        "an error page never redirects"
    );
    assert!(
        reply.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(!reply.text.contains("code="), "{}", reply.text);
    assert!(
        page_error(&reply.text).is_some(),
        "the page states the problem: {}",
        reply.text
    );
}

/// An RFC 6749 §4.1.2.1 error redirect to [`REDIRECT`] with `error` and exactly `state`.
fn assert_error_redirect(reply: &Reply, error: &str, state: Option<&str>) {
    let params = redirect_params(reply);
    assert_eq!(param(&params, "error"), Some(error), "{params:?}");
    assert!(param(&params, "error_description").is_some(), "{params:?}");
    assert_eq!(param(&params, "state"), state, "{params:?}");
    assert_eq!(param(&params, "code"), None, "{params:?}");
    assert_eq!(reply.headers[header::CACHE_CONTROL], "no-store");
}

// ---------------------------------------------------------------------------------------------------
// Authorization endpoint: error pages

async fn unknown_client_gets_an_error_page_and_no_redirect(backend: Backend) {
    let fx = Fx::new(backend).await;
    let before = fx.audit().await;
    for client_id in ["id-9999", "no such client", &"c".repeat(300)] {
        let reply = get(&fx.router, &authorize_path(client_id, &[("state", "s1")]), &[]).await;
        assert_error_page(&reply, StatusCode::BAD_REQUEST);
        assert!(
            page_error(&reply.text).unwrap().contains("unknown client"),
            "{}",
            reply.text
        );
    }
    assert_eq!(fx.audit().await, before);
    // The same request for the registered client renders the form.
    open_login(
        &fx.router,
        &authorize_path(&fx.client.id, &[("state", "s1")]),
        &[],
    )
    .await;
}

async fn unregistered_redirect_uri_gets_an_error_page_and_no_redirect(backend: Backend) {
    let fx = Fx::new(backend).await;
    let before = fx.audit().await;
    let near_misses = [
        "https://evil.example/cb".to_owned(),
        format!("{REDIRECT}/"),
        format!("{REDIRECT}?x=1"),
        REDIRECT.replace("https://", "http://"),
        REDIRECT.to_uppercase(),
    ];
    for uri in &near_misses {
        let path = format!(
            "/oauth/authorize?{}",
            form(&[
                ("response_type", "code"),
                ("client_id", &fx.client.id),
                ("redirect_uri", uri),
                ("state", "s")
            ])
        );
        let reply = get(&fx.router, &path, &[]).await;
        assert_error_page(&reply, StatusCode::BAD_REQUEST);
        assert!(!reply.text.contains("evil.example"));
    }
    assert_eq!(fx.audit().await, before);
}

async fn repeated_or_missing_redirect_uri_gets_an_error_page_and_no_redirect(backend: Backend) {
    let fx = Fx::new(backend).await;
    let before = fx.audit().await;
    let id = fx.client.id.as_str();
    let cases: [Vec<(&str, &str)>; 3] = [
        vec![
            ("response_type", "code"),
            ("client_id", id),
            ("redirect_uri", REDIRECT),
            ("redirect_uri", REDIRECT),
        ],
        vec![
            ("response_type", "code"),
            ("client_id", id),
            ("redirect_uri", REDIRECT),
            ("redirect_uri", "https://evil.example/cb"),
        ],
        vec![("response_type", "code"), ("client_id", id), ("state", "s")],
    ];
    for pairs in &cases {
        let reply = get(&fx.router, &format!("/oauth/authorize?{}", form(pairs)), &[]).await;
        assert_error_page(&reply, StatusCode::BAD_REQUEST);
    }
    // The form's POST re-validates the carried request: a second redirect_uri smuggled in is refused too.
    let page = open_login(&fx.router, &authorize_path(id, &[]), &[]).await;
    let body = format!(
        "{}&redirect_uri={}",
        page.body("alice", PASSWORD, "login", &[]),
        "https%3A%2F%2Fevil.example%2Fcb"
    );
    let cookie = format!("onair_csrf={}", page.cookie);
    let reply = post_form(&fx.router, "/oauth/authorize", &[("cookie", &cookie)], &body).await;
    assert_error_page(&reply, StatusCode::BAD_REQUEST);
    assert_eq!(fx.audit().await, before);
}

async fn repeated_client_id_gets_an_error_page_and_no_redirect(backend: Backend) {
    let fx = Fx::new(backend).await;
    let other = create_client(&fx.router, "Other").await;
    let before = fx.audit().await;
    for second in [fx.client.id.as_str(), other.id.as_str()] {
        let pairs = [
            ("response_type", "code"),
            ("client_id", &fx.client.id),
            ("client_id", second),
            ("redirect_uri", REDIRECT),
        ];
        let reply = get(&fx.router, &format!("/oauth/authorize?{}", form(&pairs)), &[]).await;
        assert_error_page(&reply, StatusCode::BAD_REQUEST);
        assert!(
            page_error(&reply.text).unwrap().contains("client_id"),
            "{}",
            reply.text
        );
    }
    assert_eq!(fx.audit().await, before);
}

// ---------------------------------------------------------------------------------------------------
// Authorization endpoint: error redirects

async fn state_over_512_characters_is_refused_without_echoing_it(backend: Backend) {
    let fx = Fx::new(backend).await;
    let long = "s".repeat(513);
    let reply = get(
        &fx.router,
        &authorize_path(&fx.client.id, &[("state", &long)]),
        &[],
    )
    .await;
    assert_error_redirect(&reply, "invalid_request", None);
    assert!(!location(&reply).unwrap().contains(&long[..100]));
    assert!(fx.audit().await.is_empty());
    // 512 is still fine and echoed.
    let ok = "s".repeat(512);
    let code = obtain_code(&fx.router, &fx.client.id, "alice", None, Some(&ok)).await;
    assert!(!code.is_empty());
}

async fn unsupported_response_type_is_redirected_with_state(backend: Backend) {
    let fx = Fx::new(backend).await;
    for response_type in ["token", "id_token", "code token"] {
        let pairs = [
            ("response_type", response_type),
            ("client_id", &fx.client.id),
            ("redirect_uri", REDIRECT),
            ("state", "xyz"),
        ];
        let reply = get(&fx.router, &format!("/oauth/authorize?{}", form(&pairs)), &[]).await;
        assert_error_redirect(&reply, "unsupported_response_type", Some("xyz"));
    }
    // A missing response_type is invalid_request, also with state.
    let pairs = [
        ("client_id", fx.client.id.as_str()),
        ("redirect_uri", REDIRECT),
        ("state", "xyz"),
    ];
    let reply = get(&fx.router, &format!("/oauth/authorize?{}", form(&pairs)), &[]).await;
    assert_error_redirect(&reply, "invalid_request", Some("xyz"));
    assert!(fx.audit().await.is_empty());
}

async fn pkce_plain_is_refused(backend: Backend) {
    let fx = Fx::new(backend).await;
    let public = create_client_of_kind(&fx.router, "Public app", "public").await;
    for client in [&fx.client.id, &public.id] {
        let explicit = [
            ("code_challenge", VERIFIER),
            ("code_challenge_method", "plain"),
            ("state", "st"),
        ];
        let reply = get(&fx.router, &authorize_path(client, &explicit), &[]).await;
        assert_error_redirect(&reply, "invalid_request", Some("st"));
        // RFC 7636 §4.3: no method means plain.
        let implicit = [("code_challenge", CHALLENGE), ("state", "st")];
        let reply = get(&fx.router, &authorize_path(client, &implicit), &[]).await;
        assert_error_redirect(&reply, "invalid_request", Some("st"));
    }
    assert!(fx.audit().await.is_empty());
}

async fn public_client_without_pkce_is_refused(backend: Backend) {
    let fx = Fx::new(backend).await;
    let public = create_client_of_kind(&fx.router, "Public app", "public").await;
    let reply = get(&fx.router, &authorize_path(&public.id, &[("state", "p1")]), &[]).await;
    assert_error_redirect(&reply, "invalid_request", Some("p1"));
    assert!(fx.audit().await.is_empty());
    // With S256 the same client gets the form.
    let with_pkce = [
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
        ("state", "p1"),
    ];
    open_login(&fx.router, &authorize_path(&public.id, &with_pkce), &[]).await;
}

// ---------------------------------------------------------------------------------------------------
// The login form

async fn login_form_without_csrf_token_is_403_and_issues_no_code(backend: Backend) {
    let fx = Fx::new(backend).await;
    let page = open_login(
        &fx.router,
        &authorize_path(&fx.client.id, &[("state", "c1")]),
        &[],
    )
    .await;
    let cookie = format!("onair_csrf={}", page.cookie);
    // The field is missing (cookie sent), or the cookie is missing (field sent), or both.
    let without_field = page.body("alice", PASSWORD, "login", &["csrf"]);
    let with_field = page.body("alice", PASSWORD, "login", &[]);
    let attempts: [(&[(&str, &str)], &str); 3] = [
        (&[("cookie", cookie.as_str())], &without_field),
        (&[], &with_field),
        (&[], &without_field),
    ];
    for (headers, body) in attempts {
        let reply = post_form(&fx.router, "/oauth/authorize", headers, body).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text);
        assert!(reply.headers.get(header::LOCATION).is_none());
        assert_eq!(
            page_error(&reply.text).as_deref(),
            Some("This sign-in form has expired. Please try again.")
        );
    }
    assert!(
        fx.audit().await.is_empty(),
        "no login was attempted, no code issued"
    );
    assert_eq!(
        fx.account_failures("alice").await,
        0,
        "a refused form does not count as a failed login"
    );
    // The genuine form still works.
    let reply = page.submit(&fx.router, "alice", PASSWORD, "login", &[]).await;
    assert!(param(&redirect_params(&reply), "code").is_some());
}

async fn login_form_with_wrong_csrf_token_is_403_and_issues_no_code(backend: Backend) {
    let fx = Fx::new(backend).await;
    let page = open_login(&fx.router, &authorize_path(&fx.client.id, &[]), &[]).await;
    let other = open_login(&fx.router, &authorize_path(&fx.client.id, &[]), &[]).await;
    assert_ne!(page.cookie, other.cookie, "every form gets its own token");
    let body = page.body("alice", PASSWORD, "login", &[]);
    for cookie in [
        format!("onair_csrf={}", other.cookie),
        format!("onair_csrf={}x", page.cookie),
        "onair_csrf=".into(),
    ] {
        let reply = post_form(&fx.router, "/oauth/authorize", &[("cookie", &cookie)], &body).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text);
        assert!(reply.headers.get(header::LOCATION).is_none());
    }
    // The cancel button is protected as well: a forged cancel does not redirect.
    let cookie = format!("onair_csrf={}", other.cookie);
    let reply = post_form(
        &fx.router,
        "/oauth/authorize",
        &[("cookie", &cookie)],
        &page.body("", "", "cancel", &[]),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text);
    assert!(fx.audit().await.is_empty());
    assert_eq!(fx.account_failures("alice").await, 0);
}

async fn cancel_redirects_access_denied_with_state(backend: Backend) {
    let fx = Fx::new(backend).await;
    let page = open_login(
        &fx.router,
        &authorize_path(&fx.client.id, &[("state", "keep me")]),
        &[],
    )
    .await;
    let reply = page.submit(&fx.router, "", "", "cancel", &[]).await;
    assert_error_redirect(&reply, "access_denied", Some("keep me"));
    assert!(fx.audit().await.is_empty());
}

async fn wrong_password_shows_the_error_and_issues_no_code(backend: Backend) {
    let fx = Fx::new(backend).await;
    let page = open_login(&fx.router, &authorize_path(&fx.client.id, &[]), &[]).await;
    let reply = page
        .submit(&fx.router, "alice", "wrong password", "login", &[])
        .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text);
    assert!(reply.headers.get(header::LOCATION).is_none());
    assert_eq!(
        page_error(&reply.text).as_deref(),
        Some("The username or password is incorrect.")
    );
    assert!(
        !reply.text.contains("wrong password"),
        "the password is never echoed"
    );
    assert!(
        reply.text.contains("value=\"alice\""),
        "the login is kept for the next try"
    );
    assert_eq!(fx.events().await, ["login_failed"]);
}

/// Five wrong passwords for `login` on one form each; returns the fifth reply.
async fn fail_five_times(fx: &Fx, login: &str) -> Vec<Reply> {
    let mut replies = Vec::new();
    for _ in 0..5 {
        let page = open_login(&fx.router, &authorize_path(&fx.client.id, &[]), &[]).await;
        replies.push(
            page.submit(&fx.router, login, "wrong password", "login", &[])
                .await,
        );
    }
    replies
}

const LOCKED: &str = "Too many failed attempts. Please wait a few minutes and try again.";

async fn lockout_after_five_failures_refuses_even_the_right_password(backend: Backend) {
    let fx = Fx::new(backend).await;
    let replies = fail_five_times(&fx, "alice").await;
    for reply in &replies[..4] {
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text);
    }
    assert_eq!(
        replies[4].status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        replies[4].text
    );
    assert_eq!(page_error(&replies[4].text).as_deref(), Some(LOCKED));
    let before = fx.audit().await;
    let page = open_login(&fx.router, &authorize_path(&fx.client.id, &[]), &[]).await;
    let reply = page.submit(&fx.router, "alice", PASSWORD, "login", &[]).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS, "{}", reply.text);
    assert!(reply.headers.get(header::LOCATION).is_none());
    assert_eq!(page_error(&reply.text).as_deref(), Some(LOCKED));
    let events = fx.events().await;
    assert!(!events.contains(&"code_issued"), "{events:?}");
    assert_eq!(events.last(), Some(&"login_locked"));
    assert_eq!(fx.audit().await.len(), before.len() + 1);
    // The lock ends with its 15-minute window.
    fx.app.clock.advance(Duration::minutes(15));
    let code = fx.code().await;
    assert!(!code.is_empty());
}

async fn lockout_reply_is_identical_for_a_nonexistent_account(backend: Backend) {
    let fx = Fx::new(backend).await;
    // Same length as "alice", so the prefilled login cannot tell the replies apart either.
    let (real, ghost) = ("alice", "ghost");
    let real_failures = fail_five_times(&fx, real).await;
    let ghost_failures = fail_five_times(&fx, ghost).await;
    let sixth = |login: &'static str, password: &'static str| {
        let fx = &fx;
        async move {
            let page = open_login(&fx.router, &authorize_path(&fx.client.id, &[]), &[]).await;
            let reply = page.submit(&fx.router, login, password, "login", &[]).await;
            (page.csrf().to_owned(), reply)
        }
    };
    let (real_csrf, real_sixth) = sixth(real, PASSWORD).await;
    let (ghost_csrf, ghost_sixth) = sixth(ghost, PASSWORD).await;
    // Everything but the fresh CSRF token and the echoed login is byte for byte the same.
    let normalise = |reply: &Reply, login: &str, csrf: &str| {
        let new_csrf = crate::support::oauth::hidden_inputs(&reply.text)
            .into_iter()
            .find(|(n, _)| n == "csrf")
            .map(|(_, v)| v)
            .unwrap();
        assert_ne!(new_csrf, csrf, "a re-rendered form gets a fresh token");
        reply
            .text
            .replace(&new_csrf, "CSRF")
            .replace(&format!("value=\"{login}\""), "value=\"LOGIN\"")
    };
    for (i, (r, g)) in real_failures.iter().zip(&ghost_failures).enumerate() {
        assert_eq!(r.status, g.status, "failure {}", i + 1);
        assert_eq!(page_error(&r.text), page_error(&g.text), "failure {}", i + 1);
    }
    assert_eq!(real_sixth.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(ghost_sixth.status, real_sixth.status);
    assert_eq!(page_error(&ghost_sixth.text).as_deref(), Some(LOCKED));
    assert_eq!(
        normalise(&real_sixth, real, &real_csrf),
        normalise(&ghost_sixth, ghost, &ghost_csrf)
    );
    assert!(!fx.events().await.contains(&"code_issued"));
}

async fn disabled_user_cannot_log_in(backend: Backend) {
    let fx = Fx::new(backend).await;
    set_user_disabled(&fx.router, &fx.user, true).await;
    let page = open_login(&fx.router, &authorize_path(&fx.client.id, &[]), &[]).await;
    let reply = page.submit(&fx.router, "alice", PASSWORD, "login", &[]).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text);
    assert!(reply.headers.get(header::LOCATION).is_none());
    // The same message as a wrong password: a disabled account is not revealed either.
    assert_eq!(
        page_error(&reply.text).as_deref(),
        Some("The username or password is incorrect.")
    );
    assert_eq!(fx.events().await, ["login_failed"]);
    set_user_disabled(&fx.router, &fx.user, false).await;
    assert!(!fx.code().await.is_empty());
}

async fn login_page_forbids_framing_and_caching(backend: Backend) {
    let fx = Fx::new(backend).await;
    let page = open_login(&fx.router, &authorize_path(&fx.client.id, &[]), &[]).await;
    let wrong = page.submit(&fx.router, "alice", "nope", "login", &[]).await;
    let error = get(&fx.router, &authorize_path("id-9999", &[]), &[]).await;
    for reply in [&page.reply, &wrong, &error] {
        let csp = reply.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.split(';').any(|d| d.trim() == "frame-ancestors 'none'"),
            "{csp}"
        );
        assert!(csp.split(';').any(|d| d.trim() == "default-src 'none'"), "{csp}");
        assert_eq!(reply.headers[header::CACHE_CONTROL], "no-store");
        assert_eq!(reply.headers[header::X_FRAME_OPTIONS], "DENY");
    }
    let cookie = page.reply.headers[header::SET_COOKIE].to_str().unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(
            cookie.split("; ").any(|a| a == attribute),
            "{attribute} missing from {cookie}"
        );
    }
}

async fn login_page_is_localised_with_english_fallback(backend: Backend) {
    let fx = Fx::new(backend).await;
    let path = authorize_path(&fx.client.id, &[]);
    let cases = [
        (
            "ja",
            "ja",
            "ユーザー名",
            "ユーザー名またはパスワードが正しくありません。",
        ),
        (
            "ko-KR,ko;q=0.9,en;q=0.8",
            "ko",
            "아이디",
            "아이디 또는 비밀번호가 올바르지 않습니다.",
        ),
        (
            "fr-FR, fr;q=0.9",
            "en",
            "Username",
            "The username or password is incorrect.",
        ),
    ];
    for (accept, tag, label, wrong) in cases {
        let headers = [("accept-language", accept)];
        let page = open_login(&fx.router, &path, &headers).await;
        assert!(
            page.reply.text.contains(&format!("<html lang=\"{tag}\">")),
            "{accept}: {}",
            page.reply.text
        );
        assert!(page.reply.text.contains(label), "{accept}: {}", page.reply.text);
        let reply = page.submit(&fx.router, "alice", "nope", "login", &headers).await;
        assert_eq!(page_error(&reply.text).as_deref(), Some(wrong), "{accept}");
    }
    // Without the header: English.
    let page = open_login(&fx.router, &path, &[]).await;
    assert!(page.reply.text.contains("<html lang=\"en\">") && page.reply.text.contains("Username"));
    assert!(!page.reply.text.contains("ユーザー名"));
}

async fn login_page_escapes_everything_it_echoes(backend: Backend) {
    let fx = Fx::new(backend).await;
    let state = "\"><script>alert(1)</script>&'";
    let page = open_login(
        &fx.router,
        &authorize_path(&fx.client.id, &[("state", state)]),
        &[],
    )
    .await;
    assert!(!page.reply.text.contains("<script>"), "{}", page.reply.text);
    assert_eq!(
        param(
            &page
                .hidden
                .iter()
                .map(|(n, v)| (n.clone(), v.clone()))
                .collect::<Vec<_>>(),
            "state"
        ),
        Some(state)
    );
    let typed = "<img src=x onerror=alert(1)>";
    let reply = page.submit(&fx.router, typed, "nope", "login", &[]).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text);
    assert!(
        !reply.text.contains("<img") && !reply.text.contains("<script>"),
        "{}",
        reply.text
    );
    // The state survives the round trip through the form byte for byte.
    let code = obtain_code(&fx.router, &fx.client.id, "alice", None, Some(state)).await;
    assert!(!code.is_empty());
}

// ---------------------------------------------------------------------------------------------------
// Token endpoints: grants

async fn wrong_pkce_verifier_is_invalid_grant_and_spends_nothing(backend: Backend) {
    let fx = Fx::new(backend).await;
    let code = obtain_code(&fx.router, &fx.client.id, "alice", Some(CHALLENGE), None).await;
    let before = fx.audit().await;
    let other_verifier = "x".repeat(43);
    for extra in [
        vec![("code_verifier", other_verifier.as_str())],
        vec![],
        vec![("code_verifier", "too-short")],
    ] {
        let reply = prism_exchange(&fx.router, &fx.client, &code, &extra).await;
        assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_grant");
    }
    // The standard endpoint refuses it the same way.
    let auth = fx.client.basic();
    let pairs = [
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", &other_verifier),
    ];
    assert_oauth_error(
        &standard_token(&fx.router, &[("authorization", &auth)], &pairs).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
    assert_eq!(fx.audit().await, before);
    tokens(&prism_exchange(&fx.router, &fx.client, &code, &[("code_verifier", VERIFIER)]).await);
}

async fn expired_code_is_invalid_grant(backend: Backend) {
    let fx = Fx::new(backend).await;
    let code = fx.code().await;
    fx.app.clock.advance(Duration::seconds(61));
    let before = fx.audit().await;
    let reply = prism_exchange(&fx.router, &fx.client, &code, &[]).await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_grant");
    assert_eq!(fx.audit().await, before);
    // A fresh code exchanged within its minute works.
    let code = fx.code().await;
    fx.app.clock.advance(Duration::seconds(59));
    tokens(&prism_exchange(&fx.router, &fx.client, &code, &[]).await);
}

async fn replayed_code_is_invalid_grant_and_revokes_its_tokens(backend: Backend) {
    let fx = Fx::new(backend).await;
    let code = fx.code().await;
    let first = tokens(&prism_exchange(&fx.router, &fx.client, &code, &[]).await);
    assert_eq!(
        introspect(&fx.router, &fx.client, &first.refresh).await["active"],
        true
    );
    let replay = prism_exchange(&fx.router, &fx.client, &code, &[]).await;
    assert_oauth_error(&replay, StatusCode::BAD_REQUEST, "invalid_grant");
    assert!(
        fx.events().await.contains(&"code_replayed"),
        "{:?}",
        fx.events().await
    );
    assert_oauth_error(
        &prism_refresh(&fx.router, &fx.client, &first.refresh).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
    assert_eq!(
        introspect(&fx.router, &fx.client, &first.access).await,
        json!({"active": false})
    );
    assert_eq!(
        introspect(&fx.router, &fx.client, &first.refresh).await,
        json!({"active": false})
    );
}

async fn code_of_another_client_is_invalid_grant_and_spends_nothing(backend: Backend) {
    let fx = Fx::new(backend).await;
    let thief = create_client(&fx.router, "Thief").await;
    let code = fx.code().await;
    let before = fx.audit().await;
    assert_oauth_error(
        &prism_exchange(&fx.router, &thief, &code, &[]).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
    let auth = thief.basic();
    let pairs = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
    ];
    assert_oauth_error(
        &standard_token(&fx.router, &[("authorization", &auth)], &pairs).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
    // A wrong redirect_uri by the right client is refused the same way.
    let wrong_redirect = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", "https://evil.example/cb"),
    ];
    assert_oauth_error(
        &prism_token(&fx.router, &fx.client, &wrong_redirect).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
    assert_eq!(fx.audit().await, before);
    tokens(&prism_exchange(&fx.router, &fx.client, &code, &[]).await);
}

// ---------------------------------------------------------------------------------------------------
// Token endpoints: client authentication

async fn rotated_out_secret_works_during_the_overlap_and_is_refused_after_it(backend: Backend) {
    let fx = Fx::new(backend).await;
    let old = fx.client.clone();
    let path = format!("/admin/clients/{}/rotate-secret", old.id);
    let rotated = admin(
        &fx.router,
        Method::POST,
        &path,
        Some(r#"{"overlapSeconds": 600}"#),
    )
    .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text);
    let new = TestClient {
        id: old.id.clone(),
        secret: rotated.body["clientSecret"].as_str().map(str::to_owned),
    };
    assert_ne!(new.secret, old.secret);
    // Inside the overlap both secrets authenticate.
    for client in [&old, &new] {
        let code = fx.code().await;
        tokens(&prism_exchange(&fx.router, client, &code, &[]).await);
    }
    // After it only the new one does, on both token endpoints.
    fx.app.clock.advance(Duration::seconds(601));
    let code = fx.code().await;
    let before = fx.audit().await;
    assert_oauth_error(
        &prism_exchange(&fx.router, &old, &code, &[]).await,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
    );
    let pairs = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
    ];
    let reply = standard_token(&fx.router, &[("authorization", &old.basic())], &pairs).await;
    assert_oauth_error(&reply, StatusCode::UNAUTHORIZED, "invalid_client");
    assert_eq!(fx.audit().await, before, "a refused client writes nothing");
    tokens(&prism_exchange(&fx.router, &new, &code, &[]).await);
}

async fn wrong_client_secret_is_401_invalid_client(backend: Backend) {
    let fx = Fx::new(backend).await;
    let code = fx.code().await;
    let before = fx.audit().await;
    let forged = TestClient {
        id: fx.client.id.clone(),
        secret: Some(format!("{}x", fx.client.secret())),
    };
    let reply = prism_exchange(&fx.router, &forged, &code, &[]).await;
    assert_oauth_error(&reply, StatusCode::UNAUTHORIZED, "invalid_client");
    // Even after the cached copy is old enough to be re-read.
    fx.app.clock.advance(Duration::seconds(31));
    let pairs = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
    ];
    let reply = standard_token(&fx.router, &[("authorization", &forged.basic())], &pairs).await;
    assert_oauth_error(&reply, StatusCode::UNAUTHORIZED, "invalid_client");
    assert!(
        reply.headers[header::WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
    // An unknown client id looks the same.
    let stranger = TestClient {
        id: "id-9999".into(),
        secret: Some(fx.client.secret().into()),
    };
    assert_oauth_error(
        &prism_exchange(&fx.router, &stranger, &code, &[]).await,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
    );
    assert_eq!(fx.audit().await, before);
    tokens(&prism_exchange(&fx.router, &fx.client, &code, &[]).await);
}

async fn prism_client_credentials_in_the_query_are_invalid_request(backend: Backend) {
    let fx = Fx::new(backend).await;
    let code = fx.code().await;
    let before = fx.audit().await;
    let secret = fx.client.secret();
    let base = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
    ];
    for extra in [
        ("client_secret", secret),
        ("client_id", fx.client.id.as_str()),
        ("client_secret", ""),
    ] {
        let mut pairs = base.to_vec();
        pairs.push(extra);
        // With the headers present too: the secret in the URL alone is the fault.
        assert_oauth_error(
            &prism_token(&fx.router, &fx.client, &pairs).await,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        );
        // And instead of the headers.
        let reply = get(&fx.router, &format!("{PRISM_TOKEN}?{}", form(&pairs)), &[]).await;
        assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    }
    assert_eq!(fx.audit().await, before);
    tokens(&prism_exchange(&fx.router, &fx.client, &code, &[]).await);
}

async fn standard_client_secret_in_the_url_is_invalid_request(backend: Backend) {
    let fx = Fx::new(backend).await;
    let code = fx.code().await;
    let before = fx.audit().await;
    let body = form(&[
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", REDIRECT),
    ]);
    let auth = fx.client.basic();
    let in_url = format!("{TOKEN}?{}", form(&[("client_secret", fx.client.secret())]));
    let reply = post_form(&fx.router, &in_url, &[("authorization", &auth)], &body).await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    let both_in_url = format!(
        "{TOKEN}?{}",
        form(&[
            ("client_id", &fx.client.id),
            ("client_secret", fx.client.secret())
        ])
    );
    let reply = post_form(&fx.router, &both_in_url, &[], &body).await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    assert_eq!(fx.audit().await, before);
    tokens(&post_form(&fx.router, TOKEN, &[("authorization", &auth)], &body).await);
}

async fn basic_and_body_secret_together_are_invalid_request(backend: Backend) {
    let fx = Fx::new(backend).await;
    let code = fx.code().await;
    let before = fx.audit().await;
    let auth = fx.client.basic();
    let pairs = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("client_id", fx.client.id.as_str()),
        ("client_secret", fx.client.secret()),
    ];
    let reply = standard_token(&fx.router, &[("authorization", &auth)], &pairs).await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    // Each method alone works; client_secret_post first.
    assert_eq!(fx.audit().await, before);
    tokens(&standard_token(&fx.router, &[], &pairs).await);
}

async fn missing_prism_client_headers_are_401_invalid_client(backend: Backend) {
    let fx = Fx::new(backend).await;
    let code = fx.code().await;
    let before = fx.audit().await;
    let path = format!(
        "{PRISM_TOKEN}?{}",
        form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT)
        ])
    );
    let header_sets: [&[(&str, &str)]; 4] = [
        &[],
        &[("x-prism-client-id", &fx.client.id)],
        &[("x-prism-client-secret", fx.client.secret())],
        // HTTP Basic is not PRISM's way.
        &[("authorization", &fx.client.basic())],
    ];
    for headers in header_sets {
        let reply = get(&fx.router, &path, headers).await;
        assert_oauth_error(&reply, StatusCode::UNAUTHORIZED, "invalid_client");
    }
    assert_eq!(fx.audit().await, before);
    tokens(&prism_exchange(&fx.router, &fx.client, &code, &[]).await);
}

async fn deleted_clients_secret_no_longer_authenticates(backend: Backend) {
    let fx = Fx::new(backend).await;
    let issued = fx.tokens().await;
    let code = fx.code().await;
    let reply = admin(
        &fx.router,
        Method::DELETE,
        &format!("/admin/clients/{}", fx.client.id),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.text);
    let before = fx.audit().await;
    assert_oauth_error(
        &prism_refresh(&fx.router, &fx.client, &issued.refresh).await,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
    );
    assert_oauth_error(
        &prism_exchange(&fx.router, &fx.client, &code, &[]).await,
        StatusCode::UNAUTHORIZED,
        "invalid_client",
    );
    let pairs = [
        ("grant_type", "refresh_token"),
        ("refresh_token", issued.refresh.as_str()),
    ];
    let reply = standard_token(&fx.router, &[("authorization", &fx.client.basic())], &pairs).await;
    assert_oauth_error(&reply, StatusCode::UNAUTHORIZED, "invalid_client");
    let reply = revoke(&fx.router, &fx.client, &issued.refresh).await;
    assert_oauth_error(&reply, StatusCode::UNAUTHORIZED, "invalid_client");
    // Its login page is gone too.
    let reply = get(&fx.router, &authorize_path(&fx.client.id, &[]), &[]).await;
    assert_error_page(&reply, StatusCode::BAD_REQUEST);
    assert_eq!(fx.audit().await, before);
}

async fn basic_scheme_name_is_case_insensitive(backend: Backend) {
    // RFC 9110 §11.1: the authentication scheme is a case-insensitive token.
    let fx = Fx::new(backend).await;
    let credentials = fx.client.basic().strip_prefix("Basic ").unwrap().to_owned();
    for scheme in ["basic", "BASIC"] {
        let code = fx.code().await;
        let auth = format!("{scheme} {credentials}");
        let pairs = [
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
        ];
        tokens(&standard_token(&fx.router, &[("authorization", &auth)], &pairs).await);
    }
    // Another scheme is still not client authentication.
    let code = fx.code().await;
    let bearer = format!("Bearer {credentials}");
    let pairs = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
    ];
    let reply = standard_token(&fx.router, &[("authorization", &bearer)], &pairs).await;
    assert_oauth_error(&reply, StatusCode::UNAUTHORIZED, "invalid_client");
}

// ---------------------------------------------------------------------------------------------------
// Token endpoints: parameters

async fn unsupported_grant_type_is_refused(backend: Backend) {
    let fx = Fx::new(backend).await;
    let code = fx.code().await;
    let before = fx.audit().await;
    for grant in [
        "password",
        "client_credentials",
        "implicit",
        "urn:ietf:params:oauth:grant-type:device_code",
    ] {
        let pairs = [
            ("grant_type", grant),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
        ];
        assert_oauth_error(
            &prism_token(&fx.router, &fx.client, &pairs).await,
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
        );
        let reply = standard_token(&fx.router, &[("authorization", &fx.client.basic())], &pairs).await;
        assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    assert_eq!(fx.audit().await, before);
    tokens(&prism_exchange(&fx.router, &fx.client, &code, &[]).await);
}

async fn missing_grant_type_is_invalid_request(backend: Backend) {
    let fx = Fx::new(backend).await;
    let code = fx.code().await;
    let before = fx.audit().await;
    for grant in [None, Some("")] {
        let mut pairs = vec![("code", code.as_str()), ("redirect_uri", REDIRECT)];
        if let Some(g) = grant {
            pairs.push(("grant_type", g));
        }
        assert_oauth_error(
            &prism_token(&fx.router, &fx.client, &pairs).await,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        );
        let reply = standard_token(&fx.router, &[("authorization", &fx.client.basic())], &pairs).await;
        assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    }
    // A code exchange without its code or redirect_uri is invalid_request as well.
    for pairs in [
        [("grant_type", "authorization_code"), ("redirect_uri", REDIRECT)],
        [("grant_type", "authorization_code"), ("code", code.as_str())],
    ] {
        assert_oauth_error(
            &prism_token(&fx.router, &fx.client, &pairs).await,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        );
    }
    assert_eq!(fx.audit().await, before);
    tokens(&prism_exchange(&fx.router, &fx.client, &code, &[]).await);
}

async fn duplicated_parameters_are_invalid_request(backend: Backend) {
    let fx = Fx::new(backend).await;
    let code = fx.code().await;
    let before = fx.audit().await;
    let base = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
    ];
    let repeats = [
        ("code", code.as_str()),
        ("code", "other"),
        ("grant_type", "authorization_code"),
        ("redirect_uri", REDIRECT),
    ];
    for repeat in repeats {
        let mut pairs = base.to_vec();
        pairs.push(repeat);
        assert_oauth_error(
            &prism_token(&fx.router, &fx.client, &pairs).await,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        );
        let reply = standard_token(&fx.router, &[("authorization", &fx.client.basic())], &pairs).await;
        assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    }
    // A repeated client header is refused too.
    let path = format!("{PRISM_TOKEN}?{}", form(&base));
    let headers = [
        ("x-prism-client-id", fx.client.id.as_str()),
        ("x-prism-client-secret", fx.client.secret()),
        ("x-prism-client-secret", fx.client.secret()),
    ];
    assert_oauth_error(
        &get(&fx.router, &path, &headers).await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    );
    assert_eq!(fx.audit().await, before);
    tokens(&prism_exchange(&fx.router, &fx.client, &code, &[]).await);
}

async fn oversized_parameter_is_invalid_request(backend: Backend) {
    let fx = Fx::new(backend).await;
    let code = fx.code().await;
    let before = fx.audit().await;
    let big = "x".repeat(2049);
    for (name, value) in [("state", big.as_str()), ("code_verifier", big.as_str())] {
        let pairs = [
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            (name, value),
        ];
        assert_oauth_error(
            &prism_token(&fx.router, &fx.client, &pairs).await,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        );
        let reply = standard_token(&fx.router, &[("authorization", &fx.client.basic())], &pairs).await;
        assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    }
    let pairs = [("grant_type", "refresh_token"), ("refresh_token", big.as_str())];
    assert_oauth_error(
        &prism_token(&fx.router, &fx.client, &pairs).await,
        StatusCode::BAD_REQUEST,
        "invalid_request",
    );
    assert_eq!(fx.audit().await, before);
    // 2048 bytes is still a parameter (an unknown one, ignored).
    let fits = "x".repeat(2048);
    let pairs = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
        ("state", &fits),
    ];
    tokens(&prism_token(&fx.router, &fx.client, &pairs).await);
}

async fn non_form_body_on_standard_token_endpoint_is_invalid_request(backend: Backend) {
    let fx = Fx::new(backend).await;
    let code = fx.code().await;
    let before = fx.audit().await;
    let auth = fx.client.basic();
    let json_body =
        json!({"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}).to_string();
    let form_body = form(&[
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("redirect_uri", REDIRECT),
    ]);
    let cases: [(&[(&str, &str)], &str); 3] = [
        (
            &[("authorization", &auth), ("content-type", "application/json")],
            &json_body,
        ),
        (
            &[("authorization", &auth), ("content-type", "text/plain")],
            &form_body,
        ),
        (&[("authorization", &auth)], &form_body),
    ];
    for (headers, body) in cases {
        let reply = request(&fx.router, Method::POST, TOKEN, headers, Some(body)).await;
        assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    }
    assert_eq!(fx.audit().await, before);
    let headers = [
        ("authorization", auth.as_str()),
        ("content-type", "application/x-www-form-urlencoded; charset=UTF-8"),
    ];
    tokens(&request(&fx.router, Method::POST, TOKEN, &headers, Some(&form_body)).await);
}

async fn refresh_token_is_accepted_under_each_name_but_only_once(backend: Backend) {
    let fx = Fx::new(backend).await;
    let mut current = fx.tokens().await.refresh;
    for name in ["refresh_token", "token", "_token"] {
        let reply = prism_token(
            &fx.router,
            &fx.client,
            &[("grant_type", "refresh_token"), (name, &current)],
        )
        .await;
        let next = tokens(&reply).refresh;
        assert_ne!(next, current, "{name}: rotated");
        current = next;
    }
    let before = fx.audit().await;
    for (a, b) in [
        ("refresh_token", "token"),
        ("token", "_token"),
        ("refresh_token", "_token"),
    ] {
        let pairs = [
            ("grant_type", "refresh_token"),
            (a, current.as_str()),
            (b, current.as_str()),
        ];
        assert_oauth_error(
            &prism_token(&fx.router, &fx.client, &pairs).await,
            StatusCode::BAD_REQUEST,
            "invalid_request",
        );
    }
    let missing = prism_token(&fx.router, &fx.client, &[("grant_type", "refresh_token")]).await;
    assert_oauth_error(&missing, StatusCode::BAD_REQUEST, "invalid_request");
    assert_eq!(fx.audit().await, before);
    tokens(&prism_refresh(&fx.router, &fx.client, &current).await);
}

async fn disabled_users_refresh_is_invalid_grant_and_channels_read_disabled(backend: Backend) {
    let fx = Fx::new(backend).await;
    create_channel(&fx.router, &fx.user, "Alice second").await;
    let issued = fx.tokens().await;
    set_user_disabled(&fx.router, &fx.user, true).await;
    let reply = prism_refresh(&fx.router, &fx.client, &issued.refresh).await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_grant");
    assert!(!fx.events().await.contains(&"token_refreshed"));
    let list = prism_get(&fx.router, "/prism/v1/service/channel/list", &issued.access).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let channels = list.body["data"]["channels"].as_array().unwrap();
    assert_eq!(channels.len(), 2);
    assert!(
        channels.iter().all(|c| c["channelEnabled"] == false),
        "{channels:?}"
    );
    assert_eq!(
        introspect(&fx.router, &fx.client, &issued.access).await,
        json!({"active": false})
    );
}

async fn token_response_is_uncacheable_bearer_for_an_hour(backend: Backend) {
    let fx = Fx::new(backend).await;
    let code = fx.code().await;
    let exchanged = prism_exchange(&fx.router, &fx.client, &code, &[]).await;
    let refresh = tokens(&exchanged).refresh;
    let refreshed = prism_refresh(&fx.router, &fx.client, &refresh).await;
    let code = fx.code().await;
    let pairs = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT),
    ];
    let standard = standard_token(&fx.router, &[("authorization", &fx.client.basic())], &pairs).await;
    for reply in [&exchanged, &refreshed, &standard] {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.headers[header::CACHE_CONTROL], "no-store");
        assert_eq!(reply.headers[header::PRAGMA], "no-cache");
        assert!(
            reply.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        assert_eq!(reply.body["token_type"], "Bearer");
        assert_eq!(reply.body["expires_in"], json!(3600));
        assert!(reply.body["access_token"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(
            reply.body["refresh_token"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
        );
    }
}

// ---------------------------------------------------------------------------------------------------
// Revocation and introspection

async fn revoking_an_unknown_token_is_200_and_writes_nothing(backend: Backend) {
    let fx = Fx::new(backend).await;
    let issued = fx.tokens().await;
    let before = fx.audit().await;
    for token in ["no-such-token", "a.b.c", &"z".repeat(100)] {
        let reply = revoke(&fx.router, &fx.client, token).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        assert_eq!(reply.headers[header::CACHE_CONTROL], "no-store");
    }
    // RFC 7009 §2.1: the token parameter itself is required.
    let reply = post_form(
        &fx.router,
        "/oauth/revoke",
        &[("authorization", &fx.client.basic())],
        "",
    )
    .await;
    assert_oauth_error(&reply, StatusCode::BAD_REQUEST, "invalid_request");
    assert_eq!(fx.audit().await, before);
    tokens(&prism_refresh(&fx.router, &fx.client, &issued.refresh).await);
}

async fn revoking_another_clients_token_is_200_and_leaves_it_working(backend: Backend) {
    let fx = Fx::new(backend).await;
    let other = create_client(&fx.router, "Other").await;
    let issued = fx.tokens().await;
    let before = fx.audit().await;
    for token in [&issued.refresh, &issued.access] {
        let reply = revoke(&fx.router, &other, token).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    }
    assert_eq!(fx.audit().await, before);
    assert_eq!(
        introspect(&fx.router, &fx.client, &issued.access).await["active"],
        true
    );
    let user = prism_get(&fx.router, "/prism/v1/service/user", &issued.access).await;
    assert_eq!(user.status, StatusCode::OK, "{}", user.text);
    tokens(&prism_refresh(&fx.router, &fx.client, &issued.refresh).await);
}

async fn introspection_after_revocation_is_inactive(backend: Backend) {
    let fx = Fx::new(backend).await;
    let issued = fx.tokens().await;
    let active = introspect(&fx.router, &fx.client, &issued.access).await;
    assert_eq!(active["active"], true);
    assert_eq!(active["sub"], fx.user.as_str());
    assert_eq!(active["client_id"], fx.client.id.as_str());
    assert_eq!(
        introspect(&fx.router, &fx.client, &issued.refresh).await["active"],
        true
    );
    let reply = revoke(&fx.router, &fx.client, &issued.refresh).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
    assert!(fx.events().await.contains(&"token_revoked"));
    assert_eq!(
        introspect(&fx.router, &fx.client, &issued.refresh).await,
        json!({"active": false})
    );
    assert_eq!(
        introspect(&fx.router, &fx.client, &issued.access).await,
        json!({"active": false})
    );
    assert_oauth_error(
        &prism_refresh(&fx.router, &fx.client, &issued.refresh).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
    // Revoking by the access token revokes its family as well.
    let second = fx.tokens().await;
    assert_eq!(
        revoke(&fx.router, &fx.client, &second.access).await.status,
        StatusCode::OK
    );
    assert_eq!(
        introspect(&fx.router, &fx.client, &second.refresh).await,
        json!({"active": false})
    );
    assert_oauth_error(
        &prism_refresh(&fx.router, &fx.client, &second.refresh).await,
        StatusCode::BAD_REQUEST,
        "invalid_grant",
    );
}

async fn introspecting_another_clients_access_token_is_inactive(backend: Backend) {
    let fx = Fx::new(backend).await;
    let other = create_client(&fx.router, "Other").await;
    let issued = fx.tokens().await;
    assert_eq!(
        introspect(&fx.router, &other, &issued.access).await,
        json!({"active": false})
    );
    assert_eq!(
        introspect(&fx.router, &other, &issued.refresh).await,
        json!({"active": false})
    );
    assert_eq!(
        introspect(&fx.router, &fx.client, &issued.access).await["active"],
        true
    );
    // An unauthenticated introspection is refused outright.
    let reply = post_form(
        &fx.router,
        "/oauth/introspect",
        &[],
        &form(&[("token", &issued.access)]),
    )
    .await;
    assert_oauth_error(&reply, StatusCode::UNAUTHORIZED, "invalid_client");
    let reply = post_form(
        &fx.router,
        "/oauth/introspect",
        &[("authorization", &basic(&other.id, "wrong"))],
        &form(&[("token", &issued.access)]),
    )
    .await;
    assert_oauth_error(&reply, StatusCode::UNAUTHORIZED, "invalid_client");
}
