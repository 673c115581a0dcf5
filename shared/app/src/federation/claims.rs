//! Checks of the upstream ID token's claims.
//!
//! The ID token comes straight from the provider's token endpoint, over a connection onair opened to the
//! URL from discovery, authenticated with onair's client secret. OpenID Connect Core §3.1.3.7 (item 6)
//! allows TLS server validation to stand in for the signature check in exactly this case, so onair does
//! not fetch the provider's JWKS; it still checks every claim the same section requires: `iss`, `aud`
//! (and `azp` when there are several audiences), `exp`, and the `nonce` bound to this browser's pending
//! login. The end user's identity itself is then read from the UserInfo endpoint with the access token,
//! and its `sub` must equal the ID token's (§5.3.2), so a token substitution is caught there too.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

/// What the ID token must say.
#[derive(Debug)]
pub struct IdTokenClaims<'a> {
    /// The configured upstream issuer.
    pub issuer: &'a str,
    /// onair's client id there.
    pub client_id: &'a str,
    /// The nonce sent with the authorization request.
    pub nonce: &'a str,
    /// Now.
    pub now: OffsetDateTime,
}

/// Whether `sub` is a usable subject: 1–255 ASCII characters without control characters (Core §2).
pub fn valid_subject(sub: &str) -> bool {
    !sub.is_empty() && sub.len() <= 255 && sub.bytes().all(|b| b.is_ascii() && !b.is_ascii_control())
}

/// Checks the ID token's claims against `expected` and returns its `sub`. The error names the claim
/// that failed, never its value.
pub fn check(id_token: &str, expected: &IdTokenClaims<'_>) -> Result<String, String> {
    let mut parts = id_token.split('.');
    let (Some(_header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("the id_token is not a compact JWS".into());
    };
    let claims: Value = URL_SAFE_NO_PAD
        .decode(payload)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or("the id_token's payload is not base64url JSON")?;
    if claims.get("iss").and_then(Value::as_str) != Some(expected.issuer) {
        return Err("the id_token's iss is not the provider".into());
    }
    let audiences: Vec<&str> = match claims.get("aud") {
        Some(Value::String(one)) => vec![one.as_str()],
        Some(Value::Array(many)) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !audiences.contains(&expected.client_id) {
        return Err("the id_token's aud does not include onair".into());
    }
    if audiences.len() > 1 && claims.get("azp").and_then(Value::as_str) != Some(expected.client_id) {
        return Err("the id_token has several audiences and azp is not onair".into());
    }
    match claims.get("exp").and_then(Value::as_i64) {
        Some(exp) if exp > expected.now.unix_timestamp() => {}
        _ => return Err("the id_token has expired or has no exp".into()),
    }
    let nonce = claims.get("nonce").and_then(Value::as_str).unwrap_or("");
    if !bool::from(nonce.as_bytes().ct_eq(expected.nonce.as_bytes())) {
        return Err("the id_token's nonce does not match this login".into());
    }
    claims
        .get("sub")
        .and_then(Value::as_str)
        .filter(|s| valid_subject(s))
        .map(str::to_owned)
        .ok_or_else(|| "the id_token has no valid sub".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-11-01 00:00:00 UTC);

    fn token(claims: Value) -> String {
        format!(
            "{}.{}.sig",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256"}"#),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        )
    }

    fn good() -> Value {
        json!({"iss": "https://idp.example", "aud": "onair", "exp": NOW.unix_timestamp() + 60, "nonce": "n-1", "sub": "user-1"})
    }

    fn expected() -> IdTokenClaims<'static> {
        IdTokenClaims {
            issuer: "https://idp.example",
            client_id: "onair",
            nonce: "n-1",
            now: NOW,
        }
    }

    #[test]
    fn a_valid_id_token_yields_its_subject() {
        assert_eq!(check(&token(good()), &expected()).unwrap(), "user-1");
        let mut multi = good();
        multi["aud"] = json!(["other", "onair"]);
        multi["azp"] = json!("onair");
        assert_eq!(check(&token(multi), &expected()).unwrap(), "user-1");
    }

    #[test]
    fn each_required_claim_is_checked() {
        let broken: Vec<(&str, Value)> = vec![
            ("iss", json!("https://evil.example")),
            ("aud", json!("someone-else")),
            ("aud", json!(["someone-else", "onair"])),
            ("exp", json!(NOW.unix_timestamp())),
            ("exp", Value::Null),
            ("nonce", json!("n-2")),
            ("nonce", Value::Null),
            ("sub", json!("")),
            ("sub", Value::Null),
        ];
        for (claim, value) in broken {
            let mut claims = good();
            claims[claim] = value.clone();
            assert!(check(&token(claims), &expected()).is_err(), "{claim} = {value}");
        }
    }

    #[test]
    fn a_malformed_id_token_is_refused() {
        assert!(check("only.two", &expected()).is_err());
        assert!(check("a.b.c.d", &expected()).is_err());
        assert!(check("a.!!!.c", &expected()).is_err());
    }
}
