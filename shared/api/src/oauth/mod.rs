//! The OAuth 2.0 authorization server: the login page and authorization endpoint, the token endpoints
//! (PRISM's and the standard one), revocation, introspection and metadata.

pub mod authorize;
pub mod federation;
pub mod i18n;
pub mod introspect;
pub mod metadata;
pub mod page;
pub mod request;
pub mod revoke;
pub mod token;

use crate::registry::{Access, Function, SecretAccess, TableAccess, http};

/// Reads registrations and the signing key: the authorization page.
const PAGE: Access = Access::NONE
    .registrations(TableAccess::Read)
    .secrets(&[SecretAccess::SigningKeyRead]);
/// Writes grants and registrations (audit) and signs tokens: login.
const LOGIN: Access = Access::NONE
    .registrations(TableAccess::ReadWrite)
    .tokens(TableAccess::ReadWrite)
    .secrets(&[SecretAccess::SigningKeyRead]);
/// Login plus onair's client secret at the OpenID provider: the federation callback.
const FEDERATED: Access = LOGIN.secrets(&[SecretAccess::SigningKeyRead, SecretAccess::OidcClientSecretRead]);
/// Authenticates clients and writes grants: the token and revocation endpoints.
const TOKEN: Access = LOGIN.secrets(&[SecretAccess::SigningKeyRead, SecretAccess::ClientSecretsRead]);
/// Authenticates clients and reads grants: introspection.
const INTROSPECT: Access = Access::NONE
    .registrations(TableAccess::Read)
    .tokens(TableAccess::Read)
    .secrets(&[SecretAccess::SigningKeyRead, SecretAccess::ClientSecretsRead]);

/// The authorization server's functions.
pub static FUNCTIONS: &[Function] = &[
    http!(
        "oauth-authorize",
        GET,
        "/oauth/authorize",
        Page,
        authorize::show,
        PAGE
    ),
    http!(
        "oauth-login",
        POST,
        "/oauth/authorize",
        Page,
        authorize::submit,
        LOGIN
    ),
    http!(
        "oauth-federated-callback",
        GET,
        "/oauth/federated/callback",
        Page,
        federation::callback,
        FEDERATED
    ),
    http!("oauth-token", POST, "/oauth/token", OAuth, token::standard, TOKEN),
    http!(
        "oauth-revoke",
        POST,
        "/oauth/revoke",
        OAuth,
        revoke::revoke,
        TOKEN
    ),
    http!(
        "oauth-introspect",
        POST,
        "/oauth/introspect",
        OAuth,
        introspect::introspect,
        INTROSPECT
    ),
    http!(
        "oauth-metadata",
        GET,
        "/.well-known/oauth-authorization-server",
        OAuth,
        metadata::metadata,
        Access::NONE
    ),
    http!(
        "prism-token",
        GET,
        "/prism/v1/service/oauth2/token",
        OAuth,
        token::prism,
        TOKEN
    ),
];
