//! Bans per (chat, user), and who may moderate whom.
//!
//! A ban is permanent (PRISM O4, YouTube `permanent`) or lasts until an instant (PRISM O5 `timedBan`,
//! YouTube `temporary`); a timed ban lifts by itself when `now >= until`, with no write. Unban (O6,
//! `liveChatBans.delete`) removes the record. A new ban replaces the previous one for the same user:
//! the latest moderator decision wins, so a timed ban can shorten a permanent one.
//!
//! Moderation rules (the spec says only "owner or moderator"; the rest is decided here):
//! - the live's owner and its moderators may delete others' messages and ban or unban; an author may
//!   always delete its own message;
//! - nobody may ban the owner, and a moderator may not ban or unban another moderator (or itself) —
//!   moderators answer to the owner, as on YouTube, so only the owner may act on a moderator;
//! - only the owner grants or revokes moderator status (O7/O8, `liveChatModerators`), and the owner
//!   cannot be made a moderator of its own live (it already has every right).

use time::OffsetDateTime;

use super::error::ChatError;

/// Longest timed ban, in seconds (30 days); longer is refused rather than clamped, and a permanent ban
/// says the same thing explicitly.
pub const MAX_BAN_SECONDS: u64 = 30 * 24 * 60 * 60;

/// A user's ban from one chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ban {
    /// Banned until unbanned.
    Permanent,
    /// Banned until this instant (exclusive: at `until` the user may post again).
    Until(OffsetDateTime),
}

/// A timed ban of `ban_time` seconds from `now`: it must be present, > 0 and ≤ [`MAX_BAN_SECONDS`].
pub fn timed_ban(ban_time: Option<i64>, now: OffsetDateTime) -> Result<Ban, ChatError> {
    let refused = ChatError::InvalidBanTime { max: MAX_BAN_SECONDS };
    let seconds = ban_time.ok_or(refused.clone())?;
    if seconds <= 0 || seconds.unsigned_abs() > MAX_BAN_SECONDS {
        return Err(refused);
    }
    let until = now.checked_add(time::Duration::seconds(seconds)).ok_or(refused)?;
    Ok(Ban::Until(until))
}

/// Whether `ban` (the stored record, if any) keeps the user from posting at `now`.
pub fn is_banned(ban: Option<&Ban>, now: OffsetDateTime) -> bool {
    match ban {
        None => false,
        Some(Ban::Permanent) => true,
        Some(Ban::Until(until)) => now < *until,
    }
}

/// Whether `actor` may moderate the chat: the live's owner or one of its moderators.
pub fn may_moderate(actor: &str, owner: &str, moderators: &[&str]) -> bool {
    actor == owner || moderators.contains(&actor)
}

/// Whether `actor` may ban or unban `target` (and delete `target`'s messages) in the chat.
pub fn may_act_on(actor: &str, target: &str, owner: &str, moderators: &[&str]) -> Result<(), ChatError> {
    if !may_moderate(actor, owner, moderators) || target == owner {
        return Err(ChatError::NotAllowed);
    }
    if actor != owner && moderators.contains(&target) {
        return Err(ChatError::NotAllowed);
    }
    Ok(())
}

/// Whether `actor` may delete a message written by `author`: its author always; otherwise whoever may
/// act on the author (so a moderator may not delete the owner's or another moderator's messages).
pub fn may_delete_message(
    actor: &str,
    author: &str,
    owner: &str,
    moderators: &[&str],
) -> Result<(), ChatError> {
    if actor == author {
        return Ok(());
    }
    may_act_on(actor, author, owner, moderators)
}

