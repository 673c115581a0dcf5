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
///
/// Redirects go to the registered string exactly, and browsers and URL libraries normalise what they
/// are given, so only URIs already in canonical form are accepted: the string must equal its own
/// WHATWG serialisation (the `url` crate's). The common ways to differ get their own message.
pub fn check_redirect_uri(uri: &str) -> Result<(), String> {
    if uri.len() > MAX_URL {
        return Err(format!("must be at most {MAX_URL} characters"));
    }
    if uri.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("must not contain whitespace or control characters".into());
    }
    let url = Url::parse(uri).map_err(|e| format!("is not an absolute URL: {e}"))?;
    if url.fragment().is_some() {
        return Err("must not contain a fragment".into());
    }
    let authority = raw_authority(uri);
    if !url.username().is_empty() || url.password().is_some() || authority.is_some_and(|a| a.contains('@')) {
        return Err("must not contain credentials".into());
    }
    match (url.scheme(), url.host()) {
        ("https", Some(_)) => {}
        ("http", Some(host)) if is_loopback(&host) => {}
        ("http", Some(_)) => {
            return Err("must use https (plain http is allowed only for loopback hosts)".into());
        }
        _ => return Err("must be an https URL".into()),
    }
    let Some(authority) = authority.filter(|a| !a.is_empty()) else {
        return Err("must name a host after the scheme's //".into());
    };
    if authority.chars().any(|c| c.is_ascii_uppercase()) {
        return Err("the host must be written in lower case".into());
    }
    if url.port().is_none()
        && authority
            .rsplit_once(':')
            .is_some_and(|(_, port)| !port.contains(']'))
    {
        return Err("must not name the scheme's default port".into());
    }
    if url.as_str() != uri {
        return Err(format!("must be written in canonical form: {}", url.as_str()));
    }
    Ok(())
}

/// The authority exactly as written: what lies between `scheme://` and the next `/`, `?` or `#`;
/// `None` when the string has no `//` after its scheme.
fn raw_authority(uri: &str) -> Option<&str> {
    let (_, rest) = uri.split_once(':')?;
    let rest = rest.strip_prefix("//")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(&rest[..end])
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
    fn redirect_uris_must_be_canonical() {
        for (uri, why) in [
            ("https:///cb", "host"),
            ("https://example.com/c\nb", "control"),
            ("https://example.com/c\tb", "control"),
            ("https://example.com/c b", "whitespace"),
            (" https://example.com/cb", "whitespace"),
            ("https://example.com/cb\u{0}", "control"),
            ("https://Example.COM/cb", "lower case"),
            ("https://example.com:443/cb", "default port"),
            ("http://127.0.0.1:80/cb", "default port"),
            ("https://@example.com/cb", "credentials"),
            ("https://user@example.com/cb", "credentials"),
            ("https://example.com", "canonical form: https://example.com/"),
            (
                "https://example.com/a/../cb",
                "canonical form: https://example.com/cb",
            ),
            ("https://example.com/c%7eb/ü", "canonical form"),
            (
                "https://bücher.example/cb",
                "canonical form: https://xn--bcher-kva.example/cb",
            ),
            ("https://0x7f.1/cb", "canonical form"),
            ("HTTPS://example.com/cb", "canonical form"),
        ] {
            let err = check_redirect_uri(uri).expect_err(uri);
            assert!(err.contains(why), "{uri}: {err}");
        }
        for ok in [
            "https://example.com/",
            "https://example.com:8443/cb?x=1",
            "http://[::1]:8080/cb",
            "http://localhost/cb",
            "https://example.com/c%7Eb",
        ] {
            assert_eq!(check_redirect_uri(ok), Ok(()), "{ok}");
        }
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
