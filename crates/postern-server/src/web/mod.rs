//! The HTTP side: router, security headers, logging, timeouts and the accept loop.

pub mod i18n;
pub mod journalist;
pub mod pages;

mod ingest;
pub mod keyring;
mod replies;
mod session_store;
mod source;
mod tus;
mod tus_state;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use hyper_util::rt::{TokioIo, TokioTimer};
use postern_spool::codename::Codename;
use postern_spool::day::Day;
use postern_spool::derive::{KdfParams, ServerSalt, SourceKeys};
use postern_spool::keys::SigningKey;
use postern_spool::recipients::Recipients;
use postern_spool::spool::Spool;
use tokio::sync::Semaphore;
use tower::ServiceExt;

use crate::config::{Config, Limits};

/// Everything a request handler may need. Shared, read-only except for the counters.
pub struct AppState {
    pub org: String,
    pub spool: Spool,
    pub recipients: Recipients,
    pub signing_key: SigningKey,
    pub limits: Limits,
    pub kdf: Kdf,
    pub login_limiter: DefaultDirectRateLimiter,
    /// The newsroom's reply-signing key: replies are shown only if it signed them.
    pub newsroom_key: Option<postern_spool::keys::VerifyingKey>,
    /// Reply identities of logged-in sources, in memory only.
    pub keyring: keyring::Keyring,
    /// Resumable uploads: API bearer tokens and per-upload locks, in memory only.
    pub tus: tus::Tus,
}

pub type SharedState = Arc<AppState>;

impl AppState {
    pub fn today(&self) -> Day {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Day::from_unix_seconds(secs)
    }
}

/// Runs Argon2id off the async threads: at most one derivation per core, and at most
/// `queue` waiting; past that, callers are told the server is busy.
pub struct Kdf {
    salt: ServerSalt,
    params: KdfParams,
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
    queue: usize,
}

/// The derivation queue is full.
#[derive(Debug)]
pub struct Busy;

impl Kdf {
    pub fn new(salt: ServerSalt, params: KdfParams, queue: usize) -> Kdf {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        Kdf {
            salt,
            params,
            permits: Arc::new(Semaphore::new(cores)),
            waiting: AtomicUsize::new(0),
            queue,
        }
    }

    pub async fn derive(&self, codename: Codename) -> Result<SourceKeys, Busy> {
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.queue {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(Busy);
        }
        let permit = self.permits.clone().acquire_owned().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let permit = permit.map_err(|_| Busy)?;
        let salt = self.salt.clone();
        let params = self.params;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            postern_spool::derive::derive(&codename, &salt, params)
        })
        .await
        .map_err(|_| Busy)?
        .map_err(|_| Busy)
    }
}

/// Where to listen.
pub enum Listen {
    Tcp(SocketAddr),
    Unix(PathBuf),
    /// A socket passed by systemd (socket activation), by its `FileDescriptorName=`.
    Systemd(String),
}

/// Parses `unix:/path` or a loopback `IP:PORT`. Anything else is refused: the source interface
/// is reached through tor, never directly.
pub fn parse_listen(s: &str) -> Result<Listen> {
    if let Some(path) = s.strip_prefix("unix:") {
        if path.is_empty() {
            bail!("`unix:` needs a socket path");
        }
        return Ok(Listen::Unix(PathBuf::from(path)));
    }
    if let Some(name) = s.strip_prefix("systemd:") {
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            bail!("`systemd:` needs the socket's FileDescriptorName (letters, digits, - and _)");
        }
        return Ok(Listen::Systemd(name.to_owned()));
    }
    let addr: SocketAddr = s
        .parse()
        .with_context(|| format!("`{s}` is neither `unix:/path` nor `IP:PORT`"))?;
    if !addr.ip().is_loopback() {
        bail!(
            "refusing to listen on {addr}: only loopback addresses or unix sockets (tor connects to them)"
        );
    }
    Ok(Listen::Tcp(addr))
}

