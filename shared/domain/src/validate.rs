//! Field validation that reports every problem at once.
//!
//! Handlers validate a whole request before touching the store; the caller gets the full list of
//! `{field, message}` problems in one 4xx reply instead of fixing them one round trip at a time.

use serde::Serialize;
use url::Url;

/// One invalid field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// Dotted path of the field (`redirectUris[1]`).
    pub field: String,
    /// What is wrong, for a human.
    pub message: String,
}

/// Every problem found in one request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Violations(Vec<Violation>);

impl Violations {
    /// Records one problem.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(Violation {
            field: field.into(),
            message: message.into(),
        });
    }

    /// `Ok(value)` when nothing was recorded, else every problem.
    pub fn finish<T>(self, value: T) -> Result<T, Violations> {
        if self.0.is_empty() { Ok(value) } else { Err(self) }
    }

    /// The recorded problems.
    pub fn list(&self) -> &[Violation] {
        &self.0
    }

    /// A single-problem set.
    pub fn one(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut v = Self::default();
        v.add(field, message);
        v
    }

    /// Checks a required text field: trimmed non-empty, at most `max` characters, no control characters.
    pub fn text(&mut self, field: &str, value: &str, max: usize) {
        if value.trim().is_empty() {
            self.add(field, "must not be empty");
        } else {
            self.optional_text(field, value, max);
        }
    }

    /// Checks an optional text field: at most `max` characters, no control characters.
    pub fn optional_text(&mut self, field: &str, value: &str, max: usize) {
        if value.chars().count() > max {
            self.add(field, format!("must be at most {max} characters"));
        } else if value.chars().any(|c| c.is_control() && c != '\n') {
            self.add(field, "must not contain control characters");
        }
    }

    /// Checks an absolute `http(s)` URL of at most 2048 characters.
    pub fn web_url(&mut self, field: &str, value: &str) {
        if value.len() > MAX_URL {
            self.add(field, format!("must be at most {MAX_URL} characters"));
            return;
        }
        match Url::parse(value) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {}
            Ok(_) => self.add(field, "must be an absolute http or https URL"),
            Err(err) => self.add(field, format!("is not a valid URL: {err}")),
        }
    }
}

/// Longest URL accepted anywhere.
pub const MAX_URL: usize = 2048;

impl std::fmt::Display for Violations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|v| format!("{}: {}", v.field, v.message))
            .collect();
        f.write_str(&parts.join("; "))
    }
}

impl std::error::Error for Violations {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_every_problem() {
        let mut v = Violations::default();
        v.text("a", "  ", 10);
        v.text("b", "elevenchars", 10);
        v.web_url("c", "ftp://x");
        v.web_url("d", "not a url");
        assert_eq!(v.list().len(), 4);
        assert!(v.finish(()).is_err());
    }

    #[test]
    fn accepts_good_values() {
        let mut v = Violations::default();
        v.text("a", "ok", 10);
        v.optional_text("b", "", 10);
        v.web_url("c", "https://example.com/x");
        assert!(v.finish(()).is_ok());
    }
}
