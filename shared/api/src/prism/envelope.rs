//! PRISM's success envelope: `{"success": true, "errorCode": 0, "errorName": null, "message": null,
//! "data": …}`.

use axum::Json;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// A successful PRISM reply.
#[derive(Debug)]
pub struct Envelope(pub Value);

impl IntoResponse for Envelope {
    fn into_response(self) -> Response {
        let body =
            json!({ "success": true, "errorCode": 0, "errorName": null, "message": null, "data": self.0 });
        let mut response = Json(body).into_response();
        // Per-user data behind a bearer token: never cached by intermediaries.
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}
