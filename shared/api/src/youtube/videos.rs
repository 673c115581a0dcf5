//! `GET /youtube/v3/videos` (`videos.list`) for the videos of the caller's broadcasts.
//!
//! Parameters (decision, README): `part` and `id` (the only filter: `chart` and `myRating` list
//! videos onair does not have), `maxResults` (checked, unused with `id`, as on YouTube), `pageToken`
//! (an `id` list has one page: only an empty token passes) and `hl` (accepted; onair has no
//! localizations). The rest — `chart`, `myRating`, `maxHeight`, `maxWidth`, `regionCode`,
//! `videoCategoryId`, `locale`, `id` with anything else, and content-owner delegation
//! (`onBehalfOfContentOwner`) — is `400 unexpectedParameter`, as on every YouTube route.

use super::auth::{Need, YouTubeCaller};
use super::params::Query;
use super::reply::Resource;
use crate::error::GoogleError;
use axum::extract::{RawQuery, State};
use onair_app::AppState;
use onair_app::lifecycle::videos::{self, VideoListQuery};

/// `GET /youtube/v3/videos` (`videos.list`).
pub async fn list(
    State(state): State<AppState>,
    caller: YouTubeCaller,
    RawQuery(raw): RawQuery,
) -> Result<Resource, GoogleError> {
    let user = caller.require(Need::ReadVideos)?;
    let q = Query::parse(raw.as_deref(), &["part", "id", "maxResults", "pageToken", "hl"])?;
    let query = VideoListQuery {
        part: q.owned("part"),
        id: q.owned("id"),
        max_results: q.owned("maxResults"),
        page_token: q.owned("pageToken"),
    };
    Ok(Resource(videos::list(&state, user, &query).await?))
}
