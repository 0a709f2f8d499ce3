//! Listeners and the accept loop: TCP on loopback, unix sockets, or sockets passed by systemd;
//! one task per connection, HTTP/1.1 only, a header-read timeout against slowloris, and no
//! `Date` header. Each listener has a connection cap (a connection over it is closed at once,
//! before a byte is read) and a write timeout (a client that never reads its response loses
//! the connection). A request hyper refuses by itself (400, 414, 431) gets no answer, only a
//! closed connection ([`OwnErrorsClosed`]): hyper's own answers would lack the header set.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use anyhow::{Context, Result};
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use tower::ServiceExt;

use crate::config::Listen;

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

    /// Accepts connections forever, each served on its own task, at most `conn.max` at a time.
    pub async fn serve(self, app: Router, conn: ConnLimits) {
        let permits = Arc::new(tokio::sync::Semaphore::new(conn.max.max(1)));
        match self {
            Listener::Tcp(listener) => loop {
                match listener.accept().await {
                    // The peer address is dropped here: it is always tor, and never logged.
                    Ok((stream, _peer)) => {
                        if let Ok(permit) = permits.clone().try_acquire_owned() {
                            spawn_connection(stream, app.clone(), conn, permit);
                        }
                    }
                    Err(_) => accept_backoff().await,
                }
            },
            Listener::Unix(listener) => loop {
                match listener.accept().await {
                    Ok((stream, _)) => {
                        if let Ok(permit) = permits.clone().try_acquire_owned() {
                            spawn_connection(stream, app.clone(), conn, permit);
                        }
                    }
                    Err(_) => accept_backoff().await,
                }
            },
        }
    }
}

/// The per-connection limits of a listener.
#[derive(Clone, Copy, Debug)]
pub struct ConnLimits {
    /// Most open connections; more are closed at once.
    pub max: usize,
    /// Time a client has to send its request headers.
    pub header_timeout: Duration,
    /// Time a write may wait for the client to read.
    pub write_timeout: Duration,
}

/// Descriptors one connection may hold at once: its socket, an upload's temporary and its
/// second handle for background flushes, and a spool file being read or committed.
pub const FDS_PER_CONNECTION: u64 = 4;
/// Descriptors the server holds besides connections (listeners, runtime, logs, spool).
pub const FDS_BASE: u64 = 64;

/// Raises the soft descriptor limit to the hard one and logs the budget: `listeners` listeners
/// of `max_connections` each, at [`FDS_PER_CONNECTION`], plus [`FDS_BASE`]. Returns the soft
/// limit in effect and the budget.
pub fn raise_fd_limit(listeners: u64, max_connections: usize) -> (u64, u64) {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut lim = getrlimit(Resource::Nofile);
    if lim.current != lim.maximum {
        lim.current = lim.maximum;
        if setrlimit(Resource::Nofile, lim).is_err() {
            tracing::warn!("cannot raise the descriptor limit to the hard limit");
        }
    }
    let soft = getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX);
    let budget = listeners
        .saturating_mul(max_connections as u64)
        .saturating_mul(FDS_PER_CONNECTION)
        .saturating_add(FDS_BASE);
    if budget > soft {
        tracing::warn!(
            soft_limit = soft,
            budget,
            "the descriptor budget (connections x descriptors each) is above the limit: lower max_connections or raise LimitNOFILE"
        );
    } else {
        tracing::info!(soft_limit = soft, budget, "descriptor budget");
    }
    (soft, budget)
}

/// After a failed accept (out of file descriptors, say), wait a little rather than spin.
async fn accept_backoff() {
    tokio::time::sleep(Duration::from_millis(50)).await;
}

