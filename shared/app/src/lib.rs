//! Use cases with no HTTP types.
//!
//! Each use case takes the ports it needs (stores, secrets), the injected clock and generator, and
//! returns one [`AppError`]. HTTP handlers, Scheduler steps and event handlers only translate their
//! input, call a use case here and render its result; none of them sees a store error. Store errors
//! become application errors in one place ([`error`]).

pub mod audit;
pub mod chat;
pub mod client_cache;
pub mod clients;
pub mod content_id;
pub mod error;
pub mod federation;
pub mod hashing;
pub mod idempotency;
pub mod keys;
pub mod lifecycle;
pub mod live_end;
pub mod live_stats;
pub mod lives;
pub mod login;
pub mod oauth;
pub mod signing_keys;
pub mod state;

pub use error::AppError;
pub use state::{AdminAuth, AppState, LifecycleSettings, LoginMode, OAuthSettings, Settings};
