//! Stream keys are secrets: after a full round of stream and broadcast calls against the real
//! `onair-local` binary at debug level (DynamoDB, Lambda's JSON log format), no log line carries a
//! stream key or the access token. Runs on DynamoDB only: there the test can seed the signing key and
//! mint the token itself.

use super::{broadcast_body, stream_body};
use crate::support::{self, local_binary, unique};
use onair_domain::SecretString;
use onair_domain::oauth::jwt::{Claims, KeySet, SigningKey, sign};
use onair_store::SecretStore;
use onair_store::secrets::manager::SecretsManagerStore;
use serde_json::{Value, json};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

crate::support::on_backend!(dynamodb: stream_keys_never_reach_the_logs_of_the_real_binary);

struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn stream_keys_never_reach_the_logs_of_the_real_binary() {
    let dir = std::env::temp_dir();
    let demo_file = dir.join(format!("{}.json", unique("yt-logs-demo")));
    let log_file = dir.join(format!("{}.log", unique("yt-logs")));
    let prefix = format!("{}/", unique("yt-logs"));
    let signing_key = format!("{}-signing-key-0123456789abcdef", unique("yt"));
    let secrets = aws_sdk_secretsmanager::Client::new(&support::sdk_config().await);
    let clock: std::sync::Arc<dyn onair_domain::Clock> = std::sync::Arc::new(onair_domain::SystemClock);
    SecretsManagerStore::new(secrets, &prefix, time::Duration::minutes(5), clock)
        .create("signing-key", &SecretString::new(signing_key.clone()))
        .await
        .expect("seed the signing key");
    let mut cmd = Command::new(local_binary());
    cmd.env("ONAIR_LISTEN", "127.0.0.1:0")
        .env("ONAIR_DEMO_FILE", &demo_file)
        .env("RUST_LOG", "debug")
        .env("AWS_ENDPOINT_URL", support::moto_endpoint())
        .env("ONAIR_REGISTRATIONS_TABLE", unique("yt-logs-registrations"))
        .env("ONAIR_TOKENS_TABLE", unique("yt-logs-tokens"))
        .env("ONAIR_SECRET_PREFIX", &prefix)
        .env("ONAIR_LOG_FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(Stdio::from(std::fs::File::create(&log_file).unwrap()));
    let process = Running(cmd.spawn().expect("start onair-local"));
    let deadline = Instant::now() + Duration::from_secs(60);
    let demo: Value = loop {
        if let Ok(bytes) = std::fs::read(&demo_file)
            && let Ok(demo) = serde_json::from_slice::<Value>(&bytes)
        {
            let _ = std::fs::remove_file(&demo_file);
            break demo;
        }
        assert!(
            Instant::now() < deadline,
            "onair-local did not write its demo file"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let base = demo["base_url"].as_str().unwrap().to_owned();
    let now = onair_domain::Clock::now(&onair_domain::SystemClock).unix_timestamp();
    let claims = Claims {
        iss: base.clone(),
        sub: demo["user_id"].as_str().unwrap().to_owned(),
        aud: "onair".into(),
        client_id: demo["client_id"].as_str().unwrap().to_owned(),
        iat: now,
        exp: now + 600,
        jti: unique("jti"),
        scope: Some("https://www.googleapis.com/auth/youtube".into()),
        fam: unique("fam"),
    };
    let keys = KeySet {
        current: SigningKey::new(signing_key.as_bytes()),
        previous: None,
    };
    let token = sign(&keys, &claims).unwrap();
    let http = reqwest::Client::new();
    let call = |method: reqwest::Method, path: String, body: Option<Value>| {
        let (http, base, token) = (http.clone(), base.clone(), token.clone());
        async move {
            let mut request = http.request(method, format!("{base}{path}")).bearer_auth(token);
            if let Some(body) = body {
                request = request.json(&body);
            }
            let reply = request.send().await.unwrap();
            let status = reply.status().as_u16();
            let body: Value = reply.json().await.unwrap_or(Value::Null);
            (status, body)
        }
    };
    let (status, stream) = call(
        reqwest::Method::POST,
        "/youtube/v3/liveStreams?part=snippet,cdn,contentDetails".into(),
        Some(stream_body("cam", true)),
    )
    .await;
    assert_eq!(status, 200, "{stream}");
    let s = stream["id"].as_str().unwrap().to_owned();
    let key = stream["cdn"]["ingestionInfo"]["streamName"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(key.len() >= 22);
    let (status, listed) = call(
        reqwest::Method::GET,
        format!("/youtube/v3/liveStreams?part=cdn&id={s}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        listed["items"][0]["cdn"]["ingestionInfo"]["streamName"],
        json!(key)
    );
    // an update that echoes the key with a changed cdn is refused
    let (status, _) = call(
        reqwest::Method::PUT,
        "/youtube/v3/liveStreams?part=snippet,cdn".into(),
        Some(json!({"id": s, "snippet": {"title": "cam"}, "cdn": {"ingestionType": "rtmp", "resolution": "720p", "frameRate": "30fps", "ingestionInfo": {"streamName": key}}})),
    )
    .await;
    assert_eq!(status, 403);
    let start = (onair_domain::Clock::now(&onair_domain::SystemClock) + time::Duration::days(1))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let mut body = broadcast_body("show", true);
    body["snippet"]["scheduledStartTime"] = json!(start);
    let (status, b) = call(
        reqwest::Method::POST,
        "/youtube/v3/liveBroadcasts?part=snippet,status,contentDetails".into(),
        Some(body),
    )
    .await;
    assert_eq!(status, 200, "{b}");
    let b = b["id"].as_str().unwrap().to_owned();
    let bind = format!("/youtube/v3/liveBroadcasts/bind?id={b}&part=id&streamId={s}");
    assert_eq!(call(reqwest::Method::POST, bind, None).await.0, 200);
    let transition = format!("/youtube/v3/liveBroadcasts/transition?id={b}&part=id&broadcastStatus=testing");
    assert_eq!(
        call(reqwest::Method::POST, transition, None).await.0,
        403,
        "errorStreamInactive"
    );
    let delete_stream = format!("/youtube/v3/liveStreams?id={s}");
    assert_eq!(
        call(reqwest::Method::DELETE, delete_stream.clone(), None).await.0,
        403,
        "still bound"
    );
    let delete_broadcast = format!("/youtube/v3/liveBroadcasts?id={b}");
    assert_eq!(call(reqwest::Method::DELETE, delete_broadcast, None).await.0, 204);
    assert_eq!(call(reqwest::Method::DELETE, delete_stream, None).await.0, 204);
    drop(process);

    let log = std::fs::read_to_string(&log_file).unwrap();
    let _ = std::fs::remove_file(&log_file);
    let requests = log.lines().filter(|l| l.contains("/youtube/v3/")).count();
    assert!(requests >= 9, "the youtube requests are logged:\n{log}");
    assert!(!log.contains(&key), "a stream key reached the log");
    assert!(!log.contains(&token), "the access token reached the log");
    assert!(!log.contains(&signing_key), "the signing key reached the log");
}
