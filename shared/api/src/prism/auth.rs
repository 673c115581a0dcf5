//! The access token on resource calls: `x-prism-access-token` (PRISM) or `Authorization: Bearer`
//! (everything else; RFC 6750 §2.1). Verified from its signature alone — no store read — which is what
//! keeps PRISM's 5-second polling at one DynamoDB round trip per call.

use crate::error::PrismError;
use crate::extract::credentials_of;
use crate::oauth::request::issuer;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use onair_app::AppState;
use onair_app::signing_keys::verify_access_token;
use onair_domain::oauth::jwt::JwtError;
use onair_domain::{ClientId, UserId};

/// The verified caller of a resource call.
#[derive(Debug, Clone)]
pub struct Streamer {
    /// The user.
    pub user: UserId,
    /// The client the token was issued to.
    pub client: ClientId,
}

fn presented(parts: &Parts) -> Result<String, PrismError> {
    let mut prism = parts.headers.get_all("x-prism-access-token").iter();
    let mut bearer = parts
        .headers
        .get_all(header::AUTHORIZATION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| credentials_of(v, "Bearer"));
    let prism_value = match (prism.next(), prism.next()) {
        (Some(_), Some(_)) => return Err(PrismError::InvalidToken),
        (Some(v), None) => Some(
            v.to_str()
                .map_err(|_| PrismError::InvalidToken)?
                .trim()
                .to_owned(),
        ),
        (None, _) => None,
    };
    let bearer_value = match (bearer.next(), bearer.next()) {
        (_, Some(_)) => return Err(PrismError::InvalidToken),
        (v, None) => v.map(|v| v.trim().to_owned()),
    };
    match (prism_value, bearer_value) {
        (Some(a), Some(b)) if a != b => Err(PrismError::InvalidToken),
        (Some(t), _) | (None, Some(t)) if !t.is_empty() => Ok(t),
        _ => Err(PrismError::MissingToken),
    }
}

impl FromRequestParts<AppState> for Streamer {
    type Rejection = PrismError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = presented(parts)?;
        let claims = verify_access_token(state, &token, &issuer(state, parts))
            .await?
            .map_err(|e| match e {
                JwtError::Expired => PrismError::ExpiredToken,
                _ => PrismError::InvalidToken,
            })?;
        match (UserId::parse(&claims.sub), ClientId::parse(&claims.client_id)) {
            (Some(user), Some(client)) => Ok(Streamer { user, client }),
            _ => Err(PrismError::InvalidToken),
        }
    }
}
