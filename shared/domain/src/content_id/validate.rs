//! The field rules of the Content ID write bodies. Each function checks a whole body and answers the
//! first problem as a [`LifecycleError`] with Google's reason (`required` or `invalidValue`, domain
//! `global`) and a message naming the field; nothing is written for a refused body.
//!
//! Limits onair decides where the API documents none: titles and names 1–255 characters (after
//! trimming, not blank), descriptions and custom ids at most 5,000 and 128 characters, owner names
//! 1–100, at most 50 ownership entries, 50 rules per policy, 10 subactions of 1–100 characters,
//! 250 territories per list (no duplicates), and 10 intervals per condition. Interval bounds are
//! finite, not negative, `low <= high`; percent bounds at most 100.

use super::territory;
use super::{
    ACTIONS, AD_FORMATS, ASSET_TYPES, AdOptions, AssetBody, AssetMatchPolicy, BREAK_POSITIONS,
    CONTENT_MATCH_TYPES, ClaimBody, Conditions, IntervalCondition, PolicyBody, PolicyRule, ReferenceBody,
    RightsOwnership, TERRITORY_TYPES,
};
use crate::lifecycle::error::{ErrorDomain, LifecycleError, Reason};

/// Longest title / policy name.
pub const MAX_TITLE: usize = 255;
/// Longest description.
pub const MAX_DESCRIPTION: usize = 5000;
/// Longest custom id.
pub const MAX_CUSTOM_ID: usize = 128;
/// Longest owner name in an ownership entry.
pub const MAX_OWNER: usize = 100;
/// Most entries / rules in one list.
pub const MAX_ENTRIES: usize = 50;
/// Most subactions of a rule.
pub const MAX_SUBACTIONS: usize = 10;
/// Most territories in one list.
pub const MAX_TERRITORIES: usize = 250;
/// Most intervals of one condition.
pub const MAX_INTERVALS: usize = 10;

/// A `required` refusal for `field`.
pub fn required(field: &str) -> LifecycleError {
    LifecycleError::new(
        ErrorDomain::Global,
        Reason::Required,
        format!("{field} is required"),
    )
}

/// An `invalidValue` refusal for `field`.
pub fn invalid(field: &str, why: &str) -> LifecycleError {
    LifecycleError::new(
        ErrorDomain::Global,
        Reason::InvalidValue,
        format!("{field} {why}"),
    )
}

fn text(field: &str, value: Option<&str>, need: bool, max: usize) -> Result<(), LifecycleError> {
    match value {
        None if need => Err(required(field)),
        None => Ok(()),
        Some(v) if need && v.trim().is_empty() => Err(required(field)),
        Some(v) if v.chars().count() > max => {
            Err(invalid(field, &format!("is longer than {max} characters")))
        }
        Some(v) if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') => {
            Err(invalid(field, "contains control characters"))
        }
        Some(_) => Ok(()),
    }
}

fn one_of(field: &str, value: Option<&str>, allowed: &[&str]) -> Result<(), LifecycleError> {
    match value {
        None => Err(required(field)),
        Some(v) if allowed.contains(&v) => Ok(()),
        Some(_) => Err(invalid(field, &format!("must be one of {}", allowed.join(", ")))),
    }
}

fn territories(field: &str, codes: &[String]) -> Result<(), LifecycleError> {
    if codes.len() > MAX_TERRITORIES {
        return Err(invalid(field, &format!("has more than {MAX_TERRITORIES} codes")));
    }
    let mut seen = std::collections::BTreeSet::new();
    for code in codes {
        if !territory::is_known(code) {
            return Err(invalid(
                field,
                "contains a code that is not an ISO 3166-1 alpha-2 territory",
            ));
        }
        if !seen.insert(code.as_str()) {
            return Err(invalid(field, "repeats a territory"));
        }
    }
    Ok(())
}

/// `assets.insert`.
pub fn asset(body: &AssetBody) -> Result<(), LifecycleError> {
    one_of("type", body.kind.as_deref(), &ASSET_TYPES)?;
    let Some(metadata) = &body.metadata else {
        return Err(required("metadata.title"));
    };
    text("metadata.title", metadata.title.as_deref(), true, MAX_TITLE)?;
    text(
        "metadata.customId",
        metadata.custom_id.as_deref(),
        false,
        MAX_CUSTOM_ID,
    )?;
    text(
        "metadata.description",
        metadata.description.as_deref(),
        false,
        MAX_DESCRIPTION,
    )
}

