//! The guide's stages 1, 3, 4 and 5 end to end, driven by Google's own client library: the real
//! `onair-local` binary on each store, a real nginx-rtmp started through `infra/ingest/run`, a real
//! ffmpeg publishing a test pattern, and `googleapiclient` built from the shipped `youtube.v3.json`
//! (`tests/python/lifecycle_e2e.py`): streams turning active from the ingest hooks, transitions through
//! `testStarting`/`liveStarting` settling by themselves, a cuepoint, completion, the error reasons in
//! Google's envelope, auto start and auto stop with a shortened `ONAIR_AUTO_STOP_SECONDS`, a re-publish
//! inside the auto-stop window, paging with the client's own `list_next`, read-only scopes, the
//! extension fields and the delete rules.

use crate::support::{self, Backend, local_binary};
use std::path::PathBuf;
use std::process::Command;

crate::support::on_both_backends!(the_guides_stages_run_end_to_end_with_googles_client_and_a_real_encoder);

/// The script's test methods; each must run and pass.
const SCRIPT_TESTS: usize = 8;

async fn the_guides_stages_run_end_to_end_with_googles_client_and_a_real_encoder(backend: Backend) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut command = Command::new(root.join(".venv/bin/python"));
    command
        .arg(root.join("tests/python/lifecycle_e2e.py"))
        .arg(local_binary())
        .env("NO_PROXY", "127.0.0.1,localhost");
    match backend {
        Backend::Aws => {
            command
                .arg("dynamodb")
                .env("AWS_ENDPOINT_URL", support::moto_endpoint());
        }
        Backend::Embedded => {
            command.arg("embedded");
        }
    }
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .unwrap()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "lifecycle_e2e.py failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    let expected = format!("{SCRIPT_TESTS} run, 0 failed");
    assert!(
        stdout.lines().any(|l| l.ends_with(&expected)),
        "the script ran all {SCRIPT_TESTS} of its tests:\n{stdout}\n{stderr}"
    );
}
