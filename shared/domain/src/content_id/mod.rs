//! Content ID for live broadcasts (spec §12): content owners, assets, ownership, policies and match
//! policies, with the Content ID API's JSON names (`youtubePartner#…` resources).
//!
//! Plain data and plain functions. The records are stored as their serde form; the API reads write
//! bodies into the same types and [`validate`] checks every field before anything is written.
//! Refusals are [`crate::lifecycle::LifecycleError`]s with Google's reasons (`required`,
//! `invalidValue`, `forbidden`, `notFound`), so the YouTube surface renders them in its one place.
//!
//! - [`territory`]: the static ISO 3166-1 alpha-2 list.
//! - [`validate`]: the field rules of every write body.

pub mod territory;
pub mod validate;

use crate::UserId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// A content owner: a partner that acts for the channels linked to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentOwner {
    /// Opaque id (`onBehalfOfContentOwner`).
    pub id: String,
    /// Name shown to people.
    pub display_name: String,
    /// Whether the owner is approved for live fingerprinting (a reference before the broadcast
    /// reaches `testing`).
    pub live_fingerprinting: bool,
    /// The linked channels: channel id → id of the user owning the channel when it was linked. Kept in
    /// the owner record so the entitlement check reads one item.
    #[serde(default)]
    pub channels: BTreeMap<String, String>,
}

impl ContentOwner {
    /// The first linked channel owned by `user`, if any: the link that entitles `user` to act for
    /// the owner (and that a write condition-checks, so a concurrent unlink is respected).
    pub fn entitling_channel(&self, user: &UserId) -> Option<&str> {
        self.channels
            .iter()
            .find(|(_, owner)| owner.as_str() == user.as_str())
            .map(|(channel, _)| channel.as_str())
    }
}

/// The asset types of the Content ID API.
pub const ASSET_TYPES: [&str; 11] = [
    "art_track_video",
    "composition",
    "episode",
    "general",
    "movie",
    "music_video",
    "season",
    "show",
    "sound_recording",
    "video_game",
    "web",
];

/// Policy rule actions.
pub const ACTIONS: [&str; 4] = ["block", "monetize", "takedown", "track"];

/// `conditions.contentMatchType` values.
pub const CONTENT_MATCH_TYPES: [&str; 3] = ["audio", "video", "audiovisual"];

/// Territory list types (ownership and `requiredTerritories`).
pub const TERRITORY_TYPES: [&str; 2] = ["include", "exclude"];

/// An asset's metadata (the fields onair keeps; others are refused as unknown by nothing — they are
/// simply not stored).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetMetadata {
    /// Title (required).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The owner's own id for the asset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_id: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One entry of an ownership list (`TerritoryOwners`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TerritoryOwners {
    /// The owner or rights administrator named (a string; YouTube allows naming other owners).
    #[serde(default)]
    pub owner: Option<String>,
    /// Percentage owned, 0–100.
    #[serde(default)]
    pub ratio: Option<f64>,
    /// ISO 3166-1 alpha-2 codes.
    #[serde(default)]
    pub territories: Vec<String>,
    /// `include` or `exclude`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

/// `RightsOwnership` (onair keeps the `general` list; the other lists are music-publishing only).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RightsOwnership {
    /// Ownership of the asset.
    #[serde(default)]
    pub general: Vec<TerritoryOwners>,
}

/// `{low, high}` of a condition.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntervalCondition {
    /// Lower bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<f64>,
    /// Upper bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<f64>,
}

/// `requiredTerritories` of a condition.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TerritoryCondition {
    /// `include` or `exclude`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// ISO 3166-1 alpha-2 codes.
    #[serde(default)]
    pub territories: Vec<String>,
}

/// The conditions of a rule; all must hold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conditions {
    /// `audio`, `video`, `audiovisual`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub content_match_type: Vec<String>,
    /// Seconds matched.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_duration: Vec<IntervalCondition>,
    /// Percent of the upload matched.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_percent: Vec<IntervalCondition>,
    /// Seconds of the reference.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reference_duration: Vec<IntervalCondition>,
    /// Percent of the reference matched.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reference_percent: Vec<IntervalCondition>,
    /// Territories where the rule applies (or not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_territories: Option<TerritoryCondition>,
}

/// One rule: an action, subactions and conditions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRule {
    /// `block`, `monetize`, `takedown`, `track`.
    #[serde(default)]
    pub action: Option<String>,
    /// Further actions (free strings, see [`validate`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subaction: Vec<String>,
    /// Conditions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Conditions>,
}

/// An asset's match policy: a saved policy of the owner, or inline rules (exactly one).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetMatchPolicy {
    /// A policy of the same owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_id: Option<String>,
    /// Inline rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<PolicyRule>,
}

