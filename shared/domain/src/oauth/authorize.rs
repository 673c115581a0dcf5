//! Validation of authorization requests (RFC 6749 §4.1.1, §4.1.2.1; RFC 7636 §4.3).
//!
//! Order matters: the client and its *exact* redirect URI are established first, and until they are,
//! every problem is shown to the user on an error page and never redirected — otherwise the endpoint
//! is an open redirector (RFC 9700 §4.11). Only then are other problems sent back to the client as
//! `error=` redirects carrying `state`.

use super::error::{OAuthError, OAuthErrorCode};
use super::params::Params;
use super::pkce;
use crate::client::{Client, ClientKind};
use crate::ids::ClientId;

/// Longest `state` accepted.
pub const MAX_STATE: usize = 512;
/// Longest `scope` accepted.
pub const MAX_SCOPE: usize = 512;

/// A validated authorization request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizeRequest {
    /// The client.
    pub client_id: ClientId,
    /// Its exact registered redirect URI.
    pub redirect_uri: String,
    /// Opaque client state, echoed back.
    pub state: Option<String>,
    /// S256 PKCE challenge.
    pub code_challenge: Option<String>,
    /// Requested scope, recorded.
    pub scope: Option<String>,
}

/// Why an authorization request cannot proceed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizeError {
    /// The client or redirect URI is not established: show an error page, never redirect.
    Deny(String),
    /// Tell the client, by redirecting to its verified redirect URI.
    Redirect {
        /// The verified redirect URI.
        redirect_uri: String,
        /// The error.
        error: OAuthError,
        /// `state` to echo (omitted when it was itself the problem).
        state: Option<String>,
    },
}

/// The `client_id` and `redirect_uri` of a request, each of which must appear exactly once.
pub fn identify(pairs: &[(String, String)]) -> Result<(ClientId, String), AuthorizeError> {
    let single = |name: &str| {
        let mut values = pairs.iter().filter(|(n, _)| n == name).map(|(_, v)| v.as_str());
        match (values.next(), values.next()) {
            (Some(v), None) if !v.is_empty() => Ok(v.to_owned()),
            (Some(_), Some(_)) => Err(AuthorizeError::Deny(format!("{name} is repeated"))),
            _ => Err(AuthorizeError::Deny(format!("{name} is missing"))),
        }
    };
    let client_id = single("client_id")?;
    let redirect_uri = single("redirect_uri")?;
    let client_id =
        ClientId::parse(&client_id).ok_or_else(|| AuthorizeError::Deny("unknown client".into()))?;
    Ok((client_id, redirect_uri))
}

/// Validates the whole request against the registered `client` (already looked up by `identify`'s id).
pub fn validate(pairs: Vec<(String, String)>, client: &Client) -> Result<AuthorizeRequest, AuthorizeError> {
    let (_, redirect_uri) = identify(&pairs)?;
    if !client.allows_redirect(&redirect_uri) {
        return Err(AuthorizeError::Deny(
            "redirect_uri is not registered for this client".into(),
        ));
    }
    let redirect = |error: OAuthError, state: Option<String>| AuthorizeError::Redirect {
        redirect_uri: redirect_uri.clone(),
        error,
        state,
    };
    // A state we cannot echo safely is dropped from the error redirect rather than truncated.
    let raw_state = pairs
        .iter()
        .find(|(n, _)| n == "state")
        .map(|(_, v)| v.clone())
        .filter(|v| !v.is_empty());
    let state = raw_state.clone().filter(|s| s.len() <= MAX_STATE);
    let params = Params::new(pairs).map_err(|e| redirect(e, state.clone()))?;
    if raw_state.as_ref().is_some_and(|s| s.len() > MAX_STATE) {
        return Err(redirect(
            OAuthError::invalid_request(format!("state exceeds {MAX_STATE} characters")),
            None,
        ));
    }
    match params.get("response_type") {
        Some("code") => {}
        Some(_) => {
            return Err(redirect(
                OAuthError::new(
                    OAuthErrorCode::UnsupportedResponseType,
                    "only response_type=code is supported",
                ),
                state,
            ));
        }
        None => {
            return Err(redirect(
                OAuthError::invalid_request("missing parameter response_type"),
                state,
            ));
        }
    }
    let code_challenge =
        pkce::check_challenge(params.get("code_challenge"), params.get("code_challenge_method"))
            .map_err(|e| redirect(e, state.clone()))?;
    if client.kind == ClientKind::Public && code_challenge.is_none() {
        return Err(redirect(
            OAuthError::invalid_request("public clients must use PKCE (S256)"),
            state,
        ));
    }
    let scope = params.get("scope").map(str::to_owned);
    if let Some(s) = &scope
        && (s.len() > MAX_SCOPE || !s.split(' ').all(is_scope_token))
    {
        return Err(redirect(
            OAuthError::new(OAuthErrorCode::InvalidScope, "scope is malformed"),
            state,
        ));
    }
    Ok(AuthorizeRequest {
        client_id: client.id.clone(),
        redirect_uri,
        state,
        code_challenge,
        scope,
    })
}

