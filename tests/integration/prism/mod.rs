//! PRISM's Service API resource calls.

mod lives;
mod resources;
