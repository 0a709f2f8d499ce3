//! The source interface: pages, codenames, login and logout.
//!
//! Every page works without JavaScript. The language is part of the path (`/en/…`, `/ru/…`)
//! rather than negotiated, because Tor Browser reports English whatever its user reads. The
//! session cookie carries only a random id; the session holds the source id and public reply
//! recipient after login, and a CSRF token, never the codename.

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use postern_spool::codename::{Codename, CodenameError};
use postern_spool::ids::SourceId;
use postern_spool::recipients::fingerprint;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, Session, SessionManagerLayer};

use super::i18n::Lang;
use super::pages::{self, Ctx, HomeView};
use super::session_store::BoundedStore;
use super::{SharedState, content_type, ingest};

/// The session cookie's name.
pub const COOKIE: &str = "postern";
const CSRF_KEY: &str = "csrf";
const SOURCE_KEY: &str = "source";

/// What a logged-in session knows about its source: nothing secret.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SourceSession {
    /// The source id, hex.
    pub id: String,
    /// The public reply recipient (age1…).
    pub reply: String,
}

impl SourceSession {
    pub fn source_id(&self) -> Option<SourceId> {
        SourceId::parse(&self.id)
    }
}

pub fn routes(state: SharedState, cookie_secure: bool) -> Router {
    let idle = time::Duration::minutes(i64::from(state.limits.session_idle_minutes));
    let sessions = SessionManagerLayer::new(BoundedStore::new(state.limits.max_sessions))
        .with_name(COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_secure(cookie_secure)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle));
    let form_deadline = Duration::from_secs(state.limits.form_deadline_seconds);
    let upload_idle = Duration::from_secs(state.limits.upload_idle_seconds);
    // Small forms: a hard deadline on the whole request, and a small body cap.
    let forms = Router::new()
        .route("/{lang}/generate", post(generate))
        .route("/{lang}/login", get(login_page).post(login))
        .route("/{lang}/logout", post(logout))
        .route("/{lang}/replies/delete", post(super::replies::delete))
        .route("/{lang}/home", get(home))
        .route("/{lang}/", get(landing))
        .route("/", get(root))
        .route("/static/style.css", get(stylesheet))
        .route("/public-key", get(public_key))
        .route("/metadata", get(metadata))
        .layer(DefaultBodyLimit::max(64 * 1024))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            form_deadline,
        ));
    // Uploads: no total deadline (a large file over Tor takes long), but an idle timeout.
    let uploads = Router::new()
        .route("/{lang}/submit", post(ingest::submit))
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyTimeoutLayer::new(upload_idle));
    forms
        .merge(uploads)
        .merge(super::tus::routes(&state))
        .fallback(not_found)
        .layer(sessions)
        .with_state(state)
}

/// The language of a path segment; unknown codes are a 404.
#[allow(clippy::result_large_err)] // Used once per request, and the error is the response itself.
pub(super) fn lang(code: &str) -> Result<Lang, Response> {
    Lang::from_code(code).ok_or_else(|| {
        error_page(
            &Ctx::bare(Lang::En, ""),
            StatusCode::NOT_FOUND,
            "error-not-found",
        )
    })
}

impl Ctx {
    pub fn bare(lang: Lang, path_rest: &str) -> Ctx {
        Ctx {
            lang,
            org: String::new(),
            csrf: String::new(),
            path_rest: path_rest.to_owned(),
            logged_in: false,
        }
    }
}

/// The page context, with a CSRF token (created on first use).
pub(super) async fn ctx(
    state: &SharedState,
    session: &Session,
    lang: Lang,
    path_rest: &str,
) -> Ctx {
    let csrf = csrf_token(session).await;
    let logged_in = current_source(session).await.is_some();
    Ctx {
        lang,
        org: state.org.clone(),
        csrf,
        path_rest: path_rest.to_owned(),
        logged_in,
    }
}

pub async fn csrf_token(session: &Session) -> String {
    if let Ok(Some(t)) = session.get::<String>(CSRF_KEY).await {
        return t;
    }
    let mut b = [0u8; 32];
    rand::Rng::fill_bytes(&mut rand::rng(), &mut b);
    let t = hex::encode(b);
    let _ = session.insert(CSRF_KEY, &t).await;
    t
}

/// Constant-time check of a submitted CSRF token against the session's.
pub async fn csrf_ok(session: &Session, submitted: &str) -> bool {
    match session.get::<String>(CSRF_KEY).await {
        Ok(Some(t)) => !t.is_empty() && bool::from(t.as_bytes().ct_eq(submitted.as_bytes())),
        _ => false,
    }
}

pub async fn current_source(session: &Session) -> Option<SourceSession> {
    session
        .get::<SourceSession>(SOURCE_KEY)
        .await
        .ok()
        .flatten()
}

/// Whether the request carried a session cookie (so a missing session means it expired).
pub fn had_session_cookie(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.split(';')
                .any(|c| c.trim().starts_with(&format!("{COOKIE}=")))
        })
}

