//! Authentication and YouTube's scope rules: no token is `401 required`, a bad one `401 authError`; a
//! scoped token needs `youtube`/`youtube.force-ssl` to write (also `youtube.readonly` to list), in
//! short or URL form; a token without scope has full access. The OAuth server issues tokens with
//! Google's scope URLs.

use super::{Yt, assert_google_error, stream_body, token_for};
use crate::support::oauth::{
    PASSWORD, authorize_path, create_client, open_login, param, prism_exchange, redirect_params, tokens,
};
use crate::support::{Backend, call};
use http::{Method, StatusCode};

crate::support::on_both_backends!(
    no_token_is_401_required_and_a_bad_token_401_auth_error,
    a_readonly_token_can_list_but_not_write,
    write_scopes_in_short_and_url_form_can_write,
    the_oauth_server_issues_tokens_with_googles_scope_urls,
);

const STREAMS: &str = "/youtube/v3/liveStreams";

async fn no_token_is_401_required_and_a_bad_token_401_auth_error(backend: Backend) {
    let y = Yt::new(backend).await;
    let r = call(
        &y.router,
        Method::GET,
        &format!("{STREAMS}?part=id&mine=true"),
        None,
        None,
    )
    .await;
    assert_google_error(&r, StatusCode::UNAUTHORIZED, "required");
    assert!(r.headers.contains_key("www-authenticate"));
    assert_eq!(r.body["error"]["errors"][0]["location"], "Authorization");
    let r = y
        .call_as(
            "not-a-token",
            Method::GET,
            &format!("{STREAMS}?part=id&mine=true"),
            None,
        )
        .await;
    assert_google_error(&r, StatusCode::UNAUTHORIZED, "authError");
    // unknown paths and HEAD/OPTIONS answer in Google's envelope too
    let r = y.call(Method::GET, "/youtube/v3/playlists", None).await;
    assert_google_error(&r, StatusCode::NOT_FOUND, "notFound");
    let r = y.call(Method::OPTIONS, STREAMS, None).await;
    assert_google_error(&r, StatusCode::METHOD_NOT_ALLOWED, "httpMethodNotAllowed");
}

async fn a_readonly_token_can_list_but_not_write(backend: Backend) {
    let y = Yt::new(backend).await;
    let s = y.insert_stream(true).await;
    let before = y.snapshot().await;
    for scope in [
        "youtube.readonly",
        "https://www.googleapis.com/auth/youtube.readonly",
        "openid profile",
    ] {
        let token = token_for(&y.app, &y.user, Some(scope));
        let r = y
            .call_as(
                &token,
                Method::POST,
                &format!("{STREAMS}?part=snippet,cdn,contentDetails"),
                Some(stream_body("x", true)),
            )
            .await;
        assert_google_error(&r, StatusCode::FORBIDDEN, "insufficientPermissions");
        let r = y
            .call_as(&token, Method::DELETE, &format!("{STREAMS}?id={s}"), None)
            .await;
        assert_google_error(&r, StatusCode::FORBIDDEN, "insufficientPermissions");
        let r = y
            .call_as(&token, Method::GET, &format!("{STREAMS}?part=id&mine=true"), None)
            .await;
        if scope.contains("readonly") {
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        } else {
            assert_google_error(&r, StatusCode::FORBIDDEN, "insufficientPermissions");
        }
    }
    assert_eq!(y.snapshot().await, before);
}

async fn write_scopes_in_short_and_url_form_can_write(backend: Backend) {
    let y = Yt::new(backend).await;
    for scope in [
        "youtube",
        "youtube.force-ssl",
        "https://www.googleapis.com/auth/youtube",
        "openid https://www.googleapis.com/auth/youtube.force-ssl",
    ] {
        let token = token_for(&y.app, &y.user, Some(scope));
        let r = y
            .call_as(&token, Method::POST, &format!("{STREAMS}?part=snippet,cdn"), Some(serde_json::json!({"snippet": {"title": "t"}, "cdn": {"ingestionType": "rtmp", "resolution": "720p", "frameRate": "30fps"}})))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{scope}: {}", r.text);
    }
}

async fn the_oauth_server_issues_tokens_with_googles_scope_urls(backend: Backend) {
    let y = Yt::new(backend).await;
    let client = create_client(&y.router, "yt-client").await;
    let login = y.app.state.users.get(&y.owner()).await.unwrap().login;
    let scope = "https://www.googleapis.com/auth/youtube.readonly";
    let page = open_login(&y.router, &authorize_path(&client.id, &[("scope", scope)]), &[]).await;
    let reply = page.submit(&y.router, &login, PASSWORD, "login", &[]).await;
    let code = param(&redirect_params(&reply), "code")
        .expect("a code")
        .to_owned();
    let access = tokens(&prism_exchange(&y.router, &client, &code, &[]).await).access;
    let r = y
        .call_as(
            &access,
            Method::GET,
            &format!("{STREAMS}?part=id&mine=true"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = y
        .call_as(
            &access,
            Method::POST,
            &format!("{STREAMS}?part=snippet,cdn,contentDetails"),
            Some(stream_body("x", true)),
        )
        .await;
    assert_google_error(&r, StatusCode::FORBIDDEN, "insufficientPermissions");
}
