//! Talking to the upstream OpenID provider: discovery, the authorization URL, the code exchange and the
//! UserInfo request.
//!
//! Every call goes through one `reqwest` client with short timeouts (PRISM gives the whole login a few
//! seconds), redirects off and a cap on the body size, and fails as [`UpstreamError::Down`] (retry later:
//! a 503 page) or [`UpstreamError::Bad`] (the provider answered something unusable: an error page).
//! Token values never reach a log line: `oauth2`'s token types redact themselves, and errors carry only
//! error codes and field names.

use super::claims::{self, IdTokenClaims};
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AccessToken, AuthType, AuthUrl, AuthorizationCode, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet,
    ExtraTokenFields, HttpRequest, HttpResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl,
    RequestTokenError, Scope, StandardRevocableToken, StandardTokenResponse, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use url::Url;

/// Per-request time budget for one upstream call.
pub const REQUEST_TIMEOUT: Duration = Duration::from_millis(2500);
/// Time budget for opening a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_millis(1000);
/// Largest body accepted from the provider.
const MAX_BODY: usize = 256 * 1024;

/// Why an upstream call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpstreamError {
    /// The provider cannot be reached, timed out or answered 5xx.
    #[error("provider unavailable: {0}")]
    Down(String),
    /// The provider answered, but not with something onair can use.
    #[error("unusable provider response: {0}")]
    Bad(String),
}

/// The HTTP client for upstream calls.
pub fn http_client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(REQUEST_TIMEOUT)
        .user_agent("onair-federation/1")
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

/// Whether `url` may be used to reach the provider: https, or http on the loopback interface (tests and
/// local development).
pub fn acceptable_url(url: &Url) -> bool {
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    (url.scheme() == "https" || (url.scheme() == "http" && loopback))
        && url.host().is_some()
        && url.fragment().is_none()
        && url.username().is_empty()
        && url.password().is_none()
}

/// The provider's endpoints, from its discovery document.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// `authorization_endpoint`.
    pub authorization: Url,
    /// `token_endpoint`.
    pub token: Url,
    /// `userinfo_endpoint`.
    pub userinfo: Url,
    /// Authenticate at the token endpoint with HTTP Basic (`client_secret_basic`) or in the body.
    pub basic_auth: bool,
    /// The provider promises RFC 9207's `iss` on authorization responses.
    pub iss_in_response: bool,
}

/// The fields of the discovery document onair reads (OpenID Connect Discovery 1.0 §3).
#[derive(Debug, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: Option<String>,
    userinfo_endpoint: Option<String>,
    #[serde(default)]
    token_endpoint_auth_methods_supported: Option<Vec<String>>,
    #[serde(default)]
    code_challenge_methods_supported: Option<Vec<String>>,
    #[serde(default)]
    authorization_response_iss_parameter_supported: Option<bool>,
}

/// Fetches and checks `{issuer}/.well-known/openid-configuration`.
pub async fn discover(http: &reqwest::Client, issuer: &str) -> Result<Endpoints, UpstreamError> {
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let response = send(
        http,
        http.get(&url).header(reqwest::header::ACCEPT, "application/json"),
    )
    .await?;
    if response.status() != oauth2::http::StatusCode::OK {
        return Err(UpstreamError::Bad(format!(
            "discovery answered {}",
            response.status()
        )));
    }
    let doc: Discovery = serde_json::from_slice(response.body())
        .map_err(|e| UpstreamError::Bad(format!("discovery document: {e}")))?;
    endpoints(issuer, doc)
}

