//! Use cases of the broadcast lifecycle (YouTube-compatible liveBroadcasts and liveStreams, the ingest
//! that drives stream status, and the timed steps), free of HTTP types: they take the caller and plain
//! inputs, apply the pure rules of [`onair_domain::lifecycle`], and persist the result with
//! conditional writes.
//!
//! - [`access`]: the caller's channels, ownership answers, list helpers.
//! - [`broadcasts`]: insert, list, update, delete; [`bind`]: bind and unbind; [`transition`];
//!   [`cuepoint`].
//! - [`streams`]: insert, list, update, delete.
//! - [`schedule`]: which timed steps a broadcast needs, planned or cancelled after every write.
//! - [`steps`]: what each timed step does when it is delivered (idempotent, at least once).
//! - [`videos`]: `videos.list` for broadcasts and the media plane's processing report.
//! - [`ingest`]: ingest servers' callbacks driving stream status (the port SRS or IVS can feed too).

pub mod access;
pub mod bind;
pub mod broadcasts;
pub mod cuepoint;
pub mod ingest;
pub mod schedule;
pub mod steps;
pub mod streams;
pub mod transition;
pub mod videos;