/// `ownership.update` / `.patch`: every `general[]` entry has an owner (1–100 characters), a ratio
/// in 0–100, known territories and a `type` of include/exclude.
pub fn ownership(body: &RightsOwnership) -> Result<(), LifecycleError> {
    if body.general.len() > MAX_ENTRIES {
        return Err(invalid(
            "general",
            &format!("has more than {MAX_ENTRIES} entries"),
        ));
    }
    for entry in &body.general {
        text("general.owner", entry.owner.as_deref(), true, MAX_OWNER)?;
        match entry.ratio {
            None => return Err(required("general.ratio")),
            Some(r) if !(r.is_finite() && (0.0..=100.0).contains(&r)) => {
                return Err(invalid("general.ratio", "must be a number from 0 to 100"));
            }
            Some(_) => {}
        }
        one_of("general.type", entry.kind.as_deref(), &TERRITORY_TYPES)?;
        territories("general.territories", &entry.territories)?;
    }
    Ok(())
}

fn intervals(field: &str, list: &[IntervalCondition], percent: bool) -> Result<(), LifecycleError> {
    if list.len() > MAX_INTERVALS {
        return Err(invalid(
            field,
            &format!("has more than {MAX_INTERVALS} intervals"),
        ));
    }
    for interval in list {
        for bound in [interval.low, interval.high].into_iter().flatten() {
            if !bound.is_finite() || bound < 0.0 || (percent && bound > 100.0) {
                let range = if percent { "0 to 100" } else { "not negative" };
                return Err(invalid(field, &format!("bounds must be numbers {range}")));
            }
        }
        if let (Some(low), Some(high)) = (interval.low, interval.high)
            && low > high
        {
            return Err(invalid(field, "low must not exceed high"));
        }
    }
    Ok(())
}

fn conditions(c: &Conditions) -> Result<(), LifecycleError> {
    for t in &c.content_match_type {
        one_of("rules.conditions.contentMatchType", Some(t), &CONTENT_MATCH_TYPES)?;
    }
    intervals("rules.conditions.matchDuration", &c.match_duration, false)?;
    intervals("rules.conditions.matchPercent", &c.match_percent, true)?;
    intervals("rules.conditions.referenceDuration", &c.reference_duration, false)?;
    intervals("rules.conditions.referencePercent", &c.reference_percent, true)?;
    if let Some(required_territories) = &c.required_territories {
        one_of(
            "rules.conditions.requiredTerritories.type",
            required_territories.kind.as_deref(),
            &TERRITORY_TYPES,
        )?;
        territories(
            "rules.conditions.requiredTerritories.territories",
            &required_territories.territories,
        )?;
    }
    Ok(())
}

/// A list of policy rules (a policy's or an inline match policy's).
pub fn rules(list: &[PolicyRule]) -> Result<(), LifecycleError> {
    if list.len() > MAX_ENTRIES {
        return Err(invalid("rules", &format!("has more than {MAX_ENTRIES} rules")));
    }
    for rule in list {
        one_of("rules.action", rule.action.as_deref(), &ACTIONS)?;
        if rule.subaction.len() > MAX_SUBACTIONS {
            return Err(invalid(
                "rules.subaction",
                &format!("has more than {MAX_SUBACTIONS} values"),
            ));
        }
        for sub in &rule.subaction {
            text("rules.subaction", Some(sub), true, 100)?;
        }
        if let Some(c) = &rule.conditions {
            conditions(c)?;
        }
    }
    Ok(())
}

/// `policies.insert`: a name, an optional description and valid rules.
pub fn policy(body: &PolicyBody) -> Result<(), LifecycleError> {
    text("name", body.name.as_deref(), true, MAX_TITLE)?;
    text("description", body.description.as_deref(), false, MAX_DESCRIPTION)?;
    rules(&body.rules)
}

/// `assetMatchPolicy.update` / `.patch` (after a patch is merged): exactly one of `policyId` and
/// `rules`. Whether `policyId` names the owner's policy is the use case's read.
pub fn match_policy(body: &AssetMatchPolicy) -> Result<(), LifecycleError> {
    match (&body.policy_id, body.rules.is_empty()) {
        (Some(_), false) => Err(invalid("policyId", "and rules may not both be set")),
        (None, true) => Err(required("policyId")),
        (Some(id), true) if id.trim().is_empty() || id.len() > 128 => {
            Err(invalid("policyId", "is not a policy id"))
        }
        _ => rules(&body.rules),
    }
}

