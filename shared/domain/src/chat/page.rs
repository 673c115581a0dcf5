//! PRISM O1 paging over one chat: the page size rule, the opaque page token, and the page itself.
//!
//! The token names the last delivered message's `sequence`. Sequences start at 1 and only grow (a
//! deleted message's sequence is never reused), so "newer than the token" is a plain comparison and a
//! deleted message, being absent from the chat, never reappears. Sequence 0 means "nothing delivered
//! yet" (the token handed out for an empty chat).
//!
//! The token is `base64url(version ‖ sequence ‖ tag)` where `tag` is a truncated HMAC-SHA256 over the
//! version, the sequence and the chat id, under a server key the caller injects. A token altered in any
//! byte, made up, or issued for another chat is refused as [`ChatError::InvalidPageToken`] rather than
//! silently restarting the feed.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::error::ChatError;
use super::message::Message;

/// Largest page; also what `maxResults` 0 (or anything ≥ this) means.
pub const MAX_RESULTS: usize = 100;

/// The token layout's version byte; a new layout gets a new number and old tokens are refused.
const TOKEN_VERSION: u8 = 1;
/// Bytes of the HMAC kept in the token (128 bits).
const TAG_LEN: usize = 16;
/// Version byte + big-endian sequence + tag.
const TOKEN_LEN: usize = 1 + 8 + TAG_LEN;

/// The page size PRISM asked for: 0 or ≥ 100 mean 100, 1..=99 are taken as is, negative is refused.
pub fn normalize_max_results(n: i64) -> Result<usize, ChatError> {
    match usize::try_from(n) {
        Err(_) => Err(ChatError::InvalidMaxResults),
        Ok(0) => Ok(MAX_RESULTS),
        Ok(n) => Ok(n.min(MAX_RESULTS)),
    }
}

/// Where a reader of one chat stands: the sequence of the last message it was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PageToken {
    /// The last delivered sequence (0: nothing yet).
    pub sequence: u64,
}

impl PageToken {
    /// The opaque wire form, bound to `chat_id` under `key`. Deterministic: the same position of the
    /// same chat always encodes to the same string, so "return the same token" holds on the wire.
    pub fn encode(self, key: &[u8], chat_id: &str) -> String {
        let mut bytes = Vec::with_capacity(TOKEN_LEN);
        bytes.push(TOKEN_VERSION);
        bytes.extend_from_slice(&self.sequence.to_be_bytes());
        let tag = tag(key, chat_id, TOKEN_VERSION, self.sequence);
        bytes.extend_from_slice(&tag);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Reads a token issued by [`PageToken::encode`] for `chat_id` under `key`; anything else is refused.
    pub fn decode(token: &str, key: &[u8], chat_id: &str) -> Result<Self, ChatError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(token)
            .map_err(|_| ChatError::InvalidPageToken)?;
        if bytes.len() != TOKEN_LEN {
            return Err(ChatError::InvalidPageToken);
        }
        let (version, rest) = bytes.split_at(1);
        let (sequence, given_tag) = rest.split_at(8);
        if version != [TOKEN_VERSION] {
            return Err(ChatError::InvalidPageToken);
        }
        let sequence =
            u64::from_be_bytes(<[u8; 8]>::try_from(sequence).map_err(|_| ChatError::InvalidPageToken)?);
        let mac = mac(key, chat_id, TOKEN_VERSION, sequence)?;
        // Constant-time comparison of the truncated tag: the key never leaks through timing.
        mac.verify_truncated_left(given_tag)
            .map_err(|_| ChatError::InvalidPageToken)?;
        Ok(Self { sequence })
    }
}

fn mac(key: &[u8], chat_id: &str, version: u8, sequence: u64) -> Result<Hmac<Sha256>, ChatError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).map_err(|_| ChatError::InvalidPageToken)?;
    mac.update(&[version]);
    mac.update(&sequence.to_be_bytes());
    // The chat id goes last and is length-delimited by the end of the input, so no two
    // (sequence, chat id) pairs feed the same bytes.
    mac.update(chat_id.as_bytes());
    Ok(mac)
}

fn tag(key: &[u8], chat_id: &str, version: u8, sequence: u64) -> [u8; TAG_LEN] {
    let mut out = [0u8; TAG_LEN];
    // HMAC accepts keys of any length, so this never fails; an all-zero tag would only make tokens
    // unverifiable, never forgeable.
    if let Ok(mac) = mac(key, chat_id, version, sequence) {
        let full = mac.finalize().into_bytes();
        out.copy_from_slice(&full[..TAG_LEN]);
    }
    out
}

