//! The caller of a YouTube-compatible call: `Authorization: Bearer <onair access token>`, verified from
//! its signature alone (no store read; the signing key is cached), and the YouTube scope rules.
//!
//! A token that carries a `scope` follows YouTube: writes need `youtube` or `youtube.force-ssl`, lists
//! also accept `youtube.readonly`, and the cuepoint method also `youtubepartner`; each in its short
//! form or as Google's URL (`https://www.googleapis.com/auth/youtube`). A token without a scope (PRISM's)
//! has full access to its own user's resources.

use crate::error::GoogleError;
use crate::extract::credentials_of;
use crate::oauth::request::issuer;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use onair_app::AppState;
use onair_app::signing_keys::verify_access_token;
use onair_domain::UserId;

/// Google's prefix of YouTube scope URLs.
const SCOPE_URL: &str = "https://www.googleapis.com/auth/";

/// What a method needs from a scoped token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// `list`: `youtube`, `youtube.force-ssl` or `youtube.readonly`.
    Read,
    /// Writes: `youtube` or `youtube.force-ssl`.
    Write,
    /// `liveBroadcasts.cuepoint`: `youtube`, `youtube.force-ssl` or `youtubepartner`.
    Cuepoint,
    /// `videos.list`: `youtube`, `youtube.force-ssl`, `youtube.readonly` or `youtubepartner` (the
    /// discovery document's scopes; a Content ID partner polls stage 6 with `youtubepartner`).
    ReadVideos,
}

impl Need {
    fn accepts(self, scope: &str) -> bool {
        let name = scope.strip_prefix(SCOPE_URL).unwrap_or(scope);
        match self {
            Need::Read => matches!(name, "youtube" | "youtube.force-ssl" | "youtube.readonly"),
            Need::Write => matches!(name, "youtube" | "youtube.force-ssl"),
            Need::Cuepoint => matches!(name, "youtube" | "youtube.force-ssl" | "youtubepartner"),
            Need::ReadVideos => matches!(
                name,
                "youtube" | "youtube.force-ssl" | "youtube.readonly" | "youtubepartner"
            ),
        }
    }
}

/// The verified caller.
#[derive(Debug, Clone)]
pub struct YouTubeCaller {
    /// The user.
    pub user: UserId,
    /// The token's scope, when it has one.
    pub scope: Option<String>,
}

impl YouTubeCaller {
    /// Refuses a scoped token that grants none of the scopes `need` accepts.
    pub fn require(&self, need: Need) -> Result<&UserId, GoogleError> {
        match self.scope.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(&self.user),
            Some(scope) if scope.split(' ').any(|s| need.accepts(s)) => Ok(&self.user),
            Some(_) => Err(GoogleError::InsufficientPermissions),
        }
    }
}

fn presented(parts: &Parts) -> Result<String, GoogleError> {
    let mut values = parts.headers.get_all(header::AUTHORIZATION).iter();
    let (first, second) = (values.next(), values.next());
    if second.is_some() {
        return Err(GoogleError::AuthError);
    }
    let Some(value) = first else {
        return Err(GoogleError::Required);
    };
    let value = value.to_str().map_err(|_| GoogleError::AuthError)?;
    match credentials_of(value, "Bearer").map(str::trim) {
        Some(token) if !token.is_empty() => Ok(token.to_owned()),
        _ => Err(GoogleError::AuthError),
    }
}

impl FromRequestParts<AppState> for YouTubeCaller {
    type Rejection = GoogleError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = presented(parts)?;
        let claims = verify_access_token(state, &token, &issuer(state, parts))
            .await?
            .map_err(|_| GoogleError::AuthError)?;
        let user = UserId::parse(&claims.sub).ok_or(GoogleError::AuthError)?;
        Ok(YouTubeCaller {
            user,
            scope: claims.scope,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(scope: Option<&str>) -> YouTubeCaller {
        YouTubeCaller {
            user: UserId::parse("u1").expect("id"),
            scope: scope.map(str::to_owned),
        }
    }

    #[test]
    fn scopes_follow_youtube_in_short_and_url_forms() {
        assert!(caller(None).require(Need::Write).is_ok());
        assert!(caller(Some("youtube")).require(Need::Write).is_ok());
        assert!(
            caller(Some("openid https://www.googleapis.com/auth/youtube.force-ssl"))
                .require(Need::Write)
                .is_ok()
        );
        assert!(caller(Some("youtube.readonly")).require(Need::Write).is_err());
        assert!(caller(Some("youtube.readonly")).require(Need::Read).is_ok());
        assert!(
            caller(Some("https://www.googleapis.com/auth/youtube.readonly"))
                .require(Need::Read)
                .is_ok()
        );
        assert!(caller(Some("youtubepartner")).require(Need::Cuepoint).is_ok());
        assert!(caller(Some("youtubepartner")).require(Need::Write).is_err());
        assert!(caller(Some("profile")).require(Need::Read).is_err());
        assert!(
            caller(Some("https://example.com/youtube"))
                .require(Need::Read)
                .is_err()
        );
    }
}
