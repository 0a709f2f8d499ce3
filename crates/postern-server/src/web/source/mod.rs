//! The source interface: pages, codenames, login and logout, submissions ([`submit`]), replies
//! ([`replies`]) and resumable uploads ([`tus`]).
//!
//! Every page works without JavaScript. The language is part of the path (`/en/…`, `/ru/…`)
//! rather than negotiated, because Tor Browser reports English whatever its user reads. No
//! session exists before a codename is made or logged in with: anonymous forms carry a stateless
//! token (`kit::csrf::FormToken`). The session cookie carries only a random id; the session holds
//! the source id, the public reply recipient and a CSRF token, never the codename.

pub mod extract;
/// The translations, shared with the journalist interface (they live in the kit).
pub use crate::web::kit::i18n;
pub mod keyring;
pub mod pages;
pub mod replies;
pub mod submit;
pub mod tus;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{DefaultBodyLimit, Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use postern_spool::codename::{Codename, CodenameError};
use postern_spool::ids::SourceId;
use postern_spool::keys::VerifyingKey;
use postern_spool::recipients::fingerprint;
use postern_spool::spool::Spool;
use serde::{Deserialize, Serialize};
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, Session, SessionManagerLayer};

use self::extract::{Checked, SignedIn, Visit, WithCsrf, error_page};
use self::i18n::Lang;
use self::pages::{Ctx, HomeView};
use crate::clock::Clock;
use crate::config::{Config, Limits};
use crate::storage::staging::Store;
use crate::storage::uploads;
use crate::web::kit::bounds::bound_upload;
use crate::web::kit::circuits::CircuitBudgets;
use crate::web::kit::csrf::{FormTokens, form_tokens, renew_csrf_token};
use crate::web::kit::error::{WebError, WebResult, html_response};
use crate::web::kit::headers::{content_type, security_headers};
use crate::web::kit::kdf::Kdf;
use crate::web::kit::session::BoundedStore;

/// The session cookie's name.
pub const COOKIE: &str = "postern";
/// The cookie of the anonymous forms' nonce (stateless CSRF: no session before a login).
pub const FORM_COOKIE: &str = "postern-form";
const SOURCE_KEY: &str = "source";
/// Set when this session made a new codename, until the source logs in with one: the home page
/// then welcomes a new source rather than asking it to check its codename for typos.
const FRESH_KEY: &str = "fresh";
/// What the last submission stored (files, message), for the thank-you page after the redirect.
pub const SUBMITTED_KEY: &str = "submitted";

/// Codename derivations one tor circuit may start per second, and at once: a person retyping
/// a codename needs a few, a flood gets no more.
const CIRCUIT_LOGINS_PER_SECOND: u32 = 1;
const CIRCUIT_LOGIN_BURST: u32 = 5;

/// Everything a request handler may need. Shared, read-only except for the counters.
pub struct AppState {
    pub org: String,
    /// The spool, the newsroom recipients, the signing key, the disk reserve and the clock.
    pub store: Arc<Store>,
    pub limits: Limits,
    pub kdf: Kdf,
    pub login_limiter: DefaultDirectRateLimiter,
    /// Codename derivations per tor circuit (on listeners with `proxy_protocol`), checked
    /// before the global limit: one circuit's flood spends its own budget, not everyone's. At
    /// most `limits.max_tracked_circuits` circuits are tracked.
    pub circuit_limiter: CircuitBudgets,
    /// The newsroom's reply-signing key: replies are shown only if it signed them.
    pub newsroom_key: Option<VerifyingKey>,
    /// Reply identities of logged-in sources, in memory only.
    pub keyring: keyring::Keyring,
    /// Resumable uploads: API bearer tokens and per-upload locks, in memory only.
    pub tus: tus::Tus,
    /// Resumable uploads' state, indexed in memory (`storage::uploads`).
    pub uploads: Arc<uploads::Uploads>,
}

