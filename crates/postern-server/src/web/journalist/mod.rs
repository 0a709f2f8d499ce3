//! The journalist interface: a second listener, for an onion service with per-journalist client
//! authorization. It deals in ciphertext only: journalists see sources by designation, the kinds,
//! padded sizes and days of their items, download items or a signed bundle for the air-gapped
//! reviewer, star, mark seen and delete. Nothing it serves can be read without the newsroom key.
//!
//! By concern: [`auth`] (login with passphrase and TOTP, throttling, logout), [`sources`] (the
//! sources and items pages, star, seen, delete), [`downloads`] (items and streamed bundles),
//! [`uploads`] (reply bundles), [`pages`] (rendering). This module holds the shared state, the
//! extractors and the router.
//!
//! Only `GET /`, `GET /login`, `POST /login`, `POST /language` (the language switch, which needs
//! the CSRF token of the login page's session) and `GET /static/style.css` answer without a login
//! (a test pins this set).
//!
//! The pages are in the eleven languages of the source interface. The language is a cookie,
//! [`LANG_COOKIE`], that holds only a language code; without it, or with any other value, the
//! pages are in English.

mod auth;
mod downloads;
pub mod pages;
mod sources;
mod uploads;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Form, FromRequest, FromRequestParts, Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use tower_http::timeout::TimeoutLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, Session, SessionManagerLayer};

use self::pages::Layout;
use crate::clock::Clock;
use crate::config::{Config, JournalistListener, Listen};
use crate::storage::accounts::AccountStore;
use crate::storage::client_auth::check_client_auth;
use crate::storage::index::SpoolIndex;
use crate::storage::journalist_state::JournalistStates;
use crate::web::kit::circuits::CircuitBudgets;
use crate::web::kit::csrf::{FormToken, FormTokens, csrf_ok, csrf_token, form_tokens};
use crate::web::kit::error::{WebError, html_response};
use crate::web::kit::headers::{content_type, security_headers_keeping_validators};
use crate::web::kit::i18n::{self, Lang};
use crate::web::kit::session::{BoundedStore, had_cookie};

pub use self::auth::{LOGIN_FAILED, MAX_FAILURES};
pub use self::downloads::readable;
pub use self::sources::source_rows;

/// The journalist session cookie's name (another origin than the source interface's).
pub const COOKIE: &str = "postern_j";
/// The cookie of the login form's nonce (stateless CSRF: no session before a login).
pub const FORM_COOKIE: &str = "postern_j-form";
/// The cookie that holds the journalist interface's language (a code such as `ru`, nothing else).
pub const LANG_COOKIE: &str = "postern_jlang";
const SESSION_KEY: &str = "journalist";

#[derive(Clone, Serialize, Deserialize)]
struct JSession {
    name: String,
    /// When the session logged in (Unix seconds): sessions also end after an absolute lifetime.
    since: u64,
}

/// The journalist interface's shared state.
pub struct JournalistApp {
    org: String,
    index: Arc<SpoolIndex>,
    accounts: AccountStore,
    /// Each journalist's seen and starred sets (shared with retention).
    states: Arc<JournalistStates>,
    throttle: auth::Throttles,
    /// Serializes the check-and-record of TOTP steps, so one code cannot log in twice at once.
    step_lock: tokio::sync::Mutex<()>,
    argon: Arc<Semaphore>,
    dummy_hash: String,
    max_lifetime: Duration,
    login_limiter: DefaultDirectRateLimiter,
    /// Logins per tor circuit (on a listener with `proxy_protocol`), checked before the global
    /// limit: one circuit's flood spends its own budget, not every journalist's.
    circuit_limiter: CircuitBudgets,
    idle: Duration,
    /// Most sessions in memory.
    max_sessions: usize,
    cookie_secure: bool,
    clock: Arc<dyn Clock>,
    /// The pinned newsroom reply-signing key, for reply bundles uploaded here.
    newsroom_key: Option<postern_spool::keys::VerifyingKey>,
    /// The spool's own key: source records are checked with it.
    server_key: postern_spool::keys::VerifyingKey,
    /// The same key's secret half: bundle manifests are signed with it.
    signer: postern_spool::keys::SigningKey,
    /// Size of one bundle part.
    part_size: u64,
    /// The resumable uploads' index of the source interface served beside this one (set by
    /// `serve`), told when a journalist deletes an upload.
    tus_uploads: std::sync::OnceLock<Arc<crate::storage::uploads::Uploads>>,
}

