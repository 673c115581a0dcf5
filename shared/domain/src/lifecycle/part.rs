//! The `part` parameter (spec §2.2): which top-level parts a method reads, writes and returns.
//!
//! A name no live resource has is `unknownPart`; a real part the method does not take is
//! `unexpectedPart`; and on writes, a top-level part present in the body but not named in `part` is also
//! `unexpectedPart` — onair refuses rather than silently ignoring data the client thinks it wrote.
//! Decisions: `liveBroadcasts.list` accepts `statistics` (discovery's text lists it; it is rendered only
//! while live) and `monetizationDetails`; `liveStreams.update` accepts `contentDetails` so flipping
//! `isReusable` gets the documented `liveStreamModificationNotAllowed` instead of a part error; the
//! spelling `content_details` that discovery's text uses for streams is accepted as `contentDetails`.

use super::error::{LifecycleError, Reason};
use std::collections::BTreeSet;

/// A top-level part of a live resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Part {
    /// `id`
    Id,
    /// `snippet`
    Snippet,
    /// `contentDetails`
    ContentDetails,
    /// `status`
    Status,
    /// `statistics`
    Statistics,
    /// `monetizationDetails`
    MonetizationDetails,
    /// `cdn`
    Cdn,
}

impl Part {
    /// Every part.
    pub const ALL: &'static [Part] = &[
        Part::Id,
        Part::Snippet,
        Part::ContentDetails,
        Part::Status,
        Part::Statistics,
        Part::MonetizationDetails,
        Part::Cdn,
    ];

    /// The wire name (also the body key).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Id => "id",
            Self::Snippet => "snippet",
            Self::ContentDetails => "contentDetails",
            Self::Status => "status",
            Self::Statistics => "statistics",
            Self::MonetizationDetails => "monetizationDetails",
            Self::Cdn => "cdn",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        if s == "content_details" {
            return Some(Self::ContentDetails);
        }
        Self::ALL.iter().copied().find(|p| p.as_str() == s)
    }
}

/// A live API method that takes `part`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `liveBroadcasts.insert`
    BroadcastInsert,
    /// `liveBroadcasts.update`
    BroadcastUpdate,
    /// `liveBroadcasts.list`
    BroadcastList,
    /// `liveBroadcasts.bind`
    BroadcastBind,
    /// `liveBroadcasts.transition`
    BroadcastTransition,
    /// `liveBroadcasts.cuepoint` (`part` optional)
    BroadcastCuepoint,
    /// `liveStreams.insert`
    StreamInsert,
    /// `liveStreams.update`
    StreamUpdate,
    /// `liveStreams.list`
    StreamList,
}

impl Method {
    /// Every method.
    pub const ALL: &'static [Method] = &[
        Method::BroadcastInsert,
        Method::BroadcastUpdate,
        Method::BroadcastList,
        Method::BroadcastBind,
        Method::BroadcastTransition,
        Method::BroadcastCuepoint,
        Method::StreamInsert,
        Method::StreamUpdate,
        Method::StreamList,
    ];

    /// The parts this method accepts (spec §2.2 table plus the decisions above).
    pub fn allowed(self) -> &'static [Part] {
        use Part::*;
        match self {
            Method::BroadcastInsert
            | Method::BroadcastBind
            | Method::BroadcastTransition
            | Method::BroadcastCuepoint => &[Id, Snippet, ContentDetails, Status],
            Method::BroadcastUpdate => &[Id, Snippet, ContentDetails, Status, MonetizationDetails],
            Method::BroadcastList => &[
                Id,
                Snippet,
                ContentDetails,
                Status,
                Statistics,
                MonetizationDetails,
            ],
            Method::StreamInsert | Method::StreamUpdate => &[Id, Snippet, Cdn, ContentDetails, Status],
            Method::StreamList => &[Id, Snippet, Cdn, Status],
        }
    }

    /// Whether `part` may be omitted (only the cuepoint method).
    pub fn part_optional(self) -> bool {
        self == Method::BroadcastCuepoint
    }
}

/// A parsed `part` value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Parts(BTreeSet<Part>);

impl Parts {
    /// Parses `part` for `method`. An absent `part` is refused unless the method makes it optional, in
    /// which case only `id` is returned.
    pub fn parse(method: Method, raw: Option<&str>) -> Result<Self, LifecycleError> {
        let raw = match raw {
            Some(raw) => raw,
            None if method.part_optional() => return Ok(Self([Part::Id].into_iter().collect())),
            None => {
                return Err(LifecycleError::parameter(
                    Reason::MissingRequiredParameter,
                    "Required parameter: part",
                ));
            }
        };
        let mut set = BTreeSet::new();
        for name in raw.split(',').map(str::trim) {
            if name.is_empty() {
                continue;
            }
            let part = Part::parse(name).ok_or_else(|| {
                LifecycleError::part(Reason::UnknownPart, format!("'{name}' is not a valid part"))
            })?;
            if !method.allowed().contains(&part) {
                return Err(LifecycleError::part(
                    Reason::UnexpectedPart,
                    format!("part '{}' is not supported by this method", part.as_str()),
                ));
            }
            set.insert(part);
        }
        if set.is_empty() {
            return Err(LifecycleError::parameter(
                Reason::MissingRequiredParameter,
                "Required parameter: part",
            ));
        }
        Ok(Self(set))
    }

