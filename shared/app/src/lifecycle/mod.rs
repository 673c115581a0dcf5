//! Use cases of the broadcast lifecycle (YouTube-compatible liveBroadcasts and liveStreams, the ingest
//! that drives stream status, and the timed steps), free of HTTP types: they take the caller and plain
//! inputs, apply the pure rules of [`onair_domain::lifecycle`], and persist the result with
//! conditional writes.
//!
//! - [`schedule`]: which timed steps a broadcast needs, planned or cancelled after every write.
//! - [`steps`]: what each timed step does when it is delivered (idempotent, at least once).
//! - [`ingest`]: ingest servers' callbacks driving stream status (the port SRS or IVS can feed too).

pub mod ingest;
pub mod schedule;
pub mod steps;
