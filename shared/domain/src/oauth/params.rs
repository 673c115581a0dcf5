//! Request parameters as OAuth sees them: a flat list of name/value pairs in which, per RFC 6749 §3.1
//! and §3.2, no parameter may appear more than once and parameters sent without a value are treated as
//! omitted.

use super::error::OAuthError;

/// Longest value accepted for any OAuth parameter (codes, tokens, URIs, state).
pub const MAX_PARAM: usize = 2048;
/// Most parameters accepted in one request.
pub const MAX_PARAMS: usize = 32;

/// Parsed, duplicate-free parameters.
#[derive(Debug, Clone, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// Validates decoded pairs: at most 32, none longer than 2048 bytes, none repeated.
    pub fn new(pairs: Vec<(String, String)>) -> Result<Params, OAuthError> {
        if pairs.len() > MAX_PARAMS {
            return Err(OAuthError::invalid_request("too many parameters"));
        }
        for (i, (name, value)) in pairs.iter().enumerate() {
            if value.len() > MAX_PARAM || name.len() > 64 {
                return Err(OAuthError::invalid_request(format!(
                    "parameter {} is too long",
                    printable(name)
                )));
            }
            if pairs[..i].iter().any(|(n, _)| n == name) {
                return Err(OAuthError::invalid_request(format!(
                    "parameter {} is repeated",
                    printable(name)
                )));
            }
        }
        Ok(Params(pairs))
    }

    /// The value of `name`; an empty value counts as absent (RFC 6749 §3.1).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// The value of `name`, or `invalid_request` naming it.
    pub fn require(&self, name: &str) -> Result<&str, OAuthError> {
        self.get(name)
            .ok_or_else(|| OAuthError::invalid_request(format!("missing parameter {name}")))
    }

    /// Whether `name` was sent at all (even empty).
    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(n, _)| n == name)
    }
}

/// A parameter name safe to echo in an error description.
fn printable(name: &str) -> String {
    let clean: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(32)
        .collect();
    if clean.is_empty() {
        "(unnamed)".into()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn repeated_parameters_are_rejected() {
        let err = Params::new(pairs(&[("code", "a"), ("code", "b")])).unwrap_err();
        assert!(err.description.contains("repeated"));
    }

    #[test]
    fn oversized_values_are_rejected() {
        assert!(Params::new(pairs(&[("state", &"x".repeat(MAX_PARAM + 1))])).is_err());
        assert!(Params::new((0..40).map(|i| (format!("p{i}"), "v".into())).collect()).is_err());
    }

    #[test]
    fn empty_values_count_as_absent() {
        let p = Params::new(pairs(&[("scope", "")])).unwrap();
        assert_eq!(p.get("scope"), None);
        assert!(p.has("scope"));
        assert!(p.require("scope").is_err());
    }
}
