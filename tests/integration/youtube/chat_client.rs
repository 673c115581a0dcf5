//! YouTube's live chat for viewers driven by Google's own client library: the real `onair-local`
//! binary on each store and `googleapiclient` built from the shipped `youtube.v3.json`
//! (`tests/python/chat_client.py`). Users created through the admin API sign in through the login
//! page, insert, list (with the client's own `list_next`) and delete messages, ban and unban through
//! `liveChatBans`, manage `liveChatModerators`, and see the error reasons through `HttpError`.

use crate::support::{self, Backend, local_binary};
use std::path::PathBuf;
use std::process::Command;

crate::support::on_both_backends!(googles_client_reads_posts_and_moderates_a_viewers_chat);

/// The script's test methods; each must run and pass.
const SCRIPT_TESTS: usize = 4;

async fn googles_client_reads_posts_and_moderates_a_viewers_chat(backend: Backend) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut command = Command::new(root.join(".venv/bin/python"));
    command
        .arg(root.join("tests/python/chat_client.py"))
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
        "chat_client.py failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    let expected = format!("{SCRIPT_TESTS} run, 0 failed");
    assert!(
        stdout.lines().any(|l| l.ends_with(&expected)),
        "the script ran all {SCRIPT_TESTS} of its tests:\n{stdout}\n{stderr}"
    );
}
