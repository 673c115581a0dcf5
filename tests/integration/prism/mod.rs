//! PRISM's Service API resource calls.

mod resources;
