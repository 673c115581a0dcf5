//! Users (streamers): the login name, the profile PRISM shows, the password hash and the disabled flag.

use crate::ids::UserId;
use crate::secret::SecretString;
use crate::validate::Violations;
use time::OffsetDateTime;

/// Longest login name.
pub const MAX_LOGIN: usize = 64;
/// Longest display name.
pub const MAX_USER_NAME: usize = 100;

/// A streamer account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// Stable identifier; PRISM's `userId`.
    pub id: UserId,
    /// Unique login name (lowercase).
    pub login: String,
    /// Display name; PRISM's `userName`.
    pub user_name: String,
    /// Profile image URL; PRISM's `profileThumbnail`.
    pub profile_thumbnail: Option<String>,
    /// argon2id PHC string; `None` for users who only sign in through a federated provider.
    pub password_hash: Option<SecretString>,
    /// A disabled user cannot log in, and their channels report `channelEnabled: false`.
    pub disabled: bool,
    /// When created.
    pub created_at: OffsetDateTime,
    /// When last changed.
    pub modified_at: OffsetDateTime,
    /// Optimistic-concurrency version.
    pub version: u64,
}

/// Normalises a login name for uniqueness: trimmed and lowercased.
pub fn normalize_login(login: &str) -> String {
    login.trim().to_lowercase()
}

/// Validates a login name: 1–64 of `[a-z0-9._@-]` after normalisation.
pub fn check_login(v: &mut Violations, field: &str, login: &str) {
    let login = normalize_login(login);
    if login.is_empty() {
        v.add(field, "must not be empty");
    } else if login.chars().count() > MAX_LOGIN {
        v.add(field, format!("must be at most {MAX_LOGIN} characters"));
    } else if !login
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "._@-".contains(c))
    {
        v.add(field, "may contain only letters, digits, '.', '_', '@' and '-'");
    }
}

/// Validates a new password's length.
pub fn check_password(v: &mut Violations, field: &str, password: &str) {
    let n = password.chars().count();
    if n < crate::password::MIN_PASSWORD {
        v.add(
            field,
            format!("must be at least {} characters", crate::password::MIN_PASSWORD),
        );
    } else if n > crate::password::MAX_PASSWORD {
        v.add(
            field,
            format!("must be at most {} characters", crate::password::MAX_PASSWORD),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_normalised_and_bounded() {
        assert_eq!(normalize_login("  Alice@Example.com "), "alice@example.com");
        let mut v = Violations::default();
        check_login(&mut v, "login", "ok.name");
        check_login(&mut v, "login", "");
        check_login(&mut v, "login", "has space");
        check_login(&mut v, "login", &"a".repeat(65));
        assert_eq!(v.list().len(), 3);
    }

    #[test]
    fn debug_hides_the_password_hash() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let u = User {
            id: UserId::parse("u").unwrap(),
            login: "l".into(),
            user_name: "n".into(),
            profile_thumbnail: None,
            password_hash: Some(SecretString::new("$argon2id$secret")),
            disabled: false,
            created_at: now,
            modified_at: now,
            version: 1,
        };
        assert!(!format!("{u:?}").contains("argon2id"));
    }
}
