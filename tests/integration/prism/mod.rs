//! PRISM's Service API resource calls.

mod chat;
mod chat_secrets;
mod force_end;
mod gateway_client;
mod live_model;
mod lives;
mod r9_disabled;
mod resources;
