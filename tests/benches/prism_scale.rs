//! The PRISM polling load at scale: many on-air lives, each polled the way the gateway polls it —
//! R7 (status and statistics) and O1 (chat after the last page token) every 5 s — while chat messages
//! arrive through O2. Reports p50/p99 per endpoint, the error count, and (on DynamoDB) the round trips
//! of one call of each kind, read from the adapter's counter with nothing else in flight.
//!
//! Every live needs its own channel (R9 ends any other on-air live of the channel) and a streamer has
//! at most 50 channels, so the bench registers one streamer per 50 lives through the admin API, signs
//! each in through the login page and the token endpoint, and gives them their channels through the
//! store, as an operator's import would; everything after that goes over HTTP.

use super::{Ctx, code, start};
use onair_domain::channel::{Channel, MAX_CHANNELS_PER_USER};
use onair_domain::{ChannelId, UserId};
use onair_platform::local::LocalServer;
use reqwest::{Client, Method};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use time::OffsetDateTime;
use tokio::sync::Mutex;

/// The gateway's polling period.
const PERIOD: Duration = Duration::from_secs(5);

/// Latencies and failures of one endpoint.
#[derive(Default)]
struct Endpoint {
    latencies: Mutex<Vec<Duration>>,
    errors: AtomicU64,
}

impl Endpoint {
    async fn record(&self, took: Duration, ok: bool) {
        if ok {
            self.latencies.lock().await.push(took);
        } else {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
    }

    async fn print(&self, label: &str, trips: Option<f64>) {
        let mut l = self.latencies.lock().await.clone();
        l.sort();
        let pct = |p: f64| {
            l.get(((l.len().max(1) as f64 - 1.0) * p).round() as usize)
                .map_or(0.0, |d| d.as_secs_f64() * 1e3)
        };
        let trips = trips.map_or("-".to_owned(), |t| format!("{t:.1}"));
        println!(
            "| {label:<26} | {:>6} | {:>6} | {:>7.2} | {:>7.2} | {:>9} |",
            l.len(),
            self.errors.load(Ordering::Relaxed),
            pct(0.5),
            pct(0.99),
            trips
        );
    }
}

/// One PRISM call with the streamer's token; `(status, body)`.
async fn call(
    http: &Client,
    base: &str,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = http
        .request(method, format!("{base}/prism/v1/service{path}"))
        .header("x-prism-access-token", token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    match request.send().await {
        Ok(reply) => {
            let status = reply.status().as_u16();
            (status, reply.json().await.unwrap_or(Value::Null))
        }
        Err(_) => (0, Value::Null),
    }
}

/// A new streamer, registered through the admin API and signed in: (user id, access token).
async fn streamer(ctx: &Ctx, n: usize) -> (UserId, String) {
    let login = format!("scale{n}");
    let password = format!("scale-password-{n}-{}", std::process::id());
    let reply = ctx
        .http
        .post(format!("{}/admin/users", ctx.demo.base_url))
        .bearer_auth(&ctx.demo.admin_token)
        .json(&json!({"login": login, "password": password, "userName": format!("Scale streamer {n}")}))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 201);
    let user: Value = reply.json().await.unwrap();
    let mut demo = ctx.demo.clone();
    demo.username = login;
    demo.password = password;
    let token = ctx.exchange(&code(&ctx.http, &demo).await).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    (UserId::parse(user["userId"].as_str().unwrap()).unwrap(), token)
}

/// Gives `owner` `n` enabled channels.
async fn channels(server: &LocalServer, owner: &UserId, n: usize) -> Vec<ChannelId> {
    let now = OffsetDateTime::now_utc();
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let id = ChannelId::parse(&format!("scale-{owner}-{i}")).unwrap();
        let channel = Channel {
            id: id.clone(),
            owner: owner.clone(),
            name: format!("Scale channel {i}"),
            enabled: true,
            link: format!("https://example.test/c/{i}"),
            description: None,
            tags: None,
            thumbnail_url: None,
            follower_count: 0,
            created_at: now,
            modified_at: now,
            version: 1,
        };
        server.wiring.state.channels.create(&channel).await.unwrap();
        ids.push(id);
    }
    ids
}

/// R8 then R9 on `channel`; the live id.
async fn on_air(http: &Client, base: &str, token: &str, channel: &ChannelId) -> String {
    let reserved = (OffsetDateTime::now_utc() + time::Duration::seconds(20))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let (status, body) = call(
        http,
        base,
        token,
        Method::POST,
        &format!("/channel/{channel}/live"),
        Some(json!({"title": "Scale live", "reservedAt": reserved, "scope": "PUBLIC"})),
    )
    .await;
    assert_eq!(status, 200, "R8: {body}");
    let live = body["data"]["live"]["liveId"].as_str().unwrap().to_owned();
    let (status, body) = call(
        http,
        base,
        token,
        Method::PUT,
        &format!("/live/{live}/start"),
        None,
    )
    .await;
    assert_eq!(status, 200, "R9: {body}");
    live
}

/// Round trips of one call, averaged over `runs` sequential calls.
async fn trips_of(server: &LocalServer, runs: u64, mut op: impl AsyncFnMut()) -> Option<f64> {
    let counter = server.wiring.dynamodb_round_trips.clone()?;
    let mut total = 0;
    for _ in 0..runs {
        counter.reset();
        op().await;
        total += counter.get();
    }
    Some(total as f64 / runs as f64)
}

