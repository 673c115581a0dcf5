//! `ingest-nginx-rtmp`: `POST /ingest/nginx-rtmp?token=…`, the one URL nginx-rtmp's `on_publish`,
//! `on_update` and `on_publish_done` all point at (`notify_method post`; `call` tells them apart).
//!
//! The body is nginx-rtmp's form: `call` (`publish`, `update_publish`, `publish_done`), `name` (the
//! stream key), `app`, `addr`, `clientid`, `tcurl`, `flashver`, `type`; updates add `time` (seconds
//! since publishing started) and `timestamp` (the stream's media time, milliseconds).
//!
//! Answers (nginx reads only the status): 2xx admits or keeps the encoder; 401 without the secret,
//! 403 with a wrong one, 404 for an unknown or deleted key, 403 (`stream closed`) for a publish or
//! update to a closed stream (its owner or channel disabled, or its non-reusable stream's broadcast
//! ended: the platform ended the live), 400 for a callback it cannot read, 503 when a store is down. A non-2xx `on_publish` refuses the encoder at once; a non-2xx `on_update`
//! drops a running one. So that a store outage does not cut every running encoder, an update that
//! meets an outage is answered 200 (and logged): the next update, seconds later, tries again.
//!
//! **Nothing arriving.** nginx-rtmp's update carries no byte count, only the publishing time and the
//! media time. A connected encoder that sends nothing stops the media clock while the wall clock runs
//! on, so a media time more than [`STALL_MS`] behind is reported as "nothing since the last report"
//! (`healthStatus.status = noData`); nginx's `drop_idle_publisher` then drops the silent encoder and
//! `on_publish_done` makes the stream `inactive`.

use crate::error::IngestError;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use onair_app::AppState;
use onair_app::lifecycle::ingest::{self, Verdict};
use onair_domain::lifecycle::StreamKey;
use onair_domain::lifecycle::ingest::{HealthReport, IngestEvent};
use serde::Deserialize;

/// How far (milliseconds) the media time may fall behind the publishing time before the stream
/// counts as silent. `time` comes in whole seconds, so a healthy stream lags by up to one second.
pub const STALL_MS: u64 = 3_000;

/// The fields of nginx-rtmp's callback that onair reads (the others are ignored).
#[derive(Deserialize)]
struct Callback {
    call: String,
    #[serde(default)]
    name: String,
    /// Seconds since publishing started (updates only).
    #[serde(default)]
    time: Option<u64>,
    /// The stream's media time in milliseconds (updates only).
    #[serde(default)]
    timestamp: Option<u64>,
}

/// The shared secret from the hook URL's query string.
#[derive(Deserialize)]
struct Token {
    #[serde(default)]
    token: Option<String>,
}

/// Translates nginx-rtmp's callback into the use case's event.
fn event_of(callback: &Callback) -> Result<IngestEvent, IngestError> {
    match callback.call.as_str() {
        "publish" => Ok(IngestEvent::PublishStarted),
        "publish_done" => Ok(IngestEvent::PublishStopped),
        "update_publish" => {
            let silent = match (callback.time, callback.timestamp) {
                (Some(time), Some(media_ms)) => {
                    let wall_ms = time.saturating_mul(1000);
                    wall_ms.saturating_sub(media_ms) > STALL_MS
                }
                _ => false,
            };
            Ok(IngestEvent::Update(HealthReport {
                // Only "nothing" versus "something" is known; see the module docs.
                bytes_since_last: u64::from(!silent),
                issues: Vec::new(),
            }))
        }
        other => Err(IngestError::Malformed(format!(
            "unsupported call {:?}",
            other.chars().take(32).collect::<String>()
        ))),
    }
}

