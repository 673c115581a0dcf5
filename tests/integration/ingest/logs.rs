//! The hook's secret (in its query string) and the stream key (in its body) never reach a log line:
//! the real `onair-local` binary, logging JSON as on Lambda at the most verbose level, serves every
//! kind of hook call, and its whole log is searched. (A separate process, so no other test's logging
//! can hide a line.)

use crate::steps::world::World;
use crate::support::{self, local_binary, unique};
use onair_app::{AdminAuth, OAuthSettings, Settings};
use onair_domain::{ChannelId, FixedClock, SecretString, SequenceGenerator, UserId};
use onair_platform::wiring::dynamo_state;
use onair_store::dynamo::DynamoStores;
use onair_store::secrets::memory::MemorySecretStore;
use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

crate::support::on_backend!(dynamodb: the_hook_logs_neither_the_secret_nor_the_stream_key);

const SECRET: &str = "log-test-secret-5b8e1f0c2a9d";
const KEY: &str = "log-test-key-c41d9e7a03f6";

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn the_hook_logs_neither_the_secret_nor_the_stream_key() {
    let (registrations, tokens) = (unique("log-registrations"), unique("log-tokens"));
    let demo_file = std::env::temp_dir().join(format!("{}.json", unique("onair-log-demo")));
    let log_file = std::env::temp_dir().join(format!("{}.log", unique("onair-log")));
    let server = Running(
        Command::new(local_binary())
            .env("ONAIR_LISTEN", "127.0.0.1:0")
            .env("ONAIR_DEMO_FILE", &demo_file)
            .env("ONAIR_REGISTRATIONS_TABLE", &registrations)
            .env("ONAIR_TOKENS_TABLE", &tokens)
            .env("ONAIR_SECRET_PREFIX", format!("{}/", unique("log")))
            .env("ONAIR_INGEST_SECRET", SECRET)
            .env("ONAIR_LOG_FORMAT", "json")
            .env("RUST_LOG", "trace")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log_file).unwrap())
            .spawn()
            .expect("start onair-local"),
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let demo: Value = loop {
        if let Ok(bytes) = std::fs::read(&demo_file)
            && let Ok(demo) = serde_json::from_slice::<Value>(&bytes)
        {
            break demo;
        }
        assert!(Instant::now() < deadline, "onair-local wrote no demo file");
        std::thread::sleep(Duration::from_millis(50));
    };
    // a stream with KEY in the server's tables, bound to an auto-start broadcast
    let stores = DynamoStores::new(
        aws_sdk_dynamodb::Client::new(&support::sdk_config().await),
        registrations,
        tokens,
    );
    let clock = Arc::new(FixedClock::at(support::T0));
    let settings = Arc::new(Settings {
        admin_auth: AdminAuth::Token(SecretString::new(support::ADMIN_TOKEN)),
        secret_overlap: time::Duration::hours(1),
        oauth: OAuthSettings::default(),
        lifecycle: Default::default(),
    });
    let state = dynamo_state(
        &stores,
        Arc::new(MemorySecretStore::new(clock.clone())),
        clock,
        Arc::new(SequenceGenerator::default()),
        settings,
    );
    let w = World::over(
        state,
        UserId::parse(demo["user_id"].as_str().unwrap()).unwrap(),
        ChannelId::parse(demo["channel_ids"][0].as_str().unwrap()).unwrap(),
    );
    let s = w.stream(KEY).await;
    let b = w.broadcast(|d| d.enable_auto_start = true).await;
    w.bind(&b, &s).await;

    let base = demo["base_url"].as_str().unwrap();
    let http = reqwest::Client::new();
    let form = |call: &str, name: &str| {
        format!("app=live&addr=127.0.0.1&clientid=1&call={call}&name={name}&type=live&time=9&timestamp=10")
    };
    let mut statuses = Vec::new();
    for (token, body) in [
        (SECRET, form("publish", KEY)),
        (SECRET, form("update_publish", KEY)),
        (SECRET, form("publish_done", KEY)),
        (SECRET, form("publish", "log-test-unknown-77aa")),
        (SECRET, form("bogus", KEY)),
        ("log-test-wrong-secret-90ab", form("publish", KEY)),
    ] {
        let reply = http
            .post(format!("{base}/ingest/nginx-rtmp?token={token}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        statuses.push(reply.status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 404, 400, 403]);
    // let the stream-changed steps the publish and the stop planned run and log too
    tokio::time::sleep(Duration::from_millis(500)).await;
    drop(server);
    let logs = std::fs::read_to_string(&log_file).unwrap();
    let _ = std::fs::remove_file(&log_file);
    let _ = std::fs::remove_file(&demo_file);
    let hook_lines = logs.lines().filter(|l| l.contains("/ingest/nginx-rtmp")).count();
    assert!(
        hook_lines >= 6,
        "the log has the hook's requests ({hook_lines} lines)"
    );
    assert!(
        logs.contains("stream change handled"),
        "the steps' lines are in the log too"
    );
    for secret in [
        SECRET,
        "log-test-wrong-secret-90ab",
        KEY,
        "log-test-unknown-77aa",
        "token=",
    ] {
        let leaks: Vec<&str> = logs.lines().filter(|l| l.contains(secret)).take(3).collect();
        assert!(leaks.is_empty(), "{secret} reached the log: {leaks:#?}");
    }
}
