//! `keys-rotate`: the Scheduler step that rotates the signing key. It only reads the run's scheduled
//! time from Scheduler's payload and calls [`onair_app::keys::rotate_signing_key`].

use crate::registry::{StepError, StepFuture};
use onair_app::AppState;
use onair_app::keys::{KeyPorts, Rotation, overlap_for, rotate_signing_key};
use serde::Deserialize;
use time::OffsetDateTime;

/// The fields of the schedule's target input this step uses (see [`crate::registry::Schedule::INPUT`]).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    /// `<aws.scheduler.scheduled-time>`: the same for every delivery of one run.
    #[serde(with = "time::serde::rfc3339")]
    scheduled_time: OffsetDateTime,
    /// `<aws.scheduler.execution-id>`, for the log line only.
    #[serde(default)]
    execution_id: Option<String>,
}

/// Handles one delivery.
pub fn rotate(state: AppState, payload: serde_json::Value) -> StepFuture {
    Box::pin(async move {
        let run: Run = serde_json::from_value(payload).map_err(|e| {
            // serde's message names the field, never a secret (the payload holds none).
            StepError::Permanent(format!("not a rotation run payload: {e}"))
        })?;
        let ports = KeyPorts {
            secrets: state.secrets.as_ref(),
            clock: state.clock.as_ref(),
            generator: state.generator.as_ref(),
        };
        let outcome = rotate_signing_key(
            &ports,
            &state.settings.oauth.signing_key_secret,
            overlap_for(state.settings.oauth.access_ttl),
            run.scheduled_time,
        )
        .await?;
        match outcome {
            Rotation::Rotated { previous_until } => tracing::info!(
                run = %run.scheduled_time,
                execution = run.execution_id.as_deref().unwrap_or(""),
                %previous_until,
                "signing key rotated"
            ),
            Rotation::AlreadyApplied { rotated_for } => tracing::info!(
                run = %run.scheduled_time,
                execution = run.execution_id.as_deref().unwrap_or(""),
                rotated_for = ?rotated_for,
                "signing key rotation already applied for this run"
            ),
        }
        Ok(())
    })
}
