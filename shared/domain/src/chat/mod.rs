//! Chat: one chat store, two faces (PRISM O1–O8 and YouTube `liveChatMessages`, `liveChatBans`,
//! `liveChatModerators`) — the pure rules both faces share.
//!
//! Plain data and plain functions; the store and the HTTP faces call them. Time comes in as an argument.
//!
//! Decisions where the spec (PRISM Service API §7–§8) is silent or ambiguous:
//! - **Message text field.** The PRISM message DTO has no documented text field (spec gap, §7.1 / §11
//!   #17); the DTO carries it as `message`, the name O2's send body uses. On YouTube it is
//!   `snippet.textMessageDetails.messageText` (and `snippet.displayMessage`).
//! - **Text rules** ([`message::validate_text`]): trimmed, then 1–200 Unicode scalar values, no control
//!   characters (refused, not stripped); HTML is stored and returned as text, never interpreted.
//!   Refusals use YouTube's reasons `messageTextRequired` / `messageTextInvalid` on both faces.
//! - **Moderator status is not stored on a message**: `isLiveManager` is computed when rendering from
//!   the moderator set at that time; `isLiveOwner` is stored (an owner never changes).
//! - **Ordering and paging** ([`page`](mod@page)): messages are ordered oldest → newest by a per-chat `sequence`
//!   (starting at 1, never reused); `maxResults` 0 or ≥ 100 means 100, negative is refused; no token
//!   gives the most recent `maxResults`; a token gives only newer messages, at most `maxResults`, the
//!   oldest first, and the same token when nothing is new; `messages` is `[]`, never null. The token is
//!   opaque, versioned and authenticated (HMAC under a server key, bound to the chat id): a forged,
//!   altered or other-chat token is refused. Deleted messages never reappear.
//! - **Rate limit** ([`rate`]): a token bucket per (chat, author), burst 5 then 1 message/s, answered
//!   with YouTube's `rateLimitExceeded`; a clock going backwards grants nothing.
//! - **Bans and moderators** ([`ban`]): permanent, or timed for 1 s – 30 days (`banTime` 0, negative,
//!   missing or longer is refused); a timed ban lifts by itself at its end; the newest ban replaces the
//!   previous one. Owner or moderators moderate; nobody bans the owner; moderators do not act on other
//!   moderators; only the owner grants or revokes moderators.

pub mod ban;
pub mod error;
pub mod message;
pub mod page;
pub mod rate;

pub use ban::{
    Ban, is_banned, may_act_on, may_delete_message, may_manage_moderators, may_moderate, timed_ban,
};
pub use error::ChatError;
pub use message::{MAX_TEXT_CHARS, Message, validate_text};
pub use page::{MAX_RESULTS, PageToken, normalize_max_results, page};
pub use rate::{RateLimit, RateState, RetryAfter};
