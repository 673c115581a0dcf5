//! Request extractors that turn every kind of bad input into the surface's error type.
//!
//! axum's own extractors answer rejections with plain-text bodies; these wrap them so a malformed
//! body, a wrong type, an unknown field or an oversized body all come back as the admin API's JSON
//! error with a message that names the problem.

use crate::error::AdminError;
use axum::body::Bytes;
use axum::extract::path::ErrorKind;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::http::request::Parts;
use onair_domain::PageRequest;
use onair_domain::page::{DEFAULT_PAGE, MAX_PAGE};
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// Largest request body any route accepts.
pub const MAX_BODY: usize = 64 * 1024;

/// A JSON body for the admin API.
#[derive(Debug)]
pub struct AdminJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for AdminJson<T> {
    type Rejection = AdminError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(AdminError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AdminError::TooLarge
            } else {
                AdminError::Malformed(rejection.body_text())
            }
        })?;
        // Every admin body is an object; `null`, arrays and scalars are refused before serde, which would
        // otherwise read `null` as "all fields absent" for structs whose fields all have defaults.
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return Err(AdminError::Malformed(
                "invalid JSON body: expected a JSON object".into(),
            ));
        }
        serde_json::from_slice(&bytes)
            .map(AdminJson)
            .map_err(|e| AdminError::Malformed(format!("invalid JSON body: {e}")))
    }
}

/// Path parameters of the admin API. axum's `Path` answers a segment that is not UTF-8 once
/// percent-decoded (`/admin/clients/%FF`) with a plain-text 400; no such segment can be an id, so it
/// is the admin API's JSON 404 instead.
#[derive(Debug)]
pub struct AdminPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for AdminPath<T> {
    type Rejection = AdminError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(AdminPath(value)),
            Err(PathRejection::FailedToDeserializePathParams(e))
                if matches!(e.kind(), ErrorKind::InvalidUtf8InPathParam { .. }) =>
            {
                Err(AdminError::NoRoute)
            }
            // Anything else means the route and the handler disagree about the parameters: a bug.
            Err(rejection) => Err(AdminError::Internal(rejection.body_text())),
        }
    }
}

/// `?limit=&pageToken=` of list routes.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PageQuery {
    limit: Option<String>,
    page_token: Option<String>,
}

/// A validated page request from the query string.
#[derive(Debug)]
pub struct AdminPage(pub PageRequest);

impl<S: Send + Sync> FromRequestParts<S> for AdminPage {
    type Rejection = AdminError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let q: PageQuery = serde_urlencoded::from_str(query)
            .map_err(|e| AdminError::Malformed(format!("invalid query: {e}")))?;
        page_request(q.limit, q.page_token).map(AdminPage)
    }
}

/// A validated page request from raw `limit` and `pageToken` query values.
pub fn page_request(limit: Option<String>, token: Option<String>) -> Result<PageRequest, AdminError> {
    let limit = match limit {
        None => DEFAULT_PAGE,
        Some(raw) => match raw.parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
            _ => {
                return Err(AdminError::Invalid(onair_domain::Violations::one(
                    "limit",
                    format!("must be an integer from 1 to {MAX_PAGE}"),
                )));
            }
        },
    };
    Ok(PageRequest {
        limit,
        token: token.filter(|t| !t.is_empty()),
    })
}

/// Deserialises an optional PATCH field that cannot be cleared: absent means "unchanged", but an
/// explicit `null` is a type error rather than being silently ignored.
pub fn not_null<'de, D, T>(de: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(de).map(Some)
}

/// Deserialises a field that distinguishes "absent" (`None`) from "null" (`Some(None)`), for PATCH
/// bodies where null clears an optional field.
pub fn nullable<'de, D, T>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}

/// A JSON body that may be left out entirely (no body, no content type), meaning `T::default()`.
#[derive(Debug)]
pub struct AdminJsonOrEmpty<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for AdminJsonOrEmpty<T> {
    type Rejection = AdminError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let declared_empty = !req.headers().contains_key(CONTENT_TYPE)
            && req
                .headers()
                .get(axum::http::header::CONTENT_LENGTH)
                .is_none_or(|v| v.as_bytes() == b"0");
        if declared_empty {
            let (_, body) = req.into_parts();
            let bytes = axum::body::to_bytes(body, MAX_BODY)
                .await
                .map_err(|_| AdminError::TooLarge)?;
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(Self(T::default()));
            }
            return Err(AdminError::UnsupportedMediaType);
        }
        AdminJson::from_request(req, state)
            .await
            .map(|AdminJson(v)| Self(v))
    }
}

/// The credentials after `scheme` in an `Authorization` value; the scheme name is case-insensitive
/// (RFC 9110 §11.1).
pub fn credentials_of<'a>(value: &'a str, scheme: &str) -> Option<&'a str> {
    let (name, rest) = value.split_once(' ')?;
    name.eq_ignore_ascii_case(scheme).then_some(rest)
}
