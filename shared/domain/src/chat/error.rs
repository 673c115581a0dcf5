//! Chat refusals, each with the `reason` string both faces put on the wire.
//!
//! YouTube's `liveChatMessages.insert` documents `messageTextRequired` and `messageTextInvalid` for the
//! text and `rateLimitExceeded` for a too-fast author; the variants here are finer (an over-long text and a
//! control character are told apart for tests and logs) but map onto those documented reasons, so the
//! YouTube face renders exactly what google-api-python-client expects and the PRISM face reuses the same
//! strings in its envelope. Reasons YouTube does not document for a case are onair's choice and say so.

use std::time::Duration;

/// Why a chat operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChatError {
    /// The text is missing or only whitespace.
    #[error("the message text is required")]
    TextRequired,
    /// The trimmed text has more than [`super::message::MAX_TEXT_CHARS`] characters.
    #[error("the message text has {chars} characters, more than {max}")]
    TextTooLong {
        /// Characters (Unicode scalar values) after trimming.
        chars: usize,
        /// The limit.
        max: usize,
    },
    /// The text holds a control character (refused, never stripped).
    #[error("the message text holds a control character")]
    TextControlCharacter,
    /// The author posted too fast; may retry after the given time.
    #[error("too many messages; retry after {0:?}")]
    RateLimited(Duration),
    /// `maxResults` is negative.
    #[error("maxResults must not be negative")]
    InvalidMaxResults,
    /// The page token was not issued by this server for this chat, or was altered.
    #[error("the page token is invalid")]
    InvalidPageToken,
    /// The author is banned from this chat.
    #[error("the author is banned from this chat")]
    Banned,
    /// A timed ban's duration is not within 1..=[`super::ban::MAX_BAN_SECONDS`] seconds.
    #[error("banTime must be between 1 and {max} seconds")]
    InvalidBanTime {
        /// The largest accepted duration in seconds.
        max: u64,
    },
    /// The live has ended: its chat is read-only (inserts refused, history readable).
    #[error("the live chat has ended")]
    Ended,
    /// No such chat, or not one the caller may see.
    #[error("the live chat was not found")]
    NotFound,
    /// The actor is neither the live's owner nor one of its moderators, or targets someone it may not.
    #[error("not allowed to moderate this chat")]
    NotAllowed,
}

impl ChatError {
    /// The `reason` string of the error envelope, as YouTube spells it where YouTube documents one.
    pub fn reason(&self) -> &'static str {
        match self {
            ChatError::TextRequired => "messageTextRequired",
            ChatError::TextTooLong { .. } | ChatError::TextControlCharacter => "messageTextInvalid",
            ChatError::RateLimited(_) => "rateLimitExceeded",
            ChatError::InvalidMaxResults => "invalidValue",
            ChatError::InvalidPageToken => "invalidPageToken",
            // YouTube documents no dedicated reason for a banned author; `forbidden` is its generic one.
            ChatError::Banned => "forbidden",
            // onair's name: YouTube documents no reason for an out-of-range ban duration.
            ChatError::InvalidBanTime { .. } => "invalidBanTime",
            ChatError::NotAllowed => "forbidden",
            ChatError::Ended => "liveChatEnded",
            ChatError::NotFound => "liveChatNotFound",
        }
    }

    /// The HTTP status both faces answer with.
    pub fn code(&self) -> u16 {
        match self {
            ChatError::TextRequired
            | ChatError::TextTooLong { .. }
            | ChatError::TextControlCharacter
            | ChatError::InvalidMaxResults
            | ChatError::InvalidPageToken
            | ChatError::InvalidBanTime { .. } => 400,
            // Google renders `rateLimitExceeded` with 403 (spec §2.5 convention used by lifecycle).
            ChatError::RateLimited(_) | ChatError::Banned | ChatError::NotAllowed | ChatError::Ended => 403,
            ChatError::NotFound => 404,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_refusals_use_youtube_documented_reasons() {
        assert_eq!(ChatError::TextRequired.reason(), "messageTextRequired");
        assert_eq!(
            ChatError::TextTooLong { chars: 201, max: 200 }.reason(),
            "messageTextInvalid"
        );
        assert_eq!(ChatError::TextControlCharacter.reason(), "messageTextInvalid");
        assert_eq!(
            ChatError::RateLimited(Duration::from_secs(1)).reason(),
            "rateLimitExceeded"
        );
    }

    #[test]
    fn chat_state_refusals_use_youtube_documented_reasons() {
        assert_eq!(ChatError::Ended.reason(), "liveChatEnded");
        assert_eq!(ChatError::NotFound.reason(), "liveChatNotFound");
    }

    #[test]
    fn paging_refusals_use_the_data_api_parameter_reasons() {
        assert_eq!(ChatError::InvalidMaxResults.reason(), "invalidValue");
        assert_eq!(ChatError::InvalidPageToken.reason(), "invalidPageToken");
    }

    #[test]
    fn bad_input_is_400_and_refused_permission_is_403() {
        assert_eq!(ChatError::TextRequired.code(), 400);
        assert_eq!(ChatError::InvalidPageToken.code(), 400);
        assert_eq!(ChatError::InvalidBanTime { max: 1 }.code(), 400);
        assert_eq!(ChatError::Banned.code(), 403);
        assert_eq!(ChatError::NotAllowed.code(), 403);
        assert_eq!(ChatError::RateLimited(Duration::ZERO).code(), 403);
        assert_eq!(ChatError::Ended.code(), 403);
        assert_eq!(ChatError::NotFound.code(), 404);
    }
}
