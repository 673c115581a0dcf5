//! The OAuth 2.0 authorization server: the login page and authorization endpoint, the token endpoints
//! (PRISM's and the standard one), revocation, introspection and metadata.

pub mod audit;
pub mod authorize;
pub mod client_auth;
pub mod client_cache;
pub mod federation;
pub mod grants;
pub mod i18n;
pub mod introspect;
pub mod issue;
pub mod keys;
pub mod login;
pub mod metadata;
pub mod page;
pub mod request;
pub mod revoke;
pub mod token;
