//! The admin API: registrations of clients, users and channels, the audit trail.

mod api;
mod secret_rotation;
