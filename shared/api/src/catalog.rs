//! The catalog: the single list of onair's functions.
//!
//! One entry per Lambda: its binary name, the HTTP method and path API Gateway routes to it, the API
//! surface it belongs to, and the constructor of its route. `functions/src/bin/` holds exactly one
//! binary per entry and `template.yaml` exactly one function per entry; the drift test holds all three
//! together.

use crate::admin::{audit, channels, clients, users};
use crate::oauth::{authorize, federation, introspect, metadata, revoke, token};
use crate::prism;
use crate::state::AppState;
use axum::routing::{MethodFilter, MethodRouter, on};

/// Which API a function belongs to; decides its error format and its authorisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// `/admin/…`: registrations; IAM on AWS, admin token locally.
    Admin,
    /// `/prism/v1/service/…` resource calls (PRISM envelope).
    Prism,
    /// OAuth JSON endpoints: token, revocation, introspection, metadata (RFC 6749 §5.2 errors).
    OAuth,
    /// Browser pages: the authorization endpoint and the federation callback (HTML errors).
    Page,
}

impl Surface {
    /// The surface a request path belongs to (also for paths no function serves).
    pub fn of_path(path: &str) -> Surface {
        if path == "/admin" || path.starts_with("/admin/") {
            Surface::Admin
        } else if path.starts_with("/prism/") && path != "/prism/v1/service/oauth2/token" {
            Surface::Prism
        } else if path.starts_with("/oauth/authorize") || path.starts_with("/oauth/federated/") {
            Surface::Page
        } else if path.starts_with("/oauth/")
            || path.starts_with("/.well-known/")
            || path.starts_with("/prism/")
        {
            Surface::OAuth
        } else {
            Surface::Prism
        }
    }
}

/// One function of the catalog.
#[derive(Debug)]
pub struct Function {
    /// Binary name (`functions/src/bin/<name>.rs`), kebab-case `<area>-<action>`.
    pub name: &'static str,
    /// HTTP method, upper case, as in the template's `HttpApi` event.
    pub method: &'static str,
    /// Path in API Gateway / axum syntax (`/admin/clients/{clientId}`).
    pub path: &'static str,
    /// API surface.
    pub surface: Surface,
    /// Builds the route's method router.
    pub route: fn() -> MethodRouter<AppState>,
}

macro_rules! function {
    ($name:literal, $method:ident, $path:literal, $surface:ident, $handler:path) => {
        Function {
            name: $name,
            method: stringify!($method),
            path: $path,
            surface: Surface::$surface,
            route: || on(MethodFilter::$method, $handler),
        }
    };
}

/// Every function onair deploys.
pub static CATALOG: &[Function] = &[
    function!(
        "admin-clients-create",
        POST,
        "/admin/clients",
        Admin,
        clients::create
    ),
    function!("admin-clients-list", GET, "/admin/clients", Admin, clients::list),
    function!(
        "admin-clients-get",
        GET,
        "/admin/clients/{clientId}",
        Admin,
        clients::get
    ),
    function!(
        "admin-clients-update",
        PATCH,
        "/admin/clients/{clientId}",
        Admin,
        clients::update
    ),
    function!(
        "admin-clients-delete",
        DELETE,
        "/admin/clients/{clientId}",
        Admin,
        clients::delete
    ),
    function!(
        "admin-clients-rotate-secret",
        POST,
        "/admin/clients/{clientId}/rotate-secret",
        Admin,
        clients::rotate_secret
    ),
    function!("admin-users-create", POST, "/admin/users", Admin, users::create),
    function!("admin-users-get", GET, "/admin/users/{userId}", Admin, users::get),
    function!(
        "admin-users-update",
        PATCH,
        "/admin/users/{userId}",
        Admin,
        users::update
    ),
    function!(
        "admin-users-delete",
        DELETE,
        "/admin/users/{userId}",
        Admin,
        users::delete
    ),
    function!(
        "admin-channels-create",
        POST,
        "/admin/users/{userId}/channels",
        Admin,
        channels::create
    ),
    function!(
        "admin-channels-list",
        GET,
        "/admin/users/{userId}/channels",
        Admin,
        channels::list
    ),
    function!(
        "admin-channels-get",
        GET,
        "/admin/users/{userId}/channels/{channelId}",
        Admin,
        channels::get
    ),
    function!(
        "admin-channels-update",
        PATCH,
        "/admin/users/{userId}/channels/{channelId}",
        Admin,
        channels::update
    ),
    function!("admin-audit-list", GET, "/admin/audit", Admin, audit::list),
    function!("oauth-authorize", GET, "/oauth/authorize", Page, authorize::show),
    function!("oauth-login", POST, "/oauth/authorize", Page, authorize::submit),
    function!(
        "oauth-federated-callback",
        GET,
        "/oauth/federated/callback",
        Page,
        federation::callback
    ),
    function!("oauth-token", POST, "/oauth/token", OAuth, token::standard),
    function!("oauth-revoke", POST, "/oauth/revoke", OAuth, revoke::revoke),
    function!(
        "oauth-introspect",
        POST,
        "/oauth/introspect",
        OAuth,
        introspect::introspect
    ),
    function!(
        "oauth-metadata",
        GET,
        "/.well-known/oauth-authorization-server",
        OAuth,
        metadata::metadata
    ),
    function!(
        "prism-token",
        GET,
        "/prism/v1/service/oauth2/token",
        OAuth,
        token::prism
    ),
    function!(
        "prism-user",
        GET,
        "/prism/v1/service/user",
        Prism,
        prism::user::user
    ),
    function!(
        "prism-channel-list",
        GET,
        "/prism/v1/service/channel/list",
        Prism,
        prism::channels::list
    ),
    function!(
        "prism-channel-get",
        GET,
        "/prism/v1/service/channel/{channelId}",
        Prism,
        prism::channels::get
    ),
];

/// The catalog entry for a binary name.
pub fn find(name: &str) -> Option<&'static Function> {
    CATALOG.iter().find(|f| f.name == name)
}
