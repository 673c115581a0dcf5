//! The registry: the single list of onair's functions.
//!
//! One entry per Lambda: its binary name, its [`Trigger`] (an HTTP route on an API surface, an
//! EventBridge Scheduler schedule, or an EventBridge event pattern) and the [`Access`] it needs (tables,
//! secrets, scheduler group, event bus). Each API area declares its own entries (`admin::FUNCTIONS`,
//! `oauth::FUNCTIONS`, …) and [`AREAS`] assembles them into one list.
//!
//! Everything else is derived from it: the Lambda host picks `lambda_http` or `lambda_runtime` from the
//! trigger, the local server serves every HTTP route, `template.yaml`'s function blocks and their
//! least-privilege policies are generated from it (`cargo run -p onair-xtask -- template`), and the drift
//! test holds `functions/src/bin/` (one binary per entry) and the committed template to it.

use axum::routing::MethodRouter;
use onair_app::AppError;
use onair_app::AppState;
use onair_domain::lifecycle::step::StepKind;
use std::future::Future;
use std::pin::Pin;

/// Which API a request belongs to; decides its error format and its authorisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// `/admin/…`: registrations; IAM on AWS, admin token locally.
    Admin,
    /// `/prism/v1/service/…` resource calls (PRISM envelope).
    Prism,
    /// OAuth JSON endpoints: token, revocation, introspection, metadata (RFC 6749 §5.2 errors).
    OAuth,
    /// Browser pages: the authorization endpoint and the federation callback (HTML errors).
    Page,
    /// `/youtube/…`: the YouTube-compatible live API (Google's error envelope).
    YouTube,
    /// `/ingest/…`: ingest servers' hooks (plain-text answers; the server reads only the status).
    Ingest,
}

impl Surface {
    /// The surface a request path belongs to (also for paths no function serves). The one place this
    /// is decided.
    pub fn of_path(path: &str) -> Surface {
        if path == "/admin" || path.starts_with("/admin/") {
            Surface::Admin
        } else if path == "/youtube" || path.starts_with("/youtube/") {
            Surface::YouTube
        } else if path.starts_with("/ingest/") {
            Surface::Ingest
        } else if path.starts_with("/prism/") && path != "/prism/v1/service/oauth2/token" {
            Surface::Prism
        } else if path.starts_with("/oauth/authorize") || path.starts_with("/oauth/federated/") {
            Surface::Page
        } else if path.starts_with("/oauth/")
            || path.starts_with("/.well-known/")
            || path.starts_with("/prism/")
        {
            Surface::OAuth
        } else {
            Surface::Prism
        }
    }
}

/// One function of the registry.
#[derive(Debug)]
pub struct Function {
    /// Binary name (`functions/src/bin/<name>.rs`), kebab-case `<area>-<action>`.
    pub name: &'static str,
    /// What invokes it.
    pub trigger: Trigger,
    /// What it may touch; the template's policies are derived from this alone.
    pub access: Access,
}

impl Function {
    /// The HTTP route, for HTTP functions.
    pub fn http(&self) -> Option<&Http> {
        match &self.trigger {
            Trigger::Http(http) => Some(http),
            _ => None,
        }
    }

    /// The step handler, for Scheduler- and event-fired functions.
    pub fn step(&self) -> Option<StepHandler> {
        match &self.trigger {
            Trigger::Http(_) => None,
            Trigger::Schedule(schedule) => Some(schedule.handler),
            Trigger::Event(event) => Some(event.handler),
            Trigger::Step(step) => Some(step.handler),
        }
    }
}

/// What invokes a function.
#[derive(Debug)]
pub enum Trigger {
    /// An API Gateway HTTP API route (served with `lambda_http`).
    Http(Http),
    /// A recurring EventBridge Scheduler schedule (served with `lambda_runtime`).
    Schedule(Schedule),
    /// An EventBridge rule matching events on a bus (served with `lambda_runtime`).
    Event(EventRule),
    /// A lifecycle step planned at run time through the step scheduler
    /// ([`onair_store::StepScheduler`]) — one-time EventBridge Scheduler schedules or the delay queue,
    /// by [`StepKind::is_sub_minute`] — served with `lambda_runtime`. The payload is a
    /// [`onair_domain::lifecycle::step::Step`].
    Step(StepTrigger),
}

/// A function performing one kind of lifecycle step.
pub struct StepTrigger {
    /// Performs one delivery of the step (idempotent: delivery is at least once).
    pub handler: StepHandler,
    /// The kind of step; its [`StepKind::function_name`] is the function's name.
    pub kind: StepKind,
}