pub type Shared = Arc<JournalistApp>;

impl JournalistApp {
    /// Forgets the circuits that have not tried to log in for a while, and failed logins whose
    /// pause is over (called every minute).
    pub fn forget_quiet_circuits(&self) {
        self.circuit_limiter.forget_quiet();
        self.throttle.forget_expired();
    }

    pub fn new(
        cfg: &Config,
        section: &JournalistListener,
        index: Arc<SpoolIndex>,
        states: Arc<JournalistStates>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        let per_second = std::num::NonZeroU32::new(10).unwrap_or(std::num::NonZeroU32::MIN);
        let burst = std::num::NonZeroU32::new(30).unwrap_or(std::num::NonZeroU32::MIN);
        JournalistApp {
            org: cfg.file.organization.clone(),
            index,
            accounts: AccountStore::new(&cfg.file.data_dir),
            states,
            throttle: auth::Throttles::new(
                Duration::from_secs(section.lockout_seconds.max(1)),
                cfg.file.limits.max_tracked_circuits,
            ),
            step_lock: tokio::sync::Mutex::new(()),
            argon: Arc::new(Semaphore::new(cores)),
            dummy_hash: crate::storage::accounts::dummy_hash(cfg.file.limits.kdf()),
            max_lifetime: Duration::from_secs(section.session_max_hours.max(1) * 3600),
            login_limiter: RateLimiter::direct(Quota::per_second(per_second).allow_burst(burst)),
            circuit_limiter: CircuitBudgets::new(
                auth::CIRCUIT_LOGINS_PER_SECOND,
                auth::CIRCUIT_LOGIN_BURST,
                cfg.file.limits.max_tracked_circuits,
            ),
            idle: Duration::from_secs(section.session_idle_seconds.max(1)),
            max_sessions: section.max_sessions,
            cookie_secure: section.cookie_secure,
            clock,
            newsroom_key: cfg.newsroom_key,
            server_key: cfg.signing_key.verifying_key(),
            signer: cfg.signing_key.duplicate(),
            part_size: cfg.file.limits.bundle_part_bytes,
            tus_uploads: std::sync::OnceLock::new(),
        }
    }

    /// Connects the resumable uploads' index (once).
    pub fn attach_uploads(&self, uploads: Arc<crate::storage::uploads::Uploads>) {
        let _ = self.tus_uploads.set(uploads);
    }
}

/// Everything needed to run the journalist listener, checked before anything listens.
pub struct Prepared {
    pub state: Shared,
    pub listen: Listen,
}

/// Checks the journalist section (a different address than the source interface, client
/// authorization in effect) and builds the app.
pub fn prepare(
    cfg: &Config,
    index: Arc<SpoolIndex>,
    states: Arc<JournalistStates>,
    clock: Arc<dyn Clock>,
) -> Result<Option<Prepared>> {
    let Some(section) = cfg.file.journalist.as_ref() else {
        return Ok(None);
    };
    let listen = Listen::parse(&section.listen)?;
    let source = Listen::parse(&cfg.file.source.listen)?;
    if listen.clashes_with(&source) {
        bail!(
            "the journalist interface must not listen where the source interface does ({})",
            section.listen
        );
    }
    let keys = check_client_auth(&section.authorized_clients_dir)
        .context("refusing to start: the journalist interface would be open to anyone")?;
    tracing::info!(keys, "journalist client authorization in effect");
    let state = Arc::new(JournalistApp::new(cfg, section, index, states, clock));
    Ok(Some(Prepared { state, listen }))
}

