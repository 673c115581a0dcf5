//! Secret values and their two adapters: AWS Secrets Manager with a TTL cache, and a static in-memory
//! store for local runs.

pub mod manager;
pub mod memory;
mod value;

pub use value::{
    ClientSecret, MAX_PREVIOUS, PreviousSecret, Rotated, RotationPolicy, RotationRefused, StoredSecret,
};
