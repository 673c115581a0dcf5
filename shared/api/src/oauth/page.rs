//! Server-rendered HTML for the authorization endpoint: the login form and the error page.
//!
//! No JavaScript and no external resources — the page works in a locked-down in-app webview, and the
//! Content-Security-Policy can forbid everything but its own inline style. Every interpolated value is
//! HTML-escaped.

use super::i18n::{Lang, texts};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;background:#f4f5f7;color:#1d1d1f}\
main{max-width:400px;margin:0 auto;padding:24px 20px}h1{font-size:1.25rem;margin:8px 0 20px}\
.client{display:block;font-weight:700;margin-top:4px}label{display:block;font-size:.9rem;margin:14px 0 6px}\
input[type=text],input[type=password]{box-sizing:border-box;width:100%;font-size:1rem;padding:12px;border:1px solid #c7c7cc;border-radius:8px;background:#fff}\
.actions{display:flex;flex-direction:row-reverse;gap:12px;margin-top:22px}button{flex:1;font-size:1rem;padding:12px;border-radius:8px;border:0;cursor:pointer}\
.primary{background:#0a66ff;color:#fff}.secondary{background:#e5e5ea;color:#1d1d1f}\
.error{background:#fde8e8;color:#9b1c1c;border-radius:8px;padding:12px;margin:0 0 12px}";

/// Security headers of every page: no framing, no caching, nothing but our inline style and form.
pub fn security_headers(headers: &mut HeaderMap) {
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
}

fn document(lang: Lang, title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{}</title>\
<style>{STYLE}</style></head><body><main>{body}</main></body></html>",
        lang.tag(),
        escape(title)
    )
}

/// What the login form needs.
#[derive(Debug)]
pub struct LoginForm<'a> {
    /// Negotiated language.
    pub lang: Lang,
    /// Client display name.
    pub client_name: &'a str,
    /// Where the form posts (the authorize endpoint's own path).
    pub action: &'a str,
    /// Hidden fields carrying the authorization request and the CSRF token.
    pub hidden: &'a [(&'a str, &'a str)],
    /// Login to prefill after a failed attempt.
    pub login: &'a str,
    /// An error to show above the form.
    pub error: Option<&'a str>,
    /// Federated mode: one "continue" button instead of the password fields.
    pub federated: bool,
}

/// Renders the login form.
pub fn login_page(form: &LoginForm<'_>, status: StatusCode) -> Response {
    let t = texts(form.lang);
    let mut body = format!(
        "<h1>{}<span class=\"client\">{}</span></h1>",
        escape(t.heading),
        escape(form.client_name)
    );
    if let Some(error) = form.error {
        body.push_str(&format!(
            "<p class=\"error\" role=\"alert\" id=\"error\">{}</p>",
            escape(error)
        ));
    }
    body.push_str(&format!(
        "<form method=\"post\" action=\"{}\">",
        escape(form.action)
    ));
    for (name, value) in form.hidden {
        body.push_str(&format!(
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            escape(name),
            escape(value)
        ));
    }
    let submit = if form.federated {
        t.federated
    } else {
        body.push_str(&format!(
            "<label for=\"login\">{}</label><input type=\"text\" id=\"login\" name=\"login\" value=\"{}\" \
autocomplete=\"username\" autocapitalize=\"none\" spellcheck=\"false\" required maxlength=\"64\">\
<label for=\"password\">{}</label><input type=\"password\" id=\"password\" name=\"password\" \
autocomplete=\"current-password\" required maxlength=\"256\">",
            escape(t.login),
            escape(form.login),
            escape(t.password)
        ));
        t.submit
    };
    // The primary button comes first in the markup: pressing Enter in a field submits the form with the
    // first submit button, which must sign in, not cancel. `.actions` reverses the visual order.
    body.push_str(&format!(
        "<div class=\"actions\"><button type=\"submit\" name=\"action\" value=\"login\" class=\"primary\">{}</button>\
<button type=\"submit\" name=\"action\" value=\"cancel\" class=\"secondary\" formnovalidate>{}</button></div></form>",
        escape(submit),
        escape(t.cancel)
    ));
    page(form.lang, t.title, &body, status)
}

/// Renders the error page shown instead of redirecting to an unverified client.
pub fn error_page(lang: Lang, message: &str, status: StatusCode) -> Response {
    let t = texts(lang);
    let body = format!(
        "<h1>{}</h1><p class=\"error\" role=\"alert\" id=\"error\">{}</p>",
        escape(t.error_heading),
        escape(message)
    );
    page(lang, t.error_heading, &body, status)
}

fn page(lang: Lang, title: &str, body: &str, status: StatusCode) -> Response {
    let mut response = (status, Html(document(lang, title, body))).into_response();
    security_headers(response.headers_mut());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_neutralises_markup() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;"
        );
    }
}