/// The journalist app with every layer: sessions, CSRF, logging, security headers.
pub fn app(st: Shared) -> Router {
    let idle = time::Duration::seconds(i64::try_from(st.idle.as_secs()).unwrap_or(i64::MAX));
    let sessions = SessionManagerLayer::new(BoundedStore::new(st.max_sessions, SESSION_KEY))
        .with_name(COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_secure(st.cookie_secure)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle))
        // Saved on every request, so that activity (not only a change) keeps a session alive.
        .with_always_save(true);
    // The cross-origin check cannot see the request: its page is rendered again, in the
    // journalist's language, by `localized_csrf_rejection` around it.
    let csrf = tower_http::csrf::CsrfLayer::new().with_rejection_response(|_e| {
        html(StatusCode::FORBIDDEN, csrf_rejection_page("", Lang::En))
    });
    let forms = Router::new()
        .route("/", get(root))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/language", post(auth::language))
        .route("/static/style.css", get(stylesheet))
        .route("/sources", get(sources::sources))
        .route("/sources/{sid}", get(sources::source_page))
        .route("/sources/{sid}/star", post(sources::star))
        .route("/sources/{sid}/seen", post(sources::mark_seen))
        .route("/sources/{sid}/delete", post(sources::delete_source))
        .route(
            "/sources/{sid}/items/{iid}/delete",
            post(sources::delete_item),
        )
        .route(
            "/sources/{sid}/uploads/{uid}/delete",
            post(sources::delete_upload),
        )
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(60),
        ));
    // Downloads can take long over Tor: no total deadline.
    let downloads = Router::new()
        .route("/sources/{sid}/items/{iid}", get(downloads::download_item))
        .route("/bundle", post(downloads::bundle))
        .route("/bundle/{sel}", get(downloads::selection_page))
        .route("/bundle/{sel}/{part}", get(downloads::download_part));
    // Reply bundles: a bounded body, read whole, then checked like `postern import-replies`.
    let uploads = Router::new()
        .route("/replies", post(uploads::upload_replies))
        .layer(DefaultBodyLimit::max(uploads::MAX_REPLY_BUNDLE))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            Duration::from_secs(120),
        ));
    forms
        .merge(downloads)
        .merge(uploads)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(16 * 1024))
        .layer(axum::middleware::from_fn_with_state(
            FormTokens::new(FORM_COOKIE, st.cookie_secure),
            form_tokens,
        ))
        .layer(sessions)
        .with_state(st.clone())
        .layer(csrf)
        .layer(axum::middleware::from_fn_with_state(
            st,
            localized_csrf_rejection,
        ))
        .layer(axum::middleware::from_fn(
            security_headers_keeping_validators,
        ))
}

/// The page of a request the cross-origin check refused, in `lang`.
fn csrf_rejection_page(org: &str, lang: Lang) -> String {
    pages::message_ids(
        &Layout {
            org,
            csrf: "",
            user: None,
            lang,
            path: "/",
        },
        "j-forbidden-title",
        "j-forbidden-other-site",
        "/sources",
        "j-back",
    )
}

/// Renders the cross-origin check's refusal (marked by its `ProtectionError`) again in the
/// language of the journalist's [`LANG_COOKIE`]; every other response passes unchanged.
async fn localized_csrf_rejection(State(st): State<Shared>, req: Request, next: Next) -> Response {
    let lang = lang_of(req.headers());
    let res = next.run(req).await;
    if res
        .extensions()
        .get::<tower_http::csrf::ProtectionError>()
        .is_none()
    {
        return res;
    }
    html(StatusCode::FORBIDDEN, csrf_rejection_page(&st.org, lang))
}

fn html(status: StatusCode, body: String) -> Response {
    html_response(status, body)
}

/// A logged-in journalist: the request's extractor for every page but the login. A request
/// without one gets the login page (a redirect) if the browser had no session, "Session ended"
/// if it had one.
pub struct Journalist {
    pub st: Shared,
    pub session: Session,
    pub name: String,
    pub csrf: String,
    /// The language of the pages, from [`LANG_COOKIE`].
    pub lang: Lang,
    /// The request's path (for the language switch).
    pub path: String,
}

impl Journalist {
    fn layout(&self) -> Layout<'_> {
        Layout {
            org: &self.st.org,
            csrf: &self.csrf,
            user: Some(&self.name),
            lang: self.lang,
            path: &self.path,
        }
    }

    /// The message `id` in this journalist's language.
    fn t(&self, id: &str) -> String {
        i18n::t(self.lang, id)
    }

    /// A message page for this journalist (from message ids), linking back to the sources.
    fn message(&self, status: StatusCode, title: &str, text: &str) -> WebError {
        WebError::page(
            status,
            pages::message_ids(&self.layout(), title, text, "/sources", "j-back-sources"),
        )
    }

    fn forbidden(&self) -> WebError {
        forbidden(&self.st, Some(self), self.lang)
    }

    fn server_error(&self) -> WebError {
        self.message(
            StatusCode::INTERNAL_SERVER_ERROR,
            "j-error-title",
            "j-error-text",
        )
    }

    fn not_found(&self) -> WebError {
        self.message(
            StatusCode::NOT_FOUND,
            "j-not-found-title",
            "j-not-found-item",
        )
    }
}

