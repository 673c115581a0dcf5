//! The local server binary does not hold connections for clients that stall: half-sent and silent
//! connections are closed after the header-read timeout, a kept-alive connection after the same wait
//! for its next request, and a connection that stops mid-body after the idle timeout — and the server
//! keeps answering normal requests throughout. Runs the real `onair-local` (embedded store) with short
//! timeouts so the test takes seconds.

use crate::support::local_binary;
use crate::support::unique;
use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const HEADER_READ: Duration = Duration::from_secs(2);
const IDLE: Duration = Duration::from_secs(4);
/// Slack for a loaded 2-core machine.
const MARGIN: Duration = Duration::from_secs(3);

struct Running(Child, String);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary on the embedded store with the short timeouts; returns it and its address.
fn start() -> Running {
    let demo_file = std::env::temp_dir().join(format!("{}.json", unique("onair-timeouts")));
    let mut cmd = Command::new(local_binary());
    cmd.env("ONAIR_LISTEN", "127.0.0.1:0")
        .env("ONAIR_DEMO_FILE", &demo_file)
        .env(
            "ONAIR_LOCAL_HEADER_READ_TIMEOUT_SECONDS",
            HEADER_READ.as_secs().to_string(),
        )
        .env("ONAIR_LOCAL_IDLE_TIMEOUT_SECONDS", IDLE.as_secs().to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for var in [
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_DYNAMODB",
        "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    ] {
        cmd.env_remove(var);
    }
    let mut running = Running(cmd.spawn().expect("start onair-local"), String::new());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(bytes) = std::fs::read(&demo_file)
            && let Ok(demo) = serde_json::from_slice::<Value>(&bytes)
        {
            let _ = std::fs::remove_file(&demo_file);
            let base = demo["base_url"].as_str().unwrap();
            running.1 = base.trim_start_matches("http://").to_owned();
            return running;
        }
        assert!(Instant::now() < deadline, "onair-local did not start within 30 s");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits until the server closes `stream` (EOF or reset); how long after `started` that was, or
/// `None` if it was still open `limit` after `started`. Whatever the server sends first (a 408, say)
/// is read and ignored.
async fn closed_within(mut stream: TcpStream, started: Instant, limit: Duration) -> Option<Duration> {
    let limit = limit.saturating_sub(started.elapsed());
    let mut buf = [0u8; 4096];
    let result = tokio::time::timeout(limit, async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    result.ok().map(|()| started.elapsed())
}

/// A normal request on a fresh connection gets its answer.
async fn answers(addr: &str) {
    let reply = reqwest::get(format!("http://{addr}/.well-known/oauth-authorization-server"))
        .await
        .expect("the server still answers");
    assert_eq!(reply.status(), reqwest::StatusCode::OK);
}

/// Opens `n` connections, each sending `prefix` and then nothing; returns when each was closed.
async fn stalled(addr: &str, n: usize, prefix: &'static [u8], limit: Duration) -> Vec<Option<Duration>> {
    let mut streams = Vec::with_capacity(n);
    for _ in 0..n {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let opened = Instant::now();
        stream.write_all(prefix).await.unwrap();
        streams.push((stream, opened));
    }
    let waits = streams
        .into_iter()
        .map(|(s, opened)| tokio::spawn(closed_within(s, opened, limit)));
    futures::future::join_all(waits)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect()
}

fn summary(closed: &[Option<Duration>]) -> (usize, Duration, Duration) {
    let times: Vec<Duration> = closed.iter().flatten().copied().collect();
    let min = times.iter().min().copied().unwrap_or_default();
    let max = times.iter().max().copied().unwrap_or_default();
    (times.len(), min, max)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn half_sent_and_silent_connections_are_closed_after_the_header_read_timeout() {
    let server = start();
    let addr = server.1.clone();
    answers(&addr).await;
    let limit = HEADER_READ + MARGIN;
    let (half, silent) = tokio::join!(
        stalled(&addr, 200, b"GET / HTTP/1.1\r\n", limit),
        stalled(&addr, 50, b"", limit),
    );
    // Meanwhile, and after, normal requests are served.
    answers(&addr).await;
    for (what, closed, n) in [("half-sent", &half, 200), ("silent", &silent, 50)] {
        let (count, first, last) = summary(closed);
        println!("{what}: {count} of {n} closed, after {first:?} to {last:?}");
        assert_eq!(
            count, n,
            "{what}: {count} of {n} connections closed within {limit:?}"
        );
        assert!(
            first >= HEADER_READ - Duration::from_millis(100),
            "{what}: closed after {first:?}, before the timeout: something else closed it"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_kept_alive_connection_is_closed_when_no_next_request_comes() {
    let server = start();
    let addr = server.1.clone();
    let mut stream = TcpStream::connect(&addr).await.unwrap();
    stream
        .write_all(b"GET /.well-known/oauth-authorization-server HTTP/1.1\r\nHost: onair\r\n\r\n")
        .await
        .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        assert_eq!(stream.read(&mut byte).await.unwrap(), 1, "the response arrives");
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(!head.contains("connection: close"), "kept alive: {head}");
    let closed = closed_within(stream, Instant::now(), HEADER_READ + MARGIN).await;
    println!("kept-alive connection closed after {closed:?}");
    assert!(closed.is_some(), "the idle kept-alive connection stayed open");
    answers(&addr).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_connection_that_stops_mid_body_is_closed_after_the_idle_timeout() {
    let server = start();
    let addr = server.1.clone();
    let limit = IDLE + MARGIN;
    let closed = stalled(
        &addr,
        20,
        b"POST /oauth/token HTTP/1.1\r\nHost: onair\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant_type",
        limit,
    )
    .await;
    let (count, first, last) = summary(&closed);
    println!("mid-body: {count} of 20 closed, after {first:?} to {last:?}");
    assert_eq!(
        count, 20,
        "{count} of 20 mid-body connections closed within {limit:?}"
    );
    answers(&addr).await;
}
