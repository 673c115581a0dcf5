//! Configuration, read from the environment once at start-up.
//!
//! [`Config::from_env`] is the only place the process environment is read. Every missing or invalid
//! variable is collected and reported together, so a misconfigured deployment fails its first cold
//! start with one complete message. The environment carries secret *names*, never secret values —
//! except `ONAIR_ADMIN_TOKEN` and `ONAIR_INGEST_SECRET`, which only the local server reads.

use onair_domain::lifecycle::step::StepKind;
use onair_store::steps::StepTargets;
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use time::Duration;

/// Where the configuration is being used; decides defaults and what is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// A Lambda function: DynamoDB, Secrets Manager, IAM-authorised admin, JSON logs.
    Lambda,
    /// The local server: embedded store and static secrets unless pointed at AWS endpoints.
    Local,
}

/// Which store adapters to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreConfig {
    /// In-process store.
    Embedded,
    /// DynamoDB tables.
    DynamoDb {
        /// Registrations table name.
        registrations_table: String,
        /// Tokens table name.
        tokens_table: String,
        /// Create the tables at start-up if missing (local runs against an emulator or a sandbox account).
        create_tables: bool,
    },
}

/// Which secret adapter to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretsConfig {
    /// In-memory secrets.
    Static,
    /// AWS Secrets Manager.
    Manager {
        /// Prefix of every secret name this deployment owns (`onair/<stack>/`).
        prefix: String,
        /// How long a fetched secret is served from memory.
        cache_ttl: Duration,
    },
}

/// Which step scheduler plans the timed lifecycle steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepsConfig {
    /// In-process timers firing the registry's step functions (the local server).
    Embedded,
    /// EventBridge Scheduler for minute-scale steps and SQS delay queues for sub-minute ones.
    Aws(StepTargets),
}

/// How admin routes are authorised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminConfig {
    /// API Gateway IAM authorisation.
    Iam,
    /// A bearer token; generated at start-up when `None`.
    Token(Option<String>),
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line (Lambda, CloudWatch).
    Json,
    /// Human-readable lines.
    Text,
}

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Store adapters.
    pub store: StoreConfig,
    /// Secret adapter.
    pub secrets: SecretsConfig,
    /// How long a rotated-out client secret keeps working by default.
    pub secret_overlap: Duration,
    /// Admin authorisation.
    pub admin: AdminConfig,
    /// Log format.
    pub log_format: LogFormat,
    /// `tracing` filter directives (`RUST_LOG`).
    pub log_filter: String,
    /// Local server listen address (`ONAIR_LISTEN`).
    pub listen: SocketAddr,
    /// Where the local server writes the demo registrations as JSON (`ONAIR_DEMO_FILE`).
    pub demo_file: Option<PathBuf>,
    /// The ingest hook's shared secret the local server provisions at start-up
    /// (`ONAIR_INGEST_SECRET`; generated and printed when unset). A deployed stack generates its own.
    pub ingest_secret: Option<String>,
    /// Connection timeouts of the local server (API Gateway enforces its own on Lambda).
    pub local_timeouts: LocalTimeouts,
    /// The authorization server.
    pub oauth: OAuthConfig,
    /// The broadcast lifecycle.
    pub lifecycle: onair_app::LifecycleSettings,
    /// Where timed lifecycle steps are planned.
    pub steps: StepsConfig,
}

/// How long the local server waits on a client before closing its connection. Without these a client
/// that opens connections and sends nothing, or half a request, holds a socket and a task each for
/// ever (1,000 such connections stayed open indefinitely before they existed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTimeouts {
    /// `ONAIR_LOCAL_HEADER_READ_TIMEOUT_SECONDS` (default 10): the whole request head must arrive
    /// within this time, counted from when the connection opens or, on a kept-alive connection, from
    /// when the previous response was sent — so it also bounds the idle wait between requests.
    pub header_read: Duration,
    /// `ONAIR_LOCAL_IDLE_TIMEOUT_SECONDS` (default 60): a connection on which nothing is read or
    /// written for this long is closed, whatever state it is in (a trickled body, a client that
    /// stopped reading).
    pub idle: Duration,
}

