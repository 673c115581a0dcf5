//! Live chat use cases, surface-agnostic: both faces (PRISM O1–O8, YouTube `liveChat*`) call these
//! and render the result. The rules themselves are pure, in [`onair_domain::chat`]; the storage is the
//! [`onair_store::ChatStore`] port.
//!
//! - A chat is opened ([`open`]) when its live or broadcast is created, and re-pointed at each new
//!   broadcast of a PRISM live (restart).
//! - Who may see a chat is the face's decision, passed in as a [`Scope`]: PRISM acts for the streamer
//!   and only on their own lives (another user's chat is "not found", like their live); YouTube's
//!   viewers read any chat.
//! - Writes are decided on what was read and written conditionally on it; a write that lost a race
//!   re-reads and decides again, a bounded number of times ([`INSERT_ATTEMPTS`], [`WRITE_ATTEMPTS`]).
//! - A chat is closed for new messages when its current broadcast is `complete` or `revoked` (or gone);
//!   its history stays readable and moderation keeps working.

mod page_key;
pub mod viewer;

use crate::{AppError, AppState};
use onair_domain::chat::{
    self, Ban, ChatError, Message, PageToken, RateLimit, is_banned, may_act_on, may_delete_message,
    may_manage_moderators, normalize_max_results, timed_ban, validate_text,
};
use onair_domain::lifecycle::wire::LifeCycleStatus;
use onair_domain::{ChannelId, UserId, Violations};
use onair_store::chat_ports::{message_id, parse_message_id};
use onair_store::{AuthorState, ChatMeta, ChatOpen, Inserted, Post, StoreError};
use std::time::Duration;

pub use page_key::page_key;

/// How often an insert that lost the sequence to a concurrent one is decided again. Every round
/// has one winner, so this many concurrent posters into one chat all get through; beyond that a
/// poster is told to retry (`Busy`). A chat that busy needs sharding (see the README).
pub const INSERT_ATTEMPTS: usize = 64;

/// How often a moderation write that lost a race is decided again.
pub const WRITE_ATTEMPTS: usize = 8;

/// How long a client should wait before polling again (PRISM polls every ~5 s anyway; YouTube's
/// `pollingIntervalMillis`).
pub const POLLING_INTERVAL: Duration = Duration::from_secs(5);

/// The per-author rate limit: a burst of 5, then 1 message per second.
pub const RATE_LIMIT: RateLimit = RateLimit {
    capacity: 5,
    refill_interval: Duration::from_secs(1),
};

/// Whose chats a call may reach.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    /// Only chats this user owns; any other is `ChatError::NotFound` (PRISM: the streamer's own lives).
    OwnedBy(&'a UserId),
    /// Any chat (YouTube viewers).
    Anyone,
}

impl Scope<'_> {
    fn admits(&self, meta: &ChatMeta) -> Result<(), AppError> {
        match self {
            Scope::OwnedBy(user) if meta.owner != **user => Err(ChatError::NotFound.into()),
            _ => Ok(()),
        }
    }
}

/// Who posts: the user and how they are shown at posting time.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The user.
    pub user: UserId,
    /// Display name (PRISM `authorName`, YouTube `authorDetails.displayName`).
    pub name: String,
    /// Avatar URL.
    pub thumbnail: Option<String>,
}

/// One page of a chat.
#[derive(Debug, Clone)]
pub struct ChatPage {
    /// The chat's meta as read with the page (owner and moderators for `isLiveOwner` /
    /// `isLiveManager`).
    pub meta: ChatMeta,
    /// The messages, oldest first.
    pub messages: Vec<Message>,
    /// The token for the next poll: the same one as sent when nothing is new.
    pub next_page_token: String,
    /// When to poll again.
    pub polling_interval: Duration,
}

impl ChatPage {
    /// Whether `author` is one of the chat's moderators now (moderator status is not stored on a
    /// message).
    pub fn is_manager(&self, author: &str) -> bool {
        self.meta.moderators.iter().any(|m| m == author)
    }
}

/// A ban to set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BanRequest {
    /// Until lifted.
    Permanent,
    /// For `banTime` seconds (`None`: missing, refused like 0 or negative).
    Timed(Option<i64>),
}

impl From<ChatError> for AppError {
    fn from(err: ChatError) -> Self {
        AppError::Chat(err)
    }
}

