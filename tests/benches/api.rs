//! Benchmark of the hot paths on the local server: token exchange, refresh, user info and channel list,
//! over real HTTP, on the embedded store and on DynamoDB (moto), with DynamoDB round trips per operation
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

const WORKERS: usize = 8;

struct Stats {
    label: String,
    latencies: Vec<Duration>,
    elapsed: Duration,
    round_trips: Option<u64>,
}

impl Stats {
    fn print(&self) {
        let mut l = self.latencies.clone();
        l.sort();
        let pct = |p: f64| l[((l.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3;
        let rps = l.len() as f64 / self.elapsed.as_secs_f64();
        let trips = self
            .round_trips
            .map_or("-".to_owned(), |t| format!("{:.2}", t as f64 / l.len() as f64));
        println!(
            "| {:<34} | {:>6} | {:>8.0} | {:>7.2} | {:>7.2} | {:>10} |",
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

/// Logs the demo user in and returns an authorization code.
async fn code(http: &Client, demo: &Demo) -> String {
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
    let location = reply.headers()["location"].to_str().unwrap().to_owned();
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
    assert_eq!(reply.status(), 200);
    reply.json().await.unwrap()
}

/// Runs `per_worker` operations on each of WORKERS workers; `op` gets (worker, i) and returns its latency.
async fn run<F, Fut>(label: &str, server: &LocalServer, per_worker: usize, op: F) -> Stats
where
    F: Fn(usize, usize) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = Duration> + Send,
{
    let counter = server.wiring.dynamodb_round_trips.clone();
    if let Some(c) = &counter {
        c.reset();
    }
    let started = Instant::now();
    let tasks: Vec<_> = (0..WORKERS)
        .map(|w| {
            let op = op.clone();
            tokio::spawn(async move {
                let mut out = Vec::with_capacity(per_worker);
                for i in 0..per_worker {
                    out.push(op(w, i).await);
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
        label: label.to_owned(),
        latencies,
        elapsed: started.elapsed(),
        round_trips: counter.map(|c| c.get()),
    }
}

async fn bench_store(aws: bool, n: usize) {
    let server = start(aws).await;
    let demo = server.demo.clone().unwrap();
    let http = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let store = if aws { "DynamoDB (moto)" } else { "embedded" };
    println!("\n### {store}\n");
    println!("| operation                          |      n |    req/s | p50 ms  | p99 ms  | DDB trips/op |");
    println!("|------------------------------------|--------|----------|---------|---------|------------|");

    // Warm the client and secret caches, as on a warm Lambda.
    let first = code(&http, &demo).await;
    let redirect = urlencode(&demo.redirect_uri);
    let warm = token(
        &http,
        &demo,
        &format!("grant_type=authorization_code&code={first}&redirect_uri={redirect}"),
    )
    .await;

    let codes: Arc<Vec<Vec<String>>> = {
        let mut all = Vec::new();
        for _ in 0..WORKERS {
            let mut mine = Vec::new();
            for _ in 0..n {
                mine.push(code(&http, &demo).await);
            }
            all.push(mine);
        }
        Arc::new(all)
    };
    let refresh_seeds: Arc<Vec<String>> = {
        let mut seeds = Vec::new();
        for w in 0..WORKERS {
            let _ = w;
            let c = code(&http, &demo).await;
            let t = token(
                &http,
                &demo,
                &format!("grant_type=authorization_code&code={c}&redirect_uri={redirect}"),
            )
            .await;
            seeds.push(t["refresh_token"].as_str().unwrap().to_owned());
        }
        Arc::new(seeds)
    };

    let (h, d, r) = (http.clone(), demo.clone(), redirect.clone());
    let c2 = codes.clone();
    run("token exchange (PRISM GET)", &server, n, move |w, i| {
        let (h, d, r, c) = (h.clone(), d.clone(), r.clone(), c2.clone());
        async move {
            let t = Instant::now();
            token(
                &h,
                &d,
                &format!("grant_type=authorization_code&code={}&redirect_uri={r}", c[w][i]),
            )
            .await;
            t.elapsed()
        }
    })
    .await
    .print();

    let chains: Arc<Vec<tokio::sync::Mutex<String>>> = Arc::new(
        refresh_seeds
            .iter()
            .map(|s| tokio::sync::Mutex::new(s.clone()))
            .collect(),
    );
    let (h, d) = (http.clone(), demo.clone());
    run("refresh (rotation)", &server, n, move |w, _| {
        let (h, d, chains) = (h.clone(), d.clone(), chains.clone());
        async move {
            let mut current = chains[w].lock().await;
            let t = Instant::now();
            let reply = token(
                &h,
                &d,
                &format!("grant_type=refresh_token&refresh_token={}", *current),
            )
            .await;
            let elapsed = t.elapsed();
            *current = reply["refresh_token"].as_str().unwrap().to_owned();
            elapsed
        }
    })
    .await
    .print();

    let access = warm["access_token"].as_str().unwrap().to_owned();
    for (label, path) in [
        ("user info", "/prism/v1/service/user"),
        ("channel list", "/prism/v1/service/channel/list"),
    ] {
        let (h, base, a) = (http.clone(), demo.base_url.clone(), access.clone());
        run(label, &server, n * 4, move |_, _| {
            let (h, url, a) = (h.clone(), format!("{base}{path}"), a.clone());
            async move {
                let t = Instant::now();
                let reply = h.get(url).header("x-prism-access-token", a).send().await.unwrap();
                assert_eq!(reply.status(), 200);
                let _ = reply.bytes().await;
                t.elapsed()
            }
        })
        .await
        .print();
    }

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
    let hash = token_hash(refresh_seeds[0].as_str());
    let mut lat = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let _ = grants.get_refresh(&hash).await;
        lat.push(t.elapsed());
    }
    lat.sort();
    println!(
        "Access-token validation: opaque lookup p50 {:.3} ms, p99 {:.3} ms, 1 store read per call ({store})",
        lat[lat.len() / 2].as_secs_f64() * 1e3,
        lat[lat.len() * 99 / 100].as_secs_f64() * 1e3
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
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(25);
    bench_store(false, n).await;
    if std::env::var("AWS_ENDPOINT_URL").is_ok() {
        bench_store(true, n).await;
    } else {
        println!("\n(AWS_ENDPOINT_URL unset: DynamoDB figures skipped; run infra/bench)");
    }
}
