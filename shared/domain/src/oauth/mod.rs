//! The OAuth 2.0 authorization server's rules, as pure functions and data.
//!
//! Nothing here performs I/O: handlers feed in what they loaded (the client, the stored code, the
//! refresh token's record) plus the time, and get back a decision. That keeps every MUST of RFC 6749,
//! RFC 7636 and the OAuth 2.0 Security BCP (RFC 9700) testable in microseconds.

pub mod authorize;
pub mod code;
pub mod error;
pub mod jwt;
pub mod params;
pub mod pkce;
pub mod refresh;
pub mod token;

pub use error::{OAuthError, OAuthErrorCode};