impl Default for LocalTimeouts {
    fn default() -> Self {
        Self {
            header_read: Duration::seconds(10),
            idle: Duration::seconds(60),
        }
    }
}

/// How streamers log in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginConfig {
    /// The built-in user directory.
    Builtin,
    /// Federation to the platform's OpenID Connect provider.
    Oidc {
        /// The provider's issuer URL (discovery at `<issuer>/.well-known/openid-configuration`).
        issuer: String,
        /// onair's client id at the provider.
        client_id: String,
        /// Name of the secret (in the secret store) holding onair's client secret at the provider.
        client_secret_name: String,
    },
}

/// Authorization-server settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthConfig {
    /// Public base URL (`iss`, metadata); derived per request from the host when unset.
    pub issuer: Option<String>,
    /// Access-token lifetime.
    pub access_ttl: Duration,
    /// Refresh-token lifetime.
    pub refresh_ttl: Duration,
    /// Grace window for retried refreshes.
    pub grace: Duration,
    /// Client-record cache lifetime.
    pub client_cache_ttl: Duration,
    /// Name of the signing-key secret (relative to the secret prefix).
    pub signing_key_secret: String,
    /// Login mode.
    pub login: LoginConfig,
    /// Password hashes run at once: the cores available to the process, read once by
    /// [`Config::from_env`] (each hash also holds a 19 MiB work area, so this bounds their memory).
    pub hash_workers: usize,
}

/// Password-hashing workers when the core count is not read ([`Config::from_vars`]) or not known.
pub const DEFAULT_HASH_WORKERS: usize = 2;

/// Every configuration problem found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid configuration: {}", .0.join("; "))]
pub struct ConfigError(pub Vec<String>);

/// Every variable onair reads (the template's environment must use only these).
pub const VARIABLES: &[&str] = &[
    "ONAIR_STORE",
    "ONAIR_REGISTRATIONS_TABLE",
    "ONAIR_TOKENS_TABLE",
    "ONAIR_CREATE_TABLES",
    "ONAIR_SECRETS",
    "ONAIR_SECRET_PREFIX",
    "ONAIR_SECRET_CACHE_SECONDS",
    "ONAIR_SECRET_OVERLAP_SECONDS",
    "ONAIR_SIGNING_KEY_SECRET",
    "ONAIR_ISSUER",
    "ONAIR_ACCESS_TOKEN_TTL_SECONDS",
    "ONAIR_REFRESH_TOKEN_TTL_SECONDS",
    "ONAIR_REFRESH_GRACE_SECONDS",
    "ONAIR_CLIENT_CACHE_SECONDS",
    "ONAIR_LOGIN_MODE",
    "ONAIR_OIDC_ISSUER",
    "ONAIR_OIDC_CLIENT_ID",
    "ONAIR_OIDC_CLIENT_SECRET_NAME",
    "ONAIR_ADMIN_AUTH",
    "ONAIR_ADMIN_TOKEN",
    "ONAIR_LOG_FORMAT",
    "ONAIR_LISTEN",
    "ONAIR_DEMO_FILE",
    "ONAIR_INGEST_SECRET",
    "ONAIR_LIVE_URL_TEMPLATE",
    "ONAIR_LOCAL_HEADER_READ_TIMEOUT_SECONDS",
    "ONAIR_LOCAL_IDLE_TIMEOUT_SECONDS",
    "ONAIR_STEPS",
    "ONAIR_SCHEDULE_GROUP",
    "ONAIR_SCHEDULER_ROLE_ARN",
    "ONAIR_STEP_DLQ_ARN",
    "ONAIR_STEP_FUNCTION_ARNS",
    "ONAIR_STEP_QUEUE_URLS",
    "RUST_LOG",
];

