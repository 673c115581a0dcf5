//! Content ID use cases (spec §12): who may act for a content owner, and the owner's records.
//!
//! Entitlement: a call names `onBehalfOfContentOwner`; a token WITH a scope must carry
//! `youtubepartner` (short form or Google's URL), and any token may act only for an owner that exists
//! and links at least one channel owned by the caller. An unknown owner and an owner the caller is not
//! entitled to get the SAME `403 forbidden`, so owner ids cannot be probed. The owner record is read
//! together with the records a call needs in one request ([`entitled_with`]); every write carries the
//! entitling link as a [`LinkGuard`], so an unlink that lands first makes the write change nothing.

pub mod ad_options;
pub mod claims;
pub mod owners;
pub mod partner;
pub mod records;
pub mod references;

use crate::AppError;
use crate::state::AppState;
use onair_domain::UserId;
use onair_domain::content_id::ContentOwner;
use onair_domain::lifecycle::error::{ErrorDomain, LifecycleError, Reason};
use onair_store::{LinkGuard, OwnerView, StoreError, StoredRecord, StoredVideo, VideoView, WriteError};

/// Google's prefix of scope URLs.
const SCOPE_URL: &str = "https://www.googleapis.com/auth/";

/// Longest content owner id accepted (longer ones cannot exist: ids are generated).
const MAX_OWNER_ID: usize = 128;

/// Whether a token's `scope` lets it call the Content ID API: no scope (a first-party token acting
/// for its own user), or a scope list containing `youtubepartner`.
pub fn scope_allows(scope: Option<&str>) -> bool {
    match scope.map(str::trim).filter(|s| !s.is_empty()) {
        None => true,
        Some(scope) => scope
            .split(' ')
            .any(|s| s.strip_prefix(SCOPE_URL).unwrap_or(s) == "youtubepartner"),
    }
}

/// The refusal of an owner the caller may not act for (unknown owners alike).
pub fn forbidden() -> AppError {
    LifecycleError::new(
        ErrorDomain::Global,
        Reason::Forbidden,
        "The authenticated user cannot act on behalf of the specified content owner.",
    )
    .into()
}

/// The acting owner and the link that entitles the caller.
#[derive(Debug, Clone)]
pub struct Entitlement {
    /// The owner with the records read alongside it.
    pub view: OwnerView,
    /// The link every write of this call must still find.
    pub guard: LinkGuard,
}

impl Entitlement {
    /// The owner record.
    pub fn owner(&self) -> &ContentOwner {
        &self.view.owner.owner
    }
}

/// Checks the scope and the owner parameter before any read.
pub fn precheck(scope: Option<&str>, owner_id: Option<&str>) -> Result<String, AppError> {
    if !scope_allows(scope) {
        return Err(LifecycleError::new(
            ErrorDomain::Global,
            Reason::InsufficientPermissions,
            "Request had insufficient authentication scopes: youtubepartner is required.",
        )
        .into());
    }
    let owner_id = owner_id.map(str::trim).unwrap_or_default();
    if owner_id.is_empty() {
        return Err(LifecycleError::new(
            ErrorDomain::Global,
            Reason::Required,
            "Required parameter: onBehalfOfContentOwner",
        )
        .into());
    }
    let well_formed = owner_id.len() <= MAX_OWNER_ID
        && owner_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !well_formed {
        return Err(forbidden());
    }
    Ok(owner_id.to_owned())
}

/// The entitlement decided on an owner view as read (`None`: no such owner).
pub fn decide(view: Option<OwnerView>, user: &UserId) -> Result<Entitlement, AppError> {
    let view = view.ok_or_else(forbidden)?;
    let channel = view
        .owner
        .owner
        .entitling_channel(user)
        .ok_or_else(forbidden)?
        .to_owned();
    Ok(Entitlement {
        guard: LinkGuard {
            channel_id: channel,
            user_id: user.as_str().to_owned(),
        },
        view,
    })
}

/// Checks scope and entitlement, reading the owner together with the records under `sks` in one
/// request. Returns the owner, the records found and the link guard.
pub async fn entitled_with(
    state: &AppState,
    user: &UserId,
    scope: Option<&str>,
    owner_id: Option<&str>,
    sks: &[String],
) -> Result<Entitlement, AppError> {
    let owner_id = precheck(scope, owner_id)?;
    let view = state.content_ids.get_with(&owner_id, sks).await?;
    decide(view, user)
}

/// [`entitled_with`], reading also the video's shared partition (its claim holder and the records
/// under `video_sks`) in the same request.
pub async fn entitled_with_video(
    state: &AppState,
    acting: &partner::Acting<'_>,
    video_key: &str,
    video_sks: &[String],
) -> Result<(Entitlement, VideoView), AppError> {
    let owner_id = precheck(acting.scope, acting.owner)?;
    let (view, video) = state
        .content_ids
        .get_with_video(&owner_id, &[], video_key, video_sks)
        .await?;
    Ok((decide(view, acting.user)?, video))
}

