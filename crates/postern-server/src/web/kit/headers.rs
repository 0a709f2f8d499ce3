//! The header set of every response, and the request log.

use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The header set of every response, errors and static files included (reference: deploy.md §4).
pub const SECURITY_HEADERS: &[(&str, &str)] = &[
    (
        "content-security-policy",
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    ("referrer-policy", "no-referrer"),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-embedder-policy", "require-corp"),
    ("cross-origin-resource-policy", "same-origin"),
    ("origin-agent-cluster", "?1"),
    (
        "permissions-policy",
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()",
    ),
    ("cache-control", "no-store"),
];

/// Headers that must never appear: they identify the software or enable caching and tracking.
pub const FORBIDDEN_HEADERS: &[&str] = &["server", "x-powered-by", "etag", "last-modified", "date"];

pub async fn security_headers(req: Request, next: Next) -> Response {
    security_headers_of(next.run(req).await)
}

fn security_headers_of(mut res: Response) -> Response {
    let h = res.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        h.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    for name in FORBIDDEN_HEADERS {
        h.remove(*name);
    }
    undate_cookies(h);
    res
}

/// Marks a response whose `ETag` is a content-derived validator of a resumable download (a
/// journalist's bundle part), put in the response's extensions by its handler.
#[derive(Clone, Copy, Debug)]
pub struct RangeValidator;

/// [`security_headers`], except that a response marked [`RangeValidator`] keeps its `ETag`, so a
/// browser can resume it with `If-Range`. Only the journalist listener uses this layer: the
/// source interface never sends a validator.
pub async fn security_headers_keeping_validators(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let etag = res
        .extensions()
        .get::<RangeValidator>()
        .and_then(|_| res.headers().get(header::ETAG).cloned());
    let mut res = security_headers_of(res);
    if let Some(v) = etag {
        res.headers_mut().insert(header::ETAG, v);
    }
    res
}

/// A cookie removal (`Max-Age=0`) loses its `Expires` attribute: tower-sessions sets it to now
/// minus a year, which gives away the server's clock to the second. `Max-Age=0` alone removes
/// the cookie.
pub fn undate_cookies(h: &mut axum::http::HeaderMap) {
    let cookies: Vec<HeaderValue> = h.get_all(header::SET_COOKIE).iter().cloned().collect();
    if !cookies.iter().any(|c| {
        c.as_bytes()
            .windows(8)
            .any(|w| w.eq_ignore_ascii_case(b"expires="))
    }) {
        return;
    }
    h.remove(header::SET_COOKIE);
    for c in cookies {
        let text = c.to_str().unwrap_or("");
        let kept: Vec<&str> = text
            .split(';')
            .filter(|a| !a.trim_start().to_ascii_lowercase().starts_with("expires="))
            .collect();
        let mut v = kept.join(";");
        if !v.to_ascii_lowercase().contains("max-age=") {
            // A removal with only a date: make it a removal without one.
            v.push_str("; Max-Age=0");
        }
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.append(header::SET_COOKIE, v);
        }
    }
}

/// One log line per request: the route template (never the path, which can carry ids), the
/// method, the status and the latency. Nothing about the client.
pub async fn log_request(req: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned())
        .unwrap_or_else(|| "(unmatched)".into());
    let method = req.method().clone();
    let res = next.run(req).await;
    tracing::info!(
        route = %route,
        method = %method,
        status = res.status().as_u16(),
        ms = start.elapsed().as_millis() as u64,
        "request"
    );
    res
}

pub fn content_type(value: &'static str) -> (header::HeaderName, HeaderValue) {
    (header::CONTENT_TYPE, HeaderValue::from_static(value))
}
