//! The single integration-test binary of onair (one binary keeps link time low on 2 cores).
//!
//! Modules, fast to slow: handler tests on the in-process router, the store and secret contract suites
//! (each run against the embedded adapter and against DynamoDB / Secrets Manager on the moto server the
//! test command starts), end-to-end flows over HTTP against the local server on both stores, Lambda
//! parity through `lambda_http`, and the catalog/template drift checks. Tests that need moto fail —
//! never skip, never fall back to the embedded store — when it is not there.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    missing_docs
)]

mod admin_api;
mod authorization_responses;
mod drift;
mod federation;
mod lambda_parity;
mod local_server;
mod local_timeouts;
mod login_browser;
mod oauth_bad_input;
mod oauth_e2e;
mod oauth_store_contract;
mod oauth_support;
mod prism_resources;
mod resource_access;
mod secret_rotation;
mod secrets_contract;
mod store_contract;
mod support;
mod unavailable;
