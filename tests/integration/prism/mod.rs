//! PRISM's Service API resource calls.

mod chat;
mod lives;
mod resources;
