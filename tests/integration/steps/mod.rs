//! The lifecycle's timed steps: each step function delivered by hand (duplicates, late deliveries,
//! deleted records), and the lifecycle moving by itself on the embedded scheduler.

mod by_itself;
mod delivery;
pub mod world;