    /// A set built from parts directly (for tests and internal callers).
    pub fn of(parts: &[Part]) -> Self {
        Self(parts.iter().copied().collect())
    }

    /// Whether `part` was named.
    pub fn contains(&self, part: Part) -> bool {
        self.0.contains(&part)
    }

    /// The named parts, in a stable order.
    pub fn iter(&self) -> impl Iterator<Item = Part> + '_ {
        self.0.iter().copied()
    }

    /// Refuses a write body carrying a part not named in `part` (`id`, `kind`, `etag` and unknown keys
    /// are not parts and pass). A body that is not a JSON object is a `parseError`.
    pub fn check_body(&self, body: &serde_json::Value) -> Result<(), LifecycleError> {
        let object = body.as_object().ok_or_else(|| {
            LifecycleError::new(
                super::error::ErrorDomain::Global,
                Reason::ParseError,
                "The request body must be a JSON object",
            )
        })?;
        for (key, value) in object {
            if value.is_null() {
                continue;
            }
            if let Some(part) = Part::parse(key)
                && part != Part::Id
                && !self.contains(part)
            {
                return Err(LifecycleError::part(
                    Reason::UnexpectedPart,
                    format!("the body contains '{key}', which the part parameter does not name"),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reason(r: Result<Parts, LifecycleError>) -> &'static str {
        r.err().map(|e| e.reason.as_str()).unwrap_or("ok")
    }

    #[test]
    fn part_accepts_every_allowed_name_per_method() {
        for &m in Method::ALL {
            for p in m.allowed() {
                let parsed = Parts::parse(m, Some(p.as_str())).unwrap();
                assert!(parsed.contains(*p));
            }
            let all: Vec<_> = m.allowed().iter().map(|p| p.as_str()).collect();
            assert_eq!(
                Parts::parse(m, Some(&all.join(", "))).unwrap().iter().count(),
                all.len()
            );
        }
    }

    #[test]
    fn part_refuses_real_parts_the_method_does_not_take_as_unexpected() {
        for &m in Method::ALL {
            for p in Part::ALL.iter().filter(|p| !m.allowed().contains(p)) {
                assert_eq!(
                    reason(Parts::parse(m, Some(p.as_str()))),
                    "unexpectedPart",
                    "{m:?} {p:?}"
                );
            }
        }
        assert_eq!(
            reason(Parts::parse(Method::StreamList, Some("contentDetails"))),
            "unexpectedPart"
        );
        assert_eq!(
            reason(Parts::parse(Method::BroadcastInsert, Some("cdn"))),
            "unexpectedPart"
        );
    }

    #[test]
    fn part_refuses_unknown_names() {
        assert_eq!(
            reason(Parts::parse(Method::BroadcastList, Some("snippet,bogus"))),
            "unknownPart"
        );
        assert_eq!(
            reason(Parts::parse(Method::BroadcastList, Some("Snippet"))),
            "unknownPart"
        );
    }

    #[test]
    fn part_is_required_except_on_cuepoint() {
        assert_eq!(
            reason(Parts::parse(Method::BroadcastList, None)),
            "missingRequiredParameter"
        );
        assert_eq!(
            reason(Parts::parse(Method::BroadcastList, Some(" , "))),
            "missingRequiredParameter"
        );
        assert!(
            Parts::parse(Method::BroadcastCuepoint, None)
                .unwrap()
                .contains(Part::Id)
        );
    }

    #[test]
    fn content_details_spelling_of_discovery_is_accepted_for_streams() {
        let p = Parts::parse(Method::StreamInsert, Some("snippet,cdn,content_details")).unwrap();
        assert!(p.contains(Part::ContentDetails));
    }

    #[test]
    fn body_parts_must_be_named_by_part() {
        let parts = Parts::of(&[Part::Snippet]);
        assert!(
            parts
                .check_body(&json!({"id": "x", "kind": "k", "etag": "e", "snippet": {}}))
                .is_ok()
        );
        let err = parts
            .check_body(&json!({"snippet": {}, "status": {}}))
            .unwrap_err();
        assert_eq!(err.reason.as_str(), "unexpectedPart");
        // a null part is no data
        assert!(parts.check_body(&json!({"snippet": {}, "status": null})).is_ok());
        let err = parts.check_body(&json!([1])).unwrap_err();
        assert_eq!(err.reason.as_str(), "parseError");
    }
}
