//! The local server: every HTTP function of the registry on one port.
//!
//! With no configuration it runs on the embedded store with static secrets, binds 127.0.0.1:8080 and
//! needs nothing but the Rust toolchain. Pointed at AWS endpoints (`AWS_ENDPOINT_URL*`) it runs the
//! same router on DynamoDB and Secrets Manager — that is how the tests run it on moto and how an
//! operator runs it against a real account. On an empty store it seeds a demo (an OAuth client, a
//! streamer with two channels, one disabled) through its own admin API, prints how to try it and, with
//! `ONAIR_DEMO_FILE`, writes the demo as JSON for scripts.
//!
//! Connections are served by hyper directly rather than `axum::serve`, because the server must not
//! keep a connection for ever on a client's behalf: a request head must arrive within
//! [`LocalTimeouts::header_read`] (also the longest idle wait between kept-alive requests), and a
//! connection with no traffic either way for [`LocalTimeouts::idle`] is closed.

use crate::config::{AdminConfig, Config, Host, LocalTimeouts};
use crate::logging;
use crate::wiring::{self, Wiring};
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use axum::response::IntoResponse;
use http_body_util::BodyExt;
use onair_api::host::local_router;
use onair_app::AdminAuth;
use onair_domain::{Clock, Generator, PageRequest, RandomGenerator, SecretString, SystemClock};
use serde::Serialize;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;
use tower::ServiceExt;

/// The demo registrations, as printed and written to `ONAIR_DEMO_FILE`.
#[derive(Debug, Clone, Serialize)]
pub struct Demo {
    /// Where the server listens, e.g. `http://127.0.0.1:8080`.
    pub base_url: String,
    /// The demo OAuth client.
    pub client_id: String,
    /// Its secret.
    pub client_secret: String,
    /// Its loopback redirect URI.
    pub redirect_uri: String,
    /// The demo streamer's login.
    pub username: String,
    /// Their password.
    pub password: String,
    /// Their user id.
    pub user_id: String,
    /// Their channels: the first enabled, the second disabled.
    pub channel_ids: Vec<String>,
    /// Bearer token for `/admin/` routes.
    pub admin_token: String,
    /// The ingest hook's shared secret (`ONAIR_INGEST_SECRET` for `infra/ingest/run`).
    pub ingest_secret: String,
}

/// A running local server.
pub struct LocalServer {
    /// The bound address.
    pub addr: SocketAddr,
    /// The admin token in force.
    pub admin_token: SecretString,
    /// The ingest hook's shared secret in force.
    pub ingest_secret: SecretString,
    /// The seeded demo, when the store was empty.
    pub demo: Option<Demo>,
    /// The ports and counters the server runs on.
    pub wiring: Wiring,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
}

impl LocalServer {
    /// `http://<addr>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, finishes in-flight requests, and returns.
    pub async fn stop(self) {
        let _ = self.shutdown.send(());
        let _ = self.task.await;
    }
}

/// Start-up of the local server failed.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    /// Wiring the ports failed.
    #[error(transparent)]
    Wiring(#[from] wiring::WiringError),
    /// Binding the address failed.
    #[error("cannot listen on {0}: {1}")]
    Bind(SocketAddr, std::io::Error),
    /// Seeding the demo failed.
    #[error("seeding the demo failed: {0}")]
    Seed(String),
}

/// Starts the server with an injected clock and generator (tests pass fakes).
pub async fn start(
    config: &Config,
    clock: Arc<dyn Clock>,
    generator: Arc<dyn Generator>,
) -> Result<LocalServer, LocalError> {
    let admin_token = match &config.admin {
        AdminConfig::Token(Some(token)) => SecretString::new(token.clone()),
        _ => generator.secret(),
    };
    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| LocalError::Bind(config.listen, e))?;
    let addr = listener
        .local_addr()
        .map_err(|e| LocalError::Bind(config.listen, e))?;
    // The local server knows its own address, so it is the issuer unless configured otherwise.
    let mut config = config.clone();
    config
        .oauth
        .issuer
        .get_or_insert_with(|| format!("http://{addr}"));
    let wiring = wiring::build(
        &config,
        clock,
        generator.clone(),
        AdminAuth::Token(admin_token.clone()),
    )
    .await?;
    ensure_signing_key(&wiring, &config, generator.as_ref()).await?;
    let ingest_secret = ensure_ingest_secret(&wiring, &config, generator.as_ref()).await?;
    let router = with_openapi(local_router(wiring.state.clone()));
    let demo = seed_if_empty(
        &router,
        &wiring,
        addr,
        &admin_token,
        &ingest_secret,
        generator.as_ref(),
    )
    .await?;
    let (shutdown, signal) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, router, config.local_timeouts, signal));
    Ok(LocalServer {
        addr,
        admin_token,
        ingest_secret,
        demo,
        wiring,
        shutdown,
        task,
    })
}

