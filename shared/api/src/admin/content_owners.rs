//! Admin routes for Content ID owners: register, read, change (display name, live-fingerprinting
//! approval), and link or unlink the channels whose users may act for the owner.

use super::path_id;
use crate::error::AdminError;
use crate::extract::{AdminJson, AdminPath, not_null};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use onair_app::AppState;
use onair_app::content_id::owners::{self, Change};
use onair_domain::ids::is_id;
use onair_domain::{ChannelId, UserId};
use onair_store::StoredOwner;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

/// A content owner as the admin API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContentOwnerView {
    id: String,
    display_name: String,
    live_fingerprinting: bool,
    /// Linked channels.
    channels: Vec<LinkView>,
    version: u64,
}

/// One linked channel.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LinkView {
    channel_id: String,
    user_id: String,
}

impl From<&StoredOwner> for ContentOwnerView {
    fn from(stored: &StoredOwner) -> Self {
        let o = &stored.owner;
        Self {
            id: o.id.clone(),
            display_name: o.display_name.clone(),
            live_fingerprinting: o.live_fingerprinting,
            channels: o
                .channels
                .iter()
                .map(|(channel, user)| LinkView {
                    channel_id: channel.clone(),
                    user_id: user.clone(),
                })
                .collect(),
            version: stored.version,
        }
    }
}

/// Body of `POST /admin/content-owners`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateContentOwner {
    display_name: String,
    #[serde(default)]
    live_fingerprinting: bool,
}

/// Body of `PATCH /admin/content-owners/{contentOwnerId}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateContentOwner {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = String, required = false)]
    display_name: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = bool, required = false)]
    live_fingerprinting: Option<bool>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = u64, required = false)]
    expected_version: Option<u64>,
}

/// Body of `PUT /admin/content-owners/{contentOwnerId}/channels/{channelId}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LinkChannel {
    user_id: String,
}

fn owner_id(raw: &str) -> Result<String, AdminError> {
    if is_id(raw) {
        Ok(raw.to_owned())
    } else {
        Err(AdminError::NotFound("content owner"))
    }
}

/// `POST /admin/content-owners`.
pub async fn create(
    State(s): State<AppState>,
    AdminJson(body): AdminJson<CreateContentOwner>,
) -> Result<(StatusCode, Json<Value>), AdminError> {
    let owner = owners::create(&s, &body.display_name, body.live_fingerprinting).await?;
    Ok((StatusCode::CREATED, Json(json!(ContentOwnerView::from(&owner)))))
}

/// `GET /admin/content-owners/{contentOwnerId}`.
pub async fn get(
    State(s): State<AppState>,
    AdminPath(id): AdminPath<String>,
) -> Result<Json<Value>, AdminError> {
    let owner = owners::get(&s, &owner_id(&id)?).await?;
    Ok(Json(json!(ContentOwnerView::from(&owner))))
}

/// `PATCH /admin/content-owners/{contentOwnerId}` (optimistic: `expectedVersion`).
pub async fn update(
    State(s): State<AppState>,
    AdminPath(id): AdminPath<String>,
    AdminJson(body): AdminJson<UpdateContentOwner>,
) -> Result<Json<Value>, AdminError> {
    let change = Change {
        display_name: body.display_name,
        live_fingerprinting: body.live_fingerprinting,
        expected_version: body.expected_version,
    };
    let owner = owners::update(&s, &owner_id(&id)?, change).await?;
    Ok(Json(json!(ContentOwnerView::from(&owner))))
}

/// `PUT /admin/content-owners/{contentOwnerId}/channels/{channelId}`: links the channel (which must
/// belong to `userId`).
pub async fn link(
    State(s): State<AppState>,
    AdminPath((id, channel)): AdminPath<(String, String)>,
    AdminJson(body): AdminJson<LinkChannel>,
) -> Result<Json<Value>, AdminError> {
    let id = owner_id(&id)?;
    let channel = path_id(&channel, ChannelId::parse, "channel")?;
    let user = path_id(&body.user_id, UserId::parse, "user")?;
    let owner = owners::link(&s, &id, &channel, &user).await?;
    Ok(Json(json!(ContentOwnerView::from(&owner))))
}

/// `DELETE /admin/content-owners/{contentOwnerId}/channels/{channelId}`: unlinks the channel.
pub async fn unlink(
    State(s): State<AppState>,
    AdminPath((id, channel)): AdminPath<(String, String)>,
) -> Result<StatusCode, AdminError> {
    let id = owner_id(&id)?;
    if !is_id(&channel) {
        return Err(AdminError::NotFound("link"));
    }
    owners::unlink(&s, &id, &channel).await?;
    Ok(StatusCode::NO_CONTENT)
}