pub async fn shutdown_signal() {
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

/// Serves one HTTP/1.1 connection, with a header-read timeout against slowloris, a write
/// timeout, and no `Date` header (the server's clock can fingerprint an onion host). The
/// permit is held until the connection ends.
fn spawn_connection<S>(
    stream: S,
    app: Router,
    conn: ConnLimits,
    permit: tokio::sync::OwnedSemaphorePermit,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let answered = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let stream = WriteTimeout::new(
        OwnErrorsClosed::new(stream, answered.clone()),
        conn.write_timeout,
    );
    let header_timeout = conn.header_timeout;
    tokio::spawn(async move {
        let _permit = permit;
        let service =
            hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                let app = app.clone();
                answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
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

/// A stream that closes the connection instead of sending hyper's own error responses.
///
/// hyper answers a request it cannot parse (400, 414, 431) by itself, before any layer runs, so
/// those answers would lack the security headers. Every other response head on a connection
/// answers a request the app was given, and hyper writes each head at the start of a write. So
/// this stream counts the requests handed to the app (`answered`, counted by the service) and
/// the response heads written (writes that begin with `HTTP/1.`, interim `100 Continue` aside);
/// a head beyond the count is hyper's own, and the write fails instead, which closes the
/// connection without an answer. (Pages and downloads never begin a body write with
/// `HTTP/1.`: they are HTML, CSS, JSON, text or age ciphertext.)
pub struct OwnErrorsClosed<S> {
    inner: S,
    answered: Arc<std::sync::atomic::AtomicU64>,
    heads: u64,
}

impl<S> OwnErrorsClosed<S> {
    pub fn new(inner: S, answered: Arc<std::sync::atomic::AtomicU64>) -> OwnErrorsClosed<S> {
        OwnErrorsClosed {
            inner,
            answered,
            heads: 0,
        }
    }

    /// Whether a write that begins with `start` begins a final response head.
    fn is_head(start: &[u8]) -> bool {
        start.starts_with(b"HTTP/1.") && start.get(9..13) != Some(b"100 ".as_slice())
    }

    /// Whether that head answers no request the app was given.
    fn unasked(&self, start: &[u8]) -> bool {
        Self::is_head(start)
            && self.heads >= self.answered.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Counts a head once its write went (at least partly) out: a pending write is retried
    /// with the same bytes.
    fn wrote(&mut self, start: &[u8], result: &Poll<std::io::Result<usize>>) {
        if matches!(result, Poll::Ready(Ok(n)) if *n > 0) && Self::is_head(start) {
            self.heads += 1;
        }
    }
}

fn own_error() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        "a request that did not parse: closed unanswered",
    )
}

impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for OwnErrorsClosed<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for OwnErrorsClosed<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if self.unasked(buf) {
            return Poll::Ready(Err(own_error()));
        }
        let result = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.wrote(buf, &result);
        result
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let first = bufs
            .iter()
            .find(|b| !b.is_empty())
            .map(|b| &b[..])
            .unwrap_or(&[]);
        if self.unasked(first) {
            return Poll::Ready(Err(own_error()));
        }
        let result = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.wrote(first, &result);
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// A stream whose writes fail once the client has read nothing for `timeout`.
pub struct WriteTimeout<S> {
    inner: S,
    timeout: Duration,
    stalled: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<S> WriteTimeout<S> {
    pub fn new(inner: S, timeout: Duration) -> WriteTimeout<S> {
        WriteTimeout {
            inner,
            timeout,
            stalled: None,
        }
    }

    /// After a write that could not proceed: fails once the stall lasted `timeout`.
    fn pending<T>(&mut self, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<T>> {
        let timeout = self.timeout;
        let sleep = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        if sleep.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the client read nothing for too long",
            )));
        }
        Poll::Pending
    }
}

impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for WriteTimeout<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for WriteTimeout<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write(cx, buf) {
            Poll::Pending => self.pending(cx),
            ready => {
                self.stalled = None;
                ready
            }
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<std::io::Result<()>> {
        match Pin::new(&mut self.inner).poll_flush(cx) {
            Poll::Pending => self.pending(cx),
            ready => {
                self.stalled = None;
                ready
            }
        }
    }

    fn poll_shutdown(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<std::io::Result<()>> {
        match Pin::new(&mut self.inner).poll_shutdown(cx) {
            Poll::Pending => self.pending(cx),
            ready => ready,
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write_vectored(cx, bufs) {
            Poll::Pending => self.pending(cx),
            ready => {
                self.stalled = None;
                ready
            }
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
