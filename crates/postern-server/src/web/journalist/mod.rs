//! The journalist interface: a second listener, for an onion service with per-journalist client
//! authorization. It deals in ciphertext only: journalists see sources by designation, the kinds,
//! padded sizes and days of their items, download items or a signed bundle for the air-gapped
//! reviewer, star, mark seen and delete. Nothing it serves can be read without the newsroom key.
//!
//! Login takes a username, a passphrase (Argon2id, verified off the async threads, behind a
//! semaphore) and a TOTP code whose time step must be later than the last one accepted. Every
//! failure gives the same answer; after [`MAX_FAILURES`] failures an account is paused for a
//! delay that doubles with each further pause. A name that does not exist costs the same Argon2
//! run as one that does. The session id is replaced at login, sessions end after an idle timeout
//! and after an absolute lifetime, and a session of a removed or reset account ends at once.
//!
//! Only `GET /`, `GET /login`, `POST /login` and `GET /static/style.css` answer without a session
//! (a test pins this set).

mod pages;
pub mod state;

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Form, Path as UrlPath, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use postern_spool::designation::designation;
use postern_spool::ids::{ItemId, SourceId};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use tower_http::timeout::TimeoutLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, Session, SessionManagerLayer};
use zeroize::Zeroizing;

use self::pages::{ItemRow, Layout, SourceRow, SourceView};
use self::state::{JournalistState, StateStore};
use super::session_store::BoundedStore;
use super::source::{csrf_ok, csrf_token};
use super::{content_type, log_request, security_headers};
use crate::accounts::{AccountStore, valid_name};
use crate::config::{Config, JournalistListener};
use crate::spoolview::{SourceInfo, SpoolIndex, today};

/// The journalist session cookie's name (another origin than the source interface's).
pub const COOKIE: &str = "postern_j";
const SESSION_KEY: &str = "journalist";
/// Failures before an account is paused.
pub const MAX_FAILURES: u32 = 5;
/// The one answer to every failed login.
pub const LOGIN_FAILED: &str = "Login failed. Check your username, passphrase and two-factor code, and try again. After repeated failures, logins to an account are paused for a while.";

#[derive(Clone, Serialize, Deserialize)]
struct JSession {
    name: String,
    /// When the session logged in (Unix seconds): sessions also end after an absolute lifetime.
    since: u64,
}

#[derive(Default)]
struct Throttle {
    failures: u32,
    until: Option<Instant>,
}

/// The journalist interface's shared state.
pub struct JournalistApp {
    org: String,
    index: Arc<SpoolIndex>,
    accounts: AccountStore,
    states: StateStore,
    /// Each logged-in journalist's seen and starred sets, loaded at login.
    state_cache: Mutex<HashMap<String, JournalistState>>,
    throttle: Mutex<HashMap<String, Throttle>>,
    /// Serializes the check-and-record of TOTP steps, so one code cannot log in twice at once.
    step_lock: tokio::sync::Mutex<()>,
    argon: Arc<Semaphore>,
    dummy_hash: String,
    lockout: Duration,
    max_lifetime: Duration,
    login_limiter: DefaultDirectRateLimiter,
    idle: Duration,
    cookie_secure: bool,
    /// The pinned newsroom reply-signing key, for reply bundles uploaded here.
    newsroom_key: Option<postern_spool::keys::VerifyingKey>,
    /// The spool's own key: source records are checked with it.
    server_key: postern_spool::keys::VerifyingKey,
}

