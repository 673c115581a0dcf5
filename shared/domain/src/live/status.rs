//! PRISM's live status from the broadcast behind it.
//!
//! | Broadcast state | Not started (before R9) | Started (R9 called) |
//! |---|---|---|
//! | `created`, `ready` | `RESERVED` | `ON_AIR` (waiting for the encoder) |
//! | `testStarting`, `testing`, `liveStarting`, `live` | `ON_AIR` | `ON_AIR` |
//! | `complete`, `revoked` | `END` | `END` |
//!
//! A broadcast that a YouTube client took to testing or live without R9 is on air as far as PRISM can
//! tell, so it reads `ON_AIR` too; once the broadcast is over (completed by the streamer, auto-stop, the
//! scheduled end, or the platform ending it) the next 5-second poll reads `END`.

use crate::lifecycle::wire::LifeCycleStatus as S;
use serde::{Deserialize, Serialize};

/// `status` of PRISM's live DTO (the spec's NEW spelling).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LiveStatus {
    /// Created, not started.
    #[serde(rename = "RESERVED")]
    Reserved,
    /// Started and not over (also while the encoder has not connected yet).
    #[serde(rename = "ON_AIR")]
    OnAir,
    /// Over.
    #[serde(rename = "END")]
    End,
}

impl LiveStatus {
    /// Every status.
    pub const ALL: &'static [LiveStatus] = &[LiveStatus::Reserved, LiveStatus::OnAir, LiveStatus::End];

    /// The wire string.
    pub fn as_str(self) -> &'static str {
        match self {
            LiveStatus::Reserved => "RESERVED",
            LiveStatus::OnAir => "ON_AIR",
            LiveStatus::End => "END",
        }
    }

    /// The status of a live whose broadcast is in `state`; `started` says whether R9 was called for
    /// this broadcast.
    pub fn of(state: S, started: bool) -> LiveStatus {
        match state {
            S::Complete | S::Revoked => LiveStatus::End,
            S::TestStarting | S::Testing | S::LiveStarting | S::Live => LiveStatus::OnAir,
            S::Created | S::Ready if started => LiveStatus::OnAir,
            S::Created | S::Ready => LiveStatus::Reserved,
        }
    }
}

/// R6's `status` filter: `ALL` (the default) or one status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    /// Every live.
    All,
    /// Lives in this status only.
    Only(LiveStatus),
}

impl StatusFilter {
    /// Parses R6's `status` query value; absent means `ALL`. `None` for anything else (a 400).
    pub fn parse(raw: Option<&str>) -> Option<StatusFilter> {
        match raw {
            None | Some("ALL") => Some(StatusFilter::All),
            Some(s) => LiveStatus::ALL
                .iter()
                .find(|v| v.as_str() == s)
                .map(|v| StatusFilter::Only(*v)),
        }
    }

    /// Whether a live in `status` passes the filter.
    pub fn admits(self, status: LiveStatus) -> bool {
        match self {
            StatusFilter::All => true,
            StatusFilter::Only(only) => only == status,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_maps_as_the_readme_table_says() {
        for state in S::ALL {
            for started in [false, true] {
                let expected = match (state, started) {
                    (S::Complete | S::Revoked, _) => LiveStatus::End,
                    (S::Created | S::Ready, false) => LiveStatus::Reserved,
                    _ => LiveStatus::OnAir,
                };
                assert_eq!(
                    LiveStatus::of(*state, started),
                    expected,
                    "{state} started={started}"
                );
            }
        }
    }

    #[test]
    fn a_started_live_is_on_air_while_the_encoder_has_not_connected() {
        assert_eq!(LiveStatus::of(S::Ready, true), LiveStatus::OnAir);
        assert_eq!(LiveStatus::of(S::Ready, false), LiveStatus::Reserved);
    }

    #[test]
    fn statuses_use_the_specs_new_spelling() {
        assert_eq!(serde_json::to_value(LiveStatus::OnAir).unwrap(), "ON_AIR");
        assert_eq!(serde_json::to_value(LiveStatus::Reserved).unwrap(), "RESERVED");
        assert_eq!(serde_json::to_value(LiveStatus::End).unwrap(), "END");
    }

    #[test]
    fn the_status_filter_defaults_to_all_and_refuses_other_spellings() {
        assert_eq!(StatusFilter::parse(None), Some(StatusFilter::All));
        assert_eq!(StatusFilter::parse(Some("ALL")), Some(StatusFilter::All));
        assert_eq!(
            StatusFilter::parse(Some("RESERVED")),
            Some(StatusFilter::Only(LiveStatus::Reserved))
        );
        for bad in ["ONAIR", "reserved", "", "END "] {
            assert_eq!(StatusFilter::parse(Some(bad)), None, "{bad:?}");
        }
        let reserved = StatusFilter::Only(LiveStatus::Reserved);
        assert!(reserved.admits(LiveStatus::Reserved) && !reserved.admits(LiveStatus::End));
        assert!(LiveStatus::ALL.iter().all(|s| StatusFilter::All.admits(*s)));
    }
}