pub fn build_state(cfg: Config) -> Result<SharedState> {
    let spool = Spool::open(&cfg.spool_dir()).context("opening the spool")?;
    let swept = spool.sweep().context("cleaning the spool")?;
    if swept.temporaries + swept.orphans > 0 {
        tracing::info!(
            temporaries = swept.temporaries,
            orphans = swept.orphans,
            "removed leftovers of interrupted uploads"
        );
    }
    tus_state::ensure_dir(&spool).context("creating the uploads folder")?;
    let expired = tus_state::expire(&spool, Day::from_unix_seconds(unix_now()));
    if expired > 0 {
        tracing::info!(expired, "removed abandoned resumable uploads");
    }
    let limits = cfg.file.limits.clone();
    let per_second = std::num::NonZeroU32::new(20).unwrap_or(std::num::NonZeroU32::MIN);
    let burst = std::num::NonZeroU32::new(60).unwrap_or(std::num::NonZeroU32::MIN);
    Ok(Arc::new(AppState {
        org: cfg.file.organization.clone(),
        spool,
        recipients: cfg.recipients,
        signing_key: cfg.signing_key,
        kdf: Kdf::new(cfg.salt, limits.kdf(), limits.argon2_queue),
        login_limiter: RateLimiter::direct(Quota::per_second(per_second).allow_burst(burst)),
        newsroom_key: cfg.newsroom_key,
        keyring: keyring::Keyring::new(
            limits.max_sessions,
            Duration::from_secs(u64::from(limits.session_idle_minutes).saturating_mul(60)),
        ),
        tus: tus::Tus::new(
            limits.max_sessions,
            Duration::from_secs(u64::from(limits.session_idle_minutes).saturating_mul(60)),
        ),
        limits,
    }))
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The full application, with every layer.
pub fn app(state: SharedState, cookie_secure: bool) -> Router {
    // Cross-origin protection first (Sec-Fetch-Site / Origin), then the synchronizer tokens of
    // each form inside.
    let csrf = tower_http::csrf::CsrfLayer::new().with_rejection_response(|_e| {
        source::error_page(
            &pages::Ctx::bare(i18n::Lang::En, ""),
            axum::http::StatusCode::FORBIDDEN,
            "error-csrf",
        )
    });
    source::routes(state.clone(), cookie_secure)
        .layer(csrf)
        .layer(axum::middleware::from_fn(log_request))
        .layer(axum::middleware::from_fn(security_headers))
}

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

async fn security_headers(req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
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
    res
}

/// One log line per request: the route template (never the path, which can carry ids), the
/// method, the status and the latency. Nothing about the client.
async fn log_request(req: Request, next: Next) -> Response {
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

/// Builds the runtime and serves until Ctrl+C or SIGTERM.
pub fn serve_blocking(cfg: Config) -> Result<()> {
    init_logging();
    // Before any thread exists: the inherited sockets' environment is read (and unset) once.
    crate::systemd::collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(serve(cfg))
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("POSTERN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

async fn serve(cfg: Config) -> Result<()> {
    let listen = parse_listen(&cfg.file.source.listen)?;
    let cookie_secure = cfg.file.source.cookie_secure;
    // The journalist interface and retention (checked before anything listens).
    let index = Arc::new(crate::spoolview::SpoolIndex::new(
        Spool::open(&cfg.spool_dir()).context("opening the spool")?,
        cfg.signing_key.verifying_key(),
    ));
    let journalist = journalist::prepare(&cfg, index.clone())?;
    if journalist.is_some() {
        // Read and verify every record once now, so the first sources page is not the slow one.
        let warm = index.clone();
        tokio::task::spawn_blocking(move || {
            let _ = warm.sources();
        });
    }
    crate::retention::start(&cfg, index, journalist.as_ref().map(|j| j.state.clone()))?;
    let state = build_state(cfg)?;
    let header_timeout = Duration::from_secs(state.limits.header_read_seconds.max(1));
    let app = app(state.clone(), cookie_secure);
    let listener = Listener::bind(listen, "source interface").await?;
    // Reply identities of sessions that went idle are dropped (and zeroised) within a minute.
    let ring = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            ring.keyring.prune();
        }
    });
    // Abandoned resumable uploads are removed with their segments, hourly.
    let sweeper = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            let st = sweeper.clone();
            let _ = tokio::task::spawn_blocking(move || {
                tus_state::expire(&st.spool, Day::from_unix_seconds(unix_now()))
            })
            .await;
        }
    });
    let journalist = match journalist {
        Some(j) => Some((
            Listener::bind(j.listen, "journalist interface").await?,
            journalist::router(j.state),
        )),
        None => None,
    };
    let journalist_serve = async move {
        match journalist {
            Some((l, app)) => l.serve(app, header_timeout).await,
            None => std::future::pending().await,
        }
    };
    // Every listener is bound: tell systemd.
    crate::systemd::notify_ready();
    tokio::select! {
        () = listener.serve(app, header_timeout) => {}
        () = journalist_serve => {}
        () = shutdown_signal() => {}
    }
    tracing::info!("shutting down");
    Ok(())
}

