//! [`WebError`]: the one error type of every handler and extractor. It is already the answer
//! the visitor gets (a page rendered by the interface that made it, a redirect, or an empty
//! status with headers), so that handlers can use `?`, and it says nothing internal: what went
//! wrong on the server is logged, with a fixed reason, by the code that knows it.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

/// What a handler answers when it does not answer normally.
#[derive(Debug)]
pub struct WebError {
    status: StatusCode,
    body: Body,
    headers: Vec<(HeaderName, HeaderValue)>,
}

#[derive(Debug)]
enum Body {
    Html(String),
    Redirect(String),
    Empty,
}

/// The result of a handler.
pub type WebResult<T = Response> = Result<T, WebError>;

impl WebError {
    /// A rendered HTML page with `status`.
    pub fn page(status: StatusCode, html: String) -> WebError {
        WebError {
            status,
            body: Body::Html(html),
            headers: Vec::new(),
        }
    }

    /// A redirect (303 See Other) to a path of the same site.
    pub fn redirect(to: impl Into<String>) -> WebError {
        WebError {
            status: StatusCode::SEE_OTHER,
            body: Body::Redirect(to.into()),
            headers: Vec::new(),
        }
    }

    /// A status without a body (the API's answers).
    pub fn empty(status: StatusCode) -> WebError {
        WebError {
            status,
            body: Body::Empty,
            headers: Vec::new(),
        }
    }

    /// Adds a header; a value that is not a valid header value is left out.
    pub fn with_header(mut self, name: HeaderName, value: &str) -> WebError {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.push((name, v));
        }
        self
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let mut res = match self.body {
            Body::Html(html) => html_response(self.status, html),
            Body::Redirect(to) => Redirect::to(&to).into_response(),
            Body::Empty => self.status.into_response(),
        };
        let h = res.headers_mut();
        for (k, v) in self.headers {
            h.insert(k, v);
        }
        res
    }
}

/// An HTML page with `status`.
pub fn html_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        Html(body),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_answers_with_its_status_and_headers() {
        let r = WebError::page(StatusCode::NOT_FOUND, "<p>x</p>".into()).into_response();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            r.headers().get(header::CONTENT_TYPE).unwrap(),
            "text/html; charset=utf-8"
        );
        let r = WebError::redirect("/en/login").into_response();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers().get(header::LOCATION).unwrap(), "/en/login");
        let r = WebError::empty(StatusCode::LOCKED)
            .with_header(HeaderName::from_static("tus-resumable"), "1.0.0")
            .with_header(HeaderName::from_static("x-bad"), "a\nb")
            .into_response();
        assert_eq!(r.status(), StatusCode::LOCKED);
        assert_eq!(r.headers().get("tus-resumable").unwrap(), "1.0.0");
        assert!(r.headers().get("x-bad").is_none());
    }
}
