//! Bad input: each rule its own test, each proving by a snapshot of the store that nothing changed.

use super::{Yt, assert_google_error, broadcast_body, stream_body};
use crate::support::{Backend, call};
use http::{Method, StatusCode};
use onair_domain::lifecycle::wire::{LifeCycleStatus, StreamStatus};
use serde_json::{Value, json};

crate::support::on_both_backends!(
    an_unknown_part_is_unknown_part,
    a_part_the_method_does_not_take_is_unexpected_part,
    a_body_part_not_named_in_part_is_unexpected_part,
    missing_required_fields_get_their_required_reason,
    invalid_resolution_frame_rate_and_ingestion_type_are_refused,
    empty_and_over_long_titles_are_invalid_title,
    unknown_ids_are_not_found,
    another_users_ids_are_not_found_and_never_revealed,
    binding_a_non_reusable_stream_that_is_bound_elsewhere_is_refused,
    deleting_a_stream_bound_to_a_broadcast_that_is_not_complete_is_refused,
    changing_cdn_or_flipping_is_reusable_on_update_is_refused,
    out_of_order_transitions_are_refused,
    a_transition_with_an_inactive_or_no_stream_is_error_stream_inactive,
    a_cuepoint_for_a_broadcast_that_is_not_live_is_refused,
    a_cuepoint_with_both_offset_and_wall_time_is_conflicting_time_fields,
    an_oversized_body_is_413_in_googles_envelope,
    a_body_that_is_not_json_is_parse_error,
    an_unknown_query_parameter_is_unexpected_parameter,
    list_filters_and_max_results_are_checked,
    a_scheduled_time_beyond_the_representable_years_is_refused_not_a_crash,
);

const BROADCASTS: &str = "/youtube/v3/liveBroadcasts";
const STREAMS: &str = "/youtube/v3/liveStreams";

async fn an_unknown_part_is_unknown_part(backend: Backend) {
    let y = Yt::new(backend).await;
    let before = y.snapshot().await;
    let r = y
        .call(
            Method::POST,
            &format!("{BROADCASTS}?part=snippet,status,bogus"),
            Some(broadcast_body("x", true)),
        )
        .await;
    assert_google_error(&r, StatusCode::BAD_REQUEST, "unknownPart");
    let r = y
        .call(Method::GET, &format!("{STREAMS}?part=nope&mine=true"), None)
        .await;
    assert_google_error(&r, StatusCode::BAD_REQUEST, "unknownPart");
    assert_eq!(y.snapshot().await, before);
}

async fn a_part_the_method_does_not_take_is_unexpected_part(backend: Backend) {
    let y = Yt::new(backend).await;
    let before = y.snapshot().await;
    let r = y
        .call(
            Method::POST,
            &format!("{BROADCASTS}?part=snippet,status,cdn"),
            Some(broadcast_body("x", true)),
        )
        .await;
    assert_google_error(&r, StatusCode::BAD_REQUEST, "unexpectedPart");
    let r = y
        .call(
            Method::GET,
            &format!("{STREAMS}?part=contentDetails&mine=true"),
            None,
        )
        .await;
    assert_google_error(&r, StatusCode::BAD_REQUEST, "unexpectedPart");
    assert_eq!(y.snapshot().await, before);
}

async fn a_body_part_not_named_in_part_is_unexpected_part(backend: Backend) {
    let y = Yt::new(backend).await;
    let before = y.snapshot().await;
    // the body carries status and contentDetails; part names snippet only
    let r = y
        .call(
            Method::POST,
            &format!("{BROADCASTS}?part=snippet"),
            Some(broadcast_body("x", true)),
        )
        .await;
    assert_google_error(&r, StatusCode::BAD_REQUEST, "unexpectedPart");
    let r = y
        .call(
            Method::POST,
            &format!("{STREAMS}?part=snippet,cdn"),
            Some(stream_body("cam", true)),
        )
        .await;
    assert_google_error(&r, StatusCode::BAD_REQUEST, "unexpectedPart");
    assert_eq!(y.snapshot().await, before);
}

