//! A disabled user or a disabled channel cannot insert or transition (to `testing`/`live`); completing
//! stays possible. Each refusal changes nothing.

use super::{Yt, assert_google_error, broadcast_body, stream_body};
use crate::support::Backend;
use crate::support::admin;
use crate::support::oauth::set_user_disabled;
use http::{Method, StatusCode};
use onair_domain::lifecycle::wire::LifeCycleStatus;
use serde_json::json;

crate::support::on_both_backends!(
    a_disabled_user_cannot_insert_or_transition,
    a_disabled_channel_cannot_insert_or_transition,
    a_user_without_an_enabled_channel_gets_live_streaming_not_enabled,
);

const BROADCASTS: &str = "/youtube/v3/liveBroadcasts";

async fn refused_everything(y: &Yt, broadcast: &str, insert_reason: &str) {
    let before = y.snapshot().await;
    let r = y
        .call(
            Method::POST,
            &format!("{BROADCASTS}?part=snippet,status,contentDetails"),
            Some(broadcast_body("x", true)),
        )
        .await;
    assert_google_error(&r, StatusCode::FORBIDDEN, insert_reason);
    let r = y
        .call(
            Method::POST,
            "/youtube/v3/liveStreams?part=snippet,cdn,contentDetails",
            Some(stream_body("x", true)),
        )
        .await;
    assert_google_error(&r, StatusCode::FORBIDDEN, insert_reason);
    let r = y.transition(broadcast, "testing").await;
    assert_google_error(&r, StatusCode::FORBIDDEN, "insufficientLivePermissions");
    assert_eq!(y.snapshot().await, before);
}

async fn a_disabled_user_cannot_insert_or_transition(backend: Backend) {
    let y = Yt::new(backend).await;
    let (b, _) = y.ready_with_active_stream(true).await;
    set_user_disabled(&y.router, &y.user, true).await;
    refused_everything(&y, &b, "insufficientLivePermissions").await;
    // ending is still possible
    y.force_state(&b, LifeCycleStatus::Live).await;
    assert_eq!(y.transition(&b, "complete").await.status, StatusCode::OK);
    // re-enabled, it works again
    set_user_disabled(&y.router, &y.user, false).await;
    let (b2, _) = y.ready_with_active_stream(true).await;
    assert_eq!(y.transition(&b2, "testing").await.status, StatusCode::OK);
}

async fn a_disabled_channel_cannot_insert_or_transition(backend: Backend) {
    let y = Yt::new(backend).await;
    let (b, _) = y.ready_with_active_stream(true).await;
    let path = format!("/admin/users/{}/channels/{}", y.user, y.channel);
    let r = admin(
        &y.router,
        Method::PATCH,
        &path,
        Some(&json!({"channelEnabled": false}).to_string()),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // the user's only channel is disabled: inserting without channelId finds no enabled channel
    refused_everything(&y, &b, "liveStreamingNotEnabled").await;
    let before = y.snapshot().await;
    let r = y
        .call(
            Method::POST,
            &format!("{BROADCASTS}?part=snippet,status"),
            Some(json!({"snippet": {"title": "t", "channelId": y.channel, "scheduledStartTime": "2026-11-01T01:00:00Z"}, "status": {"privacyStatus": "public"}})),
        )
        .await;
    assert_google_error(&r, StatusCode::FORBIDDEN, "insufficientLivePermissions");
    assert_eq!(y.snapshot().await, before);
}

async fn a_user_without_an_enabled_channel_gets_live_streaming_not_enabled(backend: Backend) {
    let app = crate::support::TestApp::new(backend).await;
    let router = app.router();
    let user = crate::support::oauth::create_user(&router, "nochannel").await;
    let token = super::token_for(&app, &user, None);
    let r = crate::support::call(
        &router,
        Method::POST,
        "/youtube/v3/liveStreams?part=snippet,cdn",
        Some(&token),
        Some(&json!({"snippet": {"title": "t"}, "cdn": {"ingestionType": "rtmp", "resolution": "720p", "frameRate": "30fps"}}).to_string()),
    )
    .await;
    assert_google_error(&r, StatusCode::FORBIDDEN, "liveStreamingNotEnabled");
}
