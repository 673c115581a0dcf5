//! PRISM lives as handles on broadcasts (`shared/spec/prism-service-api.md` §6): the pure rules that
//! turn a broadcast of the lifecycle engine into PRISM's live DTO fields.
//!
//! There is one engine, not two: a PRISM live is a broadcast bound to its own non-reusable stream. These
//! functions only translate.
//!
//! - [`status`]: PRISM's `RESERVED` / `ON_AIR` / `END` from the broadcast's state and whether the
//!   streamer started the live (R9).
//! - [`scope`]: PRISM's `PUBLIC` / `LIMITED` / `PRIVATE` and YouTube's privacy statuses.
//! - [`links`]: `rtmpPath` (the ingestion address plus `/` plus the stream key, split by PRISM at the
//!   last `/`) and `liveLink` (a configured watch-URL template, else the channel's link).

pub mod links;
pub mod scope;
pub mod status;