fn chat_store(err: StoreError) -> AppError {
    match err {
        StoreError::NotFound => ChatError::NotFound.into(),
        other => other.into(),
    }
}

fn target_user(target: &str) -> Result<UserId, AppError> {
    UserId::parse(target).ok_or_else(|| AppError::Invalid(Violations::one("userId", "is not a user id")))
}

/// Opens the chat `chat_id` of `owner`'s broadcast, or points the owner's existing chat at it.
pub async fn open(
    state: &AppState,
    chat_id: &str,
    owner: &UserId,
    channel: &ChannelId,
    broadcast_id: &str,
) -> Result<ChatMeta, AppError> {
    let open = ChatOpen {
        chat_id: chat_id.to_owned(),
        owner: owner.clone(),
        channel_id: channel.clone(),
        broadcast_id: broadcast_id.to_owned(),
        at: state.clock.now(),
    };
    state.chats.open(&open).await.map_err(AppError::from)
}

/// The chat's meta (owner, moderators, `count` = PRISM's `chatCount`).
pub async fn meta(state: &AppState, scope: Scope<'_>, chat_id: &str) -> Result<ChatMeta, AppError> {
    let meta = state.chats.meta(chat_id).await.map_err(chat_store)?;
    scope.admits(&meta)?;
    Ok(meta)
}

/// O1 / `liveChatMessages.list`: with no token the newest `max_results` messages, with a token only
/// the newer ones (see [`onair_domain::chat::page`]). A forged, altered or other-chat token is
/// refused; an empty token counts as none.
pub async fn list(
    state: &AppState,
    scope: Scope<'_>,
    chat_id: &str,
    max_results: i64,
    page_token: Option<&str>,
) -> Result<ChatPage, AppError> {
    let max = normalize_max_results(max_results)?;
    let key = page_key(state).await?;
    let token = match page_token.filter(|t| !t.is_empty()) {
        Some(raw) => Some(PageToken::decode(raw, key.expose().as_bytes(), chat_id)?),
        None => None,
    };
    let (meta, messages) = match token {
        Some(token) => state.chats.list_after(chat_id, token.sequence, max).await,
        None => state.chats.latest(chat_id, max).await,
    }
    .map_err(chat_store)?;
    scope.admits(&meta)?;
    let (page, next) = chat::page(&messages, token.as_ref(), max);
    let messages: Vec<Message> = page.into_iter().cloned().collect();
    Ok(ChatPage {
        next_page_token: next.encode(key.expose().as_bytes(), chat_id),
        meta,
        messages,
        polling_interval: POLLING_INTERVAL,
    })
}

/// Whether the chat's current broadcast has ended (or is gone): no new messages then.
async fn closed(state: &AppState, meta: &ChatMeta) -> Result<bool, AppError> {
    match state.broadcasts.get(&meta.owner, &meta.broadcast_id).await {
        Ok(b) => Ok(matches!(
            b.broadcast.state(),
            LifeCycleStatus::Complete | LifeCycleStatus::Revoked
        )),
        Err(StoreError::NotFound) => Ok(true),
        Err(other) => Err(other.into()),
    }
}

/// A pause before deciding again after a lost insert: "full jitter" exponential back-off (a random
/// time up to a ceiling that doubles per attempt, from 8 ms to 256 ms). The losers of one round spread
/// out instead of all coming back together, so each round has fewer contenders and fewer requests are
/// wasted on a busy chat.
async fn back_off(state: &AppState, attempt: usize) {
    let salt = state.generator.salt();
    let (low, high) = salt.split_at(8);
    let draw = |half: &[u8]| <[u8; 8]>::try_from(half).map(u64::from_le_bytes).unwrap_or(0);
    let random = draw(low) ^ draw(high);
    let ceiling_ms = 8u64 << attempt.min(5);
    tokio::time::sleep(Duration::from_millis(1 + random % ceiling_ms)).await;
}

