//! PRISM's Service API resource calls.

mod chat;
mod force_end;
mod lives;
mod resources;