/// An asset as stored (ownership and match policy live in the same record, so one read answers
/// `assets.get`, `ownership.get` and `assetMatchPolicy.get`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Asset {
    /// Opaque id.
    pub id: String,
    /// One of [`ASSET_TYPES`].
    #[serde(rename = "type")]
    pub kind: String,
    /// Metadata.
    pub metadata: AssetMetadata,
    /// Ownership (empty until set).
    #[serde(default)]
    pub ownership: RightsOwnership,
    /// Match policy (empty until set).
    #[serde(default)]
    pub match_policy: AssetMatchPolicy,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub time_created: OffsetDateTime,
}

/// A saved policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Policy {
    /// Opaque id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Rules.
    pub rules: Vec<PolicyRule>,
    /// Last change.
    #[serde(with = "time::serde::rfc3339")]
    pub time_updated: OffsetDateTime,
}

/// The body of `policies.insert`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyBody {
    /// Name (required).
    #[serde(default)]
    pub name: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Rules.
    #[serde(default)]
    pub rules: Vec<PolicyRule>,
}

/// The body of `assets.insert`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssetBody {
    /// Asset type (required).
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    /// Metadata (`title` required).
    #[serde(default)]
    pub metadata: Option<AssetMetadata>,
}

/// `policies.list` `sort`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicySort {
    /// Oldest change first.
    TimeUpdatedAsc,
    /// Newest change first.
    TimeUpdatedDesc,
}

impl PolicySort {
    /// Parses the wire value.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "timeUpdatedAsc" => Some(Self::TimeUpdatedAsc),
            "timeUpdatedDesc" => Some(Self::TimeUpdatedDesc),
            _ => None,
        }
    }

    /// Sorts `policies` (ties by id, so the order is total).
    pub fn apply(self, policies: &mut [Policy]) {
        policies.sort_by(|a, b| (a.time_updated, &a.id).cmp(&(b.time_updated, &b.id)));
        if self == Self::TimeUpdatedDesc {
            policies.reverse();
        }
    }
}

/// The storage sort key of an asset record in its owner's partition.
pub fn asset_sk(id: &str) -> String {
    format!("ASSET#{id}")
}

/// The storage sort key of a policy record in its owner's partition.
pub fn policy_sk(id: &str) -> String {
    format!("POLICY#{id}")
}

/// The sort-key prefix of policies.
pub const POLICY_PREFIX: &str = "POLICY#";

/// A claim's policy (Google's `Policy` in a claim): a saved policy of the owner (`id`) or inline
/// `rules`, exactly one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimPolicy {
    /// A policy of the same owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Inline rules.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<PolicyRule>,
}

/// A claim: the owner's asset matched to a video (a broadcast), under a policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Claim {
    /// Opaque id.
    pub id: String,
    /// The owner's asset.
    pub asset_id: String,
    /// The claimed video (= broadcast id).
    pub video_id: String,
    /// One of [`CONTENT_MATCH_TYPES`].
    pub content_type: String,
    /// The policy applied.
    pub policy: ClaimPolicy,
    /// `active` (onair has no claim release yet).
    pub status: String,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub time_created: OffsetDateTime,
}

/// The body of `claims.insert`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimBody {
    /// The owner's asset (required).
    #[serde(default)]
    pub asset_id: Option<String>,
    /// The video (required).
    #[serde(default)]
    pub video_id: Option<String>,
    /// The policy (required).
    #[serde(default)]
    pub policy: Option<ClaimPolicy>,
    /// `audio`, `video` or `audiovisual` (required).
    #[serde(default)]
    pub content_type: Option<String>,
}

/// The storage sort key of a claim record in its owner's partition.
pub fn claim_sk(id: &str) -> String {
    format!("CLAIM#{id}")
}

/// Reference statuses onair sets: `active` (built from the processed recording) and `activating`
/// (live fingerprinting: the media plane fingerprints the stream while it runs).
pub const REFERENCE_STATUSES: [&str; 2] = ["active", "activating"];

/// A span of the reference excluded from matching, in seconds (`excludedIntervals[]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExcludedInterval {
    /// Start, in seconds from the reference's start.
    #[serde(default)]
    pub low: Option<f64>,
    /// End, in seconds from the reference's start.
    #[serde(default)]
    pub high: Option<f64>,
}

/// A reference: the fingerprint source of an owner's asset, built from a claimed broadcast.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reference {
    /// Opaque id.
    pub id: String,
    /// The claim it was created from.
    pub claim_id: String,
    /// The claim's asset.
    pub asset_id: String,
    /// The claim's video (= broadcast id).
    pub video_id: String,
    /// One of [`CONTENT_MATCH_TYPES`].
    pub content_type: String,
    /// One of [`REFERENCE_STATUSES`].
    pub status: String,
    /// Spans excluded from matching.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded_intervals: Vec<ExcludedInterval>,
    /// Whether the reference's fingerprints come straight from the owner (`fpDirect`).
    #[serde(default)]
    pub fp_direct: bool,
    /// Whether matches against this reference are ignored (`ignoreFpMatch`).
    #[serde(default)]
    pub ignore_fp_match: bool,
    /// Whether the reference was made while the broadcast was still to go live (live fingerprinting).
    pub live: bool,
    /// Creation time.
    #[serde(with = "time::serde::rfc3339")]
    pub time_created: OffsetDateTime,
}