pub type SharedState = Arc<AppState>;

/// Opens the spool (sweeping leftovers of interrupted uploads and expired resumable uploads)
/// and builds the source interface's state.
pub fn build_state(cfg: Config, clock: Arc<dyn Clock>) -> Result<SharedState> {
    let spool = Spool::open(&cfg.spool_dir()).context("opening the spool")?;
    let swept = spool.sweep().context("cleaning the spool")?;
    if swept.temporaries + swept.orphans > 0 {
        tracing::info!(
            temporaries = swept.temporaries,
            orphans = swept.orphans,
            "removed leftovers of interrupted uploads"
        );
    }
    let limits = cfg.file.limits.clone();
    let per_second = std::num::NonZeroU32::new(20).unwrap_or(std::num::NonZeroU32::MIN);
    let burst = std::num::NonZeroU32::new(60).unwrap_or(std::num::NonZeroU32::MIN);
    let idle = Duration::from_secs(u64::from(limits.session_idle_minutes).saturating_mul(60));
    let store = Arc::new(Store {
        spool,
        recipients: cfg.recipients,
        signing_key: cfg.signing_key,
        disk_reserve: limits.disk_reserve_bytes,
        clock,
    });
    // The resumable uploads' logs, read once: torn appends dropped, orphan segments of a crash
    // removed, unrecorded manifests settled, expired uploads removed.
    let (uploads, found) = uploads::Uploads::open(&store).context("reading the upload logs")?;
    if found.orphans + found.torn + found.finished + found.expired + found.damaged > 0 {
        tracing::info!(
            orphans = found.orphans,
            torn = found.torn,
            finished = found.finished,
            expired = found.expired,
            damaged = found.damaged,
            "settled resumable uploads"
        );
    }
    Ok(Arc::new(AppState {
        org: cfg.file.organization.clone(),
        store,
        uploads: Arc::new(uploads),
        kdf: Kdf::new(cfg.salt, limits.kdf(), limits.argon2_queue),
        login_limiter: RateLimiter::direct(Quota::per_second(per_second).allow_burst(burst)),
        circuit_limiter: CircuitBudgets::new(
            CIRCUIT_LOGINS_PER_SECOND,
            CIRCUIT_LOGIN_BURST,
            limits.max_tracked_circuits,
        ),
        newsroom_key: cfg.newsroom_key,
        keyring: keyring::Keyring::new(limits.max_sessions, idle),
        tus: tus::Tus::new(limits.max_sessions, idle),
        limits,
    }))
}

/// The source interface with every layer it is served with: cross-origin protection first
/// (Sec-Fetch-Site / Origin), then the tokens of each form inside (stateless for anonymous
/// forms), and the security headers on every response. (The request log is opt-in, added by
/// `web::serve`.)
pub fn app(state: SharedState, cookie_secure: bool) -> Router {
    let csrf = tower_http::csrf::CsrfLayer::new().with_rejection_response(|_e| {
        extract::bare_error(StatusCode::FORBIDDEN, "error-csrf").into_response()
    });
    routes(state, cookie_secure)
        .layer(csrf)
        .layer(axum::middleware::from_fn(tus::api_version_header))
        .layer(axum::middleware::from_fn(security_headers))
}

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