pub type Shared = Arc<JournalistApp>;

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl JournalistApp {
    pub fn new(cfg: &Config, section: &JournalistListener, index: Arc<SpoolIndex>) -> Self {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        let per_second = std::num::NonZeroU32::new(10).unwrap_or(std::num::NonZeroU32::MIN);
        let burst = std::num::NonZeroU32::new(30).unwrap_or(std::num::NonZeroU32::MIN);
        JournalistApp {
            org: cfg.file.organization.clone(),
            index,
            accounts: AccountStore::new(&cfg.file.data_dir),
            states: StateStore::new(&cfg.file.data_dir),
            state_cache: Mutex::new(HashMap::new()),
            throttle: Mutex::new(HashMap::new()),
            step_lock: tokio::sync::Mutex::new(()),
            argon: Arc::new(Semaphore::new(cores)),
            dummy_hash: crate::accounts::dummy_hash(cfg.file.limits.kdf()),
            lockout: Duration::from_secs(section.lockout_seconds.max(1)),
            max_lifetime: Duration::from_secs(section.session_max_hours.max(1) * 3600),
            login_limiter: RateLimiter::direct(Quota::per_second(per_second).allow_burst(burst)),
            idle: Duration::from_secs(section.session_idle_seconds.max(1)),
            cookie_secure: section.cookie_secure,
            newsroom_key: cfg.newsroom_key,
            server_key: cfg.signing_key.verifying_key(),
        }
    }

    /// Whether `name` is paused now.
    fn paused(&self, name: &str) -> bool {
        let Ok(t) = self.throttle.lock() else {
            return true;
        };
        t.get(name)
            .and_then(|t| t.until)
            .is_some_and(|u| Instant::now() < u)
    }

    fn failed(&self, name: &str) {
        // Only real accounts are tracked, so the map stays as small as the newsroom.
        if !self.accounts.exists(name) {
            return;
        }
        let Ok(mut map) = self.throttle.lock() else {
            return;
        };
        let t = map.entry(name.to_owned()).or_default();
        t.failures = t.failures.saturating_add(1);
        if t.failures >= MAX_FAILURES {
            let doublings = (t.failures - MAX_FAILURES).min(10);
            t.until = Some(Instant::now() + self.lockout * (1u32 << doublings));
            tracing::warn!("a journalist account is paused after repeated failed logins");
        }
    }

    fn succeeded(&self, name: &str) {
        if let Ok(mut map) = self.throttle.lock() {
            map.remove(name);
        }
    }

    /// Runs `f` on the journalist's state, loading it first if needed.
    fn with_state<T>(&self, name: &str, f: impl FnOnce(&JournalistState) -> T) -> Result<T> {
        let mut cache = self
            .state_cache
            .lock()
            .map_err(|_| anyhow::anyhow!("state lock poisoned"))?;
        if !cache.contains_key(name) {
            cache.insert(name.to_owned(), self.states.load(name)?);
        }
        let st = cache.get(name).context("state just loaded")?;
        Ok(f(st))
    }

    /// Changes the journalist's state and writes it to disk.
    fn update_state(&self, name: &str, f: impl FnOnce(&mut JournalistState)) -> Result<()> {
        let mut cache = self
            .state_cache
            .lock()
            .map_err(|_| anyhow::anyhow!("state lock poisoned"))?;
        if !cache.contains_key(name) {
            cache.insert(name.to_owned(), self.states.load(name)?);
        }
        let st = cache.get_mut(name).context("state just loaded")?;
        f(st);
        self.states.save(name, st)
    }

    /// Removes deleted items and sources from every journalist's state, on disk and in memory,
    /// so that no state file keeps a trace of what was deleted.
    pub fn forget(&self, items: &HashSet<ItemId>, source: Option<SourceId>) -> Result<()> {
        let mut cache = self
            .state_cache
            .lock()
            .map_err(|_| anyhow::anyhow!("state lock poisoned"))?;
        forget_in(&self.states, &self.accounts, items, source)?;
        cache.clear();
        Ok(())
    }
}

/// Removes `items` and `source` from every journalist's state file.
pub fn forget_in(
    states: &StateStore,
    accounts: &AccountStore,
    items: &HashSet<ItemId>,
    source: Option<SourceId>,
) -> Result<()> {
    for name in accounts.names()? {
        let mut st = states.load(&name)?;
        let before = (st.seen.len(), st.starred.len());
        st.seen.retain(|i| !items.contains(i));
        if let Some(s) = source {
            st.starred.remove(&s);
        }
        if before != (st.seen.len(), st.starred.len()) {
            states.save(&name, &st)?;
        }
    }
    Ok(())
}

/// Everything needed to run the journalist listener, checked before anything listens.
pub struct Prepared {
    pub state: Shared,
    pub listen: super::Listen,
}

