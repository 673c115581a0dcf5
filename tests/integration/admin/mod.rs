//! The admin API: registrations of clients, users and channels, the audit trail.

mod api;
mod live_statistics;
mod processing;
mod secret_rotation;