fn routes(state: SharedState, cookie_secure: bool) -> Router {
    let idle = time::Duration::minutes(i64::from(state.limits.session_idle_minutes));
    let sessions =
        SessionManagerLayer::new(BoundedStore::new(state.limits.max_sessions, SOURCE_KEY))
            .with_name(COOKIE)
            .with_http_only(true)
            .with_same_site(SameSite::Strict)
            .with_secure(cookie_secure)
            .with_path("/")
            .with_expiry(Expiry::OnInactivity(idle))
            // Saved on every request, so that activity (not only a change) keeps a session alive.
            .with_always_save(true);
    let form_deadline = Duration::from_secs(state.limits.form_deadline_seconds);
    let upload_idle = Duration::from_secs(state.limits.upload_idle_seconds);
    // Small forms: a hard deadline on the whole request, and a small body cap.
    let forms = Router::new()
        .route("/{lang}/generate", post(generate))
        .route("/{lang}/login", get(login_page).post(login))
        .route("/{lang}/logout", post(logout))
        .route("/{lang}/replies/delete", post(replies::delete))
        .route("/{lang}/home", get(home))
        .route("/{lang}/", get(landing))
        .route("/{lang}/safety", get(safety))
        .route("/{lang}/large", get(large))
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
    // The multipart parts: the token, the message and the files.
    let bounds = tus::upload_bounds(
        &state.limits,
        state.limits.max_items_per_request.saturating_add(2),
    );
    let uploads = Router::new()
        .route("/{lang}/submit", post(submit::submit).get(submitted))
        .layer(axum::middleware::from_fn(move |req, next| {
            bound_upload(bounds, req, next)
        }))
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyTimeoutLayer::new(upload_idle));
    forms
        .merge(uploads)
        .merge(tus::routes(&state))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            FormTokens::new(FORM_COOKIE, cookie_secure),
            form_tokens,
        ))
        .layer(sessions)
        .with_state(state)
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

pub async fn current_source(session: &Session) -> Option<SourceSession> {
    session
        .get::<SourceSession>(SOURCE_KEY)
        .await
        .ok()
        .flatten()
}

pub fn html(status: StatusCode, body: String) -> Response {
    html_response(status, body)
}

async fn root() -> Redirect {
    Redirect::to("/en/")
}

async fn landing(v: Visit) -> Response {
    let ctx = v.ctx("").await;
    html(StatusCode::OK, pages::landing(&ctx))
}

async fn safety(v: Visit) -> Response {
    let ctx = v.ctx("safety").await;
    html(StatusCode::OK, pages::safety(&ctx))
}

async fn large(v: Visit) -> Response {
    let ctx = v.ctx("large").await;
    html(StatusCode::OK, pages::large(&ctx))
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

impl WithCsrf for CsrfForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    codename: String,
}

impl WithCsrf for LoginForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// Runs the rate limit and the Argon2 queue for `codename`, then binds the session to its source.
async fn derive_and_log_in(v: &Visit, ctx: &Ctx, codename: Codename) -> WebResult<()> {
    let st = &v.st;
    if let Some(c) = v.circuit
        && !st.circuit_limiter.check(c)
    {
        return Err(WebError::page(
            StatusCode::SERVICE_UNAVAILABLE,
            pages::busy(ctx),
        ));
    }
    if st.login_limiter.check().is_err() {
        return Err(WebError::page(
            StatusCode::SERVICE_UNAVAILABLE,
            pages::busy(ctx),
        ));
    }
    let Ok(keys) = st.kdf.derive(codename).await else {
        return Err(WebError::page(
            StatusCode::SERVICE_UNAVAILABLE,
            pages::busy(ctx),
        ));
    };
    if log_in(st, &v.session, &keys).await.is_err() {
        return Err(error_page(
            ctx,
            StatusCode::INTERNAL_SERVER_ERROR,
            "error-server",
        ));
    }
    Ok(())
}