impl Config {
    /// Reads the process environment, and the number of cores for the password-hashing workers.
    #[allow(clippy::disallowed_methods)] // the one sanctioned read of the environment
    pub fn from_env(host: Host) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let mut config = Self::from_vars(host, &vars)?;
        config.oauth.hash_workers = std::thread::available_parallelism()
            .map(std::num::NonZeroUsize::get)
            .unwrap_or(DEFAULT_HASH_WORKERS);
        Ok(config)
    }

    /// Builds the configuration from a variable map (the environment, or a test's map); the hashing
    /// workers are [`DEFAULT_HASH_WORKERS`] (only [`Config::from_env`] reads the core count).
    pub fn from_vars(host: Host, vars: &HashMap<String, String>) -> Result<Config, ConfigError> {
        let mut r = Reader {
            vars,
            problems: Vec::new(),
        };
        // An endpoint override means "talk to an AWS-compatible server" (moto, a sandbox): the local
        // server then uses it instead of the embedded defaults.
        let endpoint = |service: &str| {
            vars.contains_key("AWS_ENDPOINT_URL") || vars.contains_key(&format!("AWS_ENDPOINT_URL_{service}"))
        };
        let local = host == Host::Local;
        let store_default = if local && !endpoint("DYNAMODB") {
            "embedded"
        } else {
            "dynamodb"
        };
        let store = match r
            .choice("ONAIR_STORE", store_default, &["embedded", "dynamodb"])
            .as_str()
        {
            "embedded" => StoreConfig::Embedded,
            _ => StoreConfig::DynamoDb {
                registrations_table: r.text(
                    "ONAIR_REGISTRATIONS_TABLE",
                    local.then_some("onair-registrations"),
                ),
                tokens_table: r.text("ONAIR_TOKENS_TABLE", local.then_some("onair-tokens")),
                create_tables: r.flag("ONAIR_CREATE_TABLES", local && endpoint("DYNAMODB")),
            },
        };
        let secrets_default = if local && !endpoint("SECRETS_MANAGER") {
            "static"
        } else {
            "secretsmanager"
        };
        let secrets = match r
            .choice("ONAIR_SECRETS", secrets_default, &["static", "secretsmanager"])
            .as_str()
        {
            "static" => SecretsConfig::Static,
            _ => SecretsConfig::Manager {
                prefix: r.text("ONAIR_SECRET_PREFIX", local.then_some("onair/local/")),
                cache_ttl: r.seconds("ONAIR_SECRET_CACHE_SECONDS", 300),
            },
        };
        let secret_overlap = r.seconds("ONAIR_SECRET_OVERLAP_SECONDS", 86_400);
        let admin_default = if local { "token" } else { "iam" };
        let admin = match r
            .choice("ONAIR_ADMIN_AUTH", admin_default, &["iam", "token"])
            .as_str()
        {
            "iam" => AdminConfig::Iam,
            _ => AdminConfig::Token(vars.get("ONAIR_ADMIN_TOKEN").cloned()),
        };
        if let AdminConfig::Token(Some(token)) = &admin
            && token.len() < 16
        {
            r.problems
                .push("ONAIR_ADMIN_TOKEN must be at least 16 characters".into());
        }
        let log_format = match r
            .choice(
                "ONAIR_LOG_FORMAT",
                if local { "text" } else { "json" },
                &["json", "text"],
            )
            .as_str()
        {
            "json" => LogFormat::Json,
            _ => LogFormat::Text,
        };
        let log_filter = vars.get("RUST_LOG").cloned().unwrap_or_else(|| "info".into());
        let listen = match vars
            .get("ONAIR_LISTEN")
            .map(String::as_str)
            .unwrap_or("127.0.0.1:8080")
            .parse()
        {
            Ok(addr) => addr,
            Err(_) => {
                r.problems
                    .push("ONAIR_LISTEN must be host:port, e.g. 127.0.0.1:8080".into());
                SocketAddr::from(([127, 0, 0, 1], 8080))
            }
        };
        let demo_file = vars
            .get("ONAIR_DEMO_FILE")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from);
        let ingest_secret = vars.get("ONAIR_INGEST_SECRET").filter(|v| !v.is_empty()).cloned();
        if let Some(secret) = &ingest_secret
            && (secret.len() < 16
                || !secret
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b)))
        {
            // It goes into the hook URL's query string as is.
            r.problems
                .push("ONAIR_INGEST_SECRET must be at least 16 URL-safe characters ([A-Za-z0-9._~-])".into());
        }
        let defaults = LocalTimeouts::default();
        let local_timeouts = LocalTimeouts {
            header_read: r.seconds(
                "ONAIR_LOCAL_HEADER_READ_TIMEOUT_SECONDS",
                defaults.header_read.whole_seconds(),
            ),
            idle: r.seconds("ONAIR_LOCAL_IDLE_TIMEOUT_SECONDS", defaults.idle.whole_seconds()),
        };
        for (name, value) in [
            (
                "ONAIR_LOCAL_HEADER_READ_TIMEOUT_SECONDS",
                local_timeouts.header_read,
            ),
            ("ONAIR_LOCAL_IDLE_TIMEOUT_SECONDS", local_timeouts.idle),
        ] {
            if value.is_zero() {
                r.problems.push(format!("{name} must be at least 1"));
            }
        }
        let issuer = vars
            .get("ONAIR_ISSUER")
            .filter(|v| !v.is_empty())
            .map(|v| v.trim_end_matches('/').to_owned());
        if let Some(i) = &issuer
            && !(i.starts_with("https://")
                || i.starts_with("http://127.0.0.1")
                || i.starts_with("http://localhost"))
        {
            r.problems
                .push("ONAIR_ISSUER must be an https URL (http only on loopback)".into());
        }
        let login = match r
            .choice("ONAIR_LOGIN_MODE", "builtin", &["builtin", "oidc"])
            .as_str()
        {
            "oidc" => LoginConfig::Oidc {
                issuer: r.text("ONAIR_OIDC_ISSUER", None),
                client_id: r.text("ONAIR_OIDC_CLIENT_ID", None),
                client_secret_name: r.text("ONAIR_OIDC_CLIENT_SECRET_NAME", Some("oidc-client-secret")),
            },
            _ => LoginConfig::Builtin,
        };
        let oauth = OAuthConfig {
            issuer,
            access_ttl: r.seconds("ONAIR_ACCESS_TOKEN_TTL_SECONDS", 3600),
            refresh_ttl: r.seconds("ONAIR_REFRESH_TOKEN_TTL_SECONDS", 30 * 86_400),
            grace: r.seconds("ONAIR_REFRESH_GRACE_SECONDS", 30),
            client_cache_ttl: r.seconds("ONAIR_CLIENT_CACHE_SECONDS", 60),
            signing_key_secret: r.text("ONAIR_SIGNING_KEY_SECRET", Some("signing-key")),
            login,
            hash_workers: DEFAULT_HASH_WORKERS,
        };
        if oauth.access_ttl < Duration::minutes(1) {
            r.problems
                .push("ONAIR_ACCESS_TOKEN_TTL_SECONDS must be at least 60".into());
        }
        let lifecycle_defaults = onair_app::LifecycleSettings::default();
        let lifecycle = onair_app::LifecycleSettings {
            ingest_rtmp_url: r
                .text("ONAIR_INGEST_RTMP_URL", Some(&lifecycle_defaults.ingest_rtmp_url))
                .trim_end_matches('/')
                .to_owned(),
            player_url_template: r.text(
                "ONAIR_PLAYER_URL_TEMPLATE",
                Some(&lifecycle_defaults.player_url_template),
            ),
            settle_after: r.seconds(
                "ONAIR_SETTLE_SECONDS",
                lifecycle_defaults.settle_after.whole_seconds(),
            ),
            auto_stop_after: r.seconds(
                "ONAIR_AUTO_STOP_SECONDS",
                lifecycle_defaults.auto_stop_after.whole_seconds(),
            ),
            ingest_secret_name: r.text(
                "ONAIR_INGEST_SECRET_NAME",
                Some(&lifecycle_defaults.ingest_secret_name),
            ),
            live_url_template: r
                .vars
                .get("ONAIR_LIVE_URL_TEMPLATE")
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty()),
            chat_page_key_name: r.text(
                "ONAIR_CHAT_PAGE_KEY_NAME",
                Some(&lifecycle_defaults.chat_page_key_name),
            ),
        };
        if !(lifecycle.ingest_rtmp_url.starts_with("rtmp://")
            || lifecycle.ingest_rtmp_url.starts_with("rtmps://"))
        {
            r.problems
                .push("ONAIR_INGEST_RTMP_URL must be an rtmp:// or rtmps:// URL".into());
        }
        if !lifecycle.player_url_template.contains("{id}") {
            r.problems
                .push("ONAIR_PLAYER_URL_TEMPLATE must contain {id}".into());
        }
        if lifecycle.settle_after > Duration::minutes(15) {
            // the delay queue's longest delay
            r.problems.push("ONAIR_SETTLE_SECONDS must be at most 900".into());
        }
        let steps = steps_config(&mut r, host);
        if r.problems.is_empty() {
            Ok(Config {
                store,
                secrets,
                secret_overlap,
                admin,
                log_format,
                log_filter,
                listen,
                demo_file,
                ingest_secret,
                local_timeouts,
                oauth,
                lifecycle,
                steps,
            })
        } else {
            Err(ConfigError(r.problems))
        }
    }
}

