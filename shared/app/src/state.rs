//! What every handler receives: the store ports, the secret port, the injected clock and generator, and
//! the settings derived from configuration once at start-up.

use crate::client_cache::ClientCache;
use crate::hashing::{Hashing, HashingLimits};
use onair_domain::lockout::LockPolicy;
use onair_domain::{Clock, Generator, SecretString};
use onair_store::{
    AuditStore, BroadcastStore, ChannelStore, ChatStore, ClientStore, ContentIdStore, GrantStore,
    IdempotencyStore, LiveStore, LockoutStore, SecretStore, StepScheduler, StreamStore, UserStore,
};
use std::sync::Arc;
use time::Duration;

/// How admin routes are authorised.
#[derive(Debug, Clone)]
pub enum AdminAuth {
    /// API Gateway's IAM authoriser already checked the caller (the Lambda host verifies the request
    /// carries an IAM identity).
    Gateway,
    /// A bearer token, for the local server.
    Token(SecretString),
}

/// How streamers log in on the authorization page.
#[derive(Clone)]
pub enum LoginMode {
    /// The built-in user directory (argon2id passwords).
    Builtin,
    /// The platform's OpenID Connect provider.
    Federated(Arc<crate::federation::Federation>),
}

impl std::fmt::Debug for LoginMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoginMode::Builtin => f.write_str("Builtin"),
            LoginMode::Federated(_) => f.write_str("Federated"),
        }
    }
}

/// Settings of the authorization server.
#[derive(Debug, Clone)]
pub struct OAuthSettings {
    /// Access-token lifetime.
    pub access_ttl: Duration,
    /// Refresh-token lifetime.
    pub refresh_ttl: Duration,
    /// Grace window for retries of a rotated refresh token.
    pub grace: Duration,
    /// Login throttling.
    pub lock: LockPolicy,
    /// Name of the secret holding the access-token signing key.
    pub signing_key_secret: String,
    /// `aud` of access tokens.
    pub audience: String,
    /// Fixed issuer URL; `None` means the host supplies it per request (the HTTP host's `Issuer`).
    pub issuer: Option<String>,
    /// Login mode.
    pub login: LoginMode,
    /// How long a warm instance trusts a cached client record.
    pub client_cache_ttl: Duration,
    /// How many password hashes run at once, and how long a request waits for its turn.
    pub hashing: HashingLimits,
}

impl Default for OAuthSettings {
    fn default() -> Self {
        Self {
            access_ttl: Duration::hours(1),
            refresh_ttl: onair_domain::oauth::refresh::DEFAULT_REFRESH_LIFETIME,
            grace: onair_domain::oauth::refresh::DEFAULT_GRACE,
            lock: LockPolicy::default(),
            signing_key_secret: "signing-key".into(),
            audience: "onair".into(),
            issuer: None,
            login: LoginMode::Builtin,
            client_cache_ttl: Duration::seconds(60),
            hashing: HashingLimits::default(),
        }
    }
}

/// Settings of the broadcast lifecycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleSettings {
    /// The RTMP ingestion address streams are given (`cdn.ingestionInfo.ingestionAddress`); the
    /// stream key is appended after a `/`.
    pub ingest_rtmp_url: String,
    /// The player URL behind `contentDetails.monitorStream.embedHtml`; `{id}` is the broadcast id.
    pub player_url_template: String,
    /// How long `testStarting` / `liveStarting` last before the settle step completes them.
    pub settle_after: Duration,
    /// How long a bound stream must stay inactive before an auto-stop broadcast completes.
    pub auto_stop_after: Duration,
    /// Name of the secret (in the secret store) the ingest server presents to the ingest hook.
    pub ingest_secret_name: String,
    /// PRISM's `liveLink`: the watch URL of a live, `{liveId}` replaced by its id; `None` gives the
    /// channel link.
    pub live_url_template: Option<String>,
    /// Name of the secret (in the secret store) keying the HMAC of chat page tokens.
    pub chat_page_key_name: String,
}

impl Default for LifecycleSettings {
    fn default() -> Self {
        Self {
            ingest_rtmp_url: "rtmp://127.0.0.1:1935/live".into(),
            player_url_template: "http://127.0.0.1:8080/watch/{id}".into(),
            settle_after: Duration::seconds(2),
            auto_stop_after: Duration::seconds(60),
            ingest_secret_name: "ingest-hook".into(),
            live_url_template: None,
            chat_page_key_name: "chat-page-key".into(),
        }
    }
}

/// Settings the handlers need, read once from configuration.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Admin authorisation mode.
    pub admin_auth: AdminAuth,
    /// Default time a rotated-out client secret keeps working.
    pub secret_overlap: Duration,
    /// The authorization server.
    pub oauth: OAuthSettings,
    /// The broadcast lifecycle.
    pub lifecycle: LifecycleSettings,
}

/// Shared state handed to every handler; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// OAuth client registrations.
    pub clients: Arc<dyn ClientStore>,
    /// Users.
    pub users: Arc<dyn UserStore>,
    /// Channels.
    pub channels: Arc<dyn ChannelStore>,
    /// Codes, refresh tokens and families.
    pub grants: Arc<dyn GrantStore>,
    /// Failed-login counters.
    pub lockouts: Arc<dyn LockoutStore>,
    /// The audit trail.
    pub audit: Arc<dyn AuditStore>,
    /// liveBroadcasts.
    pub broadcasts: Arc<dyn BroadcastStore>,
    /// liveStreams and their key reservations.
    pub streams: Arc<dyn StreamStore>,
    /// PRISM lives.
    pub lives: Arc<dyn LiveStore>,
    /// Idempotency records of `Idempotency-Key` requests.
    pub idempotency: Arc<dyn IdempotencyStore>,
    /// Live chats.
    pub chats: Arc<dyn ChatStore>,
    /// Content ID owners and their records.
    pub content_ids: Arc<dyn ContentIdStore>,
    /// Broadcast videos (the media plane's processing reports).
    pub videos: Arc<dyn onair_store::VideoStore>,
    /// Timed lifecycle steps (EventBridge Scheduler and a delay queue on AWS, in-process locally).
    pub steps: Arc<dyn StepScheduler>,
    /// Client secrets and keys.
    pub secrets: Arc<dyn SecretStore>,
    /// Client records for the OAuth hot path, cached in memory.
    pub client_cache: Arc<ClientCache>,
    /// Every password hash and verification runs here (bounded in number, memory and wait).
    pub hashing: Arc<Hashing>,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// Ids and secrets.
    pub generator: Arc<dyn Generator>,
    /// Settings.
    pub settings: Arc<Settings>,
}

/// The secret name under which a client's secret is kept.
pub fn client_secret_name(client: &onair_domain::ClientId) -> String {
    format!("clients/{client}")
}