/// Checks the journalist section (a different address than the source interface, client
/// authorization in effect) and builds the app.
pub fn prepare(cfg: &Config, index: Arc<SpoolIndex>) -> Result<Option<Prepared>> {
    let Some(section) = cfg.file.journalist.as_ref() else {
        return Ok(None);
    };
    let listen = super::parse_listen(&section.listen)?;
    let source = super::parse_listen(&cfg.file.source.listen)?;
    let same = match (&listen, &source) {
        (super::Listen::Tcp(a), super::Listen::Tcp(b)) => a.port() == b.port() || a == b,
        (super::Listen::Unix(a), super::Listen::Unix(b)) => a == b,
        (super::Listen::Systemd(a), super::Listen::Systemd(b)) => a == b,
        _ => false,
    };
    if same {
        bail!(
            "the journalist interface must not listen where the source interface does ({})",
            section.listen
        );
    }
    let keys = crate::check::check_client_auth(&section.authorized_clients_dir)
        .context("refusing to start: the journalist interface would be open to anyone")?;
    tracing::info!(keys, "journalist client authorization in effect");
    let state = Arc::new(JournalistApp::new(cfg, section, index));
    Ok(Some(Prepared { state, listen }))
}

/// The journalist app with every layer: sessions, CSRF, logging, security headers.
pub fn router(st: Shared) -> Router {
    let idle = time::Duration::seconds(i64::try_from(st.idle.as_secs()).unwrap_or(i64::MAX));
    let sessions = SessionManagerLayer::new(BoundedStore::new(1000))
        .with_name(COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_secure(st.cookie_secure)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle));
    let csrf = tower_http::csrf::CsrfLayer::new().with_rejection_response(|_e| {
        html(
            StatusCode::FORBIDDEN,
            pages::message(
                &Layout {
                    org: "",
                    csrf: "",
                    user: None,
                },
                "Forbidden",
                "This request came from another site and was refused.",
                "/sources",
                "Back",
            ),
        )
    });
    let forms = Router::new()
        .route("/", get(root))
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .route("/static/style.css", get(stylesheet))
        .route("/sources", get(sources))
        .route("/sources/{sid}", get(source_page))
        .route("/sources/{sid}/star", post(star))
        .route("/sources/{sid}/seen", post(mark_seen))
        .route("/sources/{sid}/delete", post(delete_source))
        .route("/sources/{sid}/items/{iid}/delete", post(delete_item))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(60),
        ));
    // Downloads can take long over Tor: no total deadline.
    let downloads = Router::new()
        .route("/sources/{sid}/items/{iid}", get(download_item))
        .route("/bundle", post(bundle));
    // Reply bundles: a bounded body, read whole, then checked like `postern import-replies`.
    let uploads = Router::new()
        .route("/replies", post(upload_replies))
        .layer(DefaultBodyLimit::max(MAX_REPLY_BUNDLE))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            Duration::from_secs(120),
        ));
    forms
        .merge(downloads)
        .merge(uploads)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(16 * 1024))
        .layer(sessions)
        .with_state(st)
        .layer(csrf)
        .layer(axum::middleware::from_fn(log_request))
        .layer(axum::middleware::from_fn(security_headers))
}

fn html(status: StatusCode, body: String) -> Response {
    (
        status,
        [content_type("text/html; charset=utf-8")],
        Html(body),
    )
        .into_response()
}

fn had_cookie(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.split(';')
                .any(|c| c.trim().starts_with(&format!("{COOKIE}=")))
        })
}

/// A logged-in journalist (name) and the page layout for them.
struct Who {
    name: String,
    csrf: String,
}

impl Who {
    fn layout<'a>(&'a self, st: &'a JournalistApp) -> Layout<'a> {
        Layout {
            org: &st.org,
            csrf: &self.csrf,
            user: Some(&self.name),
        }
    }
}

/// The logged-in journalist, or the answer for a request without one: the login page (a
/// redirect) if the browser had no session, "expired" if it had one.
#[allow(clippy::result_large_err)] // The error is the response itself.
async fn who(st: &JournalistApp, session: &Session, headers: &HeaderMap) -> Result<Who, Response> {
    let js = session.get::<JSession>(SESSION_KEY).await.ok().flatten();
    if let Some(js) = js {
        let fresh = unix_now().saturating_sub(js.since) < st.max_lifetime.as_secs();
        if fresh && st.accounts.exists(&js.name) {
            return Ok(Who {
                name: js.name,
                csrf: csrf_token(session).await,
            });
        }
        let _ = session.flush().await;
    }
    if had_cookie(headers) {
        let csrf = csrf_token(session).await;
        let l = Layout {
            org: &st.org,
            csrf: &csrf,
            user: None,
        };
        return Err(html(
            StatusCode::UNAUTHORIZED,
            pages::message(
                &l,
                "Session ended",
                "Your session ended (after a while without activity, or because your account changed). Log in again.",
                "/login",
                "Log in",
            ),
        ));
    }
    Err(Redirect::to("/login").into_response())
}