/// Checks a discovery document against the configured issuer.
fn endpoints(issuer: &str, doc: Discovery) -> Result<Endpoints, UpstreamError> {
    // OpenID Connect Discovery §4.3: the issuer in the document MUST be identical to the one used to
    // fetch it, or an attacker's document could stand in for the real provider's.
    if doc.issuer != issuer {
        return Err(UpstreamError::Bad(format!(
            "discovery names issuer {:?}, configured is {issuer:?}",
            doc.issuer
        )));
    }
    let endpoint = |name: &str, value: Option<String>| -> Result<Url, UpstreamError> {
        let value = value.ok_or_else(|| UpstreamError::Bad(format!("discovery lacks {name}")))?;
        Url::parse(&value)
            .ok()
            .filter(acceptable_url)
            .ok_or_else(|| UpstreamError::Bad(format!("discovery's {name} is not an https URL")))
    };
    if let Some(methods) = &doc.code_challenge_methods_supported
        && !methods.iter().any(|m| m == "S256")
    {
        return Err(UpstreamError::Bad(
            "the provider does not support PKCE S256".into(),
        ));
    }
    // Discovery §3: when the list is omitted, the default is client_secret_basic.
    let basic_auth = match &doc.token_endpoint_auth_methods_supported {
        None => true,
        Some(m) if m.iter().any(|m| m == "client_secret_basic") => true,
        Some(m) if m.iter().any(|m| m == "client_secret_post") => false,
        Some(_) => {
            return Err(UpstreamError::Bad(
                "the provider offers no client-secret authentication".into(),
            ));
        }
    };
    Ok(Endpoints {
        authorization: endpoint("authorization_endpoint", Some(doc.authorization_endpoint))?,
        token: endpoint("token_endpoint", doc.token_endpoint)?,
        userinfo: endpoint("userinfo_endpoint", doc.userinfo_endpoint)?,
        basic_auth,
        iss_in_response: doc
            .authorization_response_iss_parameter_supported
            .unwrap_or(false),
    })
}

/// What the authorization request carries.
#[derive(Debug)]
pub struct AuthorizationRequest<'a> {
    /// onair's client id at the provider.
    pub client_id: &'a str,
    /// onair's callback URL.
    pub redirect_uri: &'a str,
    /// The random `state`.
    pub state: &'a str,
    /// The `nonce`.
    pub nonce: &'a str,
    /// The PKCE verifier (only its S256 challenge is sent).
    pub verifier: &'a str,
}

/// The provider's authorization URL for `request`: code flow, `openid profile`, PKCE S256, nonce.
pub fn authorization_url(
    endpoints: &Endpoints,
    request: &AuthorizationRequest<'_>,
) -> Result<Url, UpstreamError> {
    let redirect = RedirectUrl::new(request.redirect_uri.to_owned())
        .map_err(|e| UpstreamError::Bad(format!("callback URL: {e}")))?;
    let client = oauth2::basic::BasicClient::new(oauth2::ClientId::new(request.client_id.to_owned()))
        .set_auth_uri(AuthUrl::from_url(endpoints.authorization.clone()))
        .set_redirect_uri(redirect);
    let challenge =
        PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(request.verifier.to_owned()));
    let state = request.state.to_owned();
    let (url, _) = client
        .authorize_url(move || CsrfToken::new(state))
        .add_scope(Scope::new("openid".into()))
        .add_scope(Scope::new("profile".into()))
        .add_extra_param("nonce", request.nonce)
        .set_pkce_challenge(challenge)
        .url();
    Ok(url)
}

/// The token response's extra field: the ID token (a secret-bearing value; its `Debug` hides it).
#[derive(Clone, Deserialize, Serialize)]
pub struct IdTokenField {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id_token: Option<String>,
}

impl std::fmt::Debug for IdTokenField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdTokenField")
            .field("id_token", &self.id_token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl ExtraTokenFields for IdTokenField {}

type UpstreamTokenResponse = StandardTokenResponse<IdTokenField, BasicTokenType>;
type UpstreamClient = oauth2::Client<
    BasicErrorResponse,
    UpstreamTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// What the code exchange needs.
#[derive(Debug)]
pub struct Exchange<'a> {
    /// onair's client id at the provider.
    pub client_id: &'a str,
    /// onair's client secret there.
    pub client_secret: &'a onair_domain::SecretString,
    /// The callback URL the code was sent to.
    pub redirect_uri: &'a str,
    /// The authorization code.
    pub code: &'a str,
    /// The PKCE verifier.
    pub verifier: &'a str,
}

