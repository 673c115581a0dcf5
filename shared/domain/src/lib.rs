//! The pure core of onair.
//!
//! Everything here is plain data and plain functions: registrations (OAuth clients, users, channels), the
//! validation rules their fields obey, and the two things the core may not reach for itself — the time
//! ([`Clock`]) and randomness ([`Generator`]) — which callers inject. Nothing in this crate touches HTTP,
//! DynamoDB, the environment or the system clock, so every rule is tested fast and exhaustively.

pub mod audit;
pub mod channel;
pub mod chat;
pub mod client;
pub mod clock;
pub mod content_id;
pub mod generate;
pub mod ids;
pub mod lifecycle;
pub mod live;
pub mod lockout;
pub mod oauth;
pub mod page;
pub mod password;
pub mod secret;
pub mod user;
pub mod validate;

pub use clock::{Clock, FixedClock, SystemClock};
pub use generate::{Generator, RandomGenerator, SequenceGenerator};
pub use ids::{ChannelId, ClientId, UserId};
pub use page::{Page, PageRequest};
pub use secret::SecretString;
pub use validate::{Violation, Violations};
