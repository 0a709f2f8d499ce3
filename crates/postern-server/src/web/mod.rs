//! The web layer: the kit both interfaces share ([`kit`]), the source interface ([`source`]),
//! the journalist interface ([`journalist`]), and [`serve`], which binds the listeners and runs
//! both with the housekeeping tasks.
//!
//! Each interface has a `pub fn app(…) -> Router` with every layer it is served with, so that its
//! behaviour can be tested in-process (`tower::ServiceExt::oneshot`), without a socket.

pub mod journalist;
pub mod kit;
pub mod source;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use postern_spool::spool::Spool;

use crate::clock::{Clock, SystemClock};
use crate::config::{Config, Listen};
use crate::storage::index::SpoolIndex;
use crate::storage::journalist_state::JournalistStates;
use crate::storage::retention;
use kit::listen::{ConnLimits, Listener, raise_fd_limit, shutdown_signal};

/// Builds the runtime and serves until Ctrl+C or SIGTERM.
pub fn serve_blocking(cfg: Config) -> Result<()> {
    init_logging();
    // Before any thread exists: the inherited sockets' environment is read (and unset) once.
    crate::systemd::collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(serve(cfg, Arc::new(SystemClock)))
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("POSTERN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_timer(DayOnly)
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// The time of a log line, to the day only (`2026-12-01`): a line must not say when, to the
/// second, a source did something (journald adds its own stamp; see the operator guide).
struct DayOnly;

impl tracing_subscriber::fmt::time::FormatTime for DayOnly {
    fn format_time(&self, w: &mut tracing_subscriber::fmt::format::Writer<'_>) -> std::fmt::Result {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        write!(w, "{}", postern_spool::day::Day::from_unix_seconds(secs))
    }
}

/// Whether requests are logged: `debug_request_log` in the config, or `POSTERN_DEBUG_REQUESTS=1`.
/// Off by default (only errors are logged); when on, a warning says what it reveals.
fn request_log_wanted(configured: bool) -> bool {
    let env = std::env::var_os("POSTERN_DEBUG_REQUESTS").is_some_and(|v| v == "1");
    let on = configured || env;
    if on {
        tracing::warn!(
            "debug request logging is on: one line per request, with its time and latency, which can help match a source's visits to tor traffic; turn it off in production"
        );
    }
    on
}

/// `app`, with one log line per request if `on`.
fn with_request_log(app: axum::Router, on: bool) -> axum::Router {
    if on {
        app.layer(axum::middleware::from_fn(kit::headers::log_request))
    } else {
        app
    }
}

/// Serves the configured interfaces until a shutdown signal.
pub async fn serve(cfg: Config, clock: Arc<dyn Clock>) -> Result<()> {
    let listen = Listen::parse(&cfg.file.source.listen)?;
    let cookie_secure = cfg.file.source.cookie_secure;
    let source_proxy = cfg.file.source.proxy_protocol;
    let journalist_proxy = cfg
        .file
        .journalist
        .as_ref()
        .is_some_and(|j| j.proxy_protocol);
    // The journalist interface and retention (checked before anything listens).
    let index = Arc::new(SpoolIndex::new(
        Spool::open(&cfg.spool_dir()).context("opening the spool")?,
        cfg.signing_key.verifying_key(),
    ));
    let states = Arc::new(JournalistStates::new(&cfg.file.data_dir));
    // An upload deletion that a crash interrupted is finished before anything listens.
    let finished = index
        .finish_deletions()
        .context("finishing an interrupted deletion")?;
    if finished > 0 {
        tracing::info!(finished, "finished interrupted deletions of uploads");
    }
    let journalist = journalist::prepare(&cfg, index.clone(), states.clone(), clock.clone())?;
    if journalist.is_some() {
        // Read and verify every record once now, so the first sources page is not the slow one.
        let warm = index.clone();
        tokio::task::spawn_blocking(move || {
            let _ = warm.sources();
        });
    }
    if let Some(days) = cfg.file.retention_days {
        // Now (an error stops the server from starting), then daily.
        retention::run(&index, &states, days, clock.today())?;
        let (index, states, clock) = (index.clone(), states.clone(), clock.clone());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(24 * 3600));
            tick.tick().await; // the first tick is immediate: that run was done above
            loop {
                tick.tick().await;
                let (index, states, now) = (index.clone(), states.clone(), clock.today());
                let run =
                    tokio::task::spawn_blocking(move || retention::run(&index, &states, days, now));
                if !matches!(run.await, Ok(Ok(_))) {
                    tracing::warn!(
                        "the daily retention run failed; it will be tried again tomorrow"
                    );
                }
            }
        });
    }
    let cfg_log = cfg.file.debug_request_log;
    let state = source::build_state(cfg, clock)?;
    let conn = ConnLimits {
        max: state.limits.max_connections,
        header_timeout: Duration::from_secs(state.limits.header_read_seconds.max(1)),
        write_timeout: Duration::from_secs(state.limits.write_timeout_seconds.max(1)),
        proxy: source_proxy,
        per_circuit: state.limits.max_connections_per_circuit,
    };
    if let Some(j) = &journalist {
        // A journalist's deletion of an upload tells the resumable uploads' index.
        j.state.attach_uploads(state.uploads.clone());
    }
    let request_log = request_log_wanted(cfg_log);
    let app = with_request_log(source::app(state.clone(), cookie_secure), request_log);
    let listener = Listener::bind(listen, "source interface").await?;
    // Reply identities of sessions that went idle are dropped (and zeroised) within a minute.
    let ring = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            ring.keyring.prune();
            // Circuits that have not logged in for a while are forgotten.
            ring.circuit_limiter.forget_quiet();
        }
    });
    // Hourly: abandoned resumable uploads are removed with their segments, and what a failed
    // request left in flight is settled (orphan segments removed, manifests written).
    let sweeper = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(3600));
        loop {
            tick.tick().await;
            let st = sweeper.clone();
            let _ = tokio::task::spawn_blocking(move || {
                st.uploads.expire(&st.store, st.store.today());
                st.uploads
                    .sweep_orphans(&st.store, |id| st.uploads.lock(*id))
            })
            .await;
        }
    });
    if let Some(j) = &journalist {
        // Circuits that have not tried to log in for a while are forgotten.
        let quiet = j.state.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(60));
            loop {
                tick.tick().await;
                quiet.forget_quiet_circuits();
            }
        });
    }
    let journalist = match journalist {
        Some(j) => Some((
            Listener::bind(j.listen, "journalist interface").await?,
            with_request_log(journalist::app(j.state), request_log),
        )),
        None => None,
    };
    raise_fd_limit(if journalist.is_some() { 2 } else { 1 }, conn.max);
    let journalist_serve = async move {
        match journalist {
            Some((l, app)) => {
                l.serve(
                    app,
                    ConnLimits {
                        proxy: journalist_proxy,
                        ..conn
                    },
                )
                .await
            }
            None => std::future::pending().await,
        }
    };
    // Every listener is bound: tell systemd.
    crate::systemd::notify_ready();
    tokio::select! {
        () = listener.serve(app, conn) => {}
        () = journalist_serve => {}
        () = shutdown_signal() => {}
    }
    tracing::info!("shutting down");
    Ok(())
}
