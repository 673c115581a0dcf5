//! Admin routes for users (streamers): create with a password, get, update (profile, password,
//! disable/enable; disabling ends their on-air lives and broadcasts, [`onair_app::live_end`]) and
//! delete (which removes their channels with them).

use super::views::UserView;
use super::{check_expected, path_id};
use crate::error::AdminError;
use crate::extract::{AdminJson, AdminPath, not_null, nullable};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use onair_app::AppError;
use onair_app::AppState;
use onair_app::error::StoreResult;
use onair_app::live_end;
use onair_domain::user::{self, MAX_USER_NAME, User};
use onair_domain::{SecretString, UserId, Violations};
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

/// Body of `POST /admin/users`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateUser {
    login: String,
    #[schema(value_type = String, format = Password)]
    password: SecretString,
    user_name: String,
    profile_thumbnail: Option<String>,
}

/// Hashes on the process's hashing pool (argon2id is deliberately slow and large): when the pool stays
/// busy past its wait, the write is refused as unavailable (503, retry later).
async fn hash(s: &AppState, password: SecretString) -> Result<SecretString, AdminError> {
    s.hashing
        .hash(password, s.generator.salt())
        .await
        .map_err(|e| AdminError::from(AppError::from(e)))
}

/// `POST /admin/users`: creates a streamer account.
pub async fn create(
    State(s): State<AppState>,
    AdminJson(body): AdminJson<CreateUser>,
) -> Result<(StatusCode, Json<Value>), AdminError> {
    let mut v = Violations::default();
    user::check_login(&mut v, "login", &body.login);
    user::check_password(&mut v, "password", body.password.expose());
    v.text("userName", &body.user_name, MAX_USER_NAME);
    if let Some(url) = &body.profile_thumbnail {
        v.web_url("profileThumbnail", url);
    }
    v.finish(())?;
    let id = UserId::parse(&s.generator.id())
        .ok_or_else(|| AdminError::Internal("generated an invalid id".into()))?;
    let now = s.clock.now();
    let record = User {
        id,
        login: user::normalize_login(&body.login),
        user_name: body.user_name.trim().to_owned(),
        profile_thumbnail: body.profile_thumbnail,
        password_hash: Some(hash(&s, body.password).await?),
        disabled: false,
        created_at: now,
        modified_at: now,
        version: 1,
    };
    s.users.create(&record).await.what("user")?;
    tracing::info!(user_id = %record.id, "user created");
    Ok((StatusCode::CREATED, Json(json!(UserView::from(&record)))))
}

/// `GET /admin/users/{userId}`.
pub async fn get(
    State(s): State<AppState>,
    AdminPath(id): AdminPath<String>,
) -> Result<Json<Value>, AdminError> {
    let id = path_id(&id, UserId::parse, "user")?;
    let user = s.users.get(&id).await.what("user")?;
    Ok(Json(json!(UserView::from(&user))))
}

/// Body of `PATCH /admin/users/{userId}`; `profileThumbnail: null` clears it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateUser {
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = String, required = false)]
    user_name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, required = false)]
    profile_thumbnail: Option<Option<String>>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = bool, required = false)]
    disabled: Option<bool>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = String, format = Password, required = false)]
    password: Option<SecretString>,
    #[serde(default, deserialize_with = "not_null")]
    #[schema(value_type = u64, required = false)]
    expected_version: Option<u64>,
}

/// `PATCH /admin/users/{userId}`: profile, password, disable/enable.
pub async fn update(
    State(s): State<AppState>,
    AdminPath(id): AdminPath<String>,
    AdminJson(body): AdminJson<UpdateUser>,
) -> Result<Json<Value>, AdminError> {
    let id = path_id(&id, UserId::parse, "user")?;
    let mut v = Violations::default();
    if let Some(name) = &body.user_name {
        v.text("userName", name, MAX_USER_NAME);
    }
    if let Some(Some(url)) = &body.profile_thumbnail {
        v.web_url("profileThumbnail", url);
    }
    if let Some(password) = &body.password {
        user::check_password(&mut v, "password", password.expose());
    }
    if body.user_name.is_none()
        && body.profile_thumbnail.is_none()
        && body.disabled.is_none()
        && body.password.is_none()
    {
        v.add(
            "body",
            "must change at least one of userName, profileThumbnail, disabled, password",
        );
    }
    v.finish(())?;
    let current = s.users.get(&id).await.what("user")?;
    let expected = check_expected(body.expected_version, current.version)?;
    let password_hash = match body.password {
        Some(p) => Some(hash(&s, p).await?),
        None => current.password_hash.clone(),
    };
    let updated = User {
        user_name: body
            .user_name
            .map(|n| n.trim().to_owned())
            .unwrap_or_else(|| current.user_name.clone()),
        profile_thumbnail: body
            .profile_thumbnail
            .unwrap_or_else(|| current.profile_thumbnail.clone()),
        disabled: body.disabled.unwrap_or(current.disabled),
        password_hash,
        modified_at: s.clock.now(),
        version: expected + 1,
        ..current
    };
    s.users.update(&updated, expected).await.what("user")?;
    tracing::info!(user_id = %id, disabled = updated.disabled, "user updated");
    if updated.disabled {
        // As for a channel: after the write, idempotent, so a retried PATCH finishes the job.
        let ended = live_end::end_user(&s, &id).await?;
        tracing::info!(user_id = %id, lives = ended.lives, broadcasts = ended.broadcasts, "user disabled; their on-air broadcasts ended");
    }
    Ok(Json(json!(UserView::from(&updated))))
}

/// `DELETE /admin/users/{userId}`: removes the user and every channel they own.
pub async fn delete(
    State(s): State<AppState>,
    AdminPath(id): AdminPath<String>,
) -> Result<StatusCode, AdminError> {
    let id = path_id(&id, UserId::parse, "user")?;
    s.users.delete(&id).await.what("user")?;
    tracing::info!(user_id = %id, "user deleted");
    Ok(StatusCode::NO_CONTENT)
}
