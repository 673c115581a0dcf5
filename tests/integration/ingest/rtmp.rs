//! End to end with real parts, on both stores: the local server, nginx-rtmp rendered by
//! `infra/ingest/run` with its hooks pointed at that server, ffmpeg publishing a test pattern, and the
//! YouTube-compatible API over HTTP for everything a streamer does (insert, bind, poll, transition,
//! cuepoint). One server and a few short ffmpeg runs per store (each costs seconds on two cores).

use crate::support::rtmp::{Nginx, Publisher};
use crate::support::{self, unique};
use onair_domain::oauth::jwt::{Claims, KeySet, SigningKey, sign};
use onair_domain::{RandomGenerator, SystemClock};
use onair_platform::config::{Config, Host};
use onair_platform::local;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

crate::support::on_both_backends!(ffmpeg_into_nginx_rtmp_drives_the_stream_and_the_broadcasts_bound_to_it);

/// The README's nginx configuration for a deployed ingest (`infra/ingest/deployed.conf`) is one nginx
/// accepts, with its placeholders filled as the README says.
#[test]
fn the_deployed_ingest_config_is_valid_nginx() {
    let repo = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let template = std::fs::read_to_string(repo.join("infra/ingest/deployed.conf")).unwrap();
    let filled = template
        .replace(
            "API_URL",
            "https://abc123.execute-api.eu-west-1.amazonaws.com/prod",
        )
        .replace("API_HOST", "abc123.execute-api.eu-west-1.amazonaws.com")
        .replace("INGEST_SECRET", "s3cr3t-0123456789abcdef");
    let dir = std::env::temp_dir().join(unique("onair-deployed-conf"));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("nginx.conf");
    // a private pid file and log for the check
    let tail = format!("\npid {0}/nginx.pid;\nerror_log {0}/error.log;\n", dir.display());
    std::fs::write(&conf, filled + &tail).unwrap();
    let checked = std::process::Command::new("/usr/sbin/nginx")
        .arg("-t")
        .arg("-c")
        .arg(&conf)
        .arg("-p")
        .arg(&dir)
        .arg("-e")
        .arg(dir.join("error.log"))
        .output()
        .expect("nginx is not installed; run the tests with infra/test");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        checked.status.success(),
        "nginx -t refused infra/ingest/deployed.conf: {}",
        String::from_utf8_lossy(&checked.stderr)
    );
}

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

/// A scope-less (full access) access token of `user`, signed with the server's own signing key, as
/// its token endpoint would issue.
async fn access_token(server: &local::LocalServer, user: &str) -> String {
    let state = &server.wiring.state;
    let key = state
        .secrets
        .get(&state.settings.oauth.signing_key_secret)
        .await
        .unwrap();
    let now = state.clock.now().unix_timestamp();
    let claims = Claims {
        iss: server.base_url(),
        sub: user.into(),
        aud: state.settings.oauth.audience.clone(),
        client_id: "rtmp-test".into(),
        iat: now,
        exp: now + 3600,
        jti: unique("jti"),
        scope: None,
        fam: unique("fam"),
    };
    let keys = KeySet {
        current: SigningKey::new(key.secret.current.expose().as_bytes()),
        previous: None,
    };
    sign(&keys, &claims).unwrap()
}