/// `claims.insert`: `assetId`, `videoId`, `contentType` (one of [`CONTENT_MATCH_TYPES`]) and a
/// `policy` with exactly one of `id` and `rules`. Whether the ids name the owner's asset, policy and
/// a video of a linked channel is the use case's read.
pub fn claim(body: &ClaimBody) -> Result<(), LifecycleError> {
    text("assetId", body.asset_id.as_deref(), true, 128)?;
    text("videoId", body.video_id.as_deref(), true, 128)?;
    one_of("contentType", body.content_type.as_deref(), &CONTENT_MATCH_TYPES)?;
    let policy = body.policy.as_ref().ok_or_else(|| required("policy"))?;
    match (&policy.id, policy.rules.is_empty()) {
        (Some(_), false) => Err(invalid("policy.id", "and policy.rules may not both be set")),
        (None, true) => Err(required("policy.id")),
        (Some(id), true) if id.trim().is_empty() || id.len() > 128 => {
            Err(invalid("policy.id", "is not a policy id"))
        }
        _ => rules(&policy.rules),
    }
}

/// `references.insert`: `contentType`, when given, one of [`CONTENT_MATCH_TYPES`]; at most
/// [`MAX_INTERVALS`] `excludedIntervals`, each with finite, non-negative bounds and `low < high`.
/// Whether the claim exists and allows a reference is the use case's read.
pub fn reference(body: &ReferenceBody) -> Result<(), LifecycleError> {
    if body.content_type.is_some() {
        one_of("contentType", body.content_type.as_deref(), &CONTENT_MATCH_TYPES)?;
    }
    let intervals = body.excluded_intervals.as_deref().unwrap_or_default();
    if intervals.len() > MAX_INTERVALS {
        return Err(invalid(
            "excludedIntervals",
            &format!("has more than {MAX_INTERVALS} intervals"),
        ));
    }
    for i in intervals {
        let (Some(low), Some(high)) = (i.low, i.high) else {
            return Err(required("excludedIntervals.low and excludedIntervals.high"));
        };
        if !(low.is_finite() && high.is_finite()) || low < 0.0 || low >= high {
            return Err(invalid(
                "excludedIntervals",
                "needs finite, non-negative bounds with low < high",
            ));
        }
    }
    Ok(())
}