/// O2 / `liveChatMessages.insert`: posts `text` as `actor`. Refused when the text breaks the rules,
/// the chat is closed, the actor is banned or over the rate limit; nothing is stored then.
pub async fn insert(
    state: &AppState,
    scope: Scope<'_>,
    actor: &Actor,
    chat_id: &str,
    text: &str,
) -> Result<(ChatMeta, Message), AppError> {
    let text = validate_text(text)?;
    let mut checked_open = false;
    let mut attempts = 0;
    while attempts < INSERT_ATTEMPTS {
        if attempts > 0 {
            back_off(state, attempts).await;
        }
        attempts += 1;
        let (meta, author) = state
            .chats
            .author(chat_id, actor.user.as_str())
            .await
            .map_err(chat_store)?;
        scope.admits(&meta)?;
        if !checked_open {
            if closed(state, &meta).await? {
                return Err(ChatError::Ended.into());
            }
            checked_open = true;
        }
        let now = state.clock.now();
        if is_banned(author.ban.as_ref(), now) {
            return Err(ChatError::Banned.into());
        }
        let rate = RATE_LIMIT.take(author.rate, now).map_err(ChatError::from)?;
        let next = AuthorState {
            rate: Some(rate),
            version: author.version.saturating_add(1),
            ..author.clone()
        };
        // Try the next sequence; a loss that leaves the author's state as read only moves the
        // sequence on (everything decided above still holds), so the next one is tried at once.
        let mut last = meta.last_sequence;
        loop {
            let sequence = last.saturating_add(1);
            let message = Message {
                id: message_id(chat_id, sequence),
                chat_id: chat_id.to_owned(),
                author_id: actor.user.as_str().to_owned(),
                author_name: actor.name.clone(),
                author_thumbnail: actor.thumbnail.clone(),
                text: text.clone(),
                posted_at: now,
                sequence,
                is_live_owner: actor.user == meta.owner,
            };
            let post = Post {
                chat_id,
                read_sequence: last,
                author: &next,
                expected_author_version: author.version,
                message: &message,
            };
            match state.chats.insert(&post).await {
                Ok(Inserted::Stored) => {
                    // Every sequence is one message ever posted: the count moves with it.
                    let meta = ChatMeta {
                        last_sequence: sequence,
                        count: meta.count.saturating_add(sequence - meta.last_sequence),
                        ..meta
                    };
                    return Ok((meta, message));
                }
                Ok(Inserted::SequenceTaken { last_sequence }) if attempts < INSERT_ATTEMPTS => {
                    attempts += 1;
                    last = last_sequence;
                }
                Ok(Inserted::SequenceTaken { .. }) => break,
                // The author's state moved on (a ban, another message of theirs): decide again.
                Err(StoreError::Conflict(_)) => break,
                Err(other) => return Err(chat_store(other)),
            }
        }
    }
    Err(AppError::Busy("the chat kept changing; retry the message".into()))
}

/// O3 / `liveChatMessages.delete`: removes a message. Its author may delete it; the owner and the
/// moderators may delete others' (a moderator not the owner's or another moderator's).
pub async fn delete(
    state: &AppState,
    scope: Scope<'_>,
    actor: &UserId,
    chat_id: &str,
    message: &str,
) -> Result<(), AppError> {
    let meta = meta(state, scope, chat_id).await?;
    let sequence = match parse_message_id(message) {
        Some((chat, sequence)) if chat == chat_id => sequence,
        _ => return Err(AppError::NotFound("message")),
    };
    let found = match state.chats.message(chat_id, sequence).await {
        Ok(found) => found,
        Err(StoreError::NotFound) => return Err(AppError::NotFound("message")),
        Err(other) => return Err(other.into()),
    };
    may_delete_message(
        actor.as_str(),
        &found.author_id,
        meta.owner.as_str(),
        &meta.moderator_refs(),
    )?;
    match state.chats.delete_message(chat_id, sequence).await {
        // A concurrent delete removed it first: the outcome is the same.
        Ok(()) | Err(StoreError::NotFound) => Ok(()),
        Err(other) => Err(other.into()),
    }
}

/// O4 / O5 / `liveChatBans.insert`: bans `target` from posting, permanently or for `banTime`
/// seconds (1 s – 30 days). The newest ban replaces the previous one.
pub async fn ban(
    state: &AppState,
    scope: Scope<'_>,
    actor: &UserId,
    chat_id: &str,
    target: &str,
    request: BanRequest,
) -> Result<Ban, AppError> {
    let target = target_user(target)?;
    let ban = match request {
        BanRequest::Permanent => Ban::Permanent,
        BanRequest::Timed(seconds) => timed_ban(seconds, state.clock.now())?,
    };
    set_ban(state, scope, actor, chat_id, &target, Some(ban)).await?;
    Ok(ban)
}

