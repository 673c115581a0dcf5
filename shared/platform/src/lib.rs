//! Runtime glue of onair: everything between the outside world and the pure routers.
//!
//! [`config`] reads the environment once; [`wiring`] builds the store, secret and clock/generator ports
//! the configuration asks for; [`lambda`] serves one registry function on AWS Lambda; [`local`] serves all
//! of them on one port (seeding a demo on an empty store); [`logging`] sets up `tracing`.

pub mod config;
pub mod lambda;
pub mod local;
pub mod logging;
pub mod wiring;

pub use config::Config;
