//! The ingest hooks: ingest servers report publishing through them, and their answer admits or drops
//! the encoder. Each adapter translates its server's callback into a presented key and an
//! [`onair_domain::lifecycle::ingest::IngestEvent`] and calls the one use case,
//! [`onair_app::lifecycle::ingest`]; nginx-rtmp is the first ([`nginx_rtmp`]).
//!
//! The ingest server authenticates with a shared secret in the hook URL's `token` query parameter
//! (nginx-rtmp cannot sign requests or set headers). The access log records paths only, never query
//! strings, and the stream key travels in the form body, so neither is ever logged.

pub mod nginx_rtmp;

use crate::registry::{Access, Function, SecretAccess, TableAccess, http};

/// The ingest-hook functions.
pub static FUNCTIONS: &[Function] = &[http!(
    "ingest-nginx-rtmp",
    POST,
    "/ingest/nginx-rtmp",
    Ingest,
    nginx_rtmp::hook,
    Access::NONE
        .registrations(TableAccess::ReadWrite)
        .secrets(&[SecretAccess::IngestSecretRead])
        .steps()
)];