#[derive(Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

#[derive(Deserialize)]
struct StarForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    on: String,
}

#[derive(Deserialize)]
struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    confirm: String,
}

#[derive(Deserialize)]
struct BundleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    source: String,
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    passphrase: String,
    #[serde(default)]
    code: String,
}

type FormResult<T> = Result<Form<T>, axum::extract::rejection::FormRejection>;

fn forbidden(st: &JournalistApp, who: Option<&Who>) -> Response {
    let l = Layout {
        org: &st.org,
        csrf: who.map(|w| w.csrf.as_str()).unwrap_or(""),
        user: who.map(|w| w.name.as_str()),
    };
    html(
        StatusCode::FORBIDDEN,
        pages::message(
            &l,
            "Forbidden",
            "The form was out of date or not sent by this site. Go back, reload the page and try again.",
            "/sources",
            "Back to the sources",
        ),
    )
}

fn server_error(st: &JournalistApp, who: &Who) -> Response {
    html(
        StatusCode::INTERNAL_SERVER_ERROR,
        pages::message(
            &who.layout(st),
            "Error",
            "Something went wrong on the server. Try again; if it persists, tell the operator.",
            "/sources",
            "Back to the sources",
        ),
    )
}

fn not_found_page(st: &JournalistApp, who: &Who) -> Response {
    html(
        StatusCode::NOT_FOUND,
        pages::message(
            &who.layout(st),
            "Not found",
            "There is no such source or item (it may have been deleted).",
            "/sources",
            "Back to the sources",
        ),
    )
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

async fn not_found(State(st): State<Shared>) -> Response {
    let l = Layout {
        org: &st.org,
        csrf: "",
        user: None,
    };
    html(
        StatusCode::NOT_FOUND,
        pages::message(
            &l,
            "Not found",
            "There is no such page.",
            "/sources",
            "Sources",
        ),
    )
}

async fn login_page(State(st): State<Shared>, session: Session) -> Response {
    let csrf = csrf_token(&session).await;
    let l = Layout {
        org: &st.org,
        csrf: &csrf,
        user: None,
    };
    html(StatusCode::OK, pages::login(&l, None))
}

async fn login(
    State(st): State<Shared>,
    session: Session,
    form: FormResult<LoginForm>,
) -> Response {
    let Ok(Form(form)) = form else {
        return forbidden(&st, None);
    };
    if !csrf_ok(&session, &form.csrf).await {
        return forbidden(&st, None);
    }
    let name = form.username.trim().to_owned();
    let passphrase = Zeroizing::new(form.passphrase);
    let code = Zeroizing::new(form.code);
    let outcome = check_login(&st, &name, passphrase, &code).await;
    let csrf = csrf_token(&session).await;
    let l = Layout {
        org: &st.org,
        csrf: &csrf,
        user: None,
    };
    if outcome != Outcome::Ok {
        // Attempts while paused do not count: they are refused unchecked.
        if outcome == Outcome::Failed && valid_name(&name) {
            st.failed(&name);
        }
        return html(
            StatusCode::UNAUTHORIZED,
            pages::login(&l, Some(LOGIN_FAILED)),
        );
    }
    st.succeeded(&name);
    // A new session id (a pre-login id is useless afterwards) and a new CSRF token.
    if session.cycle_id().await.is_err() {
        return html(
            StatusCode::INTERNAL_SERVER_ERROR,
            pages::login(&l, Some(LOGIN_FAILED)),
        );
    }
    let _ = session.remove::<String>("csrf").await;
    let js = JSession {
        name: name.clone(),
        since: unix_now(),
    };
    if session.insert(SESSION_KEY, js).await.is_err() {
        return html(
            StatusCode::INTERNAL_SERVER_ERROR,
            pages::login(&l, Some(LOGIN_FAILED)),
        );
    }
    // Fresh from disk: the state may have been changed by a deletion meanwhile.
    if let Ok(mut c) = st.state_cache.lock() {
        c.remove(&name);
    }
    tracing::info!("a journalist logged in");
    Redirect::to("/sources").into_response()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Ok,
    Failed,
    /// Refused without checking: the account is paused, or too many logins at once.
    Paused,
}

/// Username, passphrase and TOTP code, with throttling; `Ok` only if all three are right.
async fn check_login(
    st: &Shared,
    name: &str,
    passphrase: Zeroizing<String>,
    code: &str,
) -> Outcome {
    if st.login_limiter.check().is_err() {
        return Outcome::Paused;
    }
    if valid_name(name) && st.paused(name) {
        return Outcome::Paused;
    }
    let account = if valid_name(name) && passphrase.len() <= 256 {
        st.accounts.load(name).ok().flatten()
    } else {
        None
    };
    // The same Argon2 work whether or not the account exists.
    let hash = account
        .as_ref()
        .map(|a| a.passphrase.clone())
        .unwrap_or_else(|| st.dummy_hash.clone());
    let Ok(permit) = st.argon.clone().acquire_owned().await else {
        return Outcome::Paused;
    };
    let verified = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        crate::accounts::verify_passphrase(&hash, &passphrase)
    })
    .await
    .unwrap_or(false);
    if !verified || account.is_none() {
        return Outcome::Failed;
    }
    // Check the code and record its step under one lock, from a fresh read of the account.
    let _guard = st.step_lock.lock().await;
    let Ok(Some(mut account)) = st.accounts.load(name) else {
        return Outcome::Failed;
    };
    let Some(step) = account.check_code(code, unix_now()) else {
        return Outcome::Failed;
    };
    account.last_step = step;
    if st.accounts.save(&account).is_ok() {
        Outcome::Ok
    } else {
        Outcome::Failed
    }
}