async fn generate(v: Visit, form: Result<Form<CsrfForm>, FormRejection>) -> WebResult {
    let ctx = v.ctx("").await;
    let form_ok = match &form {
        Ok(Form(f)) => v.csrf_ok(&f.csrf).await,
        Err(_) => false,
    };
    if !form_ok {
        // The codename page sent again (a reload, or Back then Forward) carries the token of a
        // page that is gone: a codename is shown only once, so say that, calmly.
        if v.session
            .get::<bool>(FRESH_KEY)
            .await
            .ok()
            .flatten()
            .is_some()
        {
            return Err(WebError::page(
                StatusCode::FORBIDDEN,
                pages::codename_expired(&ctx),
            ));
        }
        return Err(match form {
            Ok(_) => v.error(StatusCode::FORBIDDEN, "error-csrf").await,
            Err(_) => v.error(StatusCode::BAD_REQUEST, "error-bad-request").await,
        });
    }
    let codename = Codename::generate(&mut rand::rng());
    // The page shows this copy; the derivation consumes the other.
    let shown = zeroize::Zeroizing::new(codename.expose().to_owned());
    derive_and_log_in(&v, &ctx, codename).await?;
    let _ = v.session.insert(FRESH_KEY, true).await;
    let ctx = v.ctx("home").await;
    Ok(html(StatusCode::OK, pages::codename(&ctx, &shown)))
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
    if let Ok(Some(old)) = session.get::<String>(replies::HANDLE_KEY).await {
        st.keyring.remove(&old);
    }
    let handle = st.keyring.insert(keys.reply_identity().clone()).ok_or(())?;
    session
        .insert(replies::HANDLE_KEY, handle)
        .await
        .map_err(|_| ())?;
    let s = SourceSession {
        id: keys.id.to_string(),
        reply: keys.reply_recipient_for(&st.store.recipients).to_string(),
    };
    session.insert(SOURCE_KEY, s).await.map_err(|_| ())?;
    // A fresh CSRF token for the new privilege level.
    renew_csrf_token(session).await;
    Ok(())
}

async fn login_page(v: Visit) -> Response {
    let ctx = v.ctx("login").await;
    html(StatusCode::OK, pages::login(&ctx, None))
}

async fn login(v: Visit, Checked(form): Checked<LoginForm>) -> WebResult {
    let ctx = v.ctx("login").await;
    // Zeroised when dropped, at the end of the handler.
    let typed = zeroize::Zeroizing::new(form.codename);
    // Typed with a Cyrillic (or any non-Latin) keyboard layout on, in a hidden field: say so,
    // rather than "one of the words is not in the list".
    if typed.chars().any(|ch| ch.is_alphabetic() && !ch.is_ascii()) {
        return Ok(html(
            StatusCode::BAD_REQUEST,
            pages::login(&ctx, Some("login-error-keyboard")),
        ));
    }
    let codename = match Codename::parse(&typed) {
        Ok(c) => c,
        Err(e) => {
            let id = match e {
                CodenameError::Empty => "login-error-empty",
                CodenameError::TooLong => "login-error-too-long",
                CodenameError::WrongWordCount => "login-error-word-count",
                _ => "login-error-unknown-word",
            };
            return Ok(html(StatusCode::BAD_REQUEST, pages::login(&ctx, Some(id))));
        }
    };
    derive_and_log_in(&v, &ctx, codename).await?;
    let _ = v.session.remove::<bool>(FRESH_KEY).await;
    Ok(Redirect::to(&format!("/{}/home", v.lang.code())).into_response())
}

async fn home(s: SignedIn) -> Response {
    let ctx = s.visit.ctx("home").await;
    let view = home_view_for(&s.visit.st, &s.visit.session, &s.id, None).await;
    html(StatusCode::OK, pages::home(&ctx, &view))
}

/// The home page's view for a logged-in source, with its replies opened.
pub async fn home_view_for(
    st: &SharedState,
    session: &Session,
    source: &SourceId,
    notice: Option<String>,
) -> HomeView {
    let known = st.store.spool.source_record_path(source).exists();
    let mut view = home_view(st, known, notice);
    view.fresh = session
        .get::<bool>(FRESH_KEY)
        .await
        .ok()
        .flatten()
        .is_some();
    match replies::for_session(st, session, source).await {
        replies::Replies::Shown(r) => view.replies = r,
        replies::Replies::Locked => view.replies_locked = true,
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
        notice_warning: false,
        fresh: false,
        error: None,
        message: String::new(),
    }
}

