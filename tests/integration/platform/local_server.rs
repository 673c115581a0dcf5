//! End-to-end over HTTP against the local server, on both stores.
//!
//! The first tests run the real `onair-local` binary (README's first command) and use only what it
//! prints into `ONAIR_DEMO_FILE`; the others start the same server in-process so they can read the
//! DynamoDB round-trip counter while driving the admin API with a real HTTP client.

use crate::support::local_binary;
use crate::support::{self, unique};
use onair_domain::{FixedClock, RandomGenerator};
use onair_platform::config::{Config, Host};
use onair_platform::local;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary with `env` and waits for its demo file.
fn run_binary(env: &[(&str, String)], aws: bool) -> (Running, Value) {
    let demo_file = std::env::temp_dir().join(format!("{}.json", unique("onair-demo")));
    let mut cmd = Command::new(local_binary());
    cmd.env("ONAIR_LISTEN", "127.0.0.1:0")
        .env("ONAIR_DEMO_FILE", &demo_file)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if !aws {
        for var in [
            "AWS_ENDPOINT_URL",
            "AWS_ENDPOINT_URL_DYNAMODB",
            "AWS_ENDPOINT_URL_SECRETS_MANAGER",
        ] {
            cmd.env_remove(var);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = Running(cmd.spawn().expect("start onair-local"));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(bytes) = std::fs::read(&demo_file)
            && let Ok(demo) = serde_json::from_slice::<Value>(&bytes)
        {
            let _ = std::fs::remove_file(&demo_file);
            return (child, demo);
        }
        assert!(
            Instant::now() < deadline,
            "onair-local did not write its demo file within 30 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

async fn demo_works(demo: &Value) {
    for key in [
        "base_url",
        "client_id",
        "client_secret",
        "redirect_uri",
        "username",
        "password",
        "user_id",
        "admin_token",
    ] {
        assert!(
            demo[key].as_str().is_some_and(|v| !v.is_empty()),
            "demo file lacks {key}: {demo}"
        );
    }
    let base = demo["base_url"].as_str().unwrap();
    assert!(
        base.starts_with("http://127.0.0.1:") && !base.ends_with(":0"),
        "base_url names the chosen port: {base}"
    );
    let http = Client::new();
    let token = demo["admin_token"].as_str().unwrap();
    let user = demo["user_id"].as_str().unwrap();
    let reply: Value = http
        .get(format!("{base}/admin/users/{user}/channels"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = reply["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["channelId"].as_str().unwrap())
        .collect();
    let mut expected: Vec<&str> = demo["channel_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    expected.sort();
    assert_eq!(sorted, expected);
    let enabled: Vec<bool> = reply["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["channelEnabled"].as_bool().unwrap())
        .collect();
    assert!(
        enabled.contains(&true) && enabled.contains(&false),
        "one enabled and one disabled channel"
    );
    let client = http
        .get(format!(
            "{base}/admin/clients/{}",
            demo["client_id"].as_str().unwrap()
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(client.status(), StatusCode::OK);
    let unauthorised = http.get(format!("{base}/admin/clients")).send().await.unwrap();
    assert_eq!(unauthorised.status(), StatusCode::UNAUTHORIZED);
}

async fn local_binary_seeds_a_working_demo_on_embedded() {
    let (_server, demo) = run_binary(&[], false);
    demo_works(&demo).await;
}

async fn local_binary_seeds_a_working_demo_on_dynamodb() {
    support::moto_endpoint();
    let env = [
        ("ONAIR_REGISTRATIONS_TABLE", unique("bin-registrations")),
        ("ONAIR_TOKENS_TABLE", unique("bin-tokens")),
        ("ONAIR_SECRET_PREFIX", format!("{}/", unique("bin"))),
    ];
    let (_server, demo) = run_binary(&env, true);
    demo_works(&demo).await;
    // The registrations really are in DynamoDB: a second server on the same tables sees a non-empty
    // store, seeds nothing, and serves the first one's data.
    let stores = onair_store::dynamo::DynamoStores::new(
        aws_sdk_dynamodb::Client::new(&support::sdk_config().await),
        env[0].1.clone(),
        env[1].1.clone(),
    );
    let user = onair_domain::UserId::parse(demo["user_id"].as_str().unwrap()).unwrap();
    let owned = onair_store::UserStore::get(&stores.users(), &user).await.unwrap();
    assert_eq!(owned.login, "demo");
}

/// A local server in-process on the chosen store, with a fixed clock.
async fn start(aws: bool) -> local::LocalServer {
    let mut vars: HashMap<String, String> = HashMap::from([("ONAIR_LISTEN".into(), "127.0.0.1:0".into())]);
    if aws {
        vars.insert("AWS_ENDPOINT_URL".into(), support::moto_endpoint());
        vars.insert("ONAIR_REGISTRATIONS_TABLE".into(), unique("e2e-registrations"));
        vars.insert("ONAIR_TOKENS_TABLE".into(), unique("e2e-tokens"));
        vars.insert("ONAIR_SECRET_PREFIX".into(), format!("{}/", unique("e2e")));
    }
    let config = Config::from_vars(Host::Local, &vars).unwrap();
    let clock = Arc::new(FixedClock::at(support::T0));
    local::start(&config, clock, Arc::new(RandomGenerator))
        .await
        .unwrap()
}

/// Drives every admin operation over HTTP; on DynamoDB also checks each one's round trips.
async fn admin_flow(aws: bool) {
    let server = start(aws).await;
    let base = server.base_url();
    let token = server.admin_token.expose().to_owned();
    let http = Client::new();
    let counter = server.wiring.dynamodb_round_trips.clone();
    assert_eq!(
        counter.is_some(),
        aws,
        "the server runs on the store the test asked for"
    );
    let mut trips: Vec<(&str, u64)> = Vec::new();
    macro_rules! op {
        ($label:literal, $method:ident, $path:expr, $body:expr, $status:expr) => {{
            if let Some(c) = &counter {
                c.reset();
            }
            let mut req = http.$method(format!("{base}{}", $path)).bearer_auth(&token);
            let body: Option<Value> = $body;
            if let Some(b) = body {
                req = req.json(&b);
            }
            let resp = req.send().await.unwrap();
            assert_eq!(resp.status(), $status, "{}", $label);
            if let Some(c) = &counter {
                trips.push(($label, c.get()));
            }
            resp.json::<Value>().await.unwrap_or(Value::Null)
        }};
    }
    let client = op!(
        "client create",
        post,
        "/admin/clients",
        Some(
            json!({"name": "PRISM", "redirectUris": ["https://global.apis.naver.com/prism/prism-auth-api/oauth/partner/9"]})
        ),
        StatusCode::CREATED
    );
    let cid = client["clientId"].as_str().unwrap().to_owned();
    op!(
        "client get",
        get,
        format!("/admin/clients/{cid}"),
        None,
        StatusCode::OK
    );
    op!(
        "client list",
        get,
        "/admin/clients?limit=10",
        None,
        StatusCode::OK
    );
    op!(
        "client update",
        patch,
        format!("/admin/clients/{cid}"),
        Some(json!({"redirectUris": ["https://a.example/cb", "http://127.0.0.1:9/cb"]})),
        StatusCode::OK
    );
    let rotated = op!(
        "client rotate",
        post,
        format!("/admin/clients/{cid}/rotate-secret"),
        None,
        StatusCode::OK
    );
    assert_ne!(rotated["clientSecret"], client["clientSecret"]);
    let user = op!(
        "user create",
        post,
        "/admin/users",
        Some(json!({"login": "streamer", "password": "long enough pw", "userName": "Streamer"})),
        StatusCode::CREATED
    );
    let uid = user["userId"].as_str().unwrap().to_owned();
    op!(
        "user get",
        get,
        format!("/admin/users/{uid}"),
        None,
        StatusCode::OK
    );
    op!(
        "user disable",
        patch,
        format!("/admin/users/{uid}"),
        Some(json!({"disabled": true})),
        StatusCode::OK
    );
    let channel = op!(
        "channel create",
        post,
        format!("/admin/users/{uid}/channels"),
        Some(json!({"channelName": "Main", "channelLink": "https://tv.example/main"})),
        StatusCode::CREATED
    );
    let chid = channel["channelId"].as_str().unwrap().to_owned();
    op!(
        "channel get",
        get,
        format!("/admin/users/{uid}/channels/{chid}"),
        None,
        StatusCode::OK
    );
    op!(
        "channel list",
        get,
        format!("/admin/users/{uid}/channels"),
        None,
        StatusCode::OK
    );
    op!(
        "channel update",
        patch,
        format!("/admin/users/{uid}/channels/{chid}"),
        Some(json!({"channelEnabled": false})),
        StatusCode::OK
    );
    op!(
        "user delete",
        delete,
        format!("/admin/users/{uid}"),
        None,
        StatusCode::NO_CONTENT
    );
    op!(
        "channel get after owner delete",
        get,
        format!("/admin/users/{uid}/channels/{chid}"),
        None,
        StatusCode::NOT_FOUND
    );
    op!(
        "client delete",
        delete,
        format!("/admin/clients/{cid}"),
        None,
        StatusCode::NO_CONTENT
    );
    op!(
        "client get after delete",
        get,
        format!("/admin/clients/{cid}"),
        None,
        StatusCode::NOT_FOUND
    );
    if aws {
        println!("DynamoDB round trips per admin operation: {trips:?}");
        let budget = |label: &str| match label {
            // read-modify-write: one read, one conditional write
            "client update" | "client rotate" | "client delete" => 2,
            // the same, then a disable looks for what is on air to end it: the lives of the channel
            // (of each of the user's channels, listed first), then the owner's broadcasts (one page)
            "channel update" => 4,
            "user disable" => 4,
            // query the partition, then one transaction
            "user delete" => 2,
            _ => 1,
        };
        for (label, n) in &trips {
            assert!(
                *n <= budget(label),
                "{label} took {n} DynamoDB round trips (budget {})",
                budget(label)
            );
        }
    }
    server.stop().await;
}

async fn admin_flow_over_http_on_embedded() {
    admin_flow(false).await;
}

async fn admin_flow_over_http_within_round_trip_budgets_on_dynamodb() {
    admin_flow(true).await;
}

mod embedded {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn local_binary_seeds_a_working_demo() {
        super::local_binary_seeds_a_working_demo_on_embedded().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn admin_flow_over_http() {
        super::admin_flow_over_http_on_embedded().await;
    }
}

mod dynamodb {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn local_binary_seeds_a_working_demo() {
        super::local_binary_seeds_a_working_demo_on_dynamodb().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn admin_flow_over_http_within_round_trip_budgets() {
        super::admin_flow_over_http_within_round_trip_budgets_on_dynamodb().await;
    }
}