async fn missing_required_fields_get_their_required_reason(backend: Backend) {
    let y = Yt::new(backend).await;
    let before = y.snapshot().await;
    let insert = format!("{BROADCASTS}?part=snippet,status");
    let cases: [(Value, &str); 3] = [
        (
            json!({"snippet": {"scheduledStartTime": "2026-11-01T01:00:00Z"}, "status": {"privacyStatus": "private"}}),
            "titleRequired",
        ),
        (
            json!({"snippet": {"title": "t"}, "status": {"privacyStatus": "private"}}),
            "scheduledStartTimeRequired",
        ),
        (
            json!({"snippet": {"title": "t", "scheduledStartTime": "2026-11-01T01:00:00Z"}, "status": {}}),
            "privacyStatusRequired",
        ),
    ];
    for (body, reason) in cases {
        let r = y.call(Method::POST, &insert, Some(body)).await;
        assert_google_error(&r, StatusCode::BAD_REQUEST, reason);
    }
    let insert = format!("{STREAMS}?part=snippet,cdn");
    let cases: [(Value, &str); 4] = [
        (json!({"snippet": {"title": "t"}}), "cdnRequired"),
        (
            json!({"cdn": {"ingestionType": "rtmp", "resolution": "1080p", "frameRate": "30fps"}}),
            "titleRequired",
        ),
        (
            json!({"snippet": {"title": "t"}, "cdn": {"resolution": "1080p", "frameRate": "30fps"}}),
            "ingestionTypeRequired",
        ),
        (
            json!({"snippet": {"title": "t"}, "cdn": {"ingestionType": "rtmp", "frameRate": "30fps"}}),
            "resolutionRequired",
        ),
    ];
    for (body, reason) in cases {
        let r = y.call(Method::POST, &insert, Some(body)).await;
        assert_google_error(&r, StatusCode::BAD_REQUEST, reason);
    }
    // update without an id
    let r = y
        .call(
            Method::PUT,
            &format!("{BROADCASTS}?part=snippet"),
            Some(json!({"snippet": {"title": "t", "scheduledStartTime": "2026-11-01T01:00:00Z"}})),
        )
        .await;
    assert_google_error(&r, StatusCode::BAD_REQUEST, "idRequired");
    assert_eq!(y.snapshot().await, before);
}

async fn invalid_resolution_frame_rate_and_ingestion_type_are_refused(backend: Backend) {
    let y = Yt::new(backend).await;
    let before = y.snapshot().await;
    let insert = format!("{STREAMS}?part=snippet,cdn");
    let cdn = |t: &str, r: &str, f: &str| json!({"snippet": {"title": "t"}, "cdn": {"ingestionType": t, "resolution": r, "frameRate": f}});
    for (body, reason) in [
        (cdn("rtmp", "1081p", "30fps"), "invalidResolution"),
        (cdn("rtmp", "1080p", "29fps"), "invalidFrameRate"),
        (cdn("carrier-pigeon", "1080p", "30fps"), "invalidIngestionType"),
    ] {
        let r = y.call(Method::POST, &insert, Some(body)).await;
        assert_google_error(&r, StatusCode::BAD_REQUEST, reason);
    }
    assert_eq!(y.snapshot().await, before);
}

async fn empty_and_over_long_titles_are_invalid_title(backend: Backend) {
    let y = Yt::new(backend).await;
    let before = y.snapshot().await;
    let b = format!("{BROADCASTS}?part=snippet,status");
    let s = format!("{STREAMS}?part=snippet,cdn");
    for title in [String::new(), "   ".into(), "x".repeat(101)] {
        let mut body = broadcast_body(&title, true);
        body.as_object_mut().unwrap().remove("contentDetails");
        let r = y.call(Method::POST, &b, Some(body)).await;
        assert_google_error(&r, StatusCode::BAD_REQUEST, "invalidTitle");
    }
    for title in [String::new(), "y".repeat(129)] {
        let mut body = stream_body(&title, true);
        body.as_object_mut().unwrap().remove("contentDetails");
        let r = y.call(Method::POST, &s, Some(body)).await;
        assert_google_error(&r, StatusCode::BAD_REQUEST, "invalidTitle");
    }
    assert_eq!(y.snapshot().await, before);
    // the limits themselves are accepted (100 and 128 characters, counted as characters)
    let mut body = broadcast_body(&"é".repeat(100), true);
    body.as_object_mut().unwrap().remove("contentDetails");
    assert_eq!(y.call(Method::POST, &b, Some(body)).await.status, StatusCode::OK);
    let mut body = stream_body(&"é".repeat(128), true);
    body.as_object_mut().unwrap().remove("contentDetails");
    assert_eq!(y.call(Method::POST, &s, Some(body)).await.status, StatusCode::OK);
}

