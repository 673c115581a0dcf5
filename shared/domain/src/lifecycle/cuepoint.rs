//! Cuepoints (`liveBroadcasts.cuepoint`, spec §9.1).
//!
//! Decisions on gap 9: `walltimeMs` is epoch milliseconds (uint64, as the discovery document says),
//! `insertionOffsetTimeMs` is milliseconds from the broadcast's actual start (int64); both are
//! accepted as JSON strings or numbers and written back as strings. Both given is
//! `conflictingTimeFields`; neither means "now". `cueType` is required and must be `cueTypeAd`;
//! `durationSecs` defaults to 30 and must be positive. Whether the broadcast may take a cuepoint is
//! [`super::machine::check_cuepoint`].

use super::error::{LifecycleError, Reason};
use super::wire::{CueType, int_string};
use crate::generate::Generator;
use serde::{Deserialize, Serialize};

/// Default ad-break length.
pub const DEFAULT_DURATION_SECS: u32 = 30;

/// A cuepoint body as sent (numbers may be strings).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CuepointBody {
    /// Must be `cueTypeAd`.
    pub cue_type: Option<String>,
    /// Break length.
    pub duration_secs: Option<serde_json::Value>,
    /// Offset from the actual start.
    pub insertion_offset_time_ms: Option<serde_json::Value>,
    /// Wall-clock time, epoch ms.
    pub walltime_ms: Option<serde_json::Value>,
}

/// An accepted cuepoint, as returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cuepoint {
    /// Server-assigned id.
    pub id: String,
    /// Always `cueTypeAd`.
    pub cue_type: CueType,
    /// Break length in seconds.
    pub duration_secs: u32,
    /// Offset from the actual start, when given.
    #[serde(default, with = "opt_int", skip_serializing_if = "Option::is_none")]
    pub insertion_offset_time_ms: Option<i64>,
    /// Wall-clock time, when given.
    #[serde(default, with = "opt_int", skip_serializing_if = "Option::is_none")]
    pub walltime_ms: Option<u64>,
}

mod opt_int {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::fmt::Display;
    use std::str::FromStr;

    pub fn serialize<T: Display, S: Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(v) => s.collect_str(v),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, T, D>(d: D) -> Result<Option<T>, D::Error>
    where
        T: FromStr + TryFrom<i64> + TryFrom<u64>,
        D: Deserializer<'de>,
    {
        match Option::<serde_json::Value>::deserialize(d)? {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(v) => super::int_string::parse_value(&v)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom("not a whole number")),
        }
    }
}

fn number<T>(
    value: &Option<serde_json::Value>,
    field: &str,
    reason: Reason,
) -> Result<Option<T>, LifecycleError>
where
    T: std::str::FromStr + TryFrom<i64> + TryFrom<u64>,
{
    match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(v) => int_string::parse_value(v)
            .map(Some)
            .ok_or_else(|| LifecycleError::broadcast(reason, format!("{field} must be a whole number"))),
    }
}

/// Validates a cuepoint body and assigns its id.
pub fn cuepoint(body: &CuepointBody, generator: &dyn Generator) -> Result<Cuepoint, LifecycleError> {
    let cue_type = body
        .cue_type
        .as_deref()
        .ok_or_else(|| LifecycleError::broadcast(Reason::CueTypeRequired, "cueType is required"))?;
    let cue_type = CueType::parse(cue_type)
        .ok_or_else(|| LifecycleError::broadcast(Reason::InvalidCueType, "cueType must be cueTypeAd"))?;
    let offset: Option<i64> = number(
        &body.insertion_offset_time_ms,
        "insertionOffsetTimeMs",
        Reason::InvalidCuepointTime,
    )?;
    let walltime: Option<u64> = number(&body.walltime_ms, "walltimeMs", Reason::InvalidCuepointTime)?;
    if offset.is_some() && walltime.is_some() {
        return Err(LifecycleError::broadcast(
            Reason::ConflictingTimeFields,
            "Only one of insertionOffsetTimeMs and walltimeMs may be specified",
        ));
    }
    let duration: Option<u32> = number(&body.duration_secs, "durationSecs", Reason::InvalidDuration)?;
    let duration_secs = duration.unwrap_or(DEFAULT_DURATION_SECS);
    if duration_secs == 0 {
        return Err(LifecycleError::broadcast(
            Reason::InvalidDuration,
            "durationSecs must be positive",
        ));
    }
    Ok(Cuepoint {
        id: generator.id(),
        cue_type,
        duration_secs,
        insertion_offset_time_ms: offset,
        walltime_ms: walltime,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::SequenceGenerator;
    use serde_json::json;

    fn run(j: serde_json::Value) -> Result<Cuepoint, LifecycleError> {
        cuepoint(&serde_json::from_value(j).unwrap(), &SequenceGenerator::default())
    }

    fn reason(j: serde_json::Value) -> &'static str {
        run(j).err().map(|e| e.reason.as_str()).unwrap_or("ok")
    }

    #[test]
    fn cuepoint_with_both_offset_and_wall_time_is_conflicting_time_fields() {
        assert_eq!(
            reason(
                json!({"cueType": "cueTypeAd", "insertionOffsetTimeMs": "0", "walltimeMs": "1700000000000"})
            ),
            "conflictingTimeFields"
        );
        assert_eq!(
            reason(json!({"cueType": "cueTypeAd", "insertionOffsetTimeMs": 5, "walltimeMs": 1})),
            "conflictingTimeFields"
        );
    }

    #[test]
    fn cuepoint_needs_cue_type_ad() {
        assert_eq!(reason(json!({})), "cueTypeRequired");
        assert_eq!(reason(json!({"cueType": "cueTypeUnspecified"})), "invalidCueType");
    }

    #[test]
    fn cuepoint_duration_defaults_to_30_and_must_be_positive() {
        let c = run(json!({"cueType": "cueTypeAd"})).unwrap();
        assert_eq!(c.duration_secs, 30);
        assert_eq!(c.id, "id-1");
        assert_eq!(
            reason(json!({"cueType": "cueTypeAd", "durationSecs": 0})),
            "invalidDuration"
        );
        assert_eq!(
            reason(json!({"cueType": "cueTypeAd", "durationSecs": -1})),
            "invalidDuration"
        );
        assert_eq!(
            run(json!({"cueType": "cueTypeAd", "durationSecs": "60"}))
                .unwrap()
                .duration_secs,
            60
        );
    }

    #[test]
    fn cuepoint_times_are_whole_numbers_written_as_strings() {
        let c = run(json!({"cueType": "cueTypeAd", "walltimeMs": 1700000000000u64})).unwrap();
        assert_eq!(c.walltime_ms, Some(1_700_000_000_000));
        let out = serde_json::to_value(&c).unwrap();
        assert_eq!(out["walltimeMs"], json!("1700000000000"));
        assert!(out.get("insertionOffsetTimeMs").is_none());
        assert_eq!(
            reason(json!({"cueType": "cueTypeAd", "walltimeMs": "soon"})),
            "invalidCuepointTime"
        );
        assert_eq!(
            reason(json!({"cueType": "cueTypeAd", "walltimeMs": -1})),
            "invalidCuepointTime"
        );
        let c = run(json!({"cueType": "cueTypeAd", "insertionOffsetTimeMs": "-500"})).unwrap();
        assert_eq!(c.insertion_offset_time_ms, Some(-500));
    }
}
