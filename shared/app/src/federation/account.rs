//! Mapping an upstream identity to a local user, creating the user and one channel on first login.
//!
//! The local login is derived from the provider's issuer and the subject, never from a name the user
//! can change: `fed.` + the first 32 hex digits of SHA-256(issuer ‖ NUL ‖ sub). It is stable across
//! logins, unique per (issuer, subject), inside the login charset, and cannot collide with a built-in
//! login unless an administrator deliberately creates one starting with `fed.`. The user store's
//! unique-login constraint resolves two simultaneous first logins: the loser's create gets `Conflict`
//! and it reads the winner's user.
//!
//! Provisioning is two writes (user, then channel) that no store can make in one transaction, so a
//! fault between them is handled twice over:
//! - **Undo.** When the user's create may have happened (its answer was lost) or the channel's create
//!   failed, the user this login created (by its fresh id, never another login's) is deleted again, with
//!   any channel, so the store holds all of the provisioning or none of it.
//! - **Repair.** If the undo fails too, the next login finds a federated user without a channel and
//!   creates it. The first channel's id is derived from the user id, so concurrent logins that repair
//!   (or a repair racing the first login) create one channel, not several: the second create is a
//!   `Conflict` on that id, which means the channel is there. This costs every later login one channel
//!   read.

use super::upstream::UserInfo;
use crate::state::AppState;
use onair_domain::channel::{Channel, MAX_CHANNEL_NAME};
use onair_domain::user::{MAX_USER_NAME, User};
use onair_domain::{ChannelId, PageRequest, UserId, Violations};
use onair_store::StoreError;
use sha2::{Digest, Sha256};

/// Prefix of every federated login.
pub const LOGIN_PREFIX: &str = "fed.";

/// The local login of subject `sub` at `issuer`.
pub fn local_login(issuer: &str, sub: &str) -> String {
    let digest = Sha256::new()
        .chain_update(issuer)
        .chain_update([0u8])
        .chain_update(sub)
        .finalize();
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("{LOGIN_PREFIX}{hex}")
}

/// The display name: the first of `name`, `preferred_username` and `sub` that has something printable,
/// without control characters and cut to `max` characters.
pub fn display_name(info: &UserInfo, max: usize) -> String {
    [
        info.name.as_deref(),
        info.preferred_username.as_deref(),
        Some(info.sub.as_str()),
    ]
    .into_iter()
    .flatten()
    .map(|s| {
        s.chars()
            .filter(|c| !c.is_control())
            .collect::<String>()
            .trim()
            .chars()
            .take(max)
            .collect::<String>()
    })
    .map(|s| s.trim().to_owned())
    .find(|s| !s.is_empty())
    .unwrap_or_else(|| "Streamer".to_owned())
}

/// `value` if it is an absolute http(s) URL onair would accept from an administrator.
fn web_url(value: Option<&str>) -> Option<String> {
    let value = value?;
    let mut v = Violations::default();
    v.web_url("url", value);
    v.list().is_empty().then(|| value.to_owned())
}

/// What happened when the user was looked up.
#[derive(Debug)]
pub enum Provisioned {
    /// The user existed.
    Existing(User),
    /// The user (and their channel) were created now.
    Created(User),
}

impl Provisioned {
    /// The user.
    pub fn user(&self) -> &User {
        match self {
            Provisioned::Existing(u) | Provisioned::Created(u) => u,
        }
    }
}

/// Why provisioning failed.
#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    /// A store call failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A bug: the generator produced an invalid id.
    #[error("{0}")]
    Internal(String),
}

/// Finds the local user of `info` at `issuer`, creating them and one enabled channel on first login
/// (or completing a user a failed first login left without its channel). `onair_issuer` is onair's own
/// public URL, for the channel link when the provider names no profile page.
pub async fn find_or_create(
    state: &AppState,
    issuer: &str,
    onair_issuer: &str,
    info: &UserInfo,
) -> Result<Provisioned, ProvisionError> {
    let login = local_login(issuer, &info.sub);
    match state.users.find_by_login(&login).await {
        Ok(user) => {
            // A disabled user is refused by the caller; nothing is written for them.
            if !user.disabled {
                ensure_channel(state, &user, onair_issuer, info).await?;
            }
            return Ok(Provisioned::Existing(user));
        }
        Err(StoreError::NotFound) => {}
        Err(e) => return Err(e.into()),
    }
    let now = state.clock.now();
    let id = UserId::parse(&state.generator.id())
        .ok_or_else(|| ProvisionError::Internal("generated an invalid user id".into()))?;
    let user = User {
        id,
        login: login.clone(),
        user_name: display_name(info, MAX_USER_NAME),
        profile_thumbnail: web_url(info.picture.as_deref()),
        password_hash: None,
        disabled: false,
        created_at: now,
        modified_at: now,
        version: 1,
    };
    match state.users.create(&user).await {
        Ok(()) => {}
        // Another first login of the same person won the race: use their user (completing it if that
        // login has not created the channel yet).
        Err(StoreError::Conflict(_)) => {
            let winner = match state.users.find_by_login(&login).await {
                Ok(winner) => winner,
                // The winner undid its user after a fault of its own: this login can start over.
                Err(StoreError::NotFound) => {
                    return Err(StoreError::Unavailable("a concurrent first login was undone".into()).into());
                }
                Err(e) => return Err(e.into()),
            };
            ensure_channel(state, &winner, onair_issuer, info).await?;
            return Ok(Provisioned::Existing(winner));
        }
        // The user may have been written with only the answer lost: undo it.
        Err(e @ StoreError::Unavailable(_)) => {
            undo(state, &user.id).await;
            return Err(e.into());
        }
        Err(e) => return Err(e.into()),
    }
    if let Err(e) = create_channel(state, &user, onair_issuer, info).await {
        undo(state, &user.id).await;
        return Err(e);
    }
    tracing::info!(user_id = %user.id, "federated user created");
    Ok(Provisioned::Created(user))
}

