//! `tracing` set-up: JSON lines on Lambda (CloudWatch parses them), readable text locally.
//!
//! Nothing logged anywhere carries a token, code, password or secret value: the types holding them
//! redact their `Debug`, and the access log records paths, never query strings.
//!
//! The AWS SDK and the HTTP client below it log whole request and response bodies at TRACE (a
//! DynamoDB `GetItem` answer with a stream record carries its stream key; a Secrets Manager answer
//! carries the secret). Those TRACE events are dropped whatever `RUST_LOG` asks for, so even the most
//! verbose setting cannot put a secret into the log; their DEBUG events (no bodies) stay available.

use crate::config::{Config, LogFormat};
use tracing::{Level, Metadata};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Targets whose TRACE events may carry request or response bodies.
const BODY_LOGGING_TARGETS: &[&str] = &[
    "aws_smithy_",
    "aws_sdk_",
    "aws_runtime",
    "aws_config",
    "aws_sigv4",
    "hyper",
    "h2",
    "rustls",
    "lambda_runtime",
    "lambda_http",
];

/// Whether an event may be logged at all (before `RUST_LOG` decides whether it is wanted).
pub fn may_log(metadata: &Metadata<'_>) -> bool {
    *metadata.level() < Level::TRACE
        || !BODY_LOGGING_TARGETS
            .iter()
            .any(|prefix| metadata.target().starts_with(prefix))
}

/// Installs the global subscriber; a second call (tests starting several servers) is a no-op.
pub fn init(config: &Config) {
    let filter = EnvFilter::try_new(&config.log_filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let guard = filter_fn(may_log);
    let _already_set = match config.log_format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .finish()
            .with(guard)
            .try_init(),
        LogFormat::Text => builder.with_ansi(false).finish().with(guard).try_init(),
    };
}
