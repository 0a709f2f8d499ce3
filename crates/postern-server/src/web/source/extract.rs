//! The source interface's extractors: what every handler used to compute by hand (the language
//! from the path, the session, the page context, the logged-in source, a form whose CSRF token
//! matches) arrives as a handler argument, and a request that lacks it is answered by the
//! extractor's rejection, a [`WebError`] page in the visitor's language.

use axum::extract::{Form, FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use postern_spool::ids::SourceId;
use serde::de::DeserializeOwned;
use tower_sessions::Session;

use super::i18n::Lang;
use super::pages::{self, Ctx};
use super::{COOKIE, SharedState, SourceSession, current_source};
use crate::web::kit::csrf::{FormToken, csrf_ok, csrf_token};
use crate::web::kit::error::WebError;
use crate::web::kit::listen::Circuit;
use crate::web::kit::session::had_cookie;

/// The error page for a request that did not get as far as a language (or a session).
pub fn bare_error(status: StatusCode, message_id: &str) -> WebError {
    WebError::page(
        status,
        pages::error(&Ctx::bare(Lang::En, ""), status.as_u16(), message_id),
    )
}

/// A visit to a page `/{lang}/…`: the state, the session, the language and the stateless form
/// token. An unknown language is a 404.
pub struct Visit {
    pub st: SharedState,
    pub session: Session,
    pub lang: Lang,
    /// The anonymous forms' token (a logged-in session uses its session token instead).
    pub form: FormToken,
    /// The tor circuit of the connection, on a listener with `proxy_protocol`.
    pub circuit: Option<Circuit>,
    /// The page the language switch of an error page links to (after the language prefix).
    page: &'static str,
    /// Whether the browser sent a session cookie (so a missing session means it expired).
    had_cookie: bool,
}

/// The GET page that stands for a path after the language prefix: forms posted from a page
/// lead back to it.
fn page_of(rest: &str) -> &'static str {
    match rest {
        "login" => "login",
        "home" | "submit" | "replies/delete" => "home",
        _ => "",
    }
}

impl FromRequestParts<SharedState> for Visit {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, st: &SharedState) -> Result<Self, WebError> {
        let (lang, page) = {
            let path = parts.uri.path().strip_prefix('/').unwrap_or("");
            let (code, rest) = path.split_once('/').unwrap_or((path, ""));
            (Lang::from_code(code), page_of(rest))
        };
        let lang = lang.ok_or_else(|| bare_error(StatusCode::NOT_FOUND, "error-not-found"))?;
        let session = Session::from_request_parts(parts, st)
            .await
            .map_err(|_| bare_error(StatusCode::INTERNAL_SERVER_ERROR, "error-server"))?;
        let form = FormToken::from_request_parts(parts, st)
            .await
            .map_err(|_| bare_error(StatusCode::INTERNAL_SERVER_ERROR, "error-server"))?;
        Ok(Visit {
            st: st.clone(),
            session,
            lang,
            form,
            circuit: parts.extensions.get::<Circuit>().copied(),
            page,
            had_cookie: had_cookie(&parts.headers, COOKIE),
        })
    }
}

impl Visit {
    /// The page context, with a CSRF token: the session's for a logged-in source, else the
    /// stateless form token (so that an anonymous page creates no session). `path_rest` is the
    /// GET path after the language prefix, for the language switch.
    pub async fn ctx(&self, path_rest: &str) -> Ctx {
        let logged_in = current_source(&self.session).await.is_some();
        let csrf = if logged_in {
            csrf_token(&self.session).await
        } else {
            self.form.token()
        };
        Ctx {
            lang: self.lang,
            org: self.st.org.clone(),
            csrf,
            path_rest: path_rest.to_owned(),
            logged_in,
        }
    }

    /// Whether `submitted` is this visit's CSRF token: the session's for a logged-in source,
    /// else the stateless form token of the request's cookie. Constant time either way.
    pub async fn csrf_ok(&self, submitted: &str) -> bool {
        if current_source(&self.session).await.is_some() {
            csrf_ok(&self.session, submitted).await
        } else {
            self.form.verify(submitted)
        }
    }

    /// The error page `message_id` with `status`, in the visitor's language.
    pub async fn error(&self, status: StatusCode, message_id: &str) -> WebError {
        let ctx = self.ctx(self.page).await;
        error_page(&ctx, status, message_id)
    }

    /// A page that needs a login, without one: "expired" if the browser had a session, else
    /// the login page.
    pub async fn not_logged_in(&self) -> WebError {
        if self.had_cookie {
            let ctx = self.ctx("login").await;
            WebError::page(StatusCode::UNAUTHORIZED, pages::expired(&ctx))
        } else {
            WebError::redirect(format!("/{}/login", self.lang.code()))
        }
    }
}

/// The error page `message_id` with `status`, for a page context.
pub fn error_page(ctx: &Ctx, status: StatusCode, message_id: &str) -> WebError {
    WebError::page(status, pages::error(ctx, status.as_u16(), message_id))
}

/// A visit by a logged-in source.
pub struct SignedIn {
    pub visit: Visit,
    pub source: SourceSession,
    pub id: SourceId,
}

impl FromRequestParts<SharedState> for SignedIn {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, st: &SharedState) -> Result<Self, WebError> {
        let visit = Visit::from_request_parts(parts, st).await?;
        let Some(source) = current_source(&visit.session).await else {
            return Err(visit.not_logged_in().await);
        };
        let Some(id) = source.source_id() else {
            return Err(visit
                .error(StatusCode::INTERNAL_SERVER_ERROR, "error-server")
                .await);
        };
        Ok(SignedIn { visit, source, id })
    }
}

/// A form that carries a synchronizer token.
pub trait WithCsrf {
    fn csrf(&self) -> &str;
}

/// A URL-encoded form that parsed and whose token matches (the session's, or the stateless
/// one: [`Visit::csrf_ok`]): 400 if it does not parse, 403 if the token is wrong.
pub struct Checked<T>(pub T);

impl<T> FromRequest<SharedState> for Checked<T>
where
    T: DeserializeOwned + WithCsrf + Send,
{
    type Rejection = WebError;

    async fn from_request(req: Request, st: &SharedState) -> Result<Self, WebError> {
        let (mut parts, body) = req.into_parts();
        let visit = Visit::from_request_parts(&mut parts, st).await?;
        let req = Request::from_parts(parts, body);
        let Ok(Form(form)) = Form::<T>::from_request(req, st).await else {
            return Err(visit
                .error(StatusCode::BAD_REQUEST, "error-bad-request")
                .await);
        };
        if !visit.csrf_ok(form.csrf()).await {
            return Err(visit.error(StatusCode::FORBIDDEN, "error-csrf").await);
        }
        Ok(Checked(form))
    }
}
