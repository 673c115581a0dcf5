//! The two URLs of PRISM's live DTO.
//!
//! - `rtmpPath` is the stream's ingestion address, `/`, and its key. PRISM splits it at the **last**
//!   `/` into server URL and stream key, so the key must contain no `/` — onair's keys are base64url —
//!   and the address must start with `rtmp://` or `rtmps://`.
//! - `liveLink` is where viewers watch: the platform's watch-URL template with `{liveId}` replaced,
//!   or, without a template, the channel's own link (the spec's fallback).

use crate::lifecycle::key::StreamKey;

/// `rtmpPath`: `None` when the address is not an RTMP(S) URL or the key would not survive PRISM's
/// split at the last `/` (neither happens with onair's own configuration and keys).
pub fn rtmp_path(ingestion_address: &str, key: &StreamKey) -> Option<String> {
    let address = ingestion_address.trim_end_matches('/');
    let scheme_ok = address.starts_with("rtmp://") || address.starts_with("rtmps://");
    let key = key.expose();
    (scheme_ok && !key.is_empty() && !key.contains('/')).then(|| format!("{address}/{key}"))
}

/// `liveLink` for `live_id`: the watch-URL template with `{liveId}` replaced (the id is URL-safe), or
/// `channel_link` when there is no template.
pub fn live_link(template: Option<&str>, live_id: &str, channel_link: &str) -> String {
    match template {
        Some(template) => template.replace("{liveId}", live_id),
        None => channel_link.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_at_last_slash(path: &str) -> (&str, &str) {
        path.rsplit_once('/').unwrap()
    }

    #[test]
    fn prism_splits_the_rtmp_path_back_into_address_and_key() {
        let key = StreamKey::presented("aB3-_x9");
        let path = rtmp_path("rtmp://127.0.0.1:1935/live/", &key).unwrap();
        assert_eq!(path, "rtmp://127.0.0.1:1935/live/aB3-_x9");
        assert_eq!(
            split_at_last_slash(&path),
            ("rtmp://127.0.0.1:1935/live", "aB3-_x9")
        );
        assert!(rtmp_path("rtmps://ingest.example.com/app", &key).is_some());
    }

    #[test]
    fn an_address_that_is_not_rtmp_or_a_key_with_a_slash_gives_no_path() {
        let key = StreamKey::presented("abc");
        assert_eq!(rtmp_path("https://ingest.example.com/live", &key), None);
        assert_eq!(rtmp_path("rtmp://h/live", &StreamKey::presented("a/b")), None);
        assert_eq!(rtmp_path("rtmp://h/live", &StreamKey::presented("")), None);
    }

    #[test]
    fn the_live_link_uses_the_template_else_the_channel_link() {
        assert_eq!(
            live_link(Some("https://watch.example.com/live/{liveId}"), "L1", "https://c"),
            "https://watch.example.com/live/L1"
        );
        assert_eq!(
            live_link(None, "L1", "https://example.com/channel/7"),
            "https://example.com/channel/7"
        );
    }
}