pub fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [content_type("text/html; charset=utf-8")],
        Html(body),
    )
        .into_response()
}

pub fn error_page(ctx: &Ctx, status: StatusCode, message_id: &str) -> Response {
    html(status, pages::error(ctx, status.as_u16(), message_id))
}

async fn root() -> Redirect {
    Redirect::to("/en/")
}

async fn landing(
    State(st): State<SharedState>,
    session: Session,
    Path(code): Path<String>,
) -> Response {
    let lang = match lang(&code) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let ctx = ctx(&st, &session, lang, "").await;
    html(StatusCode::OK, pages::landing(&ctx))
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// A form that carries a synchronizer token.
pub(super) trait WithCsrf {
    fn csrf(&self) -> &str;
}

impl WithCsrf for CsrfForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl WithCsrf for LoginForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// The form, if it parsed and its token matches the session's; otherwise the error page.
#[allow(clippy::result_large_err)] // The error is the response itself.
pub(super) async fn checked<T: WithCsrf>(
    session: &Session,
    ctx: &Ctx,
    form: Result<Form<T>, axum::extract::rejection::FormRejection>,
) -> Result<T, Response> {
    let Ok(Form(form)) = form else {
        return Err(error_page(
            ctx,
            StatusCode::BAD_REQUEST,
            "error-bad-request",
        ));
    };
    if !csrf_ok(session, form.csrf()).await {
        return Err(error_page(ctx, StatusCode::FORBIDDEN, "error-csrf"));
    }
    Ok(form)
}

/// Runs the rate limit and the Argon2 queue for `codename`, then binds the session to its source.
#[allow(clippy::result_large_err)] // The error is the response itself.
async fn derive_and_log_in(
    st: &SharedState,
    session: &Session,
    ctx: &Ctx,
    codename: Codename,
) -> Result<(), Response> {
    if st.login_limiter.check().is_err() {
        return Err(html(StatusCode::SERVICE_UNAVAILABLE, pages::busy(ctx)));
    }
    let Ok(keys) = st.kdf.derive(codename).await else {
        return Err(html(StatusCode::SERVICE_UNAVAILABLE, pages::busy(ctx)));
    };
    if log_in(st, session, &keys).await.is_err() {
        return Err(error_page(
            ctx,
            StatusCode::INTERNAL_SERVER_ERROR,
            "error-server",
        ));
    }
    Ok(())
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    codename: String,
}

async fn generate(
    State(st): State<SharedState>,
    session: Session,
    Path(code): Path<String>,
    form: Result<Form<CsrfForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let lang = match lang(&code) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let ctx = ctx(&st, &session, lang, "").await;
    if let Err(r) = checked(&session, &ctx, form).await {
        return r;
    }
    let codename = Codename::generate(&mut rand::rng());
    // The page shows this copy; the derivation consumes the other.
    let shown = zeroize::Zeroizing::new(codename.expose().to_owned());
    if let Err(r) = derive_and_log_in(&st, &session, &ctx, codename).await {
        return r;
    }
    let ctx = self::ctx(&st, &session, lang, "home").await;
    html(StatusCode::OK, pages::codename(&ctx, &shown))
}

/// Binds the session to a source: a new session id (no fixation), the source id and public reply
/// recipient. The reply identity goes into the in-memory keyring; the session holds only its
/// random handle.
async fn log_in(
    st: &SharedState,
    session: &Session,
    keys: &postern_spool::derive::SourceKeys,
) -> Result<(), ()> {
    session.cycle_id().await.map_err(|_| ())?;
    if let Ok(Some(old)) = session.get::<String>(super::replies::HANDLE_KEY).await {
        st.keyring.remove(&old);
    }
    let handle = st.keyring.insert(keys.reply_identity().clone()).ok_or(())?;
    session
        .insert(super::replies::HANDLE_KEY, handle)
        .await
        .map_err(|_| ())?;
    let s = SourceSession {
        id: keys.id.to_string(),
        reply: keys.reply_recipient_for(&st.recipients).to_string(),
    };
    session.insert(SOURCE_KEY, s).await.map_err(|_| ())?;
    // A fresh CSRF token for the new privilege level.
    let _ = session.remove::<String>(CSRF_KEY).await;
    csrf_token(session).await;
    Ok(())
}

async fn login_page(
    State(st): State<SharedState>,
    session: Session,
    Path(code): Path<String>,
) -> Response {
    let lang = match lang(&code) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let ctx = ctx(&st, &session, lang, "login").await;
    html(StatusCode::OK, pages::login(&ctx, None))
}

async fn login(
    State(st): State<SharedState>,
    session: Session,
    Path(code): Path<String>,
    form: Result<Form<LoginForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let lang = match lang(&code) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let ctx = ctx(&st, &session, lang, "login").await;
    let form = match checked(&session, &ctx, form).await {
        Ok(f) => f,
        Err(r) => return r,
    };
    // Zeroised when dropped, at the end of the handler.
    let typed = zeroize::Zeroizing::new(form.codename);
    let codename = match Codename::parse(&typed) {
        Ok(c) => c,
        Err(e) => {
            let id = match e {
                CodenameError::Empty => "login-error-empty",
                CodenameError::TooLong => "login-error-too-long",
                CodenameError::WrongWordCount => "login-error-word-count",
                _ => "login-error-unknown-word",
            };
            return html(StatusCode::BAD_REQUEST, pages::login(&ctx, Some(id)));
        }
    };
    if let Err(r) = derive_and_log_in(&st, &session, &ctx, codename).await {
        return r;
    }
    Redirect::to(&format!("/{}/home", lang.code())).into_response()
}

async fn home(
    State(st): State<SharedState>,
    session: Session,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Response {
    let lang = match lang(&code) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let Some(source) = current_source(&session).await else {
        return not_logged_in(&st, &session, &headers, lang).await;
    };
    let ctx = ctx(&st, &session, lang, "home").await;
    let Some(sid) = source.source_id() else {
        return error_page(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-server");
    };
    let view = home_view_for(&st, &session, &sid, None).await;
    html(StatusCode::OK, pages::home(&ctx, &view))
}

/// The home page's view for a logged-in source, with its replies opened.
pub async fn home_view_for(
    st: &SharedState,
    session: &Session,
    source: &SourceId,
    notice: Option<String>,
) -> HomeView {
    let known = st.spool.source_record_path(source).exists();
    let mut view = home_view(st, known, notice);
    match super::replies::for_session(st, session, source).await {
        super::replies::Replies::Shown(r) => view.replies = r,
        super::replies::Replies::Locked => view.replies_locked = true,
    }
    view
}

pub fn home_view(st: &SharedState, known: bool, notice: Option<String>) -> HomeView {
    HomeView {
        known,
        replies: Vec::new(),
        replies_locked: false,
        max_file_mib: st.limits.max_file_bytes / (1 << 20),
        max_request_mib: st.limits.max_request_bytes / (1 << 20),
        max_message_chars: st.limits.max_message_chars,
        notice,
    }
}

/// A page that needs a login, without one: "expired" if the browser had a session, else the
/// login page.
pub async fn not_logged_in(
    st: &SharedState,
    session: &Session,
    headers: &HeaderMap,
    lang: Lang,
) -> Response {
    if had_session_cookie(headers) {
        let ctx = ctx(st, session, lang, "login").await;
        html(StatusCode::UNAUTHORIZED, pages::expired(&ctx))
    } else {
        Redirect::to(&format!("/{}/login", lang.code())).into_response()
    }
}

async fn logout(
    State(st): State<SharedState>,
    session: Session,
    Path(code): Path<String>,
    form: Result<Form<CsrfForm>, axum::extract::rejection::FormRejection>,
) -> Response {
    let lang = match lang(&code) {
        Ok(l) => l,
        Err(r) => return r,
    };
    let ctx = ctx(&st, &session, lang, "").await;
    if let Err(r) = checked(&session, &ctx, form).await {
        return r;
    }
    if let Ok(Some(handle)) = session.get::<String>(super::replies::HANDLE_KEY).await {
        st.keyring.remove(&handle);
    }
    let _ = session.flush().await;
    let ctx = Ctx {
        org: st.org.clone(),
        ..Ctx::bare(lang, "")
    };
    html(StatusCode::OK, pages::logged_out(&ctx))
}

async fn stylesheet() -> Response {
    (
        [content_type("text/css; charset=utf-8")],
        include_str!("../../static/style.css"),
    )
        .into_response()
}

async fn public_key(State(st): State<SharedState>) -> Response {
    let mut body = format!(
        "# Public keys of {}. Every submission is encrypted to all of them.\n# recipient  fingerprint (SHA-256 of the recipient, first 20 bytes)\n",
        st.org
    );
    for r in st.recipients.iter() {
        body.push_str(&format!("{r}  {}\n", fingerprint(r)));
    }
    ([content_type("text/plain; charset=utf-8")], body).into_response()
}

async fn metadata(State(st): State<SharedState>) -> Response {
    let keys: Vec<serde_json::Value> = st
        .recipients
        .iter()
        .map(|r| serde_json::json!({ "recipient": r.to_string(), "fingerprint": fingerprint(r) }))
        .collect();
    let body = serde_json::json!({
        "organization": st.org,
        "languages": Lang::ALL.iter().map(|l| l.code()).collect::<Vec<_>>(),
        "limits": {
            "max_file_bytes": st.limits.max_file_bytes,
            "max_request_bytes": st.limits.max_request_bytes,
            "max_message_chars": st.limits.max_message_chars,
        },
        "keys": keys,
        "spool_signing_key": st.signing_key.verifying_key().to_string(),
        "version": env!("CARGO_PKG_VERSION"),
    });
    ([content_type("application/json")], body.to_string()).into_response()
}

async fn not_found(State(st): State<SharedState>) -> Response {
    let ctx = Ctx {
        org: st.org.clone(),
        ..Ctx::bare(Lang::En, "")
    };
    error_page(&ctx, StatusCode::NOT_FOUND, "error-not-found")
}
