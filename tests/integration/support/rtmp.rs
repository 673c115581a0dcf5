//! Real RTMP for the ingest tests: nginx-rtmp started on a free port with the config `infra/ingest/run
//! --print-config` renders (so the tested config is the shipped one), hooks pointed at a URL; and
//! ffmpeg publishing a generated test pattern. Both are killed when dropped, also when a test fails.
//! The test command installs nginx, libnginx-mod-rtmp and ffmpeg (`infra/ingest/run --install-only`).

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running nginx-rtmp.
pub struct Nginx {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl Nginx {
    /// Starts nginx-rtmp on a free port with its hooks at `base_url` and `secret` in the hook URL;
    /// `on_update` every `update_seconds`.
    pub fn start(base_url: &str, secret: &str, update_seconds: u32) -> Nginx {
        let port = free_port();
        let dir = std::env::temp_dir().join(crate::support::unique("onair-rtmp"));
        std::fs::create_dir_all(&dir).unwrap();
        let rendered = Command::new(repo().join("infra/ingest/run"))
            .arg("--print-config")
            .env("ONAIR_BASE_URL", base_url)
            .env("ONAIR_INGEST_SECRET", secret)
            .env("ONAIR_RTMP_LISTEN", format!("127.0.0.1:{port}"))
            .env("ONAIR_RTMP_DIR", &dir)
            .env("ONAIR_RTMP_UPDATE_SECONDS", update_seconds.to_string())
            .output()
            .expect("run infra/ingest/run --print-config");
        assert!(
            rendered.status.success(),
            "infra/ingest/run --print-config failed: {}",
            String::from_utf8_lossy(&rendered.stderr)
        );
        let conf = dir.join("nginx.conf");
        std::fs::write(&conf, &rendered.stdout).unwrap();
        let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .expect(
                "nginx is not installed; run the tests with infra/test (infra/ingest/run --install-only)",
            );
        let child = Command::new(nginx)
            .arg("-c")
            .arg(&conf)
            .arg("-p")
            .arg(&dir)
            .arg("-e")
            .arg(dir.join("error.log"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx");
        let mut nginx = Nginx { child, dir, port };
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = nginx.child.try_wait().unwrap() {
                panic!("nginx exited at start ({status}): {}", nginx.error_log());
            }
            assert!(Instant::now() < deadline, "nginx did not listen within 10 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        nginx
    }

    /// `rtmp://127.0.0.1:<port>/live/<key>`.
    pub fn publish_url(&self, key: &str) -> String {
        format!("rtmp://127.0.0.1:{}/live/{key}", self.port)
    }

    /// nginx's error log so far.
    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// An ffmpeg publishing a 320×240 test pattern with a tone, paced in real time, like an encoder.
pub struct Publisher {
    child: Child,
}

impl Publisher {
    /// Starts publishing to `url` for at most `seconds`.
    pub fn start(url: &str, seconds: u32) -> Publisher {
        let child = Command::new("ffmpeg")
            .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-re"])
            .args(["-f", "lavfi", "-i", "testsrc=size=320x240:rate=15"])
            .args(["-f", "lavfi", "-i", "sine=frequency=440"])
            .args(["-t", &seconds.to_string()])
            .args([
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-tune",
                "zerolatency",
                "-g",
                "30",
            ])
            .args(["-c:a", "aac", "-f", "flv", url])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "ffmpeg is not installed; run the tests with infra/test (infra/ingest/run --install-only)",
            );
        Publisher { child }
    }

    /// Waits up to `within` for ffmpeg to exit; `None` if it is still publishing.
    pub fn exit_within(&mut self, within: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Freezes ffmpeg (SIGSTOP): the connection stays open and nothing is sent, like a stalled encoder.
    pub fn pause(&self) {
        let paused = Command::new("kill")
            .args(["-STOP", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(paused.success());
    }

    /// Kills ffmpeg: its TCP connection closes and nginx ends the publish session.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Publisher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