/// The hook.
pub async fn hook(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<(StatusCode, &'static str), IngestError> {
    let token = serde_urlencoded::from_str::<Token>(query.as_deref().unwrap_or(""))
        .ok()
        .and_then(|t| t.token)
        .filter(|t| !t.is_empty())
        .ok_or(IngestError::MissingSecret)?;
    if !ingest::authenticate(&state, &token).await? {
        return Err(IngestError::WrongSecret);
    }
    let callback: Callback = serde_urlencoded::from_bytes(&body)
        // serde's message names the field, never a value
        .map_err(|e| IngestError::Malformed(e.to_string()))?;
    let event = event_of(&callback)?;
    if callback.name.is_empty() {
        return Err(IngestError::Malformed("no stream key (name)".into()));
    }
    let key = StreamKey::presented(callback.name);
    let now = state.clock.now();
    match ingest::report(&state, &key, &event, now).await {
        Ok(Verdict::Accepted {
            status,
            health,
            changed,
        }) => {
            tracing::info!(call = %callback.call, %status, %health, changed, "ingest callback");
            Ok((StatusCode::OK, "ok\n"))
        }
        Ok(Verdict::UnknownKey) => {
            tracing::info!(call = %callback.call, "ingest callback for an unknown stream key refused");
            Err(IngestError::UnknownKey)
        }
        Ok(Verdict::Closed) => {
            tracing::info!(call = %callback.call, "ingest callback for a closed stream refused; the encoder is dropped");
            Err(IngestError::Closed)
        }
        Err(err) if matches!(event, IngestEvent::Update(_)) && err.is_retryable() => {
            tracing::warn!(error = %err, "ingest update not recorded; the encoder is kept and the next update retries");
            Ok((StatusCode::OK, "ok\n"))
        }
        Err(err) => Err(err.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(time: u64, timestamp: u64) -> Callback {
        Callback {
            call: "update_publish".into(),
            name: "k".into(),
            time: Some(time),
            timestamp: Some(timestamp),
        }
    }

    fn bytes(event: IngestEvent) -> u64 {
        match event {
            IngestEvent::Update(report) => report.bytes_since_last,
            other => panic!("not an update: {other:?}"),
        }
    }

    #[test]
    fn calls_map_to_ingest_events() {
        let mut cb = update(0, 0);
        cb.call = "publish".into();
        assert_eq!(event_of(&cb).unwrap(), IngestEvent::PublishStarted);
        cb.call = "publish_done".into();
        assert_eq!(event_of(&cb).unwrap(), IngestEvent::PublishStopped);
        cb.call = "play".into();
        assert!(matches!(event_of(&cb), Err(IngestError::Malformed(_))));
    }

    #[test]
    fn a_media_clock_stopped_behind_the_wall_clock_means_nothing_is_arriving() {
        // measured: a healthy ffmpeg publisher reports time=4, timestamp=3956; frozen with SIGSTOP
        // it reports time=6, 8, 11 with timestamp stuck at 2490
        assert_eq!(bytes(event_of(&update(4, 3956)).unwrap()), 1);
        assert_eq!(bytes(event_of(&update(12, 12_023)).unwrap()), 1);
        // frozen at 2.49 s: 1.5 s behind at time=4 is within the tolerance, 3.5 s behind at 6 is not
        assert_eq!(bytes(event_of(&update(4, 2490)).unwrap()), 1);
        assert_eq!(bytes(event_of(&update(6, 2490)).unwrap()), 0);
        assert_eq!(bytes(event_of(&update(8, 2490)).unwrap()), 0);
        assert_eq!(bytes(event_of(&update(11, 2490)).unwrap()), 0);
    }

    #[test]
    fn the_form_nginx_sends_parses() {
        let body = "app=live&flashver=FMLE/3.0%20(compatible%3B%20Lavf59.27&swfurl=&tcurl=rtmp://127.0.0.1:19355/live&pageurl=&addr=127.0.0.1&clientid=1&call=update_publish&time=2&timestamp=1956&name=key123";
        let cb: Callback = serde_urlencoded::from_str(body).unwrap();
        assert_eq!((cb.call.as_str(), cb.name.as_str()), ("update_publish", "key123"));
        assert_eq!((cb.time, cb.timestamp), (Some(2), Some(1956)));
    }
}
