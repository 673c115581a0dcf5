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