async fn unknown_ids_are_not_found(backend: Backend) {
    let y = Yt::new(backend).await;
    let s = y.insert_stream(true).await;
    let before = y.snapshot().await;
    let missing = "no-such-id";
    let update =
        json!({"id": missing, "snippet": {"title": "t", "scheduledStartTime": "2026-11-01T01:00:00Z"}});
    let cases = [
        (Method::PUT, format!("{BROADCASTS}?part=snippet"), Some(update)),
        (Method::DELETE, format!("{BROADCASTS}?id={missing}"), None),
        (
            Method::POST,
            format!("{BROADCASTS}/bind?id={missing}&part=id&streamId={s}"),
            None,
        ),
        (
            Method::POST,
            format!("{BROADCASTS}/transition?id={missing}&part=id&broadcastStatus=testing"),
            None,
        ),
        (
            Method::POST,
            format!("{BROADCASTS}/cuepoint?id={missing}"),
            Some(json!({"cueType": "cueTypeAd"})),
        ),
    ];
    for (method, path, body) in cases {
        let r = y.call(method, &path, body).await;
        assert_google_error(&r, StatusCode::NOT_FOUND, "liveBroadcastNotFound");
    }
    let r = y
        .call(
            Method::PUT,
            &format!("{STREAMS}?part=snippet"),
            Some(json!({"id": missing, "snippet": {"title": "t"}})),
        )
        .await;
    assert_google_error(&r, StatusCode::NOT_FOUND, "liveStreamNotFound");
    let r = y
        .call(Method::DELETE, &format!("{STREAMS}?id={missing}"), None)
        .await;
    assert_google_error(&r, StatusCode::NOT_FOUND, "liveStreamNotFound");
    let b = y.insert_broadcast(true).await;
    let before_bind = y.snapshot().await;
    let r = y
        .call(
            Method::POST,
            &format!("{BROADCASTS}/bind?id={b}&part=id&streamId={missing}"),
            None,
        )
        .await;
    assert_google_error(&r, StatusCode::NOT_FOUND, "liveStreamNotFound");
    assert_eq!(y.snapshot().await, before_bind);
    // a list by unknown id is an empty list, not an error
    let r = y
        .call(Method::GET, &format!("{BROADCASTS}?part=id&id={missing}"), None)
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["items"], json!([]));
    assert_eq!(before.1.len(), 1);
}

