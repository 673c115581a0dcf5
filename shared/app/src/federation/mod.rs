//! Federated login's use cases: the OpenID Connect client ([`upstream`], [`claims`]), the sealed
//! pending login ([`pending`]) and the local account of an upstream identity ([`account`]).
//!
//! Everything here is free of request-handling types; the `oauth2` crate's HTTP *client* types (its
//! re-export of `http`) appear only inside [`upstream`], where the outbound calls are made.

pub mod account;
pub mod callback;
pub mod claims;
pub mod pending;
pub mod start;
pub mod upstream;

pub use pending::{COOKIE as PENDING_COOKIE, LIFETIME as PENDING_LIFETIME};
pub use upstream::REQUEST_TIMEOUT;

use crate::error::AppError;
use onair_domain::oauth::{OAuthError, OAuthErrorCode};
use tokio::sync::OnceCell;
use upstream::{Endpoints, UpstreamError};
use url::Url;

/// The upstream provider: its settings, the HTTP client for it and its discovered endpoints.
#[derive(Debug)]
pub struct Federation {
    issuer: String,
    client_id: String,
    client_secret_name: String,
    http: reqwest::Client,
    endpoints: OnceCell<Endpoints>,
}

impl Federation {
    /// Settings for a provider; discovery happens on first use. The issuer must be an https URL (http
    /// only on the loopback interface) without query or fragment.
    pub fn new(issuer: String, client_id: String, client_secret_name: String) -> Result<Self, String> {
        let url = Url::parse(&issuer).map_err(|e| format!("issuer {issuer:?} is not a URL: {e}"))?;
        if !upstream::acceptable_url(&url) || url.query().is_some() {
            return Err(format!(
                "issuer {issuer:?} must be an https URL without query (http only on loopback)"
            ));
        }
        if client_id.trim().is_empty() {
            return Err("the client id must not be empty".into());
        }
        if client_secret_name.trim().is_empty() {
            return Err("the client secret name must not be empty".into());
        }
        Ok(Self {
            issuer,
            client_id,
            client_secret_name,
            http: upstream::http_client()?,
            endpoints: OnceCell::new(),
        })
    }

    /// The provider's issuer URL.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// onair's client id at the provider.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// Name of the secret holding onair's client secret at the provider.
    pub fn client_secret_name(&self) -> &str {
        &self.client_secret_name
    }

    /// The HTTP client for the provider (short timeouts, no redirects).
    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The discovered endpoints: fetched on first use, kept for the life of the process; a failed
    /// discovery is not cached, so the next login tries again.
    pub async fn endpoints(&self) -> Result<&Endpoints, UpstreamError> {
        self.endpoints
            .get_or_try_init(|| upstream::discover(&self.http, &self.issuer))
            .await
    }
}

/// Path of the callback, appended to onair's issuer URL; this is the redirect URI registered at the
/// provider.
pub const CALLBACK_PATH: &str = "/oauth/federated/callback";

/// Shown when the provider answered something onair cannot use.
pub const PROVIDER_TROUBLE: &str = "The sign-in provider's answer could not be used. Please try again.";

/// onair's callback URL under `issuer`, which must be an absolute http(s) URL.
pub fn callback_url(issuer: &str) -> Result<String, AppError> {
    let url = format!("{}{CALLBACK_PATH}", issuer.trim_end_matches('/'));
    match Url::parse(&url) {
        Ok(u) if matches!(u.scheme(), "https" | "http") => Ok(url),
        _ => Err(AppError::Internal(
            "no issuer URL to build the federation callback from".into(),
        )),
    }
}

/// An unreachable provider is an outage (retry later); an unusable answer is refused with a message
/// safe to show, and its cause is logged here.
impl From<UpstreamError> for AppError {
    fn from(err: UpstreamError) -> Self {
        match err {
            UpstreamError::Down(cause) => AppError::Unavailable(format!("identity provider: {cause}")),
            UpstreamError::Bad(cause) => {
                tracing::warn!(cause = %cause, "unusable answer from the identity provider");
                AppError::Refused(OAuthError::new(OAuthErrorCode::ServerError, PROVIDER_TROUBLE))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issuer_must_be_https_or_loopback() {
        let fed = |issuer: &str| Federation::new(issuer.into(), "onair".into(), "oidc-secret".into());
        assert!(fed("https://idp.example").is_ok());
        assert!(fed("http://127.0.0.1:4000").is_ok());
        assert!(fed("http://idp.example").is_err());
        assert!(fed("https://idp.example?x=1").is_err());
        assert!(fed("not a url").is_err());
        assert!(Federation::new("https://idp.example".into(), " ".into(), "s".into()).is_err());
        assert!(Federation::new("https://idp.example".into(), "c".into(), "".into()).is_err());
    }
}
