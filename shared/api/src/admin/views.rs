//! JSON shapes the admin API returns. Secrets never appear here, except the one-time `clientSecret`
//! added by the create and rotate handlers.

use onair_domain::channel::Channel;
use onair_domain::client::{Client, ClientKind};
use onair_domain::user::User;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

/// A client as the admin API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Client)]
pub struct ClientView<'a> {
    client_id: &'a str,
    name: &'a str,
    #[schema(value_type = crate::openapi::schemas::ClientKind)]
    kind: ClientKind,
    redirect_uris: &'a [String],
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    modified_at: OffsetDateTime,
    version: u64,
}

impl<'a> From<&'a Client> for ClientView<'a> {
    fn from(c: &'a Client) -> Self {
        Self {
            client_id: c.id.as_str(),
            name: &c.name,
            kind: c.kind,
            redirect_uris: &c.redirect_uris,
            created_at: c.created_at,
            modified_at: c.modified_at,
            version: c.version,
        }
    }
}

/// A user as the admin API shows it (never the password hash).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = User)]
pub struct UserView<'a> {
    user_id: &'a str,
    login: &'a str,
    user_name: &'a str,
    profile_thumbnail: Option<&'a str>,
    disabled: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    modified_at: OffsetDateTime,
    version: u64,
}

impl<'a> From<&'a User> for UserView<'a> {
    fn from(u: &'a User) -> Self {
        Self {
            user_id: u.id.as_str(),
            login: &u.login,
            user_name: &u.user_name,
            profile_thumbnail: u.profile_thumbnail.as_deref(),
            disabled: u.disabled,
            created_at: u.created_at,
            modified_at: u.modified_at,
            version: u.version,
        }
    }
}

/// A channel as the admin API shows it: PRISM's field names plus owner, timestamps and version.
/// `channelEnabled` is the channel's own switch; PRISM additionally sees `false` when the owner is
/// disabled.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Channel)]
pub struct ChannelView<'a> {
    channel_id: &'a str,
    user_id: &'a str,
    channel_name: &'a str,
    channel_enabled: bool,
    channel_link: &'a str,
    channel_description: Option<&'a str>,
    channel_tags: Option<&'a str>,
    channel_thumbnail_url: Option<&'a str>,
    channel_follower_count: u64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    modified_at: OffsetDateTime,
    version: u64,
}

impl<'a> From<&'a Channel> for ChannelView<'a> {
    fn from(c: &'a Channel) -> Self {
        Self {
            channel_id: c.id.as_str(),
            user_id: c.owner.as_str(),
            channel_name: &c.name,
            channel_enabled: c.enabled,
            channel_link: &c.link,
            channel_description: c.description.as_deref(),
            channel_tags: c.tags.as_deref(),
            channel_thumbnail_url: c.thumbnail_url.as_deref(),
            channel_follower_count: c.follower_count,
            created_at: c.created_at,
            modified_at: c.modified_at,
            version: c.version,
        }
    }
}

/// A PRISM live as the admin API shows it (the answer of "end live").
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AdminLive)]
pub struct LiveView<'a> {
    live_id: &'a str,
    user_id: &'a str,
    channel_id: &'a str,
    /// PRISM's status: `RESERVED`, `ON_AIR` or `END`.
    #[schema(value_type = String)]
    status: &'static str,
    /// The current broadcast (the last of `broadcastIds`).
    broadcast_id: &'a str,
    /// The current broadcast's `status.lifeCycleStatus`.
    #[schema(value_type = String)]
    life_cycle_status: &'static str,
    /// Every broadcast the live has had, oldest first (a restart after `END` adds one).
    broadcast_ids: &'a [String],
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    modified_at: OffsetDateTime,
    version: u64,
}

impl<'a> From<&'a onair_app::lives::LiveView> for LiveView<'a> {
    fn from(v: &'a onair_app::lives::LiveView) -> Self {
        Self {
            live_id: &v.live.live_id,
            user_id: v.live.owner.as_str(),
            channel_id: v.live.channel_id.as_str(),
            status: v.status().as_str(),
            broadcast_id: &v.live.broadcast_id,
            life_cycle_status: v.broadcast.state().as_str(),
            broadcast_ids: &v.live.broadcasts,
            created_at: v.live.created_at,
            modified_at: v.live.modified_at,
            version: v.live.version,
        }
    }
}

/// A broadcast as the admin API shows it (the answer of "end broadcast"); the full resource is
/// `liveBroadcasts.list`'s.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = AdminBroadcast)]
pub struct BroadcastView<'a> {
    broadcast_id: &'a str,
    user_id: &'a str,
    channel_id: &'a str,
    title: &'a str,
    /// `status.lifeCycleStatus`.
    #[schema(value_type = String)]
    life_cycle_status: &'static str,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    actual_start_time: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    actual_end_time: Option<OffsetDateTime>,
    version: u64,
}

impl<'a> From<&'a onair_store::StoredBroadcast> for BroadcastView<'a> {
    fn from(b: &'a onair_store::StoredBroadcast) -> Self {
        Self {
            broadcast_id: &b.broadcast.id,
            user_id: b.owner.as_str(),
            channel_id: b.broadcast.channel_id().as_str(),
            title: &b.broadcast.snippet.title,
            life_cycle_status: b.broadcast.state().as_str(),
            actual_start_time: b.broadcast.snippet.actual_start_time,
            actual_end_time: b.broadcast.snippet.actual_end_time,
            version: b.version,
        }
    }
}

/// A page of items.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PageView<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass as `pageToken` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}
