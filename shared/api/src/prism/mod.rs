//! PRISM Live Studio's Service API (resource side): `/prism/v1/service/…` answered in PRISM's envelope
//! for the streamer identified by the access token.

pub mod auth;
pub mod channels;
pub mod envelope;
pub mod user;