/// A bound listening socket: the source interface and the journalist interface each get one,
/// never the same.
pub enum Listener {
    Tcp(tokio::net::TcpListener),
    Unix(tokio::net::UnixListener),
}

impl Listener {
    /// Binds `listen`; `what` names the interface in the log line (never an address of a peer).
    pub async fn bind(listen: Listen, what: &'static str) -> Result<Listener> {
        match listen {
            Listen::Tcp(addr) => {
                let listener = tokio::net::TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("cannot listen on {addr}"))?;
                tracing::info!(%addr, "{what} listening");
                Ok(Listener::Tcp(listener))
            }
            Listen::Unix(path) => {
                if path.exists() {
                    std::fs::remove_file(&path)
                        .with_context(|| format!("removing the stale socket {}", path.display()))?;
                }
                let listener = tokio::net::UnixListener::bind(&path)
                    .with_context(|| format!("cannot listen on {}", path.display()))?;
                tracing::info!("{what} listening on a unix socket");
                Ok(Listener::Unix(listener))
            }
            Listen::Systemd(name) => {
                let std_listener = crate::systemd::take_unix_listener(&name)?;
                let listener = tokio::net::UnixListener::from_std(std_listener)
                    .with_context(|| format!("the socket `{name}` passed by systemd"))?;
                tracing::info!("{what} listening on a socket passed by systemd");
                Ok(Listener::Unix(listener))
            }
        }
    }

    /// Accepts connections forever, each served on its own task.
    pub async fn serve(self, app: Router, header_timeout: Duration) {
        match self {
            Listener::Tcp(listener) => loop {
                match listener.accept().await {
                    // The peer address is dropped here: it is always tor, and never logged.
                    Ok((stream, _peer)) => spawn_connection(stream, app.clone(), header_timeout),
                    Err(_) => accept_backoff().await,
                }
            },
            Listener::Unix(listener) => loop {
                match listener.accept().await {
                    Ok((stream, _)) => spawn_connection(stream, app.clone(), header_timeout),
                    Err(_) => accept_backoff().await,
                }
            },
        }
    }
}

/// After a failed accept (out of file descriptors, say), wait a little rather than spin.
async fn accept_backoff() {
    tokio::time::sleep(Duration::from_millis(50)).await;
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
}

/// Serves one HTTP/1.1 connection, with a header-read timeout against slowloris and no `Date`
/// header (the server's clock can fingerprint an onion host).
fn spawn_connection<S>(stream: S, app: Router, header_timeout: Duration)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    tokio::spawn(async move {
        let service =
            hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let app = app.clone();
                async move { app.oneshot(req.map(axum::body::Body::new)).await }
            });
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout)
            .auto_date_header(false)
            .max_buf_size(64 * 1024);
        let _ = builder
            .serve_connection(TokioIo::new(stream), service)
            .await;
    });
}

pub(crate) fn content_type(value: &'static str) -> (header::HeaderName, HeaderValue) {
    (header::CONTENT_TYPE, HeaderValue::from_static(value))
}