/// Runs the load: `lives` on-air lives polled for `seconds`.
pub async fn run(aws: bool, lives: usize, seconds: u64) {
    let server = start(aws).await;
    let demo = server.demo.clone().unwrap();
    let http = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(1024)
        .build()
        .unwrap();
    let ctx = Ctx {
        redirect: super::urlencode(&demo.redirect_uri),
        http: http.clone(),
        demo: demo.clone(),
    };
    let base = demo.base_url.clone();

    let prepared = Instant::now();
    // (live id, its streamer's token)
    let mut ids: Vec<(String, String)> = Vec::with_capacity(lives);
    for (n, first) in (0..lives).step_by(MAX_CHANNELS_PER_USER).enumerate() {
        let (owner, token) = streamer(&ctx, n).await;
        let count = MAX_CHANNELS_PER_USER.min(lives - first);
        for channel in channels(&server, &owner, count).await {
            ids.push((on_air(&http, &base, &token, &channel).await, token.clone()));
        }
    }
    let store = if aws { "DynamoDB (moto)" } else { "embedded" };
    println!(
        "\n### PRISM polling at scale, {store}: {lives} on-air lives, R7 + O1 every {} s and one O2 per live per period, for {seconds} s (set-up {:.1} s)\n",
        PERIOD.as_secs(),
        prepared.elapsed().as_secs_f64()
    );

    let r7 = Arc::new(Endpoint::default());
    let o1 = Arc::new(Endpoint::default());
    let o2 = Arc::new(Endpoint::default());
    let messages_seen = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let tasks: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, (live, token))| {
            let (http, base, token, live) = (http.clone(), base.clone(), token.clone(), live.clone());
            let (r7, o1, o2, seen) = (r7.clone(), o1.clone(), o2.clone(), messages_seen.clone());
            // Spread the lives over the period, as independent streamers are.
            let offset = PERIOD.mul_f64(i as f64 / lives as f64);
            tokio::spawn(async move {
                tokio::time::sleep(offset).await;
                let mut page: Option<String> = None;
                let mut tick = tokio::time::interval(PERIOD);
                let mut n = 0u64;
                loop {
                    tick.tick().await;
                    if Instant::now() >= deadline {
                        break;
                    }
                    n += 1;
                    let t = Instant::now();
                    let (status, body) =
                        call(&http, &base, &token, Method::GET, &format!("/live/{live}"), None).await;
                    let ok = status == 200 && body["data"]["live"]["status"] == "ON_AIR";
                    r7.record(t.elapsed(), ok).await;

                    let t = Instant::now();
                    let (status, _) = call(
                        &http,
                        &base,
                        &token,
                        Method::PUT,
                        &format!("/live/{live}/chat"),
                        Some(json!({"message": format!("message {n} on live {i}")})),
                    )
                    .await;
                    o2.record(t.elapsed(), status == 200).await;

                    let t = Instant::now();
                    let (status, body) = call(
                        &http,
                        &base,
                        &token,
                        Method::POST,
                        &format!("/live/{live}/chat"),
                        Some(json!({"maxResults": 100, "pageToken": page})),
                    )
                    .await;
                    let ok = status == 200 && body["data"]["messages"].is_array();
                    o1.record(t.elapsed(), ok).await;
                    if ok {
                        let got = body["data"]["messages"].as_array().map_or(0, Vec::len);
                        seen.fetch_add(got as u64, Ordering::Relaxed);
                        page = body["data"]["nextPageToken"].as_str().map(str::to_owned);
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }

    let (live, token) = ids[0].clone();
    let trips_r7 = trips_of(&server, 5, async || {
        call(&http, &base, &token, Method::GET, &format!("/live/{live}"), None).await;
    })
    .await;
    let first = call(
        &http,
        &base,
        &token,
        Method::POST,
        &format!("/live/{live}/chat"),
        Some(json!({"maxResults": 100})),
    )
    .await
    .1["data"]["nextPageToken"]
        .clone();
    let trips_o1 = trips_of(&server, 5, async || {
        call(
            &http,
            &base,
            &token,
            Method::POST,
            &format!("/live/{live}/chat"),
            Some(json!({"maxResults": 100, "pageToken": first})),
        )
        .await;
    })
    .await;
    let mut k = 0;
    let trips_o2 = trips_of(&server, 5, async || {
        k += 1;
        call(
            &http,
            &base,
            &token,
            Method::PUT,
            &format!("/live/{live}/chat"),
            Some(json!({"message": format!("counted {k}")})),
        )
        .await;
        // One message a second keeps the author inside the rate limit.
        tokio::time::sleep(Duration::from_millis(1100)).await;
    })
    .await;

    println!("| endpoint                   |     ok | errors |  p50 ms |  p99 ms | DDB trips |");
    println!("|----------------------------|--------|--------|---------|---------|-----------|");
    r7.print("R7 get live", trips_r7).await;
    o1.print("O1 chat list (page token)", trips_o1).await;
    o2.print("O2 chat send", trips_o2).await;
    println!(
        "\nmessages returned by O1 during the run: {}",
        messages_seen.load(Ordering::Relaxed)
    );
    server.stop().await;
}