async fn another_users_ids_are_not_found_and_never_revealed(backend: Backend) {
    let y = Yt::new(backend).await;
    let (b, s) = y.ready_with_active_stream(true).await;
    let (_, theirs) = y.other_user().await;
    let before = y.snapshot().await;
    let r = y
        .call_as(
            &theirs,
            Method::GET,
            &format!("{BROADCASTS}?part=id,snippet&id={b}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["items"], json!([]));
    let r = y
        .call_as(
            &theirs,
            Method::GET,
            &format!("{STREAMS}?part=id,cdn&id={s}"),
            None,
        )
        .await;
    assert_eq!(
        r.body["items"],
        json!([]),
        "another user's stream key is never shown"
    );
    let update =
        json!({"id": b, "snippet": {"title": "mine now", "scheduledStartTime": "2026-11-01T01:00:00Z"}});
    for (method, path, body) in [
        (Method::PUT, format!("{BROADCASTS}?part=snippet"), Some(update)),
        (Method::DELETE, format!("{BROADCASTS}?id={b}"), None),
        (Method::POST, format!("{BROADCASTS}/bind?id={b}&part=id"), None),
        (
            Method::POST,
            format!("{BROADCASTS}/transition?id={b}&part=id&broadcastStatus=testing"),
            None,
        ),
    ] {
        let r = y.call_as(&theirs, method, &path, body).await;
        assert_google_error(&r, StatusCode::NOT_FOUND, "liveBroadcastNotFound");
    }
    let r = y
        .call_as(
            &theirs,
            Method::PUT,
            &format!("{STREAMS}?part=snippet"),
            Some(json!({"id": s, "snippet": {"title": "mine now"}})),
        )
        .await;
    assert_google_error(&r, StatusCode::NOT_FOUND, "liveStreamNotFound");
    let r = y
        .call_as(&theirs, Method::DELETE, &format!("{STREAMS}?id={s}"), None)
        .await;
    assert_google_error(&r, StatusCode::NOT_FOUND, "liveStreamNotFound");
    // and their own broadcast cannot take my stream
    let r = y
        .call_as(
            &theirs,
            Method::POST,
            &format!("{BROADCASTS}?part=snippet,status"),
            Some(json!({"snippet": {"title": "t", "scheduledStartTime": "2026-11-01T01:00:00Z"}, "status": {"privacyStatus": "public"}})),
        )
        .await;
    let their_b = r.body["id"].as_str().unwrap().to_owned();
    let r = y
        .call_as(
            &theirs,
            Method::POST,
            &format!("{BROADCASTS}/bind?id={their_b}&part=id&streamId={s}"),
            None,
        )
        .await;
    assert_google_error(&r, StatusCode::NOT_FOUND, "liveStreamNotFound");
    // inserting on my channel is refused like an unknown channel
    let r = y
        .call_as(
            &theirs,
            Method::POST,
            &format!("{STREAMS}?part=snippet,cdn"),
            Some(json!({"snippet": {"title": "t", "channelId": y.channel}, "cdn": {"ingestionType": "rtmp", "resolution": "720p", "frameRate": "30fps"}})),
        )
        .await;
    assert_google_error(&r, StatusCode::FORBIDDEN, "insufficientLivePermissions");
    assert_eq!(y.snapshot().await, before);
}

async fn binding_a_non_reusable_stream_that_is_bound_elsewhere_is_refused(backend: Backend) {
    let y = Yt::new(backend).await;
    let s = y.insert_stream(false).await;
    let first = y.insert_broadcast(true).await;
    let second = y.insert_broadcast(true).await;
    y.bind(&first, &s).await;
    let before = y.snapshot().await;
    let r = y
        .call(
            Method::POST,
            &format!("{BROADCASTS}/bind?id={second}&part=id&streamId={s}"),
            None,
        )
        .await;
    assert_google_error(&r, StatusCode::FORBIDDEN, "liveBroadcastBindingNotAllowed");
    assert_eq!(y.snapshot().await, before);
}

async fn deleting_a_stream_bound_to_a_broadcast_that_is_not_complete_is_refused(backend: Backend) {
    let y = Yt::new(backend).await;
    let (b, s) = y.ready_with_active_stream(true).await;
    let before = y.snapshot().await;
    let r = y.call(Method::DELETE, &format!("{STREAMS}?id={s}"), None).await;
    assert_google_error(&r, StatusCode::FORBIDDEN, "liveStreamDeletionNotAllowed");
    assert_eq!(y.snapshot().await, before);
    // once the broadcast is complete the stream may go
    y.force_state(&b, LifeCycleStatus::Complete).await;
    let r = y.call(Method::DELETE, &format!("{STREAMS}?id={s}"), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text);
    assert!(r.text.is_empty());
}

async fn changing_cdn_or_flipping_is_reusable_on_update_is_refused(backend: Backend) {
    let y = Yt::new(backend).await;
    let s = y.insert_stream(true).await;
    let before = y.snapshot().await;
    let path = format!("{STREAMS}?part=snippet,cdn,contentDetails");
    let body = |resolution: &str, reusable: bool| {
        json!({
            "id": s,
            "snippet": {"title": "Camera"},
            "cdn": {"ingestionType": "rtmp", "resolution": resolution, "frameRate": "30fps"},
            "contentDetails": {"isReusable": reusable},
        })
    };
    for b in [body("720p", true), body("1080p", false)] {
        let r = y.call(Method::PUT, &path, Some(b)).await;
        assert_google_error(&r, StatusCode::FORBIDDEN, "liveStreamModificationNotAllowed");
    }
    assert_eq!(y.snapshot().await, before);
    // the same values are no change
    let r = y.call(Method::PUT, &path, Some(body("1080p", true))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

async fn out_of_order_transitions_are_refused(backend: Backend) {
    let y = Yt::new(backend).await;
    let created = y.insert_broadcast(true).await;
    let (ready, _) = y.ready_with_active_stream(true).await;
    let before = y.snapshot().await;
    for (id, to, reason) in [
        (&created, "testing", "invalidTransition"),
        (&created, "complete", "invalidTransition"),
        (&ready, "complete", "invalidTransition"),
        // monitor on: testing first
        (&ready, "live", "invalidTransition"),
    ] {
        let r = y.transition(id, to).await;
        assert_google_error(&r, StatusCode::FORBIDDEN, reason);
    }
    let r = y
        .call(
            Method::POST,
            &format!("{BROADCASTS}/transition?id={ready}&part=status&broadcastStatus=ready"),
            None,
        )
        .await;
    assert_google_error(&r, StatusCode::BAD_REQUEST, "invalidValue");
    let r = y
        .call(
            Method::POST,
            &format!("{BROADCASTS}/transition?id={ready}&part=status"),
            None,
        )
        .await;
    assert_google_error(&r, StatusCode::BAD_REQUEST, "statusRequired");
    assert_eq!(y.snapshot().await, before);
    // testing twice is redundant
    assert_eq!(y.transition(&ready, "testing").await.status, StatusCode::OK);
    let mid = y.snapshot().await;
    assert_google_error(
        &y.transition(&ready, "testing").await,
        StatusCode::FORBIDDEN,
        "redundantTransition",
    );
    y.force_state(&ready, LifeCycleStatus::Complete).await;
    let done = y.snapshot().await;
    assert_google_error(
        &y.transition(&ready, "live").await,
        StatusCode::FORBIDDEN,
        "invalidTransition",
    );
    assert_google_error(
        &y.transition(&ready, "complete").await,
        StatusCode::FORBIDDEN,
        "redundantTransition",
    );
    assert_eq!(y.snapshot().await, done);
    assert_ne!(mid, done);
}

async fn a_transition_with_an_inactive_or_no_stream_is_error_stream_inactive(backend: Backend) {
    let y = Yt::new(backend).await;
    let (b, s) = y.ready_with_active_stream(true).await;
    for status in [StreamStatus::Inactive, StreamStatus::Ready, StreamStatus::Error] {
        y.set_stream_status(&s, status).await;
        let before = y.snapshot().await;
        let r = y.transition(&b, "testing").await;
        assert_google_error(&r, StatusCode::FORBIDDEN, "errorStreamInactive");
        assert_eq!(y.snapshot().await, before, "{status:?}");
    }
    // monitor off: ready → live needs the stream too
    let (direct, s2) = y.ready_with_active_stream(false).await;
    y.set_stream_status(&s2, StreamStatus::Inactive).await;
    let before = y.snapshot().await;
    assert_google_error(
        &y.transition(&direct, "live").await,
        StatusCode::FORBIDDEN,
        "errorStreamInactive",
    );
    assert_eq!(y.snapshot().await, before);
}

async fn a_cuepoint_for_a_broadcast_that_is_not_live_is_refused(backend: Backend) {
    let y = Yt::new(backend).await;
    let (b, _) = y.ready_with_active_stream(true).await;
    let path = format!("{BROADCASTS}/cuepoint?id={b}");
    for state in [
        LifeCycleStatus::Ready,
        LifeCycleStatus::Testing,
        LifeCycleStatus::Complete,
    ] {
        if state != LifeCycleStatus::Ready {
            y.force_state(&b, state).await;
        }
        let before = y.snapshot().await;
        let r = y
            .call(Method::POST, &path, Some(json!({"cueType": "cueTypeAd"})))
            .await;
        assert_google_error(&r, StatusCode::FORBIDDEN, "liveBroadcastNotLive");
        assert_eq!(y.snapshot().await, before);
    }
}

async fn a_cuepoint_with_both_offset_and_wall_time_is_conflicting_time_fields(backend: Backend) {
    let y = Yt::new(backend).await;
    let (b, _) = y.ready_with_active_stream(true).await;
    y.force_state(&b, LifeCycleStatus::Live).await;
    let before = y.snapshot().await;
    let path = format!("{BROADCASTS}/cuepoint?id={b}&part=snippet");
    let r = y
        .call(
            Method::POST,
            &path,
            Some(json!({"cueType": "cueTypeAd", "insertionOffsetTimeMs": "1000", "walltimeMs": "1793491200000"})),
        )
        .await;
    assert_google_error(&r, StatusCode::BAD_REQUEST, "conflictingTimeFields");
    assert_eq!(y.snapshot().await, before);
    // one of them is fine
    let r = y
        .call(
            Method::POST,
            &path,
            Some(json!({"cueType": "cueTypeAd", "durationSecs": 60})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["durationSecs"], json!(60));
    assert!(r.body["id"].is_string() && r.body["etag"].is_string());
}

async fn an_oversized_body_is_413_in_googles_envelope(backend: Backend) {
    let y = Yt::new(backend).await;
    let before = y.snapshot().await;
    let body = broadcast_body(&"x".repeat(70 * 1024), true);
    let r = y
        .call(
            Method::POST,
            &format!("{BROADCASTS}?part=snippet,status,contentDetails"),
            Some(body),
        )
        .await;
    assert_google_error(&r, StatusCode::PAYLOAD_TOO_LARGE, "uploadTooLarge");
    assert_eq!(y.snapshot().await, before);
}

async fn a_body_that_is_not_json_is_parse_error(backend: Backend) {
    let y = Yt::new(backend).await;
    let before = y.snapshot().await;
    for body in ["{not json", "[1,2]", ""] {
        let r = call(
            &y.router,
            Method::POST,
            &format!("{STREAMS}?part=snippet,cdn"),
            Some(&y.token),
            Some(body),
        )
        .await;
        assert_google_error(&r, StatusCode::BAD_REQUEST, "parseError");
    }
    assert_eq!(y.snapshot().await, before);
}

async fn an_unknown_query_parameter_is_unexpected_parameter(backend: Backend) {
    let y = Yt::new(backend).await;
    y.insert_broadcast(true).await;
    let before = y.snapshot().await;
    let r = y
        .call(
            Method::GET,
            &format!("{BROADCASTS}?part=id&mine=true&mien=true"),
            None,
        )
        .await;
    assert_google_error(&r, StatusCode::BAD_REQUEST, "unexpectedParameter");
    let r = y
        .call(
            Method::POST,
            &format!("{STREAMS}?part=snippet,cdn&onBehalfOfContentOwner=acme"),
            Some(stream_body("x", true)),
        )
        .await;
    assert_google_error(&r, StatusCode::BAD_REQUEST, "unexpectedParameter");
    assert_eq!(y.snapshot().await, before);
    // Google's standard parameters are accepted (its client sends alt=json on every call)
    let r = y
        .call(
            Method::GET,
            &format!("{BROADCASTS}?part=id&mine=true&alt=json&prettyPrint=false"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
}

async fn list_filters_and_max_results_are_checked(backend: Backend) {
    let y = Yt::new(backend).await;
    let b = y.insert_broadcast(true).await;
    for (query, status, reason) in [
        ("part=id", StatusCode::BAD_REQUEST, "invalidFilters"),
        (
            "part=id&mine=true&id=x",
            StatusCode::BAD_REQUEST,
            "incompatibleParameters",
        ),
        (
            "part=id&broadcastStatus=sideways",
            StatusCode::BAD_REQUEST,
            "invalidFilters",
        ),
        (
            "part=id&mine=true&maxResults=51",
            StatusCode::BAD_REQUEST,
            "invalidValue",
        ),
        (
            "part=id&mine=true&maxResults=-1",
            StatusCode::BAD_REQUEST,
            "invalidValue",
        ),
        (
            "part=id&mine=true&pageToken=forged",
            StatusCode::BAD_REQUEST,
            "invalidPageToken",
        ),
        ("mine=true", StatusCode::BAD_REQUEST, "missingRequiredParameter"),
    ] {
        let r = y.call(Method::GET, &format!("{BROADCASTS}?{query}"), None).await;
        assert_google_error(&r, status, reason);
    }
    let r = y
        .call(
            Method::GET,
            &format!("{BROADCASTS}?part=id&mine=true&maxResults=0"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["items"], json!([]));
    let r = y
        .call(
            Method::GET,
            &format!("{BROADCASTS}?part=id&broadcastStatus=upcoming"),
            None,
        )
        .await;
    assert_eq!(r.body["items"][0]["id"], json!(b));
}

/// `9999-12-31T23:00:00-05:00` is valid RFC 3339 whose UTC form is in the year 10000: converting it
/// once panicked the handler; it is an invalid time like any other.
async fn a_scheduled_time_beyond_the_representable_years_is_refused_not_a_crash(backend: Backend) {
    let y = Yt::new(backend).await;
    let before = y.snapshot().await;
    let mut body = broadcast_body("x", true);
    body["snippet"]["scheduledStartTime"] = json!("9999-12-31T23:00:00-05:00");
    let r = y
        .call(
            Method::POST,
            &format!("{BROADCASTS}?part=snippet,status,contentDetails"),
            Some(body),
        )
        .await;
    assert_google_error(&r, StatusCode::BAD_REQUEST, "invalidScheduledStartTime");
    assert_eq!(y.snapshot().await, before);
}
