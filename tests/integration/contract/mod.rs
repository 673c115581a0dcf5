//! The store and secret contract suites: the same generic tests against the embedded store and
//! DynamoDB / Secrets Manager on moto.

mod chat;
mod content_id;
mod content_id_broadcast;
mod content_id_videos;
mod idempotency;
mod lifecycle;
mod lifecycle_batch;
mod live_views;
mod lives;
mod oauth_store;
mod secrets;
mod steps;
mod store;
mod videos;