impl std::fmt::Debug for StepTrigger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "step {}", self.kind)
    }
}

/// An HTTP route.
pub struct Http {
    /// HTTP method, upper case, as in the template's `HttpApi` event.
    pub method: &'static str,
    /// Path in API Gateway / axum syntax (`/admin/clients/{clientId}`).
    pub path: &'static str,
    /// API surface (admin routes get IAM authorisation in the template and on the Lambda host).
    pub surface: Surface,
    /// Builds the route's method router.
    pub route: fn() -> MethodRouter<AppState>,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} ({:?})", self.method, self.path, self.surface)
    }
}

/// A recurring EventBridge Scheduler schedule. The template gets two parameters per schedule — the
/// interval and an on/off switch — and the schedule's target input carries the scheduled time, which
/// keys the run for idempotency.
pub struct Schedule {
    /// Handles one delivery; its payload is [`Schedule::INPUT`] with Scheduler's placeholders filled.
    pub handler: StepHandler,
    /// Template parameter (Number) holding the interval in days.
    pub interval_parameter: &'static str,
    /// The interval's default, in days (at least 2: `rate(1 days)` is not a valid expression).
    pub default_interval_days: u32,
    /// Template parameter (`enabled` | `disabled`) switching the schedule on or off.
    pub switch_parameter: &'static str,
    /// What the schedule does, for the template's descriptions.
    pub description: &'static str,
}

impl Schedule {
    /// The target input every schedule sends: Scheduler replaces the placeholders at each run, and a
    /// retried delivery carries the same values.
    pub const INPUT: &'static str = r#"{"scheduledTime":"<aws.scheduler.scheduled-time>","executionId":"<aws.scheduler.execution-id>","scheduleArn":"<aws.scheduler.schedule-arn>","attempt":"<aws.scheduler.attempt-number>"}"#;
}

impl std::fmt::Debug for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "every {} days ({})",
            self.default_interval_days, self.interval_parameter
        )
    }
}

/// An EventBridge rule: events whose `source` and `detail-type` match invoke the function.
pub struct EventRule {
    /// Handles one event (the whole EventBridge envelope).
    pub handler: StepHandler,
    /// The event's `source`.
    pub source: &'static str,
    /// The event's `detail-type`.
    pub detail_type: &'static str,
}

impl std::fmt::Debug for EventRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.source, self.detail_type)
    }
}

/// How a step failed, which decides what the Lambda host tells the invoker.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StepError {
    /// May succeed later (a store outage): reported as the invocation's error, so Lambda's
    /// asynchronous retries deliver it again and, when they are exhausted, the event lands in the
    /// stack's dead-letter queue.
    #[error("retryable: {0}")]
    Retryable(String),
    /// Can never succeed (a malformed payload, a missing resource): logged at error level and
    /// acknowledged, because a retry would fail the same way.
    #[error("permanent: {0}")]
    Permanent(String),
}

impl From<AppError> for StepError {
    fn from(err: AppError) -> Self {
        if err.is_retryable() {
            StepError::Retryable(err.to_string())
        } else {
            StepError::Permanent(err.to_string())
        }
    }
}

/// A step's future.
pub type StepFuture = Pin<Box<dyn Future<Output = Result<(), StepError>> + Send>>;

/// Handles one Scheduler or EventBridge delivery: translates the JSON payload and calls one use case.
/// Must be idempotent: delivery is at least once.
pub type StepHandler = fn(AppState, serde_json::Value) -> StepFuture;

/// Access to a DynamoDB table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableAccess {
    /// None at all.
    None,
    /// Reads only (`DynamoDBReadPolicy`).
    Read,
    /// Reads and writes (`DynamoDBCrudPolicy`).
    ReadWrite,
}

/// Access to a secret or a family of secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretAccess {
    /// Read the access-token signing key.
    SigningKeyRead,
    /// Read and write the access-token signing key (rotation).
    SigningKeyRotate,
    /// Read client secrets (`onair/<stack>/clients/*`): client authentication.
    ClientSecretsRead,
    /// Create, rotate, read and delete client secrets: client registration.
    ClientSecretsManage,
    /// Read onair's client secret at the platform's OpenID provider.
    OidcClientSecretRead,
    /// Read the shared secret ingest servers present to the ingest hook.
    IngestSecretRead,
    /// Read the key that authenticates chat page tokens.
    ChatPageKeyRead,
}