/// Whether `actor` may grant or revoke moderator status to `target`: only the owner, never on itself.
pub fn may_manage_moderators(actor: &str, target: &str, owner: &str) -> Result<(), ChatError> {
    if actor != owner || target == owner {
        return Err(ChatError::NotAllowed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2026-11-30 08:00 UTC);

    #[test]
    fn no_ban_record_means_not_banned() {
        assert!(!is_banned(None, T0));
    }

    #[test]
    fn a_permanent_ban_never_lifts_by_itself() {
        assert!(is_banned(Some(&Ban::Permanent), T0));
        assert!(is_banned(Some(&Ban::Permanent), T0 + time::Duration::days(3650)));
    }

    #[test]
    fn a_timed_ban_holds_until_its_end_and_lifts_at_it() {
        let ban = timed_ban(Some(60), T0);
        assert_eq!(ban, Ok(Ban::Until(T0 + time::Duration::seconds(60))));
        let ban = ban.ok();
        assert!(is_banned(ban.as_ref(), T0));
        assert!(is_banned(ban.as_ref(), T0 + time::Duration::seconds(59)));
        assert!(!is_banned(ban.as_ref(), T0 + time::Duration::seconds(60)));
        assert!(!is_banned(ban.as_ref(), T0 + time::Duration::days(1)));
    }

    #[test]
    fn ban_time_zero_negative_or_missing_is_refused() {
        for bad in [Some(0), Some(-1), Some(i64::MIN), None] {
            assert_eq!(
                timed_ban(bad, T0),
                Err(ChatError::InvalidBanTime { max: MAX_BAN_SECONDS }),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn ban_time_is_bounded_at_thirty_days() {
        let max = i64::try_from(MAX_BAN_SECONDS).unwrap_or(i64::MAX);
        assert_eq!(
            timed_ban(Some(max), T0),
            Ok(Ban::Until(T0 + time::Duration::days(30)))
        );
        assert!(timed_ban(Some(max + 1), T0).is_err());
        assert!(timed_ban(Some(i64::MAX), T0).is_err());
    }

    #[test]
    fn the_owner_and_moderators_may_moderate_and_others_may_not() {
        let mods = ["m1", "m2"];
        assert!(may_moderate("owner", "owner", &mods));
        assert!(may_moderate("m2", "owner", &mods));
        assert!(!may_moderate("viewer", "owner", &mods));
        assert!(!may_moderate("viewer", "owner", &[]));
    }

    #[test]
    fn a_non_moderator_may_not_ban_anyone() {
        assert_eq!(
            may_act_on("viewer", "other", "owner", &["m1"]),
            Err(ChatError::NotAllowed)
        );
    }

    #[test]
    fn the_owner_and_moderators_may_ban_viewers() {
        assert_eq!(may_act_on("owner", "viewer", "owner", &["m1"]), Ok(()));
        assert_eq!(may_act_on("m1", "viewer", "owner", &["m1"]), Ok(()));
    }

    #[test]
    fn nobody_may_ban_the_owner() {
        assert_eq!(
            may_act_on("m1", "owner", "owner", &["m1"]),
            Err(ChatError::NotAllowed)
        );
        assert_eq!(
            may_act_on("owner", "owner", "owner", &["m1"]),
            Err(ChatError::NotAllowed)
        );
    }

    #[test]
    fn a_moderator_may_not_ban_another_moderator_or_itself_but_the_owner_may() {
        let mods = ["m1", "m2"];
        assert_eq!(may_act_on("m1", "m2", "owner", &mods), Err(ChatError::NotAllowed));
        assert_eq!(may_act_on("m1", "m1", "owner", &mods), Err(ChatError::NotAllowed));
        assert_eq!(may_act_on("owner", "m2", "owner", &mods), Ok(()));
    }

    #[test]
    fn an_author_may_delete_its_own_message_and_a_viewer_not_anothers() {
        assert_eq!(may_delete_message("viewer", "viewer", "owner", &[]), Ok(()));
        assert_eq!(
            may_delete_message("viewer", "other", "owner", &[]),
            Err(ChatError::NotAllowed)
        );
    }

    #[test]
    fn moderators_delete_viewers_messages_but_not_the_owners() {
        let mods = ["m1"];
        assert_eq!(may_delete_message("m1", "viewer", "owner", &mods), Ok(()));
        assert_eq!(may_delete_message("owner", "m1", "owner", &mods), Ok(()));
        assert_eq!(
            may_delete_message("m1", "owner", "owner", &mods),
            Err(ChatError::NotAllowed)
        );
    }

    #[test]
    fn only_the_owner_grants_or_revokes_moderators_and_never_to_itself() {
        assert_eq!(may_manage_moderators("owner", "viewer", "owner"), Ok(()));
        assert_eq!(
            may_manage_moderators("m1", "viewer", "owner"),
            Err(ChatError::NotAllowed)
        );
        assert_eq!(
            may_manage_moderators("owner", "owner", "owner"),
            Err(ChatError::NotAllowed)
        );
    }
}