/// O6 / `liveChatBans.delete`: lifts any ban of `target` (lifting none changes nothing).
pub async fn unban(
    state: &AppState,
    scope: Scope<'_>,
    actor: &UserId,
    chat_id: &str,
    target: &str,
) -> Result<(), AppError> {
    let target = target_user(target)?;
    set_ban(state, scope, actor, chat_id, &target, None).await
}

async fn set_ban(
    state: &AppState,
    scope: Scope<'_>,
    actor: &UserId,
    chat_id: &str,
    target: &UserId,
    ban: Option<Ban>,
) -> Result<(), AppError> {
    for _ in 0..WRITE_ATTEMPTS {
        let (meta, author) = state
            .chats
            .author(chat_id, target.as_str())
            .await
            .map_err(chat_store)?;
        scope.admits(&meta)?;
        may_act_on(
            actor.as_str(),
            target.as_str(),
            meta.owner.as_str(),
            &meta.moderator_refs(),
        )?;
        if author.ban == ban {
            return Ok(());
        }
        let next = AuthorState {
            ban,
            version: author.version.saturating_add(1),
            ..author.clone()
        };
        match state.chats.set_author(chat_id, &next, author.version).await {
            Ok(()) => return Ok(()),
            Err(StoreError::Conflict(_)) => continue,
            Err(other) => return Err(chat_store(other)),
        }
    }
    Err(AppError::Conflict(
        "the author's state kept changing; retry".into(),
    ))
}

/// O7 / `liveChatModerators.insert`: only the owner grants moderation, never to itself.
pub async fn add_moderator(
    state: &AppState,
    scope: Scope<'_>,
    actor: &UserId,
    chat_id: &str,
    target: &str,
) -> Result<(), AppError> {
    let target = target_user(target)?;
    set_moderator(state, scope, actor, chat_id, &target, true).await
}

/// O8 / `liveChatModerators.delete`: only the owner revokes moderation.
pub async fn remove_moderator(
    state: &AppState,
    scope: Scope<'_>,
    actor: &UserId,
    chat_id: &str,
    target: &str,
) -> Result<(), AppError> {
    let target = target_user(target)?;
    set_moderator(state, scope, actor, chat_id, &target, false).await
}

async fn set_moderator(
    state: &AppState,
    scope: Scope<'_>,
    actor: &UserId,
    chat_id: &str,
    target: &UserId,
    moderator: bool,
) -> Result<(), AppError> {
    for _ in 0..WRITE_ATTEMPTS {
        let meta = meta(state, scope, chat_id).await?;
        may_manage_moderators(actor.as_str(), target.as_str(), meta.owner.as_str())?;
        let mut moderators = meta.moderators.clone();
        moderators.retain(|m| m != target.as_str());
        if moderator {
            moderators.push(target.as_str().to_owned());
            moderators.sort();
        }
        if moderators == meta.moderators {
            return Ok(());
        }
        let next = ChatMeta {
            moderators,
            version: meta.version.saturating_add(1),
            ..meta.clone()
        };
        match state.chats.set_moderators(&next, meta.version).await {
            Ok(()) => return Ok(()),
            Err(StoreError::Conflict(_)) => continue,
            Err(other) => return Err(chat_store(other)),
        }
    }
    Err(AppError::Conflict(
        "the chat's moderators kept changing; retry".into(),
    ))
}

/// `liveChatModerators.list`: the chat's moderators, sorted by user id.
pub async fn moderators(state: &AppState, scope: Scope<'_>, chat_id: &str) -> Result<Vec<String>, AppError> {
    Ok(meta(state, scope, chat_id).await?.moderators)
}

/// An author's ban as stored (`None` when none, or a timed one that has ended).
pub async fn ban_of(
    state: &AppState,
    scope: Scope<'_>,
    chat_id: &str,
    author: &str,
) -> Result<Option<Ban>, AppError> {
    let (meta, author) = state.chats.author(chat_id, author).await.map_err(chat_store)?;
    scope.admits(&meta)?;
    Ok(author.ban.filter(|b| is_banned(Some(b), state.clock.now())))
}
