//! The pending federated login, carried in a cookie between `start` and `callback`.
//!
//! Nothing is stored server-side between the redirect to the provider and its return (a Lambda has no
//! memory between invocations, and a table row per abandoned login would be waste), so the browser keeps
//! the state, and onair makes it tamper-proof: the cookie is base64url JSON followed by an HMAC-SHA256
//! over it, keyed by a key derived from onair's signing key (a rotation keeps the previous key verifying
//! during its overlap). The PKCE verifier and the OpenID `nonce` are never in the cookie at all: they are
//! derived from the upstream `state` with the same key, so only onair can compute them, and a stolen
//! upstream code is useless without onair's key.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use onair_domain::oauth::authorize::AuthorizeRequest;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use time::{Duration, OffsetDateTime};

/// Name of the cookie.
pub const COOKIE: &str = "onair_federation";
/// How long a pending login stays valid (also the cookie's `Max-Age`).
pub const LIFETIME: Duration = Duration::minutes(10);
/// Largest cookie value a browser reliably keeps (name and attributes need the rest of 4096 bytes).
pub const MAX_VALUE: usize = 3800;
/// Clock skew tolerated between instances for a login that seems to start in the future.
const SKEW: Duration = Duration::seconds(60);
/// Format version inside the cookie.
const VERSION: u8 = 1;

type HmacSha256 = Hmac<Sha256>;

/// What `callback` needs to finish the login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    /// Format version.
    v: u8,
    /// The upstream issuer the login was started with.
    pub issuer: String,
    /// The random `state` sent upstream.
    pub upstream_state: String,
    /// When the login started (Unix seconds).
    pub issued_at: i64,
    /// The onair client.
    pub client_id: String,
    /// The onair client's redirect URI.
    pub redirect_uri: String,
    /// The onair client's `state`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The onair client's PKCE challenge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge: Option<String>,
    /// The onair client's scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

impl Pending {
    /// A pending login for `request`, started at `now`.
    pub fn new(issuer: &str, upstream_state: &str, request: &AuthorizeRequest, now: OffsetDateTime) -> Self {
        Self {
            v: VERSION,
            issuer: issuer.to_owned(),
            upstream_state: upstream_state.to_owned(),
            issued_at: now.unix_timestamp(),
            client_id: request.client_id.to_string(),
            redirect_uri: request.redirect_uri.clone(),
            state: request.state.clone(),
            code_challenge: request.code_challenge.clone(),
            scope: request.scope.clone(),
        }
    }

    /// The onair authorization request as query pairs, to validate again against the client as it is
    /// now (its redirect URIs may have changed while the user was at the provider).
    pub fn request_pairs(&self) -> Vec<(String, String)> {
        let mut pairs = vec![
            ("response_type".to_owned(), "code".to_owned()),
            ("client_id".to_owned(), self.client_id.clone()),
            ("redirect_uri".to_owned(), self.redirect_uri.clone()),
        ];
        if let Some(s) = &self.state {
            pairs.push(("state".into(), s.clone()));
        }
        if let Some(c) = &self.code_challenge {
            pairs.push(("code_challenge".into(), c.clone()));
            pairs.push(("code_challenge_method".into(), "S256".into()));
        }
        if let Some(s) = &self.scope {
            pairs.push(("scope".into(), s.clone()));
        }
        pairs
    }

    /// Whether the login is still fresh at `now`.
    pub fn is_fresh(&self, now: OffsetDateTime) -> bool {
        let Ok(started) = OffsetDateTime::from_unix_timestamp(self.issued_at) else {
            return false;
        };
        started - SKEW <= now && now < started + LIFETIME
    }
}

/// Seals and opens pending logins, and derives their PKCE verifier and nonce, with one key.
pub struct Sealer {
    key: Vec<u8>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer").finish_non_exhaustive()
    }
}

impl Sealer {
    /// A sealer keyed from onair's signing-key material (a separate key, so a MAC made here can never
    /// be confused with a token signature).
    pub fn new(signing_key: &[u8]) -> Self {
        Self {
            key: mac(signing_key, &[b"onair/federation/pending-login/v1"]),
        }
    }

    /// The cookie value for `pending`; `None` if it would be too large for a browser to keep.
    pub fn seal(&self, pending: &Pending) -> Option<String> {
        let json = serde_json::to_vec(pending).ok()?;
        let body = URL_SAFE_NO_PAD.encode(json);
        let tag = URL_SAFE_NO_PAD.encode(mac(&self.key, &[b"cookie", body.as_bytes()]));
        let value = format!("{body}.{tag}");
        (value.len() <= MAX_VALUE).then_some(value)
    }

