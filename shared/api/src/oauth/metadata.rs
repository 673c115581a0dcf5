//! Authorization server metadata (RFC 8414) at `/.well-known/oauth-authorization-server`.

use super::request::issuer;
use axum::Json;
use axum::extract::State;
use axum::http::request::Parts;
use onair_app::AppState;
use serde_json::{Value, json};

/// `GET /.well-known/oauth-authorization-server`.
pub async fn metadata(State(state): State<AppState>, parts: Parts) -> Json<Value> {
    let iss = issuer(&state, &parts);
    Json(json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/oauth/authorize"),
        "token_endpoint": format!("{iss}/oauth/token"),
        "revocation_endpoint": format!("{iss}/oauth/revoke"),
        "introspection_endpoint": format!("{iss}/oauth/introspect"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "ui_locales_supported": ["en", "ko", "ja"],
        // Every authorization response carries `iss` (RFC 9207 §3), success and error alike.
        "authorization_response_iss_parameter_supported": true,
    }))
}
