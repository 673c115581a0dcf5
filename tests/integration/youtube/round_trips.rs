//! DynamoDB round trips of the hot YouTube calls, counted by the adapter: a list by id (with the bound
//! stream's status read through `liveStreams.list` by id) and a transition each stay within 2, and a
//! warm call makes no Secrets Manager request.

use super::Yt;
use crate::support::{self, ADMIN_TOKEN, ISSUER, T0, TestApp};
use http::{Method, StatusCode};
use onair_app::{AdminAuth, OAuthSettings, Settings};
use onair_domain::{FixedClock, Generator, SecretString, SequenceGenerator};
use onair_platform::wiring::dynamo_state;
use std::sync::Arc;
use time::Duration;

crate::support::on_backend!(dynamodb: youtube_hot_calls_stay_within_their_round_trip_budget);

async fn youtube_hot_calls_stay_within_their_round_trip_budget() {
    let clock = Arc::new(FixedClock::at(T0));
    let generator: Arc<dyn Generator> = Arc::new(SequenceGenerator::default());
    let settings = Arc::new(Settings {
        admin_auth: AdminAuth::Token(SecretString::new(ADMIN_TOKEN)),
        secret_overlap: Duration::hours(24),
        oauth: OAuthSettings {
            issuer: Some(ISSUER.into()),
            ..OAuthSettings::default()
        },
        lifecycle: Default::default(),
    });
    let stores = support::fresh_dynamo().await;
    let secrets = Arc::new(support::fresh_secrets_manager(clock.clone(), Duration::minutes(5)).await);
    let state = dynamo_state(&stores, secrets.clone(), clock.clone(), generator, settings);
    state
        .secrets
        .create(
            &state.settings.oauth.signing_key_secret,
            &SecretString::new("test-signing-key-0123456789abcdef"),
        )
        .await
        .unwrap();
    let app = TestApp {
        state,
        clock,
        dynamo: Some(stores.clone()),
    };
    let y = Yt::with_app(app).await;
    let (b, s) = y.ready_with_active_stream(true).await;
    // warm the signing-key cache
    y.call(
        Method::GET,
        &format!("/youtube/v3/liveBroadcasts?part=id&id={b}"),
        None,
    )
    .await;
    let trips = stores.round_trips();
    let secret_trips = secrets.round_trips();
    trips.reset();
    secret_trips.reset();

    let r = y
        .call(
            Method::GET,
            &format!("/youtube/v3/liveBroadcasts?part=id,snippet,contentDetails,status&id={b}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = y
        .call(
            Method::GET,
            &format!("/youtube/v3/liveStreams?part=id,status&id={s}"),
            None,
        )
        .await;
    assert_eq!(r.body["items"][0]["status"]["streamStatus"], "active");
    let list = trips.get();
    println!("liveBroadcasts.list by id + liveStreams.list by id: {list} DynamoDB requests");
    assert!(list <= 2, "list by id with the bound stream's status: {list}");
    trips.reset();

    let r = y.transition(&b, "testing").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let transition = trips.get();
    println!("liveBroadcasts.transition: {transition} DynamoDB requests");
    assert!(transition <= 2, "transition: {transition}");
    y.force_state(&b, onair_domain::lifecycle::wire::LifeCycleStatus::Testing)
        .await;
    trips.reset();
    let r = y.transition(&b, "live").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let live = trips.get();
    println!("liveBroadcasts.transition(live): {live} DynamoDB requests");
    assert!(
        live <= 2,
        "transition(live), shared-ingestion guard included: {live}"
    );
    assert_eq!(secret_trips.get(), 0, "no Secrets Manager request on a warm path");
}