impl FromRequestParts<Shared> for Journalist {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, st: &Shared) -> Result<Self, WebError> {
        let session = Session::from_request_parts(parts, st)
            .await
            .map_err(|_| forbidden(st, None, lang_of(&parts.headers)))?;
        let js = session.get::<JSession>(SESSION_KEY).await.ok().flatten();
        let lang = lang_of(&parts.headers);
        let path = parts.uri.path().to_owned();
        if let Some(js) = js {
            let age = st.clock.unix_seconds().saturating_sub(js.since);
            if age < st.max_lifetime.as_secs() && st.accounts.exists(&js.name) {
                let csrf = csrf_token(&session).await;
                return Ok(Journalist {
                    st: st.clone(),
                    session,
                    name: js.name,
                    csrf,
                    lang,
                    path,
                });
            }
            let _ = session.flush().await;
        }
        if had_cookie(&parts.headers, COOKIE) {
            // Only the language switch: the stateless token, so no anonymous session.
            let csrf = match FormToken::from_request_parts(parts, st).await {
                Ok(t) => t.token(),
                Err(_) => String::new(),
            };
            let l = Layout {
                org: &st.org,
                csrf: &csrf,
                user: None,
                lang,
                path: "/login",
            };
            return Err(WebError::page(
                StatusCode::UNAUTHORIZED,
                pages::message_ids(
                    &l,
                    "j-session-ended-title",
                    "j-session-ended-text",
                    "/login",
                    "j-login-title",
                ),
            ));
        }
        Err(WebError::redirect("/login"))
    }
}

/// A form that carries a synchronizer token.
trait WithCsrf {
    fn csrf(&self) -> &str;
}

/// A logged-in journalist's URL-encoded form whose token matches the session's (else 403).
struct Posted<T>(Journalist, T);

impl<T> FromRequest<Shared> for Posted<T>
where
    T: DeserializeOwned + WithCsrf + Send,
{
    type Rejection = WebError;

    async fn from_request(req: Request, st: &Shared) -> Result<Self, WebError> {
        let (mut parts, body) = req.into_parts();
        let who = Journalist::from_request_parts(&mut parts, st).await?;
        let req = Request::from_parts(parts, body);
        let Ok(Form(form)) = Form::<T>::from_request(req, st).await else {
            return Err(who.forbidden());
        };
        if !csrf_ok(&who.session, form.csrf()).await {
            return Err(who.forbidden());
        }
        Ok(Posted(who, form))
    }
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

impl WithCsrf for CsrfForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

fn forbidden(st: &JournalistApp, who: Option<&Journalist>, lang: Lang) -> WebError {
    let l = Layout {
        org: &st.org,
        csrf: who.map(|w| w.csrf.as_str()).unwrap_or(""),
        user: who.map(|w| w.name.as_str()),
        lang,
        path: who.map(|w| w.path.as_str()).unwrap_or("/sources"),
    };
    WebError::page(
        StatusCode::FORBIDDEN,
        pages::message_ids(
            &l,
            "j-forbidden-title",
            "j-forbidden-text",
            "/sources",
            "j-back-sources",
        ),
    )
}

/// The language of the journalist's pages: the code in [`LANG_COOKIE`], else English.
pub fn lang_of(headers: &axum::http::HeaderMap) -> Lang {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().strip_prefix(LANG_COOKIE)?.strip_prefix('='))
        .find_map(Lang::from_code)
        .unwrap_or(Lang::En)
}

async fn root() -> Redirect {
    Redirect::to("/sources")
}

async fn stylesheet() -> Response {
    (
        [content_type("text/css; charset=utf-8")],
        include_str!("../../../static/style.css"),
    )
        .into_response()
}

async fn not_found(State(st): State<Shared>, headers: axum::http::HeaderMap) -> Response {
    let l = Layout {
        org: &st.org,
        csrf: "",
        user: None,
        lang: lang_of(&headers),
        path: "/sources",
    };
    html(
        StatusCode::NOT_FOUND,
        pages::message_ids(
            &l,
            "j-not-found-title",
            "j-not-found-page",
            "/sources",
            "j-sources-title",
        ),
    )
}
