//! The HTTP surface of onair.
//!
//! Every function of the [`catalog`] is one axum route whose handler lives in an area module
//! ([`admin`], …). [`host`] wraps a route — or all of them — with the shared layers (request id and
//! log span, body limit, HEAD/OPTIONS refusal, admin guard, fallbacks), and that one router is what
//! Lambda, the local server and the tests serve. Each API surface has one error type in [`error`] that
//! alone decides status codes and bodies.

pub mod admin;
pub mod catalog;
pub mod error;
pub mod extract;
pub mod host;
pub mod oauth;
pub mod openapi;
pub mod prism;
pub mod state;

pub use catalog::{CATALOG, Function, Surface};
pub use state::{AdminAuth, AppState, LoginMode, OAuthSettings, Settings};
