//! The single integration-test binary of onair (one binary keeps link time low on 2 cores).
//!
//! Modules by area — `admin`, `oauth`, `prism`, `idempotency` (`Idempotency-Key` writes), `contract`
//! (the store and secret contract suites), `platform` (local server, Lambda hosts, outages, drift),
//! `steps` (the lifecycle's timed steps), `ingest` (the RTMP ingest hook, with real nginx-rtmp and
//! ffmpeg) — over one shared per-backend harness in
//! `support` (`on_both_backends!`: every store-facing test runs on the embedded store and on DynamoDB /
//! Secrets Manager on the moto server the test command starts). Tests that need moto fail —
//! never skip, never fall back to the embedded store — when it is not there.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    missing_docs
)]

mod admin;
mod contract;
mod faults;
mod idempotency;
mod ingest;
mod oauth;
mod partner;
mod platform;
mod prism;
mod steps;
mod support;
mod youtube;
