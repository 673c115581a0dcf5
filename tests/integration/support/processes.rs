//! Processes the tests start: the `onair-local` binary the test command built, and moto servers of a
//! test's own that it can stop and restart to stage an outage.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The `onair-local` binary the test command built.
#[allow(clippy::disallowed_methods)] // handed over by the test command
pub fn local_binary() -> PathBuf {
    let path = std::env::var("ONAIR_LOCAL_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/debug/onair-local"));
    assert!(
        path.exists(),
        "{} is missing; run the tests with infra/test",
        path.display()
    );
    path
}

/// A moto server process of this test; killed when dropped, also when an assertion failed.
pub struct Moto {
    child: Option<Child>,
    port: u16,
}

impl Moto {
    fn binary() -> PathBuf {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/moto_server");
        assert!(
            path.exists(),
            "{} does not exist; run the tests with infra/test, which installs moto",
            path.display()
        );
        path
    }

    /// Starts moto on a free port.
    pub async fn start() -> Moto {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut moto = Moto { child: None, port };
        moto.restart().await;
        moto
    }

    /// (Re)starts moto on this server's port and waits until it answers.
    pub async fn restart(&mut self) {
        assert!(self.child.is_none(), "moto is already running");
        let child = Command::new(Self::binary())
            .args(["-H", "127.0.0.1", "-p", &self.port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        self.child = Some(child);
        let probe = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("moto_server on port {} exited at start: {status}", self.port);
            }
            let answered = probe
                .get(format!("{}/moto-api/", self.endpoint()))
                .timeout(Duration::from_millis(500))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if answered {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "moto_server on port {} did not answer within 10 s",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Kills the process; the port stays reserved in `self` for a restart.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Runs a Python `unittest` script of `tests/python/` against the real local binary on `backend`
/// (`SCRIPT LOCAL_BINARY {embedded|dynamodb}`, moto's endpoint in the environment for the latter) and
/// asserts it passed and ran all `tests` of its test methods (the script's last summary line is
/// `N run, 0 failed`), so a test that silently stopped running is a failure too.
pub async fn run_unittest_script(script: &str, backend: super::Backend, tests: usize) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut command = Command::new(root.join(".venv/bin/python"));
    command
        .arg(root.join("tests/python").join(script))
        .arg(local_binary())
        .env("NO_PROXY", "127.0.0.1,localhost");
    match backend {
        super::Backend::Aws => {
            command
                .arg("dynamodb")
                .env("AWS_ENDPOINT_URL", super::moto_endpoint());
        }
        super::Backend::Embedded => {
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
        "{script} failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    let expected = format!("{tests} run, 0 failed");
    assert!(
        stdout.lines().any(|l| l.ends_with(&expected)),
        "{script} ran all {tests} of its tests:\n{stdout}\n{stderr}"
    );
}
