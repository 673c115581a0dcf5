//! The login page (`GET`/`POST /oauth/authorize`) in a real browser: Debian's headless Chromium, driven
//! by playwright-core from `tests/browser/login.mjs`.
//!
//! The local server runs in-process on the embedded store and a free port; the test adds a second user
//! for the lockout scenario (lockout is per account), writes the parameters to a JSON file and runs the
//! script, which prints `ok <scenario>` per passed scenario and exits non-zero on the first failure. A
//! phone-sized screenshot of the page is left in `target/browser/login.png`. Chromium and the script's
//! `node_modules` come from `infra/scripts/browser-tools.sh`, which the test command runs; without them
//! the test fails — it never skips.

use crate::support::{self, unique};
use onair_domain::{FixedClock, RandomGenerator};
use onair_platform::config::{Config, Host};
use onair_platform::local;
use reqwest::StatusCode;
use serde_json::json;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Debian's Chromium, installed by `infra/scripts/browser-tools.sh`.
const CHROMIUM: &str = "/usr/bin/chromium";

/// Every scenario of `login.mjs`, in the order it runs them.
const SCENARIOS: &[&str] = &[
    "login",
    "enter-key",
    "wrong-password",
    "lockout",
    "localised",
    "cancel",
    "no-javascript",
    "frame-ancestors",
];

/// How long the whole script may take (it needs about ten seconds).
const DEADLINE: Duration = Duration::from_secs(180);

fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let root = manifest.parent().unwrap_or(&manifest);
    root.canonicalize().unwrap_or_else(|_| root.to_path_buf())
}

#[tokio::test]
async fn login_page_works_in_a_real_browser() {
    let root = workspace_root();
    let browser_dir = root.join("tests/browser");
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing; run the tests with infra/test (infra/scripts/browser-tools.sh installs it)"
    );
    assert!(
        browser_dir.join("node_modules/playwright-core").is_dir(),
        "{}/node_modules is missing; run the tests with infra/test (infra/scripts/browser-tools.sh runs npm ci)",
        browser_dir.display()
    );

    let vars = HashMap::from([("ONAIR_LISTEN".to_owned(), "127.0.0.1:0".to_owned())]);
    let config = Config::from_vars(Host::Local, &vars).unwrap();
    let clock = Arc::new(FixedClock::at(support::T0));
    let server = local::start(&config, clock, Arc::new(RandomGenerator))
        .await
        .unwrap();
    let demo = server.demo.clone().expect("the empty embedded store gets a demo");

    // A second account for the lockout scenario, so locking it leaves the demo user alone.
    let (lock_login, lock_password) = ("lockout-probe", "lockout probe password");
    let created = reqwest::Client::new()
        .post(format!("{}/admin/users", demo.base_url))
        .bearer_auth(&demo.admin_token)
        .json(&json!({"login": lock_login, "password": lock_password, "userName": "Lockout Probe"}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED, "creating the lockout user");

    let scratch = std::env::temp_dir().join(unique("onair-browser"));
    std::fs::create_dir_all(&scratch).unwrap();
    let params = scratch.join("params.json");
    let screenshot = root.join("target/browser/login.png");
    let body = json!({
        "baseUrl": demo.base_url,
        "clientId": demo.client_id,
        "redirectUri": demo.redirect_uri,
        "username": demo.username,
        "password": demo.password,
        "lockLogin": lock_login,
        "lockPassword": lock_password,
        "chromium": CHROMIUM,
        "screenshot": screenshot,
    });
    std::fs::write(&params, serde_json::to_vec_pretty(&body).unwrap()).unwrap();

    // The script's output goes to files (nothing to drain while it runs); the runtime keeps serving the
    // browser's requests while this task polls the child.
    let (out_path, err_path) = (scratch.join("stdout.txt"), scratch.join("stderr.txt"));
    let mut child = Command::new("node")
        .arg(browser_dir.join("login.mjs"))
        .arg(&params)
        .current_dir(&root)
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("start node (Node.js must be installed)");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "tests/browser/login.mjs did not finish within {DEADLINE:?}; output so far:\n{}\n{}",
                std::fs::read_to_string(&out_path).unwrap_or_default(),
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    server.stop().await;
    let _ = std::fs::remove_dir_all(&scratch);
    eprintln!(
        "login.mjs ({:.1} s):\n{stdout}{stderr}",
        started.elapsed().as_secs_f64()
    );

    assert!(
        status.success(),
        "tests/browser/login.mjs failed ({status}):\n{stdout}{stderr}"
    );
    let passed: Vec<&str> = stdout.lines().filter_map(|l| l.strip_prefix("ok ")).collect();
    for scenario in SCENARIOS {
        assert!(
            passed.contains(scenario),
            "scenario {scenario} did not report success:\n{stdout}{stderr}"
        );
    }
}
