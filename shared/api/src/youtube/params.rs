//! Query parameters of the YouTube-compatible methods.
//!
//! Decision (README): a method takes the parameters of its discovery entry plus Google's standard
//! system parameters, which Google's client libraries send (`alt=json` on every call). System
//! parameters are accepted and ignored, except `alt`, which must be `json`. Any other parameter is
//! refused with `400 unexpectedParameter` — a misspelt filter must not silently widen a list — and
//! so is content-owner delegation (`onBehalfOfContentOwner`, `onBehalfOfContentOwnerChannel`), which
//! onair does not offer. A parameter given twice is `400 invalidValue`.

use crate::error::GoogleError;
use onair_domain::lifecycle::LifecycleError;
use onair_domain::lifecycle::error::Reason;
use std::collections::BTreeMap;

/// Google's standard parameters, accepted on every method.
const SYSTEM: &[&str] = &[
    "alt",
    "fields",
    "key",
    "prettyPrint",
    "quotaUser",
    "userIp",
    "upload_protocol",
    "uploadType",
    "callback",
    "$.xgafv",
];

/// A method's query parameters, checked against the names it takes.
#[derive(Debug, Default)]
pub struct Query(BTreeMap<String, String>);

impl Query {
    /// Parses `raw` for a method taking `allowed`.
    pub fn parse(raw: Option<&str>, allowed: &[&str]) -> Result<Self, GoogleError> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(raw.unwrap_or("")).map_err(|_| GoogleError::Invalid {
                reason: "invalidValue",
                message: "the query string is not valid".into(),
            })?;
        let mut map = BTreeMap::new();
        for (name, value) in pairs {
            if !allowed.contains(&name.as_str()) && !SYSTEM.contains(&name.as_str()) {
                return Err(LifecycleError::parameter(
                    Reason::UnexpectedParameter,
                    format!("the parameter '{name}' is not supported by this method"),
                )
                .into());
            }
            if name == "alt" && value != "json" {
                return Err(GoogleError::Invalid {
                    reason: "invalidValue",
                    message: "alt must be json".into(),
                });
            }
            if map.insert(name.clone(), value).is_some() {
                return Err(GoogleError::Invalid {
                    reason: "invalidValue",
                    message: format!("the parameter '{name}' is given more than once"),
                });
            }
        }
        Ok(Self(map))
    }

    /// A parameter's value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// A parameter's value, owned.
    pub fn owned(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }
}

/// The body of a write: JSON, at most 64 KiB (the host's limit answers bigger ones with 413). Anything
/// that is not JSON is `400 parseError`.
pub fn json_body(bytes: &[u8]) -> Result<serde_json::Value, GoogleError> {
    serde_json::from_slice(bytes).map_err(|err| {
        LifecycleError::new(
            onair_domain::lifecycle::ErrorDomain::Global,
            Reason::ParseError,
            format!("This API does not support parsing this body: {err}"),
        )
        .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_parameters_are_refused_and_system_ones_accepted() {
        let q = Query::parse(Some("part=id&alt=json&prettyPrint=false"), &["part"]).expect("ok");
        assert_eq!(q.get("part"), Some("id"));
        assert!(Query::parse(Some("part=id&bogus=1"), &["part"]).is_err());
        assert!(Query::parse(Some("part=id&onBehalfOfContentOwner=x"), &["part"]).is_err());
        assert!(Query::parse(Some("alt=proto"), &["part"]).is_err());
        assert!(Query::parse(Some("part=id&part=snippet"), &["part"]).is_err());
    }
}
