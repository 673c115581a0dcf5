//! Google's own client, built from the `youtube.v3.json` discovery document that ships with
//! google-api-python-client, against the local server with its API endpoint set to onair's base URL
//! (`tests/python/youtube_client.py`), on both stores.

use crate::support::{self, Backend, unique};
use onair_domain::{RandomGenerator, SystemClock};
use onair_platform::config::{Config, Host};
use onair_platform::local;
use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

crate::support::on_both_backends!(googles_discovery_client_works_unmodified_against_onair);

async fn googles_discovery_client_works_unmodified_against_onair(backend: Backend) {
    let mut vars: HashMap<String, String> = HashMap::from([("ONAIR_LISTEN".into(), "127.0.0.1:0".into())]);
    if backend == Backend::Aws {
        vars.insert("AWS_ENDPOINT_URL".into(), support::moto_endpoint());
        vars.insert("ONAIR_REGISTRATIONS_TABLE".into(), unique("yt-e2e-registrations"));
        vars.insert("ONAIR_TOKENS_TABLE".into(), unique("yt-e2e-tokens"));
        vars.insert("ONAIR_SECRET_PREFIX".into(), format!("{}/", unique("yt-e2e")));
    }
    let config = Config::from_vars(Host::Local, &vars).unwrap();
    let server = local::start(&config, Arc::new(SystemClock), Arc::new(RandomGenerator))
        .await
        .unwrap();
    let demo = server.demo.clone().expect("an empty store seeds the demo");
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let python = root.join("../.venv/bin/python");
    let script = root.join("python/youtube_client.py");
    let mut command = Command::new(&python);
    command
        .arg(&script)
        .arg(server.base_url())
        .env("AUTHLIB_INSECURE_TRANSPORT", "1")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("ONAIR_E2E_CLIENT_ID", &demo.client_id)
        .env("ONAIR_E2E_CLIENT_SECRET", &demo.client_secret)
        .env("ONAIR_E2E_REDIRECT_URI", &demo.redirect_uri)
        .env("ONAIR_E2E_USERNAME", &demo.username)
        .env("ONAIR_E2E_PASSWORD", &demo.password)
        .env("ONAIR_E2E_CHANNEL_ID", &demo.channel_ids[0]);
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{} failed ({}):\n{stdout}\n{stderr}",
        script.display(),
        output.status
    );
    let checks: usize = stdout
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("ok: ")?.strip_suffix(" checks")?.parse().ok())
        .unwrap_or_else(|| panic!("the script reports `ok: N checks`:\n{stdout}"));
    assert!(
        checks >= 30,
        "the script ran all its checks, not {checks}:\n{stdout}"
    );
    server.stop().await;
}
