//! PRISM's Service API resource calls.

mod live_model;
mod lives;
mod resources;