/// Everything a function may touch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    /// The registrations table (clients, users, channels, audit).
    pub registrations: TableAccess,
    /// The tokens table (codes, refresh tokens, lockouts).
    pub tokens: TableAccess,
    /// Secrets.
    pub secrets: &'static [SecretAccess],
    /// An EventBridge Scheduler group whose schedules the function creates and deletes.
    pub scheduler_group: Option<&'static str>,
    /// An EventBridge bus the function puts events on.
    pub event_bus: Option<&'static str>,
    /// Plans lifecycle steps through the step scheduler ([`onair_store::StepScheduler`]): manages the
    /// one-time schedules of the stack's step group ([`STEP_SCHEDULE_GROUP`]), passes the Scheduler's
    /// execution role to them, and sends to the sub-minute steps' delay queues.
    pub steps: bool,
}

/// The EventBridge Scheduler group of the lifecycle steps' one-time schedules (`<stack>-lifecycle`).
pub const STEP_SCHEDULE_GROUP: &str = "lifecycle";

impl Access {
    /// Nothing.
    pub const NONE: Access = Access {
        registrations: TableAccess::None,
        tokens: TableAccess::None,
        secrets: &[],
        scheduler_group: None,
        event_bus: None,
        steps: false,
    };

    /// With this access to the registrations table.
    pub const fn registrations(self, access: TableAccess) -> Access {
        Access {
            registrations: access,
            ..self
        }
    }

    /// With this access to the tokens table.
    pub const fn tokens(self, access: TableAccess) -> Access {
        Access {
            tokens: access,
            ..self
        }
    }

    /// With these secrets.
    pub const fn secrets(self, secrets: &'static [SecretAccess]) -> Access {
        Access { secrets, ..self }
    }

    /// Managing schedules in this group.
    pub const fn scheduler_group(self, group: &'static str) -> Access {
        Access {
            scheduler_group: Some(group),
            ..self
        }
    }

    /// Planning lifecycle steps (sets the `steps` field).
    pub const fn steps(self) -> Access {
        Access { steps: true, ..self }
    }

    /// Putting events on this bus.
    pub const fn event_bus(self, bus: &'static str) -> Access {
        Access {
            event_bus: Some(bus),
            ..self
        }
    }

    /// Whether the function may change anything.
    pub fn writes(&self) -> bool {
        self.registrations == TableAccess::ReadWrite
            || self.tokens == TableAccess::ReadWrite
            || self.scheduler_group.is_some()
            || self.event_bus.is_some()
            || self.steps
            || self.secrets.iter().any(|s| {
                matches!(
                    s,
                    SecretAccess::SigningKeyRotate | SecretAccess::ClientSecretsManage
                )
            })
    }
}

/// An HTTP registry entry: `http!(name, METHOD, path, Surface, handler, access)`.
macro_rules! http {
    ($name:literal, $method:ident, $path:literal, $surface:ident, $handler:path, $access:expr) => {
        $crate::registry::Function {
            name: $name,
            trigger: $crate::registry::Trigger::Http($crate::registry::Http {
                method: stringify!($method),
                path: $path,
                surface: $crate::registry::Surface::$surface,
                route: || axum::routing::on(axum::routing::MethodFilter::$method, $handler),
            }),
            access: $access,
        }
    };
}
pub(crate) use http;

/// Every area's entries; [`functions`] walks them in this order (the template's order too).
pub static AREAS: &[&[Function]] = &[
    crate::admin::FUNCTIONS,
    crate::oauth::FUNCTIONS,
    crate::prism::FUNCTIONS,
    crate::keys::FUNCTIONS,
    crate::youtube::FUNCTIONS,
    crate::youtube::chat::FUNCTIONS,
    crate::youtube::partner::FUNCTIONS,
    crate::ingest::FUNCTIONS,
    crate::media::FUNCTIONS,
    crate::steps::FUNCTIONS,
];

/// Every function onair deploys.
pub fn functions() -> impl Iterator<Item = &'static Function> {
    AREAS.iter().flat_map(|area| area.iter())
}

/// Every HTTP function with its route.
pub fn http_functions() -> impl Iterator<Item = (&'static Function, &'static Http)> {
    functions().filter_map(|f| f.http().map(|http| (f, http)))
}

/// The registry entry for a binary name.
pub fn find(name: &str) -> Option<&'static Function> {
    functions().find(|f| f.name == name)
}
