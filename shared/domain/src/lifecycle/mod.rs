//! The broadcast lifecycle's pure core: YouTube-compatible liveBroadcasts and liveStreams
//! (`shared/spec/live-lifecycle.md`, the `youtube.v3.json` discovery document for names).
//!
//! Plain data and plain functions, no store, no HTTP, no async; `now` and the [`crate::Generator`] are
//! passed in. Use cases persist what these functions return with conditional writes.
//!
//! - [`wire`]: enumerations with their exact wire spellings; RFC 3339 and 64-bit-as-string encodings.
//! - [`error`]: refusals with YouTube's `reason`, HTTP status and domain as data.
//! - [`broadcast`], [`stream`]: the stored records; [`key`]: stream keys.
//! - [`part`]: the `part` parameter; [`body`]: write bodies as sent; [`validate`]: field rules.
//! - [`resource`]: insert and update (replace-by-part, the §5.4 matrix).
//! - [`machine`]: transitions, settling, auto start/stop, bind, delete — and the decisions on the
//!   spec's gaps; [`ingest`]: the stream status machine; [`cuepoint`]: cuepoints.
//! - [`render`]: records as API resources (`kind`, `etag`, selected parts).
//! - [`step`]: timed steps (settle, auto-stop, scheduled start/end, stream changed) as payloads.
//! - [`video`]: a broadcast's video (`videos.list`) and the media plane's processing report.

pub mod body;
pub mod broadcast;
pub mod cuepoint;
pub mod error;
pub mod ingest;
pub mod key;
pub mod machine;
pub mod part;
pub mod render;
pub mod resource;
pub mod step;
pub mod stream;
pub mod validate;
pub mod video;
pub mod wire;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod tests;

pub use error::{ErrorDomain, LifecycleError, Reason};
pub use key::StreamKey;
