//! The HTTP surface of onair.
//!
//! Every function is one entry of the [`registry`], declared by its area module ([`admin`], [`oauth`],
//! [`prism`], [`keys`], [`youtube`], [`ingest`], [`steps`], [`media`]): an HTTP function is one axum route, a Scheduler- or event-fired function one
//! step handler. [`host`] wraps a route — or all of them — with the shared layers (request id and log
//! span, body limit, HEAD/OPTIONS refusal, admin guard, fallbacks), and that one router is what Lambda,
//! the local server and the tests serve. Each API surface has one error type in [`error`] that alone
//! decides status codes and bodies.

pub mod admin;
pub mod error;
pub mod extract;
pub mod host;
pub mod idempotency;
pub mod ingest;
pub mod keys;
pub mod media;
pub mod oauth;
pub mod openapi;
pub mod prism;
pub mod registry;
pub mod steps;
pub mod youtube;

pub use registry::{Function, Surface};
