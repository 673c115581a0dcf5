//! A chat message as stored, and the rules its text obeys.
//!
//! The record holds what is true when the message is posted. Whether the author is a moderator is NOT
//! stored: it changes after posting (mod/unmod), and `isLiveManager` must reflect the moderator set at
//! the time the chat is read, so the faces compute it when rendering. `is_live_owner` is stored because a
//! live's owner never changes.

use time::OffsetDateTime;

use super::error::ChatError;

/// Most characters (Unicode scalar values) a message may have after trimming.
pub const MAX_TEXT_CHARS: usize = 200;

/// One chat message of one live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The message id (`messageId` on PRISM, `id` on YouTube).
    pub id: String,
    /// The chat it belongs to (the live's chat id).
    pub chat_id: String,
    /// The author's user id (`authorId`, the `{userId}` of the moderation APIs).
    pub author_id: String,
    /// The author's display name at the time of posting.
    pub author_name: String,
    /// The author's avatar URL, if any.
    pub author_thumbnail: Option<String>,
    /// The validated text; HTML is kept as plain text and never interpreted.
    pub text: String,
    /// When the message was posted (from the injected clock).
    pub posted_at: OffsetDateTime,
    /// Position in the chat, strictly increasing per chat; paging cursors compare it.
    pub sequence: u64,
    /// The author is the live's owner (the streamer).
    pub is_live_owner: bool,
}

/// The text a message may carry: trimmed, 1–[`MAX_TEXT_CHARS`] characters, no control characters.
///
/// Control characters (including newlines and tabs inside the text) are refused rather than stripped,
/// so what is stored is exactly what the author sent, minus surrounding whitespace. Markup such as
/// `<b>` is ordinary text.
pub fn validate_text(raw: &str) -> Result<String, ChatError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(ChatError::TextRequired);
    }
    if text.chars().any(char::is_control) {
        return Err(ChatError::TextControlCharacter);
    }
    let chars = text.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(ChatError::TextTooLong {
            chars,
            max: MAX_TEXT_CHARS,
        });
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surrounding_whitespace_is_trimmed() {
        assert_eq!(validate_text("  hello \n"), Ok("hello".to_owned()));
    }

    #[test]
    fn empty_or_blank_text_is_required() {
        assert_eq!(validate_text(""), Err(ChatError::TextRequired));
        assert_eq!(validate_text(" \t\n "), Err(ChatError::TextRequired));
    }

    #[test]
    fn one_character_is_enough() {
        assert_eq!(validate_text("a"), Ok("a".to_owned()));
    }

    #[test]
    fn two_hundred_characters_pass_and_two_hundred_one_are_too_long() {
        let ok = "é".repeat(200);
        assert_eq!(validate_text(&ok), Ok(ok.clone()));
        assert_eq!(
            validate_text(&"é".repeat(201)),
            Err(ChatError::TextTooLong { chars: 201, max: 200 })
        );
    }

    #[test]
    fn length_counts_scalar_values_not_bytes() {
        // 200 four-byte emoji are 800 bytes but 200 characters.
        let emoji = "😀".repeat(200);
        assert!(validate_text(&emoji).is_ok());
    }

    #[test]
    fn length_is_measured_after_trimming() {
        let padded = format!("   {}   ", "x".repeat(200));
        assert_eq!(validate_text(&padded), Ok("x".repeat(200)));
    }

    #[test]
    fn control_characters_inside_are_refused_not_stripped() {
        for bad in ["a\u{0}b", "a\nb", "a\tb", "a\u{7f}b", "a\u{1b}[31mb", "a\u{85}b"] {
            assert_eq!(
                validate_text(bad),
                Err(ChatError::TextControlCharacter),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn html_is_kept_as_text() {
        let html = "<script>alert(1)</script> &amp; <b>hi</b>";
        assert_eq!(validate_text(html), Ok(html.to_owned()));
    }
}
