//! PRISM's Service API resource calls.

mod force_end;
mod lives;
mod resources;
