//! Admin routes for OAuth clients: create, list, get, update redirect URIs, delete, rotate secret.
//!
//! The client secret is generated here, stored only in the secret store and returned exactly once (on
//! create and on rotate). Creation writes the secret first and the record second, and deletion removes
//! the record first, so a readable client always has its secret.

use super::views::{ClientView, PageView};
use super::{check_expected, path_id};
use crate::error::AdminError;
use crate::extract::{AdminJson, AdminJsonOrEmpty, AdminPage, AdminPath, not_null};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use onair_app::AppError;
use onair_app::error::StoreResult;
use onair_app::state::{AppState, client_secret_name};
use onair_domain::client::{self, Client, ClientKind};
use onair_domain::{ClientId, Violations};
use onair_store::{RotationPolicy, StoreError};
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
    let id = ClientId::parse(&s.generator.id())
        .ok_or_else(|| AdminError::Internal("generated an invalid id".into()))?;
    let now = s.clock.now();
    let secret = match body.kind {
        ClientKind::Confidential => {
            let secret = s.generator.secret();
            let name = client_secret_name(&id);
            if let Err(err) = s.secrets.create(&name, &secret).await {
                // An unavailable store may have written the secret and lost the answer: remove it, so
                // a failed registration leaves nothing behind (the id is fresh, so it is ours).
                if matches!(err, StoreError::Unavailable(_)) {
                    match s.secrets.delete(&name).await {
                        Ok(()) | Err(StoreError::NotFound) => {}
                        Err(cleanup) => {
                            tracing::warn!(error = %cleanup, "could not remove the secret of a failed client registration")
                        }
                    }
                }
                return Err(AdminError::from(AppError::from(err).of("client secret")));
            }
            Some(secret)
        }
        ClientKind::Public => None,
    };
    let record = Client {
        name: body.name.trim().to_owned(),
        kind: body.kind,
        redirect_uris: body.redirect_uris,
        secret_name: secret.as_ref().map(|_| client_secret_name(&id)),
        id,
        created_at: now,
        modified_at: now,
        version: 1,
    };
    if let Err(err) = s.clients.create(&record).await {
        // Undo the registration so a failed one leaves nothing behind. An unavailable store may have
        // written the record and lost the answer, so the record goes first (`NotFound`: it was never
        // written), then the secret. A `Conflict` means the id belongs to another registration: its
        // record is not ours, but the secret is (creating it succeeded, so no client had one under this
        // name). Only a second failure leaves something: an orphan secret no record points to, or — if
        // the record was written and cannot be removed — a record without a secret; both are logged.
        if !matches!(err, StoreError::Conflict(_)) {
            match s.clients.delete(&record.id).await {
                Ok(()) | Err(StoreError::NotFound) => {}
                Err(cleanup) => {
                    tracing::warn!(client_id = %record.id, error = %cleanup, "could not remove the record of a failed client registration");
                }
            }
        }
        if let Some(name) = &record.secret_name
            && let Err(cleanup) = s.secrets.delete(name).await
        {
            tracing::warn!(error = %cleanup, "could not remove the secret of a failed client registration");
        }
        return Err(AdminError::from(AppError::from(err).of("client")));
    }
    tracing::info!(client_id = %record.id, "client registered");
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
    let client = s.clients.get(&id).await.what("client")?;
    s.clients.delete(&id).await.what("client")?;
    s.client_cache.invalidate(&id);
    if let Some(name) = &client.secret_name {
        match s.secrets.delete(name).await {
            Ok(()) | Err(StoreError::NotFound) => {}
            // The record is gone, so nothing can authenticate with this secret any more; the orphan
            // only costs storage and is logged for the operator.
            Err(err) => {
                tracing::warn!(client_id = %id, error = %err, "client deleted but its secret remains")
            }
        }
    }
    tracing::info!(client_id = %id, "client deleted");
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

/// How often the record's version bump is retried when a concurrent update moved the version on.
const BUMP_ATTEMPTS: usize = 3;

/// `POST /admin/clients/{clientId}/rotate-secret`: issues a new secret (returned once); the previous one
/// keeps working for the overlap window.
///
/// The secret store is where a rotation is decided: its conditional write lets exactly one of
/// concurrent rotations through, and it refuses (409) a rotation while an earlier overlap is running
/// unless `force` is set, so every deadline a reply states holds. The record's version is bumped after
/// that, so a refused or losing rotation changes nothing at all; if the bump cannot be made, the
/// rotation is undone (conditionally, so a later rotation is never reverted) and the error returned.
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
    let current = s.clients.get(&id).await.what("client")?;
    let Some(secret_name) = current.secret_name.clone() else {
        return Err(AdminError::Conflict(
            "public clients have no secret to rotate".into(),
        ));
    };
    let now = s.clock.now();
    let secret = s.generator.secret();
    let until = now + overlap;
    let rotated = s
        .secrets
        .rotate_with(&secret_name, &secret, until, policy)
        .await
        .what("client secret")?;
    let version = match bump(&s, current, now).await {
        Ok(version) => version,
        Err(err) => {
            match s
                .secrets
                .replace(&secret_name, &rotated.after, &rotated.before)
                .await
            {
                Ok(()) => tracing::info!(client_id = %id, "client secret rotation undone"),
                // Undo is best effort: the rotation stands (and its secret is lost to the caller), but
                // the replaced secret keeps working for the overlap, so nothing is locked out.
                Err(undo) => tracing::warn!(
                    client_id = %id, error = %undo, "client secret rotated but the record was not updated"
                ),
            }
            return Err(err);
        }
    };
    s.client_cache.invalidate(&id);
    tracing::info!(
        client_id = %id,
        overlap_seconds = overlap.whole_seconds(),
        forced = policy == RotationPolicy::Force,
        "client secret rotated"
    );
    Ok(Json(json!({
        "clientId": id.as_str(),
        "clientSecret": secret.expose(),
        "previousSecretValidUntil": until.format(&time::format_description::well_known::Rfc3339)
            .map_err(|e| AdminError::Internal(e.to_string()))?,
        "version": version,
    })))
}

/// Bumps the record's version and modification time after a rotation, re-reading it when a concurrent
/// update (a rename, say) moved the version on; returns the new version.
async fn bump(s: &AppState, mut current: Client, now: time::OffsetDateTime) -> Result<u64, AdminError> {
    for attempt in 1..=BUMP_ATTEMPTS {
        let expected = current.version;
        let bumped = Client {
            modified_at: now,
            version: expected + 1,
            ..current
        };
        match s.clients.update(&bumped, expected).await {
            Ok(()) => return Ok(bumped.version),
            Err(StoreError::Conflict(_)) if attempt < BUMP_ATTEMPTS => {
                current = s.clients.get(&bumped.id).await.what("client")?;
            }
            Err(err) => return Err(AdminError::from(AppError::from(err).of("client"))),
        }
    }
    Err(AdminError::Conflict("the client kept changing; retry".into()))
}