/// The result of the code exchange.
#[derive(Debug)]
pub struct Tokens {
    /// The access token, for the UserInfo request.
    pub access_token: AccessToken,
    /// The ID token (compact JWS), required because `openid` was requested.
    pub id_token: String,
}

/// A transport failure or a 5xx from the token endpoint.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TransportError(String);

/// The shared client as `oauth2`'s HTTP client, so that 5xx answers count as "down" rather than "bad".
struct Http<'a>(&'a reqwest::Client);

impl<'c> oauth2::AsyncHttpClient<'c> for Http<'_> {
    type Error = TransportError;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<HttpResponse, TransportError>> + Send + Sync + 'c>,
    >;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request = reqwest::Request::try_from(request).map_err(|e| TransportError(e.to_string()))?;
            let response = self
                .0
                .execute(request)
                .await
                .map_err(|e| TransportError(describe(&e)))?;
            let response = read(response).await.map_err(|e| TransportError(e.to_string()))?;
            if response.status().is_server_error() {
                return Err(TransportError(format!(
                    "token endpoint answered {}",
                    response.status()
                )));
            }
            Ok(response)
        })
    }
}

/// Exchanges the code at the token endpoint (RFC 6749 §4.1.3 with the PKCE verifier of RFC 7636 §4.5).
pub async fn exchange(
    http: &reqwest::Client,
    endpoints: &Endpoints,
    x: &Exchange<'_>,
) -> Result<Tokens, UpstreamError> {
    let redirect = RedirectUrl::new(x.redirect_uri.to_owned())
        .map_err(|e| UpstreamError::Bad(format!("callback URL: {e}")))?;
    let client: UpstreamClient = oauth2::Client::new(oauth2::ClientId::new(x.client_id.to_owned()))
        .set_client_secret(ClientSecret::new(x.client_secret.expose().to_owned()))
        .set_auth_type(if endpoints.basic_auth {
            AuthType::BasicAuth
        } else {
            AuthType::RequestBody
        })
        .set_token_uri(TokenUrl::from_url(endpoints.token.clone()))
        .set_redirect_uri(redirect);
    let response = client
        .exchange_code(AuthorizationCode::new(x.code.to_owned()))
        .set_pkce_verifier(PkceCodeVerifier::new(x.verifier.to_owned()))
        .request_async(&Http(http))
        .await
        .map_err(|e| match e {
            RequestTokenError::ServerResponse(err) => UpstreamError::Bad(format!(
                "token endpoint refused the code: {}",
                err.error().as_ref()
            )),
            RequestTokenError::Request(err) => UpstreamError::Down(err.0),
            // The body (and serde's message, which may quote values) can hold tokens: only the path is kept.
            RequestTokenError::Parse(err, _) => {
                UpstreamError::Bad(format!("token response unparseable at {}", err.path()))
            }
            RequestTokenError::Other(why) => UpstreamError::Bad(format!("token response: {why}")),
        })?;
    if !matches!(response.token_type(), BasicTokenType::Bearer) {
        return Err(UpstreamError::Bad(
            "the token endpoint issued a non-bearer token".into(),
        ));
    }
    let id_token = response
        .extra_fields()
        .id_token
        .clone()
        .ok_or_else(|| UpstreamError::Bad("the token response has no id_token".into()))?;
    Ok(Tokens {
        access_token: response.access_token().clone(),
        id_token,
    })
}

