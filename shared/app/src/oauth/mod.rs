//! The authorization server's use cases behind the token, revocation and introspection endpoints:
//! client authentication, the grants, token issuing, revocation and introspection.

pub mod client_auth;
pub mod grants;
pub mod introspect;
pub mod issue;
pub mod revoke;
