//! Admin routes of content owners: register, read, change, link and unlink; bad input, unknown ids,
//! stale versions and missing admin credentials, each changing nothing.

use super::{create_owner, link};
use crate::support::oauth::create_user;
use crate::support::{Backend, admin, call, unique};
use crate::youtube::Yt;
use http::{Method, StatusCode};
use serde_json::json;

crate::support::on_both_backends!(
    owners_are_registered_read_changed_and_linked,
    owner_bodies_are_validated_and_change_nothing,
    unknown_owners_users_and_channels_are_404,
    a_stale_expected_version_is_409_and_changes_nothing,
    owner_routes_need_the_admin_token,
);

async fn owners_are_registered_read_changed_and_linked(backend: Backend) {
    let yt = Yt::new(backend).await;
    let r = admin(
        &yt.router,
        Method::POST,
        "/admin/content-owners",
        Some(r#"{"displayName":"Rights Co"}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["liveFingerprinting"], false);
    assert_eq!(r.body["version"], 1);
    let id = r.body["id"].as_str().unwrap().to_owned();

    let r = link(&yt, &id, &yt.channel, &yt.user).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.body["channels"],
        json!([{ "channelId": yt.channel, "userId": yt.user }])
    );
    assert_eq!(r.body["version"], 2);
    // Linking again for the same user changes nothing.
    let r = link(&yt, &id, &yt.channel, &yt.user).await;
    assert_eq!(r.body["version"], 2);

    let r = admin(
        &yt.router,
        Method::PATCH,
        &format!("/admin/content-owners/{id}"),
        Some(r#"{"liveFingerprinting":true,"displayName":"Rights Co Live","expectedVersion":2}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["liveFingerprinting"], true);
    assert_eq!(r.body["displayName"], "Rights Co Live");

    let r = admin(
        &yt.router,
        Method::DELETE,
        &format!("/admin/content-owners/{id}/channels/{}", yt.channel),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    let r = admin(
        &yt.router,
        Method::GET,
        &format!("/admin/content-owners/{id}"),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["channels"], json!([]));
    assert_eq!(r.body["version"], 4);
}

async fn owner_bodies_are_validated_and_change_nothing(backend: Backend) {
    let yt = Yt::new(backend).await;
    for body in [
        r#"{}"#.to_owned(),
        r#"{"displayName":""}"#.to_owned(),
        r#"{"displayName":"   "}"#.to_owned(),
        json!({ "displayName": "x".repeat(101) }).to_string(),
        r#"{"displayName":"A","liveFingerprinting":"yes"}"#.to_owned(),
        r#"{"displayName":"A","bogus":1}"#.to_owned(),
        "not json".to_owned(),
    ] {
        let r = admin(&yt.router, Method::POST, "/admin/content-owners", Some(&body)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.text);
    }
    let id = create_owner(&yt, "Rights Co", false).await;
    for body in [r#"{}"#, r#"{"displayName":""}"#, r#"{"liveFingerprinting":null}"#] {
        let r = admin(
            &yt.router,
            Method::PATCH,
            &format!("/admin/content-owners/{id}"),
            Some(body),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.text);
    }
    let r = admin(
        &yt.router,
        Method::PUT,
        &format!("/admin/content-owners/{id}/channels/{}", yt.channel),
        Some(r#"{}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    let r = admin(
        &yt.router,
        Method::GET,
        &format!("/admin/content-owners/{id}"),
        None,
    )
    .await;
    assert_eq!(r.body["version"], 1, "nothing changed: {}", r.text);
    assert_eq!(r.body["displayName"], "Rights Co");
}

async fn unknown_owners_users_and_channels_are_404(backend: Backend) {
    let yt = Yt::new(backend).await;
    let id = create_owner(&yt, "Rights Co", false).await;
    let r = admin(&yt.router, Method::GET, "/admin/content-owners/nope", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // An unknown owner.
    let r = link(&yt, "nope", &yt.channel, &yt.user).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    // An unknown user.
    let r = link(&yt, &id, &yt.channel, "nope").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    // An unknown channel.
    let r = link(&yt, &id, "nope", &yt.user).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    // A channel that exists but belongs to another user.
    let other = create_user(&yt.router, &unique("other")).await;
    let r = link(&yt, &id, &yt.channel, &other).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    // Unlinking a channel that is not linked.
    let r = admin(
        &yt.router,
        Method::DELETE,
        &format!("/admin/content-owners/{id}/channels/{}", yt.channel),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text);
    let r = admin(
        &yt.router,
        Method::GET,
        &format!("/admin/content-owners/{id}"),
        None,
    )
    .await;
    assert_eq!(r.body["version"], 1, "nothing changed");
    assert_eq!(r.body["channels"], json!([]));
}

async fn a_stale_expected_version_is_409_and_changes_nothing(backend: Backend) {
    let yt = Yt::new(backend).await;
    let id = create_owner(&yt, "Rights Co", false).await;
    link(&yt, &id, &yt.channel, &yt.user).await;
    let r = admin(
        &yt.router,
        Method::PATCH,
        &format!("/admin/content-owners/{id}"),
        Some(r#"{"liveFingerprinting":true,"expectedVersion":1}"#),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let r = admin(
        &yt.router,
        Method::GET,
        &format!("/admin/content-owners/{id}"),
        None,
    )
    .await;
    assert_eq!(r.body["liveFingerprinting"], false);
    assert_eq!(r.body["version"], 2);
}

async fn owner_routes_need_the_admin_token(backend: Backend) {
    let yt = Yt::new(backend).await;
    let id = create_owner(&yt, "Rights Co", false).await;
    for (method, path, body) in [
        (
            Method::POST,
            "/admin/content-owners".to_owned(),
            Some(r#"{"displayName":"X"}"#),
        ),
        (Method::GET, format!("/admin/content-owners/{id}"), None),
        (
            Method::PATCH,
            format!("/admin/content-owners/{id}"),
            Some(r#"{"liveFingerprinting":true}"#),
        ),
        (
            Method::PUT,
            format!("/admin/content-owners/{id}/channels/{}", yt.channel),
            Some(r#"{"userId":"x"}"#),
        ),
    ] {
        let body_owned = body.map(|b| b.replace("\"x\"", &format!("\"{}\"", yt.user)));
        for token in [None, Some(yt.token.as_str())] {
            let r = call(&yt.router, method.clone(), &path, token, body_owned.as_deref()).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{method} {path}: {}", r.text);
        }
    }
    let r = admin(
        &yt.router,
        Method::GET,
        &format!("/admin/content-owners/{id}"),
        None,
    )
    .await;
    assert_eq!(r.body["version"], 1, "nothing changed");
    assert_eq!(r.body["liveFingerprinting"], false);
}
