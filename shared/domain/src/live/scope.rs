//! PRISM's `scope` and YouTube's `status.privacyStatus` are the same three visibilities:
//! `PUBLIC` ↔ `public`, `LIMITED` (partially public) ↔ `unlisted`, `PRIVATE` ↔ `private`. R8 without a
//! scope means `PUBLIC`, as the spec's NEW version says.

use crate::lifecycle::wire::PrivacyStatus;
use serde::{Deserialize, Serialize};

/// `scope` of PRISM's live DTO and of R8's body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Scope {
    /// Anyone can watch.
    #[default]
    #[serde(rename = "PUBLIC")]
    Public,
    /// Whoever has the link.
    #[serde(rename = "LIMITED")]
    Limited,
    /// The owner only.
    #[serde(rename = "PRIVATE")]
    Private,
}

impl Scope {
    /// Every scope.
    pub const ALL: &'static [Scope] = &[Scope::Public, Scope::Limited, Scope::Private];

    /// The broadcast privacy this scope is.
    pub fn privacy(self) -> PrivacyStatus {
        match self {
            Scope::Public => PrivacyStatus::Public,
            Scope::Limited => PrivacyStatus::Unlisted,
            Scope::Private => PrivacyStatus::Private,
        }
    }

    /// The scope a broadcast's privacy is.
    pub fn of(privacy: PrivacyStatus) -> Scope {
        match privacy {
            PrivacyStatus::Public => Scope::Public,
            PrivacyStatus::Unlisted => Scope::Limited,
            PrivacyStatus::Private => Scope::Private,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_and_privacy_statuses_map_one_to_one() {
        for scope in Scope::ALL {
            assert_eq!(Scope::of(scope.privacy()), *scope);
        }
        for privacy in PrivacyStatus::ALL {
            assert_eq!(Scope::of(*privacy).privacy(), *privacy);
        }
        assert_eq!(Scope::Limited.privacy(), PrivacyStatus::Unlisted);
    }

    #[test]
    fn r8_without_a_scope_is_public_and_other_spellings_are_refused() {
        assert_eq!(Scope::default(), Scope::Public);
        assert_eq!(
            serde_json::from_str::<Scope>("\"LIMITED\"").unwrap(),
            Scope::Limited
        );
        for bad in ["\"public\"", "\"UNLISTED\"", "\"\"", "1"] {
            assert!(serde_json::from_str::<Scope>(bad).is_err(), "{bad}");
        }
    }
}
