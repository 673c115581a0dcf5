//! The hosts and the deployment: the local server binary, Lambda event parity, outages, and the
//! registry/template drift checks.

mod drift;
mod lambda_parity;
mod lambda_wrapper;
mod local_server;
mod local_timeouts;
mod openapi;
mod outages;
mod state_lifetime;
mod step_delivery;
mod step_template;
mod unavailable;
