//! Admin routes for OAuth clients: create, list, get, update redirect URIs, delete, rotate secret.
//!
//! The client secret is stored only in the secret store and returned exactly once (on create and on
//! rotate); the registration's lifecycle is [`onair_app::clients`]'s.

use super::views::{ClientView, PageView};
use super::{check_expected, path_id};
use crate::error::AdminError;
use crate::extract::{AdminJson, AdminJsonOrEmpty, AdminPage, AdminPath, not_null};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use onair_app::AppState;
use onair_app::clients::{self, NewClient};
use onair_app::error::StoreResult;
use onair_domain::client::{self, Client, ClientKind};
use onair_domain::{ClientId, Violations};
use onair_store::RotationPolicy;
use serde::Deserialize;
use serde_json::{Value, json};
use time::Duration;
use utoipa::ToSchema;

/// Longest rotation overlap an operator may ask for.
const MAX_OVERLAP: Duration = Duration::days(30);

/// Body of `POST /admin/clients`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateClient {
    name: String,
    #[serde(default = "confidential")]
    #[schema(value_type = crate::openapi::schemas::ClientKind)]
    kind: ClientKind,
    redirect_uris: Vec<String>,
}

fn confidential() -> ClientKind {
    ClientKind::Confidential
}

/// `POST /admin/clients`: registers a client; the reply carries `clientSecret` once.
pub async fn create(
    State(s): State<AppState>,
    AdminJson(body): AdminJson<CreateClient>,
) -> Result<(StatusCode, Json<Value>), AdminError> {
    let mut v = Violations::default();
    client::check_name(&mut v, "name", &body.name);
    client::check_redirect_uris(&mut v, "redirectUris", &body.redirect_uris);
    v.finish(())?;
    let new = NewClient {
        name: body.name,
        kind: body.kind,
        redirect_uris: body.redirect_uris,
    };
    let (record, secret) = clients::register(&s, new).await?;
    let mut view =
        serde_json::to_value(ClientView::from(&record)).map_err(|e| AdminError::Internal(e.to_string()))?;
    if let (Some(secret), Some(obj)) = (&secret, view.as_object_mut()) {
        obj.insert("clientSecret".into(), Value::String(secret.expose().to_owned()));
    }
    Ok((StatusCode::CREATED, Json(view)))
}

/// `GET /admin/clients`: clients, newest first.
pub async fn list(State(s): State<AppState>, AdminPage(page): AdminPage) -> Result<Json<Value>, AdminError> {
    let page = s.clients.list(&page).await.what("client")?;
    let view = PageView {
        items: page.items.iter().map(ClientView::from).collect(),
        next_page_token: page.next,
    };
    Ok(Json(json!(view)))
}

/// `GET /admin/clients/{clientId}`.
pub async fn get(
    State(s): State<AppState>,
    AdminPath(id): AdminPath<String>,
) -> Result<Json<Value>, AdminError> {
    let id = path_id(&id, ClientId::parse, "client")?;
    let client = s.clients.get(&id).await.what("client")?;
    Ok(Json(json!(ClientView::from(&client))))
}

/// Body of `PATCH /admin/clients/{clientId}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateClient {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = String, required = false)]
    name: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = Vec<String>, required = false)]
    redirect_uris: Option<Vec<String>>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = u64, required = false)]
    expected_version: Option<u64>,
}

/// `PATCH /admin/clients/{clientId}`: renames or replaces the redirect-URI list.
pub async fn update(
    State(s): State<AppState>,
    AdminPath(id): AdminPath<String>,
    AdminJson(body): AdminJson<UpdateClient>,
) -> Result<Json<Value>, AdminError> {
    let id = path_id(&id, ClientId::parse, "client")?;
    let mut v = Violations::default();
    if let Some(name) = &body.name {
        client::check_name(&mut v, "name", name);
    }
    if let Some(uris) = &body.redirect_uris {
        client::check_redirect_uris(&mut v, "redirectUris", uris);
    }
    if body.name.is_none() && body.redirect_uris.is_none() {
        v.add("body", "must change at least one of name, redirectUris");
    }
    v.finish(())?;
    let current = s.clients.get(&id).await.what("client")?;
    let expected = check_expected(body.expected_version, current.version)?;
    let updated = Client {
        name: body.name.map(|n| n.trim().to_owned()).unwrap_or(current.name),
        redirect_uris: body.redirect_uris.unwrap_or(current.redirect_uris),
        modified_at: s.clock.now(),
        version: expected + 1,
        ..current
    };
    s.clients.update(&updated, expected).await.what("client")?;
    s.client_cache.invalidate(&id);
    Ok(Json(json!(ClientView::from(&updated))))
}

/// `DELETE /admin/clients/{clientId}`: removes the record, then its secret.
pub async fn delete(
    State(s): State<AppState>,
    AdminPath(id): AdminPath<String>,
) -> Result<StatusCode, AdminError> {
    let id = path_id(&id, ClientId::parse, "client")?;
    clients::delete(&s, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Body of `POST /admin/clients/{clientId}/rotate-secret` (optional).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RotateSecret {
    overlap_seconds: Option<i64>,
    /// Rotate even while an earlier overlap is running (every earlier secret then keeps its own
    /// deadline, up to [`onair_store::secrets::MAX_PREVIOUS`] at once).
    #[serde(default, deserialize_with = "not_null")]
    force: Option<bool>,
}

/// `POST /admin/clients/{clientId}/rotate-secret`: issues a new secret (returned once); the previous one
/// keeps working for the overlap window.
///
/// Exactly one of concurrent rotations wins; a rotation while an earlier overlap is running is refused
/// (409) unless `force` is set ([`onair_app::clients::rotate_secret`]).
pub async fn rotate_secret(
    State(s): State<AppState>,
    AdminPath(id): AdminPath<String>,
    AdminJsonOrEmpty(body): AdminJsonOrEmpty<RotateSecret>,
) -> Result<Json<Value>, AdminError> {
    let id = path_id(&id, ClientId::parse, "client")?;
    let overlap = match body.overlap_seconds {
        None => s.settings.secret_overlap,
        Some(secs) if (0..=MAX_OVERLAP.whole_seconds()).contains(&secs) => Duration::seconds(secs),
        Some(_) => {
            return Err(AdminError::Invalid(Violations::one(
                "overlapSeconds",
                format!("must be from 0 to {}", MAX_OVERLAP.whole_seconds()),
            )));
        }
    };
    let policy = if body.force.unwrap_or(false) {
        RotationPolicy::Force
    } else {
        RotationPolicy::RefuseDuringOverlap
    };
    let rotation = clients::rotate_secret(&s, &id, overlap, policy).await?;
    Ok(Json(json!({
        "clientId": id.as_str(),
        "clientSecret": rotation.secret.expose(),
        "previousSecretValidUntil": rotation.previous_until.format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| AdminError::Internal(e.to_string()))?,
        "version": rotation.version,
    })))
}
