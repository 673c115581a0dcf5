//! The ingest hook's hot paths over real HTTP: an `on_update` that changes nothing (every publisher
//! sends one every few seconds: one read) and a publish / publish-done pair (a read and a conditional
//! write each). Each client publishes its own stream, as encoders do.

use super::{Stats, run, trips};
use onair_domain::lifecycle::StreamKey;
use onair_domain::lifecycle::body::parse_body;
use onair_domain::lifecycle::part::{Method, Parts};
use onair_domain::lifecycle::resource::{NewStream, new_stream};
use onair_domain::{ChannelId, UserId};
use onair_platform::local::LocalServer;
use onair_store::StoredStream;
use reqwest::Client;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Calls answered 503: on moto, a transaction under load can outlast the SDK's 2 s operation timeout,
/// and the hook then answers "unavailable" (nginx refuses the publisher, which retries). Counted and
/// reported rather than failing the run.
static UNAVAILABLE: AtomicU64 = AtomicU64::new(0);

async fn stream(server: &LocalServer, owner: &UserId, channel: &ChannelId, n: usize) -> String {
    let key = format!("bench-key-{}-{n}", std::process::id());
    let parts = Parts::parse(Method::StreamInsert, Some("snippet,cdn")).unwrap();
    let body = serde_json::json!({
        "snippet": {"title": "Bench encoder"},
        "cdn": {"ingestionType": "rtmp", "resolution": "720p", "frameRate": "30fps"}
    });
    let state = &server.wiring.state;
    let stream = new_stream(
        NewStream {
            id: format!("bench-stream-{}-{n}", std::process::id()),
            channel_id: channel.clone(),
            key: StreamKey::presented(key.clone()),
            ingestion_address: state.settings.lifecycle.ingest_rtmp_url.clone(),
        },
        &parse_body(&body, &parts).unwrap(),
        &parts,
        state.clock.now(),
    )
    .unwrap();
    state
        .streams
        .create(&StoredStream {
            owner: owner.clone(),
            stream,
            version: 1,
            bound_broadcasts: vec![],
            live: None,
        })
        .await
        .unwrap();
    key
}

async fn hook(http: &Client, url: &str, call: &str, key: &str) {
    let body =
        format!("app=live&addr=127.0.0.1&clientid=1&call={call}&name={key}&type=live&time=10&timestamp=9990");
    let reply = http
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    match reply.status().as_u16() {
        200 => {}
        503 => {
            UNAVAILABLE.fetch_add(1, Ordering::Relaxed);
        }
        other => panic!("{call}: {other}"),
    }
    let _ = reply.bytes().await;
}

/// Prints the hook's rows of the table.
pub async fn bench(server: &LocalServer, http: &Client, workers: usize, n: usize) {
    // The settle steps the transitions before planned fire in the background; let them finish, so
    // the round trips counted below are the hook's own.
    let settle = server.wiring.state.settings.lifecycle.settle_after;
    tokio::time::sleep(
        std::time::Duration::try_from(settle).unwrap_or_default() + std::time::Duration::from_secs(1),
    )
    .await;
    let demo = server.demo.clone().unwrap();
    let owner = UserId::parse(&demo.user_id).unwrap();
    let channel = ChannelId::parse(&demo.channel_ids[0]).unwrap();
    let url = Arc::new(format!(
        "{}/ingest/nginx-rtmp?token={}",
        demo.base_url, demo.ingest_secret
    ));
    let mut keys = Vec::new();
    for w in 0..=workers {
        keys.push(stream(server, &owner, &channel, w).await);
    }
    let keys = Arc::new(keys);
    for key in keys.iter() {
        hook(http, &url, "publish", key).await;
    }

    let (h, u, k) = (http.clone(), url.clone(), keys.clone());
    let stats: Stats = run("ingest hook: update", workers, n * 4, move |w| {
        let (h, u, k) = (h.clone(), u.clone(), k.clone());
        async move {
            let t = Instant::now();
            hook(&h, &u, "update_publish", &k[w]).await;
            t.elapsed()
        }
    })
    .await;
    let spare = keys[workers].clone();
    let t = trips(server, || {
        let (h, u, k) = (http.clone(), url.clone(), spare.clone());
        async move { hook(&h, &u, "update_publish", &k).await }
    })
    .await;
    stats.print(t);

    let (h, u, k) = (http.clone(), url.clone(), keys.clone());
    // one operation = publish_done then publish, so every call changes the status and writes
    let stats: Stats = run("ingest hook: done+publish", workers, n * 2, move |w| {
        let (h, u, k) = (h.clone(), u.clone(), k.clone());
        async move {
            let t = Instant::now();
            hook(&h, &u, "publish_done", &k[w]).await;
            hook(&h, &u, "publish", &k[w]).await;
            t.elapsed()
        }
    })
    .await;
    let flip = std::sync::atomic::AtomicBool::new(false);
    let t = trips(server, || {
        let call = if flip.fetch_xor(true, std::sync::atomic::Ordering::Relaxed) {
            "publish"
        } else {
            "publish_done"
        };
        let (h, u, k) = (http.clone(), url.clone(), spare.clone());
        async move { hook(&h, &u, call, &k).await }
    })
    .await;
    stats.print(t);
    let unavailable = UNAVAILABLE.swap(0, Ordering::Relaxed);
    if unavailable > 0 {
        println!("(ingest hook: {unavailable} calls answered 503 unavailable)");
    }
}