/// The body of `references.insert` (the claim comes in the `claimId` parameter; the asset and video
/// are the claim's, so body fields naming them are not read).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReferenceBody {
    /// `audio`, `video` or `audiovisual`; the claim's when omitted.
    #[serde(default)]
    pub content_type: Option<String>,
    /// Spans excluded from matching.
    #[serde(default)]
    pub excluded_intervals: Option<Vec<ExcludedInterval>>,
    /// `fpDirect`.
    #[serde(default)]
    pub fp_direct: Option<bool>,
    /// `ignoreFpMatch`.
    #[serde(default)]
    pub ignore_fp_match: Option<bool>,
}

/// The storage sort key of a reference record in its owner's partition.
pub fn reference_sk(id: &str) -> String {
    format!("REFERENCE#{id}")
}

/// The storage sort key of a claim's reference marker (one reference per claim): written with the
/// reference on its absence, it points at the reference's id.
pub fn claim_reference_sk(claim_id: &str) -> String {
    format!("CLAIMREF#{claim_id}")
}

/// `videoAdvertisingOptions.adFormats` values (Google's `VideoAdvertisingOption`).
pub const AD_FORMATS: [&str; 6] = [
    "long",
    "overlay",
    "standard_instream",
    "third_party",
    "trueview_inslate",
    "trueview_instream",
];

/// Ad break positions (`breakPosition`, `adBreaks[].position`).
pub const BREAK_POSITIONS: [&str; 3] = ["preroll", "midroll", "postroll"];

/// One ad break (`AdBreak`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdBreak {
    /// `preroll`, `midroll` or `postroll`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    /// Seconds into the video of a midroll.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub midroll_seconds: Option<u64>,
}

/// A claimed video's advertising options (`VideoAdvertisingOption`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdOptions {
    /// Ad formats allowed, of [`AD_FORMATS`].
    #[serde(default)]
    pub ad_formats: Vec<String>,
    /// Break positions allowed, of [`BREAK_POSITIONS`]; `midroll` lets the broadcast take cuepoints.
    #[serde(default)]
    pub break_position: Vec<String>,
    /// Explicit breaks.
    #[serde(default)]
    pub ad_breaks: Vec<AdBreak>,
    /// Whether YouTube may place breaks itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_generated_breaks: Option<bool>,
    /// The third-party ad server's id of the video.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tp_ad_server_video_id: Option<String>,
    /// The third-party ad server's targeting URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tp_targeting_url: Option<String>,
    /// Extra URL parameters for the third-party ad server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tp_url_parameters: Option<String>,
}

impl AdOptions {
    /// Whether midroll breaks are enabled (what a claimed broadcast's cuepoint needs): `midroll`
    /// in `breakPosition`, or an explicit `adBreaks` entry at `midroll` — Google's clients set
    /// either, and both say "breaks may be inserted mid-video".
    pub fn midroll(&self) -> bool {
        self.break_position.iter().any(|p| p == "midroll")
            || self
                .ad_breaks
                .iter()
                .any(|b| b.position.as_deref() == Some("midroll"))
    }
}

/// The `sk` of a video's advertising options in the video's shared partition.
pub const AD_OPTIONS_SK: &str = "ADOPTIONS";

/// The key, shared by all owners, holding a video's one active claim.
pub fn video_claim_key(video_id: &str) -> String {
    format!("VIDEOCLAIM#{video_id}")
}

#[cfg(test)]
mod tests {
    use super::{AdBreak, AdOptions};

    #[test]
    fn midroll_is_enabled_by_a_break_position_or_an_explicit_break() {
        assert!(!AdOptions::default().midroll());
        let by_position = AdOptions {
            break_position: vec!["preroll".into(), "midroll".into()],
            ..AdOptions::default()
        };
        assert!(by_position.midroll());
        let by_break = AdOptions {
            ad_breaks: vec![AdBreak {
                position: Some("midroll".into()),
                midroll_seconds: Some(600),
            }],
            ..AdOptions::default()
        };
        assert!(by_break.midroll());
        let preroll_only = AdOptions {
            break_position: vec!["preroll".into()],
            ad_breaks: vec![AdBreak {
                position: Some("postroll".into()),
                midroll_seconds: None,
            }],
            ..AdOptions::default()
        };
        assert!(!preroll_only.midroll());
    }
}