/// Creates `user`'s first channel unless they have a channel already (a first login that failed
/// between its two writes, and whose undo failed too, left them without one).
async fn ensure_channel(
    state: &AppState,
    user: &User,
    onair_issuer: &str,
    info: &UserInfo,
) -> Result<(), ProvisionError> {
    match state.channels.list(&user.id, &PageRequest::first(1)).await {
        Ok(owned) if !owned.page.items.is_empty() => return Ok(()),
        Ok(_) => {}
        // Deleted since it was found (a concurrent first login's undo): the login can start over.
        Err(StoreError::NotFound) => {
            return Err(StoreError::Unavailable("the federated user was removed meanwhile".into()).into());
        }
        Err(e) => return Err(e.into()),
    }
    tracing::warn!(user_id = %user.id, "federated user without a channel; creating it");
    create_channel(state, user, onair_issuer, info).await
}

/// Creates `user`'s first channel, whose id is derived from the user id (see the module doc). A
/// `Conflict` on that id means a concurrent login created it: done.
async fn create_channel(
    state: &AppState,
    user: &User,
    onair_issuer: &str,
    info: &UserInfo,
) -> Result<(), ProvisionError> {
    let channel_id = ChannelId::parse(&first_channel_id(&user.id))
        .ok_or_else(|| ProvisionError::Internal("derived an invalid channel id".into()))?;
    let link = web_url(info.profile.as_deref())
        .unwrap_or_else(|| format!("{}/channels/{channel_id}", onair_issuer.trim_end_matches('/')));
    let now = state.clock.now();
    let channel = Channel {
        id: channel_id,
        owner: user.id.clone(),
        name: display_name(info, MAX_CHANNEL_NAME),
        enabled: true,
        link,
        description: None,
        tags: None,
        thumbnail_url: web_url(info.picture.as_deref()),
        follower_count: 0,
        created_at: now,
        modified_at: now,
        version: 1,
    };
    match state.channels.create(&channel).await {
        Ok(()) | Err(StoreError::Conflict(_)) => {
            tracing::info!(user_id = %user.id, channel_id = %channel.id, "federated user's channel created");
            Ok(())
        }
        Err(StoreError::NotFound) => {
            Err(StoreError::Unavailable("the federated user was removed meanwhile".into()).into())
        }
        Err(e) => Err(e.into()),
    }
}

/// The id of a federated user's first channel: 32 hex digits of SHA-256 of the user id, so every
/// login that creates it names the same channel.
fn first_channel_id(user: &UserId) -> String {
    let digest = Sha256::new()
        .chain_update("onair federated channel")
        .chain_update([0u8])
        .chain_update(user.as_str())
        .finalize();
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// Best effort: deletes the user this login created (and any channel of theirs). If this fails too,
/// the next login completes the user instead ([`ensure_channel`]).
async fn undo(state: &AppState, user: &UserId) {
    match state.users.delete(user).await {
        Ok(()) | Err(StoreError::NotFound) => {}
        Err(cleanup) => {
            tracing::error!(user_id = %user, error = %cleanup, "could not undo a federated first login; the next login completes it");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(name: Option<&str>, preferred: Option<&str>, sub: &str) -> UserInfo {
        UserInfo {
            sub: sub.into(),
            name: name.map(Into::into),
            preferred_username: preferred.map(Into::into),
            picture: None,
            profile: None,
        }
    }

    #[test]
    fn the_login_is_stable_unique_and_valid() {
        let a = local_login("https://idp.example", "user-1");
        assert_eq!(a, local_login("https://idp.example", "user-1"));
        assert_ne!(a, local_login("https://idp.example", "user-2"));
        assert_ne!(a, local_login("https://other.example", "user-1"));
        // The separator keeps (issuer, sub) pairs apart even when their concatenations agree.
        assert_ne!(
            local_login("https://idp.example/a", "b"),
            local_login("https://idp.example/", "ab")
        );
        assert_eq!(a.len(), LOGIN_PREFIX.len() + 32);
        let mut v = Violations::default();
        onair_domain::user::check_login(&mut v, "login", &a);
        assert!(v.list().is_empty());
        assert_eq!(onair_domain::user::normalize_login(&a), a);
    }

    #[test]
    fn the_display_name_falls_back_from_name_to_username_to_subject() {
        assert_eq!(display_name(&info(Some("Ann"), Some("ann"), "s"), 100), "Ann");
        assert_eq!(display_name(&info(Some("  \u{7}"), Some("ann"), "s"), 100), "ann");
        assert_eq!(display_name(&info(None, None, "sub-1"), 100), "sub-1");
        assert_eq!(
            display_name(&info(Some(&"x".repeat(300)), None, "s"), 100)
                .chars()
                .count(),
            100
        );
    }

    #[test]
    fn only_web_urls_are_kept() {
        assert_eq!(
            web_url(Some("https://a.example/p.png")).as_deref(),
            Some("https://a.example/p.png")
        );
        assert_eq!(web_url(Some("javascript:alert(1)")), None);
        assert_eq!(web_url(Some("data:image/png;base64,AAAA")), None);
        assert_eq!(web_url(None), None);
    }
}