/// Whether a successful submission is answered with a redirect to the thank-you page (post,
/// redirect, get) rather than with the page itself: for browsers, which can reload a page, and
/// say so with `Sec-Fetch-Mode: navigate` (Tor Browser does). Scripts and `curl` get the page.
pub fn submitted_redirect(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get("sec-fetch-mode")
        .is_some_and(|v| v.as_bytes() == b"navigate")
}

/// Remembers what was stored and redirects (303) to the thank-you page.
pub async fn after_submission(
    session: &Session,
    lang: Lang,
    files: usize,
    message: bool,
) -> Response {
    let _ = session.insert(SUBMITTED_KEY, (files, message)).await;
    Redirect::to(&format!("/{}/submit", lang.code())).into_response()
}

/// The home page again after a refused upload (413), with the reason tied to the form, the limits
/// beside it, and the typed message back in its box when it was read before the refusal.
pub async fn home_refused(
    st: &SharedState,
    session: &Session,
    source: &SourceId,
    ctx: &Ctx,
    message_id: &str,
    message: String,
) -> Response {
    let mut view = home_view_for(st, session, source, None).await;
    view.error = Some(i18n::t(ctx.lang, message_id));
    view.message = message;
    html(StatusCode::PAYLOAD_TOO_LARGE, pages::home(ctx, &view))
}

/// The thank-you page, reached by the redirect after a submission from a browser (post, redirect,
/// get): reloading it shows it again and sends nothing. Without a submission in this session, the
/// home page.
async fn submitted(s: SignedIn) -> Response {
    let v = &s.visit;
    match v.session.get::<(usize, bool)>(SUBMITTED_KEY).await {
        Ok(Some((files, message))) => {
            let ctx = v.ctx("home").await;
            html(StatusCode::OK, pages::submitted(&ctx, files, message))
        }
        _ => Redirect::to(&format!("/{}/home", v.lang.code())).into_response(),
    }
}

async fn logout(v: Visit, _form: Checked<CsrfForm>) -> Response {
    if let Ok(Some(handle)) = v.session.get::<String>(replies::HANDLE_KEY).await {
        v.st.keyring.remove(&handle);
    }
    let _ = v.session.flush().await;
    let ctx = Ctx {
        org: v.st.org.clone(),
        ..Ctx::bare(v.lang, "")
    };
    html(StatusCode::OK, pages::logged_out(&ctx))
}

async fn stylesheet() -> Response {
    (
        [content_type("text/css; charset=utf-8")],
        include_str!("../../../static/style.css"),
    )
        .into_response()
}

async fn public_key(State(st): State<SharedState>) -> Response {
    let mut body = format!(
        "# Public keys of {}. Every submission is encrypted to all of them.\n# recipient  fingerprint (SHA-256 of the recipient, first 20 bytes)\n",
        st.org
    );
    for r in st.store.recipients.iter() {
        body.push_str(&format!("{r}  {}\n", fingerprint(r)));
    }
    ([content_type("text/plain; charset=utf-8")], body).into_response()
}

async fn metadata(State(st): State<SharedState>) -> Response {
    let keys: Vec<serde_json::Value> = st
        .store
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
        "spool_signing_key": st.store.signing_key.verifying_key().to_string(),
        "version": env!("CARGO_PKG_VERSION"),
    });
    ([content_type("application/json")], body.to_string()).into_response()
}

/// A 404 page in the language of the path's prefix, if it has one (`/ru/nope` is in Russian).
async fn not_found(State(st): State<SharedState>, uri: axum::http::Uri) -> Response {
    let code = uri.path().trim_start_matches('/').split('/').next();
    let lang = code.and_then(Lang::from_code).unwrap_or(Lang::En);
    let ctx = Ctx {
        org: st.org.clone(),
        ..Ctx::bare(lang, "")
    };
    error_page(&ctx, StatusCode::NOT_FOUND, "error-not-found").into_response()
}