/// The end user as the UserInfo endpoint describes them (OpenID Connect Core §5.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    /// `sub`.
    pub sub: String,
    /// `name`.
    pub name: Option<String>,
    /// `preferred_username`.
    pub preferred_username: Option<String>,
    /// `picture`.
    pub picture: Option<String>,
    /// `profile`.
    pub profile: Option<String>,
}

/// Calls the UserInfo endpoint with the access token.
pub async fn userinfo(
    http: &reqwest::Client,
    endpoints: &Endpoints,
    token: &AccessToken,
) -> Result<UserInfo, UpstreamError> {
    let request = http
        .get(endpoints.userinfo.clone())
        .bearer_auth(token.secret())
        .header(reqwest::header::ACCEPT, "application/json");
    let response = send(http, request).await?;
    if response.status() != oauth2::http::StatusCode::OK {
        return Err(UpstreamError::Bad(format!(
            "userinfo answered {}",
            response.status()
        )));
    }
    let json = response
        .headers()
        .get(oauth2::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        // A signed or encrypted (application/jwt) UserInfo response is not something onair asked for.
        return Err(UpstreamError::Bad("userinfo is not application/json".into()));
    }
    parse_userinfo(response.body())
}

/// Reads a UserInfo body: `sub` is required, the profile claims are taken when they are strings.
fn parse_userinfo(body: &[u8]) -> Result<UserInfo, UpstreamError> {
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| UpstreamError::Bad(format!("userinfo body: {e}")))?;
    let text = |name: &str| value.get(name).and_then(|v| v.as_str()).map(str::to_owned);
    let sub = text("sub")
        .filter(|s| claims::valid_subject(s))
        .ok_or_else(|| UpstreamError::Bad("userinfo has no valid sub".into()))?;
    Ok(UserInfo {
        sub,
        name: text("name"),
        preferred_username: text("preferred_username"),
        picture: text("picture"),
        profile: text("profile"),
    })
}

/// Checks the ID token's claims; see [`claims::check`].
pub fn id_token_subject(tokens: &Tokens, expected: &IdTokenClaims<'_>) -> Result<String, UpstreamError> {
    claims::check(&tokens.id_token, expected).map_err(UpstreamError::Bad)
}

/// Sends one request and reads the body (bounded).
async fn send(
    http: &reqwest::Client,
    request: reqwest::RequestBuilder,
) -> Result<HttpResponse, UpstreamError> {
    let request = request
        .build()
        .map_err(|e| UpstreamError::Bad(format!("request: {e}")))?;
    let response = http
        .execute(request)
        .await
        .map_err(|e| UpstreamError::Down(describe(&e)))?;
    let response = read(response).await?;
    if response.status().is_server_error() {
        return Err(UpstreamError::Down(format!(
            "the provider answered {}",
            response.status()
        )));
    }
    Ok(response)
}

/// The response with its body, refusing bodies over [`MAX_BODY`].
async fn read(mut response: reqwest::Response) -> Result<HttpResponse, UpstreamError> {
    let mut builder = oauth2::http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        builder = builder.header(name, value);
    }
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_BODY {
                    return Err(UpstreamError::Bad(format!("response body over {MAX_BODY} bytes")));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => return Err(UpstreamError::Down(describe(&e))),
        }
    }
    builder
        .body(body)
        .map_err(|e| UpstreamError::Bad(format!("response: {e}")))
}