async fn logout(
    State(st): State<Shared>,
    session: Session,
    headers: HeaderMap,
    form: FormResult<CsrfForm>,
) -> Response {
    let who = match who(&st, &session, &headers).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    match form {
        Ok(Form(f)) if csrf_ok(&session, &f.csrf).await => {}
        _ => return forbidden(&st, Some(&who)),
    }
    let _ = session.flush().await;
    let l = Layout {
        org: &st.org,
        csrf: "",
        user: None,
    };
    html(
        StatusCode::OK,
        pages::message(
            &l,
            "Logged out",
            "You are logged out.",
            "/login",
            "Log in again",
        ),
    )
}

fn short(id: &SourceId) -> String {
    id.to_string().chars().take(8).collect()
}

async fn sources(State(st): State<Shared>, session: Session, headers: HeaderMap) -> Response {
    let who = match who(&st, &session, &headers).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let st2 = st.clone();
    let name = who.name.clone();
    let rows = tokio::task::spawn_blocking(move || source_rows(&st2, &name)).await;
    match rows {
        Ok(Ok((rows, total_new))) => html(
            StatusCode::OK,
            pages::sources(&who.layout(&st), None, &rows, total_new),
        ),
        _ => server_error(&st, &who),
    }
}

/// The rows of the sources list: starred first, then by last active day (latest first).
pub fn source_rows(st: &JournalistApp, name: &str) -> Result<(Vec<SourceRow>, usize)> {
    let all = st.index.sources()?;
    st.with_state(name, |state| {
        let mut rows: Vec<(bool, u32, SourceRow)> = all
            .iter()
            .map(|s| {
                let new = s.items.iter().filter(|i| !state.has_seen(&i.id)).count();
                let starred = state.is_starred(&s.id);
                let last = s.last_day();
                (
                    starred,
                    last.0,
                    SourceRow {
                        id: s.id.to_string(),
                        short: short(&s.id),
                        designation: designation(&s.id),
                        new,
                        items: s.items.len(),
                        last_day: last.to_string(),
                        starred,
                    },
                )
            })
            .collect();
        rows.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
        let total_new = rows.iter().map(|r| r.2.new).sum();
        (rows.into_iter().map(|r| r.2).collect(), total_new)
    })
}

fn parse_source(s: &str) -> Option<SourceId> {
    SourceId::parse(s)
}

async fn source_info(st: &Shared, sid: &str) -> Option<Arc<SourceInfo>> {
    let id = parse_source(sid)?;
    let index = st.index.clone();
    tokio::task::spawn_blocking(move || index.source(&id))
        .await
        .ok()?
        .ok()
        .flatten()
}

