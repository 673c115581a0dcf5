//! `GET /admin/audit?day=YYYY-MM-DD&limit=&pageToken=`: the audit trail of one UTC day (today by
//! default), newest first.

use super::views::PageView;
use crate::error::AdminError;
use crate::extract::page_request;
use axum::Json;
use axum::extract::State;
use axum::http::Uri;
use onair_app::AppState;
use onair_app::error::StoreResult;
use onair_domain::Violations;
use onair_domain::audit::AuditEntry;
use serde::Deserialize;
use serde_json::{Value, json};
use time::Date;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

fn view(e: &AuditEntry) -> Value {
    json!({
        "id": e.id,
        "at": e.at.format(&Rfc3339).unwrap_or_default(),
        "event": e.event.as_str(),
        "userId": e.user_id.as_ref().map(|u| u.as_str()),
        "login": e.login,
        "clientId": e.client_id.as_ref().map(|c| c.as_str()),
        "ip": e.ip,
        "detail": e.detail,
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AuditQuery {
    day: Option<String>,
    limit: Option<String>,
    page_token: Option<String>,
}

/// `GET /admin/audit`.
pub async fn list(State(s): State<AppState>, uri: Uri) -> Result<Json<Value>, AdminError> {
    let q: AuditQuery = serde_urlencoded::from_str(uri.query().unwrap_or(""))
        .map_err(|e| AdminError::Malformed(format!("invalid query: {e}")))?;
    let page = page_request(q.limit, q.page_token)?;
    let day = match q.day {
        None => s.clock.now().date(),
        Some(raw) => Date::parse(&raw, format_description!("[year]-[month]-[day]"))
            .map_err(|_| AdminError::Invalid(Violations::one("day", "must be a date like 2026-11-21")))?,
    };
    let page = s.audit.list(day, &page).await.what("audit")?;
    Ok(Json(json!(PageView {
        items: page.items.iter().map(view).collect(),
        next_page_token: page.next
    })))
}