/// RFC 6749 §3.3 scope-token: one or more of %x21 / %x23-5B / %x5D-7E.
fn is_scope_token(t: &str) -> bool {
    !t.is_empty()
        && t.bytes()
            .all(|b| b == 0x21 || (0x23..=0x5B).contains(&b) || (0x5D..=0x7E).contains(&b))
}

/// `redirect_uri` with `params` appended to its query (keeping any query it already has).
///
/// The registered string is used exactly as it is: the parameters are appended to it as text, never
/// by parsing and re-serialising it, so the browser is sent to precisely what the client registered
/// (RFC 9700 §4.1.3). Registration only accepts URIs in canonical form without a fragment; a fragment
/// in an older registration is kept after the parameters.
pub fn redirect_to(redirect_uri: &str, params: &[(&str, &str)]) -> String {
    let (base, fragment) = match redirect_uri.split_once('#') {
        Some((base, fragment)) => (base, Some(fragment)),
        None => (redirect_uri, None),
    };
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    let mut out = String::with_capacity(redirect_uri.len() + query.len() + 1);
    out.push_str(base);
    if !query.is_empty() {
        match base.find('?') {
            None => out.push('?'),
            Some(at) if at + 1 == base.len() || base.ends_with('&') => {}
            Some(_) => out.push('&'),
        }
        out.push_str(&query);
    }
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

/// An authorization response (RFC 6749 §4.1.2 and §4.1.2.1) sent to `redirect_uri`: `params`, then
/// `iss` (RFC 9207), so the client can tell which authorization server answered and a mix-up
/// attacker cannot pass one server's response off as another's.
pub fn authorization_response(redirect_uri: &str, issuer: &str, params: &[(&str, &str)]) -> String {
    let mut all = params.to_vec();
    all.push(("iss", issuer));
    redirect_to(redirect_uri, &all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::OffsetDateTime;

    const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

    fn client(kind: ClientKind) -> Client {
        let t = OffsetDateTime::UNIX_EPOCH;
        Client {
            id: ClientId::parse("prism").unwrap(),
            name: "PRISM".into(),
            kind,
            redirect_uris: vec!["https://a.example/cb".into()],
            secret_name: None,
            created_at: t,
            modified_at: t,
            version: 1,
        }
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    fn base() -> Vec<(&'static str, &'static str)> {
        vec![
            ("response_type", "code"),
            ("client_id", "prism"),
            ("redirect_uri", "https://a.example/cb"),
        ]
    }

    #[test]
    fn a_prism_request_without_pkce_or_state_is_valid_for_a_confidential_client() {
        let r = validate(pairs(&base()), &client(ClientKind::Confidential)).unwrap();
        assert_eq!(r.redirect_uri, "https://a.example/cb");
        assert_eq!(r.state, None);
    }

    #[test]
    fn wrong_or_repeated_redirect_uris_are_denied_without_redirect() {
        let mut p = base();
        p[2].1 = "https://a.example/cb/extra";
        assert!(matches!(
            validate(pairs(&p), &client(ClientKind::Confidential)),
            Err(AuthorizeError::Deny(_))
        ));
        let mut p = base();
        p.push(("redirect_uri", "https://a.example/cb"));
        assert!(matches!(
            validate(pairs(&p), &client(ClientKind::Confidential)),
            Err(AuthorizeError::Deny(_))
        ));
        assert!(matches!(
            identify(&pairs(&[("client_id", "x")])),
            Err(AuthorizeError::Deny(_))
        ));
    }

    #[test]
    fn later_problems_redirect_with_state() {
        let mut p = base();
        p[0].1 = "token";
        p.push(("state", "s1"));
        match validate(pairs(&p), &client(ClientKind::Confidential)) {
            Err(AuthorizeError::Redirect { error, state, .. }) => {
                assert_eq!(error.code, OAuthErrorCode::UnsupportedResponseType);
                assert_eq!(state.as_deref(), Some("s1"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn overlong_state_is_refused_and_not_echoed() {
        let long = "s".repeat(MAX_STATE + 1);
        let mut p = base();
        p.push(("state", &long));
        match validate(pairs(&p), &client(ClientKind::Confidential)) {
            Err(AuthorizeError::Redirect { error, state, .. }) => {
                assert_eq!(error.code, OAuthErrorCode::InvalidRequest);
                assert_eq!(state, None);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn public_clients_need_s256_and_plain_is_refused() {
        assert!(matches!(
            validate(pairs(&base()), &client(ClientKind::Public)),
            Err(AuthorizeError::Redirect { .. })
        ));
        let mut p = base();
        p.extend([("code_challenge", CHALLENGE), ("code_challenge_method", "plain")]);
        assert!(matches!(
            validate(pairs(&p), &client(ClientKind::Public)),
            Err(AuthorizeError::Redirect { .. })
        ));
        let mut p = base();
        p.extend([
            ("code_challenge", CHALLENGE),
            ("code_challenge_method", "S256"),
            ("scope", "openid profile"),
        ]);
        let r = validate(pairs(&p), &client(ClientKind::Public)).unwrap();
        assert_eq!(r.code_challenge.as_deref(), Some(CHALLENGE));
        assert_eq!(r.scope.as_deref(), Some("openid profile"));
    }

    #[test]
    fn redirects_keep_existing_query() {
        assert_eq!(
            redirect_to("https://a.example/cb?x=1", &[("code", "c d"), ("state", "s")]),
            "https://a.example/cb?x=1&code=c+d&state=s"
        );
    }

    #[test]
    fn redirects_append_to_the_registered_string_without_reserialising_it() {
        let p = [("code", "c&d=e"), ("state", "ü")];
        for (registered, expected) in [
            (
                "https://a.example/cb",
                "https://a.example/cb?code=c%26d%3De&state=%C3%BC",
            ),
            (
                "https://a.example/cb?",
                "https://a.example/cb?code=c%26d%3De&state=%C3%BC",
            ),
            (
                "https://a.example/cb?x=1&",
                "https://a.example/cb?x=1&code=c%26d%3De&state=%C3%BC",
            ),
            (
                "https://a.example/cb?x=1",
                "https://a.example/cb?x=1&code=c%26d%3De&state=%C3%BC",
            ),
            // Not canonical (registration refuses these today), yet never rewritten.
            (
                "https://A.example:443/c%62",
                "https://A.example:443/c%62?code=c%26d%3De&state=%C3%BC",
            ),
            (
                "https://a.example/cb#f",
                "https://a.example/cb?code=c%26d%3De&state=%C3%BC#f",
            ),
        ] {
            let to = redirect_to(registered, &p);
            assert_eq!(to, expected);
            assert!(to.starts_with(registered.split('#').next().unwrap()));
        }
        assert_eq!(redirect_to("https://a.example/cb", &[]), "https://a.example/cb");
    }

    #[test]
    fn authorization_responses_end_with_the_issuer() {
        assert_eq!(
            authorization_response("https://a.example/cb", "https://onair.example", &[("code", "c")]),
            "https://a.example/cb?code=c&iss=https%3A%2F%2Fonair.example"
        );
    }
}