    /// The pending login in `value`, if this key sealed it (checked in constant time).
    pub fn open(&self, value: &str) -> Option<Pending> {
        let (body, tag) = value.split_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        let mut check = HmacSha256::new_from_slice(&self.key).ok()?;
        check.update(b"cookie");
        check.update(&[0]);
        check.update(body.as_bytes());
        check.update(&[0]);
        check.verify_slice(&tag).ok()?;
        let pending: Pending = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).ok()?).ok()?;
        (pending.v == VERSION).then_some(pending)
    }

    /// The PKCE code verifier of the login with `upstream_state`: 43 base64url characters (RFC 7636 §4.1).
    pub fn pkce_verifier(&self, upstream_state: &str) -> String {
        URL_SAFE_NO_PAD.encode(mac(&self.key, &[b"pkce-verifier", upstream_state.as_bytes()]))
    }

    /// The OpenID Connect `nonce` of the login with `upstream_state`.
    pub fn nonce(&self, upstream_state: &str) -> String {
        URL_SAFE_NO_PAD.encode(mac(&self.key, &[b"nonce", upstream_state.as_bytes()]))
    }
}

/// HMAC-SHA256 of the parts, each followed by a zero byte so that part boundaries cannot shift.
fn mac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    match HmacSha256::new_from_slice(key) {
        Ok(mut m) => {
            for part in parts {
                m.update(part);
                m.update(&[0]);
            }
            m.finalize().into_bytes().to_vec()
        }
        // HMAC takes keys of any length; this arm cannot be reached.
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use onair_domain::ClientId;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-01 00:00:00 UTC);

    fn request() -> AuthorizeRequest {
        AuthorizeRequest {
            client_id: ClientId::parse("client-1").unwrap(),
            redirect_uri: "https://prism.example/cb".into(),
            state: Some("client state".into()),
            code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()),
            scope: None,
        }
    }

    #[test]
    fn a_sealed_login_opens_with_the_same_key_only() {
        let pending = Pending::new("https://idp.example", "up-state", &request(), NOW);
        let value = Sealer::new(b"key one").seal(&pending).unwrap();
        assert_eq!(Sealer::new(b"key one").open(&value), Some(pending));
        assert_eq!(Sealer::new(b"key two").open(&value), None);
    }

    #[test]
    fn any_change_to_the_cookie_is_rejected() {
        let sealer = Sealer::new(b"key");
        let value = sealer
            .seal(&Pending::new("https://idp.example", "up", &request(), NOW))
            .unwrap();
        let (body, tag) = value.split_once('.').unwrap();
        let mut json: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).unwrap()).unwrap();
        json["redirect_uri"] = "https://evil.example/cb".into();
        let forged = format!(
            "{}.{tag}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&json).unwrap())
        );
        assert_eq!(sealer.open(&forged), None);
        assert_eq!(sealer.open(&format!("{body}.")), None);
        assert_eq!(sealer.open(body), None);
        assert_eq!(sealer.open(""), None);
    }

    #[test]
    fn a_login_expires_after_ten_minutes() {
        let pending = Pending::new("https://idp.example", "up", &request(), NOW);
        assert!(pending.is_fresh(NOW));
        assert!(pending.is_fresh(NOW + Duration::minutes(9)));
        assert!(!pending.is_fresh(NOW + LIFETIME));
        assert!(!pending.is_fresh(NOW - Duration::minutes(5)));
    }

    #[test]
    fn the_verifier_is_a_valid_pkce_verifier_bound_to_the_state_and_key() {
        let sealer = Sealer::new(b"key");
        let v = sealer.pkce_verifier("state-a");
        assert_eq!(v.len(), 43);
        assert!(
            v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(v, sealer.pkce_verifier("state-a"));
        assert_ne!(v, sealer.pkce_verifier("state-b"));
        assert_ne!(v, Sealer::new(b"other key").pkce_verifier("state-a"));
        assert_ne!(v, sealer.nonce("state-a"));
    }

    #[test]
    fn the_request_survives_the_round_trip_as_pairs() {
        let client = onair_domain::client::Client {
            id: ClientId::parse("client-1").unwrap(),
            name: "PRISM".into(),
            kind: onair_domain::client::ClientKind::Confidential,
            redirect_uris: vec!["https://prism.example/cb".into()],
            secret_name: None,
            created_at: NOW,
            modified_at: NOW,
            version: 1,
        };
        let pending = Pending::new("https://idp.example", "up", &request(), NOW);
        let again = onair_domain::oauth::authorize::validate(pending.request_pairs(), &client).unwrap();
        assert_eq!(again, request());
    }

    #[test]
    fn an_oversized_request_is_not_sealed() {
        let mut big = request();
        big.redirect_uri = format!("https://prism.example/{}", "a".repeat(3000));
        assert_eq!(
            Sealer::new(b"key").seal(&Pending::new("https://idp.example", "up", &big, NOW)),
            None
        );
    }
}
