//! What the YouTube face needs beyond the shared chat use cases: whether a viewer may see a chat at
//! all, and the state of the broadcast behind it (`offlineAt`, the owner's channel link).
//!
//! Decision (README): any signed-in onair user may read and post in the chat of a `public` or
//! `unlisted` broadcast; the chat of a `private` broadcast is visible to its owner and the chat's
//! moderators only, and to anyone else it does not exist (`404 liveChatNotFound`), like the private
//! broadcast itself. A chat whose broadcast is gone is treated as private.

use super::chat_store;
use crate::{AppError, AppState};
use onair_domain::UserId;
use onair_domain::chat::ChatError;
use onair_domain::lifecycle::wire::{LifeCycleStatus, PrivacyStatus};
use onair_store::{ChatMeta, StoreError};
use time::OffsetDateTime;

/// A chat as one viewer may see it.
#[derive(Debug, Clone)]
pub struct ChatView {
    /// The chat's meta as read.
    pub meta: ChatMeta,
    /// Whether the chat is closed for new messages (its broadcast ended, was revoked or is gone).
    pub closed: bool,
    /// When the chat went offline: the broadcast's `actualEndTime` once it is closed.
    pub offline_at: Option<OffsetDateTime>,
    /// The link of the owner's channel (the owner's `authorDetails.channelUrl`).
    pub owner_channel_url: Option<String>,
}

impl ChatView {
    /// Whether `user` is the chat's owner or one of its moderators.
    pub fn is_staff(&self, user: &str) -> bool {
        self.meta.owner.as_str() == user || self.meta.moderators.iter().any(|m| m == user)
    }
}

/// The chat `chat_id` as `viewer` may see it; `ChatError::NotFound` when it does not exist or is the
/// chat of a private broadcast and `viewer` is neither its owner nor a moderator.
pub async fn view(state: &AppState, viewer: &UserId, chat_id: &str) -> Result<ChatView, AppError> {
    let meta = state.chats.meta(chat_id).await.map_err(chat_store)?;
    let staff = meta.owner == *viewer || meta.moderators.iter().any(|m| m == viewer.as_str());
    let (private, closed, offline_at) = match state.broadcasts.get(&meta.owner, &meta.broadcast_id).await {
        Ok(b) => {
            let closed = matches!(
                b.broadcast.state(),
                LifeCycleStatus::Complete | LifeCycleStatus::Revoked
            );
            let private = b.broadcast.status.privacy_status == PrivacyStatus::Private;
            let offline = if closed {
                b.broadcast.snippet.actual_end_time
            } else {
                None
            };
            (private, closed, offline)
        }
        Err(StoreError::NotFound) => (true, true, None),
        Err(other) => return Err(other.into()),
    };
    if private && !staff {
        return Err(ChatError::NotFound.into());
    }
    let owner_channel_url = match state.channels.get(&meta.owner, &meta.channel_id).await {
        Ok(c) => Some(c.channel.link),
        Err(StoreError::NotFound) => None,
        Err(other) => return Err(other.into()),
    };
    Ok(ChatView {
        meta,
        closed,
        offline_at,
        owner_channel_url,
    })
}