/// The YouTube API of the server, as a streamer's tool calls it.
struct YouTube {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl YouTube {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self
            .http
            .request(method.clone(), format!("{}/youtube/v3/{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let reply = request.send().await.unwrap();
        let status = reply.status();
        let body: Value = reply.json().await.unwrap_or(Value::Null);
        assert_eq!(status, StatusCode::OK, "{method} {path}: {body}");
        body
    }

    async fn post(&self, path: &str, body: Option<Value>) -> Value {
        self.call(reqwest::Method::POST, path, body).await
    }

    async fn stream(&self, id: &str) -> Value {
        let list = self
            .call(
                reqwest::Method::GET,
                &format!("liveStreams?part=id,status&id={id}"),
                None,
            )
            .await;
        list["items"][0]["status"].clone()
    }

    async fn broadcast_state(&self, id: &str) -> String {
        let list = self
            .call(
                reqwest::Method::GET,
                &format!("liveBroadcasts?part=id,status&id={id}"),
                None,
            )
            .await;
        list["items"][0]["status"]["lifeCycleStatus"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

/// Polls every 100 ms until `done` holds, for at most `within`; returns what was seen last, every
/// distinct value seen, and how long it took.
async fn until<F, Fut>(
    within: Duration,
    what: &str,
    mut read: F,
    done: impl Fn(&Value) -> bool,
) -> (Value, Vec<Value>, Duration)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Value>,
{
    let started = Instant::now();
    let mut seen: Vec<Value> = Vec::new();
    loop {
        let value = read().await;
        if seen.last() != Some(&value) {
            seen.push(value.clone());
        }
        if done(&value) {
            return (value, seen, started.elapsed());
        }
        assert!(
            started.elapsed() < within,
            "{what} not within {within:?}; seen: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn ffmpeg_into_nginx_rtmp_drives_the_stream_and_the_broadcasts_bound_to_it(backend: support::Backend) {
    let server = server(backend).await;
    let demo = server.demo.clone().expect("a fresh store seeds the demo");
    assert_eq!(
        demo.ingest_secret, SECRET,
        "the configured ingest secret is in force"
    );
    let yt = YouTube {
        http: reqwest::Client::new(),
        base: server.base_url(),
        token: access_token(&server, &demo.user_id).await,
    };

    // the streamer's setup: a reusable stream, an auto start/stop broadcast and a manual one
    let stream = yt
        .post(
            "liveStreams?part=snippet,cdn,contentDetails,status",
            Some(json!({
                "snippet": {"title": "Camera"},
                "cdn": {"ingestionType": "rtmp", "resolution": "720p", "frameRate": "30fps"},
                "contentDetails": {"isReusable": true},
            })),
        )
        .await;
    let sid = stream["id"].as_str().unwrap().to_owned();
    let key = stream["cdn"]["ingestionInfo"]["streamName"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(stream["status"]["streamStatus"], "ready");
    let start = (server.wiring.state.clock.now() + time::Duration::hours(1))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let broadcast = |title: &str, auto: bool| {
        json!({
            "snippet": {"title": title, "scheduledStartTime": start},
            "status": {"privacyStatus": "unlisted"},
            "contentDetails": {
                "monitorStream": {"enableMonitorStream": !auto},
                "enableAutoStart": auto,
                "enableAutoStop": auto,
            },
        })
    };
    let path = "liveBroadcasts?part=id,snippet,status,contentDetails";
    let auto = yt.post(path, Some(broadcast("Auto", true))).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let manual = yt.post(path, Some(broadcast("Manual", false))).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for b in [&auto, &manual] {
        yt.post(
            &format!("liveBroadcasts/bind?id={b}&part=id&streamId={sid}"),
            None,
        )
        .await;
    }
    let before = yt.stream(&sid).await;
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
        yt.stream(&sid).await,
        before,
        "a refused publish changed the stream"
    );
    assert_eq!(yt.broadcast_state(&auto).await, "ready");

    // the real thing: liveStreams.list shows it active and healthy, and the auto-start broadcast goes
    // through liveStarting to live by itself
    let mut encoder = Publisher::start(&nginx.publish_url(&key), 60);
    let (active, _, took) = until(
        Duration::from_secs(10),
        "stream active",
        || yt.stream(&sid),
        |s| s["streamStatus"] == "active",
    )
    .await;
    println!("publish → liveStreams.list active after {took:?}");
    assert_eq!(active["healthStatus"]["status"], "good");
    let (_, seen, took) = until(
        Duration::from_secs(10),
        "auto broadcast live",
        || async { Value::from(yt.broadcast_state(&auto).await) },
        |s| s == "live",
    )
    .await;
    println!("publish → auto-start broadcast live after {took:?}, states {seen:?}");

    // the manual broadcast: testing, live, a cuepoint, complete — all while ffmpeg publishes
    for (to, settled) in [("testing", "testing"), ("live", "live")] {
        yt.post(
            &format!("liveBroadcasts/transition?id={manual}&part=status&broadcastStatus={to}"),
            None,
        )
        .await;
        until(
            Duration::from_secs(10),
            settled,
            || async { Value::from(yt.broadcast_state(&manual).await) },
            |s| s == settled,
        )
        .await;
    }
    yt.post(
        &format!("liveBroadcasts/cuepoint?id={manual}"),
        Some(json!({"cueType": "cueTypeAd", "durationSecs": 30})),
    )
    .await;
    yt.post(
        &format!("liveBroadcasts/transition?id={manual}&part=status&broadcastStatus=complete"),
        None,
    )
    .await;
    assert_eq!(yt.broadcast_state(&manual).await, "complete");
    assert!(
        encoder.exit_within(Duration::ZERO).is_none(),
        "the encoder was dropped"
    );

    // healthStatus kept current: an encoder that stops sending (but stays connected) is noData
    encoder.pause();
    let (silent, _, took) = until(
        Duration::from_secs(10),
        "health noData",
        || yt.stream(&sid),
        |s| s["healthStatus"]["status"] == "noData",
    )
    .await;
    println!("encoder paused → health noData after {took:?}");
    assert_eq!(silent["streamStatus"], "active");

    // the encoder goes away: inactive, and after ONAIR_AUTO_STOP_SECONDS the auto-stop broadcast
    // completes by itself
    encoder.kill();
    let (inactive, _, took) = until(
        Duration::from_secs(10),
        "stream inactive",
        || yt.stream(&sid),
        |s| s["streamStatus"] == "inactive",
    )
    .await;
    println!("encoder gone → stream inactive after {took:?}");
    assert_eq!(inactive["healthStatus"]["status"], "noData");
    let (_, _, took) = until(
        Duration::from_secs(10),
        "auto broadcast complete",
        || async { Value::from(yt.broadcast_state(&auto).await) },
        |s| s == "complete",
    )
    .await;
    println!("stream inactive → auto-stop broadcast complete after {took:?} (ONAIR_AUTO_STOP_SECONDS=2)");
    assert!(
        took >= Duration::from_millis(1500),
        "completed before the auto-stop delay: {took:?}"
    );
    drop(nginx);
    server.stop().await;
}