async fn source_page(
    State(st): State<Shared>,
    session: Session,
    headers: HeaderMap,
    UrlPath(sid): UrlPath<String>,
) -> Response {
    let who = match who(&st, &session, &headers).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let Some(info) = source_info(&st, &sid).await else {
        return not_found_page(&st, &who);
    };
    render_source(&st, &who, &info, None)
}

fn render_source(
    st: &JournalistApp,
    who: &Who,
    info: &SourceInfo,
    notice: Option<&str>,
) -> Response {
    let Ok((items, starred)) = st.with_state(&who.name, |state| {
        let items: Vec<ItemRow> = info
            .items
            .iter()
            .rev()
            .map(|i| ItemRow {
                id: i.id.to_string(),
                kind: i.kind.to_string(),
                size: i.size,
                day: i.day.to_string(),
                new: !state.has_seen(&i.id),
            })
            .collect();
        (items, state.is_starred(&info.id))
    }) else {
        return server_error(st, who);
    };
    let id = info.id.to_string();
    let short = short(&info.id);
    let designation = designation(&info.id);
    let first_day = info.first_day.to_string();
    html(
        StatusCode::OK,
        pages::source(
            &who.layout(st),
            notice,
            &SourceView {
                id: &id,
                short: &short,
                designation: &designation,
                first_day: &first_day,
                starred,
                items: &items,
            },
        ),
    )
}

/// Checks the session and the CSRF token of a state-changing form.
#[allow(clippy::result_large_err)] // The error is the response itself.
async fn checked<T>(
    st: &JournalistApp,
    session: &Session,
    headers: &HeaderMap,
    form: FormResult<T>,
    token: impl FnOnce(&T) -> &str,
) -> Result<(Who, T), Response> {
    let who = who(st, session, headers).await?;
    match form {
        Ok(Form(f)) if csrf_ok(session, token(&f)).await => Ok((who, f)),
        _ => Err(forbidden(st, Some(&who))),
    }
}

async fn star(
    State(st): State<Shared>,
    session: Session,
    headers: HeaderMap,
    UrlPath(sid): UrlPath<String>,
    form: FormResult<StarForm>,
) -> Response {
    let (who, form) = match checked(&st, &session, &headers, form, |f| &f.csrf).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(info) = source_info(&st, &sid).await else {
        return not_found_page(&st, &who);
    };
    let on = form.on == "1";
    if st
        .update_state(&who.name, |s| {
            if on {
                s.starred.insert(info.id);
            } else {
                s.starred.remove(&info.id);
            }
        })
        .is_err()
    {
        return server_error(&st, &who);
    }
    Redirect::to(&format!("/sources/{}", info.id)).into_response()
}

async fn mark_seen(
    State(st): State<Shared>,
    session: Session,
    headers: HeaderMap,
    UrlPath(sid): UrlPath<String>,
    form: FormResult<CsrfForm>,
) -> Response {
    let (who, _) = match checked(&st, &session, &headers, form, |f| &f.csrf).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(info) = source_info(&st, &sid).await else {
        return not_found_page(&st, &who);
    };
    if st
        .update_state(&who.name, |s| {
            s.seen.extend(info.items.iter().map(|i| i.id))
        })
        .is_err()
    {
        return server_error(&st, &who);
    }
    Redirect::to(&format!("/sources/{}", info.id)).into_response()
}

async fn delete_item(
    State(st): State<Shared>,
    session: Session,
    headers: HeaderMap,
    UrlPath((sid, iid)): UrlPath<(String, String)>,
    form: FormResult<CsrfForm>,
) -> Response {
    let (who, _) = match checked(&st, &session, &headers, form, |f| &f.csrf).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let (Some(source), Some(item)) = (parse_source(&sid), ItemId::parse(&iid)) else {
        return not_found_page(&st, &who);
    };
    let st2 = st.clone();
    let done = tokio::task::spawn_blocking(move || -> Result<bool> {
        let existed = st2.index.delete_item(&source, &item)?;
        st2.forget(&HashSet::from([item]), None)?;
        Ok(existed)
    })
    .await;
    match done {
        Ok(Ok(true)) => {
            tracing::info!("a journalist deleted an item");
            match source_info(&st, &sid).await {
                Some(info) => render_source(&st, &who, &info, Some("The item was deleted.")),
                None => Redirect::to("/sources").into_response(),
            }
        }
        Ok(Ok(false)) => not_found_page(&st, &who),
        _ => server_error(&st, &who),
    }
}