/// Adds `GET /openapi.json`, the document of every route, to the local server only: it describes the
/// API rather than being part of it, so it is no registry function and no Lambda.
fn with_openapi(router: axum::Router) -> axum::Router {
    let document = onair_api::openapi::to_pretty_json().map_err(|e| e.to_string());
    let serve = move || {
        let document = document.clone();
        async move {
            match document {
                Ok(text) => ([(header::CONTENT_TYPE, "application/json")], text).into_response(),
                Err(cause) => {
                    tracing::error!(cause = %cause, "the OpenAPI document cannot be built");
                    StatusCode::INTERNAL_SERVER_ERROR.into_response()
                }
            }
        }
    };
    axum::Router::new()
        .route(onair_api::openapi::PATH, axum::routing::get(serve))
        .merge(router)
}

/// `onair-local --openapi`: prints the OpenAPI document (how `infra/openapi.json` is written).
#[allow(clippy::print_stdout)] // the document on stdout is this command's output
pub fn print_openapi() -> ExitCode {
    match onair_api::openapi::to_pretty_json() {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("cannot build the OpenAPI document: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Accepts connections until `signal`, then lets every open connection finish its request and close.
async fn serve(
    listener: TcpListener,
    router: axum::Router,
    timeouts: LocalTimeouts,
    mut signal: oneshot::Receiver<()>,
) -> std::io::Result<()> {
    let (stop, stopped) = watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut signal => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    connections.spawn(connection(stream, peer, router.clone(), timeouts, stopped.clone()));
                }
                // Out of file descriptors and the like: the condition passes as connections close, so
                // wait a moment instead of spinning or giving up.
                Err(err) => {
                    tracing::warn!(error = %err, "accepting a connection failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    let _ = stop.send(true);
    while connections.join_next().await.is_some() {}
    Ok(())
}

fn std_duration(d: time::Duration) -> std::time::Duration {
    std::time::Duration::try_from(d).unwrap_or(std::time::Duration::ZERO)
}

/// Serves one connection under the header-read and idle timeouts.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: axum::Router,
    timeouts: LocalTimeouts,
    mut stop: watch::Receiver<bool>,
) {
    let activity = Activity::default();
    let io = hyper_util::rt::TokioIo::new(Tracked {
        inner: stream,
        activity: activity.clone(),
    });
    // What `into_make_service_with_connect_info` would add: the peer, for the client-IP extension.
    let service = hyper_util::service::TowerToHyperService::new(router.map_request(
        move |mut request: Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        },
    ));
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(std_duration(timeouts.header_read));
    let conn = builder.serve_connection(io, service);
    tokio::pin!(conn);
    let idle = std_duration(timeouts.idle);
    let mut stopping = false;
    loop {
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(err) = result {
                    tracing::debug!(%peer, error = %err, "connection ended with an error");
                }
                return;
            }
            _ = tokio::time::sleep_until(activity.last() + idle) => {
                if activity.last() + idle <= tokio::time::Instant::now() {
                    // Dropping the connection closes the socket.
                    tracing::debug!(%peer, "closing a connection idle for {idle:?}");
                    return;
                }
            }
            _ = stop.changed(), if !stopping => {
                stopping = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// When a connection last moved a byte.
#[derive(Clone)]
struct Activity {
    origin: tokio::time::Instant,
    last_ms: Arc<std::sync::atomic::AtomicU64>,
}

impl Default for Activity {
    fn default() -> Self {
        Self {
            origin: tokio::time::Instant::now(),
            last_ms: Arc::default(),
        }
    }
}

impl Activity {
    fn touch(&self) {
        let ms = u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_ms.store(ms, std::sync::atomic::Ordering::Relaxed);
    }

    fn last(&self) -> tokio::time::Instant {
        let ms = self.last_ms.load(std::sync::atomic::Ordering::Relaxed);
        self.origin + std::time::Duration::from_millis(ms)
    }
}

/// A stream that records its traffic in an [`Activity`].
struct Tracked<S> {
    inner: S,
    activity: Activity,
}

impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for Tracked<S> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = std::pin::Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for Tracked<S> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let polled = std::pin::Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, std::task::Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// The local server's `main`: reads the configuration, starts, prints the demo, serves until Ctrl-C.
pub async fn main() -> ExitCode {
    let config = match Config::from_env(Host::Local) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::FAILURE;
        }
    };
    logging::init(&config);
    let started = std::time::Instant::now();
    let server = match start(&config, Arc::new(SystemClock), Arc::new(RandomGenerator)).await {
        Ok(server) => server,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(addr = %server.addr, startup_ms = started.elapsed().as_millis() as u64, "local server ready");
    announce(&server);
    if let (Some(path), Some(demo)) = (&config.demo_file, &server.demo) {
        let written = serde_json::to_vec_pretty(demo)
            .map_err(std::io::Error::other)
            .and_then(|b| std::fs::write(path, b));
        if let Err(err) = written {
            eprintln!("cannot write {}: {err}", path.display());
            server.stop().await;
            return ExitCode::FAILURE;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
    server.stop().await;
    ExitCode::SUCCESS
}

#[allow(clippy::print_stdout)] // the banner is the local server's user interface
fn announce(server: &LocalServer) {
    let base = server.base_url();
    println!("onair is serving every function on {base}");
    println!("admin token: {}", server.admin_token.expose());
    println!("ingest secret: {}", server.ingest_secret.expose());
    println!(
        "RTMP ingest (nginx-rtmp with its hooks pointed here; publish to rtmp://127.0.0.1:1935/live/STREAM_KEY):"
    );
    println!(
        "  ONAIR_BASE_URL={base} ONAIR_INGEST_SECRET={} infra/ingest/run",
        server.ingest_secret.expose()
    );
    match &server.demo {
        Some(demo) => {
            println!("\nDemo registrations (seeded into the empty store):");
            println!(
                "  OAuth client   {} / secret {}",
                demo.client_id, demo.client_secret
            );
            println!("  redirect URI   {}", demo.redirect_uri);
            println!(
                "  streamer       {} / password {} (user id {})",
                demo.username, demo.password, demo.user_id
            );
            println!(
                "  channels       {} (enabled), {} (disabled)",
                demo.channel_ids[0], demo.channel_ids[1]
            );
            println!("\nTry it:");
            println!(
                "  curl -s -H 'Authorization: Bearer {}' {base}/admin/users/{}/channels",
                demo.admin_token, demo.user_id
            );
            println!(
                "  curl -s -H 'Authorization: Bearer {}' {base}/admin/clients",
                demo.admin_token
            );
            println!(
                "\nLog in the way PRISM does — open this in a browser and sign in as {}:",
                demo.username
            );
            println!(
                "  {base}/oauth/authorize?response_type=code&client_id={}&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcallback&state=demo",
                demo.client_id
            );
            println!(
                "The browser then goes to http://127.0.0.1/callback?code=CODE&state=demo; exchange CODE:"
            );
            println!(
                "  curl -s -H 'x-prism-client-id: {}' -H 'x-prism-client-secret: {}' \\\n    \"{base}/prism/v1/service/oauth2/token?grant_type=authorization_code&code=CODE&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcallback\"",
                demo.client_id, demo.client_secret
            );
            println!("and call the Service API with the access token:");
            println!(
                "  curl -s -H 'x-prism-access-token: ACCESS_TOKEN' {base}/prism/v1/service/channel/list"
            );
        }
        None => println!("The store already holds registrations; no demo was seeded."),
    }
}

/// Creates the access-token signing key on first start (static secrets always start empty; an
/// emulator or sandbox account may too). A deployed stack gets it from the template instead.
async fn ensure_signing_key(
    wiring: &Wiring,
    config: &Config,
    generator: &dyn Generator,
) -> Result<(), LocalError> {
    let name = &config.oauth.signing_key_secret;
    match wiring.state.secrets.get(name).await {
        Ok(_) => Ok(()),
        Err(onair_store::StoreError::NotFound) => {
            match wiring.state.secrets.create(name, &generator.secret()).await {
                Ok(()) | Err(onair_store::StoreError::Conflict(_)) => Ok(()),
                Err(e) => Err(LocalError::Seed(format!("creating the signing key: {e}"))),
            }
        }
        Err(e) => Err(LocalError::Seed(format!("reading the signing key: {e}"))),
    }
}

/// Provisions the ingest hook's shared secret: `ONAIR_INGEST_SECRET` when set (replacing a different
/// stored value at once), else the stored one, else a fresh one. A deployed stack's template creates
/// its own instead.
async fn ensure_ingest_secret(
    wiring: &Wiring,
    config: &Config,
    generator: &dyn Generator,
) -> Result<SecretString, LocalError> {
    let name = &config.lifecycle.ingest_secret_name;
    let secrets = &wiring.state.secrets;
    let wanted = config.ingest_secret.clone().map(SecretString::new);
    match secrets.get(name).await {
        Ok(stored) => match wanted {
            Some(value) if !stored.secret.current.matches(value.expose()) => {
                let now = wiring.state.clock.now();
                secrets
                    .rotate(name, &value, now)
                    .await
                    .map_err(|e| LocalError::Seed(format!("setting the ingest secret: {e}")))?;
                Ok(value)
            }
            Some(value) => Ok(value),
            None => Ok(stored.secret.current),
        },
        Err(onair_store::StoreError::NotFound) => {
            let value = wanted.unwrap_or_else(|| generator.secret());
            match secrets.create(name, &value).await {
                Ok(()) => Ok(value),
                // another instance on the same store created it first: use theirs
                Err(onair_store::StoreError::Conflict(_)) => secrets
                    .get(name)
                    .await
                    .map(|stored| stored.secret.current)
                    .map_err(|e| LocalError::Seed(format!("reading the ingest secret: {e}"))),
                Err(e) => Err(LocalError::Seed(format!("creating the ingest secret: {e}"))),
            }
        }
        Err(e) => Err(LocalError::Seed(format!("reading the ingest secret: {e}"))),
    }
}

/// Seeds the demo through the admin API itself, so it obeys every rule a real registration does.
async fn seed_if_empty(
    router: &axum::Router,
    wiring: &Wiring,
    addr: SocketAddr,
    admin_token: &SecretString,
    ingest_secret: &SecretString,
    generator: &dyn Generator,
) -> Result<Option<Demo>, LocalError> {
    let existing = wiring
        .state
        .clients
        .list(&PageRequest::first(1))
        .await
        .map_err(|e| LocalError::Seed(e.to_string()))?;
    if !existing.items.is_empty() {
        return Ok(None);
    }
    let admin = |method: &'static str, path: String, body: Value| {
        let router = router.clone();
        let token = admin_token.expose().to_owned();
        async move {
            let request = Request::builder()
                .method(method)
                .uri(&path)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(body.to_string()))
                .map_err(|e| LocalError::Seed(e.to_string()))?;
            let response = router
                .oneshot(request)
                .await
                .map_err(|e| LocalError::Seed(e.to_string()))?;
            let status = response.status();
            let bytes = response
                .into_body()
                .collect()
                .await
                .map_err(|e| LocalError::Seed(e.to_string()))?
                .to_bytes();
            let value: Value = serde_json::from_slice(&bytes).map_err(|e| LocalError::Seed(e.to_string()))?;
            if status != StatusCode::CREATED {
                return Err(LocalError::Seed(format!("{method} {path}: {status} {value}")));
            }
            Ok(value)
        }
    };
    let field = |v: &Value, name: &str| {
        v[name]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| LocalError::Seed(format!("no {name}")))
    };

    let redirect_uri = "http://127.0.0.1/callback".to_owned();
    let client = admin(
        "POST",
        "/admin/clients".into(),
        json!({
            "name": "Demo client",
            "redirectUris": [redirect_uri, "https://global.apis.naver.com/prism/prism-auth-api/oauth/partner/demo"],
        }),
    )
    .await?;
    let password = generator.secret().expose().chars().take(16).collect::<String>();
    let user = admin(
        "POST",
        "/admin/users".into(),
        json!({ "login": "demo", "password": password, "userName": "Demo Streamer" }),
    )
    .await?;
    let user_id = field(&user, "userId")?;
    let mut channel_ids = Vec::new();
    for (name, enabled) in [("Demo Live", true), ("Demo Archive", false)] {
        let channel = admin(
            "POST",
            format!("/admin/users/{user_id}/channels"),
            json!({
                "channelName": name,
                "channelEnabled": enabled,
                "channelLink": format!("http://{addr}/channels/{}", name.to_lowercase().replace(' ', "-")),
                "channelDescription": "Seeded by the local server",
                "channelTags": "demo;onair",
                "channelFollowerCount": 42,
            }),
        )
        .await?;
        channel_ids.push(field(&channel, "channelId")?);
    }
    Ok(Some(Demo {
        base_url: format!("http://{addr}"),
        client_id: field(&client, "clientId")?,
        client_secret: field(&client, "clientSecret")?,
        redirect_uri,
        username: "demo".into(),
        password,
        user_id,
        channel_ids,
        admin_token: admin_token.expose().to_owned(),
        ingest_secret: ingest_secret.expose().to_owned(),
    }))
}
