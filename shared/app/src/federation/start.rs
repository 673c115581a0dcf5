//! The first leg of a federated login: seal the pending login and build the provider's authorization
//! URL. Nothing is kept server-side: the sealed value travels in the browser's cookie, and the PKCE
//! verifier and `nonce` are derived from the upstream `state` with onair's key.

use super::pending::{Pending, Sealer};
use super::upstream::{self, AuthorizationRequest};
use super::{Federation, callback_url};
use crate::error::AppError;
use crate::signing_keys::key_set;
use crate::state::AppState;
use onair_domain::oauth::OAuthError;
use onair_domain::oauth::authorize::{AuthorizeError, AuthorizeRequest};

/// What starting a federated login ends with.
#[derive(Debug)]
pub enum Started {
    /// Send the browser to `url`, with `sealed` as the pending-login cookie.
    Upstream {
        /// The provider's authorization URL.
        url: String,
        /// The sealed pending login (the cookie's value).
        sealed: String,
    },
    /// The onair request cannot go upstream; tell the client.
    Refused(AuthorizeError),
}

/// Starts an upstream login for `request` (already validated); `issuer` is onair's issuer URL for this
/// request, under which the callback lives.
pub async fn start(
    state: &AppState,
    fed: &Federation,
    request: &AuthorizeRequest,
    issuer: &str,
) -> Result<Started, AppError> {
    let endpoints = fed.endpoints().await?;
    let callback = callback_url(issuer)?;
    let keys = key_set(state).await?;
    let sealer = Sealer::new(keys.current.material());
    let upstream_state = state.generator.secret();
    let pending = Pending::new(fed.issuer(), upstream_state.expose(), request, state.clock.now());
    let Some(sealed) = sealer.seal(&pending) else {
        return Ok(Started::Refused(AuthorizeError::Redirect {
            redirect_uri: request.redirect_uri.clone(),
            error: OAuthError::invalid_request("the authorization request is too large for federated login"),
            state: request.state.clone(),
        }));
    };
    let url = upstream::authorization_url(
        endpoints,
        &AuthorizationRequest {
            client_id: fed.client_id(),
            redirect_uri: &callback,
            state: &pending.upstream_state,
            nonce: &sealer.nonce(&pending.upstream_state),
            verifier: &sealer.pkce_verifier(&pending.upstream_state),
        },
    )?;
    tracing::info!(client_id = %request.client_id, provider = %fed.issuer(), "federated login started");
    Ok(Started::Upstream {
        url: url.to_string(),
        sealed,
    })
}