async fn delete_source(
    State(st): State<Shared>,
    session: Session,
    headers: HeaderMap,
    UrlPath(sid): UrlPath<String>,
    form: FormResult<ConfirmForm>,
) -> Response {
    let (who, form) = match checked(&st, &session, &headers, form, |f| &f.csrf).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(info) = source_info(&st, &sid).await else {
        return not_found_page(&st, &who);
    };
    if form.confirm.trim() != designation(&info.id) {
        return render_source(
            &st,
            &who,
            &info,
            Some("Nothing was deleted: type the designation exactly to confirm."),
        );
    }
    let st2 = st.clone();
    let done = tokio::task::spawn_blocking(move || -> Result<()> {
        let items: HashSet<ItemId> = info.items.iter().map(|i| i.id).collect();
        st2.index.delete_source(&info.id)?;
        st2.forget(&items, Some(info.id))
    })
    .await;
    match done {
        Ok(Ok(())) => {
            tracing::info!("a journalist deleted a source");
            let st3 = st.clone();
            let name = who.name.clone();
            match tokio::task::spawn_blocking(move || source_rows(&st3, &name)).await {
                Ok(Ok((rows, total_new))) => html(
                    StatusCode::OK,
                    pages::sources(
                        &who.layout(&st),
                        Some("The source and all its items were deleted."),
                        &rows,
                        total_new,
                    ),
                ),
                _ => server_error(&st, &who),
            }
        }
        _ => server_error(&st, &who),
    }
}

fn attachment(name: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

async fn download_item(
    State(st): State<Shared>,
    session: Session,
    headers: HeaderMap,
    UrlPath((sid, iid)): UrlPath<(String, String)>,
) -> Response {
    let who = match who(&st, &session, &headers).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let (Some(source), Some(item)) = (parse_source(&sid), ItemId::parse(&iid)) else {
        return not_found_page(&st, &who);
    };
    let (age, rec) = st.index.spool().item_paths(&source, &item);
    // Only committed items (with a record) are served.
    if !rec.is_file() {
        return not_found_page(&st, &who);
    }
    let Ok(file) = tokio::fs::File::open(&age).await else {
        return not_found_page(&st, &who);
    };
    let len = file.metadata().await.map(|m| m.len()).ok();
    if st
        .update_state(&who.name, |s| {
            s.seen.insert(item);
        })
        .is_err()
    {
        return server_error(&st, &who);
    }
    let mut res = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(file, 1 << 16))
        .into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        attachment(&format!("{item}.age")),
    );
    if let Some(len) = len {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    res
}

/// A `Write` that hands the bundle to the response body in 64 KiB chunks. If it is dropped
/// before [`ChannelWriter::finish`], the body ends with an error, so that the client sees a
/// failed download rather than a shorter bundle that looks complete.
struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<io::Result<Bytes>>,
    buf: Vec<u8>,
    finished: bool,
}

const CHUNK: usize = 64 * 1024;

impl ChannelWriter {
    fn send_buf(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the download was abandoned"))
    }