/// The acting owner's record `sk_of(id)`, read with the entitlement (and the records under `extra`)
/// in one request. The entitlement is decided before the id is judged, so an unentitled caller learns
/// nothing; a malformed id is never made into a storage key, and it, an unknown id and another
/// owner's id are the same `404 notFound` (`what` names the resource).
pub async fn owned_record(
    state: &AppState,
    acting: &partner::Acting<'_>,
    (param, id, sk_of): (&str, &str, fn(&str) -> String),
    what: &str,
    extra: &[String],
) -> Result<(Entitlement, StoredRecord), AppError> {
    let valid = partner::id_param(param, id).is_ok();
    let sk = sk_of(id);
    let mut sks = if valid { vec![sk.clone()] } else { Vec::new() };
    sks.extend(extra.iter().cloned());
    let ent = entitled_with(state, acting.user, acting.scope, acting.owner, &sks).await?;
    if !valid {
        return Err(not_found(what));
    }
    let record = ent.view.record(&sk).cloned().ok_or_else(|| not_found(what))?;
    Ok((ent, record))
}

/// The caller's broadcast `video_id` as a video, on a channel the acting owner links for the caller.
/// Videos are addressed through their owning user and the entitling link is the caller's, so another
/// user's broadcast — even on a linked channel — an unlinked channel's and an unknown id are all
/// `404 notFound`. One read.
pub async fn linked_video(
    state: &AppState,
    ent: &Entitlement,
    user: &UserId,
    video_id: &str,
) -> Result<StoredVideo, AppError> {
    let video = match state.videos.get(user, video_id).await {
        Ok(video) => video,
        Err(StoreError::NotFound) => return Err(not_found("video")),
        Err(err) => return Err(err.into()),
    };
    let channel = video.broadcast.broadcast.snippet.channel_id.as_str();
    if ent.owner().channels.get(channel).map(String::as_str) != Some(user.as_str()) {
        return Err(not_found("video"));
    }
    Ok(video)
}

/// Checks scope and entitlement and answers the owner (one read). Part 2 reuses it.
pub async fn entitled(
    state: &AppState,
    user: &UserId,
    scope: Option<&str>,
    owner_id: Option<&str>,
) -> Result<ContentOwner, AppError> {
    Ok(entitled_with(state, user, scope, owner_id, &[])
        .await?
        .view
        .owner
        .owner)
}

/// The application error of a failed guarded write.
pub fn write_error(err: WriteError) -> AppError {
    match err {
        WriteError::Unlinked => forbidden(),
        WriteError::Conflict(why) => AppError::Lifecycle(LifecycleError::new(
            ErrorDomain::Global,
            Reason::Conflict,
            format!("The resource was changed concurrently ({why}); read it again."),
        )),
        WriteError::Missing => not_found("resource"),
        WriteError::Taken => AppError::Lifecycle(LifecycleError::new(
            ErrorDomain::Global,
            Reason::AlreadyClaimed,
            "The video already has an active claim.",
        )),
        WriteError::BroadcastMoved => AppError::Lifecycle(LifecycleError::new(
            ErrorDomain::Global,
            Reason::Conflict,
            "The broadcast was changed concurrently; read it again.",
        )),
        WriteError::Store(err) => err.into(),
    }
}

/// `404 notFound` for a resource of the acting owner that does not exist (another owner's alike).
pub fn not_found(what: &str) -> AppError {
    LifecycleError::new(
        ErrorDomain::Global,
        Reason::NotFound,
        format!("The {what} was not found."),
    )
    .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_need_youtubepartner_in_either_form() {
        assert!(scope_allows(None));
        assert!(scope_allows(Some("")));
        assert!(scope_allows(Some("youtube youtubepartner")));
        assert!(scope_allows(Some(
            "https://www.googleapis.com/auth/youtubepartner"
        )));
        assert!(!scope_allows(Some("youtube")));
        assert!(!scope_allows(Some("youtubepartner-channel-audit")));
    }

    #[test]
    fn a_missing_owner_is_required_and_a_malformed_one_forbidden() {
        let reason = |r: Result<String, AppError>| match r {
            Err(AppError::Lifecycle(e)) => Some(e.reason),
            _ => None,
        };
        assert_eq!(reason(precheck(None, None)), Some(Reason::Required));
        assert_eq!(reason(precheck(None, Some(" "))), Some(Reason::Required));
        assert_eq!(reason(precheck(None, Some("a/b"))), Some(Reason::Forbidden));
        assert_eq!(
            reason(precheck(Some("youtube"), Some("x"))),
            Some(Reason::InsufficientPermissions)
        );
        assert!(precheck(None, Some("owner_1")).is_ok());
    }
}
