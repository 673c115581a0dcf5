//! Benchmark of the hot paths on the local server: token exchange, refresh, user info, channel list,
//! the lifecycle, Content ID and the ingest hook, over real HTTP, on the embedded store and on DynamoDB (moto), with DynamoDB round trips per operation
//! read from the adapter's counter. Also compares the two access-token designs' validation cost: a
//! signed JWT (verified in memory) against the one store read an opaque token needs on every call.
//!
//! Run with `infra/bench` (it starts moto). Figures are for one 2-core machine; read them as sizes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    missing_docs
)]
// A benchmark reads its environment and the real clock directly.
#![allow(clippy::disallowed_methods)]

mod content_id;
mod ingest;
mod prism_scale;

use onair_domain::oauth::jwt::{Claims, KeySet, SigningKey, sign, verify};
use onair_domain::oauth::token::token_hash;
use onair_domain::{RandomGenerator, SystemClock};
use onair_platform::config::{Config, Host};
use onair_platform::local::{self, Demo, LocalServer};
use reqwest::Client;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use time::OffsetDateTime;

struct Stats {
    label: &'static str,
    latencies: Vec<Duration>,
    elapsed: Duration,
}

impl Stats {
    fn print(&self, trips: Option<f64>) {
        let mut l = self.latencies.clone();
        l.sort();
        let pct = |p: f64| l[((l.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3;
        let rps = l.len() as f64 / self.elapsed.as_secs_f64();
        let trips = trips.map_or("-".to_owned(), |t| format!("{t:.1}"));
        println!(
            "| {:<28} | {:>5} | {:>7.0} | {:>7.2} | {:>7.2} | {:>9} |",
            self.label,
            l.len(),
            rps,
            pct(0.5),
            pct(0.99),
            trips
        );
    }
}

async fn start(aws: bool) -> LocalServer {
    let mut vars: HashMap<String, String> = HashMap::from([
        ("ONAIR_LISTEN".into(), "127.0.0.1:0".into()),
        ("RUST_LOG".into(), "warn".into()),
    ]);
    if aws {
        let endpoint = std::env::var("AWS_ENDPOINT_URL").expect("AWS_ENDPOINT_URL (run infra/bench)");
        vars.insert("AWS_ENDPOINT_URL".into(), endpoint);
        let n = std::process::id();
        vars.insert("ONAIR_REGISTRATIONS_TABLE".into(), format!("bench-reg-{n}"));
        vars.insert("ONAIR_TOKENS_TABLE".into(), format!("bench-tok-{n}"));
        vars.insert("ONAIR_SECRET_PREFIX".into(), format!("bench-{n}/"));
    }
    let config = Config::from_vars(Host::Local, &vars).unwrap();
    local::start(&config, Arc::new(SystemClock), Arc::new(RandomGenerator))
        .await
        .unwrap()
}

/// One login at a time: the lockout reserves an attempt per login in flight, so more than
/// `account_limit` (5) concurrent logins of one account are refused by design.
static LOGINS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Logs the demo user in and returns an authorization code.
async fn code(http: &Client, demo: &Demo) -> String {
    let _one_at_a_time = LOGINS.lock().await;
    let url = format!(
        "{}/oauth/authorize?response_type=code&client_id={}&redirect_uri={}",
        demo.base_url,
        demo.client_id,
        urlencode(&demo.redirect_uri)
    );
    let page = http.get(&url).send().await.unwrap();
    let cookie = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("onair_csrf="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let html = page.text().await.unwrap();
    let mut form: Vec<(String, String)> = html
        .split("<input type=\"hidden\" ")
        .skip(1)
        .map(|frag| {
            let name = frag
                .split("name=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .to_owned();
            let value = frag
                .split("value=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .replace("&amp;", "&");
            (name, value)
        })
        .collect();
    form.push(("login".into(), demo.username.clone()));
    form.push(("password".into(), demo.password.clone()));
    form.push(("action".into(), "login".into()));
    let reply = http
        .post(format!("{}/oauth/authorize", demo.base_url))
        .header("cookie", cookie)
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = reply.status();
    let location = reply
        .headers()
        .get("location")
        .unwrap_or_else(|| panic!("login answered {status} without a redirect"))
        .to_str()
        .unwrap()
        .to_owned();
    location
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned()
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn token(http: &Client, demo: &Demo, query: &str) -> serde_json::Value {
    let reply = http
        .get(format!("{}/prism/v1/service/oauth2/token?{query}", demo.base_url))
        .header("x-prism-client-id", &demo.client_id)
        .header("x-prism-client-secret", &demo.client_secret)
        .send()
        .await
        .unwrap();
    let status = reply.status();
    let body: serde_json::Value = reply.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

/// What every operation needs.
#[derive(Clone)]
struct Ctx {
    http: Client,
    demo: Demo,
    redirect: String,
}

impl Ctx {
    async fn exchange(&self, code: &str) -> serde_json::Value {
        token(
            &self.http,
            &self.demo,
            &format!(
                "grant_type=authorization_code&code={code}&redirect_uri={}",
                self.redirect
            ),
        )
        .await
    }

    async fn refresh(&self, refresh: &str) -> serde_json::Value {
        token(
            &self.http,
            &self.demo,
            &format!("grant_type=refresh_token&refresh_token={refresh}"),
        )
        .await
    }

    async fn resource(&self, path: &str, access: &str) {
        let reply = self
            .http
            .get(format!("{}{path}", self.demo.base_url))
            .header("x-prism-access-token", access)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 200);
        let _ = reply.bytes().await;
    }
}

impl Ctx {
    /// A YouTube call with the access token as bearer; must answer 200. Returns the body.
    async fn youtube(
        &self,
        method: reqwest::Method,
        path: &str,
        access: &str,
        body: Option<serde_json::Value>,
    ) -> serde_json::Value {
        let mut request = self
            .http
            .request(method, format!("{}/youtube/v3/{path}", self.demo.base_url))
            .bearer_auth(access);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let reply = request.send().await.unwrap();
        let status = reply.status();
        let body: serde_json::Value = reply.json().await.unwrap();
        assert_eq!(status, 200, "{path}: {body}");
        body
    }

    /// A ready broadcast bound to `stream`; returns its id.
    async fn ready_broadcast(&self, access: &str, stream: &str) -> String {
        let start = (OffsetDateTime::now_utc() + time::Duration::hours(1))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap();
        let b = self
            .youtube(
                reqwest::Method::POST,
                "liveBroadcasts?part=snippet,status",
                access,
                Some(serde_json::json!({
                    "snippet": {"title": "bench", "scheduledStartTime": start},
                    "status": {"privacyStatus": "private"},
                })),
            )
            .await;
        let id = b["id"].as_str().unwrap().to_owned();
        self.youtube(
            reqwest::Method::POST,
            &format!("liveBroadcasts/bind?id={id}&part=id&streamId={stream}"),
            access,
            None,
        )
        .await;
        id
    }
}

/// `liveBroadcasts.list` by id and `liveBroadcasts.transition(testing)`: one reusable stream, made
/// active through the store (ingest is the hook's job), bound to a fresh broadcast per transition.
async fn youtube(server: &LocalServer, ctx: &Ctx, access: &str, workers: usize, n: usize) {
    let stream = ctx
        .youtube(
            reqwest::Method::POST,
            "liveStreams?part=snippet,cdn",
            access,
            Some(serde_json::json!({
                "snippet": {"title": "bench"},
                "cdn": {"ingestionType": "rtmp", "resolution": "1080p", "frameRate": "30fps"},
            })),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let owner = onair_domain::UserId::parse(&ctx.demo.user_id).unwrap();
    let streams = server.wiring.state.streams.clone();
    let current = streams.get(&owner, &stream).await.unwrap();
    let mut active = current.clone();
    active.stream.status.stream_status = onair_domain::lifecycle::wire::StreamStatus::Active;
    active.version += 1;
    streams.update(&active, current.version).await.unwrap();

    let listed = ctx.ready_broadcast(access, &stream).await;
    let path = format!("liveBroadcasts?part=id,snippet,contentDetails,status&id={listed}");
    let (c, a, p) = (ctx.clone(), access.to_owned(), path.clone());
    let stats = run("liveBroadcasts.list by id", workers, n * 4, move |_| {
        let (c, a, p) = (c.clone(), a.clone(), p.clone());
        async move {
            let t = Instant::now();
            c.youtube(reqwest::Method::GET, &p, &a, None).await;
            t.elapsed()
        }
    })
    .await;
    let t = trips(server, || {
        let (c, a, p) = (ctx.clone(), access.to_owned(), path.clone());
        async move {
            c.youtube(reqwest::Method::GET, &p, &a, None).await;
        }
    })
    .await;
    stats.print(t);

    let (c, a, s) = (ctx.clone(), access.to_owned(), stream.clone());
    let stats = run("liveBroadcasts.transition", workers, n, move |_| {
        let (c, a, s) = (c.clone(), a.clone(), s.clone());
        async move {
            let id = c.ready_broadcast(&a, &s).await;
            let path = format!("liveBroadcasts/transition?id={id}&part=status&broadcastStatus=testing");
            let t = Instant::now();
            c.youtube(reqwest::Method::POST, &path, &a, None).await;
            t.elapsed()
        }
    })
    .await;
    let mut ready = Vec::new();
    for _ in 0..5 {
        ready.push(ctx.ready_broadcast(access, &stream).await);
    }
    // The timed transitions planned settle steps that fire `ONAIR_SETTLE_SECONDS` later, in the
    // background, with DynamoDB requests of their own; let them finish so the count is the
    // transition's alone (the five counted below settle after the count is taken).
    tokio::time::sleep(
        server.wiring.state.settings.lifecycle.settle_after.unsigned_abs() + Duration::from_secs(1),
    )
    .await;
    let t = trips(server, || {
        let (c, a, id) = (ctx.clone(), access.to_owned(), ready.pop().unwrap_or_default());
        async move {
            let path = format!("liveBroadcasts/transition?id={id}&part=status&broadcastStatus=testing");
            c.youtube(reqwest::Method::POST, &path, &a, None).await;
        }
    })
    .await;
    stats.print(t);
}

/// Runs `per_worker` operations on each of `workers` workers; `op(worker)` returns one latency.
async fn run<F, Fut>(label: &'static str, workers: usize, per_worker: usize, op: F) -> Stats
where
    F: Fn(usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Duration> + Send,
{
    let started = Instant::now();
    let tasks: Vec<_> = (0..workers)
        .map(|w| {
            let op = op.clone();
            tokio::spawn(async move {
                let mut out = Vec::with_capacity(per_worker);
                for _ in 0..per_worker {
                    out.push(op(w).await);
                }
                out
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await.unwrap());
    }
    Stats {
        label,
        latencies,
        elapsed: started.elapsed(),
    }
}

/// DynamoDB round trips of one operation, averaged over sequential runs (nothing else in flight).
async fn trips<Fut: std::future::Future<Output = ()>>(
    server: &LocalServer,
    mut op: impl FnMut() -> Fut,
) -> Option<f64> {
    let counter = server.wiring.dynamodb_round_trips.clone()?;
    let mut total = 0;
    for _ in 0..5 {
        counter.reset();
        op().await;
        total += counter.get();
    }
    Some(total as f64 / 5.0)
}

async fn bench_store(aws: bool, workers: usize, n: usize) {
    let server = start(aws).await;
    let demo = server.demo.clone().unwrap();
    let http = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let ctx = Ctx {
        redirect: urlencode(&demo.redirect_uri),
        http,
        demo,
    };
    let store = if aws { "DynamoDB (moto)" } else { "embedded" };
    println!("\n### {store}, {workers} concurrent clients\n");
    println!("| operation                    |     n |   req/s |  p50 ms |  p99 ms | DDB trips |");
    println!("|------------------------------|-------|---------|---------|---------|-----------|");

    // Warm the client and secret caches, as on a warm Lambda.
    let warm = ctx.exchange(&code(&ctx.http, &ctx.demo).await).await;
    let access = warm["access_token"].as_str().unwrap().to_owned();

    // Each exchange needs a fresh code (60 s lifetime): the login runs in the loop, outside the timing.
    let c = ctx.clone();
    let stats = run("token exchange (PRISM GET)", workers, n, move |_| {
        let c = c.clone();
        async move {
            let code = code(&c.http, &c.demo).await;
            let t = Instant::now();
            c.exchange(&code).await;
            t.elapsed()
        }
    })
    .await;
    let mut codes = Vec::new();
    for _ in 0..5 {
        codes.push(code(&ctx.http, &ctx.demo).await);
    }
    let t = trips(&server, || {
        let (c, code) = (ctx.clone(), codes.pop().unwrap_or_default());
        async move {
            c.exchange(&code).await;
        }
    })
    .await;
    stats.print(t);

    let mut chains = Vec::new();
    for _ in 0..workers {
        let t = ctx.exchange(&code(&ctx.http, &ctx.demo).await).await;
        chains.push(tokio::sync::Mutex::new(
            t["refresh_token"].as_str().unwrap().to_owned(),
        ));
    }
    let chains = Arc::new(chains);
    let (c, ch) = (ctx.clone(), chains.clone());
    let stats = run("refresh (rotation)", workers, n, move |w| {
        let (c, ch) = (c.clone(), ch.clone());
        async move {
            let mut current = ch[w].lock().await;
            let t = Instant::now();
            let reply = c.refresh(&current).await;
            let elapsed = t.elapsed();
            *current = reply["refresh_token"].as_str().unwrap().to_owned();
            elapsed
        }
    })
    .await;
    let t = trips(&server, || {
        let (c, ch) = (ctx.clone(), chains.clone());
        async move {
            let mut current = ch[0].lock().await;
            *current = c.refresh(&current).await["refresh_token"]
                .as_str()
                .unwrap()
                .to_owned();
        }
    })
    .await;
    stats.print(t);

    for (label, path) in [
        ("user info", "/prism/v1/service/user"),
        ("channel list", "/prism/v1/service/channel/list"),
    ] {
        let (c, a) = (ctx.clone(), access.clone());
        let stats = run(label, workers, n * 4, move |_| {
            let (c, a) = (c.clone(), a.clone());
            async move {
                let t = Instant::now();
                c.resource(path, &a).await;
                t.elapsed()
            }
        })
        .await;
        let t = trips(&server, || {
            let (c, a) = (ctx.clone(), access.clone());
            async move { c.resource(path, &a).await }
        })
        .await;
        stats.print(t);
    }
    youtube(&server, &ctx, &access, workers, n).await;
    content_id::bench(&server, &ctx, &access, workers, n).await;
    ingest::bench(&server, &ctx.http, workers, n).await;
    let refresh_seed = chains[0].lock().await.clone();

    // Access-token validation, the two designs: verify a JWT in memory, or read the token's record
    // (what an opaque token costs on every call; the same GetItem-by-hash shape as a refresh token).
    let keys = KeySet {
        current: SigningKey::new(b"bench-signing-key-0123456789abcdef"),
        previous: None,
    };
    let now = OffsetDateTime::now_utc();
    let claims = Claims {
        iss: "https://issuer".into(),
        sub: "user".into(),
        aud: "onair".into(),
        client_id: "client".into(),
        iat: now.unix_timestamp(),
        exp: now.unix_timestamp() + 3600,
        jti: "j".into(),
        scope: None,
        fam: "f".into(),
    };
    let jwt = sign(&keys, &claims).unwrap();
    let rounds = 20_000;
    let t = Instant::now();
    for _ in 0..rounds {
        verify(&keys, &jwt, "https://issuer", "onair", now).unwrap();
    }
    let per = t.elapsed() / rounds;
    println!(
        "\nAccess-token validation: JWT verify {:.1} µs per call, 0 store reads",
        per.as_secs_f64() * 1e6
    );
    let grants = server.wiring.state.grants.clone();
    let hash = token_hash(&refresh_seed);
    let mut lat = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let _ = grants.get_refresh(&hash).await;
        lat.push(t.elapsed());
    }
    lat.sort();
    println!(
        "Access-token validation: opaque lookup p50 {:.1} µs, p99 {:.1} µs, 1 store read per call ({store})",
        lat[lat.len() / 2].as_secs_f64() * 1e6,
        lat[lat.len() * 99 / 100].as_secs_f64() * 1e6
    );
    if let Some(s) = &server.wiring.secrets_round_trips {
        println!(
            "Secrets Manager calls during the whole run (incl. cold fills): {}",
            s.get()
        );
    }
    server.stop().await;
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("prism-scale") {
        let lives: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(500);
        let seconds: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(60);
        prism_scale::run(false, lives, seconds).await;
        if std::env::var("AWS_ENDPOINT_URL").is_ok() {
            // moto answers one request at a time and copies the whole table for every transaction
            // (each O2 is one): a fiftieth of the lives, for half the time, keeps it out of its own
            // queue, so the figures are onair's round trips rather than moto's backlog.
            prism_scale::run(true, (lives / 50).max(1), (seconds / 2).max(10)).await;
        }
        return;
    }
    let n: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(25);
    bench_store(false, 8, n).await;
    if std::env::var("AWS_ENDPOINT_URL").is_ok() {
        // moto executes one request at a time and copies the whole table for every transaction, so
        // more clients only measure its queue (and provoke SDK retries it cannot answer idempotently).
        bench_store(true, 2, n).await;
    } else {
        println!("\n(AWS_ENDPOINT_URL unset: DynamoDB figures skipped; run infra/bench)");
    }
}