    fn finish(mut self) -> io::Result<()> {
        self.send_buf()?;
        self.finished = true;
        Ok(())
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send_buf()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for ChannelWriter {
    fn drop(&mut self) {
        if !self.finished {
            let _ = self
                .tx
                .blocking_send(Err(io::Error::other("the bundle could not be completed")));
        }
    }
}

async fn bundle(
    State(st): State<Shared>,
    session: Session,
    headers: HeaderMap,
    form: FormResult<BundleForm>,
) -> Response {
    let (who, form) = match checked(&st, &session, &headers, form, |f| &f.csrf).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    // One source (all its items), or every source (what is new for this journalist).
    let selection: Vec<(Arc<SourceInfo>, Vec<ItemId>)> = if form.source.is_empty() {
        let index = st.index.clone();
        let Ok(Ok(all)) = tokio::task::spawn_blocking(move || index.sources()).await else {
            return server_error(&st, &who);
        };
        let Ok(sel) = st.with_state(&who.name, |state| {
            all.into_iter()
                .map(|s| {
                    let new: Vec<ItemId> = s
                        .items
                        .iter()
                        .filter(|i| !state.has_seen(&i.id))
                        .map(|i| i.id)
                        .collect();
                    (s, new)
                })
                .filter(|(_, new)| !new.is_empty())
                .collect()
        }) else {
            return server_error(&st, &who);
        };
        sel
    } else {
        let Some(info) = source_info(&st, &form.source).await else {
            return not_found_page(&st, &who);
        };
        let items = info.items.iter().map(|i| i.id).collect();
        vec![(info, items)]
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<io::Result<Bytes>>(4);
    let st2 = st.clone();
    let name = who.name.clone();
    tokio::task::spawn_blocking(move || {
        let writer = ChannelWriter {
            tx,
            buf: Vec::with_capacity(CHUNK),
            finished: false,
        };
        match st2.index.write_bundle(writer, &selection) {
            Ok((writer, written)) => {
                if writer.finish().is_ok() {
                    // Everything reached the connection: these items are now seen.
                    if st2
                        .update_state(&name, |s| s.seen.extend(written.iter().copied()))
                        .is_err()
                    {
                        tracing::warn!("could not record downloaded items as seen");
                    }
                    tracing::info!(items = written.len(), "a journalist downloaded a bundle");
                }
            }
            Err(_) => tracing::warn!("a bundle download failed"),
        }
    });
    let stream = futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx));
    let mut res = Body::from_stream(stream).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-tar"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        attachment(&format!("postern-bundle-{}.tar", today())),
    );
    res
}

/// Largest reply bundle accepted through the web interface.
const MAX_REPLY_BUNDLE: usize = 64 << 20;

/// `POST /replies`: a reply bundle from `postern-review export-replies` (multipart: `csrf` first,
/// then the `bundle` file), imported all or nothing with the same checks as
/// `postern import-replies`.
async fn upload_replies(
    State(st): State<Shared>,
    session: Session,
    headers: HeaderMap,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Response {
    let who = match who(&st, &session, &headers).await {
        Ok(w) => w,
        Err(r) => return r,
    };
    let Ok(mut multipart) = multipart else {
        return forbidden(&st, Some(&who));
    };
    // The token comes first, so nothing of an unchecked request is read.
    let token = match multipart.next_field().await {
        Ok(Some(f)) if f.name() == Some("csrf") => f.text().await.unwrap_or_default(),
        _ => return forbidden(&st, Some(&who)),
    };
    if !csrf_ok(&session, &token).await {
        return forbidden(&st, Some(&who));
    }
    let mut bundle = Vec::new();
    let outcome = loop {
        match multipart.next_field().await {
            Ok(Some(mut f)) if f.name() == Some("bundle") => {
                break loop {
                    match f.chunk().await {
                        Ok(Some(c)) if bundle.len() + c.len() <= MAX_REPLY_BUNDLE => {
                            bundle.extend_from_slice(&c)
                        }
                        Ok(Some(_)) => break Err("The bundle is larger than 64 MiB."),
                        Ok(None) => break Ok(()),
                        Err(_) => break Err("The upload was cut off; nothing was imported."),
                    }
                };
            }
            Ok(Some(_)) => continue,
            Ok(None) => break Err("No bundle was chosen."),
            Err(_) => break Err("The upload was cut off; nothing was imported."),
        }
    };
    let l = who.layout(&st);
    let result = match outcome {
        Err(why) => Err(why.to_owned()),
        Ok(()) => {
            let st2 = st.clone();
            tokio::task::spawn_blocking(move || {
                crate::replies::import_into(
                    st2.index.spool(),
                    st2.newsroom_key.as_ref(),
                    &st2.server_key,
                    bundle.as_slice(),
                )
            })
            .await
            .map_err(|_| "The import failed; nothing was imported.".to_owned())
            .and_then(|r| r.map_err(|e| format!("{e:#}")))
        }
    };
    match result {
        Ok(r) => {
            tracing::info!(new = r.new, "a journalist uploaded replies");
            html(
                StatusCode::OK,
                pages::message(
                    &l,
                    "Replies imported",
                    &format!(
                        "Imported {} new reply(ies) for {} source(s); {} already delivered. Sources see them when they log in.",
                        r.new, r.sources, r.already
                    ),
                    "/sources",
                    "Back to the sources",
                ),
            )
        }
        Err(why) => html(
            StatusCode::BAD_REQUEST,
            pages::message(
                &l,
                "Replies refused",
                &why,
                "/sources",
                "Back to the sources",
            ),
        ),
    }
}
