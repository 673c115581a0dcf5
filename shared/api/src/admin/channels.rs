//! Admin routes for channels, nested under their owner: create, list, get, update (including
//! enable/disable). Every PRISM channel field is settable. Disabling a channel ends its on-air lives and
//! broadcasts ([`onair_app::live_end`]).

use super::views::{ChannelView, PageView};
use super::{check_expected, path_id};
use crate::error::AdminError;
use crate::extract::{AdminJson, AdminPage, AdminPath, not_null, nullable};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use onair_app::AppState;
use onair_app::error::StoreResult;
use onair_app::live_end;
use onair_domain::channel::{self, Channel, MAX_CHANNEL_NAME, MAX_DESCRIPTION};
use onair_domain::{ChannelId, UserId, Violations};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

/// Body of `POST /admin/users/{userId}/channels`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateChannel {
    channel_name: String,
    channel_link: String,
    #[serde(default = "enabled")]
    channel_enabled: bool,
    channel_description: Option<String>,
    channel_tags: Option<String>,
    channel_thumbnail_url: Option<String>,
    #[serde(default)]
    channel_follower_count: u64,
}

fn enabled() -> bool {
    true
}

fn check_optional(
    v: &mut Violations,
    description: Option<&str>,
    tags: Option<&str>,
    thumbnail: Option<&str>,
) {
    if let Some(d) = description {
        v.optional_text("channelDescription", d, MAX_DESCRIPTION);
    }
    if let Some(t) = tags {
        channel::check_tags(v, "channelTags", t);
    }
    if let Some(u) = thumbnail {
        v.web_url("channelThumbnailUrl", u);
    }
}

/// `POST /admin/users/{userId}/channels`.
pub async fn create(
    State(s): State<AppState>,
    AdminPath(owner): AdminPath<String>,
    AdminJson(body): AdminJson<CreateChannel>,
) -> Result<(StatusCode, Json<Value>), AdminError> {
    let owner = path_id(&owner, UserId::parse, "user")?;
    let mut v = Violations::default();
    v.text("channelName", &body.channel_name, MAX_CHANNEL_NAME);
    v.web_url("channelLink", &body.channel_link);
    check_optional(
        &mut v,
        body.channel_description.as_deref(),
        body.channel_tags.as_deref(),
        body.channel_thumbnail_url.as_deref(),
    );
    v.finish(())?;
    let id = ChannelId::parse(&s.generator.id())
        .ok_or_else(|| AdminError::Internal("generated an invalid id".into()))?;
    let now = s.clock.now();
    let record = Channel {
        id,
        owner,
        name: body.channel_name.trim().to_owned(),
        enabled: body.channel_enabled,
        link: body.channel_link,
        description: body.channel_description,
        tags: body.channel_tags,
        thumbnail_url: body.channel_thumbnail_url,
        follower_count: body.channel_follower_count,
        created_at: now,
        modified_at: now,
        version: 1,
    };
    s.channels.create(&record).await.what("user")?;
    tracing::info!(channel_id = %record.id, user_id = %record.owner, "channel created");
    Ok((StatusCode::CREATED, Json(json!(ChannelView::from(&record)))))
}

/// `GET /admin/users/{userId}/channels`: modified desc, then created desc.
pub async fn list(
    State(s): State<AppState>,
    AdminPath(owner): AdminPath<String>,
    AdminPage(page): AdminPage,
) -> Result<Json<Value>, AdminError> {
    let owner = path_id(&owner, UserId::parse, "user")?;
    let owned = s.channels.list(&owner, &page).await.what("user")?;
    let view = PageView {
        items: owned.page.items.iter().map(ChannelView::from).collect(),
        next_page_token: owned.page.next,
    };
    Ok(Json(json!(view)))
}

/// `GET /admin/users/{userId}/channels/{channelId}`.
pub async fn get(
    State(s): State<AppState>,
    AdminPath((owner, id)): AdminPath<(String, String)>,
) -> Result<Json<Value>, AdminError> {
    let owner = path_id(&owner, UserId::parse, "channel")?;
    let id = path_id(&id, ChannelId::parse, "channel")?;
    let owned = s.channels.get(&owner, &id).await.what("channel")?;
    Ok(Json(json!(ChannelView::from(&owned.channel))))
}

/// Body of `PATCH /admin/users/{userId}/channels/{channelId}`; `null` clears an optional field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateChannel {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = String, required = false)]
    channel_name: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = String, required = false)]
    channel_link: Option<String>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = bool, required = false)]
    channel_enabled: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false)]
    channel_description: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false)]
    channel_tags: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false)]
    channel_thumbnail_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = u64, required = false)]
    channel_follower_count: Option<u64>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = u64, required = false)]
    expected_version: Option<u64>,
}

impl UpdateChannel {
    fn is_empty(&self) -> bool {
        self.channel_name.is_none()
            && self.channel_link.is_none()
            && self.channel_enabled.is_none()
            && self.channel_description.is_none()
            && self.channel_tags.is_none()
            && self.channel_thumbnail_url.is_none()
            && self.channel_follower_count.is_none()
    }
}

/// `PATCH /admin/users/{userId}/channels/{channelId}`: any field, including enable/disable.
pub async fn update(
    State(s): State<AppState>,
    AdminPath((owner, id)): AdminPath<(String, String)>,
    AdminJson(body): AdminJson<UpdateChannel>,
) -> Result<Json<Value>, AdminError> {
    let owner = path_id(&owner, UserId::parse, "channel")?;
    let id = path_id(&id, ChannelId::parse, "channel")?;
    let mut v = Violations::default();
    if let Some(name) = &body.channel_name {
        v.text("channelName", name, MAX_CHANNEL_NAME);
    }
    if let Some(link) = &body.channel_link {
        v.web_url("channelLink", link);
    }
    check_optional(
        &mut v,
        body.channel_description.as_ref().and_then(Option::as_deref),
        body.channel_tags.as_ref().and_then(Option::as_deref),
        body.channel_thumbnail_url.as_ref().and_then(Option::as_deref),
    );
    if body.is_empty() {
        v.add("body", "must change at least one channel field");
    }
    v.finish(())?;
    let current = s.channels.get(&owner, &id).await.what("channel")?.channel;
    let expected = check_expected(body.expected_version, current.version)?;
    let updated = Channel {
        name: body
            .channel_name
            .map(|n| n.trim().to_owned())
            .unwrap_or_else(|| current.name.clone()),
        link: body.channel_link.unwrap_or_else(|| current.link.clone()),
        enabled: body.channel_enabled.unwrap_or(current.enabled),
        description: body
            .channel_description
            .unwrap_or_else(|| current.description.clone()),
        tags: body.channel_tags.unwrap_or_else(|| current.tags.clone()),
        thumbnail_url: body
            .channel_thumbnail_url
            .unwrap_or_else(|| current.thumbnail_url.clone()),
        follower_count: body.channel_follower_count.unwrap_or(current.follower_count),
        modified_at: s.clock.now(),
        version: expected + 1,
        ..current
    };
    s.channels.update(&updated, expected).await.what("channel")?;
    if !updated.enabled {
        // Written after the disable, so nothing can go on air behind it; idempotent, so a retried
        // PATCH after a failure here ends whatever is still on air.
        let ended = live_end::end_channel(&s, &updated.owner, &updated.id).await?;
        tracing::info!(channel_id = %updated.id, lives = ended.lives, broadcasts = ended.broadcasts, "channel disabled; its on-air broadcasts ended");
    }
    Ok(Json(json!(ChannelView::from(&updated))))
}