/// One O1 page of a chat.
///
/// `messages` are the chat's current (not deleted) messages sorted by ascending `sequence`; `max` comes
/// from [`normalize_max_results`] (clamped to 1..=[`MAX_RESULTS`] here too).
///
/// - no token: the most recent `max` messages, oldest first;
/// - a token: the messages newer than it, at most `max`, oldest first (the rest come on the next poll);
/// - the next token names the last message returned; when nothing is returned it is the token given
///   (or, for an empty chat and no token, the position before the first message).
pub fn page<'a>(
    messages: &'a [Message],
    token: Option<&PageToken>,
    max: usize,
) -> (Vec<&'a Message>, PageToken) {
    let max = max.clamp(1, MAX_RESULTS);
    let selected: &[Message] = match token {
        None => &messages[messages.len().saturating_sub(max)..],
        Some(token) => {
            let start = messages.partition_point(|m| m.sequence <= token.sequence);
            let newer = &messages[start..];
            &newer[..newer.len().min(max)]
        }
    };
    let next = match (selected.last(), token) {
        (Some(last), _) => PageToken {
            sequence: last.sequence,
        },
        (None, Some(token)) => *token,
        (None, None) => PageToken { sequence: 0 },
    };
    (selected.iter().collect(), next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const KEY: &[u8] = b"test-page-token-key-32-bytes-long";

    fn message(sequence: u64) -> Message {
        Message {
            id: format!("m{sequence}"),
            chat_id: "chat-1".to_owned(),
            author_id: "u1".to_owned(),
            author_name: "Viewer".to_owned(),
            author_thumbnail: None,
            text: format!("text {sequence}"),
            posted_at: datetime!(2026-11-30 08:00 UTC),
            sequence,
            is_live_owner: false,
        }
    }

    fn chat(sequences: impl IntoIterator<Item = u64>) -> Vec<Message> {
        sequences.into_iter().map(message).collect()
    }

    fn sequences(page: &[&Message]) -> Vec<u64> {
        page.iter().map(|m| m.sequence).collect()
    }

    #[test]
    fn max_results_zero_means_one_hundred() {
        assert_eq!(normalize_max_results(0), Ok(100));
    }

    #[test]
    fn max_results_of_one_hundred_or_more_is_capped_at_one_hundred() {
        assert_eq!(normalize_max_results(100), Ok(100));
        assert_eq!(normalize_max_results(101), Ok(100));
        assert_eq!(normalize_max_results(i64::MAX), Ok(100));
    }

    #[test]
    fn max_results_below_one_hundred_is_taken_as_is() {
        assert_eq!(normalize_max_results(1), Ok(1));
        assert_eq!(normalize_max_results(99), Ok(99));
    }

    #[test]
    fn negative_max_results_is_refused() {
        assert_eq!(normalize_max_results(-1), Err(ChatError::InvalidMaxResults));
        assert_eq!(normalize_max_results(i64::MIN), Err(ChatError::InvalidMaxResults));
    }

    #[test]
    fn no_token_gives_the_most_recent_max_messages_oldest_first() {
        let all = chat(1..=10);
        let (got, next) = page(&all, None, 3);
        assert_eq!(sequences(&got), vec![8, 9, 10]);
        assert_eq!(next, PageToken { sequence: 10 });
    }

    #[test]
    fn no_token_on_a_short_chat_gives_all_of_it() {
        let all = chat(1..=2);
        let (got, next) = page(&all, None, 100);
        assert_eq!(sequences(&got), vec![1, 2]);
        assert_eq!(next.sequence, 2);
    }

    #[test]
    fn no_token_on_an_empty_chat_gives_an_empty_page_and_a_token_before_the_first_message() {
        let (got, next) = page(&[], None, 100);
        assert!(got.is_empty());
        assert_eq!(next, PageToken { sequence: 0 });
        // The first message posted afterwards is delivered with that token.
        let all = chat([1]);
        let (got, _) = page(&all, Some(&next), 100);
        assert_eq!(sequences(&got), vec![1]);
    }

    #[test]
    fn a_token_gives_only_newer_messages_oldest_first() {
        let all = chat(1..=6);
        let (got, next) = page(&all, Some(&PageToken { sequence: 3 }), 100);
        assert_eq!(sequences(&got), vec![4, 5, 6]);
        assert_eq!(next.sequence, 6);
    }

    #[test]
    fn a_token_with_more_than_max_newer_gives_the_oldest_max_and_the_rest_next() {
        let all = chat(1..=10);
        let (first, next) = page(&all, Some(&PageToken { sequence: 2 }), 3);
        assert_eq!(sequences(&first), vec![3, 4, 5]);
        let (second, next) = page(&all, Some(&next), 3);
        assert_eq!(sequences(&second), vec![6, 7, 8]);
        let (third, next) = page(&all, Some(&next), 3);
        assert_eq!(sequences(&third), vec![9, 10]);
        assert_eq!(next.sequence, 10);
    }

    #[test]
    fn nothing_new_returns_the_same_token() {
        let all = chat(1..=4);
        let token = PageToken { sequence: 4 };
        let (got, next) = page(&all, Some(&token), 100);
        assert!(got.is_empty());
        assert_eq!(next, token);
        assert_eq!(next.encode(KEY, "chat-1"), token.encode(KEY, "chat-1"));
    }

    #[test]
    fn a_deleted_message_never_reappears() {
        let mut all = chat(1..=5);
        let (_, token) = page(&all, None, 3);
        // Message 4 is deleted, 6 arrives: only 6 is new, and a fresh read does not show 4.
        all.retain(|m| m.sequence != 4);
        all.push(message(6));
        let (got, _) = page(&all, Some(&token), 100);
        assert_eq!(sequences(&got), vec![6]);
        let (fresh, _) = page(&all, None, 100);
        assert_eq!(sequences(&fresh), vec![1, 2, 3, 5, 6]);
    }

    #[test]
    fn deleting_the_newest_message_keeps_the_reader_position() {
        let mut all = chat(1..=3);
        let (_, token) = page(&all, None, 100);
        all.retain(|m| m.sequence != 3);
        let (got, next) = page(&all, Some(&token), 100);
        assert!(got.is_empty());
        assert_eq!(next, token);
    }

    #[test]
    fn max_zero_is_treated_as_one_rather_than_an_empty_page() {
        let all = chat(1..=3);
        let (got, _) = page(&all, None, 0);
        assert_eq!(sequences(&got), vec![3]);
    }

    #[test]
    fn a_token_round_trips_for_its_chat() {
        let token = PageToken { sequence: 42 };
        let wire = token.encode(KEY, "chat-1");
        assert_eq!(PageToken::decode(&wire, KEY, "chat-1"), Ok(token));
        assert!(
            wire.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
    }

    #[test]
    fn a_token_of_another_chat_is_refused() {
        let wire = PageToken { sequence: 42 }.encode(KEY, "chat-1");
        assert_eq!(
            PageToken::decode(&wire, KEY, "chat-2"),
            Err(ChatError::InvalidPageToken)
        );
    }

    #[test]
    fn a_token_under_another_key_is_refused() {
        let wire = PageToken { sequence: 42 }.encode(b"another key", "chat-1");
        assert_eq!(
            PageToken::decode(&wire, KEY, "chat-1"),
            Err(ChatError::InvalidPageToken)
        );
    }

    #[test]
    fn a_token_altered_in_any_byte_is_refused() {
        let wire = PageToken { sequence: 42 }.encode(KEY, "chat-1");
        let bytes = URL_SAFE_NO_PAD.decode(&wire).unwrap_or_default();
        assert_eq!(bytes.len(), TOKEN_LEN);
        for i in 0..bytes.len() {
            let mut forged = bytes.clone();
            forged[i] ^= 0x01;
            let forged = URL_SAFE_NO_PAD.encode(forged);
            assert_eq!(
                PageToken::decode(&forged, KEY, "chat-1"),
                Err(ChatError::InvalidPageToken),
                "byte {i}"
            );
        }
    }

    #[test]
    fn a_made_up_or_truncated_token_is_refused() {
        let wire = PageToken { sequence: 42 }.encode(KEY, "chat-1");
        for bad in [
            "",
            "not base64!",
            "AAAA",
            &wire[..wire.len() - 2],
            &format!("{wire}AA"),
        ] {
            assert_eq!(
                PageToken::decode(bad, KEY, "chat-1"),
                Err(ChatError::InvalidPageToken),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_token_of_another_version_is_refused() {
        let wire = PageToken { sequence: 42 }.encode(KEY, "chat-1");
        let mut bytes = URL_SAFE_NO_PAD.decode(&wire).unwrap_or_default();
        bytes[0] = 2;
        assert_eq!(
            PageToken::decode(&URL_SAFE_NO_PAD.encode(bytes), KEY, "chat-1"),
            Err(ChatError::InvalidPageToken)
        );
    }
}