/// A reqwest error without its URL (which can carry the authorization code in a query).
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    let host = e.url().and_then(|u| u.host_str()).unwrap_or("provider");
    format!("{host}: {kind}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(issuer: &str) -> Discovery {
        Discovery {
            issuer: issuer.into(),
            authorization_endpoint: "https://idp.example/auth".into(),
            token_endpoint: Some("https://idp.example/token".into()),
            userinfo_endpoint: Some("https://idp.example/me".into()),
            token_endpoint_auth_methods_supported: None,
            code_challenge_methods_supported: Some(vec!["S256".into()]),
            authorization_response_iss_parameter_supported: Some(true),
        }
    }

    #[test]
    fn discovery_must_name_the_configured_issuer() {
        assert!(endpoints("https://idp.example", doc("https://idp.example")).is_ok());
        assert!(matches!(
            endpoints("https://idp.example", doc("https://evil.example")),
            Err(UpstreamError::Bad(_))
        ));
        assert!(endpoints("https://idp.example", doc("https://idp.example/")).is_err());
    }

    #[test]
    fn discovery_endpoints_must_be_https_off_loopback() {
        let mut d = doc("https://idp.example");
        d.token_endpoint = Some("http://idp.example/token".into());
        assert!(endpoints("https://idp.example", d).is_err());
        let mut d = doc("https://idp.example");
        d.userinfo_endpoint = None;
        assert!(endpoints("https://idp.example", d).is_err());
        let mut d = doc("http://127.0.0.1:4000");
        d.token_endpoint = Some("http://127.0.0.1:4000/token".into());
        d.authorization_endpoint = "http://127.0.0.1:4000/auth".into();
        d.userinfo_endpoint = Some("http://127.0.0.1:4000/me".into());
        assert!(endpoints("http://127.0.0.1:4000", d).is_ok());
    }

    #[test]
    fn discovery_picks_the_client_authentication() {
        let mut d = doc("https://idp.example");
        d.token_endpoint_auth_methods_supported = Some(vec!["client_secret_post".into()]);
        assert!(!endpoints("https://idp.example", d).unwrap().basic_auth);
        let mut d = doc("https://idp.example");
        d.token_endpoint_auth_methods_supported = Some(vec!["private_key_jwt".into()]);
        assert!(endpoints("https://idp.example", d).is_err());
        let mut d = doc("https://idp.example");
        d.code_challenge_methods_supported = Some(vec!["plain".into()]);
        assert!(endpoints("https://idp.example", d).is_err());
    }

    #[test]
    fn the_authorization_url_asks_for_openid_with_pkce_and_nonce() {
        let e = endpoints("https://idp.example", doc("https://idp.example")).unwrap();
        let url = authorization_url(
            &e,
            &AuthorizationRequest {
                client_id: "onair",
                redirect_uri: "https://onair.example/oauth/federated/callback",
                state: "st",
                nonce: "nn",
                verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            },
        )
        .unwrap();
        let q: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
        assert_eq!(url.as_str().split('?').next(), Some("https://idp.example/auth"));
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["client_id"], "onair");
        assert_eq!(q["scope"], "openid profile");
        assert_eq!(q["state"], "st");
        assert_eq!(q["nonce"], "nn");
        assert_eq!(q["code_challenge_method"], "S256");
        // RFC 7636 Appendix B.
        assert_eq!(q["code_challenge"], "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        assert_eq!(
            q["redirect_uri"],
            "https://onair.example/oauth/federated/callback"
        );
    }

    #[test]
    fn userinfo_needs_a_subject_and_takes_string_claims() {
        let info = parse_userinfo(br#"{"sub":"u-1","name":"N","picture":7}"#).unwrap();
        assert_eq!(info.sub, "u-1");
        assert_eq!(info.name.as_deref(), Some("N"));
        assert_eq!(info.picture, None);
        assert!(parse_userinfo(br#"{"name":"N"}"#).is_err());
        assert!(parse_userinfo(br#"{"sub":""}"#).is_err());
        assert!(parse_userinfo(b"not json").is_err());
    }

    #[test]
    fn only_https_or_loopback_urls_reach_the_provider() {
        let ok = |s: &str| acceptable_url(&Url::parse(s).unwrap());
        assert!(ok("https://idp.example"));
        assert!(ok("http://127.0.0.1:4000"));
        assert!(ok("http://localhost:4000/x"));
        assert!(!ok("http://idp.example"));
        assert!(!ok("https://user:pw@idp.example"));
        assert!(!ok("ftp://idp.example"));
    }
}