/// The step scheduler: `ONAIR_STEPS` = `embedded` (the local default: in-process timers) or `aws` (the
/// Lambda default). On `aws`, `ONAIR_SCHEDULE_GROUP`, `ONAIR_SCHEDULER_ROLE_ARN` and
/// `ONAIR_STEP_DLQ_ARN` are required, `ONAIR_STEP_FUNCTION_ARNS` maps each minute-scale kind to its
/// function's ARN and `ONAIR_STEP_QUEUE_URLS` each sub-minute kind to its queue's URL (both
/// `kind=value,kind=value`), and every kind the registry has a step function for must be delivered.
fn steps_config(r: &mut Reader<'_>, host: Host) -> StepsConfig {
    let default = match host {
        Host::Lambda => "aws",
        Host::Local => "embedded",
    };
    if r.choice("ONAIR_STEPS", default, &["embedded", "aws"]) == "embedded" {
        return StepsConfig::Embedded;
    }
    let mut targets = StepTargets {
        group: r.text("ONAIR_SCHEDULE_GROUP", None),
        role_arn: r.text("ONAIR_SCHEDULER_ROLE_ARN", None),
        dead_letter_arn: r.text("ONAIR_STEP_DLQ_ARN", None),
        ..StepTargets::default()
    };
    targets.functions = r.step_map("ONAIR_STEP_FUNCTION_ARNS", false);
    targets.queues = r.step_map("ONAIR_STEP_QUEUE_URLS", true);
    let registered = onair_api::registry::functions().filter_map(|f| match &f.trigger {
        onair_api::registry::Trigger::Step(step) => Some(step.kind),
        _ => None,
    });
    for missing in targets.missing(registered) {
        r.problems.push(format!(
            "ONAIR_STEP_FUNCTION_ARNS / ONAIR_STEP_QUEUE_URLS lack {missing}"
        ));
    }
    StepsConfig::Aws(targets)
}

