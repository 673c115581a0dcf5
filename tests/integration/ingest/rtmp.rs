//! End to end with real parts, on both stores: the local server, nginx-rtmp rendered by
//! `infra/ingest/run` with its hooks pointed at that server, and ffmpeg publishing a test pattern.
//! One server and a few short ffmpeg runs per store (each costs seconds on two cores).

use crate::steps::world::World;
use crate::support::rtmp::{Nginx, Publisher};
use crate::support::{self, unique};
use onair_domain::lifecycle::wire::{HealthStatus, LifeCycleStatus as S, StreamStatus};
use onair_domain::{ChannelId, RandomGenerator, SystemClock, UserId};
use onair_platform::config::{Config, Host};
use onair_platform::local;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

crate::support::on_both_backends!(
    ffmpeg_into_nginx_rtmp_drives_the_stream_and_auto_starts_and_auto_stops_its_broadcast,
);

const SECRET: &str = "rtmp-test-secret-0123456789abcdef";

async fn server(backend: support::Backend) -> local::LocalServer {
    let mut vars: HashMap<String, String> = HashMap::from([
        ("ONAIR_LISTEN".into(), "127.0.0.1:0".into()),
        ("ONAIR_INGEST_SECRET".into(), SECRET.into()),
        ("ONAIR_SETTLE_SECONDS".into(), "1".into()),
        ("ONAIR_AUTO_STOP_SECONDS".into(), "2".into()),
        ("RUST_LOG".into(), "warn".into()),
    ]);
    if backend == support::Backend::Aws {
        vars.insert("AWS_ENDPOINT_URL".into(), support::moto_endpoint());
        vars.insert("ONAIR_REGISTRATIONS_TABLE".into(), unique("rtmp-registrations"));
        vars.insert("ONAIR_TOKENS_TABLE".into(), unique("rtmp-tokens"));
        vars.insert("ONAIR_SECRET_PREFIX".into(), format!("{}/", unique("rtmp")));
    }
    let config = Config::from_vars(Host::Local, &vars).unwrap();
    local::start(&config, Arc::new(SystemClock), Arc::new(RandomGenerator))
        .await
        .unwrap()
}

/// Polls the stored record every 100 ms until `done` holds, for at most `within`; returns how long it took.
async fn until<T, F, Fut>(
    within: Duration,
    what: &str,
    mut read: F,
    done: impl Fn(&T) -> bool,
) -> (T, Duration)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
    T: std::fmt::Debug,
{
    let started = Instant::now();
    loop {
        let value = read().await;
        if done(&value) {
            return (value, started.elapsed());
        }
        assert!(
            started.elapsed() < within,
            "{what} not within {within:?}; last: {value:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn ffmpeg_into_nginx_rtmp_drives_the_stream_and_auto_starts_and_auto_stops_its_broadcast(
    backend: support::Backend,
) {
    let server = server(backend).await;
    let demo = server.demo.clone().expect("a fresh store seeds the demo");
    assert_eq!(
        demo.ingest_secret, SECRET,
        "the configured ingest secret is in force"
    );
    let w = World::over(
        server.wiring.state.clone(),
        UserId::parse(&demo.user_id).unwrap(),
        ChannelId::parse(&demo.channel_ids[0]).unwrap(),
    );
    let key = format!("{}-key", unique("rtmp"));
    let s = w.stream(&key).await;
    let b = w
        .broadcast(|d| {
            d.enable_auto_start = true;
            d.enable_auto_stop = true;
        })
        .await;
    w.bind(&b, &s).await;
    let (sid, bid) = (s.stream.id.clone(), b.broadcast.id.clone());
    let before = w.get_stream(&sid).await;
    let nginx = Nginx::start(&server.base_url(), SECRET, 1);

    // an unknown key: nginx's on_publish is refused and ffmpeg fails at once
    let started = Instant::now();
    let mut unknown = Publisher::start(&nginx.publish_url("no-such-key-0123456789"), 10);
    let status = unknown
        .exit_within(Duration::from_secs(8))
        .expect("ffmpeg kept publishing with an unknown key");
    println!(
        "unknown key: ffmpeg exited {status} after {:?}",
        started.elapsed()
    );
    assert!(!status.success());

    // an ingest server with the wrong hook secret: every publish is refused
    {
        let impostor = Nginx::start(&server.base_url(), "not-the-secret-0123456789", 1);
        let mut refused = Publisher::start(&impostor.publish_url(&key), 10);
        let status = refused
            .exit_within(Duration::from_secs(8))
            .expect("a wrong hook secret let ffmpeg publish");
        assert!(!status.success());
    }
    assert_eq!(
        w.get_stream(&sid).await,
        before,
        "a refused publish changed the stream"
    );
    assert_eq!(w.get_broadcast(&bid).await.broadcast.state(), S::Ready);

    // the real thing: active, healthy, and the auto-start broadcast goes live by itself
    let mut encoder = Publisher::start(&nginx.publish_url(&key), 60);
    let (active, took) = until(
        Duration::from_secs(10),
        "stream active",
        || w.get_stream(&sid),
        |s| s.stream.stream_status() == StreamStatus::Active,
    )
    .await;
    println!("publish → stream active after {took:?}");
    assert_eq!(active.stream.status.health_status.status, HealthStatus::Good);
    let (_, took) = until(
        Duration::from_secs(10),
        "broadcast live",
        || w.get_broadcast(&bid),
        |b| b.broadcast.state() == S::Live,
    )
    .await;
    println!("publish → broadcast live after {took:?}");
    assert!(
        encoder.exit_within(Duration::ZERO).is_none(),
        "the encoder was dropped"
    );

    // healthStatus kept current: an encoder that stops sending (but stays connected) is noData
    encoder.pause();
    let (silent, took) = until(
        Duration::from_secs(10),
        "health noData",
        || w.get_stream(&sid),
        |s| s.stream.status.health_status.status == HealthStatus::NoData,
    )
    .await;
    println!("encoder paused → health noData after {took:?}");
    assert_eq!(silent.stream.stream_status(), StreamStatus::Active);

    // the encoder goes away: inactive, and after auto_stop_after the broadcast completes by itself
    encoder.kill();
    let (inactive, took) = until(
        Duration::from_secs(10),
        "stream inactive",
        || w.get_stream(&sid),
        |s| s.stream.stream_status() == StreamStatus::Inactive,
    )
    .await;
    println!("encoder gone → stream inactive after {took:?}");
    assert_eq!(inactive.stream.status.health_status.status, HealthStatus::NoData);
    let (complete, took) = until(
        Duration::from_secs(10),
        "broadcast complete",
        || w.get_broadcast(&bid),
        |b| b.broadcast.state() == S::Complete,
    )
    .await;
    println!("stream inactive → broadcast complete after {took:?} (auto-stop 2 s)");
    assert!(complete.broadcast.snippet.actual_end_time.is_some());
    drop(nginx);
    server.stop().await;
}