/// `videoAdvertisingOptions.update` / `.patch` (after a patch is merged): enums from
/// [`AD_FORMATS`] and [`BREAK_POSITIONS`] without duplicates, at most 50 breaks, third-party fields
/// at most 2,000 characters, the targeting URL `http(s)`.
pub fn ad_options(body: &AdOptions) -> Result<(), LifecycleError> {
    let listed = |field: &str, values: &[String], allowed: &[&str]| -> Result<(), LifecycleError> {
        let mut seen = std::collections::BTreeSet::new();
        for v in values {
            one_of(field, Some(v), allowed)?;
            if !seen.insert(v.as_str()) {
                return Err(invalid(field, &format!("lists {v} twice")));
            }
        }
        Ok(())
    };
    listed("adFormats", &body.ad_formats, &AD_FORMATS)?;
    listed("breakPosition", &body.break_position, &BREAK_POSITIONS)?;
    if body.ad_breaks.len() > MAX_ENTRIES {
        return Err(invalid(
            "adBreaks",
            &format!("has more than {MAX_ENTRIES} breaks"),
        ));
    }
    for b in &body.ad_breaks {
        one_of("adBreaks.position", b.position.as_deref(), &BREAK_POSITIONS)?;
    }
    text(
        "tpAdServerVideoId",
        body.tp_ad_server_video_id.as_deref(),
        false,
        2000,
    )?;
    text("tpUrlParameters", body.tp_url_parameters.as_deref(), false, 2000)?;
    text("tpTargetingUrl", body.tp_targeting_url.as_deref(), false, 2000)?;
    let web = |url: &String| url.starts_with("https://") || url.starts_with("http://");
    if body.tp_targeting_url.as_ref().is_some_and(|url| !web(url)) {
        return Err(invalid("tpTargetingUrl", "must be an http(s) URL"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::{AssetMetadata, TerritoryCondition, TerritoryOwners};
    use super::*;

    fn entry(ratio: f64, territories: &[&str], kind: &str) -> RightsOwnership {
        RightsOwnership {
            general: vec![TerritoryOwners {
                owner: Some("me".into()),
                ratio: Some(ratio),
                territories: territories.iter().map(|t| t.to_string()).collect(),
                kind: Some(kind.into()),
            }],
        }
    }

    #[test]
    fn assets_need_a_known_type_and_a_title() {
        let ok = AssetBody {
            kind: Some("web".into()),
            metadata: Some(AssetMetadata {
                title: Some("Live".into()),
                ..Default::default()
            }),
        };
        assert!(asset(&ok).is_ok());
        let bad_type = AssetBody {
            kind: Some("podcast".into()),
            ..ok.clone()
        };
        assert_eq!(asset(&bad_type).map_err(|e| e.reason), Err(Reason::InvalidValue));
        let no_title = AssetBody {
            metadata: Some(AssetMetadata::default()),
            ..ok.clone()
        };
        assert_eq!(asset(&no_title).map_err(|e| e.reason), Err(Reason::Required));
        let long = AssetBody {
            metadata: Some(AssetMetadata {
                title: Some("x".repeat(256)),
                ..Default::default()
            }),
            ..ok
        };
        assert_eq!(asset(&long).map_err(|e| e.reason), Err(Reason::InvalidValue));
    }

    #[test]
    fn ownership_ratio_territory_and_type_are_checked() {
        assert!(ownership(&entry(100.0, &["US", "DE"], "include")).is_ok());
        assert!(ownership(&entry(0.0, &[], "exclude")).is_ok());
        for bad in [
            entry(100.5, &["US"], "include"),
            entry(-1.0, &["US"], "include"),
            entry(f64::NAN, &["US"], "include"),
            entry(50.0, &["XX"], "include"),
            entry(50.0, &["US", "US"], "include"),
            entry(50.0, &["US"], "both"),
        ] {
            assert_eq!(
                ownership(&bad).map_err(|e| e.reason),
                Err(Reason::InvalidValue),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn rules_check_actions_match_types_intervals_and_territories() {
        let rule = |action: &str, c: Conditions| PolicyRule {
            action: Some(action.into()),
            subaction: vec![],
            conditions: Some(c),
        };
        assert!(rules(&[rule("monetize", Conditions::default())]).is_ok());
        assert!(rules(&[rule("mute", Conditions::default())]).is_err());
        let typed = Conditions {
            content_match_type: vec!["smell".into()],
            ..Default::default()
        };
        assert!(rules(&[rule("track", typed)]).is_err());
        let pct = Conditions {
            match_percent: vec![IntervalCondition {
                low: Some(10.0),
                high: Some(101.0),
            }],
            ..Default::default()
        };
        assert!(rules(&[rule("track", pct)]).is_err());
        let inverted = Conditions {
            match_duration: vec![IntervalCondition {
                low: Some(10.0),
                high: Some(1.0),
            }],
            ..Default::default()
        };
        assert!(rules(&[rule("track", inverted)]).is_err());
        let terr = Conditions {
            required_territories: Some(TerritoryCondition {
                kind: Some("include".into()),
                territories: vec!["ZZ".into()],
            }),
            ..Default::default()
        };
        assert!(rules(&[rule("block", terr)]).is_err());
    }

    #[test]
    fn a_match_policy_is_exactly_one_of_policy_id_and_rules() {
        let rule = PolicyRule {
            action: Some("track".into()),
            ..Default::default()
        };
        assert!(
            match_policy(&AssetMatchPolicy {
                policy_id: Some("p".into()),
                rules: vec![]
            })
            .is_ok()
        );
        assert!(
            match_policy(&AssetMatchPolicy {
                policy_id: None,
                rules: vec![rule.clone()]
            })
            .is_ok()
        );
        assert!(
            match_policy(&AssetMatchPolicy {
                policy_id: Some("p".into()),
                rules: vec![rule]
            })
            .is_err()
        );
        assert!(match_policy(&AssetMatchPolicy::default()).is_err());
    }

    #[test]
    fn references_take_a_known_content_type_and_ordered_intervals() {
        use super::super::ExcludedInterval;
        let reason = |b: &ReferenceBody| reference(b).err().map(|e| e.reason);
        assert_eq!(reason(&ReferenceBody::default()), None);
        for t in CONTENT_MATCH_TYPES {
            let b = ReferenceBody {
                content_type: Some(t.into()),
                ..Default::default()
            };
            assert_eq!(reason(&b), None, "{t}");
        }
        let bad_type = ReferenceBody {
            content_type: Some("audiovideo".into()),
            ..Default::default()
        };
        assert_eq!(reason(&bad_type), Some(Reason::InvalidValue));
        let span = |low: Option<f64>, high: Option<f64>| ReferenceBody {
            excluded_intervals: Some(vec![ExcludedInterval { low, high }]),
            ..Default::default()
        };
        assert_eq!(reason(&span(Some(0.0), Some(10.5))), None);
        assert_eq!(reason(&span(Some(5.0), Some(5.0))), Some(Reason::InvalidValue));
        assert_eq!(reason(&span(Some(-1.0), Some(5.0))), Some(Reason::InvalidValue));
        assert_eq!(
            reason(&span(Some(0.0), Some(f64::INFINITY))),
            Some(Reason::InvalidValue)
        );
        assert_eq!(reason(&span(None, Some(5.0))), Some(Reason::Required));
        let many = ReferenceBody {
            excluded_intervals: Some(vec![
                ExcludedInterval {
                    low: Some(0.0),
                    high: Some(1.0)
                };
                MAX_INTERVALS + 1
            ]),
            ..Default::default()
        };
        assert_eq!(reason(&many), Some(Reason::InvalidValue));
    }
}