struct Reader<'a> {
    vars: &'a HashMap<String, String>,
    problems: Vec<String>,
}

impl Reader<'_> {
    fn choice(&mut self, name: &str, default: &str, allowed: &[&str]) -> String {
        let value = self.vars.get(name).map(String::as_str).unwrap_or(default);
        if allowed.contains(&value) {
            value.to_owned()
        } else {
            self.problems
                .push(format!("{name} must be one of {}", allowed.join(", ")));
            default.to_owned()
        }
    }

    fn text(&mut self, name: &str, default: Option<&str>) -> String {
        match (self.vars.get(name).filter(|v| !v.trim().is_empty()), default) {
            (Some(v), _) => v.clone(),
            (None, Some(d)) => d.to_owned(),
            (None, None) => {
                self.problems.push(format!("{name} is required"));
                String::new()
            }
        }
    }

    fn seconds(&mut self, name: &str, default: i64) -> Duration {
        match self.vars.get(name).map(|v| v.parse::<i64>()) {
            None => Duration::seconds(default),
            Some(Ok(n)) if (0..=31_536_000).contains(&n) => Duration::seconds(n),
            Some(_) => {
                self.problems.push(format!(
                    "{name} must be a whole number of seconds from 0 to 31536000"
                ));
                Duration::seconds(default)
            }
        }
    }

    /// A `kind=value,kind=value` list of step kinds that are (`sub_minute`) or are not sub-minute.
    fn step_map(&mut self, name: &str, sub_minute: bool) -> BTreeMap<StepKind, String> {
        let mut map = BTreeMap::new();
        let Some(list) = self.vars.get(name) else {
            return map;
        };
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let parsed = entry.split_once('=').and_then(|(kind, value)| {
                let kind = StepKind::ALL.iter().find(|k| k.as_str() == kind.trim())?;
                let value = value.trim();
                (kind.is_sub_minute() == sub_minute && !value.is_empty()).then(|| (*kind, value.to_owned()))
            });
            match parsed {
                Some((kind, value)) => {
                    map.insert(kind, value);
                }
                None => self.problems.push(format!(
                    "{name}: {entry:?} is not kind=value for a {} step kind",
                    if sub_minute { "sub-minute" } else { "minute-scale" }
                )),
            }
        }
        map
    }

    fn flag(&mut self, name: &str, default: bool) -> bool {
        match self.vars.get(name).map(String::as_str) {
            None => default,
            Some("true" | "1") => true,
            Some("false" | "0") => false,
            Some(_) => {
                self.problems.push(format!("{name} must be true or false"));
                default
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn local_defaults_need_nothing() {
        let c = Config::from_vars(Host::Local, &vars(&[])).unwrap();
        assert_eq!(c.store, StoreConfig::Embedded);
        assert_eq!(c.secrets, SecretsConfig::Static);
        assert_eq!(c.admin, AdminConfig::Token(None));
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.local_timeouts, LocalTimeouts::default());
        assert_eq!(c.steps, StepsConfig::Embedded);
    }

    #[test]
    fn aws_steps_read_their_targets_per_kind() {
        let c = Config::from_vars(
            Host::Local,
            &vars(&[
                ("ONAIR_STEPS", "aws"),
                ("ONAIR_SCHEDULE_GROUP", "stack-lifecycle"),
                ("ONAIR_SCHEDULER_ROLE_ARN", "arn:aws:iam::1:role/r"),
                ("ONAIR_STEP_DLQ_ARN", "arn:aws:sqs:us-east-1:1:dlq"),
                (
                    "ONAIR_STEP_FUNCTION_ARNS",
                    "auto-stop=arn:aws:lambda:us-east-1:1:function:s-lifecycle-auto-stop, scheduled-end=arn:e, \
                     scheduled-start=arn:s",
                ),
                (
                    "ONAIR_STEP_QUEUE_URLS",
                    "settle=https://sqs/1/settle,stream-changed=https://sqs/1/stream-changed",
                ),
            ]),
        )
        .unwrap();
        let StepsConfig::Aws(targets) = c.steps else {
            panic!("expected aws steps")
        };
        assert_eq!(targets.group, "stack-lifecycle");
        assert_eq!(
            targets.functions.get(&StepKind::AutoStop).map(String::as_str),
            Some("arn:aws:lambda:us-east-1:1:function:s-lifecycle-auto-stop")
        );
        assert_eq!(
            targets.functions.get(&StepKind::ScheduledEnd).map(String::as_str),
            Some("arn:e")
        );
        assert_eq!(
            targets.queues.get(&StepKind::Settle).map(String::as_str),
            Some("https://sqs/1/settle")
        );
    }

    #[test]
    fn aws_steps_report_every_missing_or_misplaced_target() {
        let err = Config::from_vars(
            Host::Local,
            &vars(&[
                ("ONAIR_STEPS", "aws"),
                // settle is sub-minute: it has a queue, never a Scheduler target
                ("ONAIR_STEP_FUNCTION_ARNS", "settle=arn:x,explode=arn:y"),
                ("ONAIR_STEP_QUEUE_URLS", "auto-stop=https://q"),
            ]),
        )
        .unwrap_err();
        let all = err.0.join("\n");
        for needle in [
            "ONAIR_SCHEDULE_GROUP",
            "ONAIR_SCHEDULER_ROLE_ARN",
            "ONAIR_STEP_DLQ_ARN",
            "\"settle=arn:x\"",
            "\"explode=arn:y\"",
            "\"auto-stop=https://q\"",
        ] {
            assert!(all.contains(needle), "{needle} missing from {all}");
        }
    }

    #[test]
    fn lambda_plans_steps_on_aws_by_default() {
        let err = Config::from_vars(Host::Lambda, &vars(&[])).unwrap_err();
        assert!(err.0.iter().any(|p| p.contains("ONAIR_SCHEDULE_GROUP")), "{err}");
    }

    #[test]
    fn local_timeouts_are_read_and_must_be_positive() {
        let c = Config::from_vars(
            Host::Local,
            &vars(&[
                ("ONAIR_LOCAL_HEADER_READ_TIMEOUT_SECONDS", "2"),
                ("ONAIR_LOCAL_IDLE_TIMEOUT_SECONDS", "5"),
            ]),
        )
        .unwrap();
        assert_eq!(c.local_timeouts.header_read, Duration::seconds(2));
        assert_eq!(c.local_timeouts.idle, Duration::seconds(5));
        let err = Config::from_vars(
            Host::Local,
            &vars(&[("ONAIR_LOCAL_HEADER_READ_TIMEOUT_SECONDS", "0")]),
        )
        .unwrap_err();
        assert_eq!(err.0.len(), 1, "{err}");
    }

    #[test]
    fn an_endpoint_switches_the_local_server_to_aws_adapters() {
        let c = Config::from_vars(
            Host::Local,
            &vars(&[("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")]),
        )
        .unwrap();
        assert!(matches!(
            c.store,
            StoreConfig::DynamoDb {
                create_tables: true,
                ..
            }
        ));
        assert!(matches!(c.secrets, SecretsConfig::Manager { .. }));
    }

    #[test]
    fn lambda_reports_every_missing_variable_at_once() {
        let err = Config::from_vars(Host::Lambda, &vars(&[("ONAIR_LOG_FORMAT", "xml")])).unwrap_err();
        let all = err.0.join("\n");
        for name in [
            "ONAIR_REGISTRATIONS_TABLE",
            "ONAIR_TOKENS_TABLE",
            "ONAIR_SECRET_PREFIX",
            "ONAIR_LOG_FORMAT",
        ] {
            assert!(all.contains(name), "{name} missing from {all}");
        }
    }

    #[test]
    fn invalid_numbers_and_addresses_are_reported() {
        let err = Config::from_vars(
            Host::Local,
            &vars(&[
                ("ONAIR_SECRET_OVERLAP_SECONDS", "-1"),
                ("ONAIR_LISTEN", "nope"),
                ("ONAIR_ADMIN_TOKEN", "short"),
            ]),
        )
        .unwrap_err();
        assert_eq!(err.0.len(), 3);
    }
}
