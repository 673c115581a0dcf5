//! Mapping an upstream identity to a local user, creating the user and one channel on first login.
//!
//! The local login is derived from the provider's issuer and the subject, never from a name the user
//! can change: `fed.` + the first 32 hex digits of SHA-256(issuer ‖ NUL ‖ sub). It is stable across
//! logins, unique per (issuer, subject), inside the login charset, and cannot collide with a built-in
//! login unless an administrator deliberately creates one starting with `fed.`. The user store's
//! unique-login constraint resolves two simultaneous first logins: the loser's create gets `Conflict`
//! and it reads the winner's user.

use super::upstream::UserInfo;
use crate::state::AppState;
use onair_domain::channel::{Channel, MAX_CHANNEL_NAME};
use onair_domain::user::{MAX_USER_NAME, User};
use onair_domain::{ChannelId, UserId, Violations};
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

/// Finds the local user of `info` at `issuer`, creating them and one enabled channel on first login.
/// `onair_issuer` is onair's own public URL, for the channel link when the provider names no profile page.
pub async fn find_or_create(
    state: &AppState,
    issuer: &str,
    onair_issuer: &str,
    info: &UserInfo,
) -> Result<Provisioned, ProvisionError> {
    let login = local_login(issuer, &info.sub);
    match state.users.find_by_login(&login).await {
        Ok(user) => return Ok(Provisioned::Existing(user)),
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
        // Another first login of the same person won the race: use their user.
        Err(StoreError::Conflict(_)) => {
            return Ok(Provisioned::Existing(state.users.find_by_login(&login).await?));
        }
        Err(e) => return Err(e.into()),
    }
    let channel_id = ChannelId::parse(&state.generator.id())
        .ok_or_else(|| ProvisionError::Internal("generated an invalid channel id".into()))?;
    let link = web_url(info.profile.as_deref())
        .unwrap_or_else(|| format!("{}/channels/{channel_id}", onair_issuer.trim_end_matches('/')));
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
    if let Err(e) = state.channels.create(&channel).await {
        // Without its channel the account is half made; remove it so the next login starts over
        // (the stores offer no user-and-channel transaction). If even that fails, the next login finds
        // a user without a channel, which an administrator can complete.
        if let Err(cleanup) = state.users.delete(&user.id).await {
            tracing::error!(user_id = %user.id, error = %cleanup, "could not remove a federated user whose channel failed");
        }
        return Err(e.into());
    }
    tracing::info!(user_id = %user.id, channel_id = %channel.id, "federated user created");
    Ok(Provisioned::Created(user))
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
