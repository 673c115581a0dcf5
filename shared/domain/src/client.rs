//! OAuth client registrations and the redirect-URI rules they obey.
//!
//! Redirect URIs are stored and later compared as exact strings (RFC 9700 §4.1.3: no pattern matching);
//! registration only accepts absolute `https` URIs without fragments, or plain `http` on a loopback host
//! for native apps (RFC 8252 §7.3).

use crate::ids::ClientId;
use crate::validate::{MAX_URL, Violations};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use url::{Host, Url};

/// Most redirect URIs one client may register.
pub const MAX_REDIRECT_URIS: usize = 10;
/// Longest client name.
pub const MAX_CLIENT_NAME: usize = 100;

/// Whether the client can keep a secret (RFC 6749 §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientKind {
    /// A server-side client with a secret (PRISM is one).
    Confidential,
    /// A native or browser app without a secret; must use PKCE.
    Public,
}

/// A registered OAuth client. The secret itself is not here: it lives in the secret store under
/// [`Client::secret_name`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    /// Public identifier, handed to the client.
    pub id: ClientId,
    /// Display name.
    pub name: String,
    /// Confidential or public.
    pub kind: ClientKind,
    /// Exact redirect URIs.
    pub redirect_uris: Vec<String>,
    /// Name of the secret holding the client secret (`None` for public clients).
    pub secret_name: Option<String>,
    /// When registered.
    pub created_at: OffsetDateTime,
    /// When last changed.
    pub modified_at: OffsetDateTime,
    /// Optimistic-concurrency version, bumped on every write.
    pub version: u64,
}

impl Client {
    /// Whether `uri` is registered, compared as an exact string.
    pub fn allows_redirect(&self, uri: &str) -> bool {
        self.redirect_uris.iter().any(|r| r == uri)
    }
}

/// Validates a client name.
pub fn check_name(v: &mut Violations, field: &str, name: &str) {
    v.text(field, name, MAX_CLIENT_NAME);
}

/// Validates a redirect-URI list: 1–10 distinct URIs, each acceptable by [`check_redirect_uri`].
pub fn check_redirect_uris(v: &mut Violations, field: &str, uris: &[String]) {
    if uris.is_empty() {
        v.add(field, "must list at least one redirect URI");
    }
    if uris.len() > MAX_REDIRECT_URIS {
        v.add(
            field,
            format!("must list at most {MAX_REDIRECT_URIS} redirect URIs"),
        );
    }
    for (i, uri) in uris.iter().enumerate() {
        let name = format!("{field}[{i}]");
        if let Err(message) = check_redirect_uri(uri) {
            v.add(&name, message);
        } else if uris[..i].contains(uri) {
            v.add(&name, "duplicates an earlier redirect URI");
        }
    }
}

/// Whether one redirect URI may be registered; the error says why not.
pub fn check_redirect_uri(uri: &str) -> Result<(), String> {
    if uri.len() > MAX_URL {
        return Err(format!("must be at most {MAX_URL} characters"));
    }
    let url = Url::parse(uri).map_err(|e| format!("is not an absolute URL: {e}"))?;
    if url.fragment().is_some() {
        return Err("must not contain a fragment".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain credentials".into());
    }
    match (url.scheme(), url.host()) {
        ("https", Some(_)) => Ok(()),
        ("http", Some(host)) if is_loopback(&host) => Ok(()),
        ("http", Some(_)) => Err("must use https (plain http is allowed only for loopback hosts)".into()),
        _ => Err("must be an https URL".into()),
    }
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(d) => *d == "localhost",
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_must_be_https_except_loopback() {
        assert!(
            check_redirect_uri("https://global.apis.naver.com/prism/prism-auth-api/oauth/partner/7").is_ok()
        );
        assert!(check_redirect_uri("http://127.0.0.1:8080/cb").is_ok());
        assert!(check_redirect_uri("http://localhost/cb").is_ok());
        assert!(check_redirect_uri("http://[::1]/cb").is_ok());
        assert!(check_redirect_uri("http://example.com/cb").is_err());
        assert!(check_redirect_uri("https://example.com/cb#frag").is_err());
        assert!(check_redirect_uri("https://user:pw@example.com/cb").is_err());
        assert!(check_redirect_uri("/relative").is_err());
        assert!(check_redirect_uri("javascript:alert(1)").is_err());
    }

    #[test]
    fn redirect_uri_lists_reject_empty_duplicates_and_excess() {
        let mut v = Violations::default();
        check_redirect_uris(&mut v, "r", &[]);
        assert_eq!(v.list().len(), 1);
        let mut v = Violations::default();
        let same = "https://a.example/cb".to_string();
        check_redirect_uris(&mut v, "r", &[same.clone(), same]);
        assert_eq!(v.list()[0].field, "r[1]");
        let mut v = Violations::default();
        let many: Vec<String> = (0..11).map(|i| format!("https://a.example/{i}")).collect();
        check_redirect_uris(&mut v, "r", &many);
        assert_eq!(v.list().len(), 1);
    }

    #[test]
    fn redirect_match_is_exact() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let c = Client {
            id: ClientId::parse("c").unwrap(),
            name: "n".into(),
            kind: ClientKind::Confidential,
            redirect_uris: vec!["https://a.example/cb".into()],
            secret_name: None,
            created_at: now,
            modified_at: now,
            version: 1,
        };
        assert!(c.allows_redirect("https://a.example/cb"));
        assert!(!c.allows_redirect("https://a.example/cb/"));
        assert!(!c.allows_redirect("https://a.example/cb?x=1"));
        assert!(!c.allows_redirect("https://A.example/cb"));
    }
}
