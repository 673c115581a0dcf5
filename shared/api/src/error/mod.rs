//! One error type per API surface, each mapped to HTTP in exactly one `IntoResponse`.
//!
//! Handlers return these and never build an error response themselves. Internal causes (store outages,
//! corrupt data) are logged inside the request's span — which carries the request id — and the client
//! only ever sees a generic message.

mod admin;
mod google;
mod ingest;
mod oauth;
mod page;
mod prism;

pub use admin::AdminError;
pub use google::GoogleError;
pub use ingest::IngestError;
pub use oauth::TokenError;
pub use page::PageError;
pub use prism::PrismError;

/// Seconds a client should wait before retrying after a 503.
pub const RETRY_AFTER_SECONDS: u64 = 5;
