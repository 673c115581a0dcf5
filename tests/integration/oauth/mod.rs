//! The authorization server: the login page, the token endpoints, federation, and full flows with
//! independent clients (the `oauth2` crate, authlib, headless Chromium).

mod authorization_responses;
mod bad_input;
mod claims;
mod e2e;
pub(crate) mod federation;
mod grant_misuse;
mod key_rotation;
mod login_browser;
mod login_throttle;
mod resource_access;
